/*
 * Configuration from environment variables, read in one place at start.
 * A reader collects every problem instead of stopping at the first, so the
 * operator sees all wrong variables at once; oc_cfg_finish() logs each value
 * (secrets masked) and fails when any was wrong. Messages name the variable:
 *   config: ADMIN_PORT: expected an integer from 1 to 65535, got "abc"
 */
#ifndef OC_CONFIG_H
#define OC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"

#define OC_CFG_MAX_ENTRIES 64

struct oc_cfg {
    int errors;
    size_t n;
    struct {
        const char *name;
        char value[256];
        bool secret;
        bool from_env;
    } entries[OC_CFG_MAX_ENTRIES];
};

void oc_cfg_init(struct oc_cfg *cfg);

/** String; *out points into the environment or at def (both live for the process). */
void oc_cfg_str(struct oc_cfg *cfg, const char *name, const char *def, bool secret,
                const char **out);

/** Required string: an error when unset or empty. */
void oc_cfg_str_required(struct oc_cfg *cfg, const char *name, bool secret, const char **out);

/** Integer in [min, max]. */
void oc_cfg_int(struct oc_cfg *cfg, const char *name, long def, long min, long max, long *out);

/** Boolean: 1/0, true/false, yes/no, on/off. */
void oc_cfg_bool(struct oc_cfg *cfg, const char *name, bool def, bool *out);

/** Hex key of exactly len bytes (2*len hex digits), written to out. */
void oc_cfg_hex_key(struct oc_cfg *cfg, const char *name, const char *def, unsigned char *out,
                    size_t len);

/** Logs every value read (secrets as ****) and returns OC_ERR_INVALID if any was wrong. */
enum oc_status oc_cfg_finish(struct oc_cfg *cfg);

#endif
