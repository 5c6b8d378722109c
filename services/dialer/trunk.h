/*
 * SIP trunks and numbers as the dialer dials them: a trunk is written
 * "sip:host[:port][;transport=udp|tcp]" (a phone number's trunk field),
 * and a call to a lead goes to sip:<E.164>@host:port, from
 * sip:<caller id>@<the dialer's own address>. Pure: parsing and
 * formatting only, so bad input is an error to the caller, never a crash.
 */
#ifndef DIALER_TRUNK_H
#define DIALER_TRUNK_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"

#define TRUNK_HOST_MAX 256
#define TRUNK_DEFAULT_PORT 5060

struct trunk {
    char host[TRUNK_HOST_MAX]; /* a host name or an IPv4 address */
    int port;                  /* TRUNK_DEFAULT_PORT when not written */
    bool tcp;                  /* ;transport=tcp */
};

/** True for "+" and 2 to 15 digits, the first not 0 (ITU-T E.164). */
bool e164_valid(const char *s);

/**
 * Parses a trunk. On OC_OK fills *out; OC_ERR_INVALID (with *why, a static
 * sentence) for anything else: another scheme, a user part, a bad host or
 * port, an unknown parameter.
 */
enum oc_status trunk_parse(const char *uri, struct trunk *out, const char **why);

/** Writes the trunk back in its canonical form (for storing). Returns snprintf's count. */
size_t trunk_format(const struct trunk *t, char *out, size_t cap);

/**
 * Writes the request URI of a call to e164 through the trunk,
 * "sip:+34910000001@127.0.0.1:5070[;transport=tcp]". OC_ERR_INVALID when
 * e164 is not a number; OC_ERR_TOO_LARGE when cap is too small.
 */
enum oc_status trunk_target(const struct trunk *t, const char *e164, char *out, size_t cap);

#endif
