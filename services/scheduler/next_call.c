/*
 * The call after a call (see next_call.h).
 */
#include "next_call.h"

#include <stdio.h>
#include <string.h>

#include "oc/crypto.h"
#include "oc/log.h"
#include "store.h"

enum retry_trigger next_call_retry_trigger(const struct call_row *call)
{
    if (call->status == CALL_VOICEMAIL)
        return RETRY_VOICEMAIL;
    switch (call->hangup_cause) {
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY:
        return RETRY_BUSY;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER:
        return RETRY_NO_ANSWER;
    case OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MACHINE:
        return RETRY_VOICEMAIL;
    default:
        return RETRY_FAILED;
    }
}

enum oc_status next_call_create(struct oc_db_conn *c, const struct campaign_rules *rules,
                                const struct call_row *parent, const struct retry_decision *d,
                                const struct next_call_info *info, int64_t now_ms,
                                struct outbox *ob, bool *created, char id_out[SCHED_UUID_LEN])
{
    *created = false;
    struct call_row n;
    memset(&n, 0, sizeof(n));
    enum oc_status st = oc_uuid_v4(n.id);
    if (st != OC_OK)
        return st;
    memcpy(n.tenant_id, parent->tenant_id, sizeof(n.tenant_id));
    memcpy(n.campaign_id, parent->campaign_id, sizeof(n.campaign_id));
    memcpy(n.lead_id, parent->lead_id, sizeof(n.lead_id));
    memcpy(n.parent_id, parent->id, sizeof(n.parent_id));
    snprintf(n.assistant_id, sizeof(n.assistant_id), "%s", rules->assistant_id);
    snprintf(n.number_id, sizeof(n.number_id), "%s", rules->numbers[0]);
    n.kind = d->kind;
    n.phone = info->phone && *info->phone ? info->phone : parent->phone;
    n.contact_name =
        info->contact_name && *info->contact_name ? info->contact_name : parent->contact_name;
    n.timezone = parent->timezone ? parent->timezone : rules->timezone;
    n.country = parent->country;
    n.reason = info->reason;
    n.context = info->context;
    n.confidence = info->confidence;
    n.attempt = d->attempt;
    n.auto_retries = d->auto_retries;
    n.created_ms = now_ms;
    if (!n.phone) {
        oc_info("call %s: no %s: the number was erased", parent->id, call_kind_name(d->kind));
        return OC_OK;
    }

    struct calling_slot slot;
    char err[160];
    st = calling_window_next_slot(&rules->schedule, n.timezone, n.country, d->due_ms, &slot, err,
                                  sizeof(err));
    if (st != OC_OK) {
        oc_warn("call %s: no %s: %s", parent->id, call_kind_name(d->kind), err);
        return OC_OK;
    }
    n.status = CALL_SCHEDULED;
    n.scheduled_ms = slot.start_ms;
    n.status_reason = slot.start_ms > d->due_ms ? "moved to the next allowed time" : NULL;

    /* The creation event is built first so that the row goes in with its
     * sequence number; it is dropped again when the insert is refused. */
    size_t mark = ob->n;
    st = lifecycle_created(&n, now_ms, ob);
    if (st != OC_OK)
        return st;
    struct call_row *rows[1] = {&n};
    bool inserted = false;
    st = store_calls_insert(c, rows, 1, &inserted);
    if (st != OC_OK || !inserted) {
        ob->n = mark;
        return st;
    }
    *created = true;
    memcpy(id_out, n.id, SCHED_UUID_LEN);
    return OC_OK;
}
