/*
 * GET /v1/events: each tenant's core events, as they happen, over
 * Server-Sent Events. One subscription on evt.> per gateway copy (no queue
 * group: every copy serves its own streams) renders each event of a tenant
 * that has a stream open here and hands the frame to event_hub.c, which
 * queues it on that tenant's streams only.
 *
 * A stream holds a civetweb worker thread for as long as it is open, so the
 * server runs GATEWAY_SSE_MAX more workers than GATEWAY_THREADS and refuses
 * streams past that number (503, Retry-After): however many dashboards are
 * open, GATEWAY_THREADS workers remain for the rest of the API. A tenant may
 * hold at most GATEWAY_SSE_MAX_PER_TENANT of them (429), so one tenant
 * cannot take every slot. A comment line goes out every
 * GATEWAY_SSE_KEEPALIVE_S seconds; civetweb gives no way to watch the socket
 * while idle, so a client that went away is noticed at the next write that
 * fails (at the latest the second keep-alive after it left), and its worker
 * and queue are freed then.
 */
#include <civetweb.h>
#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "oc/bus.h"
#include "oc/log.h"

/* How long teardown waits for an event being fanned out to finish. */
#define SSE_DRAIN_MS 2000
#define SSE_RETRY_AFTER_S 5

static const char sse_hello[] = "retry: 3000\n: connected\n\n";
static const char sse_keepalive[] = ": keep-alive\n\n";
static const char sse_too_slow[] = ": closing: events arrived faster than they were read\n\n";

/* ------------------------------------------------------------ NATS side */

static void sse_on_event(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct gateway *gw = closure;
    const char *subject = natsMsg_GetSubject(msg);
    char tenant[GW_UUID_LEN + 1], type[GW_EVENT_TYPE_MAX];
    struct gw_event_frame *frame = NULL;
    char *text = NULL;
    size_t len, over = 0;
    enum oc_status s;

    (void)nc;
    (void)sub;
    if (gw_event_subject(subject, tenant, type, sizeof(type)) != OC_OK) {
        oc_debug("events: ignoring %s: not evt.<tenant>.<entity>.<event>", subject);
        goto out;
    }
    /* Most events concern tenants with no stream here: skip the decoding. */
    if (!gw_event_hub_wants(gw->hub, tenant))
        goto out;
    s = gw_event_render(subject, (const uint8_t *)natsMsg_GetData(msg),
                        (size_t)natsMsg_GetDataLength(msg), tenant, &text, &len);
    if (s != OC_OK) {
        oc_metric_add(gw->sse_dropped, 1);
        oc_warn("events: dropping %s: %s", subject,
                s == OC_ERR_PERMISSION ? "its metadata names another tenant"
                                       : "not a message of its type");
        goto out;
    }
    if (gw_event_frame_new(&frame, text, len) != OC_OK)
        goto out;
    oc_metric_add(gw->sse_events, (int64_t)gw_event_hub_publish(gw->hub, tenant, frame, &over));
    oc_metric_add(gw->sse_overflows, (int64_t)over);
out:
    gw_event_frame_unref(frame);
    free(text);
    natsMsg_Destroy(msg);
}

enum oc_status gw_events_start(struct gateway *gw)
{
    struct gw_event_hub_config hc = {
        .max_streams = (size_t)gw->cfg.sse_max,
        .max_per_tenant = (size_t)gw->cfg.sse_max_per_tenant,
        .queue_max = (size_t)gw->cfg.sse_queue,
    };
    natsConnection *nc = oc_bus_nats(gw->svc->bus);
    natsStatus ns;
    enum oc_status s;

    gw->sse_streams = oc_metric_gauge("gateway_sse_streams", NULL, "open /v1/events streams");
    gw->sse_events =
        oc_metric_counter("gateway_sse_events_total", NULL, "events queued on /v1/events streams");
    gw->sse_overflows = oc_metric_counter("gateway_sse_overflows_total", NULL,
                                          "streams ended because their client read too slowly");
    gw->sse_dropped = oc_metric_counter("gateway_sse_dropped_total", NULL,
                                        "events not shown: undecodable or naming another tenant");

    s = gw_event_hub_new(&gw->hub, &hc);
    if (s != OC_OK)
        return s;
    ns = natsConnection_Subscribe(&gw->evt_sub, nc, "evt.>", sse_on_event, gw);
    if (ns != NATS_OK) {
        gw_event_hub_free(gw->hub);
        gw->hub = NULL;
        return oc_bus_status(ns, "subscribe evt.>");
    }
    oc_info("events: subscribed evt.> (at most %ld streams, %ld per tenant)", gw->cfg.sse_max,
            gw->cfg.sse_max_per_tenant);
    return OC_OK;
}

void gw_events_shutdown(struct gateway *gw)
{
    if (gw->hub != NULL)
        gw_event_hub_shutdown(gw->hub);
}

void gw_events_stop(struct gateway *gw)
{
    bool drained = true;

    if (gw->evt_sub != NULL) {
        /* Drain rather than unsubscribe: it waits until no callback runs,
         * and only then is the hub safe to free. */
        if (natsSubscription_Drain(gw->evt_sub) != NATS_OK ||
            natsSubscription_WaitForDrainCompletion(gw->evt_sub, SSE_DRAIN_MS) != NATS_OK)
            drained = false;
        natsSubscription_Destroy(gw->evt_sub);
        gw->evt_sub = NULL;
    }
    if (!drained) {
        /* A callback may still hold the hub: keep it for the process's
         * last moments rather than free it under the callback. */
        oc_warn("events: evt.> did not drain in %d ms", SSE_DRAIN_MS);
        return;
    }
    gw_event_hub_free(gw->hub);
    gw->hub = NULL;
}

/* ------------------------------------------------------------ HTTP side */

static bool sse_write(struct mg_connection *conn, const char *text, size_t len)
{
    return mg_write(conn, text, len) == (int)len;
}

enum oc_status handle_events_stream(struct gw_request *req)
{
    struct gateway *gw = req->gw;
    struct gw_event_stream *stream = NULL;
    struct timespec t0, t1;
    const char *why = "the client went away";
    enum oc_status s;

    s = gw_event_hub_open(gw->hub, req->who.tenant_id, &stream);
    if (s == OC_ERR_UNAVAILABLE) {
        req->retry_after_s = SSE_RETRY_AFTER_S;
        return gw_fail(req, s, "too many event streams are open on this server (%ld); try again",
                       gw->cfg.sse_max);
    }
    if (s == OC_ERR_RATE_LIMITED) {
        req->retry_after_s = SSE_RETRY_AFTER_S;
        return gw_fail(req, s, "this account has %ld event streams open already; close one",
                       gw->cfg.sse_max_per_tenant);
    }
    if (s != OC_OK)
        return s;
    oc_metric_set(gw->sse_streams, (int64_t)gw_event_hub_count(gw->hub));
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* The stream has no length: it ends when the connection closes. */
    mg_disable_connection_keep_alive(req->conn);
    mg_response_header_start(req->conn, 200);
    mg_response_header_add(req->conn, "Content-Type", "text/event-stream; charset=utf-8", -1);
    mg_response_header_add(req->conn, "Cache-Control", "no-store", -1);
    mg_response_header_add(req->conn, "X-Request-Id", req->request_id, -1);
    /* Proxies that buffer responses would hold events back. */
    mg_response_header_add(req->conn, "X-Accel-Buffering", "no", -1);
    mg_response_header_send(req->conn);
    req->responded = true;
    req->http_status = 200;

    /* The stream is registered before this first line goes out, so a
     * client that has read it misses no event published afterwards. */
    if (sse_write(req->conn, sse_hello, sizeof(sse_hello) - 1)) {
        for (;;) {
            struct gw_event_frame *frame = NULL;
            const char *text;
            size_t len;
            bool ok;

            s = gw_event_hub_next(gw->hub, stream, (int)gw->cfg.sse_keepalive_s * 1000, &frame);
            if (s == OC_OK) {
                text = gw_event_frame_text(frame, &len);
                ok = sse_write(req->conn, text, len);
                gw_event_frame_unref(frame);
            } else if (s == OC_ERR_TIMEOUT) {
                ok = sse_write(req->conn, sse_keepalive, sizeof(sse_keepalive) - 1);
            } else if (s == OC_ERR_TOO_LARGE) {
                sse_write(req->conn, sse_too_slow, sizeof(sse_too_slow) - 1);
                why = "the client read too slowly";
                break;
            } else {
                why = "the server is stopping";
                break;
            }
            if (!ok)
                break;
        }
    }
    gw_event_hub_close(gw->hub, stream);
    oc_metric_set(gw->sse_streams, (int64_t)gw_event_hub_count(gw->hub));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    oc_info("events: stream of tenant %s closed after %lld s: %s", req->who.tenant_id,
            (long long)(t1.tv_sec - t0.tv_sec), why);
    return OC_OK;
}
