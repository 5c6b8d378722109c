/*
 * Prometheus-format metrics: a fixed registry of counters and gauges updated
 * with atomics from any thread, written out in the text exposition format
 * by the admin server's /metrics.
 */
#ifndef OC_METRICS_H
#define OC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

struct oc_metric;

/**
 * Registers (or finds) a counter / gauge. name must be a valid Prometheus name;
 * labels is a preformatted label set such as `subject="leads.import"` or NULL.
 * The returned pointer lives for the process. NULL when the registry is full.
 */
struct oc_metric *oc_metric_counter(const char *name, const char *labels, const char *help);
struct oc_metric *oc_metric_gauge(const char *name, const char *labels, const char *help);

void oc_metric_add(struct oc_metric *m, int64_t delta);   /* NULL does nothing */
void oc_metric_set(struct oc_metric *m, int64_t value);
int64_t oc_metric_value(const struct oc_metric *m);

/** Writes every metric in the text exposition format; returns bytes written (truncates at cap). */
size_t oc_metrics_render(char *buf, size_t cap);

#endif
