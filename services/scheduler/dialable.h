/*
 * Whether a call job may still be dialled (calls.dialable), decided without
 * I/O from what the calls table holds of the call. The dialer asks for each
 * job it claimed, because a call can be canceled or moved while its job
 * waits in the work queue; the rule is in dialable.c, with the reasoning
 * that keeps it from ever refusing a job the dispatcher meant to be dialled.
 */
#ifndef SCHEDULER_DIALABLE_H
#define SCHEDULER_DIALABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "call_state.h"

/*
 * Slack on "due": a job whose round began up to this long "after" our read
 * by the database's clock (a clock stepped back) is still taken as due. A
 * call moved later by less than this is not a canceled call, so the slack
 * costs nothing that matters.
 */
#define DIALABLE_DUE_SLACK_S 60

/* What the rule needs of the call, as committed (read without a lock). */
struct dialable_call {
    const char *id;
    enum call_status status;
    int dispatch_seq;          /* dispatches committed so far; the current one is <id>:<seq> */
    const char *status_reason; /* NULL when none */
    /* The call's due time (scheduled_at, or none) has come by the
     * database's clock, as the dispatcher's scan decides it, give or take
     * DIALABLE_DUE_SLACK_S. */
    bool due;
    /* Its campaign is paused: an attempt that may be dialled waits. */
    bool campaign_paused;
};

struct dialable_verdict {
    bool dialable;
    bool later; /* not dialable now, but the job is to be kept (a paused campaign) */
    char reason[192]; /* why or why not, for the logs and the reply */
};

/**
 * Parses a dispatch id "<call_id>:<n>" (n >= 1, decimal, no sign) of the
 * call call_id. true and *seq = n when it is one; false otherwise (*seq
 * untouched).
 */
bool dialable_parse_dispatch(const char *call_id, const char *dispatch_id, int *seq);

/** Decides whether the job of dispatch id job_dispatch_id may be dialled now. */
void dialable_decide(const struct dialable_call *call, const char *job_dispatch_id,
                     struct dialable_verdict *out);

#endif
