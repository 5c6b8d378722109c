/*
 * RTP port pool; see ports.h. One byte per even port says whether this
 * copy holds it; binding is what really reserves it, so another process on
 * the same host (another media copy, another stack) simply makes a port
 * look taken.
 */
#include "ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oc/log.h"

struct port_pool {
    pthread_mutex_t mu;
    struct in_addr addr;
    int min;
    size_t n;      /* even ports in the range */
    size_t cursor; /* where the next search starts */
    bool *held;
};

enum oc_status port_pool_new(struct port_pool **out, const char *addr, int min, int max)
{
    if (min & 1)
        min++;
    if (max < min)
        return OC_ERR_INVALID;
    struct port_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return OC_ERR_NOMEM;
    if (inet_pton(AF_INET, addr, &p->addr) != 1) {
        free(p);
        return OC_ERR_INVALID;
    }
    p->min = min;
    p->n = (size_t)(max - min) / 2 + 1;
    p->held = calloc(p->n, sizeof(*p->held));
    if (!p->held) {
        free(p);
        return OC_ERR_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    *out = p;
    return OC_OK;
}

void port_pool_free(struct port_pool *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p->held);
    free(p);
}

static int bind_udp(struct in_addr addr, int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = addr};
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

enum oc_status port_pool_bind(struct port_pool *p, int *fd, int *port)
{
    enum oc_status st = OC_ERR_UNAVAILABLE;

    pthread_mutex_lock(&p->mu);
    for (size_t tried = 0; tried < p->n; tried++) {
        size_t i = (p->cursor + tried) % p->n;
        if (p->held[i])
            continue;
        int candidate = p->min + 2 * (int)i;
        int s = bind_udp(p->addr, candidate);
        if (s < 0) {
            if (errno != EADDRINUSE) {
                oc_warn("rtp: cannot bind port %d: %s", candidate, strerror(errno));
                st = OC_ERR_IO;
                break;
            }
            continue; /* held by another process */
        }
        p->held[i] = true;
        p->cursor = (i + 1) % p->n;
        *fd = s;
        *port = candidate;
        st = OC_OK;
        break;
    }
    pthread_mutex_unlock(&p->mu);
    return st;
}

void port_pool_release(struct port_pool *p, int port)
{
    if (port < p->min || (port - p->min) & 1)
        return;
    size_t i = (size_t)(port - p->min) / 2;
    if (i >= p->n)
        return;
    pthread_mutex_lock(&p->mu);
    p->held[i] = false;
    pthread_mutex_unlock(&p->mu);
}
