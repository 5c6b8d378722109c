/*
 * Unit tests for admin.c over real HTTP (oc_http_do to 127.0.0.1 and a free
 * port): /healthz, /readyz both ready and not ready with the callback's
 * reason, /metrics in the Prometheus content type, 404 for anything else,
 * and start-up refusing a port already in use.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oc/admin.h"
#include "oc/http_client.h"
#include "oc/metrics.h"

static struct oc_admin *admin;
static int port;
static bool ready_flag = true;
static int ready_calls;

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

static bool is_ready(void *user, char *why, size_t whylen)
{
    cr_assert_eq(user, &ready_flag);
    ready_calls++;
    if (!ready_flag)
        snprintf(why, whylen, "nats disconnected");
    return ready_flag;
}

static void setup(void)
{
    cr_assert_eq(oc_http_global_init(), OC_OK);
    port = free_port();
    cr_assert_eq(oc_admin_start(&admin, "127.0.0.1", port, is_ready, &ready_flag), OC_OK);
}

static void teardown(void)
{
    oc_admin_stop(admin);
    oc_http_global_cleanup();
}

TestSuite(admin, .init = setup, .fini = teardown, .timeout = 30);

static void get(const char *method, const char *path, struct oc_http_response *resp)
{
    char url[128];
    struct oc_http_request req = {.method = method, .url = url, .timeout_ms = 5000};

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    cr_assert_eq(oc_http_do(&req, resp), OC_OK, "%s %s", method ? method : "GET", path);
}

Test(admin, healthz_answers_ok)
{
    struct oc_http_response resp;

    get(NULL, "/healthz", &resp);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.body, "ok");
    oc_http_response_clear(&resp);
}

Test(admin, readyz_answers_ready)
{
    struct oc_http_response resp;

    get(NULL, "/readyz", &resp);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.body, "ready");
    oc_http_response_clear(&resp);
}

Test(admin, readyz_gives_the_reason_when_not_ready)
{
    struct oc_http_response resp;

    /* The server's threads read the flag: it lives in this process. */
    ready_flag = false;
    get(NULL, "/readyz", &resp);
    cr_assert_eq(resp.status, 503);
    cr_assert_str_eq(resp.body, "nats disconnected");
    oc_http_response_clear(&resp);
    cr_assert_eq(ready_calls, 1);
}

Test(admin, metrics_are_served_in_prometheus_format)
{
    struct oc_metric *m = oc_metric_counter("oc_admin_test_total", "k=\"v\"", "A test counter.");
    struct oc_http_response resp;

    oc_metric_add(m, 41);
    oc_metric_add(m, 1);
    get(NULL, "/metrics", &resp);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.content_type, "text/plain; version=0.0.4");
    cr_assert_not_null(strstr(resp.body, "# TYPE oc_admin_test_total counter\n"
                                         "oc_admin_test_total{k=\"v\"} 42\n"),
                       "%s", resp.body);
    oc_http_response_clear(&resp);
}

Test(admin, unknown_paths_are_not_found)
{
    struct oc_http_response resp;

    get(NULL, "/unknown", &resp);
    cr_assert_eq(resp.status, 404);
    oc_http_response_clear(&resp);
    get(NULL, "/", &resp);
    cr_assert_eq(resp.status, 404);
    oc_http_response_clear(&resp);
    get(NULL, "/healthz/extra", &resp);
    cr_assert_eq(resp.status, 404);
    oc_http_response_clear(&resp);
}

Test(admin, only_reads_are_allowed)
{
    struct oc_http_response resp;

    get("POST", "/healthz", &resp);
    cr_assert_eq(resp.status, 405);
    oc_http_response_clear(&resp);
}

Test(admin, several_requests_on_one_server)
{
    struct oc_http_response resp;

    for (int i = 0; i < 20; i++) {
        get(NULL, "/healthz", &resp);
        cr_assert_eq(resp.status, 200);
        oc_http_response_clear(&resp);
    }
}

Test(admin, refuses_a_port_in_use)
{
    struct oc_admin *second = NULL;

    cr_assert_eq(oc_admin_start(&second, "127.0.0.1", port, NULL, NULL), OC_ERR_UNAVAILABLE);
    cr_assert_null(second);
}

Test(admin, refuses_a_bad_port)
{
    struct oc_admin *other = NULL;

    cr_assert_eq(oc_admin_start(&other, "127.0.0.1", 0, NULL, NULL), OC_ERR_INVALID);
    cr_assert_eq(oc_admin_start(&other, "127.0.0.1", 70000, NULL, NULL), OC_ERR_INVALID);
    cr_assert_null(other);
    oc_admin_stop(NULL);
}
