/*
 * Tests of the deployment files: docker-compose.yml and deploy/k8s/. They
 * hold the facts docs/development.md fixes (one admin port and one database
 * role per service, the common environment) a second and a third time, so
 * these tests read the service list from the Makefile (`make print-services`)
 * and the ports and roles from the table in docs/development.md, and check
 * that both deployments agree with them. docker-compose itself validates the
 * compose file; YAML is turned into JSON by python3 (PyYAML) and read with
 * jansson, so no YAML parser is needed here. The tests run from the
 * repository root: OC_ROOT, or the first folder upwards from the current one
 * that holds a Makefile and services/.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SERVICES 32
#define K8S_DIR "deploy/k8s"

struct service {
    char name[64];
    char role[64]; /* database role; "" for a service without a database */
    int admin_port;
};

struct service_list {
    struct service v[MAX_SERVICES];
    size_t n;
};

/* Reads every YAML document of the files named as arguments (stdin when
 * none) and prints a JSON array of {"file": name, "doc": document}. No
 * single quotes: the script travels inside a single-quoted shell word. */
#define YAML_TO_JSON                                                                               \
    "import json, sys, yaml\n"                                                                     \
    "docs = []\n"                                                                                  \
    "for f in sys.argv[1:] or [None]:\n"                                                           \
    "    src = open(f) if f else sys.stdin\n"                                                      \
    "    docs += [{\"file\": f, \"doc\": d} for d in yaml.safe_load_all(src)\n"                    \
    "             if d is not None]\n"                                                             \
    "json.dump(docs, sys.stdout, default=str)\n"

/* ---------------------------------------------------------------- helpers */

static bool is_root(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "%s/Makefile", dir);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    snprintf(path, sizeof(path), "%s/services", dir);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Suite fixture: every test starts in the repository root. */
static void go_to_root(void)
{
    const char *env = getenv("OC_ROOT");
    char dir[PATH_MAX];

    if (env && *env) {
        cr_assert(is_root(env), "OC_ROOT=%s holds no Makefile and services/", env);
        cr_assert_eq(chdir(env), 0, "cannot enter OC_ROOT=%s", env);
        return;
    }
    cr_assert_not_null(getcwd(dir, sizeof(dir)));
    for (;;) {
        if (is_root(dir)) {
            cr_assert_eq(chdir(dir), 0, "cannot enter %s", dir);
            return;
        }
        char *slash = strrchr(dir, '/');
        cr_assert(slash && dir[1] != '\0',
                  "no repository root above the current folder; set OC_ROOT");
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

TestSuite(deploy, .init = go_to_root);

/* Runs cmd through the shell; *out gets its standard output (caller frees).
 * Returns the exit code, or -1 when it did not exit normally. Standard error
 * is left alone so that it shows in the test's output. */
static int run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 4096, len = 0, got;
    char *buf;
    int st;

    cr_assert_not_null(p, "cannot run: %s", cmd);
    buf = malloc(cap);
    cr_assert_not_null(buf);
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
    }
    buf[len] = '\0';
    st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static json_t *parse_json(const char *text, const char *what)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    cr_assert_not_null(j, "%s: not JSON (line %d: %s)", what, err.line, err.text);
    return j;
}

/* Follows a NULL-terminated chain of object keys; NULL when one is missing. */
static json_t *jget(json_t *j, ...)
{
    va_list ap;
    const char *key;

    va_start(ap, j);
    while (j && (key = va_arg(ap, const char *)) != NULL)
        j = json_is_object(j) ? json_object_get(j, key) : NULL;
    va_end(ap);
    return j;
}

static const char *jstr(json_t *j)
{
    return json_is_string(j) ? json_string_value(j) : NULL;
}

static bool str_is(json_t *j, const char *want)
{
    const char *s = jstr(j);
    return s && strcmp(s, want) == 0;
}

/* A port written as a number or, as compose prints it, a numeric string. */
static long jport(json_t *j)
{
    if (json_is_integer(j))
        return (long)json_integer_value(j);
    if (json_is_string(j)) {
        char *end;
        long v = strtol(json_string_value(j), &end, 10);
        return *end == '\0' ? v : -1;
    }
    return -1;
}

/* True when every label of sel is in labels with the same value. An empty
 * selector selects everything, which is never what these files mean. */
static bool selects(json_t *sel, json_t *labels)
{
    const char *k;
    json_t *v;

    if (!json_is_object(sel) || json_object_size(sel) == 0 || !json_is_object(labels))
        return false;
    json_object_foreach(sel, k, v)
    {
        if (!json_equal(v, json_object_get(labels, k)))
            return false;
    }
    return true;
}

/* The user part of a libpq URI (postgresql://user:pass@host/db), into out. */
static bool url_user(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    size_t n;

    if (!p)
        return false;
    p += 3;
    n = strcspn(p, ":@/");
    if (p[n] != ':' && p[n] != '@')
        return false;
    if (n >= outlen)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* ---------------------------------------------------------------- the facts */

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '`')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '`' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

/* The services from `make print-services`, with their role and admin port
 * from the table "Services, schemas, roles, ports" of docs/development.md. */
static void load_services(struct service_list *list)
{
    char *out, *save = NULL, line[512];
    FILE *f;

    memset(list, 0, sizeof(*list));
    cr_assert_eq(run("make -s --no-print-directory print-services", &out), 0,
                 "make print-services failed");
    for (char *w = strtok_r(out, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
        cr_assert_lt(list->n, MAX_SERVICES);
        snprintf(list->v[list->n].name, sizeof(list->v[0].name), "%s", w);
        list->n++;
    }
    free(out);
    cr_assert_gt(list->n, 0, "make print-services printed no service");

    f = fopen("docs/development.md", "r");
    cr_assert_not_null(f, "cannot read docs/development.md");
    while (fgets(line, sizeof(line), f)) {
        /* | gateway (HTTP 8080) | `gateway` | `oc_gateway` | 9101 | */
        char *cells[8], *save2 = NULL;
        size_t nc = 0;

        if (line[0] != '|')
            continue;
        for (char *c = strtok_r(line, "|", &save2); c && nc < 8; c = strtok_r(NULL, "|", &save2))
            cells[nc++] = trim(c);
        if (nc < 4 || cells[nc - 1][0] == '\0')
            nc--; /* the text after the closing bar */
        if (nc != 4)
            continue;
        cells[0][strcspn(cells[0], " ")] = '\0';
        for (size_t i = 0; i < list->n; i++) {
            struct service *s = &list->v[i];
            if (strcmp(s->name, cells[0]) != 0)
                continue;
            s->admin_port = atoi(cells[3]);
            snprintf(s->role, sizeof(s->role), "%s",
                     strncmp(cells[2], "none", 4) == 0 ? "" : cells[2]);
        }
    }
    fclose(f);
    for (size_t i = 0; i < list->n; i++)
        cr_assert_gt(list->v[i].admin_port, 0,
                     "%s has no admin port in the table of docs/development.md", list->v[i].name);
}

/* ---------------------------------------------------------------- compose */

/* The compose file as docker-compose resolves it (anchors merged, variables
 * substituted): the "services" object. Caller decrefs the returned root. */
static json_t *compose_config(json_t **services)
{
    char *out;
    json_t *docs, *doc;

    cr_assert_eq(
        run("docker-compose -f docker-compose.yml config | python3 -c '" YAML_TO_JSON "'", &out), 0,
        "docker-compose config | python3 failed");
    docs = parse_json(out, "docker-compose config");
    free(out);
    cr_assert_eq(json_array_size(docs), 1, "docker-compose config printed no document");
    doc = json_incref(jget(json_array_get(docs, 0), "doc", NULL));
    json_decref(docs);
    *services = jget(doc, "services", NULL);
    cr_assert(json_is_object(*services), "docker-compose config has no services");
    return doc;
}

Test(deploy, compose_file_is_valid)
{
    char *out;
    int rc = run("docker-compose -f docker-compose.yml config -q", &out);

    free(out);
    cr_assert_eq(rc, 0, "docker-compose config -q rejects docker-compose.yml");
}

Test(deploy, compose_runs_every_service_and_both_engines)
{
    struct service_list list;
    char *out, *save = NULL;
    bool seen[MAX_SERVICES] = {false}, nats = false, postgres = false;

    load_services(&list);
    cr_assert_eq(run("docker-compose -f docker-compose.yml config --services", &out), 0);
    for (char *w = strtok_r(out, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
        nats |= strcmp(w, "nats") == 0;
        postgres |= strcmp(w, "postgres") == 0;
        for (size_t i = 0; i < list.n; i++)
            seen[i] |= strcmp(w, list.v[i].name) == 0;
    }
    free(out);
    cr_assert(nats, "docker-compose.yml runs no nats");
    cr_assert(postgres, "docker-compose.yml runs no postgres");
    for (size_t i = 0; i < list.n; i++)
        cr_assert(seen[i], "docker-compose.yml does not run %s", list.v[i].name);
}

Test(deploy, compose_builds_each_service_from_the_one_dockerfile)
{
    struct service_list list;
    json_t *services, *root = compose_config(&services);

    load_services(&list);
    for (size_t i = 0; i < list.n; i++) {
        const struct service *s = &list.v[i];
        json_t *build = jget(services, s->name, "build", NULL);

        cr_assert(str_is(jget(build, "dockerfile", NULL), "deploy/Dockerfile"),
                  "%s is not built from deploy/Dockerfile", s->name);
        cr_assert(str_is(jget(build, "args", "SERVICE", NULL), s->name),
                  "%s: build argument SERVICE is not %s", s->name, s->name);
        cr_assert_eq(jport(jget(build, "args", "ADMIN_PORT", NULL)), s->admin_port,
                     "%s: build argument ADMIN_PORT is not %d", s->name, s->admin_port);
    }
    json_decref(root);
}

Test(deploy, compose_environment_follows_development_md)
{
    struct service_list list;
    json_t *services, *root = compose_config(&services);

    load_services(&list);
    for (size_t i = 0; i < list.n; i++) {
        const struct service *s = &list.v[i];
        json_t *env = jget(services, s->name, "environment", NULL);
        const char *url;
        char user[64];

        cr_assert(json_is_object(env), "%s has no environment mapping", s->name);
        cr_assert_not_null(jstr(json_object_get(env, "NATS_URL")), "%s: no NATS_URL", s->name);
        cr_assert_not_null(jstr(json_object_get(env, "LOG_LEVEL")), "%s: no LOG_LEVEL", s->name);
        cr_assert(str_is(json_object_get(env, "ADMIN_ADDR"), "0.0.0.0"),
                  "%s: ADMIN_ADDR must be 0.0.0.0 in a container", s->name);
        cr_assert_eq(jport(json_object_get(env, "ADMIN_PORT")), s->admin_port,
                     "%s: ADMIN_PORT is not %d", s->name, s->admin_port);

        url = jstr(json_object_get(env, "DATABASE_URL"));
        if (s->role[0] == '\0') {
            cr_assert_null(url, "%s has no database but gets a DATABASE_URL", s->name);
            continue;
        }
        cr_assert_not_null(url, "%s: no DATABASE_URL", s->name);
        cr_assert(url_user(url, user, sizeof(user)), "%s: DATABASE_URL names no role", s->name);
        cr_assert_str_eq(user, s->role, "%s connects as %s, not as its own role %s", s->name, user,
                         s->role);
    }
    json_decref(root);
}

Test(deploy, compose_media_runs_several_unnamed_copies)
{
    json_t *services, *root = compose_config(&services);
    json_t *media = json_object_get(services, "media");

    cr_assert_not_null(media, "docker-compose.yml has no media");
    cr_assert_gt(jport(jget(media, "deploy", "replicas", NULL)), 1,
                 "media must start with deploy.replicas > 1");
    /* Either would make `--scale media=N` fail on the second copy. */
    cr_assert_null(json_object_get(media, "container_name"), "media has a container_name");
    cr_assert_eq(json_array_size(json_object_get(media, "ports")), 0, "media publishes host ports");
    json_decref(root);
}

/* "127.0.0.1:8080:8080/tcp" or {host_ip, published, target}. */
static bool port_on_loopback(json_t *p, long *published)
{
    if (json_is_string(p)) {
        const char *s = json_string_value(p);
        if (strncmp(s, "127.0.0.1:", 10) != 0)
            return false;
        *published = strtol(s + 10, NULL, 10);
        return true;
    }
    *published = jport(json_object_get(p, "published"));
    return str_is(json_object_get(p, "host_ip"), "127.0.0.1");
}

Test(deploy, compose_publishes_only_the_gateway_on_loopback)
{
    json_t *services, *root = compose_config(&services);
    const char *name;
    json_t *svc;
    bool gateway_8080 = false;

    json_object_foreach(services, name, svc)
    {
        size_t i;
        json_t *p;

        json_array_foreach(json_object_get(svc, "ports"), i, p)
        {
            long published = -1;

            cr_assert(port_on_loopback(p, &published), "%s publishes port %zu beyond 127.0.0.1",
                      name, i);
            cr_assert_str_eq(name, "gateway", "%s publishes a host port", name);
            gateway_8080 |= published == 8080;
        }
    }
    cr_assert(gateway_8080, "the gateway is not published on 127.0.0.1:8080");
    cr_assert(str_is(jget(services, "gateway", "environment", "GATEWAY_PORT", NULL), "8080"),
              "gateway: GATEWAY_PORT is not 8080");
    cr_assert(str_is(jget(services, "gateway", "environment", "GATEWAY_ADDR", NULL), "0.0.0.0"),
              "gateway: GATEWAY_ADDR is not 0.0.0.0");
    json_decref(root);
}

Test(deploy, compose_services_wait_for_healthy_engines)
{
    struct service_list list;
    json_t *services, *root = compose_config(&services);

    load_services(&list);
    cr_assert_not_null(jget(services, "nats", "healthcheck", "test", NULL),
                       "nats has no healthcheck");
    cr_assert_not_null(jget(services, "postgres", "healthcheck", "test", NULL),
                       "postgres has no healthcheck");
    for (size_t i = 0; i < list.n; i++) {
        const struct service *s = &list.v[i];
        json_t *svc = json_object_get(services, s->name);

        cr_assert_not_null(jget(svc, "healthcheck", "test", NULL), "%s has no healthcheck",
                           s->name);
        cr_assert(str_is(jget(svc, "depends_on", "nats", "condition", NULL), "service_healthy"),
                  "%s does not wait for a healthy nats", s->name);
        if (s->role[0] != '\0')
            cr_assert(
                str_is(jget(svc, "depends_on", "postgres", "condition", NULL), "service_healthy"),
                "%s does not wait for a healthy postgres", s->name);
    }
    json_decref(root);
}

Test(deploy, compose_postgres_runs_init_sql)
{
    json_t *services, *root = compose_config(&services), *v;
    struct stat st;
    bool mounted = false;
    size_t i;

    json_array_foreach(jget(services, "postgres", "volumes", NULL), i, v)
    {
        const char *s = jstr(v);
        mounted |= s && strstr(s, "deploy/postgres/init.sql:/docker-entrypoint-initdb.d/");
    }
    cr_assert(mounted, "postgres does not mount deploy/postgres/init.sql into "
                       "/docker-entrypoint-initdb.d/");
    cr_assert(str_is(jget(services, "postgres", "environment", "POSTGRES_DB", NULL), "outcall"),
              "postgres: POSTGRES_DB is not outcall");
    cr_assert_eq(stat("deploy/postgres/init.sql", &st), 0,
                 "deploy/postgres/init.sql, mounted by docker-compose.yml, is missing");
    json_decref(root);
}

/* ---------------------------------------------------------------- kubernetes */

/* Every YAML document of the .yaml files in deploy/k8s, as [{file, doc}];
 * caller decrefs. */
static json_t *k8s_docs(void)
{
    glob_t g;
    char cmd[16384], *out;
    size_t len;
    json_t *docs;

    cr_assert_eq(glob(K8S_DIR "/*.yaml", 0, NULL, &g), 0, "no " K8S_DIR "/*.yaml");
    len = (size_t)snprintf(cmd, sizeof(cmd), "python3 -c '%s'", YAML_TO_JSON);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cr_assert_null(strchr(g.gl_pathv[i], '\''), "quote in file name %s", g.gl_pathv[i]);
        len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " '%s'", g.gl_pathv[i]);
        cr_assert_lt(len, sizeof(cmd));
    }
    globfree(&g);
    cr_assert_eq(run(cmd, &out), 0, "cannot read " K8S_DIR "/*.yaml as YAML");
    docs = parse_json(out, K8S_DIR);
    free(out);
    return docs;
}

static json_t *k8s_find(json_t *docs, const char *kind, const char *name)
{
    size_t i;
    json_t *e;

    json_array_foreach(docs, i, e)
    {
        json_t *doc = json_object_get(e, "doc");
        if (str_is(json_object_get(doc, "kind"), kind) &&
            (!name || str_is(jget(doc, "metadata", "name", NULL), name)))
            return doc;
    }
    return NULL;
}

/* The Deployment's container of the service: the one named after it. */
static json_t *k8s_container(json_t *deployment, const char *name)
{
    size_t i;
    json_t *c;

    json_array_foreach(jget(deployment, "spec", "template", "spec", "containers", NULL), i, c)
    {
        if (str_is(json_object_get(c, "name"), name))
            return c;
    }
    return NULL;
}

/* A port given by number or by the name of one of the container's ports. */
static long k8s_port(json_t *container, json_t *port)
{
    size_t i;
    json_t *p;

    if (!json_is_string(port))
        return jport(port);
    json_array_foreach(json_object_get(container, "ports"), i, p)
    {
        if (json_equal(json_object_get(p, "name"), port))
            return jport(json_object_get(p, "containerPort"));
    }
    return -1;
}

static json_t *k8s_env(json_t *container, const char *name)
{
    size_t i;
    json_t *e;

    json_array_foreach(json_object_get(container, "env"), i, e)
    {
        if (str_is(json_object_get(e, "name"), name))
            return e;
    }
    return NULL;
}

Test(deploy, k8s_every_service_has_deployment_and_service)
{
    struct service_list list;
    json_t *docs = k8s_docs();

    load_services(&list);
    for (size_t i = 0; i < list.n; i++) {
        const char *name = list.v[i].name;
        cr_assert_not_null(k8s_find(docs, "Deployment", name), "no Deployment %s", name);
        cr_assert_not_null(k8s_find(docs, "Service", name), "no Service %s", name);
    }
    json_decref(docs);
}

Test(deploy, k8s_probes_use_the_admin_port)
{
    struct service_list list;
    json_t *docs = k8s_docs();

    load_services(&list);
    for (size_t i = 0; i < list.n; i++) {
        const struct service *s = &list.v[i];
        json_t *c = k8s_container(k8s_find(docs, "Deployment", s->name), s->name);
        json_t *ready = jget(c, "readinessProbe", "httpGet", NULL);
        json_t *live = jget(c, "livenessProbe", "httpGet", NULL);

        cr_assert_not_null(c, "Deployment %s has no container named %s", s->name, s->name);
        cr_assert(str_is(json_object_get(ready, "path"), "/readyz"),
                  "%s: readiness probe is not GET /readyz", s->name);
        cr_assert(str_is(json_object_get(live, "path"), "/healthz"),
                  "%s: liveness probe is not GET /healthz", s->name);
        cr_assert_eq(k8s_port(c, json_object_get(ready, "port")), s->admin_port,
                     "%s: readiness probe is not on admin port %d", s->name, s->admin_port);
        cr_assert_eq(k8s_port(c, json_object_get(live, "port")), s->admin_port,
                     "%s: liveness probe is not on admin port %d", s->name, s->admin_port);
        /* The probes are only right if the service listens there too. */
        cr_assert_eq(jport(json_object_get(k8s_env(c, "ADMIN_PORT"), "value")), s->admin_port,
                     "%s: ADMIN_PORT is not %d", s->name, s->admin_port);
    }
    json_decref(docs);
}

Test(deploy, k8s_services_and_selectors_reach_their_pods)
{
    struct service_list list;
    json_t *docs = k8s_docs();

    load_services(&list);
    for (size_t i = 0; i < list.n; i++) {
        const struct service *s = &list.v[i];
        json_t *d = k8s_find(docs, "Deployment", s->name);
        json_t *svc = k8s_find(docs, "Service", s->name);
        json_t *labels = jget(d, "spec", "template", "metadata", "labels", NULL);
        json_t *c = k8s_container(d, s->name), *p;
        bool admin = false;
        size_t j;

        cr_assert(selects(jget(d, "spec", "selector", "matchLabels", NULL), labels),
                  "Deployment %s: selector does not match its pod template", s->name);
        cr_assert(selects(jget(svc, "spec", "selector", NULL), labels),
                  "Service %s does not select the pods of Deployment %s", s->name, s->name);
        json_array_foreach(jget(svc, "spec", "ports", NULL), j, p)
        {
            admin |= jport(json_object_get(p, "port")) == s->admin_port &&
                     k8s_port(c, json_object_get(p, "targetPort")) == s->admin_port;
        }
        cr_assert(admin, "Service %s does not expose admin port %d", s->name, s->admin_port);
    }
    json_decref(docs);
}

Test(deploy, k8s_gateway_service_exposes_8080)
{
    json_t *docs = k8s_docs(), *p;
    json_t *c = k8s_container(k8s_find(docs, "Deployment", "gateway"), "gateway");
    bool http = false;
    size_t i;

    json_array_foreach(jget(k8s_find(docs, "Service", "gateway"), "spec", "ports", NULL), i, p)
    {
        http |= jport(json_object_get(p, "port")) == 8080 &&
                k8s_port(c, json_object_get(p, "targetPort")) == 8080;
    }
    cr_assert(http, "Service gateway does not forward 8080 to the container's 8080");
    cr_assert(str_is(json_object_get(k8s_env(c, "GATEWAY_PORT"), "value"), "8080"),
              "gateway: GATEWAY_PORT is not 8080");
    json_decref(docs);
}

Test(deploy, k8s_media_is_autoscaled_and_has_a_disruption_budget)
{
    json_t *docs = k8s_docs();
    json_t *media = k8s_find(docs, "Deployment", "media");
    json_t *hpa = k8s_find(docs, "HorizontalPodAutoscaler", NULL);
    json_t *pdb = k8s_find(docs, "PodDisruptionBudget", NULL);
    json_t *labels = jget(media, "spec", "template", "metadata", "labels", NULL), *m, *e;
    bool cpu = false;
    size_t i;

    cr_assert_not_null(media, "no Deployment media");
    cr_assert_not_null(hpa, "no HorizontalPodAutoscaler");
    cr_assert(str_is(json_object_get(hpa, "apiVersion"), "autoscaling/v2"),
              "the HPA is not autoscaling/v2");
    cr_assert(str_is(jget(hpa, "spec", "scaleTargetRef", "kind", NULL), "Deployment") &&
                  str_is(jget(hpa, "spec", "scaleTargetRef", "name", NULL), "media"),
              "the HPA does not scale Deployment media");
    cr_assert_lt(jport(jget(hpa, "spec", "minReplicas", NULL)),
                 jport(jget(hpa, "spec", "maxReplicas", NULL)), "the HPA has no room to scale");
    json_array_foreach(jget(hpa, "spec", "metrics", NULL), i, m)
    {
        cpu |= str_is(jget(m, "resource", "name", NULL), "cpu");
    }
    cr_assert(cpu, "the HPA does not scale on CPU");
    /* A fixed count would be reset to on every apply, undoing the HPA. */
    cr_assert_null(jget(media, "spec", "replicas", NULL),
                   "Deployment media fixes replicas although the HPA owns them");

    cr_assert_not_null(pdb, "no PodDisruptionBudget");
    cr_assert(selects(jget(pdb, "spec", "selector", "matchLabels", NULL), labels),
              "the PodDisruptionBudget does not select the media pods");
    json_array_foreach(docs, i, e)
    {
        json_t *d = json_object_get(e, "doc");
        if (d == media || !str_is(json_object_get(d, "kind"), "Deployment"))
            continue;
        cr_assert(!selects(jget(pdb, "spec", "selector", "matchLabels", NULL),
                           jget(d, "spec", "template", "metadata", "labels", NULL)),
                  "the PodDisruptionBudget also selects the pods of %s",
                  jstr(jget(d, "metadata", "name", NULL)));
    }
    json_decref(docs);
}

Test(deploy, k8s_environment_comes_from_the_configmap_and_secrets)
{
    struct service_list list;
    json_t *docs = k8s_docs();
    json_t *cm = k8s_find(docs, "ConfigMap", NULL);
    const char *cm_name = jstr(jget(cm, "metadata", "name", NULL));

    load_services(&list);
    cr_assert_not_null(cm_name, "no ConfigMap");
    cr_assert_not_null(jstr(jget(cm, "data", "NATS_URL", NULL)), "the ConfigMap has no NATS_URL");
    cr_assert(str_is(jget(cm, "data", "ADMIN_ADDR", NULL), "0.0.0.0"),
              "the ConfigMap does not set ADMIN_ADDR=0.0.0.0");
    for (size_t i = 0; i < list.n; i++) {
        const struct service *s = &list.v[i];
        json_t *c = k8s_container(k8s_find(docs, "Deployment", s->name), s->name), *f;
        json_t *db = k8s_env(c, "DATABASE_URL"), *ref, *secret;
        bool uses_cm = false;
        const char *url;
        char user[64];
        size_t j;

        json_array_foreach(json_object_get(c, "envFrom"), j, f)
        {
            uses_cm |= str_is(jget(f, "configMapRef", "name", NULL), cm_name);
        }
        cr_assert(uses_cm, "%s does not take its environment from ConfigMap %s", s->name, cm_name);
        if (s->role[0] == '\0') {
            cr_assert_null(db, "%s has no database but gets a DATABASE_URL", s->name);
            continue;
        }
        ref = jget(db, "valueFrom", "secretKeyRef", NULL);
        cr_assert_not_null(ref, "%s: DATABASE_URL does not come from a Secret", s->name);
        secret = k8s_find(docs, "Secret", jstr(json_object_get(ref, "name")));
        cr_assert_not_null(secret, "%s: Secret %s is not in secret.example.yaml", s->name,
                           jstr(json_object_get(ref, "name")));
        url = jstr(jget(secret, "stringData", jstr(json_object_get(ref, "key")), NULL));
        cr_assert_not_null(url, "%s: the Secret has no key %s", s->name,
                           jstr(json_object_get(ref, "key")));
        cr_assert(url_user(url, user, sizeof(user)) && strcmp(user, s->role) == 0,
                  "%s: the example DATABASE_URL does not connect as %s", s->name, s->role);
    }
    json_decref(docs);
}

Test(deploy, k8s_kustomization_lists_every_manifest)
{
    json_t *docs = k8s_docs(), *res, *r;
    json_t *kz = k8s_find(docs, "Kustomization", NULL);
    glob_t g;
    size_t i, listed = 0;

    cr_assert_not_null(kz, "no kustomization.yaml in " K8S_DIR);
    res = json_object_get(kz, "resources");
    cr_assert_eq(glob(K8S_DIR "/*.yaml", 0, NULL, &g), 0);
    for (size_t k = 0; k < g.gl_pathc; k++) {
        const char *base = g.gl_pathv[k] + strlen(K8S_DIR "/");
        bool found = false, example = strstr(base, ".example.yaml") != NULL;

        if (strcmp(base, "kustomization.yaml") == 0)
            continue;
        json_array_foreach(res, i, r)
        {
            found |= str_is(r, base);
        }
        /* Templates stay out: applying them would overwrite real Secrets. */
        if (example) {
            cr_assert(!found, "kustomization.yaml applies the template %s", base);
        } else {
            cr_assert(found, "kustomization.yaml does not list %s", base);
            listed++;
        }
    }
    globfree(&g);
    cr_assert_eq(json_array_size(res), listed,
                 "kustomization.yaml lists a resource that is not a file of " K8S_DIR);
    json_decref(docs);
}
