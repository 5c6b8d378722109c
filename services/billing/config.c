/*
 * billing's own settings, read once at start with the shared configuration
 * reader. Amounts of credits are decimal text with at most three decimals
 * ("100", "0.5"), so a price can be set to the milli-credit; a wrong value
 * stops the service with a message that names the variable.
 */
#include "billing.h"

#include "oc/log.h"
#include "pricing.h"

/* An amount of credits from name, default def (text). */
static void config_credits(struct oc_cfg *cfg, const char *name, const char *def, int64_t max_milli,
                           int64_t *out)
{
    const char *text = NULL;
    char max[PRICING_TEXT_MAX];

    oc_cfg_str(cfg, name, def, false, &text);
    if (pricing_parse_credits(text, max_milli, out) != OC_OK) {
        oc_error("config: %s: expected credits from 0 to %s with at most 3 decimals, got \"%s\"",
                 name, pricing_format_credits(max_milli, max), text);
        cfg->errors++;
    }
}

void billing_configure(struct billing *b, struct oc_cfg *cfg)
{
    struct billing_config *c = &b->cfg;

    config_credits(cfg, "BILLING_TRIAL_CREDITS", "100", PRICING_MAX_MILLI / 1000, &c->trial_milli);
    config_credits(cfg, "BILLING_PRICE_PER_MINUTE", "1", PRICING_MAX_PRICE_MILLI, &c->price_milli);
    config_credits(cfg, "BILLING_LOW_CREDITS", "10", PRICING_MAX_MILLI / 1000, &c->low_milli);
    oc_cfg_int(cfg, "BILLING_HOLD_GRACE_S", 3600, 0, 7 * 86400, &c->hold_grace_s);
}
