/*
 * The HTTP client services use to reach third parties (provider REST APIs,
 * OpenAI-compatible endpoints, OAuth token endpoints), over libcurl. Each
 * call gets its own easy handle, so calls from civetweb, nats.c and service
 * threads never share state. The response body grows in one heap buffer
 * capped at 16 MiB: an endpoint that answers with more is refused rather
 * than allowed to exhaust memory. Only http and https are allowed and
 * redirects are not followed, so a URL from configuration or from a
 * webhook cannot make us read a local file or wander off to another host.
 */
#include "oc/http_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "oc/log.h"

#define HTTP_MAX_BODY (16u * 1024 * 1024)
#define HTTP_DEFAULT_TIMEOUT_MS 10000L

struct body_buf {
    char *data;
    size_t len;
    size_t cap;
    bool too_large;
    bool nomem;
};

static bool http_inited;

enum oc_status oc_http_global_init(void)
{
    CURLcode rc;

    if (http_inited)
        return OC_OK;
    rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        oc_error("http: curl_global_init failed: %s", curl_easy_strerror(rc));
        return OC_ERR_INTERNAL;
    }
    http_inited = true;
    return OC_OK;
}

void oc_http_global_cleanup(void)
{
    if (!http_inited)
        return;
    curl_global_cleanup();
    http_inited = false;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct body_buf *b = user;
    size_t n = size * nmemb;

    if (n > HTTP_MAX_BODY - b->len) {
        b->too_large = true;
        return 0; /* curl aborts the transfer with CURLE_WRITE_ERROR */
    }
    /* Room for the NUL added at the end. */
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 4096;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > HTTP_MAX_BODY + 1)
            cap = HTTP_MAX_BODY + 1;
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->nomem = true;
            return 0;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

/* URLs may carry credentials in their query (some providers take an API
 * key there), so logs show them only up to the '?'. */
static int url_loggable_len(const char *url)
{
    return (int)strcspn(url, "?#");
}

static bool method_has_body(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

static enum oc_status curl_status(CURLcode rc, const struct body_buf *b)
{
    switch (rc) {
    case CURLE_OK:
        return OC_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return OC_ERR_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return OC_ERR_TOO_LARGE;
    case CURLE_WRITE_ERROR:
        if (b->too_large)
            return OC_ERR_TOO_LARGE;
        return b->nomem ? OC_ERR_NOMEM : OC_ERR_IO;
    case CURLE_OUT_OF_MEMORY:
        return OC_ERR_NOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return OC_ERR_INVALID;
    default:
        return OC_ERR_UNAVAILABLE;
    }
}

enum oc_status oc_http_do(const struct oc_http_request *req, struct oc_http_response *out)
{
    const char *method = req->method != NULL ? req->method : "GET";
    long timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct body_buf body = {0};
    struct curl_slist *headers = NULL;
    char *content_type = NULL;
    const char *ct = NULL;
    CURL *h = NULL;
    CURLcode rc = CURLE_OK;
    long status = 0;
    enum oc_status st = OC_ERR_INTERNAL;

    if (req->url == NULL || (req->body == NULL && req->body_len > 0))
        return OC_ERR_INVALID;

    h = curl_easy_init();
    if (h == NULL) {
        st = OC_ERR_NOMEM;
        goto out;
    }

    for (const char *const *hp = req->headers; hp != NULL && *hp != NULL; hp++) {
        struct curl_slist *next = curl_slist_append(headers, *hp);

        if (next == NULL) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        headers = next;
    }
    /* curl sends "Expect: 100-continue" before large bodies and waits for
     * the server's go-ahead, which many API servers never send: an empty
     * Expect header turns that off. */
    {
        struct curl_slist *next = curl_slist_append(headers, "Expect:");

        if (next == NULL) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        headers = next;
    }

    /* Without NOSIGNAL, curl uses SIGALRM to time out name resolution, which
     * is unsafe in a threaded program. */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "outcall/1");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    /* Refuses early when the server announces a length over the cap; the
     * write callback catches the ones that do not announce it. */
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_BODY);

    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req->body != NULL || method_has_body(method)) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }

    if (req->basic_user != NULL) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, req->basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD,
                         req->basic_password != NULL ? req->basic_password : "");
    }

    rc = curl_easy_perform(h);
    st = curl_status(rc, &body);
    if (st != OC_OK) {
        oc_warn("http: %s %.*s: %s", method, url_loggable_len(req->url), req->url,
                st == OC_ERR_TOO_LARGE ? "response body over 16 MiB"
                : errbuf[0] != '\0'    ? errbuf
                                       : curl_easy_strerror(rc));
        goto out;
    }

    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL) {
        content_type = strdup(ct);
        if (content_type == NULL) {
            st = OC_ERR_NOMEM;
            goto out;
        }
    }
    /* Callers treat the body as a string even when the server sent none. */
    if (body.data == NULL) {
        body.data = malloc(1);
        if (body.data == NULL) {
            st = OC_ERR_NOMEM;
            goto out;
        }
    }
    body.data[body.len] = '\0';

    out->status = status;
    out->body = body.data;
    out->body_len = body.len;
    out->content_type = content_type;
    body.data = NULL;
    content_type = NULL;
    st = OC_OK;
out:
    free(body.data);
    free(content_type);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return st;
}

void oc_http_response_clear(struct oc_http_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    free(resp->content_type);
    memset(resp, 0, sizeof(*resp));
}
