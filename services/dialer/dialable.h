/*
 * What a job becomes after the scheduler was asked whether its call is
 * still wanted (calls.dialable): dialled, dropped, or kept for later. One
 * decision, no I/O, so that "nothing is dialled without a yes" is stated
 * and tested in one place; jobs.c carries it out.
 */
#ifndef DIALER_DIALABLE_H
#define DIALER_DIALABLE_H

#include <stdbool.h>

#include "oc/status.h"

enum dialable_action {
    /* The scheduler said yes: media.allocate, then the INVITE. */
    DIALABLE_DIAL,
    /* A definite no: the job is acked and never dialled, its claim kept
     * (marked skipped) so a redelivery is not dialled either, and nothing
     * is reported (the scheduler already knows the call's fate). */
    DIALABLE_DROP,
    /* No answer (timeout, no scheduler copy, its database down): nothing is
     * dialled; the claim is forgotten and the job nak'ed to come back. */
    DIALABLE_RETRY,
    /* "Not now" (its campaign is paused): as a retry, nothing dialled, the
     * claim forgotten and the job nak'ed, but an answer, not a fault. */
    DIALABLE_WAIT,
};

/**
 * The action for the status of the calls.dialable request (asked) and, when
 * that is OC_OK, the reply's verdict (dialable, and later for "not now"). A question the scheduler refuses as
 * such (OC_ERR_INVALID, OC_ERR_NOT_FOUND) is dropped: asking again cannot
 * help, and dialling without a yes is never an option.
 */
enum dialable_action dialable_action(enum oc_status asked, bool dialable, bool later);

/** "dial", "drop", "retry" or "wait", for logs and tests. */
const char *dialable_action_name(enum dialable_action a);

#endif
