/*
 * Password hashing with argon2id (libargon2). The costs follow OWASP's
 * baseline for argon2id: 19 MiB of memory, two passes, one lane. That is
 * tens of milliseconds per hash, which a login can afford and an attacker
 * with a copy of the users table cannot. The encoded form carries its own
 * salt and costs, so they can be raised later without breaking old hashes.
 */
#include <argon2.h>
#include <string.h>

#include "gateway.h"
#include "oc/crypto.h"
#include "oc/log.h"

#define PASSWORD_T_COST 2
#define PASSWORD_M_COST_KIB 19456
#define PASSWORD_PARALLELISM 1
#define PASSWORD_SALT_LEN 16
#define PASSWORD_HASH_LEN 32

enum oc_status gw_password_hash(const char *password, char out[GW_PASSWORD_HASH_MAX])
{
    unsigned char salt[PASSWORD_SALT_LEN];
    char encoded[GW_PASSWORD_HASH_MAX];
    enum oc_status s;
    int rc;

    s = oc_random_bytes(salt, sizeof(salt));
    if (s != OC_OK)
        return s;
    rc = argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM, password,
                               strlen(password), salt, sizeof(salt), PASSWORD_HASH_LEN, encoded,
                               sizeof(encoded));
    if (rc != ARGON2_OK) {
        oc_error("password hash failed: %s", argon2_error_message(rc));
        return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? OC_ERR_NOMEM : OC_ERR_INTERNAL;
    }
    memcpy(out, encoded, sizeof(encoded));
    return OC_OK;
}

bool gw_password_verify(const char *encoded, const char *password)
{
    int rc = argon2id_verify(encoded, password, strlen(password));

    if (rc != ARGON2_OK && rc != ARGON2_VERIFY_MISMATCH)
        oc_error("password verify failed: %s", argon2_error_message(rc));
    return rc == ARGON2_OK;
}
