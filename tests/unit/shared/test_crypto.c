/*
 * Unit tests for crypto.c: published test vectors for SHA-256 (FIPS 180-2),
 * HMAC-SHA256 (RFC 4231) and HMAC-SHA1 (RFC 2202); AES-256-GCM sealing
 * round trips and refusing tampered values, the wrong aad or the wrong key;
 * base64 (RFC 4648 vectors, url-safe and unpadded input) and hex codings;
 * UUID and token formats.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>

#include "oc/crypto.h"

static void hex_of(const uint8_t *b, size_t n, char *out)
{
    oc_hex_encode(b, n, out);
}

Test(crypto, sha256_known_vectors)
{
    char hex[65];

    oc_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    oc_sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    oc_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(crypto, hmac_sha256_rfc4231)
{
    uint8_t key1[20];
    uint8_t mac[32];
    char hex[65];

    memset(key1, 0x0b, sizeof(key1));
    cr_assert_eq(oc_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac), OC_OK);
    hex_of(mac, 32, hex);
    cr_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    cr_assert_eq(oc_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac), OC_OK);
    hex_of(mac, 32, hex);
    cr_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(crypto, hmac_sha256_key_longer_than_block)
{
    /* RFC 4231 test case 6: a 131-byte key is hashed first. */
    uint8_t key[131];
    uint8_t mac[32];
    char hex[65];
    const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";

    memset(key, 0xaa, sizeof(key));
    cr_assert_eq(oc_hmac_sha256(key, sizeof(key), data, strlen(data), mac), OC_OK);
    hex_of(mac, 32, hex);
    cr_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

Test(crypto, hmac_sha1_rfc2202)
{
    uint8_t key1[20];
    uint8_t mac[20];
    char hex[41];

    memset(key1, 0x0b, sizeof(key1));
    cr_assert_eq(oc_hmac_sha1(key1, sizeof(key1), "Hi There", 8, mac), OC_OK);
    hex_of(mac, 20, hex);
    cr_assert_str_eq(hex, "b617318655057264e28bc0b6fb378c8ef146be00");

    cr_assert_eq(oc_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, mac), OC_OK);
    hex_of(mac, 20, hex);
    cr_assert_str_eq(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

Test(crypto, hmac_with_empty_key_and_data)
{
    uint8_t mac[32];
    char hex[65];

    /* HMAC-SHA256("", "") */
    cr_assert_eq(oc_hmac_sha256(NULL, 0, NULL, 0, mac), OC_OK);
    hex_of(mac, 32, hex);
    cr_assert_str_eq(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

Test(crypto, ct_equal_compares_bytes)
{
    cr_assert(oc_ct_equal("abcdef", "abcdef", 6));
    cr_assert(!oc_ct_equal("abcdef", "abcdeg", 6));
    cr_assert(!oc_ct_equal("xbcdef", "abcdef", 6));
    cr_assert(oc_ct_equal("a", "b", 0));
}

static const uint8_t key[OC_AEAD_KEY_LEN] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                             12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                             23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

Test(crypto, seal_open_round_trip)
{
    const char *pt = "twilio-auth-token-0123456789";
    size_t ptlen = strlen(pt);
    uint8_t sealed[OC_AEAD_SEALED_LEN(64)];
    uint8_t opened[64];
    size_t sealedlen = 0;
    size_t openedlen = 0;

    cr_assert_eq(oc_aead_seal(key, "tenant-1", 8, pt, ptlen, sealed, sizeof(sealed), &sealedlen),
                 OC_OK);
    cr_assert_eq(sealedlen, OC_AEAD_SEALED_LEN(ptlen));
    cr_assert_eq(memmem(sealed, sealedlen, pt, ptlen), NULL, "plaintext visible in sealed value");
    cr_assert_eq(
        oc_aead_open(key, "tenant-1", 8, sealed, sealedlen, opened, sizeof(opened), &openedlen),
        OC_OK);
    cr_assert_eq(openedlen, ptlen);
    cr_assert_arr_eq(opened, pt, ptlen);
}

Test(crypto, seal_uses_a_fresh_nonce)
{
    uint8_t a[OC_AEAD_SEALED_LEN(5)];
    uint8_t b[OC_AEAD_SEALED_LEN(5)];
    size_t alen, blen;

    cr_assert_eq(oc_aead_seal(key, NULL, 0, "hello", 5, a, sizeof(a), &alen), OC_OK);
    cr_assert_eq(oc_aead_seal(key, NULL, 0, "hello", 5, b, sizeof(b), &blen), OC_OK);
    cr_assert_neq(memcmp(a, b, OC_AEAD_NONCE_LEN), 0);
    cr_assert_neq(memcmp(a, b, alen), 0);
}

Test(crypto, empty_plaintext_round_trips)
{
    uint8_t sealed[OC_AEAD_SEALED_LEN(0)];
    uint8_t out[1];
    size_t sealedlen, outlen = 99;

    cr_assert_eq(oc_aead_seal(key, NULL, 0, "", 0, sealed, sizeof(sealed), &sealedlen), OC_OK);
    cr_assert_eq(sealedlen, OC_AEAD_NONCE_LEN + OC_AEAD_TAG_LEN);
    cr_assert_eq(oc_aead_open(key, NULL, 0, sealed, sealedlen, out, sizeof(out), &outlen), OC_OK);
    cr_assert_eq(outlen, 0);
}

Test(crypto, open_detects_tampering_anywhere)
{
    const char *pt = "secret value";
    uint8_t sealed[OC_AEAD_SEALED_LEN(12)];
    uint8_t out[12];
    size_t sealedlen;

    cr_assert_eq(oc_aead_seal(key, "t", 1, pt, 12, sealed, sizeof(sealed), &sealedlen), OC_OK);
    for (size_t i = 0; i < sealedlen; i++) {
        size_t outlen = 12345;

        memset(out, 0x77, sizeof(out));
        sealed[i] ^= 0x01;
        cr_assert_eq(oc_aead_open(key, "t", 1, sealed, sealedlen, out, sizeof(out), &outlen),
                     OC_ERR_INVALID, "flipped byte %zu", i);
        cr_assert_eq(outlen, 12345, "outlen written on failure");
        cr_assert_eq(memmem(out, sizeof(out), "secret", 6), NULL, "unauthenticated plaintext left");
        sealed[i] ^= 0x01;
    }
}

Test(crypto, open_fails_with_wrong_aad)
{
    uint8_t sealed[OC_AEAD_SEALED_LEN(4)];
    uint8_t out[4];
    size_t sealedlen, outlen;

    cr_assert_eq(oc_aead_seal(key, "tenant-1", 8, "data", 4, sealed, sizeof(sealed), &sealedlen),
                 OC_OK);
    cr_assert_eq(oc_aead_open(key, "tenant-2", 8, sealed, sealedlen, out, sizeof(out), &outlen),
                 OC_ERR_INVALID);
    cr_assert_eq(oc_aead_open(key, NULL, 0, sealed, sealedlen, out, sizeof(out), &outlen),
                 OC_ERR_INVALID);
}

Test(crypto, open_fails_with_wrong_key)
{
    uint8_t other[OC_AEAD_KEY_LEN] = {0};
    uint8_t sealed[OC_AEAD_SEALED_LEN(4)];
    uint8_t out[4];
    size_t sealedlen, outlen;

    cr_assert_eq(oc_aead_seal(key, NULL, 0, "data", 4, sealed, sizeof(sealed), &sealedlen), OC_OK);
    cr_assert_eq(oc_aead_open(other, NULL, 0, sealed, sealedlen, out, sizeof(out), &outlen),
                 OC_ERR_INVALID);
}

Test(crypto, seal_and_open_check_buffer_sizes)
{
    uint8_t sealed[OC_AEAD_SEALED_LEN(4)];
    uint8_t out[4];
    size_t sealedlen, outlen;

    cr_assert_eq(oc_aead_seal(key, NULL, 0, "data", 4, sealed, sizeof(sealed) - 1, &sealedlen),
                 OC_ERR_INVALID);
    cr_assert_eq(oc_aead_seal(key, NULL, 0, "data", 4, sealed, sizeof(sealed), &sealedlen), OC_OK);
    cr_assert_eq(oc_aead_open(key, NULL, 0, sealed, sealedlen, out, 3, &outlen), OC_ERR_INVALID);
    cr_assert_eq(oc_aead_open(key, NULL, 0, sealed, OC_AEAD_NONCE_LEN + OC_AEAD_TAG_LEN - 1, out,
                              sizeof(out), &outlen),
                 OC_ERR_INVALID);
}

Test(crypto, base64_rfc4648_vectors)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    char out[16];
    uint8_t dec[16];
    size_t declen;

    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(oc_base64_encode(plain[i], strlen(plain[i]), out), strlen(enc[i]));
        cr_assert_str_eq(out, enc[i]);
        cr_assert_eq(oc_base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &declen), OC_OK);
        cr_assert_eq(declen, strlen(plain[i]));
        cr_assert_arr_eq(dec, plain[i], declen);
    }
}

Test(crypto, base64_decodes_unpadded_and_url_safe)
{
    const uint8_t want[] = {0xfb, 0xff, 0xbf};
    uint8_t dec[8];
    size_t declen;
    char out[8];

    oc_base64_encode(want, 2, out);
    cr_assert_str_eq(out, "+/8=");
    cr_assert_eq(oc_base64_decode("-_8", 3, dec, sizeof(dec), &declen), OC_OK);
    cr_assert_eq(declen, 2);
    cr_assert_arr_eq(dec, want, 2);
    cr_assert_eq(oc_base64_decode("+/+/", 4, dec, sizeof(dec), &declen), OC_OK);
    cr_assert_eq(declen, 3);
    cr_assert_arr_eq(dec, want, 3);
    cr_assert_eq(oc_base64_decode("Zm9vYg", 6, dec, sizeof(dec), &declen), OC_OK);
    cr_assert_eq(declen, 4);
    cr_assert_arr_eq(dec, "foob", 4);
}

Test(crypto, base64_rejects_bad_input)
{
    uint8_t dec[16];
    size_t declen = 777;

    cr_assert_eq(oc_base64_decode("Zm9v!", 5, dec, sizeof(dec), &declen), OC_ERR_INVALID);
    cr_assert_eq(oc_base64_decode("Z", 1, dec, sizeof(dec), &declen), OC_ERR_INVALID);
    cr_assert_eq(oc_base64_decode("Zg=", 3, dec, sizeof(dec), &declen), OC_ERR_INVALID);
    cr_assert_eq(oc_base64_decode("Zg==Zg==", 8, dec, sizeof(dec), &declen), OC_ERR_INVALID);
    cr_assert_eq(oc_base64_decode("Z===", 4, dec, sizeof(dec), &declen), OC_ERR_INVALID);
    cr_assert_eq(oc_base64_decode("Zm9v YmFy", 9, dec, sizeof(dec), &declen), OC_ERR_INVALID);
    cr_assert_eq(oc_base64_decode("Zm9vYmFy", 8, dec, 5, &declen), OC_ERR_INVALID);
    cr_assert_eq(declen, 777);
}

Test(crypto, hex_round_trip)
{
    const uint8_t bytes[] = {0x00, 0x01, 0xab, 0xff};
    uint8_t back[4];
    char hex[9];

    oc_hex_encode(bytes, 4, hex);
    cr_assert_str_eq(hex, "0001abff");
    cr_assert_eq(oc_hex_decode("0001ABff", back, 4), OC_OK);
    cr_assert_arr_eq(back, bytes, 4);
}

Test(crypto, hex_decode_rejects_bad_input_without_writing)
{
    uint8_t out[2] = {0x11, 0x22};

    cr_assert_eq(oc_hex_decode("abc", out, 2), OC_ERR_INVALID);
    cr_assert_eq(oc_hex_decode("abcdef", out, 2), OC_ERR_INVALID);
    cr_assert_eq(oc_hex_decode("abxz", out, 2), OC_ERR_INVALID);
    cr_assert_eq(out[0], 0x11);
    cr_assert_eq(out[1], 0x22);
}

Test(crypto, uuid_v4_format)
{
    char a[37], b[37];
    regex_t re;

    cr_assert_eq(oc_uuid_v4(a), OC_OK);
    cr_assert_eq(oc_uuid_v4(b), OC_OK);
    cr_assert_eq(regcomp(&re,
                         "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                         REG_EXTENDED | REG_NOSUB),
                 0);
    cr_assert_eq(regexec(&re, a, 0, NULL, 0), 0, "%s", a);
    cr_assert_eq(regexec(&re, b, 0, NULL, 0), 0, "%s", b);
    cr_assert_str_neq(a, b);
    regfree(&re);
}

Test(crypto, token_length_and_charset)
{
    char tok[4 * 200 / 3 + 3];
    char other[64];

    cr_assert_eq(oc_random_token(tok, sizeof(tok), 32), OC_OK);
    cr_assert_eq(strlen(tok), 43);
    cr_assert_eq(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 43, "%s", tok);
    cr_assert_eq(oc_random_token(other, sizeof(other), 32), OC_OK);
    cr_assert_str_neq(tok, other);
    /* Larger than the function's stack buffer. */
    cr_assert_eq(oc_random_token(tok, sizeof(tok), 200), OC_OK);
    cr_assert_eq(strlen(tok), 267);
}

Test(crypto, token_refuses_a_short_buffer)
{
    char tok[43];

    cr_assert_eq(oc_random_token(tok, sizeof(tok), 32), OC_ERR_INVALID);
    cr_assert_eq(oc_random_token(tok, sizeof(tok), 0), OC_ERR_INVALID);
}

Test(crypto, random_bytes_fill_the_buffer)
{
    uint8_t a[64] = {0};
    uint8_t zero[64] = {0};

    cr_assert_eq(oc_random_bytes(a, sizeof(a)), OC_OK);
    cr_assert_neq(memcmp(a, zero, sizeof(a)), 0);
}

Test(crypto, uuid_valid_accepts_only_the_8_4_4_4_12_hex_shape)
{
    char u[37];
    cr_assert_eq(oc_uuid_v4(u), OC_OK);
    cr_expect(oc_uuid_valid(u));
    cr_expect(oc_uuid_valid("11111111-1111-4111-8111-11111111111A"));
    cr_expect_not(oc_uuid_valid(NULL));
    cr_expect_not(oc_uuid_valid(""));
    cr_expect_not(oc_uuid_valid("11111111-1111-4111-8111-11111111111"));    /* 35 chars */
    cr_expect_not(oc_uuid_valid("11111111-1111-4111-8111-1111111111111"));  /* 37 chars */
    cr_expect_not(oc_uuid_valid("11111111x1111-4111-8111-111111111111"));   /* dash missing */
    cr_expect_not(oc_uuid_valid("1111111g-1111-4111-8111-111111111111"));   /* not hex */
    cr_expect_not(oc_uuid_valid("11111111-1111-4111-8111-11111111111-"));
}
