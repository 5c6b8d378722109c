/*
 * Crypto helpers over OpenSSL's EVP interface: AES-256-GCM sealing for
 * secrets at rest (provider tokens, calendar refresh tokens), HMACs for
 * webhook signatures, SHA-256 for hashing API keys and session tokens,
 * random bytes, tokens and UUIDs from the OpenSSL generator, a constant-time
 * compare, and the base64 and hex codings those values travel in. Services
 * call these and never OpenSSL directly, so the choices (cipher, nonce size,
 * encodings) are made once, here.
 */
#include "oc/crypto.h"

#include <ctype.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "oc/log.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Logs OpenSSL's own reason for a failure (and empties its error queue, which
 * is per thread and would otherwise mislead the next caller). */
static void log_openssl(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    else
        snprintf(buf, sizeof(buf), "no detail");
    ERR_clear_error();
    oc_error("crypto: %s failed: %s", what, buf);
}

enum oc_status oc_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    /* RAND_bytes takes an int length. */
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;

        if (RAND_bytes(p, chunk) != 1) {
            log_openssl("RAND_bytes");
            return OC_ERR_INTERNAL;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return OC_OK;
}

/* Encodes with the given alphabet; pad adds '=' up to a multiple of 4.
 * Returns the characters written (a NUL follows them). */
static size_t b64_encode(const unsigned char *in, size_t len, char *out, const char *alphabet,
                         bool pad)
{
    size_t o = 0;
    size_t i = 0;

    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)in[i] << 16;

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

enum oc_status oc_random_token(char *out, size_t outlen, size_t nbytes)
{
    unsigned char stack[96];
    unsigned char *raw = stack;
    enum oc_status st;

    if (nbytes == 0 || nbytes > SIZE_MAX / 4 || outlen < (4 * nbytes + 2) / 3 + 1)
        return OC_ERR_INVALID;
    if (nbytes > sizeof(stack)) {
        raw = malloc(nbytes);
        if (raw == NULL)
            return OC_ERR_NOMEM;
    }
    st = oc_random_bytes(raw, nbytes);
    if (st != OC_OK)
        goto out;
    b64_encode(raw, nbytes, out, b64_url, false);
out:
    OPENSSL_cleanse(raw, nbytes);
    if (raw != stack)
        free(raw);
    return st;
}

enum oc_status oc_uuid_v4(char out[37])
{
    unsigned char b[16];
    enum oc_status st = oc_random_bytes(b, sizeof(b));

    if (st != OC_OK)
        return st;
    /* RFC 4122 section 4.4: version 4 in the high nibble of byte 6, variant
     * 10xx in the high bits of byte 8. */
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return OC_OK;
}

void oc_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int outl = 32;

    /* SHA-256 from the default provider cannot fail short of a broken
     * OpenSSL installation; there is no status to return, so the failure is
     * logged and the output zeroed rather than left as stale memory. */
    if (EVP_Digest(data != NULL ? data : "", len, out, &outl, EVP_sha256(), NULL) != 1) {
        log_openssl("EVP_Digest(sha256)");
        memset(out, 0, 32);
    }
}

void oc_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t md[32];

    oc_sha256(data, len, md);
    oc_hex_encode(md, sizeof(md), out);
}

static enum oc_status hmac(const EVP_MD *md, const void *key, size_t keylen, const void *data,
                           size_t len, uint8_t *out, unsigned int outsize)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int outl = 0;

    if (keylen > INT_MAX)
        return OC_ERR_INVALID;
    /* OpenSSL reads a NULL key as "reuse the previous key", so an empty key
     * is passed as an empty string instead. */
    if (HMAC(md, key != NULL ? key : "", (int)keylen, data != NULL ? data : (const void *)"", len,
             buf, &outl) == NULL ||
        outl != outsize) {
        log_openssl("HMAC");
        return OC_ERR_INTERNAL;
    }
    memcpy(out, buf, outsize);
    OPENSSL_cleanse(buf, sizeof(buf));
    return OC_OK;
}

enum oc_status oc_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                              uint8_t out[32])
{
    return hmac(EVP_sha256(), key, keylen, data, len, out, 32);
}

enum oc_status oc_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len,
                            uint8_t out[20])
{
    return hmac(EVP_sha1(), key, keylen, data, len, out, 20);
}

bool oc_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

enum oc_status oc_aead_seal(const uint8_t key[OC_AEAD_KEY_LEN], const void *aad, size_t aadlen,
                            const void *pt, size_t ptlen, uint8_t *out, size_t outcap,
                            size_t *outlen)
{
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t *nonce = out;
    uint8_t *ct = out + OC_AEAD_NONCE_LEN;
    int n = 0;
    int fin = 0;
    enum oc_status st = OC_ERR_INTERNAL;

    if (ptlen > INT_MAX - OC_AEAD_NONCE_LEN - OC_AEAD_TAG_LEN || aadlen > INT_MAX ||
        outcap < OC_AEAD_SEALED_LEN(ptlen))
        return OC_ERR_INVALID;

    /* A fresh random 96-bit nonce per value: the key seals few enough
     * values that random nonces stay far from the collision bound. */
    st = oc_random_bytes(nonce, OC_AEAD_NONCE_LEN);
    if (st != OC_OK)
        return st;
    st = OC_ERR_INTERNAL;

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, OC_AEAD_NONCE_LEN, NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1) {
        log_openssl("AES-GCM init");
        goto out;
    }
    if (aadlen > 0 && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1) {
        log_openssl("AES-GCM aad");
        goto out;
    }
    n = 0;
    if (ptlen > 0 && EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1) {
        log_openssl("AES-GCM encrypt");
        goto out;
    }
    if (EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, OC_AEAD_TAG_LEN, ct + ptlen) != 1) {
        log_openssl("AES-GCM final");
        goto out;
    }
    *outlen = OC_AEAD_SEALED_LEN(ptlen);
    st = OC_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

enum oc_status oc_aead_open(const uint8_t key[OC_AEAD_KEY_LEN], const void *aad, size_t aadlen,
                            const void *sealed, size_t sealedlen, uint8_t *out, size_t outcap,
                            size_t *outlen)
{
    const uint8_t *nonce = sealed;
    const uint8_t *ct = nonce + OC_AEAD_NONCE_LEN;
    size_t ctlen;
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0;
    int fin = 0;
    enum oc_status st = OC_ERR_INTERNAL;

    if (sealed == NULL || sealedlen < OC_AEAD_NONCE_LEN + OC_AEAD_TAG_LEN || sealedlen > INT_MAX ||
        aadlen > INT_MAX)
        return OC_ERR_INVALID;
    ctlen = sealedlen - OC_AEAD_NONCE_LEN - OC_AEAD_TAG_LEN;
    if (outcap < ctlen)
        return OC_ERR_INVALID;

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, OC_AEAD_NONCE_LEN, NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1) {
        log_openssl("AES-GCM init");
        goto out;
    }
    if (aadlen > 0 && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1) {
        log_openssl("AES-GCM aad");
        goto out;
    }
    n = 0;
    if (ctlen > 0 && EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) != 1) {
        log_openssl("AES-GCM decrypt");
        goto out;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, OC_AEAD_TAG_LEN, (void *)(ct + ctlen)) !=
        1) {
        log_openssl("AES-GCM set tag");
        goto out;
    }
    /* A tag mismatch is bad input (a tampered value, the wrong key or the
     * wrong aad), not a library failure, so it is not logged as one. The
     * plaintext already written is unauthenticated; the cleanup below wipes
     * it. */
    if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1) {
        ERR_clear_error();
        st = OC_ERR_INVALID;
        goto out;
    }
    *outlen = ctlen;
    st = OC_OK;
out:
    if (st != OC_OK && ctlen > 0)
        OPENSSL_cleanse(out, ctlen);
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

size_t oc_base64_encode(const void *data, size_t len, char *out)
{
    return b64_encode(data, len, out, b64_std, true);
}

/* Maps both alphabets ('+' and '-' to 62, '/' and '_' to 63); -1 otherwise. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

enum oc_status oc_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
                                size_t *outlen)
{
    size_t data_len = inlen;
    size_t need;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (in == NULL && inlen > 0)
        return OC_ERR_INVALID;
    /* Padding is optional, but when present it must complete the last
     * group of four and nothing may follow it. */
    if (data_len > 0 && in[data_len - 1] == '=') {
        data_len--;
        if (data_len > 0 && in[data_len - 1] == '=')
            data_len--;
        if (inlen % 4 != 0)
            return OC_ERR_INVALID;
    }
    /* One leftover character carries only 6 bits: never a whole byte. */
    if (data_len % 4 == 1)
        return OC_ERR_INVALID;
    for (size_t i = 0; i < data_len; i++) {
        if (b64_value((unsigned char)in[i]) < 0)
            return OC_ERR_INVALID;
    }
    need = data_len / 4 * 3 + (data_len % 4 == 0 ? 0 : data_len % 4 - 1);
    if (need > outcap)
        return OC_ERR_INVALID;

    /* Validated above, so from here on the output is written whole. */
    for (size_t i = 0; i < data_len; i++) {
        acc = (acc << 6 | (unsigned)b64_value((unsigned char)in[i])) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *outlen = o;
    return OC_OK;
}

void oc_hex_encode(const void *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* in must be exactly 2*outlen hex digits (either case); out is written only
 * when all of them are valid. */
enum oc_status oc_hex_decode(const char *in, uint8_t *out, size_t outlen)
{
    if (in == NULL || strlen(in) != 2 * outlen)
        return OC_ERR_INVALID;
    for (size_t i = 0; i < 2 * outlen; i++) {
        if (hex_value(in[i]) < 0)
            return OC_ERR_INVALID;
    }
    for (size_t i = 0; i < outlen; i++)
        out[i] = (uint8_t)(hex_value(in[2 * i]) << 4 | hex_value(in[2 * i + 1]));
    return OC_OK;
}

bool oc_uuid_valid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}
