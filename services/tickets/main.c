/*
 * tickets's start-up. The shared runtime (shared/src/service.c) does the
 * rest in the order every service shares: it reads the common configuration,
 * opens Postgres on the tickets schema and applies the embedded migrations,
 * connects NATS, serves tickets.health and the service's handlers, and
 * tears down in reverse on SIGTERM. There are no handlers of the service's
 * own yet.
 */
#include "oc/service.h"

#include "tickets.h"

/* Binds the state to the runtime before any handler is subscribed. */
static enum oc_status tickets_start(struct oc_service *svc)
{
    struct tickets *st = svc->user;
    st->svc = svc;
    return OC_OK;
}

int main(int argc, char **argv)
{
    static struct tickets state;
    const struct oc_service_def def = {
        .name = "tickets",
        .schema = "tickets",
        .default_admin_port = 9110,
        .migrations = tickets_migrations,
        .n_migrations = tickets_migrations_count,
        .start = tickets_start,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
