/*
 * espeak-ng behind one lock; see tts.h. espeak-ng hands its audio to a
 * callback in chunks, which this file collects into a growing buffer named
 * by the synthesis's user data (no global buffer), then resamples in one
 * pass, flushing the resampler's latency with zeros so that the last
 * syllable is not cut.
 */
#include "tts.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <speex/speex_resampler.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oc/log.h"

static pthread_mutex_t tts_lock = PTHREAD_MUTEX_INITIALIZER;
static int tts_source_rate; /* espeak-ng's output rate, once initialised */

struct tts_buf {
    int16_t *pcm;
    size_t n;
    size_t cap;
    bool failed;
};

static int tts_collect(short *wav, int count, espeak_EVENT *events)
{
    struct tts_buf *b = events ? events->user_data : NULL;
    if (!b || !wav || count <= 0)
        return 0;
    if (b->n + (size_t)count > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 22050;
        while (cap < b->n + (size_t)count)
            cap *= 2;
        int16_t *p = realloc(b->pcm, cap * sizeof(*p));
        if (!p) {
            b->failed = true;
            return 1; /* stops the synthesis */
        }
        b->pcm = p;
        b->cap = cap;
    }
    memcpy(b->pcm + b->n, wav, (size_t)count * sizeof(*wav));
    b->n += (size_t)count;
    return 0;
}

enum oc_status tts_init(void)
{
    enum oc_status st = OC_OK;

    pthread_mutex_lock(&tts_lock);
    if (tts_source_rate == 0) {
        int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
        if (rate <= 0) {
            oc_error("tts: espeak-ng did not initialise (is espeak-ng-data installed?)");
            st = OC_ERR_INTERNAL;
        } else {
            espeak_SetSynthCallback(tts_collect);
            tts_source_rate = rate;
        }
    }
    pthread_mutex_unlock(&tts_lock);
    return st;
}

/* Resamples in to TTS_RATE_HZ. On OC_OK *out (malloc'd) holds *n samples. */
static enum oc_status resample(const int16_t *in, size_t n_in, int rate, int16_t **out,
                               size_t *n_out)
{
    int err = 0;
    SpeexResamplerState *r = speex_resampler_init(1, (spx_uint32_t)rate, TTS_RATE_HZ,
                                                  SPEEX_RESAMPLER_QUALITY_DEFAULT, &err);
    if (!r) {
        oc_error("tts: resampler: %s", speex_resampler_strerror(err));
        return OC_ERR_INTERNAL;
    }
    size_t latency = (size_t)speex_resampler_get_input_latency(r);
    size_t cap = (n_in + latency) * TTS_RATE_HZ / (size_t)rate + 16;
    int16_t *pcm = malloc(cap * sizeof(*pcm));
    int16_t *zeros = calloc(latency ? latency : 1, sizeof(*zeros));
    if (!pcm || !zeros) {
        free(pcm);
        free(zeros);
        speex_resampler_destroy(r);
        return OC_ERR_NOMEM;
    }
    spx_uint32_t in_len = (spx_uint32_t)n_in;
    spx_uint32_t out_len = (spx_uint32_t)cap;
    speex_resampler_process_int(r, 0, in, &in_len, pcm, &out_len);
    size_t n = out_len;
    /* Push the resampler's delay out with silence. */
    in_len = (spx_uint32_t)latency;
    out_len = (spx_uint32_t)(cap - n);
    speex_resampler_process_int(r, 0, zeros, &in_len, pcm + n, &out_len);
    n += out_len;
    speex_resampler_destroy(r);
    free(zeros);
    *out = pcm;
    *n_out = n;
    return OC_OK;
}

enum oc_status tts_synthesize(const char *text, const char *voice, int words_per_minute,
                              int16_t **pcm, size_t *n)
{
    struct tts_buf b = {0};
    enum oc_status st = OC_OK;

    if (!text || !*text)
        return OC_ERR_INVALID;
    pthread_mutex_lock(&tts_lock);
    if (tts_source_rate == 0) {
        pthread_mutex_unlock(&tts_lock);
        return OC_ERR_UNAVAILABLE;
    }
    if (espeak_SetVoiceByName(voice && *voice ? voice : "en") != EE_OK &&
        espeak_SetVoiceByName("en") != EE_OK) {
        pthread_mutex_unlock(&tts_lock);
        oc_error("tts: espeak-ng has neither voice \"%s\" nor \"en\"", voice ? voice : "");
        return OC_ERR_INTERNAL;
    }
    espeak_SetParameter(espeakRATE, words_per_minute, 0);
    espeak_ERROR e =
        espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, &b);
    if (e == EE_OK)
        e = espeak_Synchronize();
    int rate = tts_source_rate;
    pthread_mutex_unlock(&tts_lock);

    if (e != EE_OK || b.failed || b.n == 0) {
        oc_warn("tts: espeak-ng produced no audio (error %d)", (int)e);
        st = b.failed ? OC_ERR_NOMEM : OC_ERR_INTERNAL;
        goto out;
    }
    st = resample(b.pcm, b.n, rate, pcm, n);
out:
    free(b.pcm);
    return st;
}
