/*
 * A campaign's settings between the wire (ocpb.Campaign), the database
 * (JSON columns and holiday rows) and the rules the dispatcher applies
 * (struct calling_schedule, struct retry_rules), without I/O. Requests are
 * checked here, field by field, so a bad value is refused with a message
 * that names it before anything is stored.
 */
#ifndef SCHEDULER_CAMPAIGN_H
#define SCHEDULER_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "calling_window.h"
#include "oc/arena.h"
#include "oc/status.h"
#include "proto/scheduler.pb-c.h"
#include "retry_policy.h"

/* Campaign fields an update may name, as bits. */
enum campaign_field {
    CAMPAIGN_NAME = 1u << 0,
    CAMPAIGN_ASSISTANT = 1u << 1,
    CAMPAIGN_NUMBER = 1u << 2,
    CAMPAIGN_EXTRA_NUMBERS = 1u << 3,
    CAMPAIGN_REGION = 1u << 4,
    CAMPAIGN_TIMEZONE = 1u << 5,
    CAMPAIGN_SCHEDULE = 1u << 6,
    CAMPAIGN_PACING = 1u << 7,
    CAMPAIGN_MAX_ATTEMPTS = 1u << 8,
    CAMPAIGN_RETRY = 1u << 9,
};
#define CAMPAIGN_ALL_FIELDS 0x3FFu

/**
 * Turns an update mask (Campaign field names) into bits. OC_ERR_INVALID
 * for an empty mask, an unknown name or a field that cannot change.
 */
enum oc_status campaign_mask(char *const *names, size_t n, unsigned *out, char *err, size_t errlen);

/** Checks the fields named by `fields` of c (all of them on create). */
enum oc_status campaign_check(const Ocpb__Campaign *c, unsigned fields, char *err, size_t errlen);

/**
 * A schedule's weekday ranges as the calling_window column stores them:
 *   [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "14:00"}, ...]
 * Returns a malloc'd string (caller frees), NULL when out of memory.
 */
char *campaign_ranges_json(const Ocpb__CallingSchedule *s);

/** Reads the column back into wire ranges allocated in arena. */
enum oc_status campaign_ranges_pb(const char *json, struct oc_arena *arena,
                                  Ocpb__CallingRange ***out, size_t *n);

/** Reads the column into s's ranges (s's other fields are left alone). */
enum oc_status campaign_ranges_schedule(const char *json, struct calling_schedule *s);

/** A retry policy as the retry_rules column stores it (only what is set). Caller frees. */
char *campaign_retry_json(const Ocpb__RetryPolicy *r);

/** Reads the column back into a wire policy allocated in arena. */
enum oc_status campaign_retry_pb(const char *json, struct oc_arena *arena, Ocpb__RetryPolicy **out);

/**
 * The rules the service applies: the column's overrides on top of the
 * defaults, and the campaign's max_attempts (0: default_max_attempts).
 */
enum oc_status campaign_retry_rules(const char *json, int max_attempts, long default_max_attempts,
                                    struct retry_rules *out);

/**
 * A wire schedule as rules: ranges, legal window and the exceptions
 * (allocated in arena). For checking requests and for manual calls.
 */
enum oc_status campaign_schedule_rules(const Ocpb__CallingSchedule *s, struct oc_arena *arena,
                                       struct calling_schedule *out, char *err, size_t errlen);

#endif
