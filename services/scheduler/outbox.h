/*
 * Publishing status events. The events of a transaction are written with
 * it, to the outbox table; once it committed they go to JetStream
 * (calls.status, for lead-ingest) and core NATS
 * (evt.<tenant>.call.status_changed, for the dashboard), and leave the
 * outbox. What a crash or a NATS outage left there is published again by
 * the sweep; message ids make the repeat harmless.
 */
#ifndef SCHEDULER_OUTBOX_H
#define SCHEDULER_OUTBOX_H

#include "jspub.h"
#include "lifecycle.h"

/**
 * After ob's transaction committed: publishes its campaign events, then
 * drains the outbox (ob's status events and any others waiting), oldest
 * first, under a lock only one drain in any scheduler copy holds, so a
 * call's events always go out in the order of its transitions:
 * calls.status to JetStream (message id status:<call>:<seq>) and the core
 * events the gateway streams. Failures leave events to the next drain;
 * they are logged, never returned.
 */
void outbox_publish(struct scheduler *st, struct outbox *ob);

/** outbox_publish with a publisher the calling thread owns (the dispatcher's). */
void outbox_publish_with(struct scheduler *st, struct jspub *pub, struct outbox *ob);

/** Drains the outbox (what a crash or a NATS outage left behind too). */
void outbox_sweep(struct scheduler *st, struct jspub *pub);

#endif
