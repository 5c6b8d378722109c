/*
 * Unit tests for status.c: every status has a text and a stable API code,
 * the gateway's HTTP mapping matches the documented table, and values from
 * the wire that the enum does not know become internal errors.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "oc/status.h"

static const struct {
    enum oc_status status;
    const char *code;
    int http;
} expected[] = {
    {OC_OK, "ok", 200},
    {OC_ERR_INVALID, "invalid_argument", 400},
    {OC_ERR_NOT_FOUND, "not_found", 404},
    {OC_ERR_CONFLICT, "conflict", 409},
    {OC_ERR_UNAUTHENTICATED, "unauthenticated", 401},
    {OC_ERR_PERMISSION, "permission_denied", 403},
    {OC_ERR_TOO_LARGE, "payload_too_large", 413},
    {OC_ERR_RATE_LIMITED, "rate_limited", 429},
    {OC_ERR_UNAVAILABLE, "unavailable", 503},
    {OC_ERR_TIMEOUT, "timeout", 504},
    {OC_ERR_NO_CREDIT, "insufficient_credit", 402},
    {OC_ERR_NOMEM, "out_of_memory", 500},
    {OC_ERR_INTERNAL, "internal", 500},
    {OC_ERR_IO, "io_error", 500},
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

Test(status, table_covers_every_status)
{
    cr_assert_eq(N_EXPECTED, OC_STATUS_COUNT);
}

Test(status, every_status_has_its_code)
{
    for (size_t i = 0; i < N_EXPECTED; i++)
        cr_assert_str_eq(oc_status_code(expected[i].status), expected[i].code, "status %d",
                         (int)expected[i].status);
}

Test(status, every_status_maps_to_its_http_code)
{
    for (size_t i = 0; i < N_EXPECTED; i++)
        cr_assert_eq(oc_status_http(expected[i].status), expected[i].http, "status %s",
                     expected[i].code);
}

Test(status, texts_are_distinct_lowercase_sentences)
{
    for (int i = 0; i < OC_STATUS_COUNT; i++) {
        const char *t = oc_status_text((enum oc_status)i);

        cr_assert_not_null(t);
        cr_assert_gt(strlen(t), 0);
        for (const char *p = t; *p; p++)
            cr_assert(!(*p >= 'A' && *p <= 'Z'), "text \"%s\" has a capital", t);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(t, oc_status_text((enum oc_status)j));
    }
}

Test(status, not_found_reads_as_a_sentence)
{
    cr_assert_str_eq(oc_status_text(OC_ERR_NOT_FOUND), "not found");
}

Test(status, codes_are_distinct)
{
    for (int i = 0; i < OC_STATUS_COUNT; i++)
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(oc_status_code((enum oc_status)i), oc_status_code((enum oc_status)j));
}

Test(status, wire_values_round_trip)
{
    for (int i = 0; i < OC_STATUS_COUNT; i++)
        cr_assert_eq(oc_status_from_int(i), (enum oc_status)i);
}

Test(status, unknown_wire_values_become_internal)
{
    cr_assert_eq(oc_status_from_int(-1), OC_ERR_INTERNAL);
    cr_assert_eq(oc_status_from_int(OC_STATUS_COUNT), OC_ERR_INTERNAL);
    cr_assert_eq(oc_status_from_int(1000), OC_ERR_INTERNAL);
}

Test(status, out_of_range_values_are_described_as_internal)
{
    enum oc_status bogus = (enum oc_status)99;

    cr_assert_str_eq(oc_status_code(bogus), "internal");
    cr_assert_eq(oc_status_http(bogus), 500);
    cr_assert_not_null(oc_status_text(bogus));
}
