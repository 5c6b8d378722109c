/*
 * The tokenizer every rule reads through: a transcript's turns become one
 * array of tokens, lower-cased, with Spanish accents folded away
 * ("Mañana" -> "manana", "llaméis" -> "llameis") and apostrophes dropped
 * ("don't" -> "dont"), so rules match what speech-to-text engines write
 * with or without accents. Each token remembers its turn, its place in the
 * turn's text and whether it was capitalised (names). No I/O.
 */
#ifndef ANALYZER_TOKENS_H
#define ANALYZER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/status.h"
#include "transcript.h"

enum token_kind { TOKEN_WORD = 0, TOKEN_NUM, TOKEN_PUNCT };

struct token {
    const char *w;  /* folded text, NUL-terminated; PUNCT: the one character */
    uint32_t hash;  /* tokens_hash(w) */
    uint32_t hash3; /* tokens_hash of the first three characters; 0 when shorter */
    uint16_t len;
    uint8_t kind;     /* enum token_kind */
    bool cap;         /* began with a capital letter in the source */
    bool sent_start;  /* first token of a sentence or of a turn */
    uint16_t turn;    /* index into the turns */
    uint32_t src;     /* byte offset in its turn's text */
    uint32_t src_len; /* bytes in its turn's text */
    int64_t num;      /* TOKEN_NUM: the value (digit strings over 15 digits: -1) */
};

struct tokens {
    struct token *v;
    size_t n;
    size_t *turn_begin; /* n_turns + 1 entries: turn t is [turn_begin[t], turn_begin[t + 1]) */
    size_t n_turns;
    const struct turn *turns; /* borrowed */
};

/**
 * Tokenizes every turn into out. Everything lives in arena; the turns are
 * borrowed and must outlive out.
 */
enum oc_status tokens_build(struct tokens *out, struct oc_arena *arena, const struct turn *turns,
                            size_t n_turns);

/** Tokenizes one text as a single contact turn (the `when` command, tests). */
enum oc_status tokens_from_text(struct tokens *out, struct oc_arena *arena, const char *text);

/**
 * Folds UTF-8 text the way the tokenizer does (lower case, accents and
 * apostrophes removed; other non-ASCII becomes a space) into dst of size
 * cap, NUL-terminated. Returns the length written.
 */
size_t tokens_fold(const char *src, size_t len, char *dst, size_t cap);

/** FNV-1a of n bytes. */
uint32_t tokens_hash(const char *s, size_t n);

/** True when t is the word w (already folded). */
bool tokens_is(const struct token *t, const char *w);

/** True when t is the punctuation character c. */
bool tokens_is_punct(const struct token *t, char c);

/** True when t ends a sentence (. ? ! ;). */
bool tokens_ends_sentence(const struct token *t);

/** The speaker of token i. */
enum speaker tokens_speaker(const struct tokens *tk, size_t i);

#endif
