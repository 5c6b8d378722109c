/*
 * The gateway's route table and the matching of a request line against it.
 * Pure: no I/O, so unit tests check routing without a server. A path either
 * matches a route, matches one only under another method (405 with the
 * methods that would do), or matches none (404). Patterns are literal
 * segments plus "{x}" segments that take one non-empty segment.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"

const struct gw_route gateway_routes[] = {
    {"GET", "/healthz", false, false, handle_health_get},
    {"POST", "/v1/auth/signup", false, true, handle_auth_signup},
    {"POST", "/v1/auth/login", false, true, handle_auth_login},
    {"POST", "/v1/auth/logout", true, false, handle_auth_logout},
    {"GET", "/v1/me", true, false, handle_me_get},
    {"POST", "/v1/api-keys", true, true, handle_api_key_create},
    {"GET", "/v1/api-keys", true, false, handle_api_key_list},
    {"DELETE", "/v1/api-keys/{id}", true, false, handle_api_key_delete},
};

const size_t gateway_routes_count = sizeof(gateway_routes) / sizeof(gateway_routes[0]);

/* Matches path against pattern; on success copies the {x} segment to param. */
static bool route_path_match(const char *pattern, const char *path, char *param, size_t paramlen)
{
    const char *p = pattern;
    const char *s = path;

    param[0] = '\0';
    while (*p != '\0') {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t n = strcspn(s, "/");

            if (close == NULL || n == 0 || n >= paramlen)
                return false;
            memcpy(param, s, n);
            param[n] = '\0';
            p = close + 1;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *s == '\0';
}

/* Appends method to the ", "-separated list in allow unless it is there. */
static void route_allow_add(char *allow, size_t len, const char *method)
{
    size_t mlen = strlen(method);
    size_t used = strlen(allow);

    for (const char *t = allow; *t != '\0';) {
        size_t tlen = strcspn(t, ",");

        if (tlen == mlen && memcmp(t, method, mlen) == 0)
            return;
        t += tlen;
        t += strspn(t, ", ");
    }
    snprintf(allow + used, len - used, "%s%s", used > 0 ? ", " : "", method);
}

enum gw_route_result gw_route_match(const struct gw_route *routes, size_t n, const char *method,
                                    const char *path, struct gw_route_match *out)
{
    char param[GW_PARAM_MAX + 1];
    bool path_known = false;

    memset(out, 0, sizeof(*out));
    if (method == NULL || path == NULL)
        return GW_ROUTE_NOT_FOUND;

    for (size_t i = 0; i < n; i++) {
        if (!route_path_match(routes[i].pattern, path, param, sizeof(param)))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            out->route = &routes[i];
            memcpy(out->param, param, sizeof(param));
            out->allow[0] = '\0';
            return GW_ROUTE_FOUND;
        }
        path_known = true;
        route_allow_add(out->allow, sizeof(out->allow), routes[i].method);
    }
    return path_known ? GW_ROUTE_BAD_METHOD : GW_ROUTE_NOT_FOUND;
}

bool gw_uuid_valid(const char *s)
{
    if (s == NULL || strlen(s) != GW_UUID_LEN)
        return false;
    for (int i = 0; i < GW_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}
