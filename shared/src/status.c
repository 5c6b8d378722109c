/*
 * The project's one status enum, rendered three ways: a lowercase sentence
 * for log lines and error messages, a stable machine code for API bodies,
 * and the HTTP status the gateway answers with. All three live in one table
 * indexed by the enum, so adding a status means adding exactly one row.
 */
#include "oc/status.h"

#include <stddef.h>

struct status_row {
    const char *text;
    const char *code;
    int http;
};

static const struct status_row status_table[OC_STATUS_COUNT] = {
    [OC_OK] = {"ok", "ok", 200},
    [OC_ERR_INVALID] = {"invalid argument", "invalid_argument", 400},
    [OC_ERR_NOT_FOUND] = {"not found", "not_found", 404},
    [OC_ERR_CONFLICT] = {"conflict", "conflict", 409},
    [OC_ERR_UNAUTHENTICATED] = {"unauthenticated", "unauthenticated", 401},
    [OC_ERR_PERMISSION] = {"permission denied", "permission_denied", 403},
    [OC_ERR_TOO_LARGE] = {"payload too large", "payload_too_large", 413},
    [OC_ERR_RATE_LIMITED] = {"rate limited", "rate_limited", 429},
    [OC_ERR_UNAVAILABLE] = {"service unavailable", "unavailable", 503},
    [OC_ERR_TIMEOUT] = {"timed out", "timeout", 504},
    [OC_ERR_NO_CREDIT] = {"insufficient credit", "insufficient_credit", 402},
    [OC_ERR_NOMEM] = {"out of memory", "out_of_memory", 500},
    [OC_ERR_INTERNAL] = {"internal error", "internal", 500},
    [OC_ERR_IO] = {"input/output error", "io_error", 500},
};

/* Values outside the enum (a corrupted variable, a newer peer's code) are
 * reported as internal errors rather than indexing past the table. */
static const struct status_row *status_row(enum oc_status s)
{
    if ((int)s < 0 || (int)s >= OC_STATUS_COUNT)
        return &status_table[OC_ERR_INTERNAL];
    return &status_table[s];
}

const char *oc_status_text(enum oc_status s)
{
    return status_row(s)->text;
}

const char *oc_status_code(enum oc_status s)
{
    return status_row(s)->code;
}

int oc_status_http(enum oc_status s)
{
    return status_row(s)->http;
}

enum oc_status oc_status_from_int(int v)
{
    if (v < 0 || v >= OC_STATUS_COUNT)
        return OC_ERR_INTERNAL;
    return (enum oc_status)v;
}
