/*
 * All of the dialer's SQL: phone numbers (numbers.*) and call legs (one
 * per attempt placed, the dialer's record that an attempt was taken, so a
 * redelivered job is never dialled twice). Every function takes the pool,
 * holds one connection for one transaction scoped to the tenant (row-level
 * security), and writes its outputs only on OC_OK.
 */
#ifndef DIALER_STORE_H
#define DIALER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/arena.h"
#include "oc/db.h"
#include "proto/dialer.pb-c.h"

/* ------------------------------------------------------------ numbers */

struct store_number_new {
    const char *id; /* chosen by the caller (it is sealed into the secret) */
    const char *tenant_id;
    const char *caller_id;
    const char *trunk; /* canonical form */
    const char *label;
    int max_concurrent;
    const char *sip_username;  /* NULL: no credentials */
    const uint8_t *sip_secret; /* sealed password */
    size_t sip_secret_len;
    const char *created_by; /* may be NULL */
};

/** Inserts a SIP number; on OC_OK *out is the stored number (in arena). */
enum oc_status store_number_create(struct oc_db *db, const struct store_number_new *in,
                                   struct oc_arena *arena, Ocpb__PhoneNumber **out);

/** OC_ERR_NOT_FOUND when the tenant has no such number. */
enum oc_status store_number_get(struct oc_db *db, const char *tenant_id, const char *id,
                                struct oc_arena *arena, Ocpb__PhoneNumber **out);

/**
 * A page of numbers in creation order after cursor ("" for the first),
 * kind 0 for any. *next is "" on the last page.
 */
enum oc_status store_number_list(struct oc_db *db, const char *tenant_id, int kind,
                                 const char *cursor, int limit, struct oc_arena *arena,
                                 Ocpb__PhoneNumber ***out, size_t *n, const char **next);

/**
 * The SIP credentials of a number: *username (NULL when it has none) and
 * the sealed password (*secret, *secret_len), in arena.
 */
enum oc_status store_number_credentials(struct oc_db *db, const char *tenant_id, const char *id,
                                        struct oc_arena *arena, const char **username,
                                        uint8_t **secret, size_t *secret_len);

/* ------------------------------------------------------------ call legs */

struct store_leg {
    const char *tenant_id;
    const char *call_id;
    const char *job_id; /* the job's dispatch id */
    const char *number_id;
    const char *from_e164;
    const char *to_e164;
};

/**
 * Claims an attempt: inserts its leg as 'dialing'. OC_ERR_CONFLICT when a
 * leg for this job exists already; *status is then its status.
 */
enum oc_status store_leg_claim(struct oc_db *db, const struct store_leg *leg, char *status,
                               size_t status_len);

/**
 * Forgets a claim that was never dialled (the scheduler or media could not
 * be reached), so that the job can be taken again.
 */
enum oc_status store_leg_forget(struct oc_db *db, const char *tenant_id, const char *job_id);

/**
 * Keeps a claim that will never be dialled (the scheduler said the call is
 * no longer wanted) as 'skipped': a redelivered job finds it and is not
 * dialled either.
 */
enum oc_status store_leg_skip(struct oc_db *db, const char *tenant_id, const char *job_id);

/** Records which media copy took the leg. */
enum oc_status store_leg_media(struct oc_db *db, const char *tenant_id, const char *job_id,
                               const char *media_instance, const char *media_addr);

/** Records a step: status "ringing" or "answered" (with its time), and the Call-ID. */
enum oc_status store_leg_progress(struct oc_db *db, const char *tenant_id, const char *job_id,
                                  const char *status, const char *sip_call_id, int sip_code);

/**
 * Records the end: status "ended" (after an answer) or "failed", the final
 * SIP code (0: none), who hung up ("agent", "contact", "system" or NULL)
 * and the cause's name.
 */
enum oc_status store_leg_end(struct oc_db *db, const char *tenant_id, const char *job_id,
                             const char *status, int sip_code, const char *hangup_by,
                             const char *cause);

#endif
