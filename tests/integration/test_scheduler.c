/*
 * The scheduler against the running stack, over NATS only: campaign states
 * and their illegal changes, pause and resume, do-not-call cancellation
 * (how fast is bench/latency's to measure), follow-ups and retries from
 * analyses (and the one-retry default), manual calls and rescheduling,
 * pacing measured from outside, two scheduler copies (one killed mid-way)
 * without a double dispatch, and the reconciliation of calls stuck past a
 * timeout.
 *
 * Each test works in a tenant of its own and plays the other services'
 * parts on the bus: it publishes leads.added as lead-ingest would, and
 * calls.progress, calls.ended and analysis.done as the dialer, media and
 * the analyzer would. The requests the scheduler makes itself (dnc.*,
 * billing.reserve/release, numbers.get, assistants.snapshot/get) go to the
 * real services when they serve those subjects, and the test then creates
 * what it needs through them; only a subject nobody serves gets a stand-in
 * responder on the test's own connection. While a test needs jobs to stay
 * in the work queue it stops the dialer (and starts it again afterwards);
 * numbers.get, which the dialer serves, is then stood in for with the
 * number the test created in the dialer.
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
#include "proto/assistants.pb-c.h"
#include "proto/billing.pb-c.h"
#include "proto/dialer.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define WAIT_MS 15000
#define MAX_LISTED 16

/* ================================================================ fixture */

struct fx {
    struct oc_bus *bus;
    char tenant[37];
    char assistant[37];
    char number[37];
    char zone[32];   /* an Etc/GMT zone where it is about noon now */
    char prefix[16]; /* of this test's phone numbers */
    unsigned phones; /* numbers handed out */
    pthread_mutex_t mu;
    char listed[MAX_LISTED][20]; /* the stand-in do-not-call list */
    int n_listed;
    bool dnc_silent;     /* the stand-in dnc.check_batch does not answer */
    bool real_dnc;       /* lead-ingest serves dnc.* */
    bool dialer_held;    /* the dialer was stopped by this test */
    bool scheduler_held; /* the stack's scheduler was stopped by this test */
    pid_t copies[4];     /* scheduler copies this test started */
    int n_copies;
    char hung_up[37]; /* the call a stand-in dialer copy was asked to end */
};

static struct fx *F;

static void uuid(char out[37])
{
    cr_assert_eq(oc_uuid_v4(out), OC_OK);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A request in the test's tenant; the status, with the message in err. */
static enum oc_status req(const char *subject, const ProtobufCMessage *msg,
                          const ProtobufCMessageDescriptor *desc, void *reply, char *err,
                          size_t errlen)
{
    struct oc_call call = {.tenant_id = F->tenant, .timeout_ms = 10000};
    return oc_bus_call(F->bus, subject, &call, msg, desc, NULL, (ProtobufCMessage **)reply, err,
                       errlen);
}

/* A request that must succeed. */
static void *ok(const char *subject, const ProtobufCMessage *msg,
                const ProtobufCMessageDescriptor *desc)
{
    void *reply = NULL;
    char err[256] = "";
    enum oc_status s = req(subject, msg, desc, &reply, err, sizeof(err));
    cr_assert_eq(s, OC_OK, "%s: %s: %s", subject, oc_status_code(s), err);
    return reply;
}

/* A read that must succeed. Reads are asked again when a copy of the
 * scheduler took the request and died (a test kills one on purpose). */
static void *ok_read(const char *subject, const ProtobufCMessage *msg,
                     const ProtobufCMessageDescriptor *desc)
{
    void *reply = NULL;
    char err[256] = "";
    enum oc_status s = OC_ERR_TIMEOUT;
    for (int attempt = 0; attempt < 3 && (s == OC_ERR_TIMEOUT || s == OC_ERR_UNAVAILABLE);
         attempt++) {
        struct oc_call call = {.tenant_id = F->tenant, .timeout_ms = 4000};
        s = oc_bus_call(F->bus, subject, &call, msg, desc, NULL, (ProtobufCMessage **)&reply, err,
                        sizeof(err));
    }
    cr_assert_eq(s, OC_OK, "%s: %s: %s", subject, oc_status_code(s), err);
    return reply;
}

/* True when something serves subject: an empty request is answered (most
 * likely refused), not met with "no responders". */
static bool served(const char *subject)
{
    Ocpb__HealthRequest empty = OCPB__HEALTH_REQUEST__INIT;
    struct oc_call call = {.timeout_ms = 2000};
    char err[128];
    return oc_bus_call(F->bus, subject, &call, &empty.base, NULL, NULL, NULL, err, sizeof(err)) !=
           OC_ERR_UNAVAILABLE;
}

/* ---------------------------------------------------------------- stand-ins */

static bool is_listed(const char *phone)
{
    bool found = false;
    pthread_mutex_lock(&F->mu);
    for (int i = 0; i < F->n_listed; i++)
        if (strcmp(F->listed[i], phone) == 0)
            found = true;
    pthread_mutex_unlock(&F->mu);
    return found;
}

static enum oc_status standin_dnc_batch(struct oc_request *r, const ProtobufCMessage *in,
                                        ProtobufCMessage **out)
{
    const Ocpb__CheckDncBatchRequest *q = (const Ocpb__CheckDncBatchRequest *)in;
    if (F->dnc_silent) {
        /* Never answers: the caller times out, as with a hung lead-ingest. */
        sleep_ms(5000);
        return OC_ERR_UNAVAILABLE;
    }
    Ocpb__CheckDncBatchReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    ocpb__check_dnc_batch_reply__init(rep);
    rep->results = oc_arena_alloc(r->arena, sizeof(*rep->results) * (q->n_phones + 1));
    for (size_t i = 0; i < q->n_phones; i++) {
        Ocpb__DncCheckResult *x = oc_arena_alloc(r->arena, sizeof(*x));
        ocpb__dnc_check_result__init(x);
        x->phone = q->phones[i];
        x->phone_e164 = q->phones[i];
        x->listed = is_listed(q->phones[i]);
        rep->results[i] = x;
    }
    rep->n_results = q->n_phones;
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status standin_dnc_one(struct oc_request *r, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    const Ocpb__CheckDncRequest *q = (const Ocpb__CheckDncRequest *)in;
    Ocpb__CheckDncReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    ocpb__check_dnc_reply__init(rep);
    rep->listed = is_listed(q->phone);
    rep->phone_e164 = q->phone;
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status standin_reserve(struct oc_request *r, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    const Ocpb__ReserveCreditsRequest *q = (const Ocpb__ReserveCreditsRequest *)in;
    Ocpb__ReserveCreditsReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    ocpb__reserve_credits_reply__init(rep);
    rep->reservation_id = oc_arena_printf(r->arena, "standin-%s", q->reference);
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status standin_release(struct oc_request *r, const ProtobufCMessage *in,
                                      ProtobufCMessage **out)
{
    (void)in;
    Ocpb__ReleaseCreditsReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    ocpb__release_credits_reply__init(rep);
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status standin_number(struct oc_request *r, const ProtobufCMessage *in,
                                     ProtobufCMessage **out)
{
    const Ocpb__GetNumberRequest *q = (const Ocpb__GetNumberRequest *)in;
    Ocpb__GetNumberReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    Ocpb__PhoneNumber *n = oc_arena_alloc(r->arena, sizeof(*n));
    ocpb__get_number_reply__init(rep);
    ocpb__phone_number__init(n);
    n->id = q->id;
    n->kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
    n->caller_id = "+34910000000";
    n->trunk = "sip:127.0.0.1:9";
    n->state = OCPB__NUMBER_STATE__NUMBER_STATE_ACTIVE;
    rep->number = n;
    *out = &rep->base;
    return OC_OK;
}

static Ocpb__Assistant *standin_assistant_of(struct oc_arena *a, const char *id)
{
    Ocpb__Assistant *x = oc_arena_alloc(a, sizeof(*x));
    ocpb__assistant__init(x);
    x->id = (char *)id;
    x->name = "Test assistant";
    x->language = OCPB__LANGUAGE__LANGUAGE_ES;
    x->greeting = "Hola";
    x->version = 1;
    return x;
}

static enum oc_status standin_snapshot(struct oc_request *r, const ProtobufCMessage *in,
                                       ProtobufCMessage **out)
{
    const Ocpb__SnapshotAssistantRequest *q = (const Ocpb__SnapshotAssistantRequest *)in;
    Ocpb__SnapshotAssistantReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    Ocpb__AssistantSnapshot *s = oc_arena_alloc(r->arena, sizeof(*s));
    ocpb__snapshot_assistant_reply__init(rep);
    ocpb__assistant_snapshot__init(s);
    s->assistant = standin_assistant_of(r->arena, q->id);
    s->prompt = "";
    rep->snapshot = s;
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status standin_assistant(struct oc_request *r, const ProtobufCMessage *in,
                                        ProtobufCMessage **out)
{
    const Ocpb__GetAssistantRequest *q = (const Ocpb__GetAssistantRequest *)in;
    Ocpb__GetAssistantReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    ocpb__get_assistant_reply__init(rep);
    rep->assistant = standin_assistant_of(r->arena, q->id);
    *out = &rep->base;
    return OC_OK;
}

static void serve_if_missing(const char *subject, const ProtobufCMessageDescriptor *desc,
                             oc_handler_cb fn)
{
    if (served(subject))
        return;
    struct oc_handler h = {subject, desc, fn};
    cr_assert_eq(oc_bus_serve(F->bus, "scheduler-test-standins", &h, 1, F), OC_OK);
}

/* ---------------------------------------------------------------- set-up */

/* Etc/GMT zones count the other way: Etc/GMT-3 is three hours ahead of UTC. */
static void noon_zone(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    int offset = 13 - tm.tm_hour; /* local 13:xx */
    if (offset > 12)
        offset -= 24;
    if (offset < -12)
        offset += 24;
    if (offset == 0)
        snprintf(out, 32, "Etc/UTC");
    else
        snprintf(out, 32, "Etc/GMT%+d", -offset);
}

/* An assistant and a SIP number the dispatcher can use, real or stood in. */
static void create_references(void)
{
    if (served("assistants.create")) {
        Ocpb__Assistant a = OCPB__ASSISTANT__INIT;
        a.name = "Scheduler test";
        a.language = OCPB__LANGUAGE__LANGUAGE_ES;
        a.greeting = "Hola, le llamo de parte de una prueba.";
        Ocpb__CreateAssistantRequest q = OCPB__CREATE_ASSISTANT_REQUEST__INIT;
        q.assistant = &a;
        Ocpb__CreateAssistantReply *rep =
            ok("assistants.create", &q.base, &ocpb__create_assistant_reply__descriptor);
        snprintf(F->assistant, sizeof(F->assistant), "%s", rep->assistant->id);
        ocpb__create_assistant_reply__free_unpacked(rep, NULL);
    } else {
        uuid(F->assistant);
    }
    if (served("numbers.create")) {
        Ocpb__PhoneNumber n = OCPB__PHONE_NUMBER__INIT;
        n.kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
        /* Nobody listens there: a real dialer's attempt fails at once. */
        n.trunk = "sip:127.0.0.1:9";
        n.caller_id = "+34910000000";
        n.label = "scheduler test";
        Ocpb__CreateNumberRequest q = OCPB__CREATE_NUMBER_REQUEST__INIT;
        q.number = &n;
        Ocpb__CreateNumberReply *rep =
            ok("numbers.create", &q.base, &ocpb__create_number_reply__descriptor);
        snprintf(F->number, sizeof(F->number), "%s", rep->number->id);
        ocpb__create_number_reply__free_unpacked(rep, NULL);
    } else {
        uuid(F->number);
    }
    if (served("billing.grant")) {
        Ocpb__Credits amount = OCPB__CREDITS__INIT;
        amount.milli = 100000000;
        Ocpb__GrantCreditsRequest q = OCPB__GRANT_CREDITS_REQUEST__INIT;
        q.kind = OCPB__LEDGER_KIND__LEDGER_KIND_ADJUSTMENT;
        q.amount = &amount;
        q.reference = F->tenant;
        q.description = "scheduler integration test";
        Ocpb__GrantCreditsReply *rep =
            ok("billing.grant", &q.base, &ocpb__grant_credits_reply__descriptor);
        ocpb__grant_credits_reply__free_unpacked(rep, NULL);
    }
}

static void setup(void)
{
    F = calloc(1, sizeof(*F));
    cr_assert_not_null(F);
    pthread_mutex_init(&F->mu, NULL);
    F->bus = th_bus();
    uuid(F->tenant);
    noon_zone(F->zone);
    snprintf(F->prefix, sizeof(F->prefix), "+346%05u", (unsigned)(getpid() % 100000));
    F->real_dnc = served("dnc.check_batch");
    serve_if_missing("dnc.check_batch", &ocpb__check_dnc_batch_request__descriptor,
                     standin_dnc_batch);
    serve_if_missing("dnc.check", &ocpb__check_dnc_request__descriptor, standin_dnc_one);
    serve_if_missing("billing.reserve", &ocpb__reserve_credits_request__descriptor,
                     standin_reserve);
    serve_if_missing("billing.release", &ocpb__release_credits_request__descriptor,
                     standin_release);
    serve_if_missing("numbers.get", &ocpb__get_number_request__descriptor, standin_number);
    serve_if_missing("assistants.snapshot", &ocpb__snapshot_assistant_request__descriptor,
                     standin_snapshot);
    serve_if_missing("assistants.get", &ocpb__get_assistant_request__descriptor, standin_assistant);
    create_references();
}

static void teardown(void)
{
    if (!F)
        return;
    for (int i = 0; i < F->n_copies; i++) {
        if (F->copies[i] > 0 && waitpid(F->copies[i], NULL, WNOHANG) == 0) {
            kill(F->copies[i], SIGTERM);
            waitpid(F->copies[i], NULL, 0);
        }
    }
    if (F->scheduler_held)
        th_stack("start-service scheduler >/dev/null 2>&1");
    if (F->dialer_held)
        th_stack("start-service dialer >/dev/null 2>&1");
    oc_bus_free(F->bus);
    free(F);
    F = NULL;
}

/* Keeps jobs in the work queue for the test: stops a running dialer. The
 * dialer also answers numbers.get, which the dispatcher needs for each
 * job's caller line; while it is stopped nobody serves that subject, and a
 * stand-in answers with the number the test created in it. */
static void hold_dialer(void)
{
    if (!served("dialer.health"))
        return;
    /* Its exit code is the dialer's business (a sanitizer build may report
     * a leak there); what matters here is that it no longer takes jobs. */
    th_stack("stop-service dialer >/dev/null 2>&1");
    F->dialer_held = true;
    cr_assert_not(served("dialer.health"), "the dialer is still running");
    serve_if_missing("numbers.get", &ocpb__get_number_request__descriptor, standin_number);
}

/* ================================================================ helpers */

static char *phone(void)
{
    char *p = malloc(20);
    cr_assert_not_null(p);
    snprintf(p, 20, "%s%04u", F->prefix, ++F->phones);
    return p;
}

static void list_dnc(const char *number)
{
    if (F->real_dnc) {
        Ocpb__AddDncRequest q = OCPB__ADD_DNC_REQUEST__INIT;
        q.phone = (char *)number;
        q.source = OCPB__DNC_SOURCE__DNC_SOURCE_MANUAL;
        q.reason = "scheduler test";
        Ocpb__AddDncReply *rep = ok("dnc.add", &q.base, &ocpb__add_dnc_reply__descriptor);
        ocpb__add_dnc_reply__free_unpacked(rep, NULL);
        return;
    }
    pthread_mutex_lock(&F->mu);
    snprintf(F->listed[F->n_listed++], 20, "%s", number);
    pthread_mutex_unlock(&F->mu);
}

struct campaign_opts {
    int max_concurrent;
    int max_per_minute;
    const char *window; /* NULL: the legal window every day */
};

/* Creates a campaign (draft) in the test's tenant; returns its id (caller frees). */
static char *create_campaign(const struct campaign_opts *o)
{
    Ocpb__Campaign c = OCPB__CAMPAIGN__INIT;
    Ocpb__Pacing p = OCPB__PACING__INIT;
    c.name = "scheduler test";
    c.assistant_id = F->assistant;
    c.number_id = F->number;
    c.default_region = "ES";
    c.timezone = F->zone;
    p.max_concurrent = o ? o->max_concurrent : 0;
    p.max_per_minute = o ? o->max_per_minute : 0;
    c.pacing = &p;
    Ocpb__CreateCampaignRequest q = OCPB__CREATE_CAMPAIGN_REQUEST__INIT;
    q.campaign = &c;
    Ocpb__CreateCampaignReply *rep =
        ok("campaigns.create", &q.base, &ocpb__create_campaign_reply__descriptor);
    cr_assert_eq(rep->campaign->state, OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_DRAFT);
    char *id = strdup(rep->campaign->id);
    ocpb__create_campaign_reply__free_unpacked(rep, NULL);
    return id;
}

/* Publishes leads.added for n leads with the given numbers; lead ids go to ids (may be NULL). */
static void add_leads(const char *campaign, char **phones, size_t n, char (*ids)[37])
{
    Ocpb__LeadsAdded m = OCPB__LEADS_ADDED__INIT;
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    char event_id[37], msg_id[64];
    uuid(event_id);
    meta.event_id = event_id;
    meta.tenant_id = F->tenant;
    meta.occurred_unix_ms = now_ms();
    m.meta = &meta;
    m.campaign_id = (char *)campaign;
    Ocpb__Lead *leads = calloc(n, sizeof(*leads));
    Ocpb__Lead **ptrs = calloc(n, sizeof(*ptrs));
    char(*lid)[37] = calloc(n, sizeof(*lid));
    cr_assert(leads && ptrs && lid);
    for (size_t i = 0; i < n; i++) {
        ocpb__lead__init(&leads[i]);
        uuid(lid[i]);
        leads[i].id = lid[i];
        leads[i].campaign_id = (char *)campaign;
        leads[i].name = "Contacto de prueba";
        leads[i].phone_e164 = phones[i];
        leads[i].region = "ES";
        leads[i].timezone = F->zone;
        leads[i].status = OCPB__LEAD_STATUS__LEAD_STATUS_PENDING;
        ptrs[i] = &leads[i];
        if (ids)
            memcpy(ids[i], lid[i], 37);
    }
    m.leads = ptrs;
    m.n_leads = n;
    snprintf(msg_id, sizeof(msg_id), "added:%s", event_id);
    cr_assert_eq(oc_js_publish(F->bus, "leads.added", &m.base, msg_id, NULL), OC_OK);
    free(leads);
    free(ptrs);
    free(lid);
}

static void campaign_verb(const char *verb, const char *id)
{
    char subject[64];
    snprintf(subject, sizeof(subject), "campaigns.%s", verb);
    /* Every state-change request is {string id = 1}: one type serves all. */
    Ocpb__StartCampaignRequest q = OCPB__START_CAMPAIGN_REQUEST__INIT;
    q.id = (char *)id;
    Ocpb__StartCampaignReply *rep = ok(subject, &q.base, &ocpb__start_campaign_reply__descriptor);
    ocpb__start_campaign_reply__free_unpacked(rep, NULL);
}

/* The calls matching a filter, every page. Caller frees with calls_free. */
struct calls {
    Ocpb__ListCallsReply *pages[64];
    size_t n_pages;
    Ocpb__Call *v[4096];
    size_t n;
};

static struct calls *list_calls(const char *campaign, const Ocpb__CallStatus *statuses,
                                size_t n_statuses, const char *parent)
{
    struct calls *out = calloc(1, sizeof(*out));
    cr_assert_not_null(out);
    char cursor[128] = "";
    for (;;) {
        Ocpb__ListCallsRequest q = OCPB__LIST_CALLS_REQUEST__INIT;
        Ocpb__PageRequest page = OCPB__PAGE_REQUEST__INIT;
        page.limit = 200;
        page.cursor = cursor;
        q.page = &page;
        q.campaign_id = (char *)(campaign ? campaign : "");
        q.statuses = (Ocpb__CallStatus *)statuses;
        q.n_statuses = n_statuses;
        q.parent_call_id = (char *)(parent ? parent : "");
        Ocpb__ListCallsReply *rep =
            ok_read("calls.list", &q.base, &ocpb__list_calls_reply__descriptor);
        cr_assert_lt(out->n_pages, 64);
        out->pages[out->n_pages++] = rep;
        for (size_t i = 0; i < rep->n_calls && out->n < 4096; i++)
            out->v[out->n++] = rep->calls[i];
        if (!rep->page || !rep->page->next_cursor || !*rep->page->next_cursor)
            break;
        snprintf(cursor, sizeof(cursor), "%s", rep->page->next_cursor);
    }
    return out;
}

static void calls_free(struct calls *c)
{
    for (size_t i = 0; c && i < c->n_pages; i++)
        ocpb__list_calls_reply__free_unpacked(c->pages[i], NULL);
    free(c);
}

static size_t count_status(const char *campaign, Ocpb__CallStatus s)
{
    struct calls *c = list_calls(campaign, &s, 1, NULL);
    size_t n = c->n;
    calls_free(c);
    return n;
}

static const Ocpb__CallStatus LIVE[] = {OCPB__CALL_STATUS__CALL_STATUS_QUEUED,
                                        OCPB__CALL_STATUS__CALL_STATUS_CALLING,
                                        OCPB__CALL_STATUS__CALL_STATUS_IN_PROGRESS};

static size_t count_live(const char *campaign)
{
    struct calls *c = list_calls(campaign, LIVE, 3, NULL);
    size_t n = c->n;
    calls_free(c);
    return n;
}

static Ocpb__Call *get_call(const char *id)
{
    Ocpb__GetCallRequest q = OCPB__GET_CALL_REQUEST__INIT;
    q.id = (char *)id;
    Ocpb__GetCallReply *rep = ok_read("calls.get", &q.base, &ocpb__get_call_reply__descriptor);
    Ocpb__Call *c = rep->call;
    rep->call = NULL;
    ocpb__get_call_reply__free_unpacked(rep, NULL);
    return c;
}

struct count_arg {
    const char *campaign;
    Ocpb__CallStatus status;
    size_t want;
};

static bool status_reached(void *p)
{
    struct count_arg *a = p;
    return count_status(a->campaign, a->status) >= a->want;
}

static void wait_status(const char *campaign, Ocpb__CallStatus s, size_t want, int ms)
{
    struct count_arg a = {campaign, s, want};
    cr_assert(th_wait_until(status_reached, &a, ms), "only %zu of %zu calls reached status %d",
              count_status(campaign, s), want, (int)s);
}

static Ocpb__EventMeta *meta_now(char id[37])
{
    static Ocpb__EventMeta m;
    ocpb__event_meta__init(&m);
    uuid(id);
    m.event_id = id;
    m.tenant_id = F->tenant;
    m.occurred_unix_ms = now_ms();
    return &m;
}

/* Reports the end of a queued call's current attempt, as media or the dialer would. */
static void end_call(const Ocpb__Call *c, bool answered, Ocpb__HangupCause cause,
                     Ocpb__AmdResult amd)
{
    char id[37], msg_id[128];
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    e.meta = meta_now(id);
    e.call_id = c->id;
    e.dispatch_id = c->dispatch_id;
    e.campaign_id = c->campaign_id;
    e.lead_id = c->lead_id;
    int64_t t = now_ms();
    e.dialed_unix_ms = t - 20000;
    e.answered_unix_ms = answered ? t - 15000 : 0;
    e.ended_unix_ms = t;
    e.duration_ms = answered ? 15000 : 0;
    e.cause = cause;
    e.sip_code = answered ? 200 : cause == OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY ? 486 : 480;
    e.amd = amd;
    e.phone_e164 = c->phone_e164;
    Ocpb__TranscriptTurn turn = OCPB__TRANSCRIPT_TURN__INIT;
    Ocpb__TranscriptTurn *turns[1] = {&turn};
    if (answered) {
        turn.speaker = OCPB__SPEAKER__SPEAKER_AGENT;
        turn.text = "Hola, le llamo de parte de una prueba.";
        e.transcript = turns;
        e.n_transcript = 1;
    }
    snprintf(msg_id, sizeof(msg_id), "ended:%s", c->dispatch_id);
    cr_assert_eq(oc_js_publish(F->bus, "calls.ended", &e.base, msg_id, NULL), OC_OK);
}

static void progress(const Ocpb__Call *c, Ocpb__CallProgressKind kind)
{
    char id[37], msg_id[128];
    Ocpb__CallProgress p = OCPB__CALL_PROGRESS__INIT;
    p.meta = meta_now(id);
    p.call_id = c->id;
    p.dispatch_id = c->dispatch_id;
    p.kind = kind;
    p.campaign_id = c->campaign_id;
    p.lead_id = c->lead_id;
    snprintf(msg_id, sizeof(msg_id), "progress:%s:%d", c->dispatch_id, (int)kind);
    cr_assert_eq(oc_js_publish(F->bus, "calls.progress", &p.base, msg_id, NULL), OC_OK);
}

/* Publishes an analysis as the analyzer would (before the call's end, so that a real
 * analyzer's own verdict for the same attempt is the duplicate). */
static void analyse(const Ocpb__Call *c, Ocpb__Analysis *a)
{
    char id[37], msg_id[128];
    Ocpb__AnalysisDone m = OCPB__ANALYSIS_DONE__INIT;
    m.meta = meta_now(id);
    a->call_id = c->id;
    a->dispatch_id = c->dispatch_id;
    a->campaign_id = c->campaign_id;
    a->lead_id = c->lead_id;
    m.analysis = a;
    m.phone_e164 = c->phone_e164;
    snprintf(msg_id, sizeof(msg_id), "analysis:%s", c->dispatch_id);
    cr_assert_eq(oc_js_publish(F->bus, "analysis.done", &m.base, msg_id, NULL), OC_OK);
}

/* The one call of a campaign in status s (the test made sure there is one). */
static Ocpb__Call *only_call(const char *campaign, Ocpb__CallStatus s)
{
    struct calls *c = list_calls(campaign, &s, 1, NULL);
    cr_assert_eq(c->n, 1, "%zu calls in status %d, expected 1", c->n, (int)s);
    Ocpb__Call *call = get_call(c->v[0]->id);
    calls_free(c);
    return call;
}

struct next_arg {
    const char *parent;
    size_t n;
};

static bool has_child(void *p)
{
    struct next_arg *a = p;
    struct calls *c = list_calls(NULL, NULL, 0, a->parent);
    a->n = c->n;
    calls_free(c);
    return a->n > 0;
}

/* ================================================================ campaigns */

TestSuite(scheduler, .init = setup, .fini = teardown, .timeout = 120);

Test(scheduler, campaign_states_follow_the_lifecycle)
{
    char *id = create_campaign(NULL);
    char err[256];
    Ocpb__PauseCampaignRequest pause = OCPB__PAUSE_CAMPAIGN_REQUEST__INIT;
    pause.id = id;
    cr_expect_eq(req("campaigns.pause", &pause.base, NULL, NULL, err, sizeof(err)), OC_ERR_CONFLICT,
                 "a draft was paused");
    cr_expect(strstr(err, "draft") != NULL, "%s", err);

    campaign_verb("start", id);
    campaign_verb("pause", id);
    campaign_verb("start", id);
    Ocpb__ArchiveCampaignRequest arch = OCPB__ARCHIVE_CAMPAIGN_REQUEST__INIT;
    arch.id = id;
    cr_expect_eq(req("campaigns.archive", &arch.base, NULL, NULL, err, sizeof(err)),
                 OC_ERR_CONFLICT, "a running campaign was archived");
    campaign_verb("stop", id);
    cr_expect_eq(req("campaigns.start", &pause.base, NULL, NULL, err, sizeof(err)), OC_ERR_CONFLICT,
                 "a stopped campaign was started");
    campaign_verb("archive", id);

    Ocpb__GetCampaignRequest get = OCPB__GET_CAMPAIGN_REQUEST__INIT;
    get.id = id;
    Ocpb__GetCampaignReply *rep =
        ok("campaigns.get", &get.base, &ocpb__get_campaign_reply__descriptor);
    cr_expect_eq(rep->campaign->state, OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED);
    cr_expect_gt(rep->campaign->started_unix_ms, 0);
    cr_expect_gt(rep->campaign->finished_unix_ms, 0);
    ocpb__get_campaign_reply__free_unpacked(rep, NULL);

    /* Archived campaigns are listed only when asked for. */
    Ocpb__ListCampaignsRequest lq = OCPB__LIST_CAMPAIGNS_REQUEST__INIT;
    Ocpb__ListCampaignsReply *lr =
        ok("campaigns.list", &lq.base, &ocpb__list_campaigns_reply__descriptor);
    cr_expect_eq(lr->n_campaigns, 0);
    ocpb__list_campaigns_reply__free_unpacked(lr, NULL);
    Ocpb__CampaignState archived = OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED;
    lq.states = &archived;
    lq.n_states = 1;
    lr = ok("campaigns.list", &lq.base, &ocpb__list_campaigns_reply__descriptor);
    cr_expect_eq(lr->n_campaigns, 1);
    ocpb__list_campaigns_reply__free_unpacked(lr, NULL);
    free(id);
}

Test(scheduler, campaign_settings_are_checked_and_updated_by_mask)
{
    char err[256];
    Ocpb__Campaign c = OCPB__CAMPAIGN__INIT;
    c.name = "bad zone";
    c.assistant_id = F->assistant;
    c.number_id = F->number;
    c.default_region = "ES";
    c.timezone = "Europe/Atlantis";
    Ocpb__CreateCampaignRequest q = OCPB__CREATE_CAMPAIGN_REQUEST__INIT;
    q.campaign = &c;
    cr_expect_eq(req("campaigns.create", &q.base, NULL, NULL, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "Europe/Atlantis") != NULL, "%s", err);

    char *id = create_campaign(NULL);
    Ocpb__Campaign u = OCPB__CAMPAIGN__INIT;
    Ocpb__CallingSchedule s = OCPB__CALLING_SCHEDULE__INIT;
    Ocpb__CallingRange r = OCPB__CALLING_RANGE__INIT;
    Ocpb__CallingRange *rs[1] = {&r};
    Ocpb__Weekday days[] = {OCPB__WEEKDAY__WEEKDAY_MONDAY, OCPB__WEEKDAY__WEEKDAY_FRIDAY};
    r.days = days;
    r.n_days = 2;
    r.start_minute = 9 * 60;
    r.end_minute = 14 * 60;
    s.ranges = rs;
    s.n_ranges = 1;
    s.legal_start_minute = 7 * 60; /* wider than the law: narrowed back to 08:00 */
    u.id = id;
    u.name = "renamed";
    u.schedule = &s;
    char *mask[] = {"name", "schedule"};
    Ocpb__UpdateCampaignRequest uq = OCPB__UPDATE_CAMPAIGN_REQUEST__INIT;
    uq.campaign = &u;
    uq.update_mask = mask;
    uq.n_update_mask = 2;
    Ocpb__UpdateCampaignReply *ur =
        ok("campaigns.update", &uq.base, &ocpb__update_campaign_reply__descriptor);
    cr_expect_str_eq(ur->campaign->name, "renamed");
    cr_expect_str_eq(ur->campaign->timezone, F->zone, "a field outside the mask changed");
    cr_assert_eq(ur->campaign->schedule->n_ranges, 1);
    cr_expect_eq(ur->campaign->schedule->ranges[0]->start_minute, 540);
    cr_expect_eq(ur->campaign->schedule->legal_start_minute, 480);
    ocpb__update_campaign_reply__free_unpacked(ur, NULL);

    uq.n_update_mask = 0;
    cr_expect_eq(req("campaigns.update", &uq.base, NULL, NULL, err, sizeof(err)), OC_ERR_INVALID,
                 "an empty mask was accepted");
    char *bad[] = {"state"};
    uq.update_mask = bad;
    uq.n_update_mask = 1;
    cr_expect_eq(req("campaigns.update", &uq.base, NULL, NULL, err, sizeof(err)), OC_ERR_INVALID,
                 "the state was changed through update");
    free(id);
}

/* ================================================================ pause and resume */

Test(scheduler, pause_stops_new_calls_and_resume_continues)
{
    hold_dialer();
    struct campaign_opts o = {.max_concurrent = 2};
    char *id = create_campaign(&o);
    char *phones[6];
    for (int i = 0; i < 6; i++)
        phones[i] = phone();
    add_leads(id, phones, 6, NULL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED, 6, WAIT_MS);
    sleep_ms(500);
    cr_expect_eq(count_live(id), 0, "a draft campaign dialled");

    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 2, WAIT_MS);
    campaign_verb("pause", id);
    /* The calls in flight finish; nothing new starts while paused. */
    struct calls *q = list_calls(id, LIVE, 3, NULL);
    cr_assert_eq(q->n, 2);
    for (size_t i = 0; i < q->n; i++) {
        Ocpb__Call *c = get_call(q->v[i]->id);
        end_call(c, true, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP,
                 OCPB__AMD_RESULT__AMD_RESULT_HUMAN);
        ocpb__call__free_unpacked(c, NULL);
    }
    calls_free(q);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_COMPLETED, 2, WAIT_MS);
    sleep_ms(1500);
    cr_expect_eq(count_live(id), 0, "a paused campaign started a call");
    cr_expect_eq(count_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED), 4);

    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 2, WAIT_MS);
    sleep_ms(500);
    cr_expect_eq(count_live(id), 2, "more calls than max_concurrent");
    for (int i = 0; i < 6; i++)
        free(phones[i]);
    free(id);
}

/* ================================================================ do-not-call */

Test(scheduler, dnc_addition_cancels_every_future_call_to_the_number)
{
    char *a = create_campaign(NULL), *b = create_campaign(NULL);
    char *blocked = phone(), *other = phone();
    char *pa[2] = {blocked, other}, *pb[1] = {blocked};
    add_leads(a, pa, 2, NULL);
    add_leads(b, pb, 1, NULL);
    wait_status(a, OCPB__CALL_STATUS__CALL_STATUS_CREATED, 2, WAIT_MS);
    wait_status(b, OCPB__CALL_STATUS__CALL_STATUS_CREATED, 1, WAIT_MS);

    if (F->real_dnc) {
        list_dnc(blocked); /* lead-ingest emits dnc.changed */
    } else {
        char eid[37], msg_id[64];
        Ocpb__DncEntry entry = OCPB__DNC_ENTRY__INIT;
        entry.phone_e164 = blocked;
        entry.source = OCPB__DNC_SOURCE__DNC_SOURCE_MANUAL;
        Ocpb__DncChanged m = OCPB__DNC_CHANGED__INIT;
        m.meta = meta_now(eid);
        m.action = OCPB__DNC_ACTION__DNC_ACTION_ADDED;
        m.entry = &entry;
        snprintf(msg_id, sizeof(msg_id), "dnc:%s", eid);
        cr_assert_eq(oc_js_publish(F->bus, "dnc.changed", &m.base, msg_id, NULL), OC_OK);
    }
    wait_status(a, OCPB__CALL_STATUS__CALL_STATUS_CANCELED, 1, WAIT_MS);
    wait_status(b, OCPB__CALL_STATUS__CALL_STATUS_CANCELED, 1, WAIT_MS);

    Ocpb__CallStatus created = OCPB__CALL_STATUS__CALL_STATUS_CREATED;
    struct calls *left = list_calls(a, &created, 1, NULL);
    cr_assert_eq(left->n, 1);
    cr_expect_str_eq(left->v[0]->phone_e164, other, "the wrong number's call was canceled");
    calls_free(left);
    Ocpb__CallStatus canceled = OCPB__CALL_STATUS__CALL_STATUS_CANCELED;
    struct calls *gone = list_calls(b, &canceled, 1, NULL);
    cr_assert_eq(gone->n, 1);
    cr_expect(strstr(gone->v[0]->status_reason, "do-not-call") != NULL, "%s",
              gone->v[0]->status_reason);
    calls_free(gone);
    free(a);
    free(b);
    free(blocked);
    free(other);
}

Test(scheduler, listed_number_is_never_dialled)
{
    hold_dialer();
    char *id = create_campaign(NULL);
    char *listed = phone(), *fine = phone();
    list_dnc(listed);
    char *ph[2] = {listed, fine};
    add_leads(id, ph, 2, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CANCELED, 1, WAIT_MS);
    Ocpb__CallStatus queued = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
    struct calls *q = list_calls(id, &queued, 1, NULL);
    cr_assert_eq(q->n, 1);
    cr_expect_str_eq(q->v[0]->phone_e164, fine);
    calls_free(q);
    free(id);
    free(listed);
    free(fine);
}

Test(scheduler, nothing_is_dialled_while_the_dnc_check_goes_unanswered)
{
    if (F->real_dnc) {
        cr_log_info("lead-ingest serves dnc.check_batch: its silence cannot be staged here");
        return;
    }
    hold_dialer();
    F->dnc_silent = true;
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED, 1, WAIT_MS);
    campaign_verb("start", id);
    sleep_ms(4000);
    cr_expect_eq(count_live(id), 0, "a call was dialled without a do-not-call answer");
    F->dnc_silent = false;
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, 20000);
    free(id);
    free(p);
}

/* ================================================================ follow-ups and retries */

Test(scheduler, analysis_follow_up_becomes_a_linked_call)
{
    hold_dialer();
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    Ocpb__Call *call = only_call(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    cr_expect_eq(call->attempt, 1);
    progress(call, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING);
    progress(call, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED);

    /* The contact asked for a call in two days and gave another number. */
    int64_t due = now_ms() + 2 * 24 * 3600 * 1000LL;
    Ocpb__FollowUp fu = OCPB__FOLLOW_UP__INIT;
    fu.needed = true;
    fu.due_unix_ms = due;
    fu.confidence = OCPB__CONFIDENCE__CONFIDENCE_HIGH;
    fu.reason = "Pidió que le llamen el jueves a su móvil";
    fu.time_explicit = true;
    fu.grain = OCPB__TIME_GRAIN__TIME_GRAIN_MINUTE;
    char *alt = phone();
    fu.phone_e164 = alt;
    Ocpb__Analysis a = OCPB__ANALYSIS__INIT;
    a.outcome = OCPB__OUTCOME__OUTCOME_CALLBACK;
    a.follow_up = &fu;
    a.summary = "Interesada; prefiere el móvil.";
    analyse(call, &a);
    end_call(call, true, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP,
             OCPB__AMD_RESULT__AMD_RESULT_HUMAN);

    struct next_arg n = {call->id, 0};
    cr_assert(th_wait_until(has_child, &n, WAIT_MS), "no follow-up was created");
    cr_expect_eq(n.n, 1);
    struct calls *kids = list_calls(NULL, NULL, 0, call->id);
    Ocpb__Call *next = get_call(kids->v[0]->id);
    calls_free(kids);
    cr_expect_eq(next->kind, OCPB__CALL_KIND__CALL_KIND_FOLLOW_UP);
    cr_expect_eq(next->status, OCPB__CALL_STATUS__CALL_STATUS_SCHEDULED);
    cr_expect_str_eq(next->parent_call_id, call->id);
    cr_expect_str_eq(next->reason, fu.reason);
    cr_expect_eq(next->confidence, OCPB__CONFIDENCE__CONFIDENCE_HIGH);
    cr_expect_str_eq(next->context_summary, a.summary);
    cr_expect_str_eq(next->phone_e164, alt, "the follow-up does not go to the given number");
    cr_expect_eq(next->attempt, 2);
    cr_expect_geq(next->scheduled_unix_ms, due - 1000);
    /* Inside the legal window of the contact's zone: a slot on the due day. */
    cr_expect_lt(next->scheduled_unix_ms, due + 24 * 3600 * 1000LL);

    Ocpb__Call *done = get_call(call->id);
    cr_expect_eq(done->status, OCPB__CALL_STATUS__CALL_STATUS_COMPLETED);
    cr_expect_eq(done->result, OCPB__OUTCOME__OUTCOME_CALLBACK);
    cr_expect_eq(done->duration_s, 15);
    cr_expect_geq(done->n_transitions, 5,
                  "queued, calling, in_progress, completed were not all kept");
    ocpb__call__free_unpacked(done, NULL);
    ocpb__call__free_unpacked(next, NULL);
    ocpb__call__free_unpacked(call, NULL);
    free(id);
    free(p);
    free(alt);
}

/* Ends the campaign's queued call as busy, with the analysis asking for a retry. */
static void fail_busy(Ocpb__Call *call)
{
    Ocpb__Retry retry = OCPB__RETRY__INIT;
    retry.needed = true;
    retry.reason = "Línea ocupada";
    Ocpb__Analysis a = OCPB__ANALYSIS__INIT;
    a.outcome = OCPB__OUTCOME__OUTCOME_BUSY_VOICEMAIL;
    a.retry = &retry;
    analyse(call, &a);
    end_call(call, false, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY,
             OCPB__AMD_RESULT__AMD_RESULT_UNSPECIFIED);
}

Test(scheduler, busy_call_is_retried_once_and_not_after_the_retry_fails)
{
    hold_dialer();
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    Ocpb__Call *first = only_call(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    int64_t ended = now_ms();
    fail_busy(first);

    struct next_arg n = {first->id, 0};
    cr_assert(th_wait_until(has_child, &n, WAIT_MS), "the busy call was not retried");
    struct calls *kids = list_calls(NULL, NULL, 0, first->id);
    Ocpb__Call *retry = get_call(kids->v[0]->id);
    calls_free(kids);
    cr_expect_eq(retry->kind, OCPB__CALL_KIND__CALL_KIND_RETRY);
    cr_expect_eq(retry->status, OCPB__CALL_STATUS__CALL_STATUS_SCHEDULED);
    /* A busy line is retried after 2 h (later if the window is closed then). */
    cr_expect_geq(retry->scheduled_unix_ms, ended + 2 * 3600 * 1000LL - 60000);
    Ocpb__Call *failed = get_call(first->id);
    cr_expect_eq(failed->status, OCPB__CALL_STATUS__CALL_STATUS_FAILED);
    cr_expect_eq(failed->hangup_cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY);
    ocpb__call__free_unpacked(failed, NULL);

    /* Bring the retry forward, let it be dialled, and fail it the same way. */
    Ocpb__RescheduleCallRequest rq = OCPB__RESCHEDULE_CALL_REQUEST__INIT;
    rq.id = retry->id;
    rq.at_unix_ms = now_ms();
    rq.reason = "test: now";
    Ocpb__RescheduleCallReply *rr =
        ok("calls.reschedule", &rq.base, &ocpb__reschedule_call_reply__descriptor);
    ocpb__reschedule_call_reply__free_unpacked(rr, NULL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    Ocpb__Call *second = only_call(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    cr_expect_str_eq(second->id, retry->id);
    fail_busy(second);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_FAILED, 2, WAIT_MS);
    sleep_ms(2500);
    struct next_arg none = {second->id, 0};
    cr_expect_not(has_child(&none), "a failed retry was retried again");
    ocpb__call__free_unpacked(second, NULL);
    ocpb__call__free_unpacked(retry, NULL);
    ocpb__call__free_unpacked(first, NULL);
    free(id);
    free(p);
}

Test(scheduler, voicemail_is_retried_after_48_hours)
{
    hold_dialer();
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    Ocpb__Call *call = only_call(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    Ocpb__Retry retry = OCPB__RETRY__INIT;
    retry.needed = true;
    Ocpb__Analysis a = OCPB__ANALYSIS__INIT;
    a.outcome = OCPB__OUTCOME__OUTCOME_BUSY_VOICEMAIL;
    a.retry = &retry;
    int64_t ended = now_ms();
    analyse(call, &a);
    end_call(call, true, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MACHINE,
             OCPB__AMD_RESULT__AMD_RESULT_MACHINE);
    struct next_arg n = {call->id, 0};
    cr_assert(th_wait_until(has_child, &n, WAIT_MS), "the voicemail was not retried");
    struct calls *kids = list_calls(NULL, NULL, 0, call->id);
    cr_expect_geq(kids->v[0]->scheduled_unix_ms, ended + 48 * 3600 * 1000LL - 60000);
    cr_expect_lt(kids->v[0]->scheduled_unix_ms, ended + 72 * 3600 * 1000LL);
    calls_free(kids);
    Ocpb__Call *vm = get_call(call->id);
    cr_expect_eq(vm->status, OCPB__CALL_STATUS__CALL_STATUS_VOICEMAIL);
    ocpb__call__free_unpacked(vm, NULL);
    ocpb__call__free_unpacked(call, NULL);
    free(id);
    free(p);
}

struct state_arg {
    const char *id;
    Ocpb__CampaignState want;
};

static bool campaign_in(void *p)
{
    struct state_arg *a = p;
    Ocpb__GetCampaignRequest q = OCPB__GET_CAMPAIGN_REQUEST__INIT;
    q.id = (char *)a->id;
    Ocpb__GetCampaignReply *rep =
        ok_read("campaigns.get", &q.base, &ocpb__get_campaign_reply__descriptor);
    bool done = rep->campaign->state == a->want;
    ocpb__get_campaign_reply__free_unpacked(rep, NULL);
    return done;
}

Test(scheduler, campaign_completes_when_every_lead_is_finished)
{
    hold_dialer();
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    Ocpb__Call *call = only_call(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    Ocpb__Analysis a = OCPB__ANALYSIS__INIT;
    a.outcome = OCPB__OUTCOME__OUTCOME_NOT_INTERESTED;
    a.summary = "No le interesa.";
    analyse(call, &a);
    end_call(call, true, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP,
             OCPB__AMD_RESULT__AMD_RESULT_HUMAN);
    struct state_arg want = {id, OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_COMPLETED};
    cr_expect(th_wait_until(campaign_in, &want, WAIT_MS), "the campaign did not complete");
    Ocpb__Call *done = get_call(call->id);
    cr_expect_eq(done->result, OCPB__OUTCOME__OUTCOME_NOT_INTERESTED);
    ocpb__call__free_unpacked(done, NULL);
    ocpb__call__free_unpacked(call, NULL);
    free(id);
    free(p);
}

/* ================================================================ manual calls */

Test(scheduler, manual_call_is_created_moved_rescheduled_and_canceled)
{
    char *id = create_campaign(NULL);
    char *p = phone();
    char lead[1][37];
    add_leads(id, &p, 1, lead);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED, 1, WAIT_MS);

    /* Three days from now at 03:00 in the contact's zone is outside the
     * legal window: moved to 08:00 that day. */
    int64_t at = now_ms() + 3 * 24 * 3600 * 1000LL;
    at -= at % (3600 * 1000LL);
    Ocpb__CreateCallRequest q = OCPB__CREATE_CALL_REQUEST__INIT;
    q.campaign_id = id;
    q.lead_id = lead[0];
    q.reason = "El cliente pidió hablar con un humano";
    /* The noon zone's midnight is about 13 h before now; shift to 03:00 local. */
    time_t tt = (time_t)(at / 1000);
    struct tm tm;
    gmtime_r(&tt, &tm);
    char zone_sign = F->zone[7];
    int ahead =
        strcmp(F->zone, "Etc/UTC") == 0 ? 0 : (zone_sign == '-' ? 1 : -1) * atoi(F->zone + 8);
    int local_hour = ((tm.tm_hour + ahead) % 24 + 24) % 24;
    at += (int64_t)(((3 - local_hour) % 24 + 24) % 24) * 3600 * 1000LL;
    q.at_unix_ms = at;
    Ocpb__CreateCallReply *cr = ok("calls.create", &q.base, &ocpb__create_call_reply__descriptor);
    cr_expect_eq(cr->call->kind, OCPB__CALL_KIND__CALL_KIND_MANUAL);
    cr_expect_eq(cr->call->status, OCPB__CALL_STATUS__CALL_STATUS_SCHEDULED);
    cr_expect_eq(cr->call->scheduled_unix_ms, at + 5 * 3600 * 1000LL, "not moved to 08:00");
    cr_expect_eq(cr->call->attempt, 2);
    cr_expect_str_eq(cr->call->reason, q.reason);
    char call_id[37];
    snprintf(call_id, sizeof(call_id), "%s", cr->call->id);
    ocpb__create_call_reply__free_unpacked(cr, NULL);

    Ocpb__RescheduleCallRequest rq = OCPB__RESCHEDULE_CALL_REQUEST__INIT;
    rq.id = call_id;
    rq.at_unix_ms = at + 8 * 3600 * 1000LL; /* 11:00 local: allowed */
    Ocpb__RescheduleCallReply *rr =
        ok("calls.reschedule", &rq.base, &ocpb__reschedule_call_reply__descriptor);
    cr_expect_eq(rr->call->scheduled_unix_ms, at + 8 * 3600 * 1000LL);
    ocpb__reschedule_call_reply__free_unpacked(rr, NULL);

    Ocpb__CancelCallRequest cq = OCPB__CANCEL_CALL_REQUEST__INIT;
    cq.id = call_id;
    cq.reason = "ya no hace falta";
    Ocpb__CancelCallReply *xr = ok("calls.cancel", &cq.base, &ocpb__cancel_call_reply__descriptor);
    cr_expect_eq(xr->call->status, OCPB__CALL_STATUS__CALL_STATUS_CANCELED);
    ocpb__cancel_call_reply__free_unpacked(xr, NULL);
    char err[256];
    cr_expect_eq(req("calls.cancel", &cq.base, NULL, NULL, err, sizeof(err)), OC_ERR_CONFLICT);
    cr_expect(strstr(err, "canceled") != NULL, "%s", err);

    Ocpb__Call *c = get_call(call_id);
    cr_expect_eq(c->n_transitions, 3, "created, rescheduled, canceled: %zu", c->n_transitions);
    ocpb__call__free_unpacked(c, NULL);
    free(id);
    free(p);
}

/* ================================================================ pacing */

struct pacing_watch {
    const char *campaign;
    volatile bool stop;
    size_t max_live;
};

static void *watch_live(void *arg)
{
    struct pacing_watch *w = arg;
    while (!w->stop) {
        size_t n = count_live(w->campaign);
        if (n > w->max_live)
            w->max_live = n;
        sleep_ms(20);
    }
    return NULL;
}

Test(scheduler, pacing_never_exceeds_max_concurrent)
{
    hold_dialer();
    struct campaign_opts o = {.max_concurrent = 3};
    char *id = create_campaign(&o);
    enum { N = 15 };
    char *phones[N];
    for (int i = 0; i < N; i++)
        phones[i] = phone();
    add_leads(id, phones, N, NULL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED, N, WAIT_MS);

    struct pacing_watch w = {.campaign = id};
    pthread_t t;
    pthread_create(&t, NULL, watch_live, &w);
    campaign_verb("start", id);
    /* Play the dialer: end every call that is queued, a few at a time. */
    long long give_up = th_now_ms() + 60000;
    while (count_status(id, OCPB__CALL_STATUS__CALL_STATUS_COMPLETED) < N &&
           th_now_ms() < give_up) {
        Ocpb__CallStatus queued = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
        struct calls *q = list_calls(id, &queued, 1, NULL);
        for (size_t i = 0; i < q->n; i++) {
            Ocpb__Call *c = get_call(q->v[i]->id);
            end_call(c, true, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP,
                     OCPB__AMD_RESULT__AMD_RESULT_HUMAN);
            ocpb__call__free_unpacked(c, NULL);
        }
        calls_free(q);
        sleep_ms(200);
    }
    w.stop = true;
    pthread_join(t, NULL);
    cr_expect_eq(count_status(id, OCPB__CALL_STATUS__CALL_STATUS_COMPLETED), N);
    cr_expect_leq(w.max_live, 3, "%zu calls were in flight at once", w.max_live);
    cr_expect_eq(w.max_live, 3, "the limit was never reached (%zu)", w.max_live);
    for (int i = 0; i < N; i++)
        free(phones[i]);
    free(id);
}

/* ================================================================ two copies */

/* Starts another copy of the scheduler binary the stack runs, with extra
 * environment (NAME=value strings, NULL-terminated). */
static pid_t spawn_scheduler(const char *const *extra, const char *log_name)
{
    char path[512], line[1024], bin[512] = "";
    snprintf(path, sizeof(path), "%s/stack.env", th_env("STACK_DIR"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "BIN_DIR=", 8) == 0)
            snprintf(bin, sizeof(bin), "%.*s/scheduler", (int)strcspn(line + 8, "\n"), line + 8);
    fclose(f);
    cr_assert(bin[0], "BIN_DIR missing from stack.env");
    char db[512], port[16], log[512];
    snprintf(db, sizeof(db), th_env("OC_PG_URL_BASE"), "oc_scheduler");
    snprintf(port, sizeof(port), "%d", th_free_port(SOCK_STREAM, false));
    snprintf(log, sizeof(log), "%s/logs/%s.log", th_env("STACK_DIR"), log_name);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("DATABASE_URL", db, 1);
        setenv("ADMIN_PORT", port, 1);
        setenv("SERVICE_INSTANCE", log_name, 1);
        for (size_t i = 0; extra && extra[i]; i++)
            putenv((char *)extra[i]);
        FILE *out = freopen(log, "a", stdout);
        if (out)
            dup2(fileno(stdout), 2);
        execl(bin, "scheduler", (char *)NULL);
        _exit(127);
    }
    /* Ready when it answers its health subject, not only the stack's copy:
     * give it the time its start-up takes. */
    sleep_ms(1500);
    if (F->n_copies < 4)
        F->copies[F->n_copies++] = pid;
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the second scheduler exited at once (see %s)",
                 log);
    return pid;
}

static void stop_scheduler(pid_t pid, int sig)
{
    kill(pid, sig);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < F->n_copies; i++)
        if (F->copies[i] == pid)
            F->copies[i] = 0;
}

/* How many jobs of the campaign the JOBS stream holds per call (nobody took them). */
static size_t jobs_in_stream(const char *campaign, const char *call_id)
{
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    size_t n = 0;
    cr_assert_eq(natsConnection_JetStream(&js, oc_bus_nats(F->bus), NULL), NATS_OK);
    cr_assert_eq(js_GetStreamInfo(&si, js, "JOBS", NULL, &jerr), NATS_OK);
    for (uint64_t seq = si->State.FirstSeq; seq && seq <= si->State.LastSeq; seq++) {
        natsMsg *m = NULL;
        if (js_GetMsg(&m, js, "JOBS", seq, NULL, &jerr) != NATS_OK)
            continue;
        Ocpb__CallJob *job = ocpb__call_job__unpack(NULL, (size_t)natsMsg_GetDataLength(m),
                                                    (const uint8_t *)natsMsg_GetData(m));
        if (job && strcmp(job->campaign_id, campaign) == 0 &&
            (!call_id || strcmp(job->call_id, call_id) == 0))
            n++;
        if (job)
            ocpb__call_job__free_unpacked(job, NULL);
        natsMsg_Destroy(m);
    }
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    return n;
}

Test(scheduler, two_copies_never_dispatch_a_call_twice)
{
    hold_dialer();
    const char *extra[] = {"SCHEDULER_BATCH=20", "SCHEDULER_DISPATCHERS=2", NULL};
    pid_t second = spawn_scheduler(extra, "scheduler-copy");
    pid_t third = spawn_scheduler(extra, "scheduler-copy-killed");
    struct campaign_opts o = {.max_concurrent = 100000};
    char *id = create_campaign(&o);
    enum { N = 300 };
    static char *phones[N];
    for (int i = 0; i < N; i++)
        phones[i] = phone();
    add_leads(id, phones, N, NULL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED, N, WAIT_MS);
    campaign_verb("start", id);
    /* One copy dies in the middle of dispatching. */
    sleep_ms(150);
    stop_scheduler(third, SIGKILL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, N, 60000);
    stop_scheduler(second, SIGTERM);

    struct calls *all = list_calls(id, NULL, 0, NULL);
    cr_assert_eq(all->n, N);
    size_t in_stream = jobs_in_stream(id, NULL);
    for (size_t i = 0; i < all->n; i++) {
        Ocpb__Call *c = get_call(all->v[i]->id);
        size_t queued = 0;
        for (size_t k = 0; k < c->n_transitions; k++)
            queued += c->transitions[k]->to == OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
        cr_expect_eq(queued, 1, "call %s was queued %zu times", c->id, queued);
        char want[64];
        snprintf(want, sizeof(want), "%s:1", c->id);
        cr_expect_str_eq(c->dispatch_id, want);
        ocpb__call__free_unpacked(c, NULL);
    }
    cr_expect_eq(in_stream, N, "the work queue holds %zu jobs for %d calls", in_stream, N);
    calls_free(all);
    for (int i = 0; i < N; i++)
        free(phones[i]);
    free(id);
}

Test(scheduler, a_dialled_attempt_the_dispatcher_never_recorded_is_followed)
{
    /* A dispatcher that died between publishing a job and committing leaves
     * the call created while the dialer places it: the dialer's reports of
     * that attempt (<call>:1) are followed, not dropped. The campaign stays a
     * draft so that no dispatcher records the attempt itself. */
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED, 1, WAIT_MS);
    Ocpb__Call *call = only_call(id, OCPB__CALL_STATUS__CALL_STATUS_CREATED);
    char attempt[64];
    snprintf(attempt, sizeof(attempt), "%s:1", call->id);
    char *unpacked = call->dispatch_id;
    call->dispatch_id = attempt;
    progress(call, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_CALLING, 1, WAIT_MS);
    end_call(call, true, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP,
             OCPB__AMD_RESULT__AMD_RESULT_HUMAN);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_COMPLETED, 1, WAIT_MS);
    Ocpb__Call *done = get_call(call->id);
    cr_expect_str_eq(done->dispatch_id, attempt);
    cr_expect_eq(done->attempt, 1);
    ocpb__call__free_unpacked(done, NULL);
    call->dispatch_id = unpacked;
    ocpb__call__free_unpacked(call, NULL);
    free(id);
    free(p);
}

/* ================================================================ reconciliation */

Test(scheduler, calls_stuck_past_the_timeout_are_reconciled)
{
    hold_dialer();
    /* A copy with short timeouts does the reconciling; the stack's copy
     * rests meanwhile so that it does not dispatch with its own settings. */
    cr_assert_eq(th_stack("stop-service scheduler >/dev/null 2>&1"), 0);
    F->scheduler_held = true;
    const char *extra[] = {"SCHEDULER_JOB_TTL_S=5", "SCHEDULER_QUEUED_GRACE_S=1",
                           "SCHEDULER_CALLING_TIMEOUT_S=5", NULL};
    pid_t copy = spawn_scheduler(extra, "scheduler-reconcile");
    char *id = create_campaign(NULL);
    char *ph[2] = {phone(), phone()};
    add_leads(id, ph, 2, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 2, WAIT_MS);
    struct calls *q = list_calls(id, LIVE, 3, NULL);
    cr_assert_eq(q->n, 2);
    Ocpb__Call *dialled = get_call(q->v[0]->id);
    Ocpb__Call *untaken = get_call(q->v[1]->id);
    calls_free(q);
    /* The "dialer" reports dialling one call and then vanishes. */
    progress(dialled, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING);

    /* The untaken job expires: the call is dispatched again with a new id. */
    char want[64];
    snprintf(want, sizeof(want), "%s:2", untaken->id);
    long long give_up = th_now_ms() + 30000;
    Ocpb__Call *again = NULL;
    while (th_now_ms() < give_up) {
        again = get_call(untaken->id);
        if (strcmp(again->dispatch_id, want) == 0)
            break;
        ocpb__call__free_unpacked(again, NULL);
        again = NULL;
        sleep_ms(200);
    }
    cr_assert_not_null(again, "the expired job was not dispatched again");
    cr_expect_eq(again->attempt, 1, "an undialled job counted as an attempt");
    ocpb__call__free_unpacked(again, NULL);
    cr_expect_geq(jobs_in_stream(id, untaken->id), 2);

    /* The dialled call is failed and retried. */
    struct next_arg n = {dialled->id, 0};
    cr_assert(th_wait_until(has_child, &n, 30000), "the stuck call was not retried");
    Ocpb__Call *failed = get_call(dialled->id);
    cr_expect_eq(failed->status, OCPB__CALL_STATUS__CALL_STATUS_FAILED);
    ocpb__call__free_unpacked(failed, NULL);

    stop_scheduler(copy, SIGTERM);
    cr_expect_eq(th_stack("start-service scheduler >/dev/null 2>&1"), 0);
    F->scheduler_held = false;
    ocpb__call__free_unpacked(dialled, NULL);
    ocpb__call__free_unpacked(untaken, NULL);
    free(ph[0]);
    free(ph[1]);
    free(id);
}

/* ================================================================ a cancel that crosses the INVITE
 */

/* A dialer copy's dialer.<instance>.hangup: records which call it was told to end. */
static enum oc_status standin_hangup(struct oc_request *r, const ProtobufCMessage *in,
                                     ProtobufCMessage **out)
{
    const Ocpb__HangupCallRequest *q = (const Ocpb__HangupCallRequest *)in;
    Ocpb__HangupCallReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__hangup_call_reply__init(rep);
    pthread_mutex_lock(&F->mu);
    snprintf(F->hung_up, sizeof(F->hung_up), "%s", q->call_id ? q->call_id : "");
    pthread_mutex_unlock(&F->mu);
    *out = &rep->base;
    return OC_OK;
}

static bool hung_up(void *id)
{
    pthread_mutex_lock(&F->mu);
    bool yes = strcmp(F->hung_up, id) == 0;
    pthread_mutex_unlock(&F->mu);
    return yes;
}

/*
 * A queued call canceled (say, its number added to the do-not-call list) in
 * the moment after the dialer's calls.dialable said yes: the dialer reports
 * the INVITE it sent. The call stays canceled, and the dialer copy that
 * placed it is told to end it.
 */
Test(scheduler, a_call_canceled_as_its_attempt_is_placed_is_hung_up)
{
    hold_dialer();
    char *id = create_campaign(NULL);
    char *p = phone();
    add_leads(id, &p, 1, NULL);
    campaign_verb("start", id);
    wait_status(id, OCPB__CALL_STATUS__CALL_STATUS_QUEUED, 1, WAIT_MS);
    Ocpb__CallStatus queued = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
    struct calls *q = list_calls(id, &queued, 1, NULL);
    cr_assert_eq(q->n, 1);
    Ocpb__Call *c = get_call(q->v[0]->id);
    calls_free(q);

    char instance[64], subject[96];
    snprintf(instance, sizeof(instance), "sched-test-%d", (int)getpid());
    snprintf(subject, sizeof(subject), "dialer.%s.hangup", instance);
    struct oc_bus *dialer = th_bus();
    struct oc_handler h = {subject, &ocpb__hangup_call_request__descriptor, standin_hangup};
    cr_assert_eq(oc_bus_serve(dialer, subject, &h, 1, F), OC_OK);

    Ocpb__CancelCallRequest cq = OCPB__CANCEL_CALL_REQUEST__INIT;
    cq.id = c->id;
    cq.reason = "asked not to be called";
    Ocpb__CancelCallReply *xr = ok("calls.cancel", &cq.base, &ocpb__cancel_call_reply__descriptor);
    cr_assert_eq(xr->call->status, OCPB__CALL_STATUS__CALL_STATUS_CANCELED);
    ocpb__cancel_call_reply__free_unpacked(xr, NULL);

    /* The INVITE of the attempt, as that dialer copy reports it. */
    char eid[37], msg_id[128];
    Ocpb__CallProgress pr = OCPB__CALL_PROGRESS__INIT;
    pr.meta = meta_now(eid);
    pr.call_id = c->id;
    pr.dispatch_id = c->dispatch_id;
    pr.kind = OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING;
    pr.campaign_id = c->campaign_id;
    pr.lead_id = c->lead_id;
    pr.dialer_instance_id = instance;
    snprintf(msg_id, sizeof(msg_id), "progress:%s:dialing", c->dispatch_id);
    cr_assert_eq(oc_js_publish(F->bus, "calls.progress", &pr.base, msg_id, NULL), OC_OK);

    cr_assert(th_wait_until(hung_up, c->id, WAIT_MS),
              "the dialer copy placing the canceled call was not told to end it");
    Ocpb__Call *after = get_call(c->id);
    cr_expect_eq(after->status, OCPB__CALL_STATUS__CALL_STATUS_CANCELED,
                 "the canceled call moved on to %d", after->status);
    ocpb__call__free_unpacked(after, NULL);

    oc_bus_free(dialer);
    ocpb__call__free_unpacked(c, NULL);
    free(p);
    free(id);
}
