/*
 * The outcome of an unanswered attempt: busy, no answer and failure per
 * dialer.proto, with the dialer's own CANCEL deciding over the 487 it
 * causes.
 */
#include <criterion/criterion.h>

#include "../../../services/dialer/outcome.h"

#define KIND(k) OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_##k
#define CAUSE(c) OCPB__HANGUP_CAUSE__HANGUP_CAUSE_##c

Test(outcome, busy_no_answer_and_failure)
{
    struct outcome o = outcome_unanswered(486, OUTCOME_NOT_CANCELED);
    cr_assert_eq(o.kind, KIND(BUSY));
    cr_assert_eq(o.cause, CAUSE(BUSY));
    cr_assert_eq(outcome_unanswered(600, OUTCOME_NOT_CANCELED).kind, KIND(BUSY));
    cr_assert_eq(outcome_unanswered(480, OUTCOME_NOT_CANCELED).kind, KIND(NO_ANSWER));
    cr_assert_eq(outcome_unanswered(408, OUTCOME_NOT_CANCELED).cause, CAUSE(NO_ANSWER));
    cr_assert_eq(outcome_unanswered(404, OUTCOME_NOT_CANCELED).kind, KIND(FAILED));
    cr_assert_eq(outcome_unanswered(503, OUTCOME_NOT_CANCELED).cause, CAUSE(FAILED));
    cr_assert_eq(outcome_unanswered(0, OUTCOME_NOT_CANCELED).kind, KIND(FAILED));
}

Test(outcome, our_cancel_decides)
{
    struct outcome o = outcome_unanswered(487, OUTCOME_RING_TIMEOUT);
    cr_assert_eq(o.kind, KIND(NO_ANSWER));
    cr_assert_eq(o.cause, CAUSE(NO_ANSWER));
    o = outcome_unanswered(408, OUTCOME_RING_TIMEOUT);
    cr_assert_eq(o.kind, KIND(NO_ANSWER), "a trunk that never answers the CANCEL either");
    o = outcome_unanswered(487, OUTCOME_CANCELED);
    cr_assert_eq(o.cause, CAUSE(CANCELED));
    o = outcome_unanswered(487, OUTCOME_SHUTDOWN);
    cr_assert_eq(o.kind, KIND(FAILED));
    cr_assert_eq(o.cause, CAUSE(FAILED), "retried: the contact did nothing wrong");
}
