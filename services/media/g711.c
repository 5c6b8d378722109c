/*
 * G.711 written from the recommendation's segment tables. mu-law adds a
 * bias of 132 so that every magnitude has a leading one in bits 7..14; the
 * position of that bit is the segment and the four bits after it the
 * mantissa. A-law keeps the 13-bit magnitude, with a linear first segment,
 * and inverts the even bits (xor 0x55) on the wire. Decoding returns the
 * middle of each quantisation step, so encode(decode(c)) == c.
 */
#include "g711.h"

#define ULAW_BIAS 132
#define ULAW_CLIP 32635

uint8_t g711_ulaw_encode(int16_t pcm)
{
    int v = pcm;
    int sign = 0;

    if (v < 0) {
        sign = 0x80;
        v = -v;
    }
    if (v > ULAW_CLIP)
        v = ULAW_CLIP;
    v += ULAW_BIAS;

    /* The segment is where the leading one sits, from bit 7 (segment 0) to
     * bit 14 (segment 7); the bias guarantees it is at least bit 7. */
    int segment = 0;
    for (int bits = v >> 8; bits != 0; bits >>= 1)
        segment++;
    int mantissa = (v >> (segment + 3)) & 0x0F;
    return (uint8_t) ~(sign | (segment << 4) | mantissa);
}

int16_t g711_ulaw_decode(uint8_t code)
{
    int u = (uint8_t)~code;
    int segment = (u >> 4) & 0x07;
    int mantissa = u & 0x0F;
    int v = (((mantissa << 3) + ULAW_BIAS) << segment) - ULAW_BIAS;
    return (int16_t)((u & 0x80) ? -v : v);
}

uint8_t g711_alaw_encode(int16_t pcm)
{
    /* One's complement for negative values, as the recommendation does, so
     * that -32768 fits and the two signs are symmetric. */
    int magnitude = pcm < 0 ? (~(int)pcm) >> 4 : (int)pcm >> 4;
    int code;

    if (magnitude < 16) {
        code = magnitude;
    } else {
        int segment = 1;
        while (magnitude > 31) {
            magnitude >>= 1;
            segment++;
        }
        code = (segment << 4) | (magnitude - 16);
    }
    if (pcm >= 0)
        code |= 0x80;
    return (uint8_t)(code ^ 0x55);
}

int16_t g711_alaw_decode(uint8_t code)
{
    int a = code ^ 0x55;
    int segment = (a >> 4) & 0x07;
    int mantissa = a & 0x0F;
    int v;

    if (segment == 0)
        v = (mantissa << 4) + 8;
    else
        v = ((mantissa << 4) + 0x108) << (segment - 1);
    return (int16_t)((a & 0x80) ? v : -v);
}

void g711_encode(enum g711_law law, const int16_t *pcm, size_t n, uint8_t *out)
{
    if (law == G711_ULAW) {
        for (size_t i = 0; i < n; i++)
            out[i] = g711_ulaw_encode(pcm[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = g711_alaw_encode(pcm[i]);
    }
}

void g711_decode(enum g711_law law, const uint8_t *in, size_t n, int16_t *out)
{
    if (law == G711_ULAW) {
        for (size_t i = 0; i < n; i++)
            out[i] = g711_ulaw_decode(in[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = g711_alaw_decode(in[i]);
    }
}

uint8_t g711_silence(enum g711_law law)
{
    return law == G711_ULAW ? 0xFF : 0xD5;
}
