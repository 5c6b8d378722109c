/*
 * The mapping between the public API's JSON and the protobuf messages the
 * services speak, driven by the generated descriptors so that each route
 * stays a thin translation and a field added to a .proto appears in the API
 * without code here. Pure: no I/O, so unit tests reach every rule.
 *
 * The rules (docs/api.md repeats them for API users):
 *   - keys are the .proto field names; nested messages are objects,
 *     repeated fields arrays, map<string,string> fields objects;
 *   - enum values are their names without the enum's prefix, lowercased
 *     (CALL_STATUS_IN_PROGRESS -> "in_progress"); the UNSPECIFIED value is
 *     rendered as null;
 *   - instants (int64 fields named *_unix_ms) of 0 mean "never" and are
 *     rendered as null; on input they take milliseconds or an RFC 3339 text;
 *   - ocpb.Credits (thousandths) is a plain number of credits (12.345);
 *   - an unset nested message is null; bytes are base64.
 * On input, unknown keys, wrong types and unknown enum names are refused
 * with a message naming the field's path ("script.lines[1].text"), and null
 * means "not given".
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gateway.h"
#include "oc/crypto.h"

#define PBJSON_PATH_MAX 160
#define PBJSON_ENUM_NAME_MAX 64
#define PBJSON_UNSPECIFIED "UNSPECIFIED"

/* ------------------------------------------------------------ descriptors */

static void *pbjson_member(const ProtobufCMessage *msg, unsigned offset)
{
    return (char *)msg + offset;
}

static bool pbjson_is_credits(const ProtobufCMessageDescriptor *d)
{
    return strcmp(d->name, "ocpb.Credits") == 0;
}

/* protoc-c turns map<K,V> into a repeated nested "<Name>Entry" {key; value}. */
static bool pbjson_is_map(const ProtobufCFieldDescriptor *f)
{
    const ProtobufCMessageDescriptor *d = f->descriptor;
    size_t n;

    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    n = strlen(d->short_name);
    return d->n_fields == 2 && n > 5 && strcmp(d->short_name + n - 5, "Entry") == 0 &&
           strcmp(d->fields[0].name, "key") == 0 && strcmp(d->fields[1].name, "value") == 0;
}

static bool pbjson_is_instant(const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name);

    return f->type == PROTOBUF_C_TYPE_INT64 && n > 8 && strcmp(f->name + n - 8, "_unix_ms") == 0;
}

/* Bytes one element of a repeated field takes in its array. */
static size_t pbjson_elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
    default:
        return sizeof(void *);
    }
}

/* The enum's value prefix: the name of its 0 value without "UNSPECIFIED". */
static size_t pbjson_enum_prefix(const ProtobufCEnumDescriptor *d)
{
    const char *zero = NULL;
    size_t n, u = strlen(PBJSON_UNSPECIFIED);

    for (unsigned i = 0; i < d->n_values; i++) {
        if (d->values[i].value == 0)
            zero = d->values[i].name;
    }
    if (zero == NULL)
        return 0;
    n = strlen(zero);
    if (n <= u || strcmp(zero + n - u, PBJSON_UNSPECIFIED) != 0)
        return 0;
    return n - u;
}

const char *pbjson_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    size_t prefix, i;

    if (v == NULL || len == 0)
        return NULL;
    prefix = pbjson_enum_prefix(d);
    if (strcmp(v->name + prefix, PBJSON_UNSPECIFIED) == 0)
        return NULL;
    for (i = 0; v->name[prefix + i] != '\0' && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)v->name[prefix + i]);
    buf[i] = '\0';
    return buf;
}

enum oc_status pbjson_enum_parse(const ProtobufCEnumDescriptor *d, const char *name, int *out)
{
    size_t prefix = pbjson_enum_prefix(d);

    for (unsigned i = 0; i < d->n_values; i++) {
        const char *full = d->values[i].name;

        /* The short form is the API's; the full name is accepted as well,
         * so a value copied from a .proto file also works. */
        if (strcasecmp(full + prefix, name) == 0 || strcasecmp(full, name) == 0) {
            if (strcmp(full + prefix, PBJSON_UNSPECIFIED) == 0)
                return OC_ERR_INVALID;
            *out = d->values[i].value;
            return OC_OK;
        }
    }
    return OC_ERR_INVALID;
}

/* "a, b, c": the enum's accepted short names, for error messages. */
static void pbjson_enum_choices(const ProtobufCEnumDescriptor *d, char *out, size_t len)
{
    char name[PBJSON_ENUM_NAME_MAX];
    size_t used = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < d->n_values && used < len; i++) {
        if (pbjson_enum_name(d, d->values[i].value, name, sizeof(name)) == NULL)
            continue;
        used += (size_t)snprintf(out + used, len - used, "%s%s", used > 0 ? ", " : "", name);
    }
}

/* ------------------------------------------------------------ time */

/* Reads exactly n digits. */
static bool pbjson_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

enum oc_status pbjson_parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    int year, mon, day, hour, min, sec = 0, off = 0, oh, om;
    int64_t ms = 0;
    const char *p = s;
    time_t t;

    if (!pbjson_digits(&p, 4, &year) || *p++ != '-' || !pbjson_digits(&p, 2, &mon) || *p++ != '-' ||
        !pbjson_digits(&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' '))
        return OC_ERR_INVALID;
    p++;
    if (!pbjson_digits(&p, 2, &hour) || *p++ != ':' || !pbjson_digits(&p, 2, &min))
        return OC_ERR_INVALID;
    if (*p == ':') {
        p++;
        if (!pbjson_digits(&p, 2, &sec))
            return OC_ERR_INVALID;
        if (*p == '.') {
            int64_t scale = 100;

            p++;
            if (!isdigit((unsigned char)*p))
                return OC_ERR_INVALID;
            for (; isdigit((unsigned char)*p); p++) {
                ms += (*p - '0') * scale;
                scale /= 10;
            }
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;

        if (!pbjson_digits(&p, 2, &oh) || *p++ != ':' || !pbjson_digits(&p, 2, &om) || oh > 23 ||
            om > 59)
            return OC_ERR_INVALID;
        off = sign * (oh * 60 + om);
    } else {
        /* Without an offset the instant would depend on the server's zone. */
        return OC_ERR_INVALID;
    }
    if (*p != '\0' || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
        sec > 60)
        return OC_ERR_INVALID;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse what it changed. */
    if (tm.tm_mday != day || tm.tm_mon != mon - 1)
        return OC_ERR_INVALID;
    *out = ((int64_t)t - (int64_t)off * 60) * 1000 + ms;
    return OC_OK;
}

/* ------------------------------------------------------------ rendering */

/* A JSON string of s; bytes that are not UTF-8 become U+FFFD so that a
 * service's bad string costs one character, not the whole answer. */
static json_t *pbjson_string(const char *s)
{
    json_t *v = json_string(s);
    size_t n, o = 0;
    char *clean;

    if (v != NULL)
        return v;
    n = strlen(s);
    clean = malloc(3 * n + 1);
    if (clean == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        json_t *probe;

        if (len > 0 && i + len <= n) {
            char one[5];

            memcpy(one, s + i, len);
            one[len] = '\0';
            probe = json_string(one);
            if (probe != NULL) {
                json_decref(probe);
                memcpy(clean + o, s + i, len);
                o += len;
                i += len;
                continue;
            }
        }
        memcpy(clean + o, "\xEF\xBF\xBD", 3);
        o += 3;
        i++;
    }
    clean[o] = '\0';
    v = json_string(clean);
    free(clean);
    return v;
}

static json_t *pbjson_render_msg(const ProtobufCMessage *msg);

/* One value of field f stored at p (an element of a repeated field, or the member). */
static json_t *pbjson_render_value(const ProtobufCFieldDescriptor *f, const void *p)
{
    char name[PBJSON_ENUM_NAME_MAX];

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (pbjson_is_instant(f) && *(const int64_t *)p == 0)
            return json_null();
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return json_integer((json_int_t) * (const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT: {
        /* Through six significant digits, so 0.9f reads 0.9, not 0.899999976. */
        char text[32];

        snprintf(text, sizeof(text), "%.6g", (double)*(const float *)p);
        return json_real(strtod(text, NULL));
    }
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const char *n = pbjson_enum_name(f->descriptor, v, name, sizeof(name));

        if (n != NULL)
            return json_string(n);
        /* A value newer than this build's .proto: show its number. */
        return protobuf_c_enum_descriptor_get_value(f->descriptor, v) != NULL ? json_null()
                                                                              : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;

        return pbjson_string(s != NULL ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *text = malloc(4 * ((b->len + 2) / 3) + 1);
        json_t *v;

        if (text == NULL)
            return NULL;
        oc_base64_encode(b->data, b->len, text);
        v = json_string(text);
        free(text);
        return v;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;

        if (m == NULL)
            return json_null();
        if (pbjson_is_credits(m->descriptor))
            return json_real((double)((const Ocpb__Credits *)m)->milli / 1000.0);
        return pbjson_render_msg(m);
    }
    }
    return json_null();
}

/* A map field: an object of its entries, keys rendered as text. */
static json_t *pbjson_render_map(const ProtobufCFieldDescriptor *f,
                                 ProtobufCMessage *const *entries, size_t n)
{
    const ProtobufCMessageDescriptor *d = f->descriptor;
    json_t *obj = json_object();

    if (obj == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const ProtobufCMessage *e = entries[i];
        const ProtobufCFieldDescriptor *kf = &d->fields[0];
        json_t *key = pbjson_render_value(kf, pbjson_member(e, kf->offset));
        json_t *val = pbjson_render_value(&d->fields[1], pbjson_member(e, d->fields[1].offset));
        char *ktext = key == NULL           ? NULL
                      : json_is_string(key) ? strdup(json_string_value(key))
                                            : json_dumps(key, JSON_ENCODE_ANY);
        int rc = -1;

        /* json_object_set_new takes val whether or not it succeeds. */
        if (ktext != NULL && val != NULL)
            rc = json_object_set_new(obj, ktext, val);
        else
            json_decref(val);
        free(ktext);
        json_decref(key);
        if (rc != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static json_t *pbjson_render_field(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *member = pbjson_member(msg, f->offset);

    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *)pbjson_member(msg, f->quantifier_offset);
        const char *arr = *(char *const *)member;
        size_t size = pbjson_elem_size(f->type);
        json_t *list;

        if (pbjson_is_map(f))
            return pbjson_render_map(f, (ProtobufCMessage *const *)arr, n);
        list = json_array();
        if (list == NULL)
            return NULL;
        for (size_t i = 0; i < n; i++) {
            if (json_array_append_new(list, pbjson_render_value(f, arr + i * size)) != 0) {
                json_decref(list);
                return NULL;
            }
        }
        return list;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        if (*(const uint32_t *)pbjson_member(msg, f->quantifier_offset) != f->id)
            return json_null();
    } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset != 0 &&
               f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING) {
        if (!*(const protobuf_c_boolean *)pbjson_member(msg, f->quantifier_offset))
            return json_null();
    }
    return pbjson_render_value(f, member);
}

static json_t *pbjson_render_msg(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *obj = json_object();

    if (obj == NULL)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        json_t *v = pbjson_render_field(msg, &d->fields[i]);

        if (v == NULL || json_object_set_new(obj, d->fields[i].name, v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

json_t *pbjson_render(const ProtobufCMessage *msg)
{
    if (msg == NULL)
        return json_null();
    return pbjson_render_msg(msg);
}

char *pbjson_dump(const json_t *v)
{
    if (v == NULL)
        return NULL;
    /* Fifteen digits print credits (thousandths) and rounded floats exactly. */
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
}

/* ------------------------------------------------------------ filling */

struct pbjson_ctx {
    struct oc_arena *arena;
    const char *noun; /* "field" or "query parameter" */
    char *err;
    size_t errlen;
};

static enum oc_status pbjson_bad(struct pbjson_ctx *c, const char *path, const char *what)
{
    snprintf(c->err, c->errlen, "%s \"%s\" %s", c->noun, path, what);
    return OC_ERR_INVALID;
}

/* Paths only label error messages: a very deep one is cut, and says so. */
static void pbjson_path_mark(char *out, int n)
{
    if (n < 0 || n >= PBJSON_PATH_MAX)
        memcpy(out + PBJSON_PATH_MAX - 4, "...", 4);
}

static void pbjson_path(char *out, const char *base, const char *name)
{
    if (base[0] == '\0')
        pbjson_path_mark(out, snprintf(out, PBJSON_PATH_MAX, "%s", name));
    else
        pbjson_path_mark(out, snprintf(out, PBJSON_PATH_MAX, "%s.%s", base, name));
}

static void pbjson_path_index(char *out, const char *base, size_t i)
{
    pbjson_path_mark(out, snprintf(out, PBJSON_PATH_MAX, "%s[%zu]", base, i));
}

static enum oc_status pbjson_fill_msg(struct pbjson_ctx *c, ProtobufCMessage *msg,
                                      const json_t *obj, const char *path);

static enum oc_status pbjson_int(struct pbjson_ctx *c, const char *path, const json_t *v,
                                 long long min, long long max, long long *out)
{
    json_int_t n;

    if (!json_is_integer(v))
        return pbjson_bad(c, path, "must be an integer");
    n = json_integer_value(v);
    if (n < min || n > max) {
        char what[96];

        snprintf(what, sizeof(what), "must be from %lld to %lld", min, max);
        return pbjson_bad(c, path, what);
    }
    *out = n;
    return OC_OK;
}

static ProtobufCMessage *pbjson_new_msg(struct pbjson_ctx *c, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = oc_arena_alloc(c->arena, d->sizeof_message);

    if (m != NULL)
        d->message_init(m);
    return m;
}

/* Stores one JSON value v of field f at p. */
static enum oc_status pbjson_set_value(struct pbjson_ctx *c, const ProtobufCFieldDescriptor *f,
                                       void *p, const json_t *v, const char *path)
{
    long long n;
    enum oc_status s;

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        s = pbjson_int(c, path, v, INT32_MIN, INT32_MAX, &n);
        if (s == OC_OK)
            *(int32_t *)p = (int32_t)n;
        return s;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        s = pbjson_int(c, path, v, 0, UINT32_MAX, &n);
        if (s == OC_OK)
            *(uint32_t *)p = (uint32_t)n;
        return s;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (pbjson_is_instant(f) && json_is_string(v)) {
            int64_t ms;

            if (pbjson_parse_time(json_string_value(v), &ms) != OC_OK)
                return pbjson_bad(c, path,
                                  "must be milliseconds since the epoch or an RFC 3339 time "
                                  "with an offset (2026-11-21T10:00:00Z)");
            *(int64_t *)p = ms;
            return OC_OK;
        }
        s = pbjson_int(c, path, v, INT64_MIN, INT64_MAX, &n);
        if (s == OC_OK)
            *(int64_t *)p = (int64_t)n;
        return s;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        s = pbjson_int(c, path, v, 0, INT64_MAX, &n);
        if (s == OC_OK)
            *(uint64_t *)p = (uint64_t)n;
        return s;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number(v))
            return pbjson_bad(c, path, "must be a number");
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)p = (float)json_number_value(v);
        else
            *(double *)p = json_number_value(v);
        return OC_OK;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return pbjson_bad(c, path, "must be true or false");
        *(protobuf_c_boolean *)p = json_is_true(v);
        return OC_OK;
    case PROTOBUF_C_TYPE_ENUM: {
        int e;
        char choices[512], what[600];

        if (json_is_string(v) &&
            pbjson_enum_parse(f->descriptor, json_string_value(v), &e) == OC_OK) {
            *(int *)p = e;
            return OC_OK;
        }
        pbjson_enum_choices(f->descriptor, choices, sizeof(choices));
        snprintf(what, sizeof(what), "must be one of: %s", choices);
        return pbjson_bad(c, path, what);
    }
    case PROTOBUF_C_TYPE_STRING: {
        char *copy;

        if (!json_is_string(v))
            return pbjson_bad(c, path, "must be a string");
        /* "\u0000" is valid JSON, but what C would see ends there. */
        if (strlen(json_string_value(v)) != json_string_length(v))
            return pbjson_bad(c, path, "must not contain NUL characters");
        copy = oc_arena_strndup(c->arena, json_string_value(v), json_string_length(v));
        if (copy == NULL)
            return OC_ERR_NOMEM;
        *(char **)p = copy;
        return OC_OK;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = p;
        size_t len, cap;
        uint8_t *data;

        if (!json_is_string(v))
            return pbjson_bad(c, path, "must be a base64 string");
        len = json_string_length(v);
        cap = len / 4 * 3 + 3;
        data = oc_arena_alloc(c->arena, cap);
        if (data == NULL)
            return OC_ERR_NOMEM;
        if (oc_base64_decode(json_string_value(v), len, data, cap, &b->len) != OC_OK)
            return pbjson_bad(c, path, "must be a base64 string");
        b->data = data;
        return OC_OK;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessageDescriptor *d = f->descriptor;
        ProtobufCMessage *m;

        if (pbjson_is_credits(d)) {
            Ocpb__Credits *cr;

            if (!json_is_number(v) || fabs(json_number_value(v)) > 9.0e12)
                return pbjson_bad(c, path, "must be a number of credits");
            cr = (Ocpb__Credits *)pbjson_new_msg(c, d);
            if (cr == NULL)
                return OC_ERR_NOMEM;
            cr->milli = (int64_t)llround(json_number_value(v) * 1000.0);
            *(ProtobufCMessage **)p = &cr->base;
            return OC_OK;
        }
        if (!json_is_object(v))
            return pbjson_bad(c, path, "must be an object");
        m = pbjson_new_msg(c, d);
        if (m == NULL)
            return OC_ERR_NOMEM;
        s = pbjson_fill_msg(c, m, v, path);
        if (s == OC_OK)
            *(ProtobufCMessage **)p = m;
        return s;
    }
    }
    return pbjson_bad(c, path, "has a type the API does not support");
}

static enum oc_status pbjson_set_map(struct pbjson_ctx *c, ProtobufCMessage *msg,
                                     const ProtobufCFieldDescriptor *f, const json_t *v,
                                     const char *path)
{
    const ProtobufCMessageDescriptor *d = f->descriptor;
    ProtobufCMessage **entries;
    const char *key;
    json_t *val;
    size_t i = 0;

    if (!json_is_object(v))
        return pbjson_bad(c, path, "must be an object");
    if (d->fields[0].type != PROTOBUF_C_TYPE_STRING)
        return pbjson_bad(c, path, "has a type the API does not support");
    entries = oc_arena_alloc(c->arena, sizeof(*entries) * (json_object_size(v) + 1));
    if (entries == NULL)
        return OC_ERR_NOMEM;
    json_object_foreach((json_t *)v, key, val)
    {
        char epath[PBJSON_PATH_MAX];
        ProtobufCMessage *e;
        enum oc_status s;

        if (json_is_null(val))
            continue;
        pbjson_path(epath, path, key);
        e = pbjson_new_msg(c, d);
        if (e == NULL)
            return OC_ERR_NOMEM;
        *(char **)pbjson_member(e, d->fields[0].offset) = oc_arena_strdup(c->arena, key);
        if (*(char **)pbjson_member(e, d->fields[0].offset) == NULL)
            return OC_ERR_NOMEM;
        s = pbjson_set_value(c, &d->fields[1], pbjson_member(e, d->fields[1].offset), val, epath);
        if (s != OC_OK)
            return s;
        entries[i++] = e;
    }
    *(size_t *)pbjson_member(msg, f->quantifier_offset) = i;
    *(ProtobufCMessage ***)pbjson_member(msg, f->offset) = entries;
    return OC_OK;
}

static enum oc_status pbjson_set_field(struct pbjson_ctx *c, ProtobufCMessage *msg,
                                       const ProtobufCFieldDescriptor *f, const json_t *v,
                                       const char *path)
{
    if (json_is_null(v))
        return OC_OK;
    if (pbjson_is_map(f))
        return pbjson_set_map(c, msg, f, v, path);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n, size = pbjson_elem_size(f->type);
        char *arr;

        if (!json_is_array(v))
            return pbjson_bad(c, path, "must be an array");
        n = json_array_size(v);
        arr = oc_arena_alloc(c->arena, size * (n > 0 ? n : 1));
        if (arr == NULL)
            return OC_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            char epath[PBJSON_PATH_MAX];
            enum oc_status s;

            pbjson_path_index(epath, path, i);
            s = pbjson_set_value(c, f, arr + i * size, json_array_get(v, i), epath);
            if (s != OC_OK)
                return s;
        }
        *(size_t *)pbjson_member(msg, f->quantifier_offset) = n;
        *(char **)pbjson_member(msg, f->offset) = arr;
        return OC_OK;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)pbjson_member(msg, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset != 0 &&
             f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)pbjson_member(msg, f->quantifier_offset) = 1;
    return pbjson_set_value(c, f, pbjson_member(msg, f->offset), v, path);
}

static enum oc_status pbjson_fill_msg(struct pbjson_ctx *c, ProtobufCMessage *msg,
                                      const json_t *obj, const char *path)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, key);
        char fpath[PBJSON_PATH_MAX];
        enum oc_status s;

        pbjson_path(fpath, path, key);
        if (f == NULL)
            return pbjson_bad(c, fpath, "is not known");
        s = pbjson_set_field(c, msg, f, v, fpath);
        if (s != OC_OK)
            return s;
    }
    return OC_OK;
}

enum oc_status pbjson_fill(ProtobufCMessage *msg, const json_t *obj, struct oc_arena *arena,
                           char *err, size_t errlen)
{
    struct pbjson_ctx c = {arena, "field", err, errlen};

    if (obj == NULL)
        return OC_OK;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "expected a JSON object");
        return OC_ERR_INVALID;
    }
    return pbjson_fill_msg(&c, msg, obj, "");
}

enum oc_status pbjson_new(const ProtobufCMessageDescriptor *desc, const json_t *obj,
                          struct oc_arena *arena, ProtobufCMessage **out, char *err, size_t errlen)
{
    struct pbjson_ctx c = {arena, "field", err, errlen};
    ProtobufCMessage *m = pbjson_new_msg(&c, desc);
    enum oc_status s;

    if (m == NULL)
        return OC_ERR_NOMEM;
    s = pbjson_fill(m, obj, arena, err, errlen);
    if (s == OC_OK)
        *out = m;
    return s;
}

/* ------------------------------------------------------------ query strings */

/* The field a query parameter names: its own name, or a repeated field's
 * plural ("status" for "statuses"), so filters read naturally either way. */
static const ProtobufCFieldDescriptor *pbjson_query_field(const ProtobufCMessageDescriptor *d,
                                                          const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    static const char *const plurals[] = {"s", "es"};
    char plural[GW_PARAM_MAX + 4];

    if (f != NULL)
        return f;
    for (size_t i = 0; i < sizeof(plurals) / sizeof(plurals[0]); i++) {
        snprintf(plural, sizeof(plural), "%s%s", name, plurals[i]);
        f = protobuf_c_message_descriptor_get_field_by_name(d, plural);
        if (f != NULL && f->label == PROTOBUF_C_LABEL_REPEATED && !pbjson_is_map(f))
            return f;
    }
    return NULL;
}

/* One query value as the JSON value field f takes. */
static enum oc_status pbjson_query_value(struct pbjson_ctx *c, const ProtobufCFieldDescriptor *f,
                                         const char *text, const char *path, json_t **out)
{
    char *end;
    long long n;

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_BYTES:
        *out = pbjson_string(text);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            *out = json_true();
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            *out = json_false();
        else
            return pbjson_bad(c, path, "must be true or false");
        break;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        double d = strtod(text, &end);

        if (text[0] == '\0' || *end != '\0')
            return pbjson_bad(c, path, "must be a number");
        *out = json_real(d);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        if (!pbjson_is_credits(f->descriptor))
            return pbjson_bad(c, path, "cannot be given in the query string");
        *out = json_real(strtod(text, NULL));
        break;
    default:
        n = strtoll(text, &end, 10);
        if (text[0] != '\0' && *end == '\0') {
            *out = json_integer(n);
        } else if (pbjson_is_instant(f)) {
            *out = json_string(text); /* an RFC 3339 time, checked when set */
        } else {
            return pbjson_bad(c, path, "must be an integer");
        }
        break;
    }
    return *out != NULL ? OC_OK : OC_ERR_NOMEM;
}

enum oc_status pbjson_fill_query(ProtobufCMessage *msg, const struct gw_query_param *params,
                                 size_t n, struct oc_arena *arena, char *err, size_t errlen)
{
    struct pbjson_ctx c = {arena, "query parameter", err, errlen};
    json_t *obj = json_object();
    enum oc_status s = OC_OK;

    if (obj == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n && s == OC_OK; i++) {
        const ProtobufCFieldDescriptor *f = pbjson_query_field(msg->descriptor, params[i].name);
        json_t *v = NULL;

        if (f == NULL || pbjson_is_map(f)) {
            s = pbjson_bad(&c, params[i].name, "is not known");
            break;
        }
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (json_object_get(obj, f->name) != NULL) {
                s = pbjson_bad(&c, params[i].name, "is given twice");
                break;
            }
            s = pbjson_query_value(&c, f, params[i].value, params[i].name, &v);
            if (s == OC_OK && json_object_set_new(obj, f->name, v) != 0)
                s = OC_ERR_NOMEM;
            continue;
        }
        /* Repeated: comma-separated values, and the parameter may repeat. */
        json_t *list = json_object_get(obj, f->name);

        if (list == NULL) {
            list = json_array();
            if (list == NULL || json_object_set_new(obj, f->name, list) != 0) {
                s = OC_ERR_NOMEM;
                break;
            }
        }
        for (const char *p = params[i].value; s == OC_OK && *p != '\0';) {
            size_t len = strcspn(p, ",");
            char *one = oc_arena_strndup(arena, p, len);

            if (one == NULL) {
                s = OC_ERR_NOMEM;
                break;
            }
            if (len > 0) {
                s = pbjson_query_value(&c, f, one, params[i].name, &v);
                if (s == OC_OK && json_array_append_new(list, v) != 0)
                    s = OC_ERR_NOMEM;
            }
            p += len;
            p += *p == ',';
        }
    }
    if (s == OC_OK)
        s = pbjson_fill_msg(&c, msg, obj, "");
    json_decref(obj);
    return s;
}

/* ------------------------------------------------------------ fields by name */

const ProtobufCFieldDescriptor *pbjson_field(const ProtobufCMessageDescriptor *d, const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

enum oc_status pbjson_set_string(ProtobufCMessage *msg, const char *name, const char *value,
                                 struct oc_arena *arena)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(msg->descriptor, name);
    char *copy;

    if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return OC_ERR_INTERNAL;
    copy = oc_arena_strdup(arena, value);
    if (copy == NULL)
        return OC_ERR_NOMEM;
    *(char **)pbjson_member(msg, f->offset) = copy;
    return OC_OK;
}

const char *pbjson_get_string(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(msg->descriptor, name);

    if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(char *const *)pbjson_member(msg, f->offset);
}

enum oc_status pbjson_set_message(ProtobufCMessage *msg, const char *name, ProtobufCMessage *value)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(msg->descriptor, name);

    if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED ||
        (value != NULL && value->descriptor != f->descriptor))
        return OC_ERR_INTERNAL;
    *(ProtobufCMessage **)pbjson_member(msg, f->offset) = value;
    return OC_OK;
}

ProtobufCMessage *pbjson_get_message(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(msg->descriptor, name);

    if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(ProtobufCMessage *const *)pbjson_member(msg, f->offset);
}

enum oc_status pbjson_set_strings(ProtobufCMessage *msg, const char *name,
                                  const char *const *values, size_t n, struct oc_arena *arena)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(msg->descriptor, name);
    char **arr;

    if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label != PROTOBUF_C_LABEL_REPEATED)
        return OC_ERR_INTERNAL;
    arr = oc_arena_alloc(arena, sizeof(*arr) * (n > 0 ? n : 1));
    if (arr == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        arr[i] = oc_arena_strdup(arena, values[i]);
        if (arr[i] == NULL)
            return OC_ERR_NOMEM;
    }
    *(size_t *)pbjson_member(msg, f->quantifier_offset) = n;
    *(char ***)pbjson_member(msg, f->offset) = arr;
    return OC_OK;
}
