/*
 * lead-ingest against the running stack, over NATS only: an import with bad
 * rows reports each with its line and reason and imports the good ones
 * (whole and streamed, Latin-1 and semicolons, duplicates in the file and in
 * the campaign); leads are listed page by page, updated and deleted; the
 * do-not-call list finds a number written in another format, keeps its
 * audit trail and announces additions on JetStream (dnc.changed, on which
 * the scheduler cancels calls); erasure removes a lead and announces it
 * (leads.deleted with erased); another tenant never sees or changes any of
 * it; and the lead's status follows call and analysis events.
 *
 * Each test works in a tenant and a campaign of its own (random ids: the
 * service takes the tenant from the envelope, as the gateway sets it) and
 * gives the campaign's default region and zone in its requests, so no
 * scheduler is needed for imports.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "oc/crypto.h"
#include "oc/db.h"
#include "proto/analyzer.pb-c.h"
#include "proto/leads.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define WAIT_MS 10000

static struct oc_bus *bus;

static void setup(void)
{
    bus = th_bus();
}

static void teardown(void)
{
    oc_bus_free(bus);
    bus = NULL;
}

TestSuite(leads, .init = setup, .fini = teardown, .timeout = 120);

static void uuid(char out[37])
{
    cr_assert_eq(oc_uuid_v4(out), OC_OK);
}

/* A request as a tenant; returns the status, the reply through *out (caller frees). */
static enum oc_status call(const char *tenant, const char *subject, const ProtobufCMessage *req,
                           const ProtobufCMessageDescriptor *reply_desc, void *out, char *err,
                           size_t errlen)
{
    struct oc_call c = {.tenant_id = tenant, .timeout_ms = 30000};
    return oc_bus_call(bus, subject, &c, req, reply_desc, NULL, (ProtobufCMessage **)out, err,
                       errlen);
}

/* The same, failing the test unless the answer is OK. */
static void *ok(const char *tenant, const char *subject, const ProtobufCMessage *req,
                const ProtobufCMessageDescriptor *reply_desc)
{
    void *out = NULL;
    char err[512] = "";
    enum oc_status s = call(tenant, subject, req, reply_desc, &out, err, sizeof(err));
    cr_assert_eq(s, OC_OK, "%s: %s (%s)", subject, oc_status_code(s), err);
    cr_assert_not_null(out, "%s: no body", subject);
    return out;
}

/* Imports csv into campaign and waits for the report. Caller frees. */
static Ocpb__ImportLeadsReply *import_csv(const char *tenant, const char *campaign, const char *csv,
                                          size_t len)
{
    Ocpb__ImportLeadsRequest q = OCPB__IMPORT_LEADS_REQUEST__INIT;
    q.campaign_id = (char *)campaign;
    q.csv.data = (uint8_t *)csv;
    q.csv.len = len;
    q.default_region = "ES";
    q.default_timezone = "Europe/Madrid";
    q.file_name = "leads.csv";
    q.wait = true;
    return ok(tenant, "leads.import", &q.base, &ocpb__import_leads_reply__descriptor);
}

static Ocpb__ListLeadsReply *list_leads(const char *tenant, const char *campaign,
                                        const char *cursor, int limit)
{
    Ocpb__ListLeadsRequest q = OCPB__LIST_LEADS_REQUEST__INIT;
    Ocpb__PageRequest p = OCPB__PAGE_REQUEST__INIT;
    p.cursor = (char *)(cursor ? cursor : "");
    p.limit = limit;
    q.page = &p;
    q.campaign_id = (char *)campaign;
    q.sort = OCPB__LEAD_SORT__LEAD_SORT_CREATED_ASC;
    return ok(tenant, "leads.list", &q.base, &ocpb__list_leads_reply__descriptor);
}

static const Ocpb__Lead *find_phone(const Ocpb__ListLeadsReply *r, const char *e164)
{
    for (size_t i = 0; i < r->n_leads; i++)
        if (strcmp(r->leads[i]->phone_e164, e164) == 0)
            return r->leads[i];
    return NULL;
}

/* A number of this test's own, so runs against the same stack never collide. */
static void test_phone(char out[20], unsigned n)
{
    unsigned seed = (unsigned)(getpid() * 7919u + (unsigned)(th_now_ms() % 100000)) % 900000u;
    snprintf(out, 20, "+346%02u%06u", n % 100, (seed + n * 131u) % 1000000u);
}

/* ---------------------------------------------------------------- imports */

Test(leads, import_with_bad_rows_reports_each_with_line_and_reason_and_imports_the_good_ones)
{
    char tenant[37], campaign[37];
    uuid(tenant);
    uuid(campaign);
    const char *csv = "Nombre,Teléfono,Email,Ciudad\n"
                      "Ana García,612 34 56 78,ana@example.com,Sevilla\n"
                      "Luis,abc,,\n"
                      "Eva,+34 699-11-22-33,eva@,\n"
                      "\"Pérez, Juan\",(+34) 600 000 001,,\"Madrid,\nCentro\"\n"
                      "Dup,0034 612345678,,\n"
                      ",,,\n"
                      "Sin teléfono,,sin@tel.es,\n"
                      "Max,922 123 456,,\n";
    Ocpb__ImportLeadsReply *r = import_csv(tenant, campaign, csv, strlen(csv));
    const Ocpb__ImportJob *j = r->job;
    cr_assert_not_null(j);
    cr_assert_eq(j->status, OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE, "%s", j->error);
    cr_assert_eq(j->imported, 3);
    cr_assert_eq(j->rejected, 4);
    cr_assert_eq(j->duplicates, 1);
    cr_assert_eq(j->rows_done, 7);
    cr_assert_str_eq(j->delimiter, ",");
    cr_assert_str_eq(j->encoding, "utf-8");
    cr_assert_eq(j->n_rejected_rows, 4);

    const struct {
        long line;
        Ocpb__RejectReason code;
        const char *says;
    } want[] = {
        {3, OCPB__REJECT_REASON__REJECT_REASON_INVALID_PHONE, "\"abc\""},
        {4, OCPB__REJECT_REASON__REJECT_REASON_INVALID_EMAIL, "eva@"},
        {7, OCPB__REJECT_REASON__REJECT_REASON_DUPLICATE_IN_FILE, "line 2"},
        {9, OCPB__REJECT_REASON__REJECT_REASON_MISSING_PHONE, "no phone"},
    };
    for (size_t i = 0; i < 4; i++) {
        const Ocpb__RejectedRow *x = j->rejected_rows[i];
        cr_assert_eq(x->line, want[i].line, "row %zu: line %ld", i, (long)x->line);
        cr_assert_eq(x->code, want[i].code, "line %ld: code %d", (long)x->line, x->code);
        cr_assert(strstr(x->reason, want[i].says), "line %ld: %s", (long)x->line, x->reason);
    }
    cr_assert_str_eq(j->rejected_rows[0]->raw, "Luis,abc,,");
    char *job_id = strdup(j->id);
    ocpb__import_leads_reply__free_unpacked(r, NULL);

    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 3);
    const Ocpb__Lead *ana = find_phone(l, "+34612345678");
    cr_assert_not_null(ana);
    cr_assert_str_eq(ana->name, "Ana García");
    cr_assert_str_eq(ana->email, "ana@example.com");
    cr_assert_eq(ana->phone_type, OCPB__PHONE_TYPE__PHONE_TYPE_MOBILE);
    cr_assert_str_eq(ana->timezone, "Europe/Madrid");
    cr_assert_eq(ana->timezone_source, OCPB__TIMEZONE_SOURCE__TIMEZONE_SOURCE_CAMPAIGN);
    cr_assert_eq(ana->line, 2);
    cr_assert_str_eq(ana->import_id, job_id);
    cr_assert_eq(ana->status, OCPB__LEAD_STATUS__LEAD_STATUS_PENDING);
    cr_assert_eq(ana->n_fields, 1);
    cr_assert_str_eq(ana->fields[0]->key, "Ciudad");
    const Ocpb__Lead *juan = find_phone(l, "+34600000001");
    cr_assert_not_null(juan);
    cr_assert_str_eq(juan->name, "Pérez, Juan");
    cr_assert_str_eq(juan->fields[0]->value, "Madrid,\nCentro");
    const Ocpb__Lead *max = find_phone(l, "+34922123456");
    cr_assert_not_null(max);
    cr_assert_str_eq(max->timezone, "Atlantic/Canary");
    cr_assert_eq(max->timezone_source, OCPB__TIMEZONE_SOURCE__TIMEZONE_SOURCE_NUMBER);
    ocpb__list_leads_reply__free_unpacked(l, NULL);

    /* Every rejected row, page by page, for the CSV download. */
    Ocpb__ListRejectedRowsRequest q = OCPB__LIST_REJECTED_ROWS_REQUEST__INIT;
    Ocpb__PageRequest p = OCPB__PAGE_REQUEST__INIT;
    p.limit = 3;
    q.page = &p;
    q.job_id = job_id;
    Ocpb__ListRejectedRowsReply *rr =
        ok(tenant, "leads.imports.rejected", &q.base, &ocpb__list_rejected_rows_reply__descriptor);
    cr_assert_eq(rr->n_rows, 3);
    cr_assert_neq(rr->page->next_cursor[0], '\0');
    p.cursor = strdup(rr->page->next_cursor);
    ocpb__list_rejected_rows_reply__free_unpacked(rr, NULL);
    rr = ok(tenant, "leads.imports.rejected", &q.base, &ocpb__list_rejected_rows_reply__descriptor);
    cr_assert_eq(rr->n_rows, 1);
    cr_assert_eq(rr->rows[0]->line, 9);
    cr_assert_str_eq(rr->page->next_cursor, "");
    ocpb__list_rejected_rows_reply__free_unpacked(rr, NULL);
    free(p.cursor);
    free(job_id);
}

Test(leads, a_number_already_in_the_campaign_is_reported_not_imported_twice)
{
    char tenant[37], campaign[37], other[37];
    uuid(tenant);
    uuid(campaign);
    uuid(other);
    Ocpb__ImportLeadsReply *r = import_csv(tenant, campaign, "phone\n612345678\n699000111\n", 26);
    cr_assert_eq(r->job->imported, 2);
    ocpb__import_leads_reply__free_unpacked(r, NULL);

    const char *again = "name;phone\nA;+34 612 345 678\nB;600 111 222\n";
    r = import_csv(tenant, campaign, again, strlen(again));
    cr_assert_eq(r->job->imported, 1);
    cr_assert_eq(r->job->duplicates, 1);
    cr_assert_str_eq(r->job->delimiter, ";");
    cr_assert_eq(r->job->rejected_rows[0]->code,
                 OCPB__REJECT_REASON__REJECT_REASON_DUPLICATE_IN_CAMPAIGN);
    cr_assert_eq(r->job->rejected_rows[0]->line, 2);
    ocpb__import_leads_reply__free_unpacked(r, NULL);

    /* Another campaign of the same tenant takes the number. */
    r = import_csv(tenant, other, again, strlen(again));
    cr_assert_eq(r->job->imported, 2);
    ocpb__import_leads_reply__free_unpacked(r, NULL);
}

Test(leads, a_latin1_file_with_semicolons_is_converted)
{
    char tenant[37], campaign[37];
    uuid(tenant);
    uuid(campaign);
    const char csv[] = "Nombre;Apellidos;Tel\xE9"
                       "fono;Empresa\n"
                       "Jos\xE9;Mu\xF1oz;612 34 56 78;Caf\xE9 S.L.\n";
    Ocpb__ImportLeadsReply *r = import_csv(tenant, campaign, csv, sizeof(csv) - 1);
    cr_assert_eq(r->job->imported, 1, "%s", r->job->error);
    cr_assert_str_eq(r->job->encoding, "latin-1");
    ocpb__import_leads_reply__free_unpacked(r, NULL);
    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 1);
    cr_assert_str_eq(l->leads[0]->name, "José Muñoz");
    cr_assert_str_eq(l->leads[0]->first_name, "José");
    cr_assert_str_eq(l->leads[0]->company, "Café S.L.");
    ocpb__list_leads_reply__free_unpacked(l, NULL);
}

Test(leads, a_file_that_is_not_csv_fails_as_a_whole_with_a_reason)
{
    char tenant[37], campaign[37];
    uuid(tenant);
    uuid(campaign);
    Ocpb__ImportLeadsReply *r = import_csv(tenant, campaign, "PK\x03\x04\x14\0\0\0", 8);
    cr_assert_eq(r->job->status, OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_FAILED);
    cr_assert(strstr(r->job->error, "CSV"), "%s", r->job->error);
    ocpb__import_leads_reply__free_unpacked(r, NULL);
    r = import_csv(tenant, campaign, "name,email\nAna,a@b.es\n", 22);
    cr_assert_eq(r->job->status, OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_FAILED);
    cr_assert(strstr(r->job->error, "no phone column"), "%s", r->job->error);
    ocpb__import_leads_reply__free_unpacked(r, NULL);
}

static Ocpb__SendImportChunkReply *chunk(const char *tenant, const char *subject, const char *job,
                                         uint32_t seq, const char *data, size_t len, bool last)
{
    Ocpb__SendImportChunkRequest q = OCPB__SEND_IMPORT_CHUNK_REQUEST__INIT;
    q.job_id = (char *)job;
    q.seq = seq;
    q.data.data = (uint8_t *)data;
    q.data.len = len;
    q.last = last;
    return ok(tenant, subject, &q.base, &ocpb__send_import_chunk_reply__descriptor);
}

Test(leads, a_streamed_import_reads_chunks_split_anywhere)
{
    char tenant[37], campaign[37];
    uuid(tenant);
    uuid(campaign);
    Ocpb__ImportLeadsRequest q = OCPB__IMPORT_LEADS_REQUEST__INIT;
    q.campaign_id = campaign;
    q.streamed = true;
    q.wait = true;
    q.default_region = "ES";
    q.default_timezone = "Europe/Madrid";
    Ocpb__ColumnMapping m[2] = {OCPB__COLUMN_MAPPING__INIT, OCPB__COLUMN_MAPPING__INIT};
    Ocpb__ColumnMapping *mp[2] = {&m[0], &m[1]};
    m[0].column = "Tel";
    m[0].field = "phone";
    m[1].column = "quien"; /* matched to "Quien" whatever the case */
    m[1].field = "name";
    q.mapping = mp;
    q.n_mapping = 2;
    Ocpb__ImportLeadsReply *r =
        ok(tenant, "leads.import", &q.base, &ocpb__import_leads_reply__descriptor);
    cr_assert_str_neq(r->chunk_subject, "");
    char *subject = strdup(r->chunk_subject), *job = strdup(r->job->id);
    ocpb__import_leads_reply__free_unpacked(r, NULL);

    const char *csv = "\xEF\xBB\xBFQuien,Tel\r\n\"Ana\r\nGarcía\",612 34 56 78\r\nLuis,bad\r\n"
                      "Eva,699 11 22 33\r\n";
    size_t len = strlen(csv), cut1 = 7, cut2 = 24; /* inside the BOM's header and a quoted field */
    Ocpb__SendImportChunkReply *c = chunk(tenant, subject, job, 0, csv, cut1, false);
    cr_assert_eq(c->next_seq, 1);
    ocpb__send_import_chunk_reply__free_unpacked(c, NULL);
    c = chunk(tenant, subject, job, 1, csv + cut1, cut2 - cut1, false);
    ocpb__send_import_chunk_reply__free_unpacked(c, NULL);
    /* A retried chunk changes nothing. */
    c = chunk(tenant, subject, job, 1, csv + cut1, cut2 - cut1, false);
    cr_assert_eq(c->next_seq, 2);
    ocpb__send_import_chunk_reply__free_unpacked(c, NULL);
    c = chunk(tenant, subject, job, 2, csv + cut2, len - cut2, true);
    cr_assert_not_null(c->job);
    cr_assert_eq(c->job->status, OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE, "%s",
                 c->job->error);
    cr_assert_eq(c->job->imported, 2);
    cr_assert_eq(c->job->rejected, 1);
    cr_assert_eq(c->job->n_rejected_rows, 1);
    cr_assert_eq(c->job->rejected_rows[0]->line, 4);
    cr_assert_eq(c->job->total_bytes, 0);
    cr_assert_eq(c->job->bytes_done, (int64_t)len);
    ocpb__send_import_chunk_reply__free_unpacked(c, NULL);

    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 2);
    cr_assert_str_eq(l->leads[0]->name, "Ana\r\nGarcía", "leads of a file keep its order");
    cr_assert_str_eq(find_phone(l, "+34612345678")->name, "Ana\r\nGarcía");
    ocpb__list_leads_reply__free_unpacked(l, NULL);

    /* The job's subject is gone once it is done. */
    Ocpb__SendImportChunkRequest more = OCPB__SEND_IMPORT_CHUNK_REQUEST__INIT;
    more.job_id = job;
    more.seq = 3;
    void *out = NULL;
    char err[256];
    cr_assert_neq(call(tenant, subject, &more.base, &ocpb__send_import_chunk_reply__descriptor,
                       &out, err, sizeof(err)),
                  OC_OK);
    free(subject);
    free(job);
}

/* A lead created by API while a file streams in reaches the campaign after
 * the import read the campaign's numbers, so it is no suspect of the
 * import's filter: the COPY of its batch collides on the unique number per
 * campaign, and the batch is written again with every number looked up. */
Test(leads, a_number_added_while_the_file_streams_in_is_reported_as_a_duplicate)
{
    char tenant[37], campaign[37], taken[20], fresh[20];
    uuid(tenant);
    uuid(campaign);
    test_phone(taken, 61);
    test_phone(fresh, 62);
    Ocpb__ImportLeadsRequest q = OCPB__IMPORT_LEADS_REQUEST__INIT;
    q.campaign_id = campaign;
    q.streamed = true;
    q.wait = true;
    q.default_region = "ES";
    q.default_timezone = "Europe/Madrid";
    Ocpb__ImportLeadsReply *r =
        ok(tenant, "leads.import", &q.base, &ocpb__import_leads_reply__descriptor);
    char *subject = strdup(r->chunk_subject), *job = strdup(r->job->id);
    ocpb__import_leads_reply__free_unpacked(r, NULL);

    Ocpb__Lead l = OCPB__LEAD__INIT;
    l.campaign_id = campaign;
    l.name = "By API";
    l.phone_raw = taken;
    l.timezone = "Europe/Madrid";
    Ocpb__CreateLeadRequest cq = OCPB__CREATE_LEAD_REQUEST__INIT;
    cq.lead = &l;
    cq.default_region = "ES";
    ocpb__create_lead_reply__free_unpacked(
        ok(tenant, "leads.create", &cq.base, &ocpb__create_lead_reply__descriptor), NULL);

    char csv[128];
    int n = snprintf(csv, sizeof(csv), "name,phone\nFrom file,%s\nNew,%s\n", taken, fresh);
    Ocpb__SendImportChunkReply *c = chunk(tenant, subject, job, 0, csv, (size_t)n, true);
    const Ocpb__ImportJob *j = c->job;
    cr_assert_not_null(j);
    cr_assert_eq(j->status, OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE, "%s", j->error);
    cr_assert_eq(j->imported, 1);
    cr_assert_eq(j->duplicates, 1);
    cr_assert_eq(j->n_rejected_rows, 1);
    cr_assert_eq(j->rejected_rows[0]->line, 2);
    cr_assert_eq(j->rejected_rows[0]->code,
                 OCPB__REJECT_REASON__REJECT_REASON_DUPLICATE_IN_CAMPAIGN);
    cr_assert(strstr(j->rejected_rows[0]->reason, "already in the campaign"), "%s",
              j->rejected_rows[0]->reason);
    ocpb__send_import_chunk_reply__free_unpacked(c, NULL);

    Ocpb__ListLeadsReply *ll = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(ll->n_leads, 2);
    cr_assert_str_eq(find_phone(ll, taken)->name, "By API");
    cr_assert_str_eq(find_phone(ll, fresh)->name, "New");
    ocpb__list_leads_reply__free_unpacked(ll, NULL);
    free(subject);
    free(job);
}

/* Runs sql on pg; returns its SQLSTATE ("" when it succeeded). */
static const char *sqlstate_of(PGconn *pg, const char *sql, char *buf, size_t len)
{
    PGresult *r = PQexec(pg, sql);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(buf, len, "%s", PQresultStatus(r) == PGRES_FATAL_ERROR && state ? state : "");
    PQclear(r);
    return buf;
}

static PGconn *connect_as(const char *role)
{
    char url[256];
    snprintf(url, sizeof(url), th_env("OC_PG_URL_BASE"), role);
    return PQconnectdb(url);
}

/* The role the import's writer takes to COPY leads past row-level security
 * may insert into leads and do nothing else: it cannot read them back,
 * change or delete them, or touch any other table; nobody logs in as it,
 * and only lead-ingest's role may take it. */
Test(leads, the_bulk_role_may_insert_leads_and_nothing_else)
{
    PGconn *su = PQconnectdb(th_env("OC_PG_ADMIN"));
    cr_assert_eq(PQstatus(su), CONNECTION_OK, "superuser: %s", PQerrorMessage(su));
    PGresult *r = PQexec(su, "SELECT rolbypassrls, rolsuper, rolcanlogin, rolcreaterole,"
                             " (SELECT string_agg(m.member::regrole::text, ',')"
                             "  FROM pg_auth_members m WHERE m.roleid = r.oid)"
                             " FROM pg_roles r WHERE rolname = 'oc_lead_ingest_bulk'");
    cr_assert_eq(PQntuples(r), 1, "no role oc_lead_ingest_bulk: %s", PQerrorMessage(su));
    cr_assert_str_eq(PQgetvalue(r, 0, 0), "t", "it bypasses row-level security");
    cr_assert_str_eq(PQgetvalue(r, 0, 1), "f");
    cr_assert_str_eq(PQgetvalue(r, 0, 2), "f", "it cannot log in");
    cr_assert_str_eq(PQgetvalue(r, 0, 3), "f");
    cr_assert_str_eq(PQgetvalue(r, 0, 4), "oc_lead_ingest", "its members");
    PQclear(r);
    /* Every right on every relation of every service's schema: one. */
    r = PQexec(su, "SELECT n.nspname || '.' || c.relname || ' ' || p FROM pg_class c"
                   " JOIN pg_namespace n ON n.oid = c.relnamespace,"
                   " unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',"
                   "              'REFERENCES', 'TRIGGER']) p"
                   " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
                   " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                   " AND n.nspname NOT LIKE 'pg\\_%'"
                   " AND has_table_privilege('oc_lead_ingest_bulk', c.oid, p)");
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(su));
    cr_assert_eq(PQntuples(r), 1, "rights: %d, the first %s", PQntuples(r),
                 PQntuples(r) ? PQgetvalue(r, 0, 0) : "none");
    cr_assert_str_eq(PQgetvalue(r, 0, 0), "lead_ingest.leads INSERT");
    PQclear(r);
    PQfinish(su);

    char state[8];
    PGconn *bulk = connect_as("oc_lead_ingest_bulk");
    cr_assert_neq(PQstatus(bulk), CONNECTION_OK, "oc_lead_ingest_bulk logged in");
    PQfinish(bulk);
    PGconn *gw = connect_as("oc_gateway");
    cr_assert_eq(PQstatus(gw), CONNECTION_OK, "%s", PQerrorMessage(gw));
    cr_assert_str_eq(sqlstate_of(gw, "SET ROLE oc_lead_ingest_bulk", state, sizeof(state)), "42501",
                     "another service's role took the bulk role");
    PQfinish(gw);

    /* Taken by lead-ingest's role, inside a transaction that is rolled back. */
    PGconn *pg = connect_as("oc_lead_ingest");
    cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s", PQerrorMessage(pg));
    cr_assert_str_eq(sqlstate_of(pg, "BEGIN", state, sizeof(state)), "");
    cr_assert_str_eq(sqlstate_of(pg, "SET LOCAL ROLE oc_lead_ingest_bulk", state, sizeof(state)),
                     "");
    static const char *const refused[] = {
        "SELECT count(*) FROM lead_ingest.leads",
        "SELECT id FROM lead_ingest.leads WHERE phone_e164 = '+34600000000'",
        "UPDATE lead_ingest.leads SET name = name",
        "DELETE FROM lead_ingest.leads",
        "TRUNCATE lead_ingest.leads",
        "SELECT count(*) FROM lead_ingest.lead_lists",
        "SELECT count(*) FROM lead_ingest.dnc_entries",
        "DELETE FROM lead_ingest.rejected_rows",
        "INSERT INTO lead_ingest.outbox (tenant_id, subject, msg_id, payload)"
        " VALUES (gen_random_uuid(), 'x', 'x', '')",
        "SELECT count(*) FROM gateway.schema_migrations",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        cr_assert_str_eq(sqlstate_of(pg, "SAVEPOINT s", state, sizeof(state)), "");
        cr_assert_str_eq(sqlstate_of(pg, refused[i], state, sizeof(state)), "42501",
                         "the bulk role may: %s", refused[i]);
        cr_assert_str_eq(sqlstate_of(pg, "ROLLBACK TO SAVEPOINT s", state, sizeof(state)), "");
    }
    /* What it is for: an insert for a tenant no transaction was scoped to. */
    cr_assert_str_eq(
        sqlstate_of(pg,
                    "INSERT INTO lead_ingest.leads (tenant_id, campaign_id, phone_raw,"
                    " phone_e164, timezone, timezone_source) VALUES (gen_random_uuid(),"
                    " gen_random_uuid(), '600000000', '+34600000000', 'Europe/Madrid',"
                    " 'campaign')",
                    state, sizeof(state)),
        "");
    cr_assert_str_eq(sqlstate_of(pg, "ROLLBACK", state, sizeof(state)), "");
    PQfinish(pg);
}

/* Runs sql as the superuser, failing the test unless it succeeds. */
static void as_superuser(const char *sql)
{
    PGconn *su = PQconnectdb(th_env("OC_PG_ADMIN"));
    cr_assert_eq(PQstatus(su), CONNECTION_OK, "superuser: %s", PQerrorMessage(su));
    PGresult *r = PQexec(su, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(su));
    PQclear(r);
    PQfinish(su);
}

/* Runs after the test (and before the suite's teardown), however it ended. */
static void give_the_bulk_role_back(void)
{
    as_superuser("GRANT oc_lead_ingest_bulk TO oc_lead_ingest");
}

/* A database set up before the bulk role existed: imports write their
 * leads through the staging table under row-level security instead, with
 * the same outcome, duplicates and order included. */
Test(leads, without_the_bulk_role_an_import_writes_through_the_staging_table,
     .fini = give_the_bulk_role_back)
{
    char tenant[37], campaign[37], phones[3][20];
    uuid(tenant);
    uuid(campaign);
    for (unsigned i = 0; i < 3; i++)
        test_phone(phones[i], 71 + i);
    char csv[256];
    int n = snprintf(csv, sizeof(csv), "name,phone\nFirst,%s\n", phones[0]);
    ocpb__import_leads_reply__free_unpacked(import_csv(tenant, campaign, csv, (size_t)n), NULL);

    as_superuser("REVOKE oc_lead_ingest_bulk FROM oc_lead_ingest");
    n = snprintf(csv, sizeof(csv), "name,phone\nB,%s\nA,%s\nAgain,%s\nBad,123\nC,%s\n", phones[1],
                 phones[0], phones[1], phones[2]);
    Ocpb__ImportLeadsReply *r = import_csv(tenant, campaign, csv, (size_t)n);
    const Ocpb__ImportJob *j = r->job;
    cr_assert_eq(j->status, OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE, "%s", j->error);
    cr_assert_eq(j->imported, 2);
    cr_assert_eq(j->rejected, 3);
    cr_assert_eq(j->duplicates, 2);
    cr_assert_eq(j->rejected_rows[0]->code,
                 OCPB__REJECT_REASON__REJECT_REASON_DUPLICATE_IN_CAMPAIGN);
    cr_assert_eq(j->rejected_rows[1]->code, OCPB__REJECT_REASON__REJECT_REASON_DUPLICATE_IN_FILE);
    ocpb__import_leads_reply__free_unpacked(r, NULL);

    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 3);
    cr_assert_str_eq(l->leads[0]->name, "First");
    cr_assert_str_eq(l->leads[1]->name, "B");
    cr_assert_str_eq(l->leads[2]->name, "C");
    ocpb__list_leads_reply__free_unpacked(l, NULL);
}

/* ---------------------------------------------------------------- leads */

Test(leads, leads_are_created_listed_page_by_page_updated_and_deleted)
{
    char tenant[37], campaign[37], phones[5][20];
    uuid(tenant);
    uuid(campaign);
    for (unsigned i = 0; i < 5; i++) {
        test_phone(phones[i], i + 1);
        Ocpb__Lead l = OCPB__LEAD__INIT;
        char name[16];
        snprintf(name, sizeof(name), "Lead %c", "CEADB"[i]);
        l.campaign_id = campaign;
        l.name = name;
        l.phone_raw = phones[i];
        l.timezone = "Europe/Madrid"; /* explicit: the campaign is not asked */
        Ocpb__CreateLeadRequest q = OCPB__CREATE_LEAD_REQUEST__INIT;
        q.lead = &l;
        q.default_region = "ES";
        Ocpb__CreateLeadReply *r =
            ok(tenant, "leads.create", &q.base, &ocpb__create_lead_reply__descriptor);
        cr_assert_str_eq(r->lead->phone_e164, phones[i]);
        ocpb__create_lead_reply__free_unpacked(r, NULL);
    }
    /* The same number twice in a campaign is refused. */
    Ocpb__Lead dup = OCPB__LEAD__INIT;
    dup.campaign_id = campaign;
    dup.phone_raw = phones[0];
    dup.timezone = "Europe/Madrid";
    Ocpb__CreateLeadRequest dq = OCPB__CREATE_LEAD_REQUEST__INIT;
    dq.lead = &dup;
    dq.default_region = "ES";
    void *out = NULL;
    char err[256];
    cr_assert_eq(call(tenant, "leads.create", &dq.base, &ocpb__create_lead_reply__descriptor, &out,
                      err, sizeof(err)),
                 OC_ERR_CONFLICT, "%s", err);

    /* Keyset pages: every lead once, in order. */
    char *cursor = NULL;
    int seen = 0, pages = 0;
    do {
        Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, cursor, 2);
        free(cursor);
        for (size_t i = 0; i < l->n_leads; i++)
            cr_assert_str_eq(l->leads[i]->phone_e164, phones[seen++]);
        cursor = l->page->next_cursor[0] ? strdup(l->page->next_cursor) : NULL;
        ocpb__list_leads_reply__free_unpacked(l, NULL);
        pages++;
    } while (cursor);
    cr_assert_eq(seen, 5);
    cr_assert_eq(pages, 3);

    /* Sorted by name, descending, in pages of two. */
    const char *want = "EDCBA";
    seen = 0;
    do {
        Ocpb__ListLeadsRequest nq = OCPB__LIST_LEADS_REQUEST__INIT;
        Ocpb__PageRequest np = OCPB__PAGE_REQUEST__INIT;
        np.cursor = cursor ? cursor : "";
        np.limit = 2;
        nq.page = &np;
        nq.campaign_id = campaign;
        nq.sort = OCPB__LEAD_SORT__LEAD_SORT_NAME_DESC;
        Ocpb__ListLeadsReply *l =
            ok(tenant, "leads.list", &nq.base, &ocpb__list_leads_reply__descriptor);
        free(cursor);
        for (size_t i = 0; i < l->n_leads; i++, seen++)
            cr_assert_eq(l->leads[i]->name[5], want[seen], "%s", l->leads[i]->name);
        cursor = l->page->next_cursor[0] ? strdup(l->page->next_cursor) : NULL;
        ocpb__list_leads_reply__free_unpacked(l, NULL);
    } while (cursor);
    cr_assert_eq(seen, 5);

    /* Text search on the number, as typed. */
    Ocpb__ListLeadsRequest sq = OCPB__LIST_LEADS_REQUEST__INIT;
    sq.campaign_id = campaign;
    sq.query = phones[2] + 3;
    Ocpb__ListLeadsReply *found =
        ok(tenant, "leads.list", &sq.base, &ocpb__list_leads_reply__descriptor);
    cr_assert_eq(found->n_leads, 1);
    char *id = strdup(found->leads[0]->id);
    ocpb__list_leads_reply__free_unpacked(found, NULL);

    /* Update: the mask says what changes. */
    Ocpb__Lead u = OCPB__LEAD__INIT;
    u.id = id;
    u.name = "Renamed";
    u.email = "x@example.com";
    u.status = OCPB__LEAD_STATUS__LEAD_STATUS_CONTACTED;
    char *mask[] = {"name", "email", "status"};
    Ocpb__UpdateLeadRequest uq = OCPB__UPDATE_LEAD_REQUEST__INIT;
    uq.lead = &u;
    uq.update_mask = mask;
    uq.n_update_mask = 3;
    Ocpb__UpdateLeadReply *ur =
        ok(tenant, "leads.update", &uq.base, &ocpb__update_lead_reply__descriptor);
    cr_assert_str_eq(ur->lead->name, "Renamed");
    cr_assert_str_eq(ur->lead->email, "x@example.com");
    cr_assert_eq(ur->lead->status, OCPB__LEAD_STATUS__LEAD_STATUS_CONTACTED);
    cr_assert_str_eq(ur->lead->phone_e164, phones[2], "fields outside the mask stay");
    ocpb__update_lead_reply__free_unpacked(ur, NULL);
    uq.n_update_mask = 0;
    cr_assert_eq(call(tenant, "leads.update", &uq.base, &ocpb__update_lead_reply__descriptor, &out,
                      err, sizeof(err)),
                 OC_ERR_INVALID, "an empty mask is refused");
    /* A number another lead of the campaign has is refused. */
    u.phone_raw = phones[0];
    char *pmask[] = {"phone_raw"};
    uq.update_mask = pmask;
    uq.n_update_mask = 1;
    cr_assert_eq(call(tenant, "leads.update", &uq.base, &ocpb__update_lead_reply__descriptor, &out,
                      err, sizeof(err)),
                 OC_ERR_CONFLICT, "%s", err);

    Ocpb__DeleteLeadRequest del = OCPB__DELETE_LEAD_REQUEST__INIT;
    del.id = id;
    ocpb__delete_lead_reply__free_unpacked(
        ok(tenant, "leads.delete", &del.base, &ocpb__delete_lead_reply__descriptor), NULL);
    Ocpb__GetLeadRequest g = OCPB__GET_LEAD_REQUEST__INIT;
    g.id = id;
    cr_assert_eq(call(tenant, "leads.get", &g.base, &ocpb__get_lead_reply__descriptor, &out, err,
                      sizeof(err)),
                 OC_ERR_NOT_FOUND);
    free(id);
}

/* ---------------------------------------------------------------- JetStream */

struct seen {
    pthread_mutex_t mu;
    const char *want; /* a number (dnc.changed) or a lead id (leads.deleted) */
    bool found;
    bool erased;
};

static enum oc_status on_dnc_changed(void *user, const char *subject, const uint8_t *data,
                                     size_t len, uint64_t delivered)
{
    (void)subject;
    (void)delivered;
    struct seen *s = user;
    Ocpb__DncChanged *m = ocpb__dnc_changed__unpack(NULL, len, data);
    if (m) {
        pthread_mutex_lock(&s->mu);
        if (m->action == OCPB__DNC_ACTION__DNC_ACTION_ADDED && m->entry &&
            strcmp(m->entry->phone_e164, s->want) == 0)
            s->found = true;
        pthread_mutex_unlock(&s->mu);
        ocpb__dnc_changed__free_unpacked(m, NULL);
    }
    return OC_OK;
}

static enum oc_status on_lead_deleted(void *user, const char *subject, const uint8_t *data,
                                      size_t len, uint64_t delivered)
{
    (void)subject;
    (void)delivered;
    struct seen *s = user;
    Ocpb__LeadDeleted *m = ocpb__lead_deleted__unpack(NULL, len, data);
    if (m) {
        pthread_mutex_lock(&s->mu);
        if (strcmp(m->lead_id, s->want) == 0) {
            s->found = true;
            s->erased = m->erased;
        }
        pthread_mutex_unlock(&s->mu);
        ocpb__lead_deleted__free_unpacked(m, NULL);
    }
    return OC_OK;
}

static bool seen_it(void *arg)
{
    struct seen *s = arg;
    pthread_mutex_lock(&s->mu);
    bool f = s->found;
    pthread_mutex_unlock(&s->mu);
    return f;
}

/* A durable consumer of the test's own on the LEADS stream (which lead-ingest creates). */
static struct oc_consumer *watch(const char *filter, oc_js_msg_cb cb, struct seen *s)
{
    char durable[64];
    snprintf(durable, sizeof(durable), "test-leads-%d-%lld", (int)getpid(), th_now_ms() % 1000000);
    struct oc_consumer_config cc = {
        .stream = "LEADS", .durable = durable, .filter_subject = filter};
    struct oc_consumer *c = NULL;
    cr_assert_eq(oc_consumer_start(&c, bus, &cc, cb, s), OC_OK, "no LEADS stream");
    return c;
}

Test(leads, dnc_check_finds_a_number_written_in_another_format)
{
    char tenant[37], e164[20], national[24];
    uuid(tenant);
    test_phone(e164, 61);
    snprintf(national, sizeof(national), "00%s", e164 + 1); /* 0034..., no plus */
    char spaced[32];
    snprintf(spaced, sizeof(spaced), "%.3s %.3s %.3s %s", e164 + 3, e164 + 6, e164 + 9, e164 + 12);

    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER, .want = e164};
    struct oc_consumer *c = watch("dnc.changed", on_dnc_changed, &s);

    Ocpb__AddDncRequest add = OCPB__ADD_DNC_REQUEST__INIT;
    add.phone = national;
    add.default_region = "ES";
    add.source = OCPB__DNC_SOURCE__DNC_SOURCE_MANUAL;
    add.reason = "asked by e-mail";
    add.risk = OCPB__DNC_RISK__DNC_RISK_HIGH;
    Ocpb__AddDncReply *ar = ok(tenant, "dnc.add", &add.base, &ocpb__add_dnc_reply__descriptor);
    cr_assert_str_eq(ar->entry->phone_e164, e164);
    cr_assert_not(ar->already_listed);
    ocpb__add_dnc_reply__free_unpacked(ar, NULL);
    ar = ok(tenant, "dnc.add", &add.base, &ocpb__add_dnc_reply__descriptor);
    cr_assert(ar->already_listed, "a second add changes nothing");
    ocpb__add_dnc_reply__free_unpacked(ar, NULL);

    /* The scheduler acts on dnc.changed: it must come, and quickly. */
    cr_assert(th_wait_until(seen_it, &s, WAIT_MS), "no dnc.changed for %s on JetStream", e164);
    oc_consumer_stop(c);

    Ocpb__CheckDncRequest chk = OCPB__CHECK_DNC_REQUEST__INIT;
    chk.phone = spaced;
    chk.default_region = "ES";
    Ocpb__CheckDncReply *cr =
        ok(tenant, "dnc.check", &chk.base, &ocpb__check_dnc_reply__descriptor);
    cr_assert(cr->listed, "%s is the same number as %s", spaced, national);
    cr_assert_str_eq(cr->phone_e164, e164);
    cr_assert_eq(cr->entry->risk, OCPB__DNC_RISK__DNC_RISK_HIGH);
    ocpb__check_dnc_reply__free_unpacked(cr, NULL);

    char other[20];
    test_phone(other, 62);
    char *batch[] = {e164, other, "not a number", national};
    Ocpb__CheckDncBatchRequest bq = OCPB__CHECK_DNC_BATCH_REQUEST__INIT;
    bq.phones = batch;
    bq.n_phones = 4;
    bq.default_region = "ES";
    Ocpb__CheckDncBatchReply *br =
        ok(tenant, "dnc.check_batch", &bq.base, &ocpb__check_dnc_batch_reply__descriptor);
    cr_assert_eq(br->n_results, 4);
    cr_assert(br->results[0]->listed);
    cr_assert_not(br->results[1]->listed);
    cr_assert_not(br->results[2]->listed);
    cr_assert_str_eq(br->results[2]->phone_e164, "");
    cr_assert(br->results[3]->listed);
    ocpb__check_dnc_batch_reply__free_unpacked(br, NULL);

    Ocpb__RemoveDncRequest rm = OCPB__REMOVE_DNC_REQUEST__INIT;
    rm.phone = spaced;
    rm.default_region = "ES";
    rm.reason = "added by mistake";
    ocpb__remove_dnc_reply__free_unpacked(
        ok(tenant, "dnc.remove", &rm.base, &ocpb__remove_dnc_reply__descriptor), NULL);
    cr = ok(tenant, "dnc.check", &chk.base, &ocpb__check_dnc_reply__descriptor);
    cr_assert_not(cr->listed);
    ocpb__check_dnc_reply__free_unpacked(cr, NULL);

    /* The audit trail keeps both changes, newest first, with their reasons. */
    Ocpb__ListDncHistoryRequest hq = OCPB__LIST_DNC_HISTORY_REQUEST__INIT;
    hq.phone = e164;
    Ocpb__ListDncHistoryReply *hr =
        ok(tenant, "dnc.history", &hq.base, &ocpb__list_dnc_history_reply__descriptor);
    cr_assert_eq(hr->n_entries, 2);
    cr_assert_eq(hr->entries[0]->action, OCPB__DNC_ACTION__DNC_ACTION_REMOVED);
    cr_assert_str_eq(hr->entries[0]->reason, "added by mistake");
    cr_assert_eq(hr->entries[1]->action, OCPB__DNC_ACTION__DNC_ACTION_ADDED);
    cr_assert_str_eq(hr->entries[1]->reason, "asked by e-mail");
    ocpb__list_dnc_history_reply__free_unpacked(hr, NULL);
}

Test(leads, adding_a_number_to_the_list_marks_its_leads_do_not_call)
{
    char tenant[37], campaign[37], e164[20];
    uuid(tenant);
    uuid(campaign);
    test_phone(e164, 71);
    char csv[128];
    int n = snprintf(csv, sizeof(csv), "name,phone\nAna,%s\n", e164);
    ocpb__import_leads_reply__free_unpacked(import_csv(tenant, campaign, csv, (size_t)n), NULL);

    Ocpb__ImportDncRequest iq = OCPB__IMPORT_DNC_REQUEST__INIT;
    char dcsv[128];
    n = snprintf(dcsv, sizeof(dcsv), "Teléfono\n%s\nnot a number\n", e164 + 3);
    iq.csv.data = (uint8_t *)dcsv;
    iq.csv.len = (size_t)n;
    iq.default_region = "ES";
    iq.reason = "regulator list";
    Ocpb__ImportDncReply *ir =
        ok(tenant, "dnc.import", &iq.base, &ocpb__import_dnc_reply__descriptor);
    cr_assert_eq(ir->added, 1);
    cr_assert_eq(ir->n_rejected, 1);
    cr_assert_eq(ir->rejected[0]->line, 3);
    ocpb__import_dnc_reply__free_unpacked(ir, NULL);

    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 1);
    cr_assert_eq(l->leads[0]->status, OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL);
    ocpb__list_leads_reply__free_unpacked(l, NULL);

    /* A later import of the listed number makes a lead that is never called. */
    char later[37];
    uuid(later);
    ocpb__import_leads_reply__free_unpacked(import_csv(tenant, later, csv, strlen(csv)), NULL);
    l = list_leads(tenant, later, NULL, 0);
    cr_assert_eq(l->n_leads, 1);
    cr_assert_eq(l->leads[0]->status, OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL);
    ocpb__list_leads_reply__free_unpacked(l, NULL);
}

Test(leads, erase_removes_the_lead_and_tells_the_other_services)
{
    char tenant[37], campaign[37], e164[20], id[37];
    uuid(tenant);
    uuid(campaign);
    test_phone(e164, 81);
    char csv[160];
    int n = snprintf(csv, sizeof(csv), "name,phone,email\nAna,%s,ana@example.com\nAna,%s,\n", e164,
                     e164 + 3);
    Ocpb__ImportLeadsReply *r = import_csv(tenant, campaign, csv, (size_t)n);
    cr_assert_eq(r->job->imported, 1);
    cr_assert_eq(r->job->rejected, 1, "the repeat is kept as a rejected row");
    char *job = strdup(r->job->id);
    ocpb__import_leads_reply__free_unpacked(r, NULL);
    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 1);
    snprintf(id, sizeof(id), "%s", l->leads[0]->id);
    ocpb__list_leads_reply__free_unpacked(l, NULL);

    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER, .want = id};
    struct oc_consumer *c = watch("leads.deleted", on_lead_deleted, &s);

    char national[40];
    snprintf(national, sizeof(national), "%.3s-%.3s-%s", e164 + 3, e164 + 6, e164 + 9);
    Ocpb__EraseLeadRequest q = OCPB__ERASE_LEAD_REQUEST__INIT;
    q.phone = national;
    q.default_region = "ES";
    Ocpb__EraseLeadReply *er =
        ok(tenant, "leads.erase", &q.base, &ocpb__erase_lead_reply__descriptor);
    cr_assert_eq(er->n_erased_lead_ids, 1);
    cr_assert_str_eq(er->erased_lead_ids[0], id);
    ocpb__erase_lead_reply__free_unpacked(er, NULL);

    cr_assert(th_wait_until(seen_it, &s, WAIT_MS), "no leads.deleted for %s on JetStream", id);
    cr_assert(s.erased, "leads.deleted must ask the other services to erase");
    oc_consumer_stop(c);

    Ocpb__GetLeadRequest g = OCPB__GET_LEAD_REQUEST__INIT;
    g.id = id;
    void *out = NULL;
    char err[256];
    cr_assert_eq(call(tenant, "leads.get", &g.base, &ocpb__get_lead_reply__descriptor, &out, err,
                      sizeof(err)),
                 OC_ERR_NOT_FOUND);
    /* The rejected copy of the row held the number too. */
    Ocpb__ListRejectedRowsRequest rq = OCPB__LIST_REJECTED_ROWS_REQUEST__INIT;
    rq.job_id = job;
    Ocpb__ListRejectedRowsReply *rr =
        ok(tenant, "leads.imports.rejected", &rq.base, &ocpb__list_rejected_rows_reply__descriptor);
    cr_assert_eq(rr->n_rows, 0);
    ocpb__list_rejected_rows_reply__free_unpacked(rr, NULL);
    free(job);
}

/* ---------------------------------------------------------------- tenants */

Test(leads, another_tenant_never_sees_or_changes_these_leads)
{
    char owner[37], intruder[37], campaign[37], e164[20];
    uuid(owner);
    uuid(intruder);
    uuid(campaign);
    test_phone(e164, 91);
    char csv[128];
    int n = snprintf(csv, sizeof(csv), "name,phone\nAna,%s\nBad,123\n", e164);
    Ocpb__ImportLeadsReply *r = import_csv(owner, campaign, csv, (size_t)n);
    char *job = strdup(r->job->id);
    ocpb__import_leads_reply__free_unpacked(r, NULL);
    Ocpb__ListLeadsReply *l = list_leads(owner, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 1);
    char *id = strdup(l->leads[0]->id);
    ocpb__list_leads_reply__free_unpacked(l, NULL);
    Ocpb__AddDncRequest add = OCPB__ADD_DNC_REQUEST__INIT;
    add.phone = e164;
    ocpb__add_dnc_reply__free_unpacked(
        ok(owner, "dnc.add", &add.base, &ocpb__add_dnc_reply__descriptor), NULL);

    /* The same campaign id, the same lead id, the same number: nothing. */
    l = list_leads(intruder, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 0);
    ocpb__list_leads_reply__free_unpacked(l, NULL);
    Ocpb__ListLeadsRequest any = OCPB__LIST_LEADS_REQUEST__INIT;
    any.query = e164;
    l = ok(intruder, "leads.list", &any.base, &ocpb__list_leads_reply__descriptor);
    cr_assert_eq(l->n_leads, 0);
    ocpb__list_leads_reply__free_unpacked(l, NULL);

    void *out = NULL;
    char err[256];
    Ocpb__GetLeadRequest g = OCPB__GET_LEAD_REQUEST__INIT;
    g.id = id;
    cr_assert_eq(call(intruder, "leads.get", &g.base, &ocpb__get_lead_reply__descriptor, &out, err,
                      sizeof(err)),
                 OC_ERR_NOT_FOUND);
    Ocpb__Lead u = OCPB__LEAD__INIT;
    u.id = id;
    u.name = "taken over";
    char *mask[] = {"name"};
    Ocpb__UpdateLeadRequest uq = OCPB__UPDATE_LEAD_REQUEST__INIT;
    uq.lead = &u;
    uq.update_mask = mask;
    uq.n_update_mask = 1;
    cr_assert_eq(call(intruder, "leads.update", &uq.base, &ocpb__update_lead_reply__descriptor,
                      &out, err, sizeof(err)),
                 OC_ERR_NOT_FOUND);
    Ocpb__DeleteLeadRequest d = OCPB__DELETE_LEAD_REQUEST__INIT;
    d.id = id;
    cr_assert_eq(call(intruder, "leads.delete", &d.base, &ocpb__delete_lead_reply__descriptor, &out,
                      err, sizeof(err)),
                 OC_ERR_NOT_FOUND);
    Ocpb__EraseLeadRequest e = OCPB__ERASE_LEAD_REQUEST__INIT;
    e.phone = e164;
    Ocpb__EraseLeadReply *er =
        ok(intruder, "leads.erase", &e.base, &ocpb__erase_lead_reply__descriptor);
    cr_assert_eq(er->n_erased_lead_ids, 0);
    ocpb__erase_lead_reply__free_unpacked(er, NULL);
    Ocpb__GetImportJobRequest gj = OCPB__GET_IMPORT_JOB_REQUEST__INIT;
    gj.id = job;
    cr_assert_eq(call(intruder, "leads.imports.get", &gj.base,
                      &ocpb__get_import_job_reply__descriptor, &out, err, sizeof(err)),
                 OC_ERR_NOT_FOUND);
    Ocpb__ListRejectedRowsRequest rq = OCPB__LIST_REJECTED_ROWS_REQUEST__INIT;
    rq.job_id = job;
    cr_assert_eq(call(intruder, "leads.imports.rejected", &rq.base,
                      &ocpb__list_rejected_rows_reply__descriptor, &out, err, sizeof(err)),
                 OC_ERR_NOT_FOUND);
    Ocpb__ListImportJobsRequest lj = OCPB__LIST_IMPORT_JOBS_REQUEST__INIT;
    Ocpb__ListImportJobsReply *jr =
        ok(intruder, "leads.imports.list", &lj.base, &ocpb__list_import_jobs_reply__descriptor);
    cr_assert_eq(jr->n_jobs, 0);
    ocpb__list_import_jobs_reply__free_unpacked(jr, NULL);
    Ocpb__CheckDncRequest chk = OCPB__CHECK_DNC_REQUEST__INIT;
    chk.phone = e164;
    Ocpb__CheckDncReply *cr =
        ok(intruder, "dnc.check", &chk.base, &ocpb__check_dnc_reply__descriptor);
    cr_assert_not(cr->listed, "another tenant's do-not-call list is not this one's");
    ocpb__check_dnc_reply__free_unpacked(cr, NULL);
    Ocpb__RemoveDncRequest rm = OCPB__REMOVE_DNC_REQUEST__INIT;
    rm.phone = e164;
    cr_assert_eq(call(intruder, "dnc.remove", &rm.base, &ocpb__remove_dnc_reply__descriptor, &out,
                      err, sizeof(err)),
                 OC_ERR_NOT_FOUND);

    /* And the owner still has everything. */
    g.id = id;
    Ocpb__GetLeadReply *gr = ok(owner, "leads.get", &g.base, &ocpb__get_lead_reply__descriptor);
    cr_assert_str_eq(gr->lead->name, "Ana");
    ocpb__get_lead_reply__free_unpacked(gr, NULL);
    cr = ok(owner, "dnc.check", &chk.base, &ocpb__check_dnc_reply__descriptor);
    cr_assert(cr->listed);
    ocpb__check_dnc_reply__free_unpacked(cr, NULL);

    /* A request without a tenant is refused outright. */
    cr_assert_eq(call("", "leads.list", &any.base, &ocpb__list_leads_reply__descriptor, &out, err,
                      sizeof(err)),
                 OC_ERR_INVALID);
    free(id);
    free(job);
}

/* ---------------------------------------------------------------- status */

/* The streams the scheduler and the analyzer own: made here only when they
 * are missing (a stack without those services). */
static void ensure_stream(const char *name, const char *const *subjects, size_t n)
{
    struct oc_stream_config sc = {.name = name, .subjects = subjects, .n_subjects = n};
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    cr_assert_eq(natsConnection_JetStream(&js, oc_bus_nats(bus), NULL), NATS_OK);
    bool exists = js_GetStreamInfo(&si, js, name, NULL, &jerr) == NATS_OK;
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    if (!exists)
        cr_assert_eq(oc_js_ensure_stream(bus, &sc), OC_OK);
}

struct status_wait {
    const char *tenant;
    const char *id;
    Ocpb__LeadStatus want;
};

static bool has_status(void *arg)
{
    struct status_wait *w = arg;
    Ocpb__GetLeadRequest g = OCPB__GET_LEAD_REQUEST__INIT;
    g.id = (char *)w->id;
    Ocpb__GetLeadReply *r = NULL;
    char err[128];
    if (call(w->tenant, "leads.get", &g.base, &ocpb__get_lead_reply__descriptor, &r, err,
             sizeof(err)) != OC_OK)
        return false;
    bool ok = r->lead->status == w->want;
    ocpb__get_lead_reply__free_unpacked(r, NULL);
    return ok;
}

Test(leads, the_lead_status_follows_its_calls_and_their_analysis)
{
    static const char *const calls[] = {"calls.progress", "calls.ended", "calls.status"};
    static const char *const analysis[] = {"analysis.done"};
    ensure_stream("CALLS", calls, 3);
    ensure_stream("ANALYSIS", analysis, 1);

    char tenant[37], campaign[37], e164[20], id[37], call_id[37], eid[37], msg_id[80];
    uuid(tenant);
    uuid(campaign);
    uuid(call_id);
    test_phone(e164, 95);
    char csv[128];
    int n = snprintf(csv, sizeof(csv), "name,phone\nAna,%s\n", e164);
    ocpb__import_leads_reply__free_unpacked(import_csv(tenant, campaign, csv, (size_t)n), NULL);
    Ocpb__ListLeadsReply *l = list_leads(tenant, campaign, NULL, 0);
    cr_assert_eq(l->n_leads, 1);
    snprintf(id, sizeof(id), "%s", l->leads[0]->id);
    ocpb__list_leads_reply__free_unpacked(l, NULL);

    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    meta.tenant_id = tenant;
    meta.event_id = eid;
    Ocpb__CallStatusChanged cs = OCPB__CALL_STATUS_CHANGED__INIT;
    cs.meta = &meta;
    cs.call_id = call_id;
    cs.campaign_id = campaign;
    cs.lead_id = id;
    cs.from = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
    cs.to = OCPB__CALL_STATUS__CALL_STATUS_CALLING;
    uuid(eid);
    snprintf(msg_id, sizeof(msg_id), "status:%s:1", call_id);
    cr_assert_eq(oc_js_publish(bus, "calls.status", &cs.base, msg_id, NULL), OC_OK);
    struct status_wait w = {tenant, id, OCPB__LEAD_STATUS__LEAD_STATUS_CALLING};
    cr_assert(th_wait_until(has_status, &w, 20000), "the lead is not calling");

    Ocpb__Analysis an = OCPB__ANALYSIS__INIT;
    Ocpb__DoNotCall dnc = OCPB__DO_NOT_CALL__INIT;
    an.call_id = call_id;
    an.campaign_id = campaign;
    an.lead_id = id;
    an.outcome = OCPB__OUTCOME__OUTCOME_NOT_INTERESTED;
    dnc.requested = true;
    dnc.risk = OCPB__DNC_RISK__DNC_RISK_HIGH;
    dnc.evidence = "no me llamen más";
    an.dnc = &dnc;
    Ocpb__AnalysisDone done = OCPB__ANALYSIS_DONE__INIT;
    uuid(eid);
    done.meta = &meta;
    done.analysis = &an;
    done.phone_e164 = e164;
    snprintf(msg_id, sizeof(msg_id), "analysis:%s:1", call_id);
    cr_assert_eq(oc_js_publish(bus, "analysis.done", &done.base, msg_id, NULL), OC_OK);
    w.want = OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL;
    cr_assert(th_wait_until(has_status, &w, 20000), "the lead is not do-not-call");

    Ocpb__CheckDncRequest chk = OCPB__CHECK_DNC_REQUEST__INIT;
    chk.phone = e164;
    Ocpb__CheckDncReply *cr =
        ok(tenant, "dnc.check", &chk.base, &ocpb__check_dnc_reply__descriptor);
    cr_assert(cr->listed, "the contact's request put the number on the list");
    cr_assert_eq(cr->entry->source, OCPB__DNC_SOURCE__DNC_SOURCE_CALL_ANALYSIS);
    cr_assert_str_eq(cr->entry->call_id, call_id);
    ocpb__check_dnc_reply__free_unpacked(cr, NULL);

    /* A late call event never undoes it. */
    cs.from = OCPB__CALL_STATUS__CALL_STATUS_IN_PROGRESS;
    cs.to = OCPB__CALL_STATUS__CALL_STATUS_COMPLETED;
    uuid(eid);
    snprintf(msg_id, sizeof(msg_id), "status:%s:2", call_id);
    cr_assert_eq(oc_js_publish(bus, "calls.status", &cs.base, msg_id, NULL), OC_OK);
    usleep(1500 * 1000);
    cr_assert(has_status(&w));
}
