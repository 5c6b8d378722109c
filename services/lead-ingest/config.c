/*
 * lead-ingest's own environment variables, read once at start next to the
 * common ones (oc/service.h), each with its bounds, so a wrong value stops
 * the service with a message naming the variable.
 */
#include "lead-ingest.h"

#include <unistd.h>

void lead_ingest_configure(struct lead_ingest *st, struct oc_cfg *cfg)
{
    struct lead_ingest_config *c = &st->cfg;
    /* 256 MiB is some three million leads: beyond any list a person makes. */
    oc_cfg_int(cfg, "LEAD_IMPORT_MAX_BYTES", 256L << 20, 1024, 4L << 30, &c->import_max_bytes);
    oc_cfg_int(cfg, "LEAD_IMPORT_BATCH_ROWS", 5000, 100, 100000, &c->import_batch_rows);
    /* 8 MiB: 16 bits per number for four million numbers. */
    oc_cfg_int(cfg, "LEAD_IMPORT_BLOOM_MB", 8, 1, 256, &c->import_bloom_mb);
    oc_cfg_int(cfg, "LEAD_IMPORT_WORKERS", 2, 1, 32, &c->import_workers);
    /* Checking numbers is what an import spends its time on; it scales with
     * cores. Default: every core, at most 8. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    oc_cfg_int(cfg, "LEAD_IMPORT_THREADS",
               cores < 1   ? 1
               : cores > 8 ? 8
                           : cores,
               1, 16, &c->import_threads);
    oc_cfg_int(cfg, "LEAD_IMPORT_IDLE_S", 120, 5, 3600, &c->import_idle_s);
    oc_cfg_int(cfg, "LEAD_IMPORT_PROGRESS_MS", 500, 50, 60000, &c->progress_ms);
}
