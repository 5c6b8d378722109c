/*
 * Small conversions at the service's edges, without I/O: how the wire's
 * enums are spelled in the database, list cursors, transcripts as JSON,
 * and checks of numbers and countries that arrive from outside (ids are
 * checked with the shared oc_uuid_valid).
 */
#ifndef SCHEDULER_WIRE_H
#define SCHEDULER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/status.h"
#include "proto/scheduler.pb-c.h"

#define WIRE_CURSOR_MAX 96

/* Each *_name returns the database spelling ("meeting_scheduled") or NULL
 * for the enum's UNSPECIFIED value; each *_parse returns the value, or
 * UNSPECIFIED (0) for NULL or an unknown name. */
const char *wire_outcome_name(int outcome);
int wire_outcome_parse(const char *name);
const char *wire_hangup_name(int cause);
int wire_hangup_parse(const char *name);
const char *wire_amd_name(int amd);
int wire_amd_parse(const char *name);
const char *wire_confidence_name(int confidence);
int wire_confidence_parse(const char *name);

/** A campaign state's database spelling ("running"); NULL for UNSPECIFIED and ARCHIVED. */
const char *wire_campaign_state_name(Ocpb__CampaignState s);

/** The state of a stored campaign: archived when archived is true, else its status. */
Ocpb__CampaignState wire_campaign_state_parse(const char *status, bool archived);

/** True for an E.164 number: "+", then 2 to 15 digits, the first not 0. */
bool wire_e164_valid(const char *s);

/** True for two upper-case letters. */
bool wire_country_valid(const char *s);

/** Milliseconds since the Unix epoch, UTC. */
int64_t wire_now_ms(void);

/**
 * A keyset cursor for lists ordered by (created, id): opaque base64url text
 * of both. out holds WIRE_CURSOR_MAX bytes.
 */
void wire_cursor_encode(int64_t created_us, const char *id, char out[WIRE_CURSOR_MAX]);

/** Reads a cursor written by wire_cursor_encode(); OC_ERR_INVALID for anything else. */
enum oc_status wire_cursor_decode(const char *cursor, int64_t *created_us, char id[37]);

/**
 * A transcript as a JSON array of turns, for the calls.transcript column.
 * Returns a malloc'd string (caller frees) or NULL when out of memory.
 */
char *wire_transcript_json(Ocpb__TranscriptTurn *const *turns, size_t n);

/** Reads what wire_transcript_json() wrote; turns and texts live in arena. */
enum oc_status wire_transcript_parse(const char *json, struct oc_arena *arena,
                                     Ocpb__TranscriptTurn ***turns, size_t *n);

#endif
