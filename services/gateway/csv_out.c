/*
 * CSV for the downloads (exports.c): fields quoted only when a reader
 * needs it, records ended with CRLF (RFC 4180), the rejected rows of an
 * import written back as they were in the file with one column more, and
 * protobuf messages (as pbjson renders them) one per line. Also the
 * Content-Disposition that names a download, and which Content-Types a
 * CSV upload may come as. Pure: unit tests reach it.
 *
 * The rejected-rows download must go back into the importer as it is once
 * fixed, so it follows the importer's reading (libcsv, not strict): a
 * quote opens a quoted field only at the start of a field, a doubled quote
 * inside one is a quote, and text after the closing quote joins the field.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"

#define CSV_NUM_MAX 32
/* Bytes of a user's file name kept in a download's name. */
#define CSV_NAME_MAX 100

/* ------------------------------------------------------------ uploads */

bool gw_csv_content_type(const char *content_type)
{
    static const char *const types[] = {"text/csv", "application/csv", "text/plain",
                                        "application/vnd.ms-excel"};
    const char *ct = content_type != NULL ? content_type : "";

    ct += strspn(ct, " \t");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t n = strlen(types[i]);

        if (strncasecmp(ct, types[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ bytes */

enum oc_status gw_buf_append(struct gw_buf *b, const char *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 256;
        char *bigger;

        while (cap < b->len + len + 1)
            cap *= 2;
        bigger = realloc(b->data, cap);
        if (bigger == NULL)
            return OC_ERR_NOMEM;
        b->data = bigger;
        b->cap = cap;
    }
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return OC_OK;
}

static enum oc_status csv_puts(struct gw_buf *b, const char *s)
{
    return gw_buf_append(b, s, strlen(s));
}

void gw_buf_reset(struct gw_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void gw_buf_free(struct gw_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* ------------------------------------------------------------ fields */

static bool csv_needs_quotes(const char *s, size_t len, char delim)
{
    if (len == 0)
        return false;
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
        return true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    }
    return false;
}

enum oc_status gw_csv_field(struct gw_buf *b, const char *s, size_t len, char delim)
{
    enum oc_status st;
    size_t from = 0;

    if (!csv_needs_quotes(s, len, delim))
        return gw_buf_append(b, s, len);
    st = gw_buf_append(b, "\"", 1);
    /* Each quote is written twice: the run up to and with it, then one more. */
    for (size_t i = 0; st == OC_OK && i < len; i++) {
        if (s[i] != '"')
            continue;
        st = gw_buf_append(b, s + from, i + 1 - from);
        if (st == OC_OK)
            st = gw_buf_append(b, "\"", 1);
        from = i + 1;
    }
    if (st == OC_OK)
        st = gw_buf_append(b, s + from, len - from);
    if (st == OC_OK)
        st = gw_buf_append(b, "\"", 1);
    return st;
}

/*
 * Reads one record's text as the importer does and counts its fields;
 * *last_start is where the last one starts. True when the text ends inside
 * a quoted field.
 */
static bool csv_scan(const char *raw, size_t len, char delim, size_t *fields, size_t *last_start)
{
    enum { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE } state = FIELD_START;

    *fields = 1;
    *last_start = 0;
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];

        if (c == delim && state != QUOTED) {
            state = FIELD_START;
            (*fields)++;
            *last_start = i + 1;
            continue;
        }
        switch (state) {
        case FIELD_START:
            if (c == '"')
                state = QUOTED;
            else if (c != ' ' && c != '\t')
                state = UNQUOTED; /* spaces before a quote are trimmed, not text */
            break;
        case QUOTED:
            if (c != '"')
                break;
            if (i + 1 < len && raw[i + 1] == '"')
                i++;
            else
                state = AFTER_QUOTE;
            break;
        case UNQUOTED:
        case AFTER_QUOTE:
            break;
        }
    }
    return state == QUOTED;
}

bool gw_csv_quote_open(const char *raw, size_t len, char delim)
{
    size_t fields, last;

    return csv_scan(raw, len, delim, &fields, &last);
}

size_t gw_csv_count_fields(const char *raw, size_t len, char delim, size_t *last_start)
{
    size_t fields, last;

    csv_scan(raw, len, delim, &fields, &last);
    if (last_start != NULL)
        *last_start = last;
    return fields;
}

/* ------------------------------------------------------------ lines */

enum oc_status gw_csv_header(struct gw_buf *b, const char *const *names, size_t n,
                             const char *extra, char delim)
{
    enum oc_status st = OC_OK;

    for (size_t i = 0; st == OC_OK && i < n; i++) {
        if (i > 0)
            st = gw_buf_append(b, &delim, 1);
        if (st == OC_OK)
            st = gw_csv_field(b, names[i], strlen(names[i]), delim);
    }
    if (st == OC_OK && extra != NULL) {
        if (n > 0)
            st = gw_buf_append(b, &delim, 1);
        if (st == OC_OK)
            st = gw_csv_field(b, extra, strlen(extra), delim);
    }
    if (st == OC_OK)
        st = gw_buf_append(b, "\r\n", 2);
    return st;
}

enum oc_status gw_csv_rejected_row(struct gw_buf *b, const char *raw, size_t len, long long line,
                                   const char *reason, char delim)
{
    size_t cap;
    enum oc_status st;
    char *text;
    int n;

    if (reason == NULL)
        reason = "";
    st = gw_buf_append(b, raw, len);
    /* Left open, the quote would swallow the reason and every later row. */
    if (st == OC_OK && gw_csv_quote_open(raw, len, delim))
        st = gw_buf_append(b, "\"", 1);
    if (st == OC_OK)
        st = gw_buf_append(b, &delim, 1);
    if (st != OC_OK)
        return st;
    cap = strlen(reason) + CSV_NUM_MAX + 8;
    text = malloc(cap);
    if (text == NULL)
        return OC_ERR_NOMEM;
    n = snprintf(text, cap, "line %lld: %s", line, reason);
    st = gw_csv_field(b, text, n > 0 ? (size_t)n : 0, delim);
    free(text);
    if (st == OC_OK)
        st = gw_buf_append(b, "\r\n", 2);
    return st;
}

enum oc_status gw_csv_message_header(struct gw_buf *b, const ProtobufCMessageDescriptor *desc)
{
    const char **names = malloc(sizeof(*names) * (desc->n_fields > 0 ? desc->n_fields : 1));
    enum oc_status st;

    if (names == NULL)
        return OC_ERR_NOMEM;
    for (unsigned i = 0; i < desc->n_fields; i++)
        names[i] = desc->fields[i].name;
    st = gw_csv_header(b, names, desc->n_fields, NULL, ',');
    free(names);
    return st;
}

/* One cell of a rendered value. */
static enum oc_status csv_value(struct gw_buf *b, const json_t *v)
{
    char num[CSV_NUM_MAX];
    enum oc_status st;
    char *text;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return gw_csv_field(b, json_string_value(v), json_string_length(v), ',');
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return csv_puts(b, num);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.15g", json_real_value(v));
        return csv_puts(b, num);
    case JSON_TRUE:
        return csv_puts(b, "true");
    case JSON_FALSE:
        return csv_puts(b, "false");
    case JSON_OBJECT:
    case JSON_ARRAY:
        text = pbjson_dump(v);
        if (text == NULL)
            return OC_ERR_NOMEM;
        st = gw_csv_field(b, text, strlen(text), ',');
        free(text);
        return st;
    case JSON_NULL:
    default:
        return OC_OK;
    }
}

enum oc_status gw_csv_message_row(struct gw_buf *b, const ProtobufCMessageDescriptor *desc,
                                  const json_t *obj)
{
    enum oc_status st = OC_OK;

    for (unsigned i = 0; st == OC_OK && i < desc->n_fields; i++) {
        const json_t *v = json_object_get(obj, desc->fields[i].name);

        if (i > 0)
            st = gw_buf_append(b, ",", 1);
        if (st == OC_OK && v != NULL)
            st = csv_value(b, v);
    }
    if (st == OC_OK)
        st = gw_buf_append(b, "\r\n", 2);
    return st;
}

/* ------------------------------------------------------------ file names */

static bool csv_name_char(unsigned char c)
{
    return isalnum(c) || c == ' ' || c == '.' || c == '_' || c == '-';
}

/* The length of name without an extension of one to five letters or digits. */
static size_t csv_name_stem(const char *name, size_t len)
{
    for (size_t i = len; i > 0; i--) {
        unsigned char c = (unsigned char)name[i - 1];

        if (c == '.')
            return i - 1 > 0 && len - i >= 1 && len - i <= 5 ? i - 1 : len;
        if (!isalnum(c))
            return len;
    }
    return len;
}

enum oc_status gw_content_disposition(const char *base, const char *fallback, const char *suffix,
                                      char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *name = base != NULL && base[0] != '\0' ? base : fallback;
    size_t len = strlen(name), o;
    bool plain = true;
    int n;

    if (len > CSV_NAME_MAX) {
        len = CSV_NAME_MAX;
        /* Cut on a character, never inside a UTF-8 sequence. */
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
            len--;
    }
    len = csv_name_stem(name, len);

    n = snprintf(out, outlen, "attachment; filename=\"");
    if (n < 0 || (size_t)n >= outlen)
        return OC_ERR_INVALID;
    o = (size_t)n;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if ((c & 0xC0) == 0x80)
            continue; /* the rest of a UTF-8 sequence: one '_' stands for it */
        if (!csv_name_char(c))
            plain = false;
        if (o + 1 >= outlen)
            return OC_ERR_INVALID;
        out[o++] = csv_name_char(c) ? (char)c : '_';
    }
    n = snprintf(out + o, outlen - o, "%s\"", suffix);
    if (n < 0 || (size_t)n >= outlen - o)
        return OC_ERR_INVALID;
    o += (size_t)n;
    if (plain)
        return OC_OK;

    n = snprintf(out + o, outlen - o, "; filename*=UTF-8''");
    if (n < 0 || (size_t)n >= outlen - o)
        return OC_ERR_INVALID;
    o += (size_t)n;
    for (size_t i = 0; i < len + strlen(suffix); i++) {
        unsigned char c = (unsigned char)(i < len ? name[i] : suffix[i - len]);
        bool keep = isalnum(c) || c == '.' || c == '_' || c == '-';

        if (o + (keep ? 1 : 3) >= outlen)
            return OC_ERR_INVALID;
        if (keep) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return OC_OK;
}
