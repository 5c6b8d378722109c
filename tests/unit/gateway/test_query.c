/*
 * Query strings (query.c): decoding, order and repeats kept, and malformed
 * input refused rather than guessed at.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

static struct oc_arena *arena;

static void setup(void)
{
    cr_assert_eq(oc_arena_new(&arena, 1024), OC_OK);
}

static void teardown(void)
{
    oc_arena_free(arena);
}

TestSuite(query, .init = setup, .fini = teardown);

Test(query, pairs_are_decoded_in_order_with_repeats)
{
    struct gw_query_param *p;
    size_t n;
    char err[128];

    cr_assert_eq(
        gw_query_parse(arena, "a=1&b=x%20y+z&a=2&flag&empty=&&c=%2B34", &p, &n, err, sizeof(err)),
        OC_OK, "%s", err);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(p[0].name, "a");
    cr_assert_str_eq(p[0].value, "1");
    cr_assert_str_eq(p[1].value, "x y z");
    cr_assert_str_eq(p[2].value, "2");
    cr_assert_str_eq(p[3].name, "flag");
    cr_assert_str_eq(p[3].value, "");
    cr_assert_str_eq(p[4].name, "empty");
    cr_assert_str_eq(p[5].value, "+34");
    cr_assert_str_eq(gw_query_get(p, n, "a"), "1");
    cr_assert_null(gw_query_get(p, n, "nope"));
}

Test(query, no_query_is_no_parameters)
{
    struct gw_query_param *p;
    size_t n = 99;
    char err[128];

    cr_assert_eq(gw_query_parse(arena, NULL, &p, &n, err, sizeof(err)), OC_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(gw_query_parse(arena, "", &p, &n, err, sizeof(err)), OC_OK);
    cr_assert_eq(n, 0);
}

Test(query, malformed_escapes_and_nul_are_refused)
{
    struct gw_query_param *p;
    size_t n;
    char err[128];

    cr_assert_eq(gw_query_parse(arena, "a=%zz", &p, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strstr(err, "malformed query string") != NULL, "%s", err);
    cr_assert_eq(gw_query_parse(arena, "a=%2", &p, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_eq(gw_query_parse(arena, "a=x%00y", &p, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_eq(gw_query_parse(arena, "=value", &p, &n, err, sizeof(err)), OC_ERR_INVALID);
}

Test(query, too_many_parameters_are_refused)
{
    char q[1024] = "";
    struct gw_query_param *p;
    size_t n;
    char err[128];

    for (int i = 0; i < 100; i++)
        strcat(q, "a=1&");
    cr_assert_eq(gw_query_parse(arena, q, &p, &n, err, sizeof(err)), OC_ERR_INVALID);
}
