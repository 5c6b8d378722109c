/*
 * All of the assistants service's SQL. Every function runs on a connection
 * the caller holds inside a tenant transaction (oc_db_begin_tenant), so
 * row-level security scopes it to one tenant on top of the queries' own
 * tenant_id filters. Assistants come back as ocpb.Assistant in the arena
 * the caller passes; out-parameters are written only on OC_OK.
 */
#ifndef ASSISTANTS_STORE_H
#define ASSISTANTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/db.h"
#include "proto/assistants.pb-c.h"

/**
 * Inserts x as a new assistant at version 1 (x->id and timestamps are
 * ignored) and *out as stored. With a key (NULL or "": none), an assistant
 * created earlier with the same key is returned instead and *existed set.
 */
enum oc_status store_assistant_insert(struct oc_db_conn *c, const char *tenant,
                                      const Ocpb__Assistant *x, const char *key, const char *actor,
                                      struct oc_arena *a, Ocpb__Assistant **out, bool *existed);

/** The assistant as it stands; with lock, locked until the transaction ends. */
enum oc_status store_assistant_get(struct oc_db_conn *c, const char *tenant, const char *id,
                                   bool lock, struct oc_arena *a, Ocpb__Assistant **out);

/** Writes x's content over the stored assistant with version x->version. */
enum oc_status store_assistant_update(struct oc_db_conn *c, const char *tenant,
                                      const Ocpb__Assistant *x, struct oc_arena *a,
                                      Ocpb__Assistant **out);

/** Records x (as just stored, with its version) as an immutable version with its prompt. */
enum oc_status store_version_insert(struct oc_db_conn *c, const char *tenant,
                                    const Ocpb__Assistant *x, const char *prompt,
                                    const char *actor);

/**
 * Version version of assistant id (0: the current one) as it was saved,
 * and its prompt. OC_ERR_NOT_FOUND when either does not exist.
 */
enum oc_status store_version_get(struct oc_db_conn *c, const char *tenant, const char *id,
                                 int version, struct oc_arena *a, Ocpb__Assistant **out,
                                 char **prompt);

/**
 * Assistants newest first, after_seq (0: from the newest) and whose name
 * contains query (case-insensitive; "" for all), limit of them. *next_seq
 * is the cursor of the next page, 0 when this page is the last.
 */
enum oc_status store_assistant_list(struct oc_db_conn *c, const char *tenant, const char *query,
                                    int64_t after_seq, int limit, struct oc_arena *a,
                                    Ocpb__Assistant ***out, size_t *n, int64_t *next_seq);

#endif
