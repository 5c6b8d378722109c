/*
 * The assistant's structured parts as the jsonb columns hold them: script,
 * wizard answers, objections and engines, written from the protobuf
 * messages and read back into them, so the database stays readable by a
 * person and a round trip gives back what was saved.
 *
 *   script      {"objective": "...", "lines": ["...", ...], "closing_line": "..."}
 *               or {} when the assistant has no script
 *   wizard      {"company_name": "...", ..., "faq": [{"question", "answer"}]} or {}
 *   objections  [{"trigger": "...", "response": "..."}, ...]
 *   engines     {"stt": "pocketsphinx"|"openai", "tts": "espeak-ng"|"openai",
 *                "dialogue": "scripted"|"openai"}, each left out when unset
 *
 * Pure: no I/O. Everything returned is in the arena.
 */
#ifndef ASSISTANTS_ASSISTANT_JSON_H
#define ASSISTANTS_ASSISTANT_JSON_H

#include "oc/arena.h"
#include "oc/status.h"
#include "proto/assistants.pb-c.h"

/** The four columns of x as JSON text; OC_ERR_NOMEM when memory runs out. */
struct assistant_json {
    char *script;
    char *wizard;
    char *objections;
    char *engines;
};

enum oc_status assistant_json_write(struct oc_arena *a, const Ocpb__Assistant *x,
                                    struct assistant_json *out);

/**
 * Sets x's script, wizard, objections and engines from the columns' text.
 * OC_ERR_INVALID when a column does not have the shape above (a row
 * written by something else), OC_ERR_NOMEM when memory runs out.
 */
enum oc_status assistant_json_read(struct oc_arena *a, const struct assistant_json *in,
                                   Ocpb__Assistant *x);

#endif
