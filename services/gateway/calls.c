/*
 * GET /v1/calls/{id}: one call as the dashboard shows it, joined from the
 * two services that hold its parts (docs/messages.md): the scheduler's
 * call (status, result, timestamps, duration, transitions, the transcript
 * it keeps with include_transcript, and for a follow-up or retry its
 * parent, reason and confidence) and the analyzer's analysis of it.
 *
 * The call decides the answer: when it is not found the answer is 404.
 * The analysis is null until the analyzer has one; when the analyzer
 * cannot be reached the call is still shown, with a null analysis and a
 * line in the log, because a page of the call is worth more than an error.
 */
#include <string.h>

#include "gateway.h"
#include "oc/log.h"
#include "proto/analyzer.pb-c.h"
#include "proto/scheduler.pb-c.h"

enum oc_status handle_call_get(struct gw_request *req)
{
    Ocpb__GetCallRequest in = OCPB__GET_CALL_REQUEST__INIT;
    Ocpb__GetAnalysisRequest ain = OCPB__GET_ANALYSIS_REQUEST__INIT;
    Ocpb__GetCallReply *reply = NULL;
    Ocpb__GetAnalysisReply *areply = NULL;
    json_t *call, *analysis = NULL;
    enum oc_status s;

    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no call with id \"%s\"", req->param);
    in.id = req->param;
    in.include_transcript = true;
    s = gw_call(req, "calls.get", &in.base, &ocpb__get_call_reply__descriptor,
                (ProtobufCMessage **)&reply);
    if (s != OC_OK)
        return s;
    if (reply->call == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "calls.get answered without a call");

    ain.call_id = req->param;
    s = gw_call(req, "analysis.get", &ain.base, &ocpb__get_analysis_reply__descriptor,
                (ProtobufCMessage **)&areply);
    if (s == OC_OK && areply->analysis != NULL) {
        analysis = pbjson_render(&areply->analysis->base);
        if (analysis == NULL)
            return OC_ERR_NOMEM;
    } else if (s != OC_OK && s != OC_ERR_NOT_FOUND) {
        oc_warn("call %s shown without its analysis: %s", req->param, req->error);
    }
    req->error[0] = '\0';

    call = pbjson_render(&reply->call->base);
    if (call == NULL) {
        json_decref(analysis);
        return OC_ERR_NOMEM;
    }
    /* set_new takes the analysis whether or not it succeeds. */
    if (json_object_set_new(call, "analysis", analysis != NULL ? analysis : json_null()) != 0) {
        json_decref(call);
        return OC_ERR_NOMEM;
    }
    return gw_reply(req, 200, call);
}
