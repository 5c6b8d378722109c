/*
 * The lead and do-not-call routes that are more than one subject's
 * translation: a lead with its call history (lead-ingest's lead joined with
 * the scheduler's calls of it), deleting a lead or erasing its personal
 * data everywhere (?erase=true, leads.erase), and adding a number to the
 * do-not-call list by hand (201 when added, 200 when it was listed already).
 */
#include <string.h>

#include "gateway.h"
#include "oc/log.h"
#include "proto/leads.pb-c.h"
#include "proto/scheduler.pb-c.h"

/* Calls shown with a lead; the rest through GET /v1/calls?lead_id=. */
#define LEADS_CALLS_SHOWN 100

enum oc_status handle_lead_get(struct gw_request *req)
{
    Ocpb__GetLeadRequest in = OCPB__GET_LEAD_REQUEST__INIT;
    Ocpb__ListCallsRequest cin = OCPB__LIST_CALLS_REQUEST__INIT;
    Ocpb__PageRequest page = OCPB__PAGE_REQUEST__INIT;
    Ocpb__GetLeadReply *reply = NULL;
    ProtobufCMessage *calls = NULL;
    json_t *lead, *list = json_null();
    enum oc_status s;

    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no lead with id \"%s\"", req->param);
    in.id = req->param;
    s = gw_call(req, "leads.get", &in.base, &ocpb__get_lead_reply__descriptor,
                (ProtobufCMessage **)&reply);
    if (s != OC_OK)
        return s;
    if (reply->lead == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "leads.get answered without a lead");

    cin.lead_id = req->param;
    page.limit = LEADS_CALLS_SHOWN;
    cin.page = &page;
    s = gw_call(req, "calls.list", &cin.base, &ocpb__list_calls_reply__descriptor, &calls);
    if (s == OC_OK) {
        json_t *obj = NULL;

        if (gw_list_json(calls, &obj) == OC_OK) {
            list = json_incref(json_object_get(obj, "items"));
            json_decref(obj);
        }
    } else {
        oc_warn("lead %s shown without its calls: %s", req->param, req->error);
    }
    req->error[0] = '\0';

    lead = pbjson_render(&reply->lead->base);
    if (lead == NULL) {
        json_decref(list);
        return OC_ERR_NOMEM;
    }
    if (json_object_set_new(lead, "calls", list != NULL ? list : json_null()) != 0) {
        json_decref(lead);
        return OC_ERR_NOMEM;
    }
    return gw_reply(req, 200, lead);
}

enum oc_status handle_lead_delete(struct gw_request *req)
{
    struct gw_query_param *params;
    size_t n;
    const char *erase;
    bool wipe = false;
    enum oc_status s;

    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no lead with id \"%s\"", req->param);
    s = gw_query(req, &params, &n);
    if (s != OC_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(params[i].name, "erase") != 0)
            return gw_fail(req, OC_ERR_INVALID, "query parameter \"%s\" is not known",
                           params[i].name);
    }
    erase = gw_query_get(params, n, "erase");
    if (erase != NULL) {
        if (strcmp(erase, "true") != 0 && strcmp(erase, "false") != 0)
            return gw_fail(req, OC_ERR_INVALID, "query parameter \"erase\" must be true or false");
        wipe = strcmp(erase, "true") == 0;
    }

    if (wipe) {
        /* Privacy erasure: every service holding the lead's data erases it. */
        Ocpb__EraseLeadRequest in = OCPB__ERASE_LEAD_REQUEST__INIT;

        in.id = req->param;
        s = gw_call(req, "leads.erase", &in.base, &ocpb__erase_lead_reply__descriptor, NULL);
    } else {
        Ocpb__DeleteLeadRequest in = OCPB__DELETE_LEAD_REQUEST__INIT;

        in.id = req->param;
        s = gw_call(req, "leads.delete", &in.base, &ocpb__delete_lead_reply__descriptor, NULL);
    }
    if (s != OC_OK)
        return s;
    return gw_reply(req, 204, NULL);
}

enum oc_status handle_dnc_add(struct gw_request *req)
{
    static const char *const platform_fields[] = {"source", "call_id"};
    Ocpb__AddDncRequest *in = NULL;
    Ocpb__AddDncReply *reply = NULL;
    json_t *body = NULL, *out;
    enum oc_status s;

    s = gw_parse_body(req, &body);
    if (s != OC_OK)
        return s;
    /* Entries added through the API are manual by definition; the other
     * sources (imports, call analysis) are the platform's to set. */
    for (size_t i = 0; i < sizeof(platform_fields) / sizeof(platform_fields[0]); i++) {
        if (json_object_get(body, platform_fields[i]) != NULL) {
            json_decref(body);
            return gw_fail(req, OC_ERR_INVALID, "field \"%s\" is set by the platform",
                           platform_fields[i]);
        }
    }
    s = pbjson_new(&ocpb__add_dnc_request__descriptor, body, req->arena, (ProtobufCMessage **)&in,
                   req->error, sizeof(req->error));
    json_decref(body);
    if (s != OC_OK)
        return s;
    in->source = OCPB__DNC_SOURCE__DNC_SOURCE_MANUAL;
    s = gw_call(req, "dnc.add", &in->base, &ocpb__add_dnc_reply__descriptor,
                (ProtobufCMessage **)&reply);
    if (s != OC_OK)
        return s;
    if (reply->entry == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "dnc.add answered without an entry");
    out = pbjson_render(&reply->entry->base);
    if (out == NULL ||
        json_object_set_new(out, "already_listed", json_boolean(reply->already_listed)) != 0) {
        json_decref(out);
        return OC_ERR_NOMEM;
    }
    return gw_reply(req, reply->already_listed ? 200 : 201, out);
}
