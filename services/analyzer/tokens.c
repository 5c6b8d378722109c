/*
 * The tokenizer (see tokens.h). It works byte by byte over UTF-8: ASCII
 * letters and the Latin-1 letters Spanish and English speech uses are
 * folded to lower-case ASCII, digits form number tokens, a few punctuation
 * marks are kept because rules read them (sentence ends, the ":" of
 * "15:30", the "@" of an e-mail), and currency and percent signs become the
 * words a speaker would have said, so "50 €" and "cincuenta euros" read the
 * same to the rules that refuse prices.
 */
#include <ctype.h>
#include <string.h>

#include "tokens.h"

uint32_t tokens_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Folds the second byte of a two-byte UTF-8 sequence starting with 0xC3
 * (U+00C0..U+00FF) to its ASCII letter; 0 when it is not a letter. */
static char fold_c3(unsigned char b, bool *upper)
{
    static const char map[64] = "aaaaaaaceeeeiiii"  /* C0-CF: À..Ï */
                                "dnooooo ouuuuyts"  /* D0-DF: Ð..ß (× -> space) */
                                "aaaaaaaceeeeiiii"  /* E0-EF */
                                "dnooooo ouuuuyty"; /* F0-FF (÷ -> space) */
    if (b < 0x80 || b > 0xBF)
        return 0;
    *upper = b < 0xA0;
    char c = map[b - 0x80];
    return c == ' ' ? 0 : c;
}

/*
 * Reads one character at s[*i] (advancing *i) and classifies it:
 * returns a lower-case letter, a digit, a kept punctuation mark, or ' '
 * for anything else. *upper tells whether a letter was a capital; *word
 * is set when the character stands for a whole word (currency signs).
 */
static char next_char(const char *s, size_t len, size_t *i, bool *upper, const char **word)
{
    unsigned char c = (unsigned char)s[*i];
    *upper = false;
    *word = NULL;
    if (c < 0x80) {
        (*i)++;
        if (isalpha(c)) {
            *upper = isupper(c) != 0;
            return (char)tolower(c);
        }
        if (isdigit(c))
            return (char)c;
        switch (c) {
        case '$':
            *word = "dollars";
            return 'W';
        case '%':
            *word = "percent";
            return 'W';
        case '\'':
            return '\'';
        case '.':
        case ',':
        case ';':
        case ':':
        case '?':
        case '!':
        case '-':
        case '/':
        case '+':
        case '@':
        case '(':
        case ')':
        case '_':
        case '#':
            return (char)c;
        default:
            return ' ';
        }
    }
    if (c == 0xC3 && *i + 1 < len) {
        char f = fold_c3((unsigned char)s[*i + 1], upper);
        *i += 2;
        return f ? f : ' ';
    }
    if (c == 0xC2 && *i + 1 < len) {
        unsigned char d = (unsigned char)s[*i + 1];
        *i += 2;
        if (d == 0xBF)
            return '?'; /* ¿ */
        if (d == 0xA1)
            return '!'; /* ¡ */
        if (d == 0xA3) {
            *word = "pounds";
            return 'W';
        }
        return ' ';
    }
    if (c == 0xE2 && *i + 2 < len && (unsigned char)s[*i + 1] == 0x80) {
        unsigned char d = (unsigned char)s[*i + 2];
        *i += 3;
        if (d == 0x98 || d == 0x99)
            return '\''; /* curly apostrophes */
        if (d == 0x93 || d == 0x94)
            return '-'; /* dashes */
        if (d == 0xA6)
            return '.'; /* ellipsis */
        return ' ';
    }
    if (c == 0xE2 && *i + 2 < len && (unsigned char)s[*i + 1] == 0x82 &&
        (unsigned char)s[*i + 2] == 0xAC) {
        *i += 3;
        *word = "euros";
        return 'W';
    }
    /* Any other multi-byte character: skip the whole sequence. */
    (*i)++;
    while (*i < len && ((unsigned char)s[*i] & 0xC0) == 0x80)
        (*i)++;
    return ' ';
}

size_t tokens_fold(const char *src, size_t len, char *dst, size_t cap)
{
    size_t i = 0, o = 0;
    if (cap == 0)
        return 0;
    while (i < len && o + 1 < cap) {
        bool upper;
        const char *word;
        char c = next_char(src, len, &i, &upper, &word);
        if (c == '\'')
            continue;
        if (word) {
            size_t wl = strlen(word);
            if (o + wl + 2 >= cap)
                break;
            dst[o++] = ' ';
            memcpy(dst + o, word, wl);
            o += wl;
            dst[o++] = ' ';
            continue;
        }
        dst[o++] = c;
    }
    dst[o] = '\0';
    return o;
}

bool tokens_is(const struct token *t, const char *w)
{
    return t->kind == TOKEN_WORD && strcmp(t->w, w) == 0;
}

bool tokens_is_punct(const struct token *t, char c)
{
    return t->kind == TOKEN_PUNCT && t->w[0] == c;
}

bool tokens_ends_sentence(const struct token *t)
{
    return t->kind == TOKEN_PUNCT &&
           (t->w[0] == '.' || t->w[0] == '?' || t->w[0] == '!' || t->w[0] == ';');
}

enum speaker tokens_speaker(const struct tokens *tk, size_t i)
{
    return tk->turns[tk->v[i].turn].speaker;
}

/* ------------------------------------------------------------ building */

struct builder {
    struct oc_arena *arena;
    struct tokens *out;
    size_t cap;
    bool sent_start;
};

static enum oc_status push(struct builder *b, enum token_kind kind, const char *w, size_t n,
                           bool cap, unsigned turn, size_t src, size_t src_len)
{
    if (b->out->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 64;
        struct token *v = oc_arena_alloc(b->arena, ncap * sizeof(*v));
        if (!v)
            return OC_ERR_NOMEM;
        if (b->out->n)
            memcpy(v, b->out->v, b->out->n * sizeof(*v));
        b->out->v = v;
        b->cap = ncap;
    }
    char *copy = oc_arena_strndup(b->arena, w, n);
    if (!copy)
        return OC_ERR_NOMEM;
    struct token *t = &b->out->v[b->out->n++];
    t->w = copy;
    t->len = (uint16_t)(n > 0xFFFF ? 0xFFFF : n);
    t->hash = tokens_hash(copy, n);
    t->hash3 = n >= 3 ? tokens_hash(copy, 3) : 0;
    t->kind = (uint8_t)kind;
    t->cap = cap;
    t->sent_start = b->sent_start;
    t->turn = (uint16_t)turn;
    t->src = (uint32_t)src;
    t->src_len = (uint32_t)src_len;
    t->num = 0;
    if (kind == TOKEN_NUM) {
        if (n > 15) {
            t->num = -1;
        } else {
            for (size_t k = 0; k < n; k++)
                t->num = t->num * 10 + (w[k] - '0');
        }
    }
    b->sent_start = kind == TOKEN_PUNCT && tokens_ends_sentence(t);
    return OC_OK;
}

/* Tokenizes one turn's text. */
static enum oc_status build_turn(struct builder *b, const char *s, unsigned turn)
{
    size_t len = strlen(s);
    size_t i = 0;
    char word[128];
    size_t wn = 0, wstart = 0;
    bool wcap = false;
    enum token_kind wkind = TOKEN_WORD;
    enum oc_status st;

    b->sent_start = true;
    while (i <= len) {
        size_t at = i;
        bool upper = false;
        const char *whole = NULL;
        char c = i < len ? next_char(s, len, &i, &upper, &whole) : ' ';
        if (i == at)
            i++; /* the end sentinel */
        bool letter = c >= 'a' && c <= 'z';
        bool digit = c >= '0' && c <= '9';

        /* An apostrophe inside a word is dropped ("don't" -> "dont"). */
        if (c == '\'' && wn > 0 && wkind == TOKEN_WORD)
            continue;
        /* "a.m." and "p.m.": the dots of a one-letter abbreviation vanish. */
        if (c == '.' && wn == 1 && wkind == TOKEN_WORD && (word[0] == 'a' || word[0] == 'p') &&
            i < len && (s[i] == 'm' || s[i] == 'M') &&
            (i + 1 >= len || !isalpha((unsigned char)s[i + 1])))
            continue;
        if (c == '.' && wn == 2 && wkind == TOKEN_WORD && (word[0] == 'a' || word[0] == 'p') &&
            word[1] == 'm' && i - 3 >= 1 && s[i - 3] == '.')
            continue;
        /* A hyphen between letters joins nothing: "twenty-one", "e-mail". */
        if (c == '-' && wn > 0 && wkind == TOKEN_WORD && i < len && isalpha((unsigned char)s[i])) {
            st = push(b, TOKEN_WORD, word, wn, wcap, turn, wstart, at - wstart);
            if (st != OC_OK)
                return st;
            wn = 0;
            continue;
        }
        bool same = wn > 0 && ((letter && wkind == TOKEN_WORD) || (digit && wkind == TOKEN_NUM));
        if (!same && wn > 0) {
            st = push(b, wkind, word, wn, wcap, turn, wstart, at - wstart);
            if (st != OC_OK)
                return st;
            wn = 0;
        }
        if (letter || digit) {
            if (wn == 0) {
                wstart = at;
                wcap = upper;
                wkind = letter ? TOKEN_WORD : TOKEN_NUM;
            }
            if (wn < sizeof(word) - 1)
                word[wn++] = c;
            continue;
        }
        if (whole) {
            st = push(b, TOKEN_WORD, whole, strlen(whole), false, turn, at, i - at);
            if (st != OC_OK)
                return st;
            continue;
        }
        if (c != ' ' && c != '\'') {
            st = push(b, TOKEN_PUNCT, &c, 1, false, turn, at, i - at);
            if (st != OC_OK)
                return st;
        }
    }
    return OC_OK;
}

enum oc_status tokens_build(struct tokens *out, struct oc_arena *arena, const struct turn *turns,
                            size_t n_turns)
{
    struct tokens tk = {0};
    struct builder b = {.arena = arena, .out = &tk};
    tk.turns = turns;
    tk.n_turns = n_turns;
    tk.turn_begin = oc_arena_alloc(arena, (n_turns + 1) * sizeof(size_t));
    if (!tk.turn_begin)
        return OC_ERR_NOMEM;
    for (size_t t = 0; t < n_turns; t++) {
        tk.turn_begin[t] = tk.n;
        enum oc_status st = build_turn(&b, turns[t].text ? turns[t].text : "", (unsigned)t);
        if (st != OC_OK)
            return st;
    }
    tk.turn_begin[n_turns] = tk.n;
    if (!tk.v) {
        tk.v = oc_arena_alloc(arena, sizeof(struct token));
        if (!tk.v)
            return OC_ERR_NOMEM;
    }
    *out = tk;
    return OC_OK;
}

enum oc_status tokens_from_text(struct tokens *out, struct oc_arena *arena, const char *text)
{
    struct turn *t = oc_arena_alloc(arena, sizeof(*t));
    if (!t)
        return OC_ERR_NOMEM;
    t->speaker = SPEAKER_CONTACT;
    t->text = text;
    return tokens_build(out, arena, t, 1);
}
