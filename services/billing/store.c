/*
 * billing's SQL (see store.h). Numbers travel as decimal text parameters
 * and come back the same way; instants as Unix milliseconds, converted in
 * the query. The ledger's kinds are stored by name, mapped here from
 * ocpb.LedgerKind in one table.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oc/log.h"

#define MS(col) "(extract(epoch from " col ") * 1000)::bigint"

/* ================================================================ values */

static const struct {
    Ocpb__LedgerKind kind;
    const char *name;
} kinds[] = {
    {OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL, "trial"},
    {OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, "purchase"},
    {OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE, "call_usage"},
    {OCPB__LEDGER_KIND__LEDGER_KIND_ADJUSTMENT, "adjustment"},
    {OCPB__LEDGER_KIND__LEDGER_KIND_REFUND, "refund"},
    {OCPB__LEDGER_KIND__LEDGER_KIND_EXPIRY, "expiry"},
};

const char *store_kind_name(Ocpb__LedgerKind kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kinds[i].kind == kind)
            return kinds[i].name;
    return NULL;
}

static Ocpb__LedgerKind kind_of(const char *name)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].name, name) == 0)
            return kinds[i].kind;
    return OCPB__LEDGER_KIND__LEDGER_KIND_UNSPECIFIED;
}

static const char *const hold_statuses[] = {"open", "settled", "released"};

/* A number as a text parameter, in the arena. */
static char *num_text(struct oc_arena *a, int64_t v)
{
    return oc_arena_printf(a, "%" PRId64, v);
}

static int64_t num(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static char *text(struct oc_arena *a, const PGresult *r, int row, int col)
{
    return oc_arena_strdup(a, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* ================================================================ accounts */

enum oc_status store_account_open(struct oc_db_conn *c, const char *tenant, bool *created)
{
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               "INSERT INTO balances (tenant_id) VALUES ($1)"
                               " ON CONFLICT (tenant_id) DO NOTHING RETURNING id",
                               tenant);
    if (s != OC_OK)
        return s;
    *created = PQntuples(r) == 1;
    PQclear(r);
    return OC_OK;
}

enum oc_status store_account_read(struct oc_db_conn *c, const char *tenant, bool lock,
                                  int64_t *balance, int64_t *held)
{
    PGresult *r = NULL;
    enum oc_status s;

    /* The lock is taken by a statement of its own: in READ COMMITTED a
     * statement reads with the snapshot it started with, so a sum read by
     * the same statement that waited for the lock would miss the holds the
     * previous owner of the lock just committed. */
    if (lock) {
        s = oc_db_q(c, &r, "SELECT 1 FROM balances WHERE tenant_id = $1 FOR UPDATE", tenant);
        if (s != OC_OK)
            return s;
        int rows = PQntuples(r);
        PQclear(r);
        if (rows != 1)
            return OC_ERR_NOT_FOUND;
    }
    /* now() is the transaction's start: one consistent view of expiry. */
    s = oc_db_q(c, &r,
                "SELECT b.balance_milli,"
                " (SELECT coalesce(sum(h.amount_milli), 0) FROM reservations h"
                "   WHERE h.tenant_id = b.tenant_id AND h.status = 'open'"
                "   AND h.expires_at > now())"
                " FROM balances b WHERE b.tenant_id = $1",
                tenant);
    if (s != OC_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    *balance = num(r, 0, 0);
    *held = num(r, 0, 1);
    PQclear(r);
    return OC_OK;
}

enum oc_status store_account_trial_only(struct oc_db_conn *c, const char *tenant, bool *out)
{
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               "SELECT NOT EXISTS (SELECT 1 FROM ledger_entries"
                               " WHERE tenant_id = $1 AND kind = 'purchase')",
                               tenant);
    if (s != OC_OK)
        return s;
    *out = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return OC_OK;
}

/* ================================================================ ledger */

/* The columns every read of an entry returns, in the order entry_of reads them. */
#define ENTRY_COLUMNS                                                                              \
    "id, kind, amount_milli, balance_after_milli, reference, description, seconds,"                \
    " paid_currency, paid_minor, " MS("created_at") ", actor, seq"

/* One row of ENTRY_COLUMNS as a LedgerEntry in the arena; NULL when out of memory. */
static Ocpb__LedgerEntry *entry_of(struct oc_arena *a, const PGresult *r, int row)
{
    Ocpb__LedgerEntry *e = oc_arena_alloc(a, sizeof(*e));
    Ocpb__Credits *amount = oc_arena_alloc(a, sizeof(*amount));
    Ocpb__Credits *after = oc_arena_alloc(a, sizeof(*after));
    if (!e || !amount || !after)
        return NULL;
    ocpb__ledger_entry__init(e);
    ocpb__credits__init(amount);
    ocpb__credits__init(after);
    e->id = text(a, r, row, 0);
    e->kind = kind_of(PQgetvalue(r, row, 1));
    amount->milli = num(r, row, 2);
    e->amount = amount;
    after->milli = num(r, row, 3);
    e->balance_after = after;
    e->reference = text(a, r, row, 4);
    e->description = text(a, r, row, 5);
    e->seconds = num(r, row, 6);
    if (PQgetvalue(r, row, 7)[0]) {
        Ocpb__Money *paid = oc_arena_alloc(a, sizeof(*paid));
        if (!paid)
            return NULL;
        ocpb__money__init(paid);
        paid->currency = text(a, r, row, 7);
        paid->amount_minor = num(r, row, 8);
        e->paid = paid;
    }
    e->created_unix_ms = num(r, row, 9);
    e->actor = text(a, r, row, 10);
    if (!e->id || !e->reference || !e->description || !e->actor)
        return NULL;
    return e;
}

/* The one entry a query returned: OC_ERR_NOT_FOUND for none. Clears r. */
static enum oc_status one_entry(PGresult *r, struct oc_arena *a, Ocpb__LedgerEntry **out)
{
    enum oc_status s = OC_OK;
    if (PQntuples(r) != 1) {
        s = OC_ERR_NOT_FOUND;
    } else {
        Ocpb__LedgerEntry *e = entry_of(a, r, 0);
        if (e)
            *out = e;
        else
            s = OC_ERR_NOMEM;
    }
    PQclear(r);
    return s;
}

enum oc_status store_entry_add(struct oc_db_conn *c, const char *tenant,
                               const struct store_entry_in *in, int64_t balance_after,
                               struct oc_arena *a, Ocpb__LedgerEntry **out)
{
    const char *kind = store_kind_name(in->kind);
    char *amount = num_text(a, in->amount);
    char *after = num_text(a, balance_after);
    char *seconds = num_text(a, in->seconds);
    char *paid = num_text(a, in->paid_minor);
    if (!kind) {
        oc_error("ledger entry of unknown kind %d", (int)in->kind);
        return OC_ERR_INTERNAL;
    }
    if (!amount || !after || !seconds || !paid)
        return OC_ERR_NOMEM;

    PGresult *r = NULL;
    enum oc_status s = oc_db_q(
        c, &r,
        "INSERT INTO ledger_entries (tenant_id, kind, amount_milli, balance_after_milli,"
        " reference, idempotency_key, description, seconds, paid_currency, paid_minor, actor)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING " ENTRY_COLUMNS,
        tenant, kind, amount, after, in->reference ? in->reference : "", in->key,
        in->description ? in->description : "", seconds, in->paid_currency ? in->paid_currency : "",
        paid, in->actor ? in->actor : "");
    if (s != OC_OK)
        return s;
    Ocpb__LedgerEntry *e = NULL;
    s = one_entry(r, a, &e);
    if (s != OC_OK)
        return s == OC_ERR_NOT_FOUND ? OC_ERR_INTERNAL : s;
    s = oc_db_q(c, NULL,
                "UPDATE balances SET balance_milli = $2, updated_at = now() WHERE tenant_id = $1",
                tenant, after);
    if (s != OC_OK)
        return s;
    *out = e;
    return OC_OK;
}

enum oc_status store_entry_by_key(struct oc_db_conn *c, const char *tenant, const char *key,
                                  struct oc_arena *a, Ocpb__LedgerEntry **out)
{
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               "SELECT " ENTRY_COLUMNS " FROM ledger_entries"
                               " WHERE tenant_id = $1 AND idempotency_key = $2",
                               tenant, key);
    return s != OC_OK ? s : one_entry(r, a, out);
}

enum oc_status store_entry_get(struct oc_db_conn *c, const char *tenant, const char *id,
                               struct oc_arena *a, Ocpb__LedgerEntry **out)
{
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               "SELECT " ENTRY_COLUMNS " FROM ledger_entries"
                               " WHERE tenant_id = $1 AND id = $2",
                               tenant, id);
    return s != OC_OK ? s : one_entry(r, a, out);
}

/* "{trial,purchase}": the kinds as a text[] literal. Names come from the
 * fixed table above, so they need no quoting. */
static char *kinds_array(struct oc_arena *a, const char *const *names, size_t n)
{
    char *out = oc_arena_strdup(a, "{");
    for (size_t i = 0; out && i < n; i++)
        out = oc_arena_printf(a, "%s%s%s", out, i ? "," : "", names[i]);
    return out ? oc_arena_printf(a, "%s}", out) : NULL;
}

enum oc_status store_history(struct oc_db_conn *c, const char *tenant,
                             const struct store_history_filter *f, struct oc_arena *a,
                             Ocpb__LedgerEntry ***entries, size_t *n, int64_t *next_seq)
{
    /* One more row than the page tells whether another page follows. */
    char *kinds_param = f->n_kinds ? kinds_array(a, f->kinds, f->n_kinds) : NULL;
    char *from = f->from_ms ? num_text(a, f->from_ms) : NULL;
    char *to = f->to_ms ? num_text(a, f->to_ms) : NULL;
    char *after = f->after_seq ? num_text(a, f->after_seq) : NULL;
    char *limit = num_text(a, (int64_t)f->limit + 1);
    if ((f->n_kinds && !kinds_param) || (f->from_ms && !from) || (f->to_ms && !to) ||
        (f->after_seq && !after) || !limit)
        return OC_ERR_NOMEM;

    PGresult *r = NULL;
    enum oc_status s =
        oc_db_q(c, &r,
                "SELECT " ENTRY_COLUMNS " FROM ledger_entries WHERE tenant_id = $1"
                " AND ($2::text[] IS NULL OR kind = ANY ($2::text[]))"
                " AND ($3::bigint IS NULL OR created_at >= to_timestamp($3::bigint / 1000.0))"
                " AND ($4::bigint IS NULL OR created_at < to_timestamp($4::bigint / 1000.0))"
                " AND ($5::bigint IS NULL OR seq < $5::bigint)"
                " ORDER BY seq DESC LIMIT $6::int",
                tenant, kinds_param, from, to, after, limit);
    if (s != OC_OK)
        return s;
    int rows = PQntuples(r);
    int page = rows > f->limit ? f->limit : rows;
    Ocpb__LedgerEntry **v = oc_arena_alloc(a, sizeof(*v) * (size_t)(page ? page : 1));
    if (!v) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    for (int i = 0; i < page; i++) {
        v[i] = entry_of(a, r, i);
        if (!v[i]) {
            PQclear(r);
            return OC_ERR_NOMEM;
        }
    }
    *next_seq = rows > f->limit ? num(r, page - 1, 11) : 0;
    PQclear(r);
    *entries = v;
    *n = (size_t)page;
    return OC_OK;
}

/* ================================================================ holds */

#define HOLD_COLUMNS                                                                               \
    "id, reference, amount_milli, seconds, price_per_minute_milli, status,"                        \
    " status = 'open' AND expires_at <= now(), coalesce(entry_id::text, ''), " MS("created_at")

static enum oc_status hold_of(struct oc_arena *a, const PGresult *r, int row,
                              struct store_hold *out)
{
    struct store_hold h = {
        .id = text(a, r, row, 0),
        .reference = text(a, r, row, 1),
        .amount = num(r, row, 2),
        .seconds = num(r, row, 3),
        .price = num(r, row, 4),
        .status = STORE_HOLD_OPEN,
        .expired = PQgetvalue(r, row, 6)[0] == 't',
        .entry_id = text(a, r, row, 7),
        .created_ms = num(r, row, 8),
    };
    if (!h.id || !h.reference || !h.entry_id)
        return OC_ERR_NOMEM;
    for (int i = 0; i < 3; i++)
        if (strcmp(PQgetvalue(r, row, 5), hold_statuses[i]) == 0)
            h.status = (enum store_hold_status)i;
    *out = h;
    return OC_OK;
}

enum oc_status store_hold_find(struct oc_db_conn *c, const char *tenant, enum store_hold_by by,
                               const char *value, int64_t before_ms, struct oc_arena *a,
                               struct store_hold *out)
{
    PGresult *r = NULL;
    enum oc_status s;

    switch (by) {
    case STORE_HOLD_BY_ID:
        s = oc_db_q(c, &r,
                    "SELECT " HOLD_COLUMNS " FROM reservations WHERE tenant_id = $1 AND id = $2",
                    tenant, value);
        break;
    case STORE_HOLD_BY_KEY:
        s = oc_db_q(c, &r,
                    "SELECT " HOLD_COLUMNS " FROM reservations"
                    " WHERE tenant_id = $1 AND idempotency_key = $2",
                    tenant, value);
        break;
    case STORE_HOLD_OPEN_FOR:
        s = oc_db_q(c, &r,
                    "SELECT " HOLD_COLUMNS " FROM reservations"
                    " WHERE tenant_id = $1 AND reference = $2 AND status = 'open'",
                    tenant, value);
        break;
    case STORE_HOLD_LATEST_FOR: {
        char *before = before_ms ? num_text(a, before_ms) : NULL;
        if (before_ms && !before)
            return OC_ERR_NOMEM;
        s = oc_db_q(c, &r,
                    "SELECT " HOLD_COLUMNS " FROM reservations"
                    " WHERE tenant_id = $1 AND reference = $2"
                    " AND ($3::bigint IS NULL OR created_at <= to_timestamp($3::bigint / 1000.0))"
                    " ORDER BY status = 'open' DESC, created_at DESC, id LIMIT 1",
                    tenant, value, before);
        break;
    }
    default:
        return OC_ERR_INTERNAL;
    }
    if (s != OC_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    s = hold_of(a, r, 0, out);
    PQclear(r);
    return s;
}

enum oc_status store_hold_add(struct oc_db_conn *c, const char *tenant,
                              const struct store_hold_in *in, struct oc_arena *a,
                              struct store_hold *out)
{
    char *amount = num_text(a, in->amount);
    char *seconds = num_text(a, in->seconds);
    char *price = num_text(a, in->price);
    char *expires = num_text(a, in->expires_ms);
    if (!amount || !seconds || !price || !expires)
        return OC_ERR_NOMEM;
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(
        c, &r,
        "INSERT INTO reservations (tenant_id, reference, idempotency_key, amount_milli, seconds,"
        " price_per_minute_milli, description, expires_at)"
        " VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, to_timestamp($8::bigint / 1000.0))"
        " RETURNING " HOLD_COLUMNS,
        tenant, in->reference, in->key ? in->key : "", amount, seconds, price,
        in->description ? in->description : "", expires);
    if (s != OC_OK)
        return s;
    s = PQntuples(r) == 1 ? hold_of(a, r, 0, out) : OC_ERR_INTERNAL;
    PQclear(r);
    return s;
}

enum oc_status store_hold_close(struct oc_db_conn *c, const char *tenant, const char *id,
                                enum store_hold_status status, const char *reason,
                                int64_t billed_seconds, const char *entry_id)
{
    char billed[24];
    snprintf(billed, sizeof(billed), "%" PRId64, billed_seconds);
    bool settled = status == STORE_HOLD_SETTLED;
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               "UPDATE reservations SET status = $3, close_reason = $4,"
                               " closed_at = coalesce(closed_at, now()),"
                               " billed_seconds = $5::bigint, entry_id = NULLIF($6, '')::uuid"
                               " WHERE tenant_id = $1 AND id = $2 AND status <> 'settled'",
                               tenant, id, hold_statuses[status], reason ? reason : "",
                               settled ? billed : NULL, settled && entry_id ? entry_id : "");
    if (s != OC_OK)
        return s;
    bool one = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    /* The caller found the hold under the balances lock: it cannot vanish. */
    return one ? OC_OK : OC_ERR_INTERNAL;
}
