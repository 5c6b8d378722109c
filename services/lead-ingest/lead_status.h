/*
 * A lead's status follows its calls: pending until a call is in flight,
 * calling while one is, then what the conversation showed (contacted,
 * meeting, not interested, wrong number), unreachable when the attempts
 * ran out without a conversation, and do not call once the number is on the
 * list. The rules below decide the next status from the current one and an
 * event, so redelivered or late events never undo a better-known outcome:
 * do-not-call is never left automatically, a wrong number only for
 * do-not-call, and an outcome is never replaced by "calling" again.
 * Pure; the status names are the schema's.
 */
#ifndef LEAD_INGEST_LEAD_STATUS_H
#define LEAD_INGEST_LEAD_STATUS_H

#include <stdbool.h>

#include "proto/analyzer.pb-c.h"
#include "proto/leads.pb-c.h"
#include "proto/scheduler.pb-c.h"

/** "pending", "calling", ... "wrong_number"; "" for unspecified. */
const char *lead_status_name(Ocpb__LeadStatus s);

/** The status named name; OCPB__LEAD_STATUS__LEAD_STATUS_UNSPECIFIED when none. */
Ocpb__LeadStatus lead_status_from_name(const char *name);

/**
 * After a call of the lead moved to status to (lead_finished: no further
 * call is planned; result: the call's outcome when known).
 */
Ocpb__LeadStatus lead_status_after_call(Ocpb__LeadStatus cur, Ocpb__CallStatus to,
                                        bool lead_finished, Ocpb__Outcome result);

/** After an analysis of one of its calls; blacklist: the number goes on the do-not-call list. */
Ocpb__LeadStatus lead_status_after_analysis(Ocpb__LeadStatus cur, Ocpb__Outcome outcome,
                                            bool blacklist);

#endif
