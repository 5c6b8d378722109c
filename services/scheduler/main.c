/*
 * scheduler's start-up and teardown. `scheduler next-slot ...` answers one
 * calling-window question and exits (cli.c); without a subcommand the
 * shared runtime (shared/src/service.c) runs the service: it reads the
 * configuration, opens Postgres on the scheduler schema and applies the
 * embedded migrations, connects NATS, then calls the start hook below
 * (streams, consumers, dispatcher threads) before it serves the handler
 * table, and on SIGTERM calls the stop hook first.
 */
#include <string.h>

#include "cli.h"
#include "consumers.h"
#include "deps.h"
#include "dispatcher.h"
#include "handlers.h"
#include "jspub.h"
#include "oc/log.h"
#include "oc/service.h"
#include "scheduler.h"

static struct scheduler state = {
    .wake_mu = PTHREAD_MUTEX_INITIALIZER,
    .wake_cv = PTHREAD_COND_INITIALIZER,
    .pub_mu = PTHREAD_MUTEX_INITIALIZER,
};

static void scheduler_on_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    struct scheduler *st = svc->user;
    st->svc = svc;
    scheduler_configure(st, cfg);
}

/* Stops the service's own threads. Handlers may still run until the
 * runtime drains NATS next: without a publisher their events stay in the
 * outbox, and the sweep of a running copy (or of the next start) sends them. */
static void scheduler_on_stop(struct oc_service *svc)
{
    struct scheduler *st = svc->user;
    atomic_store(&st->stopping, true);
    scheduler_wake(st);
    while (st->n_dispatchers > 0)
        dispatcher_free(st->dispatchers[--st->n_dispatchers]);
    consumers_stop(st);
    pthread_mutex_lock(&st->pub_mu);
    jspub_free(st->pub);
    st->pub = NULL;
    pthread_mutex_unlock(&st->pub_mu);
    /* Only the dispatchers read the cache. */
    deps_free(st);
}

static enum oc_status scheduler_on_start(struct oc_service *svc)
{
    struct scheduler *st = svc->user;
    st->bus = svc->bus;
    st->db = svc->db;
    st->instance = svc->instance;
    enum oc_status s = deps_init(st);
    if (s == OC_OK)
        s = jspub_new(&st->pub, st->bus);
    if (s == OC_OK)
        s = consumers_ensure_streams(st);
    if (s == OC_OK)
        s = consumers_start(st);
    for (long i = 0; s == OC_OK && i < st->cfg.dispatchers; i++) {
        struct dispatcher *d = NULL;
        s = dispatcher_new(st, (size_t)i, &d);
        if (s == OC_OK) {
            st->dispatchers[st->n_dispatchers++] = d;
            s = dispatcher_start(d);
        }
    }
    if (s != OC_OK)
        scheduler_on_stop(svc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "next-slot") == 0)
        return cli_next_slot(argc - 1, argv + 1);
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cli_usage(argv[0]);
        return 0;
    }
    const struct oc_service_def def = {
        .name = "scheduler",
        .schema = "scheduler",
        .default_admin_port = 9104,
        .migrations = scheduler_migrations,
        .n_migrations = scheduler_migrations_count,
        .handlers = scheduler_handlers,
        .n_handlers = scheduler_handlers_count,
        .configure = scheduler_on_configure,
        .start = scheduler_on_start,
        .stop = scheduler_on_stop,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
