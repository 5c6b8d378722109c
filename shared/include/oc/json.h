/*
 * JSON helpers over jansson for request bodies: typed field reads that say
 * what was wrong ("field \"email\" must be a string") so bad input always
 * gets a clear message.
 */
#ifndef OC_JSON_H
#define OC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "oc/status.h"

/**
 * Parses a request body. On failure writes "malformed JSON: <what> at line L
 * column C" to err and returns OC_ERR_INVALID; also rejects a top level that is
 * not an object. On success *out is a new reference (caller json_decref).
 */
enum oc_status oc_json_parse_object(const char *body, size_t len, json_t **out, char *err,
                                    size_t errlen);

/**
 * Reads a string field. required=false leaves *out untouched when absent or null.
 * Errors name the field. *out is borrowed from obj.
 */
enum oc_status oc_json_get_string(const json_t *obj, const char *field, bool required,
                                  size_t max_len, const char **out, char *err, size_t errlen);

enum oc_status oc_json_get_int(const json_t *obj, const char *field, bool required, long long min,
                               long long max, long long *out, char *err, size_t errlen);

enum oc_status oc_json_get_bool(const json_t *obj, const char *field, bool required, bool *out,
                                char *err, size_t errlen);

/** Serialises compactly; caller frees with free(). NULL on failure. */
char *oc_json_dump(const json_t *v);

#endif
