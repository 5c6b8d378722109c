/*
 * The decisions: outcome, follow-up or retry and when, confidence, and the
 * meeting time. It reads the contact's signals (refusal, interest, a
 * request to be called, "I'm busy", "send me information", a wrong number,
 * a voicemail greeting, hesitation), the times mentioned (time_resolver.h)
 * and what the other extractors found, and applies the rules of the
 * product:
 *
 *   - never answered: busy +1 h, no answer +4 h, failed +1 h (retries);
 *   - voicemail: retry at the time its greeting names, else +48 h; a
 *     contact who hung up at once: retry +48 h;
 *   - a do-not-call request, a refusal, a booked meeting, "I'll call you":
 *     no follow-up;
 *   - otherwise a follow-up when the contact asks for one, names a time,
 *     gives another number or shows interest: at the time named; "later"
 *     +24 h; "next week" +7 days; interested but busy, no date, +2 to 3
 *     days; another number without a time +24 h.
 * No I/O.
 */
#ifndef ANALYZER_OUTCOME_RULES_H
#define ANALYZER_OUTCOME_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "dnc_rules.h"
#include "time_resolver.h"
#include "tokens.h"

/* Why the decision was taken: summary.c words the reason from it. */
enum outcome_why {
    WHY_NONE = 0,
    WHY_TIME_NAMED, /* the contact named when */
    WHY_LATER,      /* "later": +24 h */
    WHY_WHILE,      /* "in a while": +2 h */
    WHY_NEXT_WEEK,
    WHY_FEW_DAYS,        /* "in a couple of days" */
    WHY_BUSY_INTERESTED, /* interested but busy, no date */
    WHY_SEND_INFO,       /* asked for information */
    WHY_ALT_NUMBER,      /* gave another number, no time */
    WHY_BUSY_ONLY,       /* busy, nothing else */
    WHY_RETRY_BUSY,
    WHY_RETRY_NO_ANSWER,
    WHY_RETRY_FAILED,
    WHY_RETRY_VOICEMAIL,
    WHY_RETRY_VOICEMAIL_BACK, /* the greeting said when they are back */
    WHY_RETRY_HUNG_UP,
    WHY_MEETING,
    WHY_NOT_INTERESTED,
    WHY_DNC,
    WHY_WRONG_NUMBER,
    WHY_SELF_CALLBACK, /* the contact will call */
    WHY_NOTHING,
    WHY_CANCELED, /* the platform canceled the call */
};

struct outcome_input {
    const struct call_facts *call;
    const struct tokens *tk;
    const struct time_context *tctx;
    const struct time_ref *refs; /* every time mentioned, in order */
    size_t n_refs;
    struct dnc_result dnc;
    bool alt_found;
    bool alt_named;
};

struct outcome_decision {
    enum outcome outcome;
    enum outcome_why why;
    bool follow_up;
    int64_t due_ms;
    int64_t window_start_ms, window_end_ms;
    enum grain grain;
    bool time_explicit;
    enum confidence confidence;
    bool retry;
    int64_t retry_ms;
    int64_t meeting_ms;
};

/** Decides; *out is always written. */
void outcome_rules_decide(const struct outcome_input *in, struct outcome_decision *out);

#endif
