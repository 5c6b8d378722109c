/*
 * All of lead-ingest's SQL. Functions take a connection inside a
 * transaction the caller opened with store_begin() (tenant-scoped, so
 * row-level security limits every statement to that tenant even where a
 * query forgot its own tenant_id filter) and closes with store_commit() or
 * store_abort(); the callers decide what belongs in one transaction (a
 * change and its outbox event always do). Results are protobuf messages
 * allocated in the caller's arena: they are the service's data model.
 */
#ifndef LEAD_INGEST_STORE_H
#define LEAD_INGEST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/db.h"
#include "oc/status.h"
#include "proto/leads.pb-c.h"

/* ---------------------------------------------------------------- transactions */

/** Takes a connection and begins a transaction scoped to tenant. */
enum oc_status store_begin(struct oc_db *db, const char *tenant, struct oc_db_conn **out);

/** Begins a cross-tenant transaction (the outbox publisher only). */
enum oc_status store_begin_system(struct oc_db *db, struct oc_db_conn **out);

/** Commits and gives the connection back (also on failure). */
enum oc_status store_commit(struct oc_db *db, struct oc_db_conn *c);

/** Rolls back and gives the connection back. NULL does nothing. */
void store_abort(struct oc_db *db, struct oc_db_conn *c);

/**
 * Refreshes the planner's statistics of leads. An import grows the table
 * much faster than autovacuum's analyze follows, and with a few hundred
 * rows counted the planner reads a whole campaign to find twenty numbers.
 * Runs outside any transaction.
 */
enum oc_status store_analyze_leads(struct oc_db *db);

/** Serialises writers of a campaign's leads until the transaction ends. */
enum oc_status store_campaign_lock(struct oc_db_conn *c, const char *campaign_id);

/* ---------------------------------------------------------------- leads */

/* A lead to write; strings may be "" (stored as NULL where the column allows). */
struct store_lead_in {
    long line; /* 0: none */
    const char *name;
    const char *first_name;
    const char *last_name;
    const char *company;
    const char *phone_raw;
    const char *phone_e164;
    const char *phone_type; /* phone_type_name() */
    const char *region;
    const char *email;
    const char *timezone;
    const char *timezone_source; /* lead_tz_source_name() */
    const char *custom_json;     /* a JSON object */
    const uint8_t *id;           /* store_copy_leads only: the lead's id, 16 bytes */
    const char *status;          /* store_copy_leads only: "pending" or "do_not_call" */
};

/**
 * Inserts one lead of campaign (list_id may be NULL). OC_ERR_CONFLICT when
 * the campaign has the number already. *out is the stored lead.
 */
enum oc_status store_lead_insert(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                 const char *list_id, const struct store_lead_in *in,
                                 struct oc_arena *a, Ocpb__Lead **out);

/** One lead; OC_ERR_NOT_FOUND when the tenant has none with that id. for_update locks it. */
enum oc_status store_lead_get(struct oc_db_conn *c, const char *tenant, const char *id,
                              bool for_update, struct oc_arena *a, Ocpb__Lead **out);

struct store_lead_filter {
    const char *campaign_id;     /* NULL: any */
    const char *import_id;       /* NULL: any */
    const char *const *statuses; /* status names; n_statuses 0: any */
    size_t n_statuses;
    const char *query;       /* text on name, e-mail and number; NULL: none */
    int64_t created_from_ms; /* 0: unbounded */
    int64_t created_to_ms;   /* exclusive; 0: unbounded */
    Ocpb__LeadSort sort;
    const char *cursor; /* "" or NULL: first page */
    int limit;
};

/**
 * A page of leads. *next is the cursor of the following page ("" at the
 * end). OC_ERR_INVALID for a cursor that is not this list's.
 */
enum oc_status store_lead_list(struct oc_db_conn *c, const char *tenant,
                               const struct store_lead_filter *f, struct oc_arena *a,
                               Ocpb__Lead ***out, size_t *n, char **next);

/** Writes every field of in (and status) to lead id; OC_ERR_CONFLICT on a number taken. */
enum oc_status store_lead_update(struct oc_db_conn *c, const char *tenant, const char *id,
                                 const struct store_lead_in *in, const char *status,
                                 struct oc_arena *a, Ocpb__Lead **out);

/** Sets the status of lead id; *out is the lead after. */
enum oc_status store_lead_set_status(struct oc_db_conn *c, const char *tenant, const char *id,
                                     const char *status, struct oc_arena *a, Ocpb__Lead **out);

/** Deletes lead id; OC_ERR_NOT_FOUND when none. */
enum oc_status store_lead_delete(struct oc_db_conn *c, const char *tenant, const char *id);

/** Every lead of the tenant with this number, locked for update. */
enum oc_status store_leads_by_phone(struct oc_db_conn *c, const char *tenant, const char *e164,
                                    struct oc_arena *a, Ocpb__Lead ***out, size_t *n);

/**
 * Sets do_not_call on the tenant's leads whose number is one of numbers and
 * that lack it; *out (in a) are those leads as updated.
 */
enum oc_status store_leads_mark_dnc(struct oc_db_conn *c, const char *tenant,
                                   const char *const *numbers, size_t n, struct oc_arena *a,
                                   Ocpb__Lead ***out, size_t *n_out);

/** Deletes the rejected rows of the tenant that held this number (privacy erasure). */
enum oc_status store_rejected_delete_phone(struct oc_db_conn *c, const char *tenant,
                                           const char *e164);

/** The leads of an import between two lines, in line order (rebuilds leads.added). */
enum oc_status store_leads_of_lines(struct oc_db_conn *c, const char *tenant, const char *list_id,
                                    long first_line, long last_line, struct oc_arena *a,
                                    Ocpb__Lead ***out, size_t *n);

/* ---------------------------------------------------------------- imports */

struct store_import_new {
    const char *tenant;
    const char *campaign_id;
    const char *file_name;
    int64_t total_bytes; /* 0: unknown */
    const char *region;
    const char *timezone;
    const char *mapping_json; /* explicit mapping, a JSON object */
    bool streamed;
    const char *created_by; /* user id or NULL */
};

/** Creates an import job ("pending" when streamed, else "running"); writes its id. */
enum oc_status store_import_create(struct oc_db *db, const struct store_import_new *in,
                                   char id[37]);

struct store_import_counts {
    int64_t rows_done;
    int64_t imported;
    int64_t rejected;
    int64_t duplicates;
    int64_t bytes_done;
    char delimiter;           /* '\0' while unknown */
    const char *encoding;     /* NULL while unknown */
    const char *mapping_json; /* the mapping the job used, NULL to keep */
};

/** Writes the job's counters and marks it running (inside a batch's transaction). */
enum oc_status store_import_progress(struct oc_db_conn *c, const char *tenant, const char *id,
                                     const struct store_import_counts *k);

/**
 * Ends a job: "completed" or "failed" (error set), with its final counters.
 * rows_total is the final rows_done.
 */
enum oc_status store_import_finish(struct oc_db_conn *c, const char *tenant, const char *id,
                                   bool failed, const char *error,
                                   const struct store_import_counts *k);

/** One job, with its first n_rejected rejected rows (0: none). */
enum oc_status store_import_get(struct oc_db_conn *c, const char *tenant, const char *id,
                                size_t n_rejected, struct oc_arena *a, Ocpb__ImportJob **out);

/** A page of jobs, newest first; campaign NULL: every campaign. */
enum oc_status store_import_list(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                 const char *cursor, int limit, struct oc_arena *a,
                                 Ocpb__ImportJob ***out, size_t *n, char **next);

/** A page of a job's rejected rows in line order; OC_ERR_NOT_FOUND for no such job. */
enum oc_status store_rejected_list(struct oc_db_conn *c, const char *tenant, const char *job,
                                   const char *cursor, int limit, struct oc_arena *a,
                                   Ocpb__RejectedRow ***out, size_t *n, char **next);

/**
 * Calls cb for every number of the campaign's leads, read through a cursor
 * so memory stays flat (preloads an import's duplicate filter).
 */
enum oc_status store_campaign_numbers(struct oc_db_conn *c, const char *tenant,
                                      const char *campaign,
                                      void (*cb)(void *user, const char *e164), void *user);

/**
 * Which of numbers the campaign already has: cb gets each one found, with
 * the import it came from ("" when created by API) and its line.
 */
enum oc_status store_campaign_existing(
    struct oc_db_conn *c, const char *tenant, const char *campaign, const char *const *numbers,
    size_t n, void (*cb)(void *user, const char *e164, const char *list_id, long line), void *user);

struct store_reject_in {
    long line;
    const char *raw;
    size_t raw_len;
    const char *code; /* lead_reject_code_name() */
    const char *reason;
    const char *phone_e164; /* "" when unknown */
    bool duplicate;
};

/*
 * The role an import's writer takes to COPY leads straight into their
 * table: BYPASSRLS, no login, no right but INSERT on leads, granted to the
 * service's role (deploy/postgres/init.sql, migration 003).
 */
#define STORE_BULK_ROLE "oc_lead_ingest_bulk"

/**
 * Whether this connection may take STORE_BULK_ROLE and the role may insert
 * into leads. False on a database set up before the role existed; imports
 * then write their leads through the staging table, slower.
 */
enum oc_status store_bulk_usable(struct oc_db_conn *c, bool *out);

/**
 * COPYs leads into the campaign for import list_id: with bulk (what
 * store_bulk_usable said) straight into leads as STORE_BULK_ROLE, every
 * row with tenant as its tenant; otherwise into a staging table and on
 * into leads under row-level security. OC_ERR_CONFLICT on a number taken.
 */
enum oc_status store_copy_leads(struct oc_db_conn *c, const char *tenant, const char *campaign,
                                const char *list_id, const struct store_lead_in *rows, size_t n,
                                bool bulk);

/** COPYs rejected rows of import list_id. */
enum oc_status store_copy_rejects(struct oc_db_conn *c, const char *tenant, const char *list_id,
                                  const struct store_reject_in *rows, size_t n);

/* ---------------------------------------------------------------- do-not-call */

struct store_dnc_in {
    const char *phone_e164;
    const char *source; /* "manual", "import", "call_analysis" */
    const char *reason;
    const char *risk;    /* "low", "medium", "high" or NULL */
    const char *call_id; /* or NULL */
    const char *user_id; /* acting user or NULL */
    const char *actor;   /* user id, API key id or service name */
    const char *request_id;
};

/** Adds the number; *already when it was listed (then nothing changes and no audit row). */
enum oc_status store_dnc_add(struct oc_db_conn *c, const char *tenant,
                             const struct store_dnc_in *in, struct oc_arena *a,
                             Ocpb__DncEntry **entry, bool *already);

/**
 * Adds numbers (E.164; a repeat counts once) with the fields of in (its
 * phone_e164 unused), each one added with its audit row, in one statement.
 * *added (in a) are the entries added, in no set order; numbers already
 * listed are left as they are.
 */
enum oc_status store_dnc_add_many(struct oc_db_conn *c, const char *tenant,
                                  const struct store_dnc_in *in, const char *const *numbers,
                                  size_t n, struct oc_arena *a, Ocpb__DncEntry ***added,
                                  size_t *n_added);

/** Removes the number, keeping the removal in the audit; OC_ERR_NOT_FOUND when not listed. */
enum oc_status store_dnc_remove(struct oc_db_conn *c, const char *tenant,
                                const struct store_dnc_in *in, struct oc_arena *a,
                                Ocpb__DncEntry **removed);

/** The entry of a number; OC_ERR_NOT_FOUND when not listed. */
enum oc_status store_dnc_get(struct oc_db_conn *c, const char *tenant, const char *e164,
                             struct oc_arena *a, Ocpb__DncEntry **out);

/**
 * listed[i] tells whether numbers[i] is listed ("" is never listed). One
 * index look-up per number, whatever the size of the list.
 */
enum oc_status store_dnc_listed(struct oc_db_conn *c, const char *tenant,
                                const char *const *numbers, size_t n, bool *listed);

/** A page of entries, newest first; query matches part of the number; source NULL: any. */
enum oc_status store_dnc_list(struct oc_db_conn *c, const char *tenant, const char *query,
                              const char *source, const char *cursor, int limit, struct oc_arena *a,
                              Ocpb__DncEntry ***out, size_t *n, char **next);

/** A page of the audit trail, newest first; e164 NULL: every number. */
enum oc_status store_dnc_history(struct oc_db_conn *c, const char *tenant, const char *e164,
                                 const char *cursor, int limit, struct oc_arena *a,
                                 Ocpb__DncHistoryEntry ***out, size_t *n, char **next);

/* ---------------------------------------------------------------- outbox */

/**
 * Queues n packed events on one subject in the caller's transaction, in one
 * statement: store_outbox_add for a batch. Arrays borrowed for the call.
 */
enum oc_status store_outbox_add_many(struct oc_db_conn *c, const char *tenant,
                                     const char *subject, const char *const *msg_ids,
                                     const uint8_t *const *payloads, const size_t *lens, size_t n);

/** Queues a packed event for JetStream in the caller's transaction. */
enum oc_status store_outbox_add(struct oc_db_conn *c, const char *tenant, const char *subject,
                                const char *msg_id, const uint8_t *payload, size_t len);

/** Queues leads.added for the leads of list_id between two lines (rebuilt when published). */
enum oc_status store_outbox_add_leads(struct oc_db_conn *c, const char *tenant, const char *list_id,
                                      int batch, long first_line, long last_line,
                                      const char *msg_id);

struct store_outbox_row {
    long long id;
    const char *tenant;
    const char *subject;
    const char *msg_id;
    const uint8_t *payload; /* NULL for leads.added references */
    size_t len;
    const char *list_id;
    int batch;
    long first_line;
    long last_line;
    int attempts;
};

/** Locks up to limit queued events, oldest first, skipping those another copy holds (system tx). */
enum oc_status store_outbox_take(struct oc_db_conn *c, int limit, struct oc_arena *a,
                                 struct store_outbox_row **rows, size_t *n);

/** Removes a published event. */
enum oc_status store_outbox_done(struct oc_db_conn *c, long long id);

/** Counts a failed attempt. */
enum oc_status store_outbox_failed(struct oc_db_conn *c, long long id);

#endif
