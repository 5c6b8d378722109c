/*
 * The assistants service's SQL (see store.h). The structured parts travel
 * as jsonb text written and read by assistant_json.c; numbers as decimal
 * text parameters; instants come back as Unix milliseconds. A row of the
 * assistants table and a row of a version read through the same column
 * list, so one function turns either into an ocpb.Assistant.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistant_json.h"
#include "oc/log.h"

#define MS(col) "(extract(epoch from " col ") * 1000)::bigint"

/* The columns every read returns, in the order assistant_of reads them. */
#define ASSISTANT_COLUMNS                                                                          \
    "a.id, a.name, a.language, a.greeting, a.script::text, a.wizard::text,"                        \
    " a.objections::text, coalesce(a.voice, ''), a.engines::text, a.version,"                      \
    " a.max_duration_s, a.voicemail_message, " MS("a.created_at") ", " MS(                         \
        "a.updated_at") ", a.seq"

/* The same for a version (v) of an assistant (a), then the prompt. */
#define VERSION_COLUMNS                                                                            \
    "v.assistant_id, v.name, v.language, v.greeting, v.script::text, v.wizard::text,"              \
    " v.objections::text, coalesce(v.voice, ''), v.engines::text, v.version,"                      \
    " v.max_duration_s, v.voicemail_message, " MS("a.created_at") ", " MS(                         \
        "v.created_at") ", a.seq, coalesce(v.prompt, '')"

enum col {
    C_ID,
    C_NAME,
    C_LANGUAGE,
    C_GREETING,
    C_SCRIPT,
    C_WIZARD,
    C_OBJECTIONS,
    C_VOICE,
    C_ENGINES,
    C_VERSION,
    C_MAX_DURATION,
    C_VOICEMAIL,
    C_CREATED,
    C_UPDATED,
    C_SEQ,
    C_PROMPT
};

static const char *language_name(Ocpb__Language l)
{
    return l == OCPB__LANGUAGE__LANGUAGE_ES ? "es" : "en";
}

static int64_t num(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static char *text(struct oc_arena *a, const PGresult *r, int row, int col)
{
    return oc_arena_strdup(a, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* One row as an Assistant in the arena. */
static enum oc_status assistant_of(struct oc_arena *a, const PGresult *r, int row,
                                   Ocpb__Assistant **out)
{
    Ocpb__Assistant *x = oc_arena_alloc(a, sizeof(*x));
    if (!x)
        return OC_ERR_NOMEM;
    ocpb__assistant__init(x);
    x->id = text(a, r, row, C_ID);
    x->name = text(a, r, row, C_NAME);
    x->language = strcmp(PQgetvalue(r, row, C_LANGUAGE), "es") == 0 ? OCPB__LANGUAGE__LANGUAGE_ES
                                                                    : OCPB__LANGUAGE__LANGUAGE_EN;
    x->greeting = text(a, r, row, C_GREETING);
    x->voice = text(a, r, row, C_VOICE);
    x->version = (int32_t)num(r, row, C_VERSION);
    x->max_duration_s = (int32_t)num(r, row, C_MAX_DURATION);
    x->voicemail_message = text(a, r, row, C_VOICEMAIL);
    x->created_unix_ms = num(r, row, C_CREATED);
    x->updated_unix_ms = num(r, row, C_UPDATED);
    if (!x->id || !x->name || !x->greeting || !x->voice || !x->voicemail_message)
        return OC_ERR_NOMEM;
    const struct assistant_json j = {
        .script = PQgetvalue(r, row, C_SCRIPT),
        .wizard = PQgetvalue(r, row, C_WIZARD),
        .objections = PQgetvalue(r, row, C_OBJECTIONS),
        .engines = PQgetvalue(r, row, C_ENGINES),
    };
    enum oc_status s = assistant_json_read(a, &j, x);
    if (s == OC_ERR_INVALID) {
        /* Only this service writes the row; a shape it cannot read is a bug. */
        oc_error("assistant %s: stored structure cannot be read", x->id);
        return OC_ERR_INTERNAL;
    }
    if (s != OC_OK)
        return s;
    *out = x;
    return OC_OK;
}

/* The one row r holds as an Assistant: OC_ERR_NOT_FOUND for none. Clears r. */
static enum oc_status one(PGresult *r, struct oc_arena *a, Ocpb__Assistant **out)
{
    enum oc_status s = PQntuples(r) == 1 ? assistant_of(a, r, 0, out) : OC_ERR_NOT_FOUND;
    PQclear(r);
    return s;
}

/* The text parameters of x's content, shared by insert and update. */
struct content {
    struct assistant_json j;
    const char *language;
    char max_duration[16];
};

static enum oc_status content_of(struct oc_arena *a, const Ocpb__Assistant *x, struct content *c)
{
    enum oc_status s = assistant_json_write(a, x, &c->j);
    if (s != OC_OK)
        return s;
    c->language = language_name(x->language);
    snprintf(c->max_duration, sizeof(c->max_duration), "%d", (int)x->max_duration_s);
    return OC_OK;
}

/* ================================================================ assistants */

enum oc_status store_assistant_insert(struct oc_db_conn *c, const char *tenant,
                                      const Ocpb__Assistant *x, const char *key, const char *actor,
                                      struct oc_arena *a, Ocpb__Assistant **out, bool *existed)
{
    struct content ct;
    PGresult *r = NULL;
    enum oc_status s = content_of(a, x, &ct);
    if (s != OC_OK)
        return s;
    s = oc_db_q(c, &r,
                "INSERT INTO assistants AS a (tenant_id, name, language, greeting, script, wizard,"
                " objections, voice, engines, max_duration_s, voicemail_message, created_by,"
                " idempotency_key)"
                " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, NULLIF($8, ''),"
                " $9::jsonb, $10::int, $11, $12::uuid, NULLIF($13, ''))"
                " ON CONFLICT (tenant_id, idempotency_key) DO NOTHING"
                " RETURNING " ASSISTANT_COLUMNS,
                tenant, x->name, ct.language, x->greeting, ct.j.script, ct.j.wizard,
                ct.j.objections, x->voice, ct.j.engines, ct.max_duration, x->voicemail_message,
                actor, key ? key : "");
    if (s != OC_OK)
        return s;
    if (PQntuples(r) == 1) {
        s = one(r, a, out);
        if (s == OC_OK)
            *existed = false;
        return s;
    }
    PQclear(r);
    s = oc_db_q(c, &r,
                "SELECT " ASSISTANT_COLUMNS " FROM assistants a"
                " WHERE a.tenant_id = $1 AND a.idempotency_key = $2",
                tenant, key);
    if (s != OC_OK)
        return s;
    s = one(r, a, out);
    if (s == OC_OK)
        *existed = true;
    return s == OC_ERR_NOT_FOUND ? OC_ERR_INTERNAL : s;
}

enum oc_status store_assistant_get(struct oc_db_conn *c, const char *tenant, const char *id,
                                   bool lock, struct oc_arena *a, Ocpb__Assistant **out)
{
    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               lock ? "SELECT " ASSISTANT_COLUMNS " FROM assistants a"
                                      " WHERE a.tenant_id = $1 AND a.id = $2 FOR UPDATE"
                                    : "SELECT " ASSISTANT_COLUMNS " FROM assistants a"
                                      " WHERE a.tenant_id = $1 AND a.id = $2",
                               tenant, id);
    return s != OC_OK ? s : one(r, a, out);
}

enum oc_status store_assistant_update(struct oc_db_conn *c, const char *tenant,
                                      const Ocpb__Assistant *x, struct oc_arena *a,
                                      Ocpb__Assistant **out)
{
    struct content ct;
    char version[16];
    PGresult *r = NULL;
    enum oc_status s = content_of(a, x, &ct);
    if (s != OC_OK)
        return s;
    snprintf(version, sizeof(version), "%d", (int)x->version);
    s = oc_db_q(c, &r,
                "UPDATE assistants a SET name = $3, language = $4, greeting = $5,"
                " script = $6::jsonb, wizard = $7::jsonb, objections = $8::jsonb,"
                " voice = NULLIF($9, ''), engines = $10::jsonb, max_duration_s = $11::int,"
                " voicemail_message = $12, version = $13::int, updated_at = now()"
                " WHERE a.tenant_id = $1 AND a.id = $2 RETURNING " ASSISTANT_COLUMNS,
                tenant, x->id, x->name, ct.language, x->greeting, ct.j.script, ct.j.wizard,
                ct.j.objections, x->voice, ct.j.engines, ct.max_duration, x->voicemail_message,
                version);
    return s != OC_OK ? s : one(r, a, out);
}

enum oc_status store_assistant_list(struct oc_db_conn *c, const char *tenant, const char *query,
                                    int64_t after_seq, int limit, struct oc_arena *a,
                                    Ocpb__Assistant ***out, size_t *n, int64_t *next_seq)
{
    /* The query is matched literally: its % _ and \ are escaped for ILIKE. */
    size_t qlen = strlen(query);
    char *pattern = oc_arena_alloc(a, 2 * qlen + 3);
    char *after = after_seq ? oc_arena_printf(a, "%" PRId64, after_seq) : NULL;
    char *lim = oc_arena_printf(a, "%d", limit + 1);
    if (!pattern || (after_seq && !after) || !lim)
        return OC_ERR_NOMEM;
    char *p = pattern;
    *p++ = '%';
    for (size_t i = 0; i < qlen; i++) {
        if (query[i] == '%' || query[i] == '_' || query[i] == '\\')
            *p++ = '\\';
        *p++ = query[i];
    }
    *p++ = '%';
    *p = '\0';

    PGresult *r = NULL;
    enum oc_status s = oc_db_q(c, &r,
                               "SELECT " ASSISTANT_COLUMNS " FROM assistants a"
                               " WHERE a.tenant_id = $1 AND a.name ILIKE $2"
                               " AND ($3::bigint IS NULL OR a.seq < $3::bigint)"
                               " ORDER BY a.seq DESC LIMIT $4::int",
                               tenant, pattern, after, lim);
    if (s != OC_OK)
        return s;
    int rows = PQntuples(r);
    int page = rows > limit ? limit : rows;
    Ocpb__Assistant **v = oc_arena_alloc(a, sizeof(*v) * (size_t)(page ? page : 1));
    if (!v) {
        PQclear(r);
        return OC_ERR_NOMEM;
    }
    for (int i = 0; i < page && s == OC_OK; i++)
        s = assistant_of(a, r, i, &v[i]);
    int64_t next = rows > limit ? num(r, page - 1, C_SEQ) : 0;
    PQclear(r);
    if (s != OC_OK)
        return s;
    *out = v;
    *n = (size_t)page;
    *next_seq = next;
    return OC_OK;
}

/* ================================================================ versions */

enum oc_status store_version_insert(struct oc_db_conn *c, const char *tenant,
                                    const Ocpb__Assistant *x, const char *prompt, const char *actor)
{
    struct content ct;
    char version[16];
    struct oc_arena *a = NULL;
    enum oc_status s = oc_arena_new(&a, 4096);
    if (s != OC_OK)
        return s;
    s = content_of(a, x, &ct);
    if (s == OC_OK) {
        snprintf(version, sizeof(version), "%d", (int)x->version);
        s = oc_db_q(c, NULL,
                    "INSERT INTO assistant_versions (tenant_id, assistant_id, version, name,"
                    " language, greeting, script, wizard, objections, voice, engines,"
                    " max_duration_s, voicemail_message, prompt, created_by)"
                    " VALUES ($1, $2, $3::int, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb,"
                    " NULLIF($10, ''), $11::jsonb, $12::int, $13, $14, $15::uuid)",
                    tenant, x->id, version, x->name, ct.language, x->greeting, ct.j.script,
                    ct.j.wizard, ct.j.objections, x->voice, ct.j.engines, ct.max_duration,
                    x->voicemail_message, prompt, actor);
    }
    oc_arena_free(a);
    return s;
}

enum oc_status store_version_get(struct oc_db_conn *c, const char *tenant, const char *id,
                                 int version, struct oc_arena *a, Ocpb__Assistant **out,
                                 char **prompt)
{
    char v[16];
    PGresult *r = NULL;
    snprintf(v, sizeof(v), "%d", version);
    enum oc_status s =
        oc_db_q(c, &r,
                "SELECT " VERSION_COLUMNS " FROM assistant_versions v"
                " JOIN assistants a ON a.tenant_id = v.tenant_id AND a.id = v.assistant_id"
                " WHERE v.tenant_id = $1 AND v.assistant_id = $2"
                " AND v.version = CASE WHEN $3::int = 0 THEN a.version ELSE $3::int END",
                tenant, id, v);
    if (s != OC_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return OC_ERR_NOT_FOUND;
    }
    Ocpb__Assistant *x = NULL;
    char *p = text(a, r, 0, C_PROMPT);
    s = assistant_of(a, r, 0, &x);
    PQclear(r);
    if (s == OC_OK && !p)
        s = OC_ERR_NOMEM;
    if (s != OC_OK)
        return s;
    *out = x;
    *prompt = p;
    return OC_OK;
}
