/*
 * The voice path against the running stack: dialer and media over NATS,
 * with a real SIP peer. The called parties are sipp scenarios
 * (tests/e2e/sipp/NAME.xml) and the sandbox carrier (tools/sandbox-carrier),
 * each started by the test on a free loopback port. A test plays the
 * scheduler's dispatcher: it publishes a CallJob to jobs.call, then watches
 * what the dialer and media report (evt.<tenant>.call.progress on core
 * NATS, and calls.ended on JetStream, which carries the transcript). The
 * dialer dials a job only when the real scheduler says its call is still
 * wanted (calls.dialable), so each job's call is first created in the
 * scheduler, as a manual call of a draft campaign (which no dispatcher
 * touches): the job <call_id>:1 is then its next attempt.
 *
 * Needs sipp (Debian's sip-tester) on PATH and, for the carrier test,
 * $BUILD/bin/sandbox-carrier (BUILD as scripts/run-tests.sh exports it).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "oc/crypto.h"
#include "proto/assistants.pb-c.h"
#include "proto/dialer.pb-c.h"
#include "proto/media.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define VOICE_MAX_SEEN 64
#define GREETING "Hello, this is Ana from Acme. Do you have a minute?"

/* ================================================================ helpers */

static char *voice_uuid(void)
{
    char *id = malloc(37);
    cr_assert_not_null(id);
    cr_assert_eq(oc_uuid_v4(id), OC_OK);
    return id;
}

/* Where the repository's files are: the working directory (run-tests.sh
 * runs from the root), else relative to this file. */
static const char *repo_path(const char *rel, char *out, size_t cap)
{
    snprintf(out, cap, "%s", rel);
    if (access(out, R_OK) == 0)
        return out;
    snprintf(out, cap, "%s/../../%s", ".", rel);
    return out;
}

/* Starts sipp with a scenario of tests/e2e/sipp on a free port; *port is its SIP port. */
static void sipp_start(struct th_child *c, const char *scenario, int *port)
{
    char path[512], rel[128], p[16], mp[16];
    snprintf(rel, sizeof(rel), "tests/e2e/sipp/%s", scenario);
    repo_path(rel, path, sizeof(path));
    *port = th_free_port(SOCK_DGRAM, false);
    snprintf(p, sizeof(p), "%d", *port);
    snprintf(mp, sizeof(mp), "%d", th_free_port(SOCK_DGRAM, true));
    char *const argv[] = {"sipp", "-sf",       path, "-i", "127.0.0.1", "-p",       p,     "-mp",
                          mp,     "-rtp_echo", "-m", "1",  "-nostdin",  "-timeout", "60s", NULL};
    th_child_start(c, NULL, argv);
    cr_assert(th_wait_udp_bound(*port, 10000), "sipp is not listening on %d (log %s)", *port,
              c->log);
}

/* ------------------------------------------------------------ what comes back */

struct seen {
    pthread_mutex_t mu;
    char tenant[37];
    Ocpb__CallProgress *progress[VOICE_MAX_SEEN];
    int n_progress;
    Ocpb__CallEnded *ended[VOICE_MAX_SEEN]; /* from calls.ended (JetStream) */
    int n_ended;
};

static void on_progress(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    struct seen *s = closure;
    Ocpb__CallProgress *p = ocpb__call_progress__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                                        (const uint8_t *)natsMsg_GetData(msg));
    pthread_mutex_lock(&s->mu);
    if (p && s->n_progress < VOICE_MAX_SEEN)
        s->progress[s->n_progress++] = p;
    else if (p)
        ocpb__call_progress__free_unpacked(p, NULL);
    pthread_mutex_unlock(&s->mu);
    natsMsg_Destroy(msg);
}

static enum oc_status on_ended(void *user, const char *subject, const uint8_t *data, size_t len,
                               uint64_t delivered)
{
    (void)subject;
    (void)delivered;
    struct seen *s = user;
    Ocpb__CallEnded *e = ocpb__call_ended__unpack(NULL, len, data);
    if (!e)
        return OC_OK;
    pthread_mutex_lock(&s->mu);
    if (e->meta && strcmp(e->meta->tenant_id, s->tenant) == 0 && s->n_ended < VOICE_MAX_SEEN)
        s->ended[s->n_ended++] = e;
    else
        ocpb__call_ended__free_unpacked(e, NULL);
    pthread_mutex_unlock(&s->mu);
    return OC_OK;
}

struct voice {
    struct oc_bus *bus;
    natsSubscription *sub;
    struct oc_consumer *consumer;
    struct seen seen;
    char *number_id;
    char *campaign_id; /* the draft campaign of the calls, made on the first job */
    struct th_child peer;
    bool peer_started;
};

static void voice_setup(struct voice *v)
{
    memset(v, 0, sizeof(*v));
    v->bus = th_bus();
    pthread_mutex_init(&v->seen.mu, NULL);
    char *tenant = voice_uuid();
    snprintf(v->seen.tenant, sizeof(v->seen.tenant), "%s", tenant);
    free(tenant);

    char subject[128];
    snprintf(subject, sizeof(subject), "evt.%s.call.progress", v->seen.tenant);
    cr_assert_eq(
        natsConnection_Subscribe(&v->sub, oc_bus_nats(v->bus), subject, on_progress, &v->seen),
        NATS_OK);
    natsConnection_Flush(oc_bus_nats(v->bus));

    /* A durable consumer of its own per test: every copy of the tests can
     * read the whole stream and keep what belongs to its tenant. */
    char durable[64];
    snprintf(durable, sizeof(durable), "test-voice-%d-%lld", (int)getpid(), th_now_ms());
    const struct oc_consumer_config cc = {
        .stream = "CALLS", .durable = durable, .filter_subject = "calls.ended", .batch = 50};
    enum oc_status st = OC_ERR_UNAVAILABLE;
    /* The stream exists once dialer or media started; allow them a moment. */
    for (int i = 0; i < 50 && st != OC_OK; i++) {
        st = oc_consumer_start(&v->consumer, v->bus, &cc, on_ended, &v->seen);
        if (st != OC_OK)
            usleep(100000);
    }
    cr_assert_eq(st, OC_OK, "cannot consume calls.ended");
}

static void voice_teardown(struct voice *v)
{
    if (v->peer_started)
        th_child_wait(&v->peer, 0);
    oc_consumer_stop(v->consumer);
    natsSubscription_Destroy(v->sub);
    for (int i = 0; i < v->seen.n_progress; i++)
        ocpb__call_progress__free_unpacked(v->seen.progress[i], NULL);
    for (int i = 0; i < v->seen.n_ended; i++)
        ocpb__call_ended__free_unpacked(v->seen.ended[i], NULL);
    free(v->number_id);
    free(v->campaign_id);
    oc_bus_free(v->bus);
}

/* numbers.create for a SIP trunk at 127.0.0.1:port, with digest credentials when user is set. */
static char *create_number_auth(struct voice *v, int port, const char *user, const char *password)
{
    Ocpb__CreateNumberRequest req = OCPB__CREATE_NUMBER_REQUEST__INIT;
    Ocpb__PhoneNumber n = OCPB__PHONE_NUMBER__INIT;
    Ocpb__NumberCredentials cred = OCPB__NUMBER_CREDENTIALS__INIT;
    if (user) {
        cred.username = (char *)user;
        cred.password = (char *)password;
        req.credentials = &cred;
    }
    Ocpb__CreateNumberReply *reply = NULL;
    char trunk[64], err[256];
    snprintf(trunk, sizeof(trunk), "sip:127.0.0.1:%d", port);
    n.kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
    n.caller_id = "+34910000000";
    n.trunk = trunk;
    n.label = "test trunk";
    req.number = &n;
    struct oc_call call = {.tenant_id = v->seen.tenant};
    enum oc_status st = oc_bus_call(v->bus, "numbers.create", &call, &req.base,
                                    &ocpb__create_number_reply__descriptor, NULL,
                                    (ProtobufCMessage **)&reply, err, sizeof(err));
    cr_assert_eq(st, OC_OK, "numbers.create: %s", err);
    char *id = strdup(reply->number->id);
    ocpb__create_number_reply__free_unpacked(reply, NULL);
    return id;
}

static char *create_number(struct voice *v, int port)
{
    return create_number_auth(v, port, NULL, NULL);
}

/* A request in the test's tenant that must succeed; the reply (caller frees). */
static void *voice_ok(struct voice *v, const char *subject, const ProtobufCMessage *req,
                      const ProtobufCMessageDescriptor *desc)
{
    void *reply = NULL;
    char err[256] = "";
    struct oc_call call = {.tenant_id = v->seen.tenant, .timeout_ms = 10000};
    enum oc_status st = oc_bus_call(v->bus, subject, &call, req, desc, NULL,
                                    (ProtobufCMessage **)&reply, err, sizeof(err));
    cr_assert_eq(st, OC_OK, "%s: %s: %s", subject, oc_status_code(st), err);
    return reply;
}

/* The draft campaign of the test's calls, with an assistant and the number
 * the test created (v->number_id). */
static const char *voice_campaign(struct voice *v)
{
    if (v->campaign_id)
        return v->campaign_id;
    cr_assert_not_null(v->number_id, "create the number before the first job");
    Ocpb__Assistant a = OCPB__ASSISTANT__INIT;
    Ocpb__CreateAssistantRequest qa = OCPB__CREATE_ASSISTANT_REQUEST__INIT;
    a.name = "voice test";
    a.language = OCPB__LANGUAGE__LANGUAGE_EN;
    a.greeting = GREETING;
    qa.assistant = &a;
    Ocpb__CreateAssistantReply *ra =
        voice_ok(v, "assistants.create", &qa.base, &ocpb__create_assistant_reply__descriptor);

    Ocpb__Campaign c = OCPB__CAMPAIGN__INIT;
    Ocpb__CreateCampaignRequest qc = OCPB__CREATE_CAMPAIGN_REQUEST__INIT;
    c.name = "voice test";
    c.assistant_id = ra->assistant->id;
    c.number_id = v->number_id;
    c.default_region = "ES";
    c.timezone = "Europe/Madrid";
    qc.campaign = &c;
    Ocpb__CreateCampaignReply *rc =
        voice_ok(v, "campaigns.create", &qc.base, &ocpb__create_campaign_reply__descriptor);
    cr_assert_eq(rc->campaign->state, OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_DRAFT);
    v->campaign_id = strdup(rc->campaign->id);
    ocpb__create_campaign_reply__free_unpacked(rc, NULL);
    ocpb__create_assistant_reply__free_unpacked(ra, NULL);
    return v->campaign_id;
}

/* A manual call to phone in the draft campaign: created, never dispatched
 * by the scheduler itself. Returns its id (caller frees). */
static char *voice_call(struct voice *v, const char *phone)
{
    Ocpb__CreateCallRequest q = OCPB__CREATE_CALL_REQUEST__INIT;
    char *lead_id = voice_uuid();
    q.campaign_id = (char *)voice_campaign(v);
    q.lead_id = lead_id;
    q.phone_e164 = (char *)phone;
    q.reason = "voice test";
    Ocpb__CreateCallReply *r =
        voice_ok(v, "calls.create", &q.base, &ocpb__create_call_reply__descriptor);
    cr_assert_eq(r->call->status, OCPB__CALL_STATUS__CALL_STATUS_CREATED);
    char *id = strdup(r->call->id);
    ocpb__create_call_reply__free_unpacked(r, NULL);
    free(lead_id);
    return id;
}

struct job_opts {
    const char *phone;
    int trunk_port;
    int ring_timeout_s;
    const char *msg_id;      /* NULL: the dispatch id */
    const char *call_id;     /* NULL: a new call, created in the scheduler */
    const char *dispatch_id; /* NULL: <call_id>:1 */
    const char *closing;
};

/* Publishes a CallJob as the scheduler's dispatcher would; returns its call id (caller frees). */
static char *publish_job(struct voice *v, const struct job_opts *o)
{
    Ocpb__CallJob job = OCPB__CALL_JOB__INIT;
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__Lead lead = OCPB__LEAD__INIT;
    Ocpb__AssistantSnapshot snap = OCPB__ASSISTANT_SNAPSHOT__INIT;
    Ocpb__Assistant as = OCPB__ASSISTANT__INIT;
    Ocpb__Script script = OCPB__SCRIPT__INIT;
    Ocpb__ScriptLine line1 = OCPB__SCRIPT_LINE__INIT, line2 = OCPB__SCRIPT_LINE__INIT;
    Ocpb__ScriptLine *lines[] = {&line1, &line2};
    Ocpb__CallerLine caller = OCPB__CALLER_LINE__INIT;
    char trunk[64], dispatch[96];
    char *call_id = o->call_id ? strdup(o->call_id) : voice_call(v, o->phone);
    char *event_id = voice_uuid();
    char *lead_id = voice_uuid();

    snprintf(trunk, sizeof(trunk), "sip:127.0.0.1:%d", o->trunk_port);
    snprintf(dispatch, sizeof(dispatch), "%s", o->dispatch_id ? o->dispatch_id : "");
    if (!o->dispatch_id)
        snprintf(dispatch, sizeof(dispatch), "%s:1", call_id);
    meta.event_id = event_id;
    meta.tenant_id = v->seen.tenant;
    meta.occurred_unix_ms = th_now_ms();
    meta.request_id = event_id;
    lead.id = lead_id;
    lead.name = "Maria Garcia";
    lead.first_name = "Maria";
    lead.phone_e164 = (char *)o->phone;
    lead.timezone = "Europe/Madrid";
    lead.region = "ES";
    line1.text = "We help sales teams call every lead on time.";
    line2.text = "Would a short demo next week be useful?";
    script.objective = "book a demo";
    script.lines = lines;
    script.n_lines = 2;
    script.closing_line = (char *)(o->closing ? o->closing : "Thank you, goodbye.");
    as.id = lead_id;
    as.name = "test agent";
    as.language = OCPB__LANGUAGE__LANGUAGE_EN;
    as.greeting = GREETING;
    as.script = &script;
    as.version = 1;
    snap.assistant = &as;
    caller.number_id = v->number_id;
    caller.kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
    caller.caller_id = "+34910000000";
    caller.trunk = trunk;
    job.meta = &meta;
    job.call_id = call_id;
    job.dispatch_id = dispatch;
    job.campaign_id = (char *)voice_campaign(v);
    job.kind = OCPB__CALL_KIND__CALL_KIND_FIRST;
    job.attempt = 1;
    job.lead = &lead;
    job.phone_e164 = (char *)o->phone;
    job.assistant = &snap;
    job.caller = &caller;
    job.ring_timeout_s = o->ring_timeout_s;

    enum oc_status st =
        oc_js_publish(v->bus, "jobs.call", &job.base, o->msg_id ? o->msg_id : dispatch, NULL);
    cr_assert_eq(st, OC_OK, "jobs.call: %s", oc_status_text(st));
    free(event_id);
    free(lead_id);
    return call_id;
}

struct wait_arg {
    struct seen *s;
    const char *call_id;
    Ocpb__CallProgressKind kind;
};

static int count_progress(struct seen *s, const char *call_id, Ocpb__CallProgressKind kind)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_progress; i++)
        if (strcmp(s->progress[i]->call_id, call_id) == 0 && s->progress[i]->kind == kind)
            n++;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* True when every progress report of call_id names the dialer copy placing
 * it (the scheduler ends a call canceled mid-placement through that copy). */
static bool progress_names_its_dialer(struct seen *s, const char *call_id)
{
    bool all = true;
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_progress; i++) {
        if (strcmp(s->progress[i]->call_id, call_id) != 0)
            continue;
        n++;
        all = all && s->progress[i]->dialer_instance_id && *s->progress[i]->dialer_instance_id;
    }
    pthread_mutex_unlock(&s->mu);
    return n > 0 && all;
}

static bool progress_seen(void *p)
{
    struct wait_arg *a = p;
    return count_progress(a->s, a->call_id, a->kind) > 0;
}

static Ocpb__CallEnded *find_ended(struct seen *s, const char *call_id)
{
    Ocpb__CallEnded *e = NULL;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_ended && !e; i++)
        if (strcmp(s->ended[i]->call_id, call_id) == 0)
            e = s->ended[i];
    pthread_mutex_unlock(&s->mu);
    return e;
}

static bool ended_seen(void *p)
{
    struct wait_arg *a = p;
    return find_ended(a->s, a->call_id) != NULL;
}

static void expect_progress(struct voice *v, const char *call_id, Ocpb__CallProgressKind kind,
                            int timeout_ms)
{
    struct wait_arg a = {&v->seen, call_id, kind};
    cr_assert(
        th_wait_until(progress_seen, &a, timeout_ms), "no %s progress for call %s",
        protobuf_c_enum_descriptor_get_value(&ocpb__call_progress_kind__descriptor, kind)->name,
        call_id);
}

static Ocpb__CallEnded *expect_ended(struct voice *v, const char *call_id, int timeout_ms)
{
    struct wait_arg a = {&v->seen, call_id, 0};
    cr_assert(th_wait_until(ended_seen, &a, timeout_ms), "no calls.ended for call %s", call_id);
    return find_ended(&v->seen, call_id);
}

/* The order in which progress kinds of a call arrived, as a string "1,2,3,7". */
static void progress_order(struct seen *s, const char *call_id, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_progress; i++)
        if (strcmp(s->progress[i]->call_id, call_id) == 0)
            n += (size_t)snprintf(out + n, cap - n, "%s%d", n ? "," : "", s->progress[i]->kind);
    pthread_mutex_unlock(&s->mu);
}

/* A minimal allocation request for media.allocate. */
static Ocpb__AllocateMediaReply *allocate(struct oc_bus *bus, const char *tenant,
                                          const char *call_id, const char *dispatch_id,
                                          enum oc_status *status)
{
    Ocpb__AllocateMediaRequest req = OCPB__ALLOCATE_MEDIA_REQUEST__INIT;
    Ocpb__AssistantSnapshot snap = OCPB__ASSISTANT_SNAPSHOT__INIT;
    Ocpb__Assistant as = OCPB__ASSISTANT__INIT;
    Ocpb__AllocateMediaReply *reply = NULL;
    char err[256];
    as.greeting = "Hello.";
    as.language = OCPB__LANGUAGE__LANGUAGE_EN;
    snap.assistant = &as;
    req.call_id = (char *)call_id;
    req.dispatch_id = (char *)dispatch_id;
    req.transport = OCPB__MEDIA_TRANSPORT__MEDIA_TRANSPORT_RTP;
    req.assistant = &snap;
    req.phone_e164 = "+34910000001";
    struct oc_call call = {.tenant_id = tenant};
    *status = oc_bus_call(bus, "media.allocate", &call, &req.base,
                          &ocpb__allocate_media_reply__descriptor, NULL,
                          (ProtobufCMessage **)&reply, err, sizeof(err));
    return *status == OC_OK ? reply : NULL;
}

/* ================================================================ tests */

Test(voice, media_allocate_answers_with_an_rtp_address)
{
    struct oc_bus *bus = th_bus();
    char *tenant = voice_uuid(), *call_id = voice_uuid();
    char dispatch[64];
    snprintf(dispatch, sizeof(dispatch), "%s:1", call_id);
    enum oc_status st;

    Ocpb__AllocateMediaReply *r = allocate(bus, tenant, call_id, dispatch, &st);
    cr_assert_eq(st, OC_OK, "media.allocate: %s", oc_status_text(st));
    cr_assert_str_eq(r->rtp_address, "127.0.0.1");
    cr_assert_gt(r->rtp_port, 0);
    cr_assert_eq(r->rtp_port % 2, 0, "RTP takes an even port");
    cr_assert_gt(strlen(r->media_instance_id), 0);
    cr_assert_geq(r->n_codecs, 1);
    cr_assert_eq(r->codecs[0], OCPB__CODEC__CODEC_PCMU);

    /* Asking again for the same attempt gives the same session. */
    Ocpb__AllocateMediaReply *again = allocate(bus, tenant, call_id, dispatch, &st);
    cr_assert_eq(st, OC_OK);
    cr_assert_eq(again->rtp_port, r->rtp_port);
    cr_assert_str_eq(again->media_instance_id, r->media_instance_id);

    /* Another attempt of the same call while this one holds the session: refused. */
    allocate(bus, tenant, call_id, "other:2", &st);
    cr_assert_eq(st, OC_ERR_CONFLICT);

    /* The allocation is released by stop (the call was never answered). */
    char subject[160], err[256];
    snprintf(subject, sizeof(subject), "media.%s.stop", r->media_instance_id);
    Ocpb__StopMediaRequest stop = OCPB__STOP_MEDIA_REQUEST__INIT;
    stop.call_id = call_id;
    stop.cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER;
    struct oc_call call = {.tenant_id = tenant};
    st = oc_bus_call(bus, subject, &call, &stop.base, NULL, NULL, NULL, err, sizeof(err));
    cr_assert_eq(st, OC_OK, "%s: %s", subject, err);

    /* Bad requests are refused, not crashed on. */
    allocate(bus, tenant, "", dispatch, &st);
    cr_assert_eq(st, OC_ERR_INVALID);

    ocpb__allocate_media_reply__free_unpacked(r, NULL);
    ocpb__allocate_media_reply__free_unpacked(again, NULL);
    free(tenant);
    free(call_id);
    oc_bus_free(bus);
}

Test(voice, sip_numbers_are_created_read_and_listed)
{
    struct voice v;
    voice_setup(&v);
    char *id = create_number(&v, 5070);
    char err[256];
    struct oc_call call = {.tenant_id = v.seen.tenant};

    Ocpb__GetNumberRequest get = OCPB__GET_NUMBER_REQUEST__INIT;
    Ocpb__GetNumberReply *got = NULL;
    get.id = id;
    cr_assert_eq(oc_bus_call(v.bus, "numbers.get", &call, &get.base,
                             &ocpb__get_number_reply__descriptor, NULL, (ProtobufCMessage **)&got,
                             err, sizeof(err)),
                 OC_OK, "numbers.get: %s", err);
    cr_assert_str_eq(got->number->trunk, "sip:127.0.0.1:5070");
    cr_assert_str_eq(got->number->caller_id, "+34910000000");
    cr_assert_eq(got->number->kind, OCPB__NUMBER_KIND__NUMBER_KIND_SIP);
    cr_assert_not(got->number->has_credentials);

    /* With credentials: sealed, never shown. */
    Ocpb__CreateNumberRequest req = OCPB__CREATE_NUMBER_REQUEST__INIT;
    Ocpb__PhoneNumber n = OCPB__PHONE_NUMBER__INIT;
    Ocpb__NumberCredentials cred = OCPB__NUMBER_CREDENTIALS__INIT;
    Ocpb__CreateNumberReply *created = NULL;
    n.kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
    n.caller_id = "+34910000009";
    n.trunk = "sip:trunk.example.com;transport=tcp";
    cred.username = "acme";
    cred.password = "s3cret";
    req.number = &n;
    req.credentials = &cred;
    cr_assert_eq(oc_bus_call(v.bus, "numbers.create", &call, &req.base,
                             &ocpb__create_number_reply__descriptor, NULL,
                             (ProtobufCMessage **)&created, err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert(created->number->has_credentials);
    cr_assert_str_eq(created->number->trunk, "sip:trunk.example.com:5060;transport=tcp");

    /* A page of one, then the next. */
    Ocpb__ListNumbersRequest list = OCPB__LIST_NUMBERS_REQUEST__INIT;
    Ocpb__PageRequest page = OCPB__PAGE_REQUEST__INIT;
    Ocpb__ListNumbersReply *l1 = NULL, *l2 = NULL;
    page.limit = 1;
    list.page = &page;
    cr_assert_eq(oc_bus_call(v.bus, "numbers.list", &call, &list.base,
                             &ocpb__list_numbers_reply__descriptor, NULL, (ProtobufCMessage **)&l1,
                             err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(l1->n_numbers, 1);
    cr_assert_str_eq(l1->numbers[0]->id, id);
    cr_assert_gt(strlen(l1->page->next_cursor), 0);
    page.cursor = l1->page->next_cursor;
    cr_assert_eq(oc_bus_call(v.bus, "numbers.list", &call, &list.base,
                             &ocpb__list_numbers_reply__descriptor, NULL, (ProtobufCMessage **)&l2,
                             err, sizeof(err)),
                 OC_OK, "%s", err);
    cr_assert_eq(l2->n_numbers, 1);
    cr_assert_str_eq(l2->numbers[0]->id, created->number->id);
    cr_assert_str_eq(l2->page->next_cursor, "");

    /* Another tenant sees none of it. */
    char *other = voice_uuid();
    struct oc_call other_call = {.tenant_id = other};
    cr_assert_eq(oc_bus_call(v.bus, "numbers.get", &other_call, &get.base,
                             &ocpb__get_number_reply__descriptor, NULL, NULL, err, sizeof(err)),
                 OC_ERR_NOT_FOUND);

    /* A trunk that cannot be dialled is refused with a reason. */
    n.trunk = "sips:host";
    req.credentials = NULL;
    cr_assert_eq(oc_bus_call(v.bus, "numbers.create", &call, &req.base,
                             &ocpb__create_number_reply__descriptor, NULL, NULL, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert_not_null(strstr(err, "trunk"), "%s", err);

    ocpb__get_number_reply__free_unpacked(got, NULL);
    ocpb__create_number_reply__free_unpacked(created, NULL);
    ocpb__list_numbers_reply__free_unpacked(l1, NULL);
    ocpb__list_numbers_reply__free_unpacked(l2, NULL);
    free(other);
    free(id);
    voice_teardown(&v);
}

Test(voice, an_answered_call_greets_the_contact_and_ends_with_its_duration)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "answer_hangup.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000001", .trunk_port = port};
    char *call_id = publish_job(&v, &o);

    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED, 10000);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_HANGUP, 20000);
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 15000);

    char order[128];
    progress_order(&v.seen, call_id, order, sizeof(order));
    cr_assert_str_eq(order, "1,2,3,7", "dialing, ringing, answered, hang-up; got %s", order);
    cr_assert_eq(e->cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CONTACT_HANGUP);
    cr_assert_eq(e->sip_code, 200);
    cr_assert_gt(strlen(e->media_instance_id), 0, "media reported the call");
    cr_assert_gt(e->answered_unix_ms, 0);
    cr_assert_geq(e->answered_unix_ms, e->dialed_unix_ms);
    /* sipp hangs up 8 s after its answer. */
    cr_assert_geq(e->duration_ms, 6000, "duration %lld ms", (long long)e->duration_ms);
    cr_assert_leq(e->duration_ms, 12000, "duration %lld ms", (long long)e->duration_ms);
    cr_assert_eq(e->ended_unix_ms - e->answered_unix_ms, e->duration_ms);
    cr_assert_str_eq(e->phone_e164, "+34910000001");
    cr_assert_str_eq(e->contact_name, "Maria Garcia");

    cr_assert_geq(e->n_transcript, 1, "a transcript");
    Ocpb__TranscriptTurn *first = e->transcript[0];
    cr_assert_eq(first->speaker, OCPB__SPEAKER__SPEAKER_AGENT);
    cr_assert_str_eq(first->text, GREETING);
    cr_assert_lt(first->start_ms, 1500, "the greeting starts at once (%lld ms)",
                 (long long)first->start_ms);
    cr_assert_gt(first->end_ms, first->start_ms + 1500, "and lasts as long as it is said");
    for (size_t i = 1; i < e->n_transcript; i++)
        cr_assert_geq(e->transcript[i]->start_ms, e->transcript[i - 1]->start_ms, "turns in order");

    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp saw its call succeed (log %s)", v.peer.log);
    v.peer_started = false;
    free(call_id);
    voice_teardown(&v);
}

Test(voice, a_busy_contact_ends_the_attempt_as_busy)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "busy.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000002", .trunk_port = port};
    char *call_id = publish_job(&v, &o);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_BUSY, 10000);
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 10000);
    cr_assert_eq(e->cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY);
    cr_assert_eq(e->sip_code, 486);
    cr_assert_eq(e->answered_unix_ms, 0);
    cr_assert_eq(e->duration_ms, 0);
    cr_assert_eq(e->n_transcript, 0);
    cr_assert_str_eq(e->media_instance_id, "", "the dialer reported it");
    cr_assert_eq(
        count_progress(&v.seen, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED), 0);
    cr_assert(progress_names_its_dialer(&v.seen, call_id),
              "a progress report does not name the dialer copy");
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp saw its call succeed (log %s)", v.peer.log);
    v.peer_started = false;
    free(call_id);
    voice_teardown(&v);
}

Test(voice, a_contact_who_never_answers_is_canceled_after_the_ring_timeout)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "no_answer.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000003", .trunk_port = port, .ring_timeout_s = 2};
    long long t0 = th_now_ms();
    char *call_id = publish_job(&v, &o);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_RINGING, 10000);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_NO_ANSWER, 15000);
    cr_assert_geq(th_now_ms() - t0, 2000, "not before the ring timeout");
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 10000);
    cr_assert_eq(e->cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER);
    cr_assert_eq(e->sip_code, 487, "the CANCEL ended the INVITE");
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp saw the CANCEL (log %s)", v.peer.log);
    v.peer_started = false;
    free(call_id);
    voice_teardown(&v);
}

Test(voice, a_job_delivered_twice_is_dialled_once)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "busy.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000004", .trunk_port = port};
    char *call_id = publish_job(&v, &o);
    expect_ended(&v, call_id, 10000);

    /* The same attempt again, under another JetStream message id, as if it
     * were redelivered after the de-duplication window: the dialer finds
     * its leg and does not dial. */
    char again[128];
    snprintf(again, sizeof(again), "%s:1#again", call_id);
    o.call_id = call_id;
    o.msg_id = again;
    free(publish_job(&v, &o));
    usleep(2000000);
    cr_assert_eq(
        count_progress(&v.seen, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING), 1,
        "dialled once");
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp got exactly its one call (log %s)",
                 v.peer.log);
    v.peer_started = false;
    free(call_id);
    voice_teardown(&v);
}

Test(voice, a_job_whose_call_was_canceled_or_is_unknown_is_never_dialled)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    /* One call only: sipp exits after it, so a stray INVITE before the
     * wanted call would take its place and show. */
    sipp_start(&v.peer, "busy.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    /* A call canceled before its job arrives (as if canceled while the job
     * waited in the queue). */
    char *canceled = voice_call(&v, "+34910000041");
    Ocpb__CancelCallRequest cq = OCPB__CANCEL_CALL_REQUEST__INIT;
    cq.id = canceled;
    cq.reason = "the contact asked not to be called";
    Ocpb__CancelCallReply *cr =
        voice_ok(&v, "calls.cancel", &cq.base, &ocpb__cancel_call_reply__descriptor);
    cr_assert_eq(cr->call->status, OCPB__CALL_STATUS__CALL_STATUS_CANCELED);
    ocpb__cancel_call_reply__free_unpacked(cr, NULL);
    struct job_opts o = {.phone = "+34910000041", .trunk_port = port, .call_id = canceled};
    free(publish_job(&v, &o));

    /* A job for a call the scheduler never had. */
    char *unknown = voice_uuid();
    struct job_opts u = {.phone = "+34910000042", .trunk_port = port, .call_id = unknown};
    free(publish_job(&v, &u));

    /* A wanted call after them: the dialer takes jobs one at a time, in
     * order, so once this one is over the two before it were decided. */
    struct job_opts w = {.phone = "+34910000043", .trunk_port = port};
    char *wanted = publish_job(&v, &w);
    expect_progress(&v, wanted, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_BUSY, 15000);
    expect_ended(&v, wanted, 10000);

    for (int i = 0; i < 2; i++) {
        const char *id = i == 0 ? canceled : unknown;
        cr_assert_eq(th_jobs_queued(v.bus, id), 0, "the job of call %s was not acked", id);
        for (int k = OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING;
             k <= OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_HANGUP; k++)
            cr_assert_eq(count_progress(&v.seen, id, (Ocpb__CallProgressKind)k), 0,
                         "call %s: progress %d reported", id, k);
        cr_assert_null(find_ended(&v.seen, id), "call %s: an end was reported", id);
    }
    Ocpb__GetCallRequest gq = OCPB__GET_CALL_REQUEST__INIT;
    gq.id = canceled;
    Ocpb__GetCallReply *gr = voice_ok(&v, "calls.get", &gq.base, &ocpb__get_call_reply__descriptor);
    cr_assert_eq(gr->call->status, OCPB__CALL_STATUS__CALL_STATUS_CANCELED, "status %d",
                 gr->call->status);
    ocpb__get_call_reply__free_unpacked(gr, NULL);

    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp got exactly the wanted call (log %s)",
                 v.peer.log);
    v.peer_started = false;
    free(canceled);
    free(unknown);
    free(wanted);
    voice_teardown(&v);
}

/* A test that failed with the scheduler stopped leaves it running for the next. */
static void scheduler_back(void)
{
    th_stack("start-service scheduler >/dev/null 2>&1");
}

Test(voice, a_job_waits_undialled_while_the_scheduler_cannot_answer, .fini = scheduler_back)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "busy.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);
    char *call_id = voice_call(&v, "+34910000051");

    /* Nobody can say whether the call is still wanted: nothing is dialled,
     * and the job stays in the queue (nak'ed, its claim forgotten). */
    cr_assert_eq(th_stack("stop-service scheduler"), 0, "the scheduler exits cleanly on SIGTERM");
    struct job_opts o = {.phone = "+34910000051", .trunk_port = port, .call_id = call_id};
    free(publish_job(&v, &o));
    usleep(5000000); /* the question is asked, and asked again after the nak delay */
    cr_assert_eq(
        count_progress(&v.seen, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING), 0,
        "dialled without the scheduler's answer");
    cr_assert_null(find_ended(&v.seen, call_id), "the attempt was reported");
    cr_assert_eq(th_jobs_queued(v.bus, call_id), 1, "the job left the queue");

    /* The scheduler is back: the job comes back once more and is dialled. */
    cr_assert_eq(th_stack("start-service scheduler"), 0);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_BUSY, 15000);
    expect_ended(&v, call_id, 10000);
    cr_assert_eq(
        count_progress(&v.seen, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING), 1,
        "dialled once");
    cr_assert_eq(th_jobs_queued(v.bus, call_id), 0, "the job was acked");
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp got its one call (log %s)", v.peer.log);
    v.peer_started = false;
    free(call_id);
    voice_teardown(&v);
}

/* ------------------------------------------------------------ the sandbox carrier */

Test(voice, the_sandbox_carrier_hears_the_agent_and_the_contact_is_transcribed)
{
    struct th_carrier carrier;
    struct voice v;
    voice_setup(&v);
    th_carrier_start(&carrier, "+34910000011 answer ring_ms=300 then=wait reply_wait_ms=8000 say: "
                               "Hello, who is calling? | Yes, I am interested. Tell me more. | "
                               "Thursday at ten in the morning works for me.\n");
    v.peer = carrier.child; /* stopped by voice_teardown if the test fails */
    v.peer_started = true;
    int port = carrier.port;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000011", .trunk_port = port};
    char *call_id = publish_job(&v, &o);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED, 10000);
    /* Greeting, three contact lines, two script lines and the closing: about 30 s. */
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 90000);
    cr_assert_eq(e->cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP,
                 "the agent closed the call (cause %d)", e->cause);

    size_t agent = 0, contact = 0, contact_words = 0;
    bool closing = false;
    for (size_t i = 0; i < e->n_transcript; i++) {
        Ocpb__TranscriptTurn *t = e->transcript[i];
        if (t->speaker == OCPB__SPEAKER__SPEAKER_AGENT) {
            agent++;
            closing = closing || strcmp(t->text, "Thank you, goodbye.") == 0;
        } else {
            contact++;
            contact_words += strlen(t->text) > 0;
        }
    }
    cr_assert_str_eq(e->transcript[0]->text, GREETING);
    cr_assert_eq(agent, 4, "greeting, two lines and the closing (%zu agent turns)", agent);
    cr_assert(closing, "the closing line was said");
    cr_assert_geq(contact, 2, "the contact's speech reached the transcript (%zu turns)", contact);
    cr_assert_geq(contact_words, 2, "with the words speech-to-text made of it");

    /* The carrier heard the agent, and says so once the call is over. */
    struct th_carrier_arg ra = {carrier.results, "+34910000011"};
    cr_assert(th_wait_until(th_carrier_wrote, &ra, 5000), "the carrier wrote no result");
    char *r = th_carrier_result(carrier.results, "+34910000011");
    cr_assert_not_null(strstr(r, "\"heard_speech\":true"), "%s", r);
    cr_assert_not_null(strstr(r, "\"lines_said\":3"), "%s", r);
    cr_assert_not_null(strstr(r, "\"ended_by\":\"agent\""), "%s", r);
    free(r);

    v.peer_started = false;
    th_carrier_stop(&carrier);
    free(call_id);
    voice_teardown(&v);
}

/* ------------------------------------------------------------ a copy stops mid-call */

Test(voice, a_media_copy_stopping_mid_call_reports_it_and_the_call_is_hung_up)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "answer_wait.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000021", .trunk_port = port};
    char *call_id = publish_job(&v, &o);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED, 10000);
    usleep(2000000); /* in the middle of the greeting */

    cr_assert_eq(th_stack("stop-service media"), 0, "media exits cleanly on SIGTERM");
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 10000);
    cr_assert_eq(e->cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR);
    cr_assert_gt(strlen(e->media_instance_id), 0, "media reported it before it went");
    cr_assert_geq(e->n_transcript, 1);
    cr_assert_eq(e->transcript[0]->speaker, OCPB__SPEAKER__SPEAKER_AGENT);
    cr_assert(e->transcript[0]->interrupted, "the greeting was cut");
    cr_assert_geq(e->duration_ms, 1500);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_HANGUP, 10000);
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "the contact got a BYE (log %s)", v.peer.log);
    v.peer_started = false;

    cr_assert_eq(th_stack("start-service media"), 0);
    free(call_id);
    voice_teardown(&v);
}

Test(voice, a_dialer_copy_stopping_mid_call_hangs_up_and_the_call_is_reported)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "answer_wait.xml", &port);
    v.peer_started = true;
    v.number_id = create_number(&v, port);

    struct job_opts o = {.phone = "+34910000022", .trunk_port = port};
    char *call_id = publish_job(&v, &o);
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED, 10000);
    usleep(1000000);

    cr_assert_eq(th_stack("stop-service dialer"), 0, "the dialer exits cleanly on SIGTERM");
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "the contact got a BYE (log %s)", v.peer.log);
    v.peer_started = false;
    expect_progress(&v, call_id, OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_HANGUP, 5000);
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 10000);
    cr_assert_eq(e->cause, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR,
                 "cut by the platform: the scheduler retries it (cause %d)", e->cause);
    cr_assert_gt(strlen(e->media_instance_id), 0, "media still reported the call it ran");
    cr_assert_eq(e->answered_unix_ms > 0, true);
    cr_assert_geq(e->n_transcript, 1);

    cr_assert_eq(th_stack("start-service dialer"), 0);
    free(call_id);
    voice_teardown(&v);
}

/* ------------------------------------------------------------ a trunk with credentials */

static void call_through_auth_trunk(const char *password, Ocpb__HangupCause want, int want_code)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    struct voice v;
    voice_setup(&v);
    int port;
    sipp_start(&v.peer, "auth_busy.xml", &port);
    v.peer_started = true;
    v.number_id = create_number_auth(&v, port, "acme", password);

    struct job_opts o = {.phone = "+34910000031", .trunk_port = port};
    char *call_id = publish_job(&v, &o);
    Ocpb__CallEnded *e = expect_ended(&v, call_id, 10000);
    cr_assert_eq(e->cause, want, "cause %d", e->cause);
    cr_assert_eq(e->sip_code, want_code, "sip code %d", e->sip_code);
    cr_assert_eq(th_child_wait(&v.peer, 5000), 0, "sipp saw its call through (log %s)", v.peer.log);
    v.peer_started = false;
    free(call_id);
    voice_teardown(&v);
}

Test(voice, a_trunk_that_asks_for_credentials_gets_the_numbers_own)
{
    /* The password is sealed at rest and opened only to answer the challenge. */
    call_through_auth_trunk("s3cret", OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY, 486);
}

Test(voice, wrong_credentials_end_the_attempt_as_failed)
{
    call_through_auth_trunk("wrong", OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED, 403);
}
