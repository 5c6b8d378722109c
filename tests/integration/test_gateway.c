/*
 * The gateway over HTTP, against the running stack: sign-up, login and
 * logout, API keys and their tenant isolation, every error case of the
 * public API (malformed JSON, missing field, missing or bad credentials,
 * body over the limit, unknown route, wrong method, brute force), the
 * platform-wide /healthz, request ids and keep-alive.
 *
 * Most requests go through the harness (th_http); the few checks that need
 * response headers or one connection reused across requests use libcurl
 * directly (struct raw_resp below).
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harness.h"

#define PASSWORD "correct horse battery"

static const char *const all_services[] = {
    "gateway", "lead-ingest", "assistants", "scheduler", "dialer",
    "media",   "analyzer",    "calendar",   "billing",   "tickets",
};

/* ------------------------------------------------------------ helpers */

/* An e-mail no other test (or earlier run) has used. */
static void unique_email(char *out, size_t len)
{
    static int n;

    snprintf(out, len, "gw-%d-%d-%lld@example.com", (int)getpid(), ++n, th_now_ms());
}

static const char *str_field(const struct th_resp *r, const char *name)
{
    json_t *v = r->json != NULL ? json_object_get(r->json, name) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *error_message(const struct th_resp *r)
{
    json_t *e = r->json != NULL ? json_object_get(r->json, "error") : NULL;
    json_t *m = e != NULL ? json_object_get(e, "message") : NULL;

    return json_is_string(m) ? json_string_value(m) : "";
}

/* Creates an API key named name for token; *key and *id are the caller's to free. */
static void create_key(const char *token, const char *name, char **key, char **id)
{
    struct th_resp r;
    char body[128];

    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
    th_http(&r, "POST", "/v1/api-keys", token, body);
    cr_assert_eq(r.status, 201, "create key: %ld %s", r.status, r.body);
    cr_assert_not_null(str_field(&r, "key"));
    cr_assert_not_null(str_field(&r, "id"));
    *key = strdup(str_field(&r, "key"));
    *id = strdup(str_field(&r, "id"));
    th_resp_clear(&r);
}

/* A response read with libcurl directly, headers included. */
struct raw_resp {
    long status;
    char body[8192];
    size_t body_len;
    char headers[8192];
    size_t headers_len;
};

static size_t raw_on_body(char *data, size_t size, size_t n, void *user)
{
    struct raw_resp *r = user;
    size_t len = size * n;
    size_t room = sizeof(r->body) - 1 - r->body_len;
    size_t take = len < room ? len : room;

    memcpy(r->body + r->body_len, data, take);
    r->body_len += take;
    r->body[r->body_len] = '\0';
    return len;
}

static size_t raw_on_header(char *data, size_t size, size_t n, void *user)
{
    struct raw_resp *r = user;
    size_t len = size * n;
    size_t room = sizeof(r->headers) - 1 - r->headers_len;
    size_t take = len < room ? len : room;

    memcpy(r->headers + r->headers_len, data, take);
    r->headers_len += take;
    r->headers[r->headers_len] = '\0';
    return len;
}

/*
 * Performs one request on handle h (reusing its connection when it can).
 * extra is one "Name: value" header or NULL.
 */
static void raw_do(CURL *h, const char *method, const char *path, const char *token,
                   const char *extra, const char *body, struct raw_resp *out)
{
    struct curl_slist *headers = NULL;
    char url[512], auth[512];
    CURLcode rc;

    memset(out, 0, sizeof(*out));
    snprintf(url, sizeof(url), "%s%s", th_env("OC_GATEWAY_URL"), path);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (token != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    if (extra != NULL)
        headers = curl_slist_append(headers, extra);

    curl_easy_setopt(h, CURLOPT_URL, url);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, raw_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, raw_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
}

/* One request on a fresh handle. */
static void raw_once(const char *method, const char *path, const char *token, const char *extra,
                     const char *body, struct raw_resp *out)
{
    CURL *h = curl_easy_init();

    cr_assert_not_null(h);
    raw_do(h, method, path, token, extra, body, out);
    curl_easy_cleanup(h);
}

/* Copies the value of header name (case-insensitive) into out; false when absent. */
static bool raw_header(const struct raw_resp *r, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);

    for (const char *line = r->headers; *line != '\0';) {
        size_t len = strcspn(line, "\r\n");

        if (len > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;

            v += strspn(v, " \t");
            snprintf(out, outlen, "%.*s", (int)(len - (size_t)(v - line)), v);
            return true;
        }
        line += len;
        line += strspn(line, "\r\n");
    }
    return false;
}

/* ------------------------------------------------------------ sign-up and login */

Test(gateway, signup_answers_201_with_tenant_user_and_token)
{
    struct th_resp r, me;
    char email[128], body[512];

    unique_email(email, sizeof(email));
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"company\":\"Acme\"}", email);
    th_http(&r, "POST", "/v1/auth/signup", NULL, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    cr_assert_not_null(r.content_type);
    cr_assert(strncmp(r.content_type, "application/json", 16) == 0, "%s", r.content_type);
    cr_assert_not_null(str_field(&r, "tenant_id"), "%s", r.body);
    cr_assert_not_null(str_field(&r, "user_id"), "%s", r.body);
    cr_assert_not_null(str_field(&r, "token"), "%s", r.body);
    cr_assert_str_neq(str_field(&r, "tenant_id"), str_field(&r, "user_id"));

    /* The token works at once and names the same tenant and user. */
    th_http(&me, "GET", "/v1/me", str_field(&r, "token"), NULL);
    cr_assert_eq(me.status, 200, "%ld %s", me.status, me.body);
    cr_assert_str_eq(str_field(&me, "tenant_id"), str_field(&r, "tenant_id"));
    cr_assert_str_eq(str_field(&me, "user_id"), str_field(&r, "user_id"));
    cr_assert_str_eq(str_field(&me, "email"), email);
    cr_assert_str_eq(str_field(&me, "company"), "Acme");
    th_resp_clear(&me);
    th_resp_clear(&r);
}

Test(gateway, duplicate_signup_is_409_whatever_the_case_of_the_email)
{
    struct th_resp r;
    char *token, *tenant, *email;
    char body[512];

    th_signup(&token, &tenant, &email, PASSWORD);
    for (char *p = email; *p != '\0'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"company\":\"Other\"}", email);
    th_http(&r, "POST", "/v1/auth/signup", NULL, body);
    cr_assert_eq(r.status, 409, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "conflict");
    th_resp_clear(&r);
    free(token);
    free(tenant);
    free(email);
}

Test(gateway, signup_refuses_bad_fields_naming_them)
{
    static const struct {
        const char *body;
        const char *field;
    } cases[] = {
        {"{\"email\":\"not-an-email\",\"password\":\"" PASSWORD "\",\"company\":\"A\"}", "email"},
        {"{\"email\":\"short@example.com\",\"password\":\"1234567\",\"company\":\"A\"}",
         "password"},
        {"{\"email\":\"blank@example.com\",\"password\":\"" PASSWORD "\",\"company\":\"  \"}",
         "company"},
        {"{\"email\":\"nocompany@example.com\",\"password\":\"" PASSWORD "\"}", "company"},
        {"{\"email\":42,\"password\":\"" PASSWORD "\",\"company\":\"A\"}", "email"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct th_resp r;

        th_http(&r, "POST", "/v1/auth/signup", NULL, cases[i].body);
        cr_assert_eq(r.status, 400, "%s -> %ld %s", cases[i].body, r.status, r.body);
        cr_assert(strstr(error_message(&r), cases[i].field) != NULL, "message does not name %s: %s",
                  cases[i].field, r.body);
        th_resp_clear(&r);
    }
}

Test(gateway, login_with_the_right_password_gives_a_working_token)
{
    struct th_resp r, me;
    char *token, *tenant, *email;
    char body[512];

    th_signup(&token, &tenant, &email, PASSWORD);
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"" PASSWORD "\"}", email);
    th_http(&r, "POST", "/v1/auth/login", NULL, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_not_null(str_field(&r, "token"), "%s", r.body);
    cr_assert_str_neq(str_field(&r, "token"), token, "login must open a new session");

    th_http(&me, "GET", "/v1/me", str_field(&r, "token"), NULL);
    cr_assert_eq(me.status, 200, "%ld %s", me.status, me.body);
    cr_assert_str_eq(str_field(&me, "tenant_id"), tenant);
    th_resp_clear(&me);
    th_resp_clear(&r);
    free(token);
    free(tenant);
    free(email);
}

Test(gateway, login_with_a_wrong_password_or_unknown_email_is_401)
{
    struct th_resp r;
    char *token, *tenant, *email;
    char body[512], nobody[128];

    th_signup(&token, &tenant, &email, PASSWORD);
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"wrong password\"}", email);
    th_http(&r, "POST", "/v1/auth/login", NULL, body);
    cr_assert_eq(r.status, 401, "%ld %s", r.status, r.body);
    cr_assert_null(str_field(&r, "token"));
    th_resp_clear(&r);

    unique_email(nobody, sizeof(nobody));
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"" PASSWORD "\"}", nobody);
    th_http(&r, "POST", "/v1/auth/login", NULL, body);
    cr_assert_eq(r.status, 401, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    free(token);
    free(tenant);
    free(email);
}

Test(gateway, logout_revokes_the_token)
{
    struct th_resp r;
    char *token, *tenant, *email;

    th_signup(&token, &tenant, &email, PASSWORD);
    th_http(&r, "POST", "/v1/auth/logout", token, NULL);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/me", token, NULL);
    cr_assert_eq(r.status, 401, "a revoked token still works: %ld %s", r.status, r.body);
    th_resp_clear(&r);
    free(token);
    free(tenant);
    free(email);
}

Test(gateway, login_brute_force_is_429_even_with_the_right_password)
{
    struct th_resp r;
    struct raw_resp raw;
    char *token, *tenant, *email;
    char wrong[512], right[512], retry[32];
    int failures = 0;

    th_signup(&token, &tenant, &email, PASSWORD);
    snprintf(wrong, sizeof(wrong), "{\"email\":\"%s\",\"password\":\"not it\"}", email);
    snprintf(right, sizeof(right), "{\"email\":\"%s\",\"password\":\"" PASSWORD "\"}", email);

    /* LOGIN_MAX_FAILURES is 5 by default; the loop does not assume it. */
    for (;;) {
        th_http(&r, "POST", "/v1/auth/login", NULL, wrong);
        long status = r.status;
        th_resp_clear(&r);
        if (status == 429)
            break;
        cr_assert_eq(status, 401, "failure %d answered %ld", failures + 1, status);
        cr_assert_lt(++failures, 50, "no limit after 50 failed logins");
    }
    cr_assert_gt(failures, 0, "limited before any failure");

    raw_once("POST", "/v1/auth/login", NULL, NULL, right, &raw);
    cr_assert_eq(raw.status, 429, "right password after the limit: %ld %s", raw.status, raw.body);
    cr_assert(strstr(raw.body, "\"rate_limited\"") != NULL, "%s", raw.body);
    cr_assert(raw_header(&raw, "Retry-After", retry, sizeof(retry)), "no Retry-After");
    cr_assert_gt(atol(retry), 0, "Retry-After: %s", retry);
    free(token);
    free(tenant);
    free(email);
}

/* ------------------------------------------------------------ API keys */

Test(gateway, api_key_is_created_listed_used_and_deleted)
{
    struct th_resp r;
    char *token, *tenant, *email, *key, *id;
    char path[128];
    json_t *items;
    bool listed = false;

    th_signup(&token, &tenant, &email, PASSWORD);
    create_key(token, "ci", &key, &id);
    cr_assert_eq(strncmp(key, "oc_", 3), 0, "%s", key);

    th_http(&r, "GET", "/v1/api-keys", token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    items = json_object_get(r.json, "items");
    cr_assert(json_is_array(items), "%s", r.body);
    cr_assert(json_object_get(r.json, "next_cursor") != NULL, "no next_cursor: %s", r.body);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);

        if (strcmp(json_string_value(json_object_get(it, "id")), id) != 0)
            continue;
        listed = true;
        cr_assert_str_eq(json_string_value(json_object_get(it, "name")), "ci");
        cr_assert(strncmp(key, json_string_value(json_object_get(it, "prefix")),
                          strlen(json_string_value(json_object_get(it, "prefix")))) == 0,
                  "the prefix is not the key's start");
        cr_assert_not_null(json_object_get(it, "created_at"));
        cr_assert_not_null(json_object_get(it, "last_used_at"));
    }
    cr_assert(listed, "key %s not in the list: %s", id, r.body);
    th_resp_clear(&r);

    /* The key is a bearer credential for the same tenant. */
    th_http(&r, "GET", "/v1/me", key, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(str_field(&r, "tenant_id"), tenant);
    th_resp_clear(&r);

    snprintf(path, sizeof(path), "/v1/api-keys/%s", id);
    th_http(&r, "DELETE", path, token, NULL);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/me", key, NULL);
    cr_assert_eq(r.status, 401, "a deleted key still works: %ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "DELETE", path, token, NULL);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    free(key);
    free(id);
    free(token);
    free(tenant);
    free(email);
}

Test(gateway, api_key_secret_never_appears_in_the_list)
{
    struct th_resp r;
    char *token, *tenant, *email, *key, *id;

    th_signup(&token, &tenant, &email, PASSWORD);
    create_key(token, "secret-check", &key, &id);
    th_http(&r, "GET", "/v1/api-keys", token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, id) != NULL, "key missing from the list: %s", r.body);
    cr_assert(strstr(r.body, key + 3) == NULL, "the list shows the secret: %s", r.body);
    cr_assert(strstr(r.body, "\"key\"") == NULL, "the list has a key field: %s", r.body);
    th_resp_clear(&r);
    free(key);
    free(id);
    free(token);
    free(tenant);
    free(email);
}

Test(gateway, another_tenant_gets_404_for_the_first_tenants_key)
{
    struct th_resp r;
    char *t1, *tenant1, *email1, *t2, *tenant2, *email2, *key, *id;
    char path[128];

    th_signup(&t1, &tenant1, &email1, PASSWORD);
    th_signup(&t2, &tenant2, &email2, PASSWORD);
    cr_assert_str_neq(tenant1, tenant2);
    create_key(t1, "mine", &key, &id);

    snprintf(path, sizeof(path), "/v1/api-keys/%s", id);
    th_http(&r, "DELETE", path, t2, NULL);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "not_found");
    th_resp_clear(&r);

    /* Nor does it appear in the other tenant's list, and it still works. */
    th_http(&r, "GET", "/v1/api-keys", t2, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, id) == NULL, "tenant 2 sees tenant 1's key: %s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/me", key, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    free(key);
    free(id);
    free(t1);
    free(tenant1);
    free(email1);
    free(t2);
    free(tenant2);
    free(email2);
}

/* ------------------------------------------------------------ errors */

Test(gateway, malformed_json_is_400_naming_the_problem)
{
    struct th_resp r;

    th_http(&r, "POST", "/v1/auth/login", NULL, "{\"email\": ");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(error_message(&r), "malformed JSON") != NULL, "%s", r.body);
    cr_assert(strstr(error_message(&r), "line") != NULL, "no position: %s", r.body);
    cr_assert_str_neq(th_error_code(&r), "");
    th_resp_clear(&r);

    th_http(&r, "POST", "/v1/auth/signup", NULL, "[1, 2]");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(error_message(&r), "object") != NULL, "%s", r.body);
    th_resp_clear(&r);
}

Test(gateway, missing_field_is_400_naming_the_field)
{
    struct th_resp r;

    th_http(&r, "POST", "/v1/auth/login", NULL, "{\"email\":\"someone@example.com\"}");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(error_message(&r), "password") != NULL, "%s", r.body);
    th_resp_clear(&r);
}

Test(gateway, missing_auth_is_401_with_www_authenticate)
{
    struct raw_resp raw;
    char value[256];

    raw_once("GET", "/v1/me", NULL, NULL, NULL, &raw);
    cr_assert_eq(raw.status, 401, "%ld %s", raw.status, raw.body);
    cr_assert(strstr(raw.body, "\"unauthenticated\"") != NULL, "%s", raw.body);
    cr_assert(raw_header(&raw, "WWW-Authenticate", value, sizeof(value)));
    cr_assert_eq(strncmp(value, "Bearer", 6), 0, "WWW-Authenticate: %s", value);

    raw_once("GET", "/v1/api-keys", NULL, "Authorization: Basic dXNlcjpwYXNz", NULL, &raw);
    cr_assert_eq(raw.status, 401, "%ld %s", raw.status, raw.body);
}

Test(gateway, unknown_token_is_401)
{
    struct th_resp r;

    th_http(&r, "GET", "/v1/me", "ocs_no-such-session-token", NULL);
    cr_assert_eq(r.status, 401, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/me", "oc_no-such-api-key", NULL);
    cr_assert_eq(r.status, 401, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
}

Test(gateway, body_over_the_limit_is_413)
{
    const char *env = getenv("GATEWAY_MAX_BODY");
    size_t limit = env != NULL ? (size_t)atol(env) : 1048576;
    struct th_resp r;
    char *body;

    body = malloc(limit + 2);
    cr_assert_not_null(body);
    memset(body, ' ', limit + 1);
    body[0] = '{';
    body[limit] = '}';
    body[limit + 1] = '\0';
    th_http_ct(&r, "POST", "/v1/auth/signup", NULL, "application/json", body, limit + 1);
    cr_assert_eq(r.status, 413, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "payload_too_large");
    th_resp_clear(&r);
    free(body);
}

Test(gateway, unknown_route_is_404_and_wrong_method_405)
{
    struct th_resp r;

    th_http(&r, "GET", "/v1/no-such-thing", NULL, NULL);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "not_found");
    cr_assert_not_null(r.content_type);
    cr_assert(strncmp(r.content_type, "application/json", 16) == 0, "%s", r.content_type);
    th_resp_clear(&r);

    th_http(&r, "DELETE", "/v1/auth/login", NULL, NULL);
    cr_assert_eq(r.status, 405, "%ld %s", r.status, r.body);
    cr_assert(r.json != NULL && json_object_get(r.json, "error") != NULL, "%s", r.body);
    th_resp_clear(&r);
}

/* ------------------------------------------------------------ health, ids, connections */

static bool healthz_ok(void *arg)
{
    struct th_resp r;
    bool ok;

    (void)arg;
    th_http(&r, "GET", "/healthz", NULL, NULL);
    ok = r.status == 200;
    th_resp_clear(&r);
    return ok;
}

Test(gateway, healthz_reports_all_ten_services_ok)
{
    struct th_resp r;
    json_t *services;

    /* The runner waits for the stack; a service still subscribing gets a moment. */
    th_wait_until(healthz_ok, NULL, 10000);
    th_http(&r, "GET", "/healthz", NULL, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(str_field(&r, "status"), "ok");
    services = json_object_get(r.json, "services");
    cr_assert(json_is_object(services), "%s", r.body);
    for (size_t i = 0; i < sizeof(all_services) / sizeof(all_services[0]); i++) {
        json_t *v = json_object_get(services, all_services[i]);

        cr_assert(json_is_string(v), "%s missing: %s", all_services[i], r.body);
        cr_assert_str_eq(json_string_value(v), "ok", "%s: %s", all_services[i], r.body);
    }
    cr_assert_eq(json_object_size(services), 10, "%s", r.body);
    th_resp_clear(&r);
}

Test(gateway, request_id_is_echoed_when_sane_and_made_otherwise)
{
    struct raw_resp raw;
    char value[128];

    raw_once("GET", "/v1/no-such-thing", NULL, "X-Request-Id: test-trace.42", NULL, &raw);
    cr_assert(raw_header(&raw, "X-Request-Id", value, sizeof(value)));
    cr_assert_str_eq(value, "test-trace.42");

    raw_once("GET", "/v1/no-such-thing", NULL, "X-Request-Id: not <sane>", NULL, &raw);
    cr_assert(raw_header(&raw, "X-Request-Id", value, sizeof(value)));
    cr_assert_str_neq(value, "not <sane>");
    cr_assert_eq(strlen(value), 36, "expected a fresh UUID, got %s", value);

    raw_once("GET", "/healthz", NULL, NULL, NULL, &raw);
    cr_assert(raw_header(&raw, "X-Request-Id", value, sizeof(value)), "no X-Request-Id");
    cr_assert_gt(strlen(value), 0);
}

Test(gateway, keep_alive_serves_50_requests_on_one_connection)
{
    char *token, *tenant, *email;
    struct raw_resp raw;
    long connects = 0;
    CURL *h;

    th_signup(&token, &tenant, &email, PASSWORD);
    h = curl_easy_init();
    cr_assert_not_null(h);
    for (int i = 0; i < 50; i++) {
        long n = 0;

        raw_do(h, "GET", "/v1/me", token, NULL, NULL, &raw);
        cr_assert_eq(raw.status, 200, "request %d: %ld %s", i + 1, raw.status, raw.body);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n);
        connects += n;
    }
    cr_assert_eq(connects, 1, "50 requests took %ld connections", connects);
    curl_easy_cleanup(h);
    free(token);
    free(tenant);
    free(email);
}
