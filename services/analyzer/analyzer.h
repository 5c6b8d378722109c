/*
 * analyzer: one analysis per call: outcome, follow-up or retry, do-not-call,
 * alternative contact, extracted fields, reason and summary. main.c hands the
 * service to the shared runtime (oc/service.h); the state below is what the
 * service's own code shares between its handlers, consumers and threads.
 * The pure rules live in their own modules (analysis.h and what it
 * includes); this header is the service and command-line side.
 */
#ifndef ANALYZER_H
#define ANALYZER_H

#include <stdbool.h>

#include "oc/arena.h"
#include "oc/bus.h"
#include "oc/config.h"
#include "oc/db.h"
#include "proto/analyzer.pb-c.h"

struct oc_service;

/* Who decides by default: the rules, or the chat model with the rules as fallback. */
enum analyzer_mode { ANALYZER_MODE_RULES = 0, ANALYZER_MODE_LLM };

/* The service's own configuration (config.c), read once at start. */
struct analyzer_config {
    enum analyzer_mode mode; /* ANALYZER_MODE: rules (default) or llm */
    const char *llm_url;     /* ANALYZER_LLM_URL: an OpenAI-compatible chat completions URL */
    const char *llm_model;   /* ANALYZER_LLM_MODEL */
    const char *llm_api_key; /* ANALYZER_LLM_API_KEY (secret; may be empty) */
    long llm_timeout_ms;     /* ANALYZER_LLM_TIMEOUT_MS */
    const char *llm_tenants; /* ANALYZER_LLM_TENANTS: comma-separated ids; empty: all */
};

/**
 * The service's state: one per process, created in main.c and reachable
 * from handlers as ((struct oc_service *)req->user)->user.
 */
struct analyzer {
    /* The runtime (bus, database, configuration). Borrowed: set by the start
     * hook and valid until the stop hook returns. It is here because
     * JetStream consumers and the service's own threads are handed only
     * this state. */
    struct oc_service *svc;
    struct analyzer_config cfg;
    struct oc_consumer *calls_ended;   /* calls.ended on CALLS */
    struct oc_consumer *leads_deleted; /* leads.deleted on LEADS */
};

/* The migrations in migrations/, embedded at build time by
 * scripts/embed-sql.sh; the runtime applies them at start. */
extern const struct oc_migration analyzer_migrations[];
extern const unsigned long analyzer_migrations_count;

/* ------------------------------------------------------------ config.c */

/** Reads the ANALYZER_* variables into the state's cfg (the runtime's configure hook). */
void analyzer_configure(struct oc_service *svc, struct oc_cfg *cfg);

/** Whether the chat model analyses this tenant's calls. */
bool analyzer_uses_llm(const struct analyzer *az, const char *tenant_id);

/* ------------------------------------------------------------ call_analysis.c */

/**
 * Analyses one ended call: the chat model when configured for the tenant
 * (and not force_rules), else, or when the model fails, the rules. The
 * result (ids, mode, fallback reason filled in; no id or creation time)
 * lives in arena. OC_ERR_INVALID when the call cannot be read (req->error
 * style message in err).
 */
enum oc_status call_analysis_run(struct analyzer *az, const Ocpb__CallEnded *ce, bool force_rules,
                                 struct oc_arena *arena, Ocpb__Analysis **out, char *err,
                                 size_t errlen);

/* ------------------------------------------------------------ handlers.c */

/* analysis.get, analysis.list, analysis.analyze. */
extern const struct oc_handler analyzer_handlers[];
extern const size_t analyzer_n_handlers;

/* ------------------------------------------------------------ consumers.c */

/** Ensures the streams and starts the calls.ended and leads.deleted consumers. */
enum oc_status consumers_start(struct analyzer *az);

/** Stops both consumers. Safe when they never started. */
void consumers_stop(struct analyzer *az);

/* ------------------------------------------------------------ cli.c */

/** Runs `analyzer <subcommand> ...`; returns the exit status. argc >= 2. */
int cli_main(int argc, char **argv);

/** `analyzer when ...`: resolves one time expression. */
int cli_when(int argc, char **argv);

/** `analyzer analyze < call.json`: analyses one call. */
int cli_analyze(int argc, char **argv);

#endif
