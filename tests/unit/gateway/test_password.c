/*
 * Password hashing: argon2id with the costs the gateway promises, a fresh
 * salt each time, and verification that tells right from wrong.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

Test(password, hash_is_argon2id_with_the_promised_costs)
{
    char h[GW_PASSWORD_HASH_MAX];

    cr_assert_eq(gw_password_hash("correct horse", h), OC_OK);
    cr_assert_eq(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0, "%s", h);
}

Test(password, right_password_verifies_and_wrong_ones_do_not)
{
    char h[GW_PASSWORD_HASH_MAX];

    cr_assert_eq(gw_password_hash("correct horse", h), OC_OK);
    cr_assert(gw_password_verify(h, "correct horse"));
    cr_assert_not(gw_password_verify(h, "correct horsE"));
    cr_assert_not(gw_password_verify(h, ""));
}

Test(password, same_password_hashes_differently_each_time)
{
    char a[GW_PASSWORD_HASH_MAX], b[GW_PASSWORD_HASH_MAX];

    cr_assert_eq(gw_password_hash("12345678", a), OC_OK);
    cr_assert_eq(gw_password_hash("12345678", b), OC_OK);
    cr_assert_str_neq(a, b);
}

Test(password, garbage_hash_never_verifies)
{
    cr_assert_not(gw_password_verify("not a hash", "anything"));
    cr_assert_not(gw_password_verify("", ""));
}
