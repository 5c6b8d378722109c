/*
 * Phone numbers through libphonenumber, behind a plain C interface: parse
 * what people type (spaces, dashes, brackets, dots, "00" and "+" prefixes,
 * national prefixes) with a default region, validate against the numbering
 * plan, and give the E.164 form, the number type, the country and, for
 * geographic numbers, the place the numbering plan names (the offline
 * geocoder's English description, "Tenerife", "New York, NY"), which
 * lead_tz.c turns into a time zone. libphonenumber's C++ port has no time
 * zone mapper of its own, unlike its Java original.
 *
 * The implementation (phone.cc) is the only C++ in the service. Every
 * function is safe from any thread and does no I/O.
 */
#ifndef LEAD_INGEST_PHONE_H
#define LEAD_INGEST_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* libphonenumber's number types, numbered as ocpb.PhoneType. */
enum phone_type {
    PHONE_TYPE_UNSPECIFIED = 0,
    PHONE_TYPE_FIXED_LINE = 1,
    PHONE_TYPE_MOBILE = 2,
    PHONE_TYPE_FIXED_LINE_OR_MOBILE = 3,
    PHONE_TYPE_TOLL_FREE = 4,
    PHONE_TYPE_PREMIUM_RATE = 5,
    PHONE_TYPE_SHARED_COST = 6,
    PHONE_TYPE_VOIP = 7,
    PHONE_TYPE_PERSONAL_NUMBER = 8,
    PHONE_TYPE_PAGER = 9,
    PHONE_TYPE_UAN = 10,
    PHONE_TYPE_VOICEMAIL = 11,
    PHONE_TYPE_UNKNOWN = 12,
};

/* "+" and at most 15 digits. */
#define PHONE_E164_MAX 17

struct phone_info {
    char e164[PHONE_E164_MAX]; /* "+34612345678" */
    enum phone_type type;
    char region[4];  /* ISO 3166-1 alpha-2 of the number; "" for non-geographic codes (+800) */
    bool geographic; /* the numbering plan ties the number to a place */
    char place[96];  /* the place, when geographic and asked for; "" otherwise */
};

/**
 * Parses text as a phone number, taking numbers without a country prefix as
 * numbers of default_region (ISO 3166-1 alpha-2; NULL or "" when unknown,
 * then only international forms parse). With want_place, fills info->place
 * for geographic numbers (it costs a little more). On OC_OK writes *out; on
 * OC_ERR_INVALID writes a lowercase sentence naming the problem to err.
 */
enum oc_status phone_parse(const char *text, const char *default_region, bool want_place,
                           struct phone_info *out, char *err, size_t errlen);

/**
 * phone_parse without its shortcut: the text goes to libphonenumber exactly
 * as written even when it holds nothing but digits and separators. Slower;
 * for the tests that hold the shortcut to giving the same answers.
 */
enum oc_status phone_parse_verbatim(const char *text, const char *default_region, bool want_place,
                                    struct phone_info *out, char *err, size_t errlen);

/**
 * The E.164 form of text without requiring a valid number: libphonenumber's
 * parse and format only. For the do-not-call list, where a number must
 * never escape the list because the numbering plan data lags behind a new
 * range, while the same number typed any way still gives the same key.
 * out holds PHONE_E164_MAX bytes. OC_ERR_INVALID (reason in err) when text
 * is no number at all.
 */
enum oc_status phone_normalize(const char *text, const char *default_region, char *out, char *err,
                               size_t errlen);

/** True when region is a region libphonenumber knows ("ES", "US"; case matters). */
bool phone_region_known(const char *region);

/** Lowercase name of a type as the schema stores it ("mobile", "fixed_line"). Never NULL. */
const char *phone_type_name(enum phone_type type);

/** The type named name (as phone_type_name gives it); PHONE_TYPE_UNSPECIFIED when none. */
enum phone_type phone_type_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif
