/*
 * All of the dialer's SQL; see store.h. Numbers and legs are tenant rows:
 * every statement runs in oc_db_begin_tenant, so row-level security limits
 * it to that tenant even where a query forgot its own filter, and every
 * query filters on tenant_id anyway. Sealed secrets travel as bytea in
 * Postgres's hex text form.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oc/crypto.h"
#include "oc/log.h"

#define NUMBER_COLUMNS                                                                             \
    "id, kind, caller_id, coalesce(trunk, ''), label, status, max_concurrent,"                     \
    " sip_secret IS NOT NULL, (extract(epoch FROM created_at) * 1000)::bigint,"                    \
    " (extract(epoch FROM updated_at) * 1000)::bigint,"                                            \
    " ((extract(epoch FROM created_at) * 1000000)::bigint)::text || ':' || id"

static const char *const kind_names[] = {"", "sip", "twilio", "plivo", "vonage"};

static int kind_from_text(const char *s)
{
    for (int i = 1; i < 5; i++)
        if (strcmp(s, kind_names[i]) == 0)
            return i;
    return 0;
}

/* Runs fn inside a tenant transaction on one connection, committing on OC_OK. */
static enum oc_status with_tenant(struct oc_db *db, const char *tenant_id,
                                  enum oc_status (*fn)(struct oc_db_conn *c, void *arg), void *arg)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = oc_db_acquire(db, &c);
    if (st != OC_OK)
        return st;
    st = oc_db_begin_tenant(c, tenant_id);
    if (st == OC_OK)
        st = fn(c, arg);
    if (st == OC_OK)
        st = oc_db_commit(c);
    else
        oc_db_rollback(c);
    oc_db_release(db, c);
    return st;
}

static char *dup(struct oc_arena *a, const PGresult *r, int row, int col)
{
    return oc_arena_strdup(a, PQgetvalue(r, row, col));
}

/* One row of NUMBER_COLUMNS into a PhoneNumber in arena; *cursor too when asked. */
static Ocpb__PhoneNumber *number_from_row(struct oc_arena *a, const PGresult *r, int row,
                                          const char **cursor)
{
    Ocpb__PhoneNumber *n = oc_arena_alloc(a, sizeof(*n));
    if (!n)
        return NULL;
    ocpb__phone_number__init(n);
    n->id = dup(a, r, row, 0);
    n->kind = (Ocpb__NumberKind)kind_from_text(PQgetvalue(r, row, 1));
    n->caller_id = dup(a, r, row, 2);
    n->trunk = dup(a, r, row, 3);
    n->label = dup(a, r, row, 4);
    n->state = strcmp(PQgetvalue(r, row, 5), "active") == 0
                   ? OCPB__NUMBER_STATE__NUMBER_STATE_ACTIVE
                   : OCPB__NUMBER_STATE__NUMBER_STATE_DISABLED;
    n->max_concurrent = atoi(PQgetvalue(r, row, 6));
    n->has_credentials = strcmp(PQgetvalue(r, row, 7), "t") == 0;
    n->created_unix_ms = strtoll(PQgetvalue(r, row, 8), NULL, 10);
    n->updated_unix_ms = strtoll(PQgetvalue(r, row, 9), NULL, 10);
    n->account_id = "";
    if (!n->id || !n->caller_id || !n->trunk || !n->label)
        return NULL;
    if (cursor) {
        *cursor = dup(a, r, row, 10);
        if (!*cursor)
            return NULL;
    }
    return n;
}

/* ================================================================ numbers */

struct number_create_arg {
    const struct store_number_new *in;
    struct oc_arena *arena;
    Ocpb__PhoneNumber *out;
};

static enum oc_status number_create_tx(struct oc_db_conn *c, void *p)
{
    struct number_create_arg *arg = p;
    const struct store_number_new *in = arg->in;
    char limit[16];
    char *secret_hex = NULL;
    PGresult *r = NULL;

    snprintf(limit, sizeof(limit), "%d", in->max_concurrent);
    if (in->sip_secret) {
        secret_hex = oc_arena_alloc(arg->arena, 2 * in->sip_secret_len + 3);
        if (!secret_hex)
            return OC_ERR_NOMEM;
        secret_hex[0] = '\\';
        secret_hex[1] = 'x';
        oc_hex_encode(in->sip_secret, in->sip_secret_len, secret_hex + 2);
    }
    enum oc_status st = oc_db_q(
        c, &r,
        "INSERT INTO phone_numbers (id, tenant_id, kind, caller_id, label, trunk, sip_username,"
        " sip_secret, sip_secret_key_id, max_concurrent, created_by)"
        " VALUES ($1, $2, 'sip', $3, $4, $5, $6, $7::bytea,"
        " CASE WHEN $7::bytea IS NULL THEN NULL ELSE 1 END, $8::int, $9)"
        " RETURNING " NUMBER_COLUMNS,
        in->id, in->tenant_id, in->caller_id, in->label, in->trunk, in->sip_username, secret_hex,
        limit, in->created_by);
    if (st != OC_OK)
        return st;
    arg->out = number_from_row(arg->arena, r, 0, NULL);
    PQclear(r);
    return arg->out ? OC_OK : OC_ERR_NOMEM;
}

enum oc_status store_number_create(struct oc_db *db, const struct store_number_new *in,
                                   struct oc_arena *arena, Ocpb__PhoneNumber **out)
{
    struct number_create_arg arg = {.in = in, .arena = arena};
    enum oc_status st = with_tenant(db, in->tenant_id, number_create_tx, &arg);
    if (st == OC_OK)
        *out = arg.out;
    return st;
}

struct number_get_arg {
    const char *tenant_id;
    const char *id;
    struct oc_arena *arena;
    Ocpb__PhoneNumber *out;
};

static enum oc_status number_get_tx(struct oc_db_conn *c, void *p)
{
    struct number_get_arg *arg = p;
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT " NUMBER_COLUMNS " FROM phone_numbers"
                                " WHERE tenant_id = $1 AND id = $2::uuid",
                                arg->tenant_id, arg->id);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    arg->out = number_from_row(arg->arena, r, 0, NULL);
    PQclear(r);
    return arg->out ? OC_OK : OC_ERR_NOMEM;
}

enum oc_status store_number_get(struct oc_db *db, const char *tenant_id, const char *id,
                                struct oc_arena *arena, Ocpb__PhoneNumber **out)
{
    struct number_get_arg arg = {.tenant_id = tenant_id, .id = id, .arena = arena};
    enum oc_status st = with_tenant(db, tenant_id, number_get_tx, &arg);
    if (st == OC_OK)
        *out = arg.out;
    return st;
}

struct number_list_arg {
    const char *tenant_id;
    int kind;
    const char *after_us;
    const char *after_id;
    int limit;
    struct oc_arena *arena;
    Ocpb__PhoneNumber **out;
    size_t n;
    const char *next;
};

static enum oc_status number_list_tx(struct oc_db_conn *c, void *p)
{
    struct number_list_arg *arg = p;
    char limit[16];
    PGresult *r = NULL;

    /* One row more than asked tells whether another page follows. */
    snprintf(limit, sizeof(limit), "%d", arg->limit + 1);
    enum oc_status st =
        oc_db_q(c, &r,
                "SELECT " NUMBER_COLUMNS " FROM phone_numbers"
                " WHERE tenant_id = $1 AND ($2 = '' OR kind = $2)"
                "   AND ($3::bigint IS NULL OR (created_at, id) >"
                "        ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid))"
                " ORDER BY created_at, id LIMIT $5::int",
                arg->tenant_id, kind_names[arg->kind], arg->after_us, arg->after_id, limit);
    if (st != OC_OK)
        return st;
    int rows = PQntuples(r);
    int take = rows > arg->limit ? arg->limit : rows;
    arg->out = oc_arena_alloc(arg->arena, (size_t)(take ? take : 1) * sizeof(*arg->out));
    if (!arg->out) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    const char *cursor = "";
    for (int i = 0; i < take; i++) {
        arg->out[i] = number_from_row(arg->arena, r, i, &cursor);
        if (!arg->out[i]) {
            PQclear(r);
            return OC_ERR_NOMEM;
        }
    }
    arg->n = (size_t)take;
    arg->next = rows > arg->limit ? cursor : "";
    PQclear(r);
    return OC_OK;
}

enum oc_status store_number_list(struct oc_db *db, const char *tenant_id, int kind,
                                 const char *cursor, int limit, struct oc_arena *arena,
                                 Ocpb__PhoneNumber ***out, size_t *n, const char **next)
{
    struct number_list_arg arg = {
        .tenant_id = tenant_id, .kind = kind, .limit = limit, .arena = arena};
    if (kind < 0 || kind > 4)
        return OC_ERR_INVALID;
    if (cursor && *cursor) {
        /* "<created_at in microseconds>:<id>", as number_from_row wrote it. */
        const char *colon = strchr(cursor, ':');
        char *end = NULL;
        if (!colon || colon == cursor || strlen(colon + 1) != 36)
            return OC_ERR_INVALID;
        strtoll(cursor, &end, 10);
        if (end != colon)
            return OC_ERR_INVALID;
        arg.after_us = oc_arena_strndup(arena, cursor, (size_t)(colon - cursor));
        arg.after_id = oc_arena_strdup(arena, colon + 1);
        if (!arg.after_us || !arg.after_id)
            return OC_ERR_NOMEM;
    }
    enum oc_status st = with_tenant(db, tenant_id, number_list_tx, &arg);
    if (st == OC_OK) {
        *out = arg.out;
        *n = arg.n;
        *next = arg.next;
    }
    return st;
}

struct credentials_arg {
    const char *tenant_id;
    const char *id;
    struct oc_arena *arena;
    const char *username;
    uint8_t *secret;
    size_t secret_len;
};

static enum oc_status credentials_tx(struct oc_db_conn *c, void *p)
{
    struct credentials_arg *arg = p;
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT sip_username, sip_secret FROM phone_numbers"
                                " WHERE tenant_id = $1 AND id = $2::uuid",
                                arg->tenant_id, arg->id);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    if (!PQgetisnull(r, 0, 0) && !PQgetisnull(r, 0, 1)) {
        const char *hex = PQgetvalue(r, 0, 1);
        size_t len = strlen(hex);
        if (len < 2 || hex[0] != '\\' || hex[1] != 'x' || (len - 2) % 2) {
            PQclear(r);
            return OC_ERR_INTERNAL;
        }
        arg->secret_len = (len - 2) / 2;
        arg->secret = oc_arena_alloc(arg->arena, arg->secret_len);
        arg->username = dup(arg->arena, r, 0, 0);
        if (!arg->secret || !arg->username) {
            PQclear(r);
            return OC_ERR_NOMEM;
        }
        st = oc_hex_decode(hex + 2, arg->secret, arg->secret_len);
    }
    PQclear(r);
    return st;
}

enum oc_status store_number_credentials(struct oc_db *db, const char *tenant_id, const char *id,
                                        struct oc_arena *arena, const char **username,
                                        uint8_t **secret, size_t *secret_len)
{
    struct credentials_arg arg = {.tenant_id = tenant_id, .id = id, .arena = arena};
    enum oc_status st = with_tenant(db, tenant_id, credentials_tx, &arg);
    if (st == OC_OK) {
        *username = arg.username;
        *secret = arg.secret;
        *secret_len = arg.secret_len;
    }
    return st;
}

/* ================================================================ call legs */

struct leg_claim_arg {
    const struct store_leg *leg;
    char *status;
    size_t status_len;
    bool existed;
};

static enum oc_status leg_claim_tx(struct oc_db_conn *c, void *p)
{
    struct leg_claim_arg *arg = p;
    const struct store_leg *l = arg->leg;
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(
        c, &r,
        "INSERT INTO call_legs (tenant_id, call_id, job_id, number_id, kind, from_e164, to_e164)"
        " VALUES ($1, $2::uuid, $3, $4::uuid, 'sip', $5, $6)"
        " ON CONFLICT (tenant_id, job_id) DO NOTHING RETURNING status",
        l->tenant_id, l->call_id, l->job_id, l->number_id, l->from_e164, l->to_e164);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 1) {
        PQclear(r);
        return OC_OK;
    }
    PQclear(r);
    st = oc_db_q(c, &r, "SELECT status FROM call_legs WHERE tenant_id = $1 AND job_id = $2",
                 l->tenant_id, l->job_id);
    if (st != OC_OK)
        return st;
    snprintf(arg->status, arg->status_len, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    arg->existed = true;
    PQclear(r);
    return OC_OK;
}

enum oc_status store_leg_claim(struct oc_db *db, const struct store_leg *leg, char *status,
                               size_t status_len)
{
    char found[32] = "";
    struct leg_claim_arg arg = {.leg = leg, .status = found, .status_len = sizeof(found)};
    enum oc_status st = with_tenant(db, leg->tenant_id, leg_claim_tx, &arg);
    if (st != OC_OK)
        return st;
    if (arg.existed) {
        snprintf(status, status_len, "%s", found);
        return OC_ERR_CONFLICT;
    }
    return OC_OK;
}

struct leg_update_arg {
    const char *sql;
    const char *params[6];
    int n;
};

static enum oc_status leg_update_tx(struct oc_db_conn *c, void *p)
{
    struct leg_update_arg *arg = p;
    return oc_db_exec(c, NULL, arg->sql, arg->n, arg->params);
}

enum oc_status store_leg_forget(struct oc_db *db, const char *tenant_id, const char *job_id)
{
    struct leg_update_arg arg = {
        .sql = "DELETE FROM call_legs WHERE tenant_id = $1 AND job_id = $2 AND status = 'dialing'",
        .params = {tenant_id, job_id},
        .n = 2};
    return with_tenant(db, tenant_id, leg_update_tx, &arg);
}

enum oc_status store_leg_skip(struct oc_db *db, const char *tenant_id, const char *job_id)
{
    struct leg_update_arg arg = {
        .sql = "UPDATE call_legs SET status = 'skipped', hangup_by = 'system', ended_at = now()"
               " WHERE tenant_id = $1 AND job_id = $2 AND status = 'dialing'",
        .params = {tenant_id, job_id},
        .n = 2};
    return with_tenant(db, tenant_id, leg_update_tx, &arg);
}

enum oc_status store_leg_media(struct oc_db *db, const char *tenant_id, const char *job_id,
                               const char *media_instance, const char *media_addr)
{
    struct leg_update_arg arg = {.sql = "UPDATE call_legs SET media_instance = $3, media_addr = $4"
                                        " WHERE tenant_id = $1 AND job_id = $2",
                                 .params = {tenant_id, job_id, media_instance, media_addr},
                                 .n = 4};
    return with_tenant(db, tenant_id, leg_update_tx, &arg);
}

enum oc_status store_leg_progress(struct oc_db *db, const char *tenant_id, const char *job_id,
                                  const char *status, const char *sip_call_id, int sip_code)
{
    char code[16];
    snprintf(code, sizeof(code), "%d", sip_code);
    struct leg_update_arg arg = {
        .sql = "UPDATE call_legs SET status = $3,"
               " sip_call_id = coalesce(nullif($4, ''), sip_call_id),"
               " sip_code = CASE WHEN $5::int BETWEEN 100 AND 699 THEN $5::int ELSE sip_code END,"
               " ringing_at = CASE WHEN $3 = 'ringing' THEN now() ELSE ringing_at END,"
               " answered_at = CASE WHEN $3 = 'answered' THEN now() ELSE answered_at END"
               " WHERE tenant_id = $1 AND job_id = $2 AND status IN ('dialing', 'ringing')",
        .params = {tenant_id, job_id, status, sip_call_id ? sip_call_id : "", code},
        .n = 5};
    return with_tenant(db, tenant_id, leg_update_tx, &arg);
}

enum oc_status store_leg_end(struct oc_db *db, const char *tenant_id, const char *job_id,
                             const char *status, int sip_code, const char *hangup_by,
                             const char *cause)
{
    char code[16];
    snprintf(code, sizeof(code), "%d", sip_code);
    struct leg_update_arg arg = {
        .sql = "UPDATE call_legs SET status = $3,"
               " sip_code = CASE WHEN $4::int BETWEEN 100 AND 699 THEN $4::int ELSE sip_code END,"
               " hangup_by = $5, hangup_cause = $6, ended_at = now()"
               " WHERE tenant_id = $1 AND job_id = $2"
               " AND status NOT IN ('ended', 'failed', 'skipped')",
        .params = {tenant_id, job_id, status, code, hangup_by, cause},
        .n = 6};
    return with_tenant(db, tenant_id, leg_update_tx, &arg);
}
