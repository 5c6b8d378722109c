/*
 * Postgres helpers: a small connection pool bound to one schema, queries with
 * parameters only (never values pasted into SQL), transactions, a
 * tenant-scoped transaction that sets the tenant for row-level security, and
 * a migration runner under an advisory lock.
 *
 * Row-level security: every tenant-owned table has a policy
 *   USING (tenant_id = rls_tenant() OR rls_bypass())
 * where rls_tenant() reads app.tenant_id and rls_bypass() reads app.rls_bypass,
 * both set per transaction (SET LOCAL). oc_db_begin_tenant() scopes a
 * transaction to one tenant; oc_db_begin_system() is for the few cross-tenant
 * jobs (login by e-mail, the scheduler's due-call scan). Outside any
 * transaction neither is set, so tenant rows are invisible: a forgotten scope
 * fails closed. The migration runner installs both functions in the schema.
 *
 * A connection whose server went away is reset on the next acquire, so a
 * service survives a Postgres restart without restarting itself.
 */
#ifndef OC_DB_H
#define OC_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "oc/status.h"

struct oc_migration {
    int version;          /* from the file name: 001_init.sql -> 1 */
    const char *name;     /* "001_init" */
    const char *sql;      /* may hold several statements */
};

struct oc_db;
struct oc_db_conn;

/**
 * Opens a pool of size connections (lazily: one at once, the rest on demand)
 * with search_path set to schema. conninfo is a libpq URI or key=value string.
 * Fails when the first connection cannot be made within wait_ms.
 * Caller frees with oc_db_free.
 */
enum oc_status oc_db_new(struct oc_db **out, const char *conninfo, const char *schema, int size,
                         int wait_ms);

/** Closes every connection. Connections must have been released. NULL does nothing. */
void oc_db_free(struct oc_db *db);

/**
 * Applies the migrations not yet recorded in <schema>.schema_migrations, in
 * version order, each in its own transaction, holding an advisory lock keyed
 * on the schema so concurrent copies of a service apply them once.
 * migs ends at count entries (a trailing zero entry is ignored).
 */
enum oc_status oc_db_migrate(struct oc_db *db, const struct oc_migration *migs, size_t count);

/** True when a trivial query succeeds now (for /readyz). */
bool oc_db_ping(struct oc_db *db);

/** Takes a connection, waiting up to 5 s for a free one; resets it if the server went away. */
enum oc_status oc_db_acquire(struct oc_db *db, struct oc_db_conn **out);

/** Returns a connection; an open transaction is rolled back first. */
void oc_db_release(struct oc_db *db, struct oc_db_conn *c);

/** The libpq connection, borrowed until release (for COPY and other special cases). */
PGconn *oc_db_pg(struct oc_db_conn *c);

/**
 * Runs one parameterised statement; params are text (NULL: SQL NULL).
 * On OC_OK, *res (when res is not NULL) is the result; caller PQclear()s it.
 * Errors map SQLSTATE: unique violation -> OC_ERR_CONFLICT, check/foreign-key/
 * invalid text -> OC_ERR_INVALID, connection lost -> OC_ERR_UNAVAILABLE;
 * Postgres's message goes to the log.
 */
enum oc_status oc_db_exec(struct oc_db_conn *c, PGresult **res, const char *sql, int nparams,
                          const char *const *params);

/** oc_db_exec with the parameters listed inline: oc_db_q(c, &res, sql, a, b). */
#define oc_db_q(c, res, sql, ...)                                                             \
    oc_db_exec((c), (res), (sql), (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), \
               (const char *const[]){__VA_ARGS__})

/** Begins a transaction scoped to tenant_id (RLS sees only that tenant's rows). */
enum oc_status oc_db_begin_tenant(struct oc_db_conn *c, const char *tenant_id);

/** Begins a transaction that may see every tenant's rows (cross-tenant jobs only). */
enum oc_status oc_db_begin_system(struct oc_db_conn *c);

enum oc_status oc_db_commit(struct oc_db_conn *c);
void oc_db_rollback(struct oc_db_conn *c);

/** The SQLSTATE of the last failed statement on c ("" when none). */
const char *oc_db_sqlstate(struct oc_db_conn *c);

#endif
