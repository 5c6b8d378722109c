/*
 * All of the scheduler's SQL (see store.h for the two kinds of functions).
 * Batches of rows travel as one JSON parameter read by jsonb_to_recordset,
 * so saving a thousand calls is one statement, not a thousand. Times leave
 * the database as Unix milliseconds and enter it through to_timestamp();
 * cursors compare whole microseconds, never floating-point seconds.
 */
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "oc/crypto.h"
#include "oc/log.h"

#define MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define US(col) "(extract(epoch FROM " col ") * 1000000)::bigint"
#define OPEN_STATUSES "('created', 'scheduled', 'queued')"
#define LIVE_STATUSES "('queued', 'calling', 'in_progress')"
#define DUE_KEY "coalesce(c.scheduled_at, '-infinity'::timestamptz)"
#define PAGE_DEFAULT 50
#define PAGE_MAX 200

/* ================================================================ helpers */

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int64_t val_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int val_int(const PGresult *r, int row, int col)
{
    return (int)val_i64(r, row, col);
}

static bool val_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static const char *val_dup(struct oc_arena *a, const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : oc_arena_strdup(a, PQgetvalue(r, row, col));
}

/* An empty string for SQL NULL: the wire has no NULL strings. */
static char *val_str(struct oc_arena *a, const PGresult *r, int row, int col)
{
    char *s = oc_arena_strdup(a, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
    return s ? s : (char *)"";
}

static void val_copy(char *dst, size_t len, const PGresult *r, int row, int col)
{
    snprintf(dst, len, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* Reads a bytea in Postgres's hex text form ("\x0a1b...") into arena; NULL
 * for SQL NULL and for no bytes at all. */
static uint8_t *val_bytes(struct oc_arena *a, const PGresult *r, int row, int col, size_t *len)
{
    const char *s = val(r, row, col);
    if (!s || s[0] != '\\' || s[1] != 'x')
        return NULL;
    s += 2;
    size_t n = strlen(s) / 2;
    if (n == 0)
        return NULL;
    uint8_t *out = oc_arena_alloc(a, n ? n : 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned hi, lo;
        char h = s[2 * i], l = s[2 * i + 1];
        hi = (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        lo = (unsigned)(l <= '9' ? l - '0' : (l | 0x20) - 'a' + 10);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n;
    return out;
}

/* A text literal for a uuid[] parameter; ids were checked by the caller. */
static char *uuid_array(struct oc_arena *a, char *const *ids, size_t n)
{
    size_t cap = 3 + n * 38;
    char *s = oc_arena_alloc(a, cap);
    if (!s)
        return NULL;
    size_t k = 0;
    s[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[k++] = ',';
        k += (size_t)snprintf(s + k, cap - k, "%.36s", ids[i]);
    }
    s[k++] = '}';
    s[k] = '\0';
    return s;
}

/* A text literal for a text[] of plain words (country codes, status names). */
static char *word_array(struct oc_arena *a, const char *const *words, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += strlen(words[i]) + 1;
    char *s = oc_arena_alloc(a, cap);
    if (!s)
        return NULL;
    size_t k = 0;
    s[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[k++] = ',';
        k += (size_t)snprintf(s + k, cap - k, "%s", words[i]);
    }
    s[k++] = '}';
    s[k] = '\0';
    return s;
}

static char *fmt(struct oc_arena *a, long long v)
{
    return oc_arena_printf(a, "%lld", v);
}

static json_t *jstr(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *jms(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

static json_t *jint(int v)
{
    return v ? json_integer(v) : json_null();
}

/*
 * Pages, dispatch batches and the cross-tenant scans walk an index in
 * order and stop at their LIMIT, or look rows up one by one; that is the
 * only good plan for them, and the planner does not always see it:
 *   - the row-level security policy (tenant_id = rls_tenant() OR
 *     rls_bypass()) is an expression it cannot see through, so it guesses
 *     that 0.5 % of a table passes and prefers collecting every candidate
 *     and sorting (a 100,000-call campaign: 350 ms a batch instead of 9);
 *   - calls imported a moment ago have no statistics yet, and a nested
 *     loop over a sequential scan of leads took 38 s for 20,000 calls.
 * Their transactions turn the other plans off (SET LOCAL: until commit);
 * other transactions keep the planner's judgement.
 */
static enum oc_status index_plans(struct oc_db_conn *c)
{
    return oc_db_exec(c, NULL,
                      "SELECT set_config('enable_sort', 'off', true),"
                      " set_config('enable_bitmapscan', 'off', true),"
                      " set_config('enable_seqscan', 'off', true),"
                      " set_config('enable_hashjoin', 'off', true),"
                      " set_config('enable_mergejoin', 'off', true)",
                      0, NULL);
}

/* Runs sql with a JSON document as its first parameter. */
static enum oc_status exec_json(struct oc_db_conn *c, PGresult **res, const char *sql, json_t *doc,
                                int nextra, const char *const *extra)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text)
        return OC_ERR_NOMEM;
    const char *params[8];
    params[0] = text;
    for (int i = 0; i < nextra && i < 7; i++)
        params[1 + i] = extra[i];
    enum oc_status st = oc_db_exec(c, res, sql, 1 + nextra, params);
    free(text);
    return st;
}

/* ================================================================ transactions */

enum oc_status store_begin(struct oc_db *db, const char *tenant, struct oc_db_conn **out)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = oc_db_acquire(db, &c);
    if (st != OC_OK)
        return st;
    st = tenant ? oc_db_begin_tenant(c, tenant) : oc_db_begin_system(c);
    /* The cross-tenant scans all walk partial indexes in order. */
    if (st == OC_OK && !tenant)
        st = index_plans(c);
    if (st != OC_OK) {
        oc_db_rollback(c);
        oc_db_release(db, c);
        return st;
    }
    *out = c;
    return OC_OK;
}

enum oc_status store_lazy_commit(struct oc_db_conn *c)
{
    return oc_db_exec(c, NULL, "SELECT set_config('synchronous_commit', 'off', true)", 0, NULL);
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

/* ================================================================ campaigns */

#define CAMPAIGN_COLS                                                                              \
    "k.id, k.name, k.assistant_id, k.number_id, array_to_json(k.extra_number_ids)::text, "         \
    "k.default_region, k.timezone, k.calling_window::text, to_char(k.legal_start, 'HH24:MI'), "    \
    "to_char(k.legal_end, 'HH24:MI'), array_to_json(k.holiday_countries)::text, "                  \
    "k.max_concurrent, k.max_per_minute, k.max_concurrent_per_number, k.max_attempts, "            \
    "k.retry_rules::text, k.status, k.archived_at IS NOT NULL, " MS("k.created_at") ", " MS(       \
        "k.updated_at") ", " MS("k.started_at") ", " MS("k.finished_at") ", " US("k.created_at")

/* A JSON array of strings as an arena array of strings. */
static enum oc_status json_strings(struct oc_arena *a, const char *json, char ***out, size_t *n)
{
    json_error_t jerr;
    json_t *arr = json_loads(json ? json : "[]", 0, &jerr);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return OC_ERR_INTERNAL;
    }
    size_t count = json_array_size(arr);
    char **v = oc_arena_alloc(a, sizeof(*v) * (count ? count : 1));
    if (!v) {
        json_decref(arr);
        return OC_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        v[i] = oc_arena_strdup(a, s ? s : "");
    }
    json_decref(arr);
    *out = v;
    *n = count;
    return OC_OK;
}

/* Builds a campaign from row `row` of CAMPAIGN_COLS (counters and exceptions come later). */
static enum oc_status campaign_from_row(struct oc_arena *a, const PGresult *r, int row,
                                        Ocpb__Campaign **out)
{
    Ocpb__Campaign *k = oc_arena_alloc(a, sizeof(*k));
    Ocpb__CallingSchedule *s = oc_arena_alloc(a, sizeof(*s));
    Ocpb__Pacing *p = oc_arena_alloc(a, sizeof(*p));
    if (!k || !s || !p)
        return OC_ERR_NOMEM;
    ocpb__campaign__init(k);
    ocpb__calling_schedule__init(s);
    ocpb__pacing__init(p);
    k->id = val_str(a, r, row, 0);
    k->name = val_str(a, r, row, 1);
    k->assistant_id = val_str(a, r, row, 2);
    k->number_id = val_str(a, r, row, 3);
    enum oc_status st =
        json_strings(a, val(r, row, 4), &k->extra_number_ids, &k->n_extra_number_ids);
    if (st != OC_OK)
        return st;
    k->default_region = val_str(a, r, row, 5);
    k->timezone = val_str(a, r, row, 6);
    st = campaign_ranges_pb(val(r, row, 7), a, &s->ranges, &s->n_ranges);
    if (st != OC_OK)
        return st;
    calling_window_parse_hhmm(val(r, row, 8), &s->legal_start_minute);
    calling_window_parse_hhmm(val(r, row, 9), &s->legal_end_minute);
    st = json_strings(a, val(r, row, 10), &s->holiday_countries, &s->n_holiday_countries);
    if (st != OC_OK)
        return st;
    k->schedule = s;
    p->max_concurrent = val_int(r, row, 11);
    p->max_per_minute = val_int(r, row, 12);
    p->max_concurrent_per_number = val_int(r, row, 13);
    k->pacing = p;
    k->max_attempts = val_int(r, row, 14);
    st = campaign_retry_pb(val(r, row, 15), a, &k->retry);
    if (st != OC_OK)
        return st;
    k->state = wire_campaign_state_parse(val(r, row, 16), val_bool(r, row, 17));
    k->created_unix_ms = val_i64(r, row, 18);
    k->updated_unix_ms = val_i64(r, row, 19);
    k->started_unix_ms = val_i64(r, row, 20);
    k->finished_unix_ms = val_i64(r, row, 21);
    *out = k;
    return OC_OK;
}

/* Fills exceptions and counters of campaigns v[0..n) in two queries each. */
static enum oc_status campaign_details(struct oc_db_conn *c, const char *tenant, struct oc_arena *a,
                                       Ocpb__Campaign **v, size_t n)
{
    if (n == 0)
        return OC_OK;
    char **ids = oc_arena_alloc(a, sizeof(*ids) * n);
    if (!ids)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        ids[i] = v[i]->id;
        Ocpb__CampaignCounters *k = oc_arena_alloc(a, sizeof(*k));
        if (!k)
            return OC_ERR_NOMEM;
        ocpb__campaign_counters__init(k);
        v[i]->counters = k;
    }
    char *arr = uuid_array(a, ids, n);
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT campaign_id, to_char(starts_on, 'YYYY-MM-DD'),"
                                " to_char(ends_on, 'YYYY-MM-DD'), name, country FROM holidays"
                                " WHERE tenant_id = $1 AND campaign_id = ANY($2::uuid[])"
                                " ORDER BY starts_on, id",
                                tenant, arr);
    if (st != OC_OK)
        return st;
    for (int row = 0; row < PQntuples(r); row++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(v[i]->id, PQgetvalue(r, row, 0)) != 0)
                continue;
            Ocpb__CallingSchedule *s = v[i]->schedule;
            Ocpb__DateRange **grown = oc_arena_alloc(a, sizeof(*grown) * (s->n_exceptions + 1));
            Ocpb__DateRange *d = oc_arena_alloc(a, sizeof(*d));
            if (!grown || !d) {
                PQclear(r);
                return OC_ERR_NOMEM;
            }
            ocpb__date_range__init(d);
            d->from_date = val_str(a, r, row, 1);
            d->to_date = val_str(a, r, row, 2);
            d->label = val_str(a, r, row, 3);
            d->country = val_str(a, r, row, 4);
            if (s->n_exceptions)
                memcpy(grown, s->exceptions, sizeof(*grown) * s->n_exceptions);
            grown[s->n_exceptions++] = d;
            s->exceptions = grown;
        }
    }
    PQclear(r);

    st = oc_db_q(c, &r,
                 "SELECT campaign_id, status, count(*) FROM calls"
                 " WHERE tenant_id = $1 AND campaign_id = ANY($2::uuid[]) GROUP BY 1, 2",
                 tenant, arr);
    if (st != OC_OK)
        return st;
    for (int row = 0; row < PQntuples(r); row++) {
        enum call_status s;
        if (call_status_parse(PQgetvalue(r, row, 1), &s) != OC_OK)
            continue;
        int64_t count = val_i64(r, row, 2);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(v[i]->id, PQgetvalue(r, row, 0)) != 0)
                continue;
            Ocpb__CampaignCounters *k = v[i]->counters;
            int64_t *slot[CALL_STATUS_COUNT] = {
                [CALL_CREATED] = &k->created,         [CALL_SCHEDULED] = &k->scheduled,
                [CALL_QUEUED] = &k->queued,           [CALL_CALLING] = &k->calling,
                [CALL_IN_PROGRESS] = &k->in_progress, [CALL_COMPLETED] = &k->completed,
                [CALL_FAILED] = &k->failed,           [CALL_CANCELED] = &k->canceled,
                [CALL_VOICEMAIL] = &k->voicemail,
            };
            if (slot[s])
                *slot[s] += count;
        }
    }
    PQclear(r);

    st = oc_db_q(c, &r,
                 "SELECT campaign_id, count(*) FROM leads"
                 " WHERE tenant_id = $1 AND campaign_id = ANY($2::uuid[]) GROUP BY 1",
                 tenant, arr);
    if (st != OC_OK)
        return st;
    for (int row = 0; row < PQntuples(r); row++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(v[i]->id, PQgetvalue(r, row, 0)) == 0)
                v[i]->counters->leads = val_i64(r, row, 1);
    PQclear(r);
    return OC_OK;
}

static enum oc_status campaign_read(struct oc_db_conn *c, const char *tenant, const char *id,
                                    struct oc_arena *a, Ocpb__Campaign **out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT " CAMPAIGN_COLS " FROM campaigns k"
                                " WHERE k.tenant_id = $1 AND k.id = $2",
                                tenant, id);
    if (st != OC_OK)
        return st;
    Ocpb__Campaign *k = NULL;
    if (PQntuples(r) != 1)
        st = OC_ERR_NOT_FOUND;
    else
        st = campaign_from_row(a, r, 0, &k);
    PQclear(r);
    if (st == OC_OK)
        st = campaign_details(c, tenant, a, &k, 1);
    if (st == OC_OK)
        *out = k;
    return st;
}

/* Replaces a campaign's exceptions by those of schedule s. */
static enum oc_status write_exceptions(struct oc_db_conn *c, const char *tenant, const char *id,
                                       const Ocpb__CallingSchedule *s)
{
    enum oc_status st = oc_db_q(
        c, NULL, "DELETE FROM holidays WHERE tenant_id = $1 AND campaign_id = $2", tenant, id);
    for (size_t i = 0; st == OC_OK && s && i < s->n_exceptions; i++) {
        const Ocpb__DateRange *d = s->exceptions[i];
        const char *to = d->to_date && *d->to_date ? d->to_date : d->from_date;
        st = oc_db_q(c, NULL,
                     "INSERT INTO holidays (tenant_id, campaign_id, country, name, starts_on,"
                     " ends_on) VALUES ($1, $2, $3, $4, $5::date, $6::date)",
                     tenant, id, d->country && *d->country ? d->country : NULL,
                     d->label ? d->label : "", d->from_date, to);
    }
    return st;
}

/* The schedule's parameters: ranges JSON (malloc'd), legal bounds, countries (arena). */
struct schedule_params {
    char *ranges;
    char legal_start[6], legal_end[6];
    char *countries;
};

static enum oc_status schedule_params(struct oc_arena *a, const Ocpb__CallingSchedule *s,
                                      struct schedule_params *p)
{
    struct calling_schedule rules;
    char err[160];
    enum oc_status st = campaign_schedule_rules(s, a, &rules, err, sizeof(err));
    if (st != OC_OK)
        return st;
    p->ranges = campaign_ranges_json(s);
    calling_window_format_hhmm(rules.legal_start, p->legal_start);
    calling_window_format_hhmm(rules.legal_end, p->legal_end);
    p->countries = word_array(a, s ? (const char *const *)s->holiday_countries : NULL,
                              s ? s->n_holiday_countries : 0);
    if (!p->ranges || !p->countries) {
        free(p->ranges);
        return OC_ERR_NOMEM;
    }
    return OC_OK;
}

enum oc_status store_campaign_create(struct oc_db *db, const char *tenant, const Ocpb__Campaign *in,
                                     struct oc_arena *a, Ocpb__Campaign **out)
{
    struct oc_db_conn *c = NULL;
    struct schedule_params sp = {0};
    char *retry = NULL;
    char id[37];
    enum oc_status st = oc_uuid_v4(id);
    if (st != OC_OK)
        return st;
    st = schedule_params(a, in->schedule, &sp);
    if (st != OC_OK)
        return st;
    retry = campaign_retry_json(in->retry);
    char *extra = uuid_array(a, in->extra_number_ids, in->n_extra_number_ids);
    if (!retry || !extra) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    const Ocpb__Pacing *p = in->pacing;
    st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        goto out;
    st = oc_db_q(c, NULL,
                 "INSERT INTO campaigns (id, tenant_id, name, assistant_id, number_id,"
                 " extra_number_ids, default_region, timezone, calling_window, legal_start,"
                 " legal_end, holiday_countries, max_concurrent, max_per_minute,"
                 " max_concurrent_per_number, max_attempts, retry_rules)"
                 " VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7, $8, $9::jsonb, $10::time,"
                 " $11::time, $12::text[], $13::int, $14::int, $15::int, $16::int, $17::jsonb)",
                 id, tenant, in->name, in->assistant_id, in->number_id, extra, in->default_region,
                 in->timezone, sp.ranges, sp.legal_start, sp.legal_end, sp.countries,
                 fmt(a, p ? p->max_concurrent : 1), fmt(a, p ? p->max_per_minute : 0),
                 fmt(a, p ? p->max_concurrent_per_number : 0), fmt(a, in->max_attempts), retry);
    if (st == OC_OK)
        st = write_exceptions(c, tenant, id, in->schedule);
    if (st == OC_OK)
        st = campaign_read(c, tenant, id, a, out);
    if (st == OC_OK) {
        st = store_commit(db, c);
        c = NULL;
    }
out:
    store_abort(db, c);
    free(sp.ranges);
    free(retry);
    return st;
}

enum oc_status store_campaign_get(struct oc_db *db, const char *tenant, const char *id,
                                  struct oc_arena *a, Ocpb__Campaign **out)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        return st;
    st = campaign_read(c, tenant, id, a, out);
    store_abort(db, c);
    return st;
}

static int page_limit(int limit)
{
    if (limit <= 0)
        return PAGE_DEFAULT;
    return limit > PAGE_MAX ? PAGE_MAX : limit;
}

enum oc_status store_campaign_list(struct oc_db *db, const char *tenant, unsigned states,
                                   const char *cursor, int limit, struct oc_arena *a,
                                   Ocpb__Campaign ***out, size_t *n, char next[WIRE_CURSOR_MAX])
{
    int64_t after_us = 0;
    char after_id[37] = "";
    if (cursor && *cursor && wire_cursor_decode(cursor, &after_us, after_id) != OC_OK)
        return OC_ERR_INVALID;
    limit = page_limit(limit);
    bool archived = states & (1u << OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED);
    const char *names[6];
    size_t n_names = 0;
    for (int s = OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_DRAFT;
         s <= OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED; s++)
        if (!states || (states & (1u << s)))
            names[n_names++] = wire_campaign_state_name((Ocpb__CampaignState)s);
    bool live = !states || n_names > 0;
    char *status_arr = word_array(a, names, n_names);

    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    enum oc_status st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        return st;
    /* Archived campaigns keep their last status; they are listed only when
     * asked for, and then alongside the live states asked for. */
    st = oc_db_q(c, &r,
                 "SELECT " CAMPAIGN_COLS " FROM campaigns k WHERE k.tenant_id = $1"
                 " AND ((k.archived_at IS NULL AND $2::bool AND k.status = ANY($3::text[]))"
                 "   OR (k.archived_at IS NOT NULL AND $4::bool))"
                 " AND ($5::bigint = 0 OR (k.created_at, k.id) <"
                 "   (timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6::uuid))"
                 " ORDER BY k.created_at DESC, k.id DESC LIMIT $7::int",
                 tenant, live ? "true" : "false", status_arr, archived ? "true" : "false",
                 fmt(a, after_us), after_id[0] ? after_id : "00000000-0000-0000-0000-000000000000",
                 fmt(a, limit + 1));
    if (st != OC_OK)
        goto out;
    int rows = PQntuples(r);
    int take = rows > limit ? limit : rows;
    Ocpb__Campaign **v = oc_arena_alloc(a, sizeof(*v) * (size_t)(take ? take : 1));
    if (!v) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < take && st == OC_OK; i++)
        st = campaign_from_row(a, r, i, &v[i]);
    if (st == OC_OK)
        st = campaign_details(c, tenant, a, v, (size_t)take);
    if (st != OC_OK)
        goto out;
    next[0] = '\0';
    if (rows > limit)
        wire_cursor_encode(val_i64(r, take - 1, 22), v[take - 1]->id, next);
    *out = v;
    *n = (size_t)take;
out:
    PQclear(r);
    store_abort(db, c);
    return st;
}

enum oc_status store_campaign_update(struct oc_db *db, const char *tenant, const Ocpb__Campaign *in,
                                     unsigned fields, struct oc_arena *a, Ocpb__Campaign **out,
                                     char *err, size_t errlen)
{
    struct oc_db_conn *c = NULL;
    struct schedule_params sp = {0};
    char *retry = NULL;
    PGresult *r = NULL;
    const char *params[20];
    int np = 0;
    char set[1024] = "updated_at = now()";
    size_t len = strlen(set);
    enum oc_status st = OC_OK;

#define SET(column, cast, value)                                                                   \
    do {                                                                                           \
        params[np++] = (value);                                                                    \
        len +=                                                                                     \
            (size_t)snprintf(set + len, sizeof(set) - len, ", %s = $%d%s", column, np + 2, cast);  \
    } while (0)

    if (fields & CAMPAIGN_NAME)
        SET("name", "", in->name);
    if (fields & CAMPAIGN_ASSISTANT)
        SET("assistant_id", "::uuid", in->assistant_id);
    if (fields & CAMPAIGN_NUMBER)
        SET("number_id", "::uuid", in->number_id);
    if (fields & CAMPAIGN_EXTRA_NUMBERS)
        SET("extra_number_ids", "::uuid[]",
            uuid_array(a, in->extra_number_ids, in->n_extra_number_ids));
    if (fields & CAMPAIGN_REGION)
        SET("default_region", "", in->default_region);
    if (fields & CAMPAIGN_TIMEZONE)
        SET("timezone", "", in->timezone);
    if (fields & CAMPAIGN_SCHEDULE) {
        st = schedule_params(a, in->schedule, &sp);
        if (st != OC_OK)
            goto out;
        SET("calling_window", "::jsonb", sp.ranges);
        SET("legal_start", "::time", sp.legal_start);
        SET("legal_end", "::time", sp.legal_end);
        SET("holiday_countries", "::text[]", sp.countries);
    }
    if (fields & CAMPAIGN_PACING) {
        const Ocpb__Pacing *p = in->pacing;
        SET("max_concurrent", "::int", fmt(a, p ? p->max_concurrent : 1));
        SET("max_per_minute", "::int", fmt(a, p ? p->max_per_minute : 0));
        SET("max_concurrent_per_number", "::int", fmt(a, p ? p->max_concurrent_per_number : 0));
    }
    if (fields & CAMPAIGN_MAX_ATTEMPTS)
        SET("max_attempts", "::int", fmt(a, in->max_attempts));
    if (fields & CAMPAIGN_RETRY) {
        retry = campaign_retry_json(in->retry);
        SET("retry_rules", "::jsonb", retry);
    }
#undef SET
    for (int i = 0; i < np; i++) {
        if (!params[i]) {
            st = OC_ERR_NOMEM;
            goto out;
        }
    }

    st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        goto out;
    st = oc_db_q(c, &r,
                 "SELECT archived_at IS NOT NULL FROM campaigns"
                 " WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE",
                 tenant, in->id);
    if (st != OC_OK)
        goto out;
    if (PQntuples(r) != 1) {
        st = OC_ERR_NOT_FOUND;
        goto out;
    }
    if (val_bool(r, 0, 0)) {
        snprintf(err, errlen, "an archived campaign cannot change");
        st = OC_ERR_CONFLICT;
        goto out;
    }
    const char *all[22];
    all[0] = tenant;
    all[1] = in->id;
    for (int i = 0; i < np; i++)
        all[2 + i] = params[i];
    char sql[1400];
    snprintf(sql, sizeof(sql), "UPDATE campaigns SET %s WHERE tenant_id = $1 AND id = $2", set);
    st = oc_db_exec(c, NULL, sql, 2 + np, all);
    if (st == OC_OK && (fields & CAMPAIGN_SCHEDULE))
        st = write_exceptions(c, tenant, in->id, in->schedule);
    if (st == OC_OK)
        st = campaign_read(c, tenant, in->id, a, out);
    if (st == OC_OK) {
        st = store_commit(db, c);
        c = NULL;
    }
out:
    PQclear(r);
    store_abort(db, c);
    free(sp.ranges);
    free(retry);
    return st;
}

static const char *state_verb(Ocpb__CampaignState to)
{
    switch (to) {
    case OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING:
        return "started";
    case OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_PAUSED:
        return "paused";
    case OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED:
        return "stopped";
    case OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED:
        return "archived";
    case OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_COMPLETED:
        return "completed";
    default:
        return "changed";
    }
}

static const char *state_word(Ocpb__CampaignState s)
{
    return s == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED ? "archived"
                                                              : wire_campaign_state_name(s);
}

/* Cancels a campaign's open calls in chunks, collecting their reservations. */
static enum oc_status cancel_open_calls(struct oc_db_conn *c, const char *tenant,
                                        enum store_where where, const char *key, const char *reason,
                                        int64_t now_ms, struct outbox *ob, struct oc_arena *a,
                                        const char ***release, size_t *n_release)
{
    size_t cap = 0;
    const char **rel = NULL;
    size_t nrel = 0;
    for (;;) {
        struct call_row *rows = NULL;
        size_t n = 0;
        enum oc_status st = store_calls_lock_where(c, tenant, where, key, 1000, a, &rows, &n);
        if (st != OC_OK)
            return st;
        if (n == 0)
            break;
        struct call_row **ptrs = oc_arena_alloc(a, sizeof(*ptrs) * n);
        if (!ptrs)
            return OC_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            char err[128];
            if (rows[i].reservation_id) {
                if (nrel == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    const char **grown = oc_arena_alloc(a, sizeof(*grown) * ncap);
                    if (!grown)
                        return OC_ERR_NOMEM;
                    if (nrel)
                        memcpy(grown, rel, sizeof(*grown) * nrel);
                    rel = grown;
                    cap = ncap;
                }
                rel[nrel++] = rows[i].id;
            }
            st = lifecycle_move(&rows[i], CALL_CANCELED, reason, now_ms, ob, err, sizeof(err));
            if (st != OC_OK)
                return st;
            ptrs[i] = &rows[i];
        }
        st = store_calls_save(c, ptrs, n);
        if (st == OC_OK)
            st = store_events_flush(c, ob);
        if (st != OC_OK)
            return st;
        if (n < 1000)
            break;
    }
    if (release) {
        *release = rel;
        *n_release = nrel;
    }
    return OC_OK;
}

enum oc_status store_campaign_transition(struct oc_db *db, const char *tenant, const char *id,
                                         unsigned from, Ocpb__CampaignState to, const char *reason,
                                         int64_t now_ms, struct outbox *ob, struct oc_arena *a,
                                         Ocpb__Campaign **out, const char ***release,
                                         size_t *n_release, char *err, size_t errlen)
{
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    if (release) {
        *release = NULL;
        *n_release = 0;
    }
    enum oc_status st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        return st;
    st = oc_db_q(c, &r,
                 "SELECT status, archived_at IS NOT NULL FROM campaigns"
                 " WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE",
                 tenant, id);
    if (st != OC_OK)
        goto out;
    if (PQntuples(r) != 1) {
        st = OC_ERR_NOT_FOUND;
        goto out;
    }
    Ocpb__CampaignState cur = wire_campaign_state_parse(val(r, 0, 0), val_bool(r, 0, 1));
    if (!(from & (1u << cur))) {
        if (cur == to)
            snprintf(err, errlen, "the campaign is already %s", state_word(cur));
        else
            snprintf(err, errlen, "a %s campaign cannot be %s", state_word(cur), state_verb(to));
        st = OC_ERR_CONFLICT;
        goto out;
    }
    if (to == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED) {
        st = oc_db_q(c, NULL,
                     "UPDATE campaigns SET archived_at = now(), updated_at = now()"
                     " WHERE tenant_id = $1 AND id = $2",
                     tenant, id);
    } else {
        st = oc_db_q(c, NULL,
                     "UPDATE campaigns SET status = $3, updated_at = now(),"
                     " started_at = CASE WHEN $3 = 'running' THEN coalesce(started_at, now())"
                     "   ELSE started_at END,"
                     " finished_at = CASE WHEN $3 IN ('stopped', 'completed') THEN now()"
                     "   ELSE finished_at END,"
                     " stop_reason = CASE WHEN $3 = 'stopped' THEN $4 ELSE stop_reason END"
                     " WHERE tenant_id = $1 AND id = $2",
                     tenant, id, wire_campaign_state_name(to), reason ? reason : "");
    }
    if (st != OC_OK)
        goto out;
    if (to == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED) {
        char why[300];
        if (reason && *reason)
            snprintf(why, sizeof(why), "the campaign was stopped: %.250s", reason);
        else
            snprintf(why, sizeof(why), "the campaign was stopped");
        st = cancel_open_calls(c, tenant, STORE_OPEN_BY_CAMPAIGN, id, why, now_ms, ob, a, release,
                               n_release);
        if (st != OC_OK)
            goto out;
    }
    st = lifecycle_campaign_event(ob, tenant, id, cur, to, reason, now_ms);
    if (st == OC_OK)
        st = campaign_read(c, tenant, id, a, out);
    if (st == OC_OK) {
        st = store_commit(db, c);
        c = NULL;
    }
out:
    PQclear(r);
    store_abort(db, c);
    return st;
}

enum oc_status store_campaign_hold(struct oc_db_conn *c, const char *tenant,
                                   const char *campaign_id, bool *held)
{
    PGresult *r = NULL;
    /* SKIP LOCKED: a transition holding the row is never waited for (it may
     * itself wait for this round's calls); the round simply gives way. */
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT 1 FROM campaigns WHERE tenant_id = $1 AND id = $2"
                                " AND status = 'running' AND archived_at IS NULL"
                                " FOR SHARE SKIP LOCKED",
                                tenant, campaign_id);
    if (st != OC_OK)
        return st;
    *held = PQntuples(r) == 1;
    PQclear(r);
    return OC_OK;
}

enum oc_status store_campaign_rules(struct oc_db_conn *c, const char *tenant,
                                    const char *campaign_id, long default_max_attempts,
                                    struct oc_arena *a, struct campaign_rules *out)
{
    PGresult *r = NULL;
    struct campaign_rules k;
    memset(&k, 0, sizeof(k));
    enum oc_status st =
        oc_db_q(c, &r,
                "SELECT k.assistant_id, k.number_id,"
                " array_to_json(k.extra_number_ids)::text, k.timezone,"
                " k.default_region, k.calling_window::text,"
                " to_char(k.legal_start, 'HH24:MI'), to_char(k.legal_end, 'HH24:MI'),"
                " k.max_concurrent, k.max_per_minute, k.max_concurrent_per_number,"
                " k.max_attempts, k.retry_rules::text, k.status,"
                " k.archived_at IS NOT NULL"
                " FROM campaigns k WHERE k.tenant_id = $1 AND k.id = $2",
                tenant, campaign_id);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    snprintf(k.id, sizeof(k.id), "%s", campaign_id);
    snprintf(k.tenant_id, sizeof(k.tenant_id), "%s", tenant);
    val_copy(k.assistant_id, sizeof(k.assistant_id), r, 0, 0);
    val_copy(k.numbers[0], sizeof(k.numbers[0]), r, 0, 1);
    k.n_numbers = 1;
    char **extra = NULL;
    size_t n_extra = 0;
    st = json_strings(a, val(r, 0, 2), &extra, &n_extra);
    for (size_t i = 0; st == OC_OK && i < n_extra && k.n_numbers < SCHED_MAX_NUMBERS; i++)
        snprintf(k.numbers[k.n_numbers++], SCHED_UUID_LEN, "%s", extra[i]);
    val_copy(k.timezone, sizeof(k.timezone), r, 0, 3);
    val_copy(k.region, sizeof(k.region), r, 0, 4);
    calling_schedule_init(&k.schedule);
    if (st == OC_OK)
        st = campaign_ranges_schedule(val(r, 0, 5), &k.schedule);
    calling_window_parse_hhmm(val(r, 0, 6), &k.schedule.legal_start);
    calling_window_parse_hhmm(val(r, 0, 7), &k.schedule.legal_end);
    k.max_concurrent = val_int(r, 0, 8);
    k.max_per_minute = val_int(r, 0, 9);
    k.max_per_number = val_int(r, 0, 10);
    if (st == OC_OK)
        st = campaign_retry_rules(val(r, 0, 12), val_int(r, 0, 11), default_max_attempts, &k.retry);
    k.state = wire_campaign_state_parse(val(r, 0, 13), val_bool(r, 0, 14));
    PQclear(r);
    if (st != OC_OK)
        return st;

    /* The campaign's own exceptions and the tenant's (campaign_id NULL). */
    st = oc_db_q(c, &r,
                 "SELECT to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD'),"
                 " coalesce(country, '') FROM holidays"
                 " WHERE tenant_id = $1 AND (campaign_id = $2 OR campaign_id IS NULL)"
                 " AND ends_on >= current_date - 2",
                 tenant, campaign_id);
    if (st != OC_OK)
        return st;
    size_t n = (size_t)PQntuples(r);
    struct calling_exception *ex = oc_arena_alloc(a, sizeof(*ex) * (n ? n : 1));
    if (!ex) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (calling_window_parse_date(PQgetvalue(r, (int)i, 0), &ex[m].from_day) != OC_OK ||
            calling_window_parse_date(PQgetvalue(r, (int)i, 1), &ex[m].to_day) != OC_OK)
            continue;
        val_copy(ex[m].country, sizeof(ex[m].country), r, (int)i, 2);
        m++;
    }
    PQclear(r);
    k.schedule.exceptions = ex;
    k.schedule.n_exceptions = m;
    *out = k;
    return OC_OK;
}

/* ================================================================ calls: rows */

#define CALL_COLS                                                                                                                                                               \
    "c.id, c.tenant_id, c.campaign_id, c.lead_id, c.parent_call_id, c.assistant_id, "                                                                                           \
    "c.number_id, c.status, c.kind, c.phone_e164, c.contact_name, c.timezone, c.country, "                                                                                      \
    "c.reason, c.context, c.status_reason, c.dispatch_id, c.reservation_id, c.confidence, "                                                                                     \
    "c.result, c.hangup_cause, c.amd, c.attempt, c.auto_retries, c.dispatch_seq, "                                                                                              \
    "c.status_seq, coalesce(c.duration_s, 0), coalesce(c.sip_code, 0), c.ignore_schedule, " MS(                                                                                 \
        "c"                                                                                                                                                                     \
        "."                                                                                                                                                                     \
        "s"                                                                                                                                                                     \
        "c"                                                                                                                                                                     \
        "h"                                                                                                                                                                     \
        "e"                                                                                                                                                                     \
        "d"                                                                                                                                                                     \
        "u"                                                                                                                                                                     \
        "l"                                                                                                                                                                     \
        "e"                                                                                                                                                                     \
        "d"                                                                                                                                                                     \
        "_"                                                                                                                                                                     \
        "a"                                                                                                                                                                     \
        "t") ", " MS("c.created_at") ", " MS("c.queued_at") ", " MS("c.calling_at") ", " MS("c."                                                                                \
                                                                                            "answ"                                                                              \
                                                                                            "ered"                                                                              \
                                                                                            "_at") ", " MS("c.ended_at") ", " MS("c.updated_at") ","                            \
                                                                                                                                                 " " MS("c.not_after") ", " MS( \
                                                                                                                                                     "c.analyzed_at") ", " US("c.created_at")
#define CALL_NCOLS 39

static void call_from_row(struct oc_arena *a, const PGresult *r, int row, struct call_row *out)
{
    struct call_row c;
    memset(&c, 0, sizeof(c));
    val_copy(c.id, sizeof(c.id), r, row, 0);
    val_copy(c.tenant_id, sizeof(c.tenant_id), r, row, 1);
    val_copy(c.campaign_id, sizeof(c.campaign_id), r, row, 2);
    val_copy(c.lead_id, sizeof(c.lead_id), r, row, 3);
    val_copy(c.parent_id, sizeof(c.parent_id), r, row, 4);
    val_copy(c.assistant_id, sizeof(c.assistant_id), r, row, 5);
    val_copy(c.number_id, sizeof(c.number_id), r, row, 6);
    call_status_parse(val(r, row, 7), &c.status);
    call_kind_parse(val(r, row, 8), &c.kind);
    c.phone = val_dup(a, r, row, 9);
    c.contact_name = val_dup(a, r, row, 10);
    c.timezone = val_dup(a, r, row, 11);
    c.country = val_dup(a, r, row, 12);
    c.reason = val_dup(a, r, row, 13);
    c.context = val_dup(a, r, row, 14);
    c.status_reason = val_dup(a, r, row, 15);
    c.dispatch_id = val_dup(a, r, row, 16);
    c.reservation_id = val_dup(a, r, row, 17);
    c.confidence = wire_confidence_parse(val(r, row, 18));
    c.result = wire_outcome_parse(val(r, row, 19));
    c.hangup_cause = wire_hangup_parse(val(r, row, 20));
    c.amd = wire_amd_parse(val(r, row, 21));
    c.attempt = val_int(r, row, 22);
    c.auto_retries = val_int(r, row, 23);
    c.dispatch_seq = val_int(r, row, 24);
    c.status_seq = val_int(r, row, 25);
    c.duration_s = val_int(r, row, 26);
    c.sip_code = val_int(r, row, 27);
    c.ignore_schedule = val_bool(r, row, 28);
    c.scheduled_ms = val_i64(r, row, 29);
    c.created_ms = val_i64(r, row, 30);
    c.queued_ms = val_i64(r, row, 31);
    c.calling_ms = val_i64(r, row, 32);
    c.answered_ms = val_i64(r, row, 33);
    c.ended_ms = val_i64(r, row, 34);
    c.updated_ms = val_i64(r, row, 35);
    c.not_after_ms = val_i64(r, row, 36);
    c.analyzed_ms = val_i64(r, row, 37);
    *out = c;
}

/* A copy in the arena ("" for NULL): a row's strings may live on its
 * maker's stack (a handler's campaign rules) or in a result set that is
 * cleared before the message is packed. */
static char *dup_or_empty(struct oc_arena *a, const char *s)
{
    return oc_arena_strdup(a, s ? s : "");
}

enum oc_status store_call_pb(const struct call_row *row, struct oc_arena *a, Ocpb__Call **out)
{
    Ocpb__Call *c = oc_arena_alloc(a, sizeof(*c));
    if (!c)
        return OC_ERR_NOMEM;
    ocpb__call__init(c);
    c->id = oc_arena_strdup(a, row->id);
    c->campaign_id = oc_arena_strdup(a, row->campaign_id);
    c->lead_id = oc_arena_strdup(a, row->lead_id);
    c->status = (Ocpb__CallStatus)row->status;
    c->kind = (Ocpb__CallKind)row->kind;
    c->phone_e164 = dup_or_empty(a, row->phone);
    c->contact_name = dup_or_empty(a, row->contact_name);
    c->timezone = dup_or_empty(a, row->timezone);
    c->number_id = oc_arena_strdup(a, row->number_id);
    c->attempt = row->attempt;
    c->parent_call_id = oc_arena_strdup(a, row->parent_id);
    c->reason = dup_or_empty(a, row->reason);
    c->confidence = (Ocpb__Confidence)row->confidence;
    c->result = (Ocpb__Outcome)row->result;
    c->context_summary = dup_or_empty(a, row->context);
    c->scheduled_unix_ms = row->scheduled_ms;
    c->created_unix_ms = row->created_ms;
    c->queued_unix_ms = row->queued_ms;
    c->dialed_unix_ms = row->calling_ms;
    c->answered_unix_ms = row->answered_ms;
    c->ended_unix_ms = row->ended_ms;
    c->duration_s = row->duration_s;
    c->hangup_cause = (Ocpb__HangupCause)row->hangup_cause;
    c->sip_code = row->sip_code;
    c->amd = (Ocpb__AmdResult)row->amd;
    c->dispatch_id = dup_or_empty(a, row->dispatch_id);
    c->updated_unix_ms = row->updated_ms;
    c->status_reason = dup_or_empty(a, row->status_reason);
    if (!c->id || !c->campaign_id || !c->lead_id || !c->number_id || !c->parent_call_id ||
        !c->phone_e164 || !c->contact_name || !c->timezone || !c->reason || !c->context_summary ||
        !c->dispatch_id || !c->status_reason)
        return OC_ERR_NOMEM;
    *out = c;
    return OC_OK;
}

enum oc_status store_call_get(struct oc_db *db, const char *tenant, const char *id, bool transcript,
                              struct oc_arena *a, Ocpb__Call **out)
{
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    Ocpb__Call *call = NULL;
    enum oc_status st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        return st;
    st = oc_db_q(c, &r,
                 "SELECT " CALL_COLS ", c.transcript::text FROM calls c"
                 " WHERE c.tenant_id = $1 AND c.id = $2",
                 tenant, id);
    if (st != OC_OK)
        goto out;
    if (PQntuples(r) != 1) {
        st = OC_ERR_NOT_FOUND;
        goto out;
    }
    struct call_row row;
    call_from_row(a, r, 0, &row);
    st = store_call_pb(&row, a, &call);
    if (st != OC_OK)
        goto out;
    if (transcript && !PQgetisnull(r, 0, CALL_NCOLS)) {
        st = wire_transcript_parse(PQgetvalue(r, 0, CALL_NCOLS), a, &call->transcript,
                                   &call->n_transcript);
        if (st != OC_OK)
            goto out;
    }
    PQclear(r);
    st = oc_db_q(c, &r,
                 "SELECT from_status, to_status, " MS(
                     "created_at") ", detail FROM call_events"
                                   " WHERE tenant_id = $1 AND call_id = $2 ORDER BY seq",
                 tenant, id);
    if (st != OC_OK)
        goto out;
    size_t n = (size_t)PQntuples(r);
    call->transitions = oc_arena_alloc(a, sizeof(*call->transitions) * (n ? n : 1));
    if (!call->transitions) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        Ocpb__CallTransition *t = oc_arena_alloc(a, sizeof(*t));
        if (!t) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        ocpb__call_transition__init(t);
        enum call_status s = CALL_UNSPECIFIED;
        if (val(r, (int)i, 0))
            call_status_parse(val(r, (int)i, 0), &s);
        t->from = (Ocpb__CallStatus)s;
        s = CALL_UNSPECIFIED;
        call_status_parse(val(r, (int)i, 1), &s);
        t->to = (Ocpb__CallStatus)s;
        t->at_unix_ms = val_i64(r, (int)i, 2);
        t->reason = val_str(a, r, (int)i, 3);
        call->transitions[i] = t;
    }
    call->n_transitions = n;
    *out = call;
out:
    PQclear(r);
    store_abort(db, c);
    return st;
}

enum oc_status store_call_dialable(struct oc_db *db, const char *tenant, const char *id,
                                   struct oc_arena *a, struct dialable_call *out)
{
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    struct dialable_call d = {.id = oc_arena_strdup(a, id)};
    if (!d.id)
        return OC_ERR_NOMEM;
    enum oc_status st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        return st;
    /* "due" is the dispatcher's scan condition (store_due_calls), on the
     * same clock, with the slack dialable.h explains. */
    st = oc_db_q(c, &r,
                 "SELECT c.status, c.dispatch_seq, c.status_reason, " DUE_KEY
                 " <= now() + $3::int * interval '1 second',"
                 " coalesce(k.status = 'paused', false) FROM calls c"
                 " LEFT JOIN campaigns k ON k.tenant_id = c.tenant_id AND k.id = c.campaign_id"
                 " WHERE c.tenant_id = $1 AND c.id = $2",
                 tenant, id, fmt(a, DIALABLE_DUE_SLACK_S));
    if (st != OC_OK)
        goto out;
    if (PQntuples(r) != 1) {
        st = OC_ERR_NOT_FOUND;
        goto out;
    }
    st = call_status_parse(val(r, 0, 0), &d.status);
    if (st != OC_OK) {
        st = OC_ERR_INTERNAL;
        goto out;
    }
    d.dispatch_seq = val_int(r, 0, 1);
    d.status_reason = val_dup(a, r, 0, 2);
    d.due = val_bool(r, 0, 3);
    d.campaign_paused = val_bool(r, 0, 4);
    *out = d;
out:
    PQclear(r);
    store_abort(db, c);
    return st;
}

enum oc_status store_call_list(struct oc_db *db, const char *tenant,
                               const Ocpb__ListCallsRequest *f, struct oc_arena *a,
                               Ocpb__Call ***out, size_t *n, char next[WIRE_CURSOR_MAX])
{
    int64_t after_us = 0;
    char after_id[37] = "";
    const char *cursor = f->page ? f->page->cursor : NULL;
    if (cursor && *cursor && wire_cursor_decode(cursor, &after_us, after_id) != OC_OK)
        return OC_ERR_INVALID;
    int limit = page_limit(f->page ? f->page->limit : 0);

    const char *statuses[CALL_STATUS_COUNT], *kinds[5];
    size_t ns = 0, nk = 0;
    for (size_t i = 0; i < f->n_statuses && ns < CALL_STATUS_COUNT; i++)
        if (f->statuses[i] > 0 && f->statuses[i] < CALL_STATUS_COUNT)
            statuses[ns++] = call_status_name((enum call_status)f->statuses[i]);
    for (size_t i = 0; i < f->n_kinds && nk < 5; i++)
        if (f->kinds[i] > 0 && (int)f->kinds[i] <= (int)CALL_KIND_MANUAL_CALL)
            kinds[nk++] = call_kind_name((enum call_kind)f->kinds[i]);
    if ((f->n_statuses && !ns) || (f->n_kinds && !nk))
        return OC_ERR_INVALID;

    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    enum oc_status st = store_begin(db, tenant, &c);
    if (st != OC_OK)
        return st;
    const char *zero = "00000000-0000-0000-0000-000000000000";
    st = index_plans(c);
    if (st != OC_OK)
        goto out;
    st = oc_db_q(c, &r,
                 "SELECT " CALL_COLS " FROM calls c WHERE c.tenant_id = $1"
                 " AND ($2::uuid IS NULL OR c.campaign_id = $2::uuid)"
                 " AND ($3::uuid IS NULL OR c.lead_id = $3::uuid)"
                 " AND ($4::text[] IS NULL OR c.status = ANY($4::text[]))"
                 " AND ($5::text[] IS NULL OR c.kind = ANY($5::text[]))"
                 " AND ($6::bigint = 0 OR c.scheduled_at >= to_timestamp($6::bigint / 1000.0))"
                 " AND ($7::bigint = 0 OR c.scheduled_at < to_timestamp($7::bigint / 1000.0))"
                 " AND ($8::uuid IS NULL OR c.parent_call_id = $8::uuid)"
                 " AND ($9::text IS NULL OR c.phone_e164 = $9)"
                 " AND ($10::bigint = 0 OR (c.created_at, c.id) <"
                 "   (timestamptz 'epoch' + $10::bigint * interval '1 microsecond', $11::uuid))"
                 " ORDER BY c.created_at DESC, c.id DESC LIMIT $12::int",
                 tenant, f->campaign_id && *f->campaign_id ? f->campaign_id : NULL,
                 f->lead_id && *f->lead_id ? f->lead_id : NULL,
                 ns ? word_array(a, statuses, ns) : NULL, nk ? word_array(a, kinds, nk) : NULL,
                 fmt(a, f->scheduled_from_unix_ms), fmt(a, f->scheduled_to_unix_ms),
                 f->parent_call_id && *f->parent_call_id ? f->parent_call_id : NULL,
                 f->phone && *f->phone ? f->phone : NULL, fmt(a, after_us),
                 after_id[0] ? after_id : zero, fmt(a, limit + 1));
    if (st != OC_OK)
        goto out;
    int rows = PQntuples(r);
    int take = rows > limit ? limit : rows;
    Ocpb__Call **v = oc_arena_alloc(a, sizeof(*v) * (size_t)(take ? take : 1));
    if (!v) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < take && st == OC_OK; i++) {
        struct call_row row;
        call_from_row(a, r, i, &row);
        st = store_call_pb(&row, a, &v[i]);
    }
    if (st != OC_OK)
        goto out;
    next[0] = '\0';
    if (rows > limit)
        wire_cursor_encode(val_i64(r, take - 1, CALL_NCOLS - 1), v[take - 1]->id, next);
    *out = v;
    *n = (size_t)take;
out:
    PQclear(r);
    store_abort(db, c);
    return st;
}

enum oc_status store_call_lock(struct oc_db_conn *c, const char *tenant, const char *id,
                               struct oc_arena *a, struct call_row *out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT " CALL_COLS " FROM calls c"
                                " WHERE c.tenant_id = $1 AND c.id = $2 FOR NO KEY UPDATE",
                                tenant, id);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) == 1)
        call_from_row(a, r, 0, out);
    else
        st = OC_ERR_NOT_FOUND;
    PQclear(r);
    return st;
}

enum oc_status store_calls_lock_where(struct oc_db_conn *c, const char *tenant,
                                      enum store_where where, const char *key, size_t limit,
                                      struct oc_arena *a, struct call_row **out, size_t *n)
{
    static const char *const sql[] = {
        [STORE_OPEN_BY_CAMPAIGN] = "SELECT " CALL_COLS " FROM calls c WHERE c.tenant_id = $1"
                                   " AND c.campaign_id = $2 AND c.status IN " OPEN_STATUSES
                                   " ORDER BY c.created_at LIMIT $3::int FOR NO KEY UPDATE",
        [STORE_OPEN_BY_PHONE] = "SELECT " CALL_COLS " FROM calls c WHERE c.tenant_id = $1"
                                " AND c.phone_e164 = $2 AND c.status IN " OPEN_STATUSES
                                " ORDER BY c.created_at LIMIT $3::int FOR NO KEY UPDATE",
        [STORE_OPEN_BY_LEAD] = "SELECT " CALL_COLS " FROM calls c WHERE c.tenant_id = $1"
                               " AND c.lead_id = $2 AND c.status IN " OPEN_STATUSES
                               " ORDER BY c.created_at LIMIT $3::int FOR NO KEY UPDATE",
    };
    PGresult *r = NULL;
    enum oc_status st = index_plans(c);
    if (st != OC_OK)
        return st;
    st = oc_db_q(c, &r, sql[where], tenant, key, fmt(a, (long long)limit));
    if (st != OC_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct call_row *v = oc_arena_alloc(a, sizeof(*v) * (rows ? rows : 1));
    if (!v) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    for (size_t i = 0; i < rows; i++)
        call_from_row(a, r, (int)i, &v[i]);
    PQclear(r);
    *out = v;
    *n = rows;
    return OC_OK;
}

enum oc_status store_calls_save(struct oc_db_conn *c, struct call_row *const *rows, size_t n)
{
    if (n == 0)
        return OC_OK;
    json_t *doc = json_array();
    if (!doc)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct call_row *w = rows[i];
        json_t *o = json_object();
        if (!o) {
            json_decref(doc);
            return OC_ERR_NOMEM;
        }
        json_object_set_new(o, "id", json_string(w->id));
        json_object_set_new(o, "tenant_id", json_string(w->tenant_id));
        json_object_set_new(o, "status", json_string(call_status_name(w->status)));
        json_object_set_new(o, "status_reason", jstr(w->status_reason));
        json_object_set_new(o, "status_seq", json_integer(w->status_seq));
        json_object_set_new(o, "scheduled_ms", jms(w->scheduled_ms));
        json_object_set_new(o, "dispatch_seq", json_integer(w->dispatch_seq));
        json_object_set_new(o, "dispatch_id", jstr(w->dispatch_id));
        json_object_set_new(o, "assistant_id", json_string(w->assistant_id));
        json_object_set_new(o, "number_id", json_string(w->number_id));
        json_object_set_new(o, "queued_ms", jms(w->queued_ms));
        json_object_set_new(o, "calling_ms", jms(w->calling_ms));
        json_object_set_new(o, "answered_ms", jms(w->answered_ms));
        json_object_set_new(o, "ended_ms", jms(w->ended_ms));
        json_object_set_new(o, "duration_s", jint(w->duration_s));
        json_object_set_new(o, "hangup_cause", jstr(wire_hangup_name(w->hangup_cause)));
        json_object_set_new(o, "sip_code", jint(w->sip_code));
        json_object_set_new(o, "amd", jstr(wire_amd_name(w->amd)));
        json_object_set_new(o, "reservation_id", jstr(w->reservation_id));
        json_object_set_new(o, "not_after_ms", jms(w->not_after_ms));
        json_object_set_new(o, "result", jstr(wire_outcome_name(w->result)));
        json_object_set_new(o, "analyzed_ms", jms(w->analyzed_ms));
        json_object_set_new(o, "phone_e164", jstr(w->phone));
        json_object_set_new(o, "contact_name", jstr(w->contact_name));
        json_object_set_new(o, "timezone", jstr(w->timezone));
        json_array_append_new(doc, o);
    }
    enum oc_status st = exec_json(
        c, NULL,
        "UPDATE calls c SET status = x.status, status_reason = x.status_reason,"
        " status_seq = x.status_seq, scheduled_at = to_timestamp(x.scheduled_ms / 1000.0),"
        " dispatch_seq = x.dispatch_seq, dispatch_id = x.dispatch_id,"
        " assistant_id = x.assistant_id, number_id = x.number_id,"
        " queued_at = to_timestamp(x.queued_ms / 1000.0),"
        " calling_at = to_timestamp(x.calling_ms / 1000.0),"
        " answered_at = to_timestamp(x.answered_ms / 1000.0),"
        " ended_at = to_timestamp(x.ended_ms / 1000.0), duration_s = x.duration_s,"
        " hangup_cause = x.hangup_cause, sip_code = x.sip_code, amd = x.amd,"
        " reservation_id = x.reservation_id, not_after = to_timestamp(x.not_after_ms / 1000.0),"
        " result = x.result, analyzed_at = to_timestamp(x.analyzed_ms / 1000.0),"
        " phone_e164 = x.phone_e164, contact_name = x.contact_name,"
        " timezone = coalesce(x.timezone, c.timezone), updated_at = now()"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, status text,"
        " status_reason text, status_seq int, scheduled_ms bigint, dispatch_seq int,"
        " dispatch_id text, assistant_id uuid, number_id uuid, queued_ms bigint,"
        " calling_ms bigint, answered_ms bigint, ended_ms bigint, duration_s int,"
        " hangup_cause text, sip_code int, amd text, reservation_id text, not_after_ms bigint,"
        " result text, analyzed_ms bigint, phone_e164 text, contact_name text, timezone text)"
        " WHERE c.tenant_id = x.tenant_id AND c.id = x.id",
        doc, 0, NULL);
    json_decref(doc);
    return st;
}

enum oc_status store_calls_queued(struct oc_db_conn *c, struct call_row *const *rows, size_t n)
{
    if (n == 0)
        return OC_OK;
    json_t *doc = json_array();
    if (!doc)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct call_row *w = rows[i];
        json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:s?, s:s, s:s, s:I, s:s?, s:I}", "id", w->id,
                              "tenant_id", w->tenant_id, "status_seq", w->status_seq,
                              "dispatch_seq", w->dispatch_seq, "dispatch_id", w->dispatch_id,
                              "assistant_id", w->assistant_id, "number_id", w->number_id,
                              "queued_ms", (json_int_t)w->queued_ms, "reservation_id",
                              w->reservation_id, "not_after_ms", (json_int_t)w->not_after_ms);
        if (!o || json_array_append_new(doc, o) != 0) {
            json_decref(doc);
            return OC_ERR_NOMEM;
        }
    }
    enum oc_status st = exec_json(
        c, NULL,
        "UPDATE calls c SET status = 'queued', status_reason = NULL, status_seq = x.status_seq,"
        " dispatch_seq = x.dispatch_seq, dispatch_id = x.dispatch_id,"
        " assistant_id = x.assistant_id, number_id = x.number_id,"
        " queued_at = to_timestamp(x.queued_ms / 1000.0), reservation_id = x.reservation_id,"
        " not_after = to_timestamp(x.not_after_ms / 1000.0), updated_at = now()"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, status_seq int,"
        " dispatch_seq int, dispatch_id text, assistant_id uuid, number_id uuid, queued_ms bigint,"
        " reservation_id text, not_after_ms bigint)"
        " WHERE c.tenant_id = x.tenant_id AND c.id = x.id",
        doc, 0, NULL);
    json_decref(doc);
    return st;
}

enum oc_status store_calls_insert(struct oc_db_conn *c, struct call_row *const *rows, size_t n,
                                  bool *inserted)
{
    if (n == 0)
        return OC_OK;
    json_t *doc = json_array();
    if (!doc)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct call_row *w = rows[i];
        json_t *o = json_object();
        if (!o) {
            json_decref(doc);
            return OC_ERR_NOMEM;
        }
        inserted[i] = false;
        json_object_set_new(o, "id", json_string(w->id));
        json_object_set_new(o, "tenant_id", json_string(w->tenant_id));
        json_object_set_new(o, "campaign_id", jstr(w->campaign_id));
        json_object_set_new(o, "lead_id", jstr(w->lead_id));
        json_object_set_new(o, "parent_call_id", jstr(w->parent_id));
        json_object_set_new(o, "assistant_id", json_string(w->assistant_id));
        json_object_set_new(o, "number_id", json_string(w->number_id));
        json_object_set_new(o, "status", json_string(call_status_name(w->status)));
        json_object_set_new(o, "kind", json_string(call_kind_name(w->kind)));
        json_object_set_new(o, "phone_e164", jstr(w->phone));
        json_object_set_new(o, "contact_name", jstr(w->contact_name));
        json_object_set_new(o, "timezone", json_string(w->timezone ? w->timezone : "UTC"));
        json_object_set_new(o, "country", jstr(w->country));
        json_object_set_new(o, "reason", jstr(w->reason));
        json_object_set_new(o, "context", jstr(w->context));
        json_object_set_new(o, "status_reason", jstr(w->status_reason));
        json_object_set_new(o, "confidence", jstr(wire_confidence_name(w->confidence)));
        json_object_set_new(o, "attempt", json_integer(w->attempt > 0 ? w->attempt : 1));
        json_object_set_new(o, "auto_retries", json_integer(w->auto_retries));
        json_object_set_new(o, "status_seq", json_integer(w->status_seq));
        json_object_set_new(o, "ignore_schedule", json_boolean(w->ignore_schedule));
        json_object_set_new(o, "scheduled_ms", jms(w->scheduled_ms));
        json_object_set_new(o, "created_ms", json_integer(w->created_ms));
        json_array_append_new(doc, o);
    }
    PGresult *r = NULL;
    enum oc_status st = exec_json(
        c, &r,
        "INSERT INTO calls (id, tenant_id, campaign_id, lead_id, parent_call_id, assistant_id,"
        " number_id, status, kind, phone_e164, contact_name, timezone, country, reason, context,"
        " status_reason, confidence, attempt, auto_retries, status_seq, ignore_schedule,"
        " scheduled_at, created_at, updated_at)"
        " SELECT x.id, x.tenant_id, x.campaign_id, x.lead_id, x.parent_call_id, x.assistant_id,"
        " x.number_id, x.status, x.kind, x.phone_e164, x.contact_name, x.timezone, x.country,"
        " x.reason, x.context, x.status_reason, x.confidence, x.attempt, x.auto_retries,"
        " x.status_seq, x.ignore_schedule, to_timestamp(x.scheduled_ms / 1000.0),"
        " to_timestamp(x.created_ms / 1000.0), now()"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, campaign_id uuid,"
        " lead_id uuid, parent_call_id uuid, assistant_id uuid, number_id uuid, status text,"
        " kind text, phone_e164 text, contact_name text, timezone text, country text,"
        " reason text, context text, status_reason text, confidence text, attempt int,"
        " auto_retries int, status_seq int, ignore_schedule bool, scheduled_ms bigint,"
        " created_ms bigint)"
        " ON CONFLICT DO NOTHING RETURNING id",
        doc, 0, NULL);
    json_decref(doc);
    if (st != OC_OK)
        return st;
    for (int k = 0; k < PQntuples(r); k++)
        for (size_t i = 0; i < n; i++)
            if (!inserted[i] && strcmp(rows[i]->id, PQgetvalue(r, k, 0)) == 0)
                inserted[i] = true;
    PQclear(r);
    return OC_OK;
}

enum oc_status store_call_transcript(struct oc_db_conn *c, const char *tenant, const char *call_id,
                                     const char *json)
{
    return oc_db_q(c, NULL,
                   "UPDATE calls SET transcript = $3::jsonb WHERE tenant_id = $1 AND id = $2",
                   tenant, call_id, json);
}

enum oc_status store_lead_call_count(struct oc_db_conn *c, const char *tenant,
                                     const char *campaign_id, const char *lead_id, int *out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT count(*) FROM calls WHERE tenant_id = $1"
                                " AND campaign_id = $2 AND lead_id = $3",
                                tenant, campaign_id, lead_id);
    if (st != OC_OK)
        return st;
    *out = val_int(r, 0, 0);
    PQclear(r);
    return OC_OK;
}

enum oc_status store_lead_has_open_call(struct oc_db_conn *c, const char *tenant,
                                        const char *campaign_id, const char *lead_id,
                                        const char *except_call_id, bool *out)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT EXISTS (SELECT 1 FROM calls WHERE tenant_id = $1"
                                " AND campaign_id = $2 AND lead_id = $3 AND id <> $4"
                                " AND status IN ('created', 'scheduled', 'queued', 'calling',"
                                " 'in_progress'))",
                                tenant, campaign_id, lead_id, except_call_id);
    if (st != OC_OK)
        return st;
    *out = val_bool(r, 0, 0);
    PQclear(r);
    return OC_OK;
}

enum oc_status store_events_flush(struct oc_db_conn *c, struct outbox *ob)
{
    if (ob->stored >= ob->n)
        return OC_OK;
    json_t *doc = json_array();
    if (!doc)
        return OC_ERR_NOMEM;
    for (size_t i = ob->stored; i < ob->n; i++) {
        const struct call_event *e = &ob->events[i];
        char *b64 = malloc(4 * ((e->len + 2) / 3) + 1);
        json_t *o = json_object();
        if (!b64 || !o) {
            free(b64);
            json_decref(o);
            json_decref(doc);
            return OC_ERR_NOMEM;
        }
        oc_base64_encode(e->payload, e->len, b64);
        json_object_set_new(o, "tenant_id", json_string(e->tenant_id));
        json_object_set_new(o, "call_id", json_string(e->call_id));
        json_object_set_new(o, "from_status",
                            e->from ? json_string(call_status_name(e->from)) : json_null());
        json_object_set_new(o, "to_status", json_string(call_status_name(e->to)));
        json_object_set_new(o, "detail", json_string(e->detail ? e->detail : ""));
        json_object_set_new(o, "at_ms", json_integer(e->at_ms));
        json_object_set_new(o, "seq", json_integer(e->seq));
        json_object_set_new(o, "payload", json_string(b64));
        free(b64);
        json_array_append_new(doc, o);
    }
    /* The transition for the call's history, and its event for publication. */
    enum oc_status st = exec_json(
        c, NULL,
        "WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id uuid,"
        " call_id uuid, from_status text, to_status text, detail text, at_ms bigint, seq int,"
        " payload text)),"
        " e AS (INSERT INTO call_events (tenant_id, call_id, from_status, to_status, detail,"
        " created_at, seq) SELECT tenant_id, call_id, from_status, to_status, detail,"
        " to_timestamp(at_ms / 1000.0), seq FROM x)"
        " INSERT INTO outbox (tenant_id, call_id, seq, payload)"
        " SELECT tenant_id, call_id, seq, decode(payload, 'base64') FROM x",
        doc, 0, NULL);
    json_decref(doc);
    if (st == OC_OK)
        ob->stored = ob->n;
    return st;
}

/* ================================================================ leads */

enum oc_status store_leads_upsert(struct oc_db_conn *c, const char *tenant, const char *campaign_id,
                                  Ocpb__Lead *const *leads, size_t n)
{
    if (n == 0)
        return OC_OK;
    json_t *doc = json_array();
    if (!doc)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const Ocpb__Lead *l = leads[i];
        size_t len = ocpb__lead__get_packed_size(l);
        uint8_t *buf = malloc(len ? len : 1);
        char *b64 = malloc(4 * ((len + 2) / 3) + 1);
        json_t *o = json_object();
        if (!buf || !b64 || !o) {
            free(buf);
            free(b64);
            json_decref(o);
            json_decref(doc);
            return OC_ERR_NOMEM;
        }
        ocpb__lead__pack(l, buf);
        oc_base64_encode(buf, len, b64);
        json_object_set_new(o, "id", json_string(l->id));
        json_object_set_new(o, "name", jstr(l->name));
        json_object_set_new(o, "phone", jstr(l->phone_e164));
        json_object_set_new(o, "timezone", jstr(l->timezone));
        json_object_set_new(o, "region", jstr(l->region));
        json_object_set_new(o, "lead", json_string(b64));
        json_object_set_new(o, "updated_ms", jms(l->updated_unix_ms));
        free(buf);
        free(b64);
        json_array_append_new(doc, o);
    }
    const char *extra[2] = {tenant, campaign_id};
    enum oc_status st = exec_json(
        c, NULL,
        "INSERT INTO leads (id, tenant_id, campaign_id, name, phone_e164, timezone, region, lead,"
        " source_updated_at)"
        " SELECT DISTINCT ON (x.id) x.id, $2::uuid, $3::uuid, x.name, x.phone, x.timezone,"
        " x.region, decode(x.lead, 'base64'), to_timestamp(x.updated_ms / 1000.0)"
        " FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, name text, phone text, timezone text,"
        " region text, lead text, updated_ms bigint)"
        " ON CONFLICT (tenant_id, id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id,"
        " name = EXCLUDED.name, phone_e164 = EXCLUDED.phone_e164, timezone = EXCLUDED.timezone,"
        " region = EXCLUDED.region, lead = EXCLUDED.lead,"
        " source_updated_at = EXCLUDED.source_updated_at, updated_at = now()"
        " WHERE leads.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL"
        " OR EXCLUDED.source_updated_at >= leads.source_updated_at",
        doc, 2, extra);
    json_decref(doc);
    return st;
}

enum oc_status store_lead_get(struct oc_db_conn *c, const char *tenant, const char *lead_id,
                              struct oc_arena *a, Ocpb__Lead **out)
{
    PGresult *r = NULL;
    enum oc_status st =
        oc_db_q(c, &r, "SELECT lead FROM leads WHERE tenant_id = $1 AND id = $2", tenant, lead_id);
    if (st != OC_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    size_t len = 0;
    uint8_t *bytes = val_bytes(a, r, 0, 0, &len);
    PQclear(r);
    if (!bytes)
        return OC_ERR_INTERNAL;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    Ocpb__Lead *l = ocpb__lead__unpack(&alloc, len, bytes);
    if (!l)
        return OC_ERR_INTERNAL;
    *out = l;
    return OC_OK;
}

enum oc_status store_lead_calls_follow(struct oc_db_conn *c, const char *tenant,
                                       const Ocpb__Lead *lead, const char *old_phone)
{
    return oc_db_q(c, NULL,
                   "UPDATE calls SET phone_e164 = coalesce($3, phone_e164),"
                   " timezone = coalesce($4, timezone), contact_name = coalesce($5, contact_name),"
                   " country = coalesce($6, country), updated_at = now()"
                   " WHERE tenant_id = $1 AND lead_id = $2 AND status IN ('created', 'scheduled')"
                   " AND ($7::text IS NULL OR phone_e164 = $7)",
                   tenant, lead->id,
                   lead->phone_e164 && *lead->phone_e164 ? lead->phone_e164 : NULL,
                   lead->timezone && *lead->timezone ? lead->timezone : NULL,
                   lead->name && *lead->name ? lead->name : NULL,
                   lead->region && *lead->region ? lead->region : NULL, old_phone);
}

enum oc_status store_lead_remove(struct oc_db_conn *c, const char *tenant, const char *lead_id,
                                 bool erase)
{
    enum oc_status st =
        oc_db_q(c, NULL, "DELETE FROM leads WHERE tenant_id = $1 AND id = $2", tenant, lead_id);
    if (st != OC_OK || !erase)
        return st;
    /* The history stays (statuses, times, outcomes); who was called and
     * what was said goes. */
    return oc_db_q(c, NULL,
                   "UPDATE calls SET phone_e164 = NULL, contact_name = NULL, context = NULL,"
                   " reason = NULL, transcript = NULL, updated_at = now()"
                   " WHERE tenant_id = $1 AND lead_id = $2",
                   tenant, lead_id);
}

/* ================================================================ dispatch */

enum oc_status store_due_campaigns(struct oc_db *db, struct oc_arena *a,
                                   struct store_due_campaign **out, size_t *n)
{
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    enum oc_status st = store_begin(db, NULL, &c);
    if (st != OC_OK)
        return st;
    st = oc_db_exec(c, &r,
                    "SELECT k.tenant_id, k.id FROM campaigns k"
                    " WHERE k.status = 'running' AND k.archived_at IS NULL AND EXISTS ("
                    "  SELECT 1 FROM calls c WHERE c.tenant_id = k.tenant_id"
                    "  AND c.campaign_id = k.id AND c.status IN ('created', 'scheduled')"
                    "  AND " DUE_KEY " <= now())",
                    0, NULL);
    if (st != OC_OK)
        goto out;
    size_t rows = (size_t)PQntuples(r);
    struct store_due_campaign *v = oc_arena_alloc(a, sizeof(*v) * (rows ? rows : 1));
    if (!v) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < rows; i++) {
        val_copy(v[i].tenant_id, sizeof(v[i].tenant_id), r, (int)i, 0);
        val_copy(v[i].id, sizeof(v[i].id), r, (int)i, 1);
    }
    *out = v;
    *n = rows;
out:
    PQclear(r);
    store_abort(db, c);
    return st;
}

enum oc_status store_dispatch_lock(struct oc_db_conn *c, const char *key, bool *got)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r,
                                "SELECT pg_try_advisory_xact_lock(hashtext('scheduler.dispatch'),"
                                " hashtext($1))",
                                key);
    if (st != OC_OK)
        return st;
    *got = val_bool(r, 0, 0);
    PQclear(r);
    return OC_OK;
}

enum oc_status store_campaign_usage(struct oc_db_conn *c, const char *tenant,
                                    const char *campaign_id, int live_cap, bool rate, int *live,
                                    int *started_last_minute)
{
    PGresult *r = NULL;
    char cap[16];
    snprintf(cap, sizeof(cap), "%d", live_cap);
    /* Counting stops at the cap: a campaign at its limit takes no call anyway. */
    enum oc_status st =
        oc_db_q(c, &r,
                "SELECT count(*) FROM (SELECT 1 FROM calls WHERE tenant_id = $1"
                " AND campaign_id = $2 AND status IN " LIVE_STATUSES " LIMIT $3::int) x",
                tenant, campaign_id, cap);
    if (st != OC_OK)
        return st;
    *live = val_int(r, 0, 0);
    PQclear(r);
    *started_last_minute = 0;
    if (!rate)
        return OC_OK;
    st = oc_db_q(c, &r,
                 "SELECT count(*) FROM calls WHERE tenant_id = $1 AND campaign_id = $2"
                 " AND queued_at >= now() - interval '60 s'",
                 tenant, campaign_id);
    if (st != OC_OK)
        return st;
    *started_last_minute = val_int(r, 0, 0);
    PQclear(r);
    return OC_OK;
}

enum oc_status store_number_usage(struct oc_db_conn *c, const char *tenant,
                                  char (*numbers)[SCHED_UUID_LEN], size_t n, int *live)
{
    char arr[SCHED_MAX_NUMBERS * 38 + 3];
    size_t k = 0;
    arr[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        live[i] = 0;
        k += (size_t)snprintf(arr + k, sizeof(arr) - k, "%s%.36s", i ? "," : "", numbers[i]);
    }
    snprintf(arr + k, sizeof(arr) - k, "}");
    PGresult *r = NULL;
    enum oc_status st =
        oc_db_q(c, &r,
                "SELECT number_id, count(*) FROM calls WHERE tenant_id = $1"
                " AND number_id = ANY($2::uuid[]) AND status IN " LIVE_STATUSES " GROUP BY 1",
                tenant, arr);
    if (st != OC_OK)
        return st;
    for (int row = 0; row < PQntuples(r); row++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(numbers[i], PQgetvalue(r, row, 0)) == 0)
                live[i] = val_int(r, row, 1);
    PQclear(r);
    return OC_OK;
}

/* Due calls sorted by a key (their lead or parent id), for matching rows. */
struct due_key {
    const char *key;
    struct store_due_call *call;
};

static int due_key_cmp(const void *a, const void *b)
{
    return strcmp(((const struct due_key *)a)->key, ((const struct due_key *)b)->key);
}

/* Calls every due call whose key is `key` (keys sorted, several may match). */
static void due_each(struct due_key *keys, size_t n, const char *key,
                     void (*fn)(struct store_due_call *, void *), void *arg)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(keys[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && strcmp(keys[lo].key, key) == 0; lo++)
        fn(keys[lo].call, arg);
}

static void set_lead(struct store_due_call *d, void *lead)
{
    d->lead = lead;
}

struct parent_info {
    int result;
    int64_t started_ms;
};

static void set_parent(struct store_due_call *d, void *arg)
{
    const struct parent_info *p = arg;
    d->parent_result = p->result;
    d->parent_started_ms = p->started_ms;
}

enum oc_status store_due_calls(struct oc_db_conn *c, const char *tenant, const char *campaign_id,
                               int limit, struct oc_arena *a, struct store_due_call **out,
                               size_t *n)
{
    PGresult *r = NULL;
    /* Three plain statements rather than one with joins: without fresh
     * statistics (calls imported a moment ago) the planner may scan every
     * lead of the tenant for every call it joins. */
    enum oc_status st =
        oc_db_q(c, &r,
                "SELECT " CALL_COLS " FROM calls c WHERE c.tenant_id = $1 AND c.campaign_id = $2"
                " AND c.status IN ('created', 'scheduled') AND " DUE_KEY " <= now()"
                " ORDER BY " DUE_KEY ", c.created_at LIMIT $3::int FOR NO KEY UPDATE SKIP LOCKED",
                tenant, campaign_id, fmt(a, limit));
    if (st != OC_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct store_due_call *v = oc_arena_alloc(a, sizeof(*v) * (rows ? rows : 1));
    char **leads = oc_arena_alloc(a, sizeof(*leads) * (rows ? rows : 1));
    char **parents = oc_arena_alloc(a, sizeof(*parents) * (rows ? rows : 1));
    struct due_key *by_lead = oc_arena_alloc(a, sizeof(*by_lead) * (rows ? rows : 1));
    struct due_key *by_parent = oc_arena_alloc(a, sizeof(*by_parent) * (rows ? rows : 1));
    if (!v || !leads || !parents || !by_lead || !by_parent) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    size_t n_leads = 0, n_parents = 0;
    for (size_t i = 0; i < rows; i++) {
        memset(&v[i], 0, sizeof(v[i]));
        call_from_row(a, r, (int)i, &v[i].row);
        if (v[i].row.lead_id[0]) {
            by_lead[n_leads] = (struct due_key){v[i].row.lead_id, &v[i]};
            leads[n_leads++] = v[i].row.lead_id;
        }
        if (v[i].row.parent_id[0]) {
            by_parent[n_parents] = (struct due_key){v[i].row.parent_id, &v[i]};
            parents[n_parents++] = v[i].row.parent_id;
        }
    }
    PQclear(r);
    r = NULL;
    qsort(by_lead, n_leads, sizeof(*by_lead), due_key_cmp);
    qsort(by_parent, n_parents, sizeof(*by_parent), due_key_cmp);

    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    if (n_leads) {
        st = oc_db_q(c, &r,
                     "SELECT id, lead FROM leads WHERE tenant_id = $1 AND id = ANY($2::uuid[])",
                     tenant, uuid_array(a, leads, n_leads));
        if (st != OC_OK)
            return st;
        for (int k = 0; k < PQntuples(r); k++) {
            size_t len = 0;
            uint8_t *bytes = val_bytes(a, r, k, 1, &len);
            Ocpb__Lead *lead = bytes ? ocpb__lead__unpack(&alloc, len, bytes) : NULL;
            if (lead)
                due_each(by_lead, n_leads, PQgetvalue(r, k, 0), set_lead, lead);
        }
        PQclear(r);
        r = NULL;
    }
    if (n_parents) {
        st = oc_db_q(
            c, &r,
            "SELECT id, result, " MS(
                "coalesce(answered_at, calling_at, queued_at)") " FROM calls WHERE tenant_id = $1 "
                                                                "AND id = ANY($2::uuid[])",
            tenant, uuid_array(a, parents, n_parents));
        if (st != OC_OK)
            return st;
        for (int k = 0; k < PQntuples(r); k++) {
            struct parent_info p = {wire_outcome_parse(val(r, k, 1)), val_i64(r, k, 2)};
            due_each(by_parent, n_parents, PQgetvalue(r, k, 0), set_parent, &p);
        }
        PQclear(r);
    }
    *out = v;
    *n = rows;
    return OC_OK;
}

enum oc_status store_stuck_calls(struct oc_db_conn *c, enum store_stuck kind, long older_than_s,
                                 size_t limit, struct oc_arena *a, struct call_row **out, size_t *n)
{
    static const char *const sql[] = {
        [STORE_STUCK_QUEUED] = "SELECT " CALL_COLS " FROM calls c WHERE c.status = 'queued'"
                               " AND c.not_after < now() - make_interval(secs => $1::int)"
                               " ORDER BY c.not_after LIMIT $2::int FOR NO KEY UPDATE SKIP LOCKED",
        [STORE_STUCK_CALLING] =
            "SELECT " CALL_COLS " FROM calls c WHERE c.status = 'calling'"
            " AND c.calling_at < now() - make_interval(secs => $1::int)"
            " ORDER BY c.calling_at LIMIT $2::int FOR NO KEY UPDATE SKIP LOCKED",
        [STORE_STUCK_IN_PROGRESS] = "SELECT " CALL_COLS " FROM calls c"
                                    " WHERE c.status = 'in_progress'"
                                    " AND c.answered_at < now() - make_interval(secs => $1::int)"
                                    " ORDER BY c.answered_at LIMIT $2::int"
                                    " FOR NO KEY UPDATE SKIP LOCKED",
    };
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(c, &r, sql[kind], fmt(a, older_than_s), fmt(a, (long long)limit));
    if (st != OC_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct call_row *v = oc_arena_alloc(a, sizeof(*v) * (rows ? rows : 1));
    if (!v) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    for (size_t i = 0; i < rows; i++)
        call_from_row(a, r, (int)i, &v[i]);
    PQclear(r);
    *out = v;
    *n = rows;
    return OC_OK;
}

enum oc_status store_complete_campaigns(struct oc_db_conn *c, long analysis_wait_s, int64_t now_ms,
                                        struct outbox *ob)
{
    PGresult *r = NULL;
    enum oc_status st = oc_db_q(
        c, &r,
        "UPDATE campaigns k SET status = 'completed', finished_at = now(), updated_at = now()"
        " WHERE k.id IN (SELECT k2.id FROM campaigns k2 WHERE k2.status = 'running'"
        "  AND k2.archived_at IS NULL"
        "  AND EXISTS (SELECT 1 FROM calls c WHERE c.tenant_id = k2.tenant_id"
        "   AND c.campaign_id = k2.id)"
        "  AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.tenant_id = k2.tenant_id"
        "   AND c.campaign_id = k2.id AND c.status IN ('created', 'scheduled', 'queued',"
        "   'calling', 'in_progress'))"
        "  AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.tenant_id = k2.tenant_id"
        "   AND c.campaign_id = k2.id AND c.analyzed_at IS NULL"
        "   AND c.status IN ('completed', 'voicemail', 'failed')"
        "   AND c.ended_at > now() - make_interval(secs => $1::int))"
        "  FOR NO KEY UPDATE OF k2 SKIP LOCKED)"
        " RETURNING k.tenant_id, k.id",
        oc_arena_printf(ob->arena, "%ld", analysis_wait_s));
    if (st != OC_OK)
        return st;
    for (int i = 0; i < PQntuples(r) && st == OC_OK; i++) {
        oc_info("campaign %s completed: every lead is finished", PQgetvalue(r, i, 1));
        st = lifecycle_campaign_event(
            ob, PQgetvalue(r, i, 0), oc_arena_strdup(ob->arena, PQgetvalue(r, i, 1)),
            OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING,
            OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_COMPLETED, "every lead is finished", now_ms);
        /* The outbox holds a few campaign events; the rest complete in the
         * next round (the event only feeds the dashboard). */
        if (st == OC_ERR_INTERNAL)
            st = OC_OK;
    }
    PQclear(r);
    return st;
}

/* ================================================================ outbox */

enum oc_status store_events_published(struct oc_db_conn *c, const struct call_event *ev, size_t n)
{
    if (n == 0)
        return OC_OK;
    json_t *doc = json_array();
    if (!doc)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(doc, json_pack("{s:s, s:s, s:i}", "tenant_id", ev[i].tenant_id,
                                             "call_id", ev[i].call_id, "seq", ev[i].seq));
    enum oc_status st = exec_json(c, NULL,
                                  "DELETE FROM outbox o USING jsonb_to_recordset($1::jsonb)"
                                  " AS x(tenant_id uuid, call_id uuid, seq int)"
                                  " WHERE o.tenant_id = x.tenant_id AND o.call_id = x.call_id"
                                  " AND o.seq = x.seq",
                                  doc, 0, NULL);
    json_decref(doc);
    return st;
}

enum oc_status store_events_next(struct oc_db_conn *c, size_t limit, struct oc_arena *a,
                                 struct call_event **out, size_t *n)
{
    PGresult *r = NULL;
    /* One drain at a time across every copy: the lock is held until this
     * transaction ends, after the events it read were published and deleted. */
    enum oc_status st =
        oc_db_q(c, NULL, "SELECT pg_advisory_xact_lock(hashtext($1))", "scheduler.outbox");
    if (st != OC_OK)
        return st;
    st = oc_db_q(c, &r,
                 "SELECT tenant_id, call_id, seq, payload FROM outbox ORDER BY id LIMIT $1::int",
                 fmt(a, (long long)limit));
    if (st != OC_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct call_event *v = oc_arena_alloc(a, sizeof(*v) * (rows ? rows : 1));
    if (!v) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < rows; i++) {
        struct call_event *e = &v[m];
        memset(e, 0, sizeof(*e));
        val_copy(e->tenant_id, sizeof(e->tenant_id), r, (int)i, 0);
        val_copy(e->call_id, sizeof(e->call_id), r, (int)i, 1);
        e->seq = val_int(r, (int)i, 2);
        e->payload = val_bytes(a, r, (int)i, 3, &e->len);
        if (e->payload)
            m++;
    }
    PQclear(r);
    *out = v;
    *n = m;
    return OC_OK;
}
