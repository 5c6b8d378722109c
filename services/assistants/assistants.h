/*
 * assistants: the voice assistants a tenant builds (language, greeting,
 * script, wizard answers, objections) and their saved versions. main.c
 * hands the service to the shared runtime (oc/service.h); the state below
 * is what the service's own code shares between its handlers.
 *
 *   assistant_rules.c  what makes an assistant valid; update masks (pure)
 *   assistant_json.c   the jsonb columns to and from protobuf (pure)
 *   prompt.c           the system prompt of a version (pure)
 *   store.c            all of the SQL
 *   handlers.c         assistants.* request/reply, evt.<tenant>.assistant.updated
 */
#ifndef ASSISTANTS_H
#define ASSISTANTS_H

#include "oc/bus.h"
#include "oc/db.h"

struct oc_service;

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct assistants {
    /* The runtime (bus, database, configuration). Borrowed: set by the
     * configure hook and valid until the process ends. */
    struct oc_service *svc;
};

/* The handler table (handlers.c). */
extern const struct oc_handler assistants_handlers[];
extern const size_t assistants_handlers_count;

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration assistants_migrations[];
extern const unsigned long assistants_migrations_count;

#endif
