/*
 * calls.*: read one call (with its transitions and, when asked, its
 * transcript), list calls with filters and keyset pages, create a manual
 * call now or at a time, cancel a call that has not started, and
 * reschedule one directly. A time outside the calling schedule moves to
 * the next allowed slot, and the reply says so in status_reason. And
 * calls.dialable, the dialer's question for every job it claimed: is this
 * attempt still wanted (dialable.c)?
 */
#include <stdio.h>
#include <string.h>

#include "deps.h"
#include "dialable.h"
#include "handlers.h"
#include "lifecycle.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "outbox.h"
#include "store.h"

#define REASON_MAX 500

static enum oc_status not_found(struct oc_request *req, const char *id)
{
    return oc_request_fail(req, OC_ERR_NOT_FOUND, "call %s not found", id);
}

static bool valid_id(struct oc_request *req, const char *field, const char *id)
{
    if (oc_uuid_valid(id))
        return true;
    oc_request_fail(req, OC_ERR_INVALID, "%s must be an id", field);
    return false;
}

/* The schedule a call follows (a manual call at a set time keeps only the
 * legal window); tmp holds that reduced schedule. */
static const struct calling_schedule *
schedule_of(const struct campaign_rules *rules, bool ignore_schedule, struct calling_schedule *tmp)
{
    if (!ignore_schedule)
        return &rules->schedule;
    calling_schedule_init(tmp);
    tmp->legal_start = rules->schedule.legal_start;
    tmp->legal_end = rules->schedule.legal_end;
    return tmp;
}

enum oc_status handle_call_get(struct oc_request *req, const ProtobufCMessage *in,
                               ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__GetCallRequest *r = (const Ocpb__GetCallRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, "id", r->id))
        return OC_ERR_INVALID;
    Ocpb__GetCallReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__get_call_reply__init(reply);
    enum oc_status s =
        store_call_get(st->db, tenant, r->id, r->include_transcript, req->arena, &reply->call);
    if (s == OC_ERR_NOT_FOUND)
        return not_found(req, r->id);
    if (s != OC_OK)
        return s;
    *out = &reply->base;
    return OC_OK;
}

enum oc_status handle_call_list(struct oc_request *req, const ProtobufCMessage *in,
                                ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__ListCallsRequest *r = (const Ocpb__ListCallsRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant)
        return OC_ERR_INVALID;
    if ((r->campaign_id && *r->campaign_id && !valid_id(req, "campaign_id", r->campaign_id)) ||
        (r->lead_id && *r->lead_id && !valid_id(req, "lead_id", r->lead_id)) ||
        (r->parent_call_id && *r->parent_call_id &&
         !valid_id(req, "parent_call_id", r->parent_call_id)))
        return OC_ERR_INVALID;
    if (r->phone && *r->phone && !wire_e164_valid(r->phone))
        return oc_request_fail(req, OC_ERR_INVALID, "phone must be an E.164 number");
    Ocpb__ListCallsReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    Ocpb__PageInfo *page = oc_arena_alloc(req->arena, sizeof(*page));
    char *next = oc_arena_alloc(req->arena, WIRE_CURSOR_MAX);
    if (!reply || !page || !next)
        return OC_ERR_NOMEM;
    ocpb__list_calls_reply__init(reply);
    ocpb__page_info__init(page);
    enum oc_status s =
        store_call_list(st->db, tenant, r, req->arena, &reply->calls, &reply->n_calls, next);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "a filter or the cursor is not valid");
    if (s != OC_OK)
        return s;
    page->next_cursor = next;
    reply->page = page;
    *out = &reply->base;
    return OC_OK;
}

enum oc_status handle_call_create(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__CreateCallRequest *r = (const Ocpb__CreateCallRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, "campaign_id", r->campaign_id) ||
        !valid_id(req, "lead_id", r->lead_id))
        return OC_ERR_INVALID;
    if (r->phone_e164 && *r->phone_e164 && !wire_e164_valid(r->phone_e164))
        return oc_request_fail(req, OC_ERR_INVALID, "phone_e164 must be an E.164 number");
    if (r->at_unix_ms < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "at_unix_ms cannot be negative");
    if (r->reason && strlen(r->reason) > REASON_MAX)
        return oc_request_fail(req, OC_ERR_INVALID, "reason: at most %d characters", REASON_MAX);

    struct oc_db_conn *c = NULL;
    struct outbox ob;
    outbox_init(&ob, req->arena);
    enum oc_status s = store_begin(st->db, tenant, &c);
    if (s != OC_OK)
        return s;
    struct campaign_rules rules;
    s = store_campaign_rules(c, tenant, r->campaign_id, st->cfg.default_max_attempts, req->arena,
                             &rules);
    if (s == OC_ERR_NOT_FOUND) {
        s = oc_request_fail(req, s, "campaign %s not found", r->campaign_id);
        goto out;
    }
    if (s != OC_OK)
        goto out;
    if (rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED ||
        rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED) {
        s = oc_request_fail(
            req, OC_ERR_CONFLICT, "a %s campaign takes no new calls",
            rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED ? "stopped" : "archived");
        goto out;
    }
    Ocpb__Lead *lead = NULL;
    s = store_lead_get(c, tenant, r->lead_id, req->arena, &lead);
    if (s == OC_OK && strcmp(lead->campaign_id ? lead->campaign_id : "", r->campaign_id) != 0)
        s = OC_ERR_NOT_FOUND;
    if (s == OC_ERR_NOT_FOUND && !(r->phone_e164 && *r->phone_e164)) {
        s = oc_request_fail(req, s, "lead %s is not in campaign %s", r->lead_id, r->campaign_id);
        goto out;
    }
    if (s != OC_OK && s != OC_ERR_NOT_FOUND)
        goto out;
    if (s == OC_ERR_NOT_FOUND)
        lead = NULL;
    const char *phone = r->phone_e164 && *r->phone_e164 ? r->phone_e164 : lead->phone_e164;
    if (!wire_e164_valid(phone)) {
        s = oc_request_fail(req, OC_ERR_INVALID, "the lead has no E.164 number to call");
        goto out;
    }

    bool listed = false;
    char why[256];
    if (deps_dnc_one(st, tenant, phone, &listed, why, sizeof(why)) != OC_OK)
        oc_debug("dnc.check for a manual call: %s (the dispatcher checks again)", why);
    if (listed) {
        s = oc_request_fail(req, OC_ERR_CONFLICT, "%s is on the do-not-call list", phone);
        goto out;
    }

    int count = 0;
    s = store_lead_call_count(c, tenant, r->campaign_id, r->lead_id, &count);
    if (s != OC_OK)
        goto out;
    struct call_row row;
    memset(&row, 0, sizeof(row));
    s = oc_uuid_v4(row.id);
    if (s != OC_OK)
        goto out;
    snprintf(row.tenant_id, sizeof(row.tenant_id), "%s", tenant);
    snprintf(row.campaign_id, sizeof(row.campaign_id), "%s", r->campaign_id);
    snprintf(row.lead_id, sizeof(row.lead_id), "%s", r->lead_id);
    snprintf(row.assistant_id, sizeof(row.assistant_id), "%s", rules.assistant_id);
    snprintf(row.number_id, sizeof(row.number_id), "%s", rules.numbers[0]);
    row.kind = CALL_KIND_MANUAL_CALL;
    row.phone = phone;
    row.contact_name = lead && lead->name && *lead->name ? lead->name : NULL;
    row.timezone =
        lead && calling_window_tz_valid(lead->timezone) ? lead->timezone : rules.timezone;
    row.country = lead && wire_country_valid(lead->region) ? lead->region : rules.region;
    row.reason = r->reason && *r->reason ? r->reason : NULL;
    row.attempt = count + 1;
    row.ignore_schedule = r->ignore_schedule && r->at_unix_ms > 0;
    int64_t now = wire_now_ms();
    row.created_ms = now;
    row.status = CALL_CREATED;
    if (r->at_unix_ms > now) {
        struct calling_schedule tmp;
        struct calling_slot slot;
        s = calling_window_next_slot(schedule_of(&rules, row.ignore_schedule, &tmp), row.timezone,
                                     row.country, r->at_unix_ms, &slot, req->error,
                                     sizeof(req->error));
        if (s != OC_OK)
            goto out;
        row.status = CALL_SCHEDULED;
        row.scheduled_ms = slot.start_ms;
        if (slot.start_ms > r->at_unix_ms)
            row.status_reason = "moved to the next allowed time";
    }
    s = lifecycle_created(&row, now, &ob);
    if (s != OC_OK)
        goto out;
    struct call_row *rows[1] = {&row};
    bool inserted = false;
    s = store_calls_insert(c, rows, 1, &inserted);
    if (s == OC_OK && !inserted)
        s = OC_ERR_CONFLICT;
    if (s == OC_OK)
        s = store_events_flush(c, &ob);
    if (s != OC_OK)
        goto out;
    s = store_commit(st->db, c);
    c = NULL;
    if (s != OC_OK)
        goto out;
    outbox_publish(st, &ob);
    if (row.status == CALL_CREATED)
        scheduler_wake(st);
    Ocpb__CreateCallReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    ocpb__create_call_reply__init(reply);
    s = store_call_pb(&row, req->arena, &reply->call);
    if (s == OC_OK) {
        oc_info("manual call %s created for lead %s", row.id, row.lead_id);
        *out = &reply->base;
    }
out:
    store_abort(st->db, c);
    return s;
}

/* Locks a call that has not started (created, scheduled or queued). */
static enum oc_status lock_open(struct oc_request *req, struct oc_db_conn *c, const char *tenant,
                                const char *id, const char *verb, struct call_row *row)
{
    enum oc_status s = store_call_lock(c, tenant, id, req->arena, row);
    if (s == OC_ERR_NOT_FOUND)
        return not_found(req, id);
    if (s != OC_OK)
        return s;
    if (!call_status_pending(row->status) && row->status != CALL_QUEUED)
        return oc_request_fail(req, OC_ERR_CONFLICT, "a call that is %s cannot be %s",
                               call_status_name(row->status), verb);
    return OC_OK;
}

enum oc_status handle_call_cancel(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__CancelCallRequest *r = (const Ocpb__CancelCallRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, "id", r->id))
        return OC_ERR_INVALID;
    if (r->reason && strlen(r->reason) > REASON_MAX)
        return oc_request_fail(req, OC_ERR_INVALID, "reason: at most %d characters", REASON_MAX);
    struct oc_db_conn *c = NULL;
    struct outbox ob;
    struct call_row row;
    outbox_init(&ob, req->arena);
    enum oc_status s = store_begin(st->db, tenant, &c);
    if (s != OC_OK)
        return s;
    s = lock_open(req, c, tenant, r->id, "canceled", &row);
    if (s != OC_OK)
        goto out;
    bool reserved = row.reservation_id != NULL;
    s = lifecycle_move(&row, CALL_CANCELED,
                       r->reason && *r->reason ? r->reason : "canceled by a user", wire_now_ms(),
                       &ob, req->error, sizeof(req->error));
    struct call_row *rows[1] = {&row};
    if (s == OC_OK)
        s = store_calls_save(c, rows, 1);
    if (s == OC_OK)
        s = store_events_flush(c, &ob);
    if (s != OC_OK)
        goto out;
    s = store_commit(st->db, c);
    c = NULL;
    if (s != OC_OK)
        goto out;
    outbox_publish(st, &ob);
    if (reserved) {
        const char *ids[1] = {row.id};
        deps_release(st, tenant, ids, 1, "the call was canceled");
    }
    Ocpb__CancelCallReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    ocpb__cancel_call_reply__init(reply);
    s = store_call_pb(&row, req->arena, &reply->call);
    if (s == OC_OK)
        *out = &reply->base;
out:
    store_abort(st->db, c);
    return s;
}

enum oc_status handle_call_reschedule(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__RescheduleCallRequest *r = (const Ocpb__RescheduleCallRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, "id", r->id))
        return OC_ERR_INVALID;
    if (r->at_unix_ms <= 0)
        return oc_request_fail(req, OC_ERR_INVALID, "at_unix_ms is required");
    if (r->reason && strlen(r->reason) > REASON_MAX)
        return oc_request_fail(req, OC_ERR_INVALID, "reason: at most %d characters", REASON_MAX);
    struct oc_db_conn *c = NULL;
    struct outbox ob;
    struct call_row row;
    outbox_init(&ob, req->arena);
    enum oc_status s = store_begin(st->db, tenant, &c);
    if (s != OC_OK)
        return s;
    s = lock_open(req, c, tenant, r->id, "rescheduled", &row);
    if (s != OC_OK)
        goto out;
    struct campaign_rules rules;
    s = store_campaign_rules(c, tenant, row.campaign_id, st->cfg.default_max_attempts, req->arena,
                             &rules);
    if (s != OC_OK)
        goto out;
    int64_t now = wire_now_ms();
    int64_t at = r->at_unix_ms > now ? r->at_unix_ms : now;
    struct calling_schedule tmp;
    struct calling_slot slot;
    s = calling_window_next_slot(schedule_of(&rules, row.ignore_schedule, &tmp),
                                 row.timezone ? row.timezone : rules.timezone, row.country, at,
                                 &slot, req->error, sizeof(req->error));
    if (s != OC_OK)
        goto out;
    bool was_queued = row.status == CALL_QUEUED;
    char why[REASON_MAX + 64];
    snprintf(why, sizeof(why), "%s%s", r->reason && *r->reason ? r->reason : "rescheduled",
             slot.start_ms > at ? " (moved to the next allowed time)" : "");
    row.scheduled_ms = slot.start_ms;
    if (row.status == CALL_SCHEDULED)
        s = lifecycle_note(&row, why, now, &ob);
    else
        s = lifecycle_move(&row, CALL_SCHEDULED, why, now, &ob, req->error, sizeof(req->error));
    if (s != OC_OK)
        goto out;
    const char *release = was_queued && row.reservation_id ? row.id : NULL;
    if (was_queued)
        row.reservation_id = NULL;
    struct call_row *rows[1] = {&row};
    s = store_calls_save(c, rows, 1);
    if (s == OC_OK)
        s = store_events_flush(c, &ob);
    if (s != OC_OK)
        goto out;
    s = store_commit(st->db, c);
    c = NULL;
    if (s != OC_OK)
        goto out;
    outbox_publish(st, &ob);
    if (release)
        deps_release(st, tenant, &release, 1, "the call was rescheduled");
    Ocpb__RescheduleCallReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    ocpb__reschedule_call_reply__init(reply);
    s = store_call_pb(&row, req->arena, &reply->call);
    if (s == OC_OK)
        *out = &reply->base;
out:
    store_abort(st->db, c);
    return s;
}

enum oc_status handle_call_dialable(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__CheckDialableRequest *r = (const Ocpb__CheckDialableRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, "call_id", r->call_id))
        return OC_ERR_INVALID;
    if (!r->dispatch_id || !*r->dispatch_id)
        return oc_request_fail(req, OC_ERR_INVALID, "dispatch_id is required");
    Ocpb__CheckDialableReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__check_dialable_reply__init(reply);
    struct dialable_call call;
    enum oc_status s = store_call_dialable(st->db, tenant, r->call_id, req->arena, &call);
    if (s == OC_ERR_NOT_FOUND) {
        /* Jobs come only from this service, for calls it stored first: a
         * job for a call it does not have is nobody's to dial. */
        reply->reason = "the scheduler has no such call";
        oc_warn("call %s: attempt %s is not dialable: %s", r->call_id, r->dispatch_id,
                reply->reason);
        *out = &reply->base;
        return OC_OK;
    }
    if (s != OC_OK)
        return s;
    struct dialable_verdict v;
    dialable_decide(&call, r->dispatch_id, &v);
    reply->dialable = v.dialable;
    reply->later = v.later;
    reply->status = (Ocpb__CallStatus)call.status;
    reply->reason = oc_arena_strdup(req->arena, v.reason);
    reply->dispatch_id = call.dispatch_seq > 0
                             ? oc_arena_printf(req->arena, "%s:%d", call.id, call.dispatch_seq)
                             : "";
    if (!reply->reason || !reply->dispatch_id)
        return OC_ERR_NOMEM;
    if (v.dialable)
        oc_debug("call %s: attempt %s is dialable: %s", r->call_id, r->dispatch_id, v.reason);
    else
        oc_info("call %s: attempt %s is not dialable: %s", r->call_id, r->dispatch_id, v.reason);
    *out = &reply->base;
    return OC_OK;
}
