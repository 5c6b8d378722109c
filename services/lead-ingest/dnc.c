/*
 * Handlers of the do-not-call list: add, remove, list, check (one number
 * and a batch), import from CSV, and the audit trail. Numbers are read in
 * any format and kept in E.164, so formatting can never slip a number past
 * the list; they need not be valid by the numbering plan's data
 * (phone_normalize), because a request not to be called must never be
 * refused for a range that data does not know yet. Adding a number marks every lead of the tenant
 * with it do-not-call and queues dnc.changed, on which the scheduler cancels every future call to
 * it, in the same transaction as the entry and its audit row. An import does the same in batches
 * (dnc_import.c), whole or streamed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnc_import.h"
#include "events.h"
#include "handlers.h"
#include "header_map.h"
#include "lead_row.h"
#include "lead_status.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "outbox.h"
#include "page_cursor.h"
#include "phone.h"
#include "store.h"

/* Numbers in one dnc.check_batch: the scheduler's dispatch batches are smaller. */
#define CHECK_BATCH_MAX 5000

static const char *source_name(Ocpb__DncSource s)
{
    switch (s) {
    case OCPB__DNC_SOURCE__DNC_SOURCE_IMPORT:
        return "import";
    case OCPB__DNC_SOURCE__DNC_SOURCE_CALL_ANALYSIS:
        return "call_analysis";
    default:
        return "manual";
    }
}

static const char *risk_name(Ocpb__DncRisk r)
{
    switch (r) {
    case OCPB__DNC_RISK__DNC_RISK_LOW:
        return "low";
    case OCPB__DNC_RISK__DNC_RISK_MEDIUM:
        return "medium";
    case OCPB__DNC_RISK__DNC_RISK_HIGH:
        return "high";
    default:
        return "";
    }
}

enum oc_status dnc_add_in_tx(struct oc_db_conn *c, struct oc_arena *a, const char *tenant,
                             const struct store_dnc_in *in, Ocpb__DncEntry **entry, bool *already,
                             Ocpb__DncChanged **changed, Ocpb__LeadUpdated ***updated,
                             size_t *n_updated)
{
    *changed = NULL;
    *n_updated = 0;
    enum oc_status s = store_dnc_add(c, tenant, in, a, entry, already);
    if (s != OC_OK || *already)
        return s;

    Ocpb__DncChanged *ev = oc_arena_alloc(a, sizeof(*ev));
    if (!ev)
        return OC_ERR_NOMEM;
    ocpb__dnc_changed__init(ev);
    ev->meta = events_meta(a, tenant, in->request_id);
    ev->action = OCPB__DNC_ACTION__DNC_ACTION_ADDED;
    ev->entry = *entry;
    if (!ev->meta)
        return OC_ERR_NOMEM;
    s = events_queue(c, tenant, "dnc.changed", ev->meta->event_id, &ev->base);
    if (s != OC_OK)
        return s;
    *changed = ev;

    Ocpb__Lead **leads = NULL;
    size_t n = 0;
    s = store_leads_by_phone(c, tenant, in->phone_e164, a, &leads, &n);
    if (s != OC_OK)
        return s;
    Ocpb__LeadUpdated **ups = oc_arena_alloc(a, (n + 1) * sizeof(*ups));
    if (!ups)
        return OC_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (leads[i]->status == OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL)
            continue;
        Ocpb__LeadUpdated *u = oc_arena_alloc(a, sizeof(*u));
        char **changed_names = oc_arena_alloc(a, sizeof(char *));
        if (!u || !changed_names)
            return OC_ERR_NOMEM;
        ocpb__lead_updated__init(u);
        s = store_lead_set_status(c, tenant, leads[i]->id, "do_not_call", a, &u->lead);
        if (s != OC_OK)
            return s;
        u->meta = events_meta(a, tenant, in->request_id);
        if (!u->meta)
            return OC_ERR_NOMEM;
        changed_names[0] = "status";
        u->changed = changed_names;
        u->n_changed = 1;
        s = events_queue(c, tenant, "leads.updated", u->meta->event_id, &u->base);
        if (s != OC_OK)
            return s;
        ups[k++] = u;
    }
    *updated = ups;
    *n_updated = k;
    return OC_OK;
}

/* After the commit: the dashboard's events of an add. */
static void publish_added(struct lead_ingest *st, const char *tenant, Ocpb__DncChanged *changed,
                          Ocpb__LeadUpdated **updated, size_t n_updated)
{
    if (changed)
        events_publish(st->svc->bus, tenant, "dnc.added", &changed->base);
    for (size_t i = 0; i < n_updated; i++)
        events_publish(st->svc->bus, tenant, "lead.updated", &updated[i]->base);
    outbox_kick(st->outbox);
}

static void dnc_in_from_request(struct oc_request *req, struct store_dnc_in *d, const char *e164)
{
    memset(d, 0, sizeof(*d));
    d->phone_e164 = e164;
    d->user_id = oc_uuid_valid(req->env->user_id) ? req->env->user_id : NULL;
    d->actor = handler_actor(req);
    d->request_id = req->env->request_id;
}

enum oc_status handle_dnc_add(struct oc_request *req, const ProtobufCMessage *msg,
                              ProtobufCMessage **out)
{
    const Ocpb__AddDncRequest *in = (const Ocpb__AddDncRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    char e164[20];
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if ((s = handler_phone(req, in->phone, in->default_region, e164)) != OC_OK)
        return s;
    if (in->call_id[0] && !oc_uuid_valid(in->call_id))
        return oc_request_fail(req, OC_ERR_INVALID, "call_id must be a call's id");
    struct store_dnc_in d;
    dnc_in_from_request(req, &d, e164);
    d.source = source_name(in->source);
    d.reason = in->reason;
    d.risk = risk_name(in->risk);
    d.call_id = in->call_id;

    Ocpb__AddDncReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__add_dnc_reply__init(r);
    Ocpb__DncChanged *changed = NULL;
    Ocpb__LeadUpdated **updated = NULL;
    size_t n_updated = 0;
    bool already = false;
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = dnc_add_in_tx(c, req->arena, tenant, &d, &r->entry, &already, &changed, &updated,
                      &n_updated);
    r->already_listed = already;
    if (s != OC_OK) {
        store_abort(st->svc->db, c);
        return s;
    }
    if ((s = store_commit(st->svc->db, c)) != OC_OK)
        return s;
    publish_added(st, tenant, changed, updated, n_updated);
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_dnc_remove(struct oc_request *req, const ProtobufCMessage *msg,
                                 ProtobufCMessage **out)
{
    const Ocpb__RemoveDncRequest *in = (const Ocpb__RemoveDncRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    char e164[20];
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if ((s = handler_phone(req, in->phone, in->default_region, e164)) != OC_OK)
        return s;
    struct store_dnc_in d;
    dnc_in_from_request(req, &d, e164);
    d.source = "manual";
    d.reason = in->reason;

    Ocpb__DncChanged *ev = oc_arena_alloc(req->arena, sizeof(*ev));
    if (!ev)
        return OC_ERR_NOMEM;
    ocpb__dnc_changed__init(ev);
    ev->action = OCPB__DNC_ACTION__DNC_ACTION_REMOVED;
    ev->meta = events_meta(req->arena, tenant, req->env->request_id);
    if (!ev->meta)
        return OC_ERR_NOMEM;
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_dnc_remove(c, tenant, &d, req->arena, &ev->entry);
    if (s == OC_OK)
        s = events_queue(c, tenant, "dnc.changed", ev->meta->event_id, &ev->base);
    if (s != OC_OK) {
        store_abort(st->svc->db, c);
        return s == OC_ERR_NOT_FOUND ? oc_request_fail(req, s, "%s is not on the list", e164) : s;
    }
    if ((s = store_commit(st->svc->db, c)) != OC_OK)
        return s;
    oc_info("do-not-call: a number was removed by %s", d.actor);
    events_publish(st->svc->bus, tenant, "dnc.removed", &ev->base);
    outbox_kick(st->outbox);
    Ocpb__RemoveDncReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__remove_dnc_reply__init(r);
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_dnc_list(struct oc_request *req, const ProtobufCMessage *msg,
                               ProtobufCMessage **out)
{
    const Ocpb__ListDncRequest *in = (const Ocpb__ListDncRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    Ocpb__ListDncReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__list_dnc_reply__init(r);
    struct oc_db_conn *c = NULL;
    char *next = "";
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_dnc_list(
        c, tenant, in->query,
        in->source == OCPB__DNC_SOURCE__DNC_SOURCE_UNSPECIFIED ? NULL : source_name(in->source),
        in->page ? in->page->cursor : "", page_limit(in->page ? in->page->limit : 0), req->arena,
        &r->entries, &r->n_entries, &next);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "the page cursor is not one of this list");
    if (s != OC_OK)
        return s;
    if (!(r->page = handler_page(req, next)))
        return OC_ERR_NOMEM;
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_dnc_check(struct oc_request *req, const ProtobufCMessage *msg,
                                ProtobufCMessage **out)
{
    const Ocpb__CheckDncRequest *in = (const Ocpb__CheckDncRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    char e164[20];
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if ((s = handler_phone(req, in->phone, in->default_region, e164)) != OC_OK)
        return s;
    Ocpb__CheckDncReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__check_dnc_reply__init(r);
    r->phone_e164 = oc_arena_strdup(req->arena, e164);
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_dnc_get(c, tenant, e164, req->arena, &r->entry);
    store_abort(st->svc->db, c);
    if (s == OC_OK)
        r->listed = true;
    else if (s != OC_ERR_NOT_FOUND)
        return s;
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_dnc_check_batch(struct oc_request *req, const ProtobufCMessage *msg,
                                      ProtobufCMessage **out)
{
    const Ocpb__CheckDncBatchRequest *in = (const Ocpb__CheckDncBatchRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (in->n_phones > CHECK_BATCH_MAX)
        return oc_request_fail(req, OC_ERR_TOO_LARGE, "more than %d numbers in one check",
                               CHECK_BATCH_MAX);
    size_t n = in->n_phones;
    Ocpb__CheckDncBatchReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    const char **numbers = oc_arena_alloc(req->arena, (n + 1) * sizeof(*numbers));
    bool *listed = oc_arena_alloc(req->arena, (n + 1) * sizeof(*listed));
    Ocpb__DncCheckResult **res = oc_arena_alloc(req->arena, (n + 1) * sizeof(*res));
    if (!r || !numbers || !listed || !res)
        return OC_ERR_NOMEM;
    ocpb__check_dnc_batch_reply__init(r);
    for (size_t i = 0; i < n; i++) {
        char e164[PHONE_E164_MAX], why[128];
        numbers[i] = "";
        if (phone_normalize(in->phones[i], in->default_region, e164, why, sizeof(why)) == OC_OK)
            numbers[i] = oc_arena_strdup(req->arena, e164);
        if (!numbers[i])
            return OC_ERR_NOMEM;
    }
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_dnc_listed(c, tenant, numbers, n, listed);
    store_abort(st->svc->db, c);
    if (s != OC_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        Ocpb__DncCheckResult *x = oc_arena_alloc(req->arena, sizeof(*x));
        if (!x)
            return OC_ERR_NOMEM;
        ocpb__dnc_check_result__init(x);
        x->phone = in->phones[i];
        x->phone_e164 = (char *)numbers[i];
        x->listed = listed[i];
        res[i] = x;
    }
    r->results = res;
    r->n_results = n;
    *out = &r->base;
    return OC_OK;
}

/* ---------------------------------------------------------------- import */

enum oc_status handle_dnc_import(struct oc_request *req, const ProtobufCMessage *msg,
                                 ProtobufCMessage **out)
{
    const Ocpb__ImportDncRequest *in = (const Ocpb__ImportDncRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!in->streamed && in->csv.len == 0)
        return oc_request_fail(req, OC_ERR_INVALID, "the file is empty");
    if ((long)in->csv.len > st->cfg.import_max_bytes || in->total_bytes > st->cfg.import_max_bytes)
        return oc_request_fail(req, OC_ERR_TOO_LARGE, "the file is larger than %ld bytes",
                               st->cfg.import_max_bytes);
    if (in->default_region[0] && !phone_region_known(in->default_region))
        return oc_request_fail(req, OC_ERR_INVALID, "default_region \"%.8s\" is not a country code",
                               in->default_region);
    struct dnc_import_spec spec = {
        .tenant = tenant,
        .region = in->default_region,
        .reason = in->reason,
        .risk = risk_name(in->risk),
        .user_id = oc_uuid_valid(req->env->user_id) ? req->env->user_id : NULL,
        .actor = handler_actor(req),
        .request_id = req->env->request_id,
    };
    Ocpb__ImportDncReply *r = NULL;

    if (in->streamed) {
        char id[37];
        if ((s = dnc_import_open_stream(st, &spec, id)) != OC_OK)
            return oc_request_fail(req, s, "the import could not start: %s", oc_status_text(s));
        r = oc_arena_alloc(req->arena, sizeof(*r));
        if (!r)
            return OC_ERR_NOMEM;
        ocpb__import_dnc_reply__init(r);
        r->import_id = oc_arena_strdup(req->arena, id);
        r->chunk_subject = oc_arena_printf(req->arena, "dnc.import.%s", id);
        if (!r->import_id || !r->chunk_subject)
            return OC_ERR_NOMEM;
        *out = &r->base;
        return OC_OK;
    }

    /* A whole file goes through the same batches as a streamed one. */
    struct dnc_import *x = NULL;
    if ((s = dnc_import_new(&x, st, &spec)) != OC_OK)
        return s;
    s = dnc_import_feed(x, in->csv.data, in->csv.len);
    if (s == OC_OK)
        s = dnc_import_finish(x);
    if (s == OC_ERR_INVALID)
        s = oc_request_fail(req, s, "%s", dnc_import_error(x));
    if (s == OC_OK)
        s = dnc_import_report(x, req->arena, &r);
    dnc_import_free(x);
    if (s != OC_OK)
        return s;
    oc_info("do-not-call import: %lld added, %lld already listed, %lld rejected",
            (long long)r->added, (long long)r->already_listed, (long long)r->rejected_count);
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_dnc_history(struct oc_request *req, const ProtobufCMessage *msg,
                                  ProtobufCMessage **out)
{
    const Ocpb__ListDncHistoryRequest *in = (const Ocpb__ListDncHistoryRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    char e164[20] = "";
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (in->phone[0] && (s = handler_phone(req, in->phone, in->default_region, e164)) != OC_OK)
        return s;
    Ocpb__ListDncHistoryReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__list_dnc_history_reply__init(r);
    struct oc_db_conn *c = NULL;
    char *next = "";
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_dnc_history(c, tenant, e164[0] ? e164 : NULL, in->page ? in->page->cursor : "",
                          page_limit(in->page ? in->page->limit : 0), req->arena, &r->entries,
                          &r->n_entries, &next);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "the page cursor is not one of this list");
    if (s != OC_OK)
        return s;
    if (!(r->page = handler_page(req, next)))
        return OC_ERR_NOMEM;
    *out = &r->base;
    return OC_OK;
}
