/*
 * Service-level integration tests: every service of the running stack,
 * reached over NATS (health, malformed requests), its admin port (/healthz,
 * /readyz, /metrics), its database role (schema isolation, row-level
 * security through the shared runtime's helpers), and its life cycle
 * (SIGTERM exits cleanly; a restart of nats-server is survived).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "oc/db.h"
#include "oc/http_client.h"
#include "proto/common.pb-c.h"

#define MAX_SERVICES 16

static int service_names(char names[MAX_SERVICES][32])
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", th_env("OC_SERVICES"));
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && n < MAX_SERVICES;
         t = strtok_r(NULL, " ", &save))
        snprintf(names[n++], 32, "%.31s", t);
    return n;
}

/* The schema of a service, as docs/development.md fixes it; NULL for media. */
static const char *schema_of(const char *svc, char *buf, size_t len)
{
    if (strcmp(svc, "media") == 0)
        return NULL;
    snprintf(buf, len, "%.31s", svc);
    for (char *p = buf; *p; p++)
        if (*p == '-')
            *p = '_';
    return buf;
}

static enum oc_status health(struct oc_bus *bus, const char *svc, Ocpb__HealthReply **out,
                             char *err, size_t errlen)
{
    char subject[64];
    snprintf(subject, sizeof(subject), "%.40s.health", svc);
    Ocpb__HealthRequest req = OCPB__HEALTH_REQUEST__INIT;
    struct oc_call call = {.timeout_ms = 2000};
    return oc_bus_call(bus, subject, &call, &req.base, &ocpb__health_reply__descriptor, NULL,
                       (ProtobufCMessage **)out, err, errlen);
}

static int admin_port(const char *svc)
{
    /* stack.env holds the ports the runner chose; service i of the docs
     * table listens on ADMIN_PORT_BASE + i. */
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/stack.env", th_env("STACK_DIR"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    int base = 0;
    while (fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "ADMIN_PORT_BASE=");
        if (p)
            base = atoi(p + strlen("ADMIN_PORT_BASE="));
    }
    fclose(f);
    cr_assert_gt(base, 0, "ADMIN_PORT_BASE missing from stack.env");
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], svc) == 0)
            return base + i + 1;
    cr_assert_fail("unknown service %s", svc);
    return 0;
}

static long admin_get(const char *svc, const char *path, char **body)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", admin_port(svc), path);
    struct oc_http_request req = {.url = url, .timeout_ms = 3000};
    struct oc_http_response resp = {0};
    cr_assert_eq(oc_http_do(&req, &resp), OC_OK, "GET %s failed", url);
    long status = resp.status;
    if (body)
        *body = strdup(resp.body ? resp.body : "");
    oc_http_response_clear(&resp);
    return status;
}

struct all_healthy_arg {
    struct oc_bus *bus;
};

static bool all_healthy(void *arg)
{
    struct all_healthy_arg *a = arg;
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    for (int i = 0; i < n; i++) {
        Ocpb__HealthReply *r = NULL;
        char err[256];
        if (health(a->bus, names[i], &r, err, sizeof(err)) != OC_OK)
            return false;
        ocpb__health_reply__free_unpacked(r, NULL);
    }
    return true;
}

static void wait_all_healthy(struct oc_bus *bus)
{
    struct all_healthy_arg a = {bus};
    cr_assert(th_wait_until(all_healthy, &a, 20000), "not every service answered health in time");
}

Test(services, every_service_answers_health_over_nats)
{
    struct oc_bus *bus = th_bus();
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    cr_assert_eq(n, 10, "expected ten services, got %d", n);
    for (int i = 0; i < n; i++) {
        Ocpb__HealthReply *r = NULL;
        char err[256];
        enum oc_status st = health(bus, names[i], &r, err, sizeof(err));
        cr_assert_eq(st, OC_OK, "%s.health: %s", names[i], err);
        cr_expect_str_eq(r->service, names[i]);
        cr_expect(r->nats_ok, "%s reports NATS down", names[i]);
        cr_expect(r->db_ok, "%s reports its database down", names[i]);
        cr_expect_neq(r->instance[0], '\0', "%s has no instance name", names[i]);
        ocpb__health_reply__free_unpacked(r, NULL);
    }
    oc_bus_free(bus);
}

Test(services, malformed_request_gets_invalid_and_service_keeps_serving)
{
    struct oc_bus *bus = th_bus();
    natsConnection *nc = oc_bus_nats(bus);
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    /* Bytes that are not a valid protobuf: field 1 claims 100 bytes, has 2. */
    const char garbage[] = "\x0a\x64\x01\x02";
    for (int i = 0; i < n; i++) {
        char subject[64];
        snprintf(subject, sizeof(subject), "%.31s.health", names[i]);
        natsMsg *m = NULL;
        cr_assert_eq(natsConnection_Request(&m, nc, subject, garbage, 4, 2000), NATS_OK,
                     "%s did not answer a malformed request", names[i]);
        Ocpb__Reply *rep = ocpb__reply__unpack(NULL, (size_t)natsMsg_GetDataLength(m),
                                               (const uint8_t *)natsMsg_GetData(m));
        cr_assert_not_null(rep, "%s answered something that is not an ocpb.Reply", names[i]);
        cr_assert_not_null(rep->status);
        cr_expect_eq(rep->status->code, OCPB__STATUS_CODE__STATUS_INVALID, "%s: code %d", names[i],
                     rep->status->code);
        cr_expect_not_null(strstr(rep->status->message, "malformed"), "%s: message '%s'", names[i],
                           rep->status->message);
        ocpb__reply__free_unpacked(rep, NULL);
        natsMsg_Destroy(m);
    }
    /* Still alive and answering properly afterwards. */
    for (int i = 0; i < n; i++) {
        Ocpb__HealthReply *r = NULL;
        char err[256];
        cr_assert_eq(health(bus, names[i], &r, err, sizeof(err)), OC_OK, "%s: %s", names[i], err);
        ocpb__health_reply__free_unpacked(r, NULL);
    }
    oc_bus_free(bus);
}

Test(services, unknown_subject_is_unavailable_not_a_hang)
{
    struct oc_bus *bus = th_bus();
    Ocpb__HealthRequest req = OCPB__HEALTH_REQUEST__INIT;
    char err[256];
    struct oc_call call = {.timeout_ms = 2000};
    ProtobufCMessage *r = NULL;
    enum oc_status st = oc_bus_call(bus, "nosuchservice.health", &call, &req.base,
                                    &ocpb__health_reply__descriptor, NULL, &r, err, sizeof(err));
    cr_assert_eq(st, OC_ERR_UNAVAILABLE, "got %s: %s", oc_status_code(st), err);
    cr_expect_not_null(strstr(err, "nosuchservice.health"), "message '%s' names no subject", err);
    oc_bus_free(bus);
}

Test(services, admin_port_serves_healthz_readyz_metrics)
{
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    for (int i = 0; i < n; i++) {
        char *body = NULL;
        cr_expect_eq(admin_get(names[i], "/healthz", &body), 200, "%s /healthz", names[i]);
        free(body);
        cr_expect_eq(admin_get(names[i], "/readyz", &body), 200, "%s /readyz: %s", names[i], body);
        free(body);
        cr_expect_eq(admin_get(names[i], "/metrics", &body), 200, "%s /metrics", names[i]);
        /* The health requests of the tests above were counted. */
        char want[128];
        snprintf(want, sizeof(want), "oc_bus_requests_total{subject=\"%.31s.health\"}", names[i]);
        cr_expect_not_null(strstr(body, want), "%s /metrics lacks %s", names[i], want);
        cr_expect_not_null(strstr(body, "# TYPE oc_bus_requests_total counter"),
                           "%s /metrics lacks TYPE line", names[i]);
        free(body);
        cr_expect_eq(admin_get(names[i], "/nope", NULL), 404, "%s /nope", names[i]);
    }
}

Test(services, each_role_reaches_only_its_own_schema)
{
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    const char *admin = th_env("OC_PG_ADMIN");
    PGconn *su = PQconnectdb(admin);
    cr_assert_eq(PQstatus(su), CONNECTION_OK, "superuser: %s", PQerrorMessage(su));

    for (int i = 0; i < n; i++) {
        char sbuf[64];
        const char *schema = schema_of(names[i], sbuf, sizeof(sbuf));
        if (!schema)
            continue;
        char role[80], url[256];
        snprintf(role, sizeof(role), "oc_%s", schema);
        snprintf(url, sizeof(url), th_env("OC_PG_URL_BASE"), role);
        PGconn *pg = PQconnectdb(url);
        cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s: %s", role, PQerrorMessage(pg));

        /* Its own migrations ran: the runner's table is in its schema. */
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.schema_migrations", schema);
        PGresult *r = PQexec(pg, sql);
        cr_expect_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s cannot read its own schema: %s", role,
                     PQerrorMessage(pg));
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            cr_expect_gt(atoi(PQgetvalue(r, 0, 0)), 0, "%s applied no migration", names[i]);
        PQclear(r);

        /* Every other service's schema is closed to it. */
        for (int j = 0; j < n; j++) {
            char obuf[64];
            const char *other = schema_of(names[j], obuf, sizeof(obuf));
            if (!other || j == i)
                continue;
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.schema_migrations", other);
            r = PQexec(pg, sql);
            cr_expect_eq(PQresultStatus(r), PGRES_FATAL_ERROR, "%s could read schema %s", role,
                         other);
            const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            cr_expect_str_eq(state ? state : "", "42501", "%s reading %s: %s", role, other,
                             PQerrorMessage(pg));
            PQclear(r);
        }
        PQfinish(pg);
    }

    /* Every table with a tenant_id, in every schema, has forced RLS and a policy. */
    PGresult *r =
        PQexec(su, "SELECT n.nspname || '.' || c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                   "  (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
                   "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
                   "WHERE c.relkind = 'r' AND c.relpersistence <> 't' "
                   "  AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'");
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(su));
    cr_expect_gt(PQntuples(r), 5, "suspiciously few tenant tables: %d", PQntuples(r));
    for (int k = 0; k < PQntuples(r); k++) {
        const char *t = PQgetvalue(r, k, 0);
        cr_expect_str_eq(PQgetvalue(r, k, 1), "t", "%s: row level security not enabled", t);
        cr_expect_str_eq(PQgetvalue(r, k, 2), "t", "%s: row level security not forced", t);
        cr_expect_gt(atoi(PQgetvalue(r, k, 3)), 0, "%s: no policy", t);
    }
    PQclear(r);
    PQfinish(su);
}

/* Row-level security through the shared runtime: a probe table in the
 * tickets schema with the documented policy, driven by oc_db_begin_tenant
 * and oc_db_begin_system exactly as services use them. */
Test(services, tenant_scope_hides_other_tenants_rows)
{
    char url[256], table[64];
    snprintf(url, sizeof(url), th_env("OC_PG_URL_BASE"), "oc_tickets");
    snprintf(table, sizeof(table), "rls_probe_%d", (int)getpid());
    struct oc_db *db = NULL;
    cr_assert_eq(oc_db_new(&db, url, "tickets", 1, 5000), OC_OK);
    struct oc_db_conn *c = NULL;
    cr_assert_eq(oc_db_acquire(db, &c), OC_OK);
    PGconn *pg = oc_db_pg(c);
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE %s (tenant_id uuid NOT NULL, v int);"
             "ALTER TABLE %s ENABLE ROW LEVEL SECURITY;"
             "ALTER TABLE %s FORCE ROW LEVEL SECURITY;"
             "CREATE POLICY p ON %s USING (tenant_id = rls_tenant() OR rls_bypass())"
             " WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());",
             table, table, table, table);
    PGresult *r = PQexec(pg, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
    PQclear(r);

    const char *a = "11111111-1111-4111-8111-111111111111";
    const char *b = "22222222-2222-4222-8222-222222222222";
    char ins[128], count[128];
    snprintf(ins, sizeof(ins), "INSERT INTO %s VALUES ($1, 1)", table);
    snprintf(count, sizeof(count), "SELECT count(*) FROM %s", table);

    cr_assert_eq(oc_db_begin_tenant(c, a), OC_OK);
    cr_assert_eq(oc_db_q(c, NULL, ins, a), OC_OK);
    /* Writing another tenant's row inside tenant a's scope is refused. */
    cr_expect_neq(oc_db_q(c, NULL, ins, b), OC_OK);
    oc_db_rollback(c);

    cr_assert_eq(oc_db_begin_tenant(c, a), OC_OK);
    cr_assert_eq(oc_db_q(c, NULL, ins, a), OC_OK);
    cr_assert_eq(oc_db_commit(c), OC_OK);

    const struct {
        const char *tenant; /* NULL: system scope */
        bool scoped;
        const char *want;
    } cases[] = {{a, true, "1"}, {b, true, "0"}, {NULL, false, "0"}, {NULL, true, "1"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].scoped)
            cr_assert_eq(cases[i].tenant ? oc_db_begin_tenant(c, cases[i].tenant)
                                         : oc_db_begin_system(c),
                         OC_OK);
        cr_assert_eq(oc_db_exec(c, &r, count, 0, NULL), OC_OK);
        cr_expect_str_eq(PQgetvalue(r, 0, 0), cases[i].want, "case %zu", i);
        PQclear(r);
        if (cases[i].scoped)
            oc_db_rollback(c);
    }
    cr_expect_eq(oc_db_begin_tenant(c, "not-a-uuid"), OC_ERR_INVALID);

    snprintf(sql, sizeof(sql), "DROP TABLE %s", table);
    PQclear(PQexec(pg, sql));
    oc_db_release(db, c);
    oc_db_free(db);
}

Test(services, sigterm_exits_cleanly_and_service_comes_back)
{
    /* stop-service returns the service's own exit code, or non-zero when it
     * had to be killed because it did not exit within the bound. */
    cr_assert_eq(th_stack("stop-service billing TERM"), 0, "billing did not exit cleanly");
    struct oc_bus *bus = th_bus();
    Ocpb__HealthReply *r = NULL;
    char err[256];
    cr_expect_neq(health(bus, "billing", &r, err, sizeof(err)), OC_OK,
                  "billing still answers after SIGTERM");
    cr_assert_eq(th_stack("start-service billing"), 0);
    cr_assert_eq(th_stack("wait-ready billing"), 0);
    cr_assert_eq(health(bus, "billing", &r, err, sizeof(err)), OC_OK, "%s", err);
    ocpb__health_reply__free_unpacked(r, NULL);
    oc_bus_free(bus);
}

Test(services, services_reconnect_after_nats_restart)
{
    cr_assert_eq(th_stack("restart-nats"), 0);
    struct oc_bus *bus = th_bus();
    wait_all_healthy(bus);
    oc_bus_free(bus);

    /* The gateway's own view agrees: all ten again. */
    struct th_resp resp;
    for (int i = 0; i < 40; i++) {
        th_http(&resp, "GET", "/healthz", NULL, NULL);
        if (resp.status == 200)
            break;
        th_resp_clear(&resp);
        usleep(250000);
    }
    cr_assert_eq(resp.status, 200, "gateway /healthz after restart: %ld %s", resp.status,
                 resp.body);
    th_resp_clear(&resp);
}

static bool all_db_ok(void *arg)
{
    struct oc_bus *bus = arg;
    char names[MAX_SERVICES][32];
    int n = service_names(names);
    for (int i = 0; i < n; i++) {
        Ocpb__HealthReply *r = NULL;
        char err[256];
        if (health(bus, names[i], &r, err, sizeof(err)) != OC_OK)
            return false;
        bool ok = r->db_ok;
        ocpb__health_reply__free_unpacked(r, NULL);
        if (!ok)
            return false;
    }
    return true;
}

Test(services, services_reconnect_after_postgres_restart)
{
    struct oc_bus *bus = th_bus();
    cr_assert_eq(th_stack("restart-pg"), 0);
    /* Every pooled connection died with the server; each service must
     * notice and reconnect by itself, without being restarted. */
    cr_assert(th_wait_until(all_db_ok, bus, 20000),
              "not every service reached its database again after the restart");
    /* And real work goes through: a sign-up writes to the gateway schema. */
    char *token = NULL, *tenant = NULL, *email = NULL;
    th_signup(&token, &tenant, &email, "correct horse battery");
    cr_expect_not_null(token);
    free(token);
    free(tenant);
    free(email);
    oc_bus_free(bus);
}
