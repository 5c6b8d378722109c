/*
 * What the scheduler asks other services, in one place: the do-not-call
 * list (lead-ingest), credit (billing), assistant snapshots (assistants)
 * and caller numbers (dialer). Snapshots and numbers are cached for
 * SCHEDULER_CACHE_TTL_S, so a busy dispatcher asks once per campaign and
 * period, not once per call; an edit reaches new jobs within that time.
 *
 * A dependency that does not answer is never taken for a "yes": the
 * functions return OC_ERR_UNAVAILABLE or OC_ERR_TIMEOUT and the caller
 * does not dial.
 */
#ifndef SCHEDULER_DEPS_H
#define SCHEDULER_DEPS_H

#include "fanout.h"
#include "scheduler.h"

/** Creates the cache behind deps_snapshot / deps_number (st->cache). */
enum oc_status deps_init(struct scheduler *st);

/** Frees the cache. */
void deps_free(struct scheduler *st);

/**
 * Checks numbers against the tenant's do-not-call list (dnc.check_batch).
 * listed[i] answers phones[i]. Fails when lead-ingest does not answer.
 */
enum oc_status deps_dnc_batch(struct scheduler *st, const char *tenant, const char *const *phones,
                              size_t n, bool *listed, char *err, size_t errlen);

/** Checks one number (dnc.check). */
enum oc_status deps_dnc_one(struct scheduler *st, const char *tenant, const char *phone,
                            bool *listed, char *err, size_t errlen);

/* One credit reservation of a batch. */
struct deps_reservation {
    const char *tenant_id;      /* in */
    const char *call_id;        /* in: the reference */
    int64_t expires_ms;         /* in */
    enum oc_status status;      /* out: OC_OK, OC_ERR_NO_CREDIT, or a dependency failure */
    const char *reservation_id; /* out, in arena */
};

/** Reserves credit for every call of a batch at once (billing.reserve). */
void deps_reserve(struct scheduler *st, struct deps_reservation *r, size_t n,
                  struct oc_arena *arena);

/**
 * Asks the dialer copy placing a call to end it (dialer.<instance>.hangup):
 * CANCEL while it rings, BYE once answered.
 */
enum oc_status deps_hangup(struct scheduler *st, const char *tenant, const char *dialer_instance,
                           const char *call_id, const char *reason, char *err, size_t errlen);

/** Releases the reservations of calls that will not be dialled now (billing.release). */
void deps_release(struct scheduler *st, const char *tenant, const char *const *call_ids, size_t n,
                  const char *reason);

/** The assistant's current snapshot (assistants.snapshot), cached; in arena. */
enum oc_status deps_snapshot(struct scheduler *st, const char *tenant, const char *assistant_id,
                             struct oc_arena *arena, Ocpb__AssistantSnapshot **out, char *err,
                             size_t errlen);

/** A caller number (numbers.get), cached; in arena. */
enum oc_status deps_number(struct scheduler *st, const char *tenant, const char *number_id,
                           struct oc_arena *arena, Ocpb__PhoneNumber **out, char *err,
                           size_t errlen);

/**
 * Whether the assistant and numbers a campaign names exist. OC_ERR_INVALID
 * (the reason in err) when their service says they do not; OC_OK when they
 * exist or their service does not answer (the dispatcher checks again).
 */
enum oc_status deps_check_refs(struct scheduler *st, const char *tenant, const char *assistant_id,
                               char *const *numbers, size_t n_numbers, char *err, size_t errlen);

#endif
