/*
 * E-mail extraction (see email_extract.h). Typed addresses are read from
 * the turn's original text around each '@'. Spoken ones are anchored on
 * "arroba" / "at" (or a spoken '@'): the domain is read forwards as labels
 * joined by "punto" / "dot" and must end in a known top-level domain; the
 * local part is read backwards as words, spelled letters, digits and the
 * spoken separators, and stops at the first word that introduces the
 * address ("es", "is", "correo", "email"...). A word followed by its own
 * spelling ("pedro, pe, e, de, erre, o") is kept once.
 */
#include <ctype.h>
#include <string.h>

#include "email_extract.h"
#include "phrase.h"

/* Letter names: the value is the letter. */
static const struct phrase_entry letter_table[] = {
    {"a", PHRASE_ANY, 'a'},
    {"be", PHRASE_ES, 'b'},
    {"ce", PHRASE_ES, 'c'},
    {"de", PHRASE_ES, 'd'},
    {"e", PHRASE_ANY, 'e'},
    {"efe", PHRASE_ES, 'f'},
    {"ge", PHRASE_ES, 'g'},
    {"hache", PHRASE_ES, 'h'},
    {"i", PHRASE_ANY, 'i'},
    {"jota", PHRASE_ES, 'j'},
    {"ka", PHRASE_ES, 'k'},
    {"ele", PHRASE_ES, 'l'},
    {"eme", PHRASE_ES, 'm'},
    {"ene", PHRASE_ES, 'n'},
    {"o", PHRASE_ANY, 'o'},
    {"pe", PHRASE_ES, 'p'},
    {"cu", PHRASE_ES, 'q'},
    {"erre", PHRASE_ES, 'r'},
    {"ere", PHRASE_ES, 'r'},
    {"ese", PHRASE_ES, 's'},
    {"te", PHRASE_ES, 't'},
    {"u", PHRASE_ANY, 'u'},
    {"uve|ve", PHRASE_ES, 'v'},
    {"uve doble", PHRASE_ES, 'w'},
    {"doble uve|ve", PHRASE_ES, 'w'},
    {"equis", PHRASE_ES, 'x'},
    {"i griega", PHRASE_ES, 'y'},
    {"ye", PHRASE_ES, 'y'},
    {"zeta|ceta", PHRASE_ES, 'z'},
    {"b|c|d|f|g|h|j|k|l|m|n|p|q|r|s|t|v|w|x|y|z", PHRASE_EN, 0},
    {"bee", PHRASE_EN, 'b'},
    {"cee|see", PHRASE_EN, 'c'},
    {"dee", PHRASE_EN, 'd'},
    {"ef|eff", PHRASE_EN, 'f'},
    {"gee", PHRASE_EN, 'g'},
    {"aitch", PHRASE_EN, 'h'},
    {"jay", PHRASE_EN, 'j'},
    {"kay", PHRASE_EN, 'k'},
    {"el|ell", PHRASE_EN, 'l'},
    {"em", PHRASE_EN, 'm'},
    {"en", PHRASE_EN, 'n'},
    {"pee", PHRASE_EN, 'p'},
    {"cue|queue", PHRASE_EN, 'q'},
    {"ar", PHRASE_EN, 'r'},
    {"ess", PHRASE_EN, 's'},
    {"tee", PHRASE_EN, 't'},
    {"you", PHRASE_EN, 'u'},
    {"vee", PHRASE_EN, 'v'},
    {"double u|you", PHRASE_EN, 'w'},
    {"ex", PHRASE_EN, 'x'},
    {"why", PHRASE_EN, 'y'},
    {"zee|zed", PHRASE_EN, 'z'},
    /* Spanish speakers spell single letters too */
    {"b|c|d|f|g|h|j|k|l|m|n|p|q|r|s|t|v|w|x|y|z", PHRASE_ES, 0},
};

/* Spoken separators: the value is the character. */
static const struct phrase_entry sep_table[] = {
    {"punto", PHRASE_ES, '.'},       {"dot", PHRASE_EN, '.'},        {"guion bajo", PHRASE_ES, '_'},
    {"barra baja", PHRASE_ES, '_'},  {"underscore", PHRASE_EN, '_'}, {"guion", PHRASE_ES, '-'},
    {"dash|hyphen", PHRASE_EN, '-'},
};

/* Words that introduce an address: reading backwards stops there. */
static const struct phrase_entry stop_table[] = {
    {"es|mi|su|correo|email|mail|emilio|direccion|apunta|apunte|apuntad|toma|a|al|el|la|y|que"
     "|escribe|escriba|escribid|manda|mandame|mandadme|envia|enviame|si|vale|pues|bueno|con|en"
     "|de|por|para|o|seria",
     PHRASE_ES, 1},
    {"is|its|my|his|her|your|email|mail|address|at|to|the|and|send|write|reach|contact|me|us"
     "|yes|yeah|sure|ok|okay|so|well|on|of|for|or|be|would|it|thats|use",
     PHRASE_EN, 1},
};

static const char *const tlds[] = {"com",  "es",  "net", "org", "io",  "co",  "uk", "mx", "edu",
                                   "info", "biz", "eu",  "cat", "gov", "us",  "de", "fr", "it",
                                   "ar",   "cl",  "pe",  "ai",  "app", "dev", "me", "tv", "pt"};

static struct phrase_lazy letters = PHRASE_LAZY(letter_table);
static struct phrase_lazy seps = PHRASE_LAZY(sep_table);
static struct phrase_lazy stops = PHRASE_LAZY(stop_table);

struct buf {
    char s[128];
    size_t n;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n >= sizeof(b->s))
        return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* The letter token i spells (a single-letter word or a letter name), or 0. */
static char letter_at(const struct tokens *tk, size_t i, size_t limit, enum lang lang, size_t *end)
{
    struct phrase_match m;
    if (!phrase_match_at(phrase_lazy_get(&letters), tk, i, limit, lang, &m))
        return 0;
    *end = m.end;
    return m.entry->value ? (char)m.entry->value : tk->v[i].w[0];
}

static char sep_at(const struct tokens *tk, size_t i, size_t limit, enum lang lang, size_t *end)
{
    struct phrase_match m;
    if (tk->v[i].kind == TOKEN_PUNCT &&
        (tk->v[i].w[0] == '.' || tk->v[i].w[0] == '_' || tk->v[i].w[0] == '-')) {
        *end = i + 1;
        return tk->v[i].w[0];
    }
    if (!phrase_match_at(phrase_lazy_get(&seps), tk, i, limit, lang, &m))
        return 0;
    *end = m.end;
    return (char)m.entry->value;
}

static bool is_tld(const struct token *t)
{
    for (size_t i = 0; i < sizeof(tlds) / sizeof(tlds[0]); i++)
        if (tokens_is(t, tlds[i]))
            return true;
    return false;
}

/* Reads the domain forwards from i: labels joined by dots, ending in a TLD. */
static bool read_domain(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                        struct buf *out)
{
    struct buf d = {0};
    bool last_tld = false;
    size_t labels = 0, e;
    while (i < limit) {
        const struct token *t = &tk->v[i];
        if (t->kind != TOKEN_WORD && t->kind != TOKEN_NUM)
            break;
        put(&d, t->w, t->len);
        labels++;
        last_tld = is_tld(t) && labels > 1;
        i++;
        /* "cobo asociados punto es": a label said as words, written together. */
        for (int extra = 0;
             extra < 2 && i + 1 < limit && !last_tld &&
             (tk->v[i].kind == TOKEN_WORD || tk->v[i].kind == TOKEN_NUM) &&
             sep_at(tk, i, limit, lang, &e) == 0 && sep_at(tk, i + 1, limit, lang, &e) == '.';
             extra++) {
            put(&d, tk->v[i].w, tk->v[i].len);
            i++;
        }
        if (i < limit && sep_at(tk, i, limit, lang, &e) == '.' && e < limit &&
            (tk->v[e].kind == TOKEN_WORD || tk->v[e].kind == TOKEN_NUM)) {
            put(&d, ".", 1);
            i = e;
            continue;
        }
        break;
    }
    if (labels < 2 || !last_tld)
        return false;
    *out = d;
    return true;
}

/* One step backwards: what ends at k and where it begins. */
enum piece { P_NONE, P_COMMA, P_SEP, P_LETTER, P_STOP, P_WORD };

static enum piece piece_before(const struct tokens *tk, size_t begin, size_t k, enum lang lang,
                               bool spelled, char *c, size_t *start)
{
    size_t j = k - 1, e;
    const struct token *t = &tk->v[j];
    struct phrase_match m;
    if (tokens_is_punct(t, ','))
        return P_COMMA;
    /* Two-token separators and letters first ("guion bajo", "uve doble"). */
    if (j > begin) {
        if ((*c = sep_at(tk, j - 1, k, lang, &e)) && e == k) {
            *start = j - 1;
            return P_SEP;
        }
        if ((*c = letter_at(tk, j - 1, k, lang, &e)) && e == k && tk->v[j - 1].kind == TOKEN_WORD &&
            !tokens_is(&tk->v[j - 1], tk->v[j].w)) {
            *start = j - 1;
            return P_LETTER;
        }
    }
    *start = j;
    if ((*c = sep_at(tk, j, k, lang, &e)) && e == k)
        return P_SEP;
    char l = letter_at(tk, j, k, lang, &e);
    bool stop = phrase_match_at(phrase_lazy_get(&stops), tk, j, k, lang, &m) && m.end == k;
    /* While spelling, "de" is a letter; otherwise it introduces the address,
     * unless a comma and another letter come before it ("erre, o, arroba"). */
    if (l && e == k && stop && !spelled && j >= begin + 2 && tokens_is_punct(&tk->v[j - 1], ',')) {
        size_t e2;
        if (letter_at(tk, j - 2, j - 1, lang, &e2))
            spelled = true;
    }
    if (l && e == k && (spelled || !stop)) {
        *c = l;
        return P_LETTER;
    }
    if (stop)
        return P_STOP;
    if (t->kind == TOKEN_WORD || t->kind == TOKEN_NUM)
        return P_WORD;
    return P_NONE;
}

/* Reads the local part backwards from just before the anchor at i. */
static bool read_local(const struct tokens *tk, size_t begin, size_t i, enum lang lang,
                       struct buf *out)
{
    /* Collected backwards, reversed at the end. */
    char rev[128];
    size_t n = 0, k = i;
    bool spelled = false, words = false;
    while (k > begin && n < sizeof(rev) - 40) {
        char c = 0;
        size_t start = k - 1;
        enum piece p = piece_before(tk, begin, k, lang, spelled, &c, &start);
        if (p == P_COMMA && (spelled || n == 0)) {
            k = start;
            continue;
        }
        /* "te, alba": an initial spelled before a word, a comma between. */
        if (p == P_COMMA && words && start > begin) {
            char c2;
            size_t s2;
            if (piece_before(tk, begin, start, lang, true, &c2, &s2) == P_LETTER &&
                !phrase_match_at(phrase_lazy_get(&stops), tk, s2, start, lang,
                                 &(struct phrase_match){0})) {
                k = start;
                continue;
            }
        }
        if (p == P_SEP && n > 0) {
            rev[n++] = c;
            k = start;
            continue;
        }
        /* An initial before a surname ("t alba") is part of the address,
         * unless the letter is a word that introduces it ("escriba a compras"). */
        if (p == P_LETTER && words && !spelled && start + 1 == k &&
            !phrase_match_at(phrase_lazy_get(&stops), tk, start, k, lang,
                             &(struct phrase_match){0})) {
            rev[n++] = c;
            spelled = true;
            k = start;
            continue;
        }
        if (p == P_LETTER && !words) {
            rev[n++] = c;
            spelled = true;
            k = start;
            continue;
        }
        if (p == P_WORD && !spelled) {
            const struct token *t = &tk->v[start];
            for (size_t q = t->len; q-- > 0;)
                rev[n++] = t->w[q];
            words = true;
            k = start;
            continue;
        }
        break;
    }
    /* "pedro, pe, e, de, erre, o" needs nothing more: the word before a
     * spelling stopped the reading and the spelling is the address. */
    while (n > 0 && (rev[n - 1] == '.' || rev[n - 1] == '-' || rev[n - 1] == '_'))
        n--;
    if (n == 0)
        return false;
    struct buf b = {0};
    for (size_t q = n; q-- > 0;)
        put(&b, &rev[q], 1);
    *out = b;
    return true;
}

static bool email_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '%';
}

/* A typed address in a turn's original text. */
static bool typed(const char *text, struct buf *out)
{
    const char *at = strchr(text, '@');
    while (at) {
        const char *a = at, *b = at + 1;
        while (a > text && email_char(a[-1]))
            a--;
        while (*b && email_char(*b))
            b++;
        while (b > at + 1 && (b[-1] == '.' || b[-1] == '-'))
            b--;
        const char *dot = memchr(at + 1, '.', (size_t)(b - at - 1));
        if (a < at && dot && dot > at + 1 && dot < b - 1 && (size_t)(b - a) < sizeof(out->s)) {
            struct buf r = {0};
            for (const char *p = a; p < b; p++) {
                char c = (char)tolower((unsigned char)*p);
                put(&r, &c, 1);
            }
            *out = r;
            return true;
        }
        at = strchr(at + 1, '@');
    }
    return false;
}

/* A spoken address in turn t. */
static bool spoken(const struct tokens *tk, size_t t, enum lang lang, struct buf *out)
{
    size_t b = tk->turn_begin[t], e = tk->turn_begin[t + 1];
    bool found = false;
    for (size_t i = b; i < e; i++) {
        const struct token *tok = &tk->v[i];
        bool anchor = tokens_is(tok, "arroba") || tokens_is_punct(tok, '@') ||
                      (lang == LANG_EN && tokens_is(tok, "at"));
        if (!anchor)
            continue;
        struct buf local, domain;
        if (!read_domain(tk, i + 1, e, lang, &domain))
            continue;
        if (!read_local(tk, b, i, lang, &local))
            continue;
        struct buf r = {0};
        put(&r, local.s, local.n);
        put(&r, "@", 1);
        put(&r, domain.s, domain.n);
        *out = r;
        found = true;
    }
    return found;
}

const char *email_extract_find(const struct tokens *tk, enum lang lang, struct oc_arena *arena)
{
    struct buf found = {0};
    bool have = false;
    for (size_t t = 0; t < tk->n_turns && !have; t++) {
        if (tk->turns[t].speaker != SPEAKER_CONTACT)
            continue;
        have = typed(tk->turns[t].text ? tk->turns[t].text : "", &found) ||
               spoken(tk, t, lang, &found);
    }
    for (size_t t = 0; t < tk->n_turns && !have; t++)
        if (tk->turns[t].speaker == SPEAKER_AGENT)
            have = typed(tk->turns[t].text ? tk->turns[t].text : "", &found);
    return have ? oc_arena_strdup(arena, found.s) : NULL;
}
