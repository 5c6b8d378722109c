/*
 * GET /healthz: the platform's health as a whole. The gateway asks
 * <name>.health of all ten services at once, publishing every request
 * with its own reply subject under one inbox, and collects the answers
 * until all are in or the deadline passes, so the slowest service, not the
 * sum of them, sets the time. 200 only when every service answered healthy;
 * otherwise 503 naming each service's state:
 *   ok           answered, with NATS and its database working
 *   degraded     answered, but reported a problem (or a non-OK status)
 *   unavailable  no answer in time, or nothing listens on its subject
 */
#include <nats/nats.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "gateway.h"
#include "oc/bus.h"
#include "oc/log.h"
#include "proto/common.pb-c.h"

static const char *const health_services[] = {
    "gateway", "lead-ingest", "assistants", "scheduler", "dialer",
    "media",   "analyzer",    "calendar",   "billing",   "tickets",
};

#define HEALTH_N (sizeof(health_services) / sizeof(health_services[0]))

enum health_state { HEALTH_UNAVAILABLE = 0, HEALTH_DEGRADED, HEALTH_OK };

static const char *const health_state_text[] = {"unavailable", "degraded", "ok"};

static long long health_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int health_index(const char *name)
{
    for (size_t i = 0; i < HEALTH_N; i++) {
        if (strcmp(health_services[i], name) == 0)
            return (int)i;
    }
    return -1;
}

/* Reads one answer: an ocpb.Reply whose body is an ocpb.HealthReply. */
static enum health_state health_judge(natsMsg *msg)
{
    Ocpb__Reply *reply;
    Ocpb__HealthReply *hr;
    enum health_state state = HEALTH_DEGRADED;

    reply = ocpb__reply__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                (const uint8_t *)natsMsg_GetData(msg));
    if (reply == NULL)
        return HEALTH_DEGRADED;
    if (reply->status == NULL || reply->status->code == OCPB__STATUS_CODE__STATUS_OK) {
        hr = ocpb__health_reply__unpack(NULL, reply->body.len, reply->body.data);
        if (hr != NULL && hr->nats_ok && hr->db_ok)
            state = HEALTH_OK;
        if (hr != NULL)
            ocpb__health_reply__free_unpacked(hr, NULL);
    }
    ocpb__reply__free_unpacked(reply, NULL);
    return state;
}

/* Packs the ocpb.Request every service expects: envelope plus an empty HealthRequest. */
static enum oc_status health_request(struct gw_request *req, long long deadline_ms, uint8_t **out,
                                     size_t *len)
{
    Ocpb__Envelope env = OCPB__ENVELOPE__INIT;
    Ocpb__Request msg = OCPB__REQUEST__INIT;
    uint8_t *buf;

    env.request_id = req->request_id;
    env.deadline_unix_ms = deadline_ms;
    msg.env = &env;
    *len = ocpb__request__get_packed_size(&msg);
    buf = oc_arena_alloc(req->arena, *len + 1);
    if (buf == NULL)
        return OC_ERR_NOMEM;
    ocpb__request__pack(&msg, buf);
    *out = buf;
    return OC_OK;
}

/*
 * Asks every service and fills states; services that never answer stay
 * unavailable. Each request gets exactly one answer, the service's reply or
 * the server's "no responders", so the wait ends as soon as all are in.
 */
static enum oc_status health_ask(struct gw_request *req, enum health_state states[HEALTH_N])
{
    struct oc_bus *bus = req->gw->svc->bus;
    natsConnection *nc = oc_bus_nats(bus);
    natsSubscription *sub = NULL;
    natsInbox *inbox = NULL;
    char subject[128], reply_to[160];
    long long deadline = health_now_ms() + req->gw->cfg.health_timeout_ms;
    bool answered[HEALTH_N] = {false};
    size_t inbox_len, waiting = 0;
    uint8_t *data;
    size_t len;
    natsStatus ns;
    enum oc_status s;

    for (size_t i = 0; i < HEALTH_N; i++)
        states[i] = HEALTH_UNAVAILABLE;
    if (nc == NULL || !oc_bus_connected(bus))
        return OC_OK;

    s = health_request(req, deadline, &data, &len);
    if (s != OC_OK)
        return s;
    ns = natsInbox_Create(&inbox);
    if (ns == NATS_OK) {
        snprintf(subject, sizeof(subject), "%s.*", inbox);
        ns = natsConnection_SubscribeSync(&sub, nc, subject);
    }
    if (ns != NATS_OK) {
        s = oc_bus_status(ns, "health inbox");
        goto out;
    }
    inbox_len = strlen(inbox);

    for (size_t i = 0; i < HEALTH_N; i++) {
        snprintf(subject, sizeof(subject), "%s.health", health_services[i]);
        snprintf(reply_to, sizeof(reply_to), "%s.%s", inbox, health_services[i]);
        ns = natsConnection_PublishRequest(nc, subject, reply_to, data, (int)len);
        if (ns != NATS_OK)
            oc_warn("health: asking %s failed: %s", health_services[i], natsStatus_GetText(ns));
        else
            waiting++;
    }

    while (waiting > 0) {
        long long left = deadline - health_now_ms();
        natsMsg *msg = NULL;
        int idx;

        if (left <= 0)
            break;
        ns = natsSubscription_NextMsg(&msg, sub, left);
        /* nats.c swallows a "no responders" answer and says only this; it
         * names no service, but it is one of the awaited answers, and the
         * service it stood for stays unavailable. */
        if (ns == NATS_NO_RESPONDERS) {
            waiting--;
            continue;
        }
        if (ns != NATS_OK)
            break;
        idx = health_index(natsMsg_GetSubject(msg) + inbox_len + 1);
        if (idx >= 0 && !answered[idx]) {
            answered[idx] = true;
            states[idx] = health_judge(msg);
            waiting--;
        }
        natsMsg_Destroy(msg);
    }
out:
    if (sub != NULL) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    natsInbox_Destroy(inbox);
    return s;
}

enum oc_status handle_health_get(struct gw_request *req)
{
    enum health_state states[HEALTH_N];
    json_t *services;
    bool all_ok = true;
    enum oc_status s;

    s = health_ask(req, states);
    if (s != OC_OK)
        return s;

    services = json_object();
    if (services == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < HEALTH_N; i++) {
        if (states[i] != HEALTH_OK) {
            all_ok = false;
            oc_warn("health: %s is %s", health_services[i], health_state_text[states[i]]);
        }
        if (json_object_set_new(services, health_services[i],
                                json_string(health_state_text[states[i]])) != 0) {
            json_decref(services);
            return OC_ERR_NOMEM;
        }
    }
    return gw_reply(
        req, all_ok ? 200 : 503,
        json_pack("{s:s, s:o}", "status", all_ok ? "ok" : "degraded", "services", services));
}
