/*
 * The analyzer's own configuration, read with the common variables at
 * start (oc/config.h): a wrong value stops the service with a message that
 * names the variable, and the API key is logged masked.
 *
 *   ANALYZER_MODE            rules (default) | llm
 *   ANALYZER_LLM_URL         OpenAI-compatible chat completions URL (llm mode)
 *   ANALYZER_LLM_MODEL       model name (default gpt-4o-mini)
 *   ANALYZER_LLM_API_KEY     bearer token (secret; empty for local servers)
 *   ANALYZER_LLM_TIMEOUT_MS  whole request, 500-120000 (default 8000)
 *   ANALYZER_LLM_TENANTS     comma-separated tenant ids that use the model;
 *                            empty: every tenant (llm mode only)
 */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "oc/log.h"
#include "oc/service.h"

void analyzer_configure(struct oc_service *svc, struct oc_cfg *cfg)
{
    struct analyzer *az = svc->user;
    const char *mode = NULL;
    oc_cfg_str(cfg, "ANALYZER_MODE", "rules", false, &mode);
    oc_cfg_str(cfg, "ANALYZER_LLM_URL", "", false, &az->cfg.llm_url);
    oc_cfg_str(cfg, "ANALYZER_LLM_MODEL", "gpt-4o-mini", false, &az->cfg.llm_model);
    oc_cfg_str(cfg, "ANALYZER_LLM_API_KEY", "", true, &az->cfg.llm_api_key);
    oc_cfg_int(cfg, "ANALYZER_LLM_TIMEOUT_MS", 8000, 500, 120000, &az->cfg.llm_timeout_ms);
    oc_cfg_str(cfg, "ANALYZER_LLM_TENANTS", "", false, &az->cfg.llm_tenants);
    if (strcmp(mode, "rules") == 0) {
        az->cfg.mode = ANALYZER_MODE_RULES;
    } else if (strcmp(mode, "llm") == 0) {
        az->cfg.mode = ANALYZER_MODE_LLM;
        if (!*az->cfg.llm_url) {
            oc_error("config: ANALYZER_LLM_URL: required when ANALYZER_MODE is llm");
            cfg->errors++;
        } else if (strncmp(az->cfg.llm_url, "http://", 7) != 0 &&
                   strncmp(az->cfg.llm_url, "https://", 8) != 0) {
            oc_error("config: ANALYZER_LLM_URL: expected an http:// or https:// URL, got \"%s\"",
                     az->cfg.llm_url);
            cfg->errors++;
        }
    } else {
        oc_error("config: ANALYZER_MODE: expected rules or llm, got \"%s\"", mode);
        cfg->errors++;
    }
}

bool analyzer_uses_llm(const struct analyzer *az, const char *tenant_id)
{
    if (az->cfg.mode != ANALYZER_MODE_LLM)
        return false;
    const char *list = az->cfg.llm_tenants;
    if (!list || !*list)
        return true;
    size_t n = tenant_id ? strlen(tenant_id) : 0;
    if (n == 0)
        return false;
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ',' && *q != ' ')
            q++;
        if ((size_t)(q - p) == n && strncmp(p, tenant_id, n) == 0)
            return true;
        p = q;
    }
    return false;
}
