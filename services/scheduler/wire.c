/*
 * Conversions at the service's edges (see wire.h). The database spells
 * wire enums as lowercase words so that a person reading a row, a log line
 * or a query understands it without the .proto file at hand.
 */
#include "wire.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oc/crypto.h"

static const char *name_of(const char *const *names, size_t n, int v)
{
    if (v <= 0 || (size_t)v >= n)
        return NULL;
    return names[v];
}

static int parse_of(const char *const *names, size_t n, const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return (int)i;
    return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const outcomes[] = {
    [OCPB__OUTCOME__OUTCOME_MEETING_SCHEDULED] = "meeting_scheduled",
    [OCPB__OUTCOME__OUTCOME_CALLBACK] = "callback",
    [OCPB__OUTCOME__OUTCOME_NOT_INTERESTED] = "not_interested",
    [OCPB__OUTCOME__OUTCOME_BUSY_VOICEMAIL] = "busy_voicemail",
    [OCPB__OUTCOME__OUTCOME_WRONG_NUMBER] = "wrong_number",
    [OCPB__OUTCOME__OUTCOME_OTHER] = "other",
};

static const char *const hangups[] = {
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP] = "contact_hangup",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP] = "agent_hangup",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY] = "busy",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER] = "no_answer",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED] = "failed",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CANCELED] = "canceled",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MAX_DURATION] = "max_duration",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_TIMEOUT] = "media_timeout",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MACHINE] = "machine",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR] = "media_error",
    [OCPB__HANGUP_CAUSE__HANGUP_CAUSE_EXPIRED] = "expired",
};

static const char *const amds[] = {
    [OCPB__AMD_RESULT__AMD_RESULT_HUMAN] = "human",
    [OCPB__AMD_RESULT__AMD_RESULT_MACHINE] = "machine",
    [OCPB__AMD_RESULT__AMD_RESULT_NOT_SURE] = "not_sure",
};

static const char *const confidences[] = {
    [OCPB__CONFIDENCE__CONFIDENCE_HIGH] = "high",
    [OCPB__CONFIDENCE__CONFIDENCE_MEDIUM] = "medium",
    [OCPB__CONFIDENCE__CONFIDENCE_LOW] = "low",
};

static const char *const campaign_states[] = {
    [OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_DRAFT] = "draft",
    [OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING] = "running",
    [OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_PAUSED] = "paused",
    [OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_COMPLETED] = "completed",
    [OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED] = "stopped",
};

const char *wire_outcome_name(int v)
{
    return name_of(outcomes, COUNT(outcomes), v);
}

int wire_outcome_parse(const char *s)
{
    return parse_of(outcomes, COUNT(outcomes), s);
}

const char *wire_hangup_name(int v)
{
    return name_of(hangups, COUNT(hangups), v);
}

int wire_hangup_parse(const char *s)
{
    return parse_of(hangups, COUNT(hangups), s);
}

const char *wire_amd_name(int v)
{
    return name_of(amds, COUNT(amds), v);
}

int wire_amd_parse(const char *s)
{
    return parse_of(amds, COUNT(amds), s);
}

const char *wire_confidence_name(int v)
{
    return name_of(confidences, COUNT(confidences), v);
}

int wire_confidence_parse(const char *s)
{
    return parse_of(confidences, COUNT(confidences), s);
}

const char *wire_campaign_state_name(Ocpb__CampaignState s)
{
    return name_of(campaign_states, COUNT(campaign_states), (int)s);
}

Ocpb__CampaignState wire_campaign_state_parse(const char *status, bool archived)
{
    if (archived)
        return OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED;
    return (Ocpb__CampaignState)parse_of(campaign_states, COUNT(campaign_states), status);
}

bool wire_e164_valid(const char *s)
{
    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return false;
    size_t n = strlen(s + 1);
    if (n < 2 || n > 15)
        return false;
    for (size_t i = 1; i <= n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool wire_country_valid(const char *s)
{
    return s && strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

int64_t wire_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wire_cursor_encode(int64_t created_us, const char *id, char out[WIRE_CURSOR_MAX])
{
    char plain[64];
    int n = snprintf(plain, sizeof(plain), "%lld/%s", (long long)created_us, id);
    char b64[WIRE_CURSOR_MAX];
    size_t len = oc_base64_encode(plain, (size_t)n, b64);
    /* url-safe and unpadded: it travels in query strings */
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < WIRE_CURSOR_MAX; i++) {
        char c = b64[i];
        if (c == '=')
            break;
        out[k++] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    out[k] = '\0';
}

enum oc_status wire_cursor_decode(const char *cursor, int64_t *created_us, char id[37])
{
    uint8_t plain[80];
    size_t len = 0;
    if (!cursor || strlen(cursor) >= WIRE_CURSOR_MAX ||
        oc_base64_decode(cursor, strlen(cursor), plain, sizeof(plain) - 1, &len) != OC_OK)
        return OC_ERR_INVALID;
    plain[len] = '\0';
    char *slash = strchr((char *)plain, '/');
    if (!slash || !oc_uuid_valid(slash + 1))
        return OC_ERR_INVALID;
    *slash = '\0';
    char *end = NULL;
    long long us = strtoll((char *)plain, &end, 10);
    if (!end || *end || end == (char *)plain)
        return OC_ERR_INVALID;
    *created_us = us;
    memcpy(id, slash + 1, 37);
    return OC_OK;
}

char *wire_transcript_json(Ocpb__TranscriptTurn *const *turns, size_t n)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const Ocpb__TranscriptTurn *t = turns[i];
        json_t *o = json_pack("{s:i, s:s, s:I, s:I, s:b, s:f}", "speaker", (int)t->speaker, "text",
                              t->text ? t->text : "", "start_ms", (json_int_t)t->start_ms, "end_ms",
                              (json_int_t)t->end_ms, "interrupted", (int)t->interrupted,
                              "stt_confidence", (double)t->stt_confidence);
        if (!o || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

enum oc_status wire_transcript_parse(const char *json, struct oc_arena *arena,
                                     Ocpb__TranscriptTurn ***turns, size_t *n)
{
    json_error_t jerr;
    json_t *a = json_loads(json, 0, &jerr);
    enum oc_status st = OC_OK;
    if (!a || !json_is_array(a)) {
        st = OC_ERR_INVALID;
        goto out;
    }
    size_t count = json_array_size(a);
    Ocpb__TranscriptTurn **v = oc_arena_alloc(arena, sizeof(*v) * (count ? count : 1));
    if (!v) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *o = json_array_get(a, i);
        Ocpb__TranscriptTurn *t = oc_arena_alloc(arena, sizeof(*t));
        if (!t) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        ocpb__transcript_turn__init(t);
        t->speaker = (Ocpb__Speaker)json_integer_value(json_object_get(o, "speaker"));
        const char *text = json_string_value(json_object_get(o, "text"));
        t->text = oc_arena_strdup(arena, text ? text : "");
        t->start_ms = json_integer_value(json_object_get(o, "start_ms"));
        t->end_ms = json_integer_value(json_object_get(o, "end_ms"));
        t->interrupted = json_is_true(json_object_get(o, "interrupted"));
        t->stt_confidence = (float)json_number_value(json_object_get(o, "stt_confidence"));
        v[i] = t;
    }
    *turns = v;
    *n = count;
out:
    json_decref(a);
    return st;
}
