/*
 * The analyzer's durable work, each on a JetStream pull consumer named
 * "analyzer" (copies of the service share it):
 *   calls.ended (stream CALLS)    analyse, store once per call, publish
 *                                 analysis.done (stream ANALYSIS, message id
 *                                 "analysis:<dispatch_id>") and the
 *                                 dashboard's evt.<tenant>.analysis.done;
 *   leads.deleted (stream LEADS)  erase the lead's analyses when erased.
 * A message is acked only after the work committed. A call delivered again
 * is not analysed again: the stored analysis is published again with the
 * same message id, which JetStream drops if the first publish got through.
 * Messages that can never succeed (not the right type, no tenant) are
 * logged and acked; anything that may succeed later is nak'ed.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "oc/log.h"
#include "oc/service.h"
#include "oc/streams.h"
#include "proto/leads.pb-c.h"
#include "store.h"

/* ------------------------------------------------------------ calls.ended */

/* Publishes analysis.done for a stored analysis, durable first. */
static enum oc_status publish_done(struct analyzer *az, const char *tenant, Ocpb__Analysis *a,
                                   const char *phone, const char *request_id)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__AnalysisDone done = OCPB__ANALYSIS_DONE__INIT;
    char msg_id[160], subject[128];
    meta.event_id = a->id;
    meta.tenant_id = (char *)tenant;
    meta.occurred_unix_ms = a->created_unix_ms;
    meta.request_id = (char *)(request_id ? request_id : "");
    done.meta = &meta;
    done.analysis = a;
    done.phone_e164 = (char *)(phone ? phone : "");
    snprintf(msg_id, sizeof(msg_id), "analysis:%s",
             a->dispatch_id && *a->dispatch_id ? a->dispatch_id : a->call_id);
    enum oc_status s = oc_js_publish(az->svc->bus, "analysis.done", &done.base, msg_id, NULL);
    if (s != OC_OK)
        return s;
    snprintf(subject, sizeof(subject), "evt.%s.analysis.done", tenant);
    if (oc_bus_publish(az->svc->bus, subject, &done.base) != OC_OK)
        oc_warn("call %s: the dashboard event was not sent", a->call_id);
    return OC_OK;
}

static enum oc_status on_call_ended(void *user, const char *subject, const uint8_t *data,
                                    size_t len, uint64_t delivered)
{
    struct analyzer *az = user;
    struct oc_arena *arena = NULL;
    enum oc_status s = OC_OK;
    char err[256] = "";
    (void)subject;
    Ocpb__CallEnded *ce = ocpb__call_ended__unpack(NULL, len, data);
    if (!ce) {
        oc_warn("calls.ended: not a CallEnded; dropped");
        return OC_OK;
    }
    const char *tenant = ce->meta ? ce->meta->tenant_id : NULL;
    oc_log_set_request_id(
        ce->meta && ce->meta->request_id && *ce->meta->request_id ? ce->meta->request_id : NULL);
    if (!store_uuid_valid(tenant) || !store_uuid_valid(ce->call_id)) {
        oc_warn("calls.ended: no valid tenant or call id; dropped");
        goto out;
    }
    s = oc_arena_new(&arena, 1 << 16);
    if (s != OC_OK)
        goto out;
    Ocpb__Analysis *a = NULL, *stored = NULL;
    s = call_analysis_run(az, ce, false, arena, &a, err, sizeof(err));
    if (s == OC_ERR_INVALID) {
        oc_warn("call %s: cannot be analysed: %s; dropped", ce->call_id, err);
        s = OC_OK;
        goto out;
    }
    if (s != OC_OK)
        goto out;
    const char *phone = NULL;
    bool duplicate = false;
    s = store_save(az->svc->db, tenant, a, ce->phone_e164, arena, &stored, &phone, &duplicate);
    if (s == OC_ERR_INVALID) {
        oc_error("call %s: the analysis was refused by the database; dropped", ce->call_id);
        s = OC_OK;
        goto out;
    }
    if (s != OC_OK)
        goto out;
    s = publish_done(az, tenant, stored, phone, ce->meta->request_id);
    if (s == OC_OK) {
        static const char *const outcomes[] = {
            "other",          "meeting_scheduled", "callback", "not_interested",
            "busy_voicemail", "wrong_number",      "other"};
        int o = stored->outcome >= 0 && stored->outcome <= 6 ? (int)stored->outcome : 0;
        oc_info("call %s: %s%s, by the %s%s%s", ce->call_id, outcomes[o],
                stored->follow_up && stored->follow_up->needed ? ", follow-up"
                : stored->retry && stored->retry->needed       ? ", retry"
                                                               : "",
                stored->mode == OCPB__ANALYSIS_MODE__ANALYSIS_MODE_LLM ? "model" : "rules",
                stored->fallback_reason && *stored->fallback_reason ? " after a fallback" : "",
                duplicate ? " (delivered again: published again)" : "");
    } else
        oc_warn("call %s: analysis.done not published (delivery %llu); will retry", ce->call_id,
                (unsigned long long)delivered);
out:
    oc_arena_free(arena);
    ocpb__call_ended__free_unpacked(ce, NULL);
    oc_log_set_request_id(NULL);
    return s;
}

/* ------------------------------------------------------------ leads.deleted */

static enum oc_status on_lead_deleted(void *user, const char *subject, const uint8_t *data,
                                      size_t len, uint64_t delivered)
{
    struct analyzer *az = user;
    (void)subject;
    (void)delivered;
    Ocpb__LeadDeleted *m = ocpb__lead_deleted__unpack(NULL, len, data);
    if (!m) {
        oc_warn("leads.deleted: not a LeadDeleted; dropped");
        return OC_OK;
    }
    enum oc_status s = OC_OK;
    const char *tenant = m->meta ? m->meta->tenant_id : NULL;
    if (m->erased && store_uuid_valid(tenant) && store_uuid_valid(m->lead_id)) {
        long erased = 0;
        s = store_erase_lead(az->svc->db, tenant, m->lead_id, &erased);
        if (s == OC_OK)
            oc_info("lead %s erased: %ld analyses removed", m->lead_id, erased);
    }
    ocpb__lead_deleted__free_unpacked(m, NULL);
    return s;
}

/* ------------------------------------------------------------ start and stop */

enum oc_status consumers_start(struct analyzer *az)
{
    struct oc_bus *bus = az->svc->bus;
    enum oc_status s = oc_streams_ensure(bus, OC_STREAM_CALLS);
    if (s == OC_OK)
        s = oc_streams_ensure(bus, OC_STREAM_ANALYSIS);
    if (s == OC_OK)
        s = oc_streams_ensure(bus, OC_STREAM_LEADS);
    if (s != OC_OK)
        return s;
    /* The model may take seconds per call: a generous ack wait, a small batch. */
    const struct oc_consumer_config cc = {.stream = OC_STREAM_CALLS,
                                          .durable = "analyzer",
                                          .filter_subject = "calls.ended",
                                          .ack_wait_s = 60,
                                          .batch = 5,
                                          .nak_delay_ms = 2000};
    s = oc_consumer_start(&az->calls_ended, bus, &cc, on_call_ended, az);
    if (s != OC_OK)
        return s;
    const struct oc_consumer_config lc = {.stream = OC_STREAM_LEADS,
                                          .durable = "analyzer",
                                          .filter_subject = "leads.deleted",
                                          .nak_delay_ms = 2000};
    s = oc_consumer_start(&az->leads_deleted, bus, &lc, on_lead_deleted, az);
    if (s != OC_OK) {
        oc_consumer_stop(az->calls_ended);
        az->calls_ended = NULL;
    }
    return s;
}

void consumers_stop(struct analyzer *az)
{
    oc_consumer_stop(az->leads_deleted);
    oc_consumer_stop(az->calls_ended);
    az->leads_deleted = NULL;
    az->calls_ended = NULL;
}
