/*
 * The analyzer's request/reply subjects, served in the queue group
 * "analyzer" (any copy answers):
 *   analysis.get      one analysis of the caller's tenant, by call id or id
 *   analysis.list     a page of the tenant's analyses, newest first
 *   analysis.analyze  the same analysis the consumer makes, for tools and
 *                     tests: stores and emits nothing
 * Each handler works in the request's arena; replies point into it.
 */
#include <string.h>

#include "analyzer.h"
#include "oc/log.h"
#include "oc/service.h"
#include "store.h"

static struct analyzer *analyzer_of(struct oc_request *req)
{
    return ((struct oc_service *)req->user)->user;
}

static const char *tenant_of(struct oc_request *req)
{
    return store_uuid_valid(req->env->tenant_id) ? req->env->tenant_id : NULL;
}

static enum oc_status handle_analysis_get(struct oc_request *req, const ProtobufCMessage *msg,
                                          ProtobufCMessage **out)
{
    struct analyzer *az = analyzer_of(req);
    const Ocpb__GetAnalysisRequest *in = (const Ocpb__GetAnalysisRequest *)msg;
    const char *tenant = tenant_of(req);
    bool by_id = in->id && *in->id;
    const char *key = by_id ? in->id : in->call_id;
    if (!tenant)
        return oc_request_fail(req, OC_ERR_INVALID, "a tenant is required");
    if (!store_uuid_valid(key))
        return oc_request_fail(req, OC_ERR_INVALID, "call_id or id must be a UUID");
    Ocpb__GetAnalysisReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__get_analysis_reply__init(r);
    enum oc_status s = store_get(az->svc->db, tenant, by_id ? NULL : key, by_id ? key : NULL,
                                 req->arena, &r->analysis);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s, "no analysis for %s %s", by_id ? "id" : "call", key);
    if (s != OC_OK)
        return s;
    *out = &r->base;
    return OC_OK;
}

static enum oc_status handle_analysis_list(struct oc_request *req, const ProtobufCMessage *msg,
                                           ProtobufCMessage **out)
{
    struct analyzer *az = analyzer_of(req);
    const Ocpb__ListAnalysesRequest *in = (const Ocpb__ListAnalysesRequest *)msg;
    const char *tenant = tenant_of(req);
    if (!tenant)
        return oc_request_fail(req, OC_ERR_INVALID, "a tenant is required");
    struct store_page page;
    enum oc_status s = store_list(az->svc->db, tenant, in, req->arena, &page);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s,
                               "campaign_id and lead_id must be UUIDs, and the cursor "
                               "one this service gave");
    if (s != OC_OK)
        return s;
    Ocpb__ListAnalysesReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    Ocpb__PageInfo *pi = oc_arena_alloc(req->arena, sizeof(*pi));
    if (!r || !pi)
        return OC_ERR_NOMEM;
    ocpb__list_analyses_reply__init(r);
    ocpb__page_info__init(pi);
    pi->next_cursor = (char *)page.next_cursor;
    r->analyses = page.items;
    r->n_analyses = page.n;
    r->page = pi;
    *out = &r->base;
    return OC_OK;
}

static enum oc_status handle_analysis_analyze(struct oc_request *req, const ProtobufCMessage *msg,
                                              ProtobufCMessage **out)
{
    struct analyzer *az = analyzer_of(req);
    const Ocpb__AnalyzeCallRequest *in = (const Ocpb__AnalyzeCallRequest *)msg;
    char err[256] = "";
    if (!in->call)
        return oc_request_fail(req, OC_ERR_INVALID, "call is required");
    Ocpb__AnalyzeCallReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__analyze_call_reply__init(r);
    enum oc_status s = call_analysis_run(az, in->call, in->force_rules, req->arena, &r->analysis,
                                         err, sizeof(err));
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "%s", err);
    if (s != OC_OK)
        return s;
    *out = &r->base;
    return OC_OK;
}

const struct oc_handler analyzer_handlers[] = {
    {"analysis.get", &ocpb__get_analysis_request__descriptor, handle_analysis_get},
    {"analysis.list", &ocpb__list_analyses_request__descriptor, handle_analysis_list},
    {"analysis.analyze", &ocpb__analyze_call_request__descriptor, handle_analysis_analyze},
};

const size_t analyzer_n_handlers = sizeof(analyzer_handlers) / sizeof(analyzer_handlers[0]);
