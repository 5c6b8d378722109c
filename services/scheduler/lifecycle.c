/*
 * Moving calls between states (see lifecycle.h). Every status event is
 * built here from the row as the move leaves it, so what lead-ingest and
 * the dashboard read is exactly what was stored.
 */
#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

#include "oc/crypto.h"
#include "oc/log.h"

void outbox_init(struct outbox *ob, struct oc_arena *arena)
{
    memset(ob, 0, sizeof(*ob));
    ob->arena = arena;
    const char *rid = oc_log_request_id();
    if (rid && *rid && strcmp(rid, "-") != 0)
        ob->request_id = oc_arena_strdup(arena, rid);
}

enum oc_status lifecycle_meta(struct oc_arena *arena, const char *tenant_id, int64_t now_ms,
                              const char *request_id, Ocpb__EventMeta **out)
{
    Ocpb__EventMeta *m = oc_arena_alloc(arena, sizeof(*m));
    char *id = oc_arena_alloc(arena, 37);
    if (!m || !id)
        return OC_ERR_NOMEM;
    ocpb__event_meta__init(m);
    if (oc_uuid_v4(id) != OC_OK)
        return OC_ERR_INTERNAL;
    m->event_id = id;
    m->tenant_id = oc_arena_strdup(arena, tenant_id);
    m->occurred_unix_ms = now_ms;
    m->request_id = (char *)(request_id ? request_id : "");
    *out = m;
    return OC_OK;
}

static struct call_event *next_event(struct outbox *ob)
{
    if (ob->n == ob->cap) {
        size_t cap = ob->cap ? ob->cap * 2 : 16;
        struct call_event *v = oc_arena_alloc(ob->arena, sizeof(*v) * cap);
        if (!v)
            return NULL;
        if (ob->n)
            memcpy(v, ob->events, sizeof(*v) * ob->n);
        ob->events = v;
        ob->cap = cap;
    }
    struct call_event *e = &ob->events[ob->n];
    memset(e, 0, sizeof(*e));
    return e;
}

/* Packs the status event of the row as it is now, from -> row->status. */
static enum oc_status add_event(struct outbox *ob, const struct call_row *call,
                                enum call_status from, const char *reason, bool lead_finished,
                                int64_t now_ms)
{
    struct call_event *e = next_event(ob);
    if (!e)
        return OC_ERR_NOMEM;
    Ocpb__CallStatusChanged ev = OCPB__CALL_STATUS_CHANGED__INIT;
    enum oc_status st =
        lifecycle_meta(ob->arena, call->tenant_id, now_ms, ob->request_id, &ev.meta);
    if (st != OC_OK)
        return st;
    ev.call_id = (char *)call->id;
    ev.campaign_id = (char *)call->campaign_id;
    ev.lead_id = (char *)call->lead_id;
    ev.from = (Ocpb__CallStatus)from;
    ev.to = (Ocpb__CallStatus)call->status;
    ev.reason = (char *)(reason ? reason : "");
    ev.result = (Ocpb__Outcome)call->result;
    ev.kind = (Ocpb__CallKind)call->kind;
    ev.attempt = call->attempt;
    ev.parent_call_id = (char *)call->parent_id;
    ev.scheduled_unix_ms = call->scheduled_ms;
    ev.duration_s = call->duration_s;
    ev.lead_finished = lead_finished;
    ev.hangup_cause = (Ocpb__HangupCause)call->hangup_cause;

    size_t len = ocpb__call_status_changed__get_packed_size(&ev);
    uint8_t *buf = oc_arena_alloc(ob->arena, len ? len : 1);
    if (!buf)
        return OC_ERR_NOMEM;
    ocpb__call_status_changed__pack(&ev, buf);
    snprintf(e->tenant_id, sizeof(e->tenant_id), "%s", call->tenant_id);
    snprintf(e->call_id, sizeof(e->call_id), "%s", call->id);
    e->seq = call->status_seq;
    e->from = from;
    e->to = call->status;
    e->detail = reason ? oc_arena_strdup(ob->arena, reason) : "";
    e->at_ms = now_ms;
    e->payload = buf;
    e->len = len;
    ob->n++;
    return OC_OK;
}

enum oc_status lifecycle_move(struct call_row *call, enum call_status to, const char *reason,
                              int64_t now_ms, struct outbox *ob, char *err, size_t errlen)
{
    enum oc_status st = call_state_check(call->status, to, err, errlen);
    if (st != OC_OK)
        return st;
    enum call_status from = call->status;
    call->status = to;
    call->status_seq++;
    call->status_reason = reason ? oc_arena_strdup(ob->arena, reason) : NULL;
    call->updated_ms = now_ms;
    switch (to) {
    case CALL_QUEUED:
        call->queued_ms = now_ms;
        break;
    case CALL_CALLING:
        if (!call->calling_ms)
            call->calling_ms = now_ms;
        break;
    case CALL_IN_PROGRESS:
        if (!call->answered_ms)
            call->answered_ms = now_ms;
        break;
    case CALL_SCHEDULED:
        /* Back in the waiting line: the expired or moved job is void. */
        call->not_after_ms = 0;
        break;
    default:
        break;
    }
    if (call_status_final(to) && to != CALL_CANCELED && !call->ended_ms)
        call->ended_ms = now_ms;
    st = add_event(ob, call, from, reason, false, now_ms);
    if (st != OC_OK) {
        /* Out of memory halfway: the caller rolls back, so the row's new
         * values never reach the database. */
        return st;
    }
    return OC_OK;
}

enum oc_status lifecycle_advance(struct call_row *call, enum call_status to, const char *reason,
                                 int64_t now_ms, struct outbox *ob, char *err, size_t errlen)
{
    enum call_status path[CALL_STATUS_COUNT];
    size_t n = 0;
    enum oc_status st = call_state_path(call->status, to, path, CALL_STATUS_COUNT, &n);
    if (st != OC_OK) {
        call_state_check(call->status, to, err, errlen);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        /* Only the last step carries the reason; the others were skipped
         * by the reports and happen now. */
        st = lifecycle_move(call, path[i], i + 1 == n ? reason : NULL, now_ms, ob, err, errlen);
        if (st != OC_OK)
            return st;
    }
    return OC_OK;
}

enum oc_status lifecycle_created(struct call_row *call, int64_t now_ms, struct outbox *ob)
{
    call->status_seq++;
    return add_event(ob, call, CALL_UNSPECIFIED, call->status_reason, false, now_ms);
}

enum oc_status lifecycle_result(struct call_row *call, bool lead_finished, int64_t now_ms,
                                struct outbox *ob)
{
    call->status_seq++;
    call->updated_ms = now_ms;
    return add_event(ob, call, call->status, "analysis applied", lead_finished, now_ms);
}

enum oc_status lifecycle_note(struct call_row *call, const char *reason, int64_t now_ms,
                              struct outbox *ob)
{
    call->status_seq++;
    call->updated_ms = now_ms;
    call->status_reason = reason ? oc_arena_strdup(ob->arena, reason) : NULL;
    return add_event(ob, call, call->status, reason, false, now_ms);
}

enum oc_status lifecycle_campaign_event(struct outbox *ob, const char *tenant_id,
                                        const char *campaign_id, Ocpb__CampaignState from,
                                        Ocpb__CampaignState to, const char *reason, int64_t now_ms)
{
    if (ob->n_campaign == sizeof(ob->campaign) / sizeof(ob->campaign[0]))
        return OC_ERR_INTERNAL;
    Ocpb__CampaignStateChanged ev = OCPB__CAMPAIGN_STATE_CHANGED__INIT;
    enum oc_status st = lifecycle_meta(ob->arena, tenant_id, now_ms, ob->request_id, &ev.meta);
    if (st != OC_OK)
        return st;
    ev.campaign_id = (char *)campaign_id;
    ev.from = from;
    ev.to = to;
    ev.reason = (char *)(reason ? reason : "");
    size_t len = ocpb__campaign_state_changed__get_packed_size(&ev);
    uint8_t *buf = oc_arena_alloc(ob->arena, len ? len : 1);
    if (!buf)
        return OC_ERR_NOMEM;
    ocpb__campaign_state_changed__pack(&ev, buf);
    snprintf(ob->campaign[ob->n_campaign].tenant_id, SCHED_UUID_LEN, "%s", tenant_id);
    ob->campaign[ob->n_campaign].payload = buf;
    ob->campaign[ob->n_campaign].len = len;
    ob->n_campaign++;
    return OC_OK;
}
