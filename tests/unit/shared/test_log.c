/*
 * Unit tests for log.c: level parsing, LOG_LEVEL handling, the exact line
 * format, filtering below the level, the per-thread request id, and that a
 * message stays one line whatever it contains. Output is captured by
 * pointing file descriptor 1 at a temporary file.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static size_t count_lines(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(log, parses_every_level_name)
{
    enum oc_log_level l;

    cr_assert_eq(oc_log_parse_level("debug", &l), 0);
    cr_assert_eq(l, OC_LOG_DEBUG);
    cr_assert_eq(oc_log_parse_level("info", &l), 0);
    cr_assert_eq(l, OC_LOG_INFO);
    cr_assert_eq(oc_log_parse_level("warn", &l), 0);
    cr_assert_eq(l, OC_LOG_WARN);
    cr_assert_eq(oc_log_parse_level("error", &l), 0);
    cr_assert_eq(l, OC_LOG_ERROR);
    cr_assert_eq(oc_log_parse_level("ERROR", &l), 0);
    cr_assert_eq(l, OC_LOG_ERROR);
}

Test(log, rejects_unknown_level_without_touching_output)
{
    enum oc_log_level l = OC_LOG_WARN;

    cr_assert_eq(oc_log_parse_level("verbose", &l), -1);
    cr_assert_eq(oc_log_parse_level("", &l), -1);
    cr_assert_eq(oc_log_parse_level(NULL, &l), -1);
    cr_assert_eq(l, OC_LOG_WARN);
}

Test(log, init_reads_log_level)
{
    setenv("LOG_LEVEL", "error", 1);
    cr_assert_eq(oc_log_init("gateway"), 0);
    cr_assert_eq(oc_log_get_level(), OC_LOG_ERROR);
}

Test(log, init_defaults_to_info)
{
    unsetenv("LOG_LEVEL");
    oc_log_set_level(OC_LOG_ERROR);
    cr_assert_eq(oc_log_init("gateway"), 0);
    cr_assert_eq(oc_log_get_level(), OC_LOG_INFO);
}

Test(log, init_fails_on_bad_log_level)
{
    setenv("LOG_LEVEL", "loud", 1);
    cr_assert_eq(oc_log_init("gateway"), -1);
    cr_assert_eq(oc_log_get_level(), OC_LOG_INFO);
}

Test(log, line_has_time_level_service_request_and_message)
{
    struct capture c;
    regex_t re;
    char *out;

    unsetenv("LOG_LEVEL");
    oc_log_init("gateway");
    oc_log_set_request_id("7f3a-42");
    capture_start(&c);
    oc_info("hello %d", 42);
    out = capture_end(&c);

    cr_assert_eq(regcomp(&re,
                         "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                         "INFO  gateway req=7f3a-42 hello 42\n$",
                         REG_EXTENDED),
                 0);
    cr_assert_eq(regexec(&re, out, 0, NULL, 0), 0, "line was: %s", out);
    regfree(&re);
    free(out);
}

Test(log, level_names_are_padded_to_five)
{
    struct capture c;
    char *out;

    oc_log_init("svc");
    oc_log_set_level(OC_LOG_DEBUG);
    capture_start(&c);
    oc_debug("d");
    oc_warn("w");
    oc_error("e");
    out = capture_end(&c);
    cr_assert_not_null(strstr(out, "Z DEBUG svc req=- d\n"), "%s", out);
    cr_assert_not_null(strstr(out, "Z WARN  svc req=- w\n"), "%s", out);
    cr_assert_not_null(strstr(out, "Z ERROR svc req=- e\n"), "%s", out);
    free(out);
}

Test(log, lines_below_the_level_are_dropped)
{
    struct capture c;
    char *out;

    oc_log_init("svc");
    oc_log_set_level(OC_LOG_WARN);
    capture_start(&c);
    oc_debug("nope");
    oc_info("nope");
    oc_warn("yes");
    out = capture_end(&c);
    cr_assert_eq(count_lines(out), 1, "%s", out);
    cr_assert_null(strstr(out, "nope"));
    free(out);
}

Test(log, request_id_can_be_cleared)
{
    oc_log_set_request_id("abc");
    cr_assert_str_eq(oc_log_request_id(), "abc");
    oc_log_set_request_id(NULL);
    cr_assert_null(oc_log_request_id());
}

static void *other_thread(void *arg)
{
    const char **seen = arg;

    seen[0] = oc_log_request_id();
    oc_log_set_request_id("thread-b");
    seen[1] = oc_log_request_id();
    return NULL;
}

Test(log, request_id_is_per_thread)
{
    const char *seen[2] = {"unset", "unset"};
    pthread_t t;

    oc_log_set_request_id("thread-a");
    pthread_create(&t, NULL, other_thread, seen);
    pthread_join(t, NULL);
    cr_assert_null(seen[0]);
    cr_assert_not_null(seen[1]);
    cr_assert_str_eq(oc_log_request_id(), "thread-a");
}

Test(log, multi_line_messages_stay_on_one_line)
{
    struct capture c;
    char *out;

    oc_log_init("svc");
    capture_start(&c);
    oc_error("db: ERROR:  duplicate key\nDETAIL:  Key (email)\n");
    out = capture_end(&c);
    cr_assert_eq(count_lines(out), 1, "%s", out);
    cr_assert_not_null(strstr(out, "duplicate key DETAIL:  Key (email)\n"), "%s", out);
    free(out);
}

Test(log, long_messages_are_written_whole)
{
    struct capture c;
    char *big = malloc(10001);
    char *out;

    memset(big, 'x', 10000);
    big[10000] = '\0';
    oc_log_init("svc");
    capture_start(&c);
    oc_info("start %s end", big);
    out = capture_end(&c);
    cr_assert_eq(count_lines(out), 1);
    cr_assert_not_null(strstr(out, "xxxxxxxxxx end\n"));
    cr_assert_gt(strlen(out), 10000);
    free(out);
    free(big);
}

#define THREADS 4
#define LINES_PER_THREAD 200

static void *spam(void *arg)
{
    (void)arg;
    for (int i = 0; i < LINES_PER_THREAD; i++)
        oc_info("%s", "0123456789012345678901234567890123456789012345678901234567890123456789");
    return NULL;
}

Test(log, lines_from_threads_never_interleave)
{
    struct capture c;
    pthread_t t[THREADS];
    char *out;
    char *line;
    char *save = NULL;
    size_t n = 0;

    oc_log_init("svc");
    capture_start(&c);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, spam, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    out = capture_end(&c);
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cr_assert_not_null(strstr(line, " INFO  svc req=- 0123456789"), "%s", line);
        cr_assert_eq(strlen(line), 24 + strlen(" INFO  svc req=- ") + 70, "%s", line);
        n++;
    }
    cr_assert_eq(n, THREADS * LINES_PER_THREAD);
    free(out);
}
