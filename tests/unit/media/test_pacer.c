/*
 * Pacing: frames are due on a fixed period from the start, a short stall
 * is caught up in one burst, a long one is skipped beyond the burst, and
 * the deadline never drifts from the start time plus whole periods.
 */
#include <criterion/criterion.h>

#include "../../../services/media/pacer.h"

#define MS PACER_NS_PER_MS

Test(pacer, nothing_is_due_before_the_first_deadline)
{
    struct pacer p;
    unsigned send, skip;
    pacer_init(&p, 1000 * MS, 20 * MS, 5);
    pacer_due(&p, 999 * MS, &send, &skip);
    cr_assert_eq(send, 0);
    cr_assert_eq(skip, 0);
    cr_assert_eq(pacer_next(&p), 1000 * MS);
}

Test(pacer, one_frame_per_period_on_time)
{
    struct pacer p;
    unsigned send, skip;
    pacer_init(&p, 0, 20 * MS, 5);
    for (int i = 0; i < 100; i++) {
        /* Woken a little late every time: still exactly one frame. */
        pacer_due(&p, i * 20 * MS + 300000, &send, &skip);
        cr_assert_eq(send, 1, "tick %d", i);
        cr_assert_eq(skip, 0);
    }
    cr_assert_eq(p.frames, 100);
    cr_assert_eq(pacer_next(&p), 100 * 20 * MS, "no drift after 100 ticks");
}

Test(pacer, a_short_stall_is_caught_up)
{
    struct pacer p;
    unsigned send, skip;
    pacer_init(&p, 0, 20 * MS, 5);
    pacer_due(&p, 0, &send, &skip);
    pacer_due(&p, 61 * MS, &send, &skip); /* frames at 20, 40, 60 */
    cr_assert_eq(send, 3);
    cr_assert_eq(skip, 0);
    cr_assert_eq(pacer_next(&p), 80 * MS);
}

Test(pacer, a_long_stall_is_skipped_beyond_the_burst)
{
    struct pacer p;
    unsigned send, skip;
    pacer_init(&p, 0, 20 * MS, 5);
    pacer_due(&p, 0, &send, &skip);
    pacer_due(&p, 1000 * MS, &send, &skip); /* 50 frames due: 20 .. 1000 */
    cr_assert_eq(send, 5);
    cr_assert_eq(skip, 45);
    cr_assert_eq(p.frames, 51);
    cr_assert_eq(pacer_next(&p), 1020 * MS);
}

Test(pacer, samples_per_frame)
{
    cr_assert_eq(pacer_samples_per_frame(8000, 20), 160);
    cr_assert_eq(pacer_samples_per_frame(16000, 20), 320);
    cr_assert_eq(pacer_samples_per_frame(8000, 30), 240);
}
