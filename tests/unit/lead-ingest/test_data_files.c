/*
 * The sample files of tests/data/leads read through the whole pipeline:
 * what each brings, and that checking rows on several threads gives
 * exactly what one thread gives, in the same order.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../services/lead-ingest/lead_import.h"

#define DATA "tests/data/leads/"

struct log {
    char *text;
    size_t len, cap;
};

static void log_add(struct log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_add(struct log *l, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (l->len + (size_t)n + 1 > l->cap) {
        l->cap = (l->cap + (size_t)n + 1) * 2;
        l->text = realloc(l->text, l->cap);
        cr_assert_not_null(l->text);
    }
    memcpy(l->text + l->len, line, (size_t)n + 1);
    l->len += (size_t)n;
}

static enum oc_status on_lead(void *user, const struct lead_row *row, bool maybe)
{
    struct log *l = user;
    log_add(l, "%ld ok %s %s %s %s %s %d|", row->line, row->name, row->phone.e164, row->email,
            row->timezone, lead_tz_source_name(row->tz_source), maybe);
    for (size_t i = 0; i < row->n_custom; i++)
        log_add(l, "%s=%s;", row->custom[i].key, row->custom[i].value);
    log_add(l, "\n");
    return OC_OK;
}

static enum oc_status on_reject(void *user, const struct lead_reject *rej)
{
    log_add(user, "%ld rejected %s %s [%.*s]\n", rej->line, lead_reject_code_name(rej->code),
            rej->reason, (int)rej->raw_len, rej->raw);
    return OC_OK;
}

static const struct lead_import_sink sink = {.lead = on_lead, .reject = on_reject};

/* Reads a file in small pieces; returns what the sink saw (caller frees). */
static char *run(const char *name, size_t threads, size_t bloom)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: run the tests from the checkout's root", path);
    struct log l = {0};
    struct lead_import *li;
    struct lead_import_opts o = {
        .defaults = {.region = "ES", .campaign_zone = "Europe/Madrid"},
        .threads = threads,
        .bloom_bytes = bloom,
    };
    cr_assert_eq(lead_import_new(&li, &o, &sink, &l), OC_OK);
    char buf[37];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        cr_assert_eq(lead_import_feed(li, buf, n), OC_OK, "%s", lead_import_error(li));
    cr_assert_eq(lead_import_finish(li), OC_OK, "%s", lead_import_error(li));
    fclose(f);
    lead_import_free(li);
    log_add(&l, "%s", "");
    return l.text;
}

Test(data_files, thirteen_countries_with_a_bad_number_and_a_repeat)
{
    char *out = run("mixed_countries.csv", 1, 0);
    cr_assert(strstr(out, "3 ok John Smith +12125550123 john@example.com America/New_York number"),
              "%s", out);
    cr_assert(strstr(out, "5 ok Marie Dubois +33612345678  Europe/Paris explicit"), "%s", out);
    cr_assert(strstr(out, "10 ok Sofía López +5491123456789  America/Argentina/Buenos_Aires"), "%s",
              out);
    cr_assert(strstr(out, "15 rejected invalid_phone"), "%s", out);
    cr_assert(strstr(out, "16 rejected duplicate_in_file duplicate: +34612345678 is already on "
                          "line 2"),
              "%s", out);
    cr_assert(strstr(out, "Country=GB;"), "unmapped columns are kept: %s", out);
    free(out);
}

Test(data_files, a_spanish_latin1_export)
{
    char *out = run("latin1_semicolon.csv", 1, 0);
    cr_assert(strstr(out, "2 ok José Muñoz +34612345678 jose@example.es"), "%s", out);
    cr_assert(strstr(out, "Notas=llamar por la mañana;"), "%s", out);
    cr_assert(strstr(out, "4 rejected invalid_email"), "%s", out);
    free(out);
}

Test(data_files, quotes_line_breaks_and_a_stray_quote)
{
    char *out = run("quoted_multiline.csv", 1, 0);
    cr_assert(strstr(out, "2 ok Smith, John +34612345678"), "%s", out);
    cr_assert(strstr(out, "notes=first line\nsecond line, with a comma;"), "%s", out);
    cr_assert(strstr(out, "4 ok O\"Brien +34699000111"), "%s", out);
    cr_assert(strstr(out, "5 rejected malformed"), "%s", out);
    cr_assert(strstr(out, "6 ok Eva +34600000002"), "%s", out);
    free(out);
}

Test(data_files, several_threads_give_what_one_gives)
{
    const char *files[] = {
        "mixed_countries.csv", "latin1_semicolon.csv", "quoted_multiline.csv", "tabs.csv",
        "pipes.csv",           "bom_crlf.csv"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *one = run(files[i], 1, 1 << 16);
        char *four = run(files[i], 4, 1 << 16);
        cr_assert_str_eq(four, one, "%s", files[i]);
        free(one);
        free(four);
    }
}

/* A file of many rows, so blocks fill and are checked by several threads. */
Test(data_files, a_long_file_on_several_threads)
{
    char path[] = "/tmp/lead-import-long-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("name,phone,email\n", f);
    for (int i = 0; i < 5000; i++)
        fprintf(f, "Person %d,6%08d,%s\n", i, i == 4003 ? 3 : i,
                i % 997 == 5 ? "bad@" : "ok@example.com");
    fclose(f);
    struct log l1 = {0}, l4 = {0};
    for (int pass = 0; pass < 2; pass++) {
        struct lead_import *li;
        struct lead_import_opts o = {.defaults = {.region = "ES", .campaign_zone = "Europe/Madrid"},
                                     .threads = pass ? 4 : 1};
        cr_assert_eq(lead_import_new(&li, &o, &sink, pass ? &l4 : &l1), OC_OK);
        FILE *in = fopen(path, "r");
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            cr_assert_eq(lead_import_feed(li, buf, n), OC_OK);
        cr_assert_eq(lead_import_finish(li), OC_OK);
        struct lead_import_stats s = lead_import_stats(li);
        cr_assert_eq(s.rows, 5000);
        cr_assert_eq(s.duplicates, 1);
        fclose(in);
        lead_import_free(li);
    }
    unlink(path);
    cr_assert_str_eq(l4.text, l1.text);
    free(l1.text);
    free(l4.text);
}
