/*
 * Concurrent requests (see fanout.h). Reply subjects are <inbox>.<index>,
 * so each reply finds its request without any lookup; a "no responders"
 * status from the server marks that request unavailable.
 */
#include "fanout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oc/crypto.h"
#include "oc/log.h"
#include "proto/common.pb-c.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wraps and sends request i; false when it could not be sent. */
static bool send_one(natsConnection *nc, const char *subject, const char *inbox,
                     const char *request_id, struct fanout_req *r, size_t i, int timeout_ms)
{
    Ocpb__Envelope env = OCPB__ENVELOPE__INIT;
    env.tenant_id = (char *)(r->tenant_id ? r->tenant_id : "");
    env.request_id = (char *)request_id;
    env.deadline_unix_ms = wall_ms() + timeout_ms;
    Ocpb__Request wire = OCPB__REQUEST__INIT;
    wire.env = &env;
    size_t blen = r->msg ? protobuf_c_message_get_packed_size(r->msg) : 0;
    uint8_t *body = malloc(blen ? blen : 1);
    if (!body)
        return false;
    if (r->msg)
        protobuf_c_message_pack(r->msg, body);
    wire.body.data = body;
    wire.body.len = blen;
    size_t dlen = ocpb__request__get_packed_size(&wire);
    uint8_t *data = malloc(dlen ? dlen : 1);
    if (!data) {
        free(body);
        return false;
    }
    ocpb__request__pack(&wire, data);
    char reply[160];
    snprintf(reply, sizeof(reply), "%s.%zu", inbox, i);
    natsStatus s = natsConnection_PublishRequest(nc, subject, reply, data, (int)dlen);
    free(data);
    free(body);
    return s == NATS_OK;
}

/* Reads one reply into request r. */
static void take_reply(natsMsg *m, struct fanout_req *r, const char *subject,
                       const ProtobufCMessageDescriptor *reply_desc, ProtobufCAllocator *alloc)
{
    if (natsMsg_IsNoResponders(m)) {
        r->status = OC_ERR_UNAVAILABLE;
        snprintf(r->error, sizeof(r->error), "no service answers %s", subject);
        return;
    }
    Ocpb__Reply *wire = ocpb__reply__unpack(NULL, (size_t)natsMsg_GetDataLength(m),
                                            (const uint8_t *)natsMsg_GetData(m));
    if (!wire) {
        r->status = OC_ERR_INTERNAL;
        snprintf(r->error, sizeof(r->error), "%s answered something that is not an ocpb.Reply",
                 subject);
        return;
    }
    r->status = wire->status ? oc_status_from_int((int)wire->status->code) : OC_OK;
    if (r->status != OC_OK) {
        snprintf(r->error, sizeof(r->error), "%s",
                 wire->status->message && *wire->status->message ? wire->status->message
                                                                 : oc_status_text(r->status));
    } else if (reply_desc) {
        r->reply = protobuf_c_message_unpack(reply_desc, alloc, wire->body.len, wire->body.data);
        if (!r->reply) {
            r->status = OC_ERR_INTERNAL;
            snprintf(r->error, sizeof(r->error), "%s answered a body that is not a %s", subject,
                     reply_desc->name);
        }
    }
    ocpb__reply__free_unpacked(wire, NULL);
}

enum oc_status fanout_call(struct oc_bus *bus, const char *subject, struct fanout_req *reqs,
                           size_t n, const ProtobufCMessageDescriptor *reply_desc,
                           ProtobufCAllocator *alloc, int timeout_ms)
{
    natsConnection *nc = oc_bus_nats(bus);
    natsInbox *inbox = NULL;
    natsSubscription *sub = NULL;
    char wildcard[160];
    char request_id[37] = "";
    bool *done = NULL;
    enum oc_status st = OC_OK;

    for (size_t i = 0; i < n; i++) {
        reqs[i].status = OC_ERR_TIMEOUT;
        reqs[i].reply = NULL;
        snprintf(reqs[i].error, sizeof(reqs[i].error), "%s did not answer within %d ms", subject,
                 timeout_ms);
    }
    if (n == 0)
        return OC_OK;
    const char *rid = oc_log_request_id();
    if (rid && *rid && strcmp(rid, "-") != 0)
        snprintf(request_id, sizeof(request_id), "%.36s", rid);
    else if (oc_uuid_v4(request_id) != OC_OK)
        request_id[0] = '\0';

    done = calloc(n, sizeof(*done));
    if (!done)
        return OC_ERR_NOMEM;
    natsStatus s = natsInbox_Create(&inbox);
    if (s == NATS_OK) {
        snprintf(wildcard, sizeof(wildcard), "%s.*", (const char *)inbox);
        s = natsConnection_SubscribeSync(&sub, nc, wildcard);
    }
    if (s != NATS_OK) {
        st = oc_bus_status(s, subject);
        goto out;
    }
    natsSubscription_SetPendingLimits(sub, -1, -1);
    for (size_t i = 0; i < n; i++) {
        if (!send_one(nc, subject, (const char *)inbox, request_id, &reqs[i], i, timeout_ms)) {
            reqs[i].status = OC_ERR_UNAVAILABLE;
            snprintf(reqs[i].error, sizeof(reqs[i].error), "cannot send to %s", subject);
            done[i] = true;
        }
    }
    size_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += !done[i];
    long long give_up = now_ms() + timeout_ms;
    while (left > 0) {
        long long wait = give_up - now_ms();
        if (wait <= 0)
            break;
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, sub, wait);
        if (s != NATS_OK)
            break;
        const char *subj = natsMsg_GetSubject(m);
        const char *dot = subj ? strrchr(subj, '.') : NULL;
        char *end = NULL;
        unsigned long i = dot ? strtoul(dot + 1, &end, 10) : (unsigned long)n;
        if (dot && end && !*end && i < n && !done[i]) {
            take_reply(m, &reqs[i], subject, reply_desc, alloc);
            done[i] = true;
            left--;
        }
        natsMsg_Destroy(m);
    }
out:
    if (sub) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    natsInbox_Destroy(inbox);
    free(done);
    return st;
}
