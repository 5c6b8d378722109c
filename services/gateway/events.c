/*
 * The gateway's own events on core NATS (docs/messages.md): a tenant was
 * created, an API key was created or revoked. Core events feed dashboards
 * and may be lost when nobody listens; nothing acts on them alone. So they
 * are published after the change has committed, and a failed publish is
 * logged while the request it belongs to still succeeds.
 */
#include <stdio.h>
#include <sys/time.h>

#include "gateway.h"
#include "oc/bus.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "proto/gateway.pb-c.h"

/* Fills meta for an event of tenant_id; event_id must outlive meta. */
static enum oc_status event_meta(const struct gw_request *req, const char *tenant_id,
                                 char event_id[37], Ocpb__EventMeta *meta)
{
    struct timeval tv;
    enum oc_status s = oc_uuid_v4(event_id);

    if (s != OC_OK)
        return s;
    gettimeofday(&tv, NULL);
    meta->event_id = event_id;
    meta->tenant_id = (char *)tenant_id;
    meta->occurred_unix_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    meta->request_id = (char *)req->request_id;
    return OC_OK;
}

static void event_publish(const struct gw_request *req, const char *tenant_id, const char *what,
                          const ProtobufCMessage *msg)
{
    char subject[160];
    enum oc_status s;

    snprintf(subject, sizeof(subject), "evt.%s.%s", tenant_id, what);
    s = oc_bus_publish(req->gw->svc->bus, subject, msg);
    if (s != OC_OK)
        oc_warn("event %s not published: %s", subject, oc_status_text(s));
}

void gw_event_tenant_created(const struct gw_request *req, const char *tenant_id,
                             const char *company, const char *owner_user_id,
                             const char *owner_email)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__TenantCreated ev = OCPB__TENANT_CREATED__INIT;
    char event_id[37];

    if (event_meta(req, tenant_id, event_id, &meta) != OC_OK)
        return;
    ev.meta = &meta;
    ev.company = (char *)company;
    ev.owner_user_id = (char *)owner_user_id;
    ev.owner_email = (char *)owner_email;
    event_publish(req, tenant_id, "tenant.created", &ev.base);
}

void gw_event_api_key(const struct gw_request *req, const char *id, const char *name,
                      const char *prefix, bool revoked)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__ApiKeyChanged ev = OCPB__API_KEY_CHANGED__INIT;
    char event_id[37];

    if (event_meta(req, req->who.tenant_id, event_id, &meta) != OC_OK)
        return;
    ev.meta = &meta;
    ev.api_key_id = (char *)id;
    ev.name = (char *)name;
    ev.prefix = (char *)prefix;
    ev.revoked = revoked;
    event_publish(req, req->who.tenant_id, revoked ? "api_key.revoked" : "api_key.created",
                  &ev.base);
}
