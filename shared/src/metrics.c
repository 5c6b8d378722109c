/*
 * Prometheus metrics for the admin server's /metrics. The registry is a
 * static array of up to 256 metrics: registration (rare, usually at start)
 * takes a mutex, while updates are lock-free atomics on a pointer the caller
 * keeps, so counting a request costs one atomic add on any thread. Several
 * metrics may share a name with different labels; rendering groups them
 * under one HELP and TYPE line, as the exposition format requires.
 */
#include "oc/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "oc/log.h"

#define METRICS_MAX 256
#define METRIC_NAME_MAX 96
#define METRIC_LABELS_MAX 160
#define METRIC_HELP_MAX 192

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

struct oc_metric {
    char name[METRIC_NAME_MAX];
    char labels[METRIC_LABELS_MAX];
    char help[METRIC_HELP_MAX];
    enum metric_type type;
    atomic_int_least64_t value;
};

static struct oc_metric metrics[METRICS_MAX];
static size_t metrics_n;
static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;

static bool valid_name(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';

        if (!letter && !(p != s && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

static struct oc_metric *metric_register(enum metric_type type, const char *name,
                                         const char *labels, const char *help)
{
    struct oc_metric *m = NULL;

    if (labels == NULL)
        labels = "";
    if (help == NULL)
        help = "";
    if (!valid_name(name) || strlen(name) >= METRIC_NAME_MAX ||
        strlen(labels) >= METRIC_LABELS_MAX) {
        oc_error("metrics: refusing metric %s{%s}: bad name or labels too long",
                 name != NULL ? name : "(null)", labels);
        return NULL;
    }

    pthread_mutex_lock(&metrics_lock);
    for (size_t i = 0; i < metrics_n; i++) {
        if (strcmp(metrics[i].name, name) != 0)
            continue;
        /* One name is one metric family, so it has one type. */
        if (metrics[i].type != type) {
            oc_error("metrics: %s is already registered with another type", name);
            goto out;
        }
        if (strcmp(metrics[i].labels, labels) == 0) {
            m = &metrics[i];
            goto out;
        }
    }
    if (metrics_n == METRICS_MAX) {
        oc_error("metrics: registry full (%d metrics), %s not registered", METRICS_MAX, name);
        goto out;
    }
    m = &metrics[metrics_n];
    snprintf(m->name, sizeof(m->name), "%s", name);
    snprintf(m->labels, sizeof(m->labels), "%s", labels);
    snprintf(m->help, sizeof(m->help), "%s", help);
    m->type = type;
    atomic_init(&m->value, 0);
    metrics_n++;
out:
    pthread_mutex_unlock(&metrics_lock);
    return m;
}

struct oc_metric *oc_metric_counter(const char *name, const char *labels, const char *help)
{
    return metric_register(METRIC_COUNTER, name, labels, help);
}

struct oc_metric *oc_metric_gauge(const char *name, const char *labels, const char *help)
{
    return metric_register(METRIC_GAUGE, name, labels, help);
}

void oc_metric_add(struct oc_metric *m, int64_t delta)
{
    if (m == NULL)
        return;
    atomic_fetch_add_explicit(&m->value, delta, memory_order_relaxed);
}

void oc_metric_set(struct oc_metric *m, int64_t value)
{
    if (m == NULL)
        return;
    atomic_store_explicit(&m->value, value, memory_order_relaxed);
}

int64_t oc_metric_value(const struct oc_metric *m)
{
    if (m == NULL)
        return 0;
    /* atomic_load takes a non-const pointer in C11. */
    return atomic_load_explicit(&((struct oc_metric *)m)->value, memory_order_relaxed);
}

struct render {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
};

/* Appends one whole line or nothing: a scrape of a truncated output must
 * still parse, so output stops at the last line that fits. */
static void put_line(struct render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_line(struct render *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (r->full)
        return;
    va_start(ap, fmt);
    n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= r->cap - r->len) {
        r->buf[r->len] = '\0';
        r->full = true;
        return;
    }
    r->len += (size_t)n;
}

/* HELP text escapes backslash and newline, per the exposition format. */
static void escape_help(const char *in, char *out, size_t cap)
{
    size_t o = 0;

    for (; *in != '\0' && o + 2 < cap; in++) {
        if (*in == '\\' || *in == '\n') {
            out[o++] = '\\';
            out[o++] = *in == '\n' ? 'n' : '\\';
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

size_t oc_metrics_render(char *buf, size_t cap)
{
    struct render r = {.buf = buf, .cap = cap};
    char help[2 * METRIC_HELP_MAX];
    size_t n;

    if (buf == NULL || cap == 0)
        return 0;
    buf[0] = '\0';

    pthread_mutex_lock(&metrics_lock);
    n = metrics_n;
    pthread_mutex_unlock(&metrics_lock);

    /* Entries below n are never modified again except for their values, so
     * they are read without the lock. Families are written in the order
     * their first member registered. */
    for (size_t i = 0; i < n; i++) {
        bool seen = false;

        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(metrics[j].name, metrics[i].name) == 0;
        if (seen)
            continue;

        escape_help(metrics[i].help, help, sizeof(help));
        if (help[0] != '\0')
            put_line(&r, "# HELP %s %s\n", metrics[i].name, help);
        put_line(&r, "# TYPE %s %s\n", metrics[i].name,
                 metrics[i].type == METRIC_COUNTER ? "counter" : "gauge");
        for (size_t j = i; j < n; j++) {
            const struct oc_metric *m = &metrics[j];

            if (strcmp(m->name, metrics[i].name) != 0)
                continue;
            if (m->labels[0] != '\0')
                put_line(&r, "%s{%s} %lld\n", m->name, m->labels, (long long)oc_metric_value(m));
            else
                put_line(&r, "%s %lld\n", m->name, (long long)oc_metric_value(m));
        }
    }
    return r.len;
}
