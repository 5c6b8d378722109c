/*
 * The dialer's SIP user agent: sofia-sip's nua, confined to one thread that
 * runs its su_root event loop. Other threads never call sofia-sip; they
 * post commands (dial a leg, hang up a call, shut down) to a queue the
 * thread watches through an eventfd registered in its su_root. What
 * happens on SIP goes out to the reporter (reporter.h) as leg events:
 * dialing, ringing, answered (with the far end's RTP address from the
 * answer SDP), unanswered (busy, no answer, failed) and hang-up.
 */
#ifndef DIALER_SIP_H
#define DIALER_SIP_H

#include "oc/status.h"

struct dialer;
struct leg;
struct sip_ua;

/** Why the dialer ends a call itself. */
enum sip_end {
    SIP_END_AGENT,    /* media asked: the agent said its closing line */
    SIP_END_SYSTEM,   /* the media copy failed, or this copy is stopping */
    SIP_END_CANCELED, /* the platform canceled the call before the answer */
};

/**
 * Starts the SIP thread bound to DIALER_SIP_ADDR:DIALER_SIP_PORT (UDP and
 * TCP) and waits until it listens. Caller stops it with sip_ua_stop and
 * frees it with sip_ua_free.
 */
enum oc_status sip_ua_start(struct sip_ua **out, struct dialer *d);

/**
 * Places the call of leg (the SIP thread takes its own reference). Returns
 * once the INVITE is on its way, or after a few seconds without an answer
 * from the thread (OC_ERR_TIMEOUT; the INVITE may still go out then, so
 * the leg must be treated as dialled).
 */
enum oc_status sip_ua_dial(struct sip_ua *ua, struct leg *leg);

/** Asks the thread to end the call (CANCEL before the answer, BYE after). */
enum oc_status sip_ua_hangup(struct sip_ua *ua, const char *call_id, enum sip_end why);

/**
 * Ends every call (BYE or CANCEL), waits up to timeout_ms for their final
 * answers, reports those that did not come, shuts nua down and joins the
 * thread. Afterwards sip_ua_dial and sip_ua_hangup still may be called
 * (they answer OC_ERR_UNAVAILABLE) until sip_ua_free: the reporter can
 * still ask for a hang-up while it empties its queue. NULL does nothing.
 */
void sip_ua_stop(struct sip_ua *ua, int timeout_ms);

/** Frees a stopped ua, once no other thread uses it. NULL does nothing. */
void sip_ua_free(struct sip_ua *ua);

#endif
