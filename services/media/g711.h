/*
 * G.711 companding (ITU-T G.711): 16-bit linear PCM to and from 8-bit
 * mu-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8), the
 * two codecs every SIP trunk speaks. Pure functions, no state, no I/O: the
 * media tier, the sandbox carrier and the unit tests share them.
 */
#ifndef MEDIA_G711_H
#define MEDIA_G711_H

#include <stddef.h>
#include <stdint.h>

enum g711_law {
    G711_ULAW,
    G711_ALAW,
};

/** Static RTP payload types (RFC 3551). */
#define G711_PT_PCMU 0
#define G711_PT_PCMA 8

uint8_t g711_ulaw_encode(int16_t pcm);
int16_t g711_ulaw_decode(uint8_t code);
uint8_t g711_alaw_encode(int16_t pcm);
int16_t g711_alaw_decode(uint8_t code);

/** Encodes n samples of pcm into n bytes of out. */
void g711_encode(enum g711_law law, const int16_t *pcm, size_t n, uint8_t *out);

/** Decodes n bytes of in into n samples of out. */
void g711_decode(enum g711_law law, const uint8_t *in, size_t n, int16_t *out);

/** The code of a zero sample (0xFF mu-law, 0xD5 A-law): what silence is sent as. */
uint8_t g711_silence(enum g711_law law);

#endif
