/*
 * Logging to stdout, one line per event:
 *   2026-11-20T22:30:00.123Z INFO  gateway req=7f3a... message
 * Each line is formatted in full first and handed to stdio with a single
 * fwrite, which holds the stream's lock, so lines from civetweb and nats.c
 * threads never interleave; each line is flushed so a crash or a kill loses
 * nothing already logged. The request id is thread-local because a handler
 * runs on one thread from start to end and sets it once.
 */
#include "oc/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LOG_LINE_STACK 2048
#define LOG_SERVICE_MAX 64
#define LOG_REQUEST_ID_MAX 128

static atomic_int log_level = OC_LOG_INFO;

/* Written once by oc_log_init before any thread starts, read-only afterwards. */
static char log_service[LOG_SERVICE_MAX] = "-";

static _Thread_local char log_request_id[LOG_REQUEST_ID_MAX];

static const char *const level_names[] = {
    [OC_LOG_DEBUG] = "DEBUG",
    [OC_LOG_INFO] = "INFO",
    [OC_LOG_WARN] = "WARN",
    [OC_LOG_ERROR] = "ERROR",
};

int oc_log_parse_level(const char *s, enum oc_log_level *out)
{
    static const struct {
        const char *name;
        enum oc_log_level level;
    } names[] = {
        {"debug", OC_LOG_DEBUG},  {"info", OC_LOG_INFO},   {"warn", OC_LOG_WARN},
        {"warning", OC_LOG_WARN}, {"error", OC_LOG_ERROR},
    };

    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -1;
}

int oc_log_init(const char *service)
{
    const char *env = getenv("LOG_LEVEL");
    enum oc_log_level level = OC_LOG_INFO;

    snprintf(log_service, sizeof(log_service), "%s", service && *service ? service : "-");

    /* An unset or empty LOG_LEVEL means the default; a wrong one is reported
     * to the caller, which stops the service, while logging stays usable at
     * the default so the complaint itself can be logged. */
    if (env != NULL && *env != '\0' && oc_log_parse_level(env, &level) != 0) {
        atomic_store(&log_level, OC_LOG_INFO);
        return -1;
    }
    atomic_store(&log_level, level);
    return 0;
}

void oc_log_set_level(enum oc_log_level level)
{
    if (level < OC_LOG_DEBUG || level > OC_LOG_ERROR)
        return;
    atomic_store(&log_level, level);
}

enum oc_log_level oc_log_get_level(void)
{
    return (enum oc_log_level)atomic_load(&log_level);
}

void oc_log_set_request_id(const char *request_id)
{
    if (request_id == NULL) {
        log_request_id[0] = '\0';
        return;
    }
    snprintf(log_request_id, sizeof(log_request_id), "%s", request_id);
}

/* NULL when this thread has no request id, so callers can tell "none" apart
 * from an id they must propagate. */
const char *oc_log_request_id(void)
{
    return log_request_id[0] != '\0' ? log_request_id : NULL;
}

/* Writes "2026-11-20T22:30:00.123Z" (24 chars) and returns its length. */
static int format_time(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    return (int)n + snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* Messages often carry a library's text that ends in a newline
 * (PQerrorMessage) or spans several lines; one event must stay one line, so
 * control characters become spaces and trailing blanks are dropped. */
static size_t flatten(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = ' ';
    }
    while (len > 0 && s[len - 1] == ' ')
        len--;
    return len;
}

void oc_log_write(enum oc_log_level level, const char *fmt, ...)
{
    char stack[LOG_LINE_STACK];
    char *line = stack;
    size_t cap = sizeof(stack);
    const char *rid = log_request_id[0] != '\0' ? log_request_id : "-";
    va_list ap;
    int head, body;
    size_t len;

    if (level < OC_LOG_DEBUG || level > OC_LOG_ERROR)
        level = OC_LOG_ERROR;
    if ((int)level < atomic_load(&log_level))
        return;

    head = format_time(line, cap);
    head += snprintf(line + head, cap - (size_t)head, " %-5s %s req=%s ", level_names[level],
                     log_service, rid);
    if (head < 0 || (size_t)head >= cap)
        head = (int)cap - 1;

    va_start(ap, fmt);
    body = vsnprintf(line + head, cap - (size_t)head, fmt, ap);
    va_end(ap);
    if (body < 0)
        body = 0;

    /* Long messages (a whole SQL error with its detail) are rare: format
     * again into a heap buffer rather than cut them, and only cut them when
     * even that allocation fails. */
    if ((size_t)head + (size_t)body + 2 > cap) {
        char *big = malloc((size_t)head + (size_t)body + 2);

        if (big != NULL) {
            memcpy(big, line, (size_t)head);
            va_start(ap, fmt);
            vsnprintf(big + head, (size_t)body + 1, fmt, ap);
            va_end(ap);
            line = big;
            cap = (size_t)head + (size_t)body + 2;
        } else {
            body = (int)(cap - (size_t)head - 2);
        }
    }

    len = (size_t)head + flatten(line + head, (size_t)body);
    line[len++] = '\n';

    fwrite(line, 1, len, stdout);
    fflush(stdout);

    if (line != stack)
        free(line);
}
