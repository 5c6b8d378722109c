/*
 * RTP packets (RFC 3550) as the media tier sends and receives them: the
 * fixed 12-byte header written for every outgoing frame, a parser that
 * checks what comes off the wire (version, CSRC list, header extension,
 * padding) and hands back the payload, the sending side's sequence number
 * and timestamp, and the receiving side's sequence tracking for loss
 * statistics. Pure: no sockets, no clock.
 */
#ifndef MEDIA_RTP_H
#define MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

#define RTP_HEADER_LEN 12
#define RTP_VERSION 2

struct rtp_header {
    bool marker;
    uint8_t payload_type; /* 0..127 */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
};

/**
 * Writes the header and payload to buf. Returns the packet length, or 0
 * when cap is too small (nothing useful is written then).
 */
size_t rtp_write(uint8_t *buf, size_t cap, const struct rtp_header *h, const uint8_t *payload,
                 size_t len);

/**
 * Parses one packet. On OC_OK fills *h and points *payload (borrowed from
 * buf) at *plen bytes of payload, CSRCs, extension and padding removed.
 * OC_ERR_INVALID for anything that is not a well-formed RTP version 2
 * packet; the outputs are then left untouched.
 */
enum oc_status rtp_parse(const uint8_t *buf, size_t len, struct rtp_header *h,
                         const uint8_t **payload, size_t *plen);

/** The sending side of one stream: SSRC, next sequence number, next timestamp. */
struct rtp_sender {
    uint32_t ssrc;
    uint16_t seq;
    uint32_t timestamp;
    bool talkspurt; /* the next packet starts a talkspurt (marker bit) */
};

/** Starts a stream at the given (random, RFC 3550 5.1) SSRC, sequence number and timestamp. */
void rtp_sender_init(struct rtp_sender *s, uint32_t ssrc, uint16_t seq, uint32_t timestamp);

/**
 * Fills h for the next packet of samples samples and advances the stream:
 * the sequence number by one, the timestamp by samples. The marker bit is
 * set on the first packet after rtp_sender_talkspurt().
 */
void rtp_sender_next(struct rtp_sender *s, uint8_t payload_type, uint32_t samples,
                     struct rtp_header *h);

/** Marks the next packet as the start of a talkspurt. */
void rtp_sender_talkspurt(struct rtp_sender *s);

/**
 * Advances the timestamp by samples without sending: the clock kept running
 * while no packet went out (frames skipped after a stall), and the
 * receiver must see that time passed.
 */
void rtp_sender_skip(struct rtp_sender *s, uint32_t samples);

/** The receiving side: extended sequence numbers and counts (RFC 3550 A.1, simplified). */
struct rtp_receiver {
    bool started;
    uint32_t ssrc;
    uint16_t max_seq;
    uint32_t cycles; /* sequence number wraps, times 65536 */
    uint32_t base_seq;
    uint64_t received;
    uint64_t duplicates_or_late;
};

/** Counts one packet. Returns false for a packet older than the newest seen (late or duplicate). */
bool rtp_receiver_update(struct rtp_receiver *r, uint32_t ssrc, uint16_t seq);

/** Packets expected from the first to the newest sequence number seen. */
uint64_t rtp_receiver_expected(const struct rtp_receiver *r);

/** Expected minus received in order, never negative. */
uint64_t rtp_receiver_lost(const struct rtp_receiver *r);

#endif
