/*
 * A campaign called end to end (issue 3's "Done when"): through the public
 * HTTP API only, against the whole running stack, with a real SIP peer as
 * the called party. Each test signs up a tenant, creates an assistant, a
 * SIP number whose trunk is a peer the test started on a free loopback
 * port, and a campaign; uploads leads as CSV, listens to /v1/events,
 * starts the campaign and checks what the API then shows:
 *
 *   - sipp (tests/e2e/sipp/answer_or_busy.xml) answers two leads and hangs
 *     up after six seconds, and is busy for the third: terminal statuses,
 *     the greeting in the transcripts, measured durations, the busy call's
 *     retry, the credits spent to the milli-credit, and every status change
 *     of every call on the event stream, in order;
 *   - the sandbox carrier (tools/sandbox-carrier) talks back: the
 *     contact's words reach speech-to-text and the transcript, and the
 *     carrier heard the agent;
 *   - a dialer copy killed after its INVITE left and before it acknowledged
 *     the job: the job comes back to the next copy (its
 *     dialer_jobs_duplicate_total on the admin port's /metrics), which does
 *     not dial it again (sipp saw one INVITE), and the call keeps its end.
 *     The window between INVITE and ack is a few microseconds long, so the
 *     copy is started with the dialer's test-only fault hook
 *     DIALER_TEST_HOLD_BEFORE_ACK_MS (services/dialer/README.md), which
 *     holds the dialled job unacknowledged until the test kills it;
 *   - a call canceled while its job waits in the work queue (the dialer is
 *     stopped), through the API by a user or by adding its number to the
 *     do-not-call list: once the dialer is back, sipp receives no INVITE
 *     for it, the call stays canceled and its job leaves the queue, while
 *     the other call queued beside it is dialled as usual.
 *
 * The calling hours are the law's (08:00-21:00 in the lead's zone), so the
 * campaigns and leads are put in the whole-hour zone where it is early
 * afternoon now (calling_zone()).
 *
 * Needs sipp (Debian's sip-tester) on PATH and $BUILD/bin/sandbox-carrier
 * (BUILD as scripts/run-tests.sh exports it).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "oc/http_client.h"
#include "proto/dialer.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define GREETING "Hello, this is Ana from Acme."
#define CLOSING "Thank you, goodbye."
/* Seconds sipp's answering branch stays on the line after the ACK. */
#define SIPP_TALK_S 6
/* The busy retry of the analyzer's rules. */
#define BUSY_RETRY_MS (3600 * 1000LL)
/* How long the hooked dialer holds a dialled job; the test kills it before. */
#define DIALER_HOLD_MS 20000
#define E2E_MAX_EVENTS 512

/* ================================================================ small helpers */

static const char *jstr(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A string field or "" (null, absent). */
static const char *jstr0(const json_t *obj, const char *key)
{
    const char *s = jstr(obj, key);
    return s ? s : "";
}

static long long jint(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

/* Credits are plain numbers with up to three decimals: milli-credits. */
static long long jmilli(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    cr_assert(json_is_number(v), "no number \"%s\"", key);
    return llround(json_number_value(v) * 1000.0);
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A request to a formatted path; fails the test unless the status is want. */
static void api(struct th_resp *r, long want, const char *method, const char *token,
                const char *body, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void api(struct th_resp *r, long want, const char *method, const char *token,
                const char *body, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    th_http(r, method, path, token, body);
    cr_assert_eq(r->status, want, "%s %s: %ld %s", method, path, r->status, r->body);
}

/*
 * The whole-hour zone where it is 13:00-13:59 now, so that the calls and
 * the busy call's retry an hour later fall inside the legal calling hours
 * (08:00-21:00). Etc/GMT+N is N hours behind UTC (POSIX's sign).
 */
static void calling_zone(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    int offset = 13 - utc.tm_hour;
    if (offset < -12)
        offset += 24;
    if (offset > 14)
        offset -= 24;
    if (offset == 0)
        snprintf(out, len, "Etc/GMT");
    else
        snprintf(out, len, "Etc/GMT%+d", -offset);
}

/* ================================================================ child processes */

struct sipp {
    struct th_child proc;
    int port;
    char messages[256]; /* every SIP message sipp sent or received */
};

/* Starts sipp with tests/e2e/sipp/answer_or_busy.xml for `calls` calls. */
static void sipp_start(struct sipp *s, int calls)
{
    cr_assert(th_have_program("sipp"),
              "sipp is not installed (scripts/deps.sh installs sip-tester)");
    char p[16], mp[16], m[16];
    s->port = th_free_port(SOCK_DGRAM, false);
    snprintf(p, sizeof(p), "%d", s->port);
    snprintf(mp, sizeof(mp), "%d", th_free_port(SOCK_DGRAM, true));
    snprintf(m, sizeof(m), "%d", calls);
    snprintf(s->messages, sizeof(s->messages), "/tmp/oc-e2e-%d-sipp-%d.msg", (int)getpid(),
             s->port);
    unlink(s->messages);
    /* run-tests.sh runs from the root of the checkout. */
    cr_assert_eq(access("tests/e2e/sipp/answer_or_busy.xml", R_OK), 0,
                 "run from the root of the checkout");
    char *const argv[] = {"sipp",
                          "-sf",
                          "tests/e2e/sipp/answer_or_busy.xml",
                          "-i",
                          "127.0.0.1",
                          "-p",
                          p,
                          "-mp",
                          mp,
                          "-rtp_echo",
                          "-m",
                          m,
                          "-nostdin",
                          "-timeout",
                          "100s",
                          "-trace_msg",
                          "-message_file",
                          s->messages,
                          NULL};
    th_child_start(&s->proc, "sipp", argv);
    cr_assert(th_wait_udp_bound(s->port, 10000), "sipp is not listening on %d (log %s)", s->port,
              s->proc.log);
}

/* INVITEs sipp received: request lines in its message log. */
static int sipp_invites(const struct sipp *s)
{
    FILE *f = fopen(s->messages, "r");
    char line[1024];
    int n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        n += strncmp(line, "INVITE sip:", 11) == 0;
    fclose(f);
    return n;
}

/* INVITEs sipp received for number (its Request-URI's user part). */
static int sipp_invites_to(const struct sipp *s, const char *number)
{
    FILE *f = fopen(s->messages, "r");
    char line[1024], want[64];
    int n = 0;
    if (!f)
        return 0;
    snprintf(want, sizeof(want), "INVITE sip:%s@", number);
    while (fgets(line, sizeof(line), f))
        n += strncmp(line, want, strlen(want)) == 0;
    fclose(f);
    return n;
}

/* Stops sipp if it still runs and removes its files (kept when a test
 * fails before this, for the messages that name them). */
static void sipp_cleanup(struct sipp *s)
{
    if (s->proc.pid > 0)
        th_child_wait(&s->proc, 0);
    unlink(s->messages);
    unlink(s->proc.log);
}

/* ================================================================ the event stream */

struct status_event {
    char call_id[40];
    char from[16];
    char to[16];
};

/*
 * /v1/events read on a raw socket by a thread of its own, so events keep
 * arriving while the test makes other requests. Keeps each
 * call.status_changed in the order it came.
 */
struct sse {
    int fd;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t mu;
    char *buf; /* bytes not parsed yet */
    size_t len, cap;
    bool connected;
    struct status_event ev[E2E_MAX_EVENTS];
    int n;
    int dropped;
};

/* Parses one "event: ...\ndata: ...\n" frame (the blank line removed). */
static void sse_frame(struct sse *s, char *frame)
{
    const char *event = NULL, *data = NULL;
    for (char *line = strtok(frame, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "event: ", 7) == 0)
            event = line + 7;
        else if (strncmp(line, "data: ", 6) == 0)
            data = line + 6;
        else if (strcmp(line, ": connected") == 0)
            s->connected = true;
    }
    if (!event || !data || strcmp(event, "call.status_changed") != 0)
        return;
    json_t *j = json_loads(data, 0, NULL);
    if (!j)
        return;
    if (s->n < E2E_MAX_EVENTS) {
        struct status_event *e = &s->ev[s->n++];
        snprintf(e->call_id, sizeof(e->call_id), "%s", jstr0(j, "call_id"));
        snprintf(e->from, sizeof(e->from), "%s", jstr(j, "from") ? jstr(j, "from") : "-");
        snprintf(e->to, sizeof(e->to), "%s", jstr0(j, "to"));
    } else {
        s->dropped++;
    }
    json_decref(j);
}

static void *sse_run(void *arg)
{
    struct sse *s = arg;
    bool headers = false;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        pthread_mutex_lock(&s->mu);
        if (s->cap - s->len < 4096) {
            s->cap *= 2;
            s->buf = realloc(s->buf, s->cap + 1);
        }
        ssize_t n = s->buf ? recv(s->fd, s->buf + s->len, s->cap - s->len, 0) : -1;
        if (n <= 0) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        s->len += (size_t)n;
        s->buf[s->len] = '\0';
        /* The gateway writes the stream as it comes, without chunking: past
         * the headers, frames end with a blank line. */
        if (!headers) {
            char *end = strstr(s->buf, "\r\n\r\n");
            if (end) {
                headers = true;
                size_t skip = (size_t)(end + 4 - s->buf);
                memmove(s->buf, s->buf + skip, s->len - skip + 1);
                s->len -= skip;
            }
        }
        char *end;
        while (headers && (end = strstr(s->buf, "\n\n")) != NULL) {
            *end = '\0';
            sse_frame(s, s->buf);
            size_t used = (size_t)(end + 2 - s->buf);
            memmove(s->buf, s->buf + used, s->len - used + 1);
            s->len -= used;
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

static bool sse_is_connected(void *arg)
{
    struct sse *s = arg;
    pthread_mutex_lock(&s->mu);
    bool c = s->connected;
    pthread_mutex_unlock(&s->mu);
    return c;
}

static void sse_open(struct sse *s, const char *token)
{
    const char *url = th_env("OC_GATEWAY_URL");
    const char *colon = strrchr(url, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char head[512];

    memset(s, 0, sizeof(*s));
    cr_assert_not_null(colon, "OC_GATEWAY_URL has no port: %s", url);
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(s->fd, 0);
    cr_assert_eq(connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "cannot connect to %s",
                 url);
    s->cap = 1 << 16;
    s->buf = malloc(s->cap + 1);
    cr_assert_not_null(s->buf);
    s->buf[0] = '\0';
    pthread_mutex_init(&s->mu, NULL);
    snprintf(head, sizeof(head),
             "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
             "Authorization: Bearer %s\r\n\r\n",
             token);
    cr_assert_eq(send(s->fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    cr_assert_eq(pthread_create(&s->thread, NULL, sse_run, s), 0);
    cr_assert(th_wait_until(sse_is_connected, s, 5000), "the event stream did not open");
}

static void sse_close(struct sse *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s->buf);
    pthread_mutex_destroy(&s->mu);
}

/*
 * A call's status changes as the stream delivered them, "from>to,from>to"
 * ("-" for none); *all receives how many events of the call came, result-only
 * ones (to == from, an analysis applied) included, which the chain leaves out.
 */
static void sse_chain(struct sse *s, const char *call_id, char *out, size_t len, int *all)
{
    size_t n = 0;
    out[0] = '\0';
    *all = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n && n < len; i++) {
        if (strcmp(s->ev[i].call_id, call_id) != 0)
            continue;
        ++*all;
        if (strcmp(s->ev[i].from, s->ev[i].to) != 0)
            n += (size_t)snprintf(out + n, len - n, "%s%s>%s", n ? "," : "", s->ev[i].from,
                                  s->ev[i].to);
    }
    pthread_mutex_unlock(&s->mu);
}

/* The same from the call's own transitions (GET /v1/calls/{id}). */
static void api_chain(const json_t *call, char *out, size_t len, int *all)
{
    json_t *tr = json_object_get(call, "transitions");
    size_t n = 0;
    out[0] = '\0';
    *all = (int)json_array_size(tr);
    for (size_t i = 0; i < json_array_size(tr) && n < len; i++) {
        const json_t *t = json_array_get(tr, i);
        const char *from = jstr(t, "from") ? jstr(t, "from") : "-", *to = jstr0(t, "to");
        if (strcmp(from, to) != 0)
            n += (size_t)snprintf(out + n, len - n, "%s%s>%s", n ? "," : "", from, to);
    }
}

/* True when the statuses of `want` ("queued,calling,...") are reached in
 * this order by the chain's targets. */
static bool chain_passes(const char *chain, const char *want)
{
    char w[256], c[1024];
    snprintf(w, sizeof(w), "%s", want);
    snprintf(c, sizeof(c), "%s", chain);
    const char *at = c;
    char *save = NULL;
    for (char *st = strtok_r(w, ",", &save); st; st = strtok_r(NULL, ",", &save)) {
        char needle[32];
        snprintf(needle, sizeof(needle), ">%s", st);
        const char *hit = strstr(at, needle);
        if (!hit)
            return false;
        at = hit + strlen(needle);
    }
    return true;
}

/* ================================================================ a tenant's campaign */

struct e2e {
    char *token;
    char *tenant;
    char *campaign;
    char zone[32];
};

/* Signs up a tenant and creates its assistant, its number (trunk at port)
 * and its campaign, in the zone where it is early afternoon. */
static void e2e_setup(struct e2e *e, int trunk_port)
{
    struct th_resp r;
    char body[1024];

    memset(e, 0, sizeof(*e));
    th_signup(&e->token, &e->tenant, NULL, NULL);
    calling_zone(e->zone, sizeof(e->zone));

    api(&r, 201, "POST", e->token,
        "{\"name\":\"Ana\",\"language\":\"en\",\"greeting\":\"" GREETING "\","
        "\"script\":{\"objective\":\"book a demo\","
        "\"lines\":[{\"text\":\"We help sales teams call every lead on time.\"},"
        "{\"text\":\"Would a short demo next week be useful?\"}],"
        "\"closing_line\":\"" CLOSING "\"}}",
        "/v1/assistants");
    char *assistant = th_strdup(jstr(r.json, "id"));
    th_resp_clear(&r);

    snprintf(body, sizeof(body),
             "{\"kind\":\"sip\",\"trunk\":\"sip:127.0.0.1:%d\",\"caller_id\":\"+34910000000\"}",
             trunk_port);
    api(&r, 201, "POST", e->token, body, "/v1/numbers");
    char *number = th_strdup(jstr(r.json, "id"));
    th_resp_clear(&r);

    snprintf(body, sizeof(body),
             "{\"name\":\"e2e\",\"assistant_id\":\"%s\",\"number_id\":\"%s\","
             "\"default_region\":\"ES\",\"timezone\":\"%s\","
             "\"schedule\":{\"ranges\":[{\"days\":[\"monday\",\"tuesday\",\"wednesday\","
             "\"thursday\",\"friday\",\"saturday\",\"sunday\"],"
             "\"start_minute\":480,\"end_minute\":1260}]}}",
             assistant, number, e->zone);
    api(&r, 201, "POST", e->token, body, "/v1/campaigns");
    e->campaign = th_strdup(jstr(r.json, "id"));
    cr_assert_str_eq(jstr0(r.json, "state"), "draft");
    th_resp_clear(&r);
    free(assistant);
    free(number);
}

static void e2e_free(struct e2e *e)
{
    free(e->token);
    free(e->tenant);
    free(e->campaign);
}

/* Uploads "name,phone" rows (one per line) with the campaign's zone. */
static void e2e_upload(struct e2e *e, const char *rows, int n)
{
    char csv[2048], path[256];
    size_t len = (size_t)snprintf(csv, sizeof(csv), "name,phone,timezone\n");
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", rows);
    char *save = NULL;
    for (char *row = strtok_r(copy, "\n", &save); row; row = strtok_r(NULL, "\n", &save))
        len += (size_t)snprintf(csv + len, sizeof(csv) - len, "%s,%s\n", row, e->zone);
    struct th_resp r;
    snprintf(path, sizeof(path), "/v1/campaigns/%s/leads", e->campaign);
    th_http_ct(&r, "POST", path, e->token, "text/csv", csv, len);
    cr_assert_eq(r.status, 200, "upload: %ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "imported"), n, "%s", r.body);
    th_resp_clear(&r);
}

static void e2e_start(struct e2e *e)
{
    struct th_resp r;
    api(&r, 200, "POST", e->token, NULL, "/v1/campaigns/%s/start", e->campaign);
    cr_assert_str_eq(jstr0(r.json, "state"), "running", "%s", r.body);
    th_resp_clear(&r);
}

/* The campaign's calls (first page, up to 100); caller decrefs. */
static json_t *e2e_calls(struct e2e *e, const char *filter)
{
    struct th_resp r;
    api(&r, 200, "GET", e->token, NULL, "/v1/calls?campaign_id=%s&limit=100%s%s", e->campaign,
        filter ? "&" : "", filter ? filter : "");
    json_t *items = json_incref(json_object_get(r.json, "items"));
    cr_assert(json_is_array(items), "%s", r.body);
    th_resp_clear(&r);
    return items;
}

/* One call with transcript, transitions and analysis; caller decrefs. */
static json_t *e2e_call(struct e2e *e, const char *id)
{
    struct th_resp r;
    api(&r, 200, "GET", e->token, NULL, "/v1/calls/%s", id);
    json_t *call = json_incref(r.json);
    th_resp_clear(&r);
    return call;
}

static bool is_terminal(const char *status)
{
    return strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "canceled") == 0 || strcmp(status, "voicemail") == 0;
}

struct settled_arg {
    struct e2e *e;
    int first_calls; /* how many first attempts the campaign has */
    int retries;     /* how many retries must be scheduled meanwhile */
};

/* Every first attempt is over with its analysis applied, and the retries are there. */
static bool campaign_settled(void *p)
{
    struct settled_arg *a = p;
    json_t *calls = e2e_calls(a->e, NULL);
    int over = 0, retries = 0;
    for (size_t i = 0; i < json_array_size(calls); i++) {
        const json_t *c = json_array_get(calls, i);
        if (strcmp(jstr0(c, "kind"), "retry") == 0)
            retries++;
        else if (is_terminal(jstr0(c, "status")) && jstr(c, "result"))
            over++;
    }
    json_decref(calls);
    return over == a->first_calls && retries >= a->retries;
}

static json_t *find_by_phone(json_t *calls, const char *phone, const char *kind)
{
    for (size_t i = 0; i < json_array_size(calls); i++) {
        json_t *c = json_array_get(calls, i);
        if (strcmp(jstr0(c, "phone_e164"), phone) == 0 && strcmp(jstr0(c, "kind"), kind) == 0)
            return c;
    }
    return NULL;
}

struct credits_arg {
    struct e2e *e;
    long long want; /* milli-credits */
    long long seen;
};

static long long balance_of(struct e2e *e, json_t **reply)
{
    struct th_resp r;
    api(&r, 200, "GET", e->token, NULL, "/v1/credits?limit=100");
    long long b = jmilli(r.json, "balance");
    if (reply)
        *reply = json_incref(r.json);
    th_resp_clear(&r);
    return b;
}

static bool balance_is(void *p)
{
    struct credits_arg *a = p;
    a->seen = balance_of(a->e, NULL);
    return a->seen == a->want;
}

static bool balance_positive(void *p)
{
    struct credits_arg *a = p;
    a->seen = balance_of(a->e, NULL);
    return a->seen > 0;
}

struct chain_arg {
    struct sse *events;
    struct e2e *e;
    const char *call_id;
    char streamed[1024];
    char api[1024];
    int n_streamed, n_api;
};

/*
 * The stream has delivered every transition of the call, and its status
 * changes in the order the call went through them. A result-only event
 * (the analysis applied: to == from) is counted but its place is not
 * checked: the scheduler publishes each event after the commit that made
 * it, from the consumer thread that made it, so the analysis thread's event
 * can overtake the status change the calls.ended thread committed first.
 */
static bool chains_match(void *p)
{
    struct chain_arg *a = p;
    json_t *call = e2e_call(a->e, a->call_id);
    api_chain(call, a->api, sizeof(a->api), &a->n_api);
    json_decref(call);
    sse_chain(a->events, a->call_id, a->streamed, sizeof(a->streamed), &a->n_streamed);
    return strcmp(a->api, a->streamed) == 0 && a->n_api == a->n_streamed;
}

/* ================================================================ tests */

Test(e2e, a_campaign_calls_its_leads_over_sip_and_every_step_shows_in_the_api, .timeout = 150)
{
    struct sipp peer;
    struct e2e e;
    struct sse events;
    static const char *const answered[] = {"+34612000101", "+34612000102"};
    static const char *const busy = "+34612000486";

    sipp_start(&peer, 3);
    e2e_setup(&e, peer.port);

    /* The trial credit, and the price the calls will be settled at. */
    struct credits_arg ca = {.e = &e};
    cr_assert(th_wait_until(balance_positive, &ca, 10000), "no trial credit");
    json_t *credits = NULL;
    long long before = balance_of(&e, &credits);
    long long price = jmilli(credits, "price_per_minute");
    json_decref(credits);

    /* The stream is open before the leads exist, so it sees every call born. */
    sse_open(&events, e.token);
    e2e_upload(&e, "Ana Uno,+34612000101\nBea Dos,+34612000102\nCarla Ocupada,+34612000486", 3);
    e2e_start(&e);

    struct settled_arg sa = {&e, 3, 1};
    cr_assert(th_wait_until(campaign_settled, &sa, 60000),
              "the three calls did not all end with their analysis (sipp log %s)", peer.proc.log);
    json_t *calls = e2e_calls(&e, NULL);

    /* The answered calls: completed, the greeting first, a measured duration. */
    long long spent = 0;
    const char *ids[3];
    for (int i = 0; i < 2; i++) {
        json_t *item = find_by_phone(calls, answered[i], "first");
        cr_assert_not_null(item, "no call to %s", answered[i]);
        ids[i] = jstr(item, "id");
        json_t *c = e2e_call(&e, ids[i]);
        cr_assert_str_eq(jstr0(c, "status"), "completed", "call to %s: %s", answered[i],
                         jstr0(c, "status"));
        cr_assert_str_eq(jstr0(c, "hangup_cause"), "contact_hangup");
        cr_assert_eq(jint(c, "sip_code"), 200);
        json_t *tr = json_object_get(c, "transcript");
        cr_assert_geq(json_array_size(tr), 1, "no transcript for %s", answered[i]);
        json_t *first = json_array_get(tr, 0);
        cr_assert_str_eq(jstr0(first, "speaker"), "agent");
        cr_assert_str_eq(jstr0(first, "text"), GREETING);
        cr_assert_lt(jint(first, "start_ms"), 1500, "the greeting starts at the answer");
        long long answered_ms = jint(c, "answered_unix_ms"), ended_ms = jint(c, "ended_unix_ms");
        long long duration = jint(c, "duration_s");
        cr_assert_gt(answered_ms, 0);
        cr_assert_gt(duration, 0, "no duration for %s", answered[i]);
        /* Measured from the answer to sipp's BYE, rounded up to the second. */
        cr_assert_eq(duration, (ended_ms - answered_ms + 999) / 1000, "duration %lld s, %lld ms",
                     duration, ended_ms - answered_ms);
        cr_assert(duration >= SIPP_TALK_S && duration <= SIPP_TALK_S + 3,
                  "sipp hangs up %d s after its answer: %lld s", SIPP_TALK_S, duration);
        cr_assert(json_is_object(json_object_get(c, "analysis")), "no analysis for %s",
                  answered[i]);
        /* billing: ceil(seconds x price / 60), per call, in milli-credits. */
        spent += (duration * price + 59) / 60;
        json_decref(c);
    }

    /* The busy call: failed as busy, and its retry an hour on (busy_voicemail's rule). */
    json_t *item = find_by_phone(calls, busy, "first");
    cr_assert_not_null(item, "no call to %s", busy);
    ids[2] = jstr(item, "id");
    json_t *b = e2e_call(&e, ids[2]);
    cr_assert_str_eq(jstr0(b, "status"), "failed");
    cr_assert_str_eq(jstr0(b, "hangup_cause"), "busy");
    cr_assert_eq(jint(b, "sip_code"), 486);
    cr_assert_eq(jint(b, "duration_s"), 0);
    cr_assert_eq(json_array_size(json_object_get(b, "transcript")), 0);
    cr_assert_str_eq(jstr0(b, "result"), "busy_voicemail");
    json_t *retry_rule = json_object_get(json_object_get(b, "analysis"), "retry");
    cr_assert(json_is_true(json_object_get(retry_rule, "needed")), "no retry in the analysis");

    char filter[128];
    snprintf(filter, sizeof(filter), "parent_call_id=%s", ids[2]);
    json_t *retries = e2e_calls(&e, filter);
    cr_assert_eq(json_array_size(retries), 1, "one retry of the busy call");
    json_t *retry = json_array_get(retries, 0);
    cr_assert_str_eq(jstr0(retry, "kind"), "retry");
    cr_assert_str_eq(jstr0(retry, "status"), "scheduled");
    cr_assert_str_eq(jstr0(retry, "parent_call_id"), ids[2]);
    cr_assert_str_eq(jstr0(retry, "phone_e164"), busy);
    cr_assert_eq(jint(retry, "attempt"), 2);
    cr_assert_gt(strlen(jstr0(retry, "reason")), 0, "the retry says why");
    cr_assert_str_eq(jstr0(retry, "reason"), jstr0(retry_rule, "reason"));
    long long at = jint(retry, "scheduled_unix_ms");
    cr_assert_gt(at, wall_ms() + BUSY_RETRY_MS - 120000, "scheduled in the future");
    cr_assert(llabs(at - (jint(b, "dialed_unix_ms") + BUSY_RETRY_MS)) <= 2000,
              "a busy line is retried an hour after the attempt: %lld ms after it",
              at - jint(b, "dialed_unix_ms"));
    json_decref(retries);
    json_decref(b);

    /* The credits moved by exactly the calls' billed durations, nothing held. */
    ca.want = before - spent;
    cr_assert(th_wait_until(balance_is, &ca, 10000),
              "balance %lld milli-credits, expected %lld - %lld", ca.seen, before, spent);
    json_t *after = NULL;
    balance_of(&e, &after);
    cr_assert_eq(jmilli(after, "reserved"), 0, "holds left: %lld", jmilli(after, "reserved"));
    json_t *ledger = json_object_get(after, "items");
    int usage = 0;
    for (size_t i = 0; i < json_array_size(ledger); i++) {
        json_t *l = json_array_get(ledger, i);
        if (strcmp(jstr0(l, "kind"), "call_usage") != 0)
            continue;
        usage++;
        cr_assert(strcmp(jstr0(l, "reference"), ids[0]) == 0 ||
                      strcmp(jstr0(l, "reference"), ids[1]) == 0,
                  "usage for a call that was not answered: %s", jstr0(l, "reference"));
    }
    cr_assert_eq(usage, 2, "one usage entry per answered call");
    json_decref(after);

    /* The stream delivered every status change of every call, in order. */
    for (int i = 0; i < 3; i++) {
        struct chain_arg ch = {.events = &events, .e = &e, .call_id = ids[i]};
        cr_assert(th_wait_until(chains_match, &ch, 5000),
                  "call %s: the stream delivered %s (%d events), the call went %s (%d transitions)",
                  ids[i], ch.streamed, ch.n_streamed, ch.api, ch.n_api);
        cr_assert(chain_passes(ch.streamed, i < 2 ? "created,queued,calling,in_progress,completed"
                                                  : "created,queued,failed"),
                  "call %s: %s", ids[i], ch.streamed);
    }
    json_decref(calls);
    sse_close(&events);

    /* sipp took exactly three calls and saw each through. */
    cr_assert_eq(th_child_wait(&peer.proc, 15000), 0, "sipp failed a call (log %s)", peer.proc.log);
    cr_assert_eq(sipp_invites(&peer), 3, "INVITEs seen by sipp (%s)", peer.messages);
    sipp_cleanup(&peer);
    e2e_free(&e);
}

/* ---------------------------------------------------------------- the sandbox carrier */

Test(e2e, the_contacts_words_reach_the_transcript_and_the_carrier_hears_the_agent, .timeout = 150)
{
    static const char *const number = "+34910000011";
    char contacts[256];
    struct th_carrier carrier;

    snprintf(contacts, sizeof(contacts),
             "%s answer ring_ms=300 then=wait reply_wait_ms=8000 say: "
             "Hello, who is calling? | Yes, I am interested. Tell me more. | "
             "Thursday at ten in the morning works for me.\n",
             number);
    th_carrier_start(&carrier, contacts);

    struct e2e e;
    e2e_setup(&e, carrier.port);
    char row[64];
    snprintf(row, sizeof(row), "Maria Garcia,%s", number);
    e2e_upload(&e, row, 1);
    e2e_start(&e);

    /* Greeting, three contact lines, two script lines and the closing: about 30 s. */
    struct settled_arg sa = {&e, 1, 0};
    cr_assert(th_wait_until(campaign_settled, &sa, 90000), "the call did not end (carrier log %s)",
              carrier.child.log);
    json_t *calls = e2e_calls(&e, NULL);
    json_t *c = e2e_call(&e, jstr(json_array_get(calls, 0), "id"));
    cr_assert_str_eq(jstr0(c, "status"), "completed");
    cr_assert_str_eq(jstr0(c, "hangup_cause"), "agent_hangup", "the agent closed the call");
    json_t *tr = json_object_get(c, "transcript");
    size_t agent = 0, contact = 0, words = 0;
    for (size_t i = 0; i < json_array_size(tr); i++) {
        json_t *t = json_array_get(tr, i);
        if (strcmp(jstr0(t, "speaker"), "agent") == 0) {
            agent++;
        } else {
            contact++;
            /* pocketsphinx's text of espeak-ng's voice: imperfect, but words. */
            words += strlen(jstr0(t, "text")) > 0;
        }
    }
    cr_assert_str_eq(jstr0(json_array_get(tr, 0), "text"), GREETING);
    cr_assert_str_eq(jstr0(json_array_get(tr, json_array_size(tr) - 1), "speaker"), "agent");
    cr_assert_eq(agent, 4, "greeting, two lines and the closing (%zu agent turns)", agent);
    cr_assert_geq(contact, 2, "the contact's speech reached the transcript (%zu turns)", contact);
    cr_assert_geq(words, 2, "with the words speech-to-text made of it");
    cr_assert_gt(jint(c, "duration_s"), 10);
    json_decref(c);
    json_decref(calls);

    /* The carrier heard the agent, and says so once the call is over. */
    struct th_carrier_arg ra = {carrier.results, number};
    cr_assert(th_wait_until(th_carrier_wrote, &ra, 5000), "the carrier wrote no result");
    char *res = th_carrier_result(carrier.results, number);
    cr_assert_not_null(strstr(res, "\"heard_speech\":true"), "%s", res);
    cr_assert_not_null(strstr(res, "\"lines_said\":3"), "%s", res);
    cr_assert_not_null(strstr(res, "\"ended_by\":\"agent\""), "%s", res);
    free(res);

    th_carrier_stop(&carrier);
    e2e_free(&e);
}

/* ---------------------------------------------------------------- redelivery */

/* The dialer's admin port: service i of stack.env's ALL_SERVICES listens
 * on ADMIN_PORT_BASE + i (docs/development.md). */
static int dialer_admin_port(void)
{
    char path[512], line[1024];
    int base = 0, index = 0;
    snprintf(path, sizeof(path), "%s/stack.env", th_env("STACK_DIR"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "ADMIN_PORT_BASE=", 16) == 0)
            base = atoi(line + 16);
        if (strncmp(line, "ALL_SERVICES=", 13) == 0) {
            /* printf %q: the spaces between names are escaped. */
            char *save = NULL;
            int i = 0;
            for (char *w = strtok_r(line + 13, "\\ \n", &save); w;
                 w = strtok_r(NULL, "\\ \n", &save)) {
                i++;
                if (strcmp(w, "dialer") == 0)
                    index = i;
            }
        }
    }
    fclose(f);
    cr_assert(base > 0 && index > 0, "no ADMIN_PORT_BASE or dialer in %s", path);
    return base + index;
}

/* A counter of the dialer's /metrics, or -1 when it does not answer. */
static long dialer_metric(const char *name)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", dialer_admin_port());
    struct oc_http_request req = {.url = url, .timeout_ms = 2000};
    struct oc_http_response resp = {0};
    long v = -1;
    if (oc_http_do(&req, &resp) == OC_OK && resp.status == 200 && resp.body) {
        for (const char *p = strstr(resp.body, name); p; p = strstr(p + 1, name))
            if ((p == resp.body || p[-1] == '\n') && p[strlen(name)] == ' ') {
                v = atol(p + strlen(name) + 1);
                break;
            }
    }
    oc_http_response_clear(&resp);
    return v;
}

static bool job_came_back(void *p)
{
    (void)p;
    return dialer_metric("dialer_jobs_duplicate_total") >= 1;
}

struct status_arg {
    struct e2e *e;
    char status[16];
};

static bool first_call_over(void *p)
{
    struct status_arg *a = p;
    json_t *calls = e2e_calls(a->e, "kind=first");
    const json_t *c = json_array_get(calls, 0);
    snprintf(a->status, sizeof(a->status), "%s", c ? jstr0(c, "status") : "");
    json_decref(calls);
    return is_terminal(a->status);
}

static void start_dialer(const char *hold_ms)
{
    if (hold_ms)
        setenv("DIALER_TEST_HOLD_BEFORE_ACK_MS", hold_ms, 1);
    int rc = th_stack("start-service dialer");
    unsetenv("DIALER_TEST_HOLD_BEFORE_ACK_MS");
    cr_assert_eq(rc, 0, "the dialer did not start");
}

Test(e2e, a_dialer_killed_before_its_ack_never_dials_the_call_twice, .timeout = 150)
{
    struct sipp peer;
    struct e2e e;
    char hold[16];

    sipp_start(&peer, 2);
    e2e_setup(&e, peer.port);
    e2e_upload(&e, "Carla Ocupada,+34612000486", 1);

    /* A dialer copy that holds every dialled job before its ack. */
    cr_assert_eq(th_stack("stop-service dialer"), 0, "the dialer exits cleanly on SIGTERM");
    snprintf(hold, sizeof(hold), "%d", DIALER_HOLD_MS);
    start_dialer(hold);
    long long t0 = th_now_ms();
    e2e_start(&e);

    /* The INVITE left and the contact was busy; the job is still unacked. */
    struct status_arg sa = {.e = &e};
    cr_assert(th_wait_until(first_call_over, &sa, 15000), "the call did not end (%s)", sa.status);
    cr_assert_str_eq(sa.status, "failed");
    cr_assert_eq(sipp_invites(&peer), 1, "sipp saw the INVITE");
    cr_assert_lt(th_now_ms() - t0, DIALER_HOLD_MS - 2000, "the hold is over already");

    /* Killed with the job in hand; a copy without the hook gets it again
     * once the ack wait (30 s) has passed, finds its claim, does not dial. */
    cr_assert_eq(th_stack("stop-service dialer KILL"), 128 + SIGKILL);
    start_dialer(NULL);
    cr_assert(th_wait_until(job_came_back, NULL, 60000),
              "the job was not delivered again to the new dialer copy");
    usleep(1000000);
    cr_assert_eq(sipp_invites(&peer), 1, "the contact was dialled %d times (%s)",
                 sipp_invites(&peer), peer.messages);

    /* The call kept its end, and was retried as a failed one is. */
    json_t *calls = e2e_calls(&e, "kind=first");
    cr_assert_eq(json_array_size(calls), 1);
    json_t *c = e2e_call(&e, jstr(json_array_get(calls, 0), "id"));
    cr_assert_str_eq(jstr0(c, "status"), "failed");
    cr_assert_str_eq(jstr0(c, "hangup_cause"), "busy");
    cr_assert_eq(jint(c, "attempt"), 1);
    json_decref(c);
    json_decref(calls);

    sipp_cleanup(&peer);
    e2e_free(&e);
}

/* ---------------------------------------------------------------- canceled while queued */

/*
 * numbers.get for the test's tenant while the dialer, which serves it, is
 * stopped: the dispatcher needs the caller line of each job. Answers as the
 * dialer would for the number e2e_setup created (its trunk is sipp).
 */
struct standin_number {
    const char *tenant;
    char trunk[64];
};

static enum oc_status standin_number_get(struct oc_request *req, const ProtobufCMessage *in,
                                         ProtobufCMessage **out)
{
    const struct standin_number *sn = req->user;
    const Ocpb__GetNumberRequest *q = (const Ocpb__GetNumberRequest *)in;
    const char *tenant = NULL;
    if (oc_request_tenant(req, &tenant) != OC_OK || strcmp(tenant, sn->tenant) != 0)
        return oc_request_fail(req, OC_ERR_UNAVAILABLE, "the dialer is stopped");
    Ocpb__GetNumberReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    Ocpb__PhoneNumber *n = oc_arena_alloc(req->arena, sizeof(*n));
    if (!rep || !n)
        return OC_ERR_NOMEM;
    ocpb__get_number_reply__init(rep);
    ocpb__phone_number__init(n);
    n->id = q->id;
    n->kind = OCPB__NUMBER_KIND__NUMBER_KIND_SIP;
    n->caller_id = "+34910000000";
    n->trunk = (char *)sn->trunk;
    n->state = OCPB__NUMBER_STATE__NUMBER_STATE_ACTIVE;
    rep->number = n;
    *out = &rep->base;
    return OC_OK;
}

struct queued_arg {
    struct e2e *e;
    int want;
    int seen;
};

static bool calls_queued(void *p)
{
    struct queued_arg *a = p;
    json_t *calls = e2e_calls(a->e, NULL);
    a->seen = 0;
    for (size_t i = 0; i < json_array_size(calls); i++)
        a->seen += strcmp(jstr0(json_array_get(calls, i), "status"), "queued") == 0;
    json_decref(calls);
    return a->seen == a->want;
}

struct call_arg {
    struct e2e *e;
    const char *id;
    char status[16];
};

static bool call_canceled(void *p)
{
    struct call_arg *a = p;
    json_t *c = e2e_call(a->e, a->id);
    snprintf(a->status, sizeof(a->status), "%s", jstr0(c, "status"));
    json_decref(c);
    return strcmp(a->status, "canceled") == 0;
}

static bool call_over(void *p)
{
    struct call_arg *a = p;
    json_t *c = e2e_call(a->e, a->id);
    snprintf(a->status, sizeof(a->status), "%s", jstr0(c, "status"));
    json_decref(c);
    return is_terminal(a->status);
}

struct job_arg {
    struct oc_bus *bus;
    const char *call_id;
};

static bool job_acked(void *p)
{
    struct job_arg *a = p;
    return th_jobs_queued(a->bus, a->call_id) == 0;
}

static bool dropped_undialled(void *p)
{
    (void)p;
    return dialer_metric("dialer_jobs_not_dialable_total") >= 1;
}

enum withdrawal { BY_CANCEL, BY_DNC };

/*
 * Two leads are queued while the dialer is stopped; one of them is
 * withdrawn (canceled through the API, or its number added to the
 * do-not-call list) with its job still in the queue; the dialer comes
 * back. The withdrawn call is never dialled, stays canceled, and its job
 * is acked; the other (busy, so it ends at once) is dialled as usual.
 */
static void withdrawn_while_queued(enum withdrawal how)
{
    const char *withdrawn = how == BY_CANCEL ? "+34612000301" : "+34612000302";
    static const char *const kept = "+34612000486";
    struct sipp peer;
    struct e2e e;
    char rows[128];

    /* Room for a stray INVITE: sipp still listens after the kept call. */
    sipp_start(&peer, 2);
    e2e_setup(&e, peer.port);
    snprintf(rows, sizeof(rows), "Ana Retirada,%s\nBruno Ocupado,%s", withdrawn, kept);
    e2e_upload(&e, rows, 2);

    /* No dialer: the jobs wait in the queue. */
    cr_assert_eq(th_stack("stop-service dialer"), 0, "the dialer exits cleanly on SIGTERM");
    struct standin_number sn = {.tenant = e.tenant};
    snprintf(sn.trunk, sizeof(sn.trunk), "sip:127.0.0.1:%d", peer.port);
    struct oc_bus *standin = th_bus();
    const struct oc_handler h = {"numbers.get", &ocpb__get_number_request__descriptor,
                                 standin_number_get};
    cr_assert_eq(oc_bus_serve(standin, "e2e-standin", &h, 1, &sn), OC_OK);
    e2e_start(&e);
    struct queued_arg qa = {.e = &e, .want = 2};
    cr_assert(th_wait_until(calls_queued, &qa, 15000), "%d of 2 calls queued", qa.seen);
    oc_bus_free(standin);

    json_t *calls = e2e_calls(&e, NULL);
    const char *wid = jstr(find_by_phone(calls, withdrawn, "first"), "id");
    const char *kid = jstr(find_by_phone(calls, kept, "first"), "id");
    cr_assert(wid && kid, "no calls to %s and %s", withdrawn, kept);
    struct oc_bus *bus = th_bus();
    cr_assert_eq(th_jobs_queued(bus, wid), 1, "the job of call %s is not waiting in the queue",
                 wid);
    cr_assert_eq(th_jobs_queued(bus, kid), 1, "the job of call %s is not waiting in the queue",
                 kid);

    /* Withdrawn while its job waits. */
    struct th_resp r;
    if (how == BY_CANCEL) {
        api(&r, 200, "POST", e.token, "{\"reason\":\"the contact asked us not to call\"}",
            "/v1/calls/%s/cancel", wid);
        cr_assert_str_eq(jstr0(r.json, "status"), "canceled", "%s", r.body);
        th_resp_clear(&r);
    } else {
        char body[128];
        snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"reason\":\"asked not to be called\"}",
                 withdrawn);
        api(&r, 201, "POST", e.token, body, "/v1/dnc");
        th_resp_clear(&r);
        struct call_arg ca = {.e = &e, .id = wid};
        cr_assert(th_wait_until(call_canceled, &ca, 10000),
                  "the do-not-call addition did not cancel call %s (%s)", wid, ca.status);
    }
    cr_assert_eq(th_jobs_queued(bus, wid), 1, "the withdrawn call's job still waits");

    /* The dialer is back and takes both jobs. */
    start_dialer(NULL);
    struct call_arg ka = {.e = &e, .id = kid};
    cr_assert(th_wait_until(call_over, &ka, 30000), "the kept call did not end (%s)", ka.status);
    cr_assert_str_eq(ka.status, "failed", "the kept call was dialled and found busy");
    struct job_arg ja = {bus, wid};
    cr_assert(th_wait_until(job_acked, &ja, 15000), "the withdrawn call's job is still queued");
    cr_assert_eq(th_jobs_queued(bus, kid), 0);
    usleep(1000000);

    /* The called party got the kept call only. */
    cr_assert_eq(sipp_invites_to(&peer, withdrawn), 0, "the withdrawn call was dialled (%s)",
                 peer.messages);
    cr_assert_eq(sipp_invites_to(&peer, kept), 1, "the kept call was dialled once (%s)",
                 peer.messages);
    cr_assert_eq(sipp_invites(&peer), 1, "INVITEs seen by sipp (%s)", peer.messages);
    /* Dropped on the scheduler's "no", not lost some other way. */
    cr_assert(th_wait_until(dropped_undialled, NULL, 5000),
              "the dialer counted no job dropped undialled");

    /* The withdrawn call stayed canceled and nothing was reported for it. */
    json_t *c = e2e_call(&e, wid);
    cr_assert_str_eq(jstr0(c, "status"), "canceled");
    cr_assert_eq(jint(c, "dialed_unix_ms"), 0, "no dial was reported");
    cr_assert_eq(jint(c, "sip_code"), 0);
    char chain[512];
    int all = 0;
    api_chain(c, chain, sizeof(chain), &all);
    static const char last[] = ",queued>canceled";
    size_t len = strlen(chain);
    cr_assert(len >= sizeof(last) - 1 && strcmp(chain + len - (sizeof(last) - 1), last) == 0 &&
                  strstr(chain, "calling") == NULL && strstr(chain, "failed") == NULL,
              "call %s went %s (queued, then canceled, never dialled)", wid, chain);
    json_decref(c);

    json_decref(calls);
    oc_bus_free(bus);
    sipp_cleanup(&peer);
    e2e_free(&e);
}

/* A test that failed with the dialer stopped leaves it running for the next. */
static void dialer_back(void)
{
    th_stack("start-service dialer >/dev/null 2>&1");
}

static bool job_put_back(void *p)
{
    (void)p;
    return dialer_metric("dialer_jobs_waiting_total") >= 1;
}

/*
 * A call queued while the dialer is stopped, its campaign paused with the
 * job still in the queue: the dialer comes back, takes the job and is told
 * "not now"; nothing is dialled and the job stays. On resume the same
 * attempt is dialled, once.
 */
Test(e2e, a_job_of_a_paused_campaign_waits_for_the_resume, .timeout = 150, .fini = dialer_back)
{
    static const char *const busy = "+34612000486";
    struct sipp peer;
    struct e2e e;
    char row[64];

    sipp_start(&peer, 1);
    e2e_setup(&e, peer.port);
    snprintf(row, sizeof(row), "Bruno Ocupado,%s", busy);
    e2e_upload(&e, row, 1);

    /* No dialer, so a stand-in answers numbers.get for the dispatcher. */
    cr_assert_eq(th_stack("stop-service dialer"), 0, "the dialer exits cleanly on SIGTERM");
    struct standin_number sn = {.tenant = e.tenant};
    snprintf(sn.trunk, sizeof(sn.trunk), "sip:127.0.0.1:%d", peer.port);
    struct oc_bus *standin = th_bus();
    const struct oc_handler h = {"numbers.get", &ocpb__get_number_request__descriptor,
                                 standin_number_get};
    cr_assert_eq(oc_bus_serve(standin, "e2e-standin", &h, 1, &sn), OC_OK);
    e2e_start(&e);
    struct queued_arg qa = {.e = &e, .want = 1};
    cr_assert(th_wait_until(calls_queued, &qa, 15000), "%d of 1 call queued", qa.seen);
    oc_bus_free(standin);
    json_t *calls = e2e_calls(&e, NULL);
    const char *id = jstr(find_by_phone(calls, busy, "first"), "id");
    cr_assert_not_null(id);
    struct oc_bus *bus = th_bus();
    cr_assert_eq(th_jobs_queued(bus, id), 1, "the job of call %s is not waiting in the queue", id);

    struct th_resp r;
    api(&r, 200, "POST", e.token, NULL, "/v1/campaigns/%s/pause", e.campaign);
    th_resp_clear(&r);
    start_dialer(NULL);
    cr_assert(th_wait_until(job_put_back, NULL, 15000), "the dialer never put the job back");
    cr_assert_eq(sipp_invites(&peer), 0, "a paused campaign's call was dialled (%s)",
                 peer.messages);
    cr_assert_eq(th_jobs_queued(bus, id), 1, "the paused campaign's job left the queue");
    json_t *c = e2e_call(&e, id);
    cr_assert_str_eq(jstr0(c, "status"), "queued", "the call is no longer queued");
    json_decref(c);

    api(&r, 200, "POST", e.token, NULL, "/v1/campaigns/%s/resume", e.campaign);
    th_resp_clear(&r);
    struct call_arg ca = {.e = &e, .id = id};
    cr_assert(th_wait_until(call_over, &ca, 30000), "the call did not end (%s)", ca.status);
    cr_assert_str_eq(ca.status, "failed", "the call was dialled and found busy");
    cr_assert_eq(sipp_invites_to(&peer, busy), 1, "dialled once after the resume (%s)",
                 peer.messages);

    json_decref(calls);
    oc_bus_free(bus);
    sipp_cleanup(&peer);
    e2e_free(&e);
}

Test(e2e, a_call_canceled_while_its_job_waits_is_never_dialled, .timeout = 150, .fini = dialer_back)
{
    withdrawn_while_queued(BY_CANCEL);
}

Test(e2e, a_number_added_to_do_not_call_while_its_job_waits_is_never_dialled, .timeout = 150,
     .fini = dialer_back)
{
    withdrawn_while_queued(BY_DNC);
}
