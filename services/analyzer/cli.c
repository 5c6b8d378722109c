/*
 * The command line: the same code as the service, without NATS or a
 * database, for operators and tests.
 *   analyzer analyze < call.json
 *   analyzer when --now 2026-03-10T10:15:00 --tz Europe/Madrid --lang es "el viernes a las tres"
 * Both print one JSON object on stdout; errors go to stderr with exit
 * status 2 (bad usage or input) or 1 (`when` found no time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "analysis.h"
#include "analyzer.h"
#include "call_json.h"
#include "local_time.h"
#include "time_resolver.h"
#include "tokens.h"

static int usage(void)
{
    fprintf(
        stderr,
        "usage: analyzer analyze < call.json\n"
        "       analyzer when [--now YYYY-MM-DDTHH:MM] --tz ZONE [--lang es|en] \"expression\"\n"
        "       analyzer            (runs the service)\n");
    return 2;
}

/* Formats an instant as local ISO 8601 in the zone. */
static void local_iso(struct local_zone *z, int64_t ms, char *buf, size_t len)
{
    struct civil c = local_zone_from_ms(z, ms);
    civil_format(&c, buf, len);
}

int cli_when(int argc, char **argv)
{
    const char *now_s = NULL, *tz = NULL, *lang_s = "es", *expr = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
            now_s = argv[++i];
        else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc)
            tz = argv[++i];
        else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang_s = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            return usage();
        else if (!expr)
            expr = argv[i];
        else
            return usage();
    }
    if (!tz || !expr)
        return usage();
    enum lang lang;
    if (strcmp(lang_s, "es") == 0)
        lang = LANG_ES;
    else if (strcmp(lang_s, "en") == 0)
        lang = LANG_EN;
    else {
        fprintf(stderr, "analyzer: --lang: expected es or en, got \"%s\"\n", lang_s);
        return 2;
    }

    struct local_zone *zone = NULL;
    if (local_zone_new(&zone, tz) != OC_OK) {
        fprintf(stderr, "analyzer: --tz: unknown time zone \"%s\"\n", tz);
        return 2;
    }
    int rc = 2;
    struct oc_arena *arena = NULL;
    int64_t now_ms;
    if (now_s) {
        struct civil c;
        if (!civil_parse(now_s, &c)) {
            fprintf(stderr, "analyzer: --now: expected YYYY-MM-DDTHH:MM[:SS], got \"%s\"\n", now_s);
            goto out;
        }
        now_ms = local_zone_to_ms(zone, &c);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    if (oc_arena_new(&arena, 4096) != OC_OK)
        goto out;
    struct tokens tk;
    if (tokens_from_text(&tk, arena, expr) != OC_OK)
        goto out;
    struct time_context ctx = {.zone = zone, .now_ms = now_ms, .lang = lang};
    struct time_ref r;
    if (!time_resolver_resolve(&ctx, &tk, &r)) {
        puts("{\"found\":false,\"message\":\"no time found\"}");
        rc = 1;
        goto out;
    }
    char value[32], start[32], end[32];
    local_iso(zone, r.at_ms, value, sizeof(value));
    local_iso(zone, r.start_ms, start, sizeof(start));
    local_iso(zone, r.end_ms, end, sizeof(end));
    json_t *o = json_object();
    json_object_set_new(o, "found", json_true());
    json_object_set_new(o, "value", json_string(value));
    json_object_set_new(o, "grain", json_string(time_resolver_grain_name(r.grain)));
    if (r.window || r.grain >= GRAIN_PART_OF_DAY)
        json_object_set_new(o, "interval", json_pack("[ss]", start, end));
    else
        json_object_set_new(o, "interval", json_null());
    json_object_set_new(o, "timezone", json_string(tz));
    json_object_set_new(o, "unix_ms", json_integer(r.at_ms));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text) {
        puts(text);
        free(text);
        rc = 0;
    }
out:
    oc_arena_free(arena);
    local_zone_free(zone);
    return rc;
}

int cli_main(int argc, char **argv)
{
    if (strcmp(argv[1], "when") == 0)
        return cli_when(argc, argv);
    if (strcmp(argv[1], "analyze") == 0)
        return cli_analyze(argc, argv);
    return usage();
}

int cli_analyze(int argc, char **argv)
{
    (void)argv;
    if (argc != 2)
        return usage();
    json_error_t jerr;
    json_t *in = json_loadf(stdin, 0, &jerr);
    if (!in || !json_is_object(in)) {
        fprintf(stderr, "analyzer: analyze: malformed JSON on stdin: %s at line %d column %d\n",
                in ? "not an object" : jerr.text, jerr.line, jerr.column);
        json_decref(in);
        return 2;
    }
    int rc = 2;
    struct oc_arena *arena = NULL;
    struct call_facts call;
    struct analysis a;
    char err[256] = "";
    if (oc_arena_new(&arena, 16384) != OC_OK)
        goto out;
    if (call_json_read(in, arena, &call, err, sizeof(err)) != OC_OK) {
        fprintf(stderr, "analyzer: analyze: %s\n", err[0] ? err : "cannot read the call");
        goto out;
    }
    if (analysis_run(&call, arena, &a) != OC_OK) {
        fprintf(stderr, "analyzer: analyze: the call could not be analysed\n");
        goto out;
    }
    json_t *o = call_json_write(&a, &call);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (text) {
        puts(text);
        free(text);
        rc = 0;
    }
out:
    oc_arena_free(arena);
    json_decref(in);
    return rc;
}
