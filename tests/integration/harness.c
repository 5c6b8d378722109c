/*
 * Shared helpers for the integration tests (see harness.h): the environment
 * scripts/run-tests.sh exports, HTTP to the gateway through the project's own
 * client (oc_http_do), a NATS connection through oc_bus_connect, sign-up of
 * throwaway tenants, and scripts/stack.sh to stop, kill or restart parts of
 * the stack. Every helper fails the current test with a message that says
 * what went wrong instead of returning an error the test would have to check.
 */
#include <fcntl.h>
#include <signal.h>
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oc/http_client.h"
#include "oc/log.h"
#include "proto/scheduler.pb-c.h"

#define TH_HTTP_TIMEOUT_MS 15000
#define TH_BUS_CONNECT_MS 5000
#define TH_DEFAULT_PASSWORD "integration-test-password"

/*
 * Criterion runs every test in a worker process of its own. A constructor has
 * run in each of them before any test code (in the worker itself or in the
 * process it was forked from), so logging and libcurl are set up once per
 * process, while it has one thread, as oc_http_global_init() asks.
 */
__attribute__((constructor)) static void th_init(void)
{
    if (oc_log_init("tests") != 0)
        fprintf(stderr, "harness: LOG_LEVEL is not a level; logging at info\n");
    if (oc_http_global_init() != OC_OK)
        fprintf(stderr, "harness: libcurl did not initialise\n");
}

const char *th_env(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || *v == '\0')
        cr_assert_fail("environment variable %s is not set: run the integration tests through "
                       "scripts/run-tests.sh integration (or eval \"$(scripts/stack.sh env)\")",
                       name);
    return v;
}

/* ------------------------------------------------------------ HTTP */

char *th_strdup(const char *s)
{
    char *d = strdup(s != NULL ? s : "");

    cr_assert_not_null(d, "out of memory");
    return d;
}

/* A formatted string in fresh memory (asprintf is a GNU extension). */
static char *th_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *th_sprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0, "bad format %s", fmt);
    s = malloc((size_t)n + 1);
    cr_assert_not_null(s, "out of memory");
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static bool th_is_json(const char *content_type)
{
    return content_type != NULL && strncmp(content_type, "application/json", 16) == 0;
}

void th_http_ct(struct th_resp *out, const char *method, const char *path, const char *token,
                const char *content_type, const char *body, size_t body_len)
{
    const char *base = th_env("OC_GATEWAY_URL");
    char *url = NULL, *auth = NULL, *ctype = NULL;
    const char *headers[4];
    size_t nh = 0;
    struct oc_http_response resp = {0};
    enum oc_status s;

    memset(out, 0, sizeof(*out));
    url = th_sprintf("%s%s", base, path);
    if (token != NULL) {
        auth = th_sprintf("Authorization: Bearer %s", token);
        headers[nh++] = auth;
    }
    if (body != NULL) {
        ctype = th_sprintf("Content-Type: %s",
                           content_type != NULL ? content_type : "application/json");
        headers[nh++] = ctype;
    }
    headers[nh] = NULL;

    struct oc_http_request req = {
        .method = method,
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = body != NULL ? body_len : 0,
        .timeout_ms = TH_HTTP_TIMEOUT_MS,
    };
    s = oc_http_do(&req, &resp);
    if (s != OC_OK) {
        /* No answer at all: status 0 and the reason as the body, so that a
         * test polling a restarting gateway can retry and an assertion on the
         * status shows why. */
        char msg[512];
        snprintf(msg, sizeof(msg), "no answer from the gateway to %s %s: %s",
                 method != NULL ? method : "GET", url, oc_status_text(s));
        out->status = 0;
        out->body = th_strdup(msg);
        goto out;
    }
    out->status = resp.status;
    out->body = th_strdup(resp.body);
    out->content_type = resp.content_type != NULL ? th_strdup(resp.content_type) : NULL;
    if (out->body[0] != '\0' &&
        (th_is_json(out->content_type) || out->body[0] == '{' || out->body[0] == '['))
        out->json = json_loads(out->body, JSON_DECODE_ANY, NULL);

out:
    oc_http_response_clear(&resp);
    free(url);
    free(auth);
    free(ctype);
}

void th_http(struct th_resp *out, const char *method, const char *path, const char *token,
             const char *body)
{
    th_http_ct(out, method, path, token, NULL, body, body != NULL ? strlen(body) : 0);
}

void th_resp_clear(struct th_resp *r)
{
    if (r == NULL)
        return;
    free(r->body);
    free(r->content_type);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

const char *th_error_code(const struct th_resp *r)
{
    json_t *err, *code;

    if (r == NULL || r->json == NULL)
        return "";
    err = json_object_get(r->json, "error");
    code = json_is_object(err) ? json_object_get(err, "code") : NULL;
    return json_is_string(code) ? json_string_value(code) : "";
}

/* ------------------------------------------------------------ tenants */

/* A string field of a JSON object, copied; fails the test when absent. */
static char *th_json_str(const struct th_resp *r, const char *field)
{
    json_t *v = r->json != NULL ? json_object_get(r->json, field) : NULL;

    cr_assert(json_is_string(v), "sign-up reply has no string \"%s\": %s", field, r->body);
    return th_strdup(json_string_value(v));
}

void th_signup(char **token, char **tenant_id, char **email, const char *password)
{
    static unsigned counter;
    struct timespec ts;
    char addr[128];
    unsigned n = ++counter;
    json_t *body;
    char *text;
    struct th_resp r;

    /* Unique across workers (pid), within one (counter) and across runs
     * against the same database (clock). */
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(addr, sizeof(addr), "t%ld-%u-%08lx@example.test", (long)getpid(), n,
             (unsigned long)(ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 8)) & 0xffffffffUL);

    body = json_pack("{s:s, s:s, s:s}", "email", addr, "password",
                     password != NULL ? password : TH_DEFAULT_PASSWORD, "company", "Test Co");
    cr_assert_not_null(body, "out of memory");
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    cr_assert_not_null(text, "out of memory");

    th_http(&r, "POST", "/v1/auth/signup", NULL, text);
    free(text);
    cr_assert_eq(r.status, 201, "sign-up of %s: %ld %s", addr, r.status, r.body);

    char *tok = th_json_str(&r, "token");
    char *tid = th_json_str(&r, "tenant_id");
    th_resp_clear(&r);

    if (token != NULL)
        *token = tok;
    else
        free(tok);
    if (tenant_id != NULL)
        *tenant_id = tid;
    else
        free(tid);
    if (email != NULL)
        *email = th_strdup(addr);
}

/* ------------------------------------------------------------ stack */

int th_stack(const char *fmt, ...)
{
    const char *stack = th_env("OC_STACK");
    char args[1024];
    char *cmd;
    va_list ap;
    int st;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);

    /* OC_STACK is a path; single-quote it (no quote can occur in it that
     * the runner would have produced, but refuse one rather than misparse). */
    cr_assert(strchr(stack, '\'') == NULL, "OC_STACK contains a quote: %s", stack);
    cmd = th_sprintf("'%s' %s", stack, args);
    fflush(NULL);
    st = system(cmd);
    free(cmd);
    if (st == -1)
        cr_assert_fail("cannot run %s: %s", stack, strerror(errno));
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

/* ------------------------------------------------------------ NATS */

struct oc_bus *th_bus(void)
{
    struct oc_bus *bus = NULL;
    const char *url = th_env("NATS_URL");
    enum oc_status s = oc_bus_connect(&bus, url, "integration-tests", TH_BUS_CONNECT_MS);

    cr_assert_eq(s, OC_OK, "cannot connect to NATS at %s: %s", url, oc_status_text(s));
    return bus;
}

/* ------------------------------------------------------------ time */

void th_httpf(struct th_resp *out, const char *method, const char *token, const char *body,
              const char *fmt, ...)
{
    char path[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    th_http(out, method, path, token, body);
}

const char *th_jstr(const json_t *obj, const char *key)
{
    json_t *v = obj != NULL ? json_object_get(obj, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long th_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool th_wait_until(bool (*cond)(void *), void *arg, int timeout_ms)
{
    long long deadline = th_now_ms() + timeout_ms;
    struct timespec step = {0, 50 * 1000000L};

    for (;;) {
        if (cond(arg))
            return true;
        if (th_now_ms() >= deadline)
            return false;
        nanosleep(&step, NULL);
    }
}

void th_child_start(struct th_child *c, const char *tag, char *const argv[])
{
    if (!tag)
        tag = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    snprintf(c->log, sizeof(c->log), "/tmp/oc-test-%d-%s.log", (int)getpid(), tag);
    c->pid = fork();
    cr_assert_geq(c->pid, 0);
    if (c->pid == 0) {
        int fd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (null >= 0)
            dup2(null, 0);
        /* The child starts with default signals, whatever the runner set. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execvp(argv[0], argv);
        _exit(127);
    }
}

int th_child_wait(struct th_child *c, int ms)
{
    int status = 0;
    if (c->pid <= 0)
        return -1;
    for (int waited = 0; waited < ms; waited += 50) {
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            c->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        usleep(50000);
    }
    kill(c->pid, SIGTERM);
    waitpid(c->pid, &status, 0);
    c->pid = 0;
    return -1;
}

int th_jobs_queued(struct oc_bus *bus, const char *call_id)
{
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    int n = 0;

    cr_assert_eq(natsConnection_JetStream(&js, oc_bus_nats(bus), NULL), NATS_OK);
    cr_assert_eq(js_GetStreamInfo(&si, js, "JOBS", NULL, &jerr), NATS_OK, "JOBS: %d", jerr);
    for (uint64_t seq = si->State.FirstSeq; seq && seq <= si->State.LastSeq; seq++) {
        natsMsg *m = NULL;
        Ocpb__CallJob *job;

        if (js_GetMsg(&m, js, "JOBS", seq, NULL, &jerr) != NATS_OK)
            continue; /* acked and gone */
        job = ocpb__call_job__unpack(NULL, (size_t)natsMsg_GetDataLength(m),
                                     (const uint8_t *)natsMsg_GetData(m));
        if (job && job->call_id && strcmp(job->call_id, call_id) == 0)
            n++;
        if (job)
            ocpb__call_job__free_unpacked(job, NULL);
        natsMsg_Destroy(m);
    }
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    return n;
}

int th_free_port(int type, bool even)
{
    for (int tries = 0; tries < 100; tries++) {
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
        int port;

        cr_assert_geq(fd, 0);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        port = ntohs(sa.sin_port);
        if (!even || port % 2 == 0)
            return port;
    }
    cr_assert_fail("no free port");
    return 0;
}

bool th_wait_udp_bound(int port, int ms)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int waited = 0; waited <= ms; waited += 50) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rc;

        if (fd < 0)
            return false;
        rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        close(fd);
        if (rc != 0 && errno == EADDRINUSE)
            return true;
        usleep(50000);
    }
    return false;
}

void th_carrier_start(struct th_carrier *c, const char *contacts)
{
    char bin[512], env_contacts[192], env_results[192], env_port[64], env_rtp[64];
    const char *build = getenv("BUILD");
    FILE *f;
    int rtp;

    memset(c, 0, sizeof(*c));
    snprintf(bin, sizeof(bin), "%s/bin/sandbox-carrier", build && *build ? build : "build");
    cr_assert_eq(access(bin, X_OK), 0, "%s is not built", bin);
    snprintf(c->contacts, sizeof(c->contacts), "/tmp/oc-test-%d-contacts.conf", (int)getpid());
    snprintf(c->results, sizeof(c->results), "/tmp/oc-test-%d-results.jsonl", (int)getpid());
    unlink(c->results);
    f = fopen(c->contacts, "w");
    cr_assert_not_null(f);
    fputs(contacts, f);
    fclose(f);
    c->port = th_free_port(SOCK_DGRAM, false);
    rtp = th_free_port(SOCK_DGRAM, true);
    snprintf(env_contacts, sizeof(env_contacts), "SANDBOX_CONTACTS=%s", c->contacts);
    snprintf(env_results, sizeof(env_results), "SANDBOX_RESULTS=%s", c->results);
    snprintf(env_port, sizeof(env_port), "SANDBOX_SIP_PORT=%d", c->port);
    snprintf(env_rtp, sizeof(env_rtp), "SANDBOX_RTP_PORTS=%d-%d", rtp, rtp + 20);
    char *const argv[] = {"env", env_contacts, env_results, env_port, env_rtp, bin, NULL};
    th_child_start(&c->child, "carrier", argv);
    cr_assert(th_wait_udp_bound(c->port, 10000), "the carrier is not listening on %d (log %s)",
              c->port, c->child.log);
}

void th_carrier_stop(struct th_carrier *c)
{
    if (c->child.pid > 0) {
        kill(c->child.pid, SIGTERM);
        cr_expect_eq(th_child_wait(&c->child, 5000), 0, "the carrier stopped cleanly (log %s)",
                     c->child.log);
    }
    unlink(c->contacts);
    unlink(c->results);
    unlink(c->child.log);
}

char *th_carrier_result(const char *path, const char *number)
{
    FILE *f = fopen(path, "r");
    char line[2048], key[64];
    char *found = NULL;

    if (!f)
        return NULL;
    snprintf(key, sizeof(key), "\"number\":\"%s\"", number);
    while (fgets(line, sizeof(line), f))
        if (strstr(line, key)) {
            free(found);
            found = th_strdup(line);
        }
    fclose(f);
    return found;
}

bool th_carrier_wrote(void *arg)
{
    const struct th_carrier_arg *a = arg;
    char *r = th_carrier_result(a->path, a->number);

    free(r);
    return r != NULL;
}

bool th_have_program(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}
