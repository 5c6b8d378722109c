/*
 * Configuration from environment variables. Every reader records what it
 * read in struct oc_cfg and, when the value is wrong, logs a message that
 * names the variable and counts an error instead of stopping, so an operator
 * fixing a deployment sees every wrong variable in one run. oc_cfg_finish()
 * then logs the whole configuration and fails when anything was wrong.
 * Secrets never reach the record: a secret is stored as "****" and the
 * password inside a connection URI (postgresql://user:pw@host,
 * nats://user:pw@host, ?password=pw) is masked the same way, so neither the
 * log nor a core dump of the struct shows them.
 */
#include "oc/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oc/log.h"

#define MASK "****"

/* Bad values are quoted in error messages; a cap keeps a pasted blob from
 * flooding the log. */
#define QUOTE_MAX 64

void oc_cfg_init(struct oc_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

static void cfg_fail(struct oc_cfg *cfg, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cfg_fail(struct oc_cfg *cfg, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    oc_error("config: %s: %s", name, msg);
    cfg->errors++;
}

/* Appends to dst (NUL-terminated, capacity cap) without overflowing. */
static void append(char *dst, size_t cap, size_t *len, const char *src, size_t n)
{
    if (*len + 1 >= cap)
        return;
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(dst + *len, src, n);
    *len += n;
    dst[*len] = '\0';
}

/* Whether the scheme ending at sep (the "://") is one of NATS's, whose URLs
 * may carry a bare token as their user information. */
static bool is_nats_scheme(const char *value, const char *sep)
{
    static const char *const schemes[] = {"nats", "tls", "ws", "wss"};
    const char *start = sep;

    while (start > value && (isalnum((unsigned char)start[-1]) || start[-1] == '+' ||
                             start[-1] == '-' || start[-1] == '.'))
        start--;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if ((size_t)(sep - start) == strlen(schemes[i]) &&
            strncasecmp(start, schemes[i], (size_t)(sep - start)) == 0)
            return true;
    }
    return false;
}

/*
 * Copies value to dst with every password masked: the password part of the
 * user information in each "scheme://user:password@host" (several may
 * follow one another, comma-separated, as in NATS_URL), a NATS token given
 * as "nats://token@host", and the value of every "password=" parameter
 * (libpq URI query or key=value form).
 */
static void mask_passwords(char *dst, size_t cap, const char *value)
{
    size_t len = 0;
    const char *p = value;

    dst[0] = '\0';
    while (*p != '\0') {
        if (strncmp(p, "://", 3) == 0) {
            const char *auth = p + 3;
            size_t auth_len = strcspn(auth, "/?#,");
            const char *at = NULL;
            const char *colon;

            for (const char *q = auth; q < auth + auth_len; q++) {
                if (*q == '@')
                    at = q;
            }
            append(dst, cap, &len, p, 3);
            p = auth;
            if (at == NULL)
                continue;
            colon = memchr(auth, ':', (size_t)(at - auth));
            if (colon != NULL) {
                append(dst, cap, &len, auth, (size_t)(colon - auth) + 1);
                append(dst, cap, &len, MASK, strlen(MASK));
                p = at;
            } else if (is_nats_scheme(value, auth - 3)) {
                /* nats://token@host: the lone user part is a token. */
                append(dst, cap, &len, MASK, strlen(MASK));
                p = at;
            }
            continue;
        }
        if (strncasecmp(p, "password=", 9) == 0 &&
            (p == value || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ')) {
            append(dst, cap, &len, p, 9);
            append(dst, cap, &len, MASK, strlen(MASK));
            p += 9;
            p += strcspn(p, "& ");
            continue;
        }
        append(dst, cap, &len, p, 1);
        p++;
    }
}

/*
 * Records a value read. Reading the same variable twice keeps one entry so
 * it is logged once. When the table is full the value still works (the
 * caller has it) but cannot be logged; that is a programming error worth
 * failing start-up for, since the fix is one constant.
 */
static void cfg_record(struct oc_cfg *cfg, const char *name, const char *value, bool secret,
                       bool from_env)
{
    size_t i;

    for (i = 0; i < cfg->n; i++) {
        if (strcmp(cfg->entries[i].name, name) == 0)
            break;
    }
    if (i == cfg->n) {
        if (cfg->n == OC_CFG_MAX_ENTRIES) {
            cfg_fail(cfg, name, "more than %d variables read; raise OC_CFG_MAX_ENTRIES",
                     OC_CFG_MAX_ENTRIES);
            return;
        }
        cfg->n++;
    }
    cfg->entries[i].name = name;
    cfg->entries[i].secret = secret;
    cfg->entries[i].from_env = from_env;
    if (secret)
        snprintf(cfg->entries[i].value, sizeof(cfg->entries[i].value), "%s",
                 value != NULL && *value != '\0' ? MASK : "");
    else
        mask_passwords(cfg->entries[i].value, sizeof(cfg->entries[i].value),
                       value != NULL ? value : "");
}

/* An empty variable counts as unset: compose files and shell scripts
 * commonly pass VAR= to mean "not configured". */
static const char *env_get(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0' ? v : NULL;
}

void oc_cfg_str(struct oc_cfg *cfg, const char *name, const char *def, bool secret,
                const char **out)
{
    const char *v = env_get(name);

    cfg_record(cfg, name, v != NULL ? v : def, secret, v != NULL);
    *out = v != NULL ? v : def;
}

void oc_cfg_str_required(struct oc_cfg *cfg, const char *name, bool secret, const char **out)
{
    const char *v = env_get(name);

    cfg_record(cfg, name, v, secret, v != NULL);
    if (v == NULL) {
        cfg_fail(cfg, name, "required but not set");
        /* Later readers may still look at the value before oc_cfg_finish
         * stops start-up; an empty string keeps them from crashing. */
        *out = "";
        return;
    }
    *out = v;
}

static bool parse_long(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || isspace((unsigned char)*s))
        return false;
    *out = v;
    return true;
}

void oc_cfg_int(struct oc_cfg *cfg, const char *name, long def, long min, long max, long *out)
{
    const char *v = env_get(name);
    char shown[32];
    long n;

    if (v == NULL) {
        snprintf(shown, sizeof(shown), "%ld", def);
        cfg_record(cfg, name, shown, false, false);
        *out = def;
        return;
    }
    cfg_record(cfg, name, v, false, true);
    if (!parse_long(v, &n) || n < min || n > max) {
        cfg_fail(cfg, name, "expected an integer from %ld to %ld, got \"%.*s\"", min, max,
                 QUOTE_MAX, v);
        /* The default keeps later readers defined; start-up fails anyway. */
        *out = def;
        return;
    }
    *out = n;
}

void oc_cfg_bool(struct oc_cfg *cfg, const char *name, bool def, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    const char *v = env_get(name);

    if (v == NULL) {
        cfg_record(cfg, name, def ? "true" : "false", false, false);
        *out = def;
        return;
    }
    cfg_record(cfg, name, v, false, true);
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return;
        }
    }
    cfg_fail(cfg, name, "expected one of 1/0, true/false, yes/no, on/off, got \"%.*s\"", QUOTE_MAX,
             v);
    *out = def;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Keys are always secret, so the messages describe the value's shape and
 * never quote it. */
void oc_cfg_hex_key(struct oc_cfg *cfg, const char *name, const char *def, unsigned char *out,
                    size_t len)
{
    const char *v = env_get(name);
    const char *s = v != NULL ? v : def;
    size_t slen;

    cfg_record(cfg, name, s, true, v != NULL);
    if (s == NULL || *s == '\0') {
        cfg_fail(cfg, name, "required but not set (expected %zu hex digits)", 2 * len);
        memset(out, 0, len);
        return;
    }
    slen = strlen(s);
    if (slen != 2 * len) {
        cfg_fail(cfg, name, "expected %zu hex digits, got %zu characters", 2 * len, slen);
        memset(out, 0, len);
        return;
    }
    for (size_t i = 0; i < slen; i++) {
        if (hex_digit(s[i]) < 0) {
            cfg_fail(cfg, name,
                     "expected %zu hex digits, found a non-hex character at position %zu", 2 * len,
                     i + 1);
            memset(out, 0, len);
            return;
        }
    }
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]));
}

enum oc_status oc_cfg_finish(struct oc_cfg *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        oc_info("config: %s=%s%s", cfg->entries[i].name, cfg->entries[i].value,
                cfg->entries[i].from_env ? "" : " (default)");
    }
    if (cfg->errors > 0) {
        oc_error("config: %d invalid variable%s", cfg->errors, cfg->errors == 1 ? "" : "s");
        return OC_ERR_INVALID;
    }
    return OC_OK;
}
