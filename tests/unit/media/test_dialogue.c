/*
 * The scripted dialogue engine: the order of a whole conversation, moving
 * on when the contact is silent or speech-to-text is slow, answering an
 * objection once, closing at the maximum duration, and the placeholders of
 * a prompt.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/media/dialogue.h"

static const char *const lines[] = {"Line one.", "", "Line three."};
static const struct dialogue_objection objections[] = {
    {"busy|no time|call me later", "I will be quick."},
    {"email", "I can send you an e-mail."},
};
static const struct dialogue_script script = {
    .greeting = "Hello!",
    .lines = lines,
    .n_lines = 3,
    .closing = "Goodbye.",
    .objections = objections,
    .n_objections = 2,
};
static const struct dialogue_timing timing = {
    .reply_timeout_ms = 5000, .stt_timeout_ms = 3000, .max_duration_ms = 600000};

/* Agent finishes the prompt at t, contact speaks from t+500 to t+1500,
 * words arrive at t+1800. Returns the next action. */
static struct dialogue_action turn(struct dialogue *d, int64_t t, uint64_t utt, const char *text)
{
    struct dialogue_action a = dialogue_agent_done(d, t);
    cr_assert_eq(a.act, DIALOGUE_ACT_NONE);
    dialogue_contact_started(d, t + 500);
    dialogue_contact_stopped(d, utt, t + 1500);
    cr_assert_eq(dialogue_tick(d, t + 1600).act, DIALOGUE_ACT_NONE);
    return dialogue_contact_said(d, utt, text, t + 1800);
}

Test(dialogue, prompts_are_numbered_greeting_lines_closing_objections)
{
    cr_assert_eq(dialogue_prompt_count(&script), 7);
    cr_assert_str_eq(dialogue_prompt_text(&script, 0), "Hello!");
    cr_assert_str_eq(dialogue_prompt_text(&script, 1), "Line one.");
    cr_assert_str_eq(dialogue_prompt_text(&script, 3), "Line three.");
    cr_assert_str_eq(dialogue_prompt_text(&script, 4), "Goodbye.");
    cr_assert_str_eq(dialogue_prompt_text(&script, 5), "I will be quick.");
    cr_assert_str_eq(dialogue_prompt_text(&script, 6), "I can send you an e-mail.");
    cr_assert_str_eq(dialogue_prompt_text(&script, 7), "");
}

Test(dialogue, follows_the_script_in_order_and_hangs_up_after_the_closing)
{
    struct dialogue d;
    dialogue_init(&d, &script, &timing);
    struct dialogue_action a = dialogue_start(&d, 0);
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 0);

    a = turn(&d, 2000, 1, "hi who is this");
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 1);
    a = turn(&d, 6000, 2, "okay");
    cr_assert_eq(a.prompt, 3, "the empty second line is skipped");
    a = turn(&d, 10000, 3, "sure");
    cr_assert_eq(a.prompt, 4, "then the closing line");
    a = dialogue_agent_done(&d, 12000);
    cr_assert_eq(a.act, DIALOGUE_ACT_HANGUP);
    cr_assert_eq(d.state, DIALOGUE_DONE);
    cr_assert_not(dialogue_hit_max_duration(&d));
}

Test(dialogue, silence_moves_on_after_the_reply_timeout)
{
    struct dialogue d;
    dialogue_init(&d, &script, &timing);
    dialogue_start(&d, 0);
    dialogue_agent_done(&d, 2000);
    cr_assert_eq(dialogue_tick(&d, 6999).act, DIALOGUE_ACT_NONE);
    struct dialogue_action a = dialogue_tick(&d, 7000);
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 1);
}

Test(dialogue, a_contact_still_speaking_holds_the_timeout)
{
    struct dialogue d;
    dialogue_init(&d, &script, &timing);
    dialogue_start(&d, 0);
    dialogue_contact_started(&d, 1500); /* talks over the end of the greeting */
    dialogue_agent_done(&d, 2000);
    cr_assert_eq(dialogue_tick(&d, 20000).act, DIALOGUE_ACT_NONE);
    dialogue_contact_stopped(&d, 7, 21000);
    cr_assert_eq(dialogue_contact_said(&d, 6, "stale words", 21100).act, DIALOGUE_ACT_NONE,
                 "words of an older utterance do not end the turn");
    struct dialogue_action a = dialogue_contact_said(&d, 7, "yes", 21200);
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 1);
}

Test(dialogue, slow_speech_to_text_does_not_stall_the_call)
{
    struct dialogue d;
    dialogue_init(&d, &script, &timing);
    dialogue_start(&d, 0);
    dialogue_agent_done(&d, 2000);
    dialogue_contact_started(&d, 2500);
    dialogue_contact_stopped(&d, 1, 3000);
    cr_assert_eq(dialogue_tick(&d, 5999).act, DIALOGUE_ACT_NONE);
    struct dialogue_action a = dialogue_tick(&d, 6000);
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 1);
    cr_assert_eq(dialogue_contact_said(&d, 1, "late words", 6100).act, DIALOGUE_ACT_NONE);
}

Test(dialogue, an_objection_is_answered_once_then_the_script_goes_on)
{
    struct dialogue d;
    dialogue_init(&d, &script, &timing);
    dialogue_start(&d, 0);
    struct dialogue_action a = turn(&d, 2000, 1, "Sorry, I'm BUSY right now.");
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 5);
    a = turn(&d, 5000, 2, "I am busy I said");
    cr_assert_eq(a.prompt, 1, "the same objection is not answered twice");
    a = turn(&d, 9000, 3, "just send an email");
    cr_assert_eq(a.prompt, 6);
    a = turn(&d, 12000, 4, "ok");
    cr_assert_eq(a.prompt, 3, "the script resumes where it was");
}

Test(dialogue, objections_match_whole_words_ignoring_case_and_punctuation)
{
    cr_assert_eq(dialogue_match_objection(&script, 0, "Call me LATER, please"), 0);
    cr_assert_eq(dialogue_match_objection(&script, 0, "No... time, sorry!"), 0);
    cr_assert_eq(dialogue_match_objection(&script, 0, "what a busybody"), -1);
    cr_assert_eq(dialogue_match_objection(&script, 0, "emails are fine"), -1);
    cr_assert_eq(dialogue_match_objection(&script, 1, "I am busy, send an email"), 1,
                 "an objection already used is skipped");
    cr_assert_eq(dialogue_match_objection(&script, 0, ""), -1);
}

Test(dialogue, the_maximum_duration_closes_the_call)
{
    struct dialogue_timing short_call = timing;
    short_call.max_duration_ms = 10000;
    struct dialogue d;
    dialogue_init(&d, &script, &short_call);
    dialogue_start(&d, 0);
    cr_assert_eq(dialogue_tick(&d, 10000).act, DIALOGUE_ACT_NONE,
                 "the greeting being said is finished first");
    struct dialogue_action a = dialogue_agent_done(&d, 11000);
    cr_assert_eq(a.act, DIALOGUE_ACT_SAY);
    cr_assert_eq(a.prompt, 4);
    cr_assert(dialogue_hit_max_duration(&d));
    cr_assert_eq(dialogue_agent_done(&d, 12000).act, DIALOGUE_ACT_HANGUP);
}

Test(dialogue, an_empty_script_hangs_up_at_once)
{
    const struct dialogue_script empty = {0};
    struct dialogue d;
    dialogue_init(&d, &empty, &timing);
    cr_assert_eq(dialogue_start(&d, 0).act, DIALOGUE_ACT_HANGUP);
}

Test(dialogue, placeholders_are_rendered)
{
    const struct dialogue_vars vars = {
        .name = "Ana Lopez", .first_name = "Ana", .company_name = "Acme"};
    char out[128];
    size_t n = dialogue_render("Hi {first_name}, this is {company_name}. {unknown} {", &vars, out,
                               sizeof(out));
    cr_assert_str_eq(out, "Hi Ana, this is Acme. {unknown} {");
    cr_assert_eq(n, strlen(out));

    const struct dialogue_vars only_name = {.name = "Bob"};
    dialogue_render("Hi {first_name}", &only_name, out, sizeof(out));
    cr_assert_str_eq(out, "Hi Bob", "first_name falls back to name");

    n = dialogue_render("Hello {name}", &vars, out, 8);
    cr_assert_str_eq(out, "Hello A", "truncated and terminated");
    cr_assert_eq(n, 15);
}
