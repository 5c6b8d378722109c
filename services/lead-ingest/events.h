/*
 * Events: their metadata, the core publishes that feed the dashboard
 * (evt.<tenant>.<entity>.<event>, may be lost), and the durable ones that
 * other services act on, written to the outbox in the same transaction as
 * the change they describe and published to JetStream by outbox.c.
 */
#ifndef LEAD_INGEST_EVENTS_H
#define LEAD_INGEST_EVENTS_H

#include <protobuf-c/protobuf-c.h>

#include "oc/arena.h"
#include "oc/bus.h"
#include "oc/db.h"
#include "proto/common.pb-c.h"

/** New metadata in the arena: a fresh event id, the tenant, now, the request id (may be NULL). */
Ocpb__EventMeta *events_meta(struct oc_arena *a, const char *tenant, const char *request_id);

/**
 * Publishes msg on evt.<tenant>.<what> ("lead.updated"). Core NATS only:
 * a failure is logged and the caller goes on, since nothing acts on these.
 */
void events_publish(struct oc_bus *bus, const char *tenant, const char *what,
                    const ProtobufCMessage *msg);

/** Packs msg and queues it for subject in the outbox, inside c's transaction. */
enum oc_status events_queue(struct oc_db_conn *c, const char *tenant, const char *subject,
                            const char *msg_id, const ProtobufCMessage *msg);

/** Milliseconds since the epoch. */
int64_t events_now_ms(void);

#endif
