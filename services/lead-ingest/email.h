/*
 * E-mail syntax, as far as a lead list needs it: one address, a local part
 * and a domain with at least one dot, no spaces, nothing a mail server
 * would refuse outright. Whether the mailbox exists is not knowable here.
 * Pure.
 */
#ifndef LEAD_INGEST_EMAIL_H
#define LEAD_INGEST_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 5321: 64 for the local part, 254 for the whole path. */
#define EMAIL_MAX 254

/**
 * Checks text (surrounding spaces and a "mailto:" prefix are tolerated) and
 * writes the address, trimmed and with its domain in lower case, to out.
 * On false writes a short lowercase reason to why.
 */
bool email_check(const char *text, char *out, size_t outlen, char *why, size_t whylen);

#endif
