/*
 * The streaming CSV reader: RFC 4180 quoting, line endings, byte order
 * marks, delimiter detection, Latin-1, files that are not CSV, recovery
 * from a stray quote and from over-long rows, and that the way a file is
 * split into pieces never changes what comes out.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/lead-ingest/csv_import.h"

#define MAX_RECS 96
#define MAX_FIELDS 16

struct rec {
    long line;
    char raw[1024];
    size_t nfields;
    char fields[MAX_FIELDS][128];
    enum csv_row_error error;
    char why[160];
};

struct got {
    size_t n;
    struct rec r[MAX_RECS];
};

static enum oc_status collect(void *user, const struct csv_record *rec)
{
    struct got *g = user;
    cr_assert_lt(g->n, MAX_RECS);
    struct rec *r = &g->r[g->n++];
    r->line = rec->line;
    snprintf(r->raw, sizeof(r->raw), "%s", rec->raw);
    cr_assert_eq(strlen(rec->raw), rec->raw_len, "raw_len must match the raw text");
    r->error = rec->error;
    snprintf(r->why, sizeof(r->why), "%s", rec->why ? rec->why : "");
    r->nfields = rec->nfields;
    for (size_t i = 0; i < rec->nfields && i < MAX_FIELDS; i++)
        snprintf(r->fields[i], sizeof(r->fields[i]), "%s", rec->fields[i]);
    return OC_OK;
}

/* Reads text in pieces of step bytes (0: all at once); returns the status of the whole read. */
static enum oc_status read_csv(const char *text, size_t len, size_t step,
                               const struct csv_limits *lim, struct got *g, char *delim,
                               enum csv_encoding *enc, char *error, size_t errlen)
{
    struct csv_import *ci = NULL;
    memset(g, 0, sizeof(*g));
    cr_assert_eq(csv_import_new(&ci, lim, collect, g), OC_OK);
    enum oc_status st = OC_OK;
    if (step == 0)
        step = len ? len : 1;
    for (size_t off = 0; off < len && st == OC_OK; off += step)
        st = csv_import_feed(ci, text + off, off + step > len ? len - off : step);
    if (st == OC_OK)
        st = csv_import_finish(ci);
    if (delim)
        *delim = csv_import_delimiter(ci);
    if (enc)
        *enc = csv_import_encoding(ci);
    if (error)
        snprintf(error, errlen, "%s", csv_import_error(ci));
    csv_import_free(ci);
    return st;
}

static void read_ok(const char *text, struct got *g)
{
    cr_assert_eq(read_csv(text, strlen(text), 0, NULL, g, NULL, NULL, NULL, 0), OC_OK);
}

Test(csv_import, quoted_fields_hold_commas_quotes_and_line_breaks)
{
    struct got g;
    read_ok("name,phone,note\n"
            "\"Pérez, Ana\",612345678,\"she said \"\"call me\"\"\"\n"
            "\"Two\nlines\",699000111,\"a\r\nb\"\n"
            "Last,600000000,end\n",
            &g);
    cr_assert_eq(g.n, 4);
    cr_assert_str_eq(g.r[1].fields[0], "Pérez, Ana");
    cr_assert_str_eq(g.r[1].fields[2], "she said \"call me\"");
    cr_assert_eq(g.r[1].line, 2);
    cr_assert_str_eq(g.r[2].fields[0], "Two\nlines");
    cr_assert_str_eq(g.r[2].fields[2], "a\r\nb");
    cr_assert_eq(g.r[2].line, 3, "a record starts on the line of its first byte");
    cr_assert_str_eq(g.r[2].raw, "\"Two\nlines\",699000111,\"a\r\nb\"");
    cr_assert_eq(g.r[3].line, 6, "the two embedded line breaks count as lines");
}

Test(csv_import, crlf_lf_and_cr_line_endings_read_alike)
{
    const char *files[] = {"a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4\n", "a,b\r1,2\r3,4\r",
                           "a,b\n1,2\n3,4"};
    for (size_t f = 0; f < 4; f++) {
        struct got g;
        read_ok(files[f], &g);
        cr_assert_eq(g.n, 3, "file %zu", f);
        cr_assert_str_eq(g.r[2].fields[1], "4", "file %zu", f);
        cr_assert_eq(g.r[2].line, 3, "file %zu", f);
        cr_assert_str_eq(g.r[2].raw, "3,4", "file %zu: the raw text has no line break", f);
    }
}

Test(csv_import, a_utf8_byte_order_mark_is_skipped)
{
    struct got g;
    enum csv_encoding enc;
    const char text[] = "\xEF\xBB\xBFphone,name\n612345678,Ana\n";
    cr_assert_eq(read_csv(text, sizeof(text) - 1, 0, NULL, &g, NULL, &enc, NULL, 0), OC_OK);
    cr_assert_str_eq(g.r[0].fields[0], "phone");
    cr_assert_eq(enc, CSV_ENCODING_UTF8);
}

Test(csv_import, detects_comma_semicolon_tab_and_pipe)
{
    const struct {
        const char *text;
        char delim;
    } cases[] = {
        {"name,phone\n\"a;b\",1\n", ','},
        {"nombre;teléfono;empresa\nAna;612 34 56 78;\"Foo, S.L.\"\n", ';'},
        {"name\tphone\tnote\nAna\t612345678\t\n", '\t'},
        {"name|phone\nAna|612345678\n", '|'},
        {"phone\n612345678\n", ','},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct got g;
        char delim = 0;
        cr_assert_eq(
            read_csv(cases[i].text, strlen(cases[i].text), 0, NULL, &g, &delim, NULL, NULL, 0),
            OC_OK);
        cr_assert_eq(delim, cases[i].delim, "case %zu: got '%c'", i, delim);
        cr_assert_geq(g.n, 2);
    }
}

Test(csv_import, a_tab_delimiter_keeps_empty_cells)
{
    struct got g;
    read_ok("a\tb\tc\n1\t\t3\n", &g);
    cr_assert_eq(g.r[1].nfields, 3);
    cr_assert_str_eq(g.r[1].fields[1], "");
    cr_assert_str_eq(g.r[1].fields[2], "3");
}

Test(csv_import, latin1_files_are_converted_to_utf8)
{
    /* "Teléfono;Nombre\n612345678;Muñoz\n" as Windows-1252, with a euro sign. */
    const char text[] = "Tel\xE9"
                        "fono;Nombre\n612345678;Mu\xF1oz \x80\n";
    struct got g;
    enum csv_encoding enc;
    cr_assert_eq(read_csv(text, sizeof(text) - 1, 0, NULL, &g, NULL, &enc, NULL, 0), OC_OK);
    cr_assert_eq(enc, CSV_ENCODING_LATIN1);
    cr_assert_str_eq(g.r[0].fields[0], "Teléfono");
    cr_assert_str_eq(g.r[1].fields[1], "Muñoz €");
    cr_assert_str_eq(g.r[1].raw, "612345678;Muñoz €");
    cr_assert_str_eq(csv_encoding_name(enc), "latin-1");
}

Test(csv_import, latin1_after_ascii_rows_switches_the_file_to_latin1)
{
    const char text[] = "name,phone\nAna,612345678\nJos\xE9,699000111\n";
    struct got g;
    enum csv_encoding enc;
    cr_assert_eq(read_csv(text, sizeof(text) - 1, 0, NULL, &g, NULL, &enc, NULL, 0), OC_OK);
    cr_assert_eq(enc, CSV_ENCODING_LATIN1);
    cr_assert_eq(g.r[2].error, CSV_ROW_OK);
    cr_assert_str_eq(g.r[2].fields[0], "José");
}

Test(csv_import, a_row_in_another_encoding_is_rejected_not_guessed)
{
    /* UTF-8 first (é as C3 A9), then a Latin-1 row (é as E9). */
    const char text[] = "name,phone\nJos\xC3\xA9,612345678\nJos\xE9,699000111\nAna,600000000\n";
    struct got g;
    cr_assert_eq(read_csv(text, sizeof(text) - 1, 0, NULL, &g, NULL, NULL, NULL, 0), OC_OK);
    cr_assert_eq(g.n, 4);
    cr_assert_eq(g.r[1].error, CSV_ROW_OK);
    cr_assert_eq(g.r[2].error, CSV_ROW_ENCODING);
    cr_assert_eq(g.r[2].line, 3);
    cr_assert(strstr(g.r[2].why, "UTF-8"), "%s", g.r[2].why);
    cr_assert_str_eq(g.r[2].raw, "Jos\xEF\xBF\xBD,699000111", "the bad byte shows as U+FFFD");
    cr_assert_eq(g.r[3].error, CSV_ROW_OK, "the rest of the file goes on");
}

Test(csv_import, files_that_are_not_csv_text_fail_with_a_clear_message)
{
    const struct {
        const char *text;
        size_t len;
        const char *says;
    } cases[] = {
        {"\xFF\xFEn\0a\0m\0e\0\n\0", 12, "UTF-16"},
        {"PK\x03\x04\x14\0\0\0\x08\0", 10, "export the sheet as CSV"},
        {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "xls"},
        {"n\0a\0m\0e\0,\0p\0\n\0", 14, "not text"},
        {"", 0, "empty"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct got g;
        char err[256];
        enum oc_status st =
            read_csv(cases[i].text, cases[i].len, 0, NULL, &g, NULL, NULL, err, sizeof(err));
        cr_assert_eq(st, OC_ERR_INVALID, "case %zu", i);
        cr_assert(strstr(err, cases[i].says), "case %zu: %s", i, err);
        cr_assert_eq(g.n, 0, "case %zu: no record comes out of a file that is not CSV", i);
    }
}

Test(csv_import, an_unbalanced_quote_costs_one_line_not_the_file)
{
    struct got g;
    read_ok("name,phone\n\"Ana,612345678\nLuis,699000111\nEva,600000000\n", &g);
    cr_assert_eq(g.n, 4);
    cr_assert_eq(g.r[1].error, CSV_ROW_MALFORMED);
    cr_assert_eq(g.r[1].line, 2);
    cr_assert_str_eq(g.r[1].raw, "\"Ana,612345678");
    cr_assert(strstr(g.r[1].why, "unbalanced quote"), "%s", g.r[1].why);
    cr_assert_eq(g.r[2].error, CSV_ROW_OK);
    cr_assert_str_eq(g.r[2].fields[0], "Luis");
    cr_assert_eq(g.r[2].line, 3);
    cr_assert_eq(g.r[3].line, 4);
}

Test(csv_import, a_stray_quote_in_a_long_file_is_cut_at_the_size_limit)
{
    /* The quote opens on line 2 and never closes; 50 good lines follow,
     * more than the record limit: the reader gives up at the limit, not at
     * the end of the file, and reads the lines again. */
    char text[4096];
    size_t n = (size_t)sprintf(text, "name,phone\n\"Bad quote,612345678\n");
    for (int i = 0; i < 50; i++)
        n += (size_t)sprintf(text + n, "Person %d,6%08d\n", i, i);
    struct csv_limits lim = {.max_record = 256};
    struct got g;
    cr_assert_eq(read_csv(text, n, 7, &lim, &g, NULL, NULL, NULL, 0), OC_OK);
    cr_assert_eq(g.n, 52);
    cr_assert_eq(g.r[1].error, CSV_ROW_MALFORMED);
    cr_assert_eq(g.r[1].line, 2);
    cr_assert(strstr(g.r[1].why, "256 bytes"), "%s", g.r[1].why);
    for (int i = 0; i < 50; i++) {
        cr_assert_eq(g.r[2 + i].error, CSV_ROW_OK);
        cr_assert_eq(g.r[2 + i].line, 3 + i);
    }
    cr_assert_str_eq(g.r[51].fields[0], "Person 49");
}

Test(csv_import, an_unquoted_row_over_the_limit_is_rejected_and_skipped)
{
    char text[4096];
    size_t n = (size_t)sprintf(text, "name,phone\n");
    memset(text + n, 'x', 2000);
    n += 2000;
    n += (size_t)sprintf(text + n, ",612345678\nAna,699000111\n");
    struct csv_limits lim = {.max_record = 512};
    struct got g;
    cr_assert_eq(read_csv(text, n, 100, &lim, &g, NULL, NULL, NULL, 0), OC_OK);
    cr_assert_eq(g.n, 3);
    cr_assert_eq(g.r[1].error, CSV_ROW_TOO_LONG);
    cr_assert_eq(strlen(g.r[1].raw), 512, "the raw text is kept up to the limit");
    cr_assert_str_eq(g.r[2].fields[0], "Ana");
    cr_assert_eq(g.r[2].line, 3);
}

Test(csv_import, too_many_columns_is_a_row_error)
{
    struct csv_limits lim = {.max_fields = 3};
    struct got g;
    const char *text = "a,b,c\n1,2,3,4,5\n6,7,8\n";
    cr_assert_eq(read_csv(text, strlen(text), 0, &lim, &g, NULL, NULL, NULL, 0), OC_OK);
    cr_assert_eq(g.r[1].error, CSV_ROW_TOO_LONG);
    cr_assert_eq(g.r[2].error, CSV_ROW_OK);
}

Test(csv_import, blank_rows_and_rows_of_only_delimiters_are_skipped)
{
    struct got g;
    read_ok("a,b\n\n1,2\n,\n   \n\r\n3,4\n,,\n", &g);
    cr_assert_eq(g.n, 3);
    cr_assert_eq(g.r[1].line, 3);
    cr_assert_eq(g.r[2].line, 7);
    cr_assert_str_eq(g.r[2].raw, "3,4");
}

Test(csv_import, a_nul_byte_rejects_its_row)
{
    const char text[] = "a,b\n1,2\nx\0y,3\n4,5\n";
    struct got g;
    cr_assert_eq(read_csv(text, sizeof(text) - 1, 0, NULL, &g, NULL, NULL, NULL, 0), OC_OK);
    cr_assert_eq(g.n, 4);
    cr_assert_eq(g.r[2].error, CSV_ROW_ENCODING);
    cr_assert_eq(g.r[3].error, CSV_ROW_OK);
}

/* Every way of cutting the file into two pieces, and byte by byte, gives
 * the same records as reading it whole. */
Test(csv_import, the_split_of_the_input_never_changes_the_result)
{
    const char text[] = "\xEF\xBB\xBFnombre;tel\xC3\xA9"
                        "fono;nota\r\n"
                        "\"Mu\xC3\xB1oz; Ana\";612 34 56 78;\"l\xC3\xADnea\r\ndos\"\r\n"
                        "\r\n"
                        "Eva;699 000 111;\"\"\"x\"\"\"\r\n"
                        "\"roto;600000000\r\n"
                        "Fin;600111222;ok";
    size_t len = sizeof(text) - 1;
    struct got whole, part;
    char d1, d2;
    cr_assert_eq(read_csv(text, len, 0, NULL, &whole, &d1, NULL, NULL, 0), OC_OK);
    cr_assert_eq(whole.n, 5);
    cr_assert_str_eq(whole.r[2].fields[2], "\"x\"");
    cr_assert_eq(whole.r[2].line, 5);
    cr_assert_eq(whole.r[3].error, CSV_ROW_MALFORMED);
    cr_assert_eq(whole.r[3].line, 6);
    cr_assert_str_eq(whole.r[4].fields[0], "Fin");
    cr_assert_eq(whole.r[4].line, 7);
    for (size_t step = 1; step <= len; step++) {
        cr_assert_eq(read_csv(text, len, step, NULL, &part, &d2, NULL, NULL, 0), OC_OK);
        cr_assert_eq(part.n, whole.n, "step %zu", step);
        cr_assert_eq(d1, d2, "step %zu", step);
        for (size_t i = 0; i < whole.n; i++) {
            cr_assert_eq(part.r[i].line, whole.r[i].line, "step %zu rec %zu", step, i);
            cr_assert_str_eq(part.r[i].raw, whole.r[i].raw, "step %zu rec %zu", step, i);
            cr_assert_eq(part.r[i].nfields, whole.r[i].nfields, "step %zu rec %zu", step, i);
            for (size_t f = 0; f < whole.r[i].nfields; f++)
                cr_assert_str_eq(part.r[i].fields[f], whole.r[i].fields[f], "step %zu", step);
        }
    }
}

static enum oc_status stop_at_second(void *user, const struct csv_record *rec)
{
    (void)rec;
    int *n = user;
    return ++*n == 2 ? OC_ERR_UNAVAILABLE : OC_OK;
}

Test(csv_import, a_callback_error_stops_the_reader)
{
    struct csv_import *ci;
    int n = 0;
    cr_assert_eq(csv_import_new(&ci, NULL, stop_at_second, &n), OC_OK);
    cr_assert_eq(csv_import_feed(ci, "a\n1\n2\n3\n", 8), OC_ERR_UNAVAILABLE);
    cr_assert_eq(n, 2);
    cr_assert_neq(csv_import_feed(ci, "4\n", 2), OC_OK, "a stopped reader takes nothing more");
    csv_import_free(ci);
}
