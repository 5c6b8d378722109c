/*
 * bench/dispatch: how fast due calls become jobs on the work queue, with
 * the scheduler's own dispatcher (linked from services/scheduler), and
 * proof that no call was published twice.
 *
 * It loads BENCH_CALLS (default 100000) due calls of BENCH_CAMPAIGNS
 * running campaigns (default 1) into the scheduler schema, answers dnc.check_batch,
 * billing.reserve, numbers.get and assistants.snapshot itself on its own NATS connection, runs
 * BENCH_DISPATCHERS dispatchers (default 2, as two scheduler copies would; BENCH_BATCH calls per
 * round, default the service's SCHEDULER_BATCH) until every call is queued, and prints
 *   - calls per second from due to published (the jobs' stream holds them)
 *     and to queued (committed),
 *   - the jobs in the stream, the distinct call ids among them, and the
 *     calls queued more than once (all must say none was published twice).
 * Jobs go to a stream of the bench's own (BENCH_<pid>), never to jobs.call.
 *
 * It needs a Postgres and a nats-server that no service uses: a scheduler
 * would dispatch the bench's calls, and real services would answer the
 * subjects the bench plays. For example:
 *   STACK_DIR=/tmp/bench-stack STACK_SERVICES=" " STACK_FSYNC=off \
 *     NATS_PORT=24222 PG_PORT=25432 scripts/stack.sh start
 *   eval "$(STACK_DIR=/tmp/bench-stack scripts/stack.sh env)"
 *   build/bench/dispatch
 * Database: BENCH_DATABASE_URL, else OC_PG_URL_BASE with role oc_scheduler,
 * else DATABASE_URL. NATS: NATS_URL (default nats://127.0.0.1:4222).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../services/scheduler/consumers.h"
#include "../services/scheduler/deps.h"
#include "../services/scheduler/dispatcher.h"
#include "../services/scheduler/jspub.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "proto/assistants.pb-c.h"
#include "proto/billing.pb-c.h"
#include "proto/dialer.pb-c.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "bench/dispatch: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(1);
}

/* ---------------------------------------------------------------- stand-ins */

static atomic_long reserves;

static enum oc_status on_dnc(struct oc_request *r, const ProtobufCMessage *in,
                             ProtobufCMessage **out)
{
    const Ocpb__CheckDncBatchRequest *q = (const Ocpb__CheckDncBatchRequest *)in;
    Ocpb__CheckDncBatchReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    Ocpb__DncCheckResult *res = oc_arena_alloc(r->arena, sizeof(*res) * (q->n_phones + 1));
    Ocpb__DncCheckResult **v = oc_arena_alloc(r->arena, sizeof(*v) * (q->n_phones + 1));
    if (!rep || !res || !v)
        return OC_ERR_NOMEM;
    ocpb__check_dnc_batch_reply__init(rep);
    for (size_t i = 0; i < q->n_phones; i++) {
        ocpb__dnc_check_result__init(&res[i]);
        res[i].phone = q->phones[i];
        res[i].phone_e164 = q->phones[i];
        v[i] = &res[i];
    }
    rep->results = v;
    rep->n_results = q->n_phones;
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status on_reserve(struct oc_request *r, const ProtobufCMessage *in,
                                 ProtobufCMessage **out)
{
    const Ocpb__ReserveCreditsRequest *q = (const Ocpb__ReserveCreditsRequest *)in;
    Ocpb__ReserveCreditsReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__reserve_credits_reply__init(rep);
    rep->reservation_id = oc_arena_printf(r->arena, "bench-%s", q->reference);
    atomic_fetch_add(&reserves, 1);
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status on_number(struct oc_request *r, const ProtobufCMessage *in,
                                ProtobufCMessage **out)
{
    const Ocpb__GetNumberRequest *q = (const Ocpb__GetNumberRequest *)in;
    Ocpb__GetNumberReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    Ocpb__PhoneNumber *n = oc_arena_alloc(r->arena, sizeof(*n));
    if (!rep || !n)
        return OC_ERR_NOMEM;
    ocpb__get_number_reply__init(rep);
    ocpb__phone_number__init(n);
    n->id = q->id;
    n->kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
    n->caller_id = "+34910000000";
    n->trunk = "sip:127.0.0.1:5070";
    n->state = OCPB__NUMBER_STATE__NUMBER_STATE_ACTIVE;
    rep->number = n;
    *out = &rep->base;
    return OC_OK;
}

static enum oc_status on_snapshot(struct oc_request *r, const ProtobufCMessage *in,
                                  ProtobufCMessage **out)
{
    const Ocpb__SnapshotAssistantRequest *q = (const Ocpb__SnapshotAssistantRequest *)in;
    Ocpb__SnapshotAssistantReply *rep = oc_arena_alloc(r->arena, sizeof(*rep));
    Ocpb__AssistantSnapshot *s = oc_arena_alloc(r->arena, sizeof(*s));
    Ocpb__Assistant *a = oc_arena_alloc(r->arena, sizeof(*a));
    if (!rep || !s || !a)
        return OC_ERR_NOMEM;
    ocpb__snapshot_assistant_reply__init(rep);
    ocpb__assistant_snapshot__init(s);
    ocpb__assistant__init(a);
    a->id = q->id;
    a->name = "Bench";
    a->language = OCPB__LANGUAGE__LANGUAGE_ES;
    a->greeting = "Hola, le llamo de parte de Bench.";
    a->version = 1;
    s->assistant = a;
    s->prompt = "";
    rep->snapshot = s;
    *out = &rep->base;
    return OC_OK;
}

/* ---------------------------------------------------------------- data */

/* An Etc/GMT zone where it is about 13:00 now, so the legal window is open. */
static void noon_zone(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    int offset = 13 - tm.tm_hour;
    if (offset > 12)
        offset -= 24;
    if (offset < -12)
        offset += 24;
    if (offset == 0)
        snprintf(out, 32, "Etc/UTC");
    else
        snprintf(out, 32, "Etc/GMT%+d", -offset);
}

static void q(struct oc_db_conn *c, const char *what, const char *sql, int n,
              const char *const *params)
{
    if (oc_db_exec(c, NULL, sql, n, params) != OC_OK)
        die("%s failed (see the log line above)", what);
}

static long long count(struct oc_db *db, const char *tenant, const char *sql)
{
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    long long n = -1;
    if (oc_db_acquire(db, &c) != OC_OK)
        return -1;
    if (oc_db_begin_tenant(c, tenant) == OC_OK && oc_db_q(c, &r, sql, tenant) == OC_OK) {
        n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
    }
    oc_db_release(db, c);
    return n;
}

/* ---------------------------------------------------------------- dispatchers */

struct runner {
    struct dispatcher *d;
    pthread_t thread;
    atomic_long *queued;
    long total;
    struct dispatch_stats stats;
};

static void *run(void *arg)
{
    struct runner *r = arg;
    while (atomic_load(r->queued) < r->total) {
        struct dispatch_stats s = {0};
        if (dispatcher_round(r->d, &s) != OC_OK)
            usleep(10000);
        atomic_fetch_add(r->queued, (long)s.queued);
        r->stats.queued += s.queued;
        r->stats.deferred += s.deferred;
        r->stats.scheduled += s.scheduled;
        r->stats.canceled += s.canceled;
        if (!s.queued)
            usleep(2000);
    }
    return NULL;
}

/* Messages of the bench's stream, waiting up to a few seconds for them all. */
static uint64_t stream_count(struct oc_bus *bus, const char *stream)
{
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    uint64_t n = 0;
    if (natsConnection_JetStream(&js, oc_bus_nats(bus), NULL) != NATS_OK)
        return 0;
    if (js_GetStreamInfo(&si, js, stream, NULL, &jerr) == NATS_OK)
        n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    return n;
}

/* Takes every job out of the stream; counts them and the distinct calls. */
static void drain_jobs(struct oc_bus *bus, const char *stream, const char *subject, long total,
                       long *jobs, long *distinct)
{
    jsCtx *js = NULL;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    jsSubOptions so;
    unsigned char *seen = calloc((size_t)total, 1);
    char **ids = calloc((size_t)total, sizeof(*ids));
    size_t cap = (size_t)total * 2 + 1;
    char **set = calloc(cap, sizeof(*set));
    *jobs = 0;
    *distinct = 0;
    if (!seen || !ids || !set || natsConnection_JetStream(&js, oc_bus_nats(bus), NULL) != NATS_OK)
        die("%s", "cannot read the jobs back");
    jsSubOptions_Init(&so);
    so.Stream = stream;
    if (js_PullSubscribe(&sub, js, subject, "bench-check", NULL, &so, &jerr) != NATS_OK)
        die("%s", "cannot consume the jobs");
    for (;;) {
        natsMsgList list = {0};
        natsStatus s = natsSubscription_Fetch(&list, sub, 1000, 2000, &jerr);
        if (s != NATS_OK || list.Count == 0) {
            natsMsgList_Destroy(&list);
            break;
        }
        for (int i = 0; i < list.Count; i++) {
            Ocpb__CallJob *job =
                ocpb__call_job__unpack(NULL, (size_t)natsMsg_GetDataLength(list.Msgs[i]),
                                       (const uint8_t *)natsMsg_GetData(list.Msgs[i]));
            (*jobs)++;
            if (job) {
                /* An open-addressing set of call ids. */
                size_t h = 1469598103934665603ULL;
                for (const char *p = job->call_id; *p; p++)
                    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
                for (size_t k = h % cap;; k = (k + 1) % cap) {
                    if (!set[k]) {
                        set[k] = strdup(job->call_id);
                        (*distinct)++;
                        break;
                    }
                    if (strcmp(set[k], job->call_id) == 0)
                        break;
                }
                ocpb__call_job__free_unpacked(job, NULL);
            }
            natsMsg_Ack(list.Msgs[i], NULL);
        }
        natsMsgList_Destroy(&list);
    }
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    for (size_t k = 0; k < cap; k++)
        free(set[k]);
    free(set);
    free(ids);
    free(seen);
}

int main(void)
{
    long total = env_long("BENCH_CALLS", 100000);
    long n_disp = env_long("BENCH_DISPATCHERS", 2);
    long batch = env_long("BENCH_BATCH", 0);
    long n_campaigns = env_long("BENCH_CAMPAIGNS", 1);
    if (total < 1 || n_disp < 1 || n_disp > SCHED_MAX_DISPATCHERS || batch < 0 || n_campaigns < 1 ||
        n_campaigns > total)
        die("%s", "BENCH_CALLS, BENCH_CAMPAIGNS and BENCH_DISPATCHERS (1..8) must be positive");
    if (!getenv("LOG_LEVEL"))
        setenv("LOG_LEVEL", "warn", 1);
    oc_log_init("bench-dispatch");

    char dburl[512];
    const char *url = getenv("BENCH_DATABASE_URL");
    if (!url && getenv("OC_PG_URL_BASE")) {
        snprintf(dburl, sizeof(dburl), getenv("OC_PG_URL_BASE"), "oc_scheduler");
        url = dburl;
    }
    if (!url)
        url = getenv("DATABASE_URL");
    if (!url)
        die("%s", "set BENCH_DATABASE_URL, OC_PG_URL_BASE or DATABASE_URL");
    const char *nats = getenv("NATS_URL") ? getenv("NATS_URL") : "nats://127.0.0.1:4222";

    static struct scheduler st = {.wake_mu = PTHREAD_MUTEX_INITIALIZER,
                                  .wake_cv = PTHREAD_COND_INITIALIZER,
                                  .pub_mu = PTHREAD_MUTEX_INITIALIZER};
    scheduler_config_defaults(&st.cfg);
    if (batch > 0)
        st.cfg.batch = batch;
    batch = st.cfg.batch;
    st.cfg.default_max_concurrent = 1000000;
    char subject[64], stream[64];
    snprintf(subject, sizeof(subject), "bench.%ld.jobs", (long)getpid());
    snprintf(stream, sizeof(stream), "BENCH_%ld", (long)getpid());
    st.cfg.jobs_subject = subject;

    struct oc_bus *bus = NULL, *standins = NULL;
    if (oc_db_new(&st.db, url, "scheduler", (int)(2 * n_disp + 2), 10000) != OC_OK)
        die("cannot connect to %s", url);
    if (oc_bus_connect(&bus, nats, "bench-dispatch", 5000) != OC_OK ||
        oc_bus_connect(&standins, nats, "bench-dispatch-standins", 5000) != OC_OK)
        die("cannot connect to %s", nats);
    st.bus = bus;

    /* A quiet stack only: refuse to run beside a scheduler or the services it asks. */
    static const char *const busy[] = {"scheduler.health", "dnc.check_batch", "billing.reserve",
                                       "numbers.get", "assistants.snapshot"};
    for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++) {
        Ocpb__HealthRequest h = OCPB__HEALTH_REQUEST__INIT;
        struct oc_call call = {.timeout_ms = 1000};
        char err[128];
        if (oc_bus_call(bus, busy[i], &call, &h.base, NULL, NULL, NULL, err, sizeof(err)) !=
            OC_ERR_UNAVAILABLE)
            die("something serves %s on this NATS: run the bench on a stack without services",
                busy[i]);
    }
    if (oc_db_migrate(st.db, scheduler_migrations, scheduler_migrations_count) != OC_OK)
        die("%s", "cannot apply the scheduler's migrations");
    struct oc_db_conn *c = NULL;
    PGresult *r = NULL;
    if (oc_db_acquire(st.db, &c) != OC_OK ||
        oc_db_exec(c, &r,
                   "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user"
                   " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                   " AND application_name NOT LIKE 'bench%'",
                   0, NULL) != OC_OK)
        die("%s", "cannot look at the database's sessions");
    /* The pool's own other connections are not open yet (it opens them lazily). */
    if (strtol(PQgetvalue(r, 0, 0), NULL, 10) > 0)
        die("%s", "another session of oc_scheduler uses this database: is a scheduler running?");
    PQclear(r);
    /* The dispatchers take every running campaign's due calls, not only the bench's. */
    if (oc_db_begin_system(c) != OC_OK ||
        oc_db_exec(c, &r, "SELECT count(*) FROM campaigns WHERE status = 'running'", 0, NULL) !=
            OC_OK)
        die("%s", "cannot look at the campaigns");
    if (strtol(PQgetvalue(r, 0, 0), NULL, 10) > 0)
        die("%s", "this database has running campaigns: use a database of its own");
    PQclear(r);
    oc_db_rollback(c);
    oc_db_release(st.db, c);

    static const struct oc_handler handlers[] = {
        {"dnc.check_batch", &ocpb__check_dnc_batch_request__descriptor, on_dnc},
        {"billing.reserve", &ocpb__reserve_credits_request__descriptor, on_reserve},
        {"numbers.get", &ocpb__get_number_request__descriptor, on_number},
        {"assistants.snapshot", &ocpb__snapshot_assistant_request__descriptor, on_snapshot},
    };
    if (oc_bus_serve(standins, "bench", handlers, 4, NULL) != OC_OK)
        die("%s", "cannot serve the stand-ins");
    const char *subjects[] = {subject};
    struct oc_stream_config sc = {
        .name = stream, .subjects = subjects, .n_subjects = 1, .work_queue = true};
    if (oc_js_ensure_stream(bus, &sc) != OC_OK || consumers_ensure_streams(&st) != OC_OK ||
        deps_init(&st) != OC_OK || jspub_new(&st.pub, bus) != OC_OK)
        die("%s", "cannot set up JetStream");

    /* ---------------------------------------------------------------- load */
    char tenant[37], assistant[37], number[37], zone[32];
    oc_uuid_v4(tenant);
    oc_uuid_v4(assistant);
    oc_uuid_v4(number);
    noon_zone(zone);
    double t0 = now_s();
    if (oc_db_acquire(st.db, &c) != OC_OK || oc_db_begin_tenant(c, tenant) != OC_OK)
        die("%s", "cannot begin the load");
    /* The calls are shared out over the campaigns; lead i calls +3460<i>. */
    for (long k = 0; k < n_campaigns; k++) {
        char campaign[37], first[24], last[24];
        oc_uuid_v4(campaign);
        snprintf(first, sizeof(first), "%ld", k * total / n_campaigns + 1);
        snprintf(last, sizeof(last), "%ld", (k + 1) * total / n_campaigns);
        q(c, "campaign",
          "INSERT INTO campaigns (id, tenant_id, name, assistant_id, number_id,"
          " default_region, timezone, max_concurrent, status, started_at)"
          " VALUES ($1, $2, 'bench', $3, $4, 'ES', $5, 1000000, 'running', now())",
          5, (const char *const[]){campaign, tenant, assistant, number, zone});
        q(c, "leads",
          "INSERT INTO leads (id, tenant_id, campaign_id, name, phone_e164, timezone, region,"
          " lead) SELECT gen_random_uuid(), $1, $2, 'Lead ' || i,"
          " '+3460' || lpad(i::text, 7, '0'), $3, 'ES', '\\x'::bytea"
          " FROM generate_series($4::int, $5::int) i",
          5, (const char *const[]){tenant, campaign, zone, first, last});
    }
    q(c, "calls",
      "INSERT INTO calls (tenant_id, campaign_id, lead_id, phone_e164, contact_name, timezone,"
      " country, assistant_id, number_id, status, kind, status_seq)"
      " SELECT tenant_id, campaign_id, id, phone_e164, name, timezone, 'ES', $2, $3,"
      " 'created', 'first', 1 FROM leads WHERE tenant_id = $1",
      3, (const char *const[]){tenant, assistant, number});
    if (oc_db_commit(c) != OC_OK)
        die("%s", "the load did not commit");
    oc_db_release(st.db, c);
    double loaded = now_s() - t0;
    printf("loaded %ld due calls of %ld campaign(s) in %.2f s (zone %s, batch %ld,"
           " %ld dispatchers)\n",
           total, n_campaigns, loaded, zone, batch, n_disp);

    /* ---------------------------------------------------------------- dispatch */
    atomic_long queued = 0;
    struct runner *runners = calloc((size_t)n_disp, sizeof(*runners));
    for (long i = 0; i < n_disp; i++) {
        if (dispatcher_new(&st, (size_t)i, &runners[i].d) != OC_OK)
            die("%s", "cannot create a dispatcher");
        runners[i].queued = &queued;
        runners[i].total = total;
    }
    double start = now_s(), published_at = 0;
    for (long i = 0; i < n_disp; i++)
        pthread_create(&runners[i].thread, NULL, run, &runners[i]);
    /* The moment the stream holds every job: due -> published. */
    while (atomic_load(&queued) < total) {
        if (!published_at && stream_count(bus, stream) >= (uint64_t)total)
            published_at = now_s();
        usleep(5000);
    }
    for (long i = 0; i < n_disp; i++)
        pthread_join(runners[i].thread, NULL);
    double done = now_s();
    if (!published_at)
        published_at = done;
    size_t deferred = 0;
    for (long i = 0; i < n_disp; i++)
        deferred += runners[i].stats.deferred;

    /* ---------------------------------------------------------------- checks */
    double checks = now_s();
    uint64_t in_stream = stream_count(bus, stream);
    long jobs = 0, distinct = 0;
    drain_jobs(bus, stream, subject, total, &jobs, &distinct);
    long long not_queued = count(st.db, tenant,
                                 "SELECT count(*) FROM calls WHERE tenant_id = $1"
                                 " AND (status <> 'queued' OR dispatch_seq <> 1)");
    long long twice = count(st.db, tenant,
                            "SELECT count(*) FROM (SELECT call_id FROM call_events"
                            " WHERE tenant_id = $1 AND to_status = 'queued'"
                            " GROUP BY call_id HAVING count(*) > 1) x");

    printf("due -> published: %.2f s, %.0f calls/s\n", published_at - start,
           total / (published_at - start));
    printf("due -> queued (committed): %.2f s, %.0f calls/s\n", done - start,
           total / (done - start));
    printf("jobs in the stream: %llu; read back: %ld jobs, %ld distinct calls\n",
           (unsigned long long)in_stream, jobs, distinct);
    printf("calls not queued exactly once: %lld; calls with two queued transitions: %lld\n",
           not_queued, twice);
    printf("credit reservations: %ld; deferred by a failed publish or dependency: %zu\n",
           (long)atomic_load(&reserves), deferred);
    printf("(checks took %.1f s)\n", now_s() - checks);
    bool ok = jobs == total && distinct == total && not_queued == 0 && twice == 0;
    printf("%s\n", ok ? "none published twice" : "FAILED: a call was lost or published twice");

    /* ---------------------------------------------------------------- clean up */
    for (long i = 0; i < n_disp; i++)
        dispatcher_free(runners[i].d);
    free(runners);
    if (oc_db_acquire(st.db, &c) == OC_OK && oc_db_begin_tenant(c, tenant) == OC_OK) {
        oc_db_q(c, NULL, "DELETE FROM calls WHERE tenant_id = $1", tenant);
        oc_db_q(c, NULL, "DELETE FROM leads WHERE tenant_id = $1", tenant);
        oc_db_q(c, NULL, "DELETE FROM campaigns WHERE tenant_id = $1", tenant);
        oc_db_commit(c);
        oc_db_release(st.db, c);
    }
    jsCtx *js = NULL;
    if (natsConnection_JetStream(&js, oc_bus_nats(bus), NULL) == NATS_OK) {
        jsErrCode jerr = 0;
        js_DeleteStream(js, stream, NULL, &jerr);
        jsCtx_Destroy(js);
    }
    jspub_free(st.pub);
    deps_free(&st);
    oc_bus_free(standins);
    oc_bus_free(bus);
    oc_db_free(st.db);
    return ok ? 0 : 1;
}
