/*
 * The gateway's own environment variables, read once at start next to the
 * common ones the runtime reads. Every problem is collected in cfg so the
 * operator sees all wrong variables at once; the runtime then logs the
 * values and stops when any was wrong.
 */
#include <arpa/inet.h>

#include "gateway.h"
#include "oc/log.h"

void gateway_configure(struct gateway *gw, struct oc_cfg *cfg)
{
    struct gateway_config *c = &gw->cfg;
    struct in_addr addr;

    oc_cfg_str(cfg, "GATEWAY_ADDR", "127.0.0.1", false, &c->addr);
    oc_cfg_int(cfg, "GATEWAY_PORT", 8080, 1, 65535, &c->port);
    oc_cfg_int(cfg, "GATEWAY_MAX_BODY", 1048576, 1024, 64L * 1024 * 1024, &c->max_body);
    oc_cfg_int(cfg, "GATEWAY_THREADS", 8, 2, 512, &c->threads);
    oc_cfg_int(cfg, "GATEWAY_REQUEST_TIMEOUT_MS", 30000, 100, 600000, &c->request_timeout_ms);
    oc_cfg_int(cfg, "GATEWAY_HEALTH_TIMEOUT_MS", 1500, 50, 30000, &c->health_timeout_ms);
    oc_cfg_int(cfg, "SESSION_TTL_HOURS", 720, 1, 24L * 366, &c->session_ttl_hours);
    oc_cfg_int(cfg, "LOGIN_MAX_FAILURES", 5, 1, 1000, &c->login_max_failures);
    oc_cfg_int(cfg, "LOGIN_MAX_FAILURES_PER_ADDR", 20, 1, 1000, &c->login_max_failures_per_addr);
    oc_cfg_int(cfg, "GATEWAY_MAX_UPLOAD", 50L * 1024 * 1024, 1024, 4L * 1024 * 1024 * 1024,
               &c->max_upload);
    oc_cfg_int(cfg, "GATEWAY_BUS_TIMEOUT_MS", 5000, 100, 120000, &c->bus_timeout_ms);
    oc_cfg_int(cfg, "GATEWAY_IMPORT_TIMEOUT_MS", 300000, 1000, 3600000, &c->import_timeout_ms);
    oc_cfg_int(cfg, "GATEWAY_SSE_MAX", 64, 0, 1000, &c->sse_max);
    oc_cfg_int(cfg, "GATEWAY_SSE_MAX_PER_TENANT", 16, 1, 1000, &c->sse_max_per_tenant);
    oc_cfg_int(cfg, "GATEWAY_SSE_KEEPALIVE_S", 15, 1, 300, &c->sse_keepalive_s);
    oc_cfg_int(cfg, "GATEWAY_SSE_QUEUE", 1024, 16, 100000, &c->sse_queue);

    /* civetweb takes "addr:port"; only IPv4 literals are accepted so that a
     * host name or a typo fails here, naming the variable, not at bind time. */
    if (c->addr != NULL && inet_pton(AF_INET, c->addr, &addr) != 1) {
        oc_error("config: GATEWAY_ADDR: expected an IPv4 address, got \"%s\"", c->addr);
        cfg->errors++;
    }
}
