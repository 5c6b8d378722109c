/*
 * Speech-to-text with pocketsphinx. One struct stt is one decoder (the
 * acoustic model, the language model and the dictionary, about 100 MB) and
 * serves one thread at a time; speech.c keeps one per speech thread.
 * Telephone audio (8 kHz) is resampled to 16 kHz, the only rate the en-us
 * model knows, and decoded as one utterance. Offline and weak on open
 * speech: the text it gives is a hint, not a record.
 */
#ifndef MEDIA_STT_H
#define MEDIA_STT_H

#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

struct stt;

/** Loads the model from the three paths. Caller frees with stt_free. */
enum oc_status stt_new(struct stt **out, const char *hmm, const char *lm, const char *dict);

/** NULL does nothing. */
void stt_free(struct stt *s);

/**
 * Decodes n samples of 8 kHz audio. On OC_OK *text (malloc'd, caller
 * frees; "" when nothing was recognised) and *confidence (0..1, the
 * posterior probability of the hypothesis; 0 when unknown).
 */
enum oc_status stt_recognize(struct stt *s, const int16_t *pcm8k, size_t n, char **text,
                             float *confidence);

#endif
