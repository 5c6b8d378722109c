/*
 * Publishing status events after commit (see outbox.h). Each event goes
 * twice: durably to calls.status for lead-ingest, and to the core subject
 * the gateway streams to the tenant's dashboard. Only the durable publish
 * decides whether the event counts as published.
 */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jspub.h"
#include "oc/log.h"
#include "store.h"

/* Events read and published per drain transaction. */
#define DRAIN_BATCH 2000

/* Core events: fire and forget; the dashboard may miss one while NATS is down. */
static void publish_core(struct scheduler *st, const char *tenant, const char *what,
                         const uint8_t *data, size_t len)
{
    char subject[128];
    snprintf(subject, sizeof(subject), "evt.%s.%s", tenant, what);
    natsStatus s = natsConnection_Publish(oc_bus_nats(st->bus), subject, data, (int)len);
    if (s != NATS_OK)
        oc_bus_status(s, subject);
}

#define PUBLISH_CHUNK 2000

/* Publishes events ev[0..n) and takes those JetStream stored out of the
 * outbox, in chunks so that a large batch (a big import's creation events)
 * never has more unacknowledged messages in flight than the publisher holds. */
static void publish_events(struct scheduler *st, struct jspub *pub, struct call_event *ev, size_t n,
                           struct oc_db_conn *tx)
{
    if (n == 0)
        return;
    size_t chunk = n < PUBLISH_CHUNK ? n : PUBLISH_CHUNK;
    bool *stored = calloc(chunk, sizeof(*stored));
    struct call_event *done = calloc(n, sizeof(*done));
    if (!stored || !done) {
        free(stored);
        free(done);
        return;
    }
    size_t m = 0;
    for (size_t from = 0; from < n; from += chunk) {
        size_t k = n - from < chunk ? n - from : chunk;
        if (jspub_begin(pub, k) != OC_OK)
            break;
        for (size_t i = from; i < from + k; i++) {
            char id[96];
            snprintf(id, sizeof(id), "status:%s:%d", ev[i].call_id, ev[i].seq);
            jspub_add(pub, SCHED_SUBJECT_STATUS, ev[i].payload, ev[i].len, id);
            publish_core(st, ev[i].tenant_id, "call.status_changed", ev[i].payload, ev[i].len);
        }
        jspub_wait(pub, 5000, stored);
        for (size_t i = 0; i < k; i++)
            if (stored[i])
                done[m++] = ev[from + i];
    }
    if (m > 0) {
        struct oc_db_conn *c = tx;
        enum oc_status s = tx ? OC_OK : store_begin(st->db, NULL, &c);
        if (s == OC_OK && !tx)
            s = store_lazy_commit(c);
        if (s == OC_OK)
            s = store_events_published(c, done, m);
        if (!tx) {
            if (s == OC_OK)
                s = store_commit(st->db, c);
            else
                store_abort(st->db, c);
        }
        if (s != OC_OK)
            oc_warn("outbox: %zu events published but still in the outbox; the sweep publishes"
                    " them again",
                    m);
    }
    free(stored);
    free(done);
}

/*
 * Publishes what the outbox holds, oldest first, in one transaction that
 * holds the drain lock: events are never published by the thread that wrote
 * them, because two threads (or two copies) publishing right after their own
 * commits could let a call's later event overtake an earlier one.
 */
static void drain(struct scheduler *st, struct jspub *pub)
{
    struct oc_arena *arena = NULL;
    if (oc_arena_new(&arena, 64 * 1024) != OC_OK)
        return;
    for (;;) {
        struct oc_db_conn *c = NULL;
        struct call_event *ev = NULL;
        size_t n = 0;
        oc_arena_reset(arena);
        enum oc_status s = store_begin(st->db, NULL, &c);
        if (s == OC_OK)
            s = store_lazy_commit(c);
        if (s == OC_OK)
            s = store_events_next(c, DRAIN_BATCH, arena, &ev, &n);
        if (s == OC_OK && n > 0)
            publish_events(st, pub, ev, n, c);
        if (c) {
            if (s == OC_OK)
                s = store_commit(st->db, c);
            else
                store_abort(st->db, c);
        }
        if (s != OC_OK || n < DRAIN_BATCH)
            break;
    }
    oc_arena_free(arena);
}

void outbox_publish_with(struct scheduler *st, struct jspub *pub, struct outbox *ob)
{
    for (size_t i = 0; i < ob->n_campaign; i++)
        publish_core(st, ob->campaign[i].tenant_id, "campaign.state_changed",
                     ob->campaign[i].payload, ob->campaign[i].len);
    if (ob->n > 0)
        drain(st, pub);
}

void outbox_publish(struct scheduler *st, struct outbox *ob)
{
    if (ob->n == 0 && ob->n_campaign == 0)
        return;
    pthread_mutex_lock(&st->pub_mu);
    if (st->pub)
        outbox_publish_with(st, st->pub, ob);
    pthread_mutex_unlock(&st->pub_mu);
}

void outbox_sweep(struct scheduler *st, struct jspub *pub)
{
    drain(st, pub);
}
