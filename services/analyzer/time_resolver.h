/*
 * The time resolver: finds the times people name in Spanish and English
 * ("el viernes a las tres", "mañana por la tarde", "in 10 days", "3pm",
 * "a finales de mes", "not Friday, Monday") and resolves each to an
 * instant and an interval in the contact's time zone, relative to the
 * call's start. It reports what was said; which mention becomes the
 * follow-up, and the delay a vague "later" gets, are outcome_rules.c's
 * decisions. No I/O.
 *
 * Conventions (docs in services/analyzer/README.md):
 *   - a weekday alone is its next occurrence after today ("el viernes" said
 *     on a Friday is a week later); "this Friday" may be today; English
 *     "next Friday" is next week's when this week's Friday is still ahead;
 *   - a clock time without a date is today when still ahead, else the next
 *     day; hours 1-7 without am/pm are afternoon hours, 8-11 morning ones;
 *   - parts of the day are windows: morning 9-14 (es) / 9-12 (en),
 *     afternoon 16-20 (es) / 13-17 (en), evening 20-22 (es) / 18-21 (en);
 *   - a month-day date that passed less than two months ago is a past
 *     reference; one that passed longer ago is next year's.
 */
#ifndef ANALYZER_TIME_RESOLVER_H
#define ANALYZER_TIME_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "local_time.h"
#include "tokens.h"

/* Numbered as ocpb.TimeGrain. */
enum grain {
    GRAIN_NONE = 0,
    GRAIN_MINUTE = 1,
    GRAIN_HOUR = 2,
    GRAIN_PART_OF_DAY = 3,
    GRAIN_DAY = 4,
    GRAIN_WEEK = 5,
    GRAIN_MONTH = 6,
};

/* What kind of mention it was, for the follow-up rules. */
enum time_kind {
    TIME_EXPLICIT = 0, /* a date, a time or both ("el viernes a las tres") */
    TIME_NEXT_WEEK,    /* "next week": the rules call a week later */
    TIME_FEW_DAYS,     /* "in a couple of days": a window of two to three days */
    TIME_LATER,        /* "later", "otro día": nothing more said */
    TIME_WHILE,        /* "in a while", "en un rato" */
};

struct time_ref {
    int64_t at_ms;    /* the start: the instant, or where the interval begins */
    int64_t start_ms; /* the interval [start, end) the mention covers */
    int64_t end_ms;
    enum grain grain;
    enum time_kind kind;
    bool window;       /* a range was asked for (part of day, "between", "after five") */
    bool clock;        /* a time of day or part of day was named */
    bool dated;        /* a day was named or implied ("el viernes", "in 3 days") */
    bool negated;      /* "not Friday", "el viernes no puedo" */
    bool past;         /* "ayer", "last Monday": before the call */
    size_t begin, end; /* tokens it came from */
};

struct time_context {
    struct local_zone *zone; /* borrowed */
    int64_t now_ms;          /* the call's start */
    enum lang lang;
};

/**
 * Finds every time mentioned in tokens [begin, end), in order, writing at
 * most max of them. Returns how many were written.
 */
size_t time_resolver_scan(const struct time_context *ctx, const struct tokens *tk, size_t begin,
                          size_t end, struct time_ref *out, size_t max);

/**
 * Resolves a whole expression as the `when` command does: the last mention
 * that is not negated or past wins ("not Friday, Monday" is Monday).
 * Returns false when the text names no time.
 */
bool time_resolver_resolve(const struct time_context *ctx, const struct tokens *tk,
                           struct time_ref *out);

/** "minute", "hour", "part_of_day", "day", "week", "month" ("" for none). */
const char *time_resolver_grain_name(enum grain g);

#endif
