/*
 * Unit tests for config.c: values and defaults from the environment, error
 * messages that name the variable, errors counted across readers rather
 * than stopping at the first, and secrets (whole values or passwords inside
 * connection URIs) masked in what oc_cfg_finish logs. Log output is
 * captured by pointing file descriptor 1 at a temporary file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oc/config.h"
#include "oc/log.h"

struct capture {
    FILE *tmp;
    int saved_fd;
};

static void capture_start(struct capture *c)
{
    fflush(stdout);
    c->tmp = tmpfile();
    cr_assert_not_null(c->tmp);
    c->saved_fd = dup(STDOUT_FILENO);
    cr_assert_geq(c->saved_fd, 0);
    cr_assert_geq(dup2(fileno(c->tmp), STDOUT_FILENO), 0);
}

/* Returns what was written since capture_start; caller frees. */
static char *capture_end(struct capture *c)
{
    long n;
    char *text;

    fflush(stdout);
    dup2(c->saved_fd, STDOUT_FILENO);
    close(c->saved_fd);
    fseek(c->tmp, 0, SEEK_END);
    n = ftell(c->tmp);
    text = calloc(1, (size_t)n + 1);
    cr_assert_not_null(text);
    fseek(c->tmp, 0, SEEK_SET);
    cr_assert_eq(fread(text, 1, (size_t)n, c->tmp), (size_t)n);
    fclose(c->tmp);
    return text;
}

static void setup(void)
{
    unsetenv("LOG_LEVEL");
    oc_log_init("test");
}

TestSuite(config, .init = setup);

Test(config, int_from_environment)
{
    struct oc_cfg cfg;
    long port = 0;

    setenv("ADMIN_PORT", "9101", 1);
    oc_cfg_init(&cfg);
    oc_cfg_int(&cfg, "ADMIN_PORT", 1, 1, 65535, &port);
    cr_assert_eq(port, 9101);
    cr_assert_eq(cfg.errors, 0);
    cr_assert_eq(cfg.n, 1);
    cr_assert(cfg.entries[0].from_env);
}

Test(config, int_default_when_unset_or_empty)
{
    struct oc_cfg cfg;
    long a = 0;
    long b = 0;

    unsetenv("DB_POOL_SIZE");
    setenv("SHUTDOWN_TIMEOUT_MS", "", 1);
    oc_cfg_init(&cfg);
    oc_cfg_int(&cfg, "DB_POOL_SIZE", 4, 1, 64, &a);
    oc_cfg_int(&cfg, "SHUTDOWN_TIMEOUT_MS", 4000, 0, 60000, &b);
    cr_assert_eq(a, 4);
    cr_assert_eq(b, 4000);
    cr_assert_eq(cfg.errors, 0);
    cr_assert(!cfg.entries[0].from_env);
    cr_assert_str_eq(cfg.entries[0].value, "4");
}

Test(config, bad_int_names_the_variable)
{
    struct oc_cfg cfg;
    struct capture c;
    long port = 0;
    char *out;

    setenv("ADMIN_PORT", "abc", 1);
    oc_cfg_init(&cfg);
    capture_start(&c);
    oc_cfg_int(&cfg, "ADMIN_PORT", 9101, 1, 65535, &port);
    out = capture_end(&c);
    cr_assert_eq(cfg.errors, 1);
    cr_assert_not_null(
        strstr(out, "config: ADMIN_PORT: expected an integer from 1 to 65535, got \"abc\""), "%s",
        out);
    free(out);
}

Test(config, int_out_of_range_is_an_error)
{
    struct oc_cfg cfg;
    long port = 0;

    oc_cfg_init(&cfg);
    setenv("ADMIN_PORT", "70000", 1);
    oc_cfg_int(&cfg, "ADMIN_PORT", 9101, 1, 65535, &port);
    setenv("DB_POOL_SIZE", "12x", 1);
    oc_cfg_int(&cfg, "DB_POOL_SIZE", 4, 1, 64, &port);
    setenv("SHUTDOWN_TIMEOUT_MS", "99999999999999999999999", 1);
    oc_cfg_int(&cfg, "SHUTDOWN_TIMEOUT_MS", 4000, 0, 60000, &port);
    cr_assert_eq(cfg.errors, 3);
}

Test(config, string_default_and_environment)
{
    struct oc_cfg cfg;
    const char *a = NULL;
    const char *b = NULL;

    unsetenv("NATS_URL");
    setenv("ADMIN_ADDR", "0.0.0.0", 1);
    oc_cfg_init(&cfg);
    oc_cfg_str(&cfg, "NATS_URL", "nats://127.0.0.1:4222", false, &a);
    oc_cfg_str(&cfg, "ADMIN_ADDR", "127.0.0.1", false, &b);
    cr_assert_str_eq(a, "nats://127.0.0.1:4222");
    cr_assert_str_eq(b, "0.0.0.0");
    cr_assert_eq(cfg.errors, 0);
}

Test(config, required_string_missing_is_an_error)
{
    struct oc_cfg cfg;
    struct capture c;
    const char *v = NULL;
    char *out;

    unsetenv("OPENAI_API_KEY");
    oc_cfg_init(&cfg);
    capture_start(&c);
    oc_cfg_str_required(&cfg, "OPENAI_API_KEY", true, &v);
    out = capture_end(&c);
    cr_assert_eq(cfg.errors, 1);
    cr_assert_not_null(strstr(out, "config: OPENAI_API_KEY: required but not set"), "%s", out);
    cr_assert_not_null(v);
    free(out);
}

Test(config, bools_accept_every_spelling)
{
    static const char *const yes[] = {"1", "true", "YES", "on"};
    static const char *const no[] = {"0", "False", "no", "OFF"};
    struct oc_cfg cfg;
    bool v;

    oc_cfg_init(&cfg);
    for (size_t i = 0; i < 4; i++) {
        setenv("FLAG", yes[i], 1);
        v = false;
        oc_cfg_bool(&cfg, "FLAG", false, &v);
        cr_assert(v, "%s", yes[i]);
        setenv("FLAG", no[i], 1);
        v = true;
        oc_cfg_bool(&cfg, "FLAG", true, &v);
        cr_assert(!v, "%s", no[i]);
    }
    cr_assert_eq(cfg.errors, 0);
    cr_assert_eq(cfg.n, 1, "reading a variable twice keeps one entry");
}

Test(config, bad_bool_names_the_variable)
{
    struct oc_cfg cfg;
    struct capture c;
    bool v = false;
    char *out;

    setenv("SANDBOX", "maybe", 1);
    oc_cfg_init(&cfg);
    capture_start(&c);
    oc_cfg_bool(&cfg, "SANDBOX", true, &v);
    out = capture_end(&c);
    cr_assert_eq(cfg.errors, 1);
    cr_assert_not_null(strstr(out, "config: SANDBOX: "), "%s", out);
    cr_assert_not_null(strstr(out, "got \"maybe\""), "%s", out);
    free(out);
}

Test(config, bool_default_when_unset)
{
    struct oc_cfg cfg;
    bool v = false;

    unsetenv("SANDBOX");
    oc_cfg_init(&cfg);
    oc_cfg_bool(&cfg, "SANDBOX", true, &v);
    cr_assert(v);
}

Test(config, hex_key_is_decoded)
{
    struct oc_cfg cfg;
    unsigned char key[4] = {0};
    const unsigned char want[4] = {0xde, 0xad, 0xbe, 0xef};

    setenv("SECRETS_KEY", "DEADbeef", 1);
    oc_cfg_init(&cfg);
    oc_cfg_hex_key(&cfg, "SECRETS_KEY", NULL, key, sizeof(key));
    cr_assert_eq(cfg.errors, 0);
    cr_assert_arr_eq(key, want, 4);
    cr_assert(cfg.entries[0].secret);
}

Test(config, hex_key_default_is_used)
{
    struct oc_cfg cfg;
    unsigned char key[2] = {0};

    unsetenv("SECRETS_KEY");
    oc_cfg_init(&cfg);
    oc_cfg_hex_key(&cfg, "SECRETS_KEY", "0a0b", key, sizeof(key));
    cr_assert_eq(cfg.errors, 0);
    cr_assert_eq(key[0], 0x0a);
    cr_assert_eq(key[1], 0x0b);
}

Test(config, hex_key_errors_never_show_the_value)
{
    struct oc_cfg cfg;
    struct capture c;
    unsigned char key[4];
    char *out;

    oc_cfg_init(&cfg);
    capture_start(&c);
    setenv("SECRETS_KEY", "abcd", 1);
    oc_cfg_hex_key(&cfg, "SECRETS_KEY", NULL, key, sizeof(key));
    setenv("SECRETS_KEY", "zzzzzzzz", 1);
    oc_cfg_hex_key(&cfg, "SECRETS_KEY", NULL, key, sizeof(key));
    unsetenv("SECRETS_KEY");
    oc_cfg_hex_key(&cfg, "SECRETS_KEY", NULL, key, sizeof(key));
    out = capture_end(&c);
    cr_assert_eq(cfg.errors, 3);
    cr_assert_not_null(strstr(out, "config: SECRETS_KEY: expected 8 hex digits, got 4"), "%s", out);
    cr_assert_null(strstr(out, "abcd"), "%s", out);
    cr_assert_null(strstr(out, "zzzz"), "%s", out);
    free(out);
}

Test(config, finish_fails_when_any_value_was_wrong)
{
    struct oc_cfg cfg;
    struct capture c;
    long n;
    bool b;
    char *out;

    setenv("A_INT", "x", 1);
    setenv("B_BOOL", "x", 1);
    setenv("C_INT", "5", 1);
    oc_cfg_init(&cfg);
    capture_start(&c);
    oc_cfg_int(&cfg, "A_INT", 1, 0, 10, &n);
    oc_cfg_bool(&cfg, "B_BOOL", false, &b);
    oc_cfg_int(&cfg, "C_INT", 1, 0, 10, &n);
    cr_assert_eq(oc_cfg_finish(&cfg), OC_ERR_INVALID);
    out = capture_end(&c);
    cr_assert_eq(cfg.errors, 2);
    cr_assert_eq(n, 5, "readers after a wrong value still work");
    cr_assert_not_null(strstr(out, "config: 2 invalid variables"), "%s", out);
    free(out);
}

Test(config, finish_logs_every_value)
{
    struct oc_cfg cfg;
    struct capture c;
    const char *s;
    long n;
    char *out;

    setenv("ADMIN_ADDR", "0.0.0.0", 1);
    unsetenv("DB_POOL_SIZE");
    oc_cfg_init(&cfg);
    oc_cfg_str(&cfg, "ADMIN_ADDR", "127.0.0.1", false, &s);
    oc_cfg_int(&cfg, "DB_POOL_SIZE", 4, 1, 64, &n);
    capture_start(&c);
    cr_assert_eq(oc_cfg_finish(&cfg), OC_OK);
    out = capture_end(&c);
    cr_assert_not_null(strstr(out, "config: ADMIN_ADDR=0.0.0.0\n"), "%s", out);
    cr_assert_not_null(strstr(out, "config: DB_POOL_SIZE=4 (default)\n"), "%s", out);
    free(out);
}

Test(config, secrets_are_masked)
{
    struct oc_cfg cfg;
    struct capture c;
    const char *s;
    unsigned char key[4];
    char *out;

    setenv("JWT_SECRET", "hunter2", 1);
    setenv("SECRETS_KEY", "0badcafe", 1);
    oc_cfg_init(&cfg);
    oc_cfg_str(&cfg, "JWT_SECRET", NULL, true, &s);
    cr_assert_str_eq(s, "hunter2");
    oc_cfg_hex_key(&cfg, "SECRETS_KEY", NULL, key, sizeof(key));
    capture_start(&c);
    oc_cfg_finish(&cfg);
    out = capture_end(&c);
    cr_assert_not_null(strstr(out, "config: JWT_SECRET=****\n"), "%s", out);
    cr_assert_not_null(strstr(out, "config: SECRETS_KEY=****\n"), "%s", out);
    cr_assert_null(strstr(out, "hunter2"), "%s", out);
    cr_assert_null(strstr(out, "0badcafe"), "%s", out);
    for (size_t i = 0; i < cfg.n; i++)
        cr_assert_null(strstr(cfg.entries[i].value, "hunter2"), "the record keeps no secret");
    free(out);
}

Test(config, uri_passwords_are_masked)
{
    struct oc_cfg cfg;
    struct capture c;
    const char *s;
    char *out;

    setenv("DATABASE_URL", "postgresql://oc_gateway:s3cret@127.0.0.1:5432/outcall", 1);
    setenv("NATS_URL", "nats://u:pw1@h1:4222,nats://u:pw2@h2:4222", 1);
    setenv("OTHER_URL", "postgresql://127.0.0.1/outcall?user=x&password=qwerty&sslmode=off", 1);
    setenv("PLAIN_URL", "postgresql://oc_gateway@127.0.0.1:5432/outcall", 1);
    setenv("TOKEN_URL", "nats://t0ken@127.0.0.1:4222", 1);
    oc_cfg_init(&cfg);
    oc_cfg_str(&cfg, "DATABASE_URL", NULL, false, &s);
    cr_assert_str_eq(s, "postgresql://oc_gateway:s3cret@127.0.0.1:5432/outcall");
    oc_cfg_str(&cfg, "NATS_URL", NULL, false, &s);
    oc_cfg_str(&cfg, "OTHER_URL", NULL, false, &s);
    oc_cfg_str(&cfg, "PLAIN_URL", NULL, false, &s);
    oc_cfg_str(&cfg, "TOKEN_URL", NULL, false, &s);
    capture_start(&c);
    oc_cfg_finish(&cfg);
    out = capture_end(&c);
    cr_assert_not_null(
        strstr(out, "config: DATABASE_URL=postgresql://oc_gateway:****@127.0.0.1:5432/outcall\n"),
        "%s", out);
    cr_assert_not_null(
        strstr(out, "config: NATS_URL=nats://u:****@h1:4222,nats://u:****@h2:4222\n"), "%s", out);
    cr_assert_not_null(
        strstr(
            out,
            "config: OTHER_URL=postgresql://127.0.0.1/outcall?user=x&password=****&sslmode=off\n"),
        "%s", out);
    cr_assert_not_null(
        strstr(out, "config: PLAIN_URL=postgresql://oc_gateway@127.0.0.1:5432/outcall\n"), "%s",
        out);
    cr_assert_not_null(strstr(out, "config: TOKEN_URL=nats://****@127.0.0.1:4222\n"), "%s", out);
    cr_assert_null(strstr(out, "s3cret"));
    cr_assert_null(strstr(out, "t0ken"));
    cr_assert_null(strstr(out, "pw1"));
    cr_assert_null(strstr(out, "qwerty"));
    free(out);
}
