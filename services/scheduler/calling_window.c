/*
 * Calling windows (see calling_window.h). The search walks local calendar
 * days from today: for each day that is not an exception it lays out the
 * allowed pieces of that day in minutes (the ranges that start on it, the
 * tails of yesterday's ranges that cross midnight, each cut to the legal
 * window), merges them, and turns their bounds into instants with the
 * zone's rules. The first piece that has not ended yet gives the slot.
 *
 * Why GLib and not ICU: ICU carries its own copy of the tz database, and
 * the one packaged with Debian 12 (ICU 72, tz 2022e) still puts
 * America/Mexico_City on daylight time in 2026. GTimeZone reads the
 * system's /usr/share/zoneinfo, which the distribution keeps current.
 *
 * A local time that a daylight-saving change skips means the first instant
 * after the change; one that happens twice means its first occurrence. The
 * choice is made from the offsets themselves rather than from the zones'
 * daylight flags, which some zones (Europe/Dublin) set the other way round.
 */
#include "calling_window.h"

#include <ctype.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400
#define ALL_DAYS 0xFEu /* bits 1..7 */

/* ---------------------------------------------------------------- calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based years,
 * so the leap day falls at the end of the year). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* ISO weekday (1 Monday .. 7 Sunday); 1970-01-01 was a Thursday. */
static int weekday(int32_t day)
{
    return (int)(((day % 7) + 7 + 3) % 7) + 1;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && leap(y)) ? 29 : n[m - 1];
}

enum oc_status calling_window_parse_date(const char *text, int32_t *day)
{
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return OC_ERR_INVALID;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
            return OC_ERR_INVALID;
    int y = atoi(text), m = atoi(text + 5), d = atoi(text + 8);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return OC_ERR_INVALID;
    *day = days_from_civil(y, m, d);
    return OC_OK;
}

void calling_window_format_date(int32_t day, char out[11])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    /* The modulos only tell the compiler the widths; the values fit already. */
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

enum oc_status calling_window_parse_hhmm(const char *text, int *minutes)
{
    if (!text || strlen(text) != 5 || text[2] != ':' || !isdigit((unsigned char)text[0]) ||
        !isdigit((unsigned char)text[1]) || !isdigit((unsigned char)text[3]) ||
        !isdigit((unsigned char)text[4]))
        return OC_ERR_INVALID;
    int h = (text[0] - '0') * 10 + (text[1] - '0');
    int m = (text[3] - '0') * 10 + (text[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return OC_ERR_INVALID;
    *minutes = h * 60 + m;
    return OC_OK;
}

void calling_window_format_hhmm(int minutes, char out[6])
{
    if (minutes < 0)
        minutes = 0;
    if (minutes > 1440)
        minutes = 1440;
    snprintf(out, 6, "%02d:%02d", minutes / 60, minutes % 60);
}

/* ---------------------------------------------------------------- zones */

/*
 * Opens a zone of the tz database. GLib also takes offsets ("+02:00") and
 * POSIX strings as identifiers; a contact's zone must be a named zone, so
 * those are refused here. GLib caches zones, so opening one per call is
 * cheap. Caller unrefs.
 */
static GTimeZone *zone_open(const char *tz)
{
    if (!tz || !*tz || strlen(tz) > 64)
        return NULL;
    if (!isalpha((unsigned char)tz[0]))
        return NULL;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
            return NULL;
    if (strstr(tz, ".."))
        return NULL;
    return g_time_zone_new_identifier(tz);
}

bool calling_window_tz_valid(const char *tz)
{
    GTimeZone *z = zone_open(tz);
    if (!z)
        return false;
    g_time_zone_unref(z);
    return true;
}

static int offset_at(GTimeZone *z, int64_t utc_s)
{
    return g_time_zone_get_offset(z, g_time_zone_find_interval(z, G_TIME_TYPE_UNIVERSAL, utc_s));
}

/*
 * The instant of local time local_s (seconds since 1970-01-01 on the local
 * calendar). The offsets in force a day before and a day after give every
 * candidate: a candidate counts when the zone's offset at it is its own.
 */
static int64_t local_to_utc(GTimeZone *z, int64_t local_s)
{
    int before = offset_at(z, local_s - DAY_S);
    int after = offset_at(z, local_s + DAY_S);
    int64_t best = INT64_MAX;
    const int offs[2] = {before, after};
    for (int i = 0; i < 2; i++) {
        int64_t t = local_s - offs[i];
        if (offset_at(z, t) == offs[i] && t < best)
            best = t;
    }
    if (best != INT64_MAX)
        return best;
    /* Skipped by a change from `before` to a larger `after`: the change
     * happened in (local_s - after, local_s - before]; find its instant. */
    int64_t lo = local_s - after, hi = local_s - before;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (offset_at(z, mid) == before)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

enum oc_status calling_window_to_local(const char *tz, int64_t ms, struct calling_local *out)
{
    GTimeZone *z = zone_open(tz);
    if (!z)
        return OC_ERR_INVALID;
    int64_t s = floor_div(ms, 1000);
    int off = offset_at(z, s);
    g_time_zone_unref(z);
    int64_t local = s + off;
    int32_t day = (int32_t)floor_div(local, DAY_S);
    int64_t sec = local - (int64_t)day * DAY_S;
    struct calling_local r;
    civil_from_days(day, &r.year, &r.month, &r.day);
    r.hour = (int)(sec / 3600);
    r.minute = (int)(sec % 3600 / 60);
    r.second = (int)(sec % 60);
    r.weekday = weekday(day);
    r.offset_s = off;
    *out = r;
    return OC_OK;
}

enum oc_status calling_window_from_local(const char *tz, const struct calling_local *in,
                                         int64_t *ms)
{
    if (in->month < 1 || in->month > 12 || in->day < 1 ||
        in->day > month_days(in->year, in->month) || in->hour < 0 || in->hour > 24 ||
        in->minute < 0 || in->minute > 59 || in->second < 0 || in->second > 59)
        return OC_ERR_INVALID;
    GTimeZone *z = zone_open(tz);
    if (!z)
        return OC_ERR_INVALID;
    int64_t local = (int64_t)days_from_civil(in->year, in->month, in->day) * DAY_S +
                    in->hour * 3600 + in->minute * 60 + in->second;
    *ms = local_to_utc(z, local) * 1000;
    g_time_zone_unref(z);
    return OC_OK;
}

/* ---------------------------------------------------------------- schedules */

void calling_schedule_init(struct calling_schedule *s)
{
    memset(s, 0, sizeof(*s));
    s->legal_start = CALLING_LEGAL_START;
    s->legal_end = CALLING_LEGAL_END;
}

enum oc_status calling_schedule_check(struct calling_schedule *s, char *err, size_t errlen)
{
    char a[6], b[6];
    if (s->n_ranges > CALLING_WINDOW_MAX_RANGES) {
        snprintf(err, errlen, "more than %d calling ranges", CALLING_WINDOW_MAX_RANGES);
        return OC_ERR_INVALID;
    }
    /* The legal window is only ever narrowed. */
    if (s->legal_start < CALLING_LEGAL_START)
        s->legal_start = CALLING_LEGAL_START;
    if (s->legal_end <= 0 || s->legal_end > CALLING_LEGAL_END)
        s->legal_end = CALLING_LEGAL_END;
    if (s->legal_start >= s->legal_end) {
        calling_window_format_hhmm(s->legal_start, a);
        calling_window_format_hhmm(s->legal_end, b);
        snprintf(err, errlen, "the legal window %s-%s is empty", a, b);
        return OC_ERR_INVALID;
    }
    for (size_t i = 0; i < s->n_ranges; i++) {
        const struct calling_range *r = &s->ranges[i];
        if (r->days == 0 || (r->days & ~ALL_DAYS) != 0) {
            snprintf(err, errlen, "calling range %zu has no valid weekday", i + 1);
            return OC_ERR_INVALID;
        }
        if (r->start_minute < 0 || r->start_minute > 1439 || r->end_minute < 1 ||
            r->end_minute > 1440) {
            snprintf(err, errlen, "calling range %zu: times must lie within 00:00-24:00", i + 1);
            return OC_ERR_INVALID;
        }
    }
    for (size_t i = 0; i < s->n_exceptions; i++) {
        if (s->exceptions[i].to_day < s->exceptions[i].from_day) {
            snprintf(err, errlen, "exception %zu ends before it starts", i + 1);
            return OC_ERR_INVALID;
        }
    }
    return OC_OK;
}

static bool excepted(const struct calling_schedule *s, int32_t day, const char *country)
{
    for (size_t i = 0; i < s->n_exceptions; i++) {
        const struct calling_exception *e = &s->exceptions[i];
        if (day < e->from_day || day > e->to_day)
            continue;
        if (!e->country[0] || (country && strcasecmp(country, e->country) == 0))
            return true;
    }
    return false;
}

struct piece {
    int start, end; /* minutes of one local day, start < end */
};

static int piece_cmp(const void *a, const void *b)
{
    const struct piece *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static void add_piece(struct piece *p, size_t *n, int start, int end, int lo, int hi)
{
    if (start < lo)
        start = lo;
    if (end > hi)
        end = hi;
    if (start < end)
        p[(*n)++] = (struct piece){start, end};
}

/* The allowed pieces of local day `day`, sorted and merged. */
static size_t day_pieces(const struct calling_schedule *s, int32_t day, struct piece *p)
{
    size_t n = 0;
    int lo = s->legal_start, hi = s->legal_end;
    if (s->n_ranges == 0) {
        add_piece(p, &n, lo, hi, lo, hi);
        return n;
    }
    unsigned today = 1u << weekday(day), yesterday = 1u << weekday(day - 1);
    for (size_t i = 0; i < s->n_ranges; i++) {
        const struct calling_range *r = &s->ranges[i];
        bool crosses = r->end_minute <= r->start_minute;
        if (r->days & today)
            add_piece(p, &n, r->start_minute, crosses ? 1440 : r->end_minute, lo, hi);
        if (crosses && (r->days & yesterday))
            add_piece(p, &n, 0, r->end_minute, lo, hi);
    }
    qsort(p, n, sizeof(*p), piece_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && p[i].start <= p[m - 1].end) {
            if (p[i].end > p[m - 1].end)
                p[m - 1].end = p[i].end;
        } else {
            p[m++] = p[i];
        }
    }
    return m;
}

enum oc_status calling_window_next_slot(const struct calling_schedule *s, const char *tz,
                                        const char *country, int64_t now_ms,
                                        struct calling_slot *out, char *err, size_t errlen)
{
    struct piece pieces[2 * CALLING_WINDOW_MAX_RANGES + 1];
    if (s->n_ranges > CALLING_WINDOW_MAX_RANGES) {
        snprintf(err, errlen, "more than %d calling ranges", CALLING_WINDOW_MAX_RANGES);
        return OC_ERR_INVALID;
    }
    GTimeZone *z = zone_open(tz);
    if (!z) {
        snprintf(err, errlen, "unknown time zone \"%s\"", tz ? tz : "");
        return OC_ERR_INVALID;
    }
    int64_t now_s = floor_div(now_ms, 1000);
    int32_t today = (int32_t)floor_div(now_s + offset_at(z, now_s), DAY_S);
    enum oc_status st = OC_ERR_NOT_FOUND;
    for (int32_t day = today; day <= today + CALLING_WINDOW_HORIZON_DAYS; day++) {
        if (excepted(s, day, country))
            continue;
        size_t n = day_pieces(s, day, pieces);
        for (size_t i = 0; i < n; i++) {
            int64_t base = (int64_t)day * DAY_S;
            int64_t start_ms = local_to_utc(z, base + pieces[i].start * 60) * 1000;
            int64_t end_ms = local_to_utc(z, base + pieces[i].end * 60) * 1000;
            /* A piece inside an hour the clocks skip has no instants. */
            if (end_ms <= now_ms || end_ms <= start_ms)
                continue;
            out->start_ms = start_ms > now_ms ? start_ms : now_ms;
            out->end_ms = end_ms;
            st = OC_OK;
            goto out;
        }
    }
    snprintf(err, errlen, "the schedule allows no call within %d days",
             CALLING_WINDOW_HORIZON_DAYS);
out:
    g_time_zone_unref(z);
    return st;
}

/* ---------------------------------------------------------------- the command-line syntax */

static int day_index(const char *name, size_t len)
{
    static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    static const char *const long_names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                             "friday", "saturday", "sunday"};
    for (int i = 0; i < 7; i++) {
        if ((len == 3 && strncasecmp(name, names[i], 3) == 0) ||
            (len == strlen(long_names[i]) && strncasecmp(name, long_names[i], len) == 0))
            return i + 1;
    }
    return 0;
}

/* "mon-fri,sun" -> bit set; 0 when it does not parse. */
static unsigned parse_days(const char *text, size_t len)
{
    if ((len == 5 && strncasecmp(text, "daily", 5) == 0) || (len == 1 && text[0] == '*'))
        return ALL_DAYS;
    unsigned days = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *item_end = comma ? comma : end;
        const char *dash = memchr(p, '-', (size_t)(item_end - p));
        int a = day_index(p, (size_t)((dash ? dash : item_end) - p));
        int b = dash ? day_index(dash + 1, (size_t)(item_end - dash - 1)) : a;
        if (!a || !b)
            return 0;
        /* "fri-mon" wraps over the weekend. */
        for (int d = a;; d = d % 7 + 1) {
            days |= 1u << d;
            if (d == b)
                break;
        }
        p = comma ? comma + 1 : end;
    }
    return days;
}

enum oc_status calling_window_parse(const char *spec, struct calling_schedule *s, char *err,
                                    size_t errlen)
{
    char buf[1024];
    if (!spec || strlen(spec) >= sizeof(buf)) {
        snprintf(err, errlen, "the window is empty or too long");
        return OC_ERR_INVALID;
    }
    snprintf(buf, sizeof(buf), "%s", spec);
    s->n_ranges = 0;
    char *save = NULL;
    for (char *group = strtok_r(buf, ";", &save); group; group = strtok_r(NULL, ";", &save)) {
        while (isspace((unsigned char)*group))
            group++;
        if (!*group)
            continue;
        /* "<days> <ranges>"; a group of ranges alone means every day. */
        unsigned days = ALL_DAYS;
        char *times = group;
        char *sp = group + strcspn(group, " \t");
        if (!strchr(group, ':') || sp < strchr(group, ':')) {
            days = parse_days(group, (size_t)(sp - group));
            if (!days) {
                snprintf(err, errlen, "\"%.*s\" is not a list of weekdays (mon-fri, sat,sun)",
                         (int)(sp - group), group);
                return OC_ERR_INVALID;
            }
            times = sp;
        }
        char *tsave = NULL;
        for (char *r = strtok_r(times, ",", &tsave); r; r = strtok_r(NULL, ",", &tsave)) {
            while (isspace((unsigned char)*r))
                r++;
            char *e = r + strlen(r);
            while (e > r && isspace((unsigned char)e[-1]))
                *--e = '\0';
            char from[6] = "", to[6] = "";
            int a, b;
            if (strlen(r) == 11 && r[5] == '-') {
                memcpy(from, r, 5);
                memcpy(to, r + 6, 5);
            }
            if (calling_window_parse_hhmm(from, &a) != OC_OK ||
                calling_window_parse_hhmm(to, &b) != OC_OK || a > 1439 || b < 1) {
                snprintf(err, errlen, "\"%s\" is not a range HH:MM-HH:MM", r);
                return OC_ERR_INVALID;
            }
            if (s->n_ranges == CALLING_WINDOW_MAX_RANGES) {
                snprintf(err, errlen, "more than %d ranges", CALLING_WINDOW_MAX_RANGES);
                return OC_ERR_INVALID;
            }
            s->ranges[s->n_ranges++] = (struct calling_range){days, a, b};
        }
    }
    if (s->n_ranges == 0) {
        snprintf(err, errlen, "the window names no time range");
        return OC_ERR_INVALID;
    }
    return OC_OK;
}
