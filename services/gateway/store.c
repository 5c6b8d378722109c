/*
 * All of the gateway's SQL. Tenant work runs in oc_db_begin_tenant, so
 * row-level security limits it to that tenant even where a query forgets
 * its own filter; the few lookups that are cross-tenant by nature (a login
 * names an e-mail, a bearer token names a session or key, never a tenant)
 * run in oc_db_begin_system. Every change a tenant makes writes its audit
 * row in the same transaction, so one never exists without the other.
 *
 * Functions take the pool and hold one connection for one transaction;
 * strings handed back live in the caller's arena or fixed buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "oc/log.h"

/* Timestamps leave the database as ISO 8601 UTC with milliseconds. */
#define STORE_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Attempts older than this are pruned: far beyond any rate-limit window. */
#define STORE_ATTEMPT_KEEP "1 day"
#define STORE_PRUNE_BATCH "100"

static void store_copy(char *dst, size_t len, const PGresult *res, int row, int col)
{
    snprintf(dst, len, "%s", PQgetvalue(res, row, col));
}

static const char *store_dup(struct oc_arena *arena, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    return oc_arena_strdup(arena, PQgetvalue(res, row, col));
}

static enum oc_status store_audit(struct oc_db_conn *c, const struct store_actor *a,
                                  const char *action, const char *target)
{
    return oc_db_q(c, NULL,
                   "INSERT INTO audit_log (tenant_id, user_id, api_key_id, action, target, addr,"
                   " request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   a->tenant_id, a->user_id, a->api_key_id, action, target, a->addr, a->request_id);
}

/* ------------------------------------------------------------ sign-up and login */

enum oc_status store_signup(struct oc_db *db, const struct store_signup *in,
                            const struct store_actor *actor)
{
    struct oc_db_conn *c = NULL;
    char ttl[24];
    enum oc_status s;

    snprintf(ttl, sizeof(ttl), "%ld", in->session_ttl_hours);
    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, in->tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, NULL, "INSERT INTO tenants (tenant_id, company) VALUES ($1, $2)", in->tenant_id,
                in->company);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, NULL,
                "INSERT INTO users (id, tenant_id, email, password_hash, role)"
                " VALUES ($1, $2, $3, $4, 'owner')",
                in->user_id, in->tenant_id, in->email, in->password_hash);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, NULL,
                "INSERT INTO sessions (id, tenant_id, user_id, token_hash, expires_at)"
                " VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5::int))",
                in->session_id, in->tenant_id, in->user_id, in->token_hash, ttl);
    if (s != OC_OK)
        goto out;
    s = store_audit(c, actor, "auth.signup", in->user_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
out:
    oc_db_release(db, c);
    return s;
}

/* Reads the failure times of one query (one float8 column) into the arena. */
static enum oc_status store_times(PGresult *res, struct oc_arena *arena, double **out, size_t *n)
{
    int rows = PQntuples(res);
    double *t;

    t = oc_arena_alloc(arena, sizeof(double) * (size_t)(rows > 0 ? rows : 1));
    if (t == NULL)
        return OC_ERR_NOMEM;
    for (int i = 0; i < rows; i++)
        t[i] = strtod(PQgetvalue(res, i, 0), NULL);
    *out = t;
    *n = (size_t)rows;
    return OC_OK;
}

enum oc_status store_login_read(struct oc_db *db, const char *email, const char *addr,
                                long window_s, long max_email, long max_addr,
                                struct oc_arena *arena, struct store_login *out)
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    struct store_login r;
    char window[24], lim_email[24], lim_addr[24];
    enum oc_status s;

    memset(&r, 0, sizeof(r));
    snprintf(window, sizeof(window), "%ld", window_s);
    snprintf(lim_email, sizeof(lim_email), "%ld", max_email);
    snprintf(lim_addr, sizeof(lim_addr), "%ld", max_addr);

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    /* Cross-tenant by nature: the e-mail is all a login knows. */
    s = oc_db_begin_system(c);
    if (s != OC_OK)
        goto out;

    s = oc_db_exec(c, &res, "SELECT extract(epoch FROM now())::float8", 0, NULL);
    if (s != OC_OK)
        goto out;
    r.now = strtod(PQgetvalue(res, 0, 0), NULL);
    PQclear(res);
    res = NULL;

    s = oc_db_q(c, &res, "SELECT id, tenant_id, password_hash FROM users WHERE email = $1", email);
    if (s != OC_OK)
        goto out;
    if (PQntuples(res) == 1) {
        r.user_found = true;
        store_copy(r.user_id, sizeof(r.user_id), res, 0, 0);
        store_copy(r.tenant_id, sizeof(r.tenant_id), res, 0, 1);
        store_copy(r.password_hash, sizeof(r.password_hash), res, 0, 2);
    }
    PQclear(res);
    res = NULL;

    /* A success forgives the e-mail's earlier failures; the address's stay. */
    s = oc_db_q(c, &res,
                "SELECT extract(epoch FROM attempted_at)::float8 FROM login_attempts"
                " WHERE email = $1 AND NOT success"
                "   AND attempted_at > now() - make_interval(secs => $2::float8)"
                "   AND attempted_at > coalesce((SELECT max(attempted_at) FROM login_attempts"
                "                                 WHERE email = $1 AND success), '-infinity')"
                " ORDER BY attempted_at DESC LIMIT $3::int",
                email, window, lim_email);
    if (s != OC_OK)
        goto out;
    s = store_times(res, arena, &r.email_failures, &r.n_email_failures);
    if (s != OC_OK)
        goto out;
    PQclear(res);
    res = NULL;

    s = oc_db_q(c, &res,
                "SELECT extract(epoch FROM attempted_at)::float8 FROM login_attempts"
                " WHERE addr = $1 AND NOT success"
                "   AND attempted_at > now() - make_interval(secs => $2::float8)"
                " ORDER BY attempted_at DESC LIMIT $3::int",
                addr, window, lim_addr);
    if (s != OC_OK)
        goto out;
    s = store_times(res, arena, &r.addr_failures, &r.n_addr_failures);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
    if (s == OC_OK)
        *out = r;
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}

enum oc_status store_login_attempt(struct oc_db *db, const char *email, const char *addr,
                                   char attempt_id[24])
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    enum oc_status s;

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_system(c);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, &res,
                "INSERT INTO login_attempts (email, addr, success) VALUES ($1, $2, false)"
                " RETURNING id",
                email, addr);
    if (s != OC_OK)
        goto out;
    /* Pruning rides along with the attempts that make rows, a bounded batch
     * at a time, so the table stays small without a job of its own. */
    s = oc_db_exec(c, NULL,
                   "DELETE FROM login_attempts WHERE id IN (SELECT id FROM login_attempts"
                   " WHERE attempted_at < now() - interval '" STORE_ATTEMPT_KEEP "'"
                   " ORDER BY attempted_at LIMIT " STORE_PRUNE_BATCH ")",
                   0, NULL);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
    if (s == OC_OK)
        store_copy(attempt_id, 24, res, 0, 0);
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}

enum oc_status store_login_succeeded(struct oc_db *db, const struct store_login *login,
                                     const char *attempt_id, const char *session_id,
                                     const char *token_hash, long session_ttl_hours,
                                     const struct store_actor *actor)
{
    struct oc_db_conn *c = NULL;
    char ttl[24];
    enum oc_status s;

    snprintf(ttl, sizeof(ttl), "%ld", session_ttl_hours);
    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, login->tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, NULL, "UPDATE login_attempts SET success = true WHERE id = $1::bigint",
                attempt_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, NULL,
                "INSERT INTO sessions (id, tenant_id, user_id, token_hash, expires_at)"
                " VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5::int))",
                session_id, login->tenant_id, login->user_id, token_hash, ttl);
    if (s != OC_OK)
        goto out;
    s = store_audit(c, actor, "auth.login", login->user_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
out:
    oc_db_release(db, c);
    return s;
}

/* ------------------------------------------------------------ sessions and keys */

enum oc_status store_session_revoke(struct oc_db *db, const char *session_id,
                                    const struct store_actor *actor)
{
    struct oc_db_conn *c = NULL;
    enum oc_status s;

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, actor->tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, NULL,
                "UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                session_id);
    if (s != OC_OK)
        goto out;
    s = store_audit(c, actor, "auth.logout", session_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
out:
    oc_db_release(db, c);
    return s;
}

/* Runs a one-row principal lookup by hash in a system-scoped transaction. */
static enum oc_status store_principal(struct oc_db *db, const char *sql, const char *hash,
                                      bool api_key, struct gw_principal *out)
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    struct gw_principal who;
    enum oc_status s;

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    /* Cross-tenant by nature: a token names no tenant until it is found. */
    s = oc_db_begin_system(c);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, &res, sql, hash);
    if (s != OC_OK)
        goto out;
    if (PQntuples(res) != 1) {
        s = OC_ERR_UNAUTHENTICATED;
        goto out;
    }
    s = oc_db_commit(c);
    if (s != OC_OK)
        goto out;
    memset(&who, 0, sizeof(who));
    store_copy(api_key ? who.api_key_id : who.session_id, sizeof(who.session_id), res, 0, 0);
    store_copy(who.tenant_id, sizeof(who.tenant_id), res, 0, 1);
    store_copy(who.user_id, sizeof(who.user_id), res, 0, 2);
    *out = who;
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}

enum oc_status store_session_find(struct oc_db *db, const char *token_hash,
                                  struct gw_principal *out)
{
    return store_principal(db,
                           "SELECT id, tenant_id, user_id FROM sessions"
                           " WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()",
                           token_hash, false, out);
}

enum oc_status store_api_key_find(struct oc_db *db, const char *key_hash, struct gw_principal *out)
{
    /* last_used_at is a hint for the owner, not an access log: it is written
     * at most once a minute so a busy key does not turn every call into a
     * row update. */
    return store_principal(db,
                           "WITH k AS (SELECT id, tenant_id, created_by FROM api_keys"
                           "            WHERE key_hash = $1),"
                           " touch AS (UPDATE api_keys a SET last_used_at = now() FROM k"
                           "            WHERE a.id = k.id AND (a.last_used_at IS NULL"
                           "               OR a.last_used_at < now() - interval '1 minute'))"
                           " SELECT id, tenant_id, created_by FROM k",
                           key_hash, true, out);
}

enum oc_status store_me(struct oc_db *db, const struct gw_principal *who, struct oc_arena *arena,
                        struct store_me *out)
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    struct store_me me;
    enum oc_status s;

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, who->tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, &res,
                "SELECT u.email, t.company FROM users u JOIN tenants t USING (tenant_id)"
                " WHERE u.id = $1",
                who->user_id);
    if (s != OC_OK)
        goto out;
    if (PQntuples(res) != 1) {
        s = OC_ERR_NOT_FOUND;
        goto out;
    }
    s = oc_db_commit(c);
    if (s != OC_OK)
        goto out;
    me.email = store_dup(arena, res, 0, 0);
    me.company = store_dup(arena, res, 0, 1);
    if (me.email == NULL || me.company == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    *out = me;
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}

enum oc_status store_api_key_create(struct oc_db *db, const char *id, const char *name,
                                    const char *prefix, const char *key_hash,
                                    const struct store_actor *actor, struct oc_arena *arena,
                                    const char **created_at)
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    const char *at;
    enum oc_status s;

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, actor->tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, &res,
                "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, created_by)"
                " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " STORE_ISO("created_at"),
                id, actor->tenant_id, name, prefix, key_hash, actor->user_id);
    if (s != OC_OK)
        goto out;
    s = store_audit(c, actor, "api_key.create", id);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
    if (s != OC_OK)
        goto out;
    at = store_dup(arena, res, 0, 0);
    if (at == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    *created_at = at;
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}

/*
 * List cursors are "<created_at in microseconds since the epoch>_<id>": the
 * keyset of the last item shown, so pages stay stable while keys come and
 * go. Opaque to callers; checked strictly on the way back in.
 */
static bool store_cursor_parse(const char *cursor, char us[24], char id[GW_UUID_LEN + 1])
{
    size_t digits = strspn(cursor, "0123456789");

    if (digits == 0 || digits > 19 || cursor[digits] != '_' || !gw_uuid_valid(cursor + digits + 1))
        return false;
    memcpy(us, cursor, digits);
    us[digits] = '\0';
    memcpy(id, cursor + digits + 1, GW_UUID_LEN + 1);
    return true;
}

enum oc_status store_api_key_list(struct oc_db *db, const char *tenant_id, const char *cursor,
                                  long limit, struct oc_arena *arena, struct store_api_key **items,
                                  size_t *n, const char **next_cursor)
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    struct store_api_key *list;
    char after_us[24] = "", after_id[GW_UUID_LEN + 1] = "";
    char fetch[24];
    const char *next = NULL;
    int rows;
    enum oc_status s;

    if (cursor != NULL && !store_cursor_parse(cursor, after_us, after_id))
        return OC_ERR_INVALID;
    /* One row past the page tells whether another page follows. */
    snprintf(fetch, sizeof(fetch), "%ld", limit + 1);

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_q(c, &res,
                "SELECT id, name, prefix, " STORE_ISO("created_at") ", " STORE_ISO(
                    "last_used_at") ", (extract(epoch FROM created_at) * 1000000)::bigint"
                                    " FROM api_keys"
                                    " WHERE tenant_id = $1"
                                    "   AND ($2::bigint IS NULL OR (created_at, id) <"
                                    "        ('epoch'::timestamptz + $2::bigint * interval '1 "
                                    "microsecond', $3::uuid))"
                                    " ORDER BY created_at DESC, id DESC LIMIT $4::int",
                tenant_id, cursor != NULL ? after_us : NULL, cursor != NULL ? after_id : NULL,
                fetch);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
    if (s != OC_OK)
        goto out;

    rows = PQntuples(res);
    if (rows > limit) {
        rows = (int)limit;
        next = oc_arena_printf(arena, "%s_%s", PQgetvalue(res, rows - 1, 5),
                               PQgetvalue(res, rows - 1, 0));
        if (next == NULL) {
            s = OC_ERR_NOMEM;
            goto out;
        }
    }
    list = oc_arena_alloc(arena, sizeof(*list) * (size_t)(rows > 0 ? rows : 1));
    if (list == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < rows; i++) {
        list[i].id = store_dup(arena, res, i, 0);
        list[i].name = store_dup(arena, res, i, 1);
        list[i].prefix = store_dup(arena, res, i, 2);
        list[i].created_at = store_dup(arena, res, i, 3);
        list[i].last_used_at = store_dup(arena, res, i, 4);
        if (list[i].id == NULL || list[i].name == NULL || list[i].prefix == NULL ||
            list[i].created_at == NULL) {
            s = OC_ERR_NOMEM;
            goto out;
        }
    }
    *items = list;
    *n = (size_t)rows;
    *next_cursor = next;
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}

enum oc_status store_api_key_delete(struct oc_db *db, const char *id,
                                    const struct store_actor *actor, struct oc_arena *arena,
                                    const char **name, const char **prefix)
{
    struct oc_db_conn *c = NULL;
    PGresult *res = NULL;
    const char *n, *p;
    enum oc_status s;

    s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, actor->tenant_id);
    if (s != OC_OK)
        goto out;
    /* Another tenant's key matches no row here, so it reads as not found,
     * exactly like a key that never existed. */
    s = oc_db_q(c, &res,
                "DELETE FROM api_keys WHERE id = $1 AND tenant_id = $2 RETURNING name, prefix", id,
                actor->tenant_id);
    if (s != OC_OK)
        goto out;
    if (PQntuples(res) != 1) {
        s = OC_ERR_NOT_FOUND;
        goto out;
    }
    s = store_audit(c, actor, "api_key.delete", id);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
    if (s != OC_OK)
        goto out;
    n = store_dup(arena, res, 0, 0);
    p = store_dup(arena, res, 0, 1);
    if (n == NULL || p == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    *name = n;
    *prefix = p;
out:
    PQclear(res);
    oc_db_release(db, c);
    return s;
}
