/*
 * The media worker thread; see worker.h. Messages from other threads go
 * through a mutex-protected list and one write to an eventfd; the thread
 * takes the whole list at once. The timer is absolute and periodic, and
 * the pacer (pacer.c) decides from CLOCK_MONOTONIC how many frames are due
 * at each wake-up, so a late wake-up never makes the audio drift.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "media.h"
#include "oc/log.h"
#include "pacer.h"
#include "speech.h"

/* Frames sent at once after a stall; beyond that they are skipped. */
#define WORKER_MAX_BURST 5
#define WORKER_EVENTS 64

enum worker_msg_kind {
    WORKER_ADOPT,
    WORKER_BEGIN,
    WORKER_STOP_CALL,
    WORKER_END_ALL,
    WORKER_SPEECH_DONE,
};

struct worker_msg {
    enum worker_msg_kind kind;
    uint64_t handle;
    struct call *call;       /* ADOPT */
    struct call_start start; /* BEGIN */
    Ocpb__HangupCause cause; /* STOP_CALL */
    struct speech_job *job;  /* SPEECH_DONE */
    struct worker_msg *next;
};

struct worker {
    struct media *media;
    unsigned index;
    pthread_t thread;
    bool started;
    atomic_bool quit;
    int epfd;
    int timerfd;
    int eventfd;
    pthread_mutex_t mu;
    struct worker_msg *head;
    struct worker_msg *tail;
    struct call *calls;
    atomic_uint n_calls;
    struct pacer pacer;
};

/* epoll data for the two descriptors that are not calls. */
static char timer_tag;
static char event_tag;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static enum oc_status post(struct worker *w, struct worker_msg *m)
{
    m->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = m;
    else
        w->head = m;
    w->tail = m;
    pthread_mutex_unlock(&w->mu);
    uint64_t one = 1;
    if (write(w->eventfd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
        oc_warn("media worker %u: eventfd: %s", w->index, strerror(errno));
    return OC_OK;
}

static struct call *find(struct worker *w, uint64_t handle)
{
    for (struct call *c = w->calls; c; c = c->next)
        if (c->handle == handle)
            return c;
    return NULL;
}

static void handle_msg(struct worker *w, struct worker_msg *m, int64_t now_ms)
{
    struct call *c;

    switch (m->kind) {
    case WORKER_ADOPT:
        c = m->call;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
            oc_error("media worker %u: cannot watch the rtp socket: %s", w->index, strerror(errno));
            call_free(c);
            break;
        }
        c->next = w->calls;
        w->calls = c;
        atomic_fetch_add(&w->n_calls, 1);
        call_adopt(c, w, now_ms);
        break;
    case WORKER_BEGIN:
        c = find(w, m->handle);
        if (c)
            call_begin(c, &m->start, now_ms);
        break;
    case WORKER_STOP_CALL:
        c = find(w, m->handle);
        if (c)
            call_end(c, m->cause, NULL, false, false, now_ms);
        break;
    case WORKER_END_ALL:
        for (c = w->calls; c; c = c->next)
            call_end(c, OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR, "the media copy stopped",
                     true, true, now_ms);
        break;
    case WORKER_SPEECH_DONE:
        c = find(w, m->job->call);
        if (c)
            call_on_speech(c, m->job, now_ms);
        else
            speech_job_free(m->job); /* the call ended meanwhile */
        m->job = NULL;
        break;
    }
}

static void drain_messages(struct worker *w)
{
    uint64_t count;
    if (read(w->eventfd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        oc_warn("media worker %u: eventfd: %s", w->index, strerror(errno));
    pthread_mutex_lock(&w->mu);
    struct worker_msg *m = w->head;
    w->head = w->tail = NULL;
    pthread_mutex_unlock(&w->mu);
    int64_t now_ms = mono_ns() / 1000000;
    while (m) {
        struct worker_msg *next = m->next;
        handle_msg(w, m, now_ms);
        free(m);
        m = next;
    }
}

static void tick(struct worker *w)
{
    uint64_t expirations;
    if (read(w->timerfd, &expirations, sizeof(expirations)) < 0)
        return;
    int64_t now = mono_ns();
    unsigned send, skip;
    pacer_due(&w->pacer, now, &send, &skip);
    if (send == 0 && skip == 0)
        return;
    if (skip)
        oc_warn("media worker %u: %u frame(s) late; skipped", w->index, skip);
    for (struct call *c = w->calls; c; c = c->next)
        call_tick(c, now / 1000000, send, skip);
}

/* Frees the calls that are over. Called after a batch of events, so no
 * event of the batch still points at a freed call. */
static void reap(struct worker *w)
{
    struct call **pp = &w->calls;
    while (*pp) {
        struct call *c = *pp;
        if (!call_done(c)) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        atomic_fetch_sub(&w->n_calls, 1);
        call_free(c);
    }
}

static void *worker_loop(void *arg)
{
    struct worker *w = arg;
    struct epoll_event events[WORKER_EVENTS];

    while (!atomic_load(&w->quit)) {
        int n = epoll_wait(w->epfd, events, WORKER_EVENTS, 200);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            oc_error("media worker %u: epoll: %s", w->index, strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            void *tag = events[i].data.ptr;
            if (tag == &timer_tag)
                tick(w);
            else if (tag == &event_tag)
                drain_messages(w);
            else
                call_on_readable(tag);
        }
        reap(w);
    }
    return NULL;
}

enum oc_status worker_new(struct worker **out, struct media *m, unsigned index)
{
    struct worker *w = calloc(1, sizeof(*w));
    if (!w)
        return OC_ERR_NOMEM;
    w->media = m;
    w->index = index;
    pthread_mutex_init(&w->mu, NULL);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    w->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->epfd < 0 || w->timerfd < 0 || w->eventfd < 0) {
        oc_error("media worker %u: %s", index, strerror(errno));
        worker_free(w);
        return OC_ERR_IO;
    }
    struct epoll_event te = {.events = EPOLLIN, .data.ptr = &timer_tag};
    struct epoll_event ee = {.events = EPOLLIN, .data.ptr = &event_tag};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->timerfd, &te) != 0 ||
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->eventfd, &ee) != 0) {
        oc_error("media worker %u: epoll: %s", index, strerror(errno));
        worker_free(w);
        return OC_ERR_IO;
    }
    *out = w;
    return OC_OK;
}

enum oc_status worker_run(struct worker *w)
{
    /* The first frame is due one period from now; then every period,
     * on absolute deadlines. */
    int64_t period = 20 * PACER_NS_PER_MS;
    int64_t first = mono_ns() + period;
    pacer_init(&w->pacer, first, period, WORKER_MAX_BURST);
    struct itimerspec its = {
        .it_interval = {0, (long)period},
        .it_value = {(time_t)(first / 1000000000LL), (long)(first % 1000000000LL)},
    };
    if (timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
        oc_error("media worker %u: timerfd: %s", w->index, strerror(errno));
        return OC_ERR_IO;
    }
    if (pthread_create(&w->thread, NULL, worker_loop, w) != 0)
        return OC_ERR_INTERNAL;
    w->started = true;
    return OC_OK;
}

static struct worker_msg *msg_new(enum worker_msg_kind kind, uint64_t handle)
{
    struct worker_msg *m = calloc(1, sizeof(*m));
    if (m) {
        m->kind = kind;
        m->handle = handle;
    }
    return m;
}

enum oc_status worker_adopt(struct worker *w, struct call *c)
{
    struct worker_msg *m = msg_new(WORKER_ADOPT, c->handle);
    if (!m) {
        call_free(c);
        return OC_ERR_NOMEM;
    }
    m->call = c;
    return post(w, m);
}

enum oc_status worker_begin(struct worker *w, uint64_t handle, const struct call_start *s)
{
    struct worker_msg *m = msg_new(WORKER_BEGIN, handle);
    if (!m)
        return OC_ERR_NOMEM;
    m->start = *s;
    return post(w, m);
}

enum oc_status worker_stop_call(struct worker *w, uint64_t handle, Ocpb__HangupCause cause)
{
    struct worker_msg *m = msg_new(WORKER_STOP_CALL, handle);
    if (!m)
        return OC_ERR_NOMEM;
    m->cause = cause;
    return post(w, m);
}

enum oc_status worker_end_all(struct worker *w)
{
    struct worker_msg *m = msg_new(WORKER_END_ALL, 0);
    if (!m)
        return OC_ERR_NOMEM;
    return post(w, m);
}

unsigned worker_calls(struct worker *w)
{
    return atomic_load(&w->n_calls);
}

void worker_speech_done(struct speech_job *job)
{
    struct worker *w = job->owner;
    struct worker_msg *m = msg_new(WORKER_SPEECH_DONE, job->call);
    if (!m) {
        /* The call waits for its timeout instead. */
        oc_error("media worker %u: no memory to hand back a speech job", w->index);
        speech_job_free(job);
        return;
    }
    m->job = job;
    post(w, m);
}

void worker_join(struct worker *w)
{
    if (!w || !w->started)
        return;
    atomic_store(&w->quit, true);
    uint64_t one = 1;
    if (write(w->eventfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        oc_warn("media worker %u: eventfd: %s", w->index, strerror(errno));
    pthread_join(w->thread, NULL);
    w->started = false;
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    worker_join(w);
    for (struct worker_msg *m = w->head; m;) {
        struct worker_msg *next = m->next;
        if (m->kind == WORKER_ADOPT)
            call_free(m->call);
        speech_job_free(m->job);
        free(m);
        m = next;
    }
    for (struct call *c = w->calls; c;) {
        struct call *next = c->next;
        call_free(c);
        c = next;
    }
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->timerfd >= 0)
        close(w->timerfd);
    if (w->eventfd >= 0)
        close(w->eventfd);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
