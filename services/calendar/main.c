/*
 * calendar's start-up. The shared runtime (shared/src/service.c) does the
 * rest in the order every service shares: it reads the common configuration,
 * opens Postgres on the calendar schema and applies the embedded migrations,
 * connects NATS, serves calendar.health and the service's handlers, and
 * tears down in reverse on SIGTERM. There are no handlers of the service's
 * own yet.
 */
#include "oc/service.h"

#include "calendar.h"

/* Binds the state to the runtime before any handler is subscribed. */
static enum oc_status calendar_start(struct oc_service *svc)
{
    struct calendar *st = svc->user;
    st->svc = svc;
    return OC_OK;
}

int main(int argc, char **argv)
{
    static struct calendar state;
    const struct oc_service_def def = {
        .name = "calendar",
        .schema = "calendar",
        .default_admin_port = 9108,
        .migrations = calendar_migrations,
        .n_migrations = calendar_migrations_count,
        .start = calendar_start,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
