/*
 * When a contact may be called, without I/O: weekday ranges in the
 * contact's local time (a range whose end is not after its start crosses
 * midnight and ends the next day), exception dates (holidays, vacations;
 * for everyone or for contacts of one country), and the outer legal window
 * (08:00-21:00 local time of the called party), which a campaign can only
 * narrow. calling_window_next_slot() answers "the first allowed instant at
 * or after now" and how long that stretch lasts; the dispatcher, the
 * handlers and the `scheduler next-slot` command all use it.
 *
 * Local time comes from the system's tz database through GLib's
 * GTimeZone, so daylight-saving changes, zones that dropped them
 * (America/Mexico_City since 2022) and half-hour shifts
 * (Australia/Lord_Howe) follow the data, never hand-written offsets.
 */
#ifndef SCHEDULER_CALLING_WINDOW_H
#define SCHEDULER_CALLING_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

#define CALLING_WINDOW_MAX_RANGES 32
/* The legal window's default bounds, in minutes after local midnight. */
#define CALLING_LEGAL_START 480
#define CALLING_LEGAL_END 1260
/* How far next_slot looks before it gives up. */
#define CALLING_WINDOW_HORIZON_DAYS 400

/* One range: days is a bit set of ISO weekdays (bit 1 Monday .. bit 7 Sunday). */
struct calling_range {
    unsigned days;
    int start_minute; /* 0..1439 */
    int end_minute;   /* 1..1440; <= start_minute: ends the next day */
};

/* Dates on which no call starts, as days since 1970-01-01 in the contact's calendar. */
struct calling_exception {
    int32_t from_day;
    int32_t to_day;  /* inclusive */
    char country[3]; /* ISO 3166-1 alpha-2; "": every contact */
};

struct calling_schedule {
    struct calling_range ranges[CALLING_WINDOW_MAX_RANGES];
    size_t n_ranges;                            /* 0: the legal window every day */
    const struct calling_exception *exceptions; /* borrowed from the caller */
    size_t n_exceptions;
    int legal_start; /* minutes; 0 or less than 08:00: 08:00 */
    int legal_end;   /* minutes; 0 or more than 21:00: 21:00 */
};

/* A stretch of allowed time: calls may start in [start_ms, end_ms). */
struct calling_slot {
    int64_t start_ms;
    int64_t end_ms;
};

/* A wall-clock time in some zone. */
struct calling_local {
    int year, month, day; /* month 1..12 */
    int hour, minute, second;
    int weekday;  /* ISO: 1 Monday .. 7 Sunday; output only */
    int offset_s; /* from UTC; output only */
};

/** An empty schedule: the legal window every day. */
void calling_schedule_init(struct calling_schedule *s);

/**
 * Checks a schedule and clamps its legal window into 08:00-21:00 (a value
 * outside it is narrowed to it, never refused). OC_ERR_INVALID with the
 * reason in err for a range or date that makes no sense.
 */
enum oc_status calling_schedule_check(struct calling_schedule *s, char *err, size_t errlen);

/** True when tz names a zone of the tz database ("Europe/Madrid", "UTC"). */
bool calling_window_tz_valid(const char *tz);

/**
 * The first allowed instant at or after now_ms for a contact in zone tz
 * and country (may be NULL or ""; then only exceptions for everyone
 * apply), and the end of that allowed stretch. *out is written only on
 * OC_OK. OC_ERR_INVALID for an unknown zone; OC_ERR_NOT_FOUND when nothing
 * is allowed within CALLING_WINDOW_HORIZON_DAYS.
 */
enum oc_status calling_window_next_slot(const struct calling_schedule *s, const char *tz,
                                        const char *country, int64_t now_ms,
                                        struct calling_slot *out, char *err, size_t errlen);

/**
 * Parses the command line's window syntax into s (its ranges only):
 * groups separated by ';', each "<days> <ranges>", days as "mon-fri",
 * "sat,sun", "fri-mon" or "daily", ranges as "09:00-14:00,16:00-19:00"
 * ("22:00-02:00" crosses midnight). OC_ERR_INVALID with the reason in err.
 */
enum oc_status calling_window_parse(const char *spec, struct calling_schedule *s, char *err,
                                    size_t errlen);

/** Parses "HH:MM" (00:00..24:00) into minutes after midnight. */
enum oc_status calling_window_parse_hhmm(const char *text, int *minutes);

/** Writes minutes after midnight as "HH:MM" (out holds 6 bytes). */
void calling_window_format_hhmm(int minutes, char out[6]);

/** Parses a calendar date "YYYY-MM-DD" into days since 1970-01-01. */
enum oc_status calling_window_parse_date(const char *text, int32_t *day);

/** Writes days since 1970-01-01 as "YYYY-MM-DD" (out holds 11 bytes). */
void calling_window_format_date(int32_t day, char out[11]);

/** The wall-clock time of instant ms in zone tz. OC_ERR_INVALID for an unknown zone. */
enum oc_status calling_window_to_local(const char *tz, int64_t ms, struct calling_local *out);

/**
 * The instant of a wall-clock time in zone tz. A time skipped by a
 * daylight-saving change means the first instant after the change; a time
 * that happens twice means the first of the two.
 */
enum oc_status calling_window_from_local(const char *tz, const struct calling_local *in,
                                         int64_t *ms);

#endif
