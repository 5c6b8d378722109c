/*
 * The assistants service's rules (services/assistants/assistant_rules.c):
 * what a valid assistant is, with every error naming its field, which
 * fields an update may name, how a mask applies, and when an update
 * changes nothing.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/assistants/assistant_rules.h"

struct fixture {
    Ocpb__Assistant a;
    Ocpb__Script script;
    Ocpb__ScriptLine line[2];
    Ocpb__ScriptLine *lines[2];
    Ocpb__WizardAnswers wizard;
    Ocpb__FaqEntry faq;
    Ocpb__FaqEntry *faqs[1];
    Ocpb__Objection objection;
    Ocpb__Objection *objections[1];
};

/* A complete, valid assistant. */
static void valid(struct fixture *f)
{
    ocpb__assistant__init(&f->a);
    ocpb__script__init(&f->script);
    ocpb__wizard_answers__init(&f->wizard);
    ocpb__faq_entry__init(&f->faq);
    ocpb__objection__init(&f->objection);
    for (int i = 0; i < 2; i++) {
        ocpb__script_line__init(&f->line[i]);
        f->lines[i] = &f->line[i];
    }
    f->a.name = "Demo agent";
    f->a.language = OCPB__LANGUAGE__LANGUAGE_ES;
    f->a.greeting = "Hola, ¿hablo con la persona responsable de ventas?";
    f->line[0].text = "Le llamo de Acme para presentarle nuestra plataforma.";
    f->line[1].text = "¿Le vendría bien una demostración la semana que viene?";
    f->script.objective = "book a demo";
    f->script.lines = f->lines;
    f->script.n_lines = 2;
    f->script.closing_line = "Gracias, ¡hasta pronto!";
    f->a.script = &f->script;
    f->faq.question = "¿Cuánto cuesta?";
    f->faq.answer = "Depende del volumen de llamadas.";
    f->faqs[0] = &f->faq;
    f->wizard.company_name = "Acme";
    f->wizard.agent_name = "Lucía";
    f->wizard.faq = f->faqs;
    f->wizard.n_faq = 1;
    f->a.wizard = &f->wizard;
    f->objection.trigger = "no tengo tiempo|estoy ocupado";
    f->objection.response = "Lo entiendo, solo serán dos minutos.";
    f->objections[0] = &f->objection;
    f->a.objections = f->objections;
    f->a.n_objections = 1;
    f->a.voice = "es";
    f->a.max_duration_s = 300;
}

/* Checks f and expects an error that starts with prefix. */
static void refused(const struct fixture *f, const char *prefix)
{
    char err[256] = "";
    cr_assert_eq(assistant_check(&f->a, err, sizeof(err)), OC_ERR_INVALID,
                 "accepted; expected an error about %s", prefix);
    cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "error \"%s\" does not start with %s",
                 err, prefix);
}

Test(assistant_rules, a_complete_assistant_is_valid)
{
    struct fixture f;
    char err[256] = "";
    valid(&f);
    cr_expect_eq(assistant_check(&f.a, err, sizeof(err)), OC_OK, "%s", err);
}

Test(assistant_rules, an_assistant_without_script_or_wizard_is_valid)
{
    struct fixture f;
    char err[256] = "";
    valid(&f);
    f.a.script = NULL;
    f.a.wizard = NULL;
    f.a.n_objections = 0;
    f.a.voice = "";
    f.a.max_duration_s = 0;
    cr_expect_eq(assistant_check(&f.a, err, sizeof(err)), OC_OK, "%s", err);
}

Test(assistant_rules, name_language_and_greeting_are_required)
{
    struct fixture f;
    valid(&f);
    f.a.name = "";
    refused(&f, "name: required");
    valid(&f);
    f.a.name = "   ";
    refused(&f, "name: blank");
    valid(&f);
    f.a.language = OCPB__LANGUAGE__LANGUAGE_UNSPECIFIED;
    refused(&f, "language: required");
    valid(&f);
    f.a.language = (Ocpb__Language)7;
    refused(&f, "language: must be en or es");
    valid(&f);
    f.a.greeting = "";
    refused(&f, "greeting: required");
}

Test(assistant_rules, lengths_are_counted_in_characters_not_bytes)
{
    struct fixture f;
    char name[2 * ASSISTANT_NAME_MAX + 3];
    char err[256] = "";
    valid(&f);
    /* 100 two-byte characters fit; 101 do not. */
    name[0] = '\0';
    for (int i = 0; i < ASSISTANT_NAME_MAX; i++)
        strcat(name, "ñ");
    f.a.name = name;
    cr_expect_eq(assistant_check(&f.a, err, sizeof(err)), OC_OK, "%s", err);
    strcat(name, "ñ");
    refused(&f, "name: at most 100 characters, got 101");
}

Test(assistant_rules, broken_text_and_control_characters_are_refused)
{
    struct fixture f;
    valid(&f);
    f.a.greeting = "Hola \xc3";
    refused(&f, "greeting: not valid text");
    valid(&f);
    f.a.name = "Demo\nagent";
    refused(&f, "name: not valid text");
    valid(&f);
    f.a.greeting = "Hola \xed\xa0\x80";
    refused(&f, "greeting: not valid text");
    valid(&f);
    f.a.greeting = "Hola.\nSoy Lucía.";
    char err[256] = "";
    cr_expect_eq(assistant_check(&f.a, err, sizeof(err)), OC_OK, "a line break in a greeting: %s",
                 err);
}

Test(assistant_rules, script_errors_name_the_line)
{
    struct fixture f;
    valid(&f);
    f.line[1].text = "  ";
    refused(&f, "script.lines[1].text: blank");
    valid(&f);
    f.line[0].text = "";
    refused(&f, "script.lines[0].text: required");
    valid(&f);
    f.script.n_lines = ASSISTANT_LINES_MAX + 1;
    refused(&f, "script.lines: at most");
}

Test(assistant_rules, wizard_and_objection_errors_name_the_entry)
{
    struct fixture f;
    valid(&f);
    f.faq.answer = "";
    refused(&f, "wizard.faq[0].answer: required");
    valid(&f);
    f.objection.response = "";
    refused(&f, "objections[0].response: required");
    valid(&f);
    f.objection.trigger = "";
    refused(&f, "objections[0].trigger: required");
}

Test(assistant_rules, settings_out_of_range_are_refused)
{
    struct fixture f;
    valid(&f);
    f.a.voice = "es; rm -rf /";
    refused(&f, "voice:");
    valid(&f);
    f.a.max_duration_s = 10;
    refused(&f, "max_duration_s:");
    valid(&f);
    f.a.max_duration_s = ASSISTANT_MAX_DURATION_S + 1;
    refused(&f, "max_duration_s:");
    valid(&f);
    f.a.tts_engine = (Ocpb__TtsEngine)9;
    refused(&f, "tts_engine:");
    valid(&f);
    f.a.dialogue_engine = OCPB__DIALOGUE_ENGINE__DIALOGUE_ENGINE_OPENAI;
    f.a.stt_engine = OCPB__STT_ENGINE__STT_ENGINE_OPENAI;
    char err[256] = "";
    cr_expect_eq(assistant_check(&f.a, err, sizeof(err)), OC_OK, "%s", err);
}

Test(assistant_rules, the_name_is_trimmed)
{
    struct fixture f;
    struct oc_arena *a = NULL;
    cr_assert_eq(oc_arena_new(&a, 1024), OC_OK);
    valid(&f);
    f.a.name = "  Demo agent \n";
    cr_assert_eq(assistant_normalize(a, &f.a), OC_OK);
    cr_expect_str_eq(f.a.name, "Demo agent");
    oc_arena_free(a);
}

Test(assistant_rules, a_mask_names_fields_that_can_change)
{
    char err[256] = "";
    char *ok[] = {"name", "greeting", "script", "wizard", "objections", "max_duration_s"};
    cr_expect_eq(assistant_check_mask(ok, 6, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(assistant_check_mask(NULL, 0, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "update_mask") != NULL, "%s", err);
    char *bad[] = {"name", "version"};
    cr_expect_eq(assistant_check_mask(bad, 2, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "update_mask[1]") && strstr(err, "version"), "%s", err);
    char *id[] = {"id"};
    cr_expect_eq(assistant_check_mask(id, 1, err, sizeof(err)), OC_ERR_INVALID);
}

Test(assistant_rules, applying_a_mask_changes_only_the_named_fields)
{
    struct fixture cur, in;
    valid(&cur);
    ocpb__assistant__init(&in.a);
    in.a.name = "Renamed";
    in.a.greeting = "Not this one";
    in.a.language = OCPB__LANGUAGE__LANGUAGE_EN;
    char *mask[] = {"name", "language", "script"};
    Ocpb__Assistant next = cur.a;
    assistant_apply_mask(&next, &in.a, mask, 3);
    cr_expect_str_eq(next.name, "Renamed");
    cr_expect_eq(next.language, OCPB__LANGUAGE__LANGUAGE_EN);
    cr_expect_null(next.script, "a masked script left unset should clear it");
    cr_expect_str_eq(next.greeting, cur.a.greeting);
    cr_expect_eq(next.wizard, cur.a.wizard);
    cr_expect_eq(next.n_objections, 1);
}

Test(assistant_rules, same_content_ignores_identity_but_not_content)
{
    struct fixture f;
    valid(&f);
    Ocpb__Assistant b = f.a;
    b.id = "3f1c0e9e-0000-4000-8000-000000000001";
    b.version = 7;
    b.created_unix_ms = 1;
    b.updated_unix_ms = 2;
    cr_expect(assistant_same_content(&f.a, &b));
    b.greeting = "Something else";
    cr_expect_not(assistant_same_content(&f.a, &b));
}
