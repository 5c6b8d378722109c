/*
 * What the project's civetweb servers share: one library initialisation per
 * process, and a stop that takes milliseconds instead of civetweb's up to
 * two seconds (see oc_httpd_stop in oc/httpd.h for why).
 */
#include "oc/httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
    mg_init_library(0);
}

void oc_httpd_init_library(void)
{
    pthread_once(&lib_once, lib_init);
}

struct waker {
    struct sockaddr_storage addr;
    socklen_t len; /* 0: address not known */
    atomic_bool stopped;
};

/* The listening address, or loopback when listening on every address. */
static void waker_set_addr(struct waker *w, const char *addr, int port)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)&w->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&w->addr;

    if (!addr || !*addr)
        addr = "127.0.0.1";
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        if (v4->sin_addr.s_addr == htonl(INADDR_ANY))
            v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        w->len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        if (memcmp(&v6->sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0)
            v6->sin6_addr = in6addr_loopback;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        w->len = sizeof(*v6);
    }
}

/* Connects to the server every 20 ms until the stop has finished. */
static void *waker_run(void *arg)
{
    struct waker *w = arg;
    const struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};

    while (!atomic_load(&w->stopped)) {
        int fd = socket(w->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd >= 0) {
            (void)connect(fd, (struct sockaddr *)&w->addr, w->len);
            close(fd);
        }
        nanosleep(&pause, NULL);
    }
    return NULL;
}

void oc_httpd_stop(struct mg_context *ctx, const char *addr, int port)
{
    struct waker w = {0};
    pthread_t thread;
    bool waking = false;

    if (ctx == NULL)
        return;
    waker_set_addr(&w, addr, port);
    /* Should the helper not start, stopping is only slower. */
    if (w.len > 0)
        waking = pthread_create(&thread, NULL, waker_run, &w) == 0;
    mg_stop(ctx);
    atomic_store(&w.stopped, true);
    if (waking)
        pthread_join(thread, NULL);
}
