/*
 * The reporter thread; see reporter.h. Events are handled one at a time in
 * the order the SIP thread posted them, so a leg's progress reaches the
 * scheduler in order (dialing before ringing before answered). A durable
 * publish is retried with back-off, as its message id makes a repeat
 * harmless; a database update that fails is logged and not retried (the
 * leg's row is the dialer's own record, the events are what others act on).
 */
#include "reporter.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialer.h"
#include "leg.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "sip.h"
#include "store.h"

#define REPORTER_PUBLISH_TRIES 6
#define REPORTER_MEDIA_TIMEOUT_MS 2000

struct reporter {
    struct dialer *d;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct leg_event *head;
    struct leg_event *tail;
    atomic_bool closing;
    _Atomic long long deadline_ms;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct leg_event *leg_event_new(enum leg_event_kind kind, struct leg *leg)
{
    struct leg_event *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return NULL;
    ev->kind = kind;
    ev->leg = leg_ref(leg);
    return ev;
}

static void event_free(struct leg_event *ev)
{
    leg_unref(ev->leg);
    free(ev);
}

static const char *enum_name(const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    return v ? v->name : "?";
}

/* ================================================================ publishing */

static void meta_init(Ocpb__EventMeta *meta, char id[37], const struct leg *leg, int64_t at)
{
    ocpb__event_meta__init(meta);
    if (oc_uuid_v4(id) != OC_OK)
        id[0] = '\0';
    meta->event_id = id;
    meta->tenant_id = (char *)leg->tenant_id;
    meta->occurred_unix_ms = at;
    meta->request_id = (char *)leg->request_id;
}

/* A durable publish, retried until stored or the reporter must stop. */
static void publish_durable(struct reporter *r, const char *subject, const ProtobufCMessage *msg,
                            const char *msg_id)
{
    int wait_ms = 250;
    for (int i = 1;; i++) {
        enum oc_status st = oc_js_publish(r->d->svc->bus, subject, msg, msg_id, NULL);
        if (st == OC_OK)
            return;
        bool late = r->closing && mono_ms() >= r->deadline_ms;
        if (i == REPORTER_PUBLISH_TRIES || late) {
            oc_error("%s %s not stored: %s", subject, msg_id, oc_status_text(st));
            return;
        }
        struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        wait_ms *= 2;
    }
}

static void publish_event(struct reporter *r, const struct leg *leg, const char *what,
                          const ProtobufCMessage *msg)
{
    char subject[256];
    snprintf(subject, sizeof(subject), "evt.%s.call.%s", leg->tenant_id, what);
    oc_bus_publish(r->d->svc->bus, subject, msg);
}

static void progress(struct reporter *r, const struct leg_event *ev, Ocpb__CallProgressKind kind)
{
    const struct leg *leg = ev->leg;
    Ocpb__CallProgress p = OCPB__CALL_PROGRESS__INIT;
    Ocpb__EventMeta meta;
    char id[37];
    char msg_id[256];

    meta_init(&meta, id, leg, ev->at_unix_ms);
    p.meta = &meta;
    p.call_id = (char *)leg->call_id;
    p.dispatch_id = (char *)leg->dispatch_id;
    p.kind = kind;
    p.sip_code = ev->sip_code;
    p.sip_reason = (char *)ev->sip_reason;
    p.sip_call_id = (char *)ev->sip_call_id;
    p.media_instance_id = (char *)leg->media_instance;
    p.dialer_instance_id = r->d->instance;
    p.hangup_side = kind == OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_HANGUP
                        ? ev->side
                        : OCPB__HANGUP_SIDE__HANGUP_SIDE_UNSPECIFIED;
    p.campaign_id = (char *)leg->campaign_id;
    p.lead_id = (char *)leg->lead_id;
    snprintf(msg_id, sizeof(msg_id), "progress:%s:%s", leg->dispatch_id,
             enum_name(&ocpb__call_progress_kind__descriptor, kind));
    publish_durable(r, "calls.progress", &p.base, msg_id);
    publish_event(r, leg, "progress", &p.base);
}

/* calls.ended from the dialer: an attempt media never ran (or lost). */
static void ended(struct reporter *r, const struct leg_event *ev, Ocpb__HangupCause cause,
                  int64_t answered_ms, const char *error)
{
    const struct leg *leg = ev->leg;
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    Ocpb__EventMeta meta;
    char id[37];
    char msg_id[256];

    meta_init(&meta, id, leg, ev->at_unix_ms);
    e.meta = &meta;
    e.call_id = (char *)leg->call_id;
    e.dispatch_id = (char *)leg->dispatch_id;
    e.campaign_id = (char *)leg->campaign_id;
    e.lead_id = (char *)leg->lead_id;
    e.media_instance_id = "";
    e.dialed_unix_ms = atomic_load(&leg->dialed_unix_ms);
    e.answered_unix_ms = answered_ms;
    e.ended_unix_ms = ev->at_unix_ms;
    e.duration_ms =
        answered_ms > 0 && ev->at_unix_ms > answered_ms ? ev->at_unix_ms - answered_ms : 0;
    e.cause = cause;
    e.sip_code = ev->sip_code;
    e.sip_reason = (char *)ev->sip_reason;
    e.language = leg->language;
    e.timezone = (char *)leg->timezone;
    e.country = (char *)leg->country;
    e.contact_name = (char *)leg->contact_name;
    e.phone_e164 = (char *)leg->to_e164;
    e.error = (char *)(error ? error : "");
    snprintf(msg_id, sizeof(msg_id), "ended:%s", leg->dispatch_id);
    publish_durable(r, "calls.ended", &e.base, msg_id);
    publish_event(r, leg, "ended", &e.base);
}

/* media.<instance>.stop: releases the allocation, or ends a running call. */
static enum oc_status stop_media(struct reporter *r, const struct leg *leg, Ocpb__HangupCause cause,
                                 int sip_code)
{
    if (!leg->media_stop_subject || !*leg->media_stop_subject)
        return OC_OK;
    Ocpb__StopMediaRequest req = OCPB__STOP_MEDIA_REQUEST__INIT;
    struct oc_call call = {.tenant_id = leg->tenant_id,
                           .request_id = leg->request_id,
                           .timeout_ms = REPORTER_MEDIA_TIMEOUT_MS};
    char err[256];
    req.call_id = (char *)leg->call_id;
    req.cause = cause;
    req.sip_code = sip_code;
    enum oc_status st = oc_bus_call(r->d->svc->bus, leg->media_stop_subject, &call, &req.base, NULL,
                                    NULL, NULL, err, sizeof(err));
    if (st != OC_OK && st != OC_ERR_NOT_FOUND)
        oc_warn("call %s: %s: %s", leg->call_id, leg->media_stop_subject, err);
    return st;
}

/* ================================================================ events */

static void on_dialing(struct reporter *r, struct leg_event *ev)
{
    progress(r, ev, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING);
}

static void on_ringing(struct reporter *r, struct leg_event *ev)
{
    const struct leg *leg = ev->leg;
    if (store_leg_progress(r->d->svc->db, leg->tenant_id, leg->dispatch_id, "ringing",
                           ev->sip_call_id, ev->sip_code) != OC_OK)
        oc_warn("call %s: the leg's ringing was not recorded", leg->call_id);
    progress(r, ev, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_RINGING);
}

static void on_answered(struct reporter *r, struct leg_event *ev)
{
    struct leg *leg = ev->leg;
    Ocpb__StartMediaRequest req = OCPB__START_MEDIA_REQUEST__INIT;
    struct oc_call call = {.tenant_id = leg->tenant_id,
                           .request_id = leg->request_id,
                           .timeout_ms = REPORTER_MEDIA_TIMEOUT_MS};
    char err[256];

    /* First what the contact hears: the conversation starts. */
    req.call_id = (char *)leg->call_id;
    req.remote_rtp_address = ev->remote_addr;
    req.remote_rtp_port = ev->remote_port;
    req.codec = ev->codec;
    req.payload_type = ev->payload_type;
    req.answered_unix_ms = atomic_load(&leg->answered_unix_ms);
    req.dialed_unix_ms = atomic_load(&leg->dialed_unix_ms);
    enum oc_status st = oc_bus_call(r->d->svc->bus, leg->media_start_subject, &call, &req.base,
                                    NULL, NULL, NULL, err, sizeof(err));
    if (st == OC_OK) {
        atomic_store(&leg->media_started, true);
    } else {
        oc_error("call %s: the media copy did not start (%s); hanging up", leg->call_id, err);
        sip_ua_hangup(r->d->sip, leg->call_id, SIP_END_SYSTEM);
    }
    oc_metric_add(r->d->calls_answered, 1);
    if (store_leg_progress(r->d->svc->db, leg->tenant_id, leg->dispatch_id, "answered",
                           ev->sip_call_id, ev->sip_code) != OC_OK)
        oc_warn("call %s: the leg's answer was not recorded", leg->call_id);
    progress(r, ev, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED);
}

static void on_unanswered(struct reporter *r, struct leg_event *ev)
{
    struct leg *leg = ev->leg;
    const char *cause = enum_name(&ocpb__hangup_cause__descriptor, ev->cause);

    oc_metric_add(r->d->calls_unanswered, 1);
    if (store_leg_end(r->d->svc->db, leg->tenant_id, leg->dispatch_id, "failed", ev->sip_code, NULL,
                      cause) != OC_OK)
        oc_warn("call %s: the leg's end was not recorded", leg->call_id);
    if (ev->outcome != OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_UNSPECIFIED)
        progress(r, ev, ev->outcome);
    ended(r, ev, ev->cause, 0, ev->error[0] ? ev->error : NULL);
    stop_media(r, leg, ev->cause, ev->sip_code);
    leg_set_remove(&r->d->live, leg);
    oc_metric_set(r->d->calls_live, (int64_t)leg_set_count(&r->d->live));
}

static void on_hangup(struct reporter *r, struct leg_event *ev)
{
    struct leg *leg = ev->leg;
    const char *by = ev->side == OCPB__HANGUP_SIDE__HANGUP_SIDE_CONTACT ? "contact"
                     : ev->side == OCPB__HANGUP_SIDE__HANGUP_SIDE_AGENT ? "agent"
                                                                        : "system";
    Ocpb__HangupCause cause = ev->side == OCPB__HANGUP_SIDE__HANGUP_SIDE_CONTACT
                                  ? OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP
                              : ev->side == OCPB__HANGUP_SIDE__HANGUP_SIDE_AGENT
                                  ? OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP
                                  : OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR;

    if (store_leg_end(r->d->svc->db, leg->tenant_id, leg->dispatch_id, "ended", ev->sip_code, by,
                      enum_name(&ocpb__hangup_cause__descriptor, cause)) != OC_OK)
        oc_warn("call %s: the leg's end was not recorded", leg->call_id);
    progress(r, ev, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_HANGUP);

    int64_t answered = atomic_load(&leg->answered_unix_ms);
    if (!atomic_load(&leg->media_started)) {
        ended(r, ev, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR, answered,
              "the media copy could not start the conversation");
    } else {
        /* Media reports the call it ran; if its copy is gone, the dialer
         * reports what it knows (without the transcript). */
        enum oc_status st = stop_media(r, leg, cause, ev->sip_code);
        /* Only when nobody answers: a copy that is slow will still report,
         * and its report (with the transcript) must not lose the race for
         * the message id to this one. */
        if (st == OC_ERR_UNAVAILABLE)
            ended(r, ev,
                  ev->side == OCPB__HANGUP_SIDE__HANGUP_SIDE_CONTACT
                      ? cause
                      : OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR,
                  answered, "the media copy that ran the call is gone; no transcript");
    }
    leg_set_remove(&r->d->live, leg);
    oc_metric_set(r->d->calls_live, (int64_t)leg_set_count(&r->d->live));
}

static void handle(struct reporter *r, struct leg_event *ev)
{
    oc_log_set_request_id(ev->leg->request_id);
    switch (ev->kind) {
    case LEG_DIALING:
        on_dialing(r, ev);
        break;
    case LEG_RINGING:
        on_ringing(r, ev);
        break;
    case LEG_ANSWERED:
        on_answered(r, ev);
        break;
    case LEG_UNANSWERED:
        on_unanswered(r, ev);
        break;
    case LEG_HANGUP:
        on_hangup(r, ev);
        break;
    }
    oc_log_set_request_id(NULL);
}

/* ================================================================ thread */

static void *reporter_loop(void *arg)
{
    struct reporter *r = arg;

    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->head && !r->closing)
            pthread_cond_wait(&r->cond, &r->mu);
        if (!r->head || (r->closing && mono_ms() >= r->deadline_ms))
            break;
        struct leg_event *ev = r->head;
        r->head = ev->next;
        if (!r->head)
            r->tail = NULL;
        pthread_mutex_unlock(&r->mu);
        handle(r, ev);
        event_free(ev);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

enum oc_status reporter_new(struct reporter **out, struct dialer *d)
{
    struct reporter *r = calloc(1, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    r->d = d;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (pthread_create(&r->thread, NULL, reporter_loop, r) != 0) {
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return OC_ERR_INTERNAL;
    }
    *out = r;
    return OC_OK;
}

void reporter_post(struct reporter *r, struct leg_event *ev)
{
    ev->next = NULL;
    pthread_mutex_lock(&r->mu);
    if (r->tail)
        r->tail->next = ev;
    else
        r->head = ev;
    r->tail = ev;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

void reporter_free(struct reporter *r, int timeout_ms)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->closing = true;
    r->deadline_ms = mono_ms() + timeout_ms;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    for (struct leg_event *ev = r->head; ev;) {
        struct leg_event *next = ev->next;
        oc_error("call %s: an event was not reported before shutdown", ev->leg->call_id);
        event_free(ev);
        ev = next;
    }
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
