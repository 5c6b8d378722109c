/*
 * Gateway start-up and teardown. main() fills the service definition and
 * hands control to the shared runtime, which reads the common configuration,
 * opens the Postgres pool (applying migrations/ under the gateway schema),
 * connects NATS and answers gateway.health. The hooks below add what is the
 * gateway's own: its variables, then the evt.> subscription behind
 * /v1/events and its public HTTP server once Postgres and NATS are up, and
 * stopping those first on the way down.
 */
#include <string.h>

#include "gateway.h"
#include "oc/crypto.h"
#include "oc/log.h"

static struct gateway gateway;

static void gateway_on_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    struct gateway *gw = svc->user;

    gw->svc = svc;
    gateway_configure(gw, cfg);
}

static enum oc_status gateway_on_start(struct oc_service *svc)
{
    struct gateway *gw = svc->user;
    char secret[GW_TOKEN_MAX + 1];
    enum oc_status s;

    /* A hash of a password nobody knows, verified against when a login names
     * an unknown e-mail (see struct gateway). */
    s = oc_random_token(secret, sizeof(secret), GW_TOKEN_RANDOM_BYTES);
    if (s != OC_OK)
        return s;
    s = gw_password_hash(secret, gw->dummy_hash);
    memset(secret, 0, sizeof(secret));
    if (s != OC_OK)
        return s;

    /* The evt.> subscription and its hub exist before the first stream can open. */
    s = gw_events_start(gw);
    if (s != OC_OK)
        return s;
    return gateway_http_start(gw);
}

static void gateway_on_stop(struct oc_service *svc)
{
    struct gateway *gw = svc->user;

    /* Open event streams end first, or stopping civetweb would wait for them. */
    gw_events_shutdown(gw);
    gateway_http_stop(gw);
    gw_events_stop(gw);
}

int main(int argc, char **argv)
{
    const struct oc_service_def def = {
        .name = "gateway",
        .schema = "gateway",
        .default_admin_port = 9101,
        .migrations = gateway_migrations,
        .n_migrations = gateway_migrations_count,
        .configure = gateway_on_configure,
        .start = gateway_on_start,
        .stop = gateway_on_stop,
        .user = &gateway,
    };

    return oc_service_main(&def, argc, argv);
}
