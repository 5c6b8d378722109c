/*
 * Trunk URIs; see trunk.h. Only what the product writes is accepted, on
 * purpose: a trunk is typed by a user into a form, and a precise error
 * there is worth more than a lenient parser that dials something else.
 */
#include "trunk.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool e164_valid(const char *s)
{
    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return false;
    size_t n = 0;
    for (const char *p = s + 1; *p; p++, n++)
        if (!isdigit((unsigned char)*p))
            return false;
    return n >= 2 && n <= 15;
}

static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

enum oc_status trunk_parse(const char *uri, struct trunk *out, const char **why)
{
    struct trunk t = {.port = TRUNK_DEFAULT_PORT};
    const char *p;

    if (!uri || strncasecmp(uri, "sip:", 4) != 0) {
        *why = "a trunk starts with sip: (sips: is not supported)";
        return OC_ERR_INVALID;
    }
    p = uri + 4;
    size_t hlen = 0;
    while (host_char(p[hlen]))
        hlen++;
    if (hlen == 0 || hlen >= sizeof(t.host) || p[0] == '.' || p[0] == '-' || p[hlen - 1] == '.' ||
        p[hlen - 1] == '-') {
        *why =
            p[hlen] == '@' ? "a trunk names a host, not a user" : "the trunk's host is not valid";
        return OC_ERR_INVALID;
    }
    if (p[hlen] == '@') {
        *why = "a trunk names a host, not a user";
        return OC_ERR_INVALID;
    }
    memcpy(t.host, p, hlen);
    t.host[hlen] = '\0';
    p += hlen;

    if (*p == ':') {
        char *end = NULL;
        p++;
        if (!isdigit((unsigned char)*p)) {
            *why = "the trunk's port is not a number";
            return OC_ERR_INVALID;
        }
        long port = strtol(p, &end, 10);
        if (port < 1 || port > 65535 || end - p > 5) {
            *why = "the trunk's port is out of range";
            return OC_ERR_INVALID;
        }
        t.port = (int)port;
        p = end;
    }
    while (*p == ';') {
        p++;
        size_t len = strcspn(p, ";");
        if (len == 13 && strncasecmp(p, "transport=udp", 13) == 0) {
            t.tcp = false;
        } else if (len == 13 && strncasecmp(p, "transport=tcp", 13) == 0) {
            t.tcp = true;
        } else {
            *why = "the trunk has a parameter other than transport=udp or transport=tcp";
            return OC_ERR_INVALID;
        }
        p += len;
    }
    if (*p != '\0') {
        *why = "the trunk has characters after its host and port";
        return OC_ERR_INVALID;
    }
    *out = t;
    return OC_OK;
}

size_t trunk_format(const struct trunk *t, char *out, size_t cap)
{
    int n = snprintf(out, cap, "sip:%s:%d%s", t->host, t->port, t->tcp ? ";transport=tcp" : "");
    return n < 0 ? 0 : (size_t)n;
}

enum oc_status trunk_target(const struct trunk *t, const char *e164, char *out, size_t cap)
{
    if (!e164_valid(e164))
        return OC_ERR_INVALID;
    int n = snprintf(out, cap, "sip:%s@%s:%d%s", e164, t->host, t->port,
                     t->tcp ? ";transport=tcp" : "");
    if (n < 0 || (size_t)n >= cap)
        return OC_ERR_TOO_LARGE;
    return OC_OK;
}
