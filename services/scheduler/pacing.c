/*
 * Pacing (see pacing.h): the free places of a campaign are the smaller of
 * what its concurrency and its rate per minute leave; the caller numbers
 * are rotated so the calls spread over every number with room.
 */
#include "pacing.h"

int pacing_slots(const struct pacing_limits *limits, const struct pacing_usage *usage)
{
    int max = limits->max_concurrent > 0 ? limits->max_concurrent : 1;
    int slots = max - usage->live;
    if (limits->max_per_minute > 0) {
        int rate = limits->max_per_minute - usage->started_last_minute;
        if (rate < slots)
            slots = rate;
    }
    return slots > 0 ? slots : 0;
}

int pacing_pick_line(struct pacing_line *lines, size_t n, size_t *cursor)
{
    if (n == 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        size_t i = (*cursor + k) % n;
        if (lines[i].limit > 0 && lines[i].live >= lines[i].limit)
            continue;
        lines[i].live++;
        *cursor = (i + 1) % n;
        return (int)i;
    }
    return -1;
}
