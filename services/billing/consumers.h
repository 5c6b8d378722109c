/*
 * billing's consumers: the durable calls.ended consumer that settles
 * calls, and the tenant.created subscription that grants the trial (see
 * consumers.c).
 */
#ifndef BILLING_CONSUMERS_H
#define BILLING_CONSUMERS_H

#include "billing.h"

/** Ensures the CALLS stream, starts the consumer and the subscription. */
enum oc_status consumers_start(struct billing *b);

/** Stops both and waits for the message in hand. Safe after a failed start. */
void consumers_stop(struct billing *b);

#endif
