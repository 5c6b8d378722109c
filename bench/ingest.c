/*
 * bench/ingest: how fast lead-ingest imports a large CSV, against a plain
 * COPY of the same file on the same Postgres, and how much memory the
 * import needs.
 *
 *   build/bench/ingest [conninfo] [--rows N] [--keep-file]
 *
 * conninfo defaults to DATABASE_URL, else OC_PG_URL_BASE with the role
 * oc_lead_ingest (as scripts/stack.sh env exports it). The role must own
 * the lead_ingest schema; the bench applies the service's migrations.
 *
 * It writes an N-row CSV (default 1,000,000; Spanish numbers typed the
 * ways people type them, a few bad rows and repeats), then measures, each
 * in a process of its own so that each peak memory (getrusage) is its own:
 *
 *   1. plain COPY of the file into a bare table of text columns;
 *   2. the import's reading and checking alone (CSV, header mapping, phone
 *      numbers, e-mails, time zones, duplicates), without a database;
 *   3. the full import path as the service runs it (import_job.c): parse,
 *      check, COPY in batches through the staging table into leads, the
 *      rejected rows, the job's counters; only the leads.added outbox rows
 *      are left out (env.silent), since the bench's leads belong to no
 *      campaign the scheduler should ever see.
 *
 * It prints the figures and their ratio and removes its rows. It never
 * fails on a timing: the targets (within 2x of COPY, under 64 MB) are
 * printed beside the figures for a person to read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../services/lead-ingest/import_job.h"
#include "../services/lead-ingest/lead-ingest.h"
#include "../services/lead-ingest/lead_import.h"
#include "oc/crypto.h"
#include "oc/db.h"
#include "oc/log.h"

#define READ_SIZE (256 * 1024)

struct result {
    double seconds;
    long rows;
    long imported;
    long rejected;
    long duplicates;
    int ok;
    char error[200];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- the file */

static const char *const first_names[] = {"Ana",   "Luis",  "María", "José",   "Carmen", "Javier",
                                          "Lucía", "Pablo", "Elena", "Sergio", "Marta",  "Raúl"};
static const char *const last_names[] = {"García", "Martínez",  "López", "Sánchez", "Pérez",
                                         "Gómez",  "Fernández", "Ruiz",  "Díaz",    "Muñoz"};
static const char *const cities[] = {"Madrid", "Barcelona", "Sevilla", "Valencia",
                                     "Bilbao", "Zaragoza",  "Málaga",  "Murcia"};

/* Row i: a unique mobile (7919 is prime to 10^8, so i -> 6xxxxxxxx is one
 * to one), typed one of several ways; every 200th row is a bad number and
 * every 200th (offset) repeats an earlier one. */
static int write_row(FILE *f, long i)
{
    long m = 600000000L + (i * 7919L) % 100000000L;
    char phone[40];
    if (i % 200 == 17) {
        snprintf(phone, sizeof(phone), "12%ld", i % 1000);
    } else {
        if (i % 200 == 101 && i > 200)
            m = 600000000L + ((i - 150) * 7919L) % 100000000L;
        long a = m / 1000000, b = m / 1000 % 1000, c = m % 1000, r = m % 1000000;
        switch (i % 4) {
        case 0:
            snprintf(phone, sizeof(phone), "%03ld %02ld %02ld %02ld", a, r / 10000, r / 100 % 100,
                     r % 100);
            break;
        case 1:
            snprintf(phone, sizeof(phone), "+34 %03ld-%03ld-%03ld", a, b, c);
            break;
        case 2:
            snprintf(phone, sizeof(phone), "0034%09ld", m);
            break;
        default:
            snprintf(phone, sizeof(phone), "(+34) %03ld %03ld %03ld", a, b, c);
        }
    }
    const char *fn = first_names[i % 12], *ln = last_names[(i / 12) % 10];
    return fprintf(f, "%s %s,%s,%s.%s%ld@example.com,\"Empresa %ld, S.L.\",%s\n", fn, ln, phone,
                   "cliente", "x", i, i % 5000, cities[i % 8]);
}

static int write_file(const char *path, long rows)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    fputs("Nombre,Teléfono,Correo,Empresa,Ciudad\n", f);
    for (long i = 0; i < rows; i++)
        if (write_row(f, i) < 0) {
            fclose(f);
            return -1;
        }
    return fclose(f);
}

/* ---------------------------------------------------------------- phases */

static long read_file(void *user, void *buf, size_t cap)
{
    size_t n = fread(buf, 1, cap, user);
    return ferror((FILE *)user) ? -1 : (long)n;
}

static struct lead_ingest_config bench_cfg = {
    .import_max_bytes = 4L << 30,
    .import_batch_rows = 5000,
    .import_bloom_mb = 8,
    .import_workers = 1,
    .import_threads = 0, /* set in main: every core, at most 8 */
    .import_idle_s = 60,
    .progress_ms = 1000,
};

static enum oc_status open_db(const char *conninfo, struct oc_db **db)
{
    enum oc_status st = oc_db_new(db, conninfo, "lead_ingest", 2, 5000);
    if (st == OC_OK)
        st = oc_db_migrate(*db, lead_ingest_migrations, lead_ingest_migrations_count);
    return st;
}

static void phase_copy(const char *conninfo, const char *path, struct result *r)
{
    struct oc_db *db = NULL;
    struct oc_db_conn *c = NULL;
    FILE *f = fopen(path, "r");
    char *buf = malloc(READ_SIZE);
    if (!f || !buf || open_db(conninfo, &db) != OC_OK || oc_db_acquire(db, &c) != OC_OK) {
        snprintf(r->error, sizeof(r->error), "cannot open the file or the database");
        goto out;
    }
    PGconn *pg = oc_db_pg(c);
    PQclear(PQexec(pg, "DROP TABLE IF EXISTS bench_bare"));
    PQclear(PQexec(pg, "CREATE TABLE bench_bare (name text, phone text, email text,"
                       " company text, city text)"));
    double t0 = now_s();
    PGresult *res = PQexec(pg, "COPY bench_bare FROM STDIN (FORMAT csv, HEADER true)");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        snprintf(r->error, sizeof(r->error), "%s", PQerrorMessage(pg));
        PQclear(res);
        goto out;
    }
    PQclear(res);
    size_t n;
    while ((n = fread(buf, 1, READ_SIZE, f)) > 0)
        if (PQputCopyData(pg, buf, (int)n) != 1)
            break;
    PQputCopyEnd(pg, NULL);
    while ((res = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK)
            r->rows = strtol(PQcmdTuples(res), NULL, 10), r->ok = 1;
        else
            snprintf(r->error, sizeof(r->error), "%s", PQresultErrorMessage(res));
        PQclear(res);
    }
    r->seconds = now_s() - t0;
    PQclear(PQexec(pg, "DROP TABLE bench_bare"));
out:
    if (c)
        oc_db_release(db, c);
    oc_db_free(db);
    if (f)
        fclose(f);
    free(buf);
}

static enum oc_status count_lead(void *user, const struct lead_row *row, bool maybe)
{
    (void)row;
    (void)maybe;
    ((struct result *)user)->imported++;
    return OC_OK;
}

static enum oc_status count_reject(void *user, const struct lead_reject *rej)
{
    (void)rej;
    ((struct result *)user)->rejected++;
    return OC_OK;
}

static void phase_parse(const char *path, struct result *r)
{
    static const struct lead_import_sink sink = {.lead = count_lead, .reject = count_reject};
    struct lead_import_opts opts = {
        .defaults = {.region = "ES", .campaign_zone = "Europe/Madrid"},
        .bloom_bytes = (size_t)bench_cfg.import_bloom_mb << 20,
        .threads = (size_t)bench_cfg.import_threads,
    };
    struct lead_import *li = NULL;
    FILE *f = fopen(path, "r");
    char *buf = malloc(READ_SIZE);
    if (!f || !buf || lead_import_new(&li, &opts, &sink, r) != OC_OK) {
        snprintf(r->error, sizeof(r->error), "cannot start");
        goto out;
    }
    double t0 = now_s();
    enum oc_status st = OC_OK;
    size_t n;
    while (st == OC_OK && (n = fread(buf, 1, READ_SIZE, f)) > 0)
        st = lead_import_feed(li, buf, n);
    if (st == OC_OK)
        st = lead_import_finish(li);
    r->seconds = now_s() - t0;
    r->rows = lead_import_stats(li).rows;
    r->ok = st == OC_OK;
    if (!r->ok)
        snprintf(r->error, sizeof(r->error), "%s", lead_import_error(li));
out:
    lead_import_free(li);
    if (f)
        fclose(f);
    free(buf);
}

static void phase_import(const char *conninfo, const char *path, const char *tenant,
                         struct result *r)
{
    struct oc_db *db = NULL;
    struct oc_arena *a = NULL;
    char campaign[37];
    FILE *f = fopen(path, "r");
    if (!f || open_db(conninfo, &db) != OC_OK || oc_arena_new(&a, 64 * 1024) != OC_OK ||
        oc_uuid_v4(campaign) != OC_OK) {
        snprintf(r->error, sizeof(r->error), "cannot open the file or the database");
        goto out;
    }
    struct import_env env = {.db = db, .cfg = &bench_cfg, .silent = true};
    struct import_spec spec = {
        .tenant = tenant,
        .campaign_id = campaign,
        .region = "ES",
        .timezone = "Europe/Madrid",
        .file_name = "bench.csv",
        .request_id = "bench",
    };
    Ocpb__ImportJob *job = NULL;
    double t0 = now_s();
    enum oc_status st = import_run_reader(&env, &spec, read_file, f, a, &job);
    r->seconds = now_s() - t0;
    if (st != OC_OK || !job) {
        snprintf(r->error, sizeof(r->error), "import: %s", oc_status_text(st));
        goto out;
    }
    r->rows = job->rows_done;
    r->imported = job->imported;
    r->rejected = job->rejected;
    r->duplicates = job->duplicates;
    r->ok = job->status == OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE;
    if (!r->ok)
        snprintf(r->error, sizeof(r->error), "%s", job->error);
out:
    oc_arena_free(a);
    oc_db_free(db);
    if (f)
        fclose(f);
}

/* Removes the bench tenant's rows, and vacuums after them. */
static void cleanup(const char *conninfo, const char *tenant)
{
    struct oc_db *db = NULL;
    struct oc_db_conn *c = NULL;
    if (oc_db_new(&db, conninfo, "lead_ingest", 1, 5000) != OC_OK)
        return;
    if (oc_db_acquire(db, &c) == OC_OK) {
        if (oc_db_begin_tenant(c, tenant) == OC_OK) {
            oc_db_q(c, NULL, "DELETE FROM leads WHERE tenant_id = $1", tenant);
            oc_db_q(c, NULL, "DELETE FROM lead_lists WHERE tenant_id = $1", tenant);
            oc_db_commit(c);
        }
        /* A million dead rows would slow the next run's inserts. */
        oc_db_exec(c, NULL, "VACUUM (ANALYZE) leads", 0, NULL);
        oc_db_exec(c, NULL, "VACUUM (ANALYZE) rejected_rows", 0, NULL);
        oc_db_release(db, c);
    }
    oc_db_free(db);
}

/* Runs fn in a child process; its result comes back through a pipe and its
 * peak memory through wait4's rusage. */
enum phase { PHASE_COPY, PHASE_PARSE, PHASE_IMPORT };

static int run_phase(enum phase p, const char *conninfo, const char *path, const char *tenant,
                     struct result *r, long *maxrss_kb)
{
    int fd[2];
    memset(r, 0, sizeof(*r));
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        struct result mine = {0};
        if (p == PHASE_COPY)
            phase_copy(conninfo, path, &mine);
        else if (p == PHASE_PARSE)
            phase_parse(path, &mine);
        else
            phase_import(conninfo, path, tenant, &mine);
        ssize_t w = write(fd[1], &mine, sizeof(mine));
        _exit(w == (ssize_t)sizeof(mine) ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], r, sizeof(*r));
    close(fd[0]);
    struct rusage ru;
    int status = 0;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    *maxrss_kb = ru.ru_maxrss;
    return got == (ssize_t)sizeof(*r) ? 0 : -1;
}

int main(int argc, char **argv)
{
    long rows = 1000000;
    const char *conninfo = NULL;
    bool keep = false;
    char built[512];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--keep-file") == 0)
            keep = true;
        else if (argv[i][0] != '-')
            conninfo = argv[i];
        else {
            fprintf(stderr, "usage: ingest [conninfo] [--rows N] [--keep-file]\n");
            return 2;
        }
    }
    if (!conninfo)
        conninfo = getenv("DATABASE_URL");
    if (!conninfo && getenv("OC_PG_URL_BASE")) {
        snprintf(built, sizeof(built), getenv("OC_PG_URL_BASE"), "oc_lead_ingest");
        conninfo = built;
    }
    if (!conninfo) {
        fprintf(stderr, "ingest: give a conninfo, DATABASE_URL or OC_PG_URL_BASE "
                        "(eval \"$(scripts/stack.sh env)\")\n");
        return 2;
    }
    oc_log_init("bench");
    oc_log_set_level(OC_LOG_WARN);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    bench_cfg.import_threads = cores < 1 ? 1 : cores > 8 ? 8 : cores;
    if (getenv("LEAD_IMPORT_THREADS"))
        bench_cfg.import_threads = strtol(getenv("LEAD_IMPORT_THREADS"), NULL, 10);

    char path[256], tenant[37];
    snprintf(path, sizeof(path), "%s/lead-ingest-bench-%d.csv",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    if (oc_uuid_v4(tenant) != OC_OK)
        return 1;
    double t0 = now_s();
    if (write_file(path, rows) != 0) {
        fprintf(stderr, "ingest: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    FILE *f = fopen(path, "r");
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fclose(f);
    printf("file:          %ld rows, %.1f MB, written in %.1f s (%s)\n", rows, bytes / 1e6,
           now_s() - t0, path);
    printf("threads:       %ld checking rows (LEAD_IMPORT_THREADS), %ld cores\n",
           bench_cfg.import_threads, cores);

    struct result copy, parse, imp;
    long rss_copy = 0, rss_parse = 0, rss_import = 0;
    int code = 0;
    if (run_phase(PHASE_COPY, conninfo, path, tenant, &copy, &rss_copy) != 0 || !copy.ok) {
        fprintf(stderr, "ingest: plain COPY failed: %s\n", copy.error);
        code = 1;
        goto out;
    }
    printf("plain COPY:    %.2f s, %.0f rows/s, %ld rows (bare table, text columns)\n",
           copy.seconds, copy.rows / copy.seconds, copy.rows);
    if (run_phase(PHASE_PARSE, conninfo, path, tenant, &parse, &rss_parse) != 0 || !parse.ok) {
        fprintf(stderr, "ingest: reading and checking failed: %s\n", parse.error);
        code = 1;
        goto out;
    }
    printf("read + check:  %.2f s, %.0f rows/s, %.2f us/row, peak RSS %.1f MB (no database)\n",
           parse.seconds, parse.rows / parse.seconds, parse.seconds * 1e6 / parse.rows,
           rss_parse / 1024.0);
    if (run_phase(PHASE_IMPORT, conninfo, path, tenant, &imp, &rss_import) != 0 || !imp.ok) {
        fprintf(stderr, "ingest: import failed: %s\n", imp.error);
        code = 1;
        goto out;
    }
    printf("full import:   %.2f s, %.0f rows/s; %ld imported, %ld rejected (%ld duplicates)\n",
           imp.seconds, imp.rows / imp.seconds, imp.imported, imp.rejected, imp.duplicates);
    printf("peak memory:   %.1f MB (import process, getrusage); target under 64 MB\n",
           rss_import / 1024.0);
    printf("ratio:         full import / plain COPY = %.2f; target within 2.00\n",
           imp.seconds / copy.seconds);
out:
    cleanup(conninfo, tenant);
    if (!keep)
        unlink(path);
    return code;
}
