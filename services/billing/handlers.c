/*
 * billing's request/reply handlers and their table (subjects in
 * docs/messages.md). Each checks its input and answers a clear error
 * naming the field, runs one ledger operation (ledger.c), builds the reply
 * in the request's arena, and publishes the credits events once the
 * operation committed.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing.h"
#include "events.h"
#include "ledger.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "pricing.h"

#define REFERENCE_MAX 200
#define DESCRIPTION_MAX 500
#define RESERVE_MAX_SECONDS 86400
#define PAGE_DEFAULT 50
#define PAGE_MAX 200

/* ================================================================ helpers */

/* The state behind a request (req->user is the runtime). Borrowed. */
static struct billing *billing_of(const struct oc_request *req)
{
    const struct oc_service *svc = req->user;
    return svc->user;
}

/* Who caused a movement: the user, the API key, else the calling service. */
static const char *actor_of(const struct oc_request *req)
{
    if (req->env->user_id && *req->env->user_id)
        return req->env->user_id;
    if (req->env->api_key_id && *req->env->api_key_id)
        return req->env->api_key_id;
    return "service";
}

static bool text_ok(const char *s, size_t max)
{
    if (strlen(s) > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static Ocpb__Credits *credits(struct oc_arena *a, int64_t milli)
{
    Ocpb__Credits *c = oc_arena_alloc(a, sizeof(*c));
    if (c) {
        ocpb__credits__init(c);
        c->milli = milli;
    }
    return c;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A settle or release names its hold by reservation_id or reference. */
static enum oc_status check_hold_name(struct oc_request *req, const char *reservation_id,
                                      const char *reference)
{
    if (*reservation_id && !oc_uuid_valid(reservation_id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such reservation");
    if (!*reservation_id && !*reference)
        return oc_request_fail(req, OC_ERR_INVALID, "reservation_id or reference: required");
    if (!*reservation_id && !text_ok(reference, REFERENCE_MAX))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "reference: at most %d characters, no control characters",
                               REFERENCE_MAX);
    return OC_OK;
}

/* ================================================================ billing.balance */

static enum oc_status handle_balance_get(struct oc_request *req, const ProtobufCMessage *msg,
                                         ProtobufCMessage **out)
{
    (void)msg;
    struct billing *b = billing_of(req);
    struct ledger_result r;
    const char *tenant = NULL;
    bool trial = false;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    s = ledger_balance(b, tenant, req->arena, &r, &trial);
    if (s != OC_OK)
        return s;
    events_credits(b, tenant, req->env->request_id, &r);

    Ocpb__GetBalanceReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__get_balance_reply__init(rep);
    rep->balance = credits(req->arena, r.balance);
    rep->reserved = credits(req->arena, r.held);
    rep->available = credits(req->arena, r.balance - r.held);
    rep->price_per_minute = credits(req->arena, b->cfg.price_milli);
    rep->trial = trial;
    if (!rep->balance || !rep->reserved || !rep->available || !rep->price_per_minute)
        return OC_ERR_NOMEM;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ billing.reserve */

static enum oc_status handle_credits_reserve(struct oc_request *req, const ProtobufCMessage *msg,
                                             ProtobufCMessage **out)
{
    const Ocpb__ReserveCreditsRequest *in = (const Ocpb__ReserveCreditsRequest *)msg;
    struct billing *b = billing_of(req);
    struct ledger_result r;
    struct ledger_hold hold;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!*in->reference)
        return oc_request_fail(req, OC_ERR_INVALID, "reference: required (the call id)");
    if (!text_ok(in->reference, REFERENCE_MAX))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "reference: at most %d characters, no control characters",
                               REFERENCE_MAX);
    if (in->seconds < 1 || in->seconds > RESERVE_MAX_SECONDS)
        return oc_request_fail(req, OC_ERR_INVALID, "seconds: from 1 to %d, got %" PRId64,
                               RESERVE_MAX_SECONDS, in->seconds);
    if (in->expires_unix_ms != 0 && in->expires_unix_ms <= now_ms())
        return oc_request_fail(req, OC_ERR_INVALID, "expires_unix_ms: already past");
    if (!text_ok(in->description, DESCRIPTION_MAX))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "description: at most %d characters, no control characters",
                               DESCRIPTION_MAX);

    const struct ledger_hold_req hr = {
        .reference = in->reference,
        .key = req->env->idempotency_key,
        .seconds = in->seconds,
        .expires_ms = in->expires_unix_ms,
        .description = in->description,
    };
    s = ledger_reserve(b, tenant, &hr, req->arena, &hold, &r, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    events_credits(b, tenant, req->env->request_id, &r);

    Ocpb__ReserveCreditsReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__reserve_credits_reply__init(rep);
    rep->reservation_id = hold.id;
    rep->reserved = credits(req->arena, hold.amount);
    rep->available = credits(req->arena, r.balance - r.held);
    if (!rep->reserved || !rep->available)
        return OC_ERR_NOMEM;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ billing.settle */

static enum oc_status handle_credits_settle(struct oc_request *req, const ProtobufCMessage *msg,
                                            ProtobufCMessage **out)
{
    const Ocpb__SettleCreditsRequest *in = (const Ocpb__SettleCreditsRequest *)msg;
    struct billing *b = billing_of(req);
    struct ledger_result r;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s == OC_OK)
        s = check_hold_name(req, in->reservation_id, in->reference);
    if (s != OC_OK)
        return s;
    if (in->duration_ms < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "duration_ms: negative");

    const struct ledger_close_req cr = {
        .reservation_id = in->reservation_id,
        .reference = in->reference,
        .duration_ms = in->duration_ms,
        .actor = actor_of(req),
    };
    s = ledger_settle(b, tenant, &cr, req->arena, &r, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    events_credits(b, tenant, req->env->request_id, &r);

    Ocpb__SettleCreditsReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__settle_credits_reply__init(rep);
    rep->entry = r.entry;
    rep->balance = credits(req->arena, r.balance);
    if (!rep->balance)
        return OC_ERR_NOMEM;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ billing.release */

static enum oc_status handle_credits_release(struct oc_request *req, const ProtobufCMessage *msg,
                                             ProtobufCMessage **out)
{
    const Ocpb__ReleaseCreditsRequest *in = (const Ocpb__ReleaseCreditsRequest *)msg;
    struct billing *b = billing_of(req);
    struct ledger_result r;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s == OC_OK)
        s = check_hold_name(req, in->reservation_id, in->reference);
    if (s != OC_OK)
        return s;
    if (!text_ok(in->reason, DESCRIPTION_MAX))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "reason: at most %d characters, no control characters",
                               DESCRIPTION_MAX);

    const struct ledger_close_req cr = {
        .reservation_id = in->reservation_id,
        .reference = in->reference,
        .reason = in->reason,
        .actor = actor_of(req),
    };
    s = ledger_release(b, tenant, &cr, req->arena, &r, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    events_credits(b, tenant, req->env->request_id, &r);

    Ocpb__ReleaseCreditsReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__release_credits_reply__init(rep);
    rep->available = credits(req->arena, r.balance - r.held);
    if (!rep->available)
        return OC_ERR_NOMEM;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ billing.history */

/* The cursor is the position of the page's last entry in the ledger. */
static bool cursor_parse(const char *text, int64_t *seq)
{
    char *end = NULL;
    if (!text || !isdigit((unsigned char)text[0]) || strlen(text) > 18)
        return false;
    long long v = strtoll(text, &end, 10);
    if (*end || v <= 0)
        return false;
    *seq = v;
    return true;
}

static enum oc_status handle_ledger_list(struct oc_request *req, const ProtobufCMessage *msg,
                                         ProtobufCMessage **out)
{
    const Ocpb__ListLedgerRequest *in = (const Ocpb__ListLedgerRequest *)msg;
    struct billing *b = billing_of(req);
    struct ledger_result r;
    struct ledger_page page;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;

    struct store_history_filter f = {.from_ms = in->from_unix_ms, .to_ms = in->to_unix_ms};
    const char *cursor = in->page ? in->page->cursor : "";
    int limit = in->page ? in->page->limit : 0;
    if (limit < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "page.limit: negative");
    f.limit = limit == 0 ? PAGE_DEFAULT : limit > PAGE_MAX ? PAGE_MAX : limit;
    if (*cursor && !cursor_parse(cursor, &f.after_seq))
        return oc_request_fail(req, OC_ERR_INVALID, "page.cursor: not a cursor of this list");
    if (in->from_unix_ms < 0 || in->to_unix_ms < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "from_unix_ms and to_unix_ms: negative");
    if (in->from_unix_ms && in->to_unix_ms && in->to_unix_ms <= in->from_unix_ms)
        return oc_request_fail(req, OC_ERR_INVALID, "to_unix_ms: not after from_unix_ms");
    const char **kinds = oc_arena_alloc(req->arena, sizeof(*kinds) * (in->n_kinds + 1));
    if (!kinds)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < in->n_kinds; i++) {
        kinds[i] = store_kind_name(in->kinds[i]);
        if (!kinds[i])
            return oc_request_fail(req, OC_ERR_INVALID, "kinds[%zu]: not a ledger kind", i);
    }
    f.kinds = kinds;
    f.n_kinds = in->n_kinds;

    s = ledger_history(b, tenant, &f, req->arena, &page, &r);
    if (s != OC_OK)
        return s;
    events_credits(b, tenant, req->env->request_id, &r);

    Ocpb__ListLedgerReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    Ocpb__PageInfo *info = oc_arena_alloc(req->arena, sizeof(*info));
    if (!rep || !info)
        return OC_ERR_NOMEM;
    ocpb__list_ledger_reply__init(rep);
    ocpb__page_info__init(info);
    info->next_cursor = page.next_seq ? oc_arena_printf(req->arena, "%" PRId64, page.next_seq) : "";
    rep->entries = page.entries;
    rep->n_entries = page.n;
    rep->page = info;
    rep->balance = credits(req->arena, r.balance);
    if (!info->next_cursor || !rep->balance)
        return OC_ERR_NOMEM;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ billing.grant */

static enum oc_status handle_credits_grant(struct oc_request *req, const ProtobufCMessage *msg,
                                           ProtobufCMessage **out)
{
    const Ocpb__GrantCreditsRequest *in = (const Ocpb__GrantCreditsRequest *)msg;
    struct billing *b = billing_of(req);
    struct ledger_result r;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;

    const char *kind = store_kind_name(in->kind);
    bool trial = in->kind == OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL;
    bool adjustment = in->kind == OCPB__LEDGER_KIND__LEDGER_KIND_ADJUSTMENT;
    if (!kind || in->kind == OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE ||
        in->kind == OCPB__LEDGER_KIND__LEDGER_KIND_EXPIRY)
        return oc_request_fail(req, OC_ERR_INVALID, "kind: TRIAL, PURCHASE, ADJUSTMENT or REFUND");
    int64_t amount = in->amount ? in->amount->milli : 0;
    if (!trial && (amount == 0 || (!adjustment && amount < 0)))
        return oc_request_fail(req, OC_ERR_INVALID, "amount: %s",
                               adjustment ? "must not be zero" : "must be positive");
    if (!trial && (amount > PRICING_MAX_MILLI || amount < -PRICING_MAX_MILLI))
        return oc_request_fail(req, OC_ERR_INVALID, "amount: out of range");
    if (!text_ok(in->reference, REFERENCE_MAX))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "reference: at most %d characters, no control characters",
                               REFERENCE_MAX);
    if (!text_ok(in->description, DESCRIPTION_MAX))
        return oc_request_fail(req, OC_ERR_INVALID,
                               "description: at most %d characters, no control characters",
                               DESCRIPTION_MAX);
    const char *key = NULL;
    if (!trial) {
        /* One grant per (kind, reference); without a reference, per the
         * caller's idempotency key. */
        const char *idem = req->env->idempotency_key;
        if (*in->reference)
            key = oc_arena_printf(req->arena, "%s:%s", kind, in->reference);
        else if (idem && *idem)
            key = oc_arena_printf(req->arena, "%s:key:%.200s", kind, idem);
        else
            return oc_request_fail(req, OC_ERR_INVALID,
                                   "reference: required (the payment or case it comes from)");
        if (!key)
            return OC_ERR_NOMEM;
    }
    const char *currency = "";
    int64_t paid = 0;
    if (in->paid && (*in->paid->currency || in->paid->amount_minor)) {
        const char *c = in->paid->currency;
        if (strlen(c) != 3 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]) ||
            !isupper((unsigned char)c[2]))
            return oc_request_fail(req, OC_ERR_INVALID, "paid.currency: an ISO 4217 code (EUR)");
        if (in->paid->amount_minor < 0)
            return oc_request_fail(req, OC_ERR_INVALID, "paid.amount_minor: negative");
        currency = c;
        paid = in->paid->amount_minor;
    }

    const struct ledger_grant g = {
        .kind = in->kind,
        .amount = amount,
        .key = key,
        .reference = trial ? tenant : in->reference,
        .description = *in->description ? in->description : kind,
        .actor = actor_of(req),
        .paid_currency = currency,
        .paid_minor = paid,
    };
    s = ledger_grant(b, tenant, &g, req->arena, &r, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    events_credits(b, tenant, req->env->request_id, &r);

    Ocpb__GrantCreditsReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__grant_credits_reply__init(rep);
    rep->entry = r.entry;
    rep->balance = credits(req->arena, r.balance);
    if (!rep->balance)
        return OC_ERR_NOMEM;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ table */

const struct oc_handler billing_handlers[] = {
    {"billing.balance", &ocpb__get_balance_request__descriptor, handle_balance_get},
    {"billing.reserve", &ocpb__reserve_credits_request__descriptor, handle_credits_reserve},
    {"billing.settle", &ocpb__settle_credits_request__descriptor, handle_credits_settle},
    {"billing.release", &ocpb__release_credits_request__descriptor, handle_credits_release},
    {"billing.history", &ocpb__list_ledger_request__descriptor, handle_ledger_list},
    {"billing.grant", &ocpb__grant_credits_request__descriptor, handle_credits_grant},
};
const size_t billing_handlers_count = sizeof(billing_handlers) / sizeof(billing_handlers[0]);
