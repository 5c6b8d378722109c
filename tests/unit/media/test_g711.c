/*
 * G.711: the reference points of the recommendation (zero, full scale,
 * silence codes), exact round trips of every code, bounded quantisation
 * error and monotonic companding for every 16-bit sample.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "../../../services/media/g711.h"

Test(g711, zero_encodes_to_the_silence_codes)
{
    cr_assert_eq(g711_ulaw_encode(0), 0xFF);
    cr_assert_eq(g711_alaw_encode(0), 0xD5);
    cr_assert_eq(g711_silence(G711_ULAW), 0xFF);
    cr_assert_eq(g711_silence(G711_ALAW), 0xD5);
    cr_assert_eq(g711_ulaw_decode(0xFF), 0);
}

Test(g711, full_scale_reaches_the_last_segment)
{
    cr_assert_eq(g711_ulaw_encode(32767), 0x80);
    cr_assert_eq(g711_ulaw_encode(-32768), 0x00);
    cr_assert_eq(g711_ulaw_decode(0x80), 32124);
    cr_assert_eq(g711_ulaw_decode(0x00), -32124);
    cr_assert_eq(g711_alaw_encode(32767), 0xAA);
    cr_assert_eq(g711_alaw_encode(-32768), 0x2A);
    cr_assert_eq(g711_alaw_decode(0xAA), 32256);
    cr_assert_eq(g711_alaw_decode(0x2A), -32256);
}

Test(g711, every_ulaw_code_survives_a_round_trip)
{
    for (int c = 0; c < 256; c++) {
        if (c == 0x7F)
            continue; /* negative zero: encodes back as positive zero, 0xFF */
        cr_assert_eq(g711_ulaw_encode(g711_ulaw_decode((uint8_t)c)), c, "code 0x%02X", c);
    }
    cr_assert_eq(g711_ulaw_encode(g711_ulaw_decode(0x7F)), 0xFF);
}

Test(g711, every_alaw_code_survives_a_round_trip)
{
    for (int c = 0; c < 256; c++)
        cr_assert_eq(g711_alaw_encode(g711_alaw_decode((uint8_t)c)), c, "code 0x%02X", c);
}

/* The step of a segment is 2^(segment+3) for mu-law and at most 2^(seg+4)
 * for A-law in 16-bit units; half a step is the most a sample may move. */
Test(g711, quantisation_error_stays_within_half_a_step)
{
    for (int x = -32768; x <= 32767; x++) {
        int u = g711_ulaw_decode(g711_ulaw_encode((int16_t)x));
        int a = g711_alaw_decode(g711_alaw_encode((int16_t)x));
        int mag = abs(x);
        /* Relative error of a logarithmic code is bounded by ~1/32 above the
         * linear first segment, and by the first segment's step below it. */
        int ubound = mag < 256 ? 8 : mag / 16 + 1;
        int abound = mag < 512 ? 16 : mag / 16 + 1;
        if (mag > 32124) {
            ubound = mag - 32124 + 1024; /* clipping at the top of the last segment */
            abound = mag - 32256 + 1024;
        }
        cr_assert_leq(abs(u - x), ubound, "mu-law %d -> %d", x, u);
        cr_assert_leq(abs(a - x), abound, "A-law %d -> %d", x, a);
    }
}

Test(g711, companding_is_monotonic)
{
    int prev_u = g711_ulaw_decode(g711_ulaw_encode(-32768));
    int prev_a = g711_alaw_decode(g711_alaw_encode(-32768));
    for (int x = -32767; x <= 32767; x++) {
        int u = g711_ulaw_decode(g711_ulaw_encode((int16_t)x));
        int a = g711_alaw_decode(g711_alaw_encode((int16_t)x));
        cr_assert_geq(u, prev_u, "mu-law not monotonic at %d", x);
        cr_assert_geq(a, prev_a, "A-law not monotonic at %d", x);
        prev_u = u;
        prev_a = a;
    }
}

Test(g711, buffers_match_the_sample_functions)
{
    int16_t pcm[160];
    uint8_t u[160], a[160];
    int16_t back[160];

    for (int i = 0; i < 160; i++)
        pcm[i] = (int16_t)((i - 80) * 400);
    g711_encode(G711_ULAW, pcm, 160, u);
    g711_encode(G711_ALAW, pcm, 160, a);
    for (int i = 0; i < 160; i++) {
        cr_assert_eq(u[i], g711_ulaw_encode(pcm[i]));
        cr_assert_eq(a[i], g711_alaw_encode(pcm[i]));
    }
    g711_decode(G711_ALAW, a, 160, back);
    for (int i = 0; i < 160; i++)
        cr_assert_eq(back[i], g711_alaw_decode(a[i]));
}
