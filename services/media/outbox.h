/*
 * The outbox: everything a media copy sends out on NATS leaves through one
 * thread, in the order it was pushed, so the worker threads that run the
 * calls never wait on the network. A message is packed when pushed (the
 * caller's arena may be freed right after) and sent later as one of:
 *   - an event on core NATS (evt.<tenant>.call.turn, .call.ended);
 *   - a durable JetStream publish with a message id (calls.ended), retried
 *     with back-off until the server acknowledges it, since the id makes a
 *     repeat harmless;
 *   - a request whose reply is only logged (the hang-up sent to the dialer).
 */
#ifndef MEDIA_OUTBOX_H
#define MEDIA_OUTBOX_H

#include <protobuf-c/protobuf-c.h>

#include "oc/bus.h"
#include "oc/status.h"

enum outbox_kind {
    OUTBOX_EVENT,
    OUTBOX_DURABLE,
    OUTBOX_REQUEST,
};

struct outbox;

/** Starts the outbox thread on bus (borrowed until outbox_free). Caller frees with outbox_free. */
enum oc_status outbox_new(struct outbox **out, struct oc_bus *bus);

/**
 * Queues msg for subject. msg_id is the JetStream message id (DURABLE);
 * tenant_id and request_id go into the envelope of a REQUEST. Everything is
 * copied. Returns OC_ERR_NOMEM, or OC_ERR_UNAVAILABLE once the outbox is
 * closing.
 */
enum oc_status outbox_push(struct outbox *o, enum outbox_kind kind, const char *subject,
                           const ProtobufCMessage *msg, const char *msg_id, const char *tenant_id,
                           const char *request_id);

/**
 * Sends what is queued for up to timeout_ms, then stops the thread and
 * frees. What is left unsent is logged. NULL does nothing.
 */
void outbox_free(struct outbox *o, int timeout_ms);

#endif
