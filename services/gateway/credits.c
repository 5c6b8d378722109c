/*
 * Credits: GET /v1/credits joins billing.balance (the balance, what is
 * reserved by calls in flight, the price) with one page of billing.history
 * (the ledger, newest first), and sign-up's trial grant.
 *
 * The trial is granted the way gateway.proto's contract says: billing.grant
 * of kind TRIAL with the tenant id as reference, which billing applies once
 * per tenant however often it is asked. A sign-up does not fail when
 * billing is down (the account exists by then); the log line says which
 * tenant went without, and granting again later is harmless.
 */
#include <string.h>

#include "gateway.h"
#include "oc/bus.h"
#include "oc/log.h"
#include "proto/billing.pb-c.h"

/* Sign-up waits at most this long for billing. */
#define CREDITS_GRANT_TIMEOUT_MS 2000

enum oc_status handle_credits_get(struct gw_request *req)
{
    Ocpb__GetBalanceRequest bin = OCPB__GET_BALANCE_REQUEST__INIT;
    ProtobufCMessage *history_in = NULL, *history = NULL;
    Ocpb__GetBalanceReply *balance = NULL;
    json_t *out = NULL, *top;
    enum oc_status s;

    s = gw_api_list_request(req, &ocpb__list_ledger_request__descriptor, &history_in);
    if (s != OC_OK)
        return s;
    s = gw_call(req, "billing.balance", &bin.base, &ocpb__get_balance_reply__descriptor,
                (ProtobufCMessage **)&balance);
    if (s == OC_OK)
        s = gw_call(req, "billing.history", history_in, &ocpb__list_ledger_reply__descriptor,
                    &history);
    if (s != OC_OK)
        return s;

    s = gw_list_json(history, &out);
    if (s != OC_OK)
        return s;
    /* The balance reply's figures go on top, over the ledger page's own balance. */
    top = pbjson_render(&balance->base);
    if (top == NULL || json_object_update(out, top) != 0) {
        json_decref(top);
        json_decref(out);
        return OC_ERR_NOMEM;
    }
    json_decref(top);
    return gw_reply(req, 200, out);
}

void gw_grant_trial(const struct gw_request *req, const char *tenant_id, const char *user_id)
{
    Ocpb__GrantCreditsRequest in = OCPB__GRANT_CREDITS_REQUEST__INIT;
    Ocpb__GrantCreditsReply *reply = NULL;
    struct oc_call call = {
        .tenant_id = tenant_id,
        .request_id = req->request_id,
        .user_id = user_id,
        .timeout_ms = CREDITS_GRANT_TIMEOUT_MS,
    };
    char err[256];
    enum oc_status s;

    in.kind = OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL;
    in.reference = (char *)tenant_id;
    in.description = "trial credits at sign-up";
    s = oc_bus_call(req->gw->svc->bus, "billing.grant", &call, &in.base,
                    &ocpb__grant_credits_reply__descriptor, NULL, (ProtobufCMessage **)&reply, err,
                    sizeof(err));
    if (s != OC_OK) {
        oc_warn("signup: tenant %s got no trial credits: %s", tenant_id, err);
        return;
    }
    if (reply->balance != NULL)
        oc_info("signup: tenant %s granted trial credits, balance %.3f", tenant_id,
                (double)reply->balance->milli / 1000.0);
    ocpb__grant_credits_reply__free_unpacked(reply, NULL);
}
