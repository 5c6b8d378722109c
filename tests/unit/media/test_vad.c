/*
 * Voice activity detection on synthetic telephone frames: silence and line
 * noise are not speech, a tone burst is, a click is too short to be, a
 * pause between words does not end a turn, and the start and end frames
 * reported are where the speech really was.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "../../../services/media/vad.h"

#define FRAME 160

/* A 20 ms frame of a 300 Hz tone at amplitude amp, plus noise of amplitude
 * noise (a fixed pseudo-random sequence so the test is repeatable). */
static void frame(int16_t *out, double amp, int noise, unsigned *seed)
{
    static double phase;
    for (int i = 0; i < FRAME; i++) {
        double v = amp * sin(phase);
        phase += 2 * M_PI * 300.0 / 8000.0;
        if (noise)
            v += (double)(rand_r(seed) % (2 * noise + 1) - noise);
        out[i] = (int16_t)v;
    }
}

/* Feeds n frames and returns the last event other than NONE (or NONE). */
static enum vad_event feed(struct vad *v, int n, double amp, int noise, unsigned *seed)
{
    int16_t pcm[FRAME];
    enum vad_event last = VAD_NONE;
    for (int i = 0; i < n; i++) {
        frame(pcm, amp, noise, seed);
        enum vad_event e = vad_process(v, pcm, FRAME);
        if (e != VAD_NONE)
            last = e;
    }
    return last;
}

Test(vad, level_of_silence_and_full_scale)
{
    int16_t zero[FRAME] = {0};
    int16_t square[FRAME];
    for (int i = 0; i < FRAME; i++)
        square[i] = (i & 1) ? 32767 : -32767;
    cr_assert_float_eq(vad_level_db(zero, FRAME), -100.0, 1e-9);
    cr_assert_float_eq(vad_level_db(square, FRAME), 0.0, 0.01);
}

Test(vad, silence_and_line_noise_are_not_speech)
{
    struct vad v;
    unsigned seed = 1;
    vad_init(&v, NULL);
    cr_assert_eq(feed(&v, 100, 0, 0, &seed), VAD_NONE);
    /* Noise around -50 dBFS for 10 s. */
    cr_assert_eq(feed(&v, 500, 0, 180, &seed), VAD_NONE);
    cr_assert_not(vad_speaking(&v));
}

Test(vad, a_spoken_burst_starts_and_ends_speech)
{
    struct vad v;
    unsigned seed = 2;
    int16_t pcm[FRAME];
    vad_init(&v, NULL);
    feed(&v, 50, 0, 20, &seed);

    int start_at = -1;
    for (int i = 0; i < 10 && start_at < 0; i++) {
        frame(pcm, 6000, 20, &seed);
        if (vad_process(&v, pcm, FRAME) == VAD_SPEECH_START)
            start_at = i;
    }
    cr_assert_eq(start_at, 2, "speech starts on the third voiced frame");
    cr_assert_eq(v.start_frame, 50, "and is dated back to the first one");
    feed(&v, 47, 6000, 20, &seed); /* 1 s of speech in all */
    cr_assert(vad_speaking(&v));

    int end_at = -1;
    for (int i = 0; i < 60 && end_at < 0; i++) {
        frame(pcm, 0, 20, &seed);
        if (vad_process(&v, pcm, FRAME) == VAD_SPEECH_END)
            end_at = i;
    }
    cr_assert_eq(end_at, 34, "speech ends after 700 ms of quiet");
    cr_assert_eq(v.end_frame, 100, "and is dated back to the first quiet frame");
}

Test(vad, a_click_is_not_speech)
{
    struct vad v;
    unsigned seed = 3;
    vad_init(&v, NULL);
    feed(&v, 20, 0, 0, &seed);
    cr_assert_eq(feed(&v, 2, 20000, 0, &seed), VAD_NONE);
    cr_assert_eq(feed(&v, 20, 0, 0, &seed), VAD_NONE);
    cr_assert_not(vad_speaking(&v));
}

Test(vad, a_pause_between_words_does_not_end_the_turn)
{
    struct vad v;
    unsigned seed = 4;
    vad_init(&v, NULL);
    cr_assert_eq(feed(&v, 20, 5000, 0, &seed), VAD_SPEECH_START);
    cr_assert_eq(feed(&v, 20, 0, 0, &seed), VAD_NONE, "400 ms pause");
    cr_assert_eq(feed(&v, 20, 5000, 0, &seed), VAD_NONE);
    cr_assert(vad_speaking(&v));
    cr_assert_eq(feed(&v, 40, 0, 0, &seed), VAD_SPEECH_END);
}

Test(vad, speech_over_loud_noise_is_still_found)
{
    struct vad v;
    unsigned seed = 5;
    vad_init(&v, NULL);
    /* Noise around -35 dBFS, above the absolute minimum: the first seconds
     * may pass for speech, until the floor has risen to the noise. */
    feed(&v, 300, 0, 1000, &seed);
    cr_assert_not(vad_speaking(&v), "steady noise does not stay speech");
    cr_assert_eq(feed(&v, 300, 0, 1000, &seed), VAD_NONE, "and never starts it again");
    cr_assert_eq(feed(&v, 20, 8000, 1000, &seed), VAD_SPEECH_START);
    cr_assert_eq(feed(&v, 40, 0, 1000, &seed), VAD_SPEECH_END);
}
