/*
 * Wall-clock time in a named time zone. Civil dates and times ("the 29th
 * of March at 02:30 in Europe/Madrid") become instants and back through
 * ICU's calendar, which knows every zone's rules and their changes (the
 * day the clocks go forward has no 02:30; ICU moves such a time forward by
 * the gap, as people do). Calendar arithmetic that does not depend on a
 * zone (weekdays, month lengths, adding days) is plain C here too. No I/O
 * beyond ICU's own time-zone data.
 */
#ifndef ANALYZER_LOCAL_TIME_H
#define ANALYZER_LOCAL_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "oc/status.h"

/* A civil date and time: month 1-12, day 1-31, hour 0-23. */
struct civil {
    int year, month, day, hour, minute;
};

struct local_zone;

/**
 * Opens the zone named by its IANA id ("Europe/Madrid"). Returns
 * OC_ERR_INVALID for a zone ICU does not know. Caller frees with
 * local_zone_free. A zone is used by one thread at a time.
 */
enum oc_status local_zone_new(struct local_zone **out, const char *tz_id);

void local_zone_free(struct local_zone *z);

/** The zone's canonical id, borrowed for the zone's lifetime. */
const char *local_zone_id(const struct local_zone *z);

/** The instant (Unix ms) of a wall-clock time in the zone. */
int64_t local_zone_to_ms(struct local_zone *z, const struct civil *c);

/** The wall-clock time in the zone of an instant. */
struct civil local_zone_from_ms(struct local_zone *z, int64_t ms);

/** Adds whole calendar days to a civil date (any sign), keeping the time of day. */
struct civil civil_add_days(struct civil c, int days);

/** Adds calendar months, keeping the day when the month has it, else its last day. */
struct civil civil_add_months(struct civil c, int months);

/** ISO weekday of a date: Monday 1 .. Sunday 7. */
int civil_weekday(const struct civil *c);

int civil_days_in_month(int year, int month);

bool civil_is_leap(int year);

/** Days since 1970-01-01 of a date (negative before). */
int64_t civil_days(int year, int month, int day);

/** Compares dates and times: <0, 0, >0. */
int civil_cmp(const struct civil *a, const struct civil *b);

/** Formats "YYYY-MM-DDTHH:MM:00" into buf (at least 20 bytes). */
void civil_format(const struct civil *c, char *buf, unsigned long len);

/** Parses "YYYY-MM-DDTHH:MM[:SS]" or "YYYY-MM-DD" (time 00:00). */
bool civil_parse(const char *s, struct civil *out);

#endif
