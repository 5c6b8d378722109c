/*
 * Bearer tokens: reading them from the Authorization header, making new
 * session tokens and API keys, and the hash under which both are stored.
 * A token is never stored in clear, only as its SHA-256, and the random
 * part has 256 bits, so a plain hash (no salt, no slow KDF) is enough: a
 * stolen table gives nothing to guess. No I/O here beyond the random source.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"
#include "oc/crypto.h"

/* RFC 6750 b64token characters, before any trailing '='. */
static bool token_char(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

enum oc_status gw_bearer_parse(const char *header, const char **token, size_t *len)
{
    const char *p;
    const char *start;
    size_t n;

    if (header == NULL)
        return OC_ERR_UNAUTHENTICATED;
    p = header + strspn(header, " \t");
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return OC_ERR_UNAUTHENTICATED;
    p += 6;
    p += strspn(p, " \t");

    start = p;
    while (token_char((unsigned char)*p))
        p++;
    if (p == start)
        return OC_ERR_UNAUTHENTICATED;
    while (*p == '=')
        p++;
    n = (size_t)(p - start);
    p += strspn(p, " \t");
    if (*p != '\0' || n > GW_TOKEN_MAX)
        return OC_ERR_UNAUTHENTICATED;

    *token = start;
    *len = n;
    return OC_OK;
}

bool gw_token_is_api_key(const char *token, size_t len)
{
    size_t plen = strlen(GW_API_KEY_PREFIX);

    return len > plen && memcmp(token, GW_API_KEY_PREFIX, plen) == 0;
}

/* Writes prefix followed by the base64url of GW_TOKEN_RANDOM_BYTES random bytes. */
static enum oc_status token_new(const char *prefix, char out[GW_TOKEN_MAX + 1])
{
    /* oc_random_token needs 4 * bytes / 3 + 3: 45 for 32 bytes. */
    char random[64];
    enum oc_status s;

    s = oc_random_token(random, sizeof(random), GW_TOKEN_RANDOM_BYTES);
    if (s != OC_OK)
        return s;
    snprintf(out, GW_TOKEN_MAX + 1, "%s%s", prefix, random);
    memset(random, 0, sizeof(random));
    return OC_OK;
}

enum oc_status gw_token_new_session(char out[GW_TOKEN_MAX + 1])
{
    return token_new(GW_SESSION_PREFIX, out);
}

enum oc_status gw_token_new_api_key(char key[GW_TOKEN_MAX + 1],
                                    char prefix[GW_API_KEY_DISPLAY_LEN + 1])
{
    enum oc_status s = token_new(GW_API_KEY_PREFIX, key);

    if (s != OC_OK)
        return s;
    memcpy(prefix, key, GW_API_KEY_DISPLAY_LEN);
    prefix[GW_API_KEY_DISPLAY_LEN] = '\0';
    return OC_OK;
}

void gw_token_hash(const char *token, size_t len, char out[65])
{
    oc_sha256_hex(token, len, out);
}
