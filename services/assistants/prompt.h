/*
 * The system prompt an LLM dialogue engine runs an assistant with, rendered
 * from the assistant's greeting, script, wizard answers and objections in
 * the assistant's own language (English or Spanish), so the model is told
 * what to do in the language it must speak. Rendered once per version and
 * saved with it: a call's snapshot carries the prompt of its version.
 *
 * Pure: no I/O.
 */
#ifndef ASSISTANTS_PROMPT_H
#define ASSISTANTS_PROMPT_H

#include "oc/arena.h"
#include "proto/assistants.pb-c.h"

/** The prompt for x, in the arena; NULL when memory runs out. */
char *prompt_render(struct oc_arena *a, const Ocpb__Assistant *x);

#endif
