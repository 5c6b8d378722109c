/*
 * dialer: the tenant's phone numbers, provider accounts (secrets sealed) and
 * one call leg per call attempt placed. main.c hands the service to the
 * shared runtime (oc/service.h); the state below is what the service's own
 * code shares between its handlers, consumers and threads.
 *
 * How one call job flows through a copy:
 *   jobs.c      the durable consumer of jobs.call: claims the attempt in
 *               call_legs (a redelivered job finds its leg and is not dialled
 *               again), asks the scheduler whether the call is still wanted
 *               (calls.dialable; dialable.c decides what the answer means),
 *               asks media.allocate, and hands the leg to the SIP thread;
 *               the job is acked once the INVITE left.
 *   sip.c       the sofia-sip thread (su_root + nua): INVITE, ring timeout
 *               and CANCEL, answer, BYE either side. Other threads only post
 *               commands to it (an eventfd registered in its su_root).
 *   reporter.c  one thread that turns what happened on SIP into effects, in
 *               order: media.<instance>.start/.stop, call_legs updates,
 *               calls.progress / calls.ended and their evt.* events.
 *   handlers.c  numbers.create/get/list and dialer.<instance>.hangup.
 */
#ifndef DIALER_H
#define DIALER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/bus.h"
#include "oc/config.h"
#include "oc/crypto.h"
#include "oc/db.h"

struct oc_service;
struct oc_consumer;
struct oc_metric;
struct sip_ua;
struct reporter;
struct leg;

#define DIALER_INSTANCE_MAX 96

/** Everything read from DIALER_* variables and SECRETS_KEY (config.c). */
struct dialer_config {
    const char *sip_addr;                 /* DIALER_SIP_ADDR */
    long sip_port;                        /* DIALER_SIP_PORT; 0: any free port */
    long ring_timeout_s;                  /* DIALER_RING_TIMEOUT_S: when the job gives none */
    long max_calls;                       /* DIALER_MAX_CALLS: live legs per copy */
    long allocate_timeout_ms;             /* DIALER_ALLOCATE_TIMEOUT_MS */
    long dialable_timeout_ms;             /* DIALER_DIALABLE_TIMEOUT_MS: calls.dialable */
    long retry_delay_ms;                  /* DIALER_RETRY_DELAY_MS: a job that could not start */
    long test_hold_before_ack_ms;         /* DIALER_TEST_HOLD_BEFORE_ACK_MS: tests only */
    uint8_t secrets_key[OC_AEAD_KEY_LEN]; /* SECRETS_KEY */
    bool secrets_key_default;
};

/** The legs this copy is placing or holding now (jobs.c adds, reporter.c removes). */
struct leg_set {
    pthread_mutex_t mu;
    struct leg_link *head;
    size_t count;
};

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct dialer {
    /* The runtime (bus, database, configuration). Borrowed: set by the start
     * hook and valid until the stop hook returns. It is here because
     * JetStream consumers and the service's own threads are handed only
     * this state. */
    struct oc_service *svc;
    struct dialer_config cfg;

    char instance[DIALER_INSTANCE_MAX];
    char hangup_subject[DIALER_INSTANCE_MAX + 16];
    char hangup_queue[DIALER_INSTANCE_MAX + 16];
    struct oc_handler instance_handlers[1];

    struct leg_set live;
    struct reporter *reporter;
    struct sip_ua *sip;
    struct oc_consumer *jobs;
    /* The stop hook frees the threads' state before the runtime drains NATS,
     * so a handler still running then must not touch it: handlers count
     * themselves in `busy` and give up once `stopping` is set. */
    atomic_bool stopping;
    atomic_int busy;

    struct oc_metric *jobs_taken;
    struct oc_metric *jobs_duplicate;
    struct oc_metric *jobs_not_dialable;
    struct oc_metric *jobs_waiting;
    struct oc_metric *calls_answered;
    struct oc_metric *calls_unanswered;
    struct oc_metric *calls_live;
};

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration dialer_migrations[];
extern const unsigned long dialer_migrations_count;

/** Reads the DIALER_* variables and SECRETS_KEY into d->cfg (config.c). */
void dialer_configure(struct dialer *d, struct oc_cfg *cfg);

/** The handler table served in the queue group "dialer" (handlers.c). */
extern const struct oc_handler dialer_handlers[];
extern const size_t dialer_n_handlers;

/** Subscribes dialer.<instance>.hangup for this copy (handlers.c). */
enum oc_status dialer_serve_instance(struct dialer *d);

/**
 * Opens a number's sealed SIP password (sealed by numbers.create with the
 * tenant and number id as additional data) into arena (handlers.c).
 */
enum oc_status dialer_open_secret(struct dialer *d, struct oc_arena *arena, const char *tenant_id,
                                  const char *number_id, const uint8_t *sealed, size_t sealed_len,
                                  const char **out);

/** Starts the durable consumer of jobs.call (jobs.c). */
enum oc_status jobs_start(struct dialer *d);

/** Stops it after the job in hand. */
void jobs_stop(struct dialer *d);

/* ------------------------------------------------------------ live legs (leg.c) */

void leg_set_init(struct leg_set *s);
void leg_set_destroy(struct leg_set *s);

/** Adds leg (takes a reference). */
enum oc_status leg_set_add(struct leg_set *s, struct leg *leg);

/** Removes leg (drops the set's reference). */
void leg_set_remove(struct leg_set *s, struct leg *leg);

/** True when a leg of this attempt is live in this copy. */
bool leg_set_has_dispatch(struct leg_set *s, const char *dispatch_id);

/** The live leg of call_id, with a reference the caller drops (leg_unref); NULL if none. */
struct leg *leg_set_find_call(struct leg_set *s, const char *call_id);

size_t leg_set_count(struct leg_set *s);

#endif
