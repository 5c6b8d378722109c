/*
 * `scheduler next-slot` (see cli.h): parses the options, builds the same
 * struct calling_schedule the service builds from a campaign, and prints
 * the answer of calling_window_next_slot() as one JSON object:
 *   {"tz":"Europe/Madrid","now":"2026-03-27T20:30:00+01:00","allowed_now":false,
 *    "local":"2026-03-31T09:00:00+02:00","utc":"2026-03-31T07:00:00Z",
 *    "weekday":"tue","unix_ms":...,"until_local":"...","until_utc":"..."}
 */
#include "cli.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calling_window.h"
#include "wire.h"

#define MAX_HOLIDAYS 512

void cli_usage(const char *prog)
{
    printf("usage: %s                 run the service (configured by environment variables)\n"
           "       %s next-slot --tz ZONE [--now YYYY-MM-DDTHH:MM[:SS][Z]]\n"
           "                 [--window 'mon-fri 09:00-14:00,16:00-19:00; sat 10:00-13:00']\n"
           "                 [--holiday YYYY-MM-DD[..YYYY-MM-DD]]... [--legal HH:MM-HH:MM]\n"
           "                 [--country CC]\n"
           "   prints the next allowed call start in the contact's zone, and in UTC, as JSON\n",
           prog, prog);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "scheduler next-slot: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(scheduler --help shows the usage)\n");
    return 2;
}

/* "2026-03-27T20:30[:00]" in zone tz, or with a trailing Z in UTC. */
static bool parse_now(const char *text, const char *tz, int64_t *ms)
{
    char buf[32];
    size_t len = strlen(text);
    bool utc = len > 0 && text[len - 1] == 'Z';
    if (utc)
        len--;
    if ((len != 16 && len != 19) || len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    /* The digits and separators of YYYY-MM-DDTHH:MM:SS, position by position. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < len; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)buf[i]) : buf[i] != shape[i])
            return false;
    struct calling_local l = {
        .year = atoi(buf),
        .month = atoi(buf + 5),
        .day = atoi(buf + 8),
        .hour = atoi(buf + 11),
        .minute = atoi(buf + 14),
        .second = len == 19 ? atoi(buf + 17) : 0,
    };
    if (l.hour > 23)
        return false;
    return calling_window_from_local(utc ? "UTC" : tz, &l, ms) == OC_OK;
}

static void iso(const char *tz, int64_t ms, char *out, size_t len, bool utc)
{
    struct calling_local l;
    if (calling_window_to_local(utc ? "UTC" : tz, ms, &l) != OC_OK) {
        snprintf(out, len, "?");
        return;
    }
    if (utc) {
        snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", l.year, l.month, l.day, l.hour,
                 l.minute, l.second);
        return;
    }
    int off = l.offset_s < 0 ? -l.offset_s : l.offset_s;
    snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", l.year, l.month, l.day, l.hour,
             l.minute, l.second, l.offset_s < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
}

int cli_next_slot(int argc, char **argv)
{
    static struct calling_exception holidays[MAX_HOLIDAYS];
    const char *tz = NULL, *now_text = NULL, *window = NULL, *legal = NULL, *country = NULL;
    size_t n_holidays = 0;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            cli_usage("scheduler");
            return 0;
        }
        if (i + 1 >= argc)
            return usage_error("%s needs a value", opt);
        const char *v = argv[++i];
        if (strcmp(opt, "--tz") == 0) {
            tz = v;
        } else if (strcmp(opt, "--now") == 0) {
            now_text = v;
        } else if (strcmp(opt, "--window") == 0) {
            window = v;
        } else if (strcmp(opt, "--legal") == 0) {
            legal = v;
        } else if (strcmp(opt, "--country") == 0) {
            country = v;
        } else if (strcmp(opt, "--holiday") == 0) {
            if (n_holidays == MAX_HOLIDAYS)
                return usage_error("more than %s holidays", "512");
            char from[11] = "", to[11] = "";
            const char *dots = strstr(v, "..");
            snprintf(from, sizeof(from), "%.*s", dots ? (int)(dots - v) : 10, v);
            snprintf(to, sizeof(to), "%s", dots ? dots + 2 : from);
            struct calling_exception *e = &holidays[n_holidays];
            if (calling_window_parse_date(from, &e->from_day) != OC_OK ||
                calling_window_parse_date(to, &e->to_day) != OC_OK ||
                (dots ? strlen(dots + 2) : strlen(v)) != 10)
                return usage_error("--holiday %s: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD",
                                   v);
            n_holidays++;
        } else {
            return usage_error("unknown option %s", opt);
        }
    }
    if (!tz)
        return usage_error("%s is required", "--tz");
    if (!calling_window_tz_valid(tz))
        return usage_error("--tz %s: not a zone of the tz database", tz);
    if (country && !wire_country_valid(country))
        return usage_error("--country %s: expected two capital letters", country);

    struct calling_schedule s;
    char err[256];
    calling_schedule_init(&s);
    if (window && calling_window_parse(window, &s, err, sizeof(err)) != OC_OK)
        return usage_error("--window: %s", err);
    if (legal) {
        char a[6] = "", b[6] = "";
        if (strlen(legal) == 11 && legal[5] == '-') {
            memcpy(a, legal, 5);
            memcpy(b, legal + 6, 5);
        }
        if (calling_window_parse_hhmm(a, &s.legal_start) != OC_OK ||
            calling_window_parse_hhmm(b, &s.legal_end) != OC_OK)
            return usage_error("--legal %s: expected HH:MM-HH:MM", legal);
    }
    s.exceptions = holidays;
    s.n_exceptions = n_holidays;
    if (calling_schedule_check(&s, err, sizeof(err)) != OC_OK)
        return usage_error("%s", err);

    int64_t now = wire_now_ms();
    if (now_text && !parse_now(now_text, tz, &now))
        return usage_error("--now %s: expected YYYY-MM-DDTHH:MM[:SS], or with Z for UTC", now_text);

    struct calling_slot slot;
    if (calling_window_next_slot(&s, tz, country, now, &slot, err, sizeof(err)) != OC_OK) {
        fprintf(stderr, "scheduler next-slot: %s\n", err);
        return 1;
    }
    static const char *const days[] = {"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    struct calling_local l;
    calling_window_to_local(tz, slot.start_ms, &l);
    char now_local[40], start_local[40], start_utc[40], end_local[40], end_utc[40];
    iso(tz, now, now_local, sizeof(now_local), false);
    iso(tz, slot.start_ms, start_local, sizeof(start_local), false);
    iso(tz, slot.start_ms, start_utc, sizeof(start_utc), true);
    iso(tz, slot.end_ms, end_local, sizeof(end_local), false);
    iso(tz, slot.end_ms, end_utc, sizeof(end_utc), true);
    json_t *o = json_pack(
        "{s:s, s:s, s:b, s:s, s:s, s:s, s:I, s:s, s:s}", "tz", tz, "now", now_local, "allowed_now",
        slot.start_ms == now, "local", start_local, "utc", start_utc, "weekday", days[l.weekday],
        "unix_ms", (json_int_t)slot.start_ms, "until_local", end_local, "until_utc", end_utc);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) {
        fprintf(stderr, "scheduler next-slot: out of memory\n");
        return 1;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}
