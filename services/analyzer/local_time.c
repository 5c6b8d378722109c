/*
 * Wall-clock time in a named zone (see local_time.h). Only this file
 * speaks to ICU; a struct local_zone is one UCalendar with the zone set,
 * reused for every conversion of one analysis. Civil arithmetic uses the
 * days-from-civil algorithm of the proleptic Gregorian calendar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "local_time.h"

struct local_zone {
    UCalendar *cal;
    char id[64];
};

enum oc_status local_zone_new(struct local_zone **out, const char *tz_id)
{
    UChar uid[64], canon[64];
    UErrorCode err = U_ZERO_ERROR;
    UBool system = 0;

    if (!tz_id || !*tz_id || strlen(tz_id) >= 64)
        return OC_ERR_INVALID;
    u_uastrcpy(uid, tz_id);
    /* An unknown id would silently become "Etc/Unknown" (UTC) in ucal_open. */
    int32_t n = ucal_getCanonicalTimeZoneID(uid, -1, canon, 64, &system, &err);
    if (U_FAILURE(err) || n <= 0 || !system)
        return OC_ERR_INVALID;
    struct local_zone *z = calloc(1, sizeof(*z));
    if (!z)
        return OC_ERR_NOMEM;
    z->cal = ucal_open(uid, -1, "en_US_POSIX", UCAL_GREGORIAN, &err);
    if (U_FAILURE(err) || !z->cal) {
        free(z);
        return OC_ERR_INVALID;
    }
    snprintf(z->id, sizeof(z->id), "%s", tz_id);
    *out = z;
    return OC_OK;
}

void local_zone_free(struct local_zone *z)
{
    if (!z)
        return;
    ucal_close(z->cal);
    free(z);
}

const char *local_zone_id(const struct local_zone *z)
{
    return z->id;
}

int64_t local_zone_to_ms(struct local_zone *z, const struct civil *c)
{
    UErrorCode err = U_ZERO_ERROR;
    ucal_clear(z->cal);
    ucal_setDateTime(z->cal, c->year, c->month - 1, c->day, c->hour, c->minute, 0, &err);
    UDate d = ucal_getMillis(z->cal, &err);
    return (int64_t)d;
}

struct civil local_zone_from_ms(struct local_zone *z, int64_t ms)
{
    UErrorCode err = U_ZERO_ERROR;
    struct civil c;
    ucal_setMillis(z->cal, (UDate)ms, &err);
    c.year = ucal_get(z->cal, UCAL_YEAR, &err);
    c.month = ucal_get(z->cal, UCAL_MONTH, &err) + 1;
    c.day = ucal_get(z->cal, UCAL_DATE, &err);
    c.hour = ucal_get(z->cal, UCAL_HOUR_OF_DAY, &err);
    c.minute = ucal_get(z->cal, UCAL_MINUTE, &err);
    return c;
}

/* ------------------------------------------------------------ civil arithmetic */

bool civil_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int civil_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 30;
    return m == 2 && civil_is_leap(y) ? 29 : days[m - 1];
}

int64_t civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The date of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

struct civil civil_add_days(struct civil c, int days)
{
    civil_from_days(civil_days(c.year, c.month, c.day) + days, &c.year, &c.month, &c.day);
    return c;
}

struct civil civil_add_months(struct civil c, int months)
{
    int idx = c.year * 12 + (c.month - 1) + months;
    c.year = idx / 12;
    c.month = idx % 12 + 1;
    int dim = civil_days_in_month(c.year, c.month);
    if (c.day > dim)
        c.day = dim;
    return c;
}

int civil_weekday(const struct civil *c)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    int64_t days = civil_days(c->year, c->month, c->day);
    int64_t w = ((days % 7) + 7 + 3) % 7; /* Monday 0 */
    return (int)w + 1;
}

int civil_cmp(const struct civil *a, const struct civil *b)
{
    const int av[5] = {a->year, a->month, a->day, a->hour, a->minute};
    const int bv[5] = {b->year, b->month, b->day, b->hour, b->minute};
    for (int i = 0; i < 5; i++)
        if (av[i] != bv[i])
            return av[i] < bv[i] ? -1 : 1;
    return 0;
}

void civil_format(const struct civil *c, char *buf, unsigned long len)
{
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:00", c->year, c->month, c->day, c->hour,
             c->minute);
}

bool civil_parse(const char *s, struct civil *out)
{
    struct civil c = {0};
    int sec = 0, used = 0;
    if (!s)
        return false;
    if (sscanf(s, "%4d-%2d-%2d%n", &c.year, &c.month, &c.day, &used) != 3 || used != 10)
        return false;
    if (s[10] == 'T' || s[10] == ' ') {
        int u2 = 0;
        if (sscanf(s + 11, "%2d:%2d%n", &c.hour, &c.minute, &u2) != 2 || u2 != 5)
            return false;
        const char *rest = s + 16;
        if (*rest == ':') {
            if (sscanf(rest + 1, "%2d", &sec) != 1)
                return false;
            rest += 3;
            if (*rest == '.')
                for (rest++; *rest >= '0' && *rest <= '9'; rest++)
                    ;
        }
        if (*rest)
            return false;
    } else if (s[10]) {
        return false;
    }
    if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > civil_days_in_month(c.year, c.month) ||
        c.hour > 23 || c.minute > 59 || sec > 59)
        return false;
    *out = c;
    return true;
}
