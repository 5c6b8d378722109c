/*
 * The import pipeline without storage, and the `lead-ingest check` command
 * built on it: leads and rejected rows with their lines, raw text and
 * reasons; duplicates within the file; custom fields; a name built from its
 * parts; the two ways of finding duplicates; files refused as a whole.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "../../../services/lead-ingest/lead-ingest.h"
#include "../../../services/lead-ingest/lead_import.h"

#define MAX_OUT 32

struct out_lead {
    long line;
    char name[64], e164[20], email[64], tz[40], fields[256];
    enum lead_tz_source src;
    enum phone_type type;
    bool maybe;
};

struct out_rej {
    long line;
    char raw[256], reason[256];
    enum lead_reject_code code;
};

struct out {
    int nl, nr;
    struct out_lead l[MAX_OUT];
    struct out_rej r[MAX_OUT];
};

static enum oc_status on_lead(void *user, const struct lead_row *row, bool maybe)
{
    struct out *o = user;
    cr_assert_lt(o->nl, MAX_OUT);
    struct out_lead *l = &o->l[o->nl++];
    l->line = row->line;
    snprintf(l->name, sizeof(l->name), "%s", row->name);
    snprintf(l->e164, sizeof(l->e164), "%s", row->phone.e164);
    snprintf(l->email, sizeof(l->email), "%s", row->email);
    snprintf(l->tz, sizeof(l->tz), "%s", row->timezone);
    l->src = row->tz_source;
    l->type = row->phone.type;
    l->maybe = maybe;
    size_t n = 0;
    for (size_t i = 0; i < row->n_custom; i++)
        n += (size_t)snprintf(l->fields + n, sizeof(l->fields) - n, "%s=%s;", row->custom[i].key,
                              row->custom[i].value);
    return OC_OK;
}

static enum oc_status on_reject(void *user, const struct lead_reject *rej)
{
    struct out *o = user;
    cr_assert_lt(o->nr, MAX_OUT);
    struct out_rej *r = &o->r[o->nr++];
    r->line = rej->line;
    snprintf(r->raw, sizeof(r->raw), "%.*s", (int)rej->raw_len, rej->raw);
    snprintf(r->reason, sizeof(r->reason), "%s", rej->reason);
    r->code = rej->code;
    return OC_OK;
}

static const struct lead_import_sink sink = {.lead = on_lead, .reject = on_reject};

static enum oc_status run(const char *csv, size_t bloom, const struct header_rule *rules,
                          size_t n_rules, struct out *o, char *err, size_t errlen)
{
    struct lead_import *li = NULL;
    struct lead_import_opts opts = {
        .defaults = {.region = "ES", .campaign_zone = "Europe/Madrid"},
        .rules = rules,
        .n_rules = n_rules,
        .bloom_bytes = bloom,
    };
    memset(o, 0, sizeof(*o));
    cr_assert_eq(lead_import_new(&li, &opts, &sink, o), OC_OK);
    enum oc_status st = lead_import_feed(li, csv, strlen(csv));
    if (st == OC_OK)
        st = lead_import_finish(li);
    if (err)
        snprintf(err, errlen, "%s", lead_import_error(li));
    if (st == OC_OK) {
        struct lead_import_stats s = lead_import_stats(li);
        cr_assert_eq(s.leads, o->nl);
        cr_assert_eq(s.rejected, o->nr);
        cr_assert_eq(s.rows, o->nl + o->nr);
    }
    lead_import_free(li);
    return st;
}

Test(lead_import, good_rows_become_leads_and_bad_rows_say_why)
{
    struct out o;
    const char *csv = "Nombre;Apellidos;Teléfono;Correo;Zona horaria;Ciudad\n"
                      "Ana;García;612 34 56 78;ana@example.com;;Sevilla\n"
                      "Luis;Pérez;abc;;;\n"
                      "Eva;;(+34) 699-11-22-33;eva@;;\n"
                      "Sol;;+34 600 000 001;;Marte/Base;\n"
                      ";;;sin@telefono.es;;\n"
                      "Max;;922 123 456;;;\n";
    cr_assert_eq(run(csv, 0, NULL, 0, &o, NULL, 0), OC_OK);
    cr_assert_eq(o.nl, 2);
    cr_assert_eq(o.l[0].line, 2);
    cr_assert_str_eq(o.l[0].name, "Ana García");
    cr_assert_str_eq(o.l[0].e164, "+34612345678");
    cr_assert_eq(o.l[0].type, PHONE_TYPE_MOBILE);
    cr_assert_str_eq(o.l[0].tz, "Europe/Madrid");
    cr_assert_eq(o.l[0].src, LEAD_TZ_SOURCE_CAMPAIGN);
    cr_assert_str_eq(o.l[0].fields, "Ciudad=Sevilla;");
    cr_assert_str_eq(o.l[1].tz, "Atlantic/Canary");
    cr_assert_eq(o.l[1].src, LEAD_TZ_SOURCE_NUMBER);

    cr_assert_eq(o.nr, 4);
    cr_assert_eq(o.r[0].line, 3);
    cr_assert_eq(o.r[0].code, LEAD_REJECT_INVALID_PHONE);
    cr_assert_str_eq(o.r[0].raw, "Luis;Pérez;abc;;;");
    cr_assert(strstr(o.r[0].reason, "\"abc\""), "%s", o.r[0].reason);
    cr_assert_eq(o.r[1].code, LEAD_REJECT_INVALID_EMAIL);
    cr_assert_eq(o.r[2].code, LEAD_REJECT_INVALID_TIMEZONE);
    cr_assert_eq(o.r[3].code, LEAD_REJECT_MISSING_PHONE);
    cr_assert_eq(o.r[3].line, 6);
}

Test(lead_import, the_same_number_twice_in_a_file_is_reported_once)
{
    struct out o;
    const char *csv = "name,phone\n"
                      "A,612345678\n"
                      "B,+34 612 34 56 78\n"
                      "C,0034-612-345-678\n"
                      "D,699000111\n";
    cr_assert_eq(run(csv, 0, NULL, 0, &o, NULL, 0), OC_OK);
    cr_assert_eq(o.nl, 2);
    cr_assert_eq(o.nr, 2);
    cr_assert_eq(o.r[0].code, LEAD_REJECT_DUPLICATE_IN_FILE);
    cr_assert_eq(o.r[0].line, 3);
    cr_assert(strstr(o.r[0].reason, "line 2"), "%s", o.r[0].reason);
    cr_assert_eq(o.r[1].line, 4);
}

Test(lead_import, with_a_bloom_filter_possible_repeats_are_flagged_for_the_sink)
{
    struct out o;
    const char *csv = "name,phone\nA,612345678\nB,+34 612 34 56 78\nC,699000111\n";
    cr_assert_eq(run(csv, 1 << 16, NULL, 0, &o, NULL, 0), OC_OK);
    cr_assert_eq(o.nl, 3, "the sink settles repeats; the pipeline only flags them");
    cr_assert_not(o.l[0].maybe);
    cr_assert(o.l[1].maybe);
    cr_assert_not(o.l[2].maybe);
}

Test(lead_import, explicit_mappings_reach_the_rows)
{
    struct out o;
    const struct header_rule rules[] = {{"Tel", "phone"}, {"Quien", "name"}, {"X", "ignore"}};
    const char *csv = "Quien,Tel,X,Origen\nAna,612345678,secreto,feria\n";
    cr_assert_eq(run(csv, 0, rules, 3, &o, NULL, 0), OC_OK);
    cr_assert_eq(o.nl, 1);
    cr_assert_str_eq(o.l[0].name, "Ana");
    cr_assert_str_eq(o.l[0].fields, "Origen=feria;", "ignored columns are not kept");
}

Test(lead_import, a_spare_phone_column_is_kept_and_used_when_the_first_is_empty)
{
    struct out o;
    const char *csv = "name,phone,mobile\nA,,612345678\nB,911234567,699000111\n";
    cr_assert_eq(run(csv, 0, NULL, 0, &o, NULL, 0), OC_OK);
    cr_assert_eq(o.nl, 2);
    cr_assert_str_eq(o.l[0].e164, "+34612345678");
    cr_assert_str_eq(o.l[1].e164, "+34911234567");
    cr_assert_str_eq(o.l[1].fields, "mobile=699000111;");
}

Test(lead_import, files_that_cannot_be_imported_fail_as_a_whole)
{
    struct out o;
    char err[320];
    cr_assert_eq(run("name,email\nAna,a@b.es\n", 0, NULL, 0, &o, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strstr(err, "no phone column"), "%s", err);
    cr_assert_eq(o.nl + o.nr, 0);
    cr_assert_eq(run("", 0, NULL, 0, &o, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strstr(err, "empty"), "%s", err);
    cr_assert_eq(run("phone\n", 0, NULL, 0, &o, err, sizeof(err)), OC_OK,
                 "a header alone is an empty list");
}

Test(lead_import, a_reader_error_is_a_rejected_row_with_its_reason)
{
    struct out o;
    const char *csv = "name,phone\n\"Ana,612345678\nLuis,699000111\n";
    cr_assert_eq(run(csv, 0, NULL, 0, &o, NULL, 0), OC_OK);
    cr_assert_eq(o.nr, 1);
    cr_assert_eq(o.r[0].code, LEAD_REJECT_MALFORMED);
    cr_assert_eq(o.r[0].line, 2);
    cr_assert_eq(o.nl, 1);
    cr_assert_eq(o.l[0].line, 3);
}

Test(lead_import, custom_fields_are_written_as_a_json_object)
{
    const struct lead_custom c[] = {{"Notas", "dijo \"hola\"\nadiós"}, {"tab\t", "\x01"}};
    char out[128];
    size_t n = lead_custom_json(c, 2, out, sizeof(out));
    cr_assert_str_eq(out, "{\"Notas\":\"dijo \\\"hola\\\"\\nadiós\",\"tab\\t\":\"\\u0001\"}");
    cr_assert_eq(n, strlen(out));
    char small[8];
    cr_assert_eq(lead_custom_json(c, 2, small, sizeof(small)), n, "too small: the size needed");
    cr_assert_eq(strlen(small), 7);
    cr_assert_eq(lead_custom_json(NULL, 0, out, sizeof(out)), 2);
    cr_assert_str_eq(out, "{}");
}

/* Runs `lead-ingest check` on csv; returns its exit status and its stdout. */
static int check(const char *csv, char **argv_tail, int ntail, char *out, size_t outlen)
{
    char in_path[] = "/tmp/lead-check-in-XXXXXX", out_path[] = "/tmp/lead-check-out-XXXXXX";
    int in = mkstemp(in_path), of = mkstemp(out_path);
    cr_assert(in >= 0 && of >= 0);
    cr_assert_eq(write(in, csv, strlen(csv)), (ssize_t)strlen(csv));
    lseek(in, 0, SEEK_SET);
    fflush(stdout);
    int saved_in = dup(STDIN_FILENO), saved_out = dup(STDOUT_FILENO), saved_err = dup(2);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(in, STDIN_FILENO);
    dup2(of, STDOUT_FILENO);
    dup2(devnull, 2); /* the summary line; its content is not under test */
    char *argv[16] = {"check"};
    for (int i = 0; i < ntail; i++)
        argv[1 + i] = argv_tail[i];
    int code = check_main(1 + ntail, argv);
    fflush(stdout);
    dup2(saved_in, STDIN_FILENO);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, 2);
    close(saved_err);
    close(devnull);
    lseek(of, 0, SEEK_SET);
    ssize_t n = read(of, out, outlen - 1);
    out[n > 0 ? n : 0] = '\0';
    close(in);
    close(of);
    close(saved_in);
    close(saved_out);
    unlink(in_path);
    unlink(out_path);
    return code;
}

Test(check_cmd, prints_one_json_object_per_row)
{
    char out[4096];
    char *args[] = {"--region", "ES", "--map", "Telefono=phone"};
    int code = check("name,Telefono,email,Notas\n"
                     "Ana,612 34 56 78,ana@example.com,vip\n"
                     "Bad,123,,\n",
                     args, 4, out, sizeof(out));
    cr_assert_eq(code, 1, "a rejected row makes the status 1");
    char *nl = strchr(out, '\n');
    cr_assert_not_null(nl);
    *nl = '\0';
    json_error_t e;
    json_t *a = json_loads(out, 0, &e), *b = json_loads(nl + 1, 0, &e);
    cr_assert_not_null(a, "%s", out);
    cr_assert_not_null(b, "%s", nl + 1);
    cr_assert(strncmp(out,
                      "{\"line\":2,\"ok\":true,\"name\":\"Ana\",\"phone_e164\":\"+34612345678\","
                      "\"phone_type\":\"mobile\",\"email\":\"ana@example.com\","
                      "\"timezone\":\"Europe/Madrid\",\"fields\":{\"Notas\":\"vip\"}",
                      strlen("{\"line\":2,\"ok\":true,\"name\":\"Ana\",\"phone_e164\":"
                             "\"+34612345678\",\"phone_type\":\"mobile\",\"email\":"
                             "\"ana@example.com\",\"timezone\":\"Europe/Madrid\",\"fields\":{"
                             "\"Notas\":\"vip\"}")) == 0,
              "%s", out);
    cr_assert_eq(json_integer_value(json_object_get(b, "line")), 3);
    cr_assert(json_is_false(json_object_get(b, "ok")));
    cr_assert(strstr(json_string_value(json_object_get(b, "error")), "too short"));
    json_decref(a);
    json_decref(b);
}

Test(check_cmd, refuses_a_bad_command_line_and_an_unreadable_file)
{
    char out[512];
    char *no_region[] = {"--map", "x=phone"};
    cr_assert_eq(check("phone\n612345678\n", no_region, 2, out, sizeof(out)), 2);
    char *args[] = {"--region", "ES"};
    cr_assert_eq(check("name\nAna\n", args, 2, out, sizeof(out)), 2);
    cr_assert_eq(check("phone\n612345678\n", args, 2, out, sizeof(out)), 0);
}
