/*
 * What lead-ingest consumes (durable consumer "lead-ingest"):
 *   analysis.done (stream ANALYSIS): the lead's status from the outcome, and
 *     the number on the do-not-call list when the contact asked with high
 *     or medium risk;
 *   calls.status (stream CALLS): the lead's status while it is called and
 *     once its calls are over.
 * Both are idempotent (the status rules never undo a better-known outcome;
 * an add of a listed number changes nothing), so redelivery is harmless. A
 * message is acknowledged only after its transaction committed.
 *
 * The streams are made with their one definition (oc/streams.h) by
 * whichever service comes first, this one included; while JetStream cannot
 * be reached, a thread retries every few seconds until both consumers run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "handlers.h"
#include "lead_status.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "oc/streams.h"
#include "outbox.h"
#include "proto/analyzer.pb-c.h"
#include "proto/scheduler.pb-c.h"
#include "store.h"

#define CONSUMER_RETRY_S 3

/* Sets a lead's status inside c's transaction and queues leads.updated. */
static enum oc_status set_status(struct oc_db_conn *c, struct oc_arena *a, const char *tenant,
                                 const Ocpb__Lead *lead, Ocpb__LeadStatus to,
                                 const char *request_id, Ocpb__LeadUpdated **out)
{
    *out = NULL;
    if (to == lead->status)
        return OC_OK;
    Ocpb__LeadUpdated *u = oc_arena_alloc(a, sizeof(*u));
    char **changed = oc_arena_alloc(a, sizeof(char *));
    if (!u || !changed)
        return OC_ERR_NOMEM;
    ocpb__lead_updated__init(u);
    enum oc_status s =
        store_lead_set_status(c, tenant, lead->id, lead_status_name(to), a, &u->lead);
    if (s != OC_OK)
        return s;
    u->meta = events_meta(a, tenant, request_id);
    if (!u->meta)
        return OC_ERR_NOMEM;
    changed[0] = "status";
    u->changed = changed;
    u->n_changed = 1;
    s = events_queue(c, tenant, "leads.updated", u->meta->event_id, &u->base);
    if (s == OC_OK)
        *out = u;
    return s;
}

/* A lead the message names, or NULL when it is gone (deleted or erased). */
static enum oc_status find_lead(struct oc_db_conn *c, struct oc_arena *a, const char *tenant,
                                const char *lead_id, Ocpb__Lead **out)
{
    *out = NULL;
    if (!oc_uuid_valid(lead_id))
        return OC_OK;
    enum oc_status s = store_lead_get(c, tenant, lead_id, true, a, out);
    return s == OC_ERR_NOT_FOUND ? OC_OK : s;
}

static enum oc_status on_analysis(void *user, const char *subject, const uint8_t *data, size_t len,
                                  uint64_t delivered)
{
    (void)subject;
    (void)delivered;
    struct lead_ingest *st = user;
    struct oc_arena *a = NULL;
    if (oc_arena_new(&a, 16 * 1024) != OC_OK)
        return OC_ERR_NOMEM;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    Ocpb__AnalysisDone *m = ocpb__analysis_done__unpack(&alloc, len, data);
    enum oc_status s = OC_OK;
    struct oc_db_conn *c = NULL;
    Ocpb__LeadUpdated *updated = NULL, **dnc_updated = NULL;
    Ocpb__DncChanged *changed = NULL;
    size_t n_dnc_updated = 0;
    if (!m || !m->meta || !m->analysis || !oc_uuid_valid(m->meta->tenant_id)) {
        /* Never processable: acknowledge it rather than see it forever. */
        oc_warn("analysis.done: malformed message dropped");
        goto out;
    }
    const char *tenant = m->meta->tenant_id;
    const Ocpb__Analysis *an = m->analysis;
    oc_log_set_request_id(m->meta->request_id[0] ? m->meta->request_id : NULL);
    bool blacklist = an->dnc && an->dnc->requested &&
                     (an->dnc->risk == OCPB__DNC_RISK__DNC_RISK_HIGH ||
                      an->dnc->risk == OCPB__DNC_RISK__DNC_RISK_MEDIUM);

    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        goto out;
    Ocpb__Lead *lead = NULL;
    if ((s = find_lead(c, a, tenant, an->lead_id, &lead)) != OC_OK)
        goto out;
    const char *phone = m->phone_e164[0] ? m->phone_e164 : lead ? lead->phone_e164 : "";
    if (blacklist && phone[0]) {
        struct store_dnc_in d = {
            .phone_e164 = phone,
            .source = "call_analysis",
            .reason = an->dnc->evidence,
            .risk = an->dnc->risk == OCPB__DNC_RISK__DNC_RISK_HIGH ? "high" : "medium",
            .call_id = oc_uuid_valid(an->call_id) ? an->call_id : NULL,
            .actor = "analyzer",
            .request_id = m->meta->request_id,
        };
        Ocpb__DncEntry *entry = NULL;
        bool already = false;
        s = dnc_add_in_tx(c, a, tenant, &d, &entry, &already, &changed, &dnc_updated,
                          &n_dnc_updated);
        if (s != OC_OK)
            goto out;
        /* The add marked the lead too; read it again for the outcome rule. */
        if (lead && (s = find_lead(c, a, tenant, lead->id, &lead)) != OC_OK)
            goto out;
    }
    if (lead) {
        Ocpb__LeadStatus to = lead_status_after_analysis(lead->status, an->outcome, blacklist);
        if ((s = set_status(c, a, tenant, lead, to, m->meta->request_id, &updated)) != OC_OK)
            goto out;
    }
    s = store_commit(st->svc->db, c);
    c = NULL;
    if (s != OC_OK)
        goto out;
    if (changed)
        events_publish(st->svc->bus, tenant, "dnc.added", &changed->base);
    for (size_t i = 0; i < n_dnc_updated; i++)
        events_publish(st->svc->bus, tenant, "lead.updated", &dnc_updated[i]->base);
    if (updated)
        events_publish(st->svc->bus, tenant, "lead.updated", &updated->base);
    outbox_kick(st->outbox);
out:
    store_abort(st->svc->db, c);
    oc_log_set_request_id(NULL);
    oc_arena_free(a);
    return s;
}

static enum oc_status on_call_status(void *user, const char *subject, const uint8_t *data,
                                     size_t len, uint64_t delivered)
{
    (void)subject;
    (void)delivered;
    struct lead_ingest *st = user;
    struct oc_arena *a = NULL;
    if (oc_arena_new(&a, 8192) != OC_OK)
        return OC_ERR_NOMEM;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    Ocpb__CallStatusChanged *m = ocpb__call_status_changed__unpack(&alloc, len, data);
    enum oc_status s = OC_OK;
    struct oc_db_conn *c = NULL;
    Ocpb__LeadUpdated *updated = NULL;
    if (!m || !m->meta || !oc_uuid_valid(m->meta->tenant_id)) {
        oc_warn("calls.status: malformed message dropped");
        goto out;
    }
    const char *tenant = m->meta->tenant_id;
    oc_log_set_request_id(m->meta->request_id[0] ? m->meta->request_id : NULL);
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        goto out;
    Ocpb__Lead *lead = NULL;
    if ((s = find_lead(c, a, tenant, m->lead_id, &lead)) != OC_OK || !lead)
        goto out;
    Ocpb__LeadStatus to = lead_status_after_call(lead->status, m->to, m->lead_finished, m->result);
    if ((s = set_status(c, a, tenant, lead, to, m->meta->request_id, &updated)) != OC_OK)
        goto out;
    s = store_commit(st->svc->db, c);
    c = NULL;
    if (s == OC_OK && updated) {
        events_publish(st->svc->bus, tenant, "lead.updated", &updated->base);
        outbox_kick(st->outbox);
    }
out:
    store_abort(st->svc->db, c);
    oc_log_set_request_id(NULL);
    oc_arena_free(a);
    return s;
}

static void *consumers_run(void *arg)
{
    struct lead_ingest *st = arg;
    const struct oc_consumer_config analysis = {
        .stream = OC_STREAM_ANALYSIS, .durable = "lead-ingest", .filter_subject = "analysis.done"};
    const struct oc_consumer_config calls = {
        .stream = OC_STREAM_CALLS, .durable = "lead-ingest", .filter_subject = "calls.status"};
    bool warned = false;
    pthread_mutex_lock(&st->consumers_mu);
    while (!st->stopping && (!st->analysis_consumer || !st->calls_consumer)) {
        pthread_mutex_unlock(&st->consumers_mu);
        struct oc_consumer *x = NULL;
        if (!st->analysis_consumer &&
            oc_streams_ensure(st->svc->bus, OC_STREAM_ANALYSIS) == OC_OK &&
            oc_consumer_start(&x, st->svc->bus, &analysis, on_analysis, st) == OC_OK) {
            st->analysis_consumer = x;
            oc_info("consuming analysis.done");
        }
        x = NULL;
        if (!st->calls_consumer && oc_streams_ensure(st->svc->bus, OC_STREAM_CALLS) == OC_OK &&
            oc_consumer_start(&x, st->svc->bus, &calls, on_call_status, st) == OC_OK) {
            st->calls_consumer = x;
            oc_info("consuming calls.status");
        }
        pthread_mutex_lock(&st->consumers_mu);
        if (st->analysis_consumer && st->calls_consumer)
            break;
        if (!warned) {
            oc_info("consumers of ANALYSIS or CALLS not started yet; retrying every %d s",
                    CONSUMER_RETRY_S);
            warned = true;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += CONSUMER_RETRY_S;
        while (!st->stopping &&
               pthread_cond_timedwait(&st->consumers_cv, &st->consumers_mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&st->consumers_mu);
    return NULL;
}

enum oc_status consumers_start(struct lead_ingest *st)
{
    pthread_mutex_init(&st->consumers_mu, NULL);
    pthread_cond_init(&st->consumers_cv, NULL);
    if (pthread_create(&st->consumers_thread, NULL, consumers_run, st) != 0)
        return OC_ERR_INTERNAL;
    st->consumers_thread_started = true;
    return OC_OK;
}

void consumers_stop(struct lead_ingest *st)
{
    if (!st->consumers_thread_started)
        return;
    pthread_mutex_lock(&st->consumers_mu);
    st->stopping = true;
    pthread_cond_broadcast(&st->consumers_cv);
    pthread_mutex_unlock(&st->consumers_mu);
    pthread_join(st->consumers_thread, NULL);
    st->consumers_thread_started = false;
    oc_consumer_stop(st->analysis_consumer);
    oc_consumer_stop(st->calls_consumer);
    st->analysis_consumer = st->calls_consumer = NULL;
    pthread_cond_destroy(&st->consumers_cv);
    pthread_mutex_destroy(&st->consumers_mu);
}
