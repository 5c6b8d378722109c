/*
 * Trunks and numbers: the forms a user may type are read, everything else
 * is refused with a reason, and the request URI of a call is built from
 * the trunk and the lead's number.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/dialer/trunk.h"

Test(trunk, e164_numbers)
{
    cr_assert(e164_valid("+34910000000"));
    cr_assert(e164_valid("+12"));
    cr_assert(e164_valid("+123456789012345"));
    cr_assert_not(e164_valid("+1234567890123456"), "16 digits");
    cr_assert_not(e164_valid("34910000000"), "no plus");
    cr_assert_not(e164_valid("+04910000000"), "leading zero");
    cr_assert_not(e164_valid("+3491 000"), "a space");
    cr_assert_not(e164_valid("+1"));
    cr_assert_not(e164_valid(NULL));
}

Test(trunk, reads_host_port_and_transport)
{
    struct trunk t;
    const char *why = NULL;
    cr_assert_eq(trunk_parse("sip:127.0.0.1:5070", &t, &why), OC_OK);
    cr_assert_str_eq(t.host, "127.0.0.1");
    cr_assert_eq(t.port, 5070);
    cr_assert_not(t.tcp);
    cr_assert_eq(trunk_parse("SIP:trunk.example.com;transport=TCP", &t, &why), OC_OK);
    cr_assert_str_eq(t.host, "trunk.example.com");
    cr_assert_eq(t.port, 5060);
    cr_assert(t.tcp);
    char out[128];
    trunk_format(&t, out, sizeof(out));
    cr_assert_str_eq(out, "sip:trunk.example.com:5060;transport=tcp");
}

Test(trunk, refuses_what_it_cannot_dial)
{
    struct trunk t = {.port = 1};
    const char *bad[] = {
        "sips:127.0.0.1", "127.0.0.1:5060", "sip:",        "sip:user@host",   "sip:host:0",
        "sip:host:65536", "sip:host:abc",   "sip:host;lr", "sip:host:5060 x", "sip:-host",
        "sip:host.",      "sip:ho st",      NULL,
    };
    for (size_t i = 0; bad[i]; i++) {
        const char *why = NULL;
        cr_assert_eq(trunk_parse(bad[i], &t, &why), OC_ERR_INVALID, "%s", bad[i]);
        cr_assert_not_null(why, "%s gives a reason", bad[i]);
    }
    const char *why = NULL;
    cr_assert_eq(trunk_parse(NULL, &t, &why), OC_ERR_INVALID);
    cr_assert_eq(t.port, 1, "the output is untouched on error");
}

Test(trunk, builds_the_request_uri)
{
    struct trunk t;
    const char *why;
    char out[128];
    trunk_parse("sip:127.0.0.1:5070", &t, &why);
    cr_assert_eq(trunk_target(&t, "+34910000001", out, sizeof(out)), OC_OK);
    cr_assert_str_eq(out, "sip:+34910000001@127.0.0.1:5070");
    trunk_parse("sip:10.0.0.1;transport=tcp", &t, &why);
    cr_assert_eq(trunk_target(&t, "+15550100", out, sizeof(out)), OC_OK);
    cr_assert_str_eq(out, "sip:+15550100@10.0.0.1:5060;transport=tcp");
    cr_assert_eq(trunk_target(&t, "5550100", out, sizeof(out)), OC_ERR_INVALID);
    cr_assert_eq(trunk_target(&t, "+15550100", out, 10), OC_ERR_TOO_LARGE);
}
