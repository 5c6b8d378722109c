/*
 * The service runtime: the start-up and teardown every service shares, in
 * the order STYLE.md gives: config -> logging -> block signals -> Postgres
 * (+ migrations) -> NATS -> admin HTTP -> subscribe -> wait for a signal ->
 * teardown in reverse, bounded in time. A service's main.c fills a
 * struct oc_service_def and calls oc_service_main().
 *
 * Every service gets `<name>.health` for free. Handlers in def->handlers
 * receive the struct oc_service * as req->user (the service's own state is
 * svc->user).
 *
 * Common environment: NATS_URL, DATABASE_URL, DB_POOL_SIZE, ADMIN_ADDR,
 * ADMIN_PORT, LOG_LEVEL, SERVICE_INSTANCE, SHUTDOWN_TIMEOUT_MS.
 */
#ifndef OC_SERVICE_H
#define OC_SERVICE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "oc/admin.h"
#include "oc/bus.h"
#include "oc/config.h"
#include "oc/db.h"
#include "oc/status.h"

struct oc_service;

struct oc_service_def {
    const char *name;                      /* "lead-ingest": binary, queue group, subjects */
    const char *schema;                    /* "lead_ingest"; NULL: no database */
    int default_admin_port;
    const struct oc_migration *migrations;
    size_t n_migrations;
    const struct oc_handler *handlers;     /* served in the queue group `name` */
    size_t n_handlers;
    /* Reads the service's own variables; called with the common ones already read. */
    void (*configure)(struct oc_service *svc, struct oc_cfg *cfg);
    /* After NATS and Postgres are up, before handlers are subscribed (streams, consumers, threads). */
    enum oc_status (*start)(struct oc_service *svc);
    /* First step of teardown: stop own threads and consumers. */
    void (*stop)(struct oc_service *svc);
    void *user;                            /* the service's state, reachable as svc->user */
};

struct oc_service {
    const struct oc_service_def *def;
    void *user;
    const char *instance;
    const char *nats_url;
    const char *database_url;
    const char *admin_addr;
    long admin_port;
    long db_pool_size;
    long shutdown_timeout_ms;
    struct oc_bus *bus;
    struct oc_db *db;                      /* NULL when def->schema is NULL */
    struct oc_admin *admin;
    time_t started;
    atomic_bool stopping;
};

/**
 * Runs the service until SIGTERM or SIGINT. Returns the process exit code:
 * 0 after a clean shutdown, 1 when start-up failed (the reason is logged),
 * 2 on bad configuration.
 */
int oc_service_main(const struct oc_service_def *def, int argc, char **argv);

#endif
