/*
 * Phrase tables: the rule modules write what people say as small patterns
 * ("no me llam* más", "take me off ?your list") and this module compiles
 * them once and finds them in tokens quickly, trying at each token only
 * the patterns whose first word could match it. No I/O.
 *
 * Pattern syntax, words separated by spaces and written with or without
 * accents (they are folded like the tokens):
 *   word        that word
 *   stem*       any word starting with stem (three letters at least)
 *   a|b|c*      any of the alternatives
 *   ?elem       optional
 *   #           a number written in digits
 *   _           any one token that does not end a sentence
 *   ..          a gap of zero to three tokens that do not end a sentence
 *   , ? .       that punctuation mark ("??" is an optional question mark)
 *   {a b|c}     a group: either the words "a b" or "c" (groups do not nest)
 * The first element must be a plain word or stem (with alternatives), or
 * a group whose choices each start with one.
 */
#ifndef ANALYZER_PHRASE_H
#define ANALYZER_PHRASE_H

#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "oc/status.h"
#include "tokens.h"

#define PHRASE_ES 1u
#define PHRASE_EN 2u
#define PHRASE_ANY (PHRASE_ES | PHRASE_EN)

struct phrase_entry {
    const char *pattern;
    unsigned langs; /* PHRASE_ES, PHRASE_EN or both */
    int value;      /* what a match means, for the module that owns the table */
};

struct phrase_set;

struct phrase_match {
    size_t begin;                     /* first token */
    size_t end;                       /* one past the last token */
    const struct phrase_entry *entry; /* borrowed from the table */
};

/**
 * Compiles a table. The entries are borrowed for the set's lifetime
 * (static tables). On a malformed pattern returns OC_ERR_INVALID and names
 * it in err. Caller frees with phrase_set_free (modules keep theirs for
 * the process).
 */
enum oc_status phrase_set_compile(struct phrase_set **out, const struct phrase_entry *entries,
                                  size_t n, char *err, size_t errlen);

void phrase_set_free(struct phrase_set *set);

/**
 * The longest pattern of set (for lang) matching tokens from i, without
 * reaching limit. Returns false when none does; *m is written on true.
 */
bool phrase_match_at(const struct phrase_set *set, const struct tokens *tk, size_t i, size_t limit,
                     enum lang lang, struct phrase_match *m);

/**
 * Every non-overlapping match in [begin, end), left to right, longest
 * first at each place. Writes at most max matches and returns how many.
 */
size_t phrase_find_all(const struct phrase_set *set, const struct tokens *tk, size_t begin,
                       size_t end, enum lang lang, struct phrase_match *out, size_t max);

/** phrase_find_all that only says whether there was a match; *m (may be NULL) is the first. */
bool phrase_find(const struct phrase_set *set, const struct tokens *tk, size_t begin, size_t end,
                 enum lang lang, struct phrase_match *m);

/*
 * A table compiled on first use, once per process, whatever the thread:
 *   static struct phrase_lazy dnc_phrases = PHRASE_LAZY(dnc_table);
 *   const struct phrase_set *set = phrase_lazy_get(&dnc_phrases);
 */
struct phrase_lazy {
    _Atomic(struct phrase_set *) set;
    pthread_mutex_t mu;
    const struct phrase_entry *entries;
    size_t n;
};

#define PHRASE_LAZY(table)                                                                         \
    {                                                                                              \
        NULL, PTHREAD_MUTEX_INITIALIZER, (table), sizeof(table) / sizeof((table)[0])               \
    }

/**
 * The compiled table. Aborts the process when a pattern is malformed: the
 * tables are part of the program, so a broken one is a bug that every unit
 * test run catches at once.
 */
const struct phrase_set *phrase_lazy_get(struct phrase_lazy *lazy);

#endif
