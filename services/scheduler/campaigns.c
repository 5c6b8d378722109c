/*
 * campaigns.*: create, read, list, update, and the state changes
 *   draft -> running <-> paused -> completed (all leads finished) / stopped,
 *   and archived for draft, completed and stopped campaigns.
 * A start wakes the dispatchers of this copy, so calls leave within a
 * second; a pause stops new calls at once because every dispatch round
 * re-reads the campaign's state under its lock; a stop also cancels every
 * call still to come and releases its credit.
 */
#include <stdio.h>
#include <string.h>

#include "campaign.h"
#include "deps.h"
#include "handlers.h"
#include "lifecycle.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "outbox.h"
#include "store.h"

#define STATE_BIT(s) (1u << OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_##s)

static enum oc_status not_found(struct oc_request *req, const char *id)
{
    return oc_request_fail(req, OC_ERR_NOT_FOUND, "campaign %s not found", id);
}

static bool valid_id(struct oc_request *req, const char *id)
{
    if (oc_uuid_valid(id))
        return true;
    oc_request_fail(req, OC_ERR_INVALID, "id must be a campaign id");
    return false;
}

/* Fills what the service decides when the request leaves it at zero. */
static enum oc_status apply_defaults(struct oc_request *req, struct scheduler *st,
                                     Ocpb__Campaign *c)
{
    if (!c->pacing) {
        c->pacing = oc_arena_alloc(req->arena, sizeof(*c->pacing));
        if (!c->pacing)
            return OC_ERR_NOMEM;
        ocpb__pacing__init(c->pacing);
    }
    if (c->pacing->max_concurrent == 0)
        c->pacing->max_concurrent = (int32_t)st->cfg.default_max_concurrent;
    return OC_OK;
}

/* The caller numbers a campaign names: number_id, then the extra ones. */
static char **numbers_of(struct oc_arena *a, const Ocpb__Campaign *c, size_t *n)
{
    char **v = oc_arena_alloc(a, sizeof(*v) * (c->n_extra_number_ids + 1));
    if (!v)
        return NULL;
    v[0] = c->number_id;
    for (size_t i = 0; i < c->n_extra_number_ids; i++)
        v[1 + i] = c->extra_number_ids[i];
    *n = c->n_extra_number_ids + 1;
    return v;
}

enum oc_status handle_campaign_create(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__CreateCampaignRequest *r = (const Ocpb__CreateCampaignRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant)
        return OC_ERR_INVALID;
    Ocpb__Campaign *c = r->campaign;
    enum oc_status s = campaign_check(c, CAMPAIGN_ALL_FIELDS, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    s = apply_defaults(req, st, c);
    if (s != OC_OK)
        return s;
    size_t n = 0;
    char **numbers = numbers_of(req->arena, c, &n);
    if (!numbers)
        return OC_ERR_NOMEM;
    s = deps_check_refs(st, tenant, c->assistant_id, numbers, n, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    Ocpb__CreateCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__create_campaign_reply__init(reply);
    s = store_campaign_create(st->db, tenant, c, req->arena, &reply->campaign);
    if (s != OC_OK)
        return s;
    oc_info("campaign %s created", reply->campaign->id);
    *out = &reply->base;
    return OC_OK;
}

enum oc_status handle_campaign_get(struct oc_request *req, const ProtobufCMessage *in,
                                   ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__GetCampaignRequest *r = (const Ocpb__GetCampaignRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, r->id))
        return OC_ERR_INVALID;
    Ocpb__GetCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__get_campaign_reply__init(reply);
    enum oc_status s = store_campaign_get(st->db, tenant, r->id, req->arena, &reply->campaign);
    if (s == OC_ERR_NOT_FOUND)
        return not_found(req, r->id);
    if (s != OC_OK)
        return s;
    *out = &reply->base;
    return OC_OK;
}

enum oc_status handle_campaign_list(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__ListCampaignsRequest *r = (const Ocpb__ListCampaignsRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant)
        return OC_ERR_INVALID;
    unsigned states = 0;
    for (size_t i = 0; i < r->n_states; i++) {
        if (r->states[i] <= OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_UNSPECIFIED ||
            r->states[i] > OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED)
            return oc_request_fail(req, OC_ERR_INVALID, "states: %d is not a campaign state",
                                   (int)r->states[i]);
        states |= 1u << r->states[i];
    }
    Ocpb__ListCampaignsReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    Ocpb__PageInfo *page = oc_arena_alloc(req->arena, sizeof(*page));
    char *next = oc_arena_alloc(req->arena, WIRE_CURSOR_MAX);
    if (!reply || !page || !next)
        return OC_ERR_NOMEM;
    ocpb__list_campaigns_reply__init(reply);
    ocpb__page_info__init(page);
    enum oc_status s = store_campaign_list(st->db, tenant, states, r->page ? r->page->cursor : NULL,
                                           r->page ? r->page->limit : 0, req->arena,
                                           &reply->campaigns, &reply->n_campaigns, next);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "page.cursor is not a cursor of this list");
    if (s != OC_OK)
        return s;
    page->next_cursor = next;
    reply->page = page;
    *out = &reply->base;
    return OC_OK;
}

enum oc_status handle_campaign_update(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    struct scheduler *st = handlers_state(req);
    const Ocpb__UpdateCampaignRequest *r = (const Ocpb__UpdateCampaignRequest *)in;
    const char *tenant = handlers_tenant(req);
    if (!tenant)
        return OC_ERR_INVALID;
    Ocpb__Campaign *c = r->campaign;
    if (!c || !valid_id(req, c->id))
        return OC_ERR_INVALID;
    unsigned fields = 0;
    enum oc_status s =
        campaign_mask(r->update_mask, r->n_update_mask, &fields, req->error, sizeof(req->error));
    if (s == OC_OK)
        s = campaign_check(c, fields, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    if (fields & CAMPAIGN_PACING) {
        s = apply_defaults(req, st, c);
        if (s != OC_OK)
            return s;
    }
    if (fields & (CAMPAIGN_ASSISTANT | CAMPAIGN_NUMBER | CAMPAIGN_EXTRA_NUMBERS)) {
        char *numbers[SCHED_MAX_NUMBERS];
        size_t n = 0;
        if (fields & CAMPAIGN_NUMBER)
            numbers[n++] = c->number_id;
        for (size_t i = 0; (fields & CAMPAIGN_EXTRA_NUMBERS) && i < c->n_extra_number_ids; i++)
            numbers[n++] = c->extra_number_ids[i];
        s = deps_check_refs(st, tenant, (fields & CAMPAIGN_ASSISTANT) ? c->assistant_id : NULL,
                            numbers, n, req->error, sizeof(req->error));
        if (s != OC_OK)
            return s;
    }
    Ocpb__UpdateCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__update_campaign_reply__init(reply);
    s = store_campaign_update(st->db, tenant, c, fields, req->arena, &reply->campaign, req->error,
                              sizeof(req->error));
    if (s == OC_ERR_NOT_FOUND)
        return not_found(req, c->id);
    if (s != OC_OK)
        return s;
    *out = &reply->base;
    return OC_OK;
}

/* The state changes share everything but their states and reply type. */
static enum oc_status change_state(struct oc_request *req, const char *id, unsigned from,
                                   Ocpb__CampaignState to, const char *reason,
                                   Ocpb__Campaign **campaign)
{
    struct scheduler *st = handlers_state(req);
    const char *tenant = handlers_tenant(req);
    if (!tenant || !valid_id(req, id))
        return OC_ERR_INVALID;
    if (reason && strlen(reason) > 500)
        return oc_request_fail(req, OC_ERR_INVALID, "reason: at most 500 characters");
    struct outbox ob;
    outbox_init(&ob, req->arena);
    const char **release = NULL;
    size_t n_release = 0;
    enum oc_status s = store_campaign_transition(st->db, tenant, id, from, to, reason,
                                                 wire_now_ms(), &ob, req->arena, campaign, &release,
                                                 &n_release, req->error, sizeof(req->error));
    if (s == OC_ERR_NOT_FOUND)
        return not_found(req, id);
    if (s != OC_OK)
        return s;
    outbox_publish(st, &ob);
    deps_release(st, tenant, release, n_release, "the campaign was stopped");
    oc_info("campaign %s %s", id,
            wire_campaign_state_name(to) ? wire_campaign_state_name(to) : "archived");
    if (to == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING)
        scheduler_wake(st);
    return OC_OK;
}

enum oc_status handle_campaign_start(struct oc_request *req, const ProtobufCMessage *in,
                                     ProtobufCMessage **out)
{
    const Ocpb__StartCampaignRequest *r = (const Ocpb__StartCampaignRequest *)in;
    Ocpb__StartCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__start_campaign_reply__init(reply);
    enum oc_status s =
        change_state(req, r->id, STATE_BIT(DRAFT) | STATE_BIT(PAUSED) | STATE_BIT(COMPLETED),
                     OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING, NULL, &reply->campaign);
    if (s == OC_OK)
        *out = &reply->base;
    return s;
}

enum oc_status handle_campaign_pause(struct oc_request *req, const ProtobufCMessage *in,
                                     ProtobufCMessage **out)
{
    const Ocpb__PauseCampaignRequest *r = (const Ocpb__PauseCampaignRequest *)in;
    Ocpb__PauseCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__pause_campaign_reply__init(reply);
    enum oc_status s =
        change_state(req, r->id, STATE_BIT(RUNNING), OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_PAUSED,
                     NULL, &reply->campaign);
    if (s == OC_OK)
        *out = &reply->base;
    return s;
}

enum oc_status handle_campaign_stop(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out)
{
    const Ocpb__StopCampaignRequest *r = (const Ocpb__StopCampaignRequest *)in;
    Ocpb__StopCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__stop_campaign_reply__init(reply);
    enum oc_status s =
        change_state(req, r->id, STATE_BIT(DRAFT) | STATE_BIT(RUNNING) | STATE_BIT(PAUSED),
                     OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED, r->reason, &reply->campaign);
    if (s == OC_OK)
        *out = &reply->base;
    return s;
}

enum oc_status handle_campaign_archive(struct oc_request *req, const ProtobufCMessage *in,
                                       ProtobufCMessage **out)
{
    const Ocpb__ArchiveCampaignRequest *r = (const Ocpb__ArchiveCampaignRequest *)in;
    Ocpb__ArchiveCampaignReply *reply = oc_arena_alloc(req->arena, sizeof(*reply));
    if (!reply)
        return OC_ERR_NOMEM;
    ocpb__archive_campaign_reply__init(reply);
    enum oc_status s =
        change_state(req, r->id, STATE_BIT(DRAFT) | STATE_BIT(COMPLETED) | STATE_BIT(STOPPED),
                     OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED, NULL, &reply->campaign);
    if (s == OC_OK)
        *out = &reply->base;
    return s;
}
