/*
 * The per-tenant fan-out behind /v1/events (event_hub.c): a frame reaches
 * every stream of its tenant and no other, waits time out, a slow stream
 * overflows instead of growing, limits hold, and shutting down wakes a
 * waiting stream at once.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "../../../services/gateway/gateway.h"

#define T1 "0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c11"
#define T2 "9f1e2d3c-4b5a-4697-8877-665544332211"

static struct gw_event_hub *hub_new(size_t max, size_t per_tenant, size_t queue)
{
    struct gw_event_hub_config cfg = {max, per_tenant, queue};
    struct gw_event_hub *h = NULL;

    cr_assert_eq(gw_event_hub_new(&h, &cfg), OC_OK);
    return h;
}

static struct gw_event_frame *frame(const char *text)
{
    struct gw_event_frame *f = NULL;

    cr_assert_eq(gw_event_frame_new(&f, text, strlen(text)), OC_OK);
    return f;
}

static void expect_frame(struct gw_event_hub *h, struct gw_event_stream *s, const char *want)
{
    struct gw_event_frame *f = NULL;
    const char *text;
    size_t len;

    cr_assert_eq(gw_event_hub_next(h, s, 100, &f), OC_OK, "no frame where %s was due", want);
    text = gw_event_frame_text(f, &len);
    cr_assert_eq(len, strlen(want));
    cr_assert_str_eq(text, want);
    gw_event_frame_unref(f);
}

Test(event_hub, a_frame_reaches_every_stream_of_its_tenant_and_no_other)
{
    struct gw_event_hub *h = hub_new(8, 8, 8);
    struct gw_event_stream *a1, *a2, *b;
    struct gw_event_frame *f = frame("one"), *got = NULL;

    cr_assert_eq(gw_event_hub_open(h, T1, &a1), OC_OK);
    cr_assert_eq(gw_event_hub_open(h, T1, &a2), OC_OK);
    cr_assert_eq(gw_event_hub_open(h, T2, &b), OC_OK);
    cr_assert(gw_event_hub_wants(h, T1));
    cr_assert_eq(gw_event_hub_publish(h, T1, f, NULL), 2);
    gw_event_frame_unref(f);

    expect_frame(h, a1, "one");
    expect_frame(h, a2, "one");
    cr_assert_eq(gw_event_hub_next(h, b, 50, &got), OC_ERR_TIMEOUT);
    cr_assert_null(got);

    gw_event_hub_close(h, a1);
    gw_event_hub_close(h, a2);
    cr_assert_not(gw_event_hub_wants(h, T1));
    cr_assert_eq(gw_event_hub_count(h), 1);
    gw_event_hub_close(h, b);
    gw_event_hub_free(h);
}

Test(event_hub, frames_come_out_in_the_order_they_went_in)
{
    struct gw_event_hub *h = hub_new(8, 8, 8);
    struct gw_event_stream *s;
    const char *texts[] = {"a", "b", "c"};

    cr_assert_eq(gw_event_hub_open(h, T1, &s), OC_OK);
    for (size_t i = 0; i < 3; i++) {
        struct gw_event_frame *f = frame(texts[i]);

        gw_event_hub_publish(h, T1, f, NULL);
        gw_event_frame_unref(f);
    }
    for (size_t i = 0; i < 3; i++)
        expect_frame(h, s, texts[i]);
    gw_event_hub_close(h, s);
    gw_event_hub_free(h);
}

Test(event_hub, a_stream_that_falls_behind_overflows_and_ends)
{
    struct gw_event_hub *h = hub_new(8, 8, 2);
    struct gw_event_stream *s;
    struct gw_event_frame *got = NULL;
    size_t over = 0;

    cr_assert_eq(gw_event_hub_open(h, T1, &s), OC_OK);
    for (int i = 0; i < 3; i++) {
        struct gw_event_frame *f = frame("x");

        gw_event_hub_publish(h, T1, f, &over);
        gw_event_frame_unref(f);
    }
    cr_assert_eq(over, 1);
    cr_assert_eq(gw_event_hub_next(h, s, 50, &got), OC_ERR_TOO_LARGE);
    /* Closing frees the frames still queued (a leak here fails under ASan). */
    gw_event_hub_close(h, s);
    gw_event_hub_free(h);
}

Test(event_hub, limits_hold_per_tenant_and_in_all)
{
    struct gw_event_hub *h = hub_new(3, 2, 4);
    struct gw_event_stream *s[4];

    cr_assert_eq(gw_event_hub_open(h, T1, &s[0]), OC_OK);
    cr_assert_eq(gw_event_hub_open(h, T1, &s[1]), OC_OK);
    cr_assert_eq(gw_event_hub_open(h, T1, &s[2]), OC_ERR_RATE_LIMITED);
    cr_assert_eq(gw_event_hub_open(h, T2, &s[2]), OC_OK);
    cr_assert_eq(gw_event_hub_open(h, T2, &s[3]), OC_ERR_UNAVAILABLE);
    /* A closed stream gives its place back. */
    gw_event_hub_close(h, s[0]);
    cr_assert_eq(gw_event_hub_open(h, T2, &s[0]), OC_OK);
    for (int i = 0; i < 3; i++)
        gw_event_hub_close(h, s[i]);
    gw_event_hub_free(h);
}

struct waiter {
    struct gw_event_hub *h;
    struct gw_event_stream *s;
    enum oc_status got;
};

static void *wait_long(void *arg)
{
    struct waiter *w = arg;
    struct gw_event_frame *f = NULL;

    w->got = gw_event_hub_next(w->h, w->s, 30000, &f);
    gw_event_frame_unref(f);
    return NULL;
}

static void *publish_later(void *arg)
{
    struct waiter *w = arg;
    struct timespec d = {0, 50 * 1000000L};
    struct gw_event_frame *f;

    nanosleep(&d, NULL);
    f = frame("late");
    gw_event_hub_publish(w->h, T1, f, NULL);
    gw_event_frame_unref(f);
    return NULL;
}

Test(event_hub, a_waiting_stream_wakes_when_its_frame_arrives)
{
    struct waiter w = {hub_new(4, 4, 4), NULL, OC_ERR_INTERNAL};
    pthread_t a, b;

    cr_assert_eq(gw_event_hub_open(w.h, T1, &w.s), OC_OK);
    pthread_create(&a, NULL, wait_long, &w);
    pthread_create(&b, NULL, publish_later, &w);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    cr_assert_eq(w.got, OC_OK);
    gw_event_hub_close(w.h, w.s);
    gw_event_hub_free(w.h);
}

Test(event_hub, shutdown_wakes_a_waiting_stream_and_refuses_new_ones)
{
    struct waiter w = {hub_new(4, 4, 4), NULL, OC_ERR_INTERNAL};
    struct gw_event_stream *late;
    struct timespec d = {0, 50 * 1000000L};
    pthread_t a;

    cr_assert_eq(gw_event_hub_open(w.h, T1, &w.s), OC_OK);
    pthread_create(&a, NULL, wait_long, &w);
    nanosleep(&d, NULL);
    gw_event_hub_shutdown(w.h);
    pthread_join(a, NULL);
    cr_assert_eq(w.got, OC_ERR_UNAVAILABLE);
    cr_assert_eq(gw_event_hub_open(w.h, T1, &late), OC_ERR_UNAVAILABLE);
    gw_event_hub_close(w.h, w.s);
    gw_event_hub_free(w.h);
}
