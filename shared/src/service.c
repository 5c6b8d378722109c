/*
 * The runtime every service's main() hands over to. It owns the order of
 * start-up (config, logging, signals, Postgres and migrations, NATS, admin
 * server, the service's own start hook, subscriptions) and of teardown,
 * which runs in reverse and is bounded: a watchdog ends the process if a
 * shutdown hangs, so SIGTERM always means exit within SHUTDOWN_TIMEOUT_MS.
 * Signals are blocked in every thread and taken by sigwait() in main, so no
 * work ever runs inside a signal handler.
 */
#include "oc/service.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oc/http_client.h"
#include "oc/log.h"
#include "oc/metrics.h"

#ifndef OC_VERSION
#define OC_VERSION "0.1.0"
#endif

static enum oc_status handle_health(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out)
{
    (void)in;
    struct oc_service *svc = req->user;
    Ocpb__HealthReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__health_reply__init(r);
    r->service = (char *)svc->def->name;
    r->instance = (char *)svc->instance;
    r->nats_ok = oc_bus_connected(svc->bus);
    r->db_ok = svc->db ? oc_db_ping(svc->db) : true;
    r->uptime_s = (int64_t)(time(NULL) - svc->started);
    r->version = (char *)OC_VERSION;
    if (!r->db_ok)
        return oc_request_fail(req, OC_ERR_UNAVAILABLE, "%s cannot reach its database",
                               svc->def->name);
    *out = &r->base;
    return OC_OK;
}

static bool ready(void *user, char *why, size_t whylen)
{
    struct oc_service *svc = user;
    if (atomic_load(&svc->stopping)) {
        snprintf(why, whylen, "shutting down");
        return false;
    }
    if (!oc_bus_connected(svc->bus)) {
        snprintf(why, whylen, "not connected to NATS");
        return false;
    }
    if (svc->db && !oc_db_ping(svc->db)) {
        snprintf(why, whylen, "cannot reach Postgres");
        return false;
    }
    return true;
}

/* Ends the process if teardown overruns its bound. */
static void *watchdog(void *arg)
{
    struct oc_service *svc = arg;
    long ms = svc->shutdown_timeout_ms + 500;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
    oc_error("shutdown took longer than %ld ms; exiting now", svc->shutdown_timeout_ms);
    _exit(1);
    return NULL;
}

static void read_common_config(struct oc_service *svc, struct oc_cfg *cfg)
{
    static char default_db[256];
    static char default_instance[128];
    const struct oc_service_def *def = svc->def;
    char host[64] = "localhost";
    gethostname(host, sizeof(host) - 1);
    snprintf(default_instance, sizeof(default_instance), "%s-%ld", host, (long)getpid());
    snprintf(default_db, sizeof(default_db), "postgresql://oc_%s@127.0.0.1:5432/outcall",
             def->schema ? def->schema : "none");

    oc_cfg_str(cfg, "NATS_URL", "nats://127.0.0.1:4222", false, &svc->nats_url);
    if (def->schema) {
        oc_cfg_str(cfg, "DATABASE_URL", default_db, false, &svc->database_url);
        oc_cfg_int(cfg, "DB_POOL_SIZE", 4, 1, 64, &svc->db_pool_size);
    }
    oc_cfg_str(cfg, "ADMIN_ADDR", "127.0.0.1", false, &svc->admin_addr);
    oc_cfg_int(cfg, "ADMIN_PORT", def->default_admin_port, 1, 65535, &svc->admin_port);
    oc_cfg_str(cfg, "SERVICE_INSTANCE", default_instance, false, &svc->instance);
    oc_cfg_int(cfg, "SHUTDOWN_TIMEOUT_MS", 4000, 100, 60000, &svc->shutdown_timeout_ms);
}

int oc_service_main(const struct oc_service_def *def, int argc, char **argv)
{
    struct oc_service svc = {.def = def, .user = def->user};
    struct oc_cfg cfg;
    sigset_t sigs;
    int sig = 0;
    int code = 1;
    bool started_hook = false;

    if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
        printf("%s %s\n", def->name, OC_VERSION);
        return 0;
    }
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\nconfigured by environment variables; see README.md\n", def->name);
        return 0;
    }
    if (oc_log_init(def->name) != 0) {
        fprintf(stderr, "%s: config: LOG_LEVEL: expected debug, info, warn or error\n",
                def->name);
        return 2;
    }

    oc_cfg_init(&cfg);
    read_common_config(&svc, &cfg);
    if (def->configure)
        def->configure(&svc, &cfg);
    if (oc_cfg_finish(&cfg) != OC_OK)
        return 2;

    /* Blocked before any thread starts, so every thread inherits the mask and
     * only sigwait() below ever sees these signals. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    svc.started = time(NULL);
    if (oc_http_global_init() != OC_OK)
        goto out;
    oc_metric_set(oc_metric_gauge("oc_start_time_seconds", NULL,
                                  "Unix time at which this process started."),
                  (int64_t)svc.started);

    if (def->schema) {
        if (oc_db_new(&svc.db, svc.database_url, def->schema, (int)svc.db_pool_size, 30000) !=
            OC_OK)
            goto out;
        if (oc_db_migrate(svc.db, def->migrations, def->n_migrations) != OC_OK)
            goto out;
    }
    if (oc_bus_connect(&svc.bus, svc.nats_url, def->name, 30000) != OC_OK)
        goto out;
    if (oc_admin_start(&svc.admin, svc.admin_addr, (int)svc.admin_port, ready, &svc) != OC_OK)
        goto out;
    if (def->start) {
        if (def->start(&svc) != OC_OK) {
            oc_error("start-up failed");
            goto out;
        }
        started_hook = true;
    }

    char health_subject[96];
    snprintf(health_subject, sizeof(health_subject), "%s.health", def->name);
    const struct oc_handler health = {health_subject, &ocpb__health_request__descriptor,
                                      handle_health};
    if (oc_bus_serve(svc.bus, def->name, &health, 1, &svc) != OC_OK)
        goto out;
    if (def->n_handlers &&
        oc_bus_serve(svc.bus, def->name, def->handlers, def->n_handlers, &svc) != OC_OK)
        goto out;

    oc_info("ready: admin on %s:%ld, %zu handlers, instance %s", svc.admin_addr, svc.admin_port,
            def->n_handlers + 1, svc.instance);

    for (;;) {
        if (sigwait(&sigs, &sig) == 0)
            break;
    }
    oc_info("received %s; shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    code = 0;

out:
    atomic_store(&svc.stopping, true);
    pthread_t wd;
    if (pthread_create(&wd, NULL, watchdog, &svc) == 0)
        pthread_detach(wd);
    /* Stop taking new work first, then let in-flight messages finish. */
    if (started_hook && def->stop)
        def->stop(&svc);
    if (svc.bus)
        oc_bus_drain(svc.bus, (int)(svc.shutdown_timeout_ms / 2));
    oc_admin_stop(svc.admin);
    oc_bus_free(svc.bus);
    oc_db_free(svc.db);
    oc_http_global_cleanup();
    nats_CloseAndWait(1000);
    if (code == 0)
        oc_info("stopped");
    return code;
}
