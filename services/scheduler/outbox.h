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
 * Publishes ob's events after their transaction committed: calls.status to
 * JetStream (message id status:<call>:<seq>) and the core events the
 * gateway streams, then deletes them from the outbox. Failures leave them
 * to outbox_sweep; they are logged, never returned.
 */
void outbox_publish(struct scheduler *st, struct outbox *ob);

/** outbox_publish with a publisher the calling thread owns (the dispatcher's). */
void outbox_publish_with(struct scheduler *st, struct jspub *pub, struct outbox *ob);

/** Publishes events left in the outbox for more than a few seconds (a crash, NATS down). */
void outbox_sweep(struct scheduler *st, struct jspub *pub);

#endif
