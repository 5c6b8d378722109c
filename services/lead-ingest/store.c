/*
 * All of lead-ingest's SQL (see store.h). Every statement filters on
 * tenant_id itself as well as running under row-level security. Rows become
 * protobuf messages in the caller's arena as they leave Postgres; instants
 * leave as milliseconds, and as timestamptz text where a keyset cursor
 * needs their full precision.
 *
 * Imports write with COPY, one stream per batch for the leads and one for
 * the rejected rows: the leads in binary format straight into their table
 * as the bulk role (see store_copy_leads), the rejected rows, few, in text
 * format through a temporary table (see stage_table).
 */
#include "store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead_row.h"
#include "lead_status.h"
#include "lead_tz.h"
#include "oc/log.h"
#include "page_cursor.h"
#include "phone.h"

/* COPY data goes to the server in pieces of about this size. */
#define COPY_CHUNK (256 * 1024)
/* Rows fetched per round trip when reading a campaign's numbers. */
#define NUMBERS_FETCH "10000"

/* ---------------------------------------------------------------- helpers */

enum oc_status store_begin(struct oc_db *db, const char *tenant, struct oc_db_conn **out)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = oc_db_acquire(db, &c);
    if (st != OC_OK)
        return st;
    st = oc_db_begin_tenant(c, tenant);
    if (st != OC_OK) {
        oc_db_release(db, c);
        return st;
    }
    *out = c;
    return OC_OK;
}

enum oc_status store_begin_system(struct oc_db *db, struct oc_db_conn **out)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = oc_db_acquire(db, &c);
    if (st != OC_OK)
        return st;
    st = oc_db_begin_system(c);
    if (st != OC_OK) {
        oc_db_release(db, c);
        return st;
    }
    *out = c;
    return OC_OK;
}

enum oc_status store_commit(struct oc_db *db, struct oc_db_conn *c)
{
    enum oc_status st = oc_db_commit(c);
    oc_db_release(db, c);
    return st;
}

void store_abort(struct oc_db *db, struct oc_db_conn *c)
{
    if (!c)
        return;
    oc_db_rollback(c);
    oc_db_release(db, c);
}

enum oc_status store_analyze_leads(struct oc_db *db)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = oc_db_acquire(db, &c);
    if (st != OC_OK)
        return st;
    /* The columns the look-ups of an import filter on; the sample is the same. */
    st =
        oc_db_exec(c, NULL, "ANALYZE leads (tenant_id, campaign_id, phone_e164, list_id)", 0, NULL);
    oc_db_release(db, c);
    return st;
}

enum oc_status store_campaign_lock(struct oc_db_conn *c, const char *campaign_id)
{
    return oc_db_q(c, NULL, "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", campaign_id);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static char *val(struct oc_arena *a, const PGresult *r, int row, int col)
{
    return oc_arena_strdup(a, PQgetvalue(r, row, col));
}

static int64_t val_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A Postgres text[] literal of strings: {"a","b\"c"}. */
static char *text_array(struct oc_arena *a, const char *const *v, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(v[i] ? v[i] : "") + 3;
    char *out = oc_arena_alloc(a, len);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = v[i] ? v[i] : ""; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* A LIKE pattern matching s anywhere, with its wildcards escaped. */
static char *like_anywhere(struct oc_arena *a, const char *s)
{
    char *out = oc_arena_alloc(a, 2 * strlen(s) + 3);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '%';
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '%';
    *p = '\0';
    return out;
}

/*
 * How many of a result's rows make the page: at most limit, and no more
 * than PAGE_MAX_BYTES of text (at least one row, whatever its size).
 */
static int fit_page(const PGresult *r, int limit)
{
    int rows = PQntuples(r), cols = PQnfields(r);
    size_t bytes = 0;
    for (int i = 0; i < rows && i < limit; i++) {
        for (int k = 0; k < cols; k++)
            bytes += (size_t)PQgetlength(r, i, k);
        if (i > 0 && bytes > PAGE_MAX_BYTES)
            return i;
    }
    return rows < limit ? rows : limit;
}

/* Parameters of a statement built piece by piece. */
struct params {
    const char *v[24];
    int n;
};

static int param(struct params *p, const char *v)
{
    p->v[p->n++] = v;
    return p->n;
}

/* A growing SQL text in the arena. */
struct sql {
    char buf[2048];
    size_t len;
};

static void sql_add(struct sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_add(struct sql *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(q->buf + q->len, sizeof(q->buf) - q->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        q->len += (size_t)n;
    if (q->len >= sizeof(q->buf))
        q->len = sizeof(q->buf) - 1;
}

/* ---------------------------------------------------------------- leads */

#define LEAD_COLS                                                                                  \
    "id, campaign_id, coalesce(list_id::text, ''), coalesce(line, 0), name,"                       \
    " coalesce(first_name, ''), coalesce(last_name, ''), phone_raw, phone_e164, phone_type,"       \
    " coalesce(region, ''), coalesce(email, ''), coalesce(company, ''), timezone,"                 \
    " timezone_source, custom_fields::text, status,"                                               \
    " (extract(epoch FROM created_at) * 1000)::bigint,"                                            \
    " (extract(epoch FROM updated_at) * 1000)::bigint, created_at::text, updated_at::text, name"

enum {
    LC_ID,
    LC_CAMPAIGN,
    LC_LIST,
    LC_LINE,
    LC_NAME,
    LC_FIRST,
    LC_LAST,
    LC_PHONE_RAW,
    LC_E164,
    LC_TYPE,
    LC_REGION,
    LC_EMAIL,
    LC_COMPANY,
    LC_TZ,
    LC_TZ_SOURCE,
    LC_FIELDS,
    LC_STATUS,
    LC_CREATED_MS,
    LC_UPDATED_MS,
    LC_CREATED_TEXT,
    LC_UPDATED_TEXT,
    LC_SORT_NAME,
};

static enum oc_status fields_from_json(struct oc_arena *a, const char *text, Ocpb__Lead *l)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return OC_OK; /* the schema keeps it an object; nothing to show otherwise */
    }
    size_t n = json_object_size(o);
    if (n) {
        l->fields = oc_arena_alloc(a, n * sizeof(*l->fields));
        if (!l->fields) {
            json_decref(o);
            return OC_ERR_NOMEM;
        }
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v)
        {
            Ocpb__Lead__FieldsEntry *f = oc_arena_alloc(a, sizeof(*f));
            if (!f) {
                json_decref(o);
                return OC_ERR_NOMEM;
            }
            ocpb__lead__fields_entry__init(f);
            f->key = oc_arena_strdup(a, k);
            f->value = oc_arena_strdup(a, json_is_string(v) ? json_string_value(v) : "");
            l->fields[l->n_fields++] = f;
        }
    }
    json_decref(o);
    return OC_OK;
}

static Ocpb__Lead *lead_from_row(struct oc_arena *a, const PGresult *r, int row)
{
    Ocpb__Lead *l = oc_arena_alloc(a, sizeof(*l));
    if (!l)
        return NULL;
    ocpb__lead__init(l);
    l->id = val(a, r, row, LC_ID);
    l->campaign_id = val(a, r, row, LC_CAMPAIGN);
    l->import_id = val(a, r, row, LC_LIST);
    l->line = val_i64(r, row, LC_LINE);
    l->name = val(a, r, row, LC_NAME);
    l->first_name = val(a, r, row, LC_FIRST);
    l->last_name = val(a, r, row, LC_LAST);
    l->phone_raw = val(a, r, row, LC_PHONE_RAW);
    l->phone_e164 = val(a, r, row, LC_E164);
    l->phone_type = (Ocpb__PhoneType)phone_type_from_name(PQgetvalue(r, row, LC_TYPE));
    l->region = val(a, r, row, LC_REGION);
    l->email = val(a, r, row, LC_EMAIL);
    l->company = val(a, r, row, LC_COMPANY);
    l->timezone = val(a, r, row, LC_TZ);
    l->timezone_source =
        (Ocpb__TimezoneSource)lead_tz_source_from_name(PQgetvalue(r, row, LC_TZ_SOURCE));
    l->status = lead_status_from_name(PQgetvalue(r, row, LC_STATUS));
    l->created_unix_ms = val_i64(r, row, LC_CREATED_MS);
    l->updated_unix_ms = val_i64(r, row, LC_UPDATED_MS);
    if (!l->id || !l->campaign_id || !l->import_id || !l->name || !l->first_name || !l->last_name ||
        !l->phone_raw || !l->phone_e164 || !l->region || !l->email || !l->company || !l->timezone)
        return NULL;
    if (fields_from_json(a, PQgetvalue(r, row, LC_FIELDS), l) != OC_OK)
        return NULL;
    return l;
}

static enum oc_status leads_from_result(struct oc_arena *a, const PGresult *r, int count,
                                        Ocpb__Lead ***out, size_t *n)
{
    Ocpb__Lead **v = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(*v));
    if (!v)
        return OC_ERR_NOMEM;
    for (int i = 0; i < count; i++)
        if (!(v[i] = lead_from_row(a, r, i)))
            return OC_ERR_NOMEM;
    *out = v;
    *n = (size_t)count;
    return OC_OK;
}

static enum oc_status one_lead(enum oc_status st, PGresult *r, struct oc_arena *a, Ocpb__Lead **out)
{
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    Ocpb__Lead *l = lead_from_row(a, r, 0);
    PQclear(r);
    if (!l)
        return OC_ERR_NOMEM;
    *out = l;
    return OC_OK;
}

enum oc_status store_lead_insert(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                 const char *list_id, const struct store_lead_in *in,
                                 struct oc_arena *a, Ocpb__Lead **out)
{
    char line[24];
    snprintf(line, sizeof(line), "%ld", in->line);
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(
        c, &r,
        "INSERT INTO leads (tenant_id, campaign_id, list_id, line, name, first_name, last_name,"
        " company, phone_raw, phone_e164, phone_type, region, email, timezone, timezone_source,"
        " custom_fields)"
        " VALUES ($1, $2, $3, nullif($4::int, 0), $5, nullif($6, ''), nullif($7, ''),"
        " nullif($8, ''), $9, $10, $11, nullif($12, ''), nullif($13, ''), $14, $15, $16::jsonb)"
        " RETURNING " LEAD_COLS,
        tenant, campaign, list_id, line, in->name, in->first_name, in->last_name, in->company,
        in->phone_raw, in->phone_e164, in->phone_type, in->region, in->email, in->timezone,
        in->timezone_source, in->custom_json);
    return one_lead(st, r, a, out);
}

enum oc_status store_lead_get(struct oc_db_conn *c, const char *tenant, const char *id,
                              bool for_update, struct oc_arena *a, Ocpb__Lead **out)
{
    PGresult *r = NULL;
    enum oc_status st =
        for_update
            ? oc_db_q(c, &r,
                      "SELECT " LEAD_COLS " FROM leads WHERE tenant_id = $1 AND id = $2::uuid"
                      " FOR UPDATE",
                      tenant, id)
            : oc_db_q(c, &r,
                      "SELECT " LEAD_COLS " FROM leads WHERE tenant_id = $1 AND id = $2::uuid",
                      tenant, id);
    return one_lead(st, r, a, out);
}

/* The sort of a lead list: its column, direction and cursor kind. */
struct lead_sort {
    const char *col;
    bool desc;
    char kind;
    int cursor_col;
};

static struct lead_sort lead_sort_of(Ocpb__LeadSort s)
{
    switch (s) {
    case OCPB__LEAD_SORT__LEAD_SORT_CREATED_ASC:
        return (struct lead_sort){"created_at", false, 'a', LC_CREATED_TEXT};
    case OCPB__LEAD_SORT__LEAD_SORT_NAME_ASC:
        return (struct lead_sort){"name", false, 'n', LC_SORT_NAME};
    case OCPB__LEAD_SORT__LEAD_SORT_NAME_DESC:
        return (struct lead_sort){"name", true, 'm', LC_SORT_NAME};
    case OCPB__LEAD_SORT__LEAD_SORT_UPDATED_DESC:
        return (struct lead_sort){"updated_at", true, 'u', LC_UPDATED_TEXT};
    default:
        return (struct lead_sort){"created_at", true, 'c', LC_CREATED_TEXT};
    }
}

enum oc_status store_lead_list(struct oc_db_conn *c, const char *tenant,
                               const struct store_lead_filter *f, struct oc_arena *a,
                               Ocpb__Lead ***out, size_t *n, char **next)
{
    struct lead_sort s = lead_sort_of(f->sort);
    struct page_cursor cur;
    enum oc_status st = page_cursor_decode(a, f->cursor, s.kind, &cur);
    if (st != OC_OK)
        return st;
    struct params p = {0};
    struct sql q = {0};
    char from[24], to[24], lim[16];
    const char *cast = strcmp(s.col, "name") == 0 ? "text" : "timestamptz";

    sql_add(&q, "SELECT " LEAD_COLS " FROM leads WHERE tenant_id = $%d", param(&p, tenant));
    if (nonempty(f->campaign_id))
        sql_add(&q, " AND campaign_id = $%d::uuid", param(&p, f->campaign_id));
    if (nonempty(f->import_id))
        sql_add(&q, " AND list_id = $%d::uuid", param(&p, f->import_id));
    if (f->n_statuses) {
        char *arr = text_array(a, f->statuses, f->n_statuses);
        if (!arr)
            return OC_ERR_NOMEM;
        sql_add(&q, " AND status = ANY($%d::text[])", param(&p, arr));
    }
    if (nonempty(f->query)) {
        char digits[32];
        size_t nd = 0;
        for (const char *t = f->query; *t && nd + 1 < sizeof(digits); t++)
            if (isdigit((unsigned char)*t))
                digits[nd++] = *t;
        digits[nd] = '\0';
        char *pat = like_anywhere(a, f->query);
        if (!pat)
            return OC_ERR_NOMEM;
        int k = param(&p, pat);
        if (nd >= 3) {
            char *dpat = like_anywhere(a, digits);
            if (!dpat)
                return OC_ERR_NOMEM;
            sql_add(&q, " AND (name ILIKE $%d OR email ILIKE $%d OR phone_e164 LIKE $%d)", k, k,
                    param(&p, dpat));
        } else {
            sql_add(&q, " AND (name ILIKE $%d OR email ILIKE $%d)", k, k);
        }
    }
    if (f->created_from_ms) {
        snprintf(from, sizeof(from), "%lld", (long long)f->created_from_ms);
        sql_add(&q, " AND created_at >= to_timestamp($%d::bigint / 1000.0)", param(&p, from));
    }
    if (f->created_to_ms) {
        snprintf(to, sizeof(to), "%lld", (long long)f->created_to_ms);
        sql_add(&q, " AND created_at < to_timestamp($%d::bigint / 1000.0)", param(&p, to));
    }
    if (cur.id) {
        int k = param(&p, cur.key);
        sql_add(&q, " AND (%s, id) %s ($%d::%s, $%d::uuid)", s.col, s.desc ? "<" : ">", k, cast,
                param(&p, cur.id));
    }
    int limit = f->limit;
    snprintf(lim, sizeof(lim), "%d", limit + 1);
    sql_add(&q, " ORDER BY %s %s, id %s LIMIT $%d", s.col, s.desc ? "DESC" : "ASC",
            s.desc ? "DESC" : "ASC", param(&p, lim));

    PGresult *r = NULL;
    st = oc_db_exec(c, &r, q.buf, p.n, p.v);
    if (st != OC_OK)
        return st;
    int count = fit_page(r, limit);
    bool more = count < PQntuples(r);
    st = leads_from_result(a, r, count, out, n);
    *next = "";
    if (st == OC_OK && more) {
        *next = page_cursor_encode(a, s.kind, PQgetvalue(r, count - 1, s.cursor_col),
                                   PQgetvalue(r, count - 1, LC_ID));
        if (!*next)
            st = OC_ERR_NOMEM;
    }
    PQclear(r);
    return st;
}

enum oc_status store_lead_update(struct oc_db_conn *c, const char *tenant, const char *id,
                                 const struct store_lead_in *in, const char *status,
                                 struct oc_arena *a, Ocpb__Lead **out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(
        c, &r,
        "UPDATE leads SET name = $3, first_name = nullif($4, ''), last_name = nullif($5, ''),"
        " company = nullif($6, ''), phone_raw = $7, phone_e164 = $8, phone_type = $9,"
        " region = nullif($10, ''), email = nullif($11, ''), timezone = $12,"
        " timezone_source = $13, custom_fields = $14::jsonb, status = $15, updated_at = now()"
        " WHERE tenant_id = $1 AND id = $2::uuid RETURNING " LEAD_COLS,
        tenant, id, in->name, in->first_name, in->last_name, in->company, in->phone_raw,
        in->phone_e164, in->phone_type, in->region, in->email, in->timezone, in->timezone_source,
        in->custom_json, status);
    return one_lead(st, r, a, out);
}

enum oc_status store_lead_set_status(struct oc_db_conn *c, const char *tenant, const char *id,
                                     const char *status, struct oc_arena *a, Ocpb__Lead **out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "UPDATE leads SET status = $3, updated_at = now()"
                                " WHERE tenant_id = $1 AND id = $2::uuid RETURNING " LEAD_COLS,
                                tenant, id, status);
    return one_lead(st, r, a, out);
}

enum oc_status store_lead_delete(struct oc_db_conn *c, const char *tenant, const char *id)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "DELETE FROM leads WHERE tenant_id = $1 AND id = $2::uuid"
                                " RETURNING id",
                                tenant, id);
    if (st != OC_OK)
        return st;
    bool found = PQntuples(r) > 0;
    PQclear(r);
    return found ? OC_OK : OC_ERR_NOT_FOUND;
}

enum oc_status store_leads_by_phone(struct oc_db_conn *c, const char *tenant, const char *e164,
                                    struct oc_arena *a, Ocpb__Lead ***out, size_t *n)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT " LEAD_COLS " FROM leads WHERE tenant_id = $1"
                                " AND phone_e164 = $2 ORDER BY created_at, id FOR UPDATE",
                                tenant, e164);
    if (st != OC_OK)
        return st;
    st = leads_from_result(a, r, PQntuples(r), out, n);
    PQclear(r);
    return st;
}

enum oc_status store_leads_mark_dnc(struct oc_db_conn *c, const char *tenant,
                                   const char *const *numbers, size_t n, struct oc_arena *a,
                                   Ocpb__Lead ***out, size_t *n_out)
{
    *n_out = 0;
    if (n == 0)
        return OC_OK;
    char *arr = text_array(a, numbers, n);
    if (!arr)
        return OC_ERR_NOMEM;
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "UPDATE leads SET status = 'do_not_call', updated_at = now()"
                                " WHERE tenant_id = $1 AND phone_e164 = ANY($2::text[])"
                                " AND status <> 'do_not_call' RETURNING " LEAD_COLS,
                                tenant, arr);
    if (st != OC_OK)
        return st;
    st = leads_from_result(a, r, PQntuples(r), out, n_out);
    PQclear(r);
    return st;
}

enum oc_status store_rejected_delete_phone(struct oc_db_conn *c, const char *tenant,
                                           const char *e164)
{
    return oc_db_q(c, NULL, "DELETE FROM rejected_rows WHERE tenant_id = $1 AND phone_e164 = $2",
                   tenant, e164);
}

enum oc_status store_leads_of_lines(struct oc_db_conn *c, const char *tenant, const char *list_id,
                                    long first_line, long last_line, struct oc_arena *a,
                                    Ocpb__Lead ***out, size_t *n)
{
    char first[24], last[24];
    snprintf(first, sizeof(first), "%ld", first_line);
    snprintf(last, sizeof(last), "%ld", last_line);
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT " LEAD_COLS " FROM leads WHERE tenant_id = $1"
                                " AND list_id = $2::uuid AND line BETWEEN $3::int AND $4::int"
                                " ORDER BY line",
                                tenant, list_id, first, last);
    if (st != OC_OK)
        return st;
    st = leads_from_result(a, r, PQntuples(r), out, n);
    PQclear(r);
    return st;
}

/* ---------------------------------------------------------------- imports */

#define JOB_COLS                                                                                   \
    "id, campaign_id, status, coalesce(file_name, ''), coalesce(file_bytes, 0), bytes_done,"       \
    " rows_done, imported, rejected, duplicates, mapping::text, coalesce(delimiter, ''),"          \
    " coalesce(encoding, ''), coalesce(error, ''), default_region,"                                \
    " (extract(epoch FROM created_at) * 1000)::bigint,"                                            \
    " coalesce((extract(epoch FROM finished_at) * 1000)::bigint, 0), streamed, created_at::text"

enum {
    JC_ID,
    JC_CAMPAIGN,
    JC_STATUS,
    JC_FILE,
    JC_BYTES,
    JC_BYTES_DONE,
    JC_ROWS,
    JC_IMPORTED,
    JC_REJECTED,
    JC_DUPLICATES,
    JC_MAPPING,
    JC_DELIM,
    JC_ENCODING,
    JC_ERROR,
    JC_REGION,
    JC_CREATED_MS,
    JC_FINISHED_MS,
    JC_STREAMED,
    JC_CREATED_TEXT,
};

static Ocpb__ImportJobStatus job_status(const char *s, bool streamed)
{
    if (strcmp(s, "running") == 0)
        return OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RUNNING;
    if (strcmp(s, "completed") == 0)
        return OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE;
    if (strcmp(s, "failed") == 0)
        return OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_FAILED;
    return streamed ? OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RECEIVING
                    : OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RUNNING;
}

/* The mapping column holds {"columns": [{"column": c, "field": f}, ...]}. */
static enum oc_status mapping_from_json(struct oc_arena *a, const char *text, Ocpb__ImportJob *j)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    json_t *cols = o ? json_object_get(o, "columns") : NULL;
    size_t n = json_is_array(cols) ? json_array_size(cols) : 0;
    if (n) {
        j->mapping = oc_arena_alloc(a, n * sizeof(*j->mapping));
        if (!j->mapping) {
            json_decref(o);
            return OC_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *m = json_array_get(cols, i);
            Ocpb__ColumnMapping *cm = oc_arena_alloc(a, sizeof(*cm));
            if (!cm) {
                json_decref(o);
                return OC_ERR_NOMEM;
            }
            ocpb__column_mapping__init(cm);
            const char *col = json_string_value(json_object_get(m, "column"));
            const char *field = json_string_value(json_object_get(m, "field"));
            cm->column = oc_arena_strdup(a, col ? col : "");
            cm->field = oc_arena_strdup(a, field ? field : "");
            j->mapping[j->n_mapping++] = cm;
        }
    }
    json_decref(o);
    return OC_OK;
}

static Ocpb__ImportJob *job_from_row(struct oc_arena *a, const PGresult *r, int row)
{
    Ocpb__ImportJob *j = oc_arena_alloc(a, sizeof(*j));
    if (!j)
        return NULL;
    ocpb__import_job__init(j);
    bool streamed = PQgetvalue(r, row, JC_STREAMED)[0] == 't';
    j->id = val(a, r, row, JC_ID);
    j->campaign_id = val(a, r, row, JC_CAMPAIGN);
    j->status = job_status(PQgetvalue(r, row, JC_STATUS), streamed);
    j->file_name = val(a, r, row, JC_FILE);
    j->total_bytes = val_i64(r, row, JC_BYTES);
    j->bytes_done = val_i64(r, row, JC_BYTES_DONE);
    j->rows_done = val_i64(r, row, JC_ROWS);
    j->imported = val_i64(r, row, JC_IMPORTED);
    j->rejected = val_i64(r, row, JC_REJECTED);
    j->duplicates = val_i64(r, row, JC_DUPLICATES);
    j->delimiter = val(a, r, row, JC_DELIM);
    j->encoding = val(a, r, row, JC_ENCODING);
    j->error = val(a, r, row, JC_ERROR);
    j->default_region = val(a, r, row, JC_REGION);
    j->created_unix_ms = val_i64(r, row, JC_CREATED_MS);
    j->finished_unix_ms = val_i64(r, row, JC_FINISHED_MS);
    if (!j->id || !j->campaign_id || !j->file_name || !j->delimiter || !j->encoding || !j->error ||
        !j->default_region)
        return NULL;
    if (mapping_from_json(a, PQgetvalue(r, row, JC_MAPPING), j) != OC_OK)
        return NULL;
    return j;
}

enum oc_status store_import_create(struct oc_db *db, const struct store_import_new *in, char id[37])
{
    struct oc_db_conn *c = NULL;
    char bytes[24];
    snprintf(bytes, sizeof(bytes), "%lld", (long long)in->total_bytes);
    enum oc_status st = store_begin(db, in->tenant, &c);
    if (st != OC_OK)
        return st;
    PGresult *r = NULL;
    st = oc_db_q(c, &r,
                 "INSERT INTO lead_lists (tenant_id, campaign_id, file_name, file_bytes,"
                 " default_region, default_timezone, mapping, status, streamed, created_by,"
                 " started_at)"
                 " VALUES ($1, $2::uuid, nullif($3, ''), nullif($4::bigint, 0), $5, $6, $7::jsonb,"
                 " CASE WHEN $8::boolean THEN 'pending' ELSE 'running' END, $8::boolean,"
                 " nullif($9, '')::uuid, now())"
                 " RETURNING id",
                 in->tenant, in->campaign_id, in->file_name ? in->file_name : "", bytes, in->region,
                 in->timezone, in->mapping_json, in->streamed ? "true" : "false",
                 in->created_by ? in->created_by : "");
    if (st == OC_OK) {
        snprintf(id, 37, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        st = store_commit(db, c);
    } else {
        store_abort(db, c);
    }
    return st;
}

static void counts_params(const struct store_import_counts *k, char v[5][24], char *delim)
{
    snprintf(v[0], 24, "%lld", (long long)k->rows_done);
    snprintf(v[1], 24, "%lld", (long long)k->imported);
    snprintf(v[2], 24, "%lld", (long long)k->rejected);
    snprintf(v[3], 24, "%lld", (long long)k->duplicates);
    snprintf(v[4], 24, "%lld", (long long)k->bytes_done);
    delim[0] = k->delimiter;
    delim[1] = '\0';
}

enum oc_status store_import_progress(struct oc_db_conn *c, const char *tenant, const char *id,
                                     const struct store_import_counts *k)
{
    char v[5][24], delim[2];
    counts_params(k, v, delim);
    return oc_db_q(c, NULL,
                   "UPDATE lead_lists SET status = 'running', rows_done = $3::int,"
                   " imported = $4::int, rejected = $5::int, duplicates = $6::int,"
                   " bytes_done = $7::bigint, delimiter = coalesce(nullif($8, ''), delimiter),"
                   " encoding = coalesce($9, encoding), mapping = coalesce($10::jsonb, mapping)"
                   " WHERE tenant_id = $1 AND id = $2::uuid",
                   tenant, id, v[0], v[1], v[2], v[3], v[4], delim, k->encoding, k->mapping_json);
}

enum oc_status store_import_finish(struct oc_db_conn *c, const char *tenant, const char *id,
                                   bool failed, const char *error,
                                   const struct store_import_counts *k)
{
    char v[5][24], delim[2];
    counts_params(k, v, delim);
    return oc_db_q(c, NULL,
                   "UPDATE lead_lists SET status = $3, error = nullif($4, ''), rows_done = $5::int,"
                   " rows_total = $5::int, imported = $6::int, rejected = $7::int,"
                   " duplicates = $8::int, bytes_done = $9::bigint,"
                   " delimiter = coalesce(nullif($10, ''), delimiter),"
                   " encoding = coalesce($11, encoding), mapping = coalesce($12::jsonb, mapping),"
                   " finished_at = now()"
                   " WHERE tenant_id = $1 AND id = $2::uuid",
                   tenant, id, failed ? "failed" : "completed", error ? error : "", v[0], v[1],
                   v[2], v[3], v[4], delim, k->encoding, k->mapping_json);
}

#define REJECT_COLS "line, raw, reason, code, id"

static Ocpb__RejectedRow *reject_from_row(struct oc_arena *a, const PGresult *r, int row)
{
    Ocpb__RejectedRow *x = oc_arena_alloc(a, sizeof(*x));
    if (!x)
        return NULL;
    ocpb__rejected_row__init(x);
    x->line = val_i64(r, row, 0);
    x->raw = val(a, r, row, 1);
    x->reason = val(a, r, row, 2);
    x->code = (Ocpb__RejectReason)lead_reject_code_from_name(PQgetvalue(r, row, 3));
    return x->raw && x->reason ? x : NULL;
}

enum oc_status store_import_get(struct oc_db_conn *c, const char *tenant, const char *id,
                                size_t n_rejected, struct oc_arena *a, Ocpb__ImportJob **out)
{
    PGresult *r = NULL;
    enum oc_status st =
        oc_db_q(c, &r, "SELECT " JOB_COLS " FROM lead_lists WHERE tenant_id = $1 AND id = $2::uuid",
                tenant, id);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    Ocpb__ImportJob *j = job_from_row(a, r, 0);
    PQclear(r);
    if (!j)
        return OC_ERR_NOMEM;
    if (n_rejected) {
        char lim[24];
        snprintf(lim, sizeof(lim), "%zu", n_rejected);
        /* The report shows a row's first kilobyte; the download has it whole. */
        st = oc_db_q(c, &r,
                     "SELECT line, left(raw, 1024), reason, code, id FROM rejected_rows"
                     " WHERE tenant_id = $1 AND list_id = $2::uuid ORDER BY line, id"
                     " LIMIT $3::int",
                     tenant, id, lim);
        if (st != OC_OK)
            return st;
        int count = PQntuples(r);
        j->rejected_rows = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(void *));
        if (!j->rejected_rows) {
            PQclear(r);
            return OC_ERR_NOMEM;
        }
        for (int i = 0; i < count; i++) {
            if (!(j->rejected_rows[i] = reject_from_row(a, r, i))) {
                PQclear(r);
                return OC_ERR_NOMEM;
            }
        }
        j->n_rejected_rows = (size_t)count;
        PQclear(r);
    }
    *out = j;
    return OC_OK;
}

enum oc_status store_import_list(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                 const char *cursor, int limit, struct oc_arena *a,
                                 Ocpb__ImportJob ***out, size_t *n, char **next)
{
    struct page_cursor cur;
    enum oc_status st = page_cursor_decode(a, cursor, 'j', &cur);
    if (st != OC_OK)
        return st;
    struct params p = {0};
    struct sql q = {0};
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit + 1);
    sql_add(&q, "SELECT " JOB_COLS " FROM lead_lists WHERE tenant_id = $%d", param(&p, tenant));
    if (nonempty(campaign))
        sql_add(&q, " AND campaign_id = $%d::uuid", param(&p, campaign));
    if (cur.id) {
        int k = param(&p, cur.key);
        sql_add(&q, " AND (created_at, id) < ($%d::timestamptz, $%d::uuid)", k, param(&p, cur.id));
    }
    sql_add(&q, " ORDER BY created_at DESC, id DESC LIMIT $%d::int", param(&p, lim));
    PGresult *r = NULL;
    st = oc_db_exec(c, &r, q.buf, p.n, p.v);
    if (st != OC_OK)
        return st;
    int count = PQntuples(r);
    bool more = count > limit;
    if (more)
        count = limit;
    Ocpb__ImportJob **v = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(*v));
    st = v ? OC_OK : OC_ERR_NOMEM;
    for (int i = 0; st == OC_OK && i < count; i++)
        if (!(v[i] = job_from_row(a, r, i)))
            st = OC_ERR_NOMEM;
    *next = "";
    if (st == OC_OK && more &&
        !(*next = page_cursor_encode(a, 'j', PQgetvalue(r, count - 1, JC_CREATED_TEXT),
                                     PQgetvalue(r, count - 1, JC_ID))))
        st = OC_ERR_NOMEM;
    PQclear(r);
    if (st == OC_OK) {
        *out = v;
        *n = (size_t)count;
    }
    return st;
}

enum oc_status store_rejected_list(struct oc_db_conn *c, const char *tenant, const char *job,
                                   const char *cursor, int limit, struct oc_arena *a,
                                   Ocpb__RejectedRow ***out, size_t *n, char **next)
{
    struct page_cursor cur;
    enum oc_status st = page_cursor_decode(a, cursor, 'r', &cur);
    if (st != OC_OK)
        return st;
    PGresult *r = NULL;
    st = oc_db_q(c, &r, "SELECT 1 FROM lead_lists WHERE tenant_id = $1 AND id = $2::uuid", tenant,
                 job);
    if (st != OC_OK)
        return st;
    bool found = PQntuples(r) > 0;
    PQclear(r);
    if (!found)
        return OC_ERR_NOT_FOUND;
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit + 1);
    if (cur.id)
        st = oc_db_q(c, &r,
                     "SELECT " REJECT_COLS " FROM rejected_rows WHERE tenant_id = $1"
                     " AND list_id = $2::uuid AND (line, id) > ($3::int, $4::uuid)"
                     " ORDER BY line, id LIMIT $5::int",
                     tenant, job, cur.key, cur.id, lim);
    else
        st = oc_db_q(c, &r,
                     "SELECT " REJECT_COLS " FROM rejected_rows WHERE tenant_id = $1"
                     " AND list_id = $2::uuid ORDER BY line, id LIMIT $3::int",
                     tenant, job, lim);
    if (st != OC_OK)
        return st;
    int count = fit_page(r, limit);
    bool more = count < PQntuples(r);
    Ocpb__RejectedRow **v = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(*v));
    st = v ? OC_OK : OC_ERR_NOMEM;
    for (int i = 0; st == OC_OK && i < count; i++)
        if (!(v[i] = reject_from_row(a, r, i)))
            st = OC_ERR_NOMEM;
    *next = "";
    if (st == OC_OK && more &&
        !(*next =
              page_cursor_encode(a, 'r', PQgetvalue(r, count - 1, 0), PQgetvalue(r, count - 1, 4))))
        st = OC_ERR_NOMEM;
    PQclear(r);
    if (st == OC_OK) {
        *out = v;
        *n = (size_t)count;
    }
    return st;
}

enum oc_status store_campaign_numbers(struct oc_db_conn *c, const char *tenant,
                                      const char *campaign,
                                      void (*cb)(void *user, const char *e164), void *user)
{
    enum oc_status st = oc_db_q(c, NULL,
                                "DECLARE campaign_numbers NO SCROLL CURSOR FOR"
                                " SELECT phone_e164 FROM leads WHERE tenant_id = $1"
                                " AND campaign_id = $2::uuid",
                                tenant, campaign);
    if (st != OC_OK)
        return st;
    for (;;) {
        PGresult *r = NULL;
        st = oc_db_exec(c, &r, "FETCH " NUMBERS_FETCH " FROM campaign_numbers", 0, NULL);
        if (st != OC_OK)
            return st;
        int count = PQntuples(r);
        for (int i = 0; i < count; i++)
            cb(user, PQgetvalue(r, i, 0));
        PQclear(r);
        if (count == 0)
            break;
    }
    return oc_db_exec(c, NULL, "CLOSE campaign_numbers", 0, NULL);
}

enum oc_status store_campaign_existing(
    struct oc_db_conn *c, const char *tenant, const char *campaign, const char *const *numbers,
    size_t n, void (*cb)(void *user, const char *e164, const char *list_id, long line), void *user)
{
    if (n == 0)
        return OC_OK;
    struct oc_arena *a = NULL;
    enum oc_status st = oc_arena_new(&a, 64 * 1024);
    if (st != OC_OK)
        return st;
    char *arr = text_array(a, numbers, n);
    PGresult *r = NULL;
    /* One look-up of the unique (tenant, number, campaign) index per
     * number: LATERAL with LIMIT keeps the numbers on the outer side. */
    st = arr ? oc_db_q(c, &r,
                       "SELECT q.phone, x.list_id, x.line FROM unnest($3::text[]) AS q(phone),"
                       " LATERAL (SELECT coalesce(l.list_id::text, '') AS list_id,"
                       " coalesce(l.line, 0) AS line FROM leads l WHERE l.tenant_id = $1"
                       " AND l.phone_e164 = q.phone AND l.campaign_id = $2::uuid LIMIT 1) x",
                       tenant, campaign, arr)
             : OC_ERR_NOMEM;
    if (st == OC_OK) {
        for (int i = 0; i < PQntuples(r); i++)
            cb(user, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               strtol(PQgetvalue(r, i, 2), NULL, 10));
        PQclear(r);
    }
    oc_arena_free(a);
    return st;
}

/* ---------------------------------------------------------------- COPY */

struct copybuf {
    char *p;
    size_t len;
    size_t cap;
    bool nomem;
};

static void cb_reserve(struct copybuf *b, size_t extra)
{
    if (b->nomem || b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : COPY_CHUNK + 4096;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->nomem = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void cb_raw(struct copybuf *b, const char *s, size_t n)
{
    cb_reserve(b, n);
    if (b->nomem)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* A text-format COPY value: backslash, tab, CR and LF escaped. */
static void cb_text_n(struct copybuf *b, const char *s, size_t n)
{
    cb_reserve(b, 2 * n);
    if (b->nomem)
        return;
    char *d = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        switch (ch) {
        case '\\':
            *d++ = '\\';
            *d++ = '\\';
            break;
        case '\t':
            *d++ = '\\';
            *d++ = 't';
            break;
        case '\n':
            *d++ = '\\';
            *d++ = 'n';
            break;
        case '\r':
            *d++ = '\\';
            *d++ = 'r';
            break;
        default:
            *d++ = ch;
        }
    }
    b->len = (size_t)(d - b->p);
}

static void cb_text(struct copybuf *b, const char *s)
{
    cb_text_n(b, s, strlen(s));
}

/* A value, or \N (NULL) when empty. */
static void cb_text_or_null(struct copybuf *b, const char *s)
{
    if (!s || !*s)
        cb_raw(b, "\\N", 2);
    else
        cb_text(b, s);
}

static void cb_sep(struct copybuf *b)
{
    cb_raw(b, "\t", 1);
}

static void cb_long(struct copybuf *b, long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%ld", v);
    cb_raw(b, tmp, (size_t)n);
}

/*
 * Binary COPY (the format of the COPY reference page): a header, then per
 * row a field count and each field as a 32-bit length (-1: NULL) and the
 * bytes of the type's binary form, big-endian. It spares the server the
 * parsing of text, most of all of a lead's four uuids (uuid_in reads each
 * pair of hex digits with strtoul): 0.8 microseconds a lead, a tenth of
 * what the server spends on one.
 */
static void cb_be(struct copybuf *b, uint32_t v, size_t bytes)
{
    unsigned char tmp[4];
    for (size_t i = 0; i < bytes; i++)
        tmp[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    cb_raw(b, (const char *)tmp, bytes);
}

static void cb_bin_header(struct copybuf *b)
{
    cb_raw(b, "PGCOPY\n\377\r\n\0", 11);
    cb_be(b, 0, 4); /* flags */
    cb_be(b, 0, 4); /* header extension */
}

static void cb_bin_trailer(struct copybuf *b)
{
    cb_be(b, 0xFFFF, 2);
}

static void cb_bin_row(struct copybuf *b, int fields)
{
    cb_be(b, (uint32_t)fields, 2);
}

/* text: its UTF-8 bytes as they are. */
static void cb_bin_text(struct copybuf *b, const char *s)
{
    size_t n = strlen(s);
    cb_be(b, (uint32_t)n, 4);
    cb_raw(b, s, n);
}

/* text, or NULL when empty (the columns that allow it). */
static void cb_bin_text_or_null(struct copybuf *b, const char *s)
{
    if (!s || !*s)
        cb_be(b, 0xFFFFFFFFu, 4);
    else
        cb_bin_text(b, s);
}

static void cb_bin_int4(struct copybuf *b, long v)
{
    cb_be(b, 4, 4);
    cb_be(b, (uint32_t)v, 4);
}

/* jsonb: a version byte (1), then the JSON text. */
static void cb_bin_jsonb(struct copybuf *b, const char *json)
{
    size_t n = strlen(json);
    cb_be(b, (uint32_t)(n + 1), 4);
    cb_raw(b, "\1", 1);
    cb_raw(b, json, n);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0190c5e2-..." as its 16 bytes; false when s is no uuid in that form. */
static bool uuid_bytes(const char *s, unsigned char out[16])
{
    size_t k = 0;
    for (size_t i = 0; s[i] && k < 32; i++) {
        if (s[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23))
            continue;
        int v = hexval(s[i]);
        if (v < 0)
            return false;
        if (k % 2 == 0)
            out[k / 2] = (unsigned char)(v << 4);
        else
            out[k / 2] |= (unsigned char)v;
        k++;
    }
    return k == 32 && strlen(s) == 36;
}

static void cb_bin_uuid(struct copybuf *b, const unsigned char u[16])
{
    cb_be(b, 16, 4);
    cb_raw(b, (const char *)u, 16);
}

static enum oc_status copy_result(struct oc_db_conn *c, const char *what)
{
    PGconn *pg = oc_db_pg(c);
    enum oc_status st = OC_OK;
    PGresult *r;
    while ((r = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && st == OC_OK) {
            const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            if (state && strcmp(state, "23505") == 0) {
                st = OC_ERR_CONFLICT;
                oc_debug("postgres: copy %s: %s", what, PQresultErrorMessage(r));
            } else {
                st = PQstatus(pg) == CONNECTION_OK ? OC_ERR_INTERNAL : OC_ERR_UNAVAILABLE;
                oc_error("postgres: copy %s: %s", what, PQresultErrorMessage(r));
            }
        }
        PQclear(r);
    }
    return st;
}

static enum oc_status copy_begin(struct oc_db_conn *c, const char *sql)
{
    PGconn *pg = oc_db_pg(c);
    PGresult *r = PQexec(pg, sql);
    enum oc_status st = OC_OK;
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        oc_error("postgres: %s: %s", sql, PQerrorMessage(pg));
        st = PQstatus(pg) == CONNECTION_OK ? OC_ERR_INTERNAL : OC_ERR_UNAVAILABLE;
    }
    PQclear(r);
    return st;
}

static enum oc_status copy_put(struct oc_db_conn *c, struct copybuf *b)
{
    if (b->nomem)
        return OC_ERR_NOMEM;
    if (b->len && PQputCopyData(oc_db_pg(c), b->p, (int)b->len) != 1) {
        oc_error("postgres: copy: %s", PQerrorMessage(oc_db_pg(c)));
        return OC_ERR_UNAVAILABLE;
    }
    b->len = 0;
    return OC_OK;
}

/* Ends the COPY (aborting it when st is not OK) and reads its result. */
static enum oc_status copy_end(struct oc_db_conn *c, enum oc_status st, const char *what)
{
    PGconn *pg = oc_db_pg(c);
    if (PQputCopyEnd(pg, st == OC_OK ? NULL : "aborted by lead-ingest") != 1) {
        oc_error("postgres: copy %s: %s", what, PQerrorMessage(pg));
        if (st == OC_OK)
            st = OC_ERR_UNAVAILABLE;
    }
    enum oc_status rs = copy_result(c, what);
    return st != OC_OK ? st : rs;
}

/*
 * Postgres refuses COPY FROM into a table under row-level security, and
 * every tenant table here is under it (forced, for the owner too). The
 * rejected rows are therefore COPYed into a temporary table of the
 * session, which has no policy, and moved with one INSERT ... SELECT,
 * where the policy checks every row; so are the leads where the bulk role
 * is missing (store_copy_leads). The temporary tables empty themselves at
 * each commit, and a batch is one transaction, so each COPY finds its
 * table empty.
 */
#define STAGE_LEAD_COLS                                                                            \
    "id, tenant_id, campaign_id, list_id, line, name, first_name, last_name, company,"             \
    " phone_raw, phone_e164, phone_type, region, email, timezone, timezone_source,"                \
    " custom_fields, status"
#define STAGE_LEAD_NCOLS 18
#define STAGE_REJECT_COLS "tenant_id, list_id, line, raw, kind, reason, code, phone_e164"

static enum oc_status stage_table(struct oc_db_conn *c, bool leads)
{
    return oc_db_exec(
        c, NULL,
        leads ? "CREATE TEMP TABLE IF NOT EXISTS stage_leads (id uuid, tenant_id uuid,"
                " campaign_id uuid, list_id uuid, line integer, name text,"
                " first_name text, last_name text, company text, phone_raw text,"
                " phone_e164 text, phone_type text, region text, email text,"
                " timezone text, timezone_source text, custom_fields jsonb, status text)"
                " ON COMMIT DELETE ROWS"
              : "CREATE TEMP TABLE IF NOT EXISTS stage_rejects (tenant_id uuid,"
                " list_id uuid, line integer, raw text, kind text, reason text,"
                " code text, phone_e164 text) ON COMMIT DELETE ROWS",
        0, NULL);
}

enum oc_status store_bulk_usable(struct oc_db_conn *c, bool *out)
{
    PGresult *r = NULL;
    /* CASE, because pg_has_role fails on a role that does not exist. */
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles"
                                " WHERE rolname = $1 AND rolbypassrls)"
                                " THEN pg_has_role(current_user, $1, 'MEMBER')"
                                " AND has_table_privilege($1, 'leads', 'INSERT')"
                                " ELSE false END",
                                STORE_BULK_ROLE);
    if (st != OC_OK)
        return st;
    *out = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return OC_OK;
}

/* The COPY stream of a batch of leads, binary, in the columns of STAGE_LEAD_COLS. */
static enum oc_status put_leads(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                const char *list_id, const struct store_lead_in *rows, size_t n)
{
    /* The uuids every row of the batch shares, converted once. */
    unsigned char ids[3][16];
    if (!uuid_bytes(tenant, ids[0]) || !uuid_bytes(campaign, ids[1]) ||
        !uuid_bytes(list_id, ids[2]))
        return OC_ERR_INVALID;
    enum oc_status st = OC_OK;
    struct copybuf b = {0};
    cb_bin_header(&b);
    for (size_t i = 0; i < n && st == OC_OK; i++) {
        const struct store_lead_in *l = &rows[i];
        cb_bin_row(&b, STAGE_LEAD_NCOLS);
        cb_bin_uuid(&b, l->id);
        cb_bin_uuid(&b, ids[0]);
        cb_bin_uuid(&b, ids[1]);
        cb_bin_uuid(&b, ids[2]);
        cb_bin_int4(&b, l->line);
        cb_bin_text(&b, l->name);
        cb_bin_text_or_null(&b, l->first_name);
        cb_bin_text_or_null(&b, l->last_name);
        cb_bin_text_or_null(&b, l->company);
        cb_bin_text(&b, l->phone_raw);
        cb_bin_text(&b, l->phone_e164);
        cb_bin_text(&b, l->phone_type);
        cb_bin_text_or_null(&b, l->region);
        cb_bin_text_or_null(&b, l->email);
        cb_bin_text(&b, l->timezone);
        cb_bin_text(&b, l->timezone_source);
        cb_bin_jsonb(&b, l->custom_json);
        cb_bin_text(&b, l->status ? l->status : "pending");
        if (b.len >= COPY_CHUNK)
            st = copy_put(c, &b);
    }
    cb_bin_trailer(&b);
    if (st == OC_OK)
        st = copy_put(c, &b);
    free(b.p);
    return st;
}

enum oc_status store_copy_leads(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                const char *list_id, const struct store_lead_in *rows, size_t n,
                                bool bulk)
{
    if (n == 0)
        return OC_OK;
    enum oc_status st;
    if (bulk) {
        /*
         * The role bypasses row-level security for this one statement and
         * may do nothing but insert into leads; the tenant of every row is
         * the batch's (put_leads writes no other). Its rights last until
         * RESET ROLE, or the transaction's end should the COPY fail. The
         * rows take now(), the transaction's time, as created_at: their
         * ids grow in file order (UUIDv7), so lists sorted by (created_at,
         * id) keep the file's order.
         */
        st = oc_db_exec(c, NULL, "SET LOCAL ROLE " STORE_BULK_ROLE, 0, NULL);
        if (st == OC_OK)
            st = copy_begin(c, "COPY leads (" STAGE_LEAD_COLS ") FROM STDIN (FORMAT binary)");
        if (st != OC_OK)
            return st;
        st = copy_end(c, put_leads(c, tenant, campaign, list_id, rows, n), "leads");
        if (st == OC_OK)
            st = oc_db_exec(c, NULL, "RESET ROLE", 0, NULL);
        return st;
    }
    st = stage_table(c, true);
    if (st == OC_OK)
        st = copy_begin(c, "COPY stage_leads (" STAGE_LEAD_COLS ") FROM STDIN (FORMAT binary)");
    if (st != OC_OK)
        return st;
    st = copy_end(c, put_leads(c, tenant, campaign, list_id, rows, n), "leads");
    if (st == OC_OK)
        /* clock_timestamp(), not the transaction's now(): leads of one
         * batch keep the file's order in lists sorted by creation. */
        st = oc_db_exec(c, NULL,
                        "INSERT INTO leads (" STAGE_LEAD_COLS ", created_at, updated_at)"
                        " SELECT " STAGE_LEAD_COLS ", clock_timestamp(), clock_timestamp()"
                        " FROM stage_leads ORDER BY line",
                        0, NULL);
    return st;
}

enum oc_status store_copy_rejects(struct oc_db_conn *c, const char *tenant, const char *list_id,
                                  const struct store_reject_in *rows, size_t n)
{
    if (n == 0)
        return OC_OK;
    enum oc_status st = stage_table(c, false);
    if (st == OC_OK)
        st = copy_begin(c, "COPY stage_rejects (" STAGE_REJECT_COLS ") FROM STDIN");
    if (st != OC_OK)
        return st;
    struct copybuf b = {0};
    char prefix[100];
    int pn = snprintf(prefix, sizeof(prefix), "%s\t%s\t", tenant, list_id);
    for (size_t i = 0; i < n && st == OC_OK; i++) {
        const struct store_reject_in *x = &rows[i];
        cb_raw(&b, prefix, (size_t)pn);
        cb_long(&b, x->line);
        cb_sep(&b);
        cb_text_n(&b, x->raw, x->raw_len);
        cb_sep(&b);
        cb_text(&b, x->duplicate ? "duplicate" : "invalid");
        cb_sep(&b);
        cb_text(&b, x->reason);
        cb_sep(&b);
        cb_text(&b, x->code);
        cb_sep(&b);
        cb_text_or_null(&b, x->phone_e164);
        cb_raw(&b, "\n", 1);
        if (b.len >= COPY_CHUNK)
            st = copy_put(c, &b);
    }
    if (st == OC_OK)
        st = copy_put(c, &b);
    free(b.p);
    st = copy_end(c, st, "rejected rows");
    if (st == OC_OK)
        st = oc_db_exec(c, NULL,
                        "INSERT INTO rejected_rows (" STAGE_REJECT_COLS
                        ") SELECT " STAGE_REJECT_COLS " FROM stage_rejects",
                        0, NULL);
    return st;
}

/* ---------------------------------------------------------------- do-not-call */

#define DNC_COLS                                                                                   \
    "id, phone_e164, source, reason, coalesce(risk, ''), coalesce(call_id::text, ''),"             \
    " coalesce(nullif(actor, ''), created_by::text, ''),"                                          \
    " (extract(epoch FROM created_at) * 1000)::bigint, created_at::text"

static Ocpb__DncSource dnc_source(const char *s)
{
    if (strcmp(s, "manual") == 0)
        return OCPB__DNC_SOURCE__DNC_SOURCE_MANUAL;
    if (strcmp(s, "import") == 0)
        return OCPB__DNC_SOURCE__DNC_SOURCE_IMPORT;
    if (strcmp(s, "call_analysis") == 0)
        return OCPB__DNC_SOURCE__DNC_SOURCE_CALL_ANALYSIS;
    return OCPB__DNC_SOURCE__DNC_SOURCE_UNSPECIFIED;
}

static Ocpb__DncRisk dnc_risk(const char *s)
{
    if (strcmp(s, "low") == 0)
        return OCPB__DNC_RISK__DNC_RISK_LOW;
    if (strcmp(s, "medium") == 0)
        return OCPB__DNC_RISK__DNC_RISK_MEDIUM;
    if (strcmp(s, "high") == 0)
        return OCPB__DNC_RISK__DNC_RISK_HIGH;
    return OCPB__DNC_RISK__DNC_RISK_UNSPECIFIED;
}

static Ocpb__DncEntry *dnc_from_row(struct oc_arena *a, const PGresult *r, int row)
{
    Ocpb__DncEntry *e = oc_arena_alloc(a, sizeof(*e));
    if (!e)
        return NULL;
    ocpb__dnc_entry__init(e);
    e->id = val(a, r, row, 0);
    e->phone_e164 = val(a, r, row, 1);
    e->source = dnc_source(PQgetvalue(r, row, 2));
    e->reason = val(a, r, row, 3);
    e->risk = dnc_risk(PQgetvalue(r, row, 4));
    e->call_id = val(a, r, row, 5);
    e->created_by = val(a, r, row, 6);
    e->created_unix_ms = val_i64(r, row, 7);
    return e->id && e->phone_e164 && e->reason && e->call_id && e->created_by ? e : NULL;
}

static enum oc_status dnc_audit(struct oc_db_conn *c, const char *tenant, const char *action,
                                const struct store_dnc_in *in)
{
    return oc_db_q(
        c, NULL,
        "INSERT INTO dnc_audit (tenant_id, phone_e164, action, source, reason, risk,"
        " call_id, actor_user_id, actor, request_id)"
        " VALUES ($1, $2, $3, $4, coalesce($5, ''), nullif($6, ''),"
        " nullif($7, '')::uuid, nullif($8, '')::uuid, coalesce($9, ''), nullif($10, ''))",
        tenant, in->phone_e164, action, in->source, in->reason, in->risk,
        in->call_id ? in->call_id : "", in->user_id ? in->user_id : "", in->actor,
        in->request_id ? in->request_id : "");
}

enum oc_status store_dnc_add(struct oc_db_conn *c, const char *tenant,
                             const struct store_dnc_in *in, struct oc_arena *a,
                             Ocpb__DncEntry **entry, bool *already)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(
        c, &r,
        "INSERT INTO dnc_entries (tenant_id, phone_e164, source, reason, risk, call_id, created_by,"
        " actor)"
        " VALUES ($1, $2, $3, coalesce($4, ''), nullif($5, ''), nullif($6, '')::uuid,"
        " nullif($7, '')::uuid, coalesce($8, ''))"
        " ON CONFLICT (tenant_id, phone_e164) DO NOTHING RETURNING " DNC_COLS,
        tenant, in->phone_e164, in->source, in->reason, in->risk, in->call_id ? in->call_id : "",
        in->user_id ? in->user_id : "", in->actor);
    if (st != OC_OK)
        return st;
    bool added = PQntuples(r) > 0;
    if (!added) {
        PQclear(r);
        st = oc_db_q(
            c, &r, "SELECT " DNC_COLS " FROM dnc_entries WHERE tenant_id = $1 AND phone_e164 = $2",
            tenant, in->phone_e164);
        if (st != OC_OK)
            return st;
        if (PQntuples(r) == 0) {
            PQclear(r);
            return OC_ERR_CONFLICT; /* removed between the two statements: try again */
        }
    }
    Ocpb__DncEntry *e = dnc_from_row(a, r, 0);
    PQclear(r);
    if (!e)
        return OC_ERR_NOMEM;
    if (added) {
        st = dnc_audit(c, tenant, "add", in);
        if (st != OC_OK)
            return st;
    }
    *entry = e;
    *already = !added;
    return OC_OK;
}

enum oc_status store_dnc_add_many(struct oc_db_conn *c, const char *tenant,
                                  const struct store_dnc_in *in, const char *const *numbers,
                                  size_t n, struct oc_arena *a, Ocpb__DncEntry ***added,
                                  size_t *n_added)
{
    *n_added = 0;
    if (n == 0)
        return OC_OK;
    char *arr = text_array(a, numbers, n);
    if (!arr)
        return OC_ERR_NOMEM;
    PGresult *r = NULL;
    /* One statement for the entries and their audit rows, inserted in the
     * order given (WITH ORDINALITY); a number repeated in the array is added
     * once, ON CONFLICT skipping the rows this very statement inserted. */
    enum oc_status st = oc_db_q(
        c, &r,
        "WITH ins AS (INSERT INTO dnc_entries (tenant_id, phone_e164, source, reason, risk,"
        " created_by, actor)"
        " SELECT $1, q.phone, $3, coalesce($4, ''), nullif($5, ''), nullif($6, '')::uuid,"
        " coalesce($7, '') FROM unnest($2::text[]) WITH ORDINALITY AS q(phone, i) ORDER BY q.i"
        " ON CONFLICT (tenant_id, phone_e164) DO NOTHING RETURNING *),"
        " aud AS (INSERT INTO dnc_audit (tenant_id, phone_e164, action, source, reason, risk,"
        " actor_user_id, actor, request_id)"
        " SELECT tenant_id, phone_e164, 'add', source, reason, risk, created_by, actor,"
        " nullif($8, '') FROM ins)"
        " SELECT " DNC_COLS " FROM ins",
        tenant, arr, in->source, in->reason, in->risk ? in->risk : "",
        in->user_id ? in->user_id : "", in->actor, in->request_id ? in->request_id : "");
    if (st != OC_OK)
        return st;
    int rows = PQntuples(r);
    Ocpb__DncEntry **v = oc_arena_alloc(a, ((size_t)rows + 1) * sizeof(*v));
    for (int i = 0; v && i < rows; i++)
        if (!(v[i] = dnc_from_row(a, r, i)))
            v = NULL;
    PQclear(r);
    if (!v)
        return OC_ERR_NOMEM;
    *added = v;
    *n_added = (size_t)rows;
    return OC_OK;
}

enum oc_status store_dnc_remove(struct oc_db_conn *c, const char *tenant,
                                const struct store_dnc_in *in, struct oc_arena *a,
                                Ocpb__DncEntry **removed)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "DELETE FROM dnc_entries WHERE tenant_id = $1 AND phone_e164 = $2"
                                " RETURNING " DNC_COLS,
                                tenant, in->phone_e164);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    Ocpb__DncEntry *e = dnc_from_row(a, r, 0);
    PQclear(r);
    if (!e)
        return OC_ERR_NOMEM;
    st = dnc_audit(c, tenant, "remove", in);
    if (st == OC_OK)
        *removed = e;
    return st;
}

enum oc_status store_dnc_get(struct oc_db_conn *c, const char *tenant, const char *e164,
                             struct oc_arena *a, Ocpb__DncEntry **out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(
        c, &r, "SELECT " DNC_COLS " FROM dnc_entries WHERE tenant_id = $1 AND phone_e164 = $2",
        tenant, e164);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    Ocpb__DncEntry *e = dnc_from_row(a, r, 0);
    PQclear(r);
    if (!e)
        return OC_ERR_NOMEM;
    *out = e;
    return OC_OK;
}

enum oc_status store_dnc_listed(struct oc_db_conn *c, const char *tenant,
                                const char *const *numbers, size_t n, bool *listed)
{
    for (size_t i = 0; i < n; i++)
        listed[i] = false;
    if (n == 0)
        return OC_OK;
    struct oc_arena *a = NULL;
    enum oc_status st = oc_arena_new(&a, 64 * 1024);
    if (st != OC_OK)
        return st;
    char *arr = text_array(a, numbers, n);
    PGresult *r = NULL;
    /* WITH ORDINALITY keeps the positions, so repeated numbers are answered too. */
    st = arr ? oc_db_q(c, &r,
                       "SELECT q.i FROM unnest($2::text[]) WITH ORDINALITY AS q(phone, i)"
                       " JOIN dnc_entries d ON d.tenant_id = $1 AND d.phone_e164 = q.phone",
                       tenant, arr)
             : OC_ERR_NOMEM;
    if (st == OC_OK) {
        for (int i = 0; i < PQntuples(r); i++) {
            long k = strtol(PQgetvalue(r, i, 0), NULL, 10);
            if (k >= 1 && (size_t)k <= n)
                listed[k - 1] = true;
        }
        PQclear(r);
    }
    oc_arena_free(a);
    return st;
}

enum oc_status store_dnc_list(struct oc_db_conn *c, const char *tenant, const char *query,
                              const char *source, const char *cursor, int limit, struct oc_arena *a,
                              Ocpb__DncEntry ***out, size_t *n, char **next)
{
    struct page_cursor cur;
    enum oc_status st = page_cursor_decode(a, cursor, 'd', &cur);
    if (st != OC_OK)
        return st;
    struct params p = {0};
    struct sql q = {0};
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit + 1);
    sql_add(&q, "SELECT " DNC_COLS " FROM dnc_entries WHERE tenant_id = $%d", param(&p, tenant));
    if (nonempty(query)) {
        char digits[32];
        size_t nd = 0;
        for (const char *t = query; *t && nd + 1 < sizeof(digits); t++)
            if (isdigit((unsigned char)*t))
                digits[nd++] = *t;
        digits[nd] = '\0';
        char *pat = like_anywhere(a, digits);
        if (!pat)
            return OC_ERR_NOMEM;
        sql_add(&q, " AND phone_e164 LIKE $%d", param(&p, pat));
    }
    if (nonempty(source))
        sql_add(&q, " AND source = $%d", param(&p, source));
    if (cur.id) {
        int k = param(&p, cur.key);
        sql_add(&q, " AND (created_at, id) < ($%d::timestamptz, $%d::uuid)", k, param(&p, cur.id));
    }
    sql_add(&q, " ORDER BY created_at DESC, id DESC LIMIT $%d::int", param(&p, lim));
    PGresult *r = NULL;
    st = oc_db_exec(c, &r, q.buf, p.n, p.v);
    if (st != OC_OK)
        return st;
    int count = PQntuples(r);
    bool more = count > limit;
    if (more)
        count = limit;
    Ocpb__DncEntry **v = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(*v));
    st = v ? OC_OK : OC_ERR_NOMEM;
    for (int i = 0; st == OC_OK && i < count; i++)
        if (!(v[i] = dnc_from_row(a, r, i)))
            st = OC_ERR_NOMEM;
    *next = "";
    if (st == OC_OK && more &&
        !(*next =
              page_cursor_encode(a, 'd', PQgetvalue(r, count - 1, 8), PQgetvalue(r, count - 1, 0))))
        st = OC_ERR_NOMEM;
    PQclear(r);
    if (st == OC_OK) {
        *out = v;
        *n = (size_t)count;
    }
    return st;
}

enum oc_status store_dnc_history(struct oc_db_conn *c, const char *tenant, const char *e164,
                                 const char *cursor, int limit, struct oc_arena *a,
                                 Ocpb__DncHistoryEntry ***out, size_t *n, char **next)
{
    struct page_cursor cur;
    enum oc_status st = page_cursor_decode(a, cursor, 'h', &cur);
    if (st != OC_OK)
        return st;
    struct params p = {0};
    struct sql q = {0};
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit + 1);
    sql_add(&q,
            "SELECT action, phone_e164, source, reason, coalesce(risk, ''),"
            " coalesce(nullif(actor, ''), actor_user_id::text, ''), coalesce(request_id, ''),"
            " (extract(epoch FROM created_at) * 1000)::bigint, created_at::text, id"
            " FROM dnc_audit WHERE tenant_id = $%d",
            param(&p, tenant));
    if (nonempty(e164))
        sql_add(&q, " AND phone_e164 = $%d", param(&p, e164));
    if (cur.id) {
        int k = param(&p, cur.key);
        sql_add(&q, " AND (created_at, id) < ($%d::timestamptz, $%d::uuid)", k, param(&p, cur.id));
    }
    sql_add(&q, " ORDER BY created_at DESC, id DESC LIMIT $%d::int", param(&p, lim));
    PGresult *r = NULL;
    st = oc_db_exec(c, &r, q.buf, p.n, p.v);
    if (st != OC_OK)
        return st;
    int count = PQntuples(r);
    bool more = count > limit;
    if (more)
        count = limit;
    Ocpb__DncHistoryEntry **v = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(*v));
    st = v ? OC_OK : OC_ERR_NOMEM;
    for (int i = 0; st == OC_OK && i < count; i++) {
        Ocpb__DncHistoryEntry *h = oc_arena_alloc(a, sizeof(*h));
        if (!h) {
            st = OC_ERR_NOMEM;
            break;
        }
        ocpb__dnc_history_entry__init(h);
        const char *act = PQgetvalue(r, i, 0);
        h->action = strcmp(act, "remove") == 0 ? OCPB__DNC_ACTION__DNC_ACTION_REMOVED
                                               : OCPB__DNC_ACTION__DNC_ACTION_ADDED;
        h->phone_e164 = val(a, r, i, 1);
        h->source = dnc_source(PQgetvalue(r, i, 2));
        h->reason = val(a, r, i, 3);
        h->risk = dnc_risk(PQgetvalue(r, i, 4));
        h->actor = val(a, r, i, 5);
        h->request_id = val(a, r, i, 6);
        h->at_unix_ms = val_i64(r, i, 7);
        if (!h->phone_e164 || !h->reason || !h->actor || !h->request_id)
            st = OC_ERR_NOMEM;
        v[i] = h;
    }
    *next = "";
    if (st == OC_OK && more &&
        !(*next =
              page_cursor_encode(a, 'h', PQgetvalue(r, count - 1, 8), PQgetvalue(r, count - 1, 9))))
        st = OC_ERR_NOMEM;
    PQclear(r);
    if (st == OC_OK) {
        *out = v;
        *n = (size_t)count;
    }
    return st;
}

/* ---------------------------------------------------------------- outbox */

enum oc_status store_outbox_add(struct oc_db_conn *c, const char *tenant, const char *subject,
                                const char *msg_id, const uint8_t *payload, size_t len)
{
    /* bytea travels as hex text: "\x0a1b..." */
    char *hex = malloc(2 * len + 3);
    if (!hex)
        return OC_ERR_NOMEM;
    hex[0] = '\\';
    hex[1] = 'x';
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 + 2 * i] = digits[payload[i] >> 4];
        hex[3 + 2 * i] = digits[payload[i] & 15];
    }
    hex[2 + 2 * len] = '\0';
    enum oc_status st = oc_db_q(c, NULL,
                                "INSERT INTO outbox (tenant_id, subject, msg_id, payload)"
                                " VALUES ($1, $2, $3, $4::bytea)",
                                tenant, subject, msg_id, hex);
    free(hex);
    return st;
}

enum oc_status store_outbox_add_many(struct oc_db_conn *c, const char *tenant,
                                     const char *subject, const char *const *msg_ids,
                                     const uint8_t *const *payloads, const size_t *lens, size_t n)
{
    if (n == 0)
        return OC_OK;
    struct oc_arena *a = NULL;
    enum oc_status st = oc_arena_new(&a, 64 * 1024);
    if (st != OC_OK)
        return st;
    /* The payloads travel as hex text, one array element each, decoded in SQL. */
    const char **hex = oc_arena_alloc(a, n * sizeof(*hex));
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; hex && i < n; i++) {
        char *h = oc_arena_alloc(a, 2 * lens[i] + 1);
        if (!h) {
            hex = NULL;
            break;
        }
        for (size_t k = 0; k < lens[i]; k++) {
            h[2 * k] = digits[payloads[i][k] >> 4];
            h[2 * k + 1] = digits[payloads[i][k] & 15];
        }
        h[2 * lens[i]] = '\0';
        hex[i] = h;
    }
    char *ids = hex ? text_array(a, msg_ids, n) : NULL;
    char *pay = ids ? text_array(a, hex, n) : NULL;
    st = pay ? oc_db_q(c, NULL,
                       "INSERT INTO outbox (tenant_id, subject, msg_id, payload)"
                       " SELECT $1, $2, q.id, decode(q.p, 'hex')"
                       " FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS q(id, p, i)"
                       " ORDER BY q.i",
                       tenant, subject, ids, pay)
             : OC_ERR_NOMEM;
    oc_arena_free(a);
    return st;
}

enum oc_status store_outbox_add_leads(struct oc_db_conn *c, const char *tenant, const char *list_id,
                                      int batch, long first_line, long last_line,
                                      const char *msg_id)
{
    char b[16], f[24], l[24];
    snprintf(b, sizeof(b), "%d", batch);
    snprintf(f, sizeof(f), "%ld", first_line);
    snprintf(l, sizeof(l), "%ld", last_line);
    return oc_db_q(
        c, NULL,
        "INSERT INTO outbox (tenant_id, subject, msg_id, list_id, batch, first_line,"
        " last_line) VALUES ($1, 'leads.added', $2, $3::uuid, $4::int, $5::int, $6::int)",
        tenant, msg_id, list_id, b, f, l);
}

enum oc_status store_outbox_take(struct oc_db_conn *c, int limit, struct oc_arena *a,
                                 struct store_outbox_row **rows, size_t *n)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT id, tenant_id, subject, msg_id, payload IS NULL,"
                                " coalesce(payload, ''::bytea), coalesce(list_id::text, ''),"
                                " coalesce(batch, 0), coalesce(first_line, 0),"
                                " coalesce(last_line, 0), attempts"
                                " FROM outbox ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED",
                                lim);
    if (st != OC_OK)
        return st;
    int count = PQntuples(r);
    struct store_outbox_row *v = oc_arena_alloc(a, (size_t)(count ? count : 1) * sizeof(*v));
    if (!v) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    for (int i = 0; i < count; i++) {
        struct store_outbox_row *o = &v[i];
        o->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        o->tenant = val(a, r, i, 1);
        o->subject = val(a, r, i, 2);
        o->msg_id = val(a, r, i, 3);
        if (PQgetvalue(r, i, 4)[0] != 't') {
            size_t len = 0;
            unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 5), &len);
            uint8_t *copy = raw ? oc_arena_alloc(a, len ? len : 1) : NULL;
            if (copy)
                memcpy(copy, raw, len);
            PQfreemem(raw);
            o->payload = copy;
            o->len = len;
        }
        o->list_id = val(a, r, i, 6);
        o->batch = (int)strtol(PQgetvalue(r, i, 7), NULL, 10);
        o->first_line = strtol(PQgetvalue(r, i, 8), NULL, 10);
        o->last_line = strtol(PQgetvalue(r, i, 9), NULL, 10);
        o->attempts = (int)strtol(PQgetvalue(r, i, 10), NULL, 10);
    }
    PQclear(r);
    *rows = v;
    *n = (size_t)count;
    return OC_OK;
}

enum oc_status store_outbox_done(struct oc_db_conn *c, long long id)
{
    char v[24];
    snprintf(v, sizeof(v), "%lld", id);
    return oc_db_q(c, NULL, "DELETE FROM outbox WHERE id = $1::bigint", v);
}

enum oc_status store_outbox_failed(struct oc_db_conn *c, long long id)
{
    char v[24];
    snprintf(v, sizeof(v), "%lld", id);
    return oc_db_q(c, NULL, "UPDATE outbox SET attempts = attempts + 1 WHERE id = $1::bigint", v);
}
