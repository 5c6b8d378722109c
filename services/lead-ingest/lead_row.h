/*
 * One lead, checked: the fields of a CSV record (through the header map) or
 * of an API request become a lead with its number in E.164, its number
 * type, a checked e-mail and a time zone with its source, or a rejection
 * with a machine code and a sentence a user can act on. The CSV import, the
 * command-line check and leads.create / leads.update share this code. Pure.
 */
#ifndef LEAD_INGEST_LEAD_ROW_H
#define LEAD_INGEST_LEAD_ROW_H

#include <stdbool.h>
#include <stddef.h>

#include "csv_import.h"
#include "email.h"
#include "header_map.h"
#include "lead_tz.h"
#include "oc/status.h"
#include "phone.h"

/* Numbered as ocpb.RejectReason. */
enum lead_reject_code {
    LEAD_REJECT_UNSPECIFIED = 0,
    LEAD_REJECT_MALFORMED = 1,
    LEAD_REJECT_MISSING_PHONE = 2,
    LEAD_REJECT_INVALID_PHONE = 3,
    LEAD_REJECT_INVALID_EMAIL = 4,
    LEAD_REJECT_INVALID_TIMEZONE = 5,
    LEAD_REJECT_DUPLICATE_IN_FILE = 6,
    LEAD_REJECT_DUPLICATE_IN_CAMPAIGN = 7,
    LEAD_REJECT_ENCODING = 8,
    LEAD_REJECT_TOO_LONG = 9,
};

#define LEAD_NAME_MAX 512
#define LEAD_REASON_MAX 256

/* A custom field: borrowed key and value. */
struct lead_custom {
    const char *key;
    const char *value;
};

/* What a lead is made from; every string may be NULL or blank. */
struct lead_input {
    const char *name;
    const char *first_name;
    const char *last_name;
    const char *company;
    const char *const *phones; /* candidates in order: the first valid one is the lead's */
    size_t n_phones;
    const char *email;
    const char *timezone;
};

/* Defaults of the import or the campaign. */
struct lead_defaults {
    const char *region;        /* ISO 3166-1 alpha-2 for numbers without a prefix */
    const char *campaign_zone; /* canonical IANA name; NULL when none */
};

/* A checked lead. Strings are borrowed from the input or held in the row. */
struct lead_row {
    long line; /* 0 when not from a file */
    const char *raw;
    size_t raw_len;
    const char *name; /* "" when absent; first + last when only those were given */
    const char *first_name;
    const char *last_name;
    const char *company;
    const char *phone_raw;
    struct phone_info phone;
    const char *email; /* "" when absent */
    const char *timezone;
    enum lead_tz_source tz_source;
    const struct lead_custom *custom;
    size_t n_custom;

    /* Storage. */
    char name_buf[LEAD_NAME_MAX];
    char email_buf[EMAIL_MAX + 1];
    char tz_buf[LEAD_TZ_MAX];
};

struct lead_reject {
    long line;
    const char *raw;
    size_t raw_len;
    enum lead_reject_code code;
    const char *reason;     /* lowercase sentence */
    const char *phone_e164; /* "" unless the number was read */
    char reason_buf[LEAD_REASON_MAX];
    char e164_buf[PHONE_E164_MAX];
};

/**
 * Checks in against defaults. On OC_OK fills *row (line, raw and custom
 * left as they were); on OC_ERR_INVALID fills the code, reason and number
 * of *rej. OC_ERR_INTERNAL only when the phone library fails.
 */
enum oc_status lead_row_check(const struct lead_input *in, const struct lead_defaults *defaults,
                              struct lead_row *row, struct lead_reject *rej);

/* Scratch for lead_row_from_record, sized for one header map. */
#define LEAD_KEY_MAX 32

struct lead_row_scratch {
    struct lead_custom *custom;
    const char **phones;
    char (*keys)[LEAD_KEY_MAX]; /* "column_N" for cells past the header */
    size_t cap;
};

/** Frees the scratch arrays (the struct itself is the caller's). */
void lead_row_scratch_free(struct lead_row_scratch *s);

/**
 * Checks one data record of a file mapped by map: columns to fields, the
 * unmapped ones (and phone columns not used) to custom fields, then
 * lead_row_check. A record with a reader error is rejected with its code.
 * The row borrows from rec and map (valid until the record callback
 * returns) and from scratch. Returns OC_OK, OC_ERR_INVALID (*rej filled),
 * or OC_ERR_NOMEM.
 */
enum oc_status lead_row_from_record(const struct header_map *map, const struct csv_record *rec,
                                    const struct lead_defaults *defaults,
                                    struct lead_row_scratch *scratch, struct lead_row *row,
                                    struct lead_reject *rej);

/**
 * Writes custom fields as a JSON object ({"key":"value",...}) to out,
 * NUL-terminated; returns the length, or the size needed (like snprintf)
 * when outlen is too small.
 */
size_t lead_custom_json(const struct lead_custom *custom, size_t n, char *out, size_t outlen);

/** "invalid_phone", ... (the schema's words); "unspecified" for 0. */
const char *lead_reject_code_name(enum lead_reject_code code);

/** The code named name; LEAD_REJECT_UNSPECIFIED when none. */
enum lead_reject_code lead_reject_code_from_name(const char *name);

#endif
