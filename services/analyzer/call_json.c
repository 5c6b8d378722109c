/*
 * call.json in and the analysis out (see call_json.h), over jansson and the
 * shared typed readers (oc/json.h) so a bad field gets a message naming it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "call_json.h"
#include "local_time.h"
#include "oc/json.h"

static bool hangup_parse(const char *s, enum hangup *out)
{
    static const struct {
        const char *name;
        enum hangup h;
    } names[] = {{"normal", HANGUP_NORMAL},       {"agent", HANGUP_NORMAL},
                 {"contact", HANGUP_CONTACT},     {"busy", HANGUP_BUSY},
                 {"no_answer", HANGUP_NO_ANSWER}, {"failed", HANGUP_FAILED},
                 {"machine", HANGUP_MACHINE}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].h;
            return true;
        }
    return false;
}

enum oc_status call_json_read(const json_t *obj, struct oc_arena *arena, struct call_facts *out,
                              char *err, size_t errlen)
{
    struct call_facts c = {0};
    const char *lang = NULL, *started = NULL, *tz = NULL, *country = "ES", *name = NULL;
    const char *hangup = NULL, *phone = NULL, *booking = NULL;
    bool voicemail = false;
    enum oc_status st;
    struct local_zone *zone = NULL;

    if ((st = oc_json_get_string(obj, "language", true, 2, &lang, err, errlen)) != OC_OK ||
        (st = oc_json_get_string(obj, "call_started_at", true, 40, &started, err, errlen)) !=
            OC_OK ||
        (st = oc_json_get_string(obj, "timezone", true, 63, &tz, err, errlen)) != OC_OK ||
        (st = oc_json_get_string(obj, "country", false, 2, &country, err, errlen)) != OC_OK ||
        (st = oc_json_get_string(obj, "contact_name", false, 200, &name, err, errlen)) != OC_OK ||
        (st = oc_json_get_bool(obj, "voicemail_detected", false, &voicemail, err, errlen)) !=
            OC_OK ||
        (st = oc_json_get_string(obj, "hangup", false, 20, &hangup, err, errlen)) != OC_OK ||
        (st = oc_json_get_string(obj, "phone_e164", false, 20, &phone, err, errlen)) != OC_OK ||
        (st = oc_json_get_string(obj, "booking_at", false, 40, &booking, err, errlen)) != OC_OK)
        return st;
    if (strcmp(lang, "es") == 0) {
        c.lang = LANG_ES;
    } else if (strcmp(lang, "en") == 0) {
        c.lang = LANG_EN;
    } else {
        snprintf(err, errlen, "field \"language\" must be \"es\" or \"en\"");
        return OC_ERR_INVALID;
    }
    if (strlen(country) != 2) {
        snprintf(err, errlen, "field \"country\" must be an ISO 3166-1 alpha-2 code");
        return OC_ERR_INVALID;
    }
    c.country[0] = (char)(country[0] & ~0x20);
    c.country[1] = (char)(country[1] & ~0x20);
    if (hangup && !hangup_parse(hangup, &c.hangup)) {
        snprintf(err, errlen,
                 "field \"hangup\" must be one of normal, agent, contact, busy, "
                 "no_answer, failed, machine");
        return OC_ERR_INVALID;
    }
    if (local_zone_new(&zone, tz) != OC_OK) {
        snprintf(err, errlen, "field \"timezone\": unknown time zone \"%s\"", tz);
        return OC_ERR_INVALID;
    }
    struct civil cs;
    if (!civil_parse(started, &cs)) {
        snprintf(err, errlen, "field \"call_started_at\" must be a local time YYYY-MM-DDTHH:MM:SS");
        local_zone_free(zone);
        return OC_ERR_INVALID;
    }
    c.started_ms = local_zone_to_ms(zone, &cs);
    if (booking) {
        struct civil cb;
        if (!civil_parse(booking, &cb)) {
            snprintf(err, errlen, "field \"booking_at\" must be a local time YYYY-MM-DDTHH:MM:SS");
            local_zone_free(zone);
            return OC_ERR_INVALID;
        }
        c.booking_ms = local_zone_to_ms(zone, &cb);
    }
    local_zone_free(zone);

    const json_t *turns = json_object_get(obj, "turns");
    if (!json_is_array(turns)) {
        snprintf(err, errlen, "field \"turns\" must be an array");
        return OC_ERR_INVALID;
    }
    size_t n = json_array_size(turns);
    struct turn *tv = oc_arena_alloc(arena, (n ? n : 1) * sizeof(*tv));
    if (!tv)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(turns, i);
        const char *speaker = NULL, *text = NULL;
        char e2[160];
        if (!json_is_object(t) ||
            oc_json_get_string(t, "speaker", true, 16, &speaker, e2, sizeof(e2)) != OC_OK ||
            oc_json_get_string(t, "text", true, 100000, &text, e2, sizeof(e2)) != OC_OK) {
            snprintf(err, errlen, "turn %zu: needs \"speaker\" and \"text\" strings", i);
            return OC_ERR_INVALID;
        }
        if (strcmp(speaker, "agent") == 0) {
            tv[i].speaker = SPEAKER_AGENT;
        } else if (strcmp(speaker, "contact") == 0) {
            tv[i].speaker = SPEAKER_CONTACT;
        } else {
            snprintf(err, errlen, "turn %zu: \"speaker\" must be \"agent\" or \"contact\"", i);
            return OC_ERR_INVALID;
        }
        tv[i].text = oc_arena_strdup(arena, text);
        if (!tv[i].text)
            return OC_ERR_NOMEM;
    }
    c.turns = tv;
    c.n_turns = n;
    c.voicemail = voicemail;
    c.timezone = oc_arena_strdup(arena, tz);
    c.contact_name = name ? oc_arena_strdup(arena, name) : NULL;
    c.phone_e164 = phone ? oc_arena_strdup(arena, phone) : NULL;
    if (!c.timezone)
        return OC_ERR_NOMEM;
    *out = c;
    return OC_OK;
}

void call_json_local_iso(const struct call_facts *call, int64_t ms, char *buf, size_t len)
{
    struct local_zone *z = NULL;
    if (local_zone_new(&z, call->timezone) != OC_OK) {
        snprintf(buf, len, "%lld", (long long)ms);
        return;
    }
    struct civil c = local_zone_from_ms(z, ms);
    civil_format(&c, buf, len);
    local_zone_free(z);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(const struct call_facts *call, int64_t ms)
{
    char buf[32];
    if (!ms)
        return json_null();
    call_json_local_iso(call, ms, buf, sizeof(buf));
    return json_string(buf);
}

json_t *call_json_write(const struct analysis *a, const struct call_facts *call)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "outcome", json_string(analysis_outcome_name(a->outcome)));
    json_object_set_new(o, "follow_up", json_boolean(a->follow_up));
    json_object_set_new(o, "follow_up_at", time_or_null(call, a->follow_up ? a->follow_up_ms : 0));
    if (a->follow_up && a->window_start_ms) {
        /* Hours after the call's start, to two decimals. */
        double h0 = round((double)(a->window_start_ms - call->started_ms) / 36000.0) / 100.0;
        double h1 = round((double)(a->window_end_ms - call->started_ms) / 36000.0) / 100.0;
        json_object_set_new(o, "follow_up_window_hours", json_pack("[ff]", h0, h1));
        json_object_set_new(o, "follow_up_window",
                            json_pack("[oo]", time_or_null(call, a->window_start_ms),
                                      time_or_null(call, a->window_end_ms)));
    } else {
        json_object_set_new(o, "follow_up_window_hours", json_null());
        json_object_set_new(o, "follow_up_window", json_null());
    }
    json_object_set_new(o, "confidence", str_or_null(analysis_confidence_name(a->confidence)));
    json_object_set_new(o, "retry", json_boolean(a->retry));
    json_object_set_new(o, "retry_at", time_or_null(call, a->retry ? a->retry_ms : 0));
    json_object_set_new(o, "dnc", json_boolean(a->dnc != DNC_NONE));
    json_object_set_new(o, "dnc_risk", str_or_null(dnc_rules_risk_name(a->dnc)));
    json_object_set_new(o, "dnc_blacklist", json_boolean(dnc_rules_blacklists(a->dnc)));
    json_object_set_new(o, "dnc_evidence", str_or_null(a->dnc_evidence));
    json_object_set_new(o, "alt_number", str_or_null(a->alt_number));
    json_object_set_new(o, "alt_spoken", str_or_null(a->alt_spoken));
    json_object_set_new(o, "alt_name", str_or_null(a->alt_name));
    json_object_set_new(o, "alt_role", str_or_null(a->alt_role));
    json_object_set_new(o, "contact_name", str_or_null(a->contact_name));
    json_object_set_new(o, "email", str_or_null(a->email));
    json_object_set_new(o, "meeting_at", time_or_null(call, a->meeting_ms));
    json_object_set_new(o, "reason", json_string(a->reason ? a->reason : ""));
    json_object_set_new(o, "summary", json_string(a->summary ? a->summary : ""));
    return o;
}
