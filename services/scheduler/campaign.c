/*
 * Campaign settings between wire, database and rules (see campaign.h).
 * The calling_window and retry_rules columns are JSON that a person can
 * read in psql; jansson builds and reads them.
 */
#include "campaign.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "oc/crypto.h"
#include "wire.h"

#define NAME_MAX_LEN 200
#define MAX_PACING 100000
#define MAX_ATTEMPTS_CAP 100
#define MAX_AUTO_RETRIES_CAP 20
#define MAX_DELAY_S (366LL * 24 * 3600)

static const struct {
    const char *name;
    unsigned bit; /* 0: a field that cannot be changed */
} fields[] = {
    {"name", CAMPAIGN_NAME},
    {"assistant_id", CAMPAIGN_ASSISTANT},
    {"number_id", CAMPAIGN_NUMBER},
    {"extra_number_ids", CAMPAIGN_EXTRA_NUMBERS},
    {"default_region", CAMPAIGN_REGION},
    {"timezone", CAMPAIGN_TIMEZONE},
    {"schedule", CAMPAIGN_SCHEDULE},
    {"pacing", CAMPAIGN_PACING},
    {"max_attempts", CAMPAIGN_MAX_ATTEMPTS},
    {"retry", CAMPAIGN_RETRY},
    {"id", 0},
    {"state", 0},
    {"counters", 0},
    {"created_unix_ms", 0},
    {"updated_unix_ms", 0},
    {"started_unix_ms", 0},
    {"finished_unix_ms", 0},
};

enum oc_status campaign_mask(char *const *names, size_t n, unsigned *out, char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "update_mask is empty: name the fields to change");
        return OC_ERR_INVALID;
    }
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
            if (strcmp(names[i], fields[k].name) == 0)
                break;
        if (k == sizeof(fields) / sizeof(fields[0])) {
            snprintf(err, errlen, "update_mask: unknown field \"%.64s\"", names[i]);
            return OC_ERR_INVALID;
        }
        if (!fields[k].bit) {
            snprintf(err, errlen, "update_mask: %s cannot be changed", fields[k].name);
            return OC_ERR_INVALID;
        }
        mask |= fields[k].bit;
    }
    *out = mask;
    return OC_OK;
}

static bool present(const char *s)
{
    return s && *s;
}

enum oc_status campaign_schedule_rules(const Ocpb__CallingSchedule *s, struct oc_arena *arena,
                                       struct calling_schedule *out, char *err, size_t errlen)
{
    calling_schedule_init(out);
    if (!s)
        return OC_OK;
    if (s->n_ranges > CALLING_WINDOW_MAX_RANGES) {
        snprintf(err, errlen, "schedule: more than %d ranges", CALLING_WINDOW_MAX_RANGES);
        return OC_ERR_INVALID;
    }
    for (size_t i = 0; i < s->n_ranges; i++) {
        const Ocpb__CallingRange *r = s->ranges[i];
        unsigned days = 0;
        for (size_t d = 0; d < r->n_days; d++) {
            if (r->days[d] < OCPB__WEEKDAY__WEEKDAY_MONDAY ||
                r->days[d] > OCPB__WEEKDAY__WEEKDAY_SUNDAY) {
                snprintf(err, errlen, "schedule: range %zu has an unknown weekday %d", i + 1,
                         (int)r->days[d]);
                return OC_ERR_INVALID;
            }
            days |= 1u << r->days[d];
        }
        out->ranges[i] = (struct calling_range){days, r->start_minute, r->end_minute};
    }
    out->n_ranges = s->n_ranges;
    out->legal_start = s->legal_start_minute;
    out->legal_end = s->legal_end_minute;
    if (s->n_exceptions) {
        struct calling_exception *ex = oc_arena_alloc(arena, sizeof(*ex) * s->n_exceptions);
        if (!ex)
            return OC_ERR_NOMEM;
        for (size_t i = 0; i < s->n_exceptions; i++) {
            const Ocpb__DateRange *d = s->exceptions[i];
            const char *to = present(d->to_date) ? d->to_date : d->from_date;
            if (calling_window_parse_date(d->from_date, &ex[i].from_day) != OC_OK ||
                calling_window_parse_date(to, &ex[i].to_day) != OC_OK) {
                snprintf(err, errlen, "schedule: exception %zu: dates must be YYYY-MM-DD", i + 1);
                return OC_ERR_INVALID;
            }
            if (present(d->country) && !wire_country_valid(d->country)) {
                snprintf(err, errlen, "schedule: exception %zu: \"%.8s\" is not a country code",
                         i + 1, d->country);
                return OC_ERR_INVALID;
            }
            snprintf(ex[i].country, sizeof(ex[i].country), "%s", d->country ? d->country : "");
        }
        out->exceptions = ex;
        out->n_exceptions = s->n_exceptions;
    }
    char why[160];
    if (calling_schedule_check(out, why, sizeof(why)) != OC_OK) {
        snprintf(err, errlen, "schedule: %s", why);
        return OC_ERR_INVALID;
    }
    return OC_OK;
}

static enum oc_status check_schedule(const Ocpb__CallingSchedule *s, char *err, size_t errlen)
{
    struct oc_arena *arena = NULL;
    struct calling_schedule rules;
    if (!s)
        return OC_OK;
    if (oc_arena_new(&arena, 4096) != OC_OK)
        return OC_ERR_NOMEM;
    enum oc_status st = campaign_schedule_rules(s, arena, &rules, err, errlen);
    oc_arena_free(arena);
    if (st != OC_OK)
        return st;
    for (size_t i = 0; i < s->n_holiday_countries; i++) {
        if (!wire_country_valid(s->holiday_countries[i])) {
            snprintf(err, errlen, "schedule: \"%.8s\" is not a country code",
                     s->holiday_countries[i]);
            return OC_ERR_INVALID;
        }
    }
    return OC_OK;
}

enum oc_status campaign_check(const Ocpb__Campaign *c, unsigned f, char *err, size_t errlen)
{
    if (!c) {
        snprintf(err, errlen, "campaign is required");
        return OC_ERR_INVALID;
    }
    if ((f & CAMPAIGN_NAME) && (!present(c->name) || strlen(c->name) > NAME_MAX_LEN)) {
        snprintf(err, errlen, "name is required (at most %d characters)", NAME_MAX_LEN);
        return OC_ERR_INVALID;
    }
    if ((f & CAMPAIGN_ASSISTANT) && !oc_uuid_valid(c->assistant_id)) {
        snprintf(err, errlen, "assistant_id must be an assistant's id");
        return OC_ERR_INVALID;
    }
    if ((f & CAMPAIGN_NUMBER) && !oc_uuid_valid(c->number_id)) {
        snprintf(err, errlen, "number_id must be a phone number's id");
        return OC_ERR_INVALID;
    }
    if (f & CAMPAIGN_EXTRA_NUMBERS) {
        if (c->n_extra_number_ids > 15) {
            snprintf(err, errlen, "at most 15 extra_number_ids");
            return OC_ERR_INVALID;
        }
        for (size_t i = 0; i < c->n_extra_number_ids; i++) {
            if (!oc_uuid_valid(c->extra_number_ids[i])) {
                snprintf(err, errlen, "extra_number_ids[%zu] must be a phone number's id", i);
                return OC_ERR_INVALID;
            }
        }
    }
    if ((f & CAMPAIGN_REGION) && !wire_country_valid(c->default_region)) {
        snprintf(err, errlen, "default_region must be a country code such as \"ES\"");
        return OC_ERR_INVALID;
    }
    if ((f & CAMPAIGN_TIMEZONE) && !calling_window_tz_valid(c->timezone)) {
        snprintf(err, errlen, "timezone \"%.64s\" is not a zone of the tz database",
                 c->timezone ? c->timezone : "");
        return OC_ERR_INVALID;
    }
    if (f & CAMPAIGN_SCHEDULE) {
        enum oc_status st = check_schedule(c->schedule, err, errlen);
        if (st != OC_OK)
            return st;
    }
    if ((f & CAMPAIGN_PACING) && c->pacing) {
        const Ocpb__Pacing *p = c->pacing;
        if (p->max_concurrent < 0 || p->max_concurrent > MAX_PACING || p->max_per_minute < 0 ||
            p->max_per_minute > MAX_PACING || p->max_concurrent_per_number < 0 ||
            p->max_concurrent_per_number > MAX_PACING) {
            snprintf(err, errlen, "pacing: limits must lie between 0 and %d", MAX_PACING);
            return OC_ERR_INVALID;
        }
    }
    if ((f & CAMPAIGN_MAX_ATTEMPTS) &&
        (c->max_attempts < 0 || c->max_attempts > MAX_ATTEMPTS_CAP)) {
        snprintf(err, errlen, "max_attempts must lie between 0 and %d", MAX_ATTEMPTS_CAP);
        return OC_ERR_INVALID;
    }
    if ((f & CAMPAIGN_RETRY) && c->retry) {
        const Ocpb__RetryPolicy *r = c->retry;
        if (r->max_auto_retries < 0 || r->max_auto_retries > MAX_AUTO_RETRIES_CAP) {
            snprintf(err, errlen, "retry.max_auto_retries must lie between 0 and %d",
                     MAX_AUTO_RETRIES_CAP);
            return OC_ERR_INVALID;
        }
        const int64_t d[4] = {r->voicemail_delay_s, r->busy_delay_s, r->no_answer_delay_s,
                              r->failed_delay_s};
        for (int i = 0; i < 4; i++) {
            if (d[i] < 0 || d[i] > MAX_DELAY_S) {
                snprintf(err, errlen, "retry: delays must lie between 0 and one year");
                return OC_ERR_INVALID;
            }
        }
    }
    return OC_OK;
}

char *campaign_ranges_json(const Ocpb__CallingSchedule *s)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (size_t i = 0; s && i < s->n_ranges; i++) {
        const Ocpb__CallingRange *r = s->ranges[i];
        char start[6], end[6];
        calling_window_format_hhmm(r->start_minute, start);
        calling_window_format_hhmm(r->end_minute, end);
        json_t *days = json_array();
        for (size_t d = 0; d < r->n_days; d++)
            json_array_append_new(days, json_integer(r->days[d]));
        json_t *o = json_pack("{s:o, s:s, s:s}", "days", days, "start", start, "end", end);
        if (!o || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *out = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return out;
}

/* Reads one stored range; false when it is not what campaign_ranges_json wrote. */
static bool read_range(json_t *o, int *days_out, size_t *n_days, unsigned *mask, int *start,
                       int *end)
{
    json_t *days = json_object_get(o, "days");
    if (!json_is_array(days) || json_array_size(days) > 7)
        return false;
    *n_days = 0;
    *mask = 0;
    for (size_t d = 0; d < json_array_size(days); d++) {
        json_int_t v = json_integer_value(json_array_get(days, d));
        if (v < 1 || v > 7)
            return false;
        if (days_out)
            days_out[*n_days] = (int)v;
        (*n_days)++;
        *mask |= 1u << v;
    }
    return calling_window_parse_hhmm(json_string_value(json_object_get(o, "start")), start) ==
               OC_OK &&
           calling_window_parse_hhmm(json_string_value(json_object_get(o, "end")), end) == OC_OK;
}

enum oc_status campaign_ranges_pb(const char *json, struct oc_arena *arena,
                                  Ocpb__CallingRange ***out, size_t *n)
{
    json_error_t jerr;
    json_t *a = json_loads(json ? json : "[]", 0, &jerr);
    enum oc_status st = OC_OK;
    if (!json_is_array(a)) {
        st = OC_ERR_INTERNAL;
        goto out;
    }
    size_t count = json_array_size(a);
    Ocpb__CallingRange **v = oc_arena_alloc(arena, sizeof(*v) * (count ? count : 1));
    if (!v) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        Ocpb__CallingRange *r = oc_arena_alloc(arena, sizeof(*r));
        int days[7];
        size_t nd;
        unsigned mask;
        if (!r) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        ocpb__calling_range__init(r);
        if (!read_range(json_array_get(a, i), days, &nd, &mask, &r->start_minute, &r->end_minute)) {
            st = OC_ERR_INTERNAL;
            goto out;
        }
        r->days = oc_arena_alloc(arena, sizeof(*r->days) * (nd ? nd : 1));
        if (!r->days) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        for (size_t d = 0; d < nd; d++)
            r->days[d] = (Ocpb__Weekday)days[d];
        r->n_days = nd;
        v[i] = r;
    }
    *out = v;
    *n = count;
out:
    json_decref(a);
    return st;
}

enum oc_status campaign_ranges_schedule(const char *json, struct calling_schedule *s)
{
    json_error_t jerr;
    json_t *a = json_loads(json ? json : "[]", 0, &jerr);
    enum oc_status st = OC_OK;
    if (!json_is_array(a) || json_array_size(a) > CALLING_WINDOW_MAX_RANGES) {
        st = OC_ERR_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        size_t nd;
        struct calling_range *r = &s->ranges[i];
        if (!read_range(json_array_get(a, i), NULL, &nd, &r->days, &r->start_minute,
                        &r->end_minute)) {
            st = OC_ERR_INTERNAL;
            goto out;
        }
    }
    s->n_ranges = json_array_size(a);
out:
    json_decref(a);
    return st;
}

char *campaign_retry_json(const Ocpb__RetryPolicy *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (r) {
        if (r->max_auto_retries)
            json_object_set_new(o, "max_auto_retries", json_integer(r->max_auto_retries));
        if (r->voicemail_delay_s)
            json_object_set_new(o, "voicemail_delay_s", json_integer(r->voicemail_delay_s));
        if (r->busy_delay_s)
            json_object_set_new(o, "busy_delay_s", json_integer(r->busy_delay_s));
        if (r->no_answer_delay_s)
            json_object_set_new(o, "no_answer_delay_s", json_integer(r->no_answer_delay_s));
        if (r->failed_delay_s)
            json_object_set_new(o, "failed_delay_s", json_integer(r->failed_delay_s));
        if (r->disable_follow_ups)
            json_object_set_new(o, "disable_follow_ups", json_true());
        if (r->disable_retries)
            json_object_set_new(o, "disable_retries", json_true());
    }
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

enum oc_status campaign_retry_pb(const char *json, struct oc_arena *arena, Ocpb__RetryPolicy **out)
{
    json_error_t jerr;
    json_t *o = json_loads(json ? json : "{}", 0, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return OC_ERR_INTERNAL;
    }
    Ocpb__RetryPolicy *r = oc_arena_alloc(arena, sizeof(*r));
    if (!r) {
        json_decref(o);
        return OC_ERR_NOMEM;
    }
    ocpb__retry_policy__init(r);
    r->max_auto_retries = (int32_t)json_integer_value(json_object_get(o, "max_auto_retries"));
    r->voicemail_delay_s = json_integer_value(json_object_get(o, "voicemail_delay_s"));
    r->busy_delay_s = json_integer_value(json_object_get(o, "busy_delay_s"));
    r->no_answer_delay_s = json_integer_value(json_object_get(o, "no_answer_delay_s"));
    r->failed_delay_s = json_integer_value(json_object_get(o, "failed_delay_s"));
    r->disable_follow_ups = json_is_true(json_object_get(o, "disable_follow_ups"));
    r->disable_retries = json_is_true(json_object_get(o, "disable_retries"));
    json_decref(o);
    *out = r;
    return OC_OK;
}

enum oc_status campaign_retry_rules(const char *json, int max_attempts, long default_max_attempts,
                                    struct retry_rules *out)
{
    json_error_t jerr;
    json_t *o = json_loads(json ? json : "{}", 0, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return OC_ERR_INTERNAL;
    }
    struct retry_rules r;
    retry_rules_default(&r);
    json_int_t v = json_integer_value(json_object_get(o, "max_auto_retries"));
    if (v > 0)
        r.max_auto_retries = (int)v;
    r.voicemail_s = json_integer_value(json_object_get(o, "voicemail_delay_s"));
    r.busy_s = json_integer_value(json_object_get(o, "busy_delay_s"));
    r.no_answer_s = json_integer_value(json_object_get(o, "no_answer_delay_s"));
    r.failed_s = json_integer_value(json_object_get(o, "failed_delay_s"));
    r.follow_ups = !json_is_true(json_object_get(o, "disable_follow_ups"));
    r.retries = !json_is_true(json_object_get(o, "disable_retries"));
    r.max_attempts = max_attempts > 0 ? max_attempts : (int)default_max_attempts;
    json_decref(o);
    *out = r;
    return OC_OK;
}
