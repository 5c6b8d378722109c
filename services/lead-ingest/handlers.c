/*
 * The handler table of lead-ingest (subjects in docs/messages.md) and the
 * helpers every handler shares (see handlers.h).
 */
#include "handlers.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "oc/service.h"
#include "phone.h"
#include "proto/scheduler.pb-c.h"

#define CAMPAIGN_TIMEOUT_MS 3000

const struct oc_handler lead_ingest_handlers[] = {
    {"leads.import", &ocpb__import_leads_request__descriptor, handle_lead_import},
    {"leads.imports.get", &ocpb__get_import_job_request__descriptor, handle_import_get},
    {"leads.imports.list", &ocpb__list_import_jobs_request__descriptor, handle_import_list},
    {"leads.imports.rejected", &ocpb__list_rejected_rows_request__descriptor,
     handle_import_rejected},
    {"leads.create", &ocpb__create_lead_request__descriptor, handle_lead_create},
    {"leads.get", &ocpb__get_lead_request__descriptor, handle_lead_get},
    {"leads.list", &ocpb__list_leads_request__descriptor, handle_lead_list},
    {"leads.update", &ocpb__update_lead_request__descriptor, handle_lead_update},
    {"leads.delete", &ocpb__delete_lead_request__descriptor, handle_lead_delete},
    {"leads.erase", &ocpb__erase_lead_request__descriptor, handle_lead_erase},
    {"dnc.add", &ocpb__add_dnc_request__descriptor, handle_dnc_add},
    {"dnc.remove", &ocpb__remove_dnc_request__descriptor, handle_dnc_remove},
    {"dnc.list", &ocpb__list_dnc_request__descriptor, handle_dnc_list},
    {"dnc.check", &ocpb__check_dnc_request__descriptor, handle_dnc_check},
    {"dnc.check_batch", &ocpb__check_dnc_batch_request__descriptor, handle_dnc_check_batch},
    {"dnc.import", &ocpb__import_dnc_request__descriptor, handle_dnc_import},
    {"dnc.history", &ocpb__list_dnc_history_request__descriptor, handle_dnc_history},
};
const size_t lead_ingest_handlers_count =
    sizeof(lead_ingest_handlers) / sizeof(lead_ingest_handlers[0]);

struct lead_ingest *handler_state(struct oc_request *req)
{
    struct oc_service *svc = req->user;
    return svc->user;
}

enum oc_status handler_tenant(struct oc_request *req, const char **tenant)
{
    return oc_request_tenant(req, tenant);
}

const char *handler_actor(struct oc_request *req)
{
    if (req->env->user_id && *req->env->user_id)
        return req->env->user_id;
    if (req->env->api_key_id && *req->env->api_key_id)
        return req->env->api_key_id;
    return "api";
}

Ocpb__PageInfo *handler_page(struct oc_request *req, const char *next)
{
    Ocpb__PageInfo *p = oc_arena_alloc(req->arena, sizeof(*p));
    if (!p)
        return NULL;
    ocpb__page_info__init(p);
    p->next_cursor = (char *)(next ? next : "");
    return p;
}

enum oc_status handler_phone(struct oc_request *req, const char *phone, const char *region,
                             char e164[20])
{
    char why[160], out[PHONE_E164_MAX];
    enum oc_status st = phone_normalize(phone, region, out, why, sizeof(why));
    if (st == OC_ERR_INVALID)
        return oc_request_fail(req, st, "phone \"%.40s\": %s", phone ? phone : "", why);
    if (st != OC_OK)
        return oc_request_fail(req, st, "the phone library failed");
    snprintf(e164, 20, "%s", out);
    return OC_OK;
}

enum oc_status handler_campaign_defaults(struct oc_request *req, const char *tenant,
                                         const char *campaign_id, const char *region_in,
                                         const char *tz_in, char region[4], char tz[LEAD_TZ_MAX])
{
    region[0] = tz[0] = '\0';
    if (region_in && *region_in) {
        if (!phone_region_known(region_in))
            return oc_request_fail(req, OC_ERR_INVALID,
                                   "default_region \"%.8s\" is not a country code such as ES",
                                   region_in);
        snprintf(region, 4, "%s", region_in);
    }
    if (tz_in && *tz_in && !lead_tz_canonical(tz_in, tz, LEAD_TZ_MAX))
        return oc_request_fail(req, OC_ERR_INVALID, "unknown time zone \"%.60s\"", tz_in);

    if (!region[0] || !tz[0]) {
        struct lead_ingest *st = handler_state(req);
        Ocpb__GetCampaignRequest get = OCPB__GET_CAMPAIGN_REQUEST__INIT;
        get.id = (char *)campaign_id;
        struct oc_call call = {
            .tenant_id = tenant,
            .request_id = req->env->request_id,
            .user_id = req->env->user_id,
            .timeout_ms = CAMPAIGN_TIMEOUT_MS,
        };
        Ocpb__GetCampaignReply *reply = NULL;
        char err[256];
        enum oc_status cs = oc_bus_call(st->svc->bus, "campaigns.get", &call, &get.base,
                                        &ocpb__get_campaign_reply__descriptor, req->alloc,
                                        (ProtobufCMessage **)&reply, err, sizeof(err));
        if (cs == OC_ERR_NOT_FOUND)
            return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such campaign");
        if (cs == OC_OK && reply && reply->campaign) {
            const Ocpb__Campaign *c = reply->campaign;
            if (!region[0] && phone_region_known(c->default_region))
                snprintf(region, 4, "%s", c->default_region);
            if (!tz[0] && c->timezone && *c->timezone)
                lead_tz_canonical(c->timezone, tz, LEAD_TZ_MAX);
        } else if (!region[0]) {
            return oc_request_fail(req, cs == OC_OK ? OC_ERR_INVALID : cs,
                                   "the campaign's default region is unknown (%s); send "
                                   "default_region",
                                   cs == OC_OK ? "it has none" : err);
        }
    }
    if (!region[0])
        return oc_request_fail(req, OC_ERR_INVALID,
                               "the campaign has no default region; send default_region");
    if (!tz[0]) {
        const char *main = lead_tz_region_main(region);
        if (main)
            snprintf(tz, LEAD_TZ_MAX, "%s", main);
    }
    return OC_OK;
}
