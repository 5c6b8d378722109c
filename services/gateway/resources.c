/*
 * The REST resources that are a plain translation to one subject: which
 * subject, which messages, which field holds the resource. The shapes
 * (create, get, list, update, action, delete) live in api.c; the routes
 * that join two services or stream live in their own files (calls.c,
 * credits.c, lead_upload.c, leads.c, sse.c). Subjects are those of
 * docs/messages.md.
 */
#include "gateway.h"
#include "proto/assistants.pb-c.h"
#include "proto/dialer.pb-c.h"
#include "proto/leads.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define RESOURCES_BULK_TIMEOUT_MS 60000

#define OP(subject_, req_, reply_, resource_, noun_)                                               \
    {                                                                                              \
        .subject = subject_, .request = &ocpb__##req_##__descriptor,                               \
        .reply = &ocpb__##reply_##__descriptor, .resource = resource_, .noun = noun_,              \
    }

/* ------------------------------------------------------------ assistants */

static const struct gw_api_op assistant_create =
    OP("assistants.create", create_assistant_request, create_assistant_reply, "assistant", NULL);
static const struct gw_api_op assistant_get =
    OP("assistants.get", get_assistant_request, get_assistant_reply, "assistant", "assistant");
static const struct gw_api_op assistant_list =
    OP("assistants.list", list_assistants_request, list_assistants_reply, NULL, NULL);
static const struct gw_api_op assistant_update =
    OP("assistants.update", update_assistant_request, update_assistant_reply, "assistant",
       "assistant");

enum oc_status handle_assistant_create(struct gw_request *req)
{
    return gw_api_create(req, &assistant_create);
}

enum oc_status handle_assistant_get(struct gw_request *req)
{
    return gw_api_get(req, &assistant_get);
}

enum oc_status handle_assistant_list(struct gw_request *req)
{
    return gw_api_list(req, &assistant_list);
}

enum oc_status handle_assistant_update(struct gw_request *req)
{
    return gw_api_update(req, &assistant_update);
}

/* ------------------------------------------------------------ numbers */

/* The body is the number; its "credentials" go beside it and never come back. */
static const struct gw_api_op number_create =
    OP("numbers.create", create_number_request, create_number_reply, "number", NULL);
static const struct gw_api_op number_get =
    OP("numbers.get", get_number_request, get_number_reply, "number", "number");
static const struct gw_api_op number_list =
    OP("numbers.list", list_numbers_request, list_numbers_reply, NULL, NULL);

enum oc_status handle_number_create(struct gw_request *req)
{
    return gw_api_create(req, &number_create);
}

enum oc_status handle_number_get(struct gw_request *req)
{
    return gw_api_get(req, &number_get);
}

enum oc_status handle_number_list(struct gw_request *req)
{
    return gw_api_list(req, &number_list);
}

/* ------------------------------------------------------------ campaigns */

static const struct gw_api_op campaign_create =
    OP("campaigns.create", create_campaign_request, create_campaign_reply, "campaign", NULL);
static const struct gw_api_op campaign_get =
    OP("campaigns.get", get_campaign_request, get_campaign_reply, "campaign", "campaign");
static const struct gw_api_op campaign_list =
    OP("campaigns.list", list_campaigns_request, list_campaigns_reply, NULL, NULL);
static const struct gw_api_op campaign_update =
    OP("campaigns.update", update_campaign_request, update_campaign_reply, "campaign", "campaign");
/* Resuming is starting a paused campaign again (docs/messages.md). */
static const struct gw_api_op campaign_start =
    OP("campaigns.start", start_campaign_request, start_campaign_reply, "campaign", "campaign");
static const struct gw_api_op campaign_pause =
    OP("campaigns.pause", pause_campaign_request, pause_campaign_reply, "campaign", "campaign");
/* Stopping cancels every call still to come and releases its credit: a
 * campaign of many leads takes longer than a plain request. */
static const struct gw_api_op campaign_stop = {
    .subject = "campaigns.stop",
    .request = &ocpb__stop_campaign_request__descriptor,
    .reply = &ocpb__stop_campaign_reply__descriptor,
    .resource = "campaign",
    .noun = "campaign",
    .timeout_ms = RESOURCES_BULK_TIMEOUT_MS,
};
static const struct gw_api_op campaign_archive = OP("campaigns.archive", archive_campaign_request,
                                                    archive_campaign_reply, "campaign", "campaign");

enum oc_status handle_campaign_create(struct gw_request *req)
{
    return gw_api_create(req, &campaign_create);
}

enum oc_status handle_campaign_get(struct gw_request *req)
{
    return gw_api_get(req, &campaign_get);
}

enum oc_status handle_campaign_list(struct gw_request *req)
{
    return gw_api_list(req, &campaign_list);
}

enum oc_status handle_campaign_update(struct gw_request *req)
{
    return gw_api_update(req, &campaign_update);
}

enum oc_status handle_campaign_start(struct gw_request *req)
{
    return gw_api_action(req, &campaign_start);
}

enum oc_status handle_campaign_pause(struct gw_request *req)
{
    return gw_api_action(req, &campaign_pause);
}

enum oc_status handle_campaign_stop(struct gw_request *req)
{
    return gw_api_action(req, &campaign_stop);
}

enum oc_status handle_campaign_archive(struct gw_request *req)
{
    return gw_api_action(req, &campaign_archive);
}

/* ------------------------------------------------------------ leads and imports */

static const struct gw_api_op lead_list =
    OP("leads.list", list_leads_request, list_leads_reply, NULL, NULL);
static const struct gw_api_op lead_update =
    OP("leads.update", update_lead_request, update_lead_reply, "lead", "lead");
static const struct gw_api_op import_get =
    OP("leads.imports.get", get_import_job_request, get_import_job_reply, "job", "import");
static const struct gw_api_op import_list =
    OP("leads.imports.list", list_import_jobs_request, list_import_jobs_reply, NULL, NULL);

enum oc_status handle_lead_list(struct gw_request *req)
{
    return gw_api_list(req, &lead_list);
}

enum oc_status handle_lead_update(struct gw_request *req)
{
    return gw_api_update(req, &lead_update);
}

enum oc_status handle_import_get(struct gw_request *req)
{
    return gw_api_get(req, &import_get);
}

enum oc_status handle_import_list(struct gw_request *req)
{
    return gw_api_list(req, &import_list);
}

/* ------------------------------------------------------------ do-not-call */

static const struct gw_api_op dnc_list =
    OP("dnc.list", list_dnc_request, list_dnc_reply, NULL, NULL);
/* The path's {id} is the phone number, in any format the list accepts. */
static const struct gw_api_op dnc_remove = {
    .subject = "dnc.remove",
    .request = &ocpb__remove_dnc_request__descriptor,
    .reply = &ocpb__remove_dnc_reply__descriptor,
    .id_field = "phone",
};
static const struct gw_api_op dnc_check = {
    .subject = "dnc.check",
    .request = &ocpb__check_dnc_request__descriptor,
    .reply = &ocpb__check_dnc_reply__descriptor,
    .http_status = 200,
};
static const struct gw_api_op dnc_check_batch = {
    .subject = "dnc.check_batch",
    .request = &ocpb__check_dnc_batch_request__descriptor,
    .reply = &ocpb__check_dnc_batch_reply__descriptor,
    .http_status = 200,
};
/* The audit trail: every add and removal, who made it, when and why. */
static const struct gw_api_op dnc_history =
    OP("dnc.history", list_dnc_history_request, list_dnc_history_reply, NULL, NULL);

enum oc_status handle_dnc_list(struct gw_request *req)
{
    return gw_api_list(req, &dnc_list);
}

enum oc_status handle_dnc_remove(struct gw_request *req)
{
    return gw_api_delete(req, &dnc_remove);
}

/* {"phone":...} checks one number, {"phones":[...]} many at once. */
enum oc_status handle_dnc_check(struct gw_request *req)
{
    json_t *body = NULL;
    bool batch;
    enum oc_status s;

    s = gw_parse_body(req, &body);
    if (s != OC_OK)
        return s;
    batch = json_object_get(body, "phones") != NULL;
    if (batch && json_object_get(body, "phone") != NULL) {
        json_decref(body);
        return gw_fail(req, OC_ERR_INVALID, "give \"phone\" or \"phones\", not both");
    }
    json_decref(body);
    return gw_api_create(req, batch ? &dnc_check_batch : &dnc_check);
}

enum oc_status handle_dnc_history(struct gw_request *req)
{
    return gw_api_list(req, &dnc_history);
}

/* ------------------------------------------------------------ calls */

static const struct gw_api_op call_list =
    OP("calls.list", list_calls_request, list_calls_reply, NULL, NULL);
static const struct gw_api_op call_create =
    OP("calls.create", create_call_request, create_call_reply, "call", NULL);
static const struct gw_api_op call_cancel =
    OP("calls.cancel", cancel_call_request, cancel_call_reply, "call", "call");
static const struct gw_api_op call_reschedule =
    OP("calls.reschedule", reschedule_call_request, reschedule_call_reply, "call", "call");

enum oc_status handle_call_list(struct gw_request *req)
{
    return gw_api_list(req, &call_list);
}

enum oc_status handle_call_create(struct gw_request *req)
{
    return gw_api_create(req, &call_create);
}

enum oc_status handle_call_cancel(struct gw_request *req)
{
    return gw_api_action(req, &call_cancel);
}

enum oc_status handle_call_reschedule(struct gw_request *req)
{
    return gw_api_action(req, &call_reschedule);
}

/* ------------------------------------------------------------ for tests */

const struct gw_api_op *const gateway_api_ops[] = {
    &assistant_create, &assistant_get,   &assistant_list,  &assistant_update, &number_create,
    &number_get,       &number_list,     &campaign_create, &campaign_get,     &campaign_list,
    &campaign_update,  &campaign_start,  &campaign_pause,  &campaign_stop,    &campaign_archive,
    &lead_list,        &lead_update,     &import_get,      &import_list,      &dnc_list,
    &dnc_remove,       &dnc_check,       &call_list,       &call_create,      &call_cancel,
    &call_reschedule,  &dnc_check_batch, &dnc_history,
};

const size_t gateway_api_ops_count = sizeof(gateway_api_ops) / sizeof(gateway_api_ops[0]);
