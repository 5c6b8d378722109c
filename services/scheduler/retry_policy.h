/*
 * What happens after a call, without I/O: whether a new call is scheduled
 * (a retry when no conversation happened, a follow-up when the analysis
 * asks for another conversation), and when.
 *
 * The rules:
 *   voicemail                      retry after 48 h
 *   busy line                      retry after 2 h
 *   no answer                      retry after 4 h
 *   failed (a technical failure)   retry after 30 min
 *   "later", nothing more          follow-up after 24 h
 *   "next week"                    follow-up after 7 days
 *   busy but interested, no date   follow-up after 2 to 3 days
 *   a named date and time          follow-up then
 * By default one automatic retry per failed or voicemail call: a retry that
 * fails again is not retried. A campaign may change the delays and the
 * number of retries, turn retries or follow-ups off, and caps the calls per
 * lead (max_attempts, the first call included). The time chosen here is
 * moved to the next allowed slot of the calling schedule by the caller.
 */
#ifndef SCHEDULER_RETRY_POLICY_H
#define SCHEDULER_RETRY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "call_state.h"
#include "oc/status.h"

#define RETRY_DEFAULT_MAX_AUTO 1
#define RETRY_DEFAULT_VOICEMAIL_S (48 * 3600)
#define RETRY_DEFAULT_BUSY_S (2 * 3600)
#define RETRY_DEFAULT_NO_ANSWER_S (4 * 3600)
#define RETRY_DEFAULT_FAILED_S (30 * 60)
#define FOLLOW_UP_LATER_S (24 * 3600)
#define FOLLOW_UP_NEXT_WEEK_S (7 * 24 * 3600)
#define FOLLOW_UP_BUSY_MIN_S (2 * 24 * 3600)
#define FOLLOW_UP_BUSY_MAX_S (3 * 24 * 3600)

/* Why another call is considered. */
enum retry_trigger {
    RETRY_NONE = 0,
    RETRY_VOICEMAIL,
    RETRY_BUSY,
    RETRY_NO_ANSWER,
    RETRY_FAILED,
    FOLLOW_UP_LATER,
    FOLLOW_UP_NEXT_WEEK,
    FOLLOW_UP_BUSY_INTERESTED,
    FOLLOW_UP_NAMED,
};

/* A campaign's rules (start from retry_rules_default). */
struct retry_rules {
    int max_auto_retries; /* consecutive automatic retries of one call */
    int max_attempts;     /* calls per lead, first included; 0: no cap */
    /* Retry delays; 0: the rule's default (and then the analysis's time, when
     * it gives one, wins over it). */
    int64_t voicemail_s, busy_s, no_answer_s, failed_s;
    bool retries;    /* false: no automatic retries */
    bool follow_ups; /* false: follow-ups are recorded, never scheduled */
};

/* The call that ended, as far as the rules care. */
struct retry_call {
    int attempt;      /* 1 for the lead's first call in the campaign */
    int auto_retries; /* automatic retries in a row that led to this call */
    int64_t ended_ms; /* the reference the delays count from */
};

/* What the analysis said, as far as the rules care. */
struct retry_facts {
    enum retry_trigger trigger;
    int64_t suggested_ms;     /* the analysis's time; 0: none */
    int64_t suggested_end_ms; /* the end of its window; 0: none */
};

struct retry_decision {
    bool schedule;
    enum call_kind kind; /* RETRY or FOLLOW_UP */
    int64_t due_ms;      /* the earliest time to call */
    int64_t due_end_ms;  /* the latest preferred time; 0: none */
    int attempt;         /* of the new call */
    int auto_retries;    /* of the new call */
    const char *why;     /* when not scheduled: a sentence, static */
};

/** The service's defaults: one retry, the rules' delays, retries and follow-ups on, no cap. */
void retry_rules_default(struct retry_rules *r);

/** The rule's name for logs and reasons ("voicemail", "next week"). */
const char *retry_trigger_name(enum retry_trigger t);

/** True for the triggers that make a retry (no conversation happened). */
bool retry_trigger_is_retry(enum retry_trigger t);

/**
 * The delay a trigger's rule gives: *min_s and *max_s (equal unless the
 * rule gives a range). FOLLOW_UP_NAMED and RETRY_NONE give 0.
 */
void retry_policy_delay(const struct retry_rules *r, enum retry_trigger t, int64_t *min_s,
                        int64_t *max_s);

/**
 * Decides whether a new call follows `call` and when. The analysis's time
 * wins for follow-ups; for retries a campaign's own delay wins over it,
 * and the rule's default is used when neither is set. A time in the past
 * means as soon as allowed (the call's end). Never fails: *out says why
 * nothing is scheduled.
 */
void retry_policy_decide(const struct retry_rules *r, const struct retry_call *call,
                         const struct retry_facts *facts, struct retry_decision *out);

#endif
