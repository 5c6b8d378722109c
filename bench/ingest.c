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
 * LEAD_IMPORT_THREADS and LEAD_IMPORT_BATCH_ROWS change the threads that
 * check rows (default: every core, at most 8) and the rows per write
 * transaction (default 5000), as they do for the service.
 *
 * It writes an N-row CSV (default 1,000,000; Spanish numbers typed the
 * ways people type them, a few bad rows and repeats), then measures, each
 * in a process of its own so that each peak memory (getrusage) is its own:
 *
 *   1. plain COPY of the file into a bare table of text columns;
 *   2. the import's reading and checking alone (CSV, header mapping, phone
 *      numbers, e-mails, time zones, duplicates), without a database;
 *   3. the full import path as the service runs it (import_job.c): parse,
 *      check, COPY in batches into leads (as oc_lead_ingest_bulk, or
 *      through the staging table where that role is missing), the rejected
 *      rows, the job's counters; only the leads.added outbox rows are left
 *      out (env.silent), since the bench's leads belong to no campaign the
 *      scheduler should ever see.
 *
 * Besides wall time it prints CPU time: the phase's process (every thread,
 * from wait4) and, when Postgres runs on this machine, the server's (its
 * postmaster's children, running and reaped, read from /proc). Wall time
 * swings by half when other work shares the machine; CPU time hardly, and
 * it tells which side of an import to work on.
 *
 * It prints the figures and their ratio and removes its rows. It never
 * fails on a timing: the targets (within 2x of COPY, under 64 MB) are
 * printed beside the figures for a person to read.
 *
 * What it showed, 1,000,000 rows on 2 cores (README.md, "Speed"): the
 * plain COPY takes 0.6 s. The import took 12.5-15 s, up to 25-36 s on a
 * busy machine, for 12.5 CPU seconds in the service and 10 in Postgres.
 * libphonenumber, some 10.5 µs a number with the text as typed, was most
 * of the first; in the second, the staging table and INSERT ... SELECT
 * that row-level security imposed on COPY cost 2.7 µs a lead, and text
 * COPY and a regular expression in the table's checks another 1.2. Numbers now reach libphonenumber as their digits where that
 * changes no answer (Parse then takes half the time), and leads are
 * COPYed in binary straight into their table as a role that may only
 * insert them: 9 CPU seconds in the service and 7 in Postgres, 9-13 s.
 * What is left is libphonenumber (8 µs a number, validation included) and
 * the table's five indexes, the random unique one most (2 µs a lead): the
 * 2x target is out of reach while every number goes through libphonenumber.
 */
#include <dirent.h>
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

/* ---------------------------------------------------------------- CPU time */

/* Clock ticks of a process as /proc/<pid>/stat gives them: its own CPU
 * time (utime + stime) and its reaped children's (cutime + cstime), and its
 * parent. False when the process is gone or /proc cannot be read. */
static bool proc_ticks(long pid, long *ppid, long long *own, long long *children)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces: the fields follow its last ')'. */
    char *p = strrchr(buf, ')');
    long long ut, st, cut, cst;
    if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %lld %lld", ppid,
                     &ut, &st, &cut, &cst) != 5)
        return false;
    *own = ut + st;
    *children = cut + cst;
    return true;
}

/*
 * CPU seconds the Postgres server has spent so far: the postmaster's
 * children still running (backends, background processes) and those it
 * reaped. Counting from the postmaster catches the backends of the import's
 * own connections, whichever they were, and work they caused (autovacuum,
 * checkpoints). Negative when the server is not on this machine.
 */
static double server_cpu_s(long postmaster)
{
    long ppid;
    long long own, reaped;
    if (postmaster <= 0 || !proc_ticks(postmaster, &ppid, &own, &reaped))
        return -1;
    long long total = reaped;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long pid = strtol(e->d_name, NULL, 10);
        long long o, r;
        if (pid > 0 && proc_ticks(pid, &ppid, &o, &r) && ppid == postmaster)
            total += o;
    }
    if (d)
        closedir(d);
    return (double)total / (double)sysconf(_SC_CLK_TCK);
}

/* The postmaster behind conninfo: the parent of a backend; 0 when unknown. */
static long find_postmaster(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);
    long pm = 0;
    if (PQstatus(pg) == CONNECTION_OK) {
        long ppid;
        long long own, reaped;
        if (proc_ticks(PQbackendPID(pg), &ppid, &own, &reaped))
            pm = ppid;
    }
    PQfinish(pg);
    return pm;
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

struct usage {
    long maxrss_kb;
    double cpu_s;        /* the phase's process, every thread */
    double server_cpu_s; /* the Postgres server meanwhile; negative when unknown */
};

static int run_phase(enum phase p, const char *conninfo, const char *path, const char *tenant,
                     long postmaster, struct result *r, struct usage *u)
{
    int fd[2];
    memset(r, 0, sizeof(*r));
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    double server0 = server_cpu_s(postmaster);
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
    u->maxrss_kb = ru.ru_maxrss;
    u->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec / 1e6;
    /* The phase's backends end with its connections: let the postmaster
     * reap them, so their time is counted whole. */
    usleep(200 * 1000);
    double server1 = server_cpu_s(postmaster);
    u->server_cpu_s = server0 >= 0 && server1 >= 0 ? server1 - server0 : -1;
    return got == (ssize_t)sizeof(*r) ? 0 : -1;
}

/* "; CPU: Postgres 6.1 s" for a phase, or "" when the server's time is unknown. */
static const char *server_text(char *buf, size_t len, const struct usage *u)
{
    if (u->server_cpu_s < 0)
        return "";
    snprintf(buf, len, "; Postgres CPU %.1f s", u->server_cpu_s);
    return buf;
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
    if (getenv("LEAD_IMPORT_BATCH_ROWS"))
        bench_cfg.import_batch_rows = strtol(getenv("LEAD_IMPORT_BATCH_ROWS"), NULL, 10);

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
    printf("threads:       %ld checking rows (LEAD_IMPORT_THREADS), %ld cores; batches of %ld"
           " rows (LEAD_IMPORT_BATCH_ROWS)\n",
           bench_cfg.import_threads, cores, bench_cfg.import_batch_rows);

    long postmaster = find_postmaster(conninfo);
    struct result copy, parse, imp;
    struct usage u_copy, u_parse, u_import;
    char server[64];
    int code = 0;
    if (run_phase(PHASE_COPY, conninfo, path, tenant, postmaster, &copy, &u_copy) != 0 ||
        !copy.ok) {
        fprintf(stderr, "ingest: plain COPY failed: %s\n", copy.error);
        code = 1;
        goto out;
    }
    printf("plain COPY:    %.2f s, %.0f rows/s, %ld rows (bare table, text columns)%s\n",
           copy.seconds, copy.rows / copy.seconds, copy.rows,
           server_text(server, sizeof(server), &u_copy));
    if (run_phase(PHASE_PARSE, conninfo, path, tenant, postmaster, &parse, &u_parse) != 0 ||
        !parse.ok) {
        fprintf(stderr, "ingest: reading and checking failed: %s\n", parse.error);
        code = 1;
        goto out;
    }
    printf("read + check:  %.2f s, %.0f rows/s, %.2f us/row, CPU %.1f s, peak RSS %.1f MB"
           " (no database)\n",
           parse.seconds, parse.rows / parse.seconds, parse.seconds * 1e6 / parse.rows,
           u_parse.cpu_s, u_parse.maxrss_kb / 1024.0);
    if (run_phase(PHASE_IMPORT, conninfo, path, tenant, postmaster, &imp, &u_import) != 0 ||
        !imp.ok) {
        fprintf(stderr, "ingest: import failed: %s\n", imp.error);
        code = 1;
        goto out;
    }
    printf("full import:   %.2f s, %.0f rows/s; %ld imported, %ld rejected (%ld duplicates)\n",
           imp.seconds, imp.rows / imp.seconds, imp.imported, imp.rejected, imp.duplicates);
    printf("CPU:           import process %.1f s%s\n", u_import.cpu_s,
           server_text(server, sizeof(server), &u_import));
    printf("peak memory:   %.1f MB (import process, getrusage); target under 64 MB\n",
           u_import.maxrss_kb / 1024.0);
    printf("ratio:         full import / plain COPY = %.2f; target within 2.00\n",
           imp.seconds / copy.seconds);
out:
    cleanup(conninfo, tenant);
    if (!keep)
        unlink(path);
    return code;
}
