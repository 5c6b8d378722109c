/*
 * The admin HTTP server each service runs on its own port, over civetweb:
 * /healthz answers while the process runs (liveness), /readyz asks the
 * service whether its dependencies are up (readiness, with the reason when
 * not), and /metrics writes the metrics registry for Prometheus. It serves
 * nothing else, so it never exposes files or other surfaces, and it runs on
 * two threads of its own so a slow scrape cannot starve the service.
 */
#include "oc/admin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

#include "oc/httpd.h"
#include "oc/log.h"
#include "oc/metrics.h"

/* Room for 256 metrics with their help lines, however long. */
#define ADMIN_METRICS_BUF (256 * 1024)

struct oc_admin {
    struct mg_context *ctx;
    oc_ready_cb ready;
    void *user;
    char addr[64]; /* where oc_admin_stop's waker connects */
    int port;
};

static int reply(struct mg_connection *conn, int status, const char *type, const char *body,
                 size_t len)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char lenstr[32];

    snprintf(lenstr, sizeof(lenstr), "%zu", len);
    mg_response_header_start(conn, status);
    mg_response_header_add(conn, "Content-Type", type, -1);
    mg_response_header_add(conn, "Content-Length", lenstr, -1);
    /* Probes and scrapes must see the current state, never a cached one. */
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    mg_response_header_send(conn);
    if (len > 0 && strcmp(ri->request_method, "HEAD") != 0)
        mg_write(conn, body, len);
    return status;
}

static int reply_text(struct mg_connection *conn, int status, const char *text)
{
    return reply(conn, status, "text/plain; charset=utf-8", text, strlen(text));
}

static int serve_metrics(struct mg_connection *conn)
{
    char *buf = malloc(ADMIN_METRICS_BUF);
    size_t len;
    int rc;

    if (buf == NULL)
        return reply_text(conn, 500, "out of memory");
    len = oc_metrics_render(buf, ADMIN_METRICS_BUF);
    rc = reply(conn, 200, "text/plain; version=0.0.4", buf, len);
    free(buf);
    return rc;
}

static int serve_ready(struct mg_connection *conn, struct oc_admin *a)
{
    char why[256] = "";

    if (a->ready == NULL || a->ready(a->user, why, sizeof(why)))
        return reply_text(conn, 200, "ready");
    why[sizeof(why) - 1] = '\0';
    return reply_text(conn, 503, why[0] != '\0' ? why : "not ready");
}

static int on_request(struct mg_connection *conn, void *cbdata)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct oc_admin *a = cbdata;
    const char *path = ri->local_uri != NULL ? ri->local_uri : "";
    bool known = strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
                 strcmp(path, "/metrics") == 0;

    if (!known)
        return reply_text(conn, 404, "not found");
    if (strcmp(ri->request_method, "GET") != 0 && strcmp(ri->request_method, "HEAD") != 0)
        return reply_text(conn, 405, "method not allowed");
    if (strcmp(path, "/healthz") == 0)
        return reply_text(conn, 200, "ok");
    if (strcmp(path, "/readyz") == 0)
        return serve_ready(conn, a);
    return serve_metrics(conn);
}

/* civetweb writes its own errors to stderr; route them to our log so they
 * keep the one-line format. */
static int on_log_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    oc_warn("admin: %s", message);
    return 1;
}

enum oc_status oc_admin_start(struct oc_admin **out, const char *addr, int port, oc_ready_cb ready,
                              void *user)
{
    struct mg_callbacks callbacks = {0};
    struct mg_init_data init = {0};
    struct mg_error_data error = {0};
    char errtext[256] = "";
    unsigned errcode = 0;
    char ports[128];
    struct oc_admin *a;
    /* Name-value pairs, one per line. */
    /* clang-format off */
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", "2",
        "enable_keep_alive", "yes",
        "tcp_nodelay", "1",
        NULL,
    };
    /* clang-format on */

    if (addr == NULL || *addr == '\0' || port < 1 || port > 65535)
        return OC_ERR_INVALID;
    /* An IPv6 address needs brackets to be told apart from the port. */
    if (strchr(addr, ':') != NULL)
        snprintf(ports, sizeof(ports), "[%s]:%d", addr, port);
    else
        snprintf(ports, sizeof(ports), "%s:%d", addr, port);

    oc_httpd_init_library();

    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return OC_ERR_NOMEM;
    a->ready = ready;
    a->user = user;
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    a->port = port;

    callbacks.log_message = on_log_message;
    init.callbacks = &callbacks;
    init.user_data = a;
    init.configuration_options = options;
    error.code = &errcode;
    error.text = errtext;
    error.text_buffer_size = sizeof(errtext);

    a->ctx = mg_start2(&init, &error);
    if (a->ctx == NULL) {
        oc_error("admin: cannot listen on %s: %s", ports,
                 errtext[0] != '\0' ? errtext : "civetweb failed to start");
        free(a);
        return OC_ERR_UNAVAILABLE;
    }
    /* "/" matches every path; on_request answers the three it knows and 404
     * for the rest. */
    mg_set_request_handler(a->ctx, "/", on_request, a);
    oc_info("admin: listening on %s", ports);
    *out = a;
    return OC_OK;
}

void oc_admin_stop(struct oc_admin *a)
{
    if (a == NULL)
        return;
    oc_httpd_stop(a->ctx, a->addr, a->port);
    free(a);
}
