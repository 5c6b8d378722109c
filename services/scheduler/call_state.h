/*
 * The call lifecycle as a state machine, without I/O. Every change of a
 * call's status in the service goes through call_state_check(), so an
 * illegal transition is refused in one place with one wording:
 *
 *   created     -> scheduled | queued | canceled
 *   scheduled   -> queued | canceled
 *   queued      -> calling | scheduled | failed | canceled
 *   calling     -> in_progress | failed | canceled
 *   in_progress -> completed | voicemail | failed
 *
 * completed, failed, canceled and voicemail are final. The numeric values
 * are those of ocpb.CallStatus, so the wire value converts by a cast.
 */
#ifndef SCHEDULER_CALL_STATE_H
#define SCHEDULER_CALL_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"

enum call_status {
    CALL_UNSPECIFIED = 0,
    CALL_CREATED = 1,
    CALL_SCHEDULED = 2,
    CALL_QUEUED = 3,
    CALL_CALLING = 4,
    CALL_IN_PROGRESS = 5,
    CALL_COMPLETED = 6,
    CALL_FAILED = 7,
    CALL_CANCELED = 8,
    CALL_VOICEMAIL = 9,
};

#define CALL_STATUS_COUNT 10

/* How a call came to be; the values are those of ocpb.CallKind. */
enum call_kind {
    CALL_KIND_NONE = 0,
    CALL_KIND_FIRST_CALL = 1,
    CALL_KIND_RETRY_CALL = 2,
    CALL_KIND_FOLLOW_UP_CALL = 3,
    CALL_KIND_MANUAL_CALL = 4,
};

/** The status as the database and the logs spell it ("in_progress"); "unspecified" for 0. */
const char *call_status_name(enum call_status s);

/** Parses a name written by call_status_name(). OC_ERR_INVALID for anything else. */
enum oc_status call_status_parse(const char *name, enum call_status *out);

/** True for completed, failed, canceled and voicemail. */
bool call_status_final(enum call_status s);

/** True while a job for the call may be with the dialer: queued, calling, in_progress. */
bool call_status_live(enum call_status s);

/** True while the call has not been handed to the dialer: created, scheduled. */
bool call_status_pending(enum call_status s);

/** True when the lifecycle allows from -> to. */
bool call_state_allowed(enum call_status from, enum call_status to);

/**
 * Checks one transition. OC_OK when allowed; otherwise OC_ERR_CONFLICT with
 * "a completed call cannot become queued" (or OC_ERR_INVALID for a value
 * that is no status) written to err.
 */
enum oc_status call_state_check(enum call_status from, enum call_status to, char *err,
                                size_t errlen);

/**
 * The shortest chain of legal transitions from -> to, for reports that
 * arrive out of order (an "answered" progress handled before "dialing":
 * queued -> calling -> in_progress). Writes the states after from, to
 * included, to path (room for max) and their number to *n. OC_ERR_CONFLICT
 * when to cannot be reached; from == to gives an empty path.
 */
enum oc_status call_state_path(enum call_status from, enum call_status to, enum call_status *path,
                               size_t max, size_t *n);

/** The kind as the database spells it ("follow_up"); "unspecified" for 0. */
const char *call_kind_name(enum call_kind k);

/** Parses a name written by call_kind_name(). OC_ERR_INVALID for anything else. */
enum oc_status call_kind_parse(const char *name, enum call_kind *out);

#endif
