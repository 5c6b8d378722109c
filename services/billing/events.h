/*
 * billing's events for the dashboard, on core NATS after the transaction
 * that caused them committed: evt.<tenant>.credits.changed for every
 * movement of the ledger and every hold taken or freed, and
 * evt.<tenant>.credits.low when the available balance falls under the
 * configured threshold. They may be lost when nobody listens; nothing
 * depends on them but the dashboard.
 */
#ifndef BILLING_EVENTS_H
#define BILLING_EVENTS_H

#include "billing.h"
#include "ledger.h"

/**
 * Publishes what result says happened: the trial of a new tenant, then the
 * operation's own change when it made one. request_id may be NULL.
 */
void events_credits(struct billing *b, const char *tenant, const char *request_id,
                    const struct ledger_result *result);

#endif
