/*
 * pocketsphinx 5prealpha as Debian ships it; see stt.h. The search is
 * pruned harder than the library's defaults (no flat forward pass, fewer
 * active HMMs and words per frame), which makes decoding about ten times
 * faster than real time on one core instead of slower than real time, for
 * a small loss on what is already a rough hypothesis.
 */
#include "stt.h"

#include <pocketsphinx.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>
#include <string.h>

#include "oc/log.h"

#define STT_MODEL_RATE 16000
#define STT_INPUT_RATE 8000

struct stt {
    cmd_ln_t *config;
    ps_decoder_t *decoder;
};

enum oc_status stt_new(struct stt **out, const char *hmm, const char *lm, const char *dict)
{
    struct stt *s = calloc(1, sizeof(*s));
    if (!s)
        return OC_ERR_NOMEM;
    s->config =
        cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict, "-samprate",
                    "16000", "-logfn", "/dev/null", "-fwdflat", "no", "-bestpath", "yes",
                    "-maxhmmpf", "3000", "-maxwpf", "10", "-pl_window", "10", "-topn", "2", NULL);
    if (!s->config) {
        oc_error("stt: pocketsphinx refused its configuration");
        free(s);
        return OC_ERR_INTERNAL;
    }
    s->decoder = ps_init(s->config);
    if (!s->decoder) {
        oc_error("stt: pocketsphinx cannot load the model from %s, %s, %s", hmm, lm, dict);
        cmd_ln_free_r(s->config);
        free(s);
        return OC_ERR_INTERNAL;
    }
    *out = s;
    return OC_OK;
}

void stt_free(struct stt *s)
{
    if (!s)
        return;
    ps_free(s->decoder);
    cmd_ln_free_r(s->config);
    free(s);
}

enum oc_status stt_recognize(struct stt *s, const int16_t *pcm8k, size_t n, char **text,
                             float *confidence)
{
    int err = 0;
    enum oc_status st = OC_OK;
    int16_t *wide = NULL;
    SpeexResamplerState *r = NULL;

    if (n == 0 || n > 0x7FFFFFFF / 2)
        return OC_ERR_INVALID;
    r = speex_resampler_init(1, STT_INPUT_RATE, STT_MODEL_RATE, SPEEX_RESAMPLER_QUALITY_DEFAULT,
                             &err);
    wide = malloc((2 * n + 64) * sizeof(*wide));
    if (!r || !wide) {
        st = r ? OC_ERR_NOMEM : OC_ERR_INTERNAL;
        goto out;
    }
    spx_uint32_t in_len = (spx_uint32_t)n;
    spx_uint32_t out_len = (spx_uint32_t)(2 * n + 64);
    speex_resampler_process_int(r, 0, pcm8k, &in_len, wide, &out_len);

    if (ps_start_utt(s->decoder) < 0) {
        st = OC_ERR_INTERNAL;
        goto out;
    }
    ps_process_raw(s->decoder, wide, out_len, FALSE, TRUE);
    ps_end_utt(s->decoder);
    int32 score = 0;
    const char *hyp = ps_get_hyp(s->decoder, &score);
    int32 prob = ps_get_prob(s->decoder);
    char *t = strdup(hyp ? hyp : "");
    if (!t) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    float c = (float)logmath_exp(ps_get_logmath(s->decoder), prob);
    *text = t;
    *confidence = (c >= 0.0f && c <= 1.0f && *t) ? c : 0.0f;
out:
    if (r)
        speex_resampler_destroy(r);
    free(wide);
    return st;
}
