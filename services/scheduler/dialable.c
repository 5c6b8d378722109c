/*
 * The rule of calls.dialable (see dialable.h).
 *
 * How a job's dispatch id relates to the call's row. The dispatcher takes a
 * due call (created or scheduled) with FOR NO KEY UPDATE SKIP LOCKED, names
 * the attempt <id>:<seq + 1> from the committed dispatch_seq, publishes the
 * job, and only then commits the call as queued with dispatch_seq = seq + 1,
 * in the same transaction that held the row lock from the scan on. The
 * handler reads the row without a lock (it must not wait for a round that
 * is waiting for its publishes), so a job n can meet three rows:
 *
 *   1. the round has not committed yet: the row is still exactly what the
 *      round scanned, because every change of a call (cancel, reschedule,
 *      do-not-call, campaign stop, the consumers) locks the row first and
 *      so waits for the round. It is created or scheduled, seq = n - 1, and
 *      due: the scan required scheduled_at <= now() in a transaction that
 *      began before the job existed, hence before this read, on the same
 *      database clock;
 *   2. the round committed: queued, seq = n;
 *   3. the round never committed (it died, or its commit failed): the row
 *      stays as in 1. The next round that takes the call names the same
 *      attempt again (JetStream drops the duplicate publish), and if the
 *      job is dialled meanwhile the consumers adopt it (consumers.c,
 *      current_or_unrecorded(): pending and <id>:<seq + 1>), so the job is
 *      still the call's next attempt for as long as nothing else happened
 *      to the call.
 *
 * Hence "queued with n = seq" and "created or scheduled, due, with n =
 * seq + 1" are dialable, and nothing a legitimate job can meet is refused.
 * Everything else a queued job can meet comes from a change made after its
 * round: a final status (canceled by a user, a do-not-call addition or a
 * campaign stop; or already over), a call moved back to scheduled by a
 * reschedule or an expired job (seq = n, no longer queued), a call moved to
 * a later time after a lost round (seq = n - 1 but not due), a newer
 * attempt (seq > n), or an attempt the call is already placing (calling or
 * in progress with seq = n: the dialer asks only after a fresh claim, and a
 * leg is forgotten only before its INVITE and its first report, so a
 * second yes could only ring the contact twice).
 */
#include "dialable.h"

#include <stdio.h>
#include <string.h>

bool dialable_parse_dispatch(const char *call_id, const char *dispatch_id, int *seq)
{
    if (!call_id || !*call_id || !dispatch_id)
        return false;
    size_t n = strlen(call_id);
    if (strncmp(dispatch_id, call_id, n) != 0 || dispatch_id[n] != ':')
        return false;
    const char *p = dispatch_id + n + 1;
    if (*p < '1' || *p > '9')
        return false; /* no sign, no leading zero, not empty */
    long v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
        if (v > 1000000000L)
            return false;
    }
    *seq = (int)v;
    return true;
}

/* A verdict whose reason is a fixed sentence. */
static void verdict(struct dialable_verdict *out, bool yes, const char *reason)
{
    out->dialable = yes;
    snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

static void decide(const struct dialable_call *call, const char *job_dispatch_id,
                   struct dialable_verdict *out)
{
    const char *status = call_status_name(call->status);
    int n = 0;
    out->dialable = false;
    if (!dialable_parse_dispatch(call->id, job_dispatch_id, &n)) {
        snprintf(out->reason, sizeof(out->reason),
                 "the job's dispatch id \"%.64s\" names no attempt of this call",
                 job_dispatch_id ? job_dispatch_id : "");
        return;
    }
    if (call_status_final(call->status)) {
        if (call->status_reason && *call->status_reason)
            snprintf(out->reason, sizeof(out->reason), "the call is %s: %.120s", status,
                     call->status_reason);
        else
            snprintf(out->reason, sizeof(out->reason), "the call is %s", status);
        return;
    }
    if (n == call->dispatch_seq) {
        if (call->status == CALL_QUEUED)
            verdict(out, true, "the job is the call's current attempt");
        else if (call_status_pending(call->status))
            snprintf(out->reason, sizeof(out->reason),
                     "the call went back to %s after this attempt was queued (rescheduled, or "
                     "its job expired)",
                     status);
        else
            snprintf(out->reason, sizeof(out->reason),
                     "the attempt is already being placed (the call is %s)", status);
        return;
    }
    if (n == call->dispatch_seq + 1) {
        if (call_status_pending(call->status) && call->due)
            verdict(out, true, "the dispatch of this attempt is not committed yet");
        else if (call_status_pending(call->status))
            verdict(out, false,
                    "the call was moved to a later time after this attempt was published");
        else
            snprintf(out->reason, sizeof(out->reason), "the call is %s with an earlier attempt",
                     status);
        return;
    }
    if (n < call->dispatch_seq)
        verdict(out, false, "a newer attempt of the call superseded this one");
    else
        verdict(out, false, "no such attempt of the call was dispatched");
}

void dialable_decide(const struct dialable_call *call, const char *job_dispatch_id,
                     struct dialable_verdict *out)
{
    out->later = false;
    decide(call, job_dispatch_id, out);
    /* A pause starts no new call, but takes nothing back: the attempt stays
     * queued and its job waits for the resume (or expires, and the
     * reconciler puts the call back in line). */
    if (out->dialable && call->campaign_paused) {
        out->dialable = false;
        out->later = true;
        snprintf(out->reason, sizeof(out->reason),
                 "the campaign is paused; the attempt waits for the resume");
    }
}
