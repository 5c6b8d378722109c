/*
 * A small HTTP client over libcurl for speaking to third-party services
 * (provider REST APIs, OpenAI-compatible endpoints, OAuth token endpoints).
 * One call per request; safe from any thread (each call has its own handle).
 */
#ifndef OC_HTTP_CLIENT_H
#define OC_HTTP_CLIENT_H

#include <stddef.h>

#include "oc/status.h"

struct oc_http_request {
    const char *method;           /* "GET", "POST", ...; NULL means GET */
    const char *url;
    const char *const *headers;   /* "Name: value" strings, NULL-terminated; may be NULL */
    const void *body;             /* may be NULL */
    size_t body_len;
    long timeout_ms;              /* whole request; 0 means 10 s */
    const char *basic_user;       /* HTTP basic auth when set */
    const char *basic_password;
};

struct oc_http_response {
    long status;                  /* HTTP status code */
    char *body;                   /* NUL-terminated; caller frees with oc_http_response_clear */
    size_t body_len;
    char *content_type;           /* may be NULL */
};

/** Initialises libcurl once per process; call from main before threads start. */
enum oc_status oc_http_global_init(void);
void oc_http_global_cleanup(void);

/**
 * Performs the request. OC_OK whenever an HTTP answer came back, whatever its
 * status; OC_ERR_UNAVAILABLE / OC_ERR_TIMEOUT when none did (the curl message
 * goes to the log). Responses over 16 MiB are refused with OC_ERR_TOO_LARGE.
 */
enum oc_status oc_http_do(const struct oc_http_request *req, struct oc_http_response *out);

void oc_http_response_clear(struct oc_http_response *resp);

#endif
