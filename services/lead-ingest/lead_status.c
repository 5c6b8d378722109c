/*
 * Lead status rules (see lead_status.h).
 */
#include "lead_status.h"

#include <string.h>

static const char *const names[] = {
    [OCPB__LEAD_STATUS__LEAD_STATUS_UNSPECIFIED] = "",
    [OCPB__LEAD_STATUS__LEAD_STATUS_PENDING] = "pending",
    [OCPB__LEAD_STATUS__LEAD_STATUS_CALLING] = "calling",
    [OCPB__LEAD_STATUS__LEAD_STATUS_CONTACTED] = "contacted",
    [OCPB__LEAD_STATUS__LEAD_STATUS_MEETING] = "meeting",
    [OCPB__LEAD_STATUS__LEAD_STATUS_NOT_INTERESTED] = "not_interested",
    [OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL] = "do_not_call",
    [OCPB__LEAD_STATUS__LEAD_STATUS_UNREACHABLE] = "unreachable",
    [OCPB__LEAD_STATUS__LEAD_STATUS_WRONG_NUMBER] = "wrong_number",
};

#define N_NAMES (sizeof(names) / sizeof(names[0]))

const char *lead_status_name(Ocpb__LeadStatus s)
{
    return (unsigned)s < N_NAMES && names[s] ? names[s] : "";
}

Ocpb__LeadStatus lead_status_from_name(const char *name)
{
    for (size_t i = 1; name && i < N_NAMES; i++)
        if (strcmp(names[i], name) == 0)
            return (Ocpb__LeadStatus)i;
    return OCPB__LEAD_STATUS__LEAD_STATUS_UNSPECIFIED;
}

/* Statuses no call event changes: only the list, or a person, may. */
static bool settled(Ocpb__LeadStatus s)
{
    return s == OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL ||
           s == OCPB__LEAD_STATUS__LEAD_STATUS_WRONG_NUMBER;
}

/* Statuses that say nothing about a conversation yet. */
static bool unknown_outcome(Ocpb__LeadStatus s)
{
    return s == OCPB__LEAD_STATUS__LEAD_STATUS_UNSPECIFIED ||
           s == OCPB__LEAD_STATUS__LEAD_STATUS_PENDING ||
           s == OCPB__LEAD_STATUS__LEAD_STATUS_CALLING ||
           s == OCPB__LEAD_STATUS__LEAD_STATUS_UNREACHABLE;
}

static Ocpb__LeadStatus from_outcome(Ocpb__LeadStatus cur, Ocpb__Outcome o)
{
    switch (o) {
    case OCPB__OUTCOME__OUTCOME_MEETING_SCHEDULED:
        return OCPB__LEAD_STATUS__LEAD_STATUS_MEETING;
    case OCPB__OUTCOME__OUTCOME_CALLBACK:
    case OCPB__OUTCOME__OUTCOME_OTHER:
        /* A later call that only talked does not undo a booked meeting. */
        return cur == OCPB__LEAD_STATUS__LEAD_STATUS_MEETING
                   ? cur
                   : OCPB__LEAD_STATUS__LEAD_STATUS_CONTACTED;
    case OCPB__OUTCOME__OUTCOME_NOT_INTERESTED:
        return OCPB__LEAD_STATUS__LEAD_STATUS_NOT_INTERESTED;
    case OCPB__OUTCOME__OUTCOME_WRONG_NUMBER:
        return OCPB__LEAD_STATUS__LEAD_STATUS_WRONG_NUMBER;
    default:
        /* Voicemail, busy, unknown: the call statuses say it. */
        return cur;
    }
}

Ocpb__LeadStatus lead_status_after_call(Ocpb__LeadStatus cur, Ocpb__CallStatus to,
                                        bool lead_finished, Ocpb__Outcome result)
{
    if (settled(cur))
        return cur;
    if (result != OCPB__OUTCOME__OUTCOME_UNSPECIFIED &&
        result != OCPB__OUTCOME__OUTCOME_BUSY_VOICEMAIL)
        return from_outcome(cur, result);

    switch (to) {
    case OCPB__CALL_STATUS__CALL_STATUS_QUEUED:
    case OCPB__CALL_STATUS__CALL_STATUS_CALLING:
    case OCPB__CALL_STATUS__CALL_STATUS_IN_PROGRESS:
        return unknown_outcome(cur) ? OCPB__LEAD_STATUS__LEAD_STATUS_CALLING : cur;
    case OCPB__CALL_STATUS__CALL_STATUS_CREATED:
    case OCPB__CALL_STATUS__CALL_STATUS_SCHEDULED:
    case OCPB__CALL_STATUS__CALL_STATUS_CANCELED:
        return cur == OCPB__LEAD_STATUS__LEAD_STATUS_CALLING
                   ? OCPB__LEAD_STATUS__LEAD_STATUS_PENDING
                   : cur;
    case OCPB__CALL_STATUS__CALL_STATUS_COMPLETED:
        /* Answered and talked; the analysis refines it. */
        return unknown_outcome(cur) ? OCPB__LEAD_STATUS__LEAD_STATUS_CONTACTED : cur;
    case OCPB__CALL_STATUS__CALL_STATUS_FAILED:
    case OCPB__CALL_STATUS__CALL_STATUS_VOICEMAIL:
        if (!unknown_outcome(cur))
            return cur;
        return lead_finished ? OCPB__LEAD_STATUS__LEAD_STATUS_UNREACHABLE
                             : OCPB__LEAD_STATUS__LEAD_STATUS_PENDING;
    default:
        return cur;
    }
}

Ocpb__LeadStatus lead_status_after_analysis(Ocpb__LeadStatus cur, Ocpb__Outcome outcome,
                                            bool blacklist)
{
    if (cur == OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL || blacklist)
        return OCPB__LEAD_STATUS__LEAD_STATUS_DO_NOT_CALL;
    if (settled(cur))
        return cur;
    return from_outcome(cur, outcome);
}
