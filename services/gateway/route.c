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
    {"GET", "/healthz", false, GW_BODY_NONE, handle_health_get},
    {"POST", "/v1/auth/signup", false, GW_BODY_JSON, handle_auth_signup},
    {"POST", "/v1/auth/login", false, GW_BODY_JSON, handle_auth_login},
    {"POST", "/v1/auth/logout", true, GW_BODY_NONE, handle_auth_logout},
    {"GET", "/v1/me", true, GW_BODY_NONE, handle_me_get},
    {"POST", "/v1/api-keys", true, GW_BODY_JSON, handle_api_key_create},
    {"GET", "/v1/api-keys", true, GW_BODY_NONE, handle_api_key_list},
    {"DELETE", "/v1/api-keys/{id}", true, GW_BODY_NONE, handle_api_key_delete},

    {"POST", "/v1/assistants", true, GW_BODY_JSON, handle_assistant_create},
    {"GET", "/v1/assistants", true, GW_BODY_NONE, handle_assistant_list},
    {"GET", "/v1/assistants/{id}", true, GW_BODY_NONE, handle_assistant_get},
    {"PATCH", "/v1/assistants/{id}", true, GW_BODY_JSON, handle_assistant_update},

    {"POST", "/v1/numbers", true, GW_BODY_JSON, handle_number_create},
    {"GET", "/v1/numbers", true, GW_BODY_NONE, handle_number_list},
    {"GET", "/v1/numbers/{id}", true, GW_BODY_NONE, handle_number_get},

    {"POST", "/v1/campaigns", true, GW_BODY_JSON, handle_campaign_create},
    {"GET", "/v1/campaigns", true, GW_BODY_NONE, handle_campaign_list},
    {"GET", "/v1/campaigns/{id}", true, GW_BODY_NONE, handle_campaign_get},
    {"PATCH", "/v1/campaigns/{id}", true, GW_BODY_JSON, handle_campaign_update},
    {"POST", "/v1/campaigns/{id}/start", true, GW_BODY_JSON, handle_campaign_start},
    {"POST", "/v1/campaigns/{id}/pause", true, GW_BODY_JSON, handle_campaign_pause},
    {"POST", "/v1/campaigns/{id}/resume", true, GW_BODY_JSON, handle_campaign_start},
    {"POST", "/v1/campaigns/{id}/stop", true, GW_BODY_JSON, handle_campaign_stop},
    {"POST", "/v1/campaigns/{id}/archive", true, GW_BODY_JSON, handle_campaign_archive},
    /* The file is streamed to lead-ingest as it arrives (lead_upload.c). */
    {"POST", "/v1/campaigns/{id}/leads", true, GW_BODY_STREAM, handle_lead_import},

    {"GET", "/v1/leads", true, GW_BODY_NONE, handle_lead_list},
    {"GET", "/v1/leads/{id}", true, GW_BODY_NONE, handle_lead_get},
    {"PATCH", "/v1/leads/{id}", true, GW_BODY_JSON, handle_lead_update},
    {"DELETE", "/v1/leads/{id}", true, GW_BODY_NONE, handle_lead_delete},
    {"GET", "/v1/imports", true, GW_BODY_NONE, handle_import_list},
    {"GET", "/v1/imports/{id}", true, GW_BODY_NONE, handle_import_get},
    /* Downloads written page by page as they are read (exports.c). */
    {"GET", "/v1/imports/{id}/rejected.csv", true, GW_BODY_NONE, handle_import_rejected_csv},
    {"GET", "/v1/campaigns/{id}/leads/export", true, GW_BODY_NONE, handle_lead_export},

    {"POST", "/v1/dnc", true, GW_BODY_JSON, handle_dnc_add},
    {"GET", "/v1/dnc", true, GW_BODY_NONE, handle_dnc_list},
    /* Before {phone}: "check", "import", "export" and "history" are verbs
     * here, not numbers. */
    {"POST", "/v1/dnc/check", true, GW_BODY_JSON, handle_dnc_check},
    /* A file, streamed to lead-ingest by the handler (dnc.c). */
    {"POST", "/v1/dnc/import", true, GW_BODY_STREAM, handle_dnc_import},
    {"GET", "/v1/dnc/export", true, GW_BODY_NONE, handle_dnc_export},
    {"GET", "/v1/dnc/history", true, GW_BODY_NONE, handle_dnc_history},
    {"DELETE", "/v1/dnc/{phone}", true, GW_BODY_NONE, handle_dnc_remove},

    {"POST", "/v1/calls", true, GW_BODY_JSON, handle_call_create},
    {"GET", "/v1/calls", true, GW_BODY_NONE, handle_call_list},
    {"GET", "/v1/calls/{id}", true, GW_BODY_NONE, handle_call_get},
    {"POST", "/v1/calls/{id}/cancel", true, GW_BODY_JSON, handle_call_cancel},
    {"POST", "/v1/calls/{id}/reschedule", true, GW_BODY_JSON, handle_call_reschedule},

    {"GET", "/v1/credits", true, GW_BODY_NONE, handle_credits_get},
    {"GET", "/v1/events", true, GW_BODY_NONE, handle_events_stream, true},
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
