/*
 * billing's start-up. The shared runtime (shared/src/service.c) does the
 * rest in the order every service shares: it reads the common configuration,
 * opens Postgres on the billing schema and applies the embedded migrations,
 * connects NATS, serves billing.health and the service's handlers, and
 * tears down in reverse on SIGTERM. There are no handlers of the service's
 * own yet.
 */
#include "oc/service.h"

#include "billing.h"

/* Binds the state to the runtime before any handler is subscribed. */
static enum oc_status billing_start(struct oc_service *svc)
{
    struct billing *st = svc->user;
    st->svc = svc;
    return OC_OK;
}

int main(int argc, char **argv)
{
    static struct billing state;
    const struct oc_service_def def = {
        .name = "billing",
        .schema = "billing",
        .default_admin_port = 9109,
        .migrations = billing_migrations,
        .n_migrations = billing_migrations_count,
        .start = billing_start,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
