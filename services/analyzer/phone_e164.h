/*
 * Phone number validation and E.164 formatting through libphonenumber,
 * behind a plain C interface (phone_e164.cc is the only C++ in the
 * service). A number is taken only when libphonenumber knows it as a valid
 * number of its country, so a price or an order id of the right length is
 * still refused. No I/O.
 */
#ifndef ANALYZER_PHONE_E164_H
#define ANALYZER_PHONE_E164_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Parses digits (optionally starting with '+') as a number dialled from
 * country (ISO 3166-1 alpha-2; international prefixes such as "00" are
 * understood) and, when it is a valid number, writes its E.164 form
 * ("+34612345678") to out (at least 17 bytes). Thread-safe.
 */
bool phone_e164_normalize(const char *digits, const char *country, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
