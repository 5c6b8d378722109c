/*
 * From a file's header row to lead fields. Headers are recognised in
 * English and Spanish (name/nombre, phone/teléfono/móvil/celular,
 * email/correo, company/empresa, timezone/zona horaria, ...), whatever
 * their case, accents, spacing or punctuation; an explicit mapping sent
 * with the import wins over recognition. Columns that map to nothing are
 * kept as custom fields under their header, because they are context for
 * the agent, except a column headed rejected_reason (which the gateway's
 * rejected-rows download adds), which is ignored. Several phone columns are
 * alternatives, tried in order. Pure.
 */
#ifndef LEAD_INGEST_HEADER_MAP_H
#define LEAD_INGEST_HEADER_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"

enum lead_field {
    LEAD_FIELD_CUSTOM = 0, /* kept under header_column.key */
    LEAD_FIELD_IGNORE,
    LEAD_FIELD_NAME,
    LEAD_FIELD_FIRST_NAME,
    LEAD_FIELD_LAST_NAME,
    LEAD_FIELD_PHONE,
    LEAD_FIELD_EMAIL,
    LEAD_FIELD_COMPANY,
    LEAD_FIELD_TIMEZONE,
};

/* An explicit mapping: column as written in the header, field as
 * lead_field_from_name reads it (any other word names a custom field). */
struct header_rule {
    const char *column;
    const char *field;
};

struct header_column {
    enum lead_field field;
    const char *header; /* as written, trimmed */
    const char *key;    /* custom field name (LEAD_FIELD_CUSTOM, and the header of a phone
                           column, kept when another phone column gave the number); the
                           field's name otherwise */
    bool explicit_rule; /* set by a header_rule, not recognised */
};

struct header_map {
    size_t n;
    struct header_column *cols;
    size_t *phones; /* the phone columns, those of explicit rules first */
    size_t n_phones;
};

/**
 * Maps the header fields (UTF-8) of a file. Fails with OC_ERR_INVALID and
 * a sentence in err when no column holds phone numbers, or a rule names a
 * column the file does not have. Caller frees *out with header_map_free.
 */
enum oc_status header_map_build(struct header_map **out, const char *const *headers, size_t n,
                                const struct header_rule *rules, size_t n_rules, char *err,
                                size_t errlen);

/** NULL does nothing. */
void header_map_free(struct header_map *map);

/** The column i, or NULL past the header (extra cells of a ragged row). */
const struct header_column *header_map_column(const struct header_map *map, size_t i);

/** The field a word names ("phone", "first_name", "ignore"); LEAD_FIELD_CUSTOM for any other. */
enum lead_field lead_field_from_name(const char *name);

/** "name", "phone", ... "ignore"; "custom" for LEAD_FIELD_CUSTOM. */
const char *lead_field_name(enum lead_field f);

/**
 * Recognises one header on its own ("Teléfono móvil" -> LEAD_FIELD_PHONE);
 * LEAD_FIELD_CUSTOM when it is no known synonym. For tests and the DNC import.
 */
enum lead_field header_map_recognise(const char *header);

#endif
