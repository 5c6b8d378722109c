/*
 * The speech thread pool; see speech.h. Two FIFOs under one mutex, and a
 * thread always takes text-to-speech first: those jobs are short (tens of
 * milliseconds) and a new call's greeting waits on them, while a backlog of
 * speech-to-text (the slow engine, when many contacts speak at once) only
 * delays the agent's next line. Jobs are few (a handful per call turn) and
 * long, so the queue itself is never the bottleneck.
 */
#include "speech.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "oc/log.h"
#include "stt.h"
#include "tts.h"

struct speech_thread {
    struct speech_pool *pool;
    pthread_t thread;
    bool started;
    struct stt *stt;
};

struct speech_queue {
    struct speech_job *head;
    struct speech_job *tail;
};

struct speech_pool {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct speech_queue queues[2]; /* [SPEECH_TTS], [SPEECH_STT] */
    size_t backlog;
    bool stopping;
    bool stt_enabled;
    struct speech_thread *threads;
    size_t n_threads;
};

struct speech_job *speech_job_new_tts(const char *text, const char *voice, int words_per_minute)
{
    struct speech_job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->kind = SPEECH_TTS;
    j->text = strdup(text ? text : "");
    j->voice = strdup(voice ? voice : "");
    j->words_per_minute = words_per_minute;
    if (!j->text || !j->voice) {
        speech_job_free(j);
        return NULL;
    }
    return j;
}

struct speech_job *speech_job_new_stt(const int16_t *pcm, size_t n)
{
    struct speech_job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->kind = SPEECH_STT;
    j->pcm = malloc((n ? n : 1) * sizeof(*pcm));
    if (!j->pcm) {
        free(j);
        return NULL;
    }
    memcpy(j->pcm, pcm, n * sizeof(*pcm));
    j->n_pcm = n;
    return j;
}

void speech_job_free(struct speech_job *job)
{
    if (!job)
        return;
    free(job->text);
    free(job->voice);
    free(job->pcm);
    free(job->audio);
    free(job->heard);
    free(job);
}

static void run(struct speech_thread *t, struct speech_job *j)
{
    if (j->kind == SPEECH_TTS) {
        j->status = tts_synthesize(j->text, j->voice, j->words_per_minute, &j->audio, &j->n_audio);
    } else if (!t->stt) {
        j->status = OC_ERR_UNAVAILABLE;
    } else {
        j->status = stt_recognize(t->stt, j->pcm, j->n_pcm, &j->heard, &j->confidence);
    }
}

static void *speech_loop(void *arg)
{
    struct speech_thread *t = arg;
    struct speech_pool *p = t->pool;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->queues[SPEECH_TTS].head && !p->queues[SPEECH_STT].head && !p->stopping)
            pthread_cond_wait(&p->cond, &p->mu);
        if (p->stopping)
            break;
        struct speech_queue *q =
            p->queues[SPEECH_TTS].head ? &p->queues[SPEECH_TTS] : &p->queues[SPEECH_STT];
        struct speech_job *j = q->head;
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        j->next = NULL;
        pthread_mutex_unlock(&p->mu);

        run(t, j);
        j->done(j);

        pthread_mutex_lock(&p->mu);
        p->backlog--;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

enum oc_status speech_pool_new(struct speech_pool **out, const struct speech_config *cfg)
{
    enum oc_status st = tts_init();
    if (st != OC_OK)
        return st;

    struct speech_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->stt_enabled = cfg->stt_enabled;
    p->n_threads = (size_t)(cfg->threads > 0 ? cfg->threads : 1);
    p->threads = calloc(p->n_threads, sizeof(*p->threads));
    if (!p->threads) {
        speech_pool_free(p);
        return OC_ERR_NOMEM;
    }
    for (size_t i = 0; i < p->n_threads; i++) {
        struct speech_thread *t = &p->threads[i];
        t->pool = p;
        if (cfg->stt_enabled) {
            st = stt_new(&t->stt, cfg->hmm, cfg->lm, cfg->dict);
            if (st != OC_OK) {
                speech_pool_free(p);
                return st;
            }
        }
        if (pthread_create(&t->thread, NULL, speech_loop, t) != 0) {
            speech_pool_free(p);
            return OC_ERR_INTERNAL;
        }
        t->started = true;
    }
    oc_info("speech: %zu thread(s), speech-to-text %s", p->n_threads,
            cfg->stt_enabled ? "pocketsphinx" : "off");
    *out = p;
    return OC_OK;
}

void speech_pool_submit(struct speech_pool *p, struct speech_job *job)
{
    struct speech_queue *q = &p->queues[job->kind == SPEECH_TTS ? SPEECH_TTS : SPEECH_STT];
    job->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (q->tail)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    p->backlog++;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

size_t speech_pool_backlog(struct speech_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->backlog;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void speech_pool_free(struct speech_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; p->threads && i < p->n_threads; i++) {
        if (p->threads[i].started)
            pthread_join(p->threads[i].thread, NULL);
        stt_free(p->threads[i].stt);
    }
    for (int k = 0; k < 2; k++) {
        for (struct speech_job *j = p->queues[k].head; j;) {
            struct speech_job *next = j->next;
            speech_job_free(j);
            j = next;
        }
    }
    free(p->threads);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
