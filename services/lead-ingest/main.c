/*
 * lead-ingest's start-up and teardown. `lead-ingest check ...` runs the
 * import's checks on a CSV from standard input and exits (check_cmd.c);
 * without a subcommand the shared runtime (shared/src/service.c) runs the
 * service in the order every service shares: configuration, Postgres and
 * the embedded migrations, NATS, the start hook below (import workers, the
 * outbox publisher, the consumers), the handler table, and teardown in
 * reverse on SIGTERM.
 */
#include <string.h>

#include "import_job.h"
#include "lead-ingest.h"
#include "oc/log.h"
#include "oc/service.h"
#include "outbox.h"

static void lead_ingest_config(struct oc_service *svc, struct oc_cfg *cfg)
{
    lead_ingest_configure(svc->user, cfg);
}

/*
 * Long-lived parts, created in this order. The stop hook stops their
 * threads in reverse before the runtime drains NATS and closes Postgres;
 * their memory is freed by main() once the runtime returned, because
 * handlers still in flight during the drain may reach them.
 */
static enum oc_status lead_ingest_start(struct oc_service *svc)
{
    struct lead_ingest *st = svc->user;
    st->svc = svc;
    enum oc_status s = outbox_new(&st->outbox, svc->db, svc->bus);
    if (s == OC_OK) {
        struct import_env env = {svc->db, svc->bus, st->outbox, &st->cfg};
        s = import_jobs_new(&st->jobs, &env);
    }
    if (s == OC_OK)
        s = consumers_start(st);
    if (s != OC_OK) {
        /* The runtime calls no stop hook after a failed start. */
        import_jobs_stop(st->jobs);
        outbox_stop(st->outbox);
    }
    return s;
}

static void lead_ingest_stop(struct oc_service *svc)
{
    struct lead_ingest *st = svc->user;
    consumers_stop(st);
    import_jobs_stop(st->jobs);
    outbox_stop(st->outbox);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return check_main(argc - 1, argv + 1);

    static struct lead_ingest state;
    const struct oc_service_def def = {
        .name = "lead-ingest",
        .schema = "lead_ingest",
        .default_admin_port = 9102,
        .migrations = lead_ingest_migrations,
        .n_migrations = lead_ingest_migrations_count,
        .handlers = lead_ingest_handlers,
        .n_handlers = lead_ingest_handlers_count,
        .configure = lead_ingest_config,
        .start = lead_ingest_start,
        .stop = lead_ingest_stop,
        .user = &state,
    };
    int code = oc_service_main(&def, argc, argv);
    import_jobs_free(state.jobs);
    outbox_free(state.outbox);
    return code;
}
