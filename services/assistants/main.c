/*
 * assistants's start-up. The shared runtime (shared/src/service.c) does the
 * rest in the order every service shares: it reads the common configuration,
 * opens Postgres on the assistants schema and applies the embedded migrations,
 * connects NATS, serves assistants.health and the service's handlers, and
 * tears down in reverse on SIGTERM. There are no handlers of the service's
 * own yet.
 */
#include "oc/service.h"

#include "assistants.h"

/* Binds the state to the runtime before any handler is subscribed. */
static enum oc_status assistants_start(struct oc_service *svc)
{
    struct assistants *st = svc->user;
    st->svc = svc;
    return OC_OK;
}

int main(int argc, char **argv)
{
    static struct assistants state;
    const struct oc_service_def def = {
        .name = "assistants",
        .schema = "assistants",
        .default_admin_port = 9103,
        .migrations = assistants_migrations,
        .n_migrations = assistants_migrations_count,
        .start = assistants_start,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
