/*
 * The message bus over nats.c. Services speak to each other only through
 * this file: protobuf requests wrapped in ocpb.Request (the envelope rides
 * along), replies wrapped in ocpb.Reply (a status always rides along), core
 * publishes for events, and JetStream streams and pull consumers for work
 * that must not be lost. The connection reconnects by itself forever; a
 * request made while it is down fails fast with OC_ERR_UNAVAILABLE.
 */
#include "oc/bus.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/metrics.h"

struct serve_ctx {
    struct oc_bus *bus;
    struct oc_handler handler;
    void *user;
    natsSubscription *sub;
    struct oc_metric *requests;
    struct oc_metric *errors;
    struct serve_ctx *next;
};

struct oc_bus {
    natsConnection *nc;
    natsOptions *opts;
    jsCtx *js;
    pthread_mutex_t mu;
    struct serve_ctx *served;
    atomic_bool closing;
    /* Set by the closed callback, the last one nats.c delivers for the
     * connection: after it the bus may be freed. */
    atomic_bool closed;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

enum oc_status oc_bus_status(natsStatus s, const char *what)
{
    if (s == NATS_OK)
        return OC_OK;
    const char *last = nats_GetLastError(NULL);
    oc_warn("nats: %s: %s%s%s", what, natsStatus_GetText(s), last ? ": " : "", last ? last : "");
    switch (s) {
    case NATS_TIMEOUT:
        return OC_ERR_TIMEOUT;
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_DRAINING:
        return OC_ERR_UNAVAILABLE;
    case NATS_NO_MEMORY:
        return OC_ERR_NOMEM;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_MAX_PAYLOAD:
        return OC_ERR_INVALID;
    default:
        return OC_ERR_INTERNAL;
    }
}

/* ================================================================ connection */

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct oc_bus *bus = closure;
    if (!atomic_load(&bus->closing))
        oc_warn("nats: disconnected; reconnecting");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)closure;
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    oc_info("nats: reconnected to %s", url);
}

static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    struct oc_bus *bus = closure;
    oc_debug("nats: connection closed");
    atomic_store(&bus->closed, true);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)closure;
    const char *subj = sub ? natsSubscription_GetSubject(sub) : NULL;
    oc_warn("nats: async error on %s: %s", subj ? subj : "connection", natsStatus_GetText(err));
}

enum oc_status oc_bus_connect(struct oc_bus **out, const char *url, const char *name,
                              int connect_wait_ms)
{
    struct oc_bus *bus = calloc(1, sizeof(*bus));
    if (!bus)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&bus->mu, NULL);

    natsStatus s = natsOptions_Create(&bus->opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(bus->opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetName(bus->opts, name);
    /* After the first connection, never give up: a service outlives any
     * restart of nats-server. */
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(bus->opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(bus->opts, 250);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(bus->opts, 100, 100);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(bus->opts, 2000);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(bus->opts, 10000);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(bus->opts, on_disconnected, bus);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(bus->opts, on_reconnected, bus);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(bus->opts, on_closed, bus);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(bus->opts, on_async_error, bus);
    if (s != NATS_OK) {
        enum oc_status st = oc_bus_status(s, "options");
        oc_bus_free(bus);
        return st;
    }

    /* The first connection is retried here rather than by nats.c so that the
     * wait is bounded and each failure is logged once. */
    long long give_up = now_ms() + connect_wait_ms;
    int attempt = 0;
    for (;;) {
        s = natsConnection_Connect(&bus->nc, bus->opts);
        if (s == NATS_OK)
            break;
        if (attempt++ == 0)
            oc_warn("nats: cannot connect to %s (%s); retrying", url, natsStatus_GetText(s));
        if (now_ms() >= give_up) {
            oc_error("nats: cannot connect to %s after %d ms: %s", url, connect_wait_ms,
                     natsStatus_GetText(s));
            oc_bus_free(bus);
            return OC_ERR_UNAVAILABLE;
        }
        sleep_ms(250);
    }
    s = natsConnection_JetStream(&bus->js, bus->nc, NULL);
    if (s != NATS_OK) {
        enum oc_status st = oc_bus_status(s, "jetstream context");
        oc_bus_free(bus);
        return st;
    }
    oc_info("nats: connected to %s", url);
    *out = bus;
    return OC_OK;
}

void oc_bus_drain(struct oc_bus *bus, int timeout_ms)
{
    if (!bus || !bus->nc)
        return;
    atomic_store(&bus->closing, true);
    natsStatus s = natsConnection_DrainTimeout(bus->nc, timeout_ms);
    if (s != NATS_OK) {
        /* Draining a disconnected connection fails; closing is all that is left. */
        natsConnection_Close(bus->nc);
        return;
    }
    long long give_up = now_ms() + timeout_ms + 100;
    while (!natsConnection_IsClosed(bus->nc) && now_ms() < give_up)
        sleep_ms(10);
    if (!natsConnection_IsClosed(bus->nc)) {
        oc_warn("nats: drain did not finish within %d ms; closing", timeout_ms);
        natsConnection_Close(bus->nc);
    }
}

void oc_bus_free(struct oc_bus *bus)
{
    if (!bus)
        return;
    atomic_store(&bus->closing, true);
    if (bus->nc) {
        natsConnection_Close(bus->nc);
        /* nats.c delivers the disconnected and closed callbacks on a thread
         * of its own, after Close returns; they read the bus, so it lives
         * until the last of them has run. */
        long long give_up = now_ms() + 2000;
        while (!atomic_load(&bus->closed) && now_ms() < give_up)
            sleep_ms(1);
    }
    struct serve_ctx *sc = bus->served;
    while (sc) {
        struct serve_ctx *next = sc->next;
        natsSubscription_Destroy(sc->sub);
        free(sc);
        sc = next;
    }
    jsCtx_Destroy(bus->js);
    natsConnection_Destroy(bus->nc);
    natsOptions_Destroy(bus->opts);
    pthread_mutex_destroy(&bus->mu);
    free(bus);
}

bool oc_bus_connected(struct oc_bus *bus)
{
    return bus && bus->nc && natsConnection_Status(bus->nc) == NATS_CONN_STATUS_CONNECTED;
}

natsConnection *oc_bus_nats(struct oc_bus *bus)
{
    return bus->nc;
}

/* ================================================================ serving */

enum oc_status oc_request_fail(struct oc_request *req, enum oc_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->error, sizeof(req->error), fmt, ap);
    va_end(ap);
    return status;
}

enum oc_status oc_request_tenant(struct oc_request *req, const char **tenant)
{
    if (!oc_uuid_valid(req->env->tenant_id))
        return oc_request_fail(req, OC_ERR_INVALID, "the request names no tenant");
    *tenant = req->env->tenant_id;
    return OC_OK;
}

/* Packs reply {status, body} into the arena and publishes it to the inbox. */
static void send_reply(natsConnection *nc, const char *inbox, struct oc_arena *arena,
                       enum oc_status st, const char *message, const ProtobufCMessage *body)
{
    if (!inbox || !*inbox)
        return;
    Ocpb__Status status = OCPB__STATUS__INIT;
    status.code = (Ocpb__StatusCode)st;
    status.message = (char *)(message ? message : "");
    Ocpb__Reply reply = OCPB__REPLY__INIT;
    reply.status = &status;
    if (st == OC_OK && body) {
        size_t n = protobuf_c_message_get_packed_size(body);
        uint8_t *buf = oc_arena_alloc(arena, n ? n : 1);
        if (!buf) {
            status.code = OCPB__STATUS_CODE__STATUS_NOMEM;
            status.message = (char *)oc_status_text(OC_ERR_NOMEM);
        } else {
            protobuf_c_message_pack(body, buf);
            reply.body.data = buf;
            reply.body.len = n;
        }
    }
    size_t n = ocpb__reply__get_packed_size(&reply);
    uint8_t *out = oc_arena_alloc(arena, n ? n : 1);
    if (!out) {
        oc_error("no memory for a reply");
        return;
    }
    ocpb__reply__pack(&reply, out);
    natsStatus s = natsConnection_Publish(nc, inbox, out, (int)n);
    if (s != NATS_OK)
        oc_bus_status(s, "reply");
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    struct serve_ctx *sc = closure;
    static const Ocpb__Envelope empty_env = OCPB__ENVELOPE__INIT;
    struct oc_arena *arena = NULL;
    const char *inbox = natsMsg_GetReply(msg);

    oc_metric_add(sc->requests, 1);
    if (oc_arena_new(&arena, 8192) != OC_OK) {
        oc_error("%s: no memory for a request", sc->handler.subject);
        goto out;
    }
    ProtobufCAllocator alloc = oc_arena_pb_allocator(arena);
    struct oc_request req = {
        .subject = natsMsg_GetSubject(msg),
        .env = &empty_env,
        .arena = arena,
        .alloc = &alloc,
        .user = sc->user,
    };

    Ocpb__Request *wire = ocpb__request__unpack(&alloc, (size_t)natsMsg_GetDataLength(msg),
                                                (const uint8_t *)natsMsg_GetData(msg));
    if (!wire) {
        oc_warn("%s: malformed request (not an ocpb.Request)", sc->handler.subject);
        oc_metric_add(sc->errors, 1);
        send_reply(nc, inbox, arena, OC_ERR_INVALID, "malformed request: not an ocpb.Request",
                   NULL);
        goto out;
    }
    if (wire->env)
        req.env = wire->env;
    oc_log_set_request_id(req.env->request_id && *req.env->request_id ? req.env->request_id
                                                                       : NULL);
    if (req.env->deadline_unix_ms && now_ms() > req.env->deadline_unix_ms) {
        /* The caller has given up; doing the work would only waste it. */
        oc_debug("%s: dropped, deadline passed", sc->handler.subject);
        goto out;
    }

    const ProtobufCMessage *in =
        protobuf_c_message_unpack(sc->handler.request, &alloc, wire->body.len, wire->body.data);
    if (!in) {
        oc_warn("%s: malformed body (expected %s)", sc->handler.subject,
                sc->handler.request->name);
        oc_metric_add(sc->errors, 1);
        char *m = oc_arena_printf(arena, "malformed request body: expected %s",
                                  sc->handler.request->name);
        send_reply(nc, inbox, arena, OC_ERR_INVALID, m, NULL);
        goto out;
    }

    ProtobufCMessage *result = NULL;
    enum oc_status st = sc->handler.fn(&req, in, &result);
    if (st != OC_OK) {
        oc_metric_add(sc->errors, 1);
        const char *m = req.error[0] ? req.error : oc_status_text(st);
        if (st == OC_ERR_INTERNAL || st == OC_ERR_NOMEM)
            oc_error("%s: %s", sc->handler.subject, m);
        else
            oc_debug("%s: %s: %s", sc->handler.subject, oc_status_code(st), m);
        send_reply(nc, inbox, arena, st, m, NULL);
    } else {
        send_reply(nc, inbox, arena, OC_OK, "", result);
    }

out:
    oc_log_set_request_id(NULL);
    oc_arena_free(arena);
    natsMsg_Destroy(msg);
}

enum oc_status oc_bus_serve(struct oc_bus *bus, const char *queue, const struct oc_handler *handlers,
                            size_t n, void *user)
{
    for (size_t i = 0; i < n; i++) {
        struct serve_ctx *sc = calloc(1, sizeof(*sc));
        if (!sc)
            return OC_ERR_NOMEM;
        sc->bus = bus;
        sc->handler = handlers[i];
        sc->user = user;
        char labels[160];
        snprintf(labels, sizeof(labels), "subject=\"%s\"", handlers[i].subject);
        sc->requests = oc_metric_counter("oc_bus_requests_total", labels,
                                         "Requests received, by subject.");
        sc->errors = oc_metric_counter("oc_bus_request_errors_total", labels,
                                       "Requests answered with a non-OK status, by subject.");
        natsStatus s = natsConnection_QueueSubscribe(&sc->sub, bus->nc, handlers[i].subject, queue,
                                                     on_request, sc);
        if (s != NATS_OK) {
            free(sc);
            return oc_bus_status(s, handlers[i].subject);
        }
        /* Replies must not queue up behind a slow consumer limit of a busy
         * service; allow a generous backlog before nats.c drops. */
        natsSubscription_SetPendingLimits(sc->sub, 65536, 256 * 1024 * 1024);
        pthread_mutex_lock(&bus->mu);
        sc->next = bus->served;
        bus->served = sc;
        pthread_mutex_unlock(&bus->mu);
        oc_debug("serving %s (queue %s)", handlers[i].subject, queue);
    }
    /* Make sure the server has the subscriptions before callers are told we are up. */
    natsStatus s = natsConnection_FlushTimeout(bus->nc, 2000);
    return oc_bus_status(s, "flush subscriptions");
}

/* ================================================================ calling */

enum oc_status oc_bus_call(struct oc_bus *bus, const char *subject, const struct oc_call *call,
                           const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
                           ProtobufCAllocator *alloc, ProtobufCMessage **reply, char *err,
                           size_t errlen)
{
    static const struct oc_call defaults = {0};
    if (!call)
        call = &defaults;
    enum oc_status st = OC_OK;
    uint8_t *body = NULL, *data = NULL;
    natsMsg *msg = NULL;
    Ocpb__Reply *wire = NULL;
    if (err && errlen)
        err[0] = '\0';

    int timeout = call->timeout_ms > 0 ? call->timeout_ms : 5000;
    char rid[37];
    const char *request_id = call->request_id;
    if (!request_id || !*request_id) {
        request_id = oc_log_request_id();
        if (!request_id || !*request_id || strcmp(request_id, "-") == 0) {
            if (oc_uuid_v4(rid) != OC_OK)
                rid[0] = '\0';
            request_id = rid;
        }
    }
    Ocpb__Envelope env = OCPB__ENVELOPE__INIT;
    env.tenant_id = (char *)(call->tenant_id ? call->tenant_id : "");
    env.request_id = (char *)request_id;
    env.idempotency_key = (char *)(call->idempotency_key ? call->idempotency_key : "");
    env.user_id = (char *)(call->user_id ? call->user_id : "");
    env.deadline_unix_ms = now_ms() + timeout;

    Ocpb__Request wreq = OCPB__REQUEST__INIT;
    wreq.env = &env;
    size_t blen = req ? protobuf_c_message_get_packed_size(req) : 0;
    body = malloc(blen ? blen : 1);
    if (!body) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    if (req)
        protobuf_c_message_pack(req, body);
    wreq.body.data = body;
    wreq.body.len = blen;
    size_t dlen = ocpb__request__get_packed_size(&wreq);
    data = malloc(dlen ? dlen : 1);
    if (!data) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    ocpb__request__pack(&wreq, data);

    natsStatus s = natsConnection_Request(&msg, bus->nc, subject, data, (int)dlen, timeout);
    if (s != NATS_OK) {
        if (s == NATS_NO_RESPONDERS) {
            st = OC_ERR_UNAVAILABLE;
            if (err)
                snprintf(err, errlen, "no service answers %s", subject);
        } else if (s == NATS_TIMEOUT) {
            st = OC_ERR_TIMEOUT;
            if (err)
                snprintf(err, errlen, "%s did not answer within %d ms", subject, timeout);
        } else {
            st = oc_bus_status(s, subject);
            if (err)
                snprintf(err, errlen, "%s: %s", subject, natsStatus_GetText(s));
        }
        goto out;
    }
    wire = ocpb__reply__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                               (const uint8_t *)natsMsg_GetData(msg));
    if (!wire) {
        st = OC_ERR_INTERNAL;
        if (err)
            snprintf(err, errlen, "%s answered something that is not an ocpb.Reply", subject);
        goto out;
    }
    st = wire->status ? oc_status_from_int((int)wire->status->code) : OC_OK;
    if (st != OC_OK) {
        if (err)
            snprintf(err, errlen, "%s", wire->status->message && *wire->status->message
                                            ? wire->status->message
                                            : oc_status_text(st));
        goto out;
    }
    if (reply && reply_desc) {
        ProtobufCMessage *m =
            protobuf_c_message_unpack(reply_desc, alloc, wire->body.len, wire->body.data);
        if (!m) {
            st = OC_ERR_INTERNAL;
            if (err)
                snprintf(err, errlen, "%s answered a body that is not a %s", subject,
                         reply_desc->name);
            goto out;
        }
        *reply = m;
    }

out:
    if (wire)
        ocpb__reply__free_unpacked(wire, NULL);
    natsMsg_Destroy(msg);
    free(data);
    free(body);
    return st;
}

/* Packs msg into a malloc'd buffer; caller frees. */
static enum oc_status pack_alloc(const ProtobufCMessage *msg, uint8_t **out, size_t *len)
{
    size_t n = msg ? protobuf_c_message_get_packed_size(msg) : 0;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return OC_ERR_NOMEM;
    if (msg)
        protobuf_c_message_pack(msg, buf);
    *out = buf;
    *len = n;
    return OC_OK;
}

enum oc_status oc_bus_publish(struct oc_bus *bus, const char *subject, const ProtobufCMessage *msg)
{
    uint8_t *buf;
    size_t len;
    enum oc_status st = pack_alloc(msg, &buf, &len);
    if (st != OC_OK)
        return st;
    natsStatus s = natsConnection_Publish(bus->nc, subject, buf, (int)len);
    free(buf);
    return oc_bus_status(s, subject);
}

/* ================================================================ JetStream */

static enum oc_status js_status(natsStatus s, jsErrCode jerr, const char *what)
{
    if (s == NATS_OK)
        return OC_OK;
    oc_warn("jetstream: %s: %s (error code %d)", what, natsStatus_GetText(s), (int)jerr);
    return oc_bus_status(s, what);
}

/* The nats.c form of cfg; the strings stay cfg's. */
static void js_stream_config(const struct oc_stream_config *cfg, jsStreamConfig *sc)
{
    jsStreamConfig_Init(sc);
    sc->Name = cfg->name;
    sc->Subjects = (const char **)cfg->subjects;
    sc->SubjectsLen = (int)cfg->n_subjects;
    sc->Retention = cfg->work_queue ? js_WorkQueuePolicy : js_LimitsPolicy;
    sc->Storage = js_FileStorage;
    sc->MaxAge = cfg->max_age_s * 1000000000LL;
    sc->Duplicates = (cfg->duplicate_window_s > 0 ? cfg->duplicate_window_s : 120) * 1000000000LL;
    sc->Replicas = cfg->replicas > 0 ? cfg->replicas : 1;
}

enum oc_status oc_js_ensure_stream(struct oc_bus *bus, const struct oc_stream_config *cfg)
{
    jsStreamConfig sc;
    js_stream_config(cfg, &sc);

    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_AddStream(&si, bus->js, &sc, NULL, &jerr);
    jsStreamInfo_Destroy(si);
    /* Another copy or service made it first: theirs stands (see bus.h). */
    if (s != NATS_OK && jerr == JSStreamNameExistErr)
        return OC_OK;
    return js_status(s, jerr, cfg->name);
}

static bool same_subjects(const jsStreamConfig *a, const jsStreamConfig *b)
{
    if (a->SubjectsLen != b->SubjectsLen)
        return false;
    for (int i = 0; i < a->SubjectsLen; i++) {
        bool found = false;
        for (int j = 0; j < b->SubjectsLen && !found; j++)
            found = strcmp(a->Subjects[i], b->Subjects[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Appends "what from -> to" to the list of differences in out. */
static void note_change(char *out, size_t len, const char *what, long long from, long long to)
{
    size_t n = strlen(out);
    if (n < len)
        snprintf(out + n, len - n, "%s%s %lld s -> %lld s", n ? ", " : "", what, from, to);
}

enum oc_status oc_js_apply_stream(struct oc_bus *bus, const struct oc_stream_config *cfg,
                                  char *changes, size_t len)
{
    jsStreamConfig want;
    js_stream_config(cfg, &want);
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    enum oc_status st;
    char diff[256] = "";

    natsStatus s = js_GetStreamInfo(&si, bus->js, cfg->name, NULL, &jerr);
    if (s != NATS_OK && (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)) {
        jerr = 0;
        s = js_AddStream(&si, bus->js, &want, NULL, &jerr);
        if (s == NATS_OK) {
            snprintf(diff, sizeof(diff), "created");
            st = OC_OK;
            goto out;
        }
        if (jerr != JSStreamNameExistErr) {
            st = js_status(s, jerr, cfg->name);
            goto out;
        }
        /* Made meanwhile by someone else: compare theirs with the definition. */
        jerr = 0;
        s = js_GetStreamInfo(&si, bus->js, cfg->name, NULL, &jerr);
    }
    if (s != NATS_OK) {
        st = js_status(s, jerr, cfg->name);
        goto out;
    }

    const jsStreamConfig *have = si->Config;
    if (have->Retention != want.Retention || have->Storage != want.Storage) {
        /* JetStream cannot change either on a live stream. */
        oc_error("jetstream: stream %s has another retention or storage than its definition "
                 "(%s, file storage); remove the stream so that it is made again",
                 cfg->name, cfg->work_queue ? "work queue" : "limits");
        st = OC_ERR_CONFLICT;
        goto out;
    }
    if (!same_subjects(have, &want))
        snprintf(diff, sizeof(diff), "subjects");
    if (have->MaxAge != want.MaxAge)
        note_change(diff, sizeof(diff), "max age", (long long)(have->MaxAge / 1000000000LL),
                    (long long)(want.MaxAge / 1000000000LL));
    if (have->Duplicates != want.Duplicates)
        note_change(diff, sizeof(diff), "duplicate window",
                    (long long)(have->Duplicates / 1000000000LL),
                    (long long)(want.Duplicates / 1000000000LL));
    st = OC_OK;
    if (diff[0]) {
        /* Keep what the definition does not name (replicas, limits set by
         * an operator); change only what it does. */
        jsStreamConfig upd = *have;
        upd.Subjects = want.Subjects;
        upd.SubjectsLen = want.SubjectsLen;
        upd.MaxAge = want.MaxAge;
        upd.Duplicates = want.Duplicates;
        jsStreamInfo *after = NULL;
        jerr = 0;
        s = js_UpdateStream(&after, bus->js, &upd, NULL, &jerr);
        jsStreamInfo_Destroy(after);
        st = js_status(s, jerr, cfg->name);
    }

out:
    jsStreamInfo_Destroy(si);
    if (st == OC_OK && changes && len)
        snprintf(changes, len, "%s", diff);
    return st;
}

enum oc_status oc_js_publish(struct oc_bus *bus, const char *subject, const ProtobufCMessage *msg,
                             const char *msg_id, bool *duplicate)
{
    uint8_t *buf;
    size_t len;
    enum oc_status st = pack_alloc(msg, &buf, &len);
    if (st != OC_OK)
        return st;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id;
    po.MaxWait = 5000;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_Publish(&pa, bus->js, subject, buf, (int)len, &po, &jerr);
    free(buf);
    if (s == NATS_OK && duplicate)
        *duplicate = pa->Duplicate;
    jsPubAck_Destroy(pa);
    return js_status(s, jerr, subject);
}

struct oc_consumer {
    struct oc_bus *bus;
    natsSubscription *sub;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    oc_js_msg_cb cb;
    void *user;
    int batch;
    int nak_delay_ms;
    char *durable;
    struct oc_metric *handled;
    struct oc_metric *failed;
};

static void *consumer_loop(void *arg)
{
    struct oc_consumer *c = arg;
    while (!atomic_load(&c->stop)) {
        natsMsgList list = {0};
        jsErrCode jerr = 0;
        natsStatus s = natsSubscription_Fetch(&list, c->sub, c->batch, 1000, &jerr);
        if (s == NATS_TIMEOUT)
            continue;
        if (s != NATS_OK) {
            /* Disconnected or the server is restarting: wait and fetch again. */
            if (!atomic_load(&c->stop))
                oc_debug("jetstream: %s: fetch: %s", c->durable, natsStatus_GetText(s));
            sleep_ms(250);
            continue;
        }
        for (int i = 0; i < list.Count; i++) {
            natsMsg *m = list.Msgs[i];
            jsMsgMetaData *meta = NULL;
            uint64_t delivered = 1;
            if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
                delivered = meta->NumDelivered;
                jsMsgMetaData_Destroy(meta);
            }
            enum oc_status st = c->cb(c->user, natsMsg_GetSubject(m),
                                      (const uint8_t *)natsMsg_GetData(m),
                                      (size_t)natsMsg_GetDataLength(m), delivered);
            if (st == OC_OK) {
                oc_metric_add(c->handled, 1);
                /* A synchronous ack: once it returns, the server will not
                 * hand this message to anybody again. */
                natsStatus as = natsMsg_AckSync(m, NULL, &jerr);
                if (as != NATS_OK)
                    oc_warn("jetstream: %s: ack: %s", c->durable, natsStatus_GetText(as));
            } else {
                oc_metric_add(c->failed, 1);
                natsMsg_NakWithDelay(m, c->nak_delay_ms, NULL);
            }
        }
        natsMsgList_Destroy(&list);
    }
    return NULL;
}

enum oc_status oc_consumer_start(struct oc_consumer **out, struct oc_bus *bus,
                                 const struct oc_consumer_config *cfg, oc_js_msg_cb cb, void *user)
{
    enum oc_status st = OC_OK;
    jsErrCode jerr = 0;
    jsStreamInfo *si = NULL;
    const char *filter = cfg->filter_subject;

    if (!filter) {
        natsStatus s = js_GetStreamInfo(&si, bus->js, cfg->stream, NULL, &jerr);
        if (s != NATS_OK)
            return js_status(s, jerr, cfg->stream);
        if (si->Config->SubjectsLen != 1) {
            oc_error("jetstream: %s: stream has %d subjects; name a filter subject", cfg->stream,
                     si->Config->SubjectsLen);
            jsStreamInfo_Destroy(si);
            return OC_ERR_INVALID;
        }
        filter = si->Config->Subjects[0];
    }

    struct oc_consumer *c = calloc(1, sizeof(*c));
    if (!c) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    c->bus = bus;
    c->cb = cb;
    c->user = user;
    c->batch = cfg->batch > 0 ? cfg->batch : 10;
    c->nak_delay_ms = cfg->nak_delay_ms > 0 ? cfg->nak_delay_ms : 1000;
    c->durable = strdup(cfg->durable);
    char labels[160];
    snprintf(labels, sizeof(labels), "consumer=\"%s\"", cfg->durable);
    c->handled = oc_metric_counter("oc_js_messages_handled_total", labels,
                                   "JetStream messages handled and acked, by consumer.");
    c->failed = oc_metric_counter("oc_js_messages_failed_total", labels,
                                  "JetStream messages nak'ed for redelivery, by consumer.");

    /* The consumer is created here, not by js_PullSubscribe, so that closing
     * the subscription never deletes it: it outlives every copy of the service. */
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = cfg->durable;
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = (int64_t)(cfg->ack_wait_s > 0 ? cfg->ack_wait_s : 30) * 1000000000LL;
    cc.MaxDeliver = cfg->max_deliver > 0 ? cfg->max_deliver : -1;
    cc.FilterSubject = filter;
    jsConsumerInfo *ci = NULL;
    natsStatus s = js_AddConsumer(&ci, bus->js, cfg->stream, &cc, NULL, &jerr);
    if (s != NATS_OK && (jerr == JSConsumerNameExistErr || jerr == JSConsumerExistingActiveErr)) {
        jerr = 0;
        s = js_UpdateConsumer(&ci, bus->js, cfg->stream, &cc, NULL, &jerr);
    }
    jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK) {
        st = js_status(s, jerr, cfg->durable);
        goto out;
    }

    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = cfg->stream;
    so.Consumer = cfg->durable;
    so.ManualAck = true;
    s = js_PullSubscribe(&c->sub, bus->js, filter, cfg->durable, NULL, &so, &jerr);
    if (s != NATS_OK) {
        st = js_status(s, jerr, cfg->durable);
        goto out;
    }
    if (pthread_create(&c->thread, NULL, consumer_loop, c) != 0) {
        st = OC_ERR_INTERNAL;
        goto out;
    }
    c->thread_started = true;
    oc_debug("jetstream: consuming %s on %s as %s", filter, cfg->stream, cfg->durable);

out:
    jsStreamInfo_Destroy(si);
    if (st != OC_OK) {
        oc_consumer_stop(c);
        return st;
    }
    *out = c;
    return OC_OK;
}

void oc_consumer_stop(struct oc_consumer *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, true);
    if (c->thread_started)
        pthread_join(c->thread, NULL);
    /* Destroy without unsubscribing: the durable consumer stays on the server. */
    natsSubscription_Destroy(c->sub);
    free(c->durable);
    free(c);
}
