/*
 * The dispatcher: takes due calls and hands them to the dialer. Each round
 * looks at every running campaign with calls due and, for one campaign at
 * a time under a lock that no other dispatcher (of this or another copy)
 * can hold at once:
 *   pacing (free places of the campaign and its caller numbers)
 *   -> due calls (FOR UPDATE SKIP LOCKED)
 *   -> do-not-call (dnc.check_batch; no answer, no call)
 *   -> calling window (outside: scheduled at the next allowed slot)
 *   -> credit (billing.reserve for the batch at once; short: later)
 *   -> one self-contained CallJob per call to jobs.call, message id
 *      <call_id>:<dispatch n>, all acknowledged before the calls become
 *      queued in the same transaction.
 * A crash between publish and commit leaves the calls due; the next round
 * publishes the same message ids, which JetStream drops as duplicates.
 *
 * The first dispatcher of each copy also maintains: it publishes status
 * events left pending, reconciles calls stuck in queued, calling or
 * in_progress, and completes campaigns whose leads are all finished.
 */
#ifndef SCHEDULER_DISPATCHER_H
#define SCHEDULER_DISPATCHER_H

#include "scheduler.h"

struct dispatch_stats {
    size_t campaigns; /* campaigns looked at */
    size_t queued;    /* jobs published and calls queued */
    size_t scheduled; /* moved to a later slot (window, credit) */
    size_t canceled;  /* do-not-call, no possible time */
    size_t deferred;  /* left due: a dependency did not answer, a publish failed */
    bool more;        /* a campaign had more due calls than one round takes */
};

/** A dispatcher without a thread (bench/dispatch drives rounds itself). Caller frees. */
enum oc_status dispatcher_new(struct scheduler *st, size_t index, struct dispatcher **out);

/** Stops its thread if it runs, and frees. NULL does nothing. */
void dispatcher_free(struct dispatcher *d);

/** Starts the dispatcher's thread: rounds every SCHEDULER_TICK_MS or when woken. */
enum oc_status dispatcher_start(struct dispatcher *d);

/** One round over every campaign with due calls; totals are added to *stats. */
enum oc_status dispatcher_round(struct dispatcher *d, struct dispatch_stats *stats);

/** Outbox sweep, reconciliation and campaign completion, once. */
void dispatcher_maintain(struct dispatcher *d);

#endif
