/*
 * Scoring analyses against labelled calls: what "right" means for each
 * field of the corpus under tests/data/analyzer/ (the "expect" object of
 * each call), shared by the unit tests, which hold the rules to their
 * targets, and bench/analyzer, which prints the figures. No I/O: callers
 * read the files.
 *
 *   outcome, follow-up yes/no, confidence, do-not-call (requested and
 *   blacklisting both right), alternative number, e-mail: exact;
 *   follow-up and retry times: exact, or inside the labelled window;
 *   false blacklisting: a number blacklisted that the label does not.
 */
#ifndef ANALYZER_EVALUATION_H
#define ANALYZER_EVALUATION_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "analysis.h"

enum evaluation_field {
    EVAL_OUTCOME = 0,
    EVAL_FOLLOW_UP,
    EVAL_FOLLOW_UP_TIME, /* over calls labelled with a follow-up */
    EVAL_RETRY,
    EVAL_RETRY_TIME, /* over calls labelled with a retry */
    EVAL_CONFIDENCE,
    EVAL_DNC,
    EVAL_DNC_RISK,
    EVAL_ALT_NUMBER,
    EVAL_ALT_NUMBER_GIVEN, /* over calls labelled with a number */
    EVAL_ALT_NAME,         /* over calls labelled with a name */
    EVAL_EMAIL,
    EVAL_MEETING_TIME, /* over calls labelled with a meeting */
    EVAL_FIELDS
};

struct evaluation_tally {
    unsigned right[EVAL_FIELDS];
    unsigned total[EVAL_FIELDS];
    unsigned calls;
    unsigned false_blacklists;     /* blacklisted, labelled otherwise */
    unsigned refusals_blacklisted; /* of those, labelled a plain refusal */
};

/**
 * Scores one analysis against expect (the call's "expect" object) and adds
 * it to tally. Writes the names of the wrong fields, comma-separated, to
 * wrong (may be NULL). Returns false when any field was wrong.
 */
bool evaluation_score(const json_t *expect, const struct analysis *a, const struct call_facts *call,
                      struct evaluation_tally *tally, char *wrong, size_t wronglen);

/** The field's name as printed ("outcome", "follow_up_time"...). */
const char *evaluation_field_name(enum evaluation_field f);

/** right / total as a percentage (100 when total is 0). */
double evaluation_percent(const struct evaluation_tally *t, enum evaluation_field f);

#endif
