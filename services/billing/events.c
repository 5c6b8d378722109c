/*
 * BalanceChanged events (see events.h).
 */
#include "events.h"

#include <stdio.h>
#include <time.h>

#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"

static void publish(struct billing *b, const char *tenant, const char *request_id, const char *what,
                    int64_t balance, int64_t available, Ocpb__LedgerEntry *entry)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__BalanceChanged ev = OCPB__BALANCE_CHANGED__INIT;
    Ocpb__Credits bal = OCPB__CREDITS__INIT, avail = OCPB__CREDITS__INIT;
    char event_id[37], subject[128];
    struct timespec ts;

    if (oc_uuid_v4(event_id) != OC_OK)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    meta.event_id = event_id;
    meta.tenant_id = (char *)tenant;
    meta.occurred_unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    meta.request_id = (char *)(request_id ? request_id : "");
    bal.milli = balance;
    avail.milli = available;
    ev.meta = &meta;
    ev.balance = &bal;
    ev.available = &avail;
    ev.entry = entry;
    snprintf(subject, sizeof(subject), "evt.%s.credits.%s", tenant, what);
    if (oc_bus_publish(b->svc->bus, subject, &ev.base) != OC_OK)
        oc_warn("event %s not published", subject);
}

void events_credits(struct billing *b, const char *tenant, const char *request_id,
                    const struct ledger_result *r)
{
    int64_t available = r->balance - r->held;

    if (r->trial)
        publish(b, tenant, request_id, "changed", r->trial->balance_after->milli,
                r->trial->balance_after->milli, r->trial);
    if (r->changed)
        publish(b, tenant, request_id, "changed", r->balance, available, r->entry);
    if ((r->trial || r->changed) && b->cfg.low_milli > 0 && available < b->cfg.low_milli &&
        r->available_before >= b->cfg.low_milli)
        publish(b, tenant, request_id, "low", r->balance, available, NULL);
}
