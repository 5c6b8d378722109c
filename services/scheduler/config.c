/*
 * The scheduler's own settings, read once at start with the shared
 * configuration reader (every wrong value is reported, naming its
 * variable), and the wake-up that lets a handler start a dispatch round
 * at once instead of waiting for the next tick.
 */
#include <string.h>

#include "scheduler.h"

void scheduler_config_defaults(struct scheduler_config *c)
{
    memset(c, 0, sizeof(*c));
    c->tick_ms = 250;
    c->batch = 1000;
    c->dispatchers = 1;
    c->job_ttl_s = 120;
    c->queued_grace_s = 30;
    c->calling_timeout_s = 300;
    c->in_progress_timeout_s = 7200;
    c->analysis_wait_s = 600;
    c->reserve_s = 600;
    c->no_credit_delay_s = 300;
    c->default_max_concurrent = 10;
    c->default_max_attempts = 5;
    c->request_timeout_ms = 2000;
    c->cache_ttl_s = 30;
    c->jobs_subject = SCHED_SUBJECT_JOBS;
}

void scheduler_configure(struct scheduler *st, struct oc_cfg *cfg)
{
    struct scheduler_config *c = &st->cfg;
    struct scheduler_config d;
    scheduler_config_defaults(&d);
    *c = d;
    oc_cfg_int(cfg, "SCHEDULER_TICK_MS", d.tick_ms, 10, 60000, &c->tick_ms);
    oc_cfg_int(cfg, "SCHEDULER_BATCH", d.batch, 1, 4000, &c->batch);
    oc_cfg_int(cfg, "SCHEDULER_DISPATCHERS", d.dispatchers, 1, SCHED_MAX_DISPATCHERS,
               &c->dispatchers);
    oc_cfg_int(cfg, "SCHEDULER_JOB_TTL_S", d.job_ttl_s, 5, 86400, &c->job_ttl_s);
    oc_cfg_int(cfg, "SCHEDULER_QUEUED_GRACE_S", d.queued_grace_s, 1, 86400, &c->queued_grace_s);
    oc_cfg_int(cfg, "SCHEDULER_CALLING_TIMEOUT_S", d.calling_timeout_s, 5, 86400,
               &c->calling_timeout_s);
    oc_cfg_int(cfg, "SCHEDULER_IN_PROGRESS_TIMEOUT_S", d.in_progress_timeout_s, 5, 7 * 86400,
               &c->in_progress_timeout_s);
    oc_cfg_int(cfg, "SCHEDULER_ANALYSIS_WAIT_S", d.analysis_wait_s, 0, 7 * 86400,
               &c->analysis_wait_s);
    oc_cfg_int(cfg, "SCHEDULER_RESERVE_SECONDS", d.reserve_s, 1, 86400, &c->reserve_s);
    oc_cfg_int(cfg, "SCHEDULER_NO_CREDIT_DELAY_S", d.no_credit_delay_s, 1, 86400,
               &c->no_credit_delay_s);
    oc_cfg_int(cfg, "SCHEDULER_DEFAULT_MAX_CONCURRENT", d.default_max_concurrent, 1, 100000,
               &c->default_max_concurrent);
    oc_cfg_int(cfg, "SCHEDULER_DEFAULT_MAX_ATTEMPTS", d.default_max_attempts, 0, 100,
               &c->default_max_attempts);
    oc_cfg_int(cfg, "SCHEDULER_REQUEST_TIMEOUT_MS", d.request_timeout_ms, 50, 60000,
               &c->request_timeout_ms);
    oc_cfg_int(cfg, "SCHEDULER_CACHE_TTL_S", d.cache_ttl_s, 0, 3600, &c->cache_ttl_s);
}

void scheduler_wake(struct scheduler *st)
{
    pthread_mutex_lock(&st->wake_mu);
    st->wake_seq++;
    pthread_cond_broadcast(&st->wake_cv);
    pthread_mutex_unlock(&st->wake_mu);
}
