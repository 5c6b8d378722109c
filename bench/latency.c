/*
 * bench/latency: the product's three "within a second" promises, measured
 * from outside against a running full stack, the way a customer would see
 * them. It signs up a tenant of its own through the HTTP API, opens that
 * tenant's GET /v1/events stream on a plain socket (read by a thread of the
 * bench, which stamps each event the moment its last byte is read), and
 * prints for each figure min / p50 / p95 / p99 / max in milliseconds beside
 * the 1000 ms target. It never fails on a timing: it exits 0 when it
 * measured, and 1 with a message when it could not (no stack, a setup step
 * refused, or not one sample of a figure observed).
 *
 *   scripts/stack.sh start                   (a full stack; a throwaway one is best)
 *   eval "$(scripts/stack.sh env)"           (OC_GATEWAY_URL, NATS_URL)
 *   build/bench/latency
 *
 * What each figure covers. t0 is the bench's clock read immediately before
 * it sends the request (or publishes); "seen" is when the event announcing
 * the change was read from /v1/events. "stamp" is the scheduler's own
 * EventMeta.occurred_unix_ms in that event minus the wall clock at t0 (same
 * host, same clock, whole milliseconds): the scheduler takes it as it begins
 * the work that makes the change (the cancelling transaction, the dispatch
 * round), before the commit and before the event is published, so stamp is
 * a lower bound of when the change took effect and seen an upper bound (seen
 * = stamp + the rest of that work + commit + publish + the delivery that
 * figure (1) measures).
 *
 *   (1) events: a CallStatusChanged published on core NATS to
 *       evt.<tenant>.call.status_changed, exactly as tests/integration/
 *       test_api.c publishes it (publish plus flush), until its event id is
 *       read on /v1/events. BENCH_EVENT_SAMPLES (default 200), one at a time,
 *       after 5 warm-up events that are not counted.
 *   (2) do-not-call: each sample adds a new number as a lead to each of two
 *       draft campaigns of the tenant, waits until both first calls exist
 *       (status created: future calls), then POST /v1/dnc of the number, until
 *       both calls are canceled (the later of the two call.status_changed
 *       events "to":"canceled"). The path is gateway -> lead-ingest (dnc.add,
 *       dnc.changed on JetStream) -> scheduler's consumer cancelling every
 *       future call to the number in every campaign of the tenant. Also
 *       printed: when POST /v1/dnc answered (lead-ingest stored the entry;
 *       the cancellation may still be on its way, or already done).
 *       BENCH_DNC_SAMPLES (default 30).
 *   (3) campaign state, BENCH_CAMPAIGN_SAMPLES (default 30), each on a new
 *       campaign with one lead whose call is created:
 *       start:  POST /v1/campaigns/{id}/start until that call is queued (the
 *               dispatcher checked it, reserved credit, published its job
 *               to the work queue and committed). Its stamp is when the
 *               dispatch round that queued it began.
 *       pause:  POST .../pause until its 200 answer, which carries the state
 *               the scheduler committed ("paused" is checked), and until the
 *               campaign.state_changed event to paused is seen. Not covered:
 *               a dispatch round that had already read the campaign as
 *               running when the pause committed may still queue calls after
 *               it; this bench has nothing left to dispatch at that moment
 *               and does not measure that window.
 *       resume: a second lead is added while paused (its call listed as
 *               created before the resume is sent), then POST .../resume
 *               until that call is queued.
 *       Each campaign is stopped afterwards (a stop the scheduler refuses is
 *       noted on stderr and the bench goes on).
 *
 * The bench's calls go nowhere: its SIP number's trunk is sip:127.0.0.1:9,
 * where nothing listens (as in tests/integration/test_scheduler.c), so the
 * dialer's attempt fails at once and no call is placed. Leads and campaigns
 * are in an Etc/GMT zone where it is about 13:00, so the calling window is
 * open whatever the hour. So that credit never holds a call back, the
 * tenant is granted 100000 credits over NATS (billing.grant, an adjustment)
 * on top of its trial. Requests go through oc_http_do, which opens a new
 * loopback connection for each: that is part of every HTTP figure.
 *
 * Variables: OC_GATEWAY_URL (http://127.0.0.1:8080), NATS_URL
 * (nats://127.0.0.1:4222), BENCH_SAMPLES (sets all three counts; each
 * BENCH_*_SAMPLES above wins over it), BENCH_TIMEOUT_MS (5000: a sample
 * not observed by then is counted as lost, not measured).
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "oc/bus.h"
#include "oc/crypto.h"
#include "oc/http_client.h"
#include "oc/json.h"
#include "oc/log.h"
#include "proto/billing.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define TARGET_MS 1000.0
#define WARM_UP_EVENTS 5
#define POLL_MS 20
#define TRUNK "sip:127.0.0.1:9"
#define GRANT_MILLI 100000000LL

/* ================================================================ basics */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bench/latency: could not measure: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

/* ================================================================ HTTP */

static struct {
    const char *base; /* OC_GATEWAY_URL */
    char token[400];  /* the session token, once signed up */
    char auth[512];   /* "Authorization: Bearer <token>" */
    char tenant[37];
} api_ctx;

struct reply {
    long status;    /* 0: no answer */
    json_t *json;   /* the body when it is a JSON object, else NULL */
    char text[400]; /* the start of the body (or why there was none), for messages */
};

static void reply_clear(struct reply *r)
{
    json_decref(r->json);
    r->json = NULL;
}

/* One request to the gateway with the bench's token (once it has one);
 * body (may be NULL) goes as application/json. The caller clears r. */
static void api(struct reply *r, const char *method, const char *body, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void api(struct reply *r, const char *method, const char *body, const char *fmt, ...)
{
    char path[512], url[1024], err[128];
    const char *headers[3];
    size_t nh = 0;
    struct oc_http_response resp = {0};
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    snprintf(url, sizeof(url), "%s%s", api_ctx.base, path);
    if (api_ctx.auth[0])
        headers[nh++] = api_ctx.auth;
    if (body)
        headers[nh++] = "Content-Type: application/json";
    headers[nh] = NULL;
    struct oc_http_request req = {.method = method,
                                  .url = url,
                                  .headers = headers,
                                  .body = body,
                                  .body_len = body ? strlen(body) : 0,
                                  .timeout_ms = 15000};
    memset(r, 0, sizeof(*r));
    enum oc_status s = oc_http_do(&req, &resp);
    if (s != OC_OK) {
        snprintf(r->text, sizeof(r->text), "no answer from %.300s (%s)", url, oc_status_text(s));
        return;
    }
    r->status = resp.status;
    snprintf(r->text, sizeof(r->text), "%s", resp.body ? resp.body : "");
    if (resp.body && resp.body[0] == '{' &&
        oc_json_parse_object(resp.body, resp.body_len, &r->json, err, sizeof(err)) != OC_OK)
        r->json = NULL;
    oc_http_response_clear(&resp);
}

static const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* The id of what a POST created (201), copied to id; stops the bench otherwise. */
static void created_id(struct reply *r, const char *what, char id[37])
{
    const char *v = jstr(r->json, "id");
    if (r->status != 201 || !v || !oc_uuid_valid(v))
        die("%s: %ld %s", what, r->status, r->text);
    snprintf(id, 37, "%s", v);
    reply_clear(r);
}

/* ================================================================ the event stream */

/* One event read from /v1/events, with what the figures need of it. */
struct event {
    double at_ms;          /* monotonic clock when its frame was complete */
    long long occurred_ms; /* meta.occurred_unix_ms, 0 when absent */
    char type[48];
    char id[40];
    char call_id[40];
    char campaign_id[40];
    char to[24];
};

struct buf {
    char *p; /* NUL-terminated */
    size_t len;
    size_t cap;
};

struct stream {
    int fd;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled for each event and when the stream ends */
    struct event *v;   /* every event read, in order (under mu) */
    size_t n;
    size_t cap;
    bool live;     /* ": connected" was read (under mu) */
    bool ended;    /* the connection closed (under mu) */
    char why[256]; /* why it ended (under mu) */
    /* The reader thread's own. */
    struct buf in;   /* bytes received, not yet decoded */
    struct buf text; /* the stream's text, not yet split into frames */
    bool head_done;
};

static bool buf_add(struct buf *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

static void buf_drop(struct buf *b, size_t n)
{
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    b->p[b->len] = '\0';
}

static void copy_field(char *out, size_t len, const json_t *obj, const char *key)
{
    const char *v = NULL;
    char err[128];
    if (oc_json_get_string(obj, key, false, len - 1, &v, err, sizeof(err)) == OC_OK && v)
        snprintf(out, len, "%s", v);
}

/* Reads the fields the figures match on from an event's data line. */
static void event_fields(struct event *e, const char *data)
{
    json_t *obj = NULL, *meta;
    long long occurred = 0;
    char err[128];
    if (oc_json_parse_object(data, strlen(data), &obj, err, sizeof(err)) != OC_OK)
        return;
    copy_field(e->call_id, sizeof(e->call_id), obj, "call_id");
    copy_field(e->campaign_id, sizeof(e->campaign_id), obj, "campaign_id");
    copy_field(e->to, sizeof(e->to), obj, "to");
    meta = json_object_get(obj, "meta");
    if (json_is_object(meta) && oc_json_get_int(meta, "occurred_unix_ms", false, 0, INT64_MAX,
                                                &occurred, err, sizeof(err)) == OC_OK)
        e->occurred_ms = occurred;
    json_decref(obj);
}

/* One frame (its blank line already cut off): an event, or the hello. */
static void stream_frame(struct stream *s, char *frame, double at)
{
    struct event e = {.at_ms = at};
    const char *data = NULL;
    bool hello = false;
    char *line = frame;
    while (line) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, "id: ", 4) == 0)
            snprintf(e.id, sizeof(e.id), "%s", line + 4);
        else if (strncmp(line, "event: ", 7) == 0)
            snprintf(e.type, sizeof(e.type), "%s", line + 7);
        else if (strncmp(line, "data: ", 6) == 0)
            data = line + 6;
        else if (strcmp(line, ": connected") == 0)
            hello = true;
        line = next;
    }
    if (data)
        event_fields(&e, data);
    pthread_mutex_lock(&s->mu);
    if (hello)
        s->live = true;
    if (e.type[0]) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 1024;
            struct event *v = realloc(s->v, cap * sizeof(*v));
            if (v) {
                s->v = v;
                s->cap = cap;
            }
        }
        if (s->n < s->cap)
            s->v[s->n++] = e;
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Moves what arrived from in to text, past the response head. False when
 * the answer is not a stream this bench reads (why says so). The gateway
 * sends the stream as it is, ending with the connection (no length, no
 * chunked coding). */
static bool stream_decode(struct stream *s, char *why, size_t whylen)
{
    if (!s->head_done) {
        char *end = strstr(s->in.p, "\r\n\r\n");
        if (!end)
            return true;
        *end = '\0';
        if (strncmp(s->in.p, "HTTP/1.1 200", 12) != 0 &&
            strncmp(s->in.p, "HTTP/1.0 200", 12) != 0) {
            snprintf(why, whylen, "GET /v1/events answered %.200s", s->in.p);
            return false;
        }
        for (char *c = s->in.p; c < end; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (strstr(s->in.p, "transfer-encoding:") != NULL) {
            snprintf(why, whylen,
                     "GET /v1/events came with a transfer coding, which this bench"
                     " does not read");
            return false;
        }
        buf_drop(&s->in, (size_t)(end - s->in.p) + 4);
        s->head_done = true;
    }
    if (!buf_add(&s->text, s->in.p, s->in.len)) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    buf_drop(&s->in, s->in.len);
    return true;
}

static void *stream_read(void *arg)
{
    struct stream *s = arg;
    char chunk[16384], why[256] = "";
    for (;;) {
        ssize_t n = recv(s->fd, chunk, sizeof(chunk), 0);
        double at = now_ms();
        if (n <= 0) {
            snprintf(why, sizeof(why), "%s",
                     n == 0 ? "the gateway closed the stream" : strerror(errno));
            break;
        }
        if (!buf_add(&s->in, chunk, (size_t)n)) {
            snprintf(why, sizeof(why), "out of memory");
            break;
        }
        bool go_on = stream_decode(s, why, sizeof(why));
        /* Every complete frame, stamped with the read that completed it. */
        char *end;
        while (s->text.p && (end = strstr(s->text.p, "\n\n")) != NULL) {
            size_t len = (size_t)(end - s->text.p) + 2;
            *end = '\0';
            stream_frame(s, s->text.p, at);
            buf_drop(&s->text, len);
        }
        if (!go_on)
            break;
    }
    pthread_mutex_lock(&s->mu);
    s->ended = true;
    snprintf(s->why, sizeof(s->why), "%s", why);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Connects to the gateway of base ("http://host:port") and asks for the
 * tenant's events; returns once the stream is live. Stops the bench when it
 * cannot open it. */
static void stream_open(struct stream *s, const char *base, const char *token)
{
    char host[256], port[16] = "80", head[1024];
    const char *h = strncmp(base, "http://", 7) == 0 ? base + 7 : base;
    size_t hl = strcspn(h, ":/");
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    pthread_condattr_t ca;

    if (hl == 0 || hl >= sizeof(host))
        die("OC_GATEWAY_URL is not http://host:port: %s", base);
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (h[hl] == ':')
        snprintf(port, sizeof(port), "%.*s", (int)strcspn(h + hl + 1, "/"), h + hl + 1);
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        die("cannot resolve %s:%s", host, port);
    memset(s, 0, sizeof(*s));
    s->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s->fd < 0 || connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0)
        die("cannot connect to %s:%s: %s", host, port, strerror(errno));
    freeaddrinfo(ai);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    int n = snprintf(head, sizeof(head),
                     "GET /v1/events HTTP/1.1\r\nHost: %s:%s\r\nAccept: text/event-stream\r\n"
                     "Authorization: Bearer %s\r\n\r\n",
                     host, port, token);
    if (n < 0 || (size_t)n >= sizeof(head) || send(s->fd, head, (size_t)n, MSG_NOSIGNAL) != n)
        die("cannot send the request for /v1/events");
    if (pthread_create(&s->thread, NULL, stream_read, s) != 0)
        die("cannot start the stream's reader");

    double until = now_ms() + 5000;
    pthread_mutex_lock(&s->mu);
    while (!s->live && !s->ended && now_ms() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    bool live = s->live;
    char why[256];
    snprintf(why, sizeof(why), "%s", s->ended ? s->why : "no \": connected\" within 5 s");
    pthread_mutex_unlock(&s->mu);
    if (!live)
        die("GET /v1/events did not open: %s", why);
}

static void stream_close(struct stream *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->v);
    free(s->in.p);
    free(s->text.p);
}

/* How many events were read so far: the place a wait starts from. */
static size_t stream_mark(struct stream *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* What an awaited event must carry; NULL fields match anything. */
struct want {
    const char *type;
    const char *id;
    const char *call_id;
    const char *campaign_id;
    const char *to;
};

static bool field_is(const char *have, const char *want)
{
    return !want || strcmp(have, want) == 0;
}

/* Waits until an event read at index from or later matches w, up to the
 * monotonic time deadline; copies it to out. False when none came. */
static bool stream_wait(struct stream *s, size_t from, const struct want *w, double deadline,
                        struct event *out)
{
    bool found = false;
    size_t i = from;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (; i < s->n && !found; i++) {
            const struct event *e = &s->v[i];
            if (field_is(e->type, w->type) && field_is(e->id, w->id) &&
                field_is(e->call_id, w->call_id) && field_is(e->campaign_id, w->campaign_id) &&
                field_is(e->to, w->to)) {
                *out = *e;
                found = true;
            }
        }
        double left = deadline - now_ms();
        if (found || s->ended || left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long long ns = ts.tv_nsec + (long long)(left * 1e6);
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return found;
}

/* ================================================================ figures */

struct series {
    const char *label;
    double *v;
    size_t n;
    size_t lost; /* samples not observed within the timeout */
};

static void series_init(struct series *s, const char *label, size_t cap)
{
    s->label = label;
    s->v = calloc(cap ? cap : 1, sizeof(*s->v));
    s->n = 0;
    s->lost = 0;
    if (!s->v)
        die("out of memory");
}

static void series_add(struct series *s, double ms)
{
    s->v[s->n++] = ms;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % of the samples at or under it. */
static double percentile(const double *sorted, size_t n, unsigned pct)
{
    size_t k = (pct * n + 99) / 100;
    return sorted[k ? k - 1 : 0];
}

static void series_print(struct series *s)
{
    if (s->n == 0) {
        printf("  %-50s %4zu %4zu   (no sample observed)\n", s->label, s->n, s->lost);
        return;
    }
    qsort(s->v, s->n, sizeof(*s->v), by_value);
    size_t over = 0;
    for (size_t i = 0; i < s->n; i++)
        over += s->v[i] > TARGET_MS;
    printf("  %-50s %4zu %4zu %7.1f %7.1f %7.1f %7.1f %7.1f %7.0f %4zu\n", s->label, s->n, s->lost,
           s->v[0], percentile(s->v, s->n, 50), percentile(s->v, s->n, 95),
           percentile(s->v, s->n, 99), s->v[s->n - 1], TARGET_MS, over);
}

/* ================================================================ set-up */

struct bench {
    struct oc_bus *bus;
    struct stream events;
    char assistant[37];
    char number[37];
    char zone[32]; /* an Etc/GMT zone where it is about 13:00 now */
    double timeout_ms;
    unsigned phone_base;
    unsigned phones;
};

/* Etc/GMT zones count the other way: Etc/GMT-3 is three hours ahead of UTC. */
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

/* A Spanish mobile number not used before in this run. */
static void next_phone(struct bench *b, char out[20])
{
    unsigned n = b->phone_base + ++b->phones;
    snprintf(out, 20, "+346%02u%06u", (n / 1000000) % 100, n % 1000000);
}

static void signup(void)
{
    char email[96], password[48], body[512];
    struct reply r;

    oc_random_token(password, sizeof(password), 18);
    snprintf(email, sizeof(email), "bench-latency-%ld-%.8s@example.test", (long)getpid(), password);
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"%s\",\"company\":\"bench/latency\"}", email,
             password);
    api(&r, "POST", body, "/v1/auth/signup");
    const char *token = jstr(r.json, "token"), *tenant = jstr(r.json, "tenant_id");
    if (r.status != 201 || !token || !tenant)
        die("POST /v1/auth/signup: %ld %s", r.status, r.text);
    if (strlen(token) >= sizeof(api_ctx.token))
        die("the session token is longer than expected");
    snprintf(api_ctx.token, sizeof(api_ctx.token), "%s", token);
    snprintf(api_ctx.auth, sizeof(api_ctx.auth), "Authorization: Bearer %s", token);
    snprintf(api_ctx.tenant, sizeof(api_ctx.tenant), "%s", tenant);
    reply_clear(&r);
}

static void grant_credits(struct oc_bus *bus)
{
    Ocpb__Credits amount = OCPB__CREDITS__INIT;
    Ocpb__GrantCreditsRequest q = OCPB__GRANT_CREDITS_REQUEST__INIT;
    Ocpb__GrantCreditsReply *rep = NULL;
    struct oc_call call = {.tenant_id = api_ctx.tenant, .timeout_ms = 5000};
    char reference[64], err[256] = "";

    amount.milli = GRANT_MILLI;
    snprintf(reference, sizeof(reference), "bench-latency-%s", api_ctx.tenant);
    q.kind = OCPB__LEDGER_KIND__LEDGER_KIND_ADJUSTMENT;
    q.amount = &amount;
    q.reference = reference;
    q.description = "bench/latency";
    enum oc_status s =
        oc_bus_call(bus, "billing.grant", &call, &q.base, &ocpb__grant_credits_reply__descriptor,
                    NULL, (ProtobufCMessage **)&rep, err, sizeof(err));
    if (s != OC_OK)
        die("billing.grant: %s %s", oc_status_code(s), err);
    ocpb__grant_credits_reply__free_unpacked(rep, NULL);
}

static void create_references(struct bench *b)
{
    char body[256];
    struct reply r;

    api(&r, "POST",
        "{\"name\":\"Bench\",\"language\":\"es\",\"greeting\":\"Hola, soy Bench.\","
        "\"script\":{\"objective\":\"demo\",\"lines\":[{\"text\":\"¿Tiene un minuto?\"}],"
        "\"closing_line\":\"Gracias, adiós\"}}",
        "/v1/assistants");
    created_id(&r, "POST /v1/assistants", b->assistant);
    /* Nothing listens on port 9: the dialer's attempt fails at once. */
    snprintf(body, sizeof(body),
             "{\"kind\":\"sip\",\"trunk\":\"" TRUNK "\",\"caller_id\":\"+34910000000\","
             "\"label\":\"bench/latency\"}");
    api(&r, "POST", body, "/v1/numbers");
    created_id(&r, "POST /v1/numbers", b->number);
}

static void create_campaign(struct bench *b, const char *name, char id[37])
{
    char body[512];
    struct reply r;
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"assistant_id\":\"%s\",\"number_id\":\"%s\","
             "\"default_region\":\"ES\",\"timezone\":\"%s\"}",
             name, b->assistant, b->number, b->zone);
    api(&r, "POST", body, "/v1/campaigns");
    created_id(&r, "POST /v1/campaigns", id);
}

static void add_lead(struct bench *b, const char *campaign, const char *phone, char lead[37])
{
    char body[256];
    struct reply r;
    snprintf(body, sizeof(body), "{\"name\":\"Bench\",\"phone_raw\":\"%s\",\"timezone\":\"%s\"}",
             phone, b->zone);
    api(&r, "POST", body, "/v1/campaigns/%s/leads", campaign);
    created_id(&r, "POST /v1/campaigns/{id}/leads", lead);
}

/* Polls GET /v1/calls?<query>&status=created until want calls are listed;
 * writes their ids. Stops the bench when they do not appear: that is set-up,
 * not a figure. */
static void wait_created(struct bench *b, const char *query, char (*ids)[37], size_t want)
{
    double until = now_ms() + 3 * b->timeout_ms;
    struct reply r = {0};
    for (;;) {
        api(&r, "GET", NULL, "/v1/calls?%s&status=created", query);
        json_t *items = json_object_get(r.json, "items");
        size_t n = 0;
        for (size_t i = 0; r.status == 200 && i < json_array_size(items) && n < want; i++) {
            const char *id = jstr(json_array_get(items, i), "id");
            if (id && oc_uuid_valid(id))
                snprintf(ids[n++], 37, "%s", id);
        }
        if (n == want) {
            reply_clear(&r);
            return;
        }
        reply_clear(&r);
        if (now_ms() > until)
            die("GET /v1/calls?%s: %zu created call(s) never appeared (is the scheduler consuming"
                " leads.added?): %ld %s",
                query, want, r.status, r.text);
        sleep_ms(POLL_MS);
    }
}

/* POST /v1/campaigns/{id}/<verb>; true when it answered 200 with state. */
static bool campaign_verb(const char *id, const char *verb, const char *state)
{
    struct reply r;
    api(&r, "POST", NULL, "/v1/campaigns/%s/%s", id, verb);
    const char *got = jstr(r.json, "state");
    bool ok = r.status == 200 && got && strcmp(got, state) == 0;
    if (!ok)
        fprintf(stderr, "bench/latency: POST %s of campaign %s: %ld %s\n", verb, id, r.status,
                r.text);
    reply_clear(&r);
    return ok;
}

/* Says once why a call did not get where it should, from what the scheduler shows of it. */
static void explain_lost(const char *call, const char *awaited)
{
    static bool said;
    struct reply r;
    if (said)
        return;
    said = true;
    api(&r, "GET", NULL, "/v1/calls/%s", call);
    fprintf(stderr, "bench/latency: call %s not seen %s in time; it is %s (%s)\n", call, awaited,
            jstr(r.json, "status") ? jstr(r.json, "status") : "?",
            jstr(r.json, "status_reason") ? jstr(r.json, "status_reason") : r.text);
    reply_clear(&r);
}

/* ================================================================ (1) events */

/* Publishes a call status change for the tenant as the scheduler does
 * (test_api.c's publish_status_change); its event id goes to event_id. */
static void publish_status_change(struct oc_bus *bus, char event_id[37])
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallStatusChanged ev = OCPB__CALL_STATUS_CHANGED__INIT;
    char call_id[37], subject[128];

    oc_uuid_v4(event_id);
    oc_uuid_v4(call_id);
    meta.event_id = event_id;
    meta.tenant_id = api_ctx.tenant;
    meta.occurred_unix_ms = wall_ms();
    ev.meta = &meta;
    ev.call_id = call_id;
    ev.from = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
    ev.to = OCPB__CALL_STATUS__CALL_STATUS_CALLING;
    ev.kind = OCPB__CALL_KIND__CALL_KIND_FIRST;
    ev.attempt = 1;
    snprintf(subject, sizeof(subject), "evt.%s.call.status_changed", api_ctx.tenant);
    if (oc_bus_publish(bus, subject, &ev.base) != OC_OK ||
        natsConnection_FlushTimeout(oc_bus_nats(bus), 2000) != NATS_OK)
        die("cannot publish on %s", subject);
}

static void measure_events(struct bench *b, long samples, struct series *seen)
{
    for (long i = -WARM_UP_EVENTS; i < samples; i++) {
        char id[37];
        struct event e;
        size_t from = stream_mark(&b->events);
        double t0 = now_ms();
        publish_status_change(b->bus, id);
        struct want w = {.type = "call.status_changed", .id = id};
        bool got = stream_wait(&b->events, from, &w, t0 + b->timeout_ms, &e);
        if (i < 0)
            continue;
        if (got)
            series_add(seen, e.at_ms - t0);
        else
            seen->lost++;
    }
}

/* ================================================================ (2) do-not-call */

static void measure_dnc(struct bench *b, long samples, struct series *seen, struct series *stamp,
                        struct series *answer)
{
    char a[37], c[37];
    create_campaign(b, "bench/latency dnc A", a);
    create_campaign(b, "bench/latency dnc B", c);
    for (long i = 0; i < samples; i++) {
        char phone[20], lead[37], query[64], calls[2][37], body[128];
        struct reply r;
        next_phone(b, phone);
        add_lead(b, a, phone, lead);
        add_lead(b, c, phone, lead);
        snprintf(query, sizeof(query), "phone=%%2B%s", phone + 1);
        wait_created(b, query, calls, 2);
        snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"reason\":\"bench/latency\"}", phone);

        size_t from = stream_mark(&b->events);
        long long w0 = wall_ms();
        double t0 = now_ms();
        api(&r, "POST", body, "/v1/dnc");
        double answered = now_ms();
        if (r.status != 201)
            die("POST /v1/dnc: %ld %s", r.status, r.text);
        reply_clear(&r);
        series_add(answer, answered - t0);

        struct event e[2];
        bool got = true;
        for (int k = 0; k < 2 && got; k++) {
            struct want w = {.type = "call.status_changed", .call_id = calls[k], .to = "canceled"};
            got = stream_wait(&b->events, from, &w, t0 + b->timeout_ms, &e[k]);
            if (!got)
                explain_lost(calls[k], "canceled");
        }
        if (!got) {
            seen->lost++;
            stamp->lost++;
            continue;
        }
        series_add(seen, (e[0].at_ms > e[1].at_ms ? e[0].at_ms : e[1].at_ms) - t0);
        long long last = e[0].occurred_ms > e[1].occurred_ms ? e[0].occurred_ms : e[1].occurred_ms;
        if (last > 0)
            series_add(stamp, (double)(last - w0));
        else
            stamp->lost++;
    }
    campaign_verb(a, "stop", "stopped");
    campaign_verb(c, "stop", "stopped");
}

/* ================================================================ (3) campaign state */

struct campaign_figures {
    struct series start_seen, start_stamp;
    struct series pause_answer, pause_seen;
    struct series resume_seen, resume_stamp;
};

/* Sends verb and waits for call to be queued; adds the sample to seen and stamp. */
static void until_queued(struct bench *b, const char *campaign, const char *verb, const char *call,
                         struct series *seen, struct series *stamp)
{
    size_t from = stream_mark(&b->events);
    long long w0 = wall_ms();
    double t0 = now_ms();
    struct event e;
    if (!campaign_verb(campaign, verb, "running"))
        die("POST /v1/campaigns/{id}/%s was refused", verb);
    struct want w = {.type = "call.status_changed", .call_id = call, .to = "queued"};
    if (!stream_wait(&b->events, from, &w, t0 + b->timeout_ms, &e)) {
        explain_lost(call, "queued");
        seen->lost++;
        stamp->lost++;
        return;
    }
    series_add(seen, e.at_ms - t0);
    if (e.occurred_ms > 0)
        series_add(stamp, (double)(e.occurred_ms - w0));
    else
        stamp->lost++;
}

static void measure_campaigns(struct bench *b, long samples, struct campaign_figures *f)
{
    for (long i = 0; i < samples; i++) {
        char id[37], name[64], phone[20], lead[37], query[128], first[1][37], second[1][37];
        snprintf(name, sizeof(name), "bench/latency %ld", i + 1);
        create_campaign(b, name, id);
        next_phone(b, phone);
        add_lead(b, id, phone, lead);
        snprintf(query, sizeof(query), "campaign_id=%s&lead_id=%s", id, lead);
        wait_created(b, query, first, 1);

        until_queued(b, id, "start", first[0], &f->start_seen, &f->start_stamp);

        size_t from = stream_mark(&b->events);
        double t0 = now_ms();
        if (!campaign_verb(id, "pause", "paused"))
            die("POST /v1/campaigns/{id}/pause was refused");
        series_add(&f->pause_answer, now_ms() - t0);
        struct event e;
        struct want w = {.type = "campaign.state_changed", .campaign_id = id, .to = "paused"};
        if (stream_wait(&b->events, from, &w, t0 + b->timeout_ms, &e))
            series_add(&f->pause_seen, e.at_ms - t0);
        else
            f->pause_seen.lost++;

        /* A call created while paused, so that only the resume can queue it. */
        next_phone(b, phone);
        add_lead(b, id, phone, lead);
        snprintf(query, sizeof(query), "campaign_id=%s&lead_id=%s", id, lead);
        wait_created(b, query, second, 1);
        until_queued(b, id, "resume", second[0], &f->resume_seen, &f->resume_stamp);
        campaign_verb(id, "stop", "stopped");
    }
}

/* ================================================================ main */

static long samples_of(const char *name, long def)
{
    long n = env_long(name, env_long("BENCH_SAMPLES", def));
    if (n < 1 || n > 100000)
        die("%s (or BENCH_SAMPLES) must be 1 to 100000", name);
    return n;
}

int main(void)
{
    static struct bench b;
    long n_events = samples_of("BENCH_EVENT_SAMPLES", 200);
    long n_dnc = samples_of("BENCH_DNC_SAMPLES", 30);
    long n_campaigns = samples_of("BENCH_CAMPAIGN_SAMPLES", 30);
    b.timeout_ms = (double)env_long("BENCH_TIMEOUT_MS", 5000);
    if (b.timeout_ms < 100)
        die("BENCH_TIMEOUT_MS must be at least 100");
    api_ctx.base = getenv("OC_GATEWAY_URL") ? getenv("OC_GATEWAY_URL") : "http://127.0.0.1:8080";
    const char *nats = getenv("NATS_URL") ? getenv("NATS_URL") : "nats://127.0.0.1:4222";
    if (!getenv("LOG_LEVEL"))
        setenv("LOG_LEVEL", "warn", 1);
    oc_log_init("bench-latency");
    if (oc_http_global_init() != OC_OK)
        die("libcurl did not initialise");
    noon_zone(b.zone);
    oc_random_bytes(&b.phone_base, sizeof(b.phone_base));
    b.phone_base %= 50000000;

    struct reply r;
    api(&r, "GET", NULL, "/healthz");
    if (r.status != 200)
        die("the stack at %s is not healthy (start it with scripts/stack.sh start and"
            " eval \"$(scripts/stack.sh env)\"): %ld %s",
            api_ctx.base, r.status, r.text);
    reply_clear(&r);
    signup();
    if (oc_bus_connect(&b.bus, nats, "bench-latency", 5000) != OC_OK)
        die("cannot connect to %s", nats);
    grant_credits(b.bus);
    create_references(&b);
    stream_open(&b.events, api_ctx.base, api_ctx.token);

    printf("bench/latency: gateway %s, NATS %s, tenant %s, zone %s\n", api_ctx.base, nats,
           api_ctx.tenant, b.zone);
    printf("observed: events read from GET /v1/events as they arrive (not polling GET /v1/calls);"
           " timeout %.0f ms\n",
           b.timeout_ms);
    fflush(stdout);

    struct series ev_seen, dnc_seen, dnc_stamp, dnc_answer;
    struct campaign_figures cf;
    series_init(&ev_seen, "(1) publish -> seen on /v1/events", (size_t)n_events);
    series_init(&dnc_seen, "(2) POST /v1/dnc -> both calls canceled, seen", (size_t)n_dnc);
    series_init(&dnc_stamp, "    ... canceled, scheduler's stamp", (size_t)n_dnc);
    series_init(&dnc_answer, "    ... POST /v1/dnc answered", (size_t)n_dnc);
    series_init(&cf.start_seen, "(3) POST start -> first call queued, seen", (size_t)n_campaigns);
    series_init(&cf.start_stamp, "    ... queued, scheduler's stamp", (size_t)n_campaigns);
    series_init(&cf.pause_answer, "(3) POST pause -> answered, state paused", (size_t)n_campaigns);
    series_init(&cf.pause_seen, "    ... campaign.state_changed paused, seen", (size_t)n_campaigns);
    series_init(&cf.resume_seen, "(3) POST resume -> first call queued, seen", (size_t)n_campaigns);
    series_init(&cf.resume_stamp, "    ... queued, scheduler's stamp", (size_t)n_campaigns);

    double t = now_ms();
    measure_events(&b, n_events, &ev_seen);
    printf("(1) %ld events in %.1f s\n", n_events, (now_ms() - t) / 1e3);
    fflush(stdout);
    t = now_ms();
    measure_dnc(&b, n_dnc, &dnc_seen, &dnc_stamp, &dnc_answer);
    printf("(2) %ld do-not-call additions in %.1f s\n", n_dnc, (now_ms() - t) / 1e3);
    fflush(stdout);
    t = now_ms();
    measure_campaigns(&b, n_campaigns, &cf);
    printf("(3) %ld campaigns started, paused and resumed in %.1f s\n", n_campaigns,
           (now_ms() - t) / 1e3);

    printf("\n  %-50s %4s %4s %7s %7s %7s %7s %7s %7s %4s\n", "figure (ms)", "n", "lost", "min",
           "p50", "p95", "p99", "max", "target", "over");
    struct series *all[] = {&ev_seen,        &dnc_seen,       &dnc_stamp,       &dnc_answer,
                            &cf.start_seen,  &cf.start_stamp, &cf.pause_answer, &cf.pause_seen,
                            &cf.resume_seen, &cf.resume_stamp};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        series_print(all[i]);
    printf("  (lost: not observed within %.0f ms; over: samples above the target)\n", b.timeout_ms);

    int rc = 0;
    struct series *needed[] = {&ev_seen, &dnc_seen, &cf.start_seen, &cf.pause_answer,
                               &cf.resume_seen};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        if (needed[i]->n == 0) {
            fprintf(stderr, "bench/latency: could not measure \"%s\": no sample observed\n",
                    needed[i]->label);
            rc = 1;
        }
    }
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]->v);
    stream_close(&b.events);
    oc_bus_free(b.bus);
    oc_http_global_cleanup();
    return rc;
}
