/*
 * The optional model: what the analyzer asks an OpenAI-compatible chat
 * endpoint (a local stand-in, fake_openai_chat.c), how it validates the
 * answer against the analysis schema, and that every failure (an HTTP
 * error, a timeout, an answer that is not the schema) falls back to the
 * rules and says so in the analysis.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/analyzer/analyzer.h"
#include "../../../services/analyzer/llm.h"
#include "../../../services/analyzer/local_time.h"
#include "fake_openai_chat.h"
#include "oc/http_client.h"

static struct fake_chat *fake;
static struct oc_arena *arena;

static void setup(void)
{
    oc_http_global_init();
    fake = fake_chat_start();
    cr_assert_eq(oc_arena_new(&arena, 1 << 14), OC_OK);
}

static void teardown(void)
{
    fake_chat_stop(fake);
    oc_arena_free(arena);
}

TestSuite(llm, .init = setup, .fini = teardown);

/* A Spanish callback, 2026-03-10 10:15 in Madrid. */
static const struct turn turns[] = {
    {SPEAKER_AGENT, "Hola, le llamo de Telecable."},
    {SPEAKER_CONTACT, "Ahora no puedo. Llámame el viernes a las tres."},
};

static struct call_facts the_call(void)
{
    struct call_facts c = {.lang = LANG_ES,
                           .timezone = "Europe/Madrid",
                           .country = "ES",
                           .turns = turns,
                           .n_turns = 2};
    struct local_zone *z = NULL;
    cr_assert_eq(local_zone_new(&z, "Europe/Madrid"), OC_OK);
    c.started_ms = local_zone_to_ms(z, &(struct civil){2026, 3, 10, 10, 15});
    local_zone_free(z);
    return c;
}

static const char good[] =
    "{\"outcome\":\"callback\",\"follow_up\":true,\"follow_up_at\":\"2026-03-13T15:00:00\","
    "\"confidence\":\"high\",\"retry\":false,\"retry_at\":null,\"dnc\":false,\"dnc_risk\":null,"
    "\"alt_number\":null,\"alt_name\":null,\"alt_role\":null,\"email\":null,\"meeting_at\":null,"
    "\"contact_name\":null,\"reason\":\"Pidió que le llamaran el viernes a las 15:00.\","
    "\"summary\":\"Ocupada; quiere hablar el viernes.\"}";

static struct llm_config config(long timeout_ms)
{
    return (struct llm_config){.url = fake_chat_url(fake),
                               .model = "test-model",
                               .api_key = "sk-test",
                               .timeout_ms = timeout_ms};
}

Test(llm, reads_a_valid_answer)
{
    struct call_facts c = the_call();
    struct analysis a;
    char why[256] = "";
    struct llm_config cfg = config(5000);
    fake_chat_reply(fake, 200, good, 0);
    cr_assert_eq(llm_analyze(&cfg, &c, arena, &a, why, sizeof(why)), OC_OK, "%s", why);
    cr_expect_eq(a.outcome, OUTCOME_CALLBACK);
    cr_expect(a.follow_up);
    cr_expect_eq(a.follow_up_ms, c.started_ms + (3 * 24 * 60 + 4 * 60 + 45) * 60000LL);
    cr_expect_eq(a.confidence, CONFIDENCE_HIGH);
    /* What was asked: the model, JSON mode and the transcript. */
    const char *body = fake_chat_last_body(fake);
    cr_expect(strstr(body, "\"model\":\"test-model\"") != NULL, "%s", body);
    cr_expect(strstr(body, "json_object") != NULL);
    cr_expect(strstr(body, "viernes a las tres") != NULL);
}

Test(llm, refuses_answers_outside_the_schema)
{
    struct call_facts c = the_call();
    struct analysis a;
    char why[256];
    static const char *const bad[] = {
        "not json at all",
        "{\"outcome\":\"maybe\",\"follow_up\":false,\"retry\":false,\"dnc\":false}",
        "{\"outcome\":\"callback\",\"follow_up\":true,\"follow_up_at\":null,\"retry\":false,"
        "\"dnc\":false}",
        "{\"outcome\":\"callback\",\"follow_up\":true,\"follow_up_at\":\"2026-03-13T15:00:00\","
        "\"retry\":true,\"retry_at\":\"2026-03-12T10:15:00\",\"dnc\":false}",
        "{\"outcome\":\"callback\",\"follow_up\":true,\"follow_up_at\":\"2025-01-01T10:00:00\","
        "\"retry\":false,\"dnc\":false}",
        "{\"outcome\":\"callback\",\"follow_up\":true,\"follow_up_at\":\"2026-03-13T15:00:00\","
        "\"retry\":false,\"dnc\":false,\"alt_number\":\"123\"}",
        "{\"outcome\":\"not_interested\",\"follow_up\":false,\"retry\":false,\"dnc\":true,"
        "\"dnc_risk\":\"extreme\"}",
        "{\"outcome\":\"other\",\"follow_up\":\"no\",\"retry\":false,\"dnc\":false}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        cr_expect_eq(llm_parse_answer(bad[i], &c, arena, &a, why, sizeof(why)), OC_ERR_INVALID,
                     "accepted: %s", bad[i]);
        cr_expect(strncmp(why, "invalid output", 14) == 0, "why: %s", why);
    }
}

Test(llm, reports_http_errors_and_timeouts)
{
    struct call_facts c = the_call();
    struct analysis a;
    char why[256] = "";
    struct llm_config cfg = config(5000);
    fake_chat_reply(fake, 500, NULL, 0);
    cr_expect_neq(llm_analyze(&cfg, &c, arena, &a, why, sizeof(why)), OC_OK);
    cr_expect(strstr(why, "HTTP 500") != NULL, "why: %s", why);
    struct llm_config quick = config(500);
    fake_chat_reply(fake, 200, good, 1500);
    cr_expect_neq(llm_analyze(&quick, &c, arena, &a, why, sizeof(why)), OC_OK);
    cr_expect_str_eq(why, "timeout");
}

/* The service path: the model decides when it answers well, the rules otherwise. */
static Ocpb__Analysis *analyse_with(struct analyzer *az)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    Ocpb__TranscriptTurn t0 = OCPB__TRANSCRIPT_TURN__INIT, t1 = OCPB__TRANSCRIPT_TURN__INIT;
    Ocpb__TranscriptTurn *tp[2] = {&t0, &t1};
    struct call_facts c = the_call();
    meta.tenant_id = "6f1c3a52-8d0e-4f5b-9a1c-2b3d4e5f6a7b";
    e.meta = &meta;
    e.call_id = "0b5e7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d";
    e.answered_unix_ms = c.started_ms;
    e.language = OCPB__LANGUAGE__LANGUAGE_ES;
    e.timezone = "Europe/Madrid";
    t0.speaker = OCPB__SPEAKER__SPEAKER_AGENT;
    t0.text = (char *)turns[0].text;
    t1.speaker = OCPB__SPEAKER__SPEAKER_CONTACT;
    t1.text = (char *)turns[1].text;
    e.transcript = tp;
    e.n_transcript = 2;
    Ocpb__Analysis *m = NULL;
    char err[256] = "";
    cr_assert_eq(call_analysis_run(az, &e, false, arena, &m, err, sizeof(err)), OC_OK, "%s", err);
    return m;
}

Test(llm, the_model_decides_when_it_answers_well)
{
    struct analyzer az = {.cfg = {.mode = ANALYZER_MODE_LLM,
                                  .llm_url = fake_chat_url(fake),
                                  .llm_model = "test-model",
                                  .llm_api_key = "",
                                  .llm_timeout_ms = 5000,
                                  .llm_tenants = ""}};
    fake_chat_reply(fake, 200, good, 0);
    Ocpb__Analysis *m = analyse_with(&az);
    cr_expect_eq(m->mode, OCPB__ANALYSIS_MODE__ANALYSIS_MODE_LLM);
    cr_expect_str_eq(m->version, "llm:test-model");
    cr_expect_str_eq(m->follow_up->reason, "Pidió que le llamaran el viernes a las 15:00.");
}

Test(llm, falls_back_to_the_rules_and_says_why)
{
    struct analyzer az = {.cfg = {.mode = ANALYZER_MODE_LLM,
                                  .llm_url = fake_chat_url(fake),
                                  .llm_model = "test-model",
                                  .llm_api_key = "",
                                  .llm_timeout_ms = 5000,
                                  .llm_tenants = ""}};
    fake_chat_reply(fake, 200, "{\"outcome\":\"callback\"}", 0);
    Ocpb__Analysis *m = analyse_with(&az);
    cr_expect_eq(m->mode, OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES_FALLBACK);
    cr_expect(strstr(m->fallback_reason, "invalid output") != NULL, "%s", m->fallback_reason);
    /* The rules' own answer: Friday at three. */
    cr_expect_eq(m->outcome, OCPB__OUTCOME__OUTCOME_CALLBACK);
    cr_expect_str_eq(m->version, "rules-1");
}

Test(llm, only_listed_tenants_use_the_model)
{
    struct analyzer az = {.cfg = {.mode = ANALYZER_MODE_LLM,
                                  .llm_url = fake_chat_url(fake),
                                  .llm_model = "m",
                                  .llm_timeout_ms = 5000,
                                  .llm_tenants = "11111111-1111-4111-8111-111111111111"}};
    int before = fake_chat_requests(fake);
    Ocpb__Analysis *m = analyse_with(&az);
    cr_expect_eq(m->mode, OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES);
    cr_expect_eq(fake_chat_requests(fake), before, "the model was asked for another tenant");
    cr_expect(analyzer_uses_llm(&az, "11111111-1111-4111-8111-111111111111"));
}
