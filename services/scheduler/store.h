/*
 * All of the scheduler's SQL. Tenant work runs in oc_db_begin_tenant, so
 * row-level security limits it to that tenant on top of each query's own
 * tenant_id filter; the dispatcher's scans, the reconciler and the outbox
 * sweep are cross-tenant by nature and run in oc_db_begin_system.
 *
 * Two kinds of functions: those that take the pool (struct oc_db) hold one
 * connection for one transaction of their own; those that take a
 * connection (struct oc_db_conn) run inside a transaction the caller
 * opened with store_begin() and ends with store_commit() or store_abort(),
 * so that a caller can lock a call, decide with the pure rules and save in
 * one transaction. Strings handed back live in the arena the caller gives.
 */
#ifndef SCHEDULER_STORE_H
#define SCHEDULER_STORE_H

#include "dialable.h"
#include "lifecycle.h"
#include "scheduler.h"
#include "wire.h"

/* ---------------------------------------------------------------- transactions */

/** Takes a connection and begins a transaction for tenant (NULL: every tenant). */
enum oc_status store_begin(struct oc_db *db, const char *tenant, struct oc_db_conn **out);

/**
 * Lets this transaction's commit return before its WAL reaches the disk
 * (synchronous_commit off, for this transaction only). Only for work that
 * is harmless to lose in a crash: a dispatch round whose jobs were
 * published (the next round sends the same message ids, which JetStream
 * drops) and the removal of published events from the outbox (the sweep
 * sends them again, with the same ids).
 */
enum oc_status store_lazy_commit(struct oc_db_conn *c);

/** Commits and gives the connection back (also on failure). */
enum oc_status store_commit(struct oc_db *db, struct oc_db_conn *c);

/** Rolls back and gives the connection back. NULL does nothing. */
void store_abort(struct oc_db *db, struct oc_db_conn *c);

/* ---------------------------------------------------------------- campaigns */

/** Inserts a checked campaign (state draft) with its exceptions; *out is the stored one. */
enum oc_status store_campaign_create(struct oc_db *db, const char *tenant, const Ocpb__Campaign *in,
                                     struct oc_arena *arena, Ocpb__Campaign **out);

/** One campaign with its counters. OC_ERR_NOT_FOUND when the tenant has none with that id. */
enum oc_status store_campaign_get(struct oc_db *db, const char *tenant, const char *id,
                                  struct oc_arena *arena, Ocpb__Campaign **out);

/**
 * A page of campaigns, newest first, with counters. states: bit set of
 * Ocpb__CampaignState values; 0 means every state but archived. next is ""
 * on the last page.
 */
enum oc_status store_campaign_list(struct oc_db *db, const char *tenant, unsigned states,
                                   const char *cursor, int limit, struct oc_arena *arena,
                                   Ocpb__Campaign ***out, size_t *n, char next[WIRE_CURSOR_MAX]);

/** Changes the checked fields named by `fields` (campaign.h bits). Not on archived campaigns. */
enum oc_status store_campaign_update(struct oc_db *db, const char *tenant, const Ocpb__Campaign *in,
                                     unsigned fields, struct oc_arena *arena, Ocpb__Campaign **out,
                                     char *err, size_t errlen);

/**
 * Moves a campaign to state `to` when its state is in `from` (bit set of
 * Ocpb__CampaignState), records the change event in ob, and for `stopped`
 * cancels its created, scheduled and queued calls (their reservations are
 * added to *release, in arena). OC_ERR_CONFLICT with the reason when the
 * state does not allow it.
 */
enum oc_status store_campaign_transition(struct oc_db *db, const char *tenant, const char *id,
                                         unsigned from, Ocpb__CampaignState to, const char *reason,
                                         int64_t now_ms, struct outbox *ob, struct oc_arena *arena,
                                         Ocpb__Campaign **out, const char ***release,
                                         size_t *n_release, char *err, size_t errlen);

/**
 * Holds a running campaign for one dispatch round: a share lock on its row
 * until the round's transaction ends, so that a pause, stop or settings
 * change waits for the round and a round never queues a call after one.
 * *held is false (and nothing waits) when the campaign is not running or a
 * change of it is under way; the round then dispatches nothing.
 */
enum oc_status store_campaign_hold(struct oc_db_conn *c, const char *tenant,
                                   const char *campaign_id, bool *held);

/** Reads a campaign's dispatch rules (schedule with exceptions, pacing, retry) in a transaction. */
enum oc_status store_campaign_rules(struct oc_db_conn *c, const char *tenant,
                                    const char *campaign_id, long default_max_attempts,
                                    struct oc_arena *arena, struct campaign_rules *out);

/* ---------------------------------------------------------------- calls: reading */

/** One call, with its transitions and (when asked) its transcript. */
enum oc_status store_call_get(struct oc_db *db, const char *tenant, const char *id, bool transcript,
                              struct oc_arena *arena, Ocpb__Call **out);

/** A page of calls matching the request's filters, newest first. */
enum oc_status store_call_list(struct oc_db *db, const char *tenant,
                               const Ocpb__ListCallsRequest *f, struct oc_arena *arena,
                               Ocpb__Call ***out, size_t *n, char next[WIRE_CURSOR_MAX]);

/**
 * What calls.dialable needs of one call (dialable.h), read without a lock
 * so that it never waits for a dispatch round; *out's strings live in
 * arena. OC_ERR_NOT_FOUND when the tenant has no such call.
 */
enum oc_status store_call_dialable(struct oc_db *db, const char *tenant, const char *id,
                                   struct oc_arena *arena, struct dialable_call *out);

/** Converts a row to its wire form (without transitions and transcript), in arena. */
enum oc_status store_call_pb(const struct call_row *row, struct oc_arena *arena, Ocpb__Call **out);

/* ---------------------------------------------------------------- calls: in a transaction */

/** Locks one call (FOR UPDATE). OC_ERR_NOT_FOUND when the tenant has none with that id. */
enum oc_status store_call_lock(struct oc_db_conn *c, const char *tenant, const char *id,
                               struct oc_arena *arena, struct call_row *out);

/* Which calls store_calls_lock_where() takes. */
enum store_where {
    STORE_OPEN_BY_CAMPAIGN, /* created, scheduled or queued calls of a campaign */
    STORE_OPEN_BY_PHONE,    /* created, scheduled or queued calls to a number, any campaign */
    STORE_OPEN_BY_LEAD,     /* created, scheduled or queued calls of a lead */
};

/** Locks every call `where` selects for key (up to limit), oldest first. */
enum oc_status store_calls_lock_where(struct oc_db_conn *c, const char *tenant,
                                      enum store_where where, const char *key, size_t limit,
                                      struct oc_arena *arena, struct call_row **out, size_t *n);

/** Writes the mutable columns of rows (status, times, dispatch, results). */
enum oc_status store_calls_save(struct oc_db_conn *c, struct call_row *const *rows, size_t n);

/**
 * Writes what a dispatch changes of rows that became queued (status and its
 * sequence, dispatch, number, assistant, reservation, times): the
 * dispatcher's large batches parse a third of store_calls_save's fields.
 */
enum oc_status store_calls_queued(struct oc_db_conn *c, struct call_row *const *rows, size_t n);

/**
 * Inserts new calls (ids already set). A call that a unique index refuses
 * (a lead's second first call, a second follow-up of one call) is skipped:
 * inserted[i] says which went in.
 */
enum oc_status store_calls_insert(struct oc_db_conn *c, struct call_row *const *rows, size_t n,
                                  bool *inserted);

/** Stores a call's transcript (JSON from wire_transcript_json). */
enum oc_status store_call_transcript(struct oc_db_conn *c, const char *tenant, const char *call_id,
                                     const char *json);

/** Counts the lead's calls in the campaign (for a manual call's attempt number). */
enum oc_status store_lead_call_count(struct oc_db_conn *c, const char *tenant,
                                     const char *campaign_id, const char *lead_id, int *out);

/** True when the lead has a call still to come or in flight (created .. in_progress). */
enum oc_status store_lead_has_open_call(struct oc_db_conn *c, const char *tenant,
                                        const char *campaign_id, const char *lead_id,
                                        const char *except_call_id, bool *out);

/** Inserts ob's events not stored yet: the transitions, and their events in the outbox. */
enum oc_status store_events_flush(struct oc_db_conn *c, struct outbox *ob);

/* ---------------------------------------------------------------- leads */

/** Inserts or updates copies of leads (packed ocpb.Lead each); older updates never win. */
enum oc_status store_leads_upsert(struct oc_db_conn *c, const char *tenant, const char *campaign_id,
                                  Ocpb__Lead *const *leads, size_t n);

/** The copy of a lead (packed), or OC_ERR_NOT_FOUND. */
enum oc_status store_lead_get(struct oc_db_conn *c, const char *tenant, const char *lead_id,
                              struct oc_arena *arena, Ocpb__Lead **out);

/** Updates the calls still to come of a lead to its new number, zone and name. */
enum oc_status store_lead_calls_follow(struct oc_db_conn *c, const char *tenant,
                                       const Ocpb__Lead *lead, const char *old_phone);

/** Removes the copy of a lead; with erase, also its personal data from every call. */
enum oc_status store_lead_remove(struct oc_db_conn *c, const char *tenant, const char *lead_id,
                                 bool erase);

/* ---------------------------------------------------------------- dispatch */

/* A campaign with calls due now. */
struct store_due_campaign {
    char tenant_id[SCHED_UUID_LEN];
    char id[SCHED_UUID_LEN];
};

/** Running campaigns that have a call due now (every tenant). */
enum oc_status store_due_campaigns(struct oc_db *db, struct oc_arena *arena,
                                   struct store_due_campaign **out, size_t *n);

/**
 * Takes the campaign's dispatch lock for this transaction, without waiting:
 * *got is false when another dispatcher holds it.
 */
enum oc_status store_dispatch_lock(struct oc_db_conn *c, const char *key, bool *got);

/**
 * Calls in flight (counted up to live_cap) and, when rate is set, calls
 * started in the last minute, for the campaign.
 */
enum oc_status store_campaign_usage(struct oc_db_conn *c, const char *tenant,
                                    const char *campaign_id, int live_cap, bool rate, int *live,
                                    int *started_last_minute);

/** Calls in flight per caller number (every campaign of the tenant). */
enum oc_status store_number_usage(struct oc_db_conn *c, const char *tenant,
                                  char (*numbers)[SCHED_UUID_LEN], size_t n, int *live);

/* A due call with what its job needs. */
struct store_due_call {
    struct call_row row;
    Ocpb__Lead *lead;  /* the copy of the lead; NULL when none */
    int parent_result; /* the previous call's outcome */
    int64_t parent_started_ms;
};

/** Locks up to limit due calls of a campaign (FOR UPDATE SKIP LOCKED), in due order. */
enum oc_status store_due_calls(struct oc_db_conn *c, const char *tenant, const char *campaign_id,
                               int limit, struct oc_arena *arena, struct store_due_call **out,
                               size_t *n);

/* What the reconciler looks for. */
enum store_stuck {
    STORE_STUCK_QUEUED,      /* the job expired and was never reported */
    STORE_STUCK_CALLING,     /* dialled, no answer or end reported */
    STORE_STUCK_IN_PROGRESS, /* answered, no end reported */
};

/** Locks up to limit stuck calls (every tenant, SKIP LOCKED) older than older_than_s. */
enum oc_status store_stuck_calls(struct oc_db_conn *c, enum store_stuck kind, long older_than_s,
                                 size_t limit, struct oc_arena *arena, struct call_row **out,
                                 size_t *n);

/**
 * Completes running campaigns whose every call is final and analysed (or
 * waited for longer than analysis_wait_s). Their events go to ob.
 */
enum oc_status store_complete_campaigns(struct oc_db_conn *c, long analysis_wait_s, int64_t now_ms,
                                        struct outbox *ob);

/* ---------------------------------------------------------------- outbox */

/** Forgets published events (in a transaction for every tenant: store_begin(db, NULL, ..)). */
enum oc_status store_events_published(struct oc_db_conn *c, const struct call_event *ev, size_t n);

/**
 * Takes the outbox drain lock (held until c's transaction ends) and reads up
 * to limit events in the order they were written. Payloads live in a.
 */
enum oc_status store_events_next(struct oc_db_conn *c, size_t limit, struct oc_arena *a,
                                 struct call_event **out, size_t *n);

#endif
