/*
 * How a call attempt ended, from SIP's point of view: the final response
 * to the INVITE (or the dialer's own CANCEL) mapped to what the rest of the
 * platform understands, the progress kind (scheduler: busy / no answer /
 * failed) and the hang-up cause (CallEnded). One table, no I/O.
 */
#ifndef DIALER_OUTCOME_H
#define DIALER_OUTCOME_H

#include "proto/dialer.pb-c.h"
#include "proto/media.pb-c.h"

/** Why the dialer itself canceled the INVITE, if it did. */
enum outcome_cancel {
    OUTCOME_NOT_CANCELED,
    OUTCOME_RING_TIMEOUT, /* nobody answered within the ring timeout */
    OUTCOME_CANCELED,     /* the platform canceled the call */
    OUTCOME_SHUTDOWN,     /* this dialer copy is stopping */
};

struct outcome {
    Ocpb__CallProgressKind kind;
    Ocpb__HangupCause cause;
};

/** Maps a final non-2xx status (>= 300; 0 for "no response at all"). */
struct outcome outcome_unanswered(int status, enum outcome_cancel cancel);

#endif
