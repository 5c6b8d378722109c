/*
 * Batch publishing to JetStream (see jspub.h) over nats.c's asynchronous
 * publish: the acknowledgement handler runs on a nats.c thread and records
 * each result under the batch's message id; jspub_wait gathers them.
 */
#include "jspub.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oc/log.h"

struct slot {
    char *msg_id; /* NULL: free */
    size_t index;
};

struct jspub {
    jsCtx *js;
    pthread_mutex_t mu;
    /* The batch: per message whether it is done and stored, and an open
     * hash from message id to index for the acknowledgement handler. */
    size_t n, cap;
    bool *done;
    bool *stored;
    struct slot *slots;
    size_t n_slots;
    size_t pending;
    pthread_cond_t cv;
    /* nats.c keeps no pending list until the first asynchronous publish,
     * and asking for it before then crashes. */
    bool used;
};

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Finds the batch index of msg_id; (size_t)-1 when it is not in the batch. */
static size_t lookup(struct jspub *p, const char *msg_id)
{
    if (!p->n_slots)
        return (size_t)-1;
    for (size_t i = hash(msg_id) % p->n_slots, k = 0; k < p->n_slots;
         i = (i + 1) % p->n_slots, k++) {
        if (!p->slots[i].msg_id)
            return (size_t)-1;
        if (strcmp(p->slots[i].msg_id, msg_id) == 0)
            return p->slots[i].index;
    }
    return (size_t)-1;
}

static void record(struct jspub *p, size_t index, bool stored)
{
    if (index >= p->n || p->done[index])
        return;
    p->done[index] = true;
    p->stored[index] = stored;
    p->pending--;
    if (p->pending == 0)
        pthread_cond_broadcast(&p->cv);
}

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    struct jspub *p = closure;
    const char *id = NULL;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id) {
        pthread_mutex_lock(&p->mu);
        size_t index = lookup(p, id);
        if (index != (size_t)-1) {
            if (!pa && pae)
                oc_warn("jetstream: %s not stored: %s", id, pae->ErrText ? pae->ErrText : "");
            record(p, index, pa != NULL);
        }
        pthread_mutex_unlock(&p->mu);
    }
    natsMsg_Destroy(msg);
}

enum oc_status jspub_new(struct jspub **out, struct oc_bus *bus)
{
    struct jspub *p = calloc(1, sizeof(*p));
    if (!p)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.AckHandler = on_ack;
    o.PublishAsync.AckHandlerClosure = p;
    /* Above the largest batch (SCHEDULER_BATCH at most 4000): a batch never stalls. */
    o.PublishAsync.MaxPending = 8192;
    natsStatus s = natsConnection_JetStream(&p->js, oc_bus_nats(bus), &o);
    if (s != NATS_OK) {
        jspub_free(p);
        return oc_bus_status(s, "jetstream context");
    }
    *out = p;
    return OC_OK;
}

static void clear_batch(struct jspub *p)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        free(p->slots[i].msg_id);
        p->slots[i].msg_id = NULL;
    }
    p->n = 0;
    p->pending = 0;
}

void jspub_free(struct jspub *p)
{
    if (!p)
        return;
    if (p->js && p->used) {
        /* Unacknowledged messages still pending are dropped with the context. */
        natsMsgList left = {0};
        if (js_PublishAsyncGetPendingList(&left, p->js) == NATS_OK)
            natsMsgList_Destroy(&left);
    }
    jsCtx_Destroy(p->js);
    clear_batch(p);
    free(p->done);
    free(p->stored);
    free(p->slots);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

enum oc_status jspub_begin(struct jspub *p, size_t max)
{
    pthread_mutex_lock(&p->mu);
    clear_batch(p);
    if (max > p->cap) {
        size_t cap = max;
        bool *done = realloc(p->done, cap * sizeof(*done));
        if (done)
            p->done = done;
        bool *stored = realloc(p->stored, cap * sizeof(*stored));
        if (stored)
            p->stored = stored;
        struct slot *slots = calloc(cap * 2, sizeof(*slots));
        if (!done || !stored || !slots) {
            free(slots);
            pthread_mutex_unlock(&p->mu);
            return OC_ERR_NOMEM;
        }
        free(p->slots);
        p->slots = slots;
        p->n_slots = cap * 2;
        p->cap = cap;
    }
    pthread_mutex_unlock(&p->mu);
    return OC_OK;
}

void jspub_add(struct jspub *p, const char *subject, const void *data, size_t len,
               const char *msg_id)
{
    pthread_mutex_lock(&p->mu);
    if (p->n == p->cap) {
        pthread_mutex_unlock(&p->mu);
        oc_error("jetstream: batch is full; %s not sent", msg_id);
        return;
    }
    size_t index = p->n++;
    p->done[index] = false;
    p->stored[index] = false;
    p->pending++;
    for (size_t i = hash(msg_id) % p->n_slots;; i = (i + 1) % p->n_slots) {
        if (!p->slots[i].msg_id) {
            p->slots[i].msg_id = strdup(msg_id);
            p->slots[i].index = index;
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);

    natsMsg *m = NULL;
    natsStatus s = natsMsg_Create(&m, subject, NULL, data, (int)len);
    if (s == NATS_OK) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MsgId = msg_id;
        p->used = true;
        s = js_PublishMsgAsync(p->js, &m, &po);
    }
    natsMsg_Destroy(m);
    if (s != NATS_OK) {
        oc_bus_status(s, subject);
        pthread_mutex_lock(&p->mu);
        record(p, index, false);
        pthread_mutex_unlock(&p->mu);
    }
}

size_t jspub_wait(struct jspub *p, int timeout_ms, bool *stored)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms;
    natsStatus s = js_PublishAsyncComplete(p->js, &po);
    if (s != NATS_OK) {
        /* What is still unacknowledged is counted as not stored; if the
         * server did store it, the next attempt's message id makes the
         * repeat a duplicate. */
        natsMsgList left = {0};
        if (js_PublishAsyncGetPendingList(&left, p->js) == NATS_OK)
            natsMsgList_Destroy(&left);
        oc_warn("jetstream: %d ms passed before every acknowledgement came", timeout_ms);
    }
    /* nats.c may count an acknowledgement before its handler has run;
     * wait for the handlers too, within the same bound. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (s == NATS_OK && p->pending > 0)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &until) != 0)
            break;
    size_t count = 0;
    for (size_t i = 0; i < p->n; i++) {
        stored[i] = p->done[i] && p->stored[i];
        if (stored[i])
            count++;
    }
    clear_batch(p);
    pthread_mutex_unlock(&p->mu);
    return count;
}
