/*
 * Request ids: every response carries X-Request-Id and every log line of
 * the request shows it, so a caller's report can be traced through the
 * gateway and, over the envelope, every service behind it. A caller's own id
 * is kept when it is short and plain (it ends up in headers and log lines,
 * so nothing that could split or forge either); otherwise a new UUID is made.
 */
#include <ctype.h>
#include <string.h>

#include "gateway.h"
#include "oc/crypto.h"

bool gw_request_id_sane(const char *id)
{
    size_t n;

    if (id == NULL)
        return false;
    n = strlen(id);
    if (n == 0 || n > GW_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];

        if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

void gw_request_id_pick(const char *given, char out[GW_REQUEST_ID_MAX + 1])
{
    char uuid[37];

    if (gw_request_id_sane(given)) {
        strcpy(out, given);
        return;
    }
    if (oc_uuid_v4(uuid) != OC_OK) {
        /* Without randomness there is no meaningful id to make; a fixed one
         * keeps the response well-formed and the failure shows in the log. */
        strcpy(out, "no-request-id");
        return;
    }
    strcpy(out, uuid);
}
