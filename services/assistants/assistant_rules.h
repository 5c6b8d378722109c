/*
 * What makes an assistant valid, and how an update changes one: the checks
 * every assistant passes before it is saved (each error names its field, as
 * "script.lines[2].text: empty"), the fields an update_mask may name, and
 * applying a mask to the stored assistant.
 *
 * Pure: no I/O, no state.
 */
#ifndef ASSISTANTS_ASSISTANT_RULES_H
#define ASSISTANTS_ASSISTANT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/arena.h"
#include "oc/status.h"
#include "proto/assistants.pb-c.h"

#define ASSISTANT_NAME_MAX 100
#define ASSISTANT_TEXT_MAX 1000      /* a greeting, a line, a closing line, a message */
#define ASSISTANT_LONG_TEXT_MAX 4000 /* objective, value proposition, instructions */
#define ASSISTANT_SHORT_TEXT_MAX 200 /* wizard answers of a few words */
#define ASSISTANT_LINES_MAX 50
#define ASSISTANT_LIST_MAX 50 /* objections, FAQ entries */
#define ASSISTANT_VOICE_MAX 64
#define ASSISTANT_MIN_DURATION_S 30
#define ASSISTANT_MAX_DURATION_S 3600

/**
 * Trims the blanks around the name, copying into the arena when it
 * changes, so " Sales " and "Sales" are the same name. Returns
 * OC_ERR_NOMEM when the arena is exhausted.
 */
enum oc_status assistant_normalize(struct oc_arena *a, Ocpb__Assistant *x);

/**
 * Checks an assistant as it would be saved. OC_OK, or OC_ERR_INVALID with
 * a sentence in err that starts with the field's name. Id, version and
 * timestamps are not looked at.
 */
enum oc_status assistant_check(const Ocpb__Assistant *x, char *err, size_t errlen);

/**
 * Checks an update_mask: at least one name, each a field that can change.
 * OC_ERR_INVALID with err naming the offending entry.
 */
enum oc_status assistant_check_mask(char *const *mask, size_t n, char *err, size_t errlen);

/**
 * Sets the fields mask names from in into x (x then borrows in's strings
 * and sub-messages). The mask must have passed assistant_check_mask.
 */
void assistant_apply_mask(Ocpb__Assistant *x, const Ocpb__Assistant *in, char *const *mask,
                          size_t n);

/**
 * True when a and b would be saved alike: every field but id, version and
 * timestamps. An update that changes nothing makes no new version.
 */
bool assistant_same_content(const Ocpb__Assistant *a, const Ocpb__Assistant *b);

#endif
