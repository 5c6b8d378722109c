/*
 * E-mail syntax accepted at sign-up, and the lowercased form addresses are
 * stored and looked up in.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

Test(email, everyday_addresses_are_valid)
{
    cr_assert(gw_email_valid("alice@example.com"));
    cr_assert(gw_email_valid("a@b.co"));
    cr_assert(gw_email_valid("first.last+tag@mail.example.co.uk"));
    cr_assert(gw_email_valid("o'brien@example.ie"));
    cr_assert(gw_email_valid("x_y-z@sub-domain.example.org"));
    cr_assert(gw_email_valid("Alice@Example.COM"));
    cr_assert(gw_email_valid("user@123.example.com"));
}

Test(email, missing_or_repeated_at_is_invalid)
{
    cr_assert_not(gw_email_valid("alice.example.com"));
    cr_assert_not(gw_email_valid("alice@@example.com"));
    cr_assert_not(gw_email_valid("a@b@example.com"));
    cr_assert_not(gw_email_valid("@example.com"));
    cr_assert_not(gw_email_valid("alice@"));
}

Test(email, domain_needs_dotted_labels_and_a_real_top_level)
{
    cr_assert_not(gw_email_valid("alice@localhost"));
    cr_assert_not(gw_email_valid("alice@example.c"));
    cr_assert_not(gw_email_valid("alice@example.123"));
    cr_assert_not(gw_email_valid("alice@10.0.0.1"));
    cr_assert_not(gw_email_valid("alice@-example.com"));
    cr_assert_not(gw_email_valid("alice@example-.com"));
    cr_assert_not(gw_email_valid("alice@example..com"));
    cr_assert_not(gw_email_valid("alice@.example.com"));
    cr_assert_not(gw_email_valid("alice@example.com."));
    cr_assert_not(gw_email_valid("alice@exa_mple.com"));
}

Test(email, local_part_dots_and_characters)
{
    cr_assert_not(gw_email_valid(".alice@example.com"));
    cr_assert_not(gw_email_valid("alice.@example.com"));
    cr_assert_not(gw_email_valid("al..ice@example.com"));
    cr_assert_not(gw_email_valid("al ice@example.com"));
    cr_assert_not(gw_email_valid("\"alice\"@example.com"));
    cr_assert_not(gw_email_valid("alice\n@example.com"));
    cr_assert_not(gw_email_valid("al\xc3\xadce@example.com"), "non-ASCII is refused");
}

Test(email, length_limits)
{
    char buf[512];

    memset(buf, 'a', 64);
    strcpy(buf + 64, "@example.com");
    cr_assert(gw_email_valid(buf), "a 64-character local part is allowed");
    memset(buf, 'a', 65);
    strcpy(buf + 65, "@example.com");
    cr_assert_not(gw_email_valid(buf));

    /* 250 characters of domain make the address longer than 254. */
    strcpy(buf, "a@");
    for (int i = 0; i < 4; i++)
        strcat(buf, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
    strcat(buf, "com");
    cr_assert_gt(strlen(buf), GW_EMAIL_MAX);
    cr_assert_not(gw_email_valid(buf));
    cr_assert_not(gw_email_valid(NULL));
    cr_assert_not(gw_email_valid(""));
}

Test(email, normalise_lowercases_the_whole_address)
{
    char out[64];

    cr_assert(gw_email_normalise("Alice.Smith@Example.COM", out, sizeof(out)));
    cr_assert_str_eq(out, "alice.smith@example.com");
}

Test(email, normalise_refuses_a_buffer_too_small)
{
    char out[8];

    cr_assert_not(gw_email_normalise("alice@example.com", out, sizeof(out)));
    cr_assert(gw_email_normalise("a@b.com", out, sizeof(out)));
}
