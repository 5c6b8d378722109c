/*
 * Request ids: a caller's own id is kept only when it cannot split a header
 * or forge a log line; otherwise a new UUID stands in.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

Test(request_id, plain_ids_are_sane)
{
    cr_assert(gw_request_id_sane("abc"));
    cr_assert(gw_request_id_sane("7f3a2c1e-0b5d-4e8f-9a6b-1c2d3e4f5a6b"));
    cr_assert(gw_request_id_sane("trace:42.span_7"));
}

Test(request_id, ids_that_could_split_headers_or_forge_logs_are_not)
{
    cr_assert_not(gw_request_id_sane(NULL));
    cr_assert_not(gw_request_id_sane(""));
    cr_assert_not(gw_request_id_sane("a b"));
    cr_assert_not(gw_request_id_sane("a\r\nX-Evil: 1"));
    cr_assert_not(gw_request_id_sane("a\n2026-01-01 INFO forged"));
    cr_assert_not(gw_request_id_sane("<script>"));
    cr_assert_not(gw_request_id_sane("caf\xc3\xa9"));
}

Test(request_id, length_is_capped)
{
    char id[GW_REQUEST_ID_MAX + 2];

    memset(id, 'a', GW_REQUEST_ID_MAX);
    id[GW_REQUEST_ID_MAX] = '\0';
    cr_assert(gw_request_id_sane(id));
    id[GW_REQUEST_ID_MAX] = 'a';
    id[GW_REQUEST_ID_MAX + 1] = '\0';
    cr_assert_not(gw_request_id_sane(id));
}

Test(request_id, pick_keeps_a_sane_id)
{
    char out[GW_REQUEST_ID_MAX + 1];

    gw_request_id_pick("my-trace.1", out);
    cr_assert_str_eq(out, "my-trace.1");
}

Test(request_id, pick_replaces_a_bad_or_missing_id_with_a_new_uuid)
{
    char a[GW_REQUEST_ID_MAX + 1], b[GW_REQUEST_ID_MAX + 1];

    gw_request_id_pick("bad id\r\n", a);
    gw_request_id_pick(NULL, b);
    cr_assert(gw_uuid_valid(a), "%s", a);
    cr_assert(gw_uuid_valid(b), "%s", b);
    cr_assert_str_neq(a, b);
}
