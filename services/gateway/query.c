/*
 * Query strings: "a=1&b=x%20y" split into decoded name/value pairs, in
 * order, repeats kept (a filter may repeat). Pure: unit tests reach it.
 * A malformed escape is an error for the caller rather than a guess, and a
 * name longer than any parameter the API has is refused.
 */
#include <stdio.h>
#include <string.h>

#include "gateway.h"

#define QUERY_MAX_PARAMS 64

static int query_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) (form encoding: '+' is a space) into the arena. */
static enum oc_status query_decode(struct oc_arena *a, const char *s, size_t n, char **out)
{
    char *d = oc_arena_alloc(a, n + 1);
    size_t o = 0;

    if (d == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            d[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 1 < n ? query_hex(s[i + 1]) : -1;
            int lo = i + 2 < n ? query_hex(s[i + 2]) : -1;

            /* %00 would end the value early for C code reading it. */
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return OC_ERR_INVALID;
            d[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    *out = d;
    return OC_OK;
}

enum oc_status gw_query_parse(struct oc_arena *a, const char *query, struct gw_query_param **out,
                              size_t *n, char *err, size_t errlen)
{
    struct gw_query_param *params;
    size_t count = 0;
    enum oc_status s;

    params = oc_arena_alloc(a, sizeof(*params) * QUERY_MAX_PARAMS);
    if (params == NULL)
        return OC_ERR_NOMEM;
    for (const char *p = query != NULL ? query : ""; *p != '\0';) {
        size_t len = strcspn(p, "&");
        size_t name_len = strcspn(p, "=&");
        char *name, *value;

        if (len == 0) {
            p++;
            continue;
        }
        if (count == QUERY_MAX_PARAMS) {
            snprintf(err, errlen, "more than %d query parameters", QUERY_MAX_PARAMS);
            return OC_ERR_INVALID;
        }
        s = query_decode(a, p, name_len, &name);
        if (s == OC_OK)
            s = query_decode(a, p + name_len + (name_len < len), len - name_len - (name_len < len),
                             &value);
        if (s == OC_ERR_INVALID ||
            (s == OC_OK && (name[0] == '\0' || strlen(name) > GW_PARAM_MAX))) {
            snprintf(err, errlen, "malformed query string near \"%.*s\"",
                     (int)(len > 40 ? 40 : len), p);
            return OC_ERR_INVALID;
        }
        if (s != OC_OK)
            return s;
        params[count].name = name;
        params[count].value = value;
        count++;
        p += len;
    }
    *out = params;
    *n = count;
    return OC_OK;
}

const char *gw_query_get(const struct gw_query_param *params, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(params[i].name, name) == 0)
            return params[i].value;
    }
    return NULL;
}
