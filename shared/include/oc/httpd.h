/*
 * Helpers for the civetweb servers the services run (the admin server, the
 * gateway's API listener).
 */
#ifndef OC_HTTPD_H
#define OC_HTTPD_H

struct mg_context;

/** Calls mg_init_library once per process; safe from any thread. */
void oc_httpd_init_library(void);

/**
 * Stops a civetweb server quickly. civetweb's listening thread notices
 * mg_stop only when its poll returns, which it does when a connection
 * arrives or every 2 seconds; teardown after SIGTERM is bounded in time, so
 * a helper thread connects to addr:port (loopback when addr is a wildcard)
 * until the server is down. ctx is freed; NULL does nothing.
 */
void oc_httpd_stop(struct mg_context *ctx, const char *addr, int port);

#endif
