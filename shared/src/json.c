/*
 * JSON helpers over jansson for the bodies the gateway and webhook handlers
 * receive. Every failure writes a message meant for the API caller, naming
 * the field and what was wrong with it ("field \"email\" must be a string"),
 * because bad input from outside is answered with a clear error and never
 * treated as an internal fault.
 */
#include "oc/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

enum oc_status oc_json_parse_object(const char *body, size_t len, json_t **out, char *err,
                                    size_t errlen)
{
    json_error_t jerr;
    json_t *v;

    /* Duplicate keys are refused: two parsers reading the same body could
     * otherwise disagree about which value counts. */
    v = json_loadb(body != NULL ? body : "", body != NULL ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        set_err(err, errlen, "malformed JSON: %s at line %d column %d", jerr.text, jerr.line,
                jerr.column);
        return OC_ERR_INVALID;
    }
    if (!json_is_object(v)) {
        set_err(err, errlen, "malformed JSON: expected an object at the top level");
        json_decref(v);
        return OC_ERR_INVALID;
    }
    *out = v;
    return OC_OK;
}

/* Absent and null are the same to callers: "not given". */
static const json_t *field_get(const json_t *obj, const char *field)
{
    const json_t *v;

    if (!json_is_object(obj))
        return NULL;
    v = json_object_get(obj, field);
    return json_is_null(v) ? NULL : v;
}

/* Counts code points, since limits are stated to users in characters and
 * jansson has already rejected invalid UTF-8. */
static size_t utf8_chars(const char *s, size_t bytes)
{
    size_t n = 0;

    for (size_t i = 0; i < bytes; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    }
    return n;
}

/* max_len 0 means no limit. */
enum oc_status oc_json_get_string(const json_t *obj, const char *field, bool required,
                                  size_t max_len, const char **out, char *err, size_t errlen)
{
    const json_t *v = field_get(obj, field);
    const char *s;
    size_t bytes;

    if (v == NULL) {
        if (!required)
            return OC_OK;
        set_err(err, errlen, "field \"%s\" is required", field);
        return OC_ERR_INVALID;
    }
    if (!json_is_string(v)) {
        set_err(err, errlen, "field \"%s\" must be a string", field);
        return OC_ERR_INVALID;
    }
    s = json_string_value(v);
    bytes = json_string_length(v);
    /* "\u0000" is valid JSON, but C code sees the string end there: what it
     * checked would not be what it stores. */
    if (strlen(s) != bytes) {
        set_err(err, errlen, "field \"%s\" must not contain NUL characters", field);
        return OC_ERR_INVALID;
    }
    if (max_len > 0 && utf8_chars(s, bytes) > max_len) {
        set_err(err, errlen, "field \"%s\" must be at most %zu characters", field, max_len);
        return OC_ERR_INVALID;
    }
    *out = s;
    return OC_OK;
}

enum oc_status oc_json_get_int(const json_t *obj, const char *field, bool required, long long min,
                               long long max, long long *out, char *err, size_t errlen)
{
    const json_t *v = field_get(obj, field);
    json_int_t n;

    if (v == NULL) {
        if (!required)
            return OC_OK;
        set_err(err, errlen, "field \"%s\" is required", field);
        return OC_ERR_INVALID;
    }
    if (!json_is_integer(v)) {
        set_err(err, errlen, "field \"%s\" must be an integer", field);
        return OC_ERR_INVALID;
    }
    n = json_integer_value(v);
    if (n < min || n > max) {
        set_err(err, errlen, "field \"%s\" must be from %lld to %lld", field, min, max);
        return OC_ERR_INVALID;
    }
    *out = n;
    return OC_OK;
}

enum oc_status oc_json_get_bool(const json_t *obj, const char *field, bool required, bool *out,
                                char *err, size_t errlen)
{
    const json_t *v = field_get(obj, field);

    if (v == NULL) {
        if (!required)
            return OC_OK;
        set_err(err, errlen, "field \"%s\" is required", field);
        return OC_ERR_INVALID;
    }
    if (!json_is_boolean(v)) {
        set_err(err, errlen, "field \"%s\" must be true or false", field);
        return OC_ERR_INVALID;
    }
    *out = json_is_true(v);
    return OC_OK;
}

char *oc_json_dump(const json_t *v)
{
    if (v == NULL)
        return NULL;
    /* ENCODE_ANY lets a bare string or number be dumped too. */
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
