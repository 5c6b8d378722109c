/*
 * One call's analysis, by rules: what happened (outcome), what to do next
 * (a follow-up, a retry, or nothing), how sure the rules are, do-not-call,
 * the alternative contact, extracted fields, a reason and a summary. The
 * service, the command line, the tests and the benchmark all call
 * analysis_run(); it does no I/O and keeps every string in the caller's
 * arena, so one arena per call (reset between calls) is all it needs.
 */
#ifndef ANALYZER_ANALYSIS_H
#define ANALYZER_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "dnc_rules.h"
#include "oc/arena.h"
#include "oc/status.h"
#include "time_resolver.h"
#include "transcript.h"

/* Numbered as ocpb.Outcome. */
enum outcome {
    OUTCOME_NONE = 0,
    OUTCOME_MEETING = 1,
    OUTCOME_CALLBACK = 2,
    OUTCOME_NOT_INTERESTED = 3,
    OUTCOME_BUSY_VOICEMAIL = 4,
    OUTCOME_WRONG_NUMBER = 5,
    OUTCOME_OTHER = 6,
};

/* Numbered as ocpb.Confidence. */
enum confidence {
    CONFIDENCE_NONE = 0,
    CONFIDENCE_HIGH = 1,
    CONFIDENCE_MEDIUM = 2,
    CONFIDENCE_LOW = 3
};

/* The version of the rules, stored with every analysis they produce. */
#define ANALYSIS_RULES_VERSION "rules-1"

struct analysis {
    enum outcome outcome;

    bool follow_up;
    int64_t follow_up_ms;    /* when to call; 0 without a follow-up */
    int64_t window_start_ms; /* the range asked for; 0, 0 when none */
    int64_t window_end_ms;
    enum grain grain;
    bool time_explicit;         /* the contact named the time (not a rule's delay) */
    enum confidence confidence; /* also set for a retry (low) */

    bool retry;
    int64_t retry_ms;

    enum dnc_risk dnc;        /* DNC_NONE: no request */
    const char *dnc_evidence; /* the contact's words, or NULL */

    const char *alt_number; /* E.164, or NULL */
    const char *alt_spoken; /* as transcribed */
    const char *alt_name;
    const char *alt_role;

    const char *contact_name; /* as the contact gave it, else the call's */
    const char *email;
    int64_t meeting_ms; /* 0: none */

    const char *reason;  /* one sentence in the call's language; "" when nothing follows */
    const char *summary; /* for the next call's agent */
};

/**
 * Analyses call. Every string of *out lives in arena. Fails with
 * OC_ERR_INVALID for an unknown time zone, OC_ERR_NOMEM when the arena
 * cannot grow; *out is written only on OC_OK.
 */
enum oc_status analysis_run(const struct call_facts *call, struct oc_arena *arena,
                            struct analysis *out);

const char *analysis_outcome_name(enum outcome o);
bool analysis_outcome_parse(const char *s, enum outcome *out);
const char *analysis_confidence_name(enum confidence c);

#endif
