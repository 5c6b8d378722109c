/*
 * The public REST API of the gateway over HTTP, against the running stack
 * with every service: assistants, numbers, campaigns and their state
 * changes, lead uploads (CSV, multipart, one lead as JSON, a file over the
 * JSON body limit streamed through, the upload limit), leads, imports, the
 * do-not-call list, calls (manual, rescheduled, canceled, and one joined
 * with its analysis), credits, paging, validation errors, tenant isolation,
 * and the Server-Sent Events of /v1/events (delivered, to the event's tenant
 * only).
 *
 * A route whose backing service does not serve its subject yet answers 503
 * naming the subject; a test that depends on it is skipped with that
 * message instead of failing on someone else's unfinished work.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "oc/crypto.h"
#include "proto/media.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define WAIT_MS 15000
#define SIP_NUMBER                                                                                 \
    "{\"kind\":\"sip\",\"trunk\":\"sip:127.0.0.1:5070\",\"caller_id\":\"+34910000000\"}"

/* ================================================================ helpers */

struct tenant {
    char *token;
    char *id;
    char *email;
};

static void tenant_new(struct tenant *t)
{
    th_signup(&t->token, &t->id, &t->email, NULL);
}

static void tenant_free(struct tenant *t)
{
    free(t->token);
    free(t->id);
    free(t->email);
}

static const char *error_message(const struct th_resp *r)
{
    json_t *e = r->json != NULL ? json_object_get(r->json, "error") : NULL;

    return e != NULL && th_jstr(e, "message") != NULL ? th_jstr(e, "message") : "";
}

/* Skips the test when the route's backing service does not serve its subject yet. */
static void skip_unless_served(const struct th_resp *r, const char *subject)
{
    if (r->status == 503 && strstr(r->body, subject) != NULL)
        cr_skip_test("%s is not served yet: %s", subject, r->body);
}

/* Asserts a 400 whose message names what it should. */
static void assert_invalid(const struct th_resp *r, const char *names)
{
    cr_assert_eq(r->status, 400, "%ld %s", r->status, r->body);
    cr_assert_str_eq(th_error_code(r), "invalid_argument", "%s", r->body);
    cr_assert(strstr(error_message(r), names) != NULL, "the message does not name %s: %s", names,
              r->body);
}

/* True when the list answer of r has an item with id. */
static bool listed(const struct th_resp *r, const char *id)
{
    json_t *items = r->json != NULL ? json_object_get(r->json, "items") : NULL;

    cr_assert(json_is_array(items), "not a list: %s", r->body);
    cr_assert(json_object_get(r->json, "next_cursor") != NULL, "no next_cursor: %s", r->body);
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *v = th_jstr(json_array_get(items, i), "id");

        if (v != NULL && strcmp(v, id) == 0)
            return true;
    }
    return false;
}

/* An assistant of the tenant: a real one, or (when the assistants service
 * does not serve yet) a fresh id, which the scheduler accepts unchecked. */
static char *assistant_for(const char *token)
{
    struct th_resp r;
    char *id;

    th_http(&r, "POST", "/v1/assistants", token,
            "{\"name\":\"Ana\",\"language\":\"es\",\"greeting\":\"Hola, soy Ana\","
            "\"script\":{\"objective\":\"demo\",\"lines\":[{\"text\":\"¿Tiene un minuto?\"}],"
            "\"closing_line\":\"Gracias, adiós\"}}");
    if (r.status == 503) {
        char fresh[37];

        cr_assert_eq(oc_uuid_v4(fresh), OC_OK);
        th_resp_clear(&r);
        return th_strdup(fresh);
    }
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    id = th_strdup(th_jstr(r.json, "id"));
    th_resp_clear(&r);
    return id;
}

static char *number_for(const char *token)
{
    struct th_resp r;
    char *id;

    th_http(&r, "POST", "/v1/numbers", token, SIP_NUMBER);
    skip_unless_served(&r, "numbers.create");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    id = th_strdup(th_jstr(r.json, "id"));
    th_resp_clear(&r);
    return id;
}

static char *campaign_for(const char *token)
{
    char *assistant = assistant_for(token), *number = number_for(token), *id;
    char body[512];
    struct th_resp r;

    snprintf(body, sizeof(body),
             "{\"name\":\"Demo\",\"assistant_id\":\"%s\",\"number_id\":\"%s\","
             "\"default_region\":\"ES\",\"timezone\":\"Europe/Madrid\"}",
             assistant, number);
    th_http(&r, "POST", "/v1/campaigns", token, body);
    skip_unless_served(&r, "campaigns.create");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    id = th_strdup(th_jstr(r.json, "id"));
    th_resp_clear(&r);
    free(assistant);
    free(number);
    return id;
}

/* Phone numbers unique to this run: +34 6xx xxx xxx from the clock. */
static void phone(char *out, size_t len, int i)
{
    snprintf(out, len, "6%02d%06d", (int)(th_now_ms() / 1000 % 100),
             (int)((th_now_ms() + i) % 1000000));
}

static void upload(struct th_resp *r, const char *token, const char *campaign, const char *ctype,
                   const char *body, size_t len, const char *query)
{
    char path[256];

    snprintf(path, sizeof(path), "/v1/campaigns/%s/leads%s%s", campaign, query ? "?" : "",
             query ? query : "");
    th_http_ct(r, "POST", path, token, ctype, body, len);
}

/* ---------------------------------------------------------------- raw sockets */

/* A connection to the gateway without an HTTP client between: for a stream
 * read as it comes, and for headers a client library would correct. */
struct raw {
    int fd;
    char *buf;
    size_t len;
    size_t cap;
};

static void raw_connect(struct raw *c)
{
    const char *url = th_env("OC_GATEWAY_URL");
    const char *colon = strrchr(url, ':');
    struct sockaddr_in sa;

    cr_assert_not_null(colon, "OC_GATEWAY_URL has no port: %s", url);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(c->fd, 0);
    cr_assert_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "cannot connect to %s",
                 url);
    c->cap = 1 << 16;
    c->buf = malloc(c->cap + 1);
    cr_assert_not_null(c->buf);
    c->buf[0] = '\0';
}

static void raw_send(struct raw *c, const char *text)
{
    size_t n = strlen(text);

    cr_assert_eq(send(c->fd, text, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Reads until needle has arrived (true) or timeout_ms passed (false). */
static bool raw_wait(struct raw *c, const char *needle, int timeout_ms)
{
    long long until = th_now_ms() + timeout_ms;

    for (;;) {
        struct pollfd p = {c->fd, POLLIN, 0};
        long long left;
        ssize_t n;

        if (strstr(c->buf, needle) != NULL)
            return true;
        left = until - th_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return strstr(c->buf, needle) != NULL;
        if (c->len == c->cap) {
            /* Keep the second half: what is awaited comes last. */
            memmove(c->buf, c->buf + c->cap / 2, c->cap / 2);
            c->len = c->cap / 2;
        }
        n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (n <= 0)
            return strstr(c->buf, needle) != NULL;
        c->len += (size_t)n;
        c->buf[c->len] = '\0';
    }
}

static void raw_close(struct raw *c)
{
    close(c->fd);
    free(c->buf);
}

/* Opens /v1/events for token and waits for the stream to be live. */
static void events_open(struct raw *c, const char *token)
{
    char head[512];

    raw_connect(c);
    snprintf(head, sizeof(head),
             "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
             "Authorization: Bearer %s\r\n\r\n",
             token);
    raw_send(c, head);
    cr_assert(raw_wait(c, ": connected\n\n", 5000), "the event stream did not open: %s", c->buf);
    cr_assert_eq(strncmp(c->buf, "HTTP/1.1 200", 12), 0, "%s", c->buf);
    cr_assert(strstr(c->buf, "text/event-stream") != NULL, "%s", c->buf);
}

/* Publishes a call status change for tenant as the scheduler does; writes its event id. */
static void publish_status_change(struct oc_bus *bus, const char *tenant, char event_id[37])
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallStatusChanged ev = OCPB__CALL_STATUS_CHANGED__INIT;
    char call_id[37], subject[128];

    cr_assert_eq(oc_uuid_v4(event_id), OC_OK);
    cr_assert_eq(oc_uuid_v4(call_id), OC_OK);
    meta.event_id = event_id;
    meta.tenant_id = (char *)tenant;
    meta.occurred_unix_ms = 1795214925816;
    ev.meta = &meta;
    ev.call_id = call_id;
    ev.from = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
    ev.to = OCPB__CALL_STATUS__CALL_STATUS_CALLING;
    ev.kind = OCPB__CALL_KIND__CALL_KIND_FIRST;
    ev.attempt = 1;
    snprintf(subject, sizeof(subject), "evt.%s.call.status_changed", tenant);
    cr_assert_eq(oc_bus_publish(bus, subject, &ev.base), OC_OK);
    cr_assert_eq(natsConnection_FlushTimeout(oc_bus_nats(bus), 2000), NATS_OK);
}

/* ================================================================ assistants */

Test(api, assistants_are_created_listed_read_and_patched)
{
    struct tenant t;
    struct th_resp r;
    char *id;

    tenant_new(&t);
    th_http(&r, "POST", "/v1/assistants", t.token,
            "{\"name\":\"Ana\",\"language\":\"es\",\"greeting\":\"Hola\","
            "\"script\":{\"objective\":\"demo\",\"lines\":[{\"text\":\"uno\"}],"
            "\"closing_line\":\"adiós\"}}");
    skip_unless_served(&r, "assistants.create");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    id = th_strdup(th_jstr(r.json, "id"));
    cr_assert_str_eq(th_jstr(r.json, "language"), "es");
    cr_assert_str_eq(th_jstr(json_object_get(r.json, "script"), "closing_line"), "adiós");
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/assistants/%s", id);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "greeting"), "Hola");
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/assistants", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(listed(&r, id), "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "PATCH", t.token, "{\"greeting\":\"Buenos días\"}", "/v1/assistants/%s", id);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "greeting"), "Buenos días");
    /* What the body did not name is left as it was. */
    cr_assert_str_eq(th_jstr(r.json, "name"), "Ana");
    th_resp_clear(&r);
    free(id);
    tenant_free(&t);
}

Test(api, assistant_bodies_are_checked_field_by_field)
{
    struct tenant t;
    struct th_resp r;
    char fresh[37];

    tenant_new(&t);
    th_http(&r, "POST", "/v1/assistants", t.token, "{\"name\":\"A\",\"language\":\"fr\"}");
    assert_invalid(&r, "language");
    cr_assert(strstr(error_message(&r), "en, es") != NULL, "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/assistants", t.token, "{\"name\":\"A\",\"greting\":\"typo\"}");
    assert_invalid(&r, "greting");
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/assistants", t.token, "{\"script\":{\"lines\":[{\"text\":7}]}}");
    assert_invalid(&r, "script.lines[0].text");
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/assistants", t.token, "{\"name\": ");
    assert_invalid(&r, "malformed JSON");
    th_resp_clear(&r);

    cr_assert_eq(oc_uuid_v4(fresh), OC_OK);
    th_httpf(&r, "PATCH", t.token, "{}", "/v1/assistants/%s", fresh);
    assert_invalid(&r, "no field");
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/assistants/%s", "not-an-id");
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    tenant_free(&t);
}

/* ================================================================ numbers */

Test(api, a_sip_number_is_created_listed_and_read_without_its_secret)
{
    struct tenant t;
    struct th_resp r;
    char *id;

    tenant_new(&t);
    th_http(&r, "POST", "/v1/numbers", t.token,
            "{\"kind\":\"sip\",\"trunk\":\"sip:127.0.0.1:5070\",\"caller_id\":\"+34910000000\","
            "\"credentials\":{\"username\":\"trunk-user\",\"password\":\"s3cret-pass\"}}");
    skip_unless_served(&r, "numbers.create");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    id = th_strdup(th_jstr(r.json, "id"));
    cr_assert_str_eq(th_jstr(r.json, "kind"), "sip");
    cr_assert_str_eq(th_jstr(r.json, "caller_id"), "+34910000000");
    cr_assert(json_is_true(json_object_get(r.json, "has_credentials")), "%s", r.body);
    cr_assert(strstr(r.body, "s3cret-pass") == NULL, "the secret came back: %s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/numbers/%s", id);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "trunk"), "sip:127.0.0.1:5070");
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/numbers?kind=sip", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(listed(&r, id), "%s", r.body);
    cr_assert(strstr(r.body, "s3cret-pass") == NULL, "%s", r.body);
    th_resp_clear(&r);

    /* The dialer's own check comes back as it said it. */
    th_http(&r, "POST", "/v1/numbers", t.token,
            "{\"kind\":\"sip\",\"trunk\":\"sip:127.0.0.1:5070\",\"caller_id\":\"910000000\"}");
    assert_invalid(&r, "caller_id");
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/numbers", t.token, "{\"kind\":\"fax\"}");
    assert_invalid(&r, "kind");
    th_resp_clear(&r);
    free(id);
    tenant_free(&t);
}

Test(api, lists_page_with_a_cursor)
{
    struct tenant t;
    struct th_resp r;
    char *ids[3], path[512];
    size_t seen = 0;

    tenant_new(&t);
    for (int i = 0; i < 3; i++)
        ids[i] = number_for(t.token);
    th_http(&r, "GET", "/v1/numbers?limit=2", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 2, "%s", r.body);
    cr_assert_not_null(th_jstr(r.json, "next_cursor"), "no next page: %s", r.body);
    for (int i = 0; i < 3; i++)
        seen += listed(&r, ids[i]);
    snprintf(path, sizeof(path), "/v1/numbers?limit=2&cursor=%s", th_jstr(r.json, "next_cursor"));
    th_resp_clear(&r);
    th_http(&r, "GET", path, t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 1, "%s", r.body);
    cr_assert(json_is_null(json_object_get(r.json, "next_cursor")), "%s", r.body);
    for (int i = 0; i < 3; i++)
        seen += listed(&r, ids[i]);
    cr_assert_eq(seen, 3, "the two pages did not hold the three numbers");
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/numbers?limit=0", t.token, NULL);
    assert_invalid(&r, "limit");
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/numbers?color=blue", t.token, NULL);
    assert_invalid(&r, "color");
    th_resp_clear(&r);
    for (int i = 0; i < 3; i++)
        free(ids[i]);
    tenant_free(&t);
}

/* ================================================================ campaigns */

static const char *state_after(const char *token, const char *campaign, const char *verb,
                               const char *body, struct th_resp *r)
{
    th_httpf(r, "POST", token, body, "/v1/campaigns/%s/%s", campaign, verb);
    cr_assert_eq(r->status, 200, "%s: %ld %s", verb, r->status, r->body);
    return th_jstr(r->json, "state");
}

Test(api, a_campaign_is_created_read_patched_and_moved_through_its_states)
{
    struct tenant t;
    struct th_resp r;
    char *id;

    tenant_new(&t);
    id = campaign_for(t.token);
    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s", id);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "state"), "draft");
    cr_assert_str_eq(th_jstr(r.json, "timezone"), "Europe/Madrid");
    cr_assert(json_is_object(json_object_get(r.json, "counters")), "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "PATCH", t.token, "{\"name\":\"Renamed\",\"pacing\":{\"max_concurrent\":2}}",
             "/v1/campaigns/%s", id);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "name"), "Renamed");
    cr_assert_eq(
        json_integer_value(json_object_get(json_object_get(r.json, "pacing"), "max_concurrent")), 2,
        "%s", r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/campaigns", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(listed(&r, id), "%s", r.body);
    th_resp_clear(&r);

    cr_assert_str_eq(state_after(t.token, id, "start", NULL, &r), "running");
    th_resp_clear(&r);
    cr_assert_str_eq(state_after(t.token, id, "pause", NULL, &r), "paused");
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/campaigns?states=paused", t.token, NULL);
    cr_assert(listed(&r, id), "%s", r.body);
    th_resp_clear(&r);
    cr_assert_str_eq(state_after(t.token, id, "resume", NULL, &r), "running");
    th_resp_clear(&r);
    cr_assert_str_eq(state_after(t.token, id, "stop", "{\"reason\":\"test over\"}", &r), "stopped");
    th_resp_clear(&r);
    cr_assert_str_eq(state_after(t.token, id, "archive", NULL, &r), "archived");
    th_resp_clear(&r);

    /* A change the state machine refuses is the scheduler's 409. */
    th_httpf(&r, "POST", t.token, NULL, "/v1/campaigns/%s/pause", id);
    cr_assert_eq(r.status, 409, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    free(id);
    tenant_free(&t);
}

Test(api, campaign_requests_are_checked)
{
    struct tenant t;
    struct th_resp r;
    char fresh[37];

    tenant_new(&t);
    cr_assert_eq(oc_uuid_v4(fresh), OC_OK);
    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s", fresh);
    skip_unless_served(&r, "campaigns.get");
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "not_found");
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/campaigns", t.token, "{\"name\":\"x\",\"schedule\":{\"ranges\":5}}");
    assert_invalid(&r, "schedule.ranges");
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/campaigns?states=sleeping", t.token, NULL);
    assert_invalid(&r, "states");
    th_resp_clear(&r);
    th_httpf(&r, "POST", t.token, "{\"id\":\"other\"}", "/v1/campaigns/%s/start", fresh);
    assert_invalid(&r, "id");
    th_resp_clear(&r);
    tenant_free(&t);
}

/* ================================================================ leads */

Test(api, a_csv_upload_answers_the_import_report)
{
    struct tenant t;
    struct th_resp r;
    char *campaign, csv[512], a[16], b[16];
    json_t *rejected;

    tenant_new(&t);
    campaign = campaign_for(t.token);
    phone(a, sizeof(a), 1);
    phone(b, sizeof(b), 2);
    snprintf(csv, sizeof(csv),
             "name,phone,email\r\nAna Uno,%s,ana@example.com\r\nLuis Dos,+34 %s,\r\n"
             "Sin Número,12,\r\nAna Otra,%s,\r\n",
             a, b, a);
    upload(&r, t.token, campaign, "text/csv", csv, strlen(csv), NULL);
    skip_unless_served(&r, "leads.import");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_integer_value(json_object_get(r.json, "imported")), 2, "%s", r.body);
    cr_assert_not_null(th_jstr(r.json, "import_id"), "%s", r.body);
    rejected = json_object_get(r.json, "rejected");
    cr_assert_eq(json_array_size(rejected), 2, "%s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(rejected, 0), "line")), 4);
    cr_assert_not_null(th_jstr(json_array_get(rejected, 0), "reason"));
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(rejected, 1), "line")), 5);
    cr_assert(strstr(th_jstr(json_array_get(rejected, 1), "reason"), "duplicate") != NULL, "%s",
              r.body);
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/leads?campaign_id=%s", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 2, "%s", r.body);
    th_resp_clear(&r);
    free(campaign);
    tenant_free(&t);
}

Test(api, a_multipart_upload_reads_its_file_part_and_options)
{
    struct tenant t;
    struct th_resp r;
    char *campaign, body[1024], a[16];
    int n;

    tenant_new(&t);
    campaign = campaign_for(t.token);
    phone(a, sizeof(a), 3);
    n = snprintf(body, sizeof(body),
                 "--frontier\r\n"
                 "Content-Disposition: form-data; name=\"map\"\r\n\r\n"
                 "Móvil:phone\r\n"
                 "--frontier\r\n"
                 "Content-Disposition: form-data; name=\"file\"; filename=\"mis leads.csv\"\r\n"
                 "Content-Type: text/csv\r\n\r\n"
                 "Nombre;Móvil;Ciudad\r\nMarta;%s;Sevilla\r\n"
                 "\r\n--frontier--\r\n",
                 a);
    upload(&r, t.token, campaign, "multipart/form-data; boundary=frontier", body, (size_t)n, NULL);
    skip_unless_served(&r, "leads.import");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_integer_value(json_object_get(r.json, "imported")), 1, "%s", r.body);
    cr_assert_str_eq(th_jstr(r.json, "file_name"), "mis leads.csv");
    th_resp_clear(&r);

    /* The custom column stays with the lead. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/leads?campaign_id=%s&query=Marta", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "Sevilla") != NULL, "%s", r.body);
    th_resp_clear(&r);

    upload(
        &r, t.token, campaign, "multipart/form-data; boundary=frontier",
        "--frontier\r\nContent-Disposition: form-data; name=\"default_region\"\r\n\r\nES\r\n"
        "--frontier--\r\n",
        strlen("--frontier\r\nContent-Disposition: form-data; name=\"default_region\"\r\n\r\nES\r\n"
               "--frontier--\r\n"),
        NULL);
    assert_invalid(&r, "no file");
    th_resp_clear(&r);
    upload(&r, t.token, campaign, "multipart/form-data; boundary=frontier", "--frontier\r\nbroken",
           strlen("--frontier\r\nbroken"), NULL);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    free(campaign);
    tenant_free(&t);
}

Test(api, a_file_over_the_json_limit_streams_through)
{
    const char *env = getenv("GATEWAY_MAX_BODY");
    size_t json_limit = env != NULL ? (size_t)atol(env) : 1048576;
    size_t rows = json_limit / 200 + 500, cap = rows * 256 + 64, len;
    struct tenant t;
    struct th_resp r;
    char *campaign, *csv, notes[201];
    long long base = th_now_ms() % 100000;

    tenant_new(&t);
    campaign = campaign_for(t.token);
    memset(notes, 'x', 200);
    notes[200] = '\0';
    csv = malloc(cap);
    cr_assert_not_null(csv);
    len = (size_t)snprintf(csv, cap, "name,phone,notes\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t)snprintf(csv + len, cap - len, "Lead %zu,6%03lld%05zu,%s\n", i, base % 1000,
                                i, notes);
    cr_assert_gt(len, json_limit, "the file must be over the JSON limit");

    upload(&r, t.token, campaign, "text/csv", csv, len, "default_region=ES");
    skip_unless_served(&r, "leads.import");
    cr_assert_eq(r.status, 200, "%ld %.300s", r.status, r.body);
    cr_assert_eq(json_integer_value(json_object_get(r.json, "imported")), (json_int_t)rows,
                 "%.600s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(r.json, "total_bytes")), (json_int_t)len,
                 "%.600s", r.body);
    th_resp_clear(&r);
    free(csv);
    free(campaign);
    tenant_free(&t);
}

Test(api, an_upload_over_its_limit_is_413_before_a_byte_is_read)
{
    const char *env = getenv("GATEWAY_MAX_UPLOAD");
    long long limit = env != NULL ? atoll(env) : 50LL * 1024 * 1024;
    struct tenant t;
    struct raw c;
    char head[1024], fresh[37];

    tenant_new(&t);
    cr_assert_eq(oc_uuid_v4(fresh), OC_OK);
    raw_connect(&c);
    snprintf(head, sizeof(head),
             "POST /v1/campaigns/%s/leads HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Authorization: Bearer %s\r\nContent-Type: text/csv\r\nContent-Length: %lld\r\n\r\n",
             fresh, t.token, limit + 1);
    raw_send(&c, head);
    cr_assert(raw_wait(&c, "\r\n\r\n", 5000), "no answer: %s", c.buf);
    cr_assert_eq(strncmp(c.buf, "HTTP/1.1 413", 12), 0, "%s", c.buf);
    cr_assert(raw_wait(&c, "payload_too_large", 2000), "%s", c.buf);
    raw_close(&c);
    tenant_free(&t);
}

Test(api, one_lead_is_created_with_json_then_read_patched_and_deleted)
{
    struct tenant t;
    struct th_resp r;
    char *campaign, *lead, body[256], a[16];

    tenant_new(&t);
    campaign = campaign_for(t.token);
    phone(a, sizeof(a), 4);
    snprintf(body, sizeof(body),
             "{\"name\":\"Pedro\",\"phone_raw\":\"%s\",\"fields\":{\"cargo\":\"CEO\"}}", a);
    upload(&r, t.token, campaign, "application/json", body, strlen(body), NULL);
    skip_unless_served(&r, "leads.create");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    lead = th_strdup(th_jstr(r.json, "id"));
    cr_assert_str_eq(th_jstr(r.json, "campaign_id"), campaign);
    cr_assert_str_eq(th_jstr(json_object_get(r.json, "fields"), "cargo"), "CEO");
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/leads/%s", lead);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "name"), "Pedro");
    cr_assert_str_eq(th_jstr(r.json, "status"), "pending");
    cr_assert_not_null(json_object_get(r.json, "calls"), "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "PATCH", t.token, "{\"email\":\"pedro@example.com\"}", "/v1/leads/%s", lead);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "email"), "pedro@example.com");
    th_resp_clear(&r);

    th_httpf(&r, "DELETE", t.token, NULL, "/v1/leads/%s?erase=maybe", lead);
    assert_invalid(&r, "erase");
    th_resp_clear(&r);
    th_httpf(&r, "DELETE", t.token, NULL, "/v1/leads/%s", lead);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/leads/%s", lead);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/leads?status=asleep", t.token, NULL);
    assert_invalid(&r, "status");
    th_resp_clear(&r);
    upload(&r, t.token, campaign, "application/xml", "<x/>", 4, NULL);
    assert_invalid(&r, "Content-Type");
    th_resp_clear(&r);
    free(lead);
    free(campaign);
    tenant_free(&t);
}

Test(api, an_import_is_read_back_by_its_id)
{
    struct tenant t;
    struct th_resp r;
    char *campaign, *import, csv[128], a[16];

    tenant_new(&t);
    campaign = campaign_for(t.token);
    phone(a, sizeof(a), 5);
    snprintf(csv, sizeof(csv), "name,phone\nUna,%s\n", a);
    upload(&r, t.token, campaign, "text/csv", csv, strlen(csv), "file_name=una.csv");
    skip_unless_served(&r, "leads.import");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    import = th_strdup(th_jstr(r.json, "import_id"));
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/imports/%s", import);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "status"), "done");
    cr_assert_str_eq(th_jstr(r.json, "file_name"), "una.csv");
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/imports?campaign_id=%s", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(listed(&r, import), "%s", r.body);
    th_resp_clear(&r);
    free(import);
    free(campaign);
    tenant_free(&t);
}

/* ================================================================ do-not-call */

Test(api, the_do_not_call_list_adds_checks_lists_and_removes)
{
    struct tenant t;
    struct th_resp r;
    char a[16], body[256], e164[20];

    tenant_new(&t);
    phone(a, sizeof(a), 6);
    snprintf(e164, sizeof(e164), "+34%s", a);
    snprintf(body, sizeof(body),
             "{\"phone\":\"%s\",\"default_region\":\"ES\",\"reason\":\"asked\"}", a);
    th_http(&r, "POST", "/v1/dnc", t.token, body);
    skip_unless_served(&r, "dnc.add");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "phone_e164"), e164);
    cr_assert_str_eq(th_jstr(r.json, "source"), "manual");
    cr_assert(json_is_false(json_object_get(r.json, "already_listed")), "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/dnc", t.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_true(json_object_get(r.json, "already_listed")), "%s", r.body);
    th_resp_clear(&r);

    snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", e164);
    th_http(&r, "POST", "/v1/dnc/check", t.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_true(json_object_get(r.json, "listed")), "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, e164) != NULL, "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "DELETE", t.token, NULL, "/v1/dnc/%%2B34%s?reason=mistake", a);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/dnc/check", t.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_false(json_object_get(r.json, "listed")), "%s", r.body);
    th_resp_clear(&r);

    th_http(&r, "POST", "/v1/dnc", t.token, "{\"phone\":\"+34600000000\",\"source\":\"import\"}");
    assert_invalid(&r, "source");
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/dnc", t.token, "{\"phone\":34600000000}");
    assert_invalid(&r, "phone");
    th_resp_clear(&r);
    tenant_free(&t);
}

/* ================================================================ calls */

struct calls_wait {
    const char *token;
    const char *campaign;
    size_t want;
};

static bool calls_created(void *arg)
{
    struct calls_wait *w = arg;
    struct th_resp r;
    bool ok;

    th_httpf(&r, "GET", w->token, NULL, "/v1/calls?campaign_id=%s", w->campaign);
    ok = r.status == 200 && json_array_size(json_object_get(r.json, "items")) >= w->want;
    th_resp_clear(&r);
    return ok;
}

/* A campaign with one lead (its first call created) and the lead's id. */
static char *campaign_with_lead(const char *token, char **lead)
{
    char *campaign = campaign_for(token), body[256], a[16];
    struct calls_wait w = {token, campaign, 1};
    struct th_resp r;

    phone(a, sizeof(a), 7);
    snprintf(body, sizeof(body), "{\"name\":\"Lucía\",\"phone_raw\":\"%s\"}", a);
    upload(&r, token, campaign, "application/json", body, strlen(body), NULL);
    skip_unless_served(&r, "leads.create");
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    *lead = th_strdup(th_jstr(r.json, "id"));
    th_resp_clear(&r);
    cr_assert(th_wait_until(calls_created, &w, WAIT_MS), "the lead's first call never appeared");
    return campaign;
}

Test(api, a_manual_call_is_created_read_rescheduled_and_canceled)
{
    struct tenant t;
    struct th_resp r;
    char *campaign, *lead, *call, body[512];
    json_t *transitions;

    tenant_new(&t);
    campaign = campaign_with_lead(t.token, &lead);
    th_httpf(&r, "GET", t.token, NULL, "/v1/calls?campaign_id=%s&lead_id=%s&kind=first", campaign,
             lead);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 1, "%s", r.body);
    cr_assert_str_eq(th_jstr(json_array_get(json_object_get(r.json, "items"), 0), "status"),
                     "created");
    th_resp_clear(&r);

    snprintf(body, sizeof(body),
             "{\"campaign_id\":\"%s\",\"lead_id\":\"%s\",\"reason\":\"asked for a call\","
             "\"at_unix_ms\":\"2036-01-07T10:00:00+01:00\"}",
             campaign, lead);
    th_http(&r, "POST", "/v1/calls", t.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    call = th_strdup(th_jstr(r.json, "id"));
    cr_assert_str_eq(th_jstr(r.json, "kind"), "manual");
    cr_assert_str_eq(th_jstr(r.json, "reason"), "asked for a call");
    cr_assert_str_eq(th_jstr(r.json, "status"), "scheduled");
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/calls/%s", call);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_array(json_object_get(r.json, "transcript")), "%s", r.body);
    cr_assert(json_is_null(json_object_get(r.json, "analysis")), "%s", r.body);
    cr_assert(json_is_null(json_object_get(r.json, "answered_unix_ms")), "%s", r.body);
    transitions = json_object_get(r.json, "transitions");
    cr_assert_geq(json_array_size(transitions), 1, "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "POST", t.token,
             "{\"at_unix_ms\":\"2036-01-08T10:00:00+01:00\",\"reason\":\"later\"}",
             "/v1/calls/%s/reschedule", call);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_geq(json_integer_value(json_object_get(r.json, "scheduled_unix_ms")), 2083395600000LL,
                  "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "POST", t.token, "{\"reason\":\"changed my mind\"}", "/v1/calls/%s/cancel", call);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_jstr(r.json, "status"), "canceled");
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/calls?campaign_id=%s&status=canceled", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(listed(&r, call), "%s", r.body);
    th_resp_clear(&r);

    /* The lead shows its calls. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/leads/%s", lead);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_geq(json_array_size(json_object_get(r.json, "calls")), 2, "%s", r.body);
    th_resp_clear(&r);

    th_httpf(&r, "POST", t.token, "{\"at_unix_ms\":\"tomorrow\"}", "/v1/calls/%s/reschedule", call);
    assert_invalid(&r, "at_unix_ms");
    th_resp_clear(&r);
    free(call);
    free(lead);
    free(campaign);
    tenant_free(&t);
}

struct analysed {
    const char *token;
    const char *call;
};

static bool call_analysed(void *arg)
{
    struct analysed *a = arg;
    struct th_resp r;
    bool ok;

    th_httpf(&r, "GET", a->token, NULL, "/v1/calls/%s", a->call);
    ok = r.status == 200 && json_is_object(json_object_get(r.json, "analysis"));
    th_resp_clear(&r);
    return ok;
}

Test(api, a_call_is_shown_with_its_analysis)
{
    struct tenant t;
    struct th_resp r;
    char *campaign, *lead, *call, event_id[37], dispatch[64], msg_id[96];
    struct oc_bus *bus;
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallEnded e = OCPB__CALL_ENDED__INIT;
    Ocpb__TranscriptTurn t0 = OCPB__TRANSCRIPT_TURN__INIT, t1 = OCPB__TRANSCRIPT_TURN__INIT;
    Ocpb__TranscriptTurn *turns[] = {&t0, &t1};
    long long now = 1795214925816;
    struct analysed wait;
    json_t *analysis;

    tenant_new(&t);
    campaign = campaign_with_lead(t.token, &lead);
    th_httpf(&r, "GET", t.token, NULL, "/v1/calls?campaign_id=%s", campaign);
    call = th_strdup(th_jstr(json_array_get(json_object_get(r.json, "items"), 0), "id"));
    th_resp_clear(&r);

    /* Media's part: the call's end with its transcript, on JetStream. The
     * analyzer answers for any call id; the scheduler ignores an end that
     * is not of the call's current attempt. */
    cr_assert_eq(oc_uuid_v4(event_id), OC_OK);
    snprintf(dispatch, sizeof(dispatch), "%s:api", call);
    meta.event_id = event_id;
    meta.tenant_id = t.id;
    meta.occurred_unix_ms = now;
    e.meta = &meta;
    e.call_id = call;
    e.dispatch_id = dispatch;
    e.campaign_id = campaign;
    e.lead_id = lead;
    e.media_instance_id = "test";
    e.dialed_unix_ms = now - 65000;
    e.answered_unix_ms = now - 60000;
    e.ended_unix_ms = now;
    e.duration_ms = 60000;
    e.cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_AGENT_HANGUP;
    e.sip_code = 200;
    e.amd = OCPB__AMD_RESULT__AMD_RESULT_HUMAN;
    e.language = OCPB__LANGUAGE__LANGUAGE_ES;
    e.timezone = "Europe/Madrid";
    e.country = "ES";
    t0.speaker = OCPB__SPEAKER__SPEAKER_AGENT;
    t0.text = "Hola, soy Ana. ¿Le interesa una demostración?";
    t0.end_ms = 4000;
    t1.speaker = OCPB__SPEAKER__SPEAKER_CONTACT;
    t1.text = "No me interesa, gracias";
    t1.start_ms = 5000;
    t1.end_ms = 7000;
    e.transcript = turns;
    e.n_transcript = 2;
    snprintf(msg_id, sizeof(msg_id), "ended:%s", dispatch);
    bus = th_bus();
    cr_assert_eq(oc_js_publish(bus, "calls.ended", &e.base, msg_id, NULL), OC_OK);

    wait.token = t.token;
    wait.call = call;
    if (!th_wait_until(call_analysed, &wait, WAIT_MS)) {
        th_httpf(&r, "GET", t.token, NULL, "/v1/calls/%s", call);
        cr_assert_fail("no analysis joined to the call: %s", r.body);
    }
    th_httpf(&r, "GET", t.token, NULL, "/v1/calls/%s", call);
    analysis = json_object_get(r.json, "analysis");
    cr_assert_str_eq(th_jstr(analysis, "call_id"), call);
    cr_assert_not_null(th_jstr(analysis, "outcome"), "%s", r.body);
    th_resp_clear(&r);
    oc_bus_free(bus);
    free(call);
    free(lead);
    free(campaign);
    tenant_free(&t);
}

/* ================================================================ credits */

Test(api, a_new_tenant_starts_with_trial_credits)
{
    struct tenant t;
    struct th_resp r;
    json_t *items;
    bool trial = false;

    tenant_new(&t);
    th_http(&r, "GET", "/v1/credits", t.token, NULL);
    skip_unless_served(&r, "billing.");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_number(json_object_get(r.json, "balance")), "%s", r.body);
    cr_assert_gt(json_number_value(json_object_get(r.json, "balance")), 0, "%s", r.body);
    items = json_object_get(r.json, "items");
    cr_assert(json_is_array(items), "%s", r.body);
    cr_assert(json_object_get(r.json, "next_cursor") != NULL, "%s", r.body);
    for (size_t i = 0; i < json_array_size(items); i++)
        trial |= th_jstr(json_array_get(items, i), "kind") != NULL &&
                 strcmp(th_jstr(json_array_get(items, i), "kind"), "trial") == 0;
    cr_assert(trial, "no trial entry in the ledger: %s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/credits?kinds=gift", t.token, NULL);
    assert_invalid(&r, "kinds");
    th_resp_clear(&r);
    tenant_free(&t);
}

Test(api, signup_succeeds_while_billing_is_down_and_credits_say_which_subject)
{
    struct tenant t;
    struct th_resp r;

    cr_assert_eq(th_stack("stop-service billing >/dev/null 2>&1"), 0, "cannot stop billing");
    tenant_new(&t);
    th_http(&r, "GET", "/v1/credits", t.token, NULL);
    cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "unavailable");
    cr_assert(strstr(error_message(&r), "billing.balance") != NULL, "%s", r.body);
    th_resp_clear(&r);
    cr_assert_eq(th_stack("start-service billing >/dev/null 2>&1"), 0, "cannot restart billing");
    tenant_free(&t);
}

/* ================================================================ isolation */

Test(api, another_tenant_gets_404_for_the_first_tenants_things)
{
    struct tenant a, b;
    struct th_resp r;
    char *assistant, *campaign, *lead, *call, *number, body[256];
    bool real_assistant;

    tenant_new(&a);
    tenant_new(&b);
    assistant = assistant_for(a.token);
    th_httpf(&r, "GET", a.token, NULL, "/v1/assistants/%s", assistant);
    real_assistant = r.status == 200;
    th_resp_clear(&r);
    number = number_for(a.token);
    campaign = campaign_with_lead(a.token, &lead);
    th_httpf(&r, "GET", a.token, NULL, "/v1/calls?campaign_id=%s", campaign);
    call = th_strdup(th_jstr(json_array_get(json_object_get(r.json, "items"), 0), "id"));
    th_resp_clear(&r);

    const char *paths[] = {"/v1/campaigns/%s", "/v1/calls/%s", "/v1/leads/%s", "/v1/numbers/%s",
                           "/v1/assistants/%s"};
    const char *ids[] = {campaign, call, lead, number, assistant};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (i == 4 && !real_assistant)
            continue;
        th_httpf(&r, "GET", b.token, NULL, paths[i], ids[i]);
        cr_assert_eq(r.status, 404, "%s of A read by B: %ld %s", paths[i], r.status, r.body);
        th_resp_clear(&r);
    }

    /* Nor can B change them, or find them in its lists. */
    th_httpf(&r, "PATCH", b.token, "{\"name\":\"mine now\"}", "/v1/campaigns/%s", campaign);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "POST", b.token, NULL, "/v1/campaigns/%s/start", campaign);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "POST", b.token, "{\"reason\":\"x\"}", "/v1/calls/%s/cancel", call);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    snprintf(body, sizeof(body), "{\"campaign_id\":\"%s\",\"lead_id\":\"%s\"}", campaign, lead);
    th_http(&r, "POST", "/v1/calls", b.token, body);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    upload(&r, b.token, campaign, "text/csv", "name,phone\nX,600000001\n", 23, NULL);
    cr_assert(r.status == 404 || r.status == 400, "B uploaded into A's campaign: %ld %s", r.status,
              r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", b.token, NULL, "/v1/calls?campaign_id=%s", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 0, "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/campaigns", b.token, NULL);
    cr_assert(!listed(&r, campaign), "%s", r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", b.token, NULL, "/v1/leads?campaign_id=%s", campaign);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 0, "%s", r.body);
    th_resp_clear(&r);

    free(assistant);
    free(number);
    free(campaign);
    free(lead);
    free(call);
    tenant_free(&a);
    tenant_free(&b);
}

Test(api, every_api_route_needs_a_token)
{
    static const char *const routes[][2] = {
        {"GET", "/v1/assistants"}, {"POST", "/v1/numbers"}, {"GET", "/v1/campaigns"},
        {"GET", "/v1/leads"},      {"GET", "/v1/dnc"},      {"GET", "/v1/calls"},
        {"GET", "/v1/credits"},    {"GET", "/v1/events"},   {"GET", "/v1/imports"},
    };
    struct th_resp r;

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        th_http(&r, routes[i][0], routes[i][1], NULL, NULL);
        cr_assert_eq(r.status, 401, "%s %s: %ld %s", routes[i][0], routes[i][1], r.status, r.body);
        th_resp_clear(&r);
    }
}

/* ================================================================ events */

Test(api, a_status_change_reaches_its_tenant_within_a_second_and_no_one_else)
{
    struct tenant a, b;
    struct raw ea, eb;
    struct oc_bus *bus;
    char event_a[37], event_b[37], want[64];

    tenant_new(&a);
    tenant_new(&b);
    bus = th_bus();
    events_open(&ea, a.token);
    events_open(&eb, b.token);

    /* How fast it comes is bench/latency's to measure; here, that it comes. */
    publish_status_change(bus, a.id, event_a);
    snprintf(want, sizeof(want), "id: %s\n", event_a);
    cr_assert(raw_wait(&ea, want, 5000), "tenant A's event never came: %s", ea.buf);
    cr_assert(strstr(ea.buf, "event: call.status_changed\ndata: {") != NULL, "%s", ea.buf);
    cr_assert(strstr(ea.buf, "\"to\":\"calling\"") != NULL, "%s", ea.buf);

    /* B's stream is live (its own event arrives) but never shows A's. */
    publish_status_change(bus, b.id, event_b);
    snprintf(want, sizeof(want), "id: %s\n", event_b);
    cr_assert(raw_wait(&eb, want, 5000), "tenant B's event never came: %s", eb.buf);
    cr_assert(strstr(eb.buf, event_a) == NULL, "tenant B saw tenant A's event: %s", eb.buf);
    cr_assert_not(raw_wait(&ea, event_b, 300), "tenant A saw tenant B's event: %s", ea.buf);

    raw_close(&ea);
    raw_close(&eb);
    oc_bus_free(bus);
    tenant_free(&a);
    tenant_free(&b);
}

Test(api, events_of_the_api_itself_reach_the_stream)
{
    struct tenant t;
    struct raw c;
    struct th_resp r;
    char *campaign, want[128];

    tenant_new(&t);
    campaign = campaign_for(t.token);
    events_open(&c, t.token);
    th_httpf(&r, "POST", t.token, NULL, "/v1/campaigns/%s/start", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    snprintf(want, sizeof(want), "\"campaign_id\":\"%s\"", campaign);
    cr_assert(raw_wait(&c, "event: campaign.state_changed\n", 5000), "%s", c.buf);
    cr_assert(raw_wait(&c, want, 5000), "%s", c.buf);
    th_httpf(&r, "POST", t.token, NULL, "/v1/campaigns/%s/stop", campaign);
    th_resp_clear(&r);
    raw_close(&c);
    free(campaign);
    tenant_free(&t);
}

Test(api, the_event_stream_takes_its_token_in_the_query_for_browsers)
{
    struct tenant t;
    struct raw c;
    char head[512];

    tenant_new(&t);
    raw_connect(&c);
    snprintf(head, sizeof(head),
             "GET /v1/events?access_token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", t.token);
    raw_send(&c, head);
    cr_assert(raw_wait(&c, ": connected", 5000), "%s", c.buf);
    cr_assert_eq(strncmp(c.buf, "HTTP/1.1 200", 12), 0, "%s", c.buf);
    raw_close(&c);

    raw_connect(&c);
    raw_send(&c, "GET /v1/events?access_token=ocs_wrong HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    cr_assert(raw_wait(&c, "\r\n\r\n", 5000), "%s", c.buf);
    cr_assert_eq(strncmp(c.buf, "HTTP/1.1 401", 12), 0, "%s", c.buf);
    raw_close(&c);
    tenant_free(&t);
}

Test(api, open_event_streams_leave_workers_for_the_rest_of_the_api)
{
    enum { STREAMS = 12 };
    struct tenant t;
    struct raw c[STREAMS];
    struct th_resp r;
    int open = 0;

    tenant_new(&t);
    /* More streams than GATEWAY_THREADS: each holds a worker of its own. */
    for (int i = 0; i < STREAMS; i++) {
        char head[512];

        raw_connect(&c[i]);
        snprintf(head, sizeof(head),
                 "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
                 t.token);
        raw_send(&c[i], head);
        if (raw_wait(&c[i], "\r\n\r\n", 5000) && strncmp(c[i].buf, "HTTP/1.1 200", 12) == 0)
            open++;
        else
            /* Past the tenant's share: refused with 429, not left hanging. */
            cr_assert_eq(strncmp(c[i].buf, "HTTP/1.1 429", 12), 0, "%s", c[i].buf);
    }
    cr_assert_gt(open, 0);
    th_http(&r, "GET", "/v1/me", t.token, NULL);
    cr_assert_eq(r.status, 200, "the API stalled behind %d streams: %ld %s", open, r.status,
                 r.body);
    th_resp_clear(&r);
    for (int i = 0; i < STREAMS; i++)
        raw_close(&c[i]);
    tenant_free(&t);
}
