/*
 * The call after a call: builds the follow-up or retry that
 * retry_policy_decide() asked for as a new call linked to its parent (with
 * the reason, the analysis's confidence and the previous call's summary as
 * context for the agent), moved to the next allowed slot of the calling
 * schedule, and stores it in the caller's transaction. Used by the
 * analysis consumer and by the reconciler.
 */
#ifndef SCHEDULER_NEXT_CALL_H
#define SCHEDULER_NEXT_CALL_H

#include "lifecycle.h"
#include "scheduler.h"

/* What the new call carries beyond the decision. */
struct next_call_info {
    const char *reason;       /* why the call: the follow-up's or retry's reason */
    int confidence;           /* Ocpb__Confidence; 0 for retries */
    const char *context;      /* the previous call's summary */
    const char *phone;        /* NULL: the parent's number */
    const char *contact_name; /* NULL: the parent's contact */
};

/**
 * Inserts the new call (status scheduled) in c's transaction and records
 * its creation event in ob. *created is false when it already existed (a
 * redelivered event) or the schedule leaves no time for it (why is then
 * logged). The new call's id goes to id_out when created.
 */
enum oc_status next_call_create(struct oc_db_conn *c, const struct campaign_rules *rules,
                                const struct call_row *parent, const struct retry_decision *d,
                                const struct next_call_info *info, int64_t now_ms,
                                struct outbox *ob, bool *created, char id_out[SCHED_UUID_LEN]);

/** The trigger of the rules for a call that ended without a conversation. */
enum retry_trigger next_call_retry_trigger(const struct call_row *call);

#endif
