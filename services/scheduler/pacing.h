/*
 * Pacing, without I/O: how many calls of a campaign may start now, and
 * which caller number each one uses. A campaign limits its calls in flight
 * (queued, calling or in progress) and its call starts per minute; each
 * caller number limits its own calls in flight, across every campaign that
 * uses it. The dispatcher counts what is in flight under a lock held for
 * the campaign and asks here for the rest, so no two dispatchers can both
 * take the last free place.
 */
#ifndef SCHEDULER_PACING_H
#define SCHEDULER_PACING_H

#include <stddef.h>

struct pacing_limits {
    int max_concurrent; /* calls in flight; at least 1 */
    int max_per_minute; /* starts in any 60 s; 0: unlimited */
};

struct pacing_usage {
    int live;                /* calls in flight now */
    int started_last_minute; /* calls started in the last 60 s */
};

/* One caller number of a campaign. */
struct pacing_line {
    int live;  /* its calls in flight, every campaign counted */
    int limit; /* calls in flight it allows; 0: unlimited */
};

/** How many calls may start now (never negative). */
int pacing_slots(const struct pacing_limits *limits, const struct pacing_usage *usage);

/**
 * Picks the caller number for the next call, round robin from *cursor over
 * the numbers with room left, and counts the call against it. Returns its
 * index (and moves *cursor past it), or -1 when every number is full.
 */
int pacing_pick_line(struct pacing_line *lines, size_t n, size_t *cursor);

#endif
