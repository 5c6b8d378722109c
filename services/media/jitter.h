/*
 * A small fixed-delay jitter buffer for incoming RTP: packets are put in
 * by sequence number as they arrive (out of order, late, duplicated) and
 * taken out one per 20 ms tick of the media worker's clock, in order, after
 * a playout delay of a few frames. A missing frame is reported as missing
 * (the caller plays silence), a packet that arrives after its turn is
 * dropped, and a jump in sequence numbers (the far end restarted its
 * stream) starts the buffer again. The delay is fixed rather than adaptive:
 * the far end is a SIP trunk on a managed network, and a fixed delay keeps
 * the timing of the contact's speech exact for the transcript.
 *
 * Pure: no clock of its own (the caller's ticks are the clock), no I/O.
 */
#ifndef MEDIA_JITTER_H
#define MEDIA_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JITTER_SLOTS 16
/* Largest payload kept per slot: 60 ms of G.711. */
#define JITTER_FRAME_MAX 480

struct jitter_slot {
    bool full;
    uint16_t seq;
    uint16_t len;
    uint8_t data[JITTER_FRAME_MAX];
};

struct jitter {
    unsigned depth; /* ticks between the first packet and its playout */
    bool started;
    unsigned wait;     /* ticks left before playout starts */
    uint16_t next_seq; /* the sequence number the next tick plays */
    uint64_t played, missing, late, resets;
    struct jitter_slot slots[JITTER_SLOTS];
};

/** Starts empty; depth is clamped to 0 .. JITTER_SLOTS - 1 frames. */
void jitter_init(struct jitter *j, unsigned depth);

/** Stores one packet's payload (cut to JITTER_FRAME_MAX bytes). */
void jitter_put(struct jitter *j, uint16_t seq, const uint8_t *payload, size_t len);

/**
 * One tick: copies the frame due now to out (up to cap bytes, *len set)
 * and returns true, or returns false when it is missing or playout has
 * not started yet.
 */
bool jitter_get(struct jitter *j, uint8_t *out, size_t cap, size_t *len);

#endif
