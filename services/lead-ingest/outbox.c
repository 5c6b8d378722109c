/*
 * The outbox publisher (see outbox.h). A leads.added row names a range of
 * lines of an import instead of carrying the leads: the publisher reads
 * them back and packs them into as many LeadsAdded messages as the NATS
 * payload limit needs; each message's id is the row's id with the part
 * number appended after the first, so the split is as harmless to repeat
 * as the whole.
 */
#include "outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "oc/log.h"
#include "oc/streams.h"
#include "proto/leads.pb-c.h"
#include "store.h"

#define OUTBOX_ROUND 50
#define OUTBOX_IDLE_MS 2000

struct outbox {
    struct oc_db *db;
    struct oc_bus *bus;
    bool stream_ready;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool kicked;
    bool stop;
    bool joined;
};

/* Makes stream LEADS exist with its definition (oc/streams.h), once. */
static enum oc_status ensure_stream(struct outbox *o)
{
    if (o->stream_ready)
        return OC_OK;
    enum oc_status st = oc_streams_ensure(o->bus, OC_STREAM_LEADS);
    o->stream_ready = st == OC_OK;
    return st;
}

/* Publishes one LeadsAdded part. */
static enum oc_status publish_part(struct outbox *o, const struct store_outbox_row *row,
                                   struct oc_arena *a, Ocpb__Lead **leads, size_t n, int part)
{
    Ocpb__LeadsAdded m = OCPB__LEADS_ADDED__INIT;
    char id[160];
    if (part == 0)
        snprintf(id, sizeof(id), "%s", row->msg_id);
    else
        snprintf(id, sizeof(id), "%s.%d", row->msg_id, part);
    m.meta = events_meta(a, row->tenant, NULL);
    if (!m.meta)
        return OC_ERR_NOMEM;
    m.meta->event_id = id;
    m.campaign_id = n ? leads[0]->campaign_id : "";
    m.import_id = (char *)row->list_id;
    m.leads = leads;
    m.n_leads = n;
    return oc_js_publish(o->bus, row->subject, &m.base, id, NULL);
}

/* Rebuilds and publishes a leads.added row, split to fit the payload limit. */
static enum oc_status publish_added(struct outbox *o, struct oc_db_conn *c,
                                    const struct store_outbox_row *row, struct oc_arena *a)
{
    Ocpb__Lead **leads = NULL;
    size_t n = 0;
    enum oc_status st = store_leads_of_lines(c, row->tenant, row->list_id, row->first_line,
                                             row->last_line, a, &leads, &n);
    if (st != OC_OK || n == 0)
        return st; /* deleted since: nothing left to announce */
    int64_t max = natsConnection_GetMaxPayload(oc_bus_nats(o->bus));
    size_t limit = (size_t)(max > 0 ? max : 1024 * 1024) * 9 / 10;
    size_t start = 0, size = 0;
    int part = 0;
    for (size_t i = 0; i < n; i++) {
        size_t one = ocpb__lead__get_packed_size(leads[i]) + 8;
        if (i > start && size + one > limit) {
            st = publish_part(o, row, a, leads + start, i - start, part++);
            if (st != OC_OK)
                return st;
            start = i;
            size = 0;
        }
        size += one;
    }
    return publish_part(o, row, a, leads + start, n - start, part);
}

/* The message type of a queued payload, by its subject. */
static const ProtobufCMessageDescriptor *descriptor_of(const char *subject)
{
    if (strcmp(subject, "leads.updated") == 0)
        return &ocpb__lead_updated__descriptor;
    if (strcmp(subject, "leads.deleted") == 0)
        return &ocpb__lead_deleted__descriptor;
    if (strcmp(subject, "dnc.changed") == 0)
        return &ocpb__dnc_changed__descriptor;
    if (strcmp(subject, "leads.added") == 0)
        return &ocpb__leads_added__descriptor;
    return NULL;
}

/* Publishes a queued message. The shared bus publishes messages, not bytes,
 * so the payload is unpacked into the arena and packed again. */
static enum oc_status publish_packed(struct outbox *o, const struct store_outbox_row *row,
                                     struct oc_arena *a)
{
    const ProtobufCMessageDescriptor *d = descriptor_of(row->subject);
    if (!d) {
        oc_error("outbox: no message type for subject %s", row->subject);
        return OC_ERR_INTERNAL;
    }
    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &alloc, row->len, row->payload);
    if (!m) {
        oc_error("outbox: %s %s does not unpack as %s", row->subject, row->msg_id, d->name);
        return OC_ERR_INTERNAL;
    }
    return oc_js_publish(o->bus, row->subject, m, row->msg_id, NULL);
}

/* One round: up to OUTBOX_ROUND rows. Returns how many were published. */
static int round_once(struct outbox *o)
{
    struct oc_db_conn *c = NULL;
    struct oc_arena *a = NULL;
    struct store_outbox_row *rows = NULL;
    size_t n = 0;
    int done = 0;

    if (!oc_bus_connected(o->bus) || ensure_stream(o) != OC_OK)
        return 0;
    if (oc_arena_new(&a, 64 * 1024) != OC_OK)
        return 0;
    if (store_begin_system(o->db, &c) != OC_OK)
        goto out;
    if (store_outbox_take(c, OUTBOX_ROUND, a, &rows, &n) != OC_OK) {
        store_abort(o->db, c);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct store_outbox_row *row = &rows[i];
        enum oc_status st;
        if (row->payload) {
            st = publish_packed(o, row, a);
        } else {
            st = publish_added(o, c, row, a);
        }
        if (st == OC_ERR_INTERNAL) {
            /* It can never be published (a row no code writes): keep the
             * queue moving rather than block every event behind it. */
            oc_error("outbox: dropping %s %s", row->subject, row->msg_id);
            if (store_outbox_done(c, row->id) != OC_OK)
                break;
            continue;
        }
        if (st != OC_OK) {
            if (row->attempts % 10 == 0)
                oc_warn("outbox: %s %s not published (attempt %d): %s", row->subject, row->msg_id,
                        row->attempts + 1, oc_status_text(st));
            store_outbox_failed(c, row->id);
            o->stream_ready = false; /* the stream may have been removed */
            break;
        }
        if (store_outbox_done(c, row->id) != OC_OK)
            break;
        done++;
    }
    if (store_commit(o->db, c) != OC_OK)
        done = 0;
out:
    oc_arena_free(a);
    return done;
}

static void *run(void *arg)
{
    struct outbox *o = arg;
    pthread_mutex_lock(&o->mu);
    while (!o->stop) {
        o->kicked = false;
        pthread_mutex_unlock(&o->mu);
        int done = round_once(o);
        pthread_mutex_lock(&o->mu);
        if (done == OUTBOX_ROUND || o->kicked)
            continue; /* more may be waiting */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += OUTBOX_IDLE_MS / 1000;
        while (!o->stop && !o->kicked)
            if (pthread_cond_timedwait(&o->cv, &o->mu, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

enum oc_status outbox_new(struct outbox **out, struct oc_db *db, struct oc_bus *bus)
{
    struct outbox *o = calloc(1, sizeof(*o));
    if (!o)
        return OC_ERR_NOMEM;
    o->db = db;
    o->bus = bus;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    /* A first attempt now, so a misconfigured JetStream shows in the log at start. */
    if (ensure_stream(o) != OC_OK)
        oc_warn("outbox: stream LEADS not ready yet; events wait in the outbox");
    if (pthread_create(&o->thread, NULL, run, o) != 0) {
        pthread_cond_destroy(&o->cv);
        pthread_mutex_destroy(&o->mu);
        free(o);
        return OC_ERR_INTERNAL;
    }
    *out = o;
    return OC_OK;
}

void outbox_kick(struct outbox *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    o->kicked = true;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

void outbox_stop(struct outbox *o)
{
    if (!o || o->joined)
        return;
    pthread_mutex_lock(&o->mu);
    o->stop = true;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->thread, NULL);
    o->joined = true;
}

void outbox_free(struct outbox *o)
{
    if (!o)
        return;
    outbox_stop(o);
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    free(o);
}
