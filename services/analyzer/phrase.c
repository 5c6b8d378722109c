/*
 * Phrase tables (see phrase.h). A compiled set keeps each pattern as a
 * list of elements and an index from the first word to the patterns that
 * start with it: a word of fewer than three letters is indexed by its own
 * hash, a longer word or a stem by the hash of its first three letters, so
 * a token finds its candidates with at most two lookups. Matching is a
 * small backtracking walk (optional elements and gaps), cheap because
 * patterns are short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oc/log.h"
#include "phrase.h"

enum alt_kind { ALT_WORD, ALT_STEM, ALT_NUM, ALT_ANY, ALT_PUNCT };

struct alt {
    enum alt_kind kind;
    char *w; /* folded word, stem or punctuation mark */
    uint16_t len;
    uint32_t hash; /* of w, for ALT_WORD */
};

struct elem {
    bool optional;
    bool gap;
    size_t n_alts;
    struct alt *alts;
};

struct pattern {
    const struct phrase_entry *entry;
    size_t n_elems;
    struct elem *elems;
    bool owner; /* false: a variant sharing another pattern's elements */
};

struct bucket {
    uint32_t key;
    bool used;
    size_t n;
    size_t *pats; /* indexes into patterns */
};

struct phrase_set {
    struct pattern *pats;
    size_t n_pats;
    size_t cap_pats;
    struct bucket *table;
    size_t table_size; /* a power of two */
};

#define GAP_MAX 3

/* ------------------------------------------------------------ compiling */

static void free_pattern(struct pattern *p)
{
    for (size_t e = 0; e < p->n_elems; e++) {
        for (size_t a = 0; a < p->elems[e].n_alts; a++)
            free(p->elems[e].alts[a].w);
        free(p->elems[e].alts);
    }
    free(p->elems);
}

void phrase_set_free(struct phrase_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_pats; i++)
        if (set->pats[i].owner)
            free_pattern(&set->pats[i]);
    free(set->pats);
    for (size_t i = 0; i < set->table_size; i++)
        free(set->table[i].pats);
    free(set->table);
    free(set);
}

/* Parses one alternative ("word", "stem*", "#", "_", ","). */
static enum oc_status parse_alt(const char *s, size_t n, struct alt *out)
{
    char folded[64];
    if (n == 0 || n >= sizeof(folded))
        return OC_ERR_INVALID;
    if (n == 1 && s[0] == '#') {
        out->kind = ALT_NUM;
        return OC_OK;
    }
    if (n == 1 && s[0] == '_') {
        out->kind = ALT_ANY;
        return OC_OK;
    }
    if (n == 1 && strchr(",.?!:;-/+@()", s[0])) {
        out->kind = ALT_PUNCT;
        out->w = strndup(s, 1);
        out->len = 1;
        return out->w ? OC_OK : OC_ERR_NOMEM;
    }
    bool stem = s[n - 1] == '*';
    size_t fl = tokens_fold(s, stem ? n - 1 : n, folded, sizeof(folded));
    for (size_t i = 0; i < fl; i++)
        if (folded[i] < 'a' || folded[i] > 'z')
            return OC_ERR_INVALID;
    if (fl == 0 || (stem && fl < 3))
        return OC_ERR_INVALID;
    out->kind = stem ? ALT_STEM : ALT_WORD;
    out->w = strndup(folded, fl);
    if (!out->w)
        return OC_ERR_NOMEM;
    out->len = (uint16_t)fl;
    out->hash = tokens_hash(folded, fl);
    return OC_OK;
}

/* Parses one element (alternatives separated by '|'). */
static enum oc_status parse_elem(const char *s, size_t n, struct elem *out)
{
    if (n == 2 && s[0] == '.' && s[1] == '.') {
        out->gap = true;
        return OC_OK;
    }
    /* A lone "?" is the question mark; "??" an optional one. */
    if (n > 1 && s[0] == '?') {
        out->optional = true;
        s++;
        n--;
    }
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '|';
    out->alts = calloc(count, sizeof(*out->alts));
    if (!out->alts)
        return OC_ERR_NOMEM;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '|')
            continue;
        enum oc_status st = parse_alt(s + start, i - start, &out->alts[out->n_alts]);
        if (st != OC_OK)
            return st;
        out->n_alts++;
        start = i + 1;
    }
    return OC_OK;
}

static enum oc_status parse_pattern(const struct phrase_entry *e, const char *s,
                                    struct pattern *out)
{
    size_t count = 0;
    for (const char *p = s; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        count++;
        while (*p && *p != ' ')
            p++;
    }
    out->entry = e;
    out->elems = calloc(count ? count : 1, sizeof(*out->elems));
    if (!out->elems)
        return OC_ERR_NOMEM;
    for (const char *p = s; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        enum oc_status st = parse_elem(p, (size_t)(q - p), &out->elems[out->n_elems]);
        out->n_elems++;
        if (st != OC_OK)
            return st;
        p = q;
    }
    if (out->n_elems == 0)
        return OC_ERR_INVALID;
    return OC_OK;
}

/* The index needs a first element of plain words or stems. */
static bool indexable(const struct elem *first)
{
    if (first->gap)
        return false;
    for (size_t a = 0; a < first->n_alts; a++)
        if (first->alts[a].kind != ALT_WORD && first->alts[a].kind != ALT_STEM)
            return false;
    return true;
}

static uint32_t alt_key(const struct alt *a)
{
    if (a->kind == ALT_WORD && a->len < 3)
        return a->hash;
    return tokens_hash(a->w, 3);
}

/*
 * Expands the groups of a pattern ("{you are|youre} all set") into the
 * plain patterns they stand for, calling fn (may be NULL) for each. Returns
 * the number of plain patterns (0 for a malformed group).
 */
static size_t expand(const char *pattern, void (*fn)(const char *plain, void *arg), void *arg)
{
    const char *open = strchr(pattern, '{');
    if (!open) {
        if (fn)
            fn(pattern, arg);
        return 1;
    }
    const char *close = strchr(open, '}');
    if (!close)
        return 0;
    size_t total = 0;
    for (const char *c = open + 1; c <= close;) {
        const char *bar = c;
        while (bar < close && *bar != '|')
            bar++;
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "%.*s%.*s%s", (int)(open - pattern), pattern,
                         (int)(bar - c), c, close + 1);
        if (n < 0 || (size_t)n >= sizeof(buf))
            return 0;
        /* An empty choice leaves two spaces; the parser skips them. */
        size_t k = expand(buf, fn, arg);
        if (k == 0)
            return 0;
        total += k;
        c = bar + 1;
    }
    return total;
}

struct compile_state {
    struct phrase_set *set;
    const struct phrase_entry *entry;
    enum oc_status st;
};

static enum oc_status add_pattern(struct phrase_set *set, const struct phrase_entry *entry,
                                  const char *text);

static void expand_one(const char *plain, void *arg)
{
    struct compile_state *cs = arg;
    if (cs->st == OC_OK)
        cs->st = add_pattern(cs->set, cs->entry, plain);
}

static struct bucket *find_bucket(const struct phrase_set *set, uint32_t key, bool create)
{
    size_t mask = set->table_size - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
        struct bucket *b = &set->table[i];
        if (!b->used) {
            if (!create)
                return NULL;
            b->used = true;
            b->key = key;
            return b;
        }
        if (b->key == key)
            return b;
    }
}

/* Doubles the index when it is half full, so probing stays short and ends. */
static enum oc_status grow_table(struct phrase_set *set)
{
    size_t used = 0;
    for (size_t i = 0; i < set->table_size; i++)
        used += set->table[i].used;
    if (used * 2 < set->table_size)
        return OC_OK;
    struct bucket *old = set->table;
    size_t old_size = set->table_size;
    set->table = calloc(old_size * 2, sizeof(*set->table));
    if (!set->table) {
        set->table = old;
        return OC_ERR_NOMEM;
    }
    set->table_size = old_size * 2;
    for (size_t i = 0; i < old_size; i++) {
        if (!old[i].used)
            continue;
        struct bucket *b = find_bucket(set, old[i].key, true);
        b->n = old[i].n;
        b->pats = old[i].pats;
    }
    free(old);
    return OC_OK;
}

static enum oc_status index_pattern(struct phrase_set *set, size_t pi)
{
    const struct elem *first = &set->pats[pi].elems[0];
    for (size_t a = 0; a < first->n_alts; a++) {
        enum oc_status st = grow_table(set);
        if (st != OC_OK)
            return st;
        struct bucket *b = find_bucket(set, alt_key(&first->alts[a]), true);
        /* Two alternatives with the same key index the pattern once. */
        if (b->n > 0 && b->pats[b->n - 1] == pi)
            continue;
        size_t *v = realloc(b->pats, (b->n + 1) * sizeof(*v));
        if (!v)
            return OC_ERR_NOMEM;
        b->pats = v;
        b->pats[b->n++] = pi;
    }
    return OC_OK;
}

static struct pattern *new_slot(struct phrase_set *set)
{
    if (set->n_pats == set->cap_pats) {
        size_t cap = set->cap_pats ? set->cap_pats * 2 : 64;
        struct pattern *v = realloc(set->pats, cap * sizeof(*v));
        if (!v)
            return NULL;
        set->pats = v;
        set->cap_pats = cap;
    }
    struct pattern *p = &set->pats[set->n_pats++];
    memset(p, 0, sizeof(*p));
    return p;
}

/* Compiles one plain pattern (groups expanded) and indexes it. */
static enum oc_status add_pattern(struct phrase_set *set, const struct phrase_entry *entry,
                                  const char *text)
{
    size_t base = set->n_pats;
    struct pattern *p = new_slot(set);
    if (!p)
        return OC_ERR_NOMEM;
    p->owner = true;
    enum oc_status st = parse_pattern(entry, text, p);
    /* Each leading optional element gives a variant without it. */
    for (size_t skip = 1;
         st == OC_OK && skip < set->pats[base].n_elems && set->pats[base].elems[skip - 1].optional;
         skip++) {
        struct pattern *v = new_slot(set);
        if (!v)
            return OC_ERR_NOMEM;
        const struct pattern *o = &set->pats[base];
        v->entry = o->entry;
        v->elems = o->elems + skip;
        v->n_elems = o->n_elems - skip;
    }
    for (size_t k = base; st == OC_OK && k < set->n_pats; k++) {
        if (!indexable(&set->pats[k].elems[0]))
            st = OC_ERR_INVALID;
        else
            st = index_pattern(set, k);
    }
    return st;
}

enum oc_status phrase_set_compile(struct phrase_set **out, const struct phrase_entry *entries,
                                  size_t n, char *err, size_t errlen)
{
    enum oc_status st = OC_ERR_NOMEM;
    struct phrase_set *set = calloc(1, sizeof(*set));
    if (!set)
        return OC_ERR_NOMEM;
    set->table_size = 64;
    set->table = calloc(set->table_size, sizeof(*set->table));
    if (!set->table)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        struct compile_state cs = {.set = set, .entry = &entries[i], .st = OC_OK};
        if (expand(entries[i].pattern, expand_one, &cs) == 0)
            cs.st = OC_ERR_INVALID;
        st = cs.st;
        if (st != OC_OK) {
            if (err)
                snprintf(err, errlen, "malformed phrase pattern \"%s\"", entries[i].pattern);
            goto fail;
        }
    }
    *out = set;
    return OC_OK;
fail:
    phrase_set_free(set);
    return st;
}

const struct phrase_set *phrase_lazy_get(struct phrase_lazy *lazy)
{
    struct phrase_set *set = atomic_load_explicit(&lazy->set, memory_order_acquire);
    if (set)
        return set;
    pthread_mutex_lock(&lazy->mu);
    set = atomic_load_explicit(&lazy->set, memory_order_relaxed);
    if (!set) {
        char err[256] = "";
        enum oc_status st = phrase_set_compile(&set, lazy->entries, lazy->n, err, sizeof(err));
        if (st != OC_OK) {
            fprintf(stderr, "analyzer: %s\n", err[0] ? err : oc_status_text(st));
            abort();
        }
        atomic_store_explicit(&lazy->set, set, memory_order_release);
    }
    pthread_mutex_unlock(&lazy->mu);
    return set;
}

/* ------------------------------------------------------------ matching */

static bool alt_matches(const struct alt *a, const struct token *t)
{
    switch (a->kind) {
    case ALT_WORD:
        return t->kind == TOKEN_WORD && t->hash == a->hash && t->len == a->len &&
               memcmp(t->w, a->w, a->len) == 0;
    case ALT_STEM:
        return t->kind == TOKEN_WORD && t->len >= a->len && memcmp(t->w, a->w, a->len) == 0;
    case ALT_NUM:
        return t->kind == TOKEN_NUM;
    case ALT_ANY:
        return !tokens_ends_sentence(t);
    case ALT_PUNCT:
        return t->kind == TOKEN_PUNCT && t->w[0] == a->w[0];
    }
    return false;
}

static bool elem_matches(const struct elem *e, const struct token *t)
{
    for (size_t a = 0; a < e->n_alts; a++)
        if (alt_matches(&e->alts[a], t))
            return true;
    return false;
}

/* Matches elements from ei against tokens from ti; *end is one past the last token. */
static bool match_from(const struct pattern *p, size_t ei, const struct tokens *tk, size_t ti,
                       size_t limit, size_t *end)
{
    if (ei == p->n_elems) {
        *end = ti;
        return true;
    }
    const struct elem *e = &p->elems[ei];
    if (e->gap) {
        for (size_t k = 0; k <= GAP_MAX; k++) {
            if (k > 0 && (ti + k - 1 >= limit || tokens_ends_sentence(&tk->v[ti + k - 1])))
                break;
            if (match_from(p, ei + 1, tk, ti + k, limit, end))
                return true;
        }
        return false;
    }
    if (ti < limit && elem_matches(e, &tk->v[ti]) && match_from(p, ei + 1, tk, ti + 1, limit, end))
        return true;
    return e->optional && match_from(p, ei + 1, tk, ti, limit, end);
}

static void try_bucket(const struct phrase_set *set, const struct bucket *b,
                       const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                       struct phrase_match *best, bool *found)
{
    unsigned bit = lang == LANG_ES ? PHRASE_ES : PHRASE_EN;
    for (size_t k = 0; k < b->n; k++) {
        const struct pattern *p = &set->pats[b->pats[k]];
        if (!(p->entry->langs & bit))
            continue;
        size_t end;
        if (!match_from(p, 0, tk, i, limit, &end))
            continue;
        if (!*found || end > best->end || (end == best->end && p->entry < best->entry)) {
            best->begin = i;
            best->end = end;
            best->entry = p->entry;
            *found = true;
        }
    }
}

bool phrase_match_at(const struct phrase_set *set, const struct tokens *tk, size_t i, size_t limit,
                     enum lang lang, struct phrase_match *m)
{
    if (i >= limit)
        return false;
    const struct token *t = &tk->v[i];
    if (t->kind != TOKEN_WORD)
        return false;
    struct phrase_match best = {0};
    bool found = false;
    const struct bucket *b;
    if (t->len < 3) {
        if ((b = find_bucket(set, t->hash, false)))
            try_bucket(set, b, tk, i, limit, lang, &best, &found);
    } else if ((b = find_bucket(set, t->hash3, false))) {
        try_bucket(set, b, tk, i, limit, lang, &best, &found);
    }
    if (found)
        *m = best;
    return found;
}

size_t phrase_find_all(const struct phrase_set *set, const struct tokens *tk, size_t begin,
                       size_t end, enum lang lang, struct phrase_match *out, size_t max)
{
    size_t n = 0;
    for (size_t i = begin; i < end && n < max;) {
        if (phrase_match_at(set, tk, i, end, lang, &out[n])) {
            i = out[n].end > i ? out[n].end : i + 1;
            n++;
        } else {
            i++;
        }
    }
    return n;
}

bool phrase_find(const struct phrase_set *set, const struct tokens *tk, size_t begin, size_t end,
                 enum lang lang, struct phrase_match *m)
{
    struct phrase_match tmp;
    for (size_t i = begin; i < end; i++)
        if (phrase_match_at(set, tk, i, end, lang, &tmp)) {
            if (m)
                *m = tmp;
            return true;
        }
    return false;
}
