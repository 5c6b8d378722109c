/*
 * What billing acts on without being asked:
 *
 *   calls.ended (JetStream, durable consumer "billing"): settles the call's
 *   hold by the call's duration. A call that was never answered settles
 *   with no duration, which frees the hold. Redelivery is harmless: a
 *   settled hold answers with its entry and changes nothing. Only holds
 *   taken before the call ended are considered, so a late message never
 *   settles the hold the scheduler took for the call's next attempt.
 *
 *   evt.*.tenant.created (core NATS, queue group "billing"): grants the new
 *   tenant its trial at once, so the dashboard shows it from the first
 *   page. A lost event costs nothing: the trial is also granted by the
 *   first request that opens the tenant's account (ledger.c).
 */
#include "consumers.h"

#include <inttypes.h>
#include <string.h>

#include "events.h"
#include "ledger.h"
#include "oc/log.h"
#include "oc/service.h"
#include "oc/streams.h"
#include "proto/gateway.pb-c.h"
#include "proto/media.pb-c.h"

/* ================================================================ calls.ended */

static enum oc_status on_call_ended(void *user, const char *subject, const uint8_t *data,
                                    size_t len, uint64_t delivered)
{
    (void)subject;
    struct billing *b = user;
    struct oc_arena *a = NULL;
    struct ledger_result r;
    char err[256] = "";
    enum oc_status s;

    Ocpb__CallEnded *e = ocpb__call_ended__unpack(NULL, len, data);
    if (!e || !e->meta || !*e->call_id) {
        /* Redelivering a message that cannot be read would not help. */
        oc_warn("calls.ended: unreadable message dropped");
        s = OC_OK;
        goto out;
    }
    oc_log_set_request_id(*e->meta->request_id ? e->meta->request_id : NULL);
    if ((s = oc_arena_new(&a, 4096)) != OC_OK)
        goto out;
    const struct ledger_close_req cr = {
        .reference = e->call_id,
        .before_ms = e->ended_unix_ms,
        .duration_ms = e->answered_unix_ms ? e->duration_ms : 0,
        .actor = "billing",
    };
    s = ledger_settle(b, e->meta->tenant_id, &cr, a, &r, err, sizeof(err));
    if (s == OC_OK) {
        events_credits(b, e->meta->tenant_id, e->meta->request_id, &r);
        if (r.changed)
            oc_info("call %s settled: %" PRId64 " s billed", e->call_id,
                    r.entry ? r.entry->seconds : 0);
    } else if (s == OC_ERR_NOT_FOUND || s == OC_ERR_INVALID) {
        /* A call dialled without a hold (billing was asked by nobody), or a
         * message naming no tenant: nothing to settle, now or later. */
        oc_debug("calls.ended for call %s: %s", e->call_id, err[0] ? err : oc_status_text(s));
        s = OC_OK;
    } else {
        oc_warn("calls.ended for call %s (delivery %llu): %s; retrying", e->call_id,
                (unsigned long long)delivered, err[0] ? err : oc_status_text(s));
    }

out:
    oc_log_set_request_id(NULL);
    oc_arena_free(a);
    if (e)
        ocpb__call_ended__free_unpacked(e, NULL);
    return s;
}

/* ================================================================ tenant.created */

static void on_tenant_created(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                              void *closure)
{
    (void)nc;
    (void)sub;
    struct billing *b = closure;
    struct oc_arena *a = NULL;
    struct ledger_result r;
    char err[256] = "";

    Ocpb__TenantCreated *ev = ocpb__tenant_created__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                                           (const uint8_t *)natsMsg_GetData(msg));
    if (!ev || !ev->meta) {
        oc_warn("%s: unreadable event dropped", natsMsg_GetSubject(msg));
        goto out;
    }
    oc_log_set_request_id(*ev->meta->request_id ? ev->meta->request_id : NULL);
    if (oc_arena_new(&a, 4096) != OC_OK)
        goto out;
    const struct ledger_grant g = {
        .kind = OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL,
        .actor = "billing",
    };
    enum oc_status s = ledger_grant(b, ev->meta->tenant_id, &g, a, &r, err, sizeof(err));
    if (s == OC_OK)
        events_credits(b, ev->meta->tenant_id, ev->meta->request_id, &r);
    else
        oc_warn("trial for tenant %s: %s (granted by its first request instead)",
                ev->meta->tenant_id, err[0] ? err : oc_status_text(s));

out:
    oc_log_set_request_id(NULL);
    oc_arena_free(a);
    if (ev)
        ocpb__tenant_created__free_unpacked(ev, NULL);
    natsMsg_Destroy(msg);
}

/* ================================================================ start, stop */

enum oc_status consumers_start(struct billing *b)
{
    struct oc_bus *bus = b->svc->bus;
    enum oc_status s = oc_streams_ensure(bus, OC_STREAM_CALLS);
    if (s != OC_OK)
        return s;
    const struct oc_consumer_config cc = {.stream = OC_STREAM_CALLS,
                                          .durable = "billing",
                                          .filter_subject = "calls.ended",
                                          .nak_delay_ms = 2000};
    s = oc_consumer_start(&b->calls_ended, bus, &cc, on_call_ended, b);
    if (s != OC_OK)
        return s;
    natsStatus ns =
        natsConnection_QueueSubscribe(&b->tenant_created, oc_bus_nats(bus), "evt.*.tenant.created",
                                      "billing", on_tenant_created, b);
    if (ns != NATS_OK) {
        consumers_stop(b);
        return oc_bus_status(ns, "evt.*.tenant.created");
    }
    return OC_OK;
}

void consumers_stop(struct billing *b)
{
    if (b->tenant_created) {
        natsSubscription_Unsubscribe(b->tenant_created);
        natsSubscription_Destroy(b->tenant_created);
        b->tenant_created = NULL;
    }
    oc_consumer_stop(b->calls_ended);
    b->calls_ended = NULL;
}
