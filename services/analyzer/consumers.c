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
#include "proto/leads.pb-c.h"
#include "store.h"

#define STREAM_CALLS "CALLS"
#define STREAM_ANALYSIS "ANALYSIS"
#define STREAM_LEADS "LEADS"
#define CALLS_MAX_AGE_S (14 * 24 * 3600)
#define STREAM_MAX_AGE_S (7 * 24 * 3600)
#define DUPLICATE_WINDOW_S 600

/* ------------------------------------------------------------ streams */

static bool stream_exists(struct oc_bus *bus, const char *name)
{
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    bool found = false;
    if (natsConnection_JetStream(&js, oc_bus_nats(bus), NULL) != NATS_OK)
        return false;
    if (js_GetStreamInfo(&si, js, name, NULL, &jerr) == NATS_OK)
        found = true;
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    return found;
}

/* Creates a stream only when it is missing: CALLS and LEADS belong to their
 * publishers, and settings updated back and forth would help nobody. */
static enum oc_status ensure_stream(struct oc_bus *bus, const char *name,
                                    const char *const *subjects, size_t n, int64_t max_age_s)
{
    if (stream_exists(bus, name))
        return OC_OK;
    const struct oc_stream_config sc = {.name = name,
                                        .subjects = subjects,
                                        .n_subjects = n,
                                        .max_age_s = max_age_s,
                                        .duplicate_window_s = DUPLICATE_WINDOW_S};
    enum oc_status s = oc_js_ensure_stream(bus, &sc);
    if (s == OC_OK)
        oc_info("jetstream: created stream %s", name);
    return s;
}

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
    static const char *const calls[] = {"calls.progress", "calls.ended", "calls.status"};
    static const char *const analysis[] = {"analysis.done"};
    static const char *const leads[] = {"leads.added", "leads.updated", "leads.deleted",
                                        "dnc.changed"};
    struct oc_bus *bus = az->svc->bus;
    enum oc_status s = ensure_stream(bus, STREAM_CALLS, calls, 3, CALLS_MAX_AGE_S);
    if (s == OC_OK)
        s = ensure_stream(bus, STREAM_ANALYSIS, analysis, 1, STREAM_MAX_AGE_S);
    if (s == OC_OK)
        s = ensure_stream(bus, STREAM_LEADS, leads, 4, STREAM_MAX_AGE_S);
    if (s != OC_OK)
        return s;
    /* The model may take seconds per call: a generous ack wait, a small batch. */
    const struct oc_consumer_config cc = {.stream = STREAM_CALLS,
                                          .durable = "analyzer",
                                          .filter_subject = "calls.ended",
                                          .ack_wait_s = 60,
                                          .batch = 5,
                                          .nak_delay_ms = 2000};
    s = oc_consumer_start(&az->calls_ended, bus, &cc, on_call_ended, az);
    if (s != OC_OK)
        return s;
    const struct oc_consumer_config lc = {.stream = STREAM_LEADS,
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
