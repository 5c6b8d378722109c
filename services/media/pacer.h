/*
 * The clock arithmetic of sending audio in real time. A media worker wakes
 * on an absolute periodic timer (timerfd, CLOCK_MONOTONIC) every frame
 * period; the pacer turns "it is now T" into "send this many frames now and
 * skip that many". After a short stall (the machine was busy) the frames
 * that are late are sent at once, up to a bound, so the far end's jitter
 * buffer absorbs them; after a long stall the rest are skipped, and the
 * RTP timestamp jumps by them (rtp_sender_skip), so that audio never drifts
 * behind the wall clock. Pure: the caller passes the time in.
 */
#ifndef MEDIA_PACER_H
#define MEDIA_PACER_H

#include <stdint.h>

#define PACER_NS_PER_MS 1000000LL

struct pacer {
    int64_t period_ns;
    int64_t next_ns;    /* when the next frame is due, on the caller's clock */
    unsigned max_burst; /* frames sent at once after a stall; at least 1 */
    uint64_t frames;    /* frames due so far (sent + skipped) */
};

/** Starts the clock: the first frame is due at start_ns. */
void pacer_init(struct pacer *p, int64_t start_ns, int64_t period_ns, unsigned max_burst);

/**
 * At now_ns: *send frames are due and should be produced now, *skip more
 * were due but are dropped. Both are 0 before the next deadline. The
 * deadline moves past now_ns, by whole periods.
 */
void pacer_due(struct pacer *p, int64_t now_ns, unsigned *send, unsigned *skip);

/** The absolute time the next frame is due. */
int64_t pacer_next(const struct pacer *p);

/** RTP samples in one frame: rate_hz * frame_ms / 1000 (160 for 8 kHz, 20 ms). */
uint32_t pacer_samples_per_frame(unsigned rate_hz, unsigned frame_ms);

#endif
