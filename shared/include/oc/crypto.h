/*
 * Crypto helpers over OpenSSL: AES-256-GCM for secrets at rest, HMACs for
 * webhook signatures, SHA-256 for token hashes, random tokens, and a
 * constant-time compare. No service calls OpenSSL directly for these.
 */
#ifndef OC_CRYPTO_H
#define OC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

#define OC_AEAD_KEY_LEN 32
#define OC_AEAD_NONCE_LEN 12
#define OC_AEAD_TAG_LEN 16
/** Sealed size: nonce || ciphertext || tag. */
#define OC_AEAD_SEALED_LEN(ptlen) ((ptlen) + OC_AEAD_NONCE_LEN + OC_AEAD_TAG_LEN)

enum oc_status oc_random_bytes(void *buf, size_t n);

/** Writes nbytes of randomness as unpadded base64url plus NUL; out must hold 4*nbytes/3+3. */
enum oc_status oc_random_token(char *out, size_t outlen, size_t nbytes);

/** Writes a random RFC 4122 version-4 UUID, 36 chars + NUL. */
enum oc_status oc_uuid_v4(char out[37]);

/** True when s has the textual shape of a UUID (8-4-4-4-12 hex digits). */
bool oc_uuid_valid(const char *s);

void oc_sha256(const void *data, size_t len, uint8_t out[32]);
/** Lowercase hex SHA-256, 64 chars + NUL. */
void oc_sha256_hex(const void *data, size_t len, char out[65]);

enum oc_status oc_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                              uint8_t out[32]);
enum oc_status oc_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len,
                            uint8_t out[20]);

/** Compares without leaking where they differ. */
bool oc_ct_equal(const void *a, const void *b, size_t n);

/**
 * AES-256-GCM: writes nonce || ciphertext || tag to out (OC_AEAD_SEALED_LEN(ptlen)
 * bytes, *outlen set on success). aad may be NULL; it binds context such as the
 * tenant id, so a sealed value cannot be moved to another row.
 */
enum oc_status oc_aead_seal(const uint8_t key[OC_AEAD_KEY_LEN], const void *aad, size_t aadlen,
                            const void *pt, size_t ptlen, uint8_t *out, size_t outcap,
                            size_t *outlen);

/** Opens what oc_aead_seal wrote; OC_ERR_INVALID when the tag (or aad) does not match. */
enum oc_status oc_aead_open(const uint8_t key[OC_AEAD_KEY_LEN], const void *aad, size_t aadlen,
                            const void *sealed, size_t sealedlen, uint8_t *out, size_t outcap,
                            size_t *outlen);

/** Standard base64 with padding; out must hold 4*((len+2)/3)+1. Returns chars written. */
size_t oc_base64_encode(const void *data, size_t len, char *out);
/** Decodes standard or url-safe base64, padded or not; OC_ERR_INVALID on bad input. */
enum oc_status oc_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
                                size_t *outlen);

/** Lowercase hex; out must hold 2*len+1. */
void oc_hex_encode(const void *data, size_t len, char *out);
enum oc_status oc_hex_decode(const char *in, uint8_t *out, size_t outlen);

#endif
