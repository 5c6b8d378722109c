/*
 * Scoring (see evaluation.h). Expected times are local ISO strings in the
 * call's zone, compared as instants so daylight-saving changes count.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "call_json.h"
#include "evaluation.h"
#include "local_time.h"

static const char *field_names[EVAL_FIELDS] = {
    "outcome",  "follow_up",  "follow_up_time",   "retry",    "retry_time", "confidence",   "dnc",
    "dnc_risk", "alt_number", "alt_number_given", "alt_name", "email",      "meeting_time",
};

const char *evaluation_field_name(enum evaluation_field f)
{
    return f < EVAL_FIELDS ? field_names[f] : "";
}

double evaluation_percent(const struct evaluation_tally *t, enum evaluation_field f)
{
    return t->total[f] ? 100.0 * t->right[f] / t->total[f] : 100.0;
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool same_str(const char *a, const char *b, bool nocase)
{
    if (!a || !b)
        return a == b;
    return nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

/* The instant of a local ISO string in the call's zone; 0 when absent or bad. */
static int64_t local_ms(struct local_zone *z, const char *s)
{
    struct civil c;
    if (!s || !civil_parse(s, &c))
        return 0;
    return local_zone_to_ms(z, &c);
}

/* Whether ms is the labelled time (key) or inside the labelled window (wkey). */
static bool time_right(struct local_zone *z, const json_t *e, const char *key, const char *wkey,
                       int64_t ms)
{
    int64_t at = local_ms(z, jstr(e, key));
    if (at)
        return ms == at;
    const json_t *w = json_object_get(e, wkey);
    if (json_is_array(w) && json_array_size(w) == 2) {
        int64_t a = local_ms(z, json_string_value(json_array_get(w, 0)));
        int64_t b = local_ms(z, json_string_value(json_array_get(w, 1)));
        return a && b && ms >= a && ms <= b;
    }
    return false;
}

static void mark(struct evaluation_tally *t, enum evaluation_field f, bool ok, char *wrong,
                 size_t len, bool *all)
{
    t->total[f]++;
    if (ok) {
        t->right[f]++;
        return;
    }
    *all = false;
    if (wrong) {
        size_t n = strlen(wrong);
        snprintf(wrong + n, len - n, "%s%s", n ? "," : "", field_names[f]);
    }
}

bool evaluation_score(const json_t *e, const struct analysis *a, const struct call_facts *call,
                      struct evaluation_tally *t, char *wrong, size_t wronglen)
{
    bool all = true;
    struct local_zone *z = NULL;
    if (wrong && wronglen)
        wrong[0] = '\0';
    if (local_zone_new(&z, call->timezone) != OC_OK)
        return false;
    t->calls++;

    mark(t, EVAL_OUTCOME, same_str(jstr(e, "outcome"), analysis_outcome_name(a->outcome), false),
         wrong, wronglen, &all);
    bool fu = json_is_true(json_object_get(e, "follow_up"));
    mark(t, EVAL_FOLLOW_UP, fu == a->follow_up, wrong, wronglen, &all);
    if (fu)
        mark(t, EVAL_FOLLOW_UP_TIME,
             a->follow_up && time_right(z, e, "follow_up_at", "follow_up_window", a->follow_up_ms),
             wrong, wronglen, &all);
    bool re = json_is_true(json_object_get(e, "retry"));
    mark(t, EVAL_RETRY, re == a->retry, wrong, wronglen, &all);
    if (re)
        mark(t, EVAL_RETRY_TIME,
             a->retry && time_right(z, e, "retry_at", "retry_window", a->retry_ms), wrong, wronglen,
             &all);
    mark(t, EVAL_CONFIDENCE,
         same_str(jstr(e, "confidence"), analysis_confidence_name(a->confidence), false), wrong,
         wronglen, &all);

    const char *risk = jstr(e, "dnc_risk");
    bool dnc = json_is_true(json_object_get(e, "dnc"));
    bool black = risk && (strcmp(risk, "high") == 0 || strcmp(risk, "medium") == 0);
    bool got_black = dnc_rules_blacklists(a->dnc);
    mark(t, EVAL_DNC, dnc == (a->dnc != DNC_NONE) && black == got_black, wrong, wronglen, &all);
    mark(t, EVAL_DNC_RISK, same_str(risk, dnc_rules_risk_name(a->dnc), false), wrong, wronglen,
         &all);
    if (got_black && !black) {
        t->false_blacklists++;
        if (same_str(jstr(e, "outcome"), "not_interested", false) && !dnc)
            t->refusals_blacklisted++;
    }

    const char *alt = jstr(e, "alt_number");
    mark(t, EVAL_ALT_NUMBER, same_str(alt, a->alt_number, false), wrong, wronglen, &all);
    if (alt)
        mark(t, EVAL_ALT_NUMBER_GIVEN, same_str(alt, a->alt_number, false), wrong, wronglen, &all);
    const char *alt_name = jstr(e, "alt_name");
    if (alt_name)
        mark(t, EVAL_ALT_NAME, same_str(alt_name, a->alt_name, true), wrong, wronglen, &all);
    mark(t, EVAL_EMAIL, same_str(jstr(e, "email"), a->email, true), wrong, wronglen, &all);
    const char *meeting = jstr(e, "meeting_at");
    if (meeting)
        mark(t, EVAL_MEETING_TIME, a->meeting_ms && a->meeting_ms == local_ms(z, meeting), wrong,
             wronglen, &all);
    local_zone_free(z);
    return all;
}
