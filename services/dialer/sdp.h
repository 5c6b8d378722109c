/*
 * The SDP of a call (RFC 4566, offer/answer of RFC 3264) as far as the
 * dialer needs it: the offer it sends with the INVITE (the media copy's
 * address and port, PCMU and PCMA at 20 ms) and the answer it reads from
 * the 200 OK (where to send RTP and which codec the far end chose). Pure:
 * text in, text or fields out; a malformed answer is an error, never an
 * assertion.
 */
#ifndef DIALER_SDP_H
#define DIALER_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

enum sdp_codec {
    SDP_PCMU, /* payload type 0 */
    SDP_PCMA, /* payload type 8 */
};

/**
 * Writes the offer for an audio stream at addr:port (IPv4) with codecs in
 * that order of preference. Returns snprintf's count (>= cap: truncated).
 */
size_t sdp_offer(char *out, size_t cap, const char *addr, unsigned port,
                 const enum sdp_codec *codecs, size_t n_codecs, uint64_t session_id);

struct sdp_answer {
    char addr[64]; /* IPv4 address to send RTP to */
    unsigned port;
    enum sdp_codec codec;
    unsigned payload_type; /* as the answer numbers it (static 0/8, or dynamic) */
};

/**
 * Reads an answer: the first audio stream's connection address (media
 * level, else session level), port and the first format that is PCMU or
 * PCMA. OC_ERR_INVALID with *why when there is none, the stream was
 * refused (port 0), the address is not IPv4 or is on hold (0.0.0.0).
 */
enum oc_status sdp_parse_answer(const char *sdp, size_t len, struct sdp_answer *out,
                                const char **why);

#endif
