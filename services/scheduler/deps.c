/*
 * Requests to other services (see deps.h), with a small cache of packed
 * replies keyed by kind, tenant and id. The cache is a fixed array scanned
 * linearly: a copy of the scheduler deals with at most a few hundred
 * assistants and numbers at once, and the oldest entry makes room.
 */
#include "deps.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oc/log.h"
#include "proto/billing.pb-c.h"
#include "proto/dialer.pb-c.h"
#include "wire.h"

#define CACHE_SLOTS 512

struct cache_entry {
    char key[96];
    uint8_t *data;
    size_t len;
    int64_t at_ms;
};

struct sched_cache {
    pthread_mutex_t mu;
    struct cache_entry e[CACHE_SLOTS];
};

enum oc_status deps_init(struct scheduler *st)
{
    struct sched_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&c->mu, NULL);
    st->cache = c;
    return OC_OK;
}

void deps_free(struct scheduler *st)
{
    struct sched_cache *c = st->cache;
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        free(c->e[i].data);
    pthread_mutex_destroy(&c->mu);
    free(c);
    st->cache = NULL;
}

/* Copies a fresh entry into arena; false when there is none. */
static bool cache_get(struct sched_cache *c, const char *key, int64_t ttl_ms,
                      struct oc_arena *arena, uint8_t **data, size_t *len)
{
    bool hit = false;
    int64_t now = wire_now_ms();
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct cache_entry *e = &c->e[i];
        if (e->data && strcmp(e->key, key) == 0 && now - e->at_ms < ttl_ms) {
            uint8_t *copy = oc_arena_alloc(arena, e->len ? e->len : 1);
            if (copy) {
                memcpy(copy, e->data, e->len);
                *data = copy;
                *len = e->len;
                hit = true;
            }
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void cache_put(struct sched_cache *c, const char *key, const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *data = malloc(len ? len : 1);
    if (!data)
        return;
    protobuf_c_message_pack(msg, data);
    pthread_mutex_lock(&c->mu);
    struct cache_entry *slot = &c->e[0];
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct cache_entry *e = &c->e[i];
        if (e->data && strcmp(e->key, key) == 0) {
            slot = e;
            break;
        }
        if (!e->data || e->at_ms < slot->at_ms)
            slot = e;
    }
    free(slot->data);
    snprintf(slot->key, sizeof(slot->key), "%s", key);
    slot->data = data;
    slot->len = len;
    slot->at_ms = wire_now_ms();
    pthread_mutex_unlock(&c->mu);
}

static int timeout(struct scheduler *st)
{
    return (int)st->cfg.request_timeout_ms;
}

enum oc_status deps_dnc_batch(struct scheduler *st, const char *tenant, const char *const *phones,
                              size_t n, bool *listed, char *err, size_t errlen)
{
    if (n == 0)
        return OC_OK;
    Ocpb__CheckDncBatchRequest req = OCPB__CHECK_DNC_BATCH_REQUEST__INIT;
    req.phones = (char **)phones;
    req.n_phones = n;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = timeout(st)};
    Ocpb__CheckDncBatchReply *reply = NULL;
    enum oc_status s = oc_bus_call(st->bus, "dnc.check_batch", &call, &req.base,
                                   &ocpb__check_dnc_batch_reply__descriptor, NULL,
                                   (ProtobufCMessage **)&reply, err, errlen);
    if (s != OC_OK)
        return s;
    if (reply->n_results != n) {
        snprintf(err, errlen, "dnc.check_batch answered %zu results for %zu numbers",
                 reply->n_results, n);
        ocpb__check_dnc_batch_reply__free_unpacked(reply, NULL);
        return OC_ERR_INTERNAL;
    }
    for (size_t i = 0; i < n; i++)
        listed[i] = reply->results[i]->listed;
    ocpb__check_dnc_batch_reply__free_unpacked(reply, NULL);
    return OC_OK;
}

enum oc_status deps_dnc_one(struct scheduler *st, const char *tenant, const char *phone,
                            bool *listed, char *err, size_t errlen)
{
    Ocpb__CheckDncRequest req = OCPB__CHECK_DNC_REQUEST__INIT;
    req.phone = (char *)phone;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = timeout(st)};
    Ocpb__CheckDncReply *reply = NULL;
    enum oc_status s =
        oc_bus_call(st->bus, "dnc.check", &call, &req.base, &ocpb__check_dnc_reply__descriptor,
                    NULL, (ProtobufCMessage **)&reply, err, errlen);
    if (s != OC_OK)
        return s;
    *listed = reply->listed;
    ocpb__check_dnc_reply__free_unpacked(reply, NULL);
    return OC_OK;
}

void deps_reserve(struct scheduler *st, struct deps_reservation *r, size_t n,
                  struct oc_arena *arena)
{
    if (n == 0)
        return;
    struct fanout_req *reqs = oc_arena_alloc(arena, sizeof(*reqs) * n);
    Ocpb__ReserveCreditsRequest *bodies = oc_arena_alloc(arena, sizeof(*bodies) * n);
    if (!reqs || !bodies) {
        for (size_t i = 0; i < n; i++)
            r[i].status = OC_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ocpb__reserve_credits_request__init(&bodies[i]);
        bodies[i].reference = (char *)r[i].call_id;
        bodies[i].seconds = st->cfg.reserve_s;
        bodies[i].expires_unix_ms = r[i].expires_ms;
        bodies[i].description = oc_arena_printf(arena, "call %s", r[i].call_id);
        reqs[i].tenant_id = r[i].tenant_id;
        reqs[i].msg = &bodies[i].base;
    }
    ProtobufCAllocator alloc = oc_arena_pb_allocator(arena);
    enum oc_status s = fanout_call(st->bus, "billing.reserve", reqs, n,
                                   &ocpb__reserve_credits_reply__descriptor, &alloc, timeout(st));
    for (size_t i = 0; i < n; i++) {
        r[i].status = s != OC_OK ? s : reqs[i].status;
        r[i].reservation_id = NULL;
        if (r[i].status == OC_OK) {
            const Ocpb__ReserveCreditsReply *rep = (const Ocpb__ReserveCreditsReply *)reqs[i].reply;
            r[i].reservation_id = rep->reservation_id;
        } else if (r[i].status != OC_ERR_NO_CREDIT) {
            oc_warn("billing.reserve for call %s: %s", r[i].call_id, reqs[i].error);
        }
    }
}

void deps_release(struct scheduler *st, const char *tenant, const char *const *call_ids, size_t n,
                  const char *reason)
{
    if (n == 0)
        return;
    struct oc_arena *arena = NULL;
    if (oc_arena_new(&arena, 4096) != OC_OK)
        return;
    struct fanout_req *reqs = oc_arena_alloc(arena, sizeof(*reqs) * n);
    Ocpb__ReleaseCreditsRequest *bodies = oc_arena_alloc(arena, sizeof(*bodies) * n);
    if (reqs && bodies) {
        for (size_t i = 0; i < n; i++) {
            ocpb__release_credits_request__init(&bodies[i]);
            bodies[i].reference = (char *)call_ids[i];
            bodies[i].reason = (char *)(reason ? reason : "");
            reqs[i].tenant_id = tenant;
            reqs[i].msg = &bodies[i].base;
        }
        ProtobufCAllocator alloc = oc_arena_pb_allocator(arena);
        fanout_call(st->bus, "billing.release", reqs, n, NULL, &alloc, timeout(st));
        /* A reservation not released here expires by itself at billing. */
        for (size_t i = 0; i < n; i++)
            if (reqs[i].status != OC_OK)
                oc_debug("billing.release for call %s: %s", call_ids[i], reqs[i].error);
    }
    oc_arena_free(arena);
}

/* Asks subject for the message of id, through the cache. */
static enum oc_status cached_get(struct scheduler *st, const char *kind, const char *subject,
                                 const char *tenant, const ProtobufCMessage *req,
                                 const ProtobufCMessageDescriptor *reply_desc, const char *id,
                                 struct oc_arena *arena, ProtobufCMessage **out, char *err,
                                 size_t errlen)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:%s:%s", kind, tenant, id);
    ProtobufCAllocator alloc = oc_arena_pb_allocator(arena);
    uint8_t *data = NULL;
    size_t len = 0;
    if (st->cache && cache_get(st->cache, key, st->cfg.cache_ttl_s * 1000, arena, &data, &len)) {
        ProtobufCMessage *m = protobuf_c_message_unpack(reply_desc, &alloc, len, data);
        if (m) {
            *out = m;
            return OC_OK;
        }
    }
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = timeout(st)};
    ProtobufCMessage *reply = NULL;
    enum oc_status s =
        oc_bus_call(st->bus, subject, &call, req, reply_desc, &alloc, &reply, err, errlen);
    if (s != OC_OK)
        return s;
    if (st->cache)
        cache_put(st->cache, key, reply);
    *out = reply;
    return OC_OK;
}

enum oc_status deps_snapshot(struct scheduler *st, const char *tenant, const char *assistant_id,
                             struct oc_arena *arena, Ocpb__AssistantSnapshot **out, char *err,
                             size_t errlen)
{
    Ocpb__SnapshotAssistantRequest req = OCPB__SNAPSHOT_ASSISTANT_REQUEST__INIT;
    req.id = (char *)assistant_id;
    Ocpb__SnapshotAssistantReply *reply = NULL;
    enum oc_status s = cached_get(st, "snapshot", "assistants.snapshot", tenant, &req.base,
                                  &ocpb__snapshot_assistant_reply__descriptor, assistant_id, arena,
                                  (ProtobufCMessage **)&reply, err, errlen);
    if (s != OC_OK)
        return s;
    if (!reply->snapshot) {
        snprintf(err, errlen, "assistants.snapshot answered without a snapshot");
        return OC_ERR_INTERNAL;
    }
    *out = reply->snapshot;
    return OC_OK;
}

enum oc_status deps_number(struct scheduler *st, const char *tenant, const char *number_id,
                           struct oc_arena *arena, Ocpb__PhoneNumber **out, char *err,
                           size_t errlen)
{
    Ocpb__GetNumberRequest req = OCPB__GET_NUMBER_REQUEST__INIT;
    req.id = (char *)number_id;
    Ocpb__GetNumberReply *reply = NULL;
    enum oc_status s = cached_get(st, "number", "numbers.get", tenant, &req.base,
                                  &ocpb__get_number_reply__descriptor, number_id, arena,
                                  (ProtobufCMessage **)&reply, err, errlen);
    if (s != OC_OK)
        return s;
    if (!reply->number) {
        snprintf(err, errlen, "numbers.get answered without a number");
        return OC_ERR_INTERNAL;
    }
    *out = reply->number;
    return OC_OK;
}

enum oc_status deps_check_refs(struct scheduler *st, const char *tenant, const char *assistant_id,
                               char *const *numbers, size_t n_numbers, char *err, size_t errlen)
{
    char why[256];
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = timeout(st)};
    if (assistant_id) {
        Ocpb__GetAssistantRequest req = OCPB__GET_ASSISTANT_REQUEST__INIT;
        req.id = (char *)assistant_id;
        enum oc_status s = oc_bus_call(st->bus, "assistants.get", &call, &req.base, NULL, NULL,
                                       NULL, why, sizeof(why));
        if (s == OC_ERR_NOT_FOUND) {
            snprintf(err, errlen, "assistant %s does not exist", assistant_id);
            return OC_ERR_INVALID;
        }
        if (s != OC_OK)
            oc_debug("assistants.get %s: %s (not checked)", assistant_id, why);
    }
    for (size_t i = 0; i < n_numbers; i++) {
        Ocpb__GetNumberRequest req = OCPB__GET_NUMBER_REQUEST__INIT;
        req.id = numbers[i];
        enum oc_status s = oc_bus_call(st->bus, "numbers.get", &call, &req.base, NULL, NULL, NULL,
                                       why, sizeof(why));
        if (s == OC_ERR_NOT_FOUND) {
            snprintf(err, errlen, "phone number %s does not exist", numbers[i]);
            return OC_ERR_INVALID;
        }
        if (s != OC_OK)
            oc_debug("numbers.get %s: %s (not checked)", numbers[i], why);
    }
    return OC_OK;
}

enum oc_status deps_hangup(struct scheduler *st, const char *tenant, const char *dialer_instance,
                           const char *call_id, const char *reason, char *err, size_t errlen)
{
    char subject[160];
    Ocpb__HangupCallRequest req = OCPB__HANGUP_CALL_REQUEST__INIT;
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = timeout(st)};
    ProtobufCMessage *reply = NULL;

    snprintf(subject, sizeof(subject), "dialer.%s.hangup", dialer_instance);
    req.call_id = (char *)call_id;
    req.reason = (char *)reason;
    enum oc_status s = oc_bus_call(st->bus, subject, &call, &req.base,
                                   &ocpb__hangup_call_reply__descriptor, NULL, &reply, err, errlen);
    if (reply)
        protobuf_c_message_free_unpacked(reply, NULL);
    return s;
}
