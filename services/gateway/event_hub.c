/*
 * The fan-out between the one NATS subscription on evt.> and the open
 * /v1/events streams. Each stream belongs to one tenant and has a bounded
 * queue of frames; a published frame is queued (by reference, never
 * copied) on every stream of the frame's tenant and on no other, which is
 * where tenant isolation of the event stream is decided. The stream's own
 * thread (a civetweb worker) waits on its queue and writes.
 *
 * A client that reads slower than its events arrive fills its queue; the
 * stream is then marked overflowed and ended, rather than letting memory
 * grow or silently dropping events in the middle of a stream: the client
 * reconnects and reloads what it shows.
 *
 * No I/O: unit tests drive it with threads of their own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"

struct gw_event_frame {
    atomic_int refs;
    size_t len;
    char text[];
};

struct gw_event_stream {
    struct gw_event_stream *prev, *next;
    char tenant[GW_UUID_LEN + 1];
    pthread_cond_t cv;
    struct gw_event_frame **queue; /* ring of cfg.queue_max frames */
    size_t head;
    size_t count;
    bool overflowed;
};

struct gw_event_hub {
    struct gw_event_hub_config cfg;
    pthread_mutex_t mu;
    struct gw_event_stream *streams;
    size_t n_streams;
    bool closing;
};

/* ------------------------------------------------------------ frames */

enum oc_status gw_event_frame_new(struct gw_event_frame **out, const char *text, size_t len)
{
    struct gw_event_frame *f = malloc(sizeof(*f) + len + 1);

    if (f == NULL)
        return OC_ERR_NOMEM;
    atomic_init(&f->refs, 1);
    f->len = len;
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    *out = f;
    return OC_OK;
}

void gw_event_frame_unref(struct gw_event_frame *f)
{
    if (f != NULL && atomic_fetch_sub(&f->refs, 1) == 1)
        free(f);
}

const char *gw_event_frame_text(const struct gw_event_frame *f, size_t *len)
{
    *len = f->len;
    return f->text;
}

/* ------------------------------------------------------------ hub */

enum oc_status gw_event_hub_new(struct gw_event_hub **out, const struct gw_event_hub_config *cfg)
{
    struct gw_event_hub *h;

    if (cfg->queue_max == 0)
        return OC_ERR_INVALID;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return OC_ERR_NOMEM;
    h->cfg = *cfg;
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        return OC_ERR_INTERNAL;
    }
    *out = h;
    return OC_OK;
}

void gw_event_hub_free(struct gw_event_hub *h)
{
    if (h == NULL)
        return;
    /* Streams are closed by their threads before the hub goes; one left
     * here is a thread that outlived the HTTP server, a broken invariant. */
    while (h->streams != NULL)
        gw_event_hub_close(h, h->streams);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void gw_event_hub_shutdown(struct gw_event_hub *h)
{
    pthread_mutex_lock(&h->mu);
    h->closing = true;
    for (struct gw_event_stream *s = h->streams; s != NULL; s = s->next)
        pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&h->mu);
}

/* Streams of tenant now open; hub lock held. */
static size_t hub_tenant_streams(const struct gw_event_hub *h, const char *tenant)
{
    size_t n = 0;

    for (const struct gw_event_stream *s = h->streams; s != NULL; s = s->next)
        n += strcmp(s->tenant, tenant) == 0;
    return n;
}

enum oc_status gw_event_hub_open(struct gw_event_hub *h, const char *tenant,
                                 struct gw_event_stream **out)
{
    struct gw_event_stream *s;
    pthread_condattr_t attr;
    enum oc_status st = OC_OK;

    if (strlen(tenant) > GW_UUID_LEN)
        return OC_ERR_INVALID;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return OC_ERR_NOMEM;
    s->queue = calloc(h->cfg.queue_max, sizeof(*s->queue));
    if (s->queue == NULL) {
        free(s);
        return OC_ERR_NOMEM;
    }
    /* Waits are timed on the monotonic clock: a wall-clock step must not
     * skip or stretch a keep-alive. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_cond_init(&s->cv, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        free(s->queue);
        free(s);
        return OC_ERR_INTERNAL;
    }
    pthread_condattr_destroy(&attr);
    strcpy(s->tenant, tenant);

    pthread_mutex_lock(&h->mu);
    if (h->closing || h->n_streams >= h->cfg.max_streams)
        st = OC_ERR_UNAVAILABLE;
    else if (hub_tenant_streams(h, tenant) >= h->cfg.max_per_tenant)
        st = OC_ERR_RATE_LIMITED;
    if (st == OC_OK) {
        s->next = h->streams;
        if (h->streams != NULL)
            h->streams->prev = s;
        h->streams = s;
        h->n_streams++;
    }
    pthread_mutex_unlock(&h->mu);
    if (st != OC_OK) {
        pthread_cond_destroy(&s->cv);
        free(s->queue);
        free(s);
        return st;
    }
    *out = s;
    return OC_OK;
}

void gw_event_hub_close(struct gw_event_hub *h, struct gw_event_stream *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&h->mu);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        h->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    h->n_streams--;
    pthread_mutex_unlock(&h->mu);

    for (size_t i = 0; i < s->count; i++)
        gw_event_frame_unref(s->queue[(s->head + i) % h->cfg.queue_max]);
    pthread_cond_destroy(&s->cv);
    free(s->queue);
    free(s);
}

bool gw_event_hub_wants(struct gw_event_hub *h, const char *tenant)
{
    bool any;

    pthread_mutex_lock(&h->mu);
    any = hub_tenant_streams(h, tenant) > 0;
    pthread_mutex_unlock(&h->mu);
    return any;
}

size_t gw_event_hub_count(struct gw_event_hub *h)
{
    size_t n;

    pthread_mutex_lock(&h->mu);
    n = h->n_streams;
    pthread_mutex_unlock(&h->mu);
    return n;
}

size_t gw_event_hub_publish(struct gw_event_hub *h, const char *tenant, struct gw_event_frame *f,
                            size_t *overflowed)
{
    size_t reached = 0, over = 0;

    pthread_mutex_lock(&h->mu);
    for (struct gw_event_stream *s = h->streams; s != NULL; s = s->next) {
        if (strcmp(s->tenant, tenant) != 0 || s->overflowed)
            continue;
        if (s->count == h->cfg.queue_max) {
            s->overflowed = true;
            over++;
        } else {
            atomic_fetch_add(&f->refs, 1);
            s->queue[(s->head + s->count) % h->cfg.queue_max] = f;
            s->count++;
            reached++;
        }
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&h->mu);
    if (overflowed != NULL)
        *overflowed = over;
    return reached;
}

enum oc_status gw_event_hub_next(struct gw_event_hub *h, struct gw_event_stream *s, int timeout_ms,
                                 struct gw_event_frame **out)
{
    struct timespec deadline;
    enum oc_status st = OC_ERR_TIMEOUT;
    bool timed_out = false;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&h->mu);
    for (;;) {
        if (h->closing) {
            st = OC_ERR_UNAVAILABLE;
            break;
        }
        if (s->overflowed) {
            st = OC_ERR_TOO_LARGE;
            break;
        }
        if (s->count > 0) {
            *out = s->queue[s->head];
            s->head = (s->head + 1) % h->cfg.queue_max;
            s->count--;
            st = OC_OK;
            break;
        }
        if (timed_out)
            break;
        /* One more look after a time-out: a frame may have come with it. */
        timed_out = pthread_cond_timedwait(&s->cv, &h->mu, &deadline) == ETIMEDOUT;
    }
    pthread_mutex_unlock(&h->mu);
    return st;
}
