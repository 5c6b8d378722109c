/*
 * The shared JetStream helpers against the stack's real nats-server: a
 * stream is created and updated idempotently, a message id makes a
 * republish harmless, a consumer acks what its callback accepts and gets
 * again what it refused, and a durable consumer resumes where it stopped.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "proto/common.pb-c.h"

struct seen {
    pthread_mutex_t mu;
    int count;
    int refusals_left; /* refuse this many deliveries first */
    uint64_t max_delivered;
    char last[64];
};

static enum oc_status on_msg(void *user, const char *subject, const uint8_t *data, size_t len,
                             uint64_t delivered)
{
    (void)subject;
    struct seen *s = user;
    Ocpb__EventMeta *m = ocpb__event_meta__unpack(NULL, len, data);
    if (!m)
        return OC_ERR_INVALID;
    pthread_mutex_lock(&s->mu);
    enum oc_status st = OC_OK;
    if (s->refusals_left > 0) {
        s->refusals_left--;
        st = OC_ERR_UNAVAILABLE;
    } else {
        s->count++;
        snprintf(s->last, sizeof(s->last), "%s", m->event_id);
    }
    if (delivered > s->max_delivered)
        s->max_delivered = delivered;
    pthread_mutex_unlock(&s->mu);
    ocpb__event_meta__free_unpacked(m, NULL);
    return st;
}

static int seen_count(struct seen *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->count;
    pthread_mutex_unlock(&s->mu);
    return n;
}

struct count_arg {
    struct seen *s;
    int want;
};

static bool reached(void *arg)
{
    struct count_arg *a = arg;
    return seen_count(a->s) >= a->want;
}

static void stream_names(char *stream, char *subject, size_t len)
{
    snprintf(stream, len, "TEST_%d_%lld", (int)getpid(), th_now_ms() % 100000);
    snprintf(subject, len, "test.%d.%lld", (int)getpid(), th_now_ms() % 100000);
}

static enum oc_status publish(struct oc_bus *bus, const char *subject, const char *id, bool *dup)
{
    Ocpb__EventMeta m = OCPB__EVENT_META__INIT;
    m.event_id = (char *)id;
    return oc_js_publish(bus, subject, &m.base, id, dup);
}

Test(jetstream, message_id_makes_republish_harmless)
{
    struct oc_bus *bus = th_bus();
    char stream[64], subject[64];
    stream_names(stream, subject, sizeof(stream));
    const char *subjects[] = {subject};
    struct oc_stream_config sc = {
        .name = stream, .subjects = subjects, .n_subjects = 1, .work_queue = true};
    cr_assert_eq(oc_js_ensure_stream(bus, &sc), OC_OK);
    /* A second ensure with the same configuration is fine. */
    cr_assert_eq(oc_js_ensure_stream(bus, &sc), OC_OK);

    bool dup = true;
    cr_assert_eq(publish(bus, subject, "job-1", &dup), OC_OK);
    cr_expect_not(dup);
    cr_assert_eq(publish(bus, subject, "job-1", &dup), OC_OK);
    cr_expect(dup, "the same message id was stored twice");
    cr_assert_eq(publish(bus, subject, "job-2", &dup), OC_OK);
    cr_expect_not(dup);

    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct oc_consumer *c = NULL;
    struct oc_consumer_config cc = {.stream = stream, .durable = "worker", .ack_wait_s = 5};
    cr_assert_eq(oc_consumer_start(&c, bus, &cc, on_msg, &s), OC_OK);
    struct count_arg a = {&s, 2};
    cr_assert(th_wait_until(reached, &a, 5000), "only %d messages consumed", seen_count(&s));
    usleep(300000);
    cr_expect_eq(seen_count(&s), 2, "a duplicate was delivered");
    oc_consumer_stop(c);
    oc_bus_free(bus);
}

Test(jetstream, refused_message_is_redelivered)
{
    struct oc_bus *bus = th_bus();
    char stream[64], subject[64];
    stream_names(stream, subject, sizeof(stream));
    const char *subjects[] = {subject};
    struct oc_stream_config sc = {
        .name = stream, .subjects = subjects, .n_subjects = 1, .work_queue = true};
    cr_assert_eq(oc_js_ensure_stream(bus, &sc), OC_OK);
    cr_assert_eq(publish(bus, subject, "only", NULL), OC_OK);

    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER, .refusals_left = 2};
    struct oc_consumer *c = NULL;
    struct oc_consumer_config cc = {
        .stream = stream, .durable = "retrier", .ack_wait_s = 5, .nak_delay_ms = 100};
    cr_assert_eq(oc_consumer_start(&c, bus, &cc, on_msg, &s), OC_OK);
    struct count_arg a = {&s, 1};
    cr_assert(th_wait_until(reached, &a, 5000), "never accepted");
    cr_expect_eq(s.max_delivered, 3, "delivered %llu times", (unsigned long long)s.max_delivered);
    cr_expect_str_eq(s.last, "only");
    oc_consumer_stop(c);
    oc_bus_free(bus);
}

Test(jetstream, durable_consumer_resumes_after_stop)
{
    struct oc_bus *bus = th_bus();
    char stream[64], subject[64];
    stream_names(stream, subject, sizeof(stream));
    const char *subjects[] = {subject};
    struct oc_stream_config sc = {.name = stream, .subjects = subjects, .n_subjects = 1};
    cr_assert_eq(oc_js_ensure_stream(bus, &sc), OC_OK);
    cr_assert_eq(publish(bus, subject, "a", NULL), OC_OK);

    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct oc_consumer *c = NULL;
    struct oc_consumer_config cc = {.stream = stream, .durable = "analyzer", .ack_wait_s = 5};
    cr_assert_eq(oc_consumer_start(&c, bus, &cc, on_msg, &s), OC_OK);
    struct count_arg a = {&s, 1};
    cr_assert(th_wait_until(reached, &a, 5000));
    oc_consumer_stop(c);

    /* Published while nobody consumes; the durable consumer keeps its place. */
    cr_assert_eq(publish(bus, subject, "b", NULL), OC_OK);
    cr_assert_eq(oc_consumer_start(&c, bus, &cc, on_msg, &s), OC_OK);
    a.want = 2;
    cr_assert(th_wait_until(reached, &a, 5000), "b was not delivered after restart");
    usleep(200000);
    cr_expect_eq(seen_count(&s), 2, "a was delivered again");
    cr_expect_str_eq(s.last, "b");
    oc_consumer_stop(c);
    oc_bus_free(bus);
}
