/*
 * billing's start-up and teardown. The shared runtime (shared/src/service.c)
 * reads the configuration (the BILLING_* variables through config.c), opens
 * Postgres on the billing schema and applies the embedded migrations,
 * connects NATS, calls the start hook below (the calls.ended consumer and
 * the tenant.created subscription), serves the handler table (handlers.c),
 * and on SIGTERM calls the stop hook first.
 */
#include "billing.h"
#include "consumers.h"
#include "oc/service.h"

static void billing_on_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    struct billing *b = svc->user;
    b->svc = svc;
    billing_configure(b, cfg);
}

static enum oc_status billing_on_start(struct oc_service *svc)
{
    return consumers_start(svc->user);
}

static void billing_on_stop(struct oc_service *svc)
{
    consumers_stop(svc->user);
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
        .handlers = billing_handlers,
        .n_handlers = billing_handlers_count,
        .configure = billing_on_configure,
        .start = billing_on_start,
        .stop = billing_on_stop,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
