/*
 * Bearer credentials: parsing the Authorization header, telling session
 * tokens from API keys, and the shape of new ones.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

static bool parses_to(const char *header, const char *want)
{
    const char *tok;
    size_t len;

    if (gw_bearer_parse(header, &tok, &len) != OC_OK)
        return false;
    return len == strlen(want) && memcmp(tok, want, len) == 0;
}

static bool refused(const char *header)
{
    const char *tok = NULL;
    size_t len = 0;

    return gw_bearer_parse(header, &tok, &len) == OC_ERR_UNAUTHENTICATED;
}

Test(token, bearer_header_yields_the_token)
{
    cr_assert(parses_to("Bearer ocs_abc-DEF_123", "ocs_abc-DEF_123"));
    cr_assert(parses_to("Bearer oc_x.y~z+/==", "oc_x.y~z+/=="));
}

Test(token, bearer_scheme_is_case_insensitive_and_spacing_lenient)
{
    cr_assert(parses_to("bearer abc", "abc"));
    cr_assert(parses_to("BEARER   abc", "abc"));
    cr_assert(parses_to("Bearer\tabc  ", "abc"));
}

Test(token, other_schemes_and_malformed_values_are_refused)
{
    cr_assert(refused(NULL));
    cr_assert(refused(""));
    cr_assert(refused("Bearer"));
    cr_assert(refused("Bearer "));
    cr_assert(refused("Basic dXNlcjpwYXNz"));
    cr_assert(refused("Bearerabc"));
    cr_assert(refused("abc"));
    cr_assert(refused("Bearer two tokens"));
    cr_assert(refused("Bearer a\"b"));
    cr_assert(refused("Bearer a=b"));
    cr_assert(refused("Bearer =abc"));
}

Test(token, overlong_token_is_refused)
{
    char header[GW_TOKEN_MAX + 16];

    strcpy(header, "Bearer ");
    memset(header + 7, 'a', GW_TOKEN_MAX);
    header[7 + GW_TOKEN_MAX] = '\0';
    cr_assert_not(refused(header), "a token of exactly the maximum length is fine");
    strcat(header, "a");
    cr_assert(refused(header));
}

Test(token, api_keys_are_told_from_session_tokens_by_prefix)
{
    cr_assert(gw_token_is_api_key("oc_abc", 6));
    cr_assert_not(gw_token_is_api_key("ocs_abc", 7));
    cr_assert_not(gw_token_is_api_key("oc_", 3), "the prefix alone is no key");
    cr_assert_not(gw_token_is_api_key("xoc_abc", 7));
}

Test(token, new_session_tokens_are_prefixed_random_and_not_keys)
{
    char a[GW_TOKEN_MAX + 1], b[GW_TOKEN_MAX + 1];

    cr_assert_eq(gw_token_new_session(a), OC_OK);
    cr_assert_eq(gw_token_new_session(b), OC_OK);
    cr_assert_eq(strncmp(a, GW_SESSION_PREFIX, strlen(GW_SESSION_PREFIX)), 0, "%s", a);
    cr_assert_eq(strlen(a), strlen(GW_SESSION_PREFIX) + 43, "%s", a);
    cr_assert_str_neq(a, b);
    cr_assert_not(gw_token_is_api_key(a, strlen(a)));
}

Test(token, new_api_keys_come_with_their_display_prefix)
{
    char key[GW_TOKEN_MAX + 1], prefix[GW_API_KEY_DISPLAY_LEN + 1];

    cr_assert_eq(gw_token_new_api_key(key, prefix), OC_OK);
    cr_assert_eq(strncmp(key, "oc_", 3), 0, "%s", key);
    cr_assert_eq(strlen(key), 3 + 43);
    cr_assert_eq(strlen(prefix), GW_API_KEY_DISPLAY_LEN);
    cr_assert_eq(strncmp(key, prefix, GW_API_KEY_DISPLAY_LEN), 0);
    cr_assert(gw_token_is_api_key(key, strlen(key)));
}

Test(token, hash_is_lowercase_hex_sha256)
{
    char h[65];

    gw_token_hash("abc", 3, h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
