/*
 * The dialer's own environment variables, read once at start next to the
 * common ones the runtime reads. Every problem is counted in cfg so the
 * operator sees all wrong variables at once, each message naming its
 * variable.
 */
#include <arpa/inet.h>
#include <string.h>

#include "dialer.h"
#include "oc/log.h"

/* The development key docker-compose.yml also defaults to: anything real
 * must set SECRETS_KEY. */
#define DIALER_DEV_SECRETS_KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

void dialer_configure(struct dialer *d, struct oc_cfg *cfg)
{
    struct dialer_config *c = &d->cfg;
    struct in_addr a;
    const char *key = NULL;

    oc_cfg_str(cfg, "DIALER_SIP_ADDR", "127.0.0.1", false, &c->sip_addr);
    oc_cfg_int(cfg, "DIALER_SIP_PORT", 0, 0, 65535, &c->sip_port);
    oc_cfg_int(cfg, "DIALER_RING_TIMEOUT_S", 30, 1, 600, &c->ring_timeout_s);
    oc_cfg_int(cfg, "DIALER_MAX_CALLS", 200, 1, 100000, &c->max_calls);
    oc_cfg_int(cfg, "DIALER_ALLOCATE_TIMEOUT_MS", 2000, 100, 60000, &c->allocate_timeout_ms);
    oc_cfg_int(cfg, "DIALER_DIALABLE_TIMEOUT_MS", 2000, 100, 10000, &c->dialable_timeout_ms);
    oc_cfg_int(cfg, "DIALER_RETRY_DELAY_MS", 2000, 100, 600000, &c->retry_delay_ms);
    /* A fault hook for the end-to-end tests only: it holds every dialled job
     * before its ack, so a test can kill the copy in that window and watch
     * the redelivery. Never set it anywhere real. */
    oc_cfg_int(cfg, "DIALER_TEST_HOLD_BEFORE_ACK_MS", 0, 0, 60000, &c->test_hold_before_ack_ms);
    oc_cfg_hex_key(cfg, "SECRETS_KEY", DIALER_DEV_SECRETS_KEY, c->secrets_key,
                   sizeof(c->secrets_key));
    oc_cfg_str(cfg, "SECRETS_KEY", DIALER_DEV_SECRETS_KEY, true, &key);
    c->secrets_key_default = key && strcmp(key, DIALER_DEV_SECRETS_KEY) == 0;

    if (inet_pton(AF_INET, c->sip_addr, &a) != 1 || strcmp(c->sip_addr, "0.0.0.0") == 0) {
        oc_error("config: DIALER_SIP_ADDR: expected the IPv4 address SIP peers reach this copy"
                 " at, got \"%s\"",
                 c->sip_addr);
        cfg->errors++;
    }
}
