/*
 * Pacing: free places never exceed what the campaign's concurrency and
 * rate leave, and caller numbers are rotated within their own limits.
 */
#include <criterion/criterion.h>

#include "../../../services/scheduler/pacing.h"

Test(pacing, concurrency_limits_the_free_places)
{
    struct pacing_limits l = {.max_concurrent = 5};
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 0}), 5);
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 3}), 2);
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 5}), 0);
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 9}), 0, "never negative");
}

Test(pacing, rate_per_minute_limits_the_free_places)
{
    struct pacing_limits l = {.max_concurrent = 50, .max_per_minute = 10};
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 0, .started_last_minute = 4}), 6);
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 0, .started_last_minute = 10}), 0);
    l.max_per_minute = 0;
    cr_expect_eq(pacing_slots(&l, &(struct pacing_usage){.live = 0, .started_last_minute = 999}),
                 50, "0 per minute is unlimited");
}

Test(pacing, simulated_dispatch_never_exceeds_the_limits)
{
    /* A minute-by-minute simulation: calls last 90 s, dispatch every 5 s. */
    struct pacing_limits l = {.max_concurrent = 7, .max_per_minute = 12};
    int started_at[10000];
    int n = 0;
    for (int t = 0; t < 3600; t += 5) {
        struct pacing_usage u = {0};
        for (int i = 0; i < n; i++) {
            if (t - started_at[i] < 90)
                u.live++;
            if (t - started_at[i] < 60)
                u.started_last_minute++;
        }
        int k = pacing_slots(&l, &u);
        for (int i = 0; i < k; i++)
            started_at[n++] = t;
        cr_assert_leq(u.live + k, l.max_concurrent, "at %d s", t);
        cr_assert_leq(u.started_last_minute + k, l.max_per_minute, "at %d s", t);
    }
    cr_expect_gt(n, 0);
}

Test(pacing, numbers_rotate_within_their_limits)
{
    struct pacing_line lines[3] = {
        {.live = 0, .limit = 1}, {.live = 0, .limit = 0}, {.live = 2, .limit = 2}};
    size_t cursor = 0;
    cr_expect_eq(pacing_pick_line(lines, 3, &cursor), 0);
    cr_expect_eq(pacing_pick_line(lines, 3, &cursor), 1);
    /* Line 2 is full, line 0 reached its limit: line 1 (unlimited) again. */
    cr_expect_eq(pacing_pick_line(lines, 3, &cursor), 1);
    cr_expect_eq(lines[0].live, 1);
    cr_expect_eq(lines[1].live, 2);
    cr_expect_eq(lines[2].live, 2);

    struct pacing_line full[2] = {{.live = 1, .limit = 1}, {.live = 3, .limit = 3}};
    cr_expect_eq(pacing_pick_line(full, 2, &cursor), -1);
    cr_expect_eq(pacing_pick_line(full, 0, &cursor), -1);
}
