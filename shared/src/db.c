/*
 * Postgres helpers over libpq: a pool of connections bound to one schema,
 * parameterised statements only, transactions scoped to a tenant for
 * row-level security, and the migration runner. Connections are opened on
 * demand and reset when the server went away, so a Postgres restart costs a
 * service a few failed requests, never a restart of its own.
 */
#include "oc/crypto.h"
#include "oc/db.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oc/log.h"

struct oc_db_conn {
    struct oc_db *db;
    PGconn *pg;
    bool busy;
    bool in_tx;
    char sqlstate[6];
};

struct oc_db {
    char *conninfo;
    char *schema;
    int size;
    struct oc_db_conn *conns;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static const char RLS_HELPERS[] =
    "CREATE OR REPLACE FUNCTION rls_tenant() RETURNS uuid LANGUAGE sql STABLE AS\n"
    "  $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;\n"
    "CREATE OR REPLACE FUNCTION rls_bypass() RETURNS boolean LANGUAGE sql STABLE AS\n"
    "  $$ SELECT coalesce(current_setting('app.rls_bypass', true), '') = 'on' $$;\n"
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  version integer PRIMARY KEY,\n"
    "  name text NOT NULL,\n"
    "  applied_at timestamptz NOT NULL DEFAULT now());\n";

static bool valid_schema_name(const char *s)
{
    if (!s || !*s || strlen(s) > 63)
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return false;
    return !isdigit((unsigned char)s[0]);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's messages end with a newline; log lines must not. */
static const char *pg_message(PGconn *pg)
{
    static _Thread_local char buf[512];
    snprintf(buf, sizeof(buf), "%s", pg ? PQerrorMessage(pg) : "no connection");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return buf;
}

/* Server notices ("relation already exists, skipping") are routine; they go
 * to the log at debug level instead of raw to stderr. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", message);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    oc_debug("postgres: %s", buf);
}

/* Runs after every (re)connection: the session belongs to the schema. */
static bool setup_session(struct oc_db *db, PGconn *pg)
{
    PQsetNoticeProcessor(pg, on_notice, NULL);
    const char *params[1] = {db->schema};
    PGresult *r = PQexecParams(pg, "SELECT set_config('search_path', $1, false)", 1, NULL, params,
                               NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        oc_error("postgres: cannot set search_path to %s: %s", db->schema, pg_message(pg));
    PQclear(r);
    return ok;
}

/* Makes c->pg a working connection: opens it, or resets a broken one. */
static enum oc_status ensure_connected(struct oc_db_conn *c)
{
    struct oc_db *db = c->db;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return OC_OK;
    if (c->pg) {
        PQreset(c->pg);
    } else {
        c->pg = PQconnectdb(db->conninfo);
    }
    if (!c->pg)
        return OC_ERR_NOMEM;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        oc_warn("postgres: cannot connect: %s", pg_message(c->pg));
        return OC_ERR_UNAVAILABLE;
    }
    if (!setup_session(db, c->pg))
        return OC_ERR_UNAVAILABLE;
    c->in_tx = false;
    return OC_OK;
}

enum oc_status oc_db_new(struct oc_db **out, const char *conninfo, const char *schema, int size,
                         int wait_ms)
{
    if (!valid_schema_name(schema)) {
        oc_error("postgres: invalid schema name");
        return OC_ERR_INVALID;
    }
    if (size < 1)
        size = 1;
    struct oc_db *db = calloc(1, sizeof(*db));
    if (!db)
        return OC_ERR_NOMEM;
    db->conninfo = strdup(conninfo);
    db->schema = strdup(schema);
    db->size = size;
    db->conns = calloc((size_t)size, sizeof(*db->conns));
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    if (!db->conninfo || !db->schema || !db->conns) {
        oc_db_free(db);
        return OC_ERR_NOMEM;
    }
    for (int i = 0; i < size; i++)
        db->conns[i].db = db;

    /* The first connection proves the settings; Postgres may still be
     * starting (docker-compose, the local stack), so wait for it. */
    long long give_up = mono_ms() + wait_ms;
    enum oc_status st;
    for (;;) {
        st = ensure_connected(&db->conns[0]);
        if (st == OC_OK || mono_ms() >= give_up)
            break;
        sleep_ms(250);
    }
    if (st != OC_OK) {
        oc_error("postgres: no connection within %d ms", wait_ms);
        oc_db_free(db);
        return st;
    }
    oc_info("postgres: connected (schema %s, pool of %d)", schema, size);
    *out = db;
    return OC_OK;
}

void oc_db_free(struct oc_db *db)
{
    if (!db)
        return;
    if (db->conns)
        for (int i = 0; i < db->size; i++)
            if (db->conns[i].pg)
                PQfinish(db->conns[i].pg);
    pthread_cond_destroy(&db->cv);
    pthread_mutex_destroy(&db->mu);
    free(db->conns);
    free(db->schema);
    free(db->conninfo);
    free(db);
}

enum oc_status oc_db_acquire(struct oc_db *db, struct oc_db_conn **out)
{
    struct oc_db_conn *c = NULL;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;

    pthread_mutex_lock(&db->mu);
    for (;;) {
        /* Prefer a connection already open over opening a new one. */
        for (int i = 0; i < db->size && !c; i++)
            if (!db->conns[i].busy && db->conns[i].pg)
                c = &db->conns[i];
        for (int i = 0; i < db->size && !c; i++)
            if (!db->conns[i].busy)
                c = &db->conns[i];
        if (c)
            break;
        if (pthread_cond_timedwait(&db->cv, &db->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&db->mu);
            oc_warn("postgres: no free connection within 5 s (pool of %d)", db->size);
            return OC_ERR_UNAVAILABLE;
        }
    }
    c->busy = true;
    pthread_mutex_unlock(&db->mu);

    enum oc_status st = ensure_connected(c);
    if (st != OC_OK) {
        oc_db_release(db, c);
        return st;
    }
    c->sqlstate[0] = '\0';
    *out = c;
    return OC_OK;
}

void oc_db_release(struct oc_db *db, struct oc_db_conn *c)
{
    if (!c)
        return;
    if (c->in_tx)
        oc_db_rollback(c);
    pthread_mutex_lock(&db->mu);
    c->busy = false;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

PGconn *oc_db_pg(struct oc_db_conn *c)
{
    return c->pg;
}

const char *oc_db_sqlstate(struct oc_db_conn *c)
{
    return c->sqlstate;
}

static enum oc_status map_sqlstate(const char *state)
{
    if (!state || !*state)
        return OC_ERR_UNAVAILABLE;
    if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return OC_ERR_CONFLICT;
    if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
        return OC_ERR_INVALID;
    if (strcmp(state, "42501") == 0)
        return OC_ERR_PERMISSION;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "53300") == 0)
        return OC_ERR_UNAVAILABLE;
    if (strcmp(state, "57014") == 0)
        return OC_ERR_TIMEOUT;
    return OC_ERR_INTERNAL;
}

static enum oc_status exec_once(struct oc_db_conn *c, PGresult **res, const char *sql, int nparams,
                                const char *const *params)
{
    PGresult *r = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType rs = PQresultStatus(r);
    if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK || rs == PGRES_COPY_IN ||
        rs == PGRES_COPY_OUT) {
        if (res)
            *res = r;
        else
            PQclear(r);
        return OC_OK;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "");
    enum oc_status st =
        PQstatus(c->pg) == CONNECTION_OK ? map_sqlstate(state) : OC_ERR_UNAVAILABLE;
    if (st == OC_ERR_INTERNAL || st == OC_ERR_UNAVAILABLE || st == OC_ERR_PERMISSION)
        oc_error("postgres: %s (sqlstate %s)", pg_message(c->pg), c->sqlstate);
    else
        oc_debug("postgres: %s (sqlstate %s)", pg_message(c->pg), c->sqlstate);
    PQclear(r);
    return st;
}

enum oc_status oc_db_exec(struct oc_db_conn *c, PGresult **res, const char *sql, int nparams,
                          const char *const *params)
{
    c->sqlstate[0] = '\0';
    enum oc_status st = exec_once(c, res, sql, nparams, params);
    /* Outside a transaction a statement that failed because the server went
     * away can simply run again on a fresh connection. */
    if (st == OC_ERR_UNAVAILABLE && !c->in_tx && PQstatus(c->pg) != CONNECTION_OK) {
        if (ensure_connected(c) == OC_OK)
            st = exec_once(c, res, sql, nparams, params);
    }
    return st;
}

/* BEGIN plus set_config calls; the first statement of a transaction is
 * retried once on a fresh connection, since nothing has happened yet. */
static enum oc_status begin_with(struct oc_db_conn *c, const char *tenant, const char *bypass)
{
    if (c->in_tx) {
        oc_error("postgres: transaction already open on this connection");
        return OC_ERR_INTERNAL;
    }
    enum oc_status st = oc_db_exec(c, NULL, "BEGIN", 0, NULL);
    if (st != OC_OK)
        return st;
    c->in_tx = true;
    st = oc_db_q(c, NULL,
                 "SELECT set_config('app.tenant_id', $1, true), "
                 "set_config('app.rls_bypass', $2, true)",
                 tenant, bypass);
    if (st != OC_OK)
        oc_db_rollback(c);
    return st;
}

enum oc_status oc_db_begin_tenant(struct oc_db_conn *c, const char *tenant_id)
{
    if (!oc_uuid_valid(tenant_id)) {
        oc_debug("postgres: tenant id is not a uuid");
        return OC_ERR_INVALID;
    }
    return begin_with(c, tenant_id, "off");
}

enum oc_status oc_db_begin_system(struct oc_db_conn *c)
{
    return begin_with(c, "", "on");
}

enum oc_status oc_db_commit(struct oc_db_conn *c)
{
    if (!c->in_tx)
        return OC_ERR_INTERNAL;
    enum oc_status st = exec_once(c, NULL, "COMMIT", 0, NULL);
    c->in_tx = false;
    return st;
}

void oc_db_rollback(struct oc_db_conn *c)
{
    if (!c->in_tx)
        return;
    c->in_tx = false;
    if (PQstatus(c->pg) != CONNECTION_OK)
        return;
    PGresult *r = PQexec(c->pg, "ROLLBACK");
    PQclear(r);
}

bool oc_db_ping(struct oc_db *db)
{
    struct oc_db_conn *c;
    if (oc_db_acquire(db, &c) != OC_OK)
        return false;
    bool ok = oc_db_exec(c, NULL, "SELECT 1", 0, NULL) == OC_OK;
    oc_db_release(db, c);
    return ok;
}

/* ================================================================ migrations */

static int cmp_migration(const void *a, const void *b)
{
    const struct oc_migration *x = *(const struct oc_migration *const *)a;
    const struct oc_migration *y = *(const struct oc_migration *const *)b;
    return (x->version > y->version) - (x->version < y->version);
}

/* Runs a multi-statement script (no parameters) on c. */
static enum oc_status exec_script(struct oc_db_conn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType rs = PQresultStatus(r);
    enum oc_status st = OC_OK;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        oc_error("postgres: %s failed: %s", what, pg_message(c->pg));
        st = OC_ERR_INTERNAL;
    }
    PQclear(r);
    return st;
}

enum oc_status oc_db_migrate(struct oc_db *db, const struct oc_migration *migs, size_t count)
{
    struct oc_db_conn *c = NULL;
    const struct oc_migration **order = NULL;
    bool locked = false;
    enum oc_status st = oc_db_acquire(db, &c);
    if (st != OC_OK)
        return st;

    /* Copies of a service may start together: one applies, the others wait
     * here and then find nothing left to do. */
    st = oc_db_q(c, NULL, "SELECT pg_advisory_lock(hashtext($1))", db->schema);
    if (st != OC_OK)
        goto out;
    locked = true;
    st = exec_script(c, RLS_HELPERS, "installing row-level security helpers");
    if (st != OC_OK)
        goto out;

    order = calloc(count ? count : 1, sizeof(*order));
    if (!order) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (migs[i].sql)
            order[n++] = &migs[i];
    qsort(order, n, sizeof(*order), cmp_migration);

    int applied = 0;
    for (size_t i = 0; i < n; i++) {
        const struct oc_migration *m = order[i];
        if (i > 0 && order[i - 1]->version == m->version) {
            oc_error("postgres: migrations %s and %s share version %d", order[i - 1]->name,
                     m->name, m->version);
            st = OC_ERR_INVALID;
            goto out;
        }
        char version[16];
        snprintf(version, sizeof(version), "%d", m->version);
        PGresult *r = NULL;
        st = oc_db_q(c, &r, "SELECT 1 FROM schema_migrations WHERE version = $1", version);
        if (st != OC_OK)
            goto out;
        bool done = PQntuples(r) > 0;
        PQclear(r);
        if (done)
            continue;

        st = exec_script(c, "BEGIN", "begin");
        if (st != OC_OK)
            goto out;
        char what[160];
        snprintf(what, sizeof(what), "migration %s.%s", db->schema, m->name);
        st = exec_script(c, m->sql, what);
        if (st == OC_OK)
            st = oc_db_q(c, NULL, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                         version, m->name);
        if (st != OC_OK) {
            PQclear(PQexec(c->pg, "ROLLBACK"));
            goto out;
        }
        st = exec_script(c, "COMMIT", "commit");
        if (st != OC_OK)
            goto out;
        oc_info("postgres: applied migration %s", m->name);
        applied++;
    }
    if (!applied)
        oc_debug("postgres: schema %s is up to date", db->schema);

out:
    if (locked)
        PQclear(PQexecParams(c->pg, "SELECT pg_advisory_unlock(hashtext($1))", 1, NULL,
                             (const char *const[]){db->schema}, NULL, NULL, 0));
    free(order);
    oc_db_release(db, c);
    return st;
}
