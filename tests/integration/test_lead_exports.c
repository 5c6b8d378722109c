/*
 * The downloads and the do-not-call file routes of the gateway, over HTTP
 * against the running stack: an import's rejected rows come back as a CSV
 * with the file's header and a rejected_reason column, and once fixed that
 * file imports cleanly (the reason column is not kept); sent back unchanged
 * it is refused row for row (an unbalanced quote does not swallow the rows
 * after it); a campaign's leads export as CSV and as JSON, page after page,
 * with what was imported; a do-not-call file is imported with its counts
 * and every refused row; the list exports and goes back in elsewhere; the
 * audit trail says who did what and why; a batch check answers each number
 * in order; a do-not-call file of megabytes streams in with exact counts
 * and cancels the future call of a listed lead; and another tenant gets
 * 404 or nothing from every one of them.
 *
 * Leads go into campaign ids of the test's own with the region and zone
 * given in the upload, so no scheduler campaign is needed.
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

TestSuite(lead_exports, .timeout = 120);

#define IMPORT_OPTIONS "default_region=ES&default_timezone=Europe/Madrid"
/* More leads than lead-ingest puts in one page (500), so exports page. */
#define MANY_LEADS 1200

/* ================================================================ helpers */

struct tenant {
    char *token;
    char *id;
    char *email;
    char *user_id;
};

static long long jint(const json_t *obj, const char *key)
{
    json_t *v = obj != NULL ? json_object_get(obj, key) : NULL;

    cr_assert(json_is_integer(v), "no integer \"%s\"", key);
    return (long long)json_integer_value(v);
}

static void tenant_new(struct tenant *t)
{
    struct th_resp r;

    th_signup(&t->token, &t->id, &t->email, NULL);
    th_http(&r, "GET", "/v1/me", t->token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    t->user_id = th_strdup(th_jstr(r.json, "user_id"));
    th_resp_clear(&r);
}

static void tenant_free(struct tenant *t)
{
    free(t->token);
    free(t->id);
    free(t->email);
    free(t->user_id);
}

static char *fresh_id(void)
{
    char id[37];

    cr_assert_eq(oc_uuid_v4(id), OC_OK);
    return th_strdup(id);
}

/* Spanish mobile numbers of this run, "6xxxxxxxx" (national) for i < 10^6. */
static void phone(char out[16], unsigned i)
{
    static unsigned base;

    if (base == 0)
        base = (unsigned)((th_now_ms() ^ (long long)getpid() * 7919) % 90 + 10);
    snprintf(out, 16, "6%02u%06u", base, i % 1000000u);
}

/* Uploads a CSV into campaign; the answer (the import's report) in *r. */
static void upload(struct th_resp *r, const char *token, const char *campaign, const char *csv,
                   size_t len, const char *more_query)
{
    char path[512];

    snprintf(path, sizeof(path), "/v1/campaigns/%s/leads?" IMPORT_OPTIONS "%s%s", campaign,
             more_query != NULL ? "&" : "", more_query != NULL ? more_query : "");
    th_http_ct(r, "POST", path, token, "text/csv", csv, len);
}

/* Replaces the first needle of *s by with (s is reallocated). */
static void replace(char **s, const char *needle, const char *with)
{
    char *at = strstr(*s, needle), *out;
    size_t head, nl = strlen(needle), wl = strlen(with), total;

    cr_assert_not_null(at, "\"%s\" is not in the file:\n%s", needle, *s);
    head = (size_t)(at - *s);
    total = strlen(*s) - nl + wl;
    out = malloc(total + 1);
    cr_assert_not_null(out);
    memcpy(out, *s, head);
    memcpy(out + head, with, wl);
    strcpy(out + head + wl, at + nl);
    free(*s);
    *s = out;
}

/* ---------------------------------------------------------------- CSV reading */

/* A CSV read the way RFC 4180 says: quoted fields, doubled quotes, line
 * breaks inside quotes, CRLF or LF. */
struct csv {
    char ***rows;
    size_t *nfields;
    size_t n;
};

static void csv_push_field(struct csv *c, const char *text, size_t len)
{
    size_t r = c->n - 1, k = c->nfields[r];

    c->rows[r] = realloc(c->rows[r], sizeof(char *) * (k + 1));
    cr_assert_not_null(c->rows[r]);
    c->rows[r][k] = strndup(text, len);
    cr_assert_not_null(c->rows[r][k]);
    c->nfields[r] = k + 1;
}

static void csv_new_row(struct csv *c)
{
    c->rows = realloc(c->rows, sizeof(*c->rows) * (c->n + 1));
    c->nfields = realloc(c->nfields, sizeof(*c->nfields) * (c->n + 1));
    cr_assert(c->rows != NULL && c->nfields != NULL);
    c->rows[c->n] = NULL;
    c->nfields[c->n] = 0;
    c->n++;
}

static void csv_read(struct csv *c, const char *s, char delim)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *field = malloc(cap);
    bool quoted = false, row_open = false;

    cr_assert_not_null(field);
    memset(c, 0, sizeof(*c));
    for (const char *p = s; *p != '\0'; p++) {
        if (!row_open) {
            csv_new_row(c);
            row_open = true;
        }
        if (quoted) {
            if (*p == '"' && p[1] == '"') {
                field[len++] = '"';
                p++;
            } else if (*p == '"') {
                quoted = false;
            } else {
                field[len++] = *p;
            }
        } else if (*p == '"' && len == 0) {
            quoted = true;
        } else if (*p == delim) {
            csv_push_field(c, field, len);
            len = 0;
        } else if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n')
                p++;
            csv_push_field(c, field, len);
            len = 0;
            row_open = false;
        } else {
            field[len++] = *p;
        }
    }
    cr_assert_not(quoted, "the file ends inside a quoted field");
    if (row_open)
        csv_push_field(c, field, len);
    free(field);
}

static void csv_free(struct csv *c)
{
    for (size_t r = 0; r < c->n; r++) {
        for (size_t k = 0; k < c->nfields[r]; k++)
            free(c->rows[r][k]);
        free(c->rows[r]);
    }
    free(c->rows);
    free(c->nfields);
    memset(c, 0, sizeof(*c));
}

/* The column named name in the header row, failing the test when none. */
static size_t csv_col(const struct csv *c, const char *name)
{
    cr_assert_gt(c->n, 0, "the file has no header");
    for (size_t k = 0; k < c->nfields[0]; k++)
        if (strcmp(c->rows[0][k], name) == 0)
            return k;
    cr_assert_fail("no column \"%s\"", name);
    return 0;
}

/* ---------------------------------------------------------------- raw HTTP */

/* The whole answer to a GET sent without an HTTP client between (headers as
 * they are on the wire), read to the connection's end. Caller frees. */
static char *raw_get(const char *path, const char *token, const char *version)
{
    const char *url = th_env("OC_GATEWAY_URL");
    const char *colon = strrchr(url, ':');
    struct sockaddr_in sa;
    char head[2048];
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    long long until = th_now_ms() + 20000;
    int fd, n;

    cr_assert_not_null(buf);
    cr_assert_not_null(colon, "OC_GATEWAY_URL has no port: %s", url);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "cannot connect to %s", url);
    n = snprintf(head, sizeof(head),
                 "GET %s HTTP/%s\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                 "Connection: close\r\n\r\n",
                 path, version, token);
    cr_assert_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        long long left = until - th_now_ms();
        ssize_t got;

        cr_assert_gt(left, 0, "no end to the answer: %.300s", len > 0 ? buf : "");
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            cr_assert_not_null(buf);
        }
        got = recv(fd, buf + len, cap - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

/* The body of a chunked answer, its chunks joined; fails unless the last chunk came. */
static char *dechunk(const char *body)
{
    size_t len = 0;
    char *out = malloc(strlen(body) + 1);

    cr_assert_not_null(out);
    for (;;) {
        char *end;
        unsigned long n = strtoul(body, &end, 16);

        cr_assert(end != body && strncmp(end, "\r\n", 2) == 0, "not a chunk: %.40s", body);
        body = end + 2;
        if (n == 0) {
            cr_assert_eq(strncmp(body, "\r\n", 2), 0, "the last chunk is not complete");
            break;
        }
        cr_assert_geq(strlen(body), n + 2, "a chunk is cut short");
        memcpy(out + len, body, n);
        len += n;
        body += n;
        cr_assert_eq(strncmp(body, "\r\n", 2), 0, "a chunk does not end with CRLF");
        body += 2;
    }
    out[len] = '\0';
    return out;
}

/* ================================================================ rejected rows */

Test(lead_exports, rejected_rows_download_then_reimport_once_fixed)
{
    struct tenant t;
    struct th_resp r;
    struct csv c;
    char p[8][16], csv[1024], e164[20], line[96], from[96];
    char *campaign = fresh_id(), *import, *fixed;
    size_t reason;

    tenant_new(&t);
    for (unsigned i = 0; i < 8; i++)
        phone(p[i], 100 + i);
    snprintf(csv, sizeof(csv),
             "Nombre,Teléfono,Email,Ciudad\n"
             "Ana García,%s,ana@example.com,Sevilla\n"
             "Luis,abc,,Cádiz\n"
             "Eva,%s,eva@,\n"
             "\"Pérez, Juan\",12,,\"Madrid,\nCentro\"\n"
             "Dup,%s,,\n"
             "Max,%s,,Bilbao\n",
             p[0], p[1], p[0], p[2]);
    upload(&r, t.token, campaign, csv, strlen(csv), "file_name=contactos.csv");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "imported"), 2, "%s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 4, "%s", r.body);
    import = th_strdup(th_jstr(r.json, "import_id"));
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/imports/%s/rejected.csv", import);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_not_null(r.content_type);
    cr_assert_eq(strncmp(r.content_type, "text/csv", 8), 0, "%s", r.content_type);
    cr_assert(strstr(r.content_type, "utf-8") != NULL, "%s", r.content_type);
    csv_read(&c, r.body, ',');
    cr_assert_eq(c.n, 5, "the header and four rows:\n%s", r.body);
    cr_assert_eq(c.nfields[0], 5);
    cr_assert_str_eq(c.rows[0][0], "Nombre");
    cr_assert_str_eq(c.rows[0][1], "Teléfono");
    cr_assert_str_eq(c.rows[0][3], "Ciudad");
    cr_assert_str_eq(c.rows[0][4], "rejected_reason");
    reason = 4;
    for (size_t i = 1; i < c.n; i++)
        cr_assert_eq(c.nfields[i], 5, "row %zu has %zu fields:\n%s", i, c.nfields[i], r.body);
    /* Every record as it was, in file order, with its line and reason. */
    cr_assert_str_eq(c.rows[1][0], "Luis");
    cr_assert_str_eq(c.rows[1][1], "abc");
    cr_assert_str_eq(c.rows[1][3], "Cádiz");
    cr_assert_eq(strncmp(c.rows[1][reason], "line 3: ", 8), 0, "%s", c.rows[1][reason]);
    cr_assert(strstr(c.rows[1][reason], "abc") != NULL, "%s", c.rows[1][reason]);
    cr_assert_str_eq(c.rows[2][0], "Eva");
    cr_assert_eq(strncmp(c.rows[2][reason], "line 4: ", 8), 0, "%s", c.rows[2][reason]);
    cr_assert_str_eq(c.rows[3][0], "Pérez, Juan");
    cr_assert_str_eq(c.rows[3][3], "Madrid,\nCentro", "a record over two lines stays one");
    cr_assert_eq(strncmp(c.rows[3][reason], "line 5: ", 8), 0, "%s", c.rows[3][reason]);
    cr_assert_str_eq(c.rows[4][0], "Dup");
    cr_assert_eq(strncmp(c.rows[4][reason], "line 7: ", 8), 0, "%s", c.rows[4][reason]);
    cr_assert(strstr(c.rows[4][reason], "duplicate") != NULL, "%s", c.rows[4][reason]);
    csv_free(&c);

    /* The user fixes rows where they are (not all of them) and sends the
     * file back as it is, reason column and all. */
    fixed = th_strdup(r.body);
    th_resp_clear(&r);
    snprintf(line, sizeof(line), "Luis,%s,", p[3]);
    replace(&fixed, "Luis,abc,", line);
    snprintf(line, sizeof(line), "\"Pérez, Juan\",%s,", p[4]);
    replace(&fixed, "\"Pérez, Juan\",12,", line);
    snprintf(from, sizeof(from), "Dup,%s,", p[0]);
    snprintf(line, sizeof(line), "Dup,%s,", p[5]);
    replace(&fixed, from, line);
    upload(&r, t.token, campaign, fixed, strlen(fixed), NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "imported"), 3, "every fixed row goes in: %s\n%s", r.body, fixed);
    cr_assert_eq(jint(r.json, "rejected_count"), 1, "%s", r.body);
    free(import);
    import = th_strdup(th_jstr(r.json, "import_id"));
    th_resp_clear(&r);

    /* The reason column went nowhere: the leads carry only the file's own. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/leads?import_id=%s&limit=100", import);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 3, "%s", r.body);
    cr_assert_null(strstr(r.body, "rejected_reason"), "%s", r.body);
    cr_assert_null(strstr(r.body, "line 3: "), "%s", r.body);
    cr_assert(strstr(r.body, "\"Ciudad\":\"Madrid,\\nCentro\"") != NULL, "%s", r.body);
    snprintf(e164, sizeof(e164), "+34%s", p[3]);
    cr_assert(strstr(r.body, e164) != NULL, "%s", r.body);
    th_resp_clear(&r);

    /* The row left unfixed comes round again in the same shape: one reason
     * column, the new one (its line in the second file). */
    th_httpf(&r, "GET", t.token, NULL, "/v1/imports/%s/rejected.csv", import);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    csv_read(&c, r.body, ',');
    cr_assert_eq(c.n, 2, "%s", r.body);
    cr_assert_eq(c.nfields[0], 5, "%s", r.body);
    cr_assert_str_eq(c.rows[0][4], "rejected_reason");
    cr_assert_eq(c.nfields[1], 5, "%s", r.body);
    cr_assert_str_eq(c.rows[1][0], "Eva");
    cr_assert_str_eq(c.rows[1][2], "eva@");
    cr_assert_eq(strncmp(c.rows[1][4], "line 3: ", 8), 0, "%s", c.rows[1][4]);
    csv_free(&c);
    free(fixed);
    fixed = th_strdup(r.body);
    th_resp_clear(&r);
    replace(&fixed, "eva@,", "eva@example.com,");
    upload(&r, t.token, campaign, fixed, strlen(fixed), NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "imported"), 1, "%s\n%s", r.body, fixed);
    cr_assert_eq(jint(r.json, "rejected_count"), 0, "%s", r.body);
    free(import);
    import = th_strdup(th_jstr(r.json, "import_id"));
    th_resp_clear(&r);

    /* Nothing rejected: the download is the header alone. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/imports/%s/rejected.csv", import);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(r.body, "Nombre,Teléfono,Email,Ciudad,rejected_reason\r\n");
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/leads?campaign_id=%s&limit=100", campaign);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 6, "%s", r.body);
    th_resp_clear(&r);

    free(fixed);
    free(import);
    free(campaign);
    tenant_free(&t);
}

Test(lead_exports, a_rejected_file_sent_back_unchanged_is_refused_row_for_row)
{
    struct tenant t;
    struct th_resp r;
    struct csv c;
    char p[2][16], csv[512], path[256];
    char *campaign = fresh_id(), *import, *wire, *body;

    tenant_new(&t);
    phone(p[0], 200);
    phone(p[1], 201);
    /* Semicolons, and a quote that never closes on line 3. */
    snprintf(csv, sizeof(csv),
             "nombre;móvil;notas\n"
             "A;%s;ok\n"
             "B;\"612;x\n"
             "C;abc;y\n"
             "D;%s;z\n",
             p[0], p[1]);
    upload(&r, t.token, campaign, csv, strlen(csv), "file_name=Mis%20contactos%20a%C3%B1o.csv");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "imported"), 2, "%s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 2, "%s", r.body);
    cr_assert_str_eq(th_jstr(r.json, "delimiter"), ";");
    import = th_strdup(th_jstr(r.json, "import_id"));
    th_resp_clear(&r);

    /* On the wire: chunked, named after the uploaded file. */
    snprintf(path, sizeof(path), "/v1/imports/%s/rejected.csv", import);
    wire = raw_get(path, t.token, "1.1");
    cr_assert_eq(strncmp(wire, "HTTP/1.1 200", 12), 0, "%.300s", wire);
    cr_assert(strstr(wire, "Transfer-Encoding: chunked\r\n") != NULL, "%.600s", wire);
    cr_assert(strstr(wire, "Content-Disposition: attachment; "
                           "filename=\"Mis contactos a_o-rejected.csv\"; "
                           "filename*=UTF-8''Mis%20contactos%20a%C3%B1o-rejected.csv\r\n") != NULL,
              "%.600s", wire);
    cr_assert(strstr(wire, "X-Request-Id: ") != NULL, "%.600s", wire);
    body = dechunk(strstr(wire, "\r\n\r\n") + 4);
    free(wire);

    csv_read(&c, body, ';');
    cr_assert_eq(c.n, 3, "%s", body);
    cr_assert_str_eq(c.rows[0][1], "móvil");
    cr_assert_str_eq(c.rows[0][3], "rejected_reason");
    cr_assert_eq(c.nfields[1], 3, "the open quote is closed, the reason its own field: %s", body);
    cr_assert_str_eq(c.rows[1][0], "B");
    cr_assert_eq(strncmp(c.rows[1][2], "line 3: ", 8), 0, "%s", c.rows[1][2]);
    cr_assert_str_eq(c.rows[2][0], "C");
    cr_assert_eq(strncmp(c.rows[2][3], "line 4: ", 8), 0, "%s", c.rows[2][3]);
    csv_free(&c);

    /* HTTP/1.0 has no chunks: the same bytes, ended by the connection. */
    wire = raw_get(path, t.token, "1.0");
    cr_assert_eq(strncmp(wire, "HTTP/1.0 200", 12), 0, "%.300s", wire);
    cr_assert_null(strstr(wire, "Transfer-Encoding"), "%.600s", wire);
    cr_assert_str_eq(strstr(wire, "\r\n\r\n") + 4, body);
    free(wire);

    /* Unchanged, each row is refused again and none swallows another. */
    upload(&r, t.token, campaign, body, strlen(body), NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "rows"), 2, "%s", r.body);
    cr_assert_eq(jint(r.json, "imported"), 0, "%s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 2, "%s", r.body);
    th_resp_clear(&r);

    free(body);
    free(import);
    free(campaign);
    tenant_free(&t);
}

Test(lead_exports, rejected_rows_of_nothing_or_of_a_bad_request_are_errors)
{
    struct tenant t;
    struct th_resp r;
    char *nobody = fresh_id();

    tenant_new(&t);
    th_httpf(&r, "GET", t.token, NULL, "/v1/imports/%s/rejected.csv", nobody);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    cr_assert_str_eq(th_error_code(&r), "not_found");
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/imports/not-an-id/rejected.csv", t.token, NULL);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/imports/%s/rejected.csv?format=json", nobody);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", NULL, NULL, "/v1/imports/%s/rejected.csv", nobody);
    cr_assert_eq(r.status, 401, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    free(nobody);
    tenant_free(&t);
}

/* ================================================================ lead exports */

struct expected_lead {
    char phone[16];
    char name[32];
    char city[32];
};

static const struct expected_lead *find_lead(const struct expected_lead *want, size_t n,
                                             const char *e164)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(e164, "+34", 3) == 0 && strcmp(e164 + 3, want[i].phone) == 0)
            return &want[i];
    return NULL;
}

Test(lead_exports, leads_export_as_csv_and_json_with_what_was_imported)
{
    struct tenant t;
    struct th_resp r;
    struct csv c;
    struct expected_lead *want = calloc(MANY_LEADS, sizeof(*want));
    char *campaign = fresh_id(), *file, *lead_id, dnc_body[128];
    size_t cap = MANY_LEADS * 96 + 64, len;
    json_t *items;
    bool *seen = calloc(MANY_LEADS, sizeof(*seen));

    cr_assert(want != NULL && seen != NULL);
    tenant_new(&t);
    file = malloc(cap);
    cr_assert_not_null(file);
    len = (size_t)snprintf(file, cap, "name,phone,Ciudad\n");
    for (size_t i = 0; i < MANY_LEADS; i++) {
        phone(want[i].phone, 300000 + (unsigned)i);
        snprintf(want[i].name, sizeof(want[i].name), "Lead %04zu", i);
        /* Some cells need quoting on the way out. */
        snprintf(want[i].city, sizeof(want[i].city), i % 7 == 0 ? "Madrid, \"%zu\"" : "City %zu",
                 i);
        len += (size_t)snprintf(file + len, cap - len, "%s,%s,", want[i].name, want[i].phone);
        if (i % 7 == 0)
            len += (size_t)snprintf(file + len, cap - len, "\"Madrid, \"\"%zu\"\"\"\n", i);
        else
            len += (size_t)snprintf(file + len, cap - len, "%s\n", want[i].city);
    }
    upload(&r, t.token, campaign, file, len, NULL);
    cr_assert_eq(r.status, 200, "%ld %.300s", r.status, r.body);
    cr_assert_eq(jint(r.json, "imported"), MANY_LEADS, "%.500s", r.body);
    th_resp_clear(&r);

    /* JSON: one array, every lead once, as imported. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s/leads/export?format=json", campaign);
    cr_assert_eq(r.status, 200, "%ld %.300s", r.status, r.body);
    cr_assert_eq(strncmp(r.content_type, "application/json", 16), 0, "%s", r.content_type);
    cr_assert(json_is_array(r.json), "not one JSON array: %.300s", r.body);
    items = r.json;
    cr_assert_eq(json_array_size(items), MANY_LEADS);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *lead = json_array_get(items, i);
        const struct expected_lead *w = find_lead(want, MANY_LEADS, th_jstr(lead, "phone_e164"));

        cr_assert_not_null(w, "a lead that was not imported: %s", th_jstr(lead, "phone_e164"));
        cr_assert_not(seen[w - want], "%s twice", w->phone);
        seen[w - want] = true;
        cr_assert_str_eq(th_jstr(lead, "name"), w->name);
        cr_assert_str_eq(th_jstr(lead, "campaign_id"), campaign);
        cr_assert_str_eq(th_jstr(lead, "status"), "pending");
        cr_assert_str_eq(th_jstr(json_object_get(lead, "fields"), "Ciudad"), w->city);
        /* File order: the created time then the id keep the rows in line. */
        cr_assert_eq(jint(lead, "line"), (long long)(w - want) + 2, "lead %zu", i);
    }
    lead_id = th_strdup(th_jstr(json_array_get(items, 10), "id"));
    th_resp_clear(&r);

    /* CSV: the lead's fields as columns, custom fields as one JSON cell. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s/leads/export", campaign);
    cr_assert_eq(r.status, 200, "%ld %.300s", r.status, r.body);
    cr_assert_eq(strncmp(r.content_type, "text/csv", 8), 0, "%s", r.content_type);
    csv_read(&c, r.body, ',');
    cr_assert_eq(c.n, MANY_LEADS + 1);
    cr_assert_str_eq(c.rows[0][0], "id");
    {
        size_t name = csv_col(&c, "name"), e164 = csv_col(&c, "phone_e164");
        size_t fields = csv_col(&c, "fields"), status = csv_col(&c, "status");
        size_t created = csv_col(&c, "created_unix_ms"), id = csv_col(&c, "id");

        for (size_t i = 1; i < c.n; i++) {
            const struct expected_lead *w = find_lead(want, MANY_LEADS, c.rows[i][e164]);
            json_t *f;

            cr_assert_eq(c.nfields[i], c.nfields[0], "row %zu", i);
            cr_assert_not_null(w, "row %zu: %s", i, c.rows[i][e164]);
            cr_assert_str_eq(c.rows[i][name], w->name);
            cr_assert_str_eq(c.rows[i][status], "pending");
            cr_assert_gt(atoll(c.rows[i][created]), 1600000000000LL);
            f = json_loads(c.rows[i][fields], 0, NULL);
            cr_assert_not_null(f, "row %zu: fields is not JSON: %s", i, c.rows[i][fields]);
            cr_assert_str_eq(th_jstr(f, "Ciudad"), w->city);
            json_decref(f);
            if (i == 11)
                cr_assert_str_eq(c.rows[i][id], lead_id, "the same order as the JSON");
        }
    }
    csv_free(&c);
    th_resp_clear(&r);

    /* Filters are those of GET /v1/leads: one number on the do-not-call list. */
    snprintf(dnc_body, sizeof(dnc_body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}",
             want[5].phone);
    th_http(&r, "POST", "/v1/dnc", t.token, dnc_body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL,
             "/v1/campaigns/%s/leads/export?format=json&status=do_not_call", campaign);
    cr_assert_eq(r.status, 200, "%ld %.300s", r.status, r.body);
    cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
    cr_assert_str_eq(th_jstr(json_array_get(r.json, 0), "name"), want[5].name);
    th_resp_clear(&r);

    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s/leads/export?format=xml", campaign);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "format") != NULL, "%s", r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s/leads/export?limit=5", campaign);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", t.token, NULL, "/v1/campaigns/%s/leads/export?campaign_id=%s", campaign,
             campaign);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/campaigns/nope/leads/export", t.token, NULL);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    free(lead_id);
    free(file);
    free(seen);
    free(want);
    free(campaign);
    tenant_free(&t);
}

/* ================================================================ do-not-call */

static void dnc_import(struct th_resp *r, const char *token, const char *ctype, const char *body,
                       const char *query)
{
    char path[512];

    snprintf(path, sizeof(path), "/v1/dnc/import%s%s", query != NULL ? "?" : "",
             query != NULL ? query : "");
    th_http_ct(r, "POST", path, token, ctype, body, strlen(body));
}

Test(lead_exports, a_do_not_call_file_is_imported_with_counts_and_each_refused_row)
{
    struct tenant t;
    struct th_resp r;
    char p[4][16], csv[512], body[1024], e164[20];
    json_t *rejected, *entry;

    tenant_new(&t);
    for (unsigned i = 0; i < 4; i++)
        phone(p[i], 400 + i);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p[0]);
    th_http(&r, "POST", "/v1/dnc", t.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    snprintf(csv, sizeof(csv),
             "nombre,teléfono\n"
             "Ya,%s\n"
             "Dos,+34 %s\n"
             "Mal,abc\n"
             "Vacío,\n"
             "Tres,%s\n"
             "Otra vez,+34-%s\n",
             p[0], p[1], p[2], p[2]);
    dnc_import(&r, t.token, "text/csv", csv, "default_region=ES&reason=lista%20Robinson&risk=high");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "added"), 2, "%s", r.body);
    cr_assert_eq(jint(r.json, "already_listed"), 2, "%s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 2, "%s", r.body);
    rejected = json_object_get(r.json, "rejected");
    cr_assert_eq(json_array_size(rejected), 2, "%s", r.body);
    cr_assert_eq(jint(json_array_get(rejected, 0), "line"), 4);
    cr_assert_str_eq(th_jstr(json_array_get(rejected, 0), "code"), "invalid_phone");
    cr_assert(strstr(th_jstr(json_array_get(rejected, 0), "reason"), "abc") != NULL, "%s", r.body);
    cr_assert_str_eq(th_jstr(json_array_get(rejected, 0), "raw"), "Mal,abc");
    cr_assert_eq(jint(json_array_get(rejected, 1), "line"), 5);
    cr_assert_str_eq(th_jstr(json_array_get(rejected, 1), "code"), "missing_phone");
    th_resp_clear(&r);

    /* The entries carry the import's reason, risk and source. */
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p[1]);
    th_http(&r, "POST", "/v1/dnc/check", t.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_true(json_object_get(r.json, "listed")), "%s", r.body);
    entry = json_object_get(r.json, "entry");
    cr_assert_str_eq(th_jstr(entry, "source"), "import");
    cr_assert_str_eq(th_jstr(entry, "reason"), "lista Robinson");
    cr_assert_str_eq(th_jstr(entry, "risk"), "high");
    th_resp_clear(&r);

    /* As a form, options beside the file, like a lead upload. */
    snprintf(body, sizeof(body),
             "--b0undary\r\n"
             "Content-Disposition: form-data; name=\"reason\"\r\n\r\n"
             "pidió no llamar\r\n"
             "--b0undary\r\n"
             "Content-Disposition: form-data; name=\"file\"; filename=\"robinson.csv\"\r\n"
             "Content-Type: text/csv\r\n\r\n"
             "phone\r\n%s\r\n\r\n"
             "--b0undary\r\n"
             "Content-Disposition: form-data; name=\"default_region\"\r\n\r\n"
             "ES\r\n"
             "--b0undary--\r\n",
             p[3]);
    dnc_import(&r, t.token, "multipart/form-data; boundary=b0undary", body, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "added"), 1, "%s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 0, "%s", r.body);
    th_resp_clear(&r);
    snprintf(e164, sizeof(e164), "+34%s", p[3]);
    th_httpf(&r, "GET", t.token, NULL, "/v1/dnc?query=%s", p[3]);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, e164) != NULL, "%s", r.body);
    cr_assert(strstr(r.body, "pidió no llamar") != NULL, "%s", r.body);
    th_resp_clear(&r);

    /* What is refused, and says why. */
    dnc_import(&r, t.token, "application/json", "{\"phones\":[]}", NULL);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "Content-Type") != NULL, "%s", r.body);
    th_resp_clear(&r);
    dnc_import(&r, t.token, "text/csv", "", NULL);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "empty") != NULL, "%s", r.body);
    th_resp_clear(&r);
    dnc_import(&r, t.token, "text/csv", "phone\n612345678\n", "colour=red");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "colour") != NULL, "%s", r.body);
    th_resp_clear(&r);
    dnc_import(&r, t.token, "text/csv", "phone\n612345678\n", "risk=extreme");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "risk") != NULL, "%s", r.body);
    th_resp_clear(&r);
    tenant_free(&t);
}

Test(lead_exports, the_do_not_call_list_exports_and_goes_back_in_elsewhere)
{
    struct tenant a, b;
    struct th_resp r;
    struct csv c;
    char p[3][16], csv[256], body[256], *exported;
    bool seen[3] = {false, false, false};

    tenant_new(&a);
    tenant_new(&b);
    for (unsigned i = 0; i < 3; i++)
        phone(p[i], 500 + i);
    snprintf(body, sizeof(body),
             "{\"phone\":\"%s\",\"default_region\":\"ES\",\"reason\":\"dijo "
             "\\\"no\\\", gracias\"}",
             p[0]);
    th_http(&r, "POST", "/v1/dnc", a.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    snprintf(csv, sizeof(csv), "phone\n%s\n%s\n", p[1], p[2]);
    dnc_import(&r, a.token, "text/csv", csv, "default_region=ES");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "added"), 2, "%s", r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/dnc/export", a.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(strncmp(r.content_type, "text/csv", 8), 0, "%s", r.content_type);
    csv_read(&c, r.body, ',');
    cr_assert_eq(c.n, 4, "%s", r.body);
    {
        size_t e164 = csv_col(&c, "phone_e164"), source = csv_col(&c, "source");
        size_t reason = csv_col(&c, "reason"), by = csv_col(&c, "created_by");

        cr_assert_str_eq(c.rows[0][0], "id");
        for (size_t i = 1; i < c.n; i++) {
            for (unsigned k = 0; k < 3; k++) {
                if (strcmp(c.rows[i][e164] + 3, p[k]) != 0)
                    continue;
                seen[k] = true;
                cr_assert_str_eq(c.rows[i][source], k == 0 ? "manual" : "import");
                if (k == 0) {
                    cr_assert_str_eq(c.rows[i][reason], "dijo \"no\", gracias");
                    cr_assert_str_eq(c.rows[i][by], a.user_id);
                }
            }
        }
    }
    cr_assert(seen[0] && seen[1] && seen[2], "%s", r.body);
    csv_free(&c);
    exported = th_strdup(r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/dnc/export?format=json&source=import", a.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_array(r.json), "%s", r.body);
    cr_assert_eq(json_array_size(r.json), 2, "%s", r.body);
    for (size_t i = 0; i < 2; i++)
        cr_assert_str_eq(th_jstr(json_array_get(r.json, i), "source"), "import");
    th_resp_clear(&r);

    /* Another account takes the export as it is. */
    dnc_import(&r, b.token, "text/csv", exported, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "added"), 3, "%s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 0, "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/export?format=json", b.token, NULL);
    cr_assert_eq(json_array_size(r.json), 3, "%s", r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/dnc/export?format=yaml", a.token, NULL);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/export?cursor=abc", a.token, NULL);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    free(exported);
    tenant_free(&a);
    tenant_free(&b);
}

/* The history entry of phone (national) with action, or NULL. */
static json_t *history_entry(json_t *items, const char *phone_national, const char *action)
{
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *e = json_array_get(items, i);
        const char *e164 = th_jstr(e, "phone_e164");

        if (e164 != NULL && strcmp(e164 + 3, phone_national) == 0 &&
            strcmp(th_jstr(e, "action"), action) == 0)
            return e;
    }
    return NULL;
}

Test(lead_exports, the_audit_trail_says_who_did_what_when_and_why)
{
    struct tenant t;
    struct th_resp r;
    char p[2][16], body[256], csv[64];
    long long before = th_now_ms() - 60000;
    json_t *items, *e;

    tenant_new(&t);
    phone(p[0], 600);
    phone(p[1], 601);
    snprintf(
        body, sizeof(body),
        "{\"phone\":\"%s\",\"default_region\":\"ES\",\"reason\":\"pidió\",\"risk\":\"medium\"}",
        p[0]);
    th_http(&r, "POST", "/v1/dnc", t.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_httpf(&r, "DELETE", t.token, NULL, "/v1/dnc/%%2B34%s?reason=error", p[0]);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    snprintf(csv, sizeof(csv), "phone\n%s\n", p[1]);
    dnc_import(&r, t.token, "text/csv", csv, "default_region=ES&reason=fichero");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    th_http(&r, "GET", "/v1/dnc/history", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    items = json_object_get(r.json, "items");
    cr_assert_eq(json_array_size(items), 3, "%s", r.body);
    cr_assert(json_is_null(json_object_get(r.json, "next_cursor")), "%s", r.body);
    e = history_entry(items, p[0], "added");
    cr_assert_not_null(e, "%s", r.body);
    cr_assert_str_eq(th_jstr(e, "source"), "manual");
    cr_assert_str_eq(th_jstr(e, "reason"), "pidió");
    cr_assert_str_eq(th_jstr(e, "risk"), "medium");
    cr_assert_str_eq(th_jstr(e, "actor"), t.user_id, "who: %s", r.body);
    cr_assert_gt(jint(e, "at_unix_ms"), before, "when: %s", r.body);
    e = history_entry(items, p[0], "removed");
    cr_assert_not_null(e, "%s", r.body);
    cr_assert_str_eq(th_jstr(e, "reason"), "error");
    cr_assert_str_eq(th_jstr(e, "actor"), t.user_id);
    e = history_entry(items, p[1], "added");
    cr_assert_not_null(e, "%s", r.body);
    cr_assert_str_eq(th_jstr(e, "source"), "import");
    cr_assert_str_eq(th_jstr(e, "reason"), "fichero");
    th_resp_clear(&r);

    /* One number's story, in any format, and page by page. */
    th_httpf(&r, "GET", t.token, NULL, "/v1/dnc/history?phone=%s&default_region=ES", p[0]);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    items = json_object_get(r.json, "items");
    cr_assert_eq(json_array_size(items), 2, "%s", r.body);
    cr_assert_not_null(history_entry(items, p[0], "added"));
    cr_assert_not_null(history_entry(items, p[0], "removed"));
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/history?limit=2", t.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 2, "%s", r.body);
    cr_assert_not_null(th_jstr(r.json, "next_cursor"), "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/history?actor=me", t.token, NULL);
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    tenant_free(&t);
}

Test(lead_exports, a_batch_check_answers_each_number_in_order)
{
    struct tenant t;
    struct th_resp r;
    char p[2][16], body[256], e164[20];
    json_t *results;

    tenant_new(&t);
    phone(p[0], 700);
    phone(p[1], 701);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p[0]);
    th_http(&r, "POST", "/v1/dnc", t.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    snprintf(body, sizeof(body),
             "{\"phones\":[\"%.3s %.3s %.3s\",\"+34%s\",\"abc\",\"+34%s\"],"
             "\"default_region\":\"ES\"}",
             p[0], p[0] + 3, p[0] + 6, p[1], p[0]);
    th_http(&r, "POST", "/v1/dnc/check", t.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    results = json_object_get(r.json, "results");
    cr_assert_eq(json_array_size(results), 4, "%s", r.body);
    snprintf(e164, sizeof(e164), "+34%s", p[0]);
    cr_assert(json_is_true(json_object_get(json_array_get(results, 0), "listed")), "%s", r.body);
    cr_assert_str_eq(th_jstr(json_array_get(results, 0), "phone_e164"), e164);
    cr_assert_eq(strncmp(th_jstr(json_array_get(results, 0), "phone"), p[0], 3), 0,
                 "the number as given");
    cr_assert(json_is_false(json_object_get(json_array_get(results, 1), "listed")), "%s", r.body);
    cr_assert(json_is_false(json_object_get(json_array_get(results, 2), "listed")), "%s", r.body);
    cr_assert_str_eq(th_jstr(json_array_get(results, 2), "phone"), "abc");
    cr_assert_str_eq(th_jstr(json_array_get(results, 2), "phone_e164"), "", "not a number");
    cr_assert(json_is_true(json_object_get(json_array_get(results, 3), "listed")), "%s", r.body);
    th_resp_clear(&r);

    /* One number still works as before. */
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p[0]);
    th_http(&r, "POST", "/v1/dnc/check", t.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_true(json_object_get(r.json, "listed")), "%s", r.body);
    cr_assert_str_eq(th_jstr(r.json, "phone_e164"), e164);
    th_resp_clear(&r);

    th_http(&r, "POST", "/v1/dnc/check", t.token, "{\"phone\":\"612345678\",\"phones\":[]}");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/dnc/check", t.token, "{\"phones\":\"612345678\"}");
    cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "phones") != NULL, "%s", r.body);
    th_resp_clear(&r);
    tenant_free(&t);
}

/* ================================================================ tenants */

Test(lead_exports, another_tenant_gets_404_or_nothing_from_every_download)
{
    struct tenant a, b;
    struct th_resp r;
    char p[3][16], csv[256], body[256], e164[20];
    char *campaign = fresh_id(), *import;

    tenant_new(&a);
    tenant_new(&b);
    for (unsigned i = 0; i < 3; i++)
        phone(p[i], 800 + i);
    snprintf(csv, sizeof(csv), "name,phone\nUna,%s\nMala,abc\n", p[0]);
    upload(&r, a.token, campaign, csv, strlen(csv), NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), 1, "%s", r.body);
    import = th_strdup(th_jstr(r.json, "import_id"));
    th_resp_clear(&r);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p[1]);
    th_http(&r, "POST", "/v1/dnc", a.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    /* The owner sees them... */
    th_httpf(&r, "GET", a.token, NULL, "/v1/imports/%s/rejected.csv", import);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(strstr(r.body, "Mala,abc") != NULL, "%s", r.body);
    th_resp_clear(&r);

    /* ...another account gets 404 or an empty download, never a row. */
    th_httpf(&r, "GET", b.token, NULL, "/v1/imports/%s/rejected.csv", import);
    cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
    cr_assert_null(strstr(r.body, "abc"), "%s", r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", b.token, NULL, "/v1/campaigns/%s/leads/export?format=json", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_array(r.json), "%s", r.body);
    cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
    th_resp_clear(&r);
    th_httpf(&r, "GET", b.token, NULL, "/v1/campaigns/%s/leads/export", campaign);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_null(strstr(r.body, p[0]), "%s", r.body);
    cr_assert_null(strchr(strchr(r.body, '\n') + 1, '\n'), "a header and nothing else: %s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/export?format=json", b.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/export", b.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_null(strstr(r.body, p[1]), "%s", r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/history", b.token, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 0, "%s", r.body);
    th_resp_clear(&r);
    snprintf(e164, sizeof(e164), "+34%s", p[1]);
    snprintf(body, sizeof(body), "{\"phones\":[\"%s\"]}", e164);
    th_http(&r, "POST", "/v1/dnc/check", b.token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert(json_is_false(
                  json_object_get(json_array_get(json_object_get(r.json, "results"), 0), "listed")),
              "%s", r.body);
    th_resp_clear(&r);
    /* Importing the same number in B changes nothing in A. */
    snprintf(csv, sizeof(csv), "phone\n%s\n", p[2]);
    dnc_import(&r, b.token, "text/csv", csv, "default_region=ES");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    th_resp_clear(&r);
    th_http(&r, "GET", "/v1/dnc/export?format=json", a.token, NULL);
    cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
    th_resp_clear(&r);

    free(import);
    free(campaign);
    tenant_free(&a);
    tenant_free(&b);
}

/* ================================================================ a large do-not-call file */

/* Numbers of the large file: beside those of the other tests (phone(i), i < 10^5). */
#define BIG_DNC 5000
#define BIG_DNC_BASE 500000u

/* A campaign that calls: an assistant (or a fresh id while that service is
 * missing), a SIP number, the campaign; skipped when the stack lacks them. */
static char *calling_campaign(const char *token)
{
    char assistant[37], body[512], *number, *id;
    struct th_resp r;

    th_http(&r, "POST", "/v1/assistants", token,
            "{\"name\":\"Ana\",\"language\":\"es\",\"greeting\":\"Hola\","
            "\"script\":{\"objective\":\"demo\",\"lines\":[{\"text\":\"¿Tiene un minuto?\"}],"
            "\"closing_line\":\"Adiós\"}}");
    if (r.status == 201)
        snprintf(assistant, sizeof(assistant), "%s", th_jstr(r.json, "id"));
    else
        cr_assert_eq(oc_uuid_v4(assistant), OC_OK);
    th_resp_clear(&r);
    th_http(&r, "POST", "/v1/numbers", token,
            "{\"kind\":\"sip\",\"trunk\":\"sip:127.0.0.1:5070\",\"caller_id\":\"+34910000000\"}");
    if (r.status == 503)
        cr_skip_test("numbers are not served: %s", r.body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    number = th_strdup(th_jstr(r.json, "id"));
    th_resp_clear(&r);
    snprintf(body, sizeof(body),
             "{\"name\":\"DNC\",\"assistant_id\":\"%s\",\"number_id\":\"%s\","
             "\"default_region\":\"ES\",\"timezone\":\"Europe/Madrid\"}",
             assistant, number);
    th_http(&r, "POST", "/v1/campaigns", token, body);
    if (r.status == 503)
        cr_skip_test("campaigns are not served: %s", r.body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    id = th_strdup(th_jstr(r.json, "id"));
    th_resp_clear(&r);
    free(number);
    return id;
}

struct calls_of {
    const char *token;
    const char *campaign;
    const char *status; /* NULL: any */
};

static bool has_call(void *arg)
{
    struct calls_of *w = arg;
    struct th_resp r;
    bool ok;

    th_httpf(&r, "GET", w->token, NULL, "/v1/calls?campaign_id=%s%s%s", w->campaign,
             w->status != NULL ? "&status=" : "", w->status != NULL ? w->status : "");
    ok = r.status == 200 && json_array_size(json_object_get(r.json, "items")) >= 1;
    th_resp_clear(&r);
    return ok;
}

static bool dnc_listed(const char *token, const char *national)
{
    struct th_resp r;
    char body[128];
    bool listed;

    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", national);
    th_http(&r, "POST", "/v1/dnc/check", token, body);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    listed = json_is_true(json_object_get(r.json, "listed"));
    th_resp_clear(&r);
    return listed;
}

Test(lead_exports, a_do_not_call_file_of_megabytes_streams_in_and_cancels_future_calls,
     .timeout = 300)
{
    struct tenant t, other;
    struct th_resp r;
    char p[16], body[256], *campaign, *file;
    size_t cap = (size_t)BIG_DNC * 360 + 4096, len = 0;
    long line = 1, bad_lines[8];
    size_t n_bad = 0, repeats = 0;
    json_t *rejected;
    long long t0;

    tenant_new(&t);
    tenant_new(&other);

    /* A lead in a calling campaign, its first call created, whose number
     * the file lists early on, inside (not first in) the first dnc.changed
     * event, which names up to 200 numbers. */
    campaign = calling_campaign(t.token);
    phone(p, BIG_DNC_BASE + 50);
    snprintf(body, sizeof(body), "{\"name\":\"Lucía\",\"phone_raw\":\"%s\"}", p);
    {
        char path[128];

        snprintf(path, sizeof(path), "/v1/campaigns/%s/leads", campaign);
        th_http_ct(&r, "POST", path, t.token, "application/json", body, strlen(body));
        cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
        th_resp_clear(&r);
    }
    {
        struct calls_of w = {t.token, campaign, NULL};

        cr_assert(th_wait_until(has_call, &w, 30000), "no call was created for the lead");
    }

    /* One number listed before: already_listed. */
    phone(p, BIG_DNC_BASE + 7);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p);
    th_http(&r, "POST", "/v1/dnc", t.token, body);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body);
    th_resp_clear(&r);

    /* 5 000 numbers written as people write them, each with a note of 300 bytes (1.5 MB:
     * six chunks), a few bad rows and repeats. Enough to stream; few enough that the
     * import answers within the harness's HTTP wait on a loaded machine. */
    file = malloc(cap);
    cr_assert_not_null(file);
    len += (size_t)snprintf(file + len, cap - len, "nombre,teléfono,notas\n");
    for (unsigned i = 0; i < BIG_DNC; i++) {
        phone(p, BIG_DNC_BASE + i);
        line++;
        len += (size_t)snprintf(file + len, cap - len, "Persona %u,+34 %.3s %.3s %.3s,%0300u\n", i,
                                p, p + 3, p + 6, i);
        if (i % 2500 == 1234) {
            line++;
            bad_lines[n_bad++] = line;
            len += (size_t)snprintf(file + len, cap - len, "Mal %u,no-es-un-numero\n", i);
        }
        if (i % 2000 == 999) {
            line++;
            repeats++;
            len += (size_t)snprintf(file + len, cap - len, "Otra vez,%s\n", p);
        }
    }
    line++;
    bad_lines[n_bad++] = line;
    len += (size_t)snprintf(file + len, cap - len, "Sin número,\n");
    cr_assert_gt(len, 5u << 18, "the file must be well over the NATS payload limit");

    t0 = th_now_ms();
    th_http_ct(&r, "POST", "/v1/dnc/import?default_region=ES&reason=registro&risk=high", t.token,
               "text/csv", file, len);
    cr_log_info("do-not-call import of %zu bytes: %lld ms", len, th_now_ms() - t0);
    cr_assert_eq(r.status, 200, "%ld %.500s", r.status, r.body);
    cr_assert_eq(jint(r.json, "added"), BIG_DNC - 1, "%.500s", r.body);
    cr_assert_eq(jint(r.json, "already_listed"), (long long)repeats + 1, "%.500s", r.body);
    cr_assert_eq(jint(r.json, "rejected_count"), (long long)n_bad, "%.500s", r.body);
    rejected = json_object_get(r.json, "rejected");
    cr_assert_eq(json_array_size(rejected), n_bad, "%.500s", r.body);
    for (size_t i = 0; i < n_bad; i++)
        cr_assert_eq(jint(json_array_get(rejected, i), "line"), bad_lines[i], "row %zu: %.500s", i,
                     r.body);
    cr_assert_str_eq(th_jstr(json_array_get(rejected, 0), "code"), "invalid_phone");
    cr_assert_str_eq(th_jstr(json_array_get(rejected, n_bad - 1), "code"), "missing_phone");
    th_resp_clear(&r);

    /* Listed from the first number to the last, with the import's fields. */
    for (unsigned i = 0; i < BIG_DNC; i += 1111) {
        phone(p, BIG_DNC_BASE + i);
        cr_assert(dnc_listed(t.token, p), "number %u is not listed", i);
    }
    phone(p, BIG_DNC_BASE + BIG_DNC - 1);
    cr_assert(dnc_listed(t.token, p), "the last number is not listed");
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"default_region\":\"ES\"}", p);
    th_http(&r, "POST", "/v1/dnc/check", t.token, body);
    cr_assert_str_eq(th_jstr(json_object_get(r.json, "entry"), "source"), "import", "%s", r.body);
    cr_assert_str_eq(th_jstr(json_object_get(r.json, "entry"), "reason"), "registro", "%s", r.body);
    th_resp_clear(&r);

    /* Another tenant's list is its own. */
    cr_assert_not(dnc_listed(other.token, p), "another tenant sees the list");
    phone(p, BIG_DNC_BASE + 50);
    cr_assert_not(dnc_listed(other.token, p), "another tenant sees the list");

    /* The lead's future call is canceled. */
    {
        struct calls_of w = {t.token, campaign, "canceled"};

        cr_assert(th_wait_until(has_call, &w, 120000), "the listed lead's call was not canceled");
    }

    free(file);
    free(campaign);
    tenant_free(&other);
    tenant_free(&t);
}
