/*
 * media's NATS handlers. media.allocate is served in the queue group
 * "media", so any copy answers: it builds the call (call.c), gives it to
 * its least loaded worker and answers with its RTP address. The copy that
 * answered is then reached on its own subjects, media.<instance>.start and
 * .stop, which hand the request to the worker holding the call. Handlers
 * run on nats.c threads and never touch a call themselves.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "media.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "registry.h"
#include "worker.h"

static struct media *media_of(struct oc_request *req)
{
    return ((struct oc_service *)req->user)->user;
}

/* The codecs this copy offers, in the caller's order of preference. */
static size_t pick_codecs(const Ocpb__AllocateMediaRequest *in, Ocpb__Codec *out)
{
    size_t n = 0;
    if (in->n_codecs == 0) {
        out[n++] = OCPB__CODEC__CODEC_PCMU;
        out[n++] = OCPB__CODEC__CODEC_PCMA;
        return n;
    }
    for (size_t i = 0; i < in->n_codecs && n < 2; i++) {
        Ocpb__Codec c = in->codecs[i];
        if ((c == OCPB__CODEC__CODEC_PCMU || c == OCPB__CODEC__CODEC_PCMA) &&
            (n == 0 || out[0] != c))
            out[n++] = c;
    }
    return n;
}

static enum oc_status reply_allocation(struct oc_request *req, struct media *m, int port,
                                       const Ocpb__Codec *codecs, size_t n_codecs,
                                       ProtobufCMessage **out)
{
    Ocpb__AllocateMediaReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    Ocpb__Codec *cs = oc_arena_alloc(req->arena, 2 * sizeof(*cs));
    if (!r || !cs)
        return OC_ERR_NOMEM;
    ocpb__allocate_media_reply__init(r);
    memcpy(cs, codecs, n_codecs * sizeof(*cs));
    r->media_instance_id = m->instance;
    r->rtp_address = (char *)m->cfg.rtp_advertise;
    r->rtp_port = (uint32_t)port;
    r->codecs = cs;
    r->n_codecs = n_codecs;
    *out = &r->base;
    return OC_OK;
}

static struct worker *least_loaded(struct media *m)
{
    struct worker *best = m->workers[0];
    for (size_t i = 1; i < m->n_workers; i++)
        if (worker_calls(m->workers[i]) < worker_calls(best))
            best = m->workers[i];
    return best;
}

static enum oc_status handle_media_allocate_inner(struct oc_request *req,
                                                  const ProtobufCMessage *msg,
                                                  ProtobufCMessage **out)
{
    struct media *m = media_of(req);
    const Ocpb__AllocateMediaRequest *in = (const Ocpb__AllocateMediaRequest *)msg;
    Ocpb__Codec codecs[2];
    size_t n_codecs;
    struct registry_entry e;
    const char *why = "";
    struct call *c = NULL;

    if (in->transport != OCPB__MEDIA_TRANSPORT__MEDIA_TRANSPORT_UNSPECIFIED &&
        in->transport != OCPB__MEDIA_TRANSPORT__MEDIA_TRANSPORT_RTP)
        return oc_request_fail(req, OC_ERR_INVALID, "only plain RTP is supported for now");
    n_codecs = pick_codecs(in, codecs);
    if (n_codecs == 0)
        return oc_request_fail(req, OC_ERR_INVALID, "no acceptable codec (PCMU or PCMA)");

    /* The dialer may ask again for the same attempt (its first request timed
     * out): the same session answers. */
    if (in->call_id && registry_find(m->registry, in->call_id, &e)) {
        if (strcmp(e.dispatch_id, in->dispatch_id ? in->dispatch_id : "") == 0)
            return reply_allocation(req, m, e.port, codecs, n_codecs, out);
        return oc_request_fail(req, OC_ERR_CONFLICT,
                               "call %s already has a media session for another attempt",
                               in->call_id);
    }
    if (registry_count(m->registry) >= (size_t)m->cfg.max_calls)
        return oc_request_fail(req, OC_ERR_UNAVAILABLE, "this media copy is full (%ld calls)",
                               m->cfg.max_calls);

    uint64_t handle = atomic_fetch_add(&m->next_handle, 1) + 1;
    enum oc_status st = call_new(&c, m, in, req->env, handle, &why);
    if (st != OC_OK)
        return oc_request_fail(req, st, "%s", *why ? why : oc_status_text(st));

    struct worker *w = least_loaded(m);
    memset(&e, 0, sizeof(e));
    snprintf(e.call_id, sizeof(e.call_id), "%s", c->call_id);
    snprintf(e.dispatch_id, sizeof(e.dispatch_id), "%s", c->dispatch_id);
    e.worker = w;
    e.handle = handle;
    e.port = c->port;
    st = registry_add(m->registry, &e);
    if (st != OC_OK) {
        /* Another request for the same call won the race. */
        call_free(c);
        return oc_request_fail(req, st == OC_ERR_CONFLICT ? OC_ERR_CONFLICT : st,
                               "call %s is being allocated already", in->call_id);
    }
    int port = c->port;
    st = worker_adopt(w, c); /* c belongs to the worker from here, even on failure */
    if (st != OC_OK)
        return st;
    oc_metric_add(m->calls_allocated, 1);
    oc_metric_set(m->calls_active, (int64_t)registry_count(m->registry));
    oc_info("call %s: allocated rtp %s:%d for attempt %s", in->call_id, m->cfg.rtp_advertise, port,
            in->dispatch_id);
    return reply_allocation(req, m, port, codecs, n_codecs, out);
}

static enum oc_status handle_media_start_inner(struct oc_request *req, const ProtobufCMessage *msg,
                                               ProtobufCMessage **out)
{
    struct media *m = media_of(req);
    const Ocpb__StartMediaRequest *in = (const Ocpb__StartMediaRequest *)msg;
    struct registry_entry e;
    struct call_start s = {0};

    if (!in->call_id || !registry_find(m->registry, in->call_id, &e))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no media session for call %s",
                               in->call_id ? in->call_id : "");
    s.remote.sin_family = AF_INET;
    if (!in->remote_rtp_address ||
        inet_pton(AF_INET, in->remote_rtp_address, &s.remote.sin_addr) != 1)
        return oc_request_fail(req, OC_ERR_INVALID, "remote_rtp_address is not an IPv4 address");
    if (in->remote_rtp_port == 0 || in->remote_rtp_port > 65535)
        return oc_request_fail(req, OC_ERR_INVALID, "remote_rtp_port is out of range");
    s.remote.sin_port = htons((uint16_t)in->remote_rtp_port);
    if (in->codec == OCPB__CODEC__CODEC_PCMU) {
        s.law = G711_ULAW;
    } else if (in->codec == OCPB__CODEC__CODEC_PCMA) {
        s.law = G711_ALAW;
    } else {
        return oc_request_fail(req, OC_ERR_INVALID, "codec must be PCMU or PCMA");
    }
    if (in->payload_type > 127)
        return oc_request_fail(req, OC_ERR_INVALID, "payload_type is out of range");
    s.payload_type = (uint8_t)in->payload_type;
    s.answered_unix_ms = in->answered_unix_ms;
    s.dialed_unix_ms = in->dialed_unix_ms;
    enum oc_status st = worker_begin(e.worker, e.handle, &s);
    if (st != OC_OK)
        return st;
    *out = NULL;
    return OC_OK;
}

static enum oc_status handle_media_stop_inner(struct oc_request *req, const ProtobufCMessage *msg,
                                              ProtobufCMessage **out)
{
    struct media *m = media_of(req);
    const Ocpb__StopMediaRequest *in = (const Ocpb__StopMediaRequest *)msg;
    struct registry_entry e;

    if (!in->call_id || !registry_find(m->registry, in->call_id, &e))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no media session for call %s",
                               in->call_id ? in->call_id : "");
    Ocpb__HangupCause cause = in->cause != OCPB__HANGUP_CAUSE__HANGUP_CAUSE_UNSPECIFIED
                                  ? in->cause
                                  : OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP;
    enum oc_status st = worker_stop_call(e.worker, e.handle, cause);
    if (st != OC_OK)
        return st;
    *out = NULL;
    return OC_OK;
}

/* Every handler runs inside this guard; see struct media's `busy`. While
 * the copy stops, a stop is answered OK without touching anything: the
 * stop hook ends every call and reports the answered ones, which is what
 * the caller asked for. A UNAVAILABLE there would make the dialer believe
 * the copy is gone and report the call itself, without its transcript. */
static enum oc_status guarded(oc_handler_cb fn, struct oc_request *req, const ProtobufCMessage *msg,
                              ProtobufCMessage **out)
{
    struct media *m = media_of(req);
    atomic_fetch_add(&m->busy, 1);
    enum oc_status st;
    if (!atomic_load(&m->stopping))
        st = fn(req, msg, out);
    else if (fn == handle_media_stop_inner)
        st = OC_OK;
    else
        st = oc_request_fail(req, OC_ERR_UNAVAILABLE, "this media copy is stopping");
    atomic_fetch_sub(&m->busy, 1);
    return st;
}

static enum oc_status handle_media_allocate(struct oc_request *req, const ProtobufCMessage *msg,
                                            ProtobufCMessage **out)
{
    return guarded(handle_media_allocate_inner, req, msg, out);
}

static enum oc_status handle_media_start(struct oc_request *req, const ProtobufCMessage *msg,
                                         ProtobufCMessage **out)
{
    return guarded(handle_media_start_inner, req, msg, out);
}

static enum oc_status handle_media_stop(struct oc_request *req, const ProtobufCMessage *msg,
                                        ProtobufCMessage **out)
{
    return guarded(handle_media_stop_inner, req, msg, out);
}

const struct oc_handler media_handlers[] = {
    {"media.allocate", &ocpb__allocate_media_request__descriptor, handle_media_allocate},
};
const size_t media_n_handlers = sizeof(media_handlers) / sizeof(media_handlers[0]);

enum oc_status media_serve_instance(struct media *m)
{
    snprintf(m->start_subject, sizeof(m->start_subject), "media.%s.start", m->instance);
    snprintf(m->stop_subject, sizeof(m->stop_subject), "media.%s.stop", m->instance);
    snprintf(m->instance_queue, sizeof(m->instance_queue), "media.%s", m->instance);
    m->instance_handlers[0] = (struct oc_handler){
        m->start_subject, &ocpb__start_media_request__descriptor, handle_media_start};
    m->instance_handlers[1] = (struct oc_handler){
        m->stop_subject, &ocpb__stop_media_request__descriptor, handle_media_stop};
    /* A queue group of its own per copy: only this copy ever subscribes
     * these subjects, and oc_bus_serve gives them the same envelope,
     * deadline and reply handling as every other subject. */
    return oc_bus_serve(m->svc->bus, m->instance_queue, m->instance_handlers, 2, m->svc);
}
