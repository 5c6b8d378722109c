/*
 * Unit tests for metrics.c: the text exposition format (HELP and TYPE once
 * per family, labelled samples grouped under them), finding a registered
 * metric again, refusing bad names and type clashes, the 256-metric limit,
 * and truncation that never cuts a line. Each Criterion test runs in its
 * own process, so each starts with an empty registry.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "oc/metrics.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

Test(metrics, counter_renders_help_type_and_value)
{
    struct oc_metric *m = oc_metric_counter("oc_requests_total", NULL, "Requests served.");
    char buf[1024];
    size_t len;

    cr_assert_not_null(m);
    oc_metric_add(m, 3);
    oc_metric_add(m, 2);
    cr_assert_eq(oc_metric_value(m), 5);
    len = oc_metrics_render(buf, sizeof(buf));
    cr_assert_str_eq(buf, "# HELP oc_requests_total Requests served.\n"
                          "# TYPE oc_requests_total counter\n"
                          "oc_requests_total 5\n");
    cr_assert_eq(len, strlen(buf));
}

Test(metrics, gauge_can_be_set_and_moved)
{
    struct oc_metric *g = oc_metric_gauge("oc_calls_active", NULL, "Calls in progress.");
    char buf[1024];

    oc_metric_set(g, 10);
    oc_metric_add(g, -3);
    cr_assert_eq(oc_metric_value(g), 7);
    oc_metrics_render(buf, sizeof(buf));
    cr_assert_not_null(strstr(buf, "# TYPE oc_calls_active gauge\noc_calls_active 7\n"), "%s", buf);
}

Test(metrics, labelled_series_share_one_header)
{
    struct oc_metric *a =
        oc_metric_counter("oc_nats_requests_total", "subject=\"leads.import\"", "NATS requests.");
    struct oc_metric *other = oc_metric_gauge("oc_up", NULL, "Up.");
    struct oc_metric *b =
        oc_metric_counter("oc_nats_requests_total", "subject=\"leads.list\"", "NATS requests.");
    char buf[2048];

    oc_metric_add(a, 1);
    oc_metric_add(b, 2);
    oc_metric_set(other, 1);
    oc_metrics_render(buf, sizeof(buf));
    cr_assert_eq(count(buf, "# TYPE oc_nats_requests_total counter\n"), 1, "%s", buf);
    cr_assert_eq(count(buf, "# HELP oc_nats_requests_total"), 1, "%s", buf);
    cr_assert_not_null(strstr(buf, "# TYPE oc_nats_requests_total counter\n"
                                   "oc_nats_requests_total{subject=\"leads.import\"} 1\n"
                                   "oc_nats_requests_total{subject=\"leads.list\"} 2\n"),
                       "%s", buf);
}

Test(metrics, registering_again_returns_the_same_metric)
{
    struct oc_metric *a = oc_metric_counter("oc_x_total", "k=\"v\"", "X.");
    struct oc_metric *b = oc_metric_counter("oc_x_total", "k=\"v\"", "X.");
    struct oc_metric *c = oc_metric_counter("oc_x_total", "k=\"w\"", "X.");

    cr_assert_not_null(a);
    cr_assert_eq(a, b);
    cr_assert_neq(a, c);
}

Test(metrics, refuses_a_name_with_two_types)
{
    cr_assert_not_null(oc_metric_counter("oc_thing", NULL, "Thing."));
    cr_assert_null(oc_metric_gauge("oc_thing", "a=\"b\"", "Thing."));
}

Test(metrics, refuses_invalid_names)
{
    cr_assert_null(oc_metric_counter("9lives", NULL, "x"));
    cr_assert_null(oc_metric_counter("has space", NULL, "x"));
    cr_assert_null(oc_metric_counter("dash-ed", NULL, "x"));
    cr_assert_null(oc_metric_counter("", NULL, "x"));
    cr_assert_not_null(oc_metric_counter("ok_name:sub_1", NULL, "x"));
}

Test(metrics, registry_holds_256_metrics)
{
    char name[32];

    for (int i = 0; i < 256; i++) {
        snprintf(name, sizeof(name), "oc_m%d", i);
        cr_assert_not_null(oc_metric_counter(name, NULL, "m"), "metric %d", i);
    }
    cr_assert_null(oc_metric_counter("oc_one_too_many", NULL, "m"));
    /* Finding an existing one still works when full. */
    cr_assert_not_null(oc_metric_counter("oc_m7", NULL, "m"));
}

Test(metrics, null_metric_is_ignored)
{
    oc_metric_add(NULL, 1);
    oc_metric_set(NULL, 1);
    cr_assert_eq(oc_metric_value(NULL), 0);
}

Test(metrics, help_text_is_escaped)
{
    char buf[512];

    oc_metric_counter("oc_e_total", NULL, "a\\b\nc");
    oc_metrics_render(buf, sizeof(buf));
    cr_assert_not_null(strstr(buf, "# HELP oc_e_total a\\\\b\\nc\n"), "%s", buf);
}

Test(metrics, truncation_keeps_whole_lines)
{
    char full[4096];
    char small[100];
    size_t full_len, len;

    for (int i = 0; i < 10; i++) {
        char name[32];

        snprintf(name, sizeof(name), "oc_series_%d_total", i);
        oc_metric_add(oc_metric_counter(name, NULL, "Some help text."), i);
    }
    full_len = oc_metrics_render(full, sizeof(full));
    len = oc_metrics_render(small, sizeof(small));
    cr_assert_lt(len, sizeof(small));
    cr_assert_lt(len, full_len);
    cr_assert_gt(len, 0);
    cr_assert_eq(small[len - 1], '\n');
    cr_assert_eq(strlen(small), len);
    cr_assert_eq(strncmp(small, full, len), 0);
}
