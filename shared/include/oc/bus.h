/*
 * The message bus: a NATS connection that reconnects by itself, protobuf
 * request/reply wrapped in ocpb.Request / ocpb.Reply (envelope in, status
 * out), core publish for events, and JetStream helpers for durable work.
 *
 * Threads: nats.c delivers each subscription's messages on its own thread;
 * handlers must not block on other subscriptions of the same connection.
 */
#ifndef OC_BUS_H
#define OC_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <nats/nats.h>
#include <protobuf-c/protobuf-c.h>

#include "oc/arena.h"
#include "oc/status.h"
#include "proto/common.pb-c.h"

struct oc_bus;

/**
 * Connects to url (comma-separated servers allowed). Retries the first
 * connection for up to connect_wait_ms, then reconnects forever after any
 * later disconnection. name identifies the client in the server's monitor.
 * Caller frees with oc_bus_free.
 */
enum oc_status oc_bus_connect(struct oc_bus **out, const char *url, const char *name,
                              int connect_wait_ms);

/** Drains subscriptions and pending publishes (bounded by timeout_ms), then closes. */
void oc_bus_drain(struct oc_bus *bus, int timeout_ms);

/** Closes and frees. oc_bus_free(NULL) does nothing. */
void oc_bus_free(struct oc_bus *bus);

bool oc_bus_connected(struct oc_bus *bus);

/** The underlying connection, borrowed for the bus's lifetime. */
natsConnection *oc_bus_nats(struct oc_bus *bus);

/** Converts a nats.c status, logging its text and the last error. */
enum oc_status oc_bus_status(natsStatus s, const char *what);

/* ------------------------------------------------------------ serving */

/** What a handler receives; valid until the handler returns. */
struct oc_request {
    const char *subject;
    const Ocpb__Envelope *env;     /* never NULL (an empty envelope when none came) */
    struct oc_arena *arena;        /* freed after the reply is sent */
    ProtobufCAllocator *alloc;     /* arena-backed, for building the reply */
    void *user;                    /* the user pointer given to oc_bus_serve */
    char error[512];               /* message sent with a non-OK status */
};

/**
 * A request handler: reads in (already decoded with the table's request
 * descriptor), sets *out to a reply message allocated from req->arena /
 * req->alloc (or leaves it NULL for an empty body). A non-OK return sends
 * that status with req->error (or the status text when empty) and no body.
 */
typedef enum oc_status (*oc_handler_cb)(struct oc_request *req, const ProtobufCMessage *in,
                                        ProtobufCMessage **out);

struct oc_handler {
    const char *subject;                          /* "leads.import" */
    const ProtobufCMessageDescriptor *request;    /* body type */
    oc_handler_cb fn;
};

/** Formats req->error and returns status, for `return oc_request_fail(req, OC_ERR_INVALID, ...)`. */
enum oc_status oc_request_fail(struct oc_request *req, enum oc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * The tenant a request acts for: *tenant = req->env->tenant_id when it is a
 * UUID; otherwise OC_ERR_INVALID with "the request names no tenant" in
 * req->error. For handlers of tenant-owned data.
 */
enum oc_status oc_request_tenant(struct oc_request *req, const char **tenant);

/**
 * Subscribes every handler in the queue group `queue` (copies of a service
 * share the load). Malformed requests are answered with OC_ERR_INVALID and
 * never reach the handler; requests past their deadline are dropped.
 */
enum oc_status oc_bus_serve(struct oc_bus *bus, const char *queue, const struct oc_handler *handlers,
                            size_t n, void *user);

/* ------------------------------------------------------------ calling */

/** Per-call options; fields left zero take defaults. */
struct oc_call {
    const char *tenant_id;
    const char *request_id;        /* default: this thread's log request id, else a new one */
    const char *idempotency_key;
    const char *user_id;
    int timeout_ms;                /* default 5000; also sets the envelope deadline */
};

/**
 * Sends req to subject and waits for the reply. Returns the remote status
 * (its message copied to err) or a local one (OC_ERR_UNAVAILABLE when no
 * service listens, OC_ERR_TIMEOUT). On OC_OK, *reply is the decoded body
 * allocated with alloc (NULL alloc: the default allocator; the caller frees
 * with protobuf_c_message_free_unpacked).
 */
enum oc_status oc_bus_call(struct oc_bus *bus, const char *subject, const struct oc_call *call,
                           const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                           ProtobufCAllocator *alloc, ProtobufCMessage **reply, char *err,
                           size_t errlen);

/** Publishes an event on core NATS (fire and forget). */
enum oc_status oc_bus_publish(struct oc_bus *bus, const char *subject, const ProtobufCMessage *msg);

/* ------------------------------------------------------------ JetStream */

struct oc_stream_config {
    const char *name;
    const char *const *subjects;
    size_t n_subjects;
    bool work_queue;               /* retention: work queue (each message taken once) */
    int64_t max_age_s;             /* 0: unlimited */
    int64_t duplicate_window_s;    /* de-duplication window for message ids; 0: 2 minutes */
    int replicas;                  /* 0: 1 */
};

/**
 * Creates the stream when it is missing. An existing stream is left as it
 * is, whatever its settings, so that two callers with different ideas never
 * undo each other's: the platform's own streams get their settings from
 * oc_streams_ensure() (oc/streams.h), which uses oc_js_apply_stream().
 */
enum oc_status oc_js_ensure_stream(struct oc_bus *bus, const struct oc_stream_config *cfg);

/**
 * Makes the stream match cfg: creates it when missing, or updates the
 * subjects, maximum age and duplicate window of an existing one that
 * differs (other settings of an existing stream are kept). Retention and
 * storage cannot change on a live stream: a stream that differs there is
 * OC_ERR_CONFLICT. On OC_OK, changes (may be NULL) receives "" when nothing
 * changed, "created", or the changes made ("duplicate window 120 s -> 3600 s").
 */
enum oc_status oc_js_apply_stream(struct oc_bus *bus, const struct oc_stream_config *cfg,
                                  char *changes, size_t len);

/**
 * Publishes to a stream and waits for the server's acknowledgement. msg_id
 * (may be NULL) makes a republish within the duplicate window harmless;
 * *duplicate (may be NULL) tells whether the server had already stored it.
 */
enum oc_status oc_js_publish(struct oc_bus *bus, const char *subject, const ProtobufCMessage *msg,
                             const char *msg_id, bool *duplicate);

/** Consumer callback: OC_OK acks; any other status naks (redelivered after a delay). */
typedef enum oc_status (*oc_js_msg_cb)(void *user, const char *subject, const uint8_t *data,
                                       size_t len, uint64_t delivered);

struct oc_consumer_config {
    const char *stream;
    const char *durable;           /* durable consumer name, shared by copies of a service */
    const char *filter_subject;    /* may be NULL: the whole stream */
    int ack_wait_s;                /* 0: 30 */
    int max_deliver;               /* 0: unlimited */
    int batch;                     /* messages per fetch; 0: 10 */
    int nak_delay_ms;              /* 0: 1000 */
};

struct oc_consumer;

/**
 * Ensures the durable pull consumer and starts a thread that fetches, calls
 * cb for each message and acks or naks it. Caller stops and frees with
 * oc_consumer_stop, before freeing the bus.
 */
enum oc_status oc_consumer_start(struct oc_consumer **out, struct oc_bus *bus,
                                 const struct oc_consumer_config *cfg, oc_js_msg_cb cb, void *user);

/** Stops fetching, waits for the message in hand, frees. NULL does nothing. */
void oc_consumer_stop(struct oc_consumer *c);

#endif
