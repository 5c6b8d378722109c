/*
 * Text-to-speech with espeak-ng, resampled to telephone audio. espeak-ng
 * synthesises at its own rate (22050 Hz) and keeps its state in globals, so
 * the library is initialised once per process and every synthesis holds one
 * lock; a synthesis runs far faster than real time (about 100x), so the
 * lock is never held long. The result is 8 kHz 16-bit mono, resampled with
 * the speexdsp resampler.
 */
#ifndef MEDIA_TTS_H
#define MEDIA_TTS_H

#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

#define TTS_RATE_HZ 8000

/** Initialises espeak-ng once for the process; later calls do nothing. */
enum oc_status tts_init(void);

/**
 * Speaks text with voice (an espeak-ng voice name such as "en-us" or "es";
 * NULL or unknown: "en") at words_per_minute. On OC_OK *pcm holds *n
 * samples at TTS_RATE_HZ; the caller frees it with free(). Thread-safe.
 */
enum oc_status tts_synthesize(const char *text, const char *voice, int words_per_minute,
                              int16_t **pcm, size_t *n);

#endif
