/*
 * Calling windows: the next allowed slot in the contact's zone across
 * daylight-saving changes (Europe/Madrid, America/New_York,
 * Australia/Lord_Howe's half hour) and in a zone that dropped them
 * (America/Mexico_City), ranges that cross midnight, holidays for everyone
 * or for one country, the legal window that can only be narrowed, and the
 * command line's window syntax.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "../../../services/scheduler/calling_window.h"

/* Milliseconds of a UTC time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

/* Milliseconds of a wall-clock time in tz. */
static int64_t local(const char *tz, int y, int mo, int d, int h, int mi)
{
    struct calling_local l = {.year = y, .month = mo, .day = d, .hour = h, .minute = mi};
    int64_t ms = 0;
    cr_assert_eq(calling_window_from_local(tz, &l, &ms), OC_OK, "%s", tz);
    return ms;
}

static struct calling_schedule window(const char *spec)
{
    struct calling_schedule s;
    char err[128] = "";
    calling_schedule_init(&s);
    if (spec)
        cr_assert_eq(calling_window_parse(spec, &s, err, sizeof(err)), OC_OK, "%s", err);
    cr_assert_eq(calling_schedule_check(&s, err, sizeof(err)), OC_OK, "%s", err);
    return s;
}

static struct calling_slot next(const struct calling_schedule *s, const char *tz,
                                const char *country, int64_t now)
{
    struct calling_slot slot = {0};
    char err[128] = "";
    cr_assert_eq(calling_window_next_slot(s, tz, country, now, &slot, err, sizeof(err)), OC_OK,
                 "%s", err);
    return slot;
}

#define WEEKDAYS "mon-fri 09:00-14:00,16:00-19:00"

Test(calling_window, madrid_friday_evening_moves_to_monday_after_dst_starts)
{
    /* Summer time starts on Sunday 2026-03-29: Friday is +01:00, Monday +02:00. */
    struct calling_schedule s = window(WEEKDAYS);
    int64_t now = local("Europe/Madrid", 2026, 3, 27, 20, 30);
    cr_expect_eq(now, utc(2026, 3, 27, 19, 30));
    struct calling_slot slot = next(&s, "Europe/Madrid", "ES", now);
    cr_expect_eq(slot.start_ms, utc(2026, 3, 30, 7, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 3, 30, 12, 0));
}

Test(calling_window, madrid_holiday_skips_to_the_next_working_day)
{
    struct calling_exception easter = {0};
    cr_assert_eq(calling_window_parse_date("2026-03-30", &easter.from_day), OC_OK);
    easter.to_day = easter.from_day;
    struct calling_schedule s = window(WEEKDAYS);
    s.exceptions = &easter;
    s.n_exceptions = 1;
    struct calling_slot slot =
        next(&s, "Europe/Madrid", "ES", local("Europe/Madrid", 2026, 3, 27, 20, 30));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 31, 7, 0));
}

Test(calling_window, madrid_autumn_change_keeps_local_hours)
{
    /* Summer time ends on Sunday 2026-10-25. */
    struct calling_schedule s = window(WEEKDAYS);
    struct calling_slot slot =
        next(&s, "Europe/Madrid", NULL, local("Europe/Madrid", 2026, 10, 23, 19, 30));
    cr_expect_eq(slot.start_ms, utc(2026, 10, 26, 8, 0));
    /* In the afternoon gap of a working day: the 16:00 range. */
    slot = next(&s, "Europe/Madrid", NULL, local("Europe/Madrid", 2026, 10, 26, 14, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 10, 26, 15, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 10, 26, 18, 0));
}

Test(calling_window, inside_a_range_the_slot_is_now)
{
    struct calling_schedule s = window(WEEKDAYS);
    int64_t now = local("Europe/Madrid", 2026, 3, 31, 10, 17) + 4321;
    struct calling_slot slot = next(&s, "Europe/Madrid", "ES", now);
    cr_expect_eq(slot.start_ms, now);
    cr_expect_eq(slot.end_ms, utc(2026, 3, 31, 12, 0));
}

Test(calling_window, new_york_across_both_changes)
{
    struct calling_schedule s = window("daily 09:00-17:00");
    /* Summer time starts on Sunday 2026-03-08. */
    struct calling_slot slot =
        next(&s, "America/New_York", "US", local("America/New_York", 2026, 3, 7, 18, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 8, 13, 0));
    /* And ends on Sunday 2026-11-01. */
    slot = next(&s, "America/New_York", "US", local("America/New_York", 2026, 10, 31, 18, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 11, 1, 14, 0));
}

Test(calling_window, mexico_city_has_no_summer_time_any_more)
{
    /* Mexico dropped daylight-saving time in 2022; the first Sunday of
     * April used to start it. A stale tz database gets these wrong. */
    struct calling_schedule s = window("daily 09:00-17:00");
    struct calling_slot slot = next(&s, "America/Mexico_City", "MX", utc(2026, 4, 5, 0, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 4, 5, 15, 0));
    slot = next(&s, "America/Mexico_City", "MX", utc(2026, 6, 15, 12, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 6, 15, 15, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 6, 15, 23, 0));
}

Test(calling_window, lord_howe_half_hour_shift)
{
    /* Lord Howe Island: +11:00 in summer, +10:30 in winter; summer time
     * ends on Sunday 2026-04-05 and starts on Sunday 2026-10-04. */
    struct calling_schedule s = window("daily 09:00-17:00");
    struct calling_slot slot =
        next(&s, "Australia/Lord_Howe", "AU", local("Australia/Lord_Howe", 2026, 4, 4, 20, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 4, 4, 22, 30));
    slot = next(&s, "Australia/Lord_Howe", "AU", local("Australia/Lord_Howe", 2026, 4, 3, 20, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 4, 3, 22, 0));
    slot = next(&s, "Australia/Lord_Howe", "AU", local("Australia/Lord_Howe", 2026, 10, 3, 18, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 10, 3, 22, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 10, 4, 6, 0));
}

Test(calling_window, skipped_and_repeated_local_times)
{
    /* 02:30 does not exist on 2026-03-29 in Madrid: the first instant
     * after the change (03:00 +02:00). */
    cr_expect_eq(local("Europe/Madrid", 2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 0));
    /* 02:30 happens twice on 2026-10-25: the first of the two (+02:00). */
    cr_expect_eq(local("Europe/Madrid", 2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30));
    /* Lord Howe skips 02:00-02:30 on 2026-10-04. */
    cr_expect_eq(local("Australia/Lord_Howe", 2026, 10, 4, 2, 15), utc(2026, 10, 3, 15, 30));
}

Test(calling_window, range_crossing_midnight_continues_next_morning)
{
    /* Monday 20:00 to Tuesday 09:00, cut to the legal 08:00-21:00: Monday
     * 20:00-21:00 and Tuesday 08:00-09:00, although Tuesday is not listed. */
    struct calling_schedule s = window("mon 20:00-09:00");
    struct calling_slot slot = next(&s, "UTC", NULL, utc(2026, 3, 2, 12, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 2, 20, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 3, 2, 21, 0));
    slot = next(&s, "UTC", NULL, utc(2026, 3, 2, 21, 30));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 3, 8, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 3, 3, 9, 0));
    slot = next(&s, "UTC", NULL, utc(2026, 3, 3, 8, 30));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 3, 8, 30));
    slot = next(&s, "UTC", NULL, utc(2026, 3, 3, 9, 30));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 9, 20, 0));
}

Test(calling_window, holiday_blocks_the_tail_of_yesterdays_range)
{
    struct calling_exception tuesday = {0};
    cr_assert_eq(calling_window_parse_date("2026-03-03", &tuesday.from_day), OC_OK);
    tuesday.to_day = tuesday.from_day;
    struct calling_schedule s = window("mon 20:00-09:00");
    s.exceptions = &tuesday;
    s.n_exceptions = 1;
    struct calling_slot slot = next(&s, "UTC", NULL, utc(2026, 3, 2, 21, 30));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 9, 20, 0));
}

Test(calling_window, country_holiday_applies_only_to_that_country)
{
    struct calling_exception ex = {.country = "MX"};
    cr_assert_eq(calling_window_parse_date("2026-09-16", &ex.from_day), OC_OK);
    ex.to_day = ex.from_day;
    struct calling_schedule s = window("daily 09:00-17:00");
    s.exceptions = &ex;
    s.n_exceptions = 1;
    int64_t now = local("America/Mexico_City", 2026, 9, 16, 8, 0);
    struct calling_slot mx = next(&s, "America/Mexico_City", "MX", now);
    struct calling_slot es = next(&s, "America/Mexico_City", "ES", now);
    cr_expect_eq(mx.start_ms, local("America/Mexico_City", 2026, 9, 17, 9, 0));
    cr_expect_eq(es.start_ms, local("America/Mexico_City", 2026, 9, 16, 9, 0));
}

Test(calling_window, holiday_range_spans_several_days)
{
    struct calling_exception ex = {0};
    cr_assert_eq(calling_window_parse_date("2026-08-01", &ex.from_day), OC_OK);
    cr_assert_eq(calling_window_parse_date("2026-08-31", &ex.to_day), OC_OK);
    struct calling_schedule s = window(WEEKDAYS);
    s.exceptions = &ex;
    s.n_exceptions = 1;
    struct calling_slot slot =
        next(&s, "Europe/Madrid", "ES", local("Europe/Madrid", 2026, 7, 31, 19, 30));
    /* 2026-09-01 is a Tuesday. */
    cr_expect_eq(slot.start_ms, local("Europe/Madrid", 2026, 9, 1, 9, 0));
}

Test(calling_window, legal_window_is_only_narrowed)
{
    struct calling_schedule s = window("daily 06:00-23:30");
    cr_expect_eq(s.legal_start, 480);
    cr_expect_eq(s.legal_end, 1260);
    struct calling_slot slot = next(&s, "UTC", NULL, utc(2026, 5, 4, 7, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 5, 4, 8, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 5, 4, 21, 0));
    slot = next(&s, "UTC", NULL, utc(2026, 5, 4, 21, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 5, 5, 8, 0));

    /* Asking for a wider legal window changes nothing; a narrower one counts. */
    struct calling_schedule w = window(NULL);
    char err[128];
    w.legal_start = 7 * 60;
    w.legal_end = 22 * 60;
    cr_assert_eq(calling_schedule_check(&w, err, sizeof(err)), OC_OK);
    cr_expect_eq(w.legal_start, 480);
    cr_expect_eq(w.legal_end, 1260);
    w.legal_start = 10 * 60;
    w.legal_end = 18 * 60;
    cr_assert_eq(calling_schedule_check(&w, err, sizeof(err)), OC_OK);
    slot = next(&w, "UTC", NULL, utc(2026, 5, 4, 9, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 5, 4, 10, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 5, 4, 18, 0));
}

Test(calling_window, empty_schedule_means_the_legal_window_every_day)
{
    struct calling_schedule s = window(NULL);
    /* A Sunday. */
    struct calling_slot slot = next(&s, "Europe/Madrid", NULL, utc(2026, 3, 29, 4, 0));
    cr_expect_eq(slot.start_ms, utc(2026, 3, 29, 6, 0));
    cr_expect_eq(slot.end_ms, utc(2026, 3, 29, 19, 0));
}

Test(calling_window, no_slot_within_the_horizon)
{
    struct calling_exception ex = {0};
    cr_assert_eq(calling_window_parse_date("2026-01-01", &ex.from_day), OC_OK);
    cr_assert_eq(calling_window_parse_date("2028-12-31", &ex.to_day), OC_OK);
    struct calling_schedule s = window(WEEKDAYS);
    s.exceptions = &ex;
    s.n_exceptions = 1;
    struct calling_slot slot = {42, 42};
    char err[128] = "";
    cr_expect_eq(
        calling_window_next_slot(&s, "UTC", NULL, utc(2026, 3, 2, 0, 0), &slot, err, sizeof(err)),
        OC_ERR_NOT_FOUND);
    cr_expect_eq(slot.start_ms, 42, "out-parameter written on failure");
    cr_expect_neq(err[0], '\0');
}

Test(calling_window, unknown_zone_is_refused)
{
    struct calling_schedule s = window(NULL);
    struct calling_slot slot;
    char err[128] = "";
    cr_expect_eq(
        calling_window_next_slot(&s, "Mars/Olympus_Mons", NULL, 0, &slot, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_expect(strstr(err, "Mars/Olympus_Mons") != NULL, "%s", err);
    cr_expect_not(calling_window_tz_valid("+02:00"), "offsets are not zones");
    cr_expect_not(calling_window_tz_valid("../etc/passwd"));
    cr_expect_not(calling_window_tz_valid(""));
    cr_expect(calling_window_tz_valid("UTC"));
    cr_expect(calling_window_tz_valid("America/Argentina/Buenos_Aires"));
}

Test(calling_window, far_future_follows_the_zone_rules)
{
    /* Past the transitions listed in the tz files, the zone's rule string applies. */
    struct calling_schedule s = window("daily 09:00-17:00");
    struct calling_slot slot = next(&s, "Europe/Madrid", NULL, utc(2045, 7, 3, 0, 0));
    cr_expect_eq(slot.start_ms, utc(2045, 7, 3, 7, 0));
    slot = next(&s, "Europe/Madrid", NULL, utc(2045, 1, 3, 0, 0));
    cr_expect_eq(slot.start_ms, utc(2045, 1, 3, 8, 0));
}

Test(calling_window, parses_the_command_line_syntax)
{
    struct calling_schedule s;
    char err[128] = "";
    calling_schedule_init(&s);
    cr_assert_eq(calling_window_parse(WEEKDAYS "; sat 10:00-13:00", &s, err, sizeof(err)), OC_OK,
                 "%s", err);
    cr_assert_eq(s.n_ranges, 3);
    unsigned mon_fri = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5);
    cr_expect_eq(s.ranges[0].days, mon_fri);
    cr_expect_eq(s.ranges[0].start_minute, 540);
    cr_expect_eq(s.ranges[0].end_minute, 840);
    cr_expect_eq(s.ranges[1].start_minute, 960);
    cr_expect_eq(s.ranges[2].days, 1u << 6);

    cr_assert_eq(calling_window_parse("fri-mon 10:00-12:00", &s, err, sizeof(err)), OC_OK);
    cr_expect_eq(s.ranges[0].days, (1u << 5) | (1u << 6) | (1u << 7) | (1u << 1));
    cr_assert_eq(calling_window_parse("09:00-17:00", &s, err, sizeof(err)), OC_OK);
    cr_expect_eq(s.ranges[0].days, 0xFEu);

    cr_expect_eq(calling_window_parse("mon-xyz 09:00-10:00", &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "mon-xyz") != NULL, "%s", err);
    cr_expect_eq(calling_window_parse("mon 9-10", &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect_eq(calling_window_parse("mon 09:00-25:00", &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect_eq(calling_window_parse("", &s, err, sizeof(err)), OC_ERR_INVALID);
}

Test(calling_window, dates_and_times_parse_strictly)
{
    int32_t day;
    char out[11];
    cr_expect_eq(calling_window_parse_date("2024-02-29", &day), OC_OK);
    calling_window_format_date(day, out);
    cr_expect_str_eq(out, "2024-02-29");
    cr_expect_eq(calling_window_parse_date("2026-02-29", &day), OC_ERR_INVALID);
    cr_expect_eq(calling_window_parse_date("2026-13-01", &day), OC_ERR_INVALID);
    cr_expect_eq(calling_window_parse_date("2026-1-01", &day), OC_ERR_INVALID);
    cr_assert_eq(calling_window_parse_date("1970-01-01", &day), OC_OK);
    cr_expect_eq(day, 0);

    int m;
    cr_expect_eq(calling_window_parse_hhmm("24:00", &m), OC_OK);
    cr_expect_eq(m, 1440);
    cr_expect_eq(calling_window_parse_hhmm("24:01", &m), OC_ERR_INVALID);
    cr_expect_eq(calling_window_parse_hhmm("9:00", &m), OC_ERR_INVALID);
    char hhmm[6];
    calling_window_format_hhmm(16 * 60 + 5, hhmm);
    cr_expect_str_eq(hhmm, "16:05");
}

Test(calling_window, local_time_of_an_instant)
{
    struct calling_local l;
    cr_assert_eq(calling_window_to_local("Australia/Lord_Howe", utc(2026, 7, 1, 0, 0), &l), OC_OK);
    cr_expect_eq(l.offset_s, 37800);
    cr_expect_eq(l.hour, 10);
    cr_expect_eq(l.minute, 30);
    cr_expect_eq(l.weekday, 3, "2026-07-01 is a Wednesday");
}
