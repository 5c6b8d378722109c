/*
 * The RTP port range of a media copy (MEDIA_RTP_PORTS): hands out even
 * ports, each with a bound non-blocking UDP socket, and takes them back
 * when a call ends. Ports are handed out round-robin rather than lowest
 * first, so a port just released is not reused at once and late packets of
 * an old call cannot reach a new one. A port some other process holds is
 * skipped. Thread-safe.
 */
#ifndef MEDIA_PORTS_H
#define MEDIA_PORTS_H

#include "oc/status.h"

struct port_pool;

/** A pool over the even ports of [min, max] on addr. Caller frees with port_pool_free. */
enum oc_status port_pool_new(struct port_pool **out, const char *addr, int min, int max);

/** NULL does nothing. Sockets handed out stay the holders' to close. */
void port_pool_free(struct port_pool *p);

/**
 * Binds a non-blocking UDP socket on a free even port. On OC_OK *fd (the
 * caller closes it) and *port. OC_ERR_UNAVAILABLE when every port is taken.
 */
enum oc_status port_pool_bind(struct port_pool *p, int *fd, int *port);

/** Returns a port (after its socket was closed). */
void port_pool_release(struct port_pool *p, int port);

#endif
