/*
 * Do-not-call imports (see dnc_import.h): the CSV reader's records become
 * numbers, the numbers batches, and each batch one transaction.
 *
 * Threads: an import is driven by one thread at a time, the handler's for
 * a whole file, the chunk subscription's for a streamed one. nats.c calls
 * a subscription's callbacks one after the other (the idle timeout's too)
 * and its completion callback once none runs or will run, which is when a
 * streamed import is freed.
 */
#include "dnc_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_import.h"
#include "events.h"
#include "header_map.h"
#include "import_job.h"
#include "lead_row.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "outbox.h"
#include "phone.h"
#include "store.h"

/* Rejected rows the report carries, and bytes of each row's text. */
#define DNC_IMPORT_REJECTED_MAX 1000
#define DNC_RAW_MAX 1024

struct dnc_import {
    struct lead_ingest *st;
    char tenant[37];
    char region[4];
    char reason[1024];
    char risk[8];
    char user_id[37];
    char actor[80];
    char request_id[80];

    struct csv_import *reader;
    long phone_col; /* -1 until the first record decided it */
    bool header_seen;

    /* The batch being filled: numbers in E.164. */
    char (*numbers)[PHONE_E164_MAX];
    size_t n_numbers;
    struct oc_arena *batch_arena; /* a batch's entries and events; reset after each */

    /* The report: counters and the first rejected rows (in report_arena). */
    int64_t added, already_listed, rejected_count;
    struct oc_arena *report_arena;
    Ocpb__RejectedRow **rejected;
    size_t n_rejected, cap_rejected;
    enum oc_status failed; /* the first failure: nothing more is read */
};

/* ---------------------------------------------------------------- life */

static void copy_str(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

static enum oc_status dnc_import_record(void *user, const struct csv_record *rec);

enum oc_status dnc_import_new(struct dnc_import **out, struct lead_ingest *st,
                              const struct dnc_import_spec *spec)
{
    struct dnc_import *x = calloc(1, sizeof(*x));
    if (!x)
        return OC_ERR_NOMEM;
    x->st = st;
    x->phone_col = -1;
    copy_str(x->tenant, sizeof(x->tenant), spec->tenant);
    copy_str(x->region, sizeof(x->region), spec->region);
    copy_str(x->reason, sizeof(x->reason), spec->reason);
    copy_str(x->risk, sizeof(x->risk), spec->risk);
    copy_str(x->user_id, sizeof(x->user_id), spec->user_id);
    copy_str(x->actor, sizeof(x->actor), spec->actor);
    copy_str(x->request_id, sizeof(x->request_id), spec->request_id);
    x->numbers = calloc(DNC_IMPORT_BATCH, sizeof(*x->numbers));
    enum oc_status s = x->numbers ? OC_OK : OC_ERR_NOMEM;
    if (s == OC_OK)
        s = oc_arena_new(&x->batch_arena, 256 * 1024);
    if (s == OC_OK)
        s = oc_arena_new(&x->report_arena, 64 * 1024);
    if (s == OC_OK)
        s = csv_import_new(&x->reader, NULL, dnc_import_record, x);
    if (s != OC_OK) {
        dnc_import_free(x);
        return s;
    }
    *out = x;
    return OC_OK;
}

void dnc_import_free(struct dnc_import *x)
{
    if (!x)
        return;
    csv_import_free(x->reader);
    oc_arena_free(x->batch_arena);
    oc_arena_free(x->report_arena);
    free(x->numbers);
    free(x);
}

const char *dnc_import_error(const struct dnc_import *x)
{
    return csv_import_error(x->reader);
}

/* ---------------------------------------------------------------- batches */

/* Queues one outbox row per event of a batch, in one statement. */
static enum oc_status queue_events(struct dnc_import *x, struct oc_db_conn *c, const char *subject,
                                   ProtobufCMessage **events, Ocpb__EventMeta **metas, size_t n)
{
    struct oc_arena *a = x->batch_arena;
    const char **ids = oc_arena_alloc(a, (n + 1) * sizeof(*ids));
    const uint8_t **payloads = oc_arena_alloc(a, (n + 1) * sizeof(*payloads));
    size_t *lens = oc_arena_alloc(a, (n + 1) * sizeof(*lens));
    if (!ids || !payloads || !lens)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len = protobuf_c_message_get_packed_size(events[i]);
        uint8_t *buf = oc_arena_alloc(a, len ? len : 1);
        if (!buf)
            return OC_ERR_NOMEM;
        protobuf_c_message_pack(events[i], buf);
        ids[i] = metas[i]->event_id;
        payloads[i] = buf;
        lens[i] = len;
    }
    return store_outbox_add_many(c, x->tenant, subject, ids, payloads, lens, n);
}

/*
 * Writes the batch in one transaction: the entries and their audit rows,
 * the leads with those numbers, the events in the outbox. Then, committed,
 * the dashboard's events. The batch is empty after, written or not.
 */
static enum oc_status flush(struct dnc_import *x)
{
    size_t n = x->n_numbers;
    if (n == 0)
        return OC_OK;
    struct oc_arena *a = x->batch_arena;
    struct oc_db *db = x->st->svc->db;
    struct store_dnc_in d = {
        .source = "import",
        .reason = x->reason,
        .risk = x->risk,
        .user_id = x->user_id[0] ? x->user_id : NULL,
        .actor = x->actor,
        .request_id = x->request_id,
    };
    const char **numbers = oc_arena_alloc(a, n * sizeof(*numbers));
    Ocpb__DncEntry **entries = NULL;
    Ocpb__Lead **leads = NULL;
    size_t n_entries = 0, n_leads = 0;
    struct oc_db_conn *c = NULL;
    enum oc_status s = numbers ? OC_OK : OC_ERR_NOMEM;
    for (size_t i = 0; s == OC_OK && i < n; i++)
        numbers[i] = x->numbers[i];
    if (s == OC_OK)
        s = store_begin(db, x->tenant, &c);
    if (s != OC_OK)
        goto out;
    s = store_dnc_add_many(c, x->tenant, &d, numbers, n, a, &entries, &n_entries);
    /* Only numbers new to the list touch leads, as for one number added. */
    const char **added = oc_arena_alloc(a, (n_entries + 1) * sizeof(*added));
    if (s == OC_OK && !added)
        s = OC_ERR_NOMEM;
    for (size_t i = 0; s == OC_OK && i < n_entries; i++)
        added[i] = entries[i]->phone_e164;
    if (s == OC_OK)
        s = store_leads_mark_dnc(c, x->tenant, added, n_entries, a, &leads, &n_leads);

    /* dnc.changed names up to DNC_EVENT_ENTRIES numbers: a large list
     * must not queue one event per number ahead of everyone else's. */
    size_t n_changed = (n_entries + DNC_EVENT_ENTRIES - 1) / DNC_EVENT_ENTRIES;
    size_t n_events = n_changed > n_leads ? n_changed : n_leads;
    ProtobufCMessage **events = oc_arena_alloc(a, (n_events + 1) * sizeof(*events));
    Ocpb__EventMeta **metas = oc_arena_alloc(a, (n_events + 1) * sizeof(*metas));
    Ocpb__DncChanged **changed = oc_arena_alloc(a, (n_changed + 1) * sizeof(*changed));
    Ocpb__LeadUpdated **updated = oc_arena_alloc(a, (n_leads + 1) * sizeof(*updated));
    static char *status_name[] = {"status"};
    if (s == OC_OK && (!events || !metas || !changed || !updated))
        s = OC_ERR_NOMEM;
    for (size_t i = 0; s == OC_OK && i < n_changed; i++) {
        size_t first = i * DNC_EVENT_ENTRIES;
        size_t count =
            n_entries - first < DNC_EVENT_ENTRIES ? n_entries - first : DNC_EVENT_ENTRIES;
        Ocpb__DncChanged *ev = oc_arena_alloc(a, sizeof(*ev));
        if (!ev || !(metas[i] = events_meta(a, x->tenant, x->request_id))) {
            s = OC_ERR_NOMEM;
            break;
        }
        ocpb__dnc_changed__init(ev);
        ev->meta = metas[i];
        ev->action = OCPB__DNC_ACTION__DNC_ACTION_ADDED;
        ev->entry = entries[first];
        ev->more_entries = entries + first + 1;
        ev->n_more_entries = count - 1;
        changed[i] = ev;
        events[i] = &ev->base;
    }
    if (s == OC_OK)
        s = queue_events(x, c, "dnc.changed", events, metas, n_changed);
    for (size_t i = 0; s == OC_OK && i < n_leads; i++) {
        Ocpb__LeadUpdated *u = oc_arena_alloc(a, sizeof(*u));
        if (!u || !(metas[i] = events_meta(a, x->tenant, x->request_id))) {
            s = OC_ERR_NOMEM;
            break;
        }
        ocpb__lead_updated__init(u);
        u->meta = metas[i];
        u->lead = leads[i];
        u->changed = status_name;
        u->n_changed = 1;
        updated[i] = u;
        events[i] = &u->base;
    }
    if (s == OC_OK)
        s = queue_events(x, c, "leads.updated", events, metas, n_leads);
    if (s != OC_OK) {
        store_abort(db, c);
        goto out;
    }
    if ((s = store_commit(db, c)) != OC_OK)
        goto out;

    x->added += (int64_t)n_entries;
    x->already_listed += (int64_t)(n - n_entries);
    for (size_t i = 0; i < n_changed; i++)
        events_publish(x->st->svc->bus, x->tenant, "dnc.added", &changed[i]->base);
    for (size_t i = 0; i < n_leads; i++)
        events_publish(x->st->svc->bus, x->tenant, "lead.updated", &updated[i]->base);
    outbox_kick(x->st->outbox);
out:
    x->n_numbers = 0;
    oc_arena_reset(a);
    return s;
}

/* ---------------------------------------------------------------- records */

static enum oc_status reject(struct dnc_import *x, long line, const char *raw,
                             enum lead_reject_code code, const char *reason)
{
    struct oc_arena *a = x->report_arena;
    x->rejected_count++;
    if (x->n_rejected >= DNC_IMPORT_REJECTED_MAX)
        return OC_OK; /* counted in rejected_count; the report stays bounded */
    if (x->n_rejected == x->cap_rejected) {
        size_t cap = x->cap_rejected ? 2 * x->cap_rejected : 16;
        Ocpb__RejectedRow **v = oc_arena_alloc(a, cap * sizeof(*v));
        if (!v)
            return OC_ERR_NOMEM;
        if (x->n_rejected)
            memcpy(v, x->rejected, x->n_rejected * sizeof(*v));
        x->rejected = v;
        x->cap_rejected = cap;
    }
    Ocpb__RejectedRow *row = oc_arena_alloc(a, sizeof(*row));
    if (!row)
        return OC_ERR_NOMEM;
    ocpb__rejected_row__init(row);
    row->line = line;
    /* A kilobyte of the row is enough to find it; cut on a character. */
    size_t n = strlen(raw);
    if (n > DNC_RAW_MAX) {
        n = DNC_RAW_MAX;
        while (n && ((unsigned char)raw[n] & 0xC0) == 0x80)
            n--;
    }
    row->raw = oc_arena_strndup(a, raw, n);
    row->reason = oc_arena_strdup(a, reason);
    row->code = (Ocpb__RejectReason)code;
    if (!row->raw || !row->reason)
        return OC_ERR_NOMEM;
    x->rejected[x->n_rejected++] = row;
    return OC_OK;
}

static enum oc_status dnc_import_record(void *user, const struct csv_record *rec)
{
    struct dnc_import *x = user;
    if (rec->error != CSV_ROW_OK)
        return reject(x, rec->line, rec->raw,
                      rec->error == CSV_ROW_MALFORMED  ? LEAD_REJECT_MALFORMED
                      : rec->error == CSV_ROW_ENCODING ? LEAD_REJECT_ENCODING
                                                       : LEAD_REJECT_TOO_LONG,
                      rec->why);
    if (!x->header_seen) {
        x->header_seen = true;
        /* The column named like a phone, else the first; a first row whose
         * cell is a number is data: the file has no header. */
        for (size_t i = 0; i < rec->nfields && x->phone_col < 0; i++)
            if (header_map_recognise(rec->fields[i]) == LEAD_FIELD_PHONE)
                x->phone_col = (long)i;
        if (x->phone_col >= 0)
            return OC_OK;
        x->phone_col = 0;
        char e164[PHONE_E164_MAX], why[64];
        if (phone_normalize(rec->fields[0], x->region, e164, why, sizeof(why)) != OC_OK)
            return OC_OK;
    }
    const char *cell = (size_t)x->phone_col < rec->nfields ? rec->fields[x->phone_col] : "";
    char why[160], reason[220];
    enum oc_status s = phone_normalize(cell, x->region, x->numbers[x->n_numbers], why, sizeof(why));
    if (s == OC_ERR_INVALID) {
        snprintf(reason, sizeof(reason), "phone \"%.40s\": %s", cell, why);
        return reject(x, rec->line, rec->raw,
                      cell[0] ? LEAD_REJECT_INVALID_PHONE : LEAD_REJECT_MISSING_PHONE, reason);
    }
    if (s != OC_OK)
        return s;
    if (++x->n_numbers == DNC_IMPORT_BATCH)
        return flush(x);
    return OC_OK;
}

enum oc_status dnc_import_feed(struct dnc_import *x, const void *data, size_t len)
{
    if (x->failed != OC_OK)
        return x->failed;
    enum oc_status s = csv_import_feed(x->reader, data, len);
    if (s != OC_OK)
        x->failed = s;
    return s;
}

enum oc_status dnc_import_finish(struct dnc_import *x)
{
    if (x->failed != OC_OK)
        return x->failed;
    enum oc_status s = csv_import_finish(x->reader);
    if (s == OC_OK)
        s = flush(x);
    if (s != OC_OK)
        x->failed = s;
    return s;
}

enum oc_status dnc_import_report(const struct dnc_import *x, struct oc_arena *a,
                                 Ocpb__ImportDncReply **out)
{
    Ocpb__ImportDncReply *r = oc_arena_alloc(a, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__import_dnc_reply__init(r);
    r->added = x->added;
    r->already_listed = x->already_listed;
    r->rejected_count = x->rejected_count;
    r->rejected = oc_arena_alloc(a, (x->n_rejected + 1) * sizeof(*r->rejected));
    if (!r->rejected)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < x->n_rejected; i++) {
        Ocpb__RejectedRow *row = oc_arena_alloc(a, sizeof(*row));
        if (!row)
            return OC_ERR_NOMEM;
        *row = *x->rejected[i];
        row->raw = oc_arena_strdup(a, row->raw);
        row->reason = oc_arena_strdup(a, row->reason);
        if (!row->raw || !row->reason)
            return OC_ERR_NOMEM;
        r->rejected[r->n_rejected++] = row;
    }
    *out = r;
    return OC_OK;
}

/* ---------------------------------------------------------------- streamed */

struct dnc_stream {
    struct dnc_import *imp;
    struct oc_bus *bus;
    char id[37];
    natsSubscription *sub;
    uint32_t next_seq;
    int64_t bytes;
    bool done;
};

static void stream_end(struct dnc_stream *x, const char *why)
{
    if (!x->done && why)
        oc_warn("do-not-call import %s failed: %s (batches before it are kept)", x->id, why);
    x->done = true;
    natsSubscription_Unsubscribe(x->sub);
}

static void on_chunk(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    struct dnc_stream *x = closure;
    struct dnc_import *imp = x->imp;
    struct oc_arena *a = NULL;

    if (!msg) {
        /* The subscription's timeout: no chunk for LEAD_IMPORT_IDLE_S. */
        if (!x->done)
            stream_end(x, "no chunk arrived in time");
        return;
    }
    const char *inbox = natsMsg_GetReply(msg);
    if (oc_arena_new(&a, 16 * 1024) != OC_OK)
        goto out;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    Ocpb__Request *wire = ocpb__request__unpack(&alloc, (size_t)natsMsg_GetDataLength(msg),
                                                (const uint8_t *)natsMsg_GetData(msg));
    Ocpb__SendImportChunkRequest *in =
        wire ? ocpb__send_import_chunk_request__unpack(&alloc, wire->body.len, wire->body.data)
             : NULL;
    if (!in) {
        import_chunk_reply(nc, inbox, a, OC_ERR_INVALID,
                           "malformed request body: expected ocpb.SendImportChunkRequest", NULL);
        goto out;
    }
    if (!wire->env || strcmp(wire->env->tenant_id, imp->tenant) != 0 ||
        strcmp(in->job_id, x->id) != 0) {
        import_chunk_reply(nc, inbox, a, OC_ERR_NOT_FOUND, "no such import", NULL);
        goto out;
    }
    oc_log_set_request_id(wire->env->request_id[0] ? wire->env->request_id : NULL);

    Ocpb__SendImportChunkReply reply = OCPB__SEND_IMPORT_CHUNK_REPLY__INIT;
    enum oc_status s = OC_OK;
    char err[300] = "";
    if (x->done && in->seq >= x->next_seq) {
        s = OC_ERR_INVALID;
        snprintf(err, sizeof(err), "the import has ended");
    } else if (in->seq == x->next_seq) {
        long max = imp->st->cfg.import_max_bytes;
        x->bytes += (int64_t)in->data.len;
        if (x->bytes > max) {
            s = OC_ERR_TOO_LARGE;
            snprintf(err, sizeof(err), "the file is larger than %ld bytes", max);
        } else {
            s = dnc_import_feed(imp, in->data.data, in->data.len);
            if (s == OC_OK && in->last)
                s = dnc_import_finish(imp);
            if (s == OC_ERR_INVALID)
                snprintf(err, sizeof(err), "%s", dnc_import_error(imp));
            else if (s != OC_OK)
                snprintf(err, sizeof(err), "the import stopped: %s", oc_status_text(s));
        }
        if (s == OC_OK)
            x->next_seq++;
        if (s == OC_OK && in->last) {
            s = dnc_import_report(imp, a, &reply.dnc);
            oc_info("do-not-call import %s: %lld bytes, %lld added, %lld already listed, "
                    "%lld rejected",
                    x->id, (long long)x->bytes, (long long)imp->added,
                    (long long)imp->already_listed, (long long)imp->rejected_count);
            stream_end(x, NULL);
        } else if (s != OC_OK) {
            stream_end(x, err);
        }
    } else if (in->seq > x->next_seq) {
        s = OC_ERR_INVALID;
        snprintf(err, sizeof(err), "chunk %u came before chunk %u", in->seq, x->next_seq);
    }
    /* A repeated chunk (seq below next_seq) changes nothing: its first
     * reply was lost and the sender retried. */
    reply.next_seq = x->next_seq;
    import_chunk_reply(nc, inbox, a, s, err, &reply.base);
out:
    oc_log_set_request_id(NULL);
    oc_arena_free(a);
    natsMsg_Destroy(msg);
}

/* The subscription is gone for good: no callback runs any more. */
static void on_stream_complete(void *closure)
{
    struct dnc_stream *x = closure;
    if (!x->done)
        oc_warn("do-not-call import %s stopped before its last chunk", x->id);
    natsSubscription_Destroy(x->sub);
    dnc_import_free(x->imp);
    free(x);
}

enum oc_status dnc_import_open_stream(struct lead_ingest *st, const struct dnc_import_spec *spec,
                                      char id[37])
{
    if (!st->svc->bus)
        return OC_ERR_UNAVAILABLE;
    struct dnc_stream *x = calloc(1, sizeof(*x));
    if (!x)
        return OC_ERR_NOMEM;
    enum oc_status s = oc_uuid_v4(x->id);
    if (s == OC_OK)
        s = dnc_import_new(&x->imp, st, spec);
    if (s != OC_OK) {
        free(x);
        return s;
    }
    char subject[80];
    snprintf(subject, sizeof(subject), "dnc.import.%s", x->id);
    natsConnection *nc = oc_bus_nats(st->svc->bus);
    /* The timeout calls on_chunk without a message when chunks stop coming. */
    natsStatus ns = natsConnection_SubscribeTimeout(
        &x->sub, nc, subject, (int64_t)st->cfg.import_idle_s * 1000, on_chunk, x);
    if (ns == NATS_OK)
        ns = natsSubscription_SetOnCompleteCB(x->sub, on_stream_complete, x);
    if (ns == NATS_OK)
        ns = natsConnection_FlushTimeout(nc, 2000);
    if (ns != NATS_OK) {
        s = oc_bus_status(ns, subject);
        if (x->sub) {
            /* The completion callback frees the import once nats.c lets go of it. */
            x->done = true;
            natsSubscription_Unsubscribe(x->sub);
        } else {
            dnc_import_free(x->imp);
            free(x);
        }
        return s;
    }
    memcpy(id, x->id, 37);
    oc_info("do-not-call import %s: streaming", x->id);
    return OC_OK;
}
