/*
 * The words of an analysis: the follow-up's reason (one sentence in the
 * call's language, shown on the dashboard and given to the next call's
 * agent) and a short summary of the call for that agent. Times are written
 * in the contact's zone. No I/O.
 */
#ifndef ANALYZER_SUMMARY_H
#define ANALYZER_SUMMARY_H

#include "analysis.h"
#include "local_time.h"
#include "outcome_rules.h"

/**
 * Writes a->reason and a->summary (allocated in arena) from the decision
 * and the extracted fields already in *a.
 */
void summary_write(struct analysis *a, enum outcome_why why, const struct call_facts *call,
                   struct local_zone *zone, struct oc_arena *arena);

#endif
