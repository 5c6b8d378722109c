/*
 * All of billing's SQL. Every function runs one or two statements on a
 * connection the caller holds inside a tenant transaction
 * (oc_db_begin_tenant), so row-level security scopes each to one tenant on
 * top of the queries' own tenant_id filters. Results are allocated in the
 * arena the caller passes; out-parameters are written only on OC_OK.
 * Instants cross as Unix milliseconds.
 */
#ifndef BILLING_STORE_H
#define BILLING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/db.h"
#include "proto/billing.pb-c.h"

/* ------------------------------------------------------------ accounts */

/**
 * Creates the tenant's balances row unless it exists; *created tells
 * whether this call made it (and so holds its lock until commit).
 */
enum oc_status store_account_open(struct oc_db_conn *c, const char *tenant, bool *created);

/**
 * The tenant's balance (the sum of its ledger) and what its open,
 * unexpired holds take from it. With lock, the balances row stays locked
 * until the transaction ends: every write to the ledger or the holds
 * takes this lock first. OC_ERR_NOT_FOUND before store_account_open.
 */
enum oc_status store_account_read(struct oc_db_conn *c, const char *tenant, bool lock,
                                  int64_t *balance, int64_t *held);

/** True when the tenant never bought credit (only the trial, and what it spent). */
enum oc_status store_account_trial_only(struct oc_db_conn *c, const char *tenant, bool *out);

/* ------------------------------------------------------------ ledger */

/** The database name of a ledger kind ("trial"); NULL for an unknown one. */
const char *store_kind_name(Ocpb__LedgerKind kind);

/** A ledger entry to write. */
struct store_entry_in {
    Ocpb__LedgerKind kind;
    int64_t amount;        /* signed milli-credits */
    const char *reference; /* "" when none */
    const char *key;       /* idempotency key, unique per tenant */
    const char *description;
    const char *actor;
    int64_t seconds;           /* call usage: billed seconds */
    const char *paid_currency; /* purchase: "" when none */
    int64_t paid_minor;
};

/**
 * Appends an entry with balance_after and sets the balances row to it.
 * The caller holds the balances lock. *out is the entry as stored.
 */
enum oc_status store_entry_add(struct oc_db_conn *c, const char *tenant,
                               const struct store_entry_in *in, int64_t balance_after,
                               struct oc_arena *a, Ocpb__LedgerEntry **out);

/** The entry written with idempotency key; OC_ERR_NOT_FOUND when none. */
enum oc_status store_entry_by_key(struct oc_db_conn *c, const char *tenant, const char *key,
                                  struct oc_arena *a, Ocpb__LedgerEntry **out);

/** The entry with id; OC_ERR_NOT_FOUND when none. */
enum oc_status store_entry_get(struct oc_db_conn *c, const char *tenant, const char *id,
                               struct oc_arena *a, Ocpb__LedgerEntry **out);

struct store_history_filter {
    const char *const *kinds; /* database names; n_kinds 0: any */
    size_t n_kinds;
    int64_t from_ms;   /* 0: unbounded */
    int64_t to_ms;     /* exclusive; 0: unbounded */
    int64_t after_seq; /* the cursor: entries older than this; 0: the newest */
    int limit;
};

/**
 * Entries newest first. *next_seq is the cursor of the next page (0 when
 * this page is the last).
 */
enum oc_status store_history(struct oc_db_conn *c, const char *tenant,
                             const struct store_history_filter *f, struct oc_arena *a,
                             Ocpb__LedgerEntry ***entries, size_t *n, int64_t *next_seq);

/* ------------------------------------------------------------ holds */

enum store_hold_status { STORE_HOLD_OPEN, STORE_HOLD_SETTLED, STORE_HOLD_RELEASED };

struct store_hold {
    char *id;
    char *reference;
    int64_t amount;  /* milli-credits held */
    int64_t seconds; /* the call time the hold covers */
    int64_t price;   /* milli-credits a minute, as priced */
    enum store_hold_status status;
    bool expired;   /* open but past its expiry: no longer counted */
    char *entry_id; /* settled with a charge: the call_usage entry; "" otherwise */
    int64_t created_ms;
};

enum store_hold_by {
    STORE_HOLD_BY_ID,      /* value: the reservation id */
    STORE_HOLD_BY_KEY,     /* value: the caller's idempotency key */
    STORE_HOLD_OPEN_FOR,   /* value: a reference; its open hold */
    STORE_HOLD_LATEST_FOR, /* value: a reference; its open hold, else the newest closed */
};

/**
 * Finds one hold. For STORE_HOLD_LATEST_FOR, before_ms (non-zero) leaves
 * out holds created after it. OC_ERR_NOT_FOUND when none.
 */
enum oc_status store_hold_find(struct oc_db_conn *c, const char *tenant, enum store_hold_by by,
                               const char *value, int64_t before_ms, struct oc_arena *a,
                               struct store_hold *out);

struct store_hold_in {
    const char *reference;
    const char *key; /* NULL or "": none */
    int64_t amount;
    int64_t seconds;
    int64_t price;
    int64_t expires_ms;
    const char *description;
};

/** Adds an open hold; *out as stored. The caller holds the balances lock. */
enum oc_status store_hold_add(struct oc_db_conn *c, const char *tenant,
                              const struct store_hold_in *in, struct oc_arena *a,
                              struct store_hold *out);

/**
 * Closes an open hold (or settles a released one): status SETTLED or
 * RELEASED, the reason, and for SETTLED the billed seconds and the entry
 * (NULL: nothing charged).
 */
enum oc_status store_hold_close(struct oc_db_conn *c, const char *tenant, const char *id,
                                enum store_hold_status status, const char *reason,
                                int64_t billed_seconds, const char *entry_id);

#endif
