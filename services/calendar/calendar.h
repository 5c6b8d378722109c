/*
 * calendar: the operator calendars a tenant connects (refresh tokens sealed),
 * availability rules and the meetings booked during calls. main.c hands the
 * service to the shared runtime (oc/service.h); the state below is what the
 * service's own code shares between its handlers, consumers and threads.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include "oc/db.h"

struct oc_service;

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct calendar {
    /* The runtime (bus, database, configuration). Borrowed: set by the start
     * hook and valid until the stop hook returns. It is here because
     * JetStream consumers and the service's own threads are handed only
     * this state. */
    struct oc_service *svc;
};

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration calendar_migrations[];
extern const unsigned long calendar_migrations_count;

#endif
