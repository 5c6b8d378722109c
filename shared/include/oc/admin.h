/*
 * The admin HTTP server every service runs on its own port (civetweb):
 *   /healthz  200 while the process runs
 *   /readyz   200 when the ready callback says so (NATS connected, Postgres
 *             reachable), 503 with the reason otherwise
 *   /metrics  Prometheus text format
 */
#ifndef OC_ADMIN_H
#define OC_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"

/** Fills why (when not ready) and returns readiness. */
typedef bool (*oc_ready_cb)(void *user, char *why, size_t whylen);

struct oc_admin;

/** Listens on addr:port. Caller stops with oc_admin_stop. */
enum oc_status oc_admin_start(struct oc_admin **out, const char *addr, int port, oc_ready_cb ready,
                              void *user);

void oc_admin_stop(struct oc_admin *a);

#endif
