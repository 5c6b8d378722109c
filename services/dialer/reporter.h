/*
 * The reporter: one thread that turns what happened to a leg on SIP into
 * its effects, in the order it happened, so the SIP thread never waits on
 * NATS or Postgres:
 *   dialing    -> calls.progress DIALING
 *   ringing    -> call_legs ringing, calls.progress RINGING
 *   answered   -> media.<instance>.start with the far end's RTP address,
 *                 call_legs answered, calls.progress ANSWERED (a media copy
 *                 that cannot start makes the call end at once)
 *   unanswered -> call_legs failed, calls.progress BUSY / NO_ANSWER / FAILED,
 *                 calls.ended (the dialer reports attempts media never ran),
 *                 media.<instance>.stop to release the allocation
 *   hang-up    -> call_legs ended, calls.progress HANGUP, media.<instance>.stop;
 *                 calls.ended only when media cannot report it (it never
 *                 started, or its copy is gone)
 * Every progress and end also goes to evt.<tenant>.call.* for the dashboard.
 */
#ifndef DIALER_REPORTER_H
#define DIALER_REPORTER_H

#include <stdint.h>

#include "oc/status.h"
#include "proto/dialer.pb-c.h"
#include "proto/media.pb-c.h"

struct dialer;
struct leg;

enum leg_event_kind {
    LEG_DIALING,
    LEG_RINGING,
    LEG_ANSWERED,
    LEG_UNANSWERED,
    LEG_HANGUP,
};

struct leg_event {
    enum leg_event_kind kind;
    struct leg *leg; /* a reference, dropped with the event */
    int64_t at_unix_ms;
    int sip_code;
    char sip_reason[96];
    char sip_call_id[160];

    /* ANSWERED: where the far end wants RTP. */
    char remote_addr[64];
    unsigned remote_port;
    Ocpb__Codec codec;
    unsigned payload_type;

    /* UNANSWERED. */
    Ocpb__CallProgressKind outcome;
    Ocpb__HangupCause cause;
    char error[160];

    /* HANGUP. */
    Ocpb__HangupSide side;

    struct leg_event *next;
};

struct reporter;

/** An event of kind for leg (takes a reference on leg). NULL when out of memory. */
struct leg_event *leg_event_new(enum leg_event_kind kind, struct leg *leg);

/** Starts the thread. Caller frees with reporter_free. */
enum oc_status reporter_new(struct reporter **out, struct dialer *d);

/** Queues ev (the reporter takes it). Never blocks on the network. */
void reporter_post(struct reporter *r, struct leg_event *ev);

/**
 * Handles what is queued for up to timeout_ms, then stops and frees; what
 * is left is logged. NULL does nothing.
 */
void reporter_free(struct reporter *r, int timeout_ms);

#endif
