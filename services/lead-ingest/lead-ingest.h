/*
 * lead-ingest: lead lists imported from CSV, the leads they bring, and the
 * tenant's do-not-call list with its audit trail. main.c hands the service to
 * the shared runtime (oc/service.h); the state below is what the service's
 * own code shares between its handlers, consumers and threads.
 *
 * Files, by concern (README.md tells how they fit):
 *   csv_import.c header_map.c phone.cc email.c lead_tz.c (+ tz_data.c)
 *   lead_row.c dedup.c lead_import.c lead_status.c page_cursor.c
 *                    pure domain logic (no I/O)
 *   check_cmd.c      the `lead-ingest check` command
 *   config.c         the service's environment variables
 *   store.c          all of its SQL (COPY included)
 *   events.c         event metadata, core publishes, the outbox writer
 *   outbox.c         the thread that publishes the outbox to JetStream
 *   import_job.c     import jobs: whole files, streamed files, progress
 *   dnc_import.c     do-not-call imports: batches, whole or streamed files
 *   imports.c leads.c dnc.c   the NATS handlers, by entity (handlers.h)
 *   consumers.c      analysis.done and calls.status -> lead status, DNC
 *   handlers.c       the handler table and what handlers share
 */
#ifndef LEAD_INGEST_H
#define LEAD_INGEST_H

#include <pthread.h>
#include <stdbool.h>

#include "oc/bus.h"
#include "oc/config.h"
#include "oc/db.h"

struct oc_service;
struct import_jobs;
struct outbox;
struct oc_consumer;

/* The service's own settings (config.c). */
struct lead_ingest_config {
    long import_max_bytes;  /* LEAD_IMPORT_MAX_BYTES: largest file, whole or streamed */
    long import_batch_rows; /* LEAD_IMPORT_BATCH_ROWS: rows per COPY transaction */
    long import_bloom_mb;   /* LEAD_IMPORT_BLOOM_MB: duplicate filter per running import */
    long import_workers;    /* LEAD_IMPORT_WORKERS: threads for imports run in the background */
    long import_threads;    /* LEAD_IMPORT_THREADS: threads checking the rows of one import */
    long import_idle_s;     /* LEAD_IMPORT_IDLE_S: a streamed import without chunks fails after */
    long progress_ms;       /* LEAD_IMPORT_PROGRESS_MS: least time between progress events */
};

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct lead_ingest {
    /* The runtime (bus, database, configuration). Borrowed: set by the start
     * hook and valid until the stop hook returns. It is here because
     * JetStream consumers and the service's own threads are handed only
     * this state. */
    struct oc_service *svc;
    struct lead_ingest_config cfg;

    struct import_jobs *jobs; /* running imports (import_job.c) */
    struct outbox *outbox;    /* JetStream publisher (outbox.c) */

    /* Consumers start when their streams exist, which other services
     * create; a thread retries until they do (consumers.c). */
    pthread_t consumers_thread;
    bool consumers_thread_started;
    pthread_mutex_t consumers_mu;
    pthread_cond_t consumers_cv;
    bool stopping;
    struct oc_consumer *analysis_consumer;
    struct oc_consumer *calls_consumer;
};

/** Reads the service's variables into st->cfg (config.c); errors go to cfg. */
void lead_ingest_configure(struct lead_ingest *st, struct oc_cfg *cfg);

/* handlers.c: the handler table. */
extern const struct oc_handler lead_ingest_handlers[];
extern const size_t lead_ingest_handlers_count;

/**
 * `lead-ingest check ...` (check_cmd.c): argv[0] is "check". Returns the
 * process exit status.
 */
int check_main(int argc, char **argv);

/** Starts the consumers' thread (consumers.c). */
enum oc_status consumers_start(struct lead_ingest *st);

/** Stops the thread and both consumers. Safe when never started. */
void consumers_stop(struct lead_ingest *st);

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration lead_ingest_migrations[];
extern const unsigned long lead_ingest_migrations_count;

#endif
