/*
 * billing against the running stack, over NATS only. Each test works in
 * tenants of its own (fresh ids: billing opens an account, with its trial
 * credits, on a tenant's first request) and checks exact amounts at the
 * stack's defaults, 100 trial credits and 1 credit a minute billed per
 * second: a grant/reserve/settle/release/history round trip, a reservation
 * refused when the credit is short, replays that change nothing, many
 * reservations racing through two billing copies without spending a credit
 * twice, calls.ended on JetStream settling a call, the trial granted on
 * tenant.created, and a tenant that never sees another's ledger.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "oc/crypto.h"
#include "proto/billing.pb-c.h"
#include "proto/gateway.pb-c.h"
#include "proto/media.pb-c.h"

#define WAIT_MS 15000
#define TRIAL 100000    /* milli-credits: BILLING_TRIAL_CREDITS=100 */
#define PER_MINUTE 1000 /* milli-credits: BILLING_PRICE_PER_MINUTE=1 */

/* ================================================================ helpers */

static void uuid(char out[37])
{
    cr_assert_eq(oc_uuid_v4(out), OC_OK);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends req as tenant; *reply (may be NULL) on OC_OK, caller frees. err gets the message. */
static enum oc_status ask(struct oc_bus *bus, const char *tenant, const char *subject,
                          const ProtobufCMessage *req, const ProtobufCMessageDescriptor *desc,
                          void *reply, char *err, size_t errlen)
{
    struct oc_call call = {.tenant_id = tenant, .timeout_ms = 5000};
    return oc_bus_call(bus, subject, &call, req, reply ? desc : NULL, NULL,
                       (ProtobufCMessage **)reply, err, errlen);
}

struct bal {
    int64_t balance, reserved, available, price;
    bool trial;
};

static struct bal balance(struct oc_bus *bus, const char *tenant)
{
    Ocpb__GetBalanceRequest req = OCPB__GET_BALANCE_REQUEST__INIT;
    Ocpb__GetBalanceReply *rep = NULL;
    char err[256];
    enum oc_status s = ask(bus, tenant, "billing.balance", &req.base,
                           &ocpb__get_balance_reply__descriptor, &rep, err, sizeof(err));
    cr_assert_eq(s, OC_OK, "billing.balance: %s", err);
    cr_assert(rep->balance && rep->reserved && rep->available && rep->price_per_minute,
              "billing.balance left out an amount");
    struct bal b = {rep->balance->milli, rep->reserved->milli, rep->available->milli,
                    rep->price_per_minute->milli, rep->trial};
    ocpb__get_balance_reply__free_unpacked(rep, NULL);
    return b;
}

/* Reserves seconds for reference; *id (37 bytes, may be NULL) on OC_OK. */
static enum oc_status reserve(struct oc_bus *bus, const char *tenant, const char *reference,
                              int64_t seconds, char *id, int64_t *held, char *err, size_t errlen)
{
    Ocpb__ReserveCreditsRequest req = OCPB__RESERVE_CREDITS_REQUEST__INIT;
    Ocpb__ReserveCreditsReply *rep = NULL;
    req.reference = (char *)reference;
    req.seconds = seconds;
    req.description = "integration test";
    enum oc_status s = ask(bus, tenant, "billing.reserve", &req.base,
                           &ocpb__reserve_credits_reply__descriptor, &rep, err, errlen);
    if (s != OC_OK)
        return s;
    cr_assert(rep->reserved && rep->available, "billing.reserve left out an amount");
    if (id)
        snprintf(id, 37, "%s", rep->reservation_id);
    if (held)
        *held = rep->reserved->milli;
    ocpb__reserve_credits_reply__free_unpacked(rep, NULL);
    return OC_OK;
}

/* Settles by reservation id or reference; *entry (caller frees) when charged. */
static enum oc_status settle(struct oc_bus *bus, const char *tenant, const char *id,
                             const char *reference, int64_t duration_ms,
                             Ocpb__SettleCreditsReply **out, char *err, size_t errlen)
{
    Ocpb__SettleCreditsRequest req = OCPB__SETTLE_CREDITS_REQUEST__INIT;
    req.reservation_id = (char *)(id ? id : "");
    req.reference = (char *)(reference ? reference : "");
    req.duration_ms = duration_ms;
    return ask(bus, tenant, "billing.settle", &req.base, &ocpb__settle_credits_reply__descriptor,
               out, err, errlen);
}

static enum oc_status release(struct oc_bus *bus, const char *tenant, const char *id,
                              const char *reference, char *err, size_t errlen)
{
    Ocpb__ReleaseCreditsRequest req = OCPB__RELEASE_CREDITS_REQUEST__INIT;
    req.reservation_id = (char *)(id ? id : "");
    req.reference = (char *)(reference ? reference : "");
    req.reason = "integration test";
    return ask(bus, tenant, "billing.release", &req.base, NULL, NULL, err, errlen);
}

static enum oc_status grant(struct oc_bus *bus, const char *tenant, Ocpb__LedgerKind kind,
                            int64_t milli, const char *reference, Ocpb__GrantCreditsReply **out,
                            char *err, size_t errlen)
{
    Ocpb__Credits amount = OCPB__CREDITS__INIT;
    Ocpb__GrantCreditsRequest req = OCPB__GRANT_CREDITS_REQUEST__INIT;
    amount.milli = milli;
    req.kind = kind;
    req.amount = &amount;
    req.reference = (char *)reference;
    req.description = "integration test";
    return ask(bus, tenant, "billing.grant", &req.base, &ocpb__grant_credits_reply__descriptor, out,
               err, errlen);
}

/* One page of the history; caller frees. */
static Ocpb__ListLedgerReply *history(struct oc_bus *bus, const char *tenant, const char *cursor,
                                      int limit)
{
    Ocpb__PageRequest page = OCPB__PAGE_REQUEST__INIT;
    Ocpb__ListLedgerRequest req = OCPB__LIST_LEDGER_REQUEST__INIT;
    Ocpb__ListLedgerReply *rep = NULL;
    char err[256];
    page.cursor = (char *)(cursor ? cursor : "");
    page.limit = limit;
    req.page = &page;
    enum oc_status s = ask(bus, tenant, "billing.history", &req.base,
                           &ocpb__list_ledger_reply__descriptor, &rep, err, sizeof(err));
    cr_assert_eq(s, OC_OK, "billing.history: %s", err);
    return rep;
}

static natsSubscription *subscribe(struct oc_bus *bus, const char *subject)
{
    natsSubscription *sub = NULL;
    cr_assert_eq(natsConnection_SubscribeSync(&sub, oc_bus_nats(bus), subject), NATS_OK,
                 "cannot subscribe to %s", subject);
    cr_assert_eq(natsConnection_FlushTimeout(oc_bus_nats(bus), 2000), NATS_OK);
    return sub;
}

/* Waits for a BalanceChanged whose entry is of kind on sub; caller frees. */
static Ocpb__BalanceChanged *wait_entry(natsSubscription *sub, Ocpb__LedgerKind kind)
{
    long long until = th_now_ms() + WAIT_MS;
    while (th_now_ms() < until) {
        natsMsg *m = NULL;
        if (natsSubscription_NextMsg(&m, sub, 250) != NATS_OK)
            continue;
        Ocpb__BalanceChanged *e = ocpb__balance_changed__unpack(
            NULL, (size_t)natsMsg_GetDataLength(m), (const uint8_t *)natsMsg_GetData(m));
        natsMsg_Destroy(m);
        if (e && e->entry && e->entry->kind == kind)
            return e;
        if (e)
            ocpb__balance_changed__free_unpacked(e, NULL);
    }
    cr_assert_fail("no credits.changed with a %s entry within %d ms",
                   protobuf_c_enum_descriptor_get_value(&ocpb__ledger_kind__descriptor, kind)->name,
                   WAIT_MS);
    return NULL;
}

/* Publishes calls.ended for call_id as media (answered when duration_ms > 0) or the dialer. */
static void publish_ended(struct oc_bus *bus, const char *tenant, const char *call_id,
                          int64_t duration_ms, const char *msg_id)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    char event_id[37], dispatch[48];
    int64_t now = wall_ms();
    uuid(event_id);
    snprintf(dispatch, sizeof(dispatch), "%s:1", call_id);
    meta.event_id = event_id;
    meta.tenant_id = (char *)tenant;
    meta.occurred_unix_ms = now;
    e.meta = &meta;
    e.call_id = (char *)call_id;
    e.dispatch_id = dispatch;
    e.dialed_unix_ms = now - duration_ms - 5000;
    e.ended_unix_ms = now;
    if (duration_ms > 0) {
        e.media_instance_id = "billing-test";
        e.answered_unix_ms = now - duration_ms;
        e.duration_ms = duration_ms;
        e.cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP;
        e.sip_code = 200;
    } else {
        e.cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY;
        e.sip_code = 486;
    }
    e.phone_e164 = "+34910000001";
    cr_assert_eq(oc_js_publish(bus, "calls.ended", &e.base, msg_id, NULL), OC_OK,
                 "cannot publish calls.ended");
}

struct expect_balance {
    struct oc_bus *bus;
    const char *tenant;
    int64_t balance, reserved;
};

static bool balance_is(void *arg)
{
    struct expect_balance *x = arg;
    struct bal b = balance(x->bus, x->tenant);
    return b.balance == x->balance && b.reserved == x->reserved;
}

/* ================================================================ tests */

Test(billing, a_new_tenant_starts_with_the_trial_credits)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], err[256];
    uuid(tenant);

    struct bal b = balance(bus, tenant);
    cr_expect_eq(b.balance, TRIAL);
    cr_expect_eq(b.reserved, 0);
    cr_expect_eq(b.available, TRIAL);
    cr_expect_eq(b.price, PER_MINUTE);
    cr_expect(b.trial, "a tenant that only has its trial is not marked trial");

    Ocpb__ListLedgerReply *h = history(bus, tenant, NULL, 0);
    cr_assert_eq(h->n_entries, 1);
    cr_expect_eq(h->entries[0]->kind, OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL);
    cr_expect_eq(h->entries[0]->amount->milli, TRIAL);
    cr_expect_eq(h->entries[0]->balance_after->milli, TRIAL);
    cr_expect_str_eq(h->entries[0]->reference, tenant);
    cr_expect_str_eq(h->page->next_cursor, "");
    char trial_id[37];
    snprintf(trial_id, sizeof(trial_id), "%s", h->entries[0]->id);
    ocpb__list_ledger_reply__free_unpacked(h, NULL);

    /* The gateway's explicit trial grant at signup counts once. */
    Ocpb__GrantCreditsReply *g = NULL;
    cr_assert_eq(
        grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL, 0, tenant, &g, err, sizeof(err)),
        OC_OK, "%s", err);
    cr_assert_not_null(g->entry);
    cr_expect_str_eq(g->entry->id, trial_id);
    cr_expect_eq(g->balance->milli, TRIAL);
    ocpb__grant_credits_reply__free_unpacked(g, NULL);
    cr_expect_eq(balance(bus, tenant).balance, TRIAL);
    oc_bus_free(bus);
}

Test(billing, grant_reserve_settle_release_and_history_add_up_exactly)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], call_a[37], call_b[37], res_a[37], res_b[37], err[256];
    int64_t held = 0;
    uuid(tenant);
    uuid(call_a);
    uuid(call_b);

    /* 100 trial + 50 bought. */
    Ocpb__Money paid = OCPB__MONEY__INIT;
    Ocpb__Credits amount = OCPB__CREDITS__INIT;
    Ocpb__GrantCreditsRequest gq = OCPB__GRANT_CREDITS_REQUEST__INIT;
    Ocpb__GrantCreditsReply *g = NULL;
    paid.currency = "EUR";
    paid.amount_minor = 500;
    amount.milli = 50000;
    gq.kind = OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE;
    gq.amount = &amount;
    gq.reference = "pay_0001";
    gq.description = "50 credits";
    gq.paid = &paid;
    cr_assert_eq(ask(bus, tenant, "billing.grant", &gq.base, &ocpb__grant_credits_reply__descriptor,
                     &g, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_expect_eq(g->entry->amount->milli, 50000);
    cr_expect_eq(g->entry->balance_after->milli, 150000);
    cr_expect_eq(g->balance->milli, 150000);
    cr_assert_not_null(g->entry->paid);
    cr_expect_str_eq(g->entry->paid->currency, "EUR");
    cr_expect_eq(g->entry->paid->amount_minor, 500);
    ocpb__grant_credits_reply__free_unpacked(g, NULL);
    cr_expect_not(balance(bus, tenant).trial, "a tenant that bought credit is still trial");

    /* 600 s at 1 credit a minute hold 10 credits. */
    cr_assert_eq(reserve(bus, tenant, call_a, 600, res_a, &held, err, sizeof(err)), OC_OK, "%s",
                 err);
    cr_expect_eq(held, 10000);
    struct bal b = balance(bus, tenant);
    cr_expect_eq(b.balance, 150000);
    cr_expect_eq(b.reserved, 10000);
    cr_expect_eq(b.available, 140000);

    /* 61.001 s are billed as 62 s: 62000/60 = 1033.3, charged 1034. */
    Ocpb__SettleCreditsReply *st = NULL;
    cr_assert_eq(settle(bus, tenant, res_a, NULL, 61001, &st, err, sizeof(err)), OC_OK, "%s", err);
    cr_assert_not_null(st->entry, "a settled call has no ledger entry");
    cr_expect_eq(st->entry->kind, OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE);
    cr_expect_eq(st->entry->amount->milli, -1034);
    cr_expect_eq(st->entry->seconds, 62);
    cr_expect_eq(st->entry->balance_after->milli, 148966);
    cr_expect_str_eq(st->entry->reference, call_a);
    cr_expect_eq(st->balance->milli, 148966);
    ocpb__settle_credits_reply__free_unpacked(st, NULL);
    b = balance(bus, tenant);
    cr_expect_eq(b.balance, 148966);
    cr_expect_eq(b.reserved, 0);
    cr_expect_eq(b.available, 148966);

    /* A hold given back costs nothing. */
    cr_assert_eq(reserve(bus, tenant, call_b, 120, res_b, &held, err, sizeof(err)), OC_OK, "%s",
                 err);
    cr_expect_eq(held, 2000);
    cr_expect_eq(balance(bus, tenant).available, 146966);
    cr_assert_eq(release(bus, tenant, NULL, call_b, err, sizeof(err)), OC_OK, "%s", err);
    b = balance(bus, tenant);
    cr_expect_eq(b.balance, 148966);
    cr_expect_eq(b.reserved, 0);

    /* Newest first, two to a page. */
    Ocpb__ListLedgerReply *p1 = history(bus, tenant, NULL, 2);
    cr_assert_eq(p1->n_entries, 2);
    cr_expect_eq(p1->entries[0]->kind, OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE);
    cr_expect_eq(p1->entries[0]->amount->milli, -1034);
    cr_expect_eq(p1->entries[1]->kind, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE);
    cr_expect_eq(p1->entries[1]->balance_after->milli, 150000);
    cr_expect_eq(p1->balance->milli, 148966);
    cr_assert_str_neq(p1->page->next_cursor, "", "a first page of two out of three is the last");
    Ocpb__ListLedgerReply *p2 = history(bus, tenant, p1->page->next_cursor, 2);
    cr_assert_eq(p2->n_entries, 1);
    cr_expect_eq(p2->entries[0]->kind, OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL);
    cr_expect_eq(p2->entries[0]->balance_after->milli, TRIAL);
    cr_expect_str_eq(p2->page->next_cursor, "");
    ocpb__list_ledger_reply__free_unpacked(p2, NULL);
    ocpb__list_ledger_reply__free_unpacked(p1, NULL);

    /* Only the call usage, by kind. */
    Ocpb__LedgerKind usage = OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE;
    Ocpb__ListLedgerRequest lq = OCPB__LIST_LEDGER_REQUEST__INIT;
    Ocpb__ListLedgerReply *only = NULL;
    lq.kinds = &usage;
    lq.n_kinds = 1;
    cr_assert_eq(ask(bus, tenant, "billing.history", &lq.base, &ocpb__list_ledger_reply__descriptor,
                     &only, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_expect_eq(only->n_entries, 1);
    ocpb__list_ledger_reply__free_unpacked(only, NULL);
    oc_bus_free(bus);
}

Test(billing, reserve_is_refused_when_the_available_credit_is_short)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], c1[37], c2[37], err[256] = "";
    uuid(tenant);
    uuid(c1);
    uuid(c2);

    /* 6000 s at 1 credit a minute take the whole 100 credits. */
    cr_assert_eq(reserve(bus, tenant, c1, 6000, NULL, NULL, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(balance(bus, tenant).available, 0);
    enum oc_status s = reserve(bus, tenant, c2, 1, NULL, NULL, err, sizeof(err));
    cr_expect_eq(s, OC_ERR_NO_CREDIT, "a reservation beyond the balance got %s", oc_status_text(s));
    cr_expect(strstr(err, "credit") != NULL, "the refusal does not say why: %s", err);
    struct bal b = balance(bus, tenant);
    cr_expect_eq(b.reserved, TRIAL, "a refused reservation held something");

    /* Freeing the first lets the second through. */
    cr_assert_eq(release(bus, tenant, NULL, c1, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(reserve(bus, tenant, c2, 1, NULL, NULL, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(balance(bus, tenant).reserved, 17);
    oc_bus_free(bus);
}

Test(billing, replays_change_nothing)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], call[37], r1[37], r2[37], entry_id[37], err[256];
    uuid(tenant);
    uuid(call);

    /* The same call reserved twice holds once. */
    cr_assert_eq(reserve(bus, tenant, call, 600, r1, NULL, err, sizeof(err)), OC_OK, "%s", err);
    cr_assert_eq(reserve(bus, tenant, call, 600, r2, NULL, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_str_eq(r1, r2);
    cr_expect_eq(balance(bus, tenant).reserved, 10000);

    /* Settled twice (by id, then by reference): charged once. */
    Ocpb__SettleCreditsReply *st = NULL;
    cr_assert_eq(settle(bus, tenant, r1, NULL, 30000, &st, err, sizeof(err)), OC_OK, "%s", err);
    cr_assert_not_null(st->entry);
    cr_expect_eq(st->entry->amount->milli, -500);
    snprintf(entry_id, sizeof(entry_id), "%s", st->entry->id);
    ocpb__settle_credits_reply__free_unpacked(st, NULL);
    cr_assert_eq(settle(bus, tenant, NULL, call, 30000, &st, err, sizeof(err)), OC_OK, "%s", err);
    cr_assert_not_null(st->entry);
    cr_expect_str_eq(st->entry->id, entry_id);
    cr_expect_eq(st->balance->milli, TRIAL - 500);
    ocpb__settle_credits_reply__free_unpacked(st, NULL);
    struct bal b = balance(bus, tenant);
    cr_expect_eq(b.balance, TRIAL - 500);
    cr_expect_eq(b.reserved, 0);

    /* A settled hold cannot be released. */
    cr_expect_eq(release(bus, tenant, r1, NULL, err, sizeof(err)), OC_ERR_CONFLICT);

    /* A payment delivered twice counts once; the same payment with another amount is refused. */
    Ocpb__GrantCreditsReply *g = NULL;
    cr_assert_eq(grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, 20000, "pay_x", &g,
                       err, sizeof(err)),
                 OC_OK, "%s", err);
    snprintf(entry_id, sizeof(entry_id), "%s", g->entry->id);
    ocpb__grant_credits_reply__free_unpacked(g, NULL);
    cr_assert_eq(grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, 20000, "pay_x", &g,
                       err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_expect_str_eq(g->entry->id, entry_id);
    ocpb__grant_credits_reply__free_unpacked(g, NULL);
    cr_expect_eq(grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, 30000, "pay_x", NULL,
                       err, sizeof(err)),
                 OC_ERR_CONFLICT);
    cr_expect_eq(balance(bus, tenant).balance, TRIAL - 500 + 20000);

    /* Released twice: fine, and nothing moves. */
    char other[37];
    uuid(other);
    cr_assert_eq(reserve(bus, tenant, other, 60, NULL, NULL, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(release(bus, tenant, NULL, other, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(release(bus, tenant, NULL, other, err, sizeof(err)), OC_OK, "%s", err);
    b = balance(bus, tenant);
    cr_expect_eq(b.balance, TRIAL - 500 + 20000);
    cr_expect_eq(b.reserved, 0);
    oc_bus_free(bus);
}

/* ---------------------------------------------------------------- racing */

/* Starts another copy of the billing binary the stack runs. */
static pid_t spawn_billing(void)
{
    char path[512], line[1024], bin[512] = "", db[512], port[16], log[512];
    snprintf(path, sizeof(path), "%s/stack.env", th_env("STACK_DIR"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "BIN_DIR=", 8) == 0)
            snprintf(bin, sizeof(bin), "%.*s/billing", (int)strcspn(line + 8, "\n"), line + 8);
    fclose(f);
    cr_assert(bin[0], "BIN_DIR missing from stack.env");
    snprintf(db, sizeof(db), th_env("OC_PG_URL_BASE"), "oc_billing");
    snprintf(port, sizeof(port), "%d", th_free_port(SOCK_STREAM, false));
    snprintf(log, sizeof(log), "%s/logs/billing-copy.log", th_env("STACK_DIR"));
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("DATABASE_URL", db, 1);
        setenv("ADMIN_PORT", port, 1);
        setenv("SERVICE_INSTANCE", "billing-copy", 1);
        FILE *out = freopen(log, "a", stdout);
        if (out)
            dup2(fileno(stdout), 2);
        execl(bin, "billing", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* True once the copy answered billing.health: the queue group picks one
 * copy per request, so a few asks reach it. */
static bool copy_answers(void *arg)
{
    Ocpb__HealthRequest req = OCPB__HEALTH_REQUEST__INIT;
    Ocpb__HealthReply *rep = NULL;
    struct oc_call call = {.timeout_ms = 1000};
    char err[256];
    if (oc_bus_call(arg, "billing.health", &call, &req.base, &ocpb__health_reply__descriptor, NULL,
                    (ProtobufCMessage **)&rep, err, sizeof(err)) != OC_OK)
        return false;
    bool found = strcmp(rep->instance, "billing-copy") == 0;
    ocpb__health_reply__free_unpacked(rep, NULL);
    return found;
}

struct racer {
    struct oc_bus *bus;
    const char *tenant;
    char call[37];
    enum oc_status status;
    char err[256];
};

static void *race(void *arg)
{
    struct racer *r = arg;
    r->status = reserve(r->bus, r->tenant, r->call, 600, NULL, NULL, r->err, sizeof(r->err));
    return NULL;
}

Test(billing, concurrent_reserves_never_spend_the_same_credit, .timeout = 60)
{
    enum { N = 40 };
    struct oc_bus *bus = th_bus();
    char tenant[37];
    uuid(tenant);
    /* The account exists before the race: its trial is the credit at stake. */
    cr_assert_eq(balance(bus, tenant).available, TRIAL);

    /* A second copy shares the queue group, so requests run side by side. */
    pid_t copy = spawn_billing();
    cr_assert(th_wait_until(copy_answers, bus, WAIT_MS), "the second billing copy never answered");

    struct racer r[N];
    pthread_t th[N];
    struct oc_bus *buses[4];
    for (int i = 0; i < 4; i++)
        buses[i] = th_bus();
    for (int i = 0; i < N; i++) {
        r[i] = (struct racer){.bus = buses[i % 4], .tenant = tenant};
        uuid(r[i].call);
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    kill(copy, SIGTERM);
    waitpid(copy, NULL, 0);

    /* 100 credits hold ten 600 s calls at 1 credit a minute, not one more. */
    int granted = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        if (r[i].status == OC_OK)
            granted++;
        else if (r[i].status == OC_ERR_NO_CREDIT)
            refused++;
        else
            cr_expect_fail("reserve %d: %s: %s", i, oc_status_text(r[i].status), r[i].err);
    }
    cr_expect_eq(granted, 10, "%d reservations of 10 credits out of 100 granted", granted);
    cr_expect_eq(refused, N - 10, "%d refused", refused);
    struct bal b = balance(bus, tenant);
    cr_expect_eq(b.balance, TRIAL);
    cr_expect_eq(b.reserved, TRIAL, "%lld held", (long long)b.reserved);
    cr_expect_eq(b.available, 0, "%lld available", (long long)b.available);
    for (int i = 0; i < 4; i++)
        oc_bus_free(buses[i]);
    oc_bus_free(bus);
}

/* ---------------------------------------------------------------- events */

Test(billing, call_ended_on_jetstream_settles_the_reservation, .timeout = 60)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], answered[37], busy[37], later[37], err[256], subject[128], msg_id[96];
    uuid(tenant);
    uuid(answered);
    uuid(busy);
    uuid(later);
    snprintf(subject, sizeof(subject), "evt.%s.credits.changed", tenant);

    cr_assert_eq(reserve(bus, tenant, answered, 600, NULL, NULL, err, sizeof(err)), OC_OK, "%s",
                 err);
    cr_assert_eq(reserve(bus, tenant, busy, 600, NULL, NULL, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(balance(bus, tenant).reserved, 20000);
    natsSubscription *events = subscribe(bus, subject);

    /* 125 s answered: 125000/60 = 2083.3, charged 2084. */
    snprintf(msg_id, sizeof(msg_id), "ended:%s:1", answered);
    publish_ended(bus, tenant, answered, 125000, msg_id);
    snprintf(msg_id, sizeof(msg_id), "ended:%s:1", busy);
    publish_ended(bus, tenant, busy, 0, msg_id);
    struct expect_balance x = {bus, tenant, TRIAL - 2084, 0};
    cr_assert(th_wait_until(balance_is, &x, WAIT_MS),
              "calls.ended did not settle: balance %lld, reserved %lld",
              (long long)balance(bus, tenant).balance, (long long)balance(bus, tenant).reserved);
    Ocpb__BalanceChanged *ev = wait_entry(events, OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE);
    cr_expect_eq(ev->entry->amount->milli, -2084);
    cr_expect_eq(ev->entry->seconds, 125);
    cr_expect_str_eq(ev->entry->reference, answered);
    cr_expect_str_eq(ev->meta->tenant_id, tenant);
    ocpb__balance_changed__free_unpacked(ev, NULL);

    /* Delivered again under another message id (the dialer reporting the
     * same call too), then a later call: by the time the later one is
     * settled, the repeat was handled, and charged nothing. */
    snprintf(msg_id, sizeof(msg_id), "ended:%s:1:again", answered);
    publish_ended(bus, tenant, answered, 125000, msg_id);
    cr_assert_eq(reserve(bus, tenant, later, 600, NULL, NULL, err, sizeof(err)), OC_OK, "%s", err);
    snprintf(msg_id, sizeof(msg_id), "ended:%s:1", later);
    publish_ended(bus, tenant, later, 60000, msg_id);
    x.balance = TRIAL - 2084 - 1000;
    cr_assert(th_wait_until(balance_is, &x, WAIT_MS),
              "the later call did not settle exactly once: balance %lld",
              (long long)balance(bus, tenant).balance);

    Ocpb__ListLedgerReply *h = history(bus, tenant, NULL, 0);
    cr_expect_eq(h->n_entries, 3, "trial and two calls, got %zu entries", h->n_entries);
    ocpb__list_ledger_reply__free_unpacked(h, NULL);
    natsSubscription_Destroy(events);
    oc_bus_free(bus);
}

Test(billing, tenant_created_grants_the_trial_at_once)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], event_id[37], subject[128];
    uuid(tenant);
    uuid(event_id);
    snprintf(subject, sizeof(subject), "evt.%s.credits.changed", tenant);
    natsSubscription *events = subscribe(bus, subject);

    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__TenantCreated tc = OCPB__TENANT_CREATED__INIT;
    meta.event_id = event_id;
    meta.tenant_id = tenant;
    meta.occurred_unix_ms = wall_ms();
    tc.meta = &meta;
    tc.company = "Billing Test Co";
    snprintf(subject, sizeof(subject), "evt.%s.tenant.created", tenant);
    cr_assert_eq(oc_bus_publish(bus, subject, &tc.base), OC_OK);

    Ocpb__BalanceChanged *ev = wait_entry(events, OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL);
    cr_expect_eq(ev->entry->amount->milli, TRIAL);
    cr_expect_eq(ev->balance->milli, TRIAL);
    ocpb__balance_changed__free_unpacked(ev, NULL);

    /* Once: the same event again grants nothing more. */
    cr_assert_eq(oc_bus_publish(bus, subject, &tc.base), OC_OK);
    Ocpb__ListLedgerReply *h = history(bus, tenant, NULL, 0);
    cr_expect_eq(h->n_entries, 1);
    ocpb__list_ledger_reply__free_unpacked(h, NULL);
    cr_expect_eq(balance(bus, tenant).balance, TRIAL);
    natsSubscription_Destroy(events);
    oc_bus_free(bus);
}

Test(billing, a_tenant_never_sees_another_tenants_ledger)
{
    struct oc_bus *bus = th_bus();
    char a[37], b[37], call[37], res[37], err[256];
    uuid(a);
    uuid(b);
    uuid(call);

    cr_assert_eq(grant(bus, a, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, 70000, "pay_a", NULL, err,
                       sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(reserve(bus, a, call, 600, res, NULL, err, sizeof(err)), OC_OK, "%s", err);

    /* B sees its own trial only, and cannot touch A's hold by id or by call. */
    Ocpb__ListLedgerReply *h = history(bus, b, NULL, 0);
    cr_assert_eq(h->n_entries, 1);
    cr_expect_eq(h->entries[0]->kind, OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL);
    cr_expect_str_eq(h->entries[0]->reference, b);
    ocpb__list_ledger_reply__free_unpacked(h, NULL);
    struct bal bb = balance(bus, b);
    cr_expect_eq(bb.balance, TRIAL);
    cr_expect_eq(bb.reserved, 0);
    cr_expect_eq(settle(bus, b, res, NULL, 60000, NULL, err, sizeof(err)), OC_ERR_NOT_FOUND);
    cr_expect_eq(settle(bus, b, NULL, call, 60000, NULL, err, sizeof(err)), OC_ERR_NOT_FOUND);
    cr_expect_eq(release(bus, b, res, NULL, err, sizeof(err)), OC_ERR_NOT_FOUND);
    cr_expect_eq(release(bus, b, NULL, call, err, sizeof(err)), OC_ERR_NOT_FOUND);

    /* A's account is as A left it. */
    struct bal ba = balance(bus, a);
    cr_expect_eq(ba.balance, TRIAL + 70000);
    cr_expect_eq(ba.reserved, 10000);
    h = history(bus, a, NULL, 0);
    cr_expect_eq(h->n_entries, 2);
    ocpb__list_ledger_reply__free_unpacked(h, NULL);
    oc_bus_free(bus);
}

Test(billing, bad_requests_are_refused_naming_the_field)
{
    struct oc_bus *bus = th_bus();
    char tenant[37], call[37], err[256] = "";
    uuid(tenant);
    uuid(call);

    cr_expect_eq(reserve(bus, tenant, "", 600, NULL, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "reference") != NULL, "%s", err);
    cr_expect_eq(reserve(bus, tenant, call, 0, NULL, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "seconds") != NULL, "%s", err);
    cr_expect_eq(reserve(bus, "", call, 60, NULL, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "tenant") != NULL, "%s", err);
    cr_expect_eq(settle(bus, tenant, NULL, NULL, 1000, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "reference") != NULL, "%s", err);
    cr_expect_eq(settle(bus, tenant, NULL, call, -1, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "duration_ms") != NULL, "%s", err);
    cr_expect_eq(grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE, 1000, "x", NULL, err,
                       sizeof(err)),
                 OC_ERR_INVALID);
    cr_expect(strstr(err, "kind") != NULL, "%s", err);
    cr_expect_eq(grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, -5, "x", NULL, err,
                       sizeof(err)),
                 OC_ERR_INVALID);
    cr_expect(strstr(err, "amount") != NULL, "%s", err);
    cr_expect_eq(
        grant(bus, tenant, OCPB__LEDGER_KIND__LEDGER_KIND_PURCHASE, 5, "", NULL, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_expect(strstr(err, "reference") != NULL, "%s", err);

    Ocpb__PageRequest page = OCPB__PAGE_REQUEST__INIT;
    Ocpb__ListLedgerRequest lq = OCPB__LIST_LEDGER_REQUEST__INIT;
    page.cursor = "not-a-cursor";
    lq.page = &page;
    cr_expect_eq(ask(bus, tenant, "billing.history", &lq.base, NULL, NULL, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_expect(strstr(err, "cursor") != NULL, "%s", err);
    oc_bus_free(bus);
}
