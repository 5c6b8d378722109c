/*
 * Import jobs: the import pipeline (lead_import.c) connected to Postgres
 * and NATS. A job reads a file in any of three ways, with the same code:
 *
 *   - whole, now: the file came in the request and the caller waits for
 *     the report (ImportLeadsRequest.wait);
 *   - whole, in the background: a worker thread runs it and the caller
 *     follows the progress events or leads.imports.get;
 *   - streamed: the copy that took the job subscribes to
 *     leads.import.<job_id> (outside the queue group) and reads each chunk
 *     as it arrives, until the last one, or fails the job when chunks stop.
 *
 * Rows are written in batches, each in its own transaction: the leads with
 * COPY, the rejected rows with COPY, the job's counters, and the outbox
 * rows that announce the batch (leads.added) to the scheduler. A progress
 * event goes out after a batch at most every LEAD_IMPORT_PROGRESS_MS, and a
 * final one when the job ends.
 *
 * Memory stays bounded whatever the file's size: the reader holds one
 * record, a batch holds LEAD_IMPORT_BATCH_ROWS rows, and duplicates are
 * found with a fixed-size Bloom filter whose few hits are settled in
 * Postgres.
 */
#ifndef LEAD_INGEST_IMPORT_JOB_H
#define LEAD_INGEST_IMPORT_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "header_map.h"
#include "lead-ingest.h"
#include "oc/arena.h"
#include "proto/leads.pb-c.h"

/* Rejected rows a finished job's report carries; the rest through leads.imports.rejected. */
#define IMPORT_REPORT_REJECTED 100

struct import_spec {
    const char *tenant;
    const char *campaign_id;
    const char *region;   /* checked, canonical */
    const char *timezone; /* checked, canonical */
    const char *file_name;
    const char *request_id;
    const char *user_id; /* may be NULL */
    const struct header_rule *rules;
    size_t n_rules;
    int64_t total_bytes; /* 0: unknown */
    bool streamed;
    bool wait;
};

/* What the job runner needs that is not the service itself: the bench runs
 * imports with a database and no bus. */
struct import_env {
    struct oc_db *db;
    struct oc_bus *bus;    /* NULL: no events */
    struct outbox *outbox; /* NULL: nothing to wake */
    const struct lead_ingest_config *cfg;
    /* Leave leads.added out of the outbox: only for the bench, whose leads
     * belong to no real campaign and must never reach the scheduler. */
    bool silent;
};

struct import_jobs;

/** Starts the worker threads and the streamed-job reaper. Caller frees with import_jobs_free. */
enum oc_status import_jobs_new(struct import_jobs **out, const struct import_env *env);

/**
 * Stops taking work (new jobs are refused with OC_ERR_UNAVAILABLE), fails
 * the streamed jobs still open and the queued ones, and joins the workers,
 * which stop at their next slice. The struct stays valid for handlers still
 * running until import_jobs_free. NULL does nothing.
 */
void import_jobs_stop(struct import_jobs *jobs);

/** Stops if needed and frees. NULL does nothing. */
void import_jobs_free(struct import_jobs *jobs);

/**
 * Runs a whole file in the caller's thread and writes the finished job's
 * report (with its first rejected rows) to *out, in the arena. A file that
 * cannot be read is a failed job, not an error: the report says why.
 */
enum oc_status import_run_whole(const struct import_env *env, const struct import_spec *spec,
                                const uint8_t *csv, size_t len, struct oc_arena *a,
                                Ocpb__ImportJob **out);

/**
 * Runs a file read through read (which returns the bytes it wrote to buf,
 * 0 at the end, or -1 on an error) in the caller's thread: the file is
 * never held whole. Otherwise as import_run_whole.
 */
enum oc_status import_run_reader(const struct import_env *env, const struct import_spec *spec,
                                 long (*read)(void *user, void *buf, size_t cap), void *user,
                                 struct oc_arena *a, Ocpb__ImportJob **out);

/** Copies the file and queues it for a worker; *out is the job as created. */
enum oc_status import_queue_whole(struct import_jobs *jobs, const struct import_spec *spec,
                                  const uint8_t *csv, size_t len, struct oc_arena *a,
                                  Ocpb__ImportJob **out);

/**
 * Opens a streamed job and subscribes its chunk subject before returning,
 * so the caller's first chunk always finds it. *out is the job as created.
 */
enum oc_status import_open_stream(struct import_jobs *jobs, const struct import_spec *spec,
                                  struct oc_arena *a, Ocpb__ImportJob **out);

/**
 * Answers a chunk (or any request on a subscription of the service's own,
 * outside the shared serving code) in the ocpb.Reply wrapping that
 * oc_bus_call expects: st and message, and body when st is OC_OK. Nothing
 * is sent without an inbox. Buffers come from a (borrowed).
 */
void import_chunk_reply(natsConnection *nc, const char *inbox, struct oc_arena *a,
                        enum oc_status st, const char *message, const ProtobufCMessage *body);

#endif
