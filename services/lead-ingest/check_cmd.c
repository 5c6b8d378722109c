/*
 * `lead-ingest check`: the import's checks on a CSV from standard input,
 * for operators and tests, with no database and no NATS. It runs the same
 * pipeline as an import (lead_import.c), with exact duplicate detection
 * over the file, and prints one JSON object per data row on standard
 * output, then a summary line on standard error:
 *
 *   {"line":2,"ok":true,"name":"...","phone_e164":"+34...","phone_type":"mobile",
 *    "email":"...","timezone":"Europe/Madrid","fields":{...},...}
 *   {"line":3,"ok":false,"error":"...","code":"invalid_phone"}
 *
 * Keys past those (company, first and last name, region, timezone_source)
 * come after them. Exit status: 0 when every row is a lead, 1 when some
 * rows were rejected, 2 when the file cannot be imported or the command
 * line is wrong.
 */
#include "lead-ingest.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lead_import.h"

#define CHECK_MAX_RULES 64
#define CHECK_READ_SIZE (64 * 1024)

static void usage(FILE *f)
{
    fprintf(f, "usage: lead-ingest check --region CC [--timezone ZONE] [--map column=field ...] "
               "< leads.csv\n"
               "  --region CC       ISO 3166-1 country for numbers without a prefix (ES, US, ...)\n"
               "  --timezone ZONE   the campaign's zone, for leads whose number gives none\n"
               "                    (default: the region's main zone)\n"
               "  --map col=field   map a column to name, first_name, last_name, phone, email,\n"
               "                    company, timezone or ignore; any other field name keeps the\n"
               "                    column as a custom field of that name\n"
               "Prints one JSON object per data row, then a summary on stderr. Exit status 0: all\n"
               "rows are leads; 1: some rows were rejected; 2: the file cannot be imported.\n");
}

/* Prints one line; failures to write end the command (a closed pipe). */
static enum oc_status print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return OC_ERR_NOMEM;
    int r = puts(s);
    free(s);
    return r < 0 ? OC_ERR_IO : OC_OK;
}

static enum oc_status on_lead(void *user, const struct lead_row *row, bool maybe_duplicate)
{
    (void)user;
    (void)maybe_duplicate; /* exact detection: never set */
    json_t *o = json_object();
    json_t *fields = json_object();
    if (!o || !fields) {
        json_decref(o);
        json_decref(fields);
        return OC_ERR_NOMEM;
    }
    for (size_t i = 0; i < row->n_custom; i++)
        json_object_set_new(fields, row->custom[i].key, json_string(row->custom[i].value));
    json_object_set_new(o, "line", json_integer(row->line));
    json_object_set_new(o, "ok", json_true());
    json_object_set_new(o, "name", json_string(row->name));
    json_object_set_new(o, "phone_e164", json_string(row->phone.e164));
    json_object_set_new(o, "phone_type", json_string(phone_type_name(row->phone.type)));
    json_object_set_new(o, "email", json_string(row->email));
    json_object_set_new(o, "timezone", json_string(row->timezone));
    json_object_set_new(o, "fields", fields);
    json_object_set_new(o, "timezone_source", json_string(lead_tz_source_name(row->tz_source)));
    json_object_set_new(o, "region", json_string(row->phone.region));
    json_object_set_new(o, "phone_raw", json_string(row->phone_raw));
    if (row->first_name[0])
        json_object_set_new(o, "first_name", json_string(row->first_name));
    if (row->last_name[0])
        json_object_set_new(o, "last_name", json_string(row->last_name));
    if (row->company[0])
        json_object_set_new(o, "company", json_string(row->company));
    return print_json(o);
}

static enum oc_status on_reject(void *user, const struct lead_reject *rej)
{
    (void)user;
    json_t *o = json_object();
    if (!o)
        return OC_ERR_NOMEM;
    json_object_set_new(o, "line", json_integer(rej->line));
    json_object_set_new(o, "ok", json_false());
    json_object_set_new(o, "error", json_string(rej->reason));
    json_object_set_new(o, "code", json_string(lead_reject_code_name(rej->code)));
    return print_json(o);
}

static const struct lead_import_sink check_sink = {
    .lead = on_lead,
    .reject = on_reject,
};

int check_main(int argc, char **argv)
{
    const char *region = NULL, *zone = NULL;
    struct header_rule rules[CHECK_MAX_RULES];
    char *rule_text[CHECK_MAX_RULES];
    size_t n_rules = 0;
    int code = 2;
    char canon[LEAD_TZ_MAX];
    struct lead_import *li = NULL;
    char *buf = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            code = 0;
            goto out;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "lead-ingest check: %s needs a value\n", a);
            usage(stderr);
            goto out;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--region") == 0) {
            region = v;
        } else if (strcmp(a, "--timezone") == 0) {
            zone = v;
        } else if (strcmp(a, "--map") == 0) {
            const char *eq = strrchr(v, '=');
            if (!eq || eq == v) {
                fprintf(stderr, "lead-ingest check: --map %s: expected column=field\n", v);
                goto out;
            }
            if (n_rules == CHECK_MAX_RULES) {
                fprintf(stderr, "lead-ingest check: more than %d --map options\n", CHECK_MAX_RULES);
                goto out;
            }
            char *t = strdup(v);
            if (!t)
                goto out;
            t[eq - v] = '\0';
            rule_text[n_rules] = t;
            rules[n_rules].column = t;
            rules[n_rules].field = t + (eq - v) + 1;
            n_rules++;
        } else {
            fprintf(stderr, "lead-ingest check: unknown option %s\n", a);
            usage(stderr);
            goto out;
        }
    }
    if (!region || !phone_region_known(region)) {
        fprintf(stderr,
                "lead-ingest check: --region: expected a country code such as ES or US, "
                "got \"%s\"\n",
                region ? region : "");
        goto out;
    }
    if (zone) {
        if (!lead_tz_canonical(zone, canon, sizeof(canon))) {
            fprintf(stderr, "lead-ingest check: --timezone: unknown time zone \"%s\"\n", zone);
            goto out;
        }
        zone = canon;
    } else {
        zone = lead_tz_region_main(region);
    }

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct lead_import_opts opts = {
        .defaults = {.region = region, .campaign_zone = zone},
        .rules = rules,
        .n_rules = n_rules,
        .threads = cores < 1   ? 1
                   : cores > 8 ? 8
                               : (size_t)cores,
    };
    if (lead_import_new(&li, &opts, &check_sink, NULL) != OC_OK) {
        fprintf(stderr, "lead-ingest check: out of memory\n");
        goto out;
    }
    buf = malloc(CHECK_READ_SIZE);
    if (!buf)
        goto out;
    enum oc_status st = OC_OK;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, CHECK_READ_SIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "lead-ingest check: reading standard input: %s\n", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        st = lead_import_feed(li, buf, (size_t)n);
        if (st != OC_OK)
            break;
    }
    if (st == OC_OK)
        st = lead_import_finish(li);
    fflush(stdout);
    if (st == OC_ERR_INVALID) {
        fprintf(stderr, "lead-ingest check: %s\n", lead_import_error(li));
        goto out;
    }
    if (st != OC_OK) {
        fprintf(stderr, "lead-ingest check: %s\n", oc_status_text(st));
        goto out;
    }
    struct lead_import_stats s = lead_import_stats(li);
    char delim = lead_import_delimiter(li);
    fprintf(
        stderr,
        "lead-ingest check: %ld rows: %ld ok, %ld rejected (%ld of them duplicates); delimiter %s, "
        "encoding %s\n",
        s.rows, s.leads, s.rejected, s.duplicates,
        delim == '\t' ? "tab" : (char[]){'"', delim, '"', 0},
        csv_encoding_name(lead_import_encoding(li)));
    code = s.rejected ? 1 : 0;

out:
    lead_import_free(li);
    free(buf);
    for (size_t i = 0; i < n_rules; i++)
        free(rule_text[i]);
    return code;
}
