/*
 * assistants's start-up. The shared runtime (shared/src/service.c) does the
 * rest in the order every service shares: it reads the common configuration,
 * opens Postgres on the assistants schema and applies the embedded
 * migrations, connects NATS, serves assistants.health and the handler table
 * (handlers.c), and tears down in reverse on SIGTERM. The service has no
 * threads or consumers of its own.
 */
#include "assistants.h"
#include "oc/service.h"

/* Binds the state to the runtime before anything runs. */
static void assistants_on_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    (void)cfg;
    struct assistants *st = svc->user;
    st->svc = svc;
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
        .handlers = assistants_handlers,
        .n_handlers = assistants_handlers_count,
        .configure = assistants_on_configure,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
