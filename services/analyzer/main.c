/*
 * analyzer's start-up. With a subcommand (`analyze`, `when`) it runs the
 * command line (cli.c) and exits; without one it hands the service to the
 * shared runtime (shared/src/service.c), which reads the common
 * configuration and the analyzer's own (config.c), opens Postgres on the
 * analyzer schema and applies the embedded migrations, connects NATS,
 * calls the start hook (streams and consumers, consumers.c), serves
 * analyzer.health and the handlers (handlers.c), and tears down in reverse
 * on SIGTERM.
 */
#include "oc/service.h"

#include "analyzer.h"

/* Binds the state to the runtime and starts the consumers. */
static enum oc_status analyzer_start(struct oc_service *svc)
{
    struct analyzer *az = svc->user;
    az->svc = svc;
    return consumers_start(az);
}

static void analyzer_stop(struct oc_service *svc)
{
    consumers_stop(svc->user);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && argv[1][0] != '-')
        return cli_main(argc, argv);

    static struct analyzer state;
    const struct oc_service_def def = {
        .name = "analyzer",
        .schema = "analyzer",
        .default_admin_port = 9107,
        .migrations = analyzer_migrations,
        .n_migrations = analyzer_migrations_count,
        .handlers = analyzer_handlers,
        .n_handlers = analyzer_n_handlers,
        .configure = analyzer_configure,
        .start = analyzer_start,
        .stop = analyzer_stop,
        .user = &state,
    };
    return oc_service_main(&def, argc, argv);
}
