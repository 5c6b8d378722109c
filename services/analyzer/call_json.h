/*
 * call.json, the command line's form of a call, and the JSON it prints for
 * an analysis (the same keys the corpus under tests/data/analyzer/ labels):
 *   in:  {"language":"es","call_started_at":"2026-03-10T10:15:00",
 *         "timezone":"Europe/Madrid","country":"ES","contact_name":"...",
 *         "voicemail_detected":false,"turns":[{"speaker":"agent","text":"..."}]}
 *        optional: "hangup" (busy, no_answer, failed, contact, agent,
 *        machine), "phone_e164" (the number dialled), "booking_at" (a
 *        meeting booked during the call, local time)
 *   out: {"outcome":...,"follow_up":...,"follow_up_at":"<local ISO>"|null,
 *         "follow_up_window_hours":[min,max]|null, ...}
 * Local times are in the call's zone. No I/O beyond what the caller hands.
 */
#ifndef ANALYZER_CALL_JSON_H
#define ANALYZER_CALL_JSON_H

#include <stddef.h>
#include <jansson.h>

#include "analysis.h"
#include "oc/arena.h"
#include "oc/status.h"
#include "transcript.h"

/**
 * Reads a call from a parsed call.json object. Strings are copied into
 * arena. On OC_ERR_INVALID err names the field.
 */
enum oc_status call_json_read(const json_t *obj, struct oc_arena *arena, struct call_facts *out,
                              char *err, size_t errlen);

/** The analysis as JSON (new reference; caller json_decref). NULL when out of memory. */
json_t *call_json_write(const struct analysis *a, const struct call_facts *call);

/** Formats an instant as local ISO 8601 in the call's zone into buf (32 bytes). */
void call_json_local_iso(const struct call_facts *call, int64_t ms, char *buf, size_t len);

#endif
