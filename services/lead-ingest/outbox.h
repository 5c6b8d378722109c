/*
 * The outbox publisher: a thread that moves durable events from the outbox
 * table to JetStream (stream LEADS), with each row's message id so a
 * republish after a crash is dropped by the server, and deletes a row only
 * once JetStream acknowledged it. It wakes when kicked after a commit and
 * every two seconds otherwise, so events written while NATS was away go out
 * when it is back. Several copies of the service share the table through
 * FOR UPDATE SKIP LOCKED.
 */
#ifndef LEAD_INGEST_OUTBOX_H
#define LEAD_INGEST_OUTBOX_H

#include "oc/bus.h"
#include "oc/db.h"

struct outbox;

/**
 * Starts the publisher on db and bus (both borrowed until outbox_free); it
 * publishes to stream LEADS, which it makes exist with its definition
 * (oc/streams.h). Caller frees with outbox_free.
 */
enum oc_status outbox_new(struct outbox **out, struct oc_db *db, struct oc_bus *bus);

/** Wakes the publisher: something was committed. NULL does nothing. */
void outbox_kick(struct outbox *o);

/** Stops the thread after the round in hand; kicks stay harmless. NULL does nothing. */
void outbox_stop(struct outbox *o);

/** Stops if needed and frees. NULL does nothing. */
void outbox_free(struct outbox *o);

#endif
