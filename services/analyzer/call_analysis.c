/*
 * One ended call to one analysis, for the consumer and analysis.analyze
 * alike: the call's facts from the message, the rules always (they are
 * cheap and are the fallback), the model when the tenant uses it, and the
 * protobuf result with the mode that decided and, after a fallback, why.
 */
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "analysis_pb.h"
#include "analyzer.h"
#include "llm.h"
#include "oc/service.h"

enum oc_status call_analysis_run(struct analyzer *az, const Ocpb__CallEnded *ce, bool force_rules,
                                 struct oc_arena *arena, Ocpb__Analysis **out, char *err,
                                 size_t errlen)
{
    struct call_facts facts;
    struct analysis rules, model;
    enum oc_status st = analysis_pb_facts(ce, arena, &facts, err, errlen);
    if (st != OC_OK)
        return st;
    st = analysis_run(&facts, arena, &rules);
    if (st != OC_OK) {
        snprintf(err, errlen, "the rules could not analyse the call");
        return st;
    }
    const char *tenant = ce->meta ? ce->meta->tenant_id : NULL;
    bool ask = !force_rules && az && analyzer_uses_llm(az, tenant);
    char why[256] = "";
    bool by_model = false;
    if (ask) {
        const struct llm_config lc = {.url = az->cfg.llm_url,
                                      .model = az->cfg.llm_model,
                                      .api_key = az->cfg.llm_api_key,
                                      .timeout_ms = az->cfg.llm_timeout_ms};
        by_model = llm_analyze(&lc, &facts, arena, &model, why, sizeof(why)) == OC_OK;
    }
    const struct analysis *used = by_model ? &model : &rules;
    /* The alternative number as spoken and the do-not-call evidence come from
     * the rules even when the model decided: they quote the transcript. */
    if (by_model) {
        if (model.alt_number && rules.alt_number && strcmp(model.alt_number, rules.alt_number) == 0)
            model.alt_spoken = rules.alt_spoken;
        if (model.dnc != DNC_NONE)
            model.dnc_evidence = rules.dnc_evidence;
    }
    Ocpb__Analysis *m = analysis_pb_build(used, ce, &facts, arena);
    if (!m)
        return OC_ERR_NOMEM;
    if (by_model) {
        m->mode = OCPB__ANALYSIS_MODE__ANALYSIS_MODE_LLM;
        m->version = oc_arena_printf(arena, "llm:%s", az->cfg.llm_model);
    } else if (ask) {
        m->mode = OCPB__ANALYSIS_MODE__ANALYSIS_MODE_RULES_FALLBACK;
        m->fallback_reason = oc_arena_strdup(arena, why);
    }
    if (!m->version || !m->fallback_reason)
        return OC_ERR_NOMEM;
    *out = m;
    return OC_OK;
}
