/*
 * Call pricing and credit amounts as text (see pricing.h).
 */
#include "pricing.h"

#include <stdbool.h>
#include <stdio.h>

enum oc_status pricing_parse_credits(const char *text, int64_t max_milli, int64_t *milli)
{
    int64_t whole = 0, frac = 0;
    int n_whole = 0, n_frac = 0;
    const char *p = text;

    if (!p)
        return OC_ERR_INVALID;
    for (; *p >= '0' && *p <= '9'; p++) {
        /* Digits beyond the maximum would overflow before the check below. */
        if (++n_whole > 13)
            return OC_ERR_INVALID;
        whole = whole * 10 + (*p - '0');
    }
    if (n_whole == 0)
        return OC_ERR_INVALID;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++n_frac > 3)
                return OC_ERR_INVALID;
            frac = frac * 10 + (*p - '0');
        }
        if (n_frac == 0)
            return OC_ERR_INVALID;
    }
    if (*p != '\0')
        return OC_ERR_INVALID;
    for (int i = n_frac; i < 3; i++)
        frac *= 10;
    int64_t v = whole * 1000 + frac;
    if (v > max_milli)
        return OC_ERR_INVALID;
    *milli = v;
    return OC_OK;
}

char *pricing_format_credits(int64_t milli, char out[PRICING_TEXT_MAX])
{
    bool negative = milli < 0;
    /* INT64_MIN has no positive counterpart; amounts never come near it. */
    uint64_t v = negative ? (uint64_t)0 - (uint64_t)milli : (uint64_t)milli;
    uint64_t whole = v / 1000, frac = v % 1000;

    if (frac == 0) {
        snprintf(out, PRICING_TEXT_MAX, "%s%llu", negative ? "-" : "", (unsigned long long)whole);
        return out;
    }
    int digits = 3;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    snprintf(out, PRICING_TEXT_MAX, "%s%llu.%0*llu", negative ? "-" : "", (unsigned long long)whole,
             digits, (unsigned long long)frac);
    return out;
}

int64_t pricing_billed_seconds(int64_t duration_ms)
{
    if (duration_ms <= 0)
        return 0;
    return duration_ms / 1000 + (duration_ms % 1000 != 0);
}

enum oc_status pricing_cost(int64_t price_per_minute, int64_t seconds, int64_t *milli)
{
    if (price_per_minute < 0 || price_per_minute > PRICING_MAX_PRICE_MILLI || seconds < 0 ||
        seconds > PRICING_MAX_SECONDS)
        return OC_ERR_INVALID;
    /* At most 6.1e14 before the division: no overflow. */
    int64_t product = price_per_minute * seconds;
    *milli = product / 60 + (product % 60 != 0);
    return OC_OK;
}

enum oc_status pricing_settle(int64_t price_per_minute, int64_t held, int64_t duration_ms,
                              struct pricing_settlement *out)
{
    if (held < 0)
        return OC_ERR_INVALID;
    int64_t seconds = pricing_billed_seconds(duration_ms);
    /* A call longer than a week is billed as a week: the cap keeps the
     * arithmetic bounded, and no call outlives the media tier's maximum. */
    if (seconds > PRICING_MAX_SECONDS)
        seconds = PRICING_MAX_SECONDS;
    int64_t charge;
    enum oc_status s = pricing_cost(price_per_minute, seconds, &charge);
    if (s != OC_OK)
        return s;
    out->seconds = seconds;
    out->charge = charge;
    out->unused = charge < held ? held - charge : 0;
    return OC_OK;
}
