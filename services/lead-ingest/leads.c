/*
 * Handlers of leads: create, get, list, update, delete and erase. A change
 * and its durable event (leads.added, leads.updated, leads.deleted) are
 * committed together through the outbox; the dashboard's event follows the
 * commit. Numbers and time zones are checked by the same code as imports
 * (lead_row.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "handlers.h"
#include "lead_row.h"
#include "lead_status.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "outbox.h"
#include "page_cursor.h"
#include "store.h"

/* Custom fields of a lead message as a JSON object, in the arena. */
static const char *fields_json(struct oc_arena *a, Ocpb__Lead__FieldsEntry *const *f, size_t n)
{
    struct lead_custom *c = oc_arena_alloc(a, (n ? n : 1) * sizeof(*c));
    if (!c)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        c[i].key = f[i]->key;
        c[i].value = f[i]->value;
    }
    size_t need = lead_custom_json(c, n, NULL, 0);
    char *out = oc_arena_alloc(a, need + 1);
    if (out)
        lead_custom_json(c, n, out, need + 1);
    return out;
}

static void lead_in_from_row(struct store_lead_in *l, const struct lead_row *row,
                             const char *custom_json)
{
    l->line = 0;
    l->name = row->name;
    l->first_name = row->first_name;
    l->last_name = row->last_name;
    l->company = row->company;
    l->phone_raw = row->phone_raw;
    l->phone_e164 = row->phone.e164;
    l->phone_type = phone_type_name(row->phone.type);
    l->region = row->phone.region;
    l->email = row->email;
    l->timezone = row->timezone;
    l->timezone_source = lead_tz_source_name(row->tz_source);
    l->custom_json = custom_json;
}

static enum oc_status reject_to_request(struct oc_request *req, const struct lead_reject *rej)
{
    return oc_request_fail(req, OC_ERR_INVALID, "%s", rej->reason);
}

/* ---------------------------------------------------------------- create */

enum oc_status handle_lead_create(struct oc_request *req, const ProtobufCMessage *msg,
                                  ProtobufCMessage **out)
{
    const Ocpb__CreateLeadRequest *in = (const Ocpb__CreateLeadRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const Ocpb__Lead *l = in->lead;
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!l || !oc_uuid_valid(l->campaign_id))
        return oc_request_fail(req, OC_ERR_INVALID, "lead.campaign_id must be a campaign's id");
    const char *phone = l->phone_raw[0] ? l->phone_raw : l->phone_e164;
    char region[4], tz[LEAD_TZ_MAX];
    /* With a region and an explicit zone the campaign has nothing to add. */
    s = handler_campaign_defaults(req, tenant, l->campaign_id, in->default_region, l->timezone,
                                  region, tz);
    if (s != OC_OK)
        return s;

    struct lead_row *row = oc_arena_alloc(req->arena, sizeof(*row));
    struct lead_reject *rej = oc_arena_alloc(req->arena, sizeof(*rej));
    if (!row || !rej)
        return OC_ERR_NOMEM;
    struct lead_input li = {
        .name = l->name,
        .first_name = l->first_name,
        .last_name = l->last_name,
        .company = l->company,
        .phones = &phone,
        .n_phones = 1,
        .email = l->email,
        .timezone = l->timezone,
    };
    struct lead_defaults d = {.region = region, .campaign_zone = tz};
    s = lead_row_check(&li, &d, row, rej);
    if (s == OC_ERR_INVALID)
        return reject_to_request(req, rej);
    if (s != OC_OK)
        return s;
    const char *custom = fields_json(req->arena, l->fields, l->n_fields);
    if (!custom)
        return OC_ERR_NOMEM;
    struct store_lead_in sl;
    lead_in_from_row(&sl, row, custom);

    Ocpb__CreateLeadReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__create_lead_reply__init(r);
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_campaign_lock(c, l->campaign_id);
    if (s == OC_OK)
        s = store_lead_insert(c, tenant, l->campaign_id, NULL, &sl, req->arena, &r->lead);
    if (s == OC_OK) {
        /* A number on the do-not-call list makes a lead that is never called. */
        Ocpb__DncEntry *listed = NULL;
        enum oc_status ds = store_dnc_get(c, tenant, r->lead->phone_e164, req->arena, &listed);
        if (ds == OC_OK)
            s = store_lead_set_status(c, tenant, r->lead->id, "do_not_call", req->arena, &r->lead);
        else if (ds != OC_ERR_NOT_FOUND)
            s = ds;
    }
    if (s == OC_OK) {
        Ocpb__LeadsAdded ev = OCPB__LEADS_ADDED__INIT;
        ev.meta = events_meta(req->arena, tenant, req->env->request_id);
        ev.campaign_id = r->lead->campaign_id;
        ev.import_id = "";
        ev.leads = &r->lead;
        ev.n_leads = 1;
        char *id = oc_arena_printf(req->arena, "added:%s", r->lead->id);
        s = ev.meta && id ? events_queue(c, tenant, "leads.added", id, &ev.base) : OC_ERR_NOMEM;
    }
    if (s != OC_OK) {
        store_abort(st->svc->db, c);
        if (s == OC_ERR_CONFLICT)
            return oc_request_fail(req, s, "%s is already in this campaign", row->phone.e164);
        return s;
    }
    if ((s = store_commit(st->svc->db, c)) != OC_OK)
        return s;
    outbox_kick(st->outbox);
    *out = &r->base;
    return OC_OK;
}

/* ---------------------------------------------------------------- get, list */

enum oc_status handle_lead_get(struct oc_request *req, const ProtobufCMessage *msg,
                               ProtobufCMessage **out)
{
    const Ocpb__GetLeadRequest *in = (const Ocpb__GetLeadRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such lead");
    Ocpb__GetLeadReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__get_lead_reply__init(r);
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_lead_get(c, tenant, in->id, false, req->arena, &r->lead);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s, "no such lead");
    if (s != OC_OK)
        return s;
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_lead_list(struct oc_request *req, const ProtobufCMessage *msg,
                                ProtobufCMessage **out)
{
    const Ocpb__ListLeadsRequest *in = (const Ocpb__ListLeadsRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if ((in->campaign_id[0] && !oc_uuid_valid(in->campaign_id)) ||
        (in->import_id[0] && !oc_uuid_valid(in->import_id)))
        return oc_request_fail(req, OC_ERR_INVALID, "campaign_id and import_id must be ids");
    const char **statuses = oc_arena_alloc(req->arena, (in->n_statuses + 1) * sizeof(char *));
    if (!statuses)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < in->n_statuses; i++) {
        statuses[i] = lead_status_name(in->statuses[i]);
        if (!statuses[i][0])
            return oc_request_fail(req, OC_ERR_INVALID, "statuses[%zu] is not a lead status", i);
    }
    struct store_lead_filter f = {
        .campaign_id = in->campaign_id,
        .import_id = in->import_id,
        .statuses = statuses,
        .n_statuses = in->n_statuses,
        .query = in->query,
        .created_from_ms = in->created_from_unix_ms,
        .created_to_ms = in->created_to_unix_ms,
        .sort = in->sort,
        .cursor = in->page ? in->page->cursor : "",
        .limit = page_limit(in->page ? in->page->limit : 0),
    };
    Ocpb__ListLeadsReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__list_leads_reply__init(r);
    struct oc_db_conn *c = NULL;
    char *next = "";
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_lead_list(c, tenant, &f, req->arena, &r->leads, &r->n_leads, &next);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "the page cursor is not one of this list and sort");
    if (s != OC_OK)
        return s;
    if (!(r->page = handler_page(req, next)))
        return OC_ERR_NOMEM;
    *out = &r->base;
    return OC_OK;
}

/* ---------------------------------------------------------------- update */

static bool masked(const Ocpb__UpdateLeadRequest *in, const char *field)
{
    for (size_t i = 0; i < in->n_update_mask; i++)
        if (strcmp(in->update_mask[i], field) == 0)
            return true;
    return false;
}

static const char *const updatable[] = {"name",   "first_name", "last_name",  "company",
                                        "email",  "phone_raw",  "phone_e164", "timezone",
                                        "fields", "status"};

static bool fields_equal(const Ocpb__Lead *a, const Ocpb__Lead *b)
{
    if (a->n_fields != b->n_fields)
        return false;
    for (size_t i = 0; i < a->n_fields; i++) {
        bool found = false;
        for (size_t k = 0; k < b->n_fields && !found; k++)
            found = strcmp(a->fields[i]->key, b->fields[k]->key) == 0 &&
                    strcmp(a->fields[i]->value, b->fields[k]->value) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Names of the fields that differ between before and after. */
static size_t changed_fields(struct oc_arena *a, const Ocpb__Lead *x, const Ocpb__Lead *y,
                             char ***out)
{
    char **v = oc_arena_alloc(a, 16 * sizeof(*v));
    size_t n = 0;
    if (!v)
        return 0;
#define CMP(f)                                                                                     \
    if (strcmp(x->f, y->f) != 0)                                                                   \
        v[n++] = #f;
    CMP(name)
    CMP(first_name)
    CMP(last_name)
    CMP(company)
    CMP(email)
    CMP(phone_raw)
    CMP(phone_e164)
    CMP(timezone)
#undef CMP
    if (x->timezone_source != y->timezone_source)
        v[n++] = "timezone_source";
    if (x->status != y->status)
        v[n++] = "status";
    if (!fields_equal(x, y))
        v[n++] = "fields";
    *out = v;
    return n;
}

enum oc_status handle_lead_update(struct oc_request *req, const ProtobufCMessage *msg,
                                  ProtobufCMessage **out)
{
    const Ocpb__UpdateLeadRequest *in = (const Ocpb__UpdateLeadRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const Ocpb__Lead *l = in->lead;
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!l || !oc_uuid_valid(l->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such lead");
    if (in->n_update_mask == 0)
        return oc_request_fail(req, OC_ERR_INVALID, "update_mask names no field to change");
    for (size_t i = 0; i < in->n_update_mask; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof(updatable) / sizeof(updatable[0]) && !ok; k++)
            ok = strcmp(in->update_mask[i], updatable[k]) == 0;
        if (!ok)
            return oc_request_fail(req, OC_ERR_INVALID, "update_mask: \"%.40s\" cannot be changed",
                                   in->update_mask[i]);
    }
    if (in->default_region[0] && !phone_region_known(in->default_region))
        return oc_request_fail(req, OC_ERR_INVALID, "default_region \"%.8s\" is not a country code",
                               in->default_region);
    if (masked(in, "status") && !lead_status_name(l->status)[0])
        return oc_request_fail(req, OC_ERR_INVALID, "status is not a lead status");

    struct oc_db_conn *c = NULL;
    Ocpb__Lead *cur = NULL, *after = NULL;
    struct lead_row *row = oc_arena_alloc(req->arena, sizeof(*row));
    struct lead_reject *rej = oc_arena_alloc(req->arena, sizeof(*rej));
    if (!row || !rej)
        return OC_ERR_NOMEM;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_lead_get(c, tenant, l->id, true, req->arena, &cur);
    if (s != OC_OK)
        goto fail;

    bool new_phone = masked(in, "phone_raw") || masked(in, "phone_e164");
    const char *phone =
        !new_phone ? cur->phone_e164
                   : (masked(in, "phone_raw") && l->phone_raw[0] ? l->phone_raw : l->phone_e164);
    const char *explicit_tz = NULL;
    if (masked(in, "timezone"))
        explicit_tz = l->timezone;
    else if (cur->timezone_source == OCPB__TIMEZONE_SOURCE__TIMEZONE_SOURCE_EXPLICIT)
        explicit_tz = cur->timezone;
    struct lead_input li = {
        .name = masked(in, "name") ? l->name : cur->name,
        .first_name = masked(in, "first_name") ? l->first_name : cur->first_name,
        .last_name = masked(in, "last_name") ? l->last_name : cur->last_name,
        .company = masked(in, "company") ? l->company : cur->company,
        .phones = &phone,
        .n_phones = 1,
        .email = masked(in, "email") ? l->email : cur->email,
        .timezone = explicit_tz,
    };
    /* Numbers typed without a prefix are read as numbers of the lead's country. */
    struct lead_defaults d = {
        .region = in->default_region[0] ? in->default_region : cur->region,
        .campaign_zone = cur->timezone,
    };
    s = lead_row_check(&li, &d, row, rej);
    if (s == OC_ERR_INVALID) {
        store_abort(st->svc->db, c);
        return reject_to_request(req, rej);
    }
    if (s != OC_OK)
        goto fail;
    /* A name given as such is kept as given, even when empty. */
    if (masked(in, "name") && !l->name[0])
        row->name = "";
    const char *custom = masked(in, "fields") ? fields_json(req->arena, l->fields, l->n_fields)
                                              : fields_json(req->arena, cur->fields, cur->n_fields);
    if (!custom) {
        s = OC_ERR_NOMEM;
        goto fail;
    }
    struct store_lead_in sl;
    lead_in_from_row(&sl, row, custom);
    const char *status = lead_status_name(masked(in, "status") ? l->status : cur->status);
    if (!status[0])
        status = "pending";

    if (new_phone && strcmp(row->phone.e164, cur->phone_e164) != 0)
        s = store_campaign_lock(c, cur->campaign_id);
    if (s == OC_OK)
        s = store_lead_update(c, tenant, l->id, &sl, status, req->arena, &after);
    if (s != OC_OK)
        goto fail;

    Ocpb__LeadUpdated *ev = oc_arena_alloc(req->arena, sizeof(*ev));
    if (!ev) {
        s = OC_ERR_NOMEM;
        goto fail;
    }
    ocpb__lead_updated__init(ev);
    ev->meta = events_meta(req->arena, tenant, req->env->request_id);
    ev->lead = after;
    ev->n_changed = changed_fields(req->arena, cur, after, &ev->changed);
    if (!ev->meta) {
        s = OC_ERR_NOMEM;
        goto fail;
    }
    if (ev->n_changed) {
        s = events_queue(c, tenant, "leads.updated", ev->meta->event_id, &ev->base);
        if (s != OC_OK)
            goto fail;
    }
    if ((s = store_commit(st->svc->db, c)) != OC_OK)
        return s;
    if (ev->n_changed) {
        events_publish(st->svc->bus, tenant, "lead.updated", &ev->base);
        outbox_kick(st->outbox);
    }
    Ocpb__UpdateLeadReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__update_lead_reply__init(r);
    r->lead = after;
    *out = &r->base;
    return OC_OK;

fail:
    store_abort(st->svc->db, c);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s, "no such lead");
    if (s == OC_ERR_CONFLICT)
        return oc_request_fail(req, s, "%s is already in this campaign", row->phone.e164);
    return s;
}

/* ---------------------------------------------------------------- delete, erase */

/* Queues leads.deleted for a lead and returns the event for the dashboard. */
static enum oc_status queue_deleted(struct oc_request *req, struct oc_db_conn *c,
                                    const char *tenant, const Ocpb__Lead *lead, bool erased,
                                    Ocpb__LeadDeleted **out)
{
    Ocpb__LeadDeleted *ev = oc_arena_alloc(req->arena, sizeof(*ev));
    if (!ev)
        return OC_ERR_NOMEM;
    ocpb__lead_deleted__init(ev);
    ev->meta = events_meta(req->arena, tenant, req->env->request_id);
    if (!ev->meta)
        return OC_ERR_NOMEM;
    ev->lead_id = lead->id;
    ev->campaign_id = lead->campaign_id;
    ev->erased = erased;
    *out = ev;
    return events_queue(c, tenant, "leads.deleted", ev->meta->event_id, &ev->base);
}

enum oc_status handle_lead_delete(struct oc_request *req, const ProtobufCMessage *msg,
                                  ProtobufCMessage **out)
{
    const Ocpb__DeleteLeadRequest *in = (const Ocpb__DeleteLeadRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such lead");
    struct oc_db_conn *c = NULL;
    Ocpb__Lead *lead = NULL;
    Ocpb__LeadDeleted *ev = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_lead_get(c, tenant, in->id, true, req->arena, &lead);
    if (s == OC_OK)
        s = store_lead_delete(c, tenant, in->id);
    if (s == OC_OK)
        s = queue_deleted(req, c, tenant, lead, false, &ev);
    if (s != OC_OK) {
        store_abort(st->svc->db, c);
        return s == OC_ERR_NOT_FOUND ? oc_request_fail(req, s, "no such lead") : s;
    }
    if ((s = store_commit(st->svc->db, c)) != OC_OK)
        return s;
    events_publish(st->svc->bus, tenant, "lead.deleted", &ev->base);
    outbox_kick(st->outbox);
    Ocpb__DeleteLeadReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__delete_lead_reply__init(r);
    *out = &r->base;
    return OC_OK;
}

/*
 * Privacy erasure: the leads (one by id, or every lead of the tenant with a
 * number) and the rejected rows that held the number are deleted here, and
 * leads.deleted with erased set tells the scheduler, the analyzer and
 * calendar to erase calls, transcripts, analyses and bookings. The
 * do-not-call list keeps the number: it is the record that the person asked
 * not to be called, which the law requires to outlive the lead.
 */
enum oc_status handle_lead_erase(struct oc_request *req, const ProtobufCMessage *msg,
                                 ProtobufCMessage **out)
{
    const Ocpb__EraseLeadRequest *in = (const Ocpb__EraseLeadRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    bool by_id = in->id[0] != '\0';
    if (by_id == (in->phone[0] != '\0'))
        return oc_request_fail(req, OC_ERR_INVALID, "name either the lead's id or a phone number");
    if (by_id && !oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such lead");
    char e164[20] = "";
    if (!by_id && (s = handler_phone(req, in->phone, in->default_region, e164)) != OC_OK)
        return s;

    struct oc_db_conn *c = NULL;
    Ocpb__Lead **leads = NULL;
    size_t n = 0;
    Ocpb__LeadDeleted **evs = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    if (by_id) {
        Ocpb__Lead *one = NULL;
        s = store_lead_get(c, tenant, in->id, true, req->arena, &one);
        if (s == OC_OK) {
            leads = oc_arena_alloc(req->arena, sizeof(*leads));
            if (!leads)
                s = OC_ERR_NOMEM;
            else
                leads[0] = one, n = 1;
        }
    } else {
        s = store_leads_by_phone(c, tenant, e164, req->arena, &leads, &n);
    }
    if (s == OC_OK && !(evs = oc_arena_alloc(req->arena, (n + 1) * sizeof(*evs))))
        s = OC_ERR_NOMEM;
    for (size_t i = 0; s == OC_OK && i < n; i++) {
        s = store_lead_delete(c, tenant, leads[i]->id);
        if (s == OC_OK)
            s = queue_deleted(req, c, tenant, leads[i], true, &evs[i]);
    }
    if (s == OC_OK)
        s = store_rejected_delete_phone(c, tenant, by_id ? leads[0]->phone_e164 : e164);
    if (s != OC_OK) {
        store_abort(st->svc->db, c);
        return s == OC_ERR_NOT_FOUND ? oc_request_fail(req, s, "no such lead") : s;
    }
    if ((s = store_commit(st->svc->db, c)) != OC_OK)
        return s;
    for (size_t i = 0; i < n; i++)
        events_publish(st->svc->bus, tenant, "lead.deleted", &evs[i]->base);
    outbox_kick(st->outbox);

    Ocpb__EraseLeadReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__erase_lead_reply__init(r);
    r->erased_lead_ids = oc_arena_alloc(req->arena, (n + 1) * sizeof(char *));
    if (!r->erased_lead_ids)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        r->erased_lead_ids[i] = leads[i]->id;
    r->n_erased_lead_ids = n;
    oc_info("erased %zu lead(s) on request", n);
    *out = &r->base;
    return OC_OK;
}
