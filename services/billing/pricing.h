/*
 * What calls cost, in milli-credits (ocpb.Credits): the hold a reservation
 * takes for the seconds a call may last, the seconds a finished call is
 * billed (its exact duration rounded up to whole seconds), and the price of
 * those seconds at a per-minute rate, rounded up to the next milli-credit.
 * Also reads and writes credit amounts as decimal text ("1", "0.5",
 * "12.345") for the configuration and for descriptions.
 *
 * Pure: no I/O, no state. Every amount is bounded so that no sum the ledger
 * makes of them can overflow an int64.
 */
#ifndef BILLING_PRICING_H
#define BILLING_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

/* A trillion credits: far above any real balance, far below INT64_MAX. */
#define PRICING_MAX_MILLI 1000000000000000LL
/* A million credits a minute. */
#define PRICING_MAX_PRICE_MILLI 1000000000LL
/* One week: longer than any call or reservation. */
#define PRICING_MAX_SECONDS (7LL * 86400)

/* Room for "-1000000000000.000" and the terminating NUL. */
#define PRICING_TEXT_MAX 24

/** What settling a reservation does. */
struct pricing_settlement {
    int64_t seconds; /* billed: the duration rounded up to whole seconds */
    int64_t charge;  /* milli-credits taken from the balance (may exceed the hold) */
    int64_t unused;  /* the part of the hold not charged, given back (0 when overrun) */
};

/**
 * Reads a non-negative decimal amount of credits with at most three
 * decimals ("100", "0.5", "1.025") into milli-credits. OC_ERR_INVALID for
 * anything else (a sign, an exponent, a fourth decimal, spaces) or for more
 * than max_milli. *milli is written only on OC_OK.
 */
enum oc_status pricing_parse_credits(const char *text, int64_t max_milli, int64_t *milli);

/**
 * Writes milli as credits in out ("1", "0.5", "-1.034"): no trailing zeros,
 * no decimal point for whole credits. Returns out.
 */
char *pricing_format_credits(int64_t milli, char out[PRICING_TEXT_MAX]);

/** Whole seconds billed for a duration: rounded up; 0 for none or negative. */
int64_t pricing_billed_seconds(int64_t duration_ms);

/**
 * The price of seconds at price_per_minute milli-credits a minute, rounded
 * up to a whole milli-credit (so a call never costs less than its share).
 * OC_ERR_INVALID when either is negative or above its maximum.
 */
enum oc_status pricing_cost(int64_t price_per_minute, int64_t seconds, int64_t *milli);

/**
 * Settles a hold of held milli-credits, taken at price_per_minute, for a
 * call that lasted duration_ms: the billed seconds, the charge and what of
 * the hold goes unused. A call that outran its hold is charged in full.
 */
enum oc_status pricing_settle(int64_t price_per_minute, int64_t held, int64_t duration_ms,
                              struct pricing_settlement *out);

#endif
