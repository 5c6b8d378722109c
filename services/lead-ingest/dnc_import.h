/*
 * Do-not-call imports: a CSV of numbers added to the tenant's list, read
 * with the lead files' streaming reader (csv_import.c) and written in
 * batches of DNC_IMPORT_BATCH numbers, each in its own transaction: the
 * entries with their audit rows, the tenant's leads with those numbers set
 * do_not_call, and the outbox rows that announce each addition (dnc.changed,
 * on which the scheduler cancels future calls, and leads.updated). The
 * dashboard's events of a batch go out after its commit. A file arrives
 * whole in dnc.import, or streamed: dnc.import with streamed set opens an
 * import that subscribes dnc.import.<id> and reads the chunks of the lead
 * imports' protocol (SendImportChunkRequest) until the last one, whose reply
 * carries the report, or fails once chunks stop coming (LEAD_IMPORT_IDLE_S).
 *
 * Memory stays bounded whatever the file's size: the reader holds one
 * record, a batch its numbers, and the report its first rejected rows.
 * A failed import keeps the batches it committed; importing the file again
 * counts them as already listed.
 */
#ifndef LEAD_INGEST_DNC_IMPORT_H
#define LEAD_INGEST_DNC_IMPORT_H

#include <stddef.h>

#include "lead-ingest.h"
#include "oc/arena.h"
#include "proto/leads.pb-c.h"

/* Numbers per transaction. */
#define DNC_IMPORT_BATCH 1000
/* Numbers named by one dnc.changed event of an import (its payload stays
 * well under the NATS limit whatever the reasons' length). */
#define DNC_EVENT_ENTRIES 200

/* Who imports what; strings copied by dnc_import_new. */
struct dnc_import_spec {
    const char *tenant;
    const char *region; /* checked; "" when none */
    const char *reason;
    const char *risk;    /* "low", "medium", "high" or "" */
    const char *user_id; /* acting user or NULL */
    const char *actor;
    const char *request_id;
};

struct dnc_import;

/** A new import into st's database and bus (borrowed). Caller frees with dnc_import_free. */
enum oc_status dnc_import_new(struct dnc_import **out, struct lead_ingest *st,
                              const struct dnc_import_spec *spec);

/** NULL does nothing. */
void dnc_import_free(struct dnc_import *x);

/**
 * Reads the next piece of the file, writing full batches. OC_ERR_INVALID
 * when the file is no CSV text (dnc_import_error says why); another status
 * when a batch could not be written. After an error nothing more is read.
 */
enum oc_status dnc_import_feed(struct dnc_import *x, const void *data, size_t len);

/** Ends the file and writes its last batch. Returns as dnc_import_feed. */
enum oc_status dnc_import_finish(struct dnc_import *x);

/** Why the file failed as a whole; "" otherwise. Borrowed from x. */
const char *dnc_import_error(const struct dnc_import *x);

/** The report so far, built in a (rejected rows copied: it outlives x). */
enum oc_status dnc_import_report(const struct dnc_import *x, struct oc_arena *a,
                                 Ocpb__ImportDncReply **out);

/**
 * Opens a streamed import and subscribes its chunk subject before
 * returning, so the caller's first chunk always finds it. *id (37 bytes)
 * names it: the chunks go to "dnc.import.<id>".
 */
enum oc_status dnc_import_open_stream(struct lead_ingest *st, const struct dnc_import_spec *spec,
                                      char id[37]);

#endif
