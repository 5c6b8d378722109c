/*
 * All of the analyzer's SQL (schema analyzer, table analyses). Every query
 * runs in a transaction scoped to the tenant (oc_db_begin_tenant), so
 * row-level security limits it to that tenant even where a filter were
 * forgotten. Analyses read back are built in the caller's arena.
 */
#ifndef ANALYZER_STORE_H
#define ANALYZER_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/arena.h"
#include "oc/db.h"
#include "proto/analyzer.pb-c.h"

/**
 * Stores a call's analysis once: when the call was already analysed
 * (call.ended delivered again), nothing is written and *out is the stored
 * one, with *duplicate set. phone_e164 is the number dialled (kept for
 * analysis.done). *out and its strings live in arena.
 */
enum oc_status store_save(struct oc_db *db, const char *tenant_id, const Ocpb__Analysis *a,
                          const char *phone_e164, struct oc_arena *arena, Ocpb__Analysis **out,
                          const char **stored_phone, bool *duplicate);

/** One analysis by call id or by id (one of them non-empty). OC_ERR_NOT_FOUND when none. */
enum oc_status store_get(struct oc_db *db, const char *tenant_id, const char *call_id,
                         const char *id, struct oc_arena *arena, Ocpb__Analysis **out);

struct store_page {
    Ocpb__Analysis **items;
    size_t n;
    const char *next_cursor; /* "" when there are no more */
};

/** A page of the tenant's analyses, newest first, filtered as q asks. */
enum oc_status store_list(struct oc_db *db, const char *tenant_id,
                          const Ocpb__ListAnalysesRequest *q, struct oc_arena *arena,
                          struct store_page *out);

/** Erases a lead's analyses (privacy erasure); *erased counts them. */
enum oc_status store_erase_lead(struct oc_db *db, const char *tenant_id, const char *lead_id,
                                long *erased);

/** True for a UUID in its text form. */
bool store_uuid_valid(const char *s);

#endif
