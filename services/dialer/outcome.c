/*
 * The mapping of dialer.proto's CallProgressKind comments: 486 and 600
 * are busy; 480, 408 and the ring timeout are no answer; everything else
 * is a failure. A CANCEL the dialer sent decides over the 487 it causes.
 */
#include "outcome.h"

struct outcome outcome_unanswered(int status, enum outcome_cancel cancel)
{
    const struct outcome failed = {OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_FAILED,
                                   OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED};
    switch (cancel) {
    case OUTCOME_RING_TIMEOUT:
        return (struct outcome){OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_NO_ANSWER,
                                OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER};
    case OUTCOME_CANCELED:
        return (struct outcome){OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_FAILED,
                                OCPB__HANGUP_CAUSE__HANGUP_CAUSE_CANCELED};
    case OUTCOME_SHUTDOWN:
        return failed;
    case OUTCOME_NOT_CANCELED:
        break;
    }
    switch (status) {
    case 486:
    case 600:
        return (struct outcome){OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_BUSY,
                                OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY};
    case 408:
    case 480:
        return (struct outcome){OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_NO_ANSWER,
                                OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER};
    default:
        return failed;
    }
}
