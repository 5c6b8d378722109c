/*
 * The gateway's HTTP server (civetweb) and the cycle every request goes
 * through: request id, route, size check, authentication, body, handler,
 * response. Handlers read struct gw_request and fill its response fields,
 * and this file writes the answer: always JSON, always with X-Request-Id,
 * errors always in the one shape of api_error.c. Two kinds of route read
 * or write the connection themselves: a file upload streams its body
 * (GW_BODY_STREAM, lead_upload.c) and the event stream writes its own
 * response (sse.c), which it marks with req->responded.
 *
 * civetweb gives each connection a thread for as long as it stays open, so
 * the keep-alive idle timeout is kept short: a handful of idle clients must
 * not hold every thread.
 */
#include <civetweb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gateway.h"
#include "oc/httpd.h"
#include "oc/json.h"
#include "oc/log.h"

#define HTTP_ARENA_BLOCK 8192
#define HTTP_BODY_FIRST_READ 16384
#define HTTP_KEEP_ALIVE_MS "2000"

/* The answer when even an error body cannot be built (out of memory). */
static const char http_fallback_body[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";

/* ------------------------------------------------------------ handler helpers */

enum oc_status gw_fail(struct gw_request *req, enum oc_status status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(req->error, sizeof(req->error), fmt, ap);
    va_end(ap);
    return status;
}

enum oc_status gw_reply(struct gw_request *req, int http_status, json_t *body)
{
    /* A NULL body where one was meant is json_pack running out of memory. */
    if (body == NULL && http_status != 204)
        return OC_ERR_NOMEM;
    json_decref(req->reply);
    req->reply = body;
    req->http_status = http_status;
    return OC_OK;
}

void gw_actor(const struct gw_request *req, struct store_actor *out)
{
    out->tenant_id = req->who.tenant_id[0] != '\0' ? req->who.tenant_id : NULL;
    out->user_id = req->who.user_id[0] != '\0' ? req->who.user_id : NULL;
    out->api_key_id = req->who.api_key_id[0] != '\0' ? req->who.api_key_id : NULL;
    out->addr = req->remote_addr;
    out->request_id = req->request_id;
}

enum oc_status gw_parse_body(struct gw_request *req, json_t **out)
{
    return oc_json_parse_object(req->body != NULL ? req->body : "", req->body_len, out, req->error,
                                sizeof(req->error));
}

/* ------------------------------------------------------------ request cycle */

/* True when the last transfer coding is "chunked" (RFC 9112 6.1). */
bool gw_request_chunked(const struct gw_request *req)
{
    const char *te = mg_get_header(req->conn, "Transfer-Encoding");
    size_t n;

    if (te == NULL)
        return false;
    n = strlen(te);
    while (n > 0 && (te[n - 1] == ' ' || te[n - 1] == '\t'))
        n--;
    return n >= 7 && strncasecmp(te + n - 7, "chunked", 7) == 0;
}

/*
 * Reads the body into req->body. A declared length over the limit is
 * refused unread; a chunked body is read at most one byte past the limit,
 * enough to know it is too large, so a client cannot make the gateway
 * buffer more than the limit whatever it sends.
 */
enum oc_status gw_read_body(struct gw_request *req, size_t limit)
{
    long long declared = req->content_length;
    bool chunked = gw_request_chunked(req);
    size_t cap;
    size_t len = 0;
    char *buf;

    if (declared > (long long)limit) {
        req->close = true;
        return gw_fail(req, OC_ERR_TOO_LARGE, "request body of %lld bytes is over the limit of %zu",
                       declared, limit);
    }
    if (declared < 0 && !chunked)
        declared = 0;
    if (declared >= 0)
        cap = (size_t)declared;
    else
        cap = HTTP_BODY_FIRST_READ < limit + 1 ? HTTP_BODY_FIRST_READ : limit + 1;

    buf = malloc(cap + 1);
    if (buf == NULL)
        return OC_ERR_NOMEM;
    for (;;) {
        int n;

        if (len == cap) {
            char *bigger;
            size_t next;

            if (declared >= 0 || cap > limit)
                break;
            next = cap * 2 < limit + 1 ? cap * 2 : limit + 1;
            bigger = realloc(buf, next + 1);
            if (bigger == NULL) {
                free(buf);
                return OC_ERR_NOMEM;
            }
            buf = bigger;
            cap = next;
        }
        n = mg_read(req->conn, buf + len, cap - len);
        if (n < 0) {
            free(buf);
            req->close = true;
            return gw_fail(req, OC_ERR_IO, "reading the request body failed");
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }

    if (len > limit) {
        free(buf);
        req->close = true;
        return gw_fail(req, OC_ERR_TOO_LARGE, "request body is over the limit of %zu bytes", limit);
    }
    if (declared >= 0 && len < (size_t)declared) {
        free(buf);
        req->close = true;
        return gw_fail(req, OC_ERR_INVALID, "request body ended after %zu of %lld bytes", len,
                       declared);
    }
    buf[len] = '\0';
    req->body = buf;
    req->body_len = len;
    return OC_OK;
}

/*
 * Copies s for a log line or an error message: control characters (which
 * a URL-decoded path may hold, and which could forge log lines) become '?',
 * and a long path is cut.
 */
static void http_printable(const char *s, char *out, size_t outlen)
{
    size_t i = 0;

    for (; s != NULL && s[i] != '\0' && i + 1 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];

        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[i] = '\0';
}

/*
 * EventSource, the browser's SSE client, cannot send headers: on the routes
 * that allow it the token may come as ?access_token= instead. Only the path
 * is ever logged, so the token stays out of the logs.
 */
static enum oc_status http_query_token(struct gw_request *req)
{
    struct gw_query_param *params;
    const char *token;
    size_t n;
    enum oc_status s;

    s = gw_query_parse(req->arena, req->query, &params, &n, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    token = gw_query_get(params, n, "access_token");
    if (token == NULL)
        return OC_OK;
    req->authorization = oc_arena_printf(req->arena, "Bearer %s", token);
    return req->authorization != NULL ? OC_OK : OC_ERR_NOMEM;
}

static enum oc_status http_dispatch(struct gw_request *req)
{
    struct gw_route_match m;
    char method[16], path[256];
    long long declared = req->content_length;
    long limit;
    enum oc_status s;

    switch (gw_route_match(gateway_routes, gateway_routes_count, req->method, req->path, &m)) {
    case GW_ROUTE_FOUND:
        break;
    case GW_ROUTE_BAD_METHOD:
        http_printable(req->method, method, sizeof(method));
        http_printable(req->path, path, sizeof(path));
        snprintf(req->allow, sizeof(req->allow), "%s", m.allow);
        req->error_http = 405;
        return gw_fail(req, OC_ERR_INVALID, "method %s is not allowed on %s (allowed: %s)", method,
                       path, m.allow);
    case GW_ROUTE_NOT_FOUND:
    default:
        http_printable(req->method, method, sizeof(method));
        http_printable(req->path, path, sizeof(path));
        return gw_fail(req, OC_ERR_NOT_FOUND, "no route for %s %s", method, path);
    }
    memcpy(req->param, m.param, sizeof(req->param));

    /* Refused before anything else is read: neither authentication nor the
     * body is worth the work when the answer can only be 413. A file upload
     * has a limit of its own, above that of JSON bodies. */
    limit = m.route->body == GW_BODY_STREAM ? req->gw->cfg.max_upload : req->gw->cfg.max_body;
    if (m.route->body != GW_BODY_NONE && declared > limit) {
        req->close = true;
        return gw_fail(req, OC_ERR_TOO_LARGE, "request body of %lld bytes is over the limit of %ld",
                       declared, limit);
    }
    if (m.route->auth) {
        if (m.route->query_token && req->authorization == NULL) {
            s = http_query_token(req);
            if (s != OC_OK)
                return s;
        }
        s = gw_authenticate(req);
        if (s != OC_OK)
            return s;
    }
    if (m.route->body == GW_BODY_JSON) {
        s = gw_read_body(req, (size_t)limit);
        if (s != OC_OK)
            return s;
    }
    return m.route->fn(req);
}

static void http_header_long(struct mg_connection *conn, const char *name, long long v)
{
    char num[32];

    snprintf(num, sizeof(num), "%lld", v);
    mg_response_header_add(conn, name, num, -1);
}

/* Writes the response: req->reply on success, an error body otherwise. */
static void http_respond(struct gw_request *req, enum oc_status s)
{
    struct mg_connection *conn = req->conn;
    char *body = NULL;
    const char *out;
    size_t len = 0;

    /* A stream wrote its own headers and body; nothing may follow them. */
    if (req->responded)
        return;
    if (s != OC_OK) {
        req->http_status = req->error_http != 0 ? req->error_http : gw_error_http(s);
        body = gw_error_body(s, req->error_code, req->error);
    } else if (req->reply != NULL) {
        body = pbjson_dump(req->reply);
    }
    out = body;
    if (body == NULL && (s != OC_OK || req->reply != NULL)) {
        req->http_status = 500;
        out = http_fallback_body;
    }
    if (req->http_status == 0)
        req->http_status = 500;
    if (out != NULL)
        len = strlen(out);

    /* Must precede the headers so civetweb answers "Connection: close". */
    if (req->close)
        mg_disable_connection_keep_alive(conn);

    mg_response_header_start(conn, req->http_status);
    mg_response_header_add(conn, "Content-Type", "application/json", -1);
    mg_response_header_add(conn, "X-Request-Id", req->request_id, -1);
    /* Responses carry tokens and tenant data: no cache may keep them. */
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    if (req->http_status != 204)
        http_header_long(conn, "Content-Length", (long long)len);
    if (req->retry_after_s > 0)
        http_header_long(conn, "Retry-After", req->retry_after_s);
    if (req->www_authenticate != NULL)
        mg_response_header_add(conn, "WWW-Authenticate", req->www_authenticate, -1);
    if (req->allow[0] != '\0')
        mg_response_header_add(conn, "Allow", req->allow, -1);
    mg_response_header_send(conn);
    if (len > 0)
        mg_write(conn, out, len);
    free(body);
}

static double http_elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int http_on_request(struct mg_connection *conn, void *cbdata)
{
    struct gateway *gw = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct gw_request req;
    char method[16], path[256];
    struct timespec t0;
    enum oc_status s;
    int cls;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&req, 0, sizeof(req));
    req.gw = gw;
    req.conn = conn;
    req.method = ri->request_method;
    req.path = ri->local_uri != NULL ? ri->local_uri : ri->request_uri;
    http_printable(req.method, method, sizeof(method));
    http_printable(req.path, path, sizeof(path));
    req.query = ri->query_string;
    req.remote_addr = ri->remote_addr;
    req.authorization = mg_get_header(conn, "Authorization");
    req.content_type = mg_get_header(conn, "Content-Type");
    req.idempotency_key = mg_get_header(conn, "Idempotency-Key");
    req.content_length = ri->content_length;
    gw_request_id_pick(mg_get_header(conn, "X-Request-Id"), req.request_id);
    oc_log_set_request_id(req.request_id);

    s = oc_arena_new(&req.arena, HTTP_ARENA_BLOCK);
    /* The key goes to the services as given: it must be one they can store. */
    if (s == OC_OK && req.idempotency_key != NULL && !gw_request_id_sane(req.idempotency_key))
        s = gw_fail(&req, OC_ERR_INVALID,
                    "header Idempotency-Key must be 1 to 64 of A-Z a-z 0-9 . _ : -");
    if (s == OC_OK)
        s = http_dispatch(&req);
    http_respond(&req, s);

    cls = req.http_status / 100;
    if (cls >= 1 && cls <= GW_STATUS_CLASSES)
        oc_metric_add(gw->responses[cls - 1], 1);
    if (req.http_status >= 500)
        oc_warn("%s %s %d %.1f ms: %s", method, path, req.http_status, http_elapsed_ms(&t0),
                req.error[0] != '\0' ? req.error : oc_status_text(s));
    else
        oc_info("%s %s %d %.1f ms", method, path, req.http_status, http_elapsed_ms(&t0));

    json_decref(req.reply);
    free(req.body);
    oc_arena_free(req.arena);
    oc_log_set_request_id(NULL);
    return req.http_status;
}

/* civetweb's own complaints (bind failures, bad requests) go to our log. */
static int http_on_log(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    oc_warn("http: %s", message);
    return 1;
}

/* ------------------------------------------------------------ start and stop */

static void http_register_metrics(struct gateway *gw)
{
    static const char *const labels[GW_STATUS_CLASSES] = {
        "class=\"1xx\"", "class=\"2xx\"", "class=\"3xx\"", "class=\"4xx\"", "class=\"5xx\"",
    };

    for (int i = 0; i < GW_STATUS_CLASSES; i++)
        gw->responses[i] = oc_metric_counter("gateway_http_responses_total", labels[i],
                                             "HTTP responses of the public API by status class");
    gw->login_failures = oc_metric_counter("gateway_login_failures_total", NULL,
                                           "logins refused: wrong credentials");
    gw->login_limited = oc_metric_counter("gateway_login_rate_limited_total", NULL,
                                          "logins refused: too many recent failures");
}

enum oc_status gateway_http_start(struct gateway *gw)
{
    struct mg_callbacks callbacks;
    char ports[96];
    char threads[24];
    char timeout[24];

    http_register_metrics(gw);

    snprintf(ports, sizeof(ports), "%s:%ld", gw->cfg.addr, gw->cfg.port);
    /* Every open event stream holds a worker: they come on top of the
     * workers for the rest of the API (sse.c). */
    snprintf(threads, sizeof(threads), "%ld", gw->cfg.threads + gw->cfg.sse_max);
    snprintf(timeout, sizeof(timeout), "%ld", gw->cfg.request_timeout_ms);
    /* Name, value pairs, one per line. */
    /* clang-format off */
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "request_timeout_ms", timeout,
        "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", HTTP_KEEP_ALIVE_MS,
        "tcp_nodelay", "1",
        "enable_directory_listing", "no",
        NULL,
    };
    /* clang-format on */

    memset(&callbacks, 0, sizeof(callbacks));
    callbacks.log_message = http_on_log;
    oc_httpd_init_library();
    gw->http = mg_start(&callbacks, gw, options);
    if (gw->http == NULL) {
        oc_error("cannot listen on GATEWAY_ADDR:GATEWAY_PORT %s", ports);
        return OC_ERR_IO;
    }
    /* "/" is a prefix of every URI: one handler sees every request, and the
     * route table decides, so 404 and 405 come out in the same JSON shape. */
    mg_set_request_handler(gw->http, "/", http_on_request, gw);
    oc_info("http: listening on %s (%ld threads + %ld for event streams, body limit %ld bytes, "
            "upload limit %ld bytes)",
            ports, gw->cfg.threads, gw->cfg.sse_max, gw->cfg.max_body, gw->cfg.max_upload);
    return OC_OK;
}

void gateway_http_stop(struct gateway *gw)
{
    if (gw == NULL || gw->http == NULL)
        return;
    oc_httpd_stop(gw->http, gw->cfg.addr, (int)gw->cfg.port);
    gw->http = NULL;
    oc_info("http: stopped");
}
