/*
 * The dialer's NATS handlers: numbers.create, numbers.get and numbers.list
 * in the queue group "dialer" (any copy answers), and
 * dialer.<instance>.hangup, which only the copy holding the call's SIP
 * dialog serves (media asks it after the agent's closing line).
 *
 * A SIP number's digest password is sealed here, before it reaches the
 * store, with the tenant and the number's id as additional data, so a
 * sealed value cannot be moved to another row; replies only say whether
 * credentials are set.
 */
#include <stdio.h>
#include <string.h>

#include "dialer.h"
#include "leg.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "sip.h"
#include "store.h"
#include "trunk.h"

#define NUMBERS_PAGE_DEFAULT 50
#define NUMBERS_PAGE_MAX 200
#define LABEL_MAX 200
#define SIP_CREDENTIAL_MAX 128

static struct dialer *dialer_of(struct oc_request *req)
{
    return ((struct oc_service *)req->user)->user;
}

static const char *tenant_of(struct oc_request *req)
{
    return oc_uuid_valid(req->env->tenant_id) ? req->env->tenant_id : NULL;
}

/* The additional data a number's sealed secret is bound to. */
static size_t secret_aad(char *out, size_t cap, const char *tenant_id, const char *number_id)
{
    int n = snprintf(out, cap, "%s/%s", tenant_id, number_id);
    return n < 0 ? 0 : (size_t)n;
}

/* ================================================================ numbers */

static enum oc_status handle_number_create(struct oc_request *req, const ProtobufCMessage *msg,
                                           ProtobufCMessage **out)
{
    struct dialer *d = dialer_of(req);
    const Ocpb__CreateNumberRequest *in = (const Ocpb__CreateNumberRequest *)msg;
    const Ocpb__PhoneNumber *n = in->number;
    const Ocpb__NumberCredentials *cred = in->credentials;
    const char *tenant = tenant_of(req);
    const char *why = NULL;
    struct trunk trunk;
    char trunk_text[TRUNK_HOST_MAX + 32];
    char id[37];

    if (!tenant)
        return oc_request_fail(req, OC_ERR_INVALID, "a tenant is required");
    if (!n)
        return oc_request_fail(req, OC_ERR_INVALID, "number is required");
    if (n->kind != OCPB__NUMBER_KIND__NUMBER_KIND_SIP)
        return oc_request_fail(req, OC_ERR_INVALID,
                               "only kind sip can be created for now (provider numbers come"
                               " with provider accounts)");
    if (!e164_valid(n->caller_id))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "caller_id must be an E.164 number such as +34910000000");
    if (trunk_parse(n->trunk, &trunk, &why) != OC_OK)
        return oc_request_fail(req, OC_ERR_INVALID, "trunk: %s", why);
    trunk_format(&trunk, trunk_text, sizeof(trunk_text));
    if (n->label && strlen(n->label) > LABEL_MAX)
        return oc_request_fail(req, OC_ERR_INVALID, "label is longer than %d bytes", LABEL_MAX);
    if (n->max_concurrent < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "max_concurrent cannot be negative");

    const char *user = cred && cred->username && *cred->username ? cred->username : NULL;
    const char *pass = cred && cred->password && *cred->password ? cred->password : NULL;
    if ((user == NULL) != (pass == NULL))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "credentials need both username and password, or neither");
    if (user && (strlen(user) > SIP_CREDENTIAL_MAX || strlen(pass) > SIP_CREDENTIAL_MAX ||
                 strpbrk(user, "\":\r\n") || strpbrk(pass, "\r\n")))
        return oc_request_fail(req, OC_ERR_INVALID, "credentials are too long or malformed");

    enum oc_status st = oc_uuid_v4(id);
    if (st != OC_OK)
        return st;
    struct store_number_new row = {
        .id = id,
        .tenant_id = tenant,
        .caller_id = n->caller_id,
        .trunk = trunk_text,
        .label = n->label ? n->label : "",
        .max_concurrent = n->max_concurrent,
        .created_by = oc_uuid_valid(req->env->user_id) ? req->env->user_id : NULL,
    };
    if (user) {
        char aad[96];
        size_t plen = strlen(pass);
        size_t cap = OC_AEAD_SEALED_LEN(plen);
        uint8_t *sealed = oc_arena_alloc(req->arena, cap);
        size_t sealed_len = 0;
        if (!sealed)
            return OC_ERR_NOMEM;
        size_t alen = secret_aad(aad, sizeof(aad), tenant, id);
        st = oc_aead_seal(d->cfg.secrets_key, aad, alen, pass, plen, sealed, cap, &sealed_len);
        if (st != OC_OK)
            return st;
        row.sip_username = user;
        row.sip_secret = sealed;
        row.sip_secret_len = sealed_len;
    }

    Ocpb__PhoneNumber *stored = NULL;
    st = store_number_create(d->svc->db, &row, req->arena, &stored);
    if (st != OC_OK)
        return oc_request_fail(req, st, "the number could not be stored");
    Ocpb__CreateNumberReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__create_number_reply__init(r);
    r->number = stored;
    oc_info("number %s created: %s via %s%s", id, n->caller_id, trunk_text,
            user ? " (with credentials)" : "");
    *out = &r->base;
    return OC_OK;
}

static enum oc_status handle_number_get(struct oc_request *req, const ProtobufCMessage *msg,
                                        ProtobufCMessage **out)
{
    struct dialer *d = dialer_of(req);
    const Ocpb__GetNumberRequest *in = (const Ocpb__GetNumberRequest *)msg;
    const char *tenant = tenant_of(req);

    if (!tenant)
        return oc_request_fail(req, OC_ERR_INVALID, "a tenant is required");
    if (!oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such number");
    Ocpb__PhoneNumber *n = NULL;
    enum oc_status st = store_number_get(d->svc->db, tenant, in->id, req->arena, &n);
    if (st == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, st, "no such number");
    if (st != OC_OK)
        return st;
    Ocpb__GetNumberReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__get_number_reply__init(r);
    r->number = n;
    *out = &r->base;
    return OC_OK;
}

static enum oc_status handle_number_list(struct oc_request *req, const ProtobufCMessage *msg,
                                         ProtobufCMessage **out)
{
    struct dialer *d = dialer_of(req);
    const Ocpb__ListNumbersRequest *in = (const Ocpb__ListNumbersRequest *)msg;
    const char *tenant = tenant_of(req);
    int limit = in->page && in->page->limit > 0 ? in->page->limit : NUMBERS_PAGE_DEFAULT;
    const char *cursor = in->page && in->page->cursor ? in->page->cursor : "";

    if (!tenant)
        return oc_request_fail(req, OC_ERR_INVALID, "a tenant is required");
    if (limit > NUMBERS_PAGE_MAX)
        limit = NUMBERS_PAGE_MAX;
    Ocpb__PhoneNumber **numbers = NULL;
    size_t n = 0;
    const char *next = "";
    enum oc_status st = store_number_list(d->svc->db, tenant, (int)in->kind, cursor, limit,
                                          req->arena, &numbers, &n, &next);
    if (st == OC_ERR_INVALID)
        return oc_request_fail(req, st, "the cursor or kind is not valid");
    if (st != OC_OK)
        return st;
    Ocpb__ListNumbersReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    Ocpb__PageInfo *page = oc_arena_alloc(req->arena, sizeof(*page));
    if (!r || !page)
        return OC_ERR_NOMEM;
    ocpb__list_numbers_reply__init(r);
    ocpb__page_info__init(page);
    page->next_cursor = (char *)next;
    r->numbers = numbers;
    r->n_numbers = n;
    r->page = page;
    *out = &r->base;
    return OC_OK;
}

/* ================================================================ hang-up */

static enum oc_status handle_call_hangup(struct oc_request *req, const ProtobufCMessage *msg,
                                         ProtobufCMessage **out)
{
    struct dialer *d = dialer_of(req);
    const Ocpb__HangupCallRequest *in = (const Ocpb__HangupCallRequest *)msg;

    if (!in->call_id || !*in->call_id)
        return oc_request_fail(req, OC_ERR_INVALID, "call_id is required");
    atomic_fetch_add(&d->busy, 1);
    if (atomic_load(&d->stopping)) {
        atomic_fetch_sub(&d->busy, 1);
        return oc_request_fail(req, OC_ERR_UNAVAILABLE, "this dialer copy is stopping");
    }
    struct leg *leg = leg_set_find_call(&d->live, in->call_id);
    /* A tenant may only end its own calls. */
    bool mine = leg && strcmp(leg->tenant_id, req->env->tenant_id ? req->env->tenant_id : "") == 0;
    leg_unref(leg);
    enum oc_status st = OC_ERR_NOT_FOUND;
    if (mine) {
        oc_info("call %s: hang-up asked (%s)", in->call_id,
                in->reason && *in->reason ? in->reason : "no reason given");
        /* Media names the cause; only the agent's own ending is the agent's. */
        bool agent = in->reason && (strcmp(in->reason, "HANGUP_CAUSE_AGENT_HANGUP") == 0 ||
                                    strcmp(in->reason, "HANGUP_CAUSE_MAX_DURATION") == 0);
        st = sip_ua_hangup(d->sip, in->call_id, agent ? SIP_END_AGENT : SIP_END_SYSTEM);
    }
    atomic_fetch_sub(&d->busy, 1);
    if (st == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, st, "this dialer holds no call %s", in->call_id);
    if (st != OC_OK)
        return st;
    Ocpb__HangupCallReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__hangup_call_reply__init(r);
    *out = &r->base;
    return OC_OK;
}

const struct oc_handler dialer_handlers[] = {
    {"numbers.create", &ocpb__create_number_request__descriptor, handle_number_create},
    {"numbers.get", &ocpb__get_number_request__descriptor, handle_number_get},
    {"numbers.list", &ocpb__list_numbers_request__descriptor, handle_number_list},
};
const size_t dialer_n_handlers = sizeof(dialer_handlers) / sizeof(dialer_handlers[0]);

enum oc_status dialer_serve_instance(struct dialer *d)
{
    snprintf(d->hangup_subject, sizeof(d->hangup_subject), "dialer.%s.hangup", d->instance);
    snprintf(d->hangup_queue, sizeof(d->hangup_queue), "dialer.%s", d->instance);
    d->instance_handlers[0] = (struct oc_handler){
        d->hangup_subject, &ocpb__hangup_call_request__descriptor, handle_call_hangup};
    /* A queue group of its own: only this copy subscribes the subject, and
     * oc_bus_serve gives it the usual envelope and reply handling. */
    return oc_bus_serve(d->svc->bus, d->hangup_queue, d->instance_handlers, 1, d->svc);
}

/* Opens a number's sealed password into the arena (jobs.c). */
enum oc_status dialer_open_secret(struct dialer *d, struct oc_arena *arena, const char *tenant_id,
                                  const char *number_id, const uint8_t *sealed, size_t sealed_len,
                                  const char **out)
{
    char aad[96];
    size_t alen = secret_aad(aad, sizeof(aad), tenant_id, number_id);
    char *plain = oc_arena_alloc(arena, sealed_len + 1);
    size_t plen = 0;
    if (!plain)
        return OC_ERR_NOMEM;
    enum oc_status st = oc_aead_open(d->cfg.secrets_key, aad, alen, sealed, sealed_len,
                                     (uint8_t *)plain, sealed_len, &plen);
    if (st != OC_OK)
        return st;
    plain[plen] = '\0';
    *out = plain;
    return OC_OK;
}
