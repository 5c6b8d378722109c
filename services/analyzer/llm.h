/*
 * The optional model: an OpenAI-compatible chat completions endpoint asked
 * for the same JSON the command line prints (call_json.h), in JSON mode,
 * at temperature 0. Its answer is validated against that schema (known
 * outcome and risk names, local times after the call's start, a follow-up
 * and a retry never both, a valid E.164 number) before it is used; any
 * error, timeout or invalid answer is reported so the caller falls back to
 * the rules and records why.
 */
#ifndef ANALYZER_LLM_H
#define ANALYZER_LLM_H

#include <stddef.h>

#include "analysis.h"
#include "oc/arena.h"
#include "oc/status.h"

struct llm_config {
    const char *url; /* the chat completions URL */
    const char *model;
    const char *api_key; /* may be empty */
    long timeout_ms;
};

/**
 * Asks the model to analyse call. On OC_OK *out is the model's analysis
 * (strings in arena). Otherwise why holds a short reason ("timeout",
 * "HTTP 500", "invalid output: ...") and *out is untouched.
 */
enum oc_status llm_analyze(const struct llm_config *cfg, const struct call_facts *call,
                           struct oc_arena *arena, struct analysis *out, char *why, size_t whylen);

/**
 * Validates and reads the model's JSON text (the schema above) for call.
 * Exposed for tests. On failure why says what was wrong.
 */
enum oc_status llm_parse_answer(const char *content, const struct call_facts *call,
                                struct oc_arena *arena, struct analysis *out, char *why,
                                size_t whylen);

#endif
