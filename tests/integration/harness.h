/*
 * Shared helpers for the integration tests. scripts/run-tests.sh starts a
 * throwaway stack (nats-server, Postgres, every service) on free ports and
 * exports where it lives; these helpers read that, speak HTTP to the gateway
 * and NATS to the services, and drive the stack script to stop, kill or
 * restart parts of it. Tests talk to services only over NATS and HTTP.
 *
 * Environment set by the runner:
 *   OC_GATEWAY_URL  http://127.0.0.1:<port>
 *   NATS_URL        nats://127.0.0.1:<port>
 *   OC_PG_ADMIN     libpq conninfo of the superuser (for isolation checks only)
 *   OC_PG_URL_BASE  postgresql://%s@127.0.0.1:<port>/outcall (%s: a role)
 *   OC_STACK        path of scripts/stack.sh, with STACK_DIR exported
 *   OC_SERVICES     the service names, space-separated
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#include "oc/bus.h"

/** Returns the variable or aborts the test with a message naming it. */
const char *th_env(const char *name);

struct th_resp {
    long status;
    char *body;   /* NUL-terminated, freed by th_resp_clear */
    json_t *json; /* parsed body or NULL */
    char *content_type;
};

/**
 * Sends a request to the gateway: path such as "/v1/auth/login", token
 * (NULL: no Authorization header), body (NULL: none) sent as
 * application/json unless content_type says otherwise.
 */
void th_http(struct th_resp *out, const char *method, const char *path, const char *token,
             const char *body);
void th_http_ct(struct th_resp *out, const char *method, const char *path, const char *token,
                const char *content_type, const char *body, size_t body_len);
void th_resp_clear(struct th_resp *r);

/** th_http to a path made with printf's format. */
void th_httpf(struct th_resp *out, const char *method, const char *token, const char *body,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** A copy of s ("" for NULL); fails the test when memory runs out. */
char *th_strdup(const char *s);

/** The string member key of obj, or NULL (obj NULL, no such member, not a string). */
const char *th_jstr(const json_t *obj, const char *key);

/** "error.code" of an error body, or "" */
const char *th_error_code(const struct th_resp *r);

/** Signs up a fresh tenant with a unique e-mail; writes its token (caller frees). */
void th_signup(char **token, char **tenant_id, char **email, const char *password);

/** Runs `scripts/stack.sh <args>` and returns its exit code. */
int th_stack(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Connects a bus to the test stack's NATS. Caller frees with oc_bus_free. */
struct oc_bus *th_bus(void);

/**
 * How many jobs of call_id the JOBS work queue holds: a job leaves it once
 * a dialer acked it.
 */
int th_jobs_queued(struct oc_bus *bus, const char *call_id);

/** Polls cond every 50 ms up to timeout_ms; true when it held. */
bool th_wait_until(bool (*cond)(void *), void *arg, int timeout_ms);

/** A program a test runs beside the stack (sipp, the sandbox carrier). */
struct th_child {
    pid_t pid;     /* 0 once it was waited for */
    char log[256]; /* its stdout and stderr */
};

/**
 * Starts argv (default signals, stdin from /dev/null) with its output in
 * /tmp/oc-test-<pid>-<tag>.log; tag NULL: the program's name.
 */
void th_child_start(struct th_child *c, const char *tag, char *const argv[]);

/**
 * Waits up to ms for the child to exit and returns its exit code; past ms it
 * is stopped with SIGTERM and -1 is returned (also when a signal killed it).
 */
int th_child_wait(struct th_child *c, int ms);

/**
 * A port of type (SOCK_STREAM, SOCK_DGRAM) on 127.0.0.1 that is free now,
 * even when asked (RTP); whoever binds it next may take it first.
 */
int th_free_port(int type, bool even);

/**
 * Waits up to ms until something has bound UDP port on 127.0.0.1 (a SIP
 * peer the test started is listening); false when nothing did.
 */
bool th_wait_udp_bound(int port, int ms);

/** A sandbox carrier a test runs beside the stack, with contacts of its own. */
struct th_carrier {
    struct th_child child;
    int port;           /* its SIP port on 127.0.0.1 */
    char contacts[128]; /* its contacts file */
    char results[128];  /* its SANDBOX_RESULTS file */
};

/**
 * Starts $BUILD/bin/sandbox-carrier with the contacts (contacts.conf lines)
 * on free ports and waits until it listens; th_carrier_stop stops it and
 * removes its files.
 */
void th_carrier_start(struct th_carrier *c, const char *contacts);
void th_carrier_stop(struct th_carrier *c);

/** The sandbox carrier's results line (its SANDBOX_RESULTS file at path) for number, the last
 * one when there are several, or NULL; caller frees. */
char *th_carrier_result(const char *path, const char *number);

/** For th_wait_until: the carrier has written a result for number. */
struct th_carrier_arg {
    const char *path;
    const char *number;
};
bool th_carrier_wrote(void *arg);

/** True when the program is on PATH. */
bool th_have_program(const char *name);

/** Milliseconds on a monotonic clock. */
long long th_now_ms(void);

#endif
