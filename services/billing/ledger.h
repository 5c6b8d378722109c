/*
 * The ledger's operations, each one transaction scoped to one tenant:
 * grant credit, reserve a hold for a call, settle it by the call's
 * duration, release it, read the balance and the history.
 *
 * Every operation first opens the tenant's account (a new tenant gets its
 * trial credits there, once, whatever asked first: signup, a request, a
 * call) and then locks the account's balances row. Holding that lock for
 * the whole transaction is what keeps two reservations from spending the
 * same credit, and what makes balance_after exact.
 *
 * Every write is idempotent: a grant per (kind, reference), a reservation
 * per call (or per idempotency key), a settlement per reservation. A
 * replay answers what the first request did and changes nothing.
 */
#ifndef BILLING_LEDGER_H
#define BILLING_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "billing.h"
#include "oc/arena.h"
#include "proto/billing.pb-c.h"
#include "store.h"

/** What an operation did, for its reply and its events. In the arena. */
struct ledger_result {
    int64_t balance;          /* after */
    int64_t held;             /* after: open, unexpired holds */
    int64_t available_before; /* balance - held before the operation */
    Ocpb__LedgerEntry *entry; /* the movement made or found; NULL: none */
    Ocpb__LedgerEntry *trial; /* the trial granted because the tenant was new; NULL: none */
    bool changed;             /* the operation wrote something (events are due) */
};

struct ledger_grant {
    Ocpb__LedgerKind kind; /* TRIAL, PURCHASE, ADJUSTMENT or REFUND */
    int64_t amount;        /* ignored for TRIAL */
    const char *key;       /* idempotency key, unique per tenant (not for TRIAL) */
    const char *reference;
    const char *description;
    const char *actor;
    const char *paid_currency; /* "" when none */
    int64_t paid_minor;
};

/**
 * Adds credit. A grant whose key was seen returns the first entry, or
 * OC_ERR_CONFLICT when the amount differs. TRIAL grants the configured
 * trial (once per tenant; entry NULL when it is zero).
 */
enum oc_status ledger_grant(struct billing *b, const char *tenant, const struct ledger_grant *g,
                            struct oc_arena *a, struct ledger_result *out, char *err,
                            size_t errlen);

struct ledger_hold_req {
    const char *reference; /* the call id */
    const char *key;       /* the caller's idempotency key; NULL or "": none */
    int64_t seconds;       /* how long the call may last */
    int64_t expires_ms;    /* 0: seconds plus the configured grace from now */
    const char *description;
};

struct ledger_hold {
    char *id;
    int64_t amount;
};

/**
 * Holds the price of seconds of call time for reference. Returns the open
 * hold of the same call (or key) when there is one. OC_ERR_NO_CREDIT when
 * the available balance is short, with the amounts in err.
 */
enum oc_status ledger_reserve(struct billing *b, const char *tenant,
                              const struct ledger_hold_req *r, struct oc_arena *a,
                              struct ledger_hold *hold, struct ledger_result *out, char *err,
                              size_t errlen);

struct ledger_close_req {
    const char *reservation_id; /* one of reservation_id or reference */
    const char *reference;
    int64_t before_ms;   /* by reference: only holds created up to then; 0: any */
    int64_t duration_ms; /* settle: the call's exact duration */
    const char *reason;  /* release: why */
    const char *actor;
};

/**
 * Settles a hold by the call's duration: a CALL_USAGE entry for the seconds
 * billed at the hold's price, the rest of the hold freed. A duration of 0
 * releases it. Settling a settled hold returns its entry and changes
 * nothing; a released hold whose call turns out to have run is charged.
 * OC_ERR_NOT_FOUND when the call has no hold.
 */
enum oc_status ledger_settle(struct billing *b, const char *tenant,
                             const struct ledger_close_req *r, struct oc_arena *a,
                             struct ledger_result *out, char *err, size_t errlen);

/**
 * Frees a hold without charging. Releasing a released hold changes
 * nothing; a settled one is OC_ERR_CONFLICT.
 */
enum oc_status ledger_release(struct billing *b, const char *tenant,
                              const struct ledger_close_req *r, struct oc_arena *a,
                              struct ledger_result *out, char *err, size_t errlen);

/** The balance, what is held, and whether the tenant only ever had the trial. */
enum oc_status ledger_balance(struct billing *b, const char *tenant, struct oc_arena *a,
                              struct ledger_result *out, bool *trial_only);

struct ledger_page {
    Ocpb__LedgerEntry **entries;
    size_t n;
    int64_t next_seq; /* 0: last page */
};

/** Entries newest first (f->limit of them) and the balance. */
enum oc_status ledger_history(struct billing *b, const char *tenant,
                              const struct store_history_filter *f, struct oc_arena *a,
                              struct ledger_page *page, struct ledger_result *out);

#endif
