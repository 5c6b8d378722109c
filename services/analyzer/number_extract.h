/*
 * Alternative phone numbers in what the contact said: "612 34 56 78",
 * "seiscientos cuarenta y siete, veintidós, treinta y uno, cero nueve",
 * "six one seven, four two three...", "two one two, triple three", "+44
 * 7911 123456". Digit groups in digits or words are joined and the result
 * is kept only when libphonenumber validates it for the call's country
 * (phone_e164.h) and nothing around it says it is something else: a price
 * ("49 euros al mes"), an order or account number ("el pedido 600 234
 * 519"), a date. The number that was dialled is never an alternative. No
 * I/O.
 */
#ifndef ANALYZER_NUMBER_EXTRACT_H
#define ANALYZER_NUMBER_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "tokens.h"

struct number_found {
    char e164[20];     /* "+34612345678" */
    size_t begin, end; /* its tokens */
    size_t turn;
};

/**
 * The alternative number the contact gave: the last valid one. country is
 * the call's ISO code; dialled (may be NULL) the number called. Returns
 * false when there is none.
 */
bool number_extract_find(const struct tokens *tk, enum lang lang, const char *country,
                         const char *dialled, struct number_found *out);

#endif
