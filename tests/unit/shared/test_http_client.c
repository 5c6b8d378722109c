/*
 * Unit tests for http_client.c against a civetweb server started by the
 * test on 127.0.0.1 and a free port: the method, body, headers and basic
 * auth arrive as sent; any HTTP status counts as an answer; a slow server
 * times out; a closed port is unavailable; bodies over 16 MiB are refused
 * whether or not the server announces their length.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <civetweb.h>

#include "oc/http_client.h"

#define BIG_BODY (17u * 1024 * 1024)

static struct mg_context *server;
static int port;
static char base[64];

/* Binds port 0 to let the kernel pick a free port, then releases it. */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int p;

    cr_assert_geq(fd, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    p = ntohs(sa.sin_port);
    close(fd);
    return p;
}

static void send_text(struct mg_connection *conn, int status, const char *type, const char *body)
{
    char len[32];

    snprintf(len, sizeof(len), "%zu", strlen(body));
    mg_response_header_start(conn, status);
    mg_response_header_add(conn, "Content-Type", type, -1);
    mg_response_header_add(conn, "Content-Length", len, -1);
    mg_response_header_send(conn);
    mg_write(conn, body, strlen(body));
}

/* Answers with what it received, one "name=value" per line. */
static int on_echo(struct mg_connection *conn, void *data)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *x = mg_get_header(conn, "X-Test");
    const char *auth = mg_get_header(conn, "Authorization");
    const char *ct = mg_get_header(conn, "Content-Type");
    char body[1024] = "";
    char out[2048];
    size_t n = 0;
    int r;

    (void)data;
    while (n < sizeof(body) - 1 && (r = mg_read(conn, body + n, sizeof(body) - 1 - n)) > 0)
        n += (size_t)r;
    body[n] = '\0';
    snprintf(out, sizeof(out), "method=%s\nbody=%s\nx-test=%s\nauth=%s\ncontent-type=%s\n",
             ri->request_method, body, x ? x : "", auth ? auth : "", ct ? ct : "");
    send_text(conn, 200, "text/plain", out);
    return 200;
}

static int on_teapot(struct mg_connection *conn, void *data)
{
    (void)data;
    send_text(conn, 418, "application/json", "{\"teapot\":true}");
    return 418;
}

static int on_slow(struct mg_connection *conn, void *data)
{
    (void)data;
    usleep(1000 * 1000);
    send_text(conn, 200, "text/plain", "late");
    return 200;
}

static int send_big(struct mg_connection *conn, bool announce)
{
    static char chunk[64 * 1024];
    size_t sent = 0;
    char len[32];

    mg_response_header_start(conn, 200);
    mg_response_header_add(conn, "Content-Type", "application/octet-stream", -1);
    if (announce) {
        snprintf(len, sizeof(len), "%u", BIG_BODY);
        mg_response_header_add(conn, "Content-Length", len, -1);
    } else {
        mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
    }
    mg_response_header_send(conn);
    /* Stops as soon as the client hangs up. */
    while (sent < BIG_BODY) {
        int r = announce ? mg_write(conn, chunk, sizeof(chunk))
                         : mg_send_chunk(conn, chunk, sizeof(chunk));

        if (r <= 0)
            break;
        sent += sizeof(chunk);
    }
    if (!announce)
        mg_send_chunk(conn, "", 0);
    return 200;
}

static int on_big(struct mg_connection *conn, void *data)
{
    (void)data;
    return send_big(conn, true);
}

static int on_big_chunked(struct mg_connection *conn, void *data)
{
    (void)data;
    return send_big(conn, false);
}

static void server_start(void)
{
    char ports[32];
    const char *options[] = {"listening_ports", ports, "num_threads", "4", NULL};

    mg_init_library(0);
    port = free_port();
    snprintf(ports, sizeof(ports), "127.0.0.1:%d", port);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    server = mg_start(NULL, NULL, options);
    cr_assert_not_null(server, "civetweb did not start on %s", ports);
    mg_set_request_handler(server, "/echo", on_echo, NULL);
    mg_set_request_handler(server, "/teapot", on_teapot, NULL);
    mg_set_request_handler(server, "/slow", on_slow, NULL);
    mg_set_request_handler(server, "/big$", on_big, NULL);
    mg_set_request_handler(server, "/bigchunked", on_big_chunked, NULL);
    cr_assert_eq(oc_http_global_init(), OC_OK);
}

static atomic_bool stopped;

/* civetweb notices mg_stop only when a connection arrives or every 2 s, so
 * the test connects until the server is down rather than wait. */
static void *poke(void *arg)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

    (void)arg;
    while (!atomic_load(&stopped)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        close(fd);
        usleep(20 * 1000);
    }
    return NULL;
}

static void server_stop(void)
{
    pthread_t t;

    pthread_create(&t, NULL, poke, NULL);
    mg_stop(server);
    atomic_store(&stopped, true);
    pthread_join(t, NULL);
    oc_http_global_cleanup();
}

TestSuite(http_client, .init = server_start, .fini = server_stop, .timeout = 30);

static char *url(const char *path)
{
    static char buf[128];

    snprintf(buf, sizeof(buf), "%s%s", base, path);
    return buf;
}

Test(http_client, post_sends_method_body_and_headers)
{
    const char *headers[] = {"X-Test: 42", "Content-Type: application/json", NULL};
    struct oc_http_request req = {.method = "POST",
                                  .url = url("/echo"),
                                  .headers = headers,
                                  .body = "{\"a\":1}",
                                  .body_len = 7};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_OK);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.body, "method=POST\nbody={\"a\":1}\nx-test=42\nauth=\n"
                                "content-type=application/json\n");
    cr_assert_eq(resp.body_len, strlen(resp.body));
    cr_assert_str_eq(resp.content_type, "text/plain");
    oc_http_response_clear(&resp);
}

Test(http_client, get_is_the_default_method)
{
    struct oc_http_request req = {.url = url("/echo")};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_OK);
    cr_assert(strncmp(resp.body, "method=GET\nbody=\n", 17) == 0, "%s", resp.body);
    oc_http_response_clear(&resp);
}

Test(http_client, other_methods_are_sent_as_given)
{
    struct oc_http_request put = {.method = "PUT", .url = url("/echo"), .body = "x", .body_len = 1};
    struct oc_http_request del = {.method = "DELETE", .url = url("/echo")};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&put, &resp), OC_OK);
    cr_assert(strncmp(resp.body, "method=PUT\nbody=x\n", 18) == 0, "%s", resp.body);
    oc_http_response_clear(&resp);
    cr_assert_eq(oc_http_do(&del, &resp), OC_OK);
    cr_assert(strncmp(resp.body, "method=DELETE\n", 14) == 0, "%s", resp.body);
    oc_http_response_clear(&resp);
}

Test(http_client, sends_basic_auth)
{
    struct oc_http_request req = {
        .url = url("/echo"), .basic_user = "user", .basic_password = "pass"};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_OK);
    cr_assert_not_null(strstr(resp.body, "auth=Basic dXNlcjpwYXNz\n"), "%s", resp.body);
    oc_http_response_clear(&resp);
}

Test(http_client, error_statuses_are_answers)
{
    struct oc_http_request req = {.url = url("/teapot")};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_OK);
    cr_assert_eq(resp.status, 418);
    cr_assert_str_eq(resp.body, "{\"teapot\":true}");
    cr_assert_str_eq(resp.content_type, "application/json");
    oc_http_response_clear(&resp);
    cr_assert_null(resp.body);
    cr_assert_null(resp.content_type);
}

Test(http_client, slow_server_times_out)
{
    struct oc_http_request req = {.url = url("/slow"), .timeout_ms = 200};
    struct oc_http_response resp = {.status = -7};

    cr_assert_eq(oc_http_do(&req, &resp), OC_ERR_TIMEOUT);
    cr_assert_eq(resp.status, -7, "response written on failure");
}

Test(http_client, closed_port_is_unavailable)
{
    char u[64];
    struct oc_http_request req = {.url = u, .timeout_ms = 2000};
    struct oc_http_response resp;

    snprintf(u, sizeof(u), "http://127.0.0.1:%d/", free_port());
    cr_assert_eq(oc_http_do(&req, &resp), OC_ERR_UNAVAILABLE);
}

Test(http_client, announced_large_body_is_refused)
{
    struct oc_http_request req = {.url = url("/big")};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_ERR_TOO_LARGE);
}

Test(http_client, unannounced_large_body_is_refused)
{
    struct oc_http_request req = {.url = url("/bigchunked")};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_ERR_TOO_LARGE);
}

Test(http_client, only_http_urls_are_allowed)
{
    struct oc_http_request req = {.url = "file:///etc/passwd"};
    struct oc_http_response resp;

    cr_assert_eq(oc_http_do(&req, &resp), OC_ERR_INVALID);
}
