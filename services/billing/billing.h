/*
 * billing: the credit ledger in milli-credits, each tenant's running balance,
 * and the holds taken for calls. main.c hands the service to the shared
 * runtime (oc/service.h); the state below is what the service's own code
 * shares between its handlers, consumers and threads.
 *
 *   config.c     BILLING_* variables
 *   pricing.c    what a call costs (pure)
 *   ledger.c     the operations: grant, reserve, settle, release, balance
 *   store.c      all of the SQL
 *   handlers.c   billing.* request/reply
 *   consumers.c  calls.ended (JetStream) and evt.*.tenant.created
 *   events.c     evt.<tenant>.credits.changed and .low
 */
#ifndef BILLING_H
#define BILLING_H

#include <stdint.h>
#include <nats/nats.h>

#include "oc/bus.h"
#include "oc/config.h"
#include "oc/db.h"

struct oc_service;

struct billing_config {
    int64_t trial_milli; /* BILLING_TRIAL_CREDITS: every new tenant's trial */
    int64_t price_milli; /* BILLING_PRICE_PER_MINUTE: call price, billed per second */
    int64_t low_milli;   /* BILLING_LOW_CREDITS: credits.low under this; 0: never */
    long hold_grace_s;   /* BILLING_HOLD_GRACE_S: a hold without an expiry lasts
                            its seconds plus this */
};

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct billing {
    /* The runtime (bus, database, configuration). Borrowed: set by the
     * configure hook and valid until the stop hook returns. It is here
     * because JetStream consumers and the service's own threads are handed
     * only this state. */
    struct oc_service *svc;
    struct billing_config cfg;
    struct oc_consumer *calls_ended;  /* owned; NULL when not consuming */
    natsSubscription *tenant_created; /* owned */
};

/** Reads the BILLING_* variables into b->cfg (errors name the variable). */
void billing_configure(struct billing *b, struct oc_cfg *cfg);

/* The handler table (handlers.c). */
extern const struct oc_handler billing_handlers[];
extern const size_t billing_handlers_count;

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration billing_migrations[];
extern const unsigned long billing_migrations_count;

#endif
