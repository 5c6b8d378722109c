/*
 * The system prompt of an assistant (services/assistants/prompt.c): in the
 * assistant's language, with its greeting, its script in order, its
 * objections and answers, and without sections it has nothing for.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../../services/assistants/prompt.h"

static struct oc_arena *arena;

static void setup(void)
{
    cr_assert_eq(oc_arena_new(&arena, 512), OC_OK);
}

static void teardown(void)
{
    oc_arena_free(arena);
}

TestSuite(prompt, .init = setup, .fini = teardown);

Test(prompt, english_prompt_carries_the_whole_assistant_in_order)
{
    Ocpb__Assistant x = OCPB__ASSISTANT__INIT;
    Ocpb__Script script = OCPB__SCRIPT__INIT;
    Ocpb__ScriptLine l1 = OCPB__SCRIPT_LINE__INIT, l2 = OCPB__SCRIPT_LINE__INIT;
    Ocpb__ScriptLine *lines[] = {&l1, &l2};
    Ocpb__WizardAnswers w = OCPB__WIZARD_ANSWERS__INIT;
    Ocpb__Objection ob = OCPB__OBJECTION__INIT;
    Ocpb__Objection *obs[] = {&ob};
    x.language = OCPB__LANGUAGE__LANGUAGE_EN;
    x.greeting = "Hi, is this the sales manager?";
    l1.text = "We help teams call every lead on time.";
    l2.text = "Would a demo next week help?";
    script.objective = "book a demo";
    script.lines = lines;
    script.n_lines = 2;
    script.closing_line = "Thanks, goodbye.";
    x.script = &script;
    w.company_name = "Acme";
    w.agent_name = "Sam";
    x.wizard = &w;
    ob.trigger = "too busy";
    ob.response = "Just two minutes.";
    x.objections = obs;
    x.n_objections = 1;

    char *p = prompt_render(arena, &x);
    cr_assert_not_null(p);
    cr_expect(strstr(p, "You are Sam") && strstr(p, "on behalf of Acme"), "%s", p);
    cr_expect(strstr(p, "Speak English only."), "%s", p);
    cr_expect(strstr(p, "Objective of the call: book a demo"), "%s", p);
    cr_expect(strstr(p, "\"Hi, is this the sales manager?\""), "%s", p);
    char *one = strstr(p, "1. We help teams call every lead on time.");
    char *two = strstr(p, "2. Would a demo next week help?");
    cr_expect(one && two && one < two, "script lines missing or out of order:\n%s", p);
    cr_expect(strstr(p, "\"Thanks, goodbye.\""), "%s", p);
    cr_expect(strstr(p, "\"too busy\"") && strstr(p, "\"Just two minutes.\""), "%s", p);
    cr_expect_null(strstr(p, "common questions"), "an empty FAQ section:\n%s", p);
}

Test(prompt, spanish_assistant_gets_a_spanish_prompt)
{
    Ocpb__Assistant x = OCPB__ASSISTANT__INIT;
    x.language = OCPB__LANGUAGE__LANGUAGE_ES;
    x.greeting = "Hola, ¿hablo con el responsable?";
    char *p = prompt_render(arena, &x);
    cr_assert_not_null(p);
    cr_expect(strstr(p, "Habla solo en español."), "%s", p);
    cr_expect(strstr(p, "Eres un agente comercial telefónico."), "%s", p);
    cr_expect(strstr(p, "\"Hola, ¿hablo con el responsable?\""), "%s", p);
    cr_expect_null(strstr(p, "guion"), "a script section without a script:\n%s", p);
    cr_expect_null(strstr(p, "English"), "%s", p);
}

Test(prompt, a_long_assistant_outgrows_the_first_buffer)
{
    Ocpb__Assistant x = OCPB__ASSISTANT__INIT;
    Ocpb__Script script = OCPB__SCRIPT__INIT;
    Ocpb__ScriptLine l[40];
    Ocpb__ScriptLine *lines[40];
    char text[40][64];
    for (int i = 0; i < 40; i++) {
        ocpb__script_line__init(&l[i]);
        snprintf(text[i], sizeof(text[i]), "This is line number %d of a long script.", i + 1);
        l[i].text = text[i];
        lines[i] = &l[i];
    }
    script.lines = lines;
    script.n_lines = 40;
    x.script = &script;
    x.language = OCPB__LANGUAGE__LANGUAGE_EN;
    x.greeting = "Hello";
    char *p = prompt_render(arena, &x);
    cr_assert_not_null(p);
    cr_expect(strstr(p, "1. This is line number 1 of a long script."));
    cr_expect(strstr(p, "40. This is line number 40 of a long script."));
    cr_expect(strstr(p, "Rules:"), "the prompt was cut short");
}
