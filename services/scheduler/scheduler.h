/*
 * scheduler: campaigns with their calling schedule, holidays and pacing, and
 * the calls with every transition of their lifecycle. main.c hands the
 * service to the shared runtime (oc/service.h); the state below is what the
 * service's own code shares between its handlers, consumers and threads.
 *
 * How the files fit:
 *   call_state.c calling_window.c retry_policy.c pacing.c   rules, no I/O
 *   dialable.c    may a queued job still be dialled (calls.dialable), no I/O
 *   lifecycle.c   moves a call between states and writes its status event
 *   campaign.c    campaign settings between the wire, the database and rules
 *   wire.c        names of wire enums in the database, cursors, small helpers
 *   store.c       all of the SQL
 *   outbox.c      publishes status events after commit, and again after a crash
 *   deps.c        requests to lead-ingest, billing, assistants, dialer
 *   fanout.c jspub.c   many requests at once; many JetStream publishes at once
 *   dispatcher.c  due calls -> checks -> jobs.call; reconciliation; completion
 *   next_call.c   the follow-up or retry of a call, as a new linked call
 *   consumers.c   calls.progress/ended, analysis.done, leads.*, dnc.changed
 *   campaigns.c calls.c handlers.c   the NATS handlers and their table
 *   cli.c         `scheduler next-slot`
 * Each has its own header; this one holds what they all share.
 */
#ifndef SCHEDULER_H
#define SCHEDULER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call_state.h"
#include "calling_window.h"
#include "oc/arena.h"
#include "oc/bus.h"
#include "oc/config.h"
#include "oc/db.h"
#include "proto/scheduler.pb-c.h"
#include "retry_policy.h"

struct oc_service;
struct dispatcher;
struct sched_cache;
struct jspub;

#define SCHED_UUID_LEN 37
#define SCHED_MAX_DISPATCHERS 8
#define SCHED_MAX_NUMBERS 16 /* caller numbers per campaign */

/* Subjects of docs/messages.md (the streams are in oc/streams.h). */
#define SCHED_SUBJECT_JOBS "jobs.call"
#define SCHED_SUBJECT_STATUS "calls.status"

/* The service's own settings (config.c). */
struct scheduler_config {
    long tick_ms;               /* SCHEDULER_TICK_MS: how often copies look for due calls */
    long batch;                 /* SCHEDULER_BATCH: calls per campaign per look */
    long dispatchers;           /* SCHEDULER_DISPATCHERS: dispatcher threads */
    long job_ttl_s;             /* SCHEDULER_JOB_TTL_S: a job not dialled by then expires */
    long queued_grace_s;        /* SCHEDULER_QUEUED_GRACE_S: then an expired job is reconciled */
    long calling_timeout_s;     /* SCHEDULER_CALLING_TIMEOUT_S */
    long in_progress_timeout_s; /* SCHEDULER_IN_PROGRESS_TIMEOUT_S */
    long analysis_wait_s;   /* SCHEDULER_ANALYSIS_WAIT_S: before a campaign completes without one */
    long reserve_s;         /* SCHEDULER_RESERVE_SECONDS: credit held per call */
    long no_credit_delay_s; /* SCHEDULER_NO_CREDIT_DELAY_S */
    long default_max_concurrent; /* SCHEDULER_DEFAULT_MAX_CONCURRENT */
    long default_max_attempts;   /* SCHEDULER_DEFAULT_MAX_ATTEMPTS (0: no cap) */
    long request_timeout_ms;     /* SCHEDULER_REQUEST_TIMEOUT_MS: other services' answers */
    long cache_ttl_s;            /* SCHEDULER_CACHE_TTL_S: assistant snapshots, numbers */
    const char *jobs_subject;    /* not an environment variable: bench/dispatch sets its own */
};

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct scheduler {
    /* The runtime; NULL in bench/dispatch, which sets bus and db itself. */
    struct oc_service *svc;
    struct oc_bus *bus; /* borrowed from the runtime */
    struct oc_db *db;   /* borrowed from the runtime */
    const char *instance;
    struct scheduler_config cfg;

    struct dispatcher *dispatchers[SCHED_MAX_DISPATCHERS];
    size_t n_dispatchers;
    struct oc_consumer *consumers[6];
    size_t n_consumers;
    struct sched_cache *cache;
    /* The publisher of status events for handlers and consumers; the
     * dispatchers have their own. */
    struct jspub *pub;
    pthread_mutex_t pub_mu;

    /* A change that makes calls due at once (a start, a new call) wakes the
     * dispatchers of this copy; other copies find it on their next tick. */
    pthread_mutex_t wake_mu;
    pthread_cond_t wake_cv;
    unsigned long wake_seq;
    atomic_bool stopping;
};

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration scheduler_migrations[];
extern const unsigned long scheduler_migrations_count;

/* The handler table (handlers.c). */
extern const struct oc_handler scheduler_handlers[];
extern const size_t scheduler_handlers_count;

/* ================================================================ config.c */

/** The defaults of every setting. */
void scheduler_config_defaults(struct scheduler_config *cfg);

/** Reads the SCHEDULER_* variables into st->cfg (errors collect in cfg). */
void scheduler_configure(struct scheduler *st, struct oc_cfg *cfg);

/** Wakes this copy's dispatchers now. */
void scheduler_wake(struct scheduler *st);

/* ================================================================ rows */

/* One call as the service's code handles it. Strings live in the arena of
 * the function that read the row; NULL means SQL NULL. Times are Unix
 * milliseconds, 0 for NULL. Enum fields hold ocpb values. */
struct call_row {
    char id[SCHED_UUID_LEN];
    char tenant_id[SCHED_UUID_LEN];
    char campaign_id[SCHED_UUID_LEN];
    char lead_id[SCHED_UUID_LEN];   /* "" when none */
    char parent_id[SCHED_UUID_LEN]; /* "" when none */
    char assistant_id[SCHED_UUID_LEN];
    char number_id[SCHED_UUID_LEN];
    enum call_status status;
    enum call_kind kind;
    const char *phone;
    const char *contact_name;
    const char *timezone;
    const char *country;
    const char *reason;
    const char *context;
    const char *status_reason;
    const char *dispatch_id;
    const char *reservation_id;
    int confidence;   /* Ocpb__Confidence */
    int result;       /* Ocpb__Outcome */
    int hangup_cause; /* Ocpb__HangupCause */
    int amd;          /* Ocpb__AmdResult */
    int attempt;
    int auto_retries;
    int dispatch_seq;
    int status_seq;
    int duration_s;
    int sip_code;
    bool ignore_schedule;
    int64_t scheduled_ms, created_ms, queued_ms, calling_ms, answered_ms, ended_ms, updated_ms,
        not_after_ms, analyzed_ms;
};

/* A campaign's dispatch settings, as the dispatcher and consumers need them. */
struct campaign_rules {
    char id[SCHED_UUID_LEN];
    char tenant_id[SCHED_UUID_LEN];
    char assistant_id[SCHED_UUID_LEN];
    char numbers[SCHED_MAX_NUMBERS][SCHED_UUID_LEN]; /* number_id first, then the extra ones */
    size_t n_numbers;
    char timezone[64];
    char region[3];
    Ocpb__CampaignState state;
    struct calling_schedule schedule; /* exceptions borrowed from the reader's arena */
    int max_concurrent;
    int max_per_minute;
    int max_per_number;
    struct retry_rules retry;
};

#endif
