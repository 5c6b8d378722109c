/*
 * The sliding-window arithmetic behind login brute-force protection. The
 * failures themselves live in Postgres (so every gateway copy sees the same
 * ones, on the database's clock); this file only decides, from their times,
 * whether one more attempt may go ahead and how long to wait if not. Pure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

/* Newest first. */
static int rate_limit_cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x < y) - (x > y);
}

long gw_rate_limit_retry_after(const struct gw_rate_limit *rl, const double *failures, size_t n,
                               double now)
{
    /* The store passes at most max_failures times, which config.c caps at
     * 1000; any beyond this buffer would only be older duplicates of the
     * decision already reached. */
    double recent[1024];
    size_t k = 0;
    double wait;

    if (rl->max_failures <= 0)
        return 0;
    for (size_t i = 0; i < n && k < sizeof(recent) / sizeof(recent[0]); i++) {
        if (failures[i] > now - (double)rl->window_s)
            recent[k++] = failures[i];
    }
    if ((long)k < rl->max_failures)
        return 0;

    /* Attempts resume once the max_failures-th newest failure leaves the
     * window: from then on fewer than max_failures remain in it. */
    qsort(recent, k, sizeof(recent[0]), rate_limit_cmp_desc);
    wait = recent[rl->max_failures - 1] + (double)rl->window_s - now;
    if (wait < 1.0)
        return 1;
    return (long)ceil(wait);
}
