/*
 * The retry and follow-up rules (see retry_policy.h): the delays of each
 * rule, the campaign's overrides, and the limits that stop a chain of
 * calls to one lead.
 */
#include "retry_policy.h"

#include <string.h>

void retry_rules_default(struct retry_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->max_auto_retries = RETRY_DEFAULT_MAX_AUTO;
    r->max_attempts = 0;
    r->retries = true;
    r->follow_ups = true;
}

const char *retry_trigger_name(enum retry_trigger t)
{
    switch (t) {
    case RETRY_VOICEMAIL:
        return "voicemail";
    case RETRY_BUSY:
        return "busy line";
    case RETRY_NO_ANSWER:
        return "no answer";
    case RETRY_FAILED:
        return "failed call";
    case FOLLOW_UP_LATER:
        return "call later";
    case FOLLOW_UP_NEXT_WEEK:
        return "next week";
    case FOLLOW_UP_BUSY_INTERESTED:
        return "busy but interested";
    case FOLLOW_UP_NAMED:
        return "named time";
    case RETRY_NONE:
        break;
    }
    return "none";
}

bool retry_trigger_is_retry(enum retry_trigger t)
{
    return t == RETRY_VOICEMAIL || t == RETRY_BUSY || t == RETRY_NO_ANSWER || t == RETRY_FAILED;
}

/* The campaign's own delay for a retry trigger; 0 when it set none. */
static int64_t campaign_delay(const struct retry_rules *r, enum retry_trigger t)
{
    switch (t) {
    case RETRY_VOICEMAIL:
        return r->voicemail_s;
    case RETRY_BUSY:
        return r->busy_s;
    case RETRY_NO_ANSWER:
        return r->no_answer_s;
    case RETRY_FAILED:
        return r->failed_s;
    default:
        return 0;
    }
}

static int64_t default_delay(enum retry_trigger t)
{
    switch (t) {
    case RETRY_VOICEMAIL:
        return RETRY_DEFAULT_VOICEMAIL_S;
    case RETRY_BUSY:
        return RETRY_DEFAULT_BUSY_S;
    case RETRY_NO_ANSWER:
        return RETRY_DEFAULT_NO_ANSWER_S;
    case RETRY_FAILED:
        return RETRY_DEFAULT_FAILED_S;
    default:
        return 0;
    }
}

void retry_policy_delay(const struct retry_rules *r, enum retry_trigger t, int64_t *min_s,
                        int64_t *max_s)
{
    int64_t lo = 0, hi = 0;
    switch (t) {
    case FOLLOW_UP_LATER:
        lo = hi = FOLLOW_UP_LATER_S;
        break;
    case FOLLOW_UP_NEXT_WEEK:
        lo = hi = FOLLOW_UP_NEXT_WEEK_S;
        break;
    case FOLLOW_UP_BUSY_INTERESTED:
        lo = FOLLOW_UP_BUSY_MIN_S;
        hi = FOLLOW_UP_BUSY_MAX_S;
        break;
    case RETRY_VOICEMAIL:
    case RETRY_BUSY:
    case RETRY_NO_ANSWER:
    case RETRY_FAILED:
        lo = hi = campaign_delay(r, t) > 0 ? campaign_delay(r, t) : default_delay(t);
        break;
    case FOLLOW_UP_NAMED:
    case RETRY_NONE:
        break;
    }
    *min_s = lo;
    *max_s = hi;
}

void retry_policy_decide(const struct retry_rules *r, const struct retry_call *call,
                         const struct retry_facts *facts, struct retry_decision *out)
{
    memset(out, 0, sizeof(*out));
    enum retry_trigger t = facts->trigger;
    bool retry = retry_trigger_is_retry(t);
    if (t == RETRY_NONE) {
        out->why = "the analysis asks for no further call";
        return;
    }
    if (retry && !r->retries) {
        out->why = "automatic retries are off for this campaign";
        return;
    }
    if (!retry && !r->follow_ups) {
        out->why = "follow-ups are off for this campaign";
        return;
    }
    if (retry && call->auto_retries >= r->max_auto_retries) {
        out->why = "no more automatic retries: the retry failed too";
        return;
    }
    if (r->max_attempts > 0 && call->attempt >= r->max_attempts) {
        out->why = "the campaign's attempts per lead are used up";
        return;
    }

    int64_t lo_s, hi_s;
    retry_policy_delay(r, t, &lo_s, &hi_s);
    int64_t due = call->ended_ms + lo_s * 1000;
    int64_t due_end = hi_s > lo_s ? call->ended_ms + hi_s * 1000 : 0;
    bool campaigns_own = retry && campaign_delay(r, t) > 0;
    if (facts->suggested_ms > 0 && !campaigns_own) {
        due = facts->suggested_ms;
        due_end = facts->suggested_end_ms > facts->suggested_ms ? facts->suggested_end_ms : 0;
    }
    if (due < call->ended_ms)
        due = call->ended_ms;
    if (due_end && due_end <= due)
        due_end = 0;

    out->schedule = true;
    out->kind = retry ? CALL_KIND_RETRY_CALL : CALL_KIND_FOLLOW_UP_CALL;
    out->due_ms = due;
    out->due_end_ms = due_end;
    out->attempt = call->attempt + 1;
    out->auto_retries = retry ? call->auto_retries + 1 : 0;
}
