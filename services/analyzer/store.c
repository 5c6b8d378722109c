/*
 * The analyzer's SQL (see store.h). Instants travel as Unix milliseconds in
 * text parameters and come back the same way; the follow-up window is a
 * tstzrange. One analysis per (tenant, call): a second call.ended for the
 * same call inserts nothing and reads the first analysis back, so the
 * consumer can publish analysis.done again with the same message id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "oc/log.h"
#include "store.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 200

#define MS(col) "coalesce((extract(epoch from " col ") * 1000)::bigint, 0)"

/* The columns every read returns, in the order row_to_analysis reads them. */
#define ANALYSIS_COLUMNS                                                                                                \
    "id, call_id, dispatch_id, coalesce(campaign_id::text, ''), coalesce(lead_id::text, ''),"                           \
    " outcome, follow_up, " MS(                                                                                         \
        "follow_up_at") ", coalesce(confidence, ''), reason,"                                                           \
                        " " MS("lower(follow_up_window)") ", " MS(                                                      \
                            "upper(follow_up_window)") ", grain,"                                                       \
                                                       " time_explicit, retry, " MS(                                    \
                                                           "retry_at") ", retry_reason, "                               \
                                                                       "alt_name, alt_role, "                           \
                                                                       "alt_number,"                                    \
                                                                       " alt_spoken, dnc, "                             \
                                                                       "coalesce(dnc_risk, ''), "                       \
                                                                       "dnc_evidence, "                                 \
                                                                       "coalesce(email, ''),"                           \
                                                                       " " MS(                                          \
                                                                           "meeting_at") ", "                           \
                                                                                         "coalesc"                      \
                                                                                         "e("                           \
                                                                                         "contact"                      \
                                                                                         "_name, "                      \
                                                                                         "''), "                        \
                                                                                         "fields:"                      \
                                                                                         ":text, "                      \
                                                                                         "summary"                      \
                                                                                         ", "                           \
                                                                                         "languag"                      \
                                                                                         "e, "                          \
                                                                                         "mode,"                        \
                                                                                         " coales"                      \
                                                                                         "ce("                          \
                                                                                         "fallbac"                      \
                                                                                         "k_"                           \
                                                                                         "reason,"                      \
                                                                                         " ''), "                       \
                                                                                         "version"                      \
                                                                                         ", " MS("created_at") ", " MS( \
                                                                                             "cal"                      \
                                                                                             "l_"                       \
                                                                                             "sta"                      \
                                                                                             "rte"                      \
                                                                                             "d_"                       \
                                                                                             "at") ","                  \
                                                                                                   " coalesce(timezone, ''), phone_e164, created_at::text"

enum col {
    C_ID,
    C_CALL,
    C_DISPATCH,
    C_CAMPAIGN,
    C_LEAD,
    C_OUTCOME,
    C_FOLLOW_UP,
    C_FOLLOW_UP_AT,
    C_CONFIDENCE,
    C_REASON,
    C_WIN_START,
    C_WIN_END,
    C_GRAIN,
    C_EXPLICIT,
    C_RETRY,
    C_RETRY_AT,
    C_RETRY_REASON,
    C_ALT_NAME,
    C_ALT_ROLE,
    C_ALT_NUMBER,
    C_ALT_SPOKEN,
    C_DNC,
    C_DNC_RISK,
    C_DNC_EVIDENCE,
    C_EMAIL,
    C_MEETING,
    C_CONTACT,
    C_FIELDS,
    C_SUMMARY,
    C_LANGUAGE,
    C_MODE,
    C_FALLBACK,
    C_VERSION,
    C_CREATED,
    C_STARTED,
    C_TIMEZONE,
    C_PHONE,
    C_CURSOR
};

static const char *const outcome_names[] = {
    "",     "meeting_scheduled", "callback", "not_interested", "busy_voicemail", "wrong_number",
    "other"};
static const char *const confidence_names[] = {"", "high", "medium", "low"};
static const char *const risk_names[] = {"", "low", "medium", "high"};

static int index_of(const char *const *names, int n, const char *s)
{
    for (int i = 1; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return 0;
}

bool store_uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* ------------------------------------------------------------ rows */

static char *text(struct oc_arena *a, const PGresult *r, int row, int col)
{
    return oc_arena_strdup(a, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int64_t num(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static bool flag(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* The fields map from its jsonb text. */
static bool read_fields(struct oc_arena *a, const char *json, Ocpb__Analysis *m)
{
    json_t *o = json_loads(json, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return true;
    }
    size_t n = json_object_size(o), i = 0;
    m->fields = oc_arena_alloc(a, (n ? n : 1) * sizeof(*m->fields));
    if (!m->fields) {
        json_decref(o);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (!json_is_string(v))
            continue;
        Ocpb__Analysis__FieldsEntry *e = oc_arena_alloc(a, sizeof(*e));
        if (!e)
            break;
        ocpb__analysis__fields_entry__init(e);
        e->key = oc_arena_strdup(a, key);
        e->value = oc_arena_strdup(a, json_string_value(v));
        m->fields[i++] = e;
    }
    m->n_fields = i;
    json_decref(o);
    return true;
}

/* One row of ANALYSIS_COLUMNS as an Analysis in arena; NULL when out of memory. */
static Ocpb__Analysis *row_to_analysis(struct oc_arena *a, const PGresult *r, int row)
{
    Ocpb__Analysis *m = oc_arena_alloc(a, sizeof(*m));
    Ocpb__FollowUp *fu = oc_arena_alloc(a, sizeof(*fu));
    Ocpb__Retry *re = oc_arena_alloc(a, sizeof(*re));
    Ocpb__DoNotCall *dnc = oc_arena_alloc(a, sizeof(*dnc));
    if (!m || !fu || !re || !dnc)
        return NULL;
    ocpb__analysis__init(m);
    ocpb__follow_up__init(fu);
    ocpb__retry__init(re);
    ocpb__do_not_call__init(dnc);
    m->id = text(a, r, row, C_ID);
    m->call_id = text(a, r, row, C_CALL);
    m->dispatch_id = text(a, r, row, C_DISPATCH);
    m->campaign_id = text(a, r, row, C_CAMPAIGN);
    m->lead_id = text(a, r, row, C_LEAD);
    m->outcome = (Ocpb__Outcome)index_of(outcome_names, 7, PQgetvalue(r, row, C_OUTCOME));
    fu->needed = flag(r, row, C_FOLLOW_UP);
    fu->due_unix_ms = num(r, row, C_FOLLOW_UP_AT);
    fu->confidence =
        (Ocpb__Confidence)index_of(confidence_names, 4, PQgetvalue(r, row, C_CONFIDENCE));
    fu->reason = fu->needed ? text(a, r, row, C_REASON) : "";
    fu->grain = (Ocpb__TimeGrain)num(r, row, C_GRAIN);
    fu->time_explicit = flag(r, row, C_EXPLICIT);
    if (num(r, row, C_WIN_START)) {
        Ocpb__TimeWindow *w = oc_arena_alloc(a, sizeof(*w));
        if (!w)
            return NULL;
        ocpb__time_window__init(w);
        w->start_unix_ms = num(r, row, C_WIN_START);
        w->end_unix_ms = num(r, row, C_WIN_END);
        fu->window = w;
    }
    fu->phone_e164 = fu->needed ? text(a, r, row, C_ALT_NUMBER) : "";
    m->follow_up = fu;
    re->needed = flag(r, row, C_RETRY);
    re->due_unix_ms = num(r, row, C_RETRY_AT);
    re->reason = text(a, r, row, C_RETRY_REASON);
    m->retry = re;
    if (!PQgetisnull(r, row, C_ALT_NUMBER)) {
        Ocpb__AlternativeContact *alt = oc_arena_alloc(a, sizeof(*alt));
        if (!alt)
            return NULL;
        ocpb__alternative_contact__init(alt);
        alt->name = text(a, r, row, C_ALT_NAME);
        alt->role = text(a, r, row, C_ALT_ROLE);
        alt->phone_e164 = text(a, r, row, C_ALT_NUMBER);
        alt->phone_spoken = text(a, r, row, C_ALT_SPOKEN);
        m->alternative = alt;
    }
    dnc->requested = flag(r, row, C_DNC);
    dnc->risk = (Ocpb__DncRisk)index_of(risk_names, 4, PQgetvalue(r, row, C_DNC_RISK));
    dnc->evidence = text(a, r, row, C_DNC_EVIDENCE);
    m->dnc = dnc;
    m->email = text(a, r, row, C_EMAIL);
    m->meeting_unix_ms = num(r, row, C_MEETING);
    m->contact_name = text(a, r, row, C_CONTACT);
    if (!read_fields(a, PQgetvalue(r, row, C_FIELDS), m))
        return NULL;
    m->summary = text(a, r, row, C_SUMMARY);
    m->language = strcmp(PQgetvalue(r, row, C_LANGUAGE), "en") == 0 ? OCPB__LANGUAGE__LANGUAGE_EN
                                                                    : OCPB__LANGUAGE__LANGUAGE_ES;
    m->fallback_reason = text(a, r, row, C_FALLBACK);
    m->mode = strcmp(PQgetvalue(r, row, C_MODE), "llm") == 0
                  ? OCPB__ANALYSIS_MODE__ANALYSIS_MODE_LLM
              : *m->fallback_reason ? OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES_FALLBACK
                                    : OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES;
    m->version = text(a, r, row, C_VERSION);
    m->created_unix_ms = num(r, row, C_CREATED);
    m->call_started_unix_ms = num(r, row, C_STARTED);
    m->timezone = text(a, r, row, C_TIMEZONE);
    return m;
}

/* ------------------------------------------------------------ writing */

/* Unix ms as a text parameter; NULL for 0. */
static const char *ms_param(char *buf, size_t len, int64_t ms)
{
    if (!ms)
        return NULL;
    snprintf(buf, len, "%" PRId64, ms);
    return buf;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static char *fields_json(const Ocpb__Analysis *a)
{
    json_t *o = json_object();
    for (size_t i = 0; i < a->n_fields; i++)
        if (a->fields[i] && a->fields[i]->key && a->fields[i]->value)
            json_object_set_new(o, a->fields[i]->key, json_string(a->fields[i]->value));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static enum oc_status select_one(struct oc_db_conn *c, const char *where, const char *param,
                                 struct oc_arena *arena, Ocpb__Analysis **out, const char **phone)
{
    char sql[2048];
    PGresult *r = NULL;
    snprintf(sql, sizeof(sql), "SELECT " ANALYSIS_COLUMNS " FROM analyses WHERE %s", where);
    enum oc_status s = oc_db_q(c, &r, sql, param);
    if (s != OC_OK)
        return s;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    Ocpb__Analysis *m = row_to_analysis(arena, r, 0);
    if (phone)
        *phone = text(arena, r, 0, C_PHONE);
    PQclear(r);
    if (!m)
        return OC_ERR_NOMEM;
    *out = m;
    return OC_OK;
}

enum oc_status store_save(struct oc_db *db, const char *tenant_id, const Ocpb__Analysis *a,
                          const char *phone_e164, struct oc_arena *arena, Ocpb__Analysis **out,
                          const char **stored_phone, bool *duplicate)
{
    const Ocpb__FollowUp *fu = a->follow_up;
    const Ocpb__Retry *re = a->retry;
    const Ocpb__DoNotCall *dnc = a->dnc;
    const Ocpb__AlternativeContact *alt = a->alternative;
    bool follow = fu && fu->needed, retry = re && re->needed;
    char b_started[24], b_due[24], b_ws[24], b_we[24], b_retry[24], b_meeting[24], b_grain[8];
    int conf = fu ? (int)fu->confidence : 0;
    int risk = dnc && dnc->requested ? (int)dnc->risk : 0;
    if (conf < 0 || conf > 3)
        conf = 0;
    if (risk < 0 || risk > 3)
        risk = 0;
    snprintf(b_grain, sizeof(b_grain), "%d", follow ? (int)fu->grain : 0);
    char *fields = fields_json(a);
    if (!fields)
        return OC_ERR_NOMEM;
    const bool llm = a->mode == OCPB__ANALYSIS_MODE__ANALYSIS_MODE_LLM;
    const char *params[35] = {
        tenant_id,
        a->call_id,
        store_uuid_valid(a->lead_id) ? a->lead_id : NULL,
        store_uuid_valid(a->campaign_id) ? a->campaign_id : NULL,
        a->language == OCPB__LANGUAGE__LANGUAGE_EN ? "en" : "es",
        llm ? "llm" : "rules",
        nonempty(a->fallback_reason),
        outcome_names[a->outcome >= 1 && a->outcome <= 6 ? a->outcome : 6],
        ms_param(b_started, sizeof(b_started), a->call_started_unix_ms),
        nonempty(a->timezone),
        follow ? "true" : "false",
        follow ? ms_param(b_due, sizeof(b_due), fu->due_unix_ms) : NULL,
        follow && fu->window ? ms_param(b_ws, sizeof(b_ws), fu->window->start_unix_ms) : NULL,
        follow && fu->window ? ms_param(b_we, sizeof(b_we), fu->window->end_unix_ms) : NULL,
        conf ? confidence_names[conf] : NULL,
        retry ? "true" : "false",
        retry ? ms_param(b_retry, sizeof(b_retry), re->due_unix_ms) : NULL,
        risk ? "true" : "false",
        risk ? risk_names[risk] : NULL,
        alt ? nonempty(alt->phone_e164) : NULL,
        alt ? nonempty(alt->name) : NULL,
        alt ? nonempty(alt->role) : NULL,
        nonempty(a->contact_name),
        nonempty(a->email),
        ms_param(b_meeting, sizeof(b_meeting), a->meeting_unix_ms),
        follow && fu->reason ? fu->reason : "",
        a->summary ? a->summary : "",
        fields,
        a->dispatch_id ? a->dispatch_id : "",
        phone_e164 ? phone_e164 : "",
        b_grain,
        follow && fu->time_explicit ? "true" : "false",
        retry && re->reason ? re->reason : "",
        dnc && risk ? nonempty(dnc->evidence) : NULL,
        alt ? nonempty(alt->phone_spoken) : NULL,
    };
    static const char *const sql =
        "INSERT INTO analyses (tenant_id, call_id, lead_id, campaign_id, language, mode,"
        " fallback_reason, outcome, call_started_at, timezone, follow_up, follow_up_at,"
        " follow_up_window, confidence, retry, retry_at, dnc, dnc_risk, alt_number, alt_name,"
        " alt_role, contact_name, email, meeting_at, reason, summary, fields, dispatch_id,"
        " phone_e164, grain, time_explicit, retry_reason, dnc_evidence, alt_spoken, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::bigint / 1000.0), $10, $11,"
        " to_timestamp($12::bigint / 1000.0),"
        " CASE WHEN $13::bigint IS NULL THEN NULL"
        "  ELSE tstzrange(to_timestamp($13::bigint / 1000.0), to_timestamp($14::bigint / 1000.0)) "
        "END,"
        " $15, $16, to_timestamp($17::bigint / 1000.0), $18, $19, $20, $21, $22, $23, $24,"
        " to_timestamp($25::bigint / 1000.0), $26, $27, $28::jsonb, $29, $30, $31, $32, $33, $34,"
        " $35, $36)"
        " ON CONFLICT (tenant_id, call_id) DO NOTHING RETURNING id::text";
    const char *all[36];
    memcpy(all, params, sizeof(params));
    all[35] = a->version ? a->version : "";

    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    enum oc_status s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        goto out;
    s = oc_db_begin_tenant(c, tenant_id);
    if (s != OC_OK)
        goto out;
    s = oc_db_exec(c, &r, sql, 36, all);
    if (s != OC_OK)
        goto out;
    bool inserted = PQntuples(r) == 1;
    char id[40] = "";
    if (inserted)
        snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    r = NULL;
    s = inserted ? select_one(c, "id = $1::uuid", id, arena, out, stored_phone)
                 : select_one(c, "call_id = $1::uuid", a->call_id, arena, out, stored_phone);
    if (s != OC_OK)
        goto out;
    s = oc_db_commit(c);
    if (s == OC_OK)
        *duplicate = !inserted;
out:
    PQclear(r);
    free(fields);
    if (c)
        oc_db_release(db, c);
    return s;
}

/* ------------------------------------------------------------ reading */

enum oc_status store_get(struct oc_db *db, const char *tenant_id, const char *call_id,
                         const char *id, struct oc_arena *arena, Ocpb__Analysis **out)
{
    struct oc_db_conn *c = NULL;
    enum oc_status s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, tenant_id);
    if (s == OC_OK) {
        if (id && *id)
            s = select_one(c, "id = $1::uuid", id, arena, out, NULL);
        else
            s = select_one(c, "call_id = $1::uuid", call_id, arena, out, NULL);
    }
    if (s == OC_OK)
        s = oc_db_commit(c);
    oc_db_release(db, c);
    return s;
}

enum oc_status store_list(struct oc_db *db, const char *tenant_id,
                          const Ocpb__ListAnalysesRequest *q, struct oc_arena *arena,
                          struct store_page *out)
{
    int limit = q->page && q->page->limit > 0 ? q->page->limit : PAGE_DEFAULT;
    if (limit > PAGE_MAX)
        limit = PAGE_MAX;
    char limit_s[16], outcomes[64] = "";
    snprintf(limit_s, sizeof(limit_s), "%d", limit + 1);
    /* Outcomes as a text array literal of known names only. */
    size_t on = 0;
    for (size_t i = 0; i < q->n_outcomes; i++) {
        int o = (int)q->outcomes[i];
        if (o < 1 || o > 6)
            continue;
        on += (size_t)snprintf(outcomes + on, sizeof(outcomes) - on, "%s%s", on ? "," : "{",
                               outcome_names[o]);
    }
    if (on)
        snprintf(outcomes + on, sizeof(outcomes) - on, "}");
    /* The cursor is "<created_at text>|<id>" of the last item of the previous page. */
    const char *cursor = q->page && q->page->cursor ? q->page->cursor : "";
    char cur_at[64] = "", cur_id[40] = "";
    const char *bar = strchr(cursor, '|');
    if (*cursor) {
        if (!bar || bar - cursor >= (long)sizeof(cur_at) || !store_uuid_valid(bar + 1))
            return OC_ERR_INVALID;
        snprintf(cur_at, sizeof(cur_at), "%.*s", (int)(bar - cursor), cursor);
        snprintf(cur_id, sizeof(cur_id), "%s", bar + 1);
    }
    const char *params[7] = {
        nonempty(q->campaign_id) && store_uuid_valid(q->campaign_id) ? q->campaign_id : NULL,
        nonempty(q->lead_id) && store_uuid_valid(q->lead_id) ? q->lead_id : NULL,
        on ? outcomes : NULL,
        q->follow_up_only ? "true" : "false",
        *cur_at ? cur_at : NULL,
        *cur_id ? cur_id : NULL,
        limit_s,
    };
    if ((nonempty(q->campaign_id) && !params[0]) || (nonempty(q->lead_id) && !params[1]))
        return OC_ERR_INVALID;
    static const char *const sql =
        "SELECT " ANALYSIS_COLUMNS " FROM analyses"
        " WHERE ($1::uuid IS NULL OR campaign_id = $1::uuid)"
        " AND ($2::uuid IS NULL OR lead_id = $2::uuid)"
        " AND ($3::text[] IS NULL OR outcome = ANY ($3::text[]))"
        " AND (NOT $4::boolean OR follow_up)"
        " AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))"
        " ORDER BY created_at DESC, id DESC LIMIT $7::int";
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    enum oc_status s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, tenant_id);
    if (s == OC_OK)
        s = oc_db_exec(c, &r, sql, 7, params);
    struct store_page page = {.next_cursor = ""};
    if (s == OC_OK) {
        int rows = PQntuples(r);
        int n = rows > limit ? limit : rows;
        page.items = oc_arena_alloc(arena, (size_t)(n ? n : 1) * sizeof(*page.items));
        if (!page.items)
            s = OC_ERR_NOMEM;
        for (int i = 0; s == OC_OK && i < n; i++) {
            page.items[i] = row_to_analysis(arena, r, i);
            if (!page.items[i])
                s = OC_ERR_NOMEM;
            page.n++;
        }
        if (s == OC_OK && rows > limit)
            page.next_cursor = oc_arena_printf(arena, "%s|%s", PQgetvalue(r, n - 1, C_CURSOR),
                                               PQgetvalue(r, n - 1, C_ID));
    }
    PQclear(r);
    if (s == OC_OK)
        s = oc_db_commit(c);
    oc_db_release(db, c);
    if (s == OC_OK)
        *out = page;
    return s;
}

enum oc_status store_erase_lead(struct oc_db *db, const char *tenant_id, const char *lead_id,
                                long *erased)
{
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    enum oc_status s = oc_db_acquire(db, &c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(c, tenant_id);
    if (s == OC_OK)
        s = oc_db_q(c, &r, "DELETE FROM analyses WHERE lead_id = $1::uuid", lead_id);
    long n = s == OC_OK ? strtol(PQcmdTuples(r), NULL, 10) : 0;
    if (s == OC_OK)
        s = oc_db_commit(c);
    if (s == OC_OK)
        *erased = n;
    PQclear(r);
    oc_db_release(db, c);
    return s;
}
