/*
 * dialer's start-up and teardown. The shared runtime (shared/src/service.c)
 * reads the common configuration, opens Postgres on the dialer schema and
 * applies the embedded migrations, connects NATS, serves dialer.health and
 * numbers.* in the queue group "dialer", and tears down in reverse on
 * SIGTERM. The hooks add the dialer's own, in this order: the reporter
 * thread, the SIP thread, this copy's dialer.<instance>.hangup, and last the
 * consumer of call jobs, so no job is taken before everything it needs is
 * up. The stop hook undoes it in reverse: no new jobs, live calls ended
 * (BYE or CANCEL) and reported, then the reporter empties its queue.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dialer.h"
#include "oc/log.h"
#include "oc/metrics.h"
#include "oc/service.h"
#include "reporter.h"
#include "sip.h"

/* Shares of SHUTDOWN_TIMEOUT_MS: ending calls, then reporting them. */
#define DIALER_SIP_STOP_SHARE 3
#define DIALER_REPORT_STOP_SHARE 3

static void dialer_on_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    dialer_configure(svc->user, cfg);
}

static void instance_token(struct dialer *d, const char *instance)
{
    size_t i = 0;
    for (; instance[i] && i < sizeof(d->instance) - 1; i++) {
        char ch = instance[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        d->instance[i] = ok ? ch : '_';
    }
    d->instance[i] = '\0';
    if (i == 0)
        snprintf(d->instance, sizeof(d->instance), "unnamed");
}

static void dialer_on_stop(struct oc_service *svc);

static enum oc_status dialer_on_start(struct oc_service *svc)
{
    struct dialer *d = svc->user;
    enum oc_status st;

    d->svc = svc;
    instance_token(d, svc->instance);
    leg_set_init(&d->live);
    d->jobs_taken =
        oc_metric_counter("dialer_jobs_taken_total", NULL, "Call jobs taken and dialled.");
    d->jobs_duplicate = oc_metric_counter("dialer_jobs_duplicate_total", NULL,
                                          "Call jobs delivered again and not dialled again.");
    d->jobs_not_dialable =
        oc_metric_counter("dialer_jobs_not_dialable_total", NULL,
                          "Call jobs dropped undialled: the scheduler no longer wanted the call.");
    d->jobs_waiting = oc_metric_counter("dialer_jobs_waiting_total", NULL,
                                        "Call jobs put back undialled: their campaign is paused.");
    d->calls_answered = oc_metric_counter("dialer_calls_answered_total", NULL, "Calls answered.");
    d->calls_unanswered = oc_metric_counter("dialer_calls_unanswered_total", NULL,
                                            "Attempts that ended without an answer.");
    d->calls_live = oc_metric_gauge("dialer_calls_live", NULL, "Calls this copy holds now.");
    if (d->cfg.secrets_key_default)
        oc_warn("SECRETS_KEY is the development default; set it before storing real secrets");
    if (d->cfg.test_hold_before_ack_ms > 0)
        oc_warn("DIALER_TEST_HOLD_BEFORE_ACK_MS=%ld: every job is held that long after its INVITE "
                "and before its ack; a fault hook for tests, never for real calls",
                d->cfg.test_hold_before_ack_ms);

    st = reporter_new(&d->reporter, d);
    if (st == OC_OK)
        st = sip_ua_start(&d->sip, d);
    if (st == OC_OK)
        st = dialer_serve_instance(d);
    if (st == OC_OK)
        st = jobs_start(d);
    if (st != OC_OK) {
        dialer_on_stop(svc);
        return st;
    }
    oc_info("dialer: instance %s, hang-ups on %s, ring timeout %ld s, at most %ld calls",
            d->instance, d->hangup_subject, d->cfg.ring_timeout_s, d->cfg.max_calls);
    return OC_OK;
}

static void dialer_on_stop(struct oc_service *svc)
{
    struct dialer *d = svc->user;
    long budget = svc->shutdown_timeout_ms / 8;

    atomic_store(&d->stopping, true);
    for (int waited = 0; atomic_load(&d->busy) > 0 && waited < 1000; waited++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    jobs_stop(d);
    sip_ua_stop(d->sip, (int)(budget * DIALER_SIP_STOP_SHARE));
    /* The reporter may still ask the stopped ua for a hang-up (a media
     * start that failed), so the ua is freed only once the reporter is. */
    reporter_free(d->reporter, (int)(budget * DIALER_REPORT_STOP_SHARE));
    d->reporter = NULL;
    sip_ua_free(d->sip);
    d->sip = NULL;
    leg_set_destroy(&d->live);
}

int main(int argc, char **argv)
{
    static struct dialer state;
    struct oc_service_def def = {
        .name = "dialer",
        .schema = "dialer",
        .default_admin_port = 9105,
        .migrations = dialer_migrations,
        .n_migrations = dialer_migrations_count,
        .configure = dialer_on_configure,
        .start = dialer_on_start,
        .stop = dialer_on_stop,
        .user = &state,
    };
    def.handlers = dialer_handlers;
    def.n_handlers = dialer_n_handlers;
    return oc_service_main(&def, argc, argv);
}
