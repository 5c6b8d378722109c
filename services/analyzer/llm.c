/*
 * The model (see llm.h). The request carries the call as the command
 * line's call.json and a system message that states the schema and the
 * product's rules in a few lines; the answer must be one JSON object. The
 * model's free text never reaches the store unchecked: every field is
 * read through the same validation, and an answer that fails any check is
 * refused as a whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "call_json.h"
#include "llm.h"
#include "local_time.h"
#include "oc/http_client.h"
#include "oc/log.h"
#include "phone_e164.h"

#define TEXT_MAX 1000

static const char system_prompt[] =
    "You analyse the transcript of an outbound sales call and answer with one JSON object, "
    "nothing else, with exactly these keys: "
    "\"outcome\": one of meeting_scheduled, callback, not_interested, busy_voicemail, "
    "wrong_number, other; "
    "\"follow_up\": true when a new call should be scheduled (the contact asked to be called, "
    "showed interest but was busy, gave another number, or named a time), false when they "
    "refused, asked not to be called, booked a meeting, or nobody talked; "
    "\"follow_up_at\": the local time to call, \"YYYY-MM-DDTHH:MM:SS\" in the call's time zone, "
    "or null (\"later\" is 24 hours after the call's start, \"next week\" 7 days, interested but "
    "busy 2 days); "
    "\"confidence\": high (explicit request with a date or time, or another number with a "
    "name), medium (clear interest, no date), low (ambiguous, or voicemail), or null; "
    "\"retry\": true when nobody talked (voicemail, busy, no answer); \"retry_at\": local time "
    "or null (voicemail: 48 hours later); "
    "\"dnc\": true when the contact asked not to be called again; \"dnc_risk\": high (explicit "
    "or a threat of complaint), medium (strong annoyance), low (ambiguous), or null; a plain "
    "\"not interested\" is not a do-not-call request; "
    "\"alt_number\": another phone number the contact gave, in E.164, or null; \"alt_name\", "
    "\"alt_role\": who it belongs to, or null; "
    "\"email\": an e-mail address the contact gave (also when spelled), or null; "
    "\"meeting_at\": local time of a meeting agreed in the call, or null; "
    "\"contact_name\": the name the contact gave, or null; "
    "\"reason\": one sentence in the call's language saying why and when to call again; "
    "\"summary\": two sentences in the call's language for the agent of the next call.";

/* The call as the user message: call.json with local times. */
static char *user_message(const struct call_facts *call)
{
    char started[32];
    call_json_local_iso(call, call->started_ms, started, sizeof(started));
    json_t *o = json_object();
    json_t *turns = json_array();
    json_object_set_new(o, "language", json_string(call->lang == LANG_EN ? "en" : "es"));
    json_object_set_new(o, "call_started_at", json_string(started));
    json_object_set_new(o, "timezone", json_string(call->timezone));
    json_object_set_new(o, "country", json_stringn(call->country, 2));
    json_object_set_new(o, "contact_name",
                        call->contact_name ? json_string(call->contact_name) : json_null());
    json_object_set_new(o, "voicemail_detected", json_boolean(call->voicemail));
    static const char *const hangups[] = {"normal", "contact", "busy",    "no_answer",
                                          "failed", "machine", "canceled"};
    json_object_set_new(o, "hangup", json_string(hangups[call->hangup]));
    for (size_t i = 0; i < call->n_turns; i++)
        json_array_append_new(
            turns, json_pack("{s:s,s:s}", "speaker",
                             call->turns[i].speaker == SPEAKER_AGENT ? "agent" : "contact", "text",
                             call->turns[i].text ? call->turns[i].text : ""));
    json_object_set_new(o, "turns", turns);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* ------------------------------------------------------------ validation */

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(why, whylen, "invalid output: " __VA_ARGS__);                                     \
        goto fail;                                                                                 \
    } while (0)

/* A string field, or NULL for null/absent; false when it has another type or is too long. */
static bool opt_string(const json_t *o, const char *key, const char **out)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || json_string_length(v) > TEXT_MAX)
        return false;
    *out = json_string_value(v);
    if (!**out)
        *out = NULL;
    return true;
}

/* A local time after the call's start, as an instant; 0 for null. */
static bool opt_time(const json_t *o, const char *key, struct local_zone *z, int64_t after,
                     int64_t *out)
{
    const char *s;
    *out = 0;
    if (!opt_string(o, key, &s))
        return false;
    if (!s)
        return true;
    struct civil c;
    if (!civil_parse(s, &c))
        return false;
    *out = local_zone_to_ms(z, &c);
    return *out >= after;
}

enum oc_status llm_parse_answer(const char *content, const struct call_facts *call,
                                struct oc_arena *arena, struct analysis *out, char *why,
                                size_t whylen)
{
    struct analysis a = {0};
    struct local_zone *z = NULL;
    json_error_t jerr;
    json_t *o = json_loads(content ? content : "", 0, &jerr);
    const char *s;
    if (!json_is_object(o))
        FAIL("not a JSON object");
    if (local_zone_new(&z, call->timezone) != OC_OK)
        FAIL("unknown zone");

    if (!opt_string(o, "outcome", &s) || !s || !analysis_outcome_parse(s, &a.outcome))
        FAIL("outcome");
    const json_t *fu = json_object_get(o, "follow_up");
    const json_t *re = json_object_get(o, "retry");
    const json_t *dnc = json_object_get(o, "dnc");
    if (!json_is_boolean(fu) || !json_is_boolean(re) || !json_is_boolean(dnc))
        FAIL("follow_up, retry and dnc must be booleans");
    a.follow_up = json_is_true(fu);
    a.retry = json_is_true(re);
    if (a.follow_up && a.retry)
        FAIL("follow_up and retry both true");
    /* A time a little before the start is the model rounding; before that is wrong. */
    int64_t earliest = call->started_ms - 60000;
    if (!opt_time(o, "follow_up_at", z, earliest, &a.follow_up_ms) ||
        (a.follow_up && !a.follow_up_ms))
        FAIL("follow_up_at");
    if (!opt_time(o, "retry_at", z, earliest, &a.retry_ms) || (a.retry && !a.retry_ms))
        FAIL("retry_at");
    if (!a.follow_up)
        a.follow_up_ms = 0;
    if (!a.retry)
        a.retry_ms = 0;
    if (!opt_string(o, "confidence", &s))
        FAIL("confidence");
    a.confidence = !s                         ? CONFIDENCE_NONE
                   : strcmp(s, "high") == 0   ? CONFIDENCE_HIGH
                   : strcmp(s, "medium") == 0 ? CONFIDENCE_MEDIUM
                   : strcmp(s, "low") == 0    ? CONFIDENCE_LOW
                                              : (enum confidence) - 1;
    if ((int)a.confidence < 0)
        FAIL("confidence");
    if (!opt_string(o, "dnc_risk", &s))
        FAIL("dnc_risk");
    if (json_is_true(dnc)) {
        a.dnc = !s                         ? DNC_NONE
                : strcmp(s, "high") == 0   ? DNC_HIGH
                : strcmp(s, "medium") == 0 ? DNC_MEDIUM
                : strcmp(s, "low") == 0    ? DNC_LOW
                                           : DNC_NONE;
        if (a.dnc == DNC_NONE)
            FAIL("dnc_risk");
        if (dnc_rules_blacklists(a.dnc))
            a.follow_up = false, a.follow_up_ms = 0;
    }
    const char *alt, *email, *name, *role, *cname, *reason, *summary;
    if (!opt_string(o, "alt_number", &alt) || !opt_string(o, "alt_name", &name) ||
        !opt_string(o, "alt_role", &role) || !opt_string(o, "email", &email) ||
        !opt_string(o, "contact_name", &cname) || !opt_string(o, "reason", &reason) ||
        !opt_string(o, "summary", &summary))
        FAIL("a text field is not a string or is too long");
    if (alt) {
        char e164[20];
        if (!phone_e164_normalize(alt, call->country, e164, sizeof(e164)))
            FAIL("alt_number is not a valid number");
        a.alt_number = oc_arena_strdup(arena, e164);
        a.alt_name = name ? oc_arena_strdup(arena, name) : NULL;
        a.alt_role = role ? oc_arena_strdup(arena, role) : NULL;
    }
    if (email) {
        const char *at = strchr(email, '@');
        if (!at || at == email || !strchr(at, '.') || strchr(email, ' '))
            FAIL("email");
        a.email = oc_arena_strdup(arena, email);
    }
    if (!opt_time(o, "meeting_at", z, earliest - 24 * 3600000LL, &a.meeting_ms))
        FAIL("meeting_at");
    a.contact_name = cname
                         ? oc_arena_strdup(arena, cname)
                         : (call->contact_name ? oc_arena_strdup(arena, call->contact_name) : NULL);
    a.reason = oc_arena_strdup(arena, reason ? reason : "");
    a.summary = oc_arena_strdup(arena, summary ? summary : "");
    if (a.follow_up) {
        a.grain = GRAIN_MINUTE;
        a.time_explicit = a.confidence == CONFIDENCE_HIGH;
    }
    json_decref(o);
    local_zone_free(z);
    *out = a;
    return OC_OK;
fail:
    json_decref(o);
    local_zone_free(z);
    return OC_ERR_INVALID;
}

/* ------------------------------------------------------------ the request */

enum oc_status llm_analyze(const struct llm_config *cfg, const struct call_facts *call,
                           struct oc_arena *arena, struct analysis *out, char *why, size_t whylen)
{
    enum oc_status st;
    char *user = user_message(call);
    json_t *body = NULL, *answer = NULL;
    char *text = NULL;
    struct oc_http_response resp = {0};
    char auth[512];
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    if (!user) {
        snprintf(why, whylen, "out of memory");
        return OC_ERR_NOMEM;
    }
    if (cfg->api_key && *cfg->api_key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->api_key);
        headers[1] = auth;
    }
    body = json_pack("{s:s, s:f, s:{s:s}, s:[{s:s, s:s}, {s:s, s:s}]}", "model", cfg->model,
                     "temperature", 0.0, "response_format", "type", "json_object", "messages",
                     "role", "system", "content", system_prompt, "role", "user", "content", user);
    text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (!text) {
        snprintf(why, whylen, "out of memory");
        st = OC_ERR_NOMEM;
        goto out;
    }
    struct oc_http_request req = {.method = "POST",
                                  .url = cfg->url,
                                  .headers = headers,
                                  .body = text,
                                  .body_len = strlen(text),
                                  .timeout_ms = cfg->timeout_ms};
    st = oc_http_do(&req, &resp);
    if (st != OC_OK) {
        snprintf(why, whylen, "%s", st == OC_ERR_TIMEOUT ? "timeout" : "no answer from the model");
        goto out;
    }
    if (resp.status != 200) {
        snprintf(why, whylen, "HTTP %ld from the model", resp.status);
        st = OC_ERR_UNAVAILABLE;
        goto out;
    }
    json_error_t jerr;
    answer = json_loads(resp.body ? resp.body : "", 0, &jerr);
    const json_t *content = json_object_get(
        json_object_get(json_array_get(json_object_get(answer, "choices"), 0), "message"),
        "content");
    if (!json_is_string(content)) {
        snprintf(why, whylen, "invalid output: no choices[0].message.content");
        st = OC_ERR_INVALID;
        goto out;
    }
    st = llm_parse_answer(json_string_value(content), call, arena, out, why, whylen);
out:
    if (st != OC_OK)
        oc_warn("llm: %s; the rules decide", why);
    oc_http_response_clear(&resp);
    json_decref(answer);
    json_decref(body);
    free(text);
    free(user);
    return st;
}
