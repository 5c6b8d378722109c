/*
 * A checker of a service's embedded migrations, shared by the schema tests
 * of every service that owns a schema. It reads the SQL the way a reviewer
 * would and answers, without a database:
 *   - does every tenant table (one with a tenant_id column) end up with row
 *     level security enabled and forced, and the tenant policy that
 *     docs/development.md gives, USING and WITH CHECK
 *     (tenant_id = rls_tenant() OR rls_bypass())?
 *   - do the versions strictly increase from 1?
 *   - does a migration name another service's schema?
 *   - does a migration hold anything that cannot run inside the runner's
 *     transaction (BEGIN, COMMIT, CREATE INDEX CONCURRENTLY, VACUUM, ...)?
 *
 * The SQL is tokenised, not parsed: comments, string literals and
 * dollar-quoted bodies are skipped, unquoted identifiers fold to lower case,
 * and statements split at semicolons. The migrations are replayed in order,
 * so a later DISABLE, NO FORCE, DROP POLICY or ALTER POLICY counts against
 * the table. A table given tenant_id through CREATE TABLE ... (LIKE ...) is
 * not seen; plain column lists are the project's habit.
 *
 * Header-only (static inline) because each service's unit tests are linked
 * into a binary of their own and share no test library.
 */
#ifndef OC_TESTS_RLS_CHECK_H
#define OC_TESTS_RLS_CHECK_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oc/db.h"

/* Postgres truncates identifiers to 63 bytes; so does the checker. */
#define RLS_CHECK_NAME_MAX 64
#define RLS_CHECK_MAX_TABLES 256
#define RLS_CHECK_MAX_POLICIES 512

/* ---------------------------------------------------------------- tokens */

struct rls_check__tok {
    char text[RLS_CHECK_NAME_MAX];
    bool word;   /* identifier or keyword; a literal or punctuation otherwise */
    bool quoted; /* a "quoted identifier": never a keyword */
};

struct rls_check__toks {
    struct rls_check__tok *v;
    size_t n;
    size_t cap;
};

static inline void rls_check__toks_free(struct rls_check__toks *t)
{
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

static inline int rls_check__push(struct rls_check__toks *t, const char *s, size_t len, bool word,
                                  bool quoted)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        struct rls_check__tok *v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    struct rls_check__tok *k = &t->v[t->n++];
    if (len >= sizeof(k->text))
        len = sizeof(k->text) - 1;
    for (size_t i = 0; i < len; i++)
        k->text[i] = (word && !quoted) ? (char)tolower((unsigned char)s[i]) : s[i];
    k->text[len] = '\0';
    k->word = word;
    k->quoted = quoted;
    return 0;
}

static inline bool rls_check__ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Skips a '...' literal starting at *pp (backslash escapes when escapes). */
static inline int rls_check__skip_string(const char **pp, bool escapes)
{
    const char *p = *pp + 1;
    for (;;) {
        if (!*p)
            return -1;
        if (escapes && *p == '\\' && p[1]) {
            p += 2;
        } else if (*p == '\'' && p[1] == '\'') {
            p += 2;
        } else if (*p == '\'') {
            *pp = p + 1;
            return 0;
        } else {
            p++;
        }
    }
}

/*
 * Splits sql into tokens. Literals become one token "'" (a dollar-quoted
 * body "$") so that they keep their place without their content. Returns 0,
 * or -1 on an unterminated comment, literal or identifier, or no memory.
 */
static inline int rls_check__tokenize(const char *sql, struct rls_check__toks *out)
{
    const char *p = sql;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (isspace(c)) {
            p++;
        } else if (c == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (c == '/' && p[1] == '*') {
            /* Postgres nests block comments. */
            int depth = 1;
            p += 2;
            while (*p && depth) {
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (p[0] == '*' && p[1] == '/') {
                    depth--;
                    p += 2;
                } else {
                    p++;
                }
            }
            if (depth)
                return -1;
        } else if (c == '\'') {
            if (rls_check__skip_string(&p, false) != 0 ||
                rls_check__push(out, "'", 1, false, false))
                return -1;
        } else if (c == '"') {
            char buf[RLS_CHECK_NAME_MAX];
            size_t len = 0;
            for (p++;; p++) {
                if (!*p)
                    return -1;
                if (*p == '"' && p[1] != '"')
                    break;
                if (*p == '"')
                    p++;
                if (len < sizeof(buf) - 1)
                    buf[len++] = *p;
            }
            p++;
            if (rls_check__push(out, buf, len, true, true))
                return -1;
        } else if (c == '$' && !isdigit((unsigned char)p[1])) {
            /* $tag$ ... $tag$ (a lone '$' is punctuation). */
            const char *q = p + 1;
            while (isalnum((unsigned char)*q) || *q == '_')
                q++;
            if (*q != '$') {
                if (rls_check__push(out, p, 1, false, false))
                    return -1;
                p++;
                continue;
            }
            size_t taglen = (size_t)(q - p) + 1;
            const char *end = q + 1;
            while (*end && strncmp(end, p, taglen) != 0)
                end++;
            if (!*end)
                return -1;
            p = end + taglen;
            if (rls_check__push(out, "$", 1, false, false))
                return -1;
        } else if (rls_check__ident_char(c) && c != '$') {
            const char *s = p;
            while (rls_check__ident_char((unsigned char)*p))
                p++;
            if (p - s == 1 && (*s == 'e' || *s == 'E') && *p == '\'') {
                /* E'...': an escape string literal. */
                if (rls_check__skip_string(&p, true) != 0 ||
                    rls_check__push(out, "'", 1, false, false))
                    return -1;
            } else if (rls_check__push(out, s, (size_t)(p - s), true, false)) {
                return -1;
            }
        } else {
            if (rls_check__push(out, p, 1, false, false))
                return -1;
            p++;
        }
    }
    return 0;
}

static inline bool rls_check__kw(const struct rls_check__toks *t, size_t i, size_t end,
                                 const char *kw)
{
    return i < end && t->v[i].word && !t->v[i].quoted && strcmp(t->v[i].text, kw) == 0;
}

static inline bool rls_check__punct(const struct rls_check__toks *t, size_t i, size_t end, char ch)
{
    return i < end && !t->v[i].word && t->v[i].text[0] == ch && t->v[i].text[1] == '\0';
}

/* Reads a name, qualified or not, at *i; copies its last part to name. */
static inline bool rls_check__name(const struct rls_check__toks *t, size_t *i, size_t end,
                                   char name[RLS_CHECK_NAME_MAX])
{
    if (*i >= end || !t->v[*i].word)
        return false;
    memcpy(name, t->v[*i].text, RLS_CHECK_NAME_MAX);
    (*i)++;
    while (rls_check__punct(t, *i, end, '.') && *i + 1 < end && t->v[*i + 1].word) {
        memcpy(name, t->v[*i + 1].text, RLS_CHECK_NAME_MAX);
        *i += 2;
    }
    return true;
}

/* The end (exclusive) of the statement that starts at i. */
static inline size_t rls_check__stmt_end(const struct rls_check__toks *t, size_t i)
{
    while (i < t->n && !rls_check__punct(t, i, t->n, ';'))
        i++;
    return i;
}

/* ---------------------------------------------------------------- tables and policies */

struct rls_check__table {
    char name[RLS_CHECK_NAME_MAX];
    bool live;
    bool tenant;
    bool enabled;
    bool forced;
};

struct rls_check__policy {
    char name[RLS_CHECK_NAME_MAX];
    char table[RLS_CHECK_NAME_MAX];
    bool live;
    bool ok; /* permissive, for all commands, the tenant expression in both clauses */
};

struct rls_check__state {
    struct rls_check__table tables[RLS_CHECK_MAX_TABLES];
    size_t n_tables;
    struct rls_check__policy policies[RLS_CHECK_MAX_POLICIES];
    size_t n_policies;
};

static inline struct rls_check__table *rls_check__table(struct rls_check__state *s,
                                                        const char *name)
{
    for (size_t i = s->n_tables; i-- > 0;)
        if (s->tables[i].live && strcmp(s->tables[i].name, name) == 0)
            return &s->tables[i];
    return NULL;
}

static inline struct rls_check__policy *rls_check__policy(struct rls_check__state *s,
                                                          const char *name, const char *table)
{
    for (size_t i = 0; i < s->n_policies; i++) {
        struct rls_check__policy *p = &s->policies[i];
        if (p->live && strcmp(p->name, name) == 0 && strcmp(p->table, table) == 0)
            return p;
    }
    return NULL;
}

/*
 * True when the parenthesised expression at *i is exactly the tenant
 * expression; *i moves past its closing parenthesis either way.
 */
static inline bool rls_check__tenant_expr(const struct rls_check__toks *t, size_t *i, size_t end)
{
    static const char *const want[] = {"(",  "tenant_id",  "=", "rls_tenant", "(", ")",
                                       "or", "rls_bypass", "(", ")",          ")"};
    const size_t n_want = sizeof(want) / sizeof(want[0]);
    size_t start = *i;
    int depth = 0;
    do {
        if (rls_check__punct(t, *i, end, '('))
            depth++;
        else if (rls_check__punct(t, *i, end, ')'))
            depth--;
        (*i)++;
    } while (*i < end && depth > 0);
    if (*i - start != n_want)
        return false;
    for (size_t k = 0; k < n_want; k++)
        if (t->v[start + k].quoted || strcmp(t->v[start + k].text, want[k]) != 0)
            return false;
    return true;
}

/* CREATE [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] TABLE [IF NOT EXISTS] name ( ... ) */
static inline int rls_check__create_table(struct rls_check__state *s,
                                          const struct rls_check__toks *t, size_t i, size_t end)
{
    while (rls_check__kw(t, i, end, "global") || rls_check__kw(t, i, end, "local") ||
           rls_check__kw(t, i, end, "temp") || rls_check__kw(t, i, end, "temporary") ||
           rls_check__kw(t, i, end, "unlogged"))
        i++;
    if (!rls_check__kw(t, i++, end, "table"))
        return 0;
    if (rls_check__kw(t, i, end, "if") && rls_check__kw(t, i + 1, end, "not") &&
        rls_check__kw(t, i + 2, end, "exists"))
        i += 3;
    char name[RLS_CHECK_NAME_MAX];
    if (!rls_check__name(t, &i, end, name) || !rls_check__punct(t, i, end, '('))
        return 0; /* AS SELECT, PARTITION OF, OF type: no column list to read */
    if (s->n_tables == RLS_CHECK_MAX_TABLES)
        return -1;
    struct rls_check__table *tb = &s->tables[s->n_tables++];
    memset(tb, 0, sizeof(*tb));
    memcpy(tb->name, name, sizeof(tb->name));
    tb->live = true;

    /* Each element of the list starts the line after '(' or a top-level ','. */
    int depth = 1;
    bool at_element = true;
    for (i++; i < end && depth > 0; i++) {
        if (rls_check__punct(t, i, end, '(')) {
            depth++;
        } else if (rls_check__punct(t, i, end, ')')) {
            depth--;
        } else if (depth == 1 && rls_check__punct(t, i, end, ',')) {
            at_element = true;
            continue;
        } else if (depth == 1 && at_element && t->v[i].word &&
                   strcmp(t->v[i].text, "tenant_id") == 0) {
            tb->tenant = true;
        }
        at_element = false;
    }
    return 0;
}

/* ALTER TABLE [IF EXISTS] [ONLY] name action [, action ...] */
static inline void rls_check__alter_table(struct rls_check__state *s,
                                          const struct rls_check__toks *t, size_t i, size_t end)
{
    if (!rls_check__kw(t, i++, end, "table"))
        return;
    if (rls_check__kw(t, i, end, "if") && rls_check__kw(t, i + 1, end, "exists"))
        i += 2;
    if (rls_check__kw(t, i, end, "only"))
        i++;
    char name[RLS_CHECK_NAME_MAX];
    if (!rls_check__name(t, &i, end, name))
        return;
    struct rls_check__table *tb = rls_check__table(s, name);
    if (!tb)
        return;
    for (; i < end; i++) {
        bool rls = rls_check__kw(t, i + 1, end, "row") && rls_check__kw(t, i + 2, end, "level") &&
                   rls_check__kw(t, i + 3, end, "security");
        if (rls && rls_check__kw(t, i, end, "enable")) {
            tb->enabled = true;
        } else if (rls && rls_check__kw(t, i, end, "disable")) {
            tb->enabled = false;
        } else if (rls && rls_check__kw(t, i, end, "force")) {
            tb->forced = !(i > 0 && rls_check__kw(t, i - 1, end, "no"));
        } else if (rls_check__kw(t, i, end, "add")) {
            size_t k = i + 1;
            if (rls_check__kw(t, k, end, "column"))
                k++;
            if (rls_check__kw(t, k, end, "if") && rls_check__kw(t, k + 1, end, "not") &&
                rls_check__kw(t, k + 2, end, "exists"))
                k += 3;
            if (k < end && t->v[k].word && strcmp(t->v[k].text, "tenant_id") == 0)
                tb->tenant = true;
        } else if (rls_check__kw(t, i, end, "rename") && rls_check__kw(t, i + 1, end, "to")) {
            size_t k = i + 2;
            char to[RLS_CHECK_NAME_MAX];
            if (!rls_check__name(t, &k, end, to))
                return;
            for (size_t p = 0; p < s->n_policies; p++)
                if (s->policies[p].live && strcmp(s->policies[p].table, tb->name) == 0)
                    memcpy(s->policies[p].table, to, sizeof(to));
            memcpy(tb->name, to, sizeof(to));
            return;
        }
    }
}

/*
 * CREATE POLICY name ON table [AS kind] [FOR cmd] [TO roles] [USING (e)] [WITH CHECK (e)]
 * ALTER POLICY name ON table {RENAME TO new | [TO roles] [USING (e)] [WITH CHECK (e)]}
 */
static inline int rls_check__policy_stmt(struct rls_check__state *s,
                                         const struct rls_check__toks *t, size_t i, size_t end,
                                         bool create)
{
    if (!rls_check__kw(t, i++, end, "policy"))
        return 0;
    if (i >= end || !t->v[i].word)
        return 0;
    char name[RLS_CHECK_NAME_MAX];
    memcpy(name, t->v[i++].text, sizeof(name));
    if (!rls_check__kw(t, i++, end, "on"))
        return 0;
    char table[RLS_CHECK_NAME_MAX];
    if (!rls_check__name(t, &i, end, table))
        return 0;

    struct rls_check__policy *p;
    if (create) {
        if (s->n_policies == RLS_CHECK_MAX_POLICIES)
            return -1;
        p = &s->policies[s->n_policies++];
        memset(p, 0, sizeof(*p));
        memcpy(p->name, name, sizeof(p->name));
        memcpy(p->table, table, sizeof(p->table));
        p->live = true;
    } else {
        p = rls_check__policy(s, name, table);
        if (!p)
            return 0;
        if (rls_check__kw(t, i, end, "rename") && rls_check__kw(t, i + 1, end, "to") &&
            i + 2 < end && t->v[i + 2].word) {
            memcpy(p->name, t->v[i + 2].text, sizeof(p->name));
            return 0;
        }
    }

    /* A new policy needs both clauses right; an altered one keeps its state
     * for the clauses the ALTER leaves alone. */
    bool using_ok = !create, check_ok = !create, cmd_ok = true, seen_using = false,
         seen_check = false;
    while (i < end) {
        if (rls_check__kw(t, i, end, "as") && rls_check__kw(t, i + 1, end, "restrictive")) {
            cmd_ok = false;
            i += 2;
        } else if (rls_check__kw(t, i, end, "for")) {
            cmd_ok = cmd_ok && rls_check__kw(t, i + 1, end, "all");
            i += 2;
        } else if (rls_check__kw(t, i, end, "using") && rls_check__punct(t, i + 1, end, '(')) {
            i++;
            using_ok = rls_check__tenant_expr(t, &i, end);
            seen_using = true;
        } else if (rls_check__kw(t, i, end, "with") && rls_check__kw(t, i + 1, end, "check") &&
                   rls_check__punct(t, i + 2, end, '(')) {
            i += 2;
            check_ok = rls_check__tenant_expr(t, &i, end);
            seen_check = true;
        } else {
            i++;
        }
    }
    if (create)
        p->ok = cmd_ok && using_ok && check_ok;
    else if (seen_using || seen_check)
        p->ok = p->ok && using_ok && check_ok;
    return 0;
}

/* DROP POLICY [IF EXISTS] name ON table;  DROP TABLE [IF EXISTS] a [, b ...] */
static inline void rls_check__drop(struct rls_check__state *s, const struct rls_check__toks *t,
                                   size_t i, size_t end)
{
    bool policy = rls_check__kw(t, i, end, "policy");
    if (!policy && !rls_check__kw(t, i, end, "table"))
        return;
    i++;
    if (rls_check__kw(t, i, end, "if") && rls_check__kw(t, i + 1, end, "exists"))
        i += 2;
    char name[RLS_CHECK_NAME_MAX];
    if (policy) {
        if (i >= end || !t->v[i].word)
            return;
        memcpy(name, t->v[i++].text, sizeof(name));
        char table[RLS_CHECK_NAME_MAX];
        if (!rls_check__kw(t, i++, end, "on") || !rls_check__name(t, &i, end, table))
            return;
        struct rls_check__policy *p = rls_check__policy(s, name, table);
        if (p)
            p->live = false;
        return;
    }
    while (rls_check__name(t, &i, end, name)) {
        struct rls_check__table *tb = rls_check__table(s, name);
        if (tb)
            tb->live = false;
        for (size_t p = 0; p < s->n_policies; p++)
            if (strcmp(s->policies[p].table, name) == 0)
                s->policies[p].live = false;
        if (!rls_check__punct(t, i, end, ','))
            break;
        i++;
    }
}

/* ---------------------------------------------------------------- checks */

/**
 * Replays the migrations and looks for a tenant table that they leave
 * without ENABLE or FORCE ROW LEVEL SECURITY or without the tenant policy.
 * *n_tenant (may be NULL) is set to the number of tenant tables found.
 * Returns 1 and writes the first such table's name to table and what it
 * lacks to why; 0 when every tenant table is protected; -1 when the SQL
 * could not be read (why says which migration).
 */
static inline int rls_check_unprotected(const struct oc_migration *migs, size_t n, size_t *n_tenant,
                                        char table[RLS_CHECK_NAME_MAX], char *why, size_t whylen)
{
    struct rls_check__state *s = calloc(1, sizeof(*s));
    struct rls_check__toks t = {0};
    int result = -1;
    if (!s) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    for (size_t m = 0; m < n; m++) {
        t.n = 0;
        if (!migs[m].sql || rls_check__tokenize(migs[m].sql, &t) != 0) {
            snprintf(why, whylen, "%s: cannot tokenise (unterminated literal or comment?)",
                     migs[m].name ? migs[m].name : "?");
            goto out;
        }
        for (size_t i = 0; i < t.n; i = rls_check__stmt_end(&t, i) + 1) {
            size_t end = rls_check__stmt_end(&t, i);
            bool create = rls_check__kw(&t, i, end, "create");
            bool alter = rls_check__kw(&t, i, end, "alter");
            bool policy = rls_check__kw(&t, i + 1, end, "policy");
            int rc = 0;
            if ((create || alter) && policy)
                rc = rls_check__policy_stmt(s, &t, i + 1, end, create);
            else if (create)
                rc = rls_check__create_table(s, &t, i + 1, end);
            else if (alter)
                rls_check__alter_table(s, &t, i + 1, end);
            else if (rls_check__kw(&t, i, end, "drop"))
                rls_check__drop(s, &t, i + 1, end);
            if (rc != 0) {
                snprintf(why, whylen, "%s: more tables or policies than the checker holds",
                         migs[m].name);
                goto out;
            }
        }
    }

    size_t tenant = 0;
    result = 0;
    for (size_t k = 0; k < s->n_tables; k++) {
        struct rls_check__table *tb = &s->tables[k];
        if (!tb->live || !tb->tenant)
            continue;
        tenant++;
        const char *lack = NULL;
        bool policy = false;
        for (size_t p = 0; p < s->n_policies; p++)
            if (s->policies[p].live && s->policies[p].ok &&
                strcmp(s->policies[p].table, tb->name) == 0)
                policy = true;
        if (!tb->enabled)
            lack = "row level security is not enabled";
        else if (!tb->forced)
            lack = "row level security is not forced";
        else if (!policy)
            lack = "no policy USING and WITH CHECK (tenant_id = rls_tenant() OR rls_bypass())";
        if (lack && result == 0) {
            memcpy(table, tb->name, RLS_CHECK_NAME_MAX);
            snprintf(why, whylen, "%s", lack);
            result = 1;
        }
    }
    if (n_tenant)
        *n_tenant = tenant;
out:
    rls_check__toks_free(&t);
    free(s);
    return result;
}

/**
 * True when there is at least one migration and the versions go 1, then
 * strictly up (gaps allowed). Otherwise false, with the reason in why.
 */
static inline bool rls_check_versions(const struct oc_migration *migs, size_t n, char *why,
                                      size_t whylen)
{
    if (n == 0) {
        snprintf(why, whylen, "no migrations");
        return false;
    }
    if (migs[0].version != 1) {
        snprintf(why, whylen, "%s: the first migration must be version 1, not %d", migs[0].name,
                 migs[0].version);
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (migs[i].version <= migs[i - 1].version) {
            snprintf(why, whylen, "%s (version %d) does not come after %s (version %d)",
                     migs[i].name, migs[i].version, migs[i - 1].name, migs[i - 1].version);
            return false;
        }
    }
    return true;
}

/**
 * Looks for another service's schema named in the migrations: a qualified
 * name (`billing.ledger_entries`) or a SCHEMA clause (`SET SCHEMA billing`).
 * own is the service's schema. Returns 1 with "<migration>: <schema>" in
 * found, 0 when there is none, -1 when the SQL could not be read.
 */
static inline int rls_check_foreign_schema(const struct oc_migration *migs, size_t n,
                                           const char *own, char *found, size_t foundlen)
{
    /* The schemas of docs/development.md. */
    static const char *const schemas[] = {"gateway",   "lead_ingest", "assistants",
                                          "scheduler", "dialer",      "analyzer",
                                          "calendar",  "billing",     "tickets"};
    struct rls_check__toks t = {0};
    int result = 0;
    for (size_t m = 0; m < n && result == 0; m++) {
        t.n = 0;
        if (!migs[m].sql || rls_check__tokenize(migs[m].sql, &t) != 0) {
            snprintf(found, foundlen, "%s: cannot tokenise", migs[m].name ? migs[m].name : "?");
            result = -1;
            break;
        }
        for (size_t i = 0; i < t.n && result == 0; i++) {
            if (!t.v[i].word)
                continue;
            bool qualifier = rls_check__punct(&t, i + 1, t.n, '.');
            bool after_schema = i > 0 && rls_check__kw(&t, i - 1, t.n, "schema");
            if (!qualifier && !after_schema)
                continue;
            for (size_t k = 0; k < sizeof(schemas) / sizeof(schemas[0]); k++) {
                const char *other = schemas[k];
                if (strcmp(other, own) != 0 && strcmp(t.v[i].text, other) == 0) {
                    snprintf(found, foundlen, "%s: %s", migs[m].name, other);
                    result = 1;
                    break;
                }
            }
        }
    }
    rls_check__toks_free(&t);
    return result;
}

/**
 * Looks for what cannot run inside the one transaction the runner wraps
 * each migration in: transaction control (BEGIN, START, COMMIT, END,
 * ROLLBACK, SAVEPOINT, RELEASE, ABORT, PREPARE TRANSACTION), VACUUM,
 * CREATE/DROP DATABASE or TABLESPACE, ALTER SYSTEM, and CONCURRENTLY.
 * Returns 1 with "<migration>: <word>" in found, 0 when there is none, -1
 * when the SQL could not be read.
 */
static inline int rls_check_not_transactional(const struct oc_migration *migs, size_t n,
                                              char *found, size_t foundlen)
{
    static const char *const leading[] = {"begin",     "start",   "commit", "end",   "rollback",
                                          "savepoint", "release", "abort",  "vacuum"};
    struct rls_check__toks t = {0};
    int result = 0;
    for (size_t m = 0; m < n && result == 0; m++) {
        t.n = 0;
        if (!migs[m].sql || rls_check__tokenize(migs[m].sql, &t) != 0) {
            snprintf(found, foundlen, "%s: cannot tokenise", migs[m].name ? migs[m].name : "?");
            result = -1;
            break;
        }
        for (size_t i = 0; i < t.n && result == 0; i = rls_check__stmt_end(&t, i) + 1) {
            size_t end = rls_check__stmt_end(&t, i);
            const char *bad = NULL;
            for (size_t k = 0; k < sizeof(leading) / sizeof(leading[0]); k++)
                if (rls_check__kw(&t, i, end, leading[k]))
                    bad = leading[k];
            if ((rls_check__kw(&t, i, end, "create") || rls_check__kw(&t, i, end, "drop")) &&
                (rls_check__kw(&t, i + 1, end, "database") ||
                 rls_check__kw(&t, i + 1, end, "tablespace")))
                bad = t.v[i + 1].text;
            if (rls_check__kw(&t, i, end, "alter") && rls_check__kw(&t, i + 1, end, "system"))
                bad = "alter system";
            if (rls_check__kw(&t, i, end, "prepare") &&
                rls_check__kw(&t, i + 1, end, "transaction"))
                bad = "prepare transaction";
            for (size_t k = i; k < end && !bad; k++)
                if (rls_check__kw(&t, k, end, "concurrently"))
                    bad = "concurrently";
            if (bad) {
                snprintf(found, foundlen, "%s: %s", migs[m].name, bad);
                result = 1;
            }
        }
    }
    rls_check__toks_free(&t);
    return result;
}

#endif
