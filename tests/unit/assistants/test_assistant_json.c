/*
 * The jsonb columns of an assistant (services/assistants/assistant_json.c):
 * what is written is read back the same, an absent script or wizard stays
 * absent, and a column of the wrong shape is refused rather than misread.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/assistants/assistant_json.h"

static struct oc_arena *arena;

static void setup(void)
{
    cr_assert_eq(oc_arena_new(&arena, 4096), OC_OK);
}

static void teardown(void)
{
    oc_arena_free(arena);
}

TestSuite(assistant_json, .init = setup, .fini = teardown);

Test(assistant_json, a_full_assistant_round_trips)
{
    Ocpb__Assistant x = OCPB__ASSISTANT__INIT, y = OCPB__ASSISTANT__INIT;
    Ocpb__Script script = OCPB__SCRIPT__INIT;
    Ocpb__ScriptLine l1 = OCPB__SCRIPT_LINE__INIT, l2 = OCPB__SCRIPT_LINE__INIT;
    Ocpb__ScriptLine *lines[] = {&l1, &l2};
    Ocpb__WizardAnswers w = OCPB__WIZARD_ANSWERS__INIT;
    Ocpb__FaqEntry faq = OCPB__FAQ_ENTRY__INIT;
    Ocpb__FaqEntry *faqs[] = {&faq};
    Ocpb__Objection ob = OCPB__OBJECTION__INIT;
    Ocpb__Objection *obs[] = {&ob};
    struct assistant_json j;

    l1.text = "Line \"one\"\nwith a break";
    l2.text = "Línea dos";
    script.objective = "book a demo";
    script.lines = lines;
    script.n_lines = 2;
    script.closing_line = "Bye";
    faq.question = "Price?";
    faq.answer = "It depends.";
    w.company_name = "Acme";
    w.tone = "friendly";
    w.faq = faqs;
    w.n_faq = 1;
    ob.trigger = "busy|no time";
    ob.response = "Two minutes only.";
    x.script = &script;
    x.wizard = &w;
    x.objections = obs;
    x.n_objections = 1;
    x.stt_engine = OCPB__STT_ENGINE__STT_ENGINE_POCKETSPHINX;
    x.dialogue_engine = OCPB__DIALOGUE_ENGINE__DIALOGUE_ENGINE_OPENAI;

    cr_assert_eq(assistant_json_write(arena, &x, &j), OC_OK);
    cr_assert_eq(assistant_json_read(arena, &j, &y), OC_OK);
    cr_assert_not_null(y.script);
    cr_expect_str_eq(y.script->objective, "book a demo");
    cr_assert_eq(y.script->n_lines, 2);
    cr_expect_str_eq(y.script->lines[0]->text, "Line \"one\"\nwith a break");
    cr_expect_str_eq(y.script->lines[1]->text, "Línea dos");
    cr_expect_str_eq(y.script->closing_line, "Bye");
    cr_assert_not_null(y.wizard);
    cr_expect_str_eq(y.wizard->company_name, "Acme");
    cr_expect_str_eq(y.wizard->tone, "friendly");
    cr_expect_str_eq(y.wizard->product, "");
    cr_assert_eq(y.wizard->n_faq, 1);
    cr_expect_str_eq(y.wizard->faq[0]->answer, "It depends.");
    cr_assert_eq(y.n_objections, 1);
    cr_expect_str_eq(y.objections[0]->trigger, "busy|no time");
    cr_expect_eq(y.stt_engine, OCPB__STT_ENGINE__STT_ENGINE_POCKETSPHINX);
    cr_expect_eq(y.tts_engine, OCPB__TTS_ENGINE__TTS_ENGINE_UNSPECIFIED);
    cr_expect_eq(y.dialogue_engine, OCPB__DIALOGUE_ENGINE__DIALOGUE_ENGINE_OPENAI);
}

Test(assistant_json, absent_parts_stay_absent)
{
    Ocpb__Assistant x = OCPB__ASSISTANT__INIT, y = OCPB__ASSISTANT__INIT;
    struct assistant_json j;
    cr_assert_eq(assistant_json_write(arena, &x, &j), OC_OK);
    cr_expect_str_eq(j.script, "{}");
    cr_expect_str_eq(j.wizard, "{}");
    cr_expect_str_eq(j.objections, "[]");
    cr_expect_str_eq(j.engines, "{}");
    cr_assert_eq(assistant_json_read(arena, &j, &y), OC_OK);
    cr_expect_null(y.script);
    cr_expect_null(y.wizard);
    cr_expect_eq(y.n_objections, 0);
}

Test(assistant_json, an_empty_script_is_kept_apart_from_no_script)
{
    Ocpb__Assistant x = OCPB__ASSISTANT__INIT, y = OCPB__ASSISTANT__INIT;
    Ocpb__Script script = OCPB__SCRIPT__INIT;
    struct assistant_json j;
    x.script = &script;
    cr_assert_eq(assistant_json_write(arena, &x, &j), OC_OK);
    cr_assert_eq(assistant_json_read(arena, &j, &y), OC_OK);
    cr_assert_not_null(y.script);
    cr_expect_eq(y.script->n_lines, 0);
}

Test(assistant_json, columns_of_the_wrong_shape_are_refused)
{
    const struct assistant_json bad[] = {
        {"[]", "{}", "[]", "{}"},
        {"{\"lines\": \"one\"}", "{}", "[]", "{}"},
        {"{\"lines\": [1]}", "{}", "[]", "{}"},
        {"{}", "{\"faq\": [\"q\"]}", "[]", "{}"},
        {"{}", "{}", "{}", "{}"},
        {"{}", "{}", "[{\"trigger\": 3}]", "{}"},
        {"{}", "{}", "[]", "{\"stt\": \"whisper\"}"},
        {"not json", "{}", "[]", "{}"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Ocpb__Assistant y = OCPB__ASSISTANT__INIT;
        y.name = "untouched";
        cr_expect_eq(assistant_json_read(arena, &bad[i], &y), OC_ERR_INVALID, "case %zu read", i);
        cr_expect_null(y.script, "case %zu wrote a script", i);
    }
}
