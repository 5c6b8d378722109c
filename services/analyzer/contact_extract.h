/*
 * Names and roles people give: the contact's own ("me llamo Teresa",
 * "my name is Rebecca Stone") and the person behind an alternative number
 * ("llame a mi socio, Andrés Molina", "my wife Karen", "ring Priya"), with
 * the role as it was said ("mi socio", "the office manager"). Names are
 * read from the original text so they keep their accents and capitals. No
 * I/O.
 */
#ifndef ANALYZER_CONTACT_EXTRACT_H
#define ANALYZER_CONTACT_EXTRACT_H

#include <stddef.h>

#include "oc/arena.h"
#include "tokens.h"

struct person {
    const char *name; /* NULL when none was given */
    const char *role; /* NULL when none was given */
};

/**
 * The person an alternative number belongs to: names and roles in the
 * number's turn before the number (tokens [turn begin, number_begin)),
 * else after it. Strings live in arena.
 */
struct person contact_extract_near(const struct tokens *tk, size_t number_begin, enum lang lang,
                                   struct oc_arena *arena);

/** The name the contact gave for themselves, or NULL. */
const char *contact_extract_own_name(const struct tokens *tk, enum lang lang,
                                     struct oc_arena *arena);

#endif
