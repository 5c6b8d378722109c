/*
 * The one table of the scheduler's request/reply subjects (docs/messages.md),
 * and what every handler needs first: the state and the tenant.
 */
#include "handlers.h"

#include "oc/service.h"
#include "oc/crypto.h"
#include "wire.h"

struct scheduler *handlers_state(struct oc_request *req)
{
    struct oc_service *svc = req->user;
    return svc->user;
}

const char *handlers_tenant(struct oc_request *req)
{
    const char *t = NULL;
    return oc_request_tenant(req, &t) == OC_OK ? t : NULL;
}

const struct oc_handler scheduler_handlers[] = {
    {"campaigns.create", &ocpb__create_campaign_request__descriptor, handle_campaign_create},
    {"campaigns.get", &ocpb__get_campaign_request__descriptor, handle_campaign_get},
    {"campaigns.list", &ocpb__list_campaigns_request__descriptor, handle_campaign_list},
    {"campaigns.update", &ocpb__update_campaign_request__descriptor, handle_campaign_update},
    {"campaigns.start", &ocpb__start_campaign_request__descriptor, handle_campaign_start},
    {"campaigns.pause", &ocpb__pause_campaign_request__descriptor, handle_campaign_pause},
    {"campaigns.stop", &ocpb__stop_campaign_request__descriptor, handle_campaign_stop},
    {"campaigns.archive", &ocpb__archive_campaign_request__descriptor, handle_campaign_archive},
    {"calls.get", &ocpb__get_call_request__descriptor, handle_call_get},
    {"calls.list", &ocpb__list_calls_request__descriptor, handle_call_list},
    {"calls.create", &ocpb__create_call_request__descriptor, handle_call_create},
    {"calls.cancel", &ocpb__cancel_call_request__descriptor, handle_call_cancel},
    {"calls.reschedule", &ocpb__reschedule_call_request__descriptor, handle_call_reschedule},
    {"calls.dialable", &ocpb__check_dialable_request__descriptor, handle_call_dialable},
};

const size_t scheduler_handlers_count = sizeof(scheduler_handlers) / sizeof(scheduler_handlers[0]);
