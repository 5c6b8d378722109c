/*
 * The outbox thread; see outbox.h. Items are kept packed, with the
 * descriptor to unpack them again, because oc_bus takes messages rather
 * than bytes; unpacking a message once per publish costs nothing next to
 * the network round trip it is queued for.
 */
#include "outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oc/log.h"

/* A durable publish is tried this many times, the wait doubling from 250 ms. */
#define OUTBOX_DURABLE_TRIES 8

struct outbox_item {
    enum outbox_kind kind;
    const ProtobufCMessageDescriptor *desc;
    char *subject;
    char *msg_id;
    char *tenant_id;
    char *request_id;
    uint8_t *data;
    size_t len;
    struct outbox_item *next;
};

struct outbox {
    struct oc_bus *bus;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct outbox_item *head;
    struct outbox_item *tail;
    bool closing;
    long long deadline_ms; /* while closing: give up after this */
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void item_free(struct outbox_item *it)
{
    if (!it)
        return;
    free(it->subject);
    free(it->msg_id);
    free(it->tenant_id);
    free(it->request_id);
    free(it->data);
    free(it);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Waits ms unless the outbox is closing past its deadline. Called with mu held. */
static bool backoff(struct outbox *o, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&o->cond, &o->mu, &ts);
    return !(o->closing && mono_ms() >= o->deadline_ms);
}

static void send_item(struct outbox *o, struct outbox_item *it)
{
    ProtobufCMessage *msg = protobuf_c_message_unpack(it->desc, NULL, it->len, it->data);
    enum oc_status st = OC_OK;

    if (!msg) {
        oc_error("outbox: %s: cannot unpack what was packed", it->subject);
        return;
    }
    switch (it->kind) {
    case OUTBOX_EVENT:
        st = oc_bus_publish(o->bus, it->subject, msg);
        if (st != OC_OK)
            oc_warn("outbox: %s: event lost: %s", it->subject, oc_status_text(st));
        break;
    case OUTBOX_DURABLE: {
        int wait = 250;
        for (int i = 1;; i++) {
            bool duplicate = false;
            st = oc_js_publish(o->bus, it->subject, msg, it->msg_id, &duplicate);
            if (st == OC_OK) {
                oc_debug("outbox: %s %s stored%s", it->subject, it->msg_id,
                         duplicate ? " (already there)" : "");
                break;
            }
            if (i == OUTBOX_DURABLE_TRIES) {
                oc_error("outbox: %s %s not stored after %d tries: %s", it->subject, it->msg_id, i,
                         oc_status_text(st));
                break;
            }
            pthread_mutex_lock(&o->mu);
            bool go_on = backoff(o, wait);
            pthread_mutex_unlock(&o->mu);
            if (!go_on) {
                oc_error("outbox: %s %s not stored before shutdown: %s", it->subject, it->msg_id,
                         oc_status_text(st));
                break;
            }
            wait *= 2;
        }
        break;
    }
    case OUTBOX_REQUEST: {
        char err[256];
        struct oc_call call = {
            .tenant_id = it->tenant_id, .request_id = it->request_id, .timeout_ms = 3000};
        st = oc_bus_call(o->bus, it->subject, &call, msg, NULL, NULL, NULL, err, sizeof(err));
        if (st != OC_OK)
            oc_warn("outbox: %s: %s", it->subject, err);
        break;
    }
    }
    protobuf_c_message_free_unpacked(msg, NULL);
}

static void *outbox_loop(void *arg)
{
    struct outbox *o = arg;

    pthread_mutex_lock(&o->mu);
    for (;;) {
        while (!o->head && !o->closing)
            pthread_cond_wait(&o->cond, &o->mu);
        if (!o->head || (o->closing && mono_ms() >= o->deadline_ms))
            break;
        struct outbox_item *it = o->head;
        o->head = it->next;
        if (!o->head)
            o->tail = NULL;
        pthread_mutex_unlock(&o->mu);
        oc_log_set_request_id(it->request_id);
        send_item(o, it);
        oc_log_set_request_id(NULL);
        item_free(it);
        pthread_mutex_lock(&o->mu);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

enum oc_status outbox_new(struct outbox **out, struct oc_bus *bus)
{
    struct outbox *o = calloc(1, sizeof(*o));
    if (!o)
        return OC_ERR_NOMEM;
    o->bus = bus;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cond, NULL);
    if (pthread_create(&o->thread, NULL, outbox_loop, o) != 0) {
        pthread_cond_destroy(&o->cond);
        pthread_mutex_destroy(&o->mu);
        free(o);
        return OC_ERR_INTERNAL;
    }
    *out = o;
    return OC_OK;
}

enum oc_status outbox_push(struct outbox *o, enum outbox_kind kind, const char *subject,
                           const ProtobufCMessage *msg, const char *msg_id, const char *tenant_id,
                           const char *request_id)
{
    struct outbox_item *it = calloc(1, sizeof(*it));
    if (!it)
        return OC_ERR_NOMEM;
    it->kind = kind;
    it->desc = msg->descriptor;
    it->len = protobuf_c_message_get_packed_size(msg);
    it->data = malloc(it->len ? it->len : 1);
    it->subject = strdup(subject);
    it->msg_id = dup_or_null(msg_id);
    it->tenant_id = dup_or_null(tenant_id);
    it->request_id = dup_or_null(request_id);
    if (!it->data || !it->subject || (msg_id && !it->msg_id) || (tenant_id && !it->tenant_id) ||
        (request_id && !it->request_id)) {
        item_free(it);
        return OC_ERR_NOMEM;
    }
    protobuf_c_message_pack(msg, it->data);

    pthread_mutex_lock(&o->mu);
    if (o->closing) {
        pthread_mutex_unlock(&o->mu);
        item_free(it);
        return OC_ERR_UNAVAILABLE;
    }
    if (o->tail)
        o->tail->next = it;
    else
        o->head = it;
    o->tail = it;
    pthread_cond_signal(&o->cond);
    pthread_mutex_unlock(&o->mu);
    return OC_OK;
}

void outbox_free(struct outbox *o, int timeout_ms)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    o->closing = true;
    o->deadline_ms = mono_ms() + timeout_ms;
    pthread_cond_broadcast(&o->cond);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->thread, NULL);

    size_t lost = 0;
    for (struct outbox_item *it = o->head; it;) {
        struct outbox_item *next = it->next;
        oc_warn("outbox: %s %s not sent before shutdown", it->subject,
                it->msg_id ? it->msg_id : "");
        item_free(it);
        lost++;
        it = next;
    }
    if (lost)
        oc_error("outbox: %zu message(s) not sent before shutdown", lost);
    pthread_cond_destroy(&o->cond);
    pthread_mutex_destroy(&o->mu);
    free(o);
}
