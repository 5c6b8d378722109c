/*
 * media's start-up and teardown. The shared runtime (shared/src/service.c)
 * reads the common configuration, connects NATS, serves media.health and
 * media.allocate (queue group "media"), and tears down in reverse on
 * SIGTERM; the hooks below add what is media's own, in this order: the
 * outbox, the speech threads (espeak-ng, one pocketsphinx decoder each),
 * the RTP port pool, the call registry, the workers, and this copy's own
 * subjects media.<instance>.start/.stop. The stop hook ends every live
 * call (reporting the answered ones) and frees all of it in reverse.
 *
 * media has no schema and opens no database, on purpose: a copy holds only
 * its live calls, in memory, so the media tier scales by starting more
 * copies in the media.allocate queue group, and a copy that dies takes only
 * those calls with it (they end as failed and the scheduler retries them).
 * What outlives a call (the transcript, call.ended) leaves over NATS to the
 * services that own it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "oc/streams.h"
#include "outbox.h"
#include "ports.h"
#include "registry.h"
#include "speech.h"
#include "worker.h"

/* How long the stop hook lets live calls end and the outbox empty. */
#define MEDIA_END_CALLS_MS 1000
#define MEDIA_OUTBOX_FLUSH_MS 1000

static void media_on_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    struct media *m = svc->user;
    media_configure(m, cfg);
}

/* svc->instance as one subject token: anything but letters, digits, '-'
 * and '_' (a host name's dots) becomes '_'. */
static void instance_token(struct media *m, const char *instance)
{
    size_t i = 0;
    for (; instance[i] && i < sizeof(m->instance) - 1; i++) {
        char ch = instance[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        m->instance[i] = ok ? ch : '_';
    }
    m->instance[i] = '\0';
    if (strcmp(m->instance, "allocate") == 0 || strcmp(m->instance, "health") == 0 || i == 0)
        snprintf(m->instance, sizeof(m->instance), "copy-%s", i ? instance : "unnamed");
}

static void media_on_stop(struct oc_service *svc);

static enum oc_status media_on_start(struct oc_service *svc)
{
    struct media *m = svc->user;
    const struct media_config *c = &m->cfg;
    enum oc_status st;

    m->svc = svc;
    instance_token(m, svc->instance);
    m->calls_allocated =
        oc_metric_counter("media_calls_allocated_total", NULL, "Media sessions allocated.");
    m->calls_started =
        oc_metric_counter("media_calls_started_total", NULL, "Calls answered and started.");
    m->calls_ended =
        oc_metric_counter("media_calls_ended_total", NULL, "Answered calls ended and reported.");
    m->calls_active =
        oc_metric_gauge("media_calls_active", NULL, "Sessions held now, allocated or running.");
    m->frames_late = oc_metric_counter("media_frames_skipped_total", NULL,
                                       "Frames skipped because a worker woke up too late.");

    /* calls.ended goes to stream CALLS. */
    st = oc_streams_ensure(svc->bus, OC_STREAM_CALLS);
    if (st != OC_OK)
        return st;

    st = outbox_new(&m->outbox, svc->bus);
    if (st != OC_OK)
        goto fail;
    const struct speech_config sc = {.threads = (int)c->speech_threads,
                                     .stt_enabled = c->stt_enabled,
                                     .hmm = c->stt_hmm,
                                     .lm = c->stt_lm,
                                     .dict = c->stt_dict};
    st = speech_pool_new(&m->speech, &sc);
    if (st != OC_OK)
        goto fail;
    st = port_pool_new(&m->ports, c->rtp_addr, (int)c->rtp_port_min, (int)c->rtp_port_max);
    if (st != OC_OK)
        goto fail;
    st = registry_new(&m->registry);
    if (st != OC_OK)
        goto fail;
    m->workers = calloc((size_t)c->workers, sizeof(*m->workers));
    if (!m->workers) {
        st = OC_ERR_NOMEM;
        goto fail;
    }
    for (long i = 0; i < c->workers; i++) {
        st = worker_new(&m->workers[i], m, (unsigned)i);
        if (st != OC_OK)
            goto fail;
        m->n_workers++;
        st = worker_run(m->workers[i]);
        if (st != OC_OK)
            goto fail;
    }
    st = media_serve_instance(m);
    if (st != OC_OK)
        goto fail;
    oc_info("media: instance %s, rtp %s:%ld-%ld (advertised as %s), %zu worker(s)", m->instance,
            c->rtp_addr, c->rtp_port_min, c->rtp_port_max, c->rtp_advertise, m->n_workers);
    return OC_OK;

fail:
    media_on_stop(svc);
    return st;
}

static bool workers_idle(struct media *m)
{
    for (size_t i = 0; i < m->n_workers; i++)
        if (worker_calls(m->workers[i]) > 0)
            return false;
    return true;
}

static void media_on_stop(struct oc_service *svc)
{
    struct media *m = svc->user;

    atomic_store(&m->stopping, true);
    for (int waited = 0; atomic_load(&m->busy) > 0 && waited < 1000; waited++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    /* Live calls end now: answered ones are reported and hung up. */
    for (size_t i = 0; i < m->n_workers; i++)
        worker_end_all(m->workers[i]);
    for (int waited = 0; waited < MEDIA_END_CALLS_MS && !workers_idle(m); waited += 20) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < m->n_workers; i++)
        worker_join(m->workers[i]);
    /* The speech threads may still hand finished jobs to the (stopped)
     * workers; worker_free frees those. */
    speech_pool_free(m->speech);
    m->speech = NULL;
    for (size_t i = 0; i < m->n_workers; i++)
        worker_free(m->workers[i]);
    free(m->workers);
    m->workers = NULL;
    m->n_workers = 0;
    registry_free(m->registry);
    m->registry = NULL;
    port_pool_free(m->ports);
    m->ports = NULL;
    outbox_free(m->outbox, MEDIA_OUTBOX_FLUSH_MS);
    m->outbox = NULL;
}

int main(int argc, char **argv)
{
    static struct media state;
    struct oc_service_def def = {
        .name = "media",
        .schema = NULL,
        .default_admin_port = 9106,
        .configure = media_on_configure,
        .start = media_on_start,
        .stop = media_on_stop,
        .user = &state,
    };
    def.handlers = media_handlers;
    def.n_handlers = media_n_handlers;
    return oc_service_main(&def, argc, argv);
}
