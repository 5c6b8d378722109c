/*
 * One analysis by rules (see analysis.h): tokens, the times mentioned,
 * do-not-call, the alternative number and its owner, the e-mail, the
 * contact's name, then the decisions and their words. Each step is its own
 * module; this file only wires them and owns the time zone for the call.
 */
#include <string.h>

#include "analysis.h"
#include "contact_extract.h"
#include "email_extract.h"
#include "local_time.h"
#include "number_extract.h"
#include "outcome_rules.h"
#include "summary.h"
#include "tokens.h"

#define MAX_REFS 64

/* The original text of tokens [begin, end) of one turn. */
static const char *source_text(const struct tokens *tk, size_t begin, size_t end,
                               struct oc_arena *arena)
{
    const struct token *a = &tk->v[begin], *b = &tk->v[end - 1];
    const char *text = tk->turns[a->turn].text;
    return oc_arena_strndup(arena, text + a->src, b->src + b->src_len - a->src);
}

enum oc_status analysis_run(const struct call_facts *call, struct oc_arena *arena,
                            struct analysis *out)
{
    struct local_zone *zone = NULL;
    struct tokens tk;
    struct time_ref refs[MAX_REFS];
    struct analysis a = {0};
    enum oc_status st = local_zone_new(&zone, call->timezone);
    if (st != OC_OK)
        return st;
    st = tokens_build(&tk, arena, call->turns, call->n_turns);
    if (st != OC_OK)
        goto out;

    struct time_context tctx = {.zone = zone, .now_ms = call->started_ms, .lang = call->lang};
    size_t n_refs = time_resolver_scan(&tctx, &tk, 0, tk.n, refs, MAX_REFS);

    struct dnc_result dnc = dnc_rules_assess(&tk, call->lang);
    a.dnc = dnc.risk;
    if (dnc.risk != DNC_NONE)
        a.dnc_evidence = source_text(&tk, dnc.begin, dnc.end, arena);

    struct number_found num;
    bool alt = number_extract_find(&tk, call->lang, call->country, call->phone_e164, &num);
    if (alt) {
        struct person p = contact_extract_near(&tk, num.begin, call->lang, arena);
        a.alt_number = oc_arena_strdup(arena, num.e164);
        a.alt_spoken = source_text(&tk, num.begin, num.end, arena);
        a.alt_name = p.name;
        a.alt_role = p.role;
    }
    a.email = email_extract_find(&tk, call->lang, arena);
    a.contact_name = contact_extract_own_name(&tk, call->lang, arena);
    if (!a.contact_name && call->contact_name && *call->contact_name)
        a.contact_name = oc_arena_strdup(arena, call->contact_name);

    struct outcome_input in = {
        .call = call,
        .tk = &tk,
        .tctx = &tctx,
        .refs = refs,
        .n_refs = n_refs,
        .dnc = dnc,
        .alt_found = alt,
        .alt_named = alt && a.alt_name != NULL,
    };
    struct outcome_decision d;
    outcome_rules_decide(&in, &d);
    a.outcome = d.outcome;
    a.follow_up = d.follow_up;
    a.follow_up_ms = d.follow_up ? d.due_ms : 0;
    a.window_start_ms = d.follow_up ? d.window_start_ms : 0;
    a.window_end_ms = d.follow_up ? d.window_end_ms : 0;
    a.grain = d.grain;
    a.time_explicit = d.time_explicit;
    a.confidence = d.confidence;
    a.retry = d.retry;
    a.retry_ms = d.retry_ms;
    a.meeting_ms = d.meeting_ms;
    summary_write(&a, d.why, call, zone, arena);
    *out = a;
out:
    local_zone_free(zone);
    return st;
}

const char *analysis_outcome_name(enum outcome o)
{
    switch (o) {
    case OUTCOME_MEETING:
        return "meeting_scheduled";
    case OUTCOME_CALLBACK:
        return "callback";
    case OUTCOME_NOT_INTERESTED:
        return "not_interested";
    case OUTCOME_BUSY_VOICEMAIL:
        return "busy_voicemail";
    case OUTCOME_WRONG_NUMBER:
        return "wrong_number";
    case OUTCOME_OTHER:
    case OUTCOME_NONE:
        break;
    }
    return "other";
}

bool analysis_outcome_parse(const char *s, enum outcome *out)
{
    for (int o = OUTCOME_MEETING; o <= OUTCOME_OTHER; o++)
        if (s && strcmp(s, analysis_outcome_name((enum outcome)o)) == 0) {
            *out = (enum outcome)o;
            return true;
        }
    return false;
}

const char *analysis_confidence_name(enum confidence c)
{
    switch (c) {
    case CONFIDENCE_HIGH:
        return "high";
    case CONFIDENCE_MEDIUM:
        return "medium";
    case CONFIDENCE_LOW:
        return "low";
    case CONFIDENCE_NONE:
        break;
    }
    return NULL;
}
