/*
 * The analysis in protobuf: ocpb.CallEnded in (the call's facts for the
 * rules) and ocpb.Analysis out, as analysis.get answers it and
 * analysis.done carries it. Messages are built in the caller's arena and
 * point into it. No I/O.
 */
#ifndef ANALYZER_ANALYSIS_PB_H
#define ANALYZER_ANALYSIS_PB_H

#include <stddef.h>

#include "analysis.h"
#include "oc/arena.h"
#include "oc/status.h"
#include "proto/analyzer.pb-c.h"

/**
 * The call's facts from a CallEnded: language, the instant relative times
 * are resolved against (the answer, else the dial), zone, country, how it
 * ended, the booking, the transcript. Borrows ce's strings; the turns live
 * in arena. OC_ERR_INVALID (with err) for a message that names no call.
 */
enum oc_status analysis_pb_facts(const Ocpb__CallEnded *ce, struct oc_arena *arena,
                                 struct call_facts *out, char *err, size_t errlen);

/**
 * The Analysis message for a rules analysis of ce. Everything lives in
 * arena; NULL when it runs out. id and created_unix_ms are left for the
 * store.
 */
Ocpb__Analysis *analysis_pb_build(const struct analysis *a, const Ocpb__CallEnded *ce,
                                  const struct call_facts *facts, struct oc_arena *arena);

/** "ES" and friends from an E.164 number, for calls that name no country; "" when unknown. */
const char *analysis_pb_country_of(const char *e164);

#endif
