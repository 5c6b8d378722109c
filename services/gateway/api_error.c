/*
 * The shape of every error the gateway answers:
 *   {"error":{"code":"not_found","message":"no such API key"}}
 * with the code from oc_status_code() and the HTTP status from
 * oc_status_http(), so clients branch on a stable code and show the message.
 * Pure: unit tests check the shape without a server.
 */
#include <stdlib.h>

#include "gateway.h"
#include "oc/json.h"

char *gw_error_body(enum oc_status status, const char *code, const char *message)
{
    json_t *body;
    char *out;

    if (code == NULL)
        code = oc_status_code(status);
    if (message == NULL || message[0] == '\0')
        message = oc_status_text(status);

    body = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    if (body == NULL) {
        /* json_pack fails on text that is not UTF-8; a message quoting
         * a caller's bytes must not cost the caller the error itself. */
        body =
            json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", oc_status_text(status));
        if (body == NULL)
            return NULL;
    }
    out = oc_json_dump(body);
    json_decref(body);
    return out;
}

int gw_error_http(enum oc_status status)
{
    return oc_status_http(status);
}
