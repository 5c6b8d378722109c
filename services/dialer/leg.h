/*
 * One call attempt as this dialer copy places it: everything the SIP
 * thread, the reporter and the handlers need to know about it, copied out
 * of the call job into one arena. A leg is shared between those threads by
 * reference count and is read-only once handed to the SIP thread, except
 * for the few atomics at the end, which say what the reporter learned.
 */
#ifndef DIALER_LEG_H
#define DIALER_LEG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/status.h"
#include "proto/scheduler.pb-c.h"

struct leg {
    atomic_int refs;
    struct oc_arena *arena;

    const char *tenant_id;
    const char *request_id;
    const char *call_id;
    const char *dispatch_id;
    const char *campaign_id;
    const char *lead_id;
    const char *number_id;
    const char *to_e164;
    const char *from_e164;
    const char *contact_name;
    const char *timezone;
    const char *country;
    Ocpb__Language language;
    int ring_timeout_s;

    /* Filled by jobs.c before the leg reaches the SIP thread. */
    const char *target_uri; /* sip:<to>@trunk */
    const char *from_uri;   /* sip:<from>@<dialer address> */
    const char *media_instance;
    const char *media_start_subject;
    const char *media_stop_subject;
    const char *sdp_offer;
    const char *auth_user; /* NULL: the trunk needs no credentials */
    const char *auth_password;

    /* Set by the SIP thread before the event that makes them meaningful. */
    _Atomic int64_t dialed_unix_ms;
    _Atomic int64_t answered_unix_ms;

    /* Set by the reporter. */
    atomic_bool media_started; /* media.<instance>.start succeeded */
};

/**
 * A leg for job, the caller's first reference. The job's strings are
 * copied; the job may be freed afterwards. Caller drops it with leg_unref.
 */
enum oc_status leg_new(struct leg **out, const Ocpb__CallJob *job, int default_ring_timeout_s);

/** Copies s into the leg's arena (only before the leg is shared). NULL when out of memory. */
const char *leg_strdup(struct leg *leg, const char *s);

struct leg *leg_ref(struct leg *leg);

/** Drops a reference; the last one frees the leg. NULL does nothing. */
void leg_unref(struct leg *leg);

#endif
