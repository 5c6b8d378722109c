/*
 * The speech threads: a small pool that runs the slow engines for every
 * call of the copy, text-to-speech (tts.c) and speech-to-text (stt.c), so
 * that the media workers, which must produce a frame every 20 ms, never
 * wait on one. A job is submitted with a completion callback; the callback
 * runs on the speech thread and normally hands the job back to the worker
 * that owns the call (worker.c), which applies the result on its own
 * thread. Each speech thread owns one pocketsphinx decoder.
 */
#ifndef MEDIA_SPEECH_H
#define MEDIA_SPEECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

enum speech_kind {
    SPEECH_TTS,
    SPEECH_STT,
};

struct speech_job;
typedef void (*speech_done_cb)(struct speech_job *job);

/** One unit of work. Allocated with speech_job_new_*, freed with speech_job_free. */
struct speech_job {
    enum speech_kind kind;
    speech_done_cb done; /* called once, on a speech thread, with the result set */
    void *owner;         /* the worker to hand the job back to */
    uint64_t call;       /* the call's handle (the call may be gone by then) */
    uint64_t tag;        /* TTS: the prompt number; STT: the utterance number */
    int64_t start_ms;    /* STT: when the utterance began and ended, carried */
    int64_t end_ms;      /* through for the transcript */

    /* In. */
    char *text;           /* TTS */
    char *voice;          /* TTS */
    int words_per_minute; /* TTS */
    int16_t *pcm;         /* STT: 8 kHz */
    size_t n_pcm;

    /* Out. */
    enum oc_status status;
    int16_t *audio; /* TTS: 8 kHz, malloc'd; the taker may steal it (set NULL) */
    size_t n_audio;
    char *heard; /* STT: malloc'd text, "" when nothing was recognised */
    float confidence;

    struct speech_job *next;
};

/** A text-to-speech job; text and voice are copied. NULL when out of memory. */
struct speech_job *speech_job_new_tts(const char *text, const char *voice, int words_per_minute);

/** A speech-to-text job; the n samples are copied. NULL when out of memory. */
struct speech_job *speech_job_new_stt(const int16_t *pcm, size_t n);

/** Frees the job and what it holds. NULL does nothing. */
void speech_job_free(struct speech_job *job);

struct speech_config {
    int threads;
    bool stt_enabled; /* false: STT jobs complete at once with OC_ERR_UNAVAILABLE */
    const char *hmm;
    const char *lm;
    const char *dict;
};

struct speech_pool;

/**
 * Initialises espeak-ng, loads one decoder per thread (this takes a
 * moment: it is done at start, never during a call) and starts the
 * threads. Caller frees with speech_pool_free.
 */
enum oc_status speech_pool_new(struct speech_pool **out, const struct speech_config *cfg);

/** Queues job; its done callback is always called later, once. */
void speech_pool_submit(struct speech_pool *p, struct speech_job *job);

/** Jobs waiting or running now. */
size_t speech_pool_backlog(struct speech_pool *p);

/**
 * Stops the threads after the jobs they are running; jobs still queued are
 * freed without their callback. NULL does nothing.
 */
void speech_pool_free(struct speech_pool *p);

#endif
