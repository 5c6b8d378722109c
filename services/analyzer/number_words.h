/*
 * Numbers as people say them, in Spanish and English: "veintitrés",
 * "seiscientos doce", "treinta y cuatro", "twenty-one", "five hundred and
 * twelve", ordinals for dates ("the twenty-first", "primero"), and digits.
 * The time resolver reads "a las tres" and "in ten days" through it, the
 * phone number extractor the groups of a spoken number. No I/O.
 */
#ifndef ANALYZER_NUMBER_WORDS_H
#define ANALYZER_NUMBER_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokens.h"

/* Readings allowed besides the plain cardinals. */
#define NUMBER_WORDS_ARTICLE 1u /* "un", "una", "a" read as one ("una hora", "a week") */
#define NUMBER_WORDS_OH 2u      /* English "oh" and "o" read as zero (phone numbers) */
#define NUMBER_WORDS_DIGITS 4u  /* a digit token is a number too */

/**
 * Reads a cardinal number (below a million) starting at token i, not
 * reaching limit. On success writes the value and one past its last token.
 */
bool number_words_parse(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                        unsigned flags, int64_t *value, size_t *end);

/**
 * Reads an ordinal ("third", "twenty-first", "primero", and digits followed
 * by "st", "nd", "rd", "th") starting at token i.
 */
bool number_words_ordinal(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                          int64_t *value, size_t *end);

/** True when token i is a number word of lang (any class, "un"/"a" excluded). */
bool number_words_is_word(const struct tokens *tk, size_t i, enum lang lang);

/**
 * Reads one spoken digit group at token i for a phone number: a number in
 * words or digits, or "double"/"triple"/"doble" followed by a digit. Writes
 * its digits as spoken ("cero seis" is two groups, "0" and "6"; "treinta y
 * cuatro" is "34") to digits (NUL-terminated, cap bytes).
 */
bool number_words_group(const struct tokens *tk, size_t i, size_t limit, enum lang lang,
                        char *digits, size_t cap, size_t *end);

#endif
