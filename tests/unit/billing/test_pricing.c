/*
 * billing's pricing (services/billing/pricing.c): credits read from and
 * written as text, seconds billed from a duration, the cost of seconds at a
 * per-minute price (rounded up to the milli-credit), and what settling a
 * hold charges and gives back.
 */
#include <criterion/criterion.h>

#include "../../../services/billing/pricing.h"

static int64_t parse(const char *text)
{
    int64_t v = -1;
    cr_assert_eq(pricing_parse_credits(text, PRICING_MAX_MILLI, &v), OC_OK, "\"%s\" refused", text);
    return v;
}

Test(pricing, credits_text_is_read_to_the_milli_credit)
{
    cr_assert_eq(parse("0"), 0);
    cr_assert_eq(parse("1"), 1000);
    cr_assert_eq(parse("100"), 100000);
    cr_assert_eq(parse("0.5"), 500);
    cr_assert_eq(parse("1.25"), 1250);
    cr_assert_eq(parse("12.345"), 12345);
    cr_assert_eq(parse("007.010"), 7010);
}

Test(pricing, malformed_credits_text_is_refused_and_leaves_the_output_alone)
{
    const char *bad[] = {"",   "-1", "+1",  "1.",  ".5",    "1.2345",        "1e3",
                         " 1", "1 ", "1,5", "abc", "1.2.3", "99999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 42;
        cr_expect_eq(pricing_parse_credits(bad[i], PRICING_MAX_MILLI, &v), OC_ERR_INVALID,
                     "\"%s\" accepted", bad[i]);
        cr_expect_eq(v, 42, "\"%s\" wrote the output", bad[i]);
    }
    int64_t v = 0;
    cr_expect_eq(pricing_parse_credits(NULL, PRICING_MAX_MILLI, &v), OC_ERR_INVALID);
}

Test(pricing, credits_above_the_maximum_are_refused)
{
    int64_t v = 0;
    cr_expect_eq(pricing_parse_credits("10", 10000, &v), OC_OK);
    cr_expect_eq(v, 10000);
    cr_expect_eq(pricing_parse_credits("10.001", 10000, &v), OC_ERR_INVALID);
}

Test(pricing, credits_are_written_without_trailing_zeros)
{
    char buf[PRICING_TEXT_MAX];
    cr_expect_str_eq(pricing_format_credits(0, buf), "0");
    cr_expect_str_eq(pricing_format_credits(1000, buf), "1");
    cr_expect_str_eq(pricing_format_credits(1500, buf), "1.5");
    cr_expect_str_eq(pricing_format_credits(17, buf), "0.017");
    cr_expect_str_eq(pricing_format_credits(120, buf), "0.12");
    cr_expect_str_eq(pricing_format_credits(-1034, buf), "-1.034");
    cr_expect_str_eq(pricing_format_credits(PRICING_MAX_MILLI, buf), "1000000000000");
}

Test(pricing, billed_seconds_round_up_a_started_second)
{
    cr_expect_eq(pricing_billed_seconds(0), 0);
    cr_expect_eq(pricing_billed_seconds(-5), 0);
    cr_expect_eq(pricing_billed_seconds(1), 1);
    cr_expect_eq(pricing_billed_seconds(999), 1);
    cr_expect_eq(pricing_billed_seconds(1000), 1);
    cr_expect_eq(pricing_billed_seconds(1001), 2);
    cr_expect_eq(pricing_billed_seconds(61001), 62);
}

Test(pricing, seconds_cost_their_share_of_the_minute_rounded_up)
{
    int64_t c = -1;
    /* 1 credit a minute: a second is 16.67 milli-credits, charged as 17. */
    cr_assert_eq(pricing_cost(1000, 1, &c), OC_OK);
    cr_expect_eq(c, 17);
    cr_assert_eq(pricing_cost(1000, 60, &c), OC_OK);
    cr_expect_eq(c, 1000);
    cr_assert_eq(pricing_cost(1000, 62, &c), OC_OK);
    cr_expect_eq(c, 1034);
    cr_assert_eq(pricing_cost(1000, 600, &c), OC_OK);
    cr_expect_eq(c, 10000);
    cr_assert_eq(pricing_cost(1500, 30, &c), OC_OK);
    cr_expect_eq(c, 750);
    cr_assert_eq(pricing_cost(0, 600, &c), OC_OK);
    cr_expect_eq(c, 0);
    cr_assert_eq(pricing_cost(1000, 0, &c), OC_OK);
    cr_expect_eq(c, 0);
}

Test(pricing, cost_is_never_less_than_the_exact_price)
{
    /* Whatever the price and the seconds, cost * 60 >= price * seconds,
     * and by less than one milli-credit. */
    for (int64_t price = 0; price <= 3000; price += 7)
        for (int64_t s = 0; s <= 400; s += 13) {
            int64_t c = 0;
            cr_assert_eq(pricing_cost(price, s, &c), OC_OK);
            cr_assert_geq(c * 60, price * s, "price %lld, %lld s: %lld", (long long)price,
                          (long long)s, (long long)c);
            cr_assert_lt(c * 60 - price * s, 60);
        }
}

Test(pricing, out_of_range_cost_is_refused)
{
    int64_t c = 7;
    cr_expect_eq(pricing_cost(-1, 10, &c), OC_ERR_INVALID);
    cr_expect_eq(pricing_cost(1000, -1, &c), OC_ERR_INVALID);
    cr_expect_eq(pricing_cost(PRICING_MAX_PRICE_MILLI + 1, 1, &c), OC_ERR_INVALID);
    cr_expect_eq(pricing_cost(1000, PRICING_MAX_SECONDS + 1, &c), OC_ERR_INVALID);
    cr_expect_eq(c, 7);
    cr_expect_eq(pricing_cost(PRICING_MAX_PRICE_MILLI, PRICING_MAX_SECONDS, &c), OC_OK);
    cr_expect_eq(c, PRICING_MAX_PRICE_MILLI * 7 * 1440);
}

Test(pricing, settling_charges_the_duration_and_gives_back_the_rest)
{
    struct pricing_settlement ps;
    /* A 600 s hold at 1 credit a minute (10 credits) for a call of 61.001 s. */
    cr_assert_eq(pricing_settle(1000, 10000, 61001, &ps), OC_OK);
    cr_expect_eq(ps.seconds, 62);
    cr_expect_eq(ps.charge, 1034);
    cr_expect_eq(ps.unused, 8966);
}

Test(pricing, a_call_that_never_ran_costs_nothing)
{
    struct pricing_settlement ps;
    cr_assert_eq(pricing_settle(1000, 10000, 0, &ps), OC_OK);
    cr_expect_eq(ps.seconds, 0);
    cr_expect_eq(ps.charge, 0);
    cr_expect_eq(ps.unused, 10000);
}

Test(pricing, a_call_longer_than_its_hold_is_charged_in_full)
{
    struct pricing_settlement ps;
    cr_assert_eq(pricing_settle(1000, 1000, 90000, &ps), OC_OK);
    cr_expect_eq(ps.seconds, 90);
    cr_expect_eq(ps.charge, 1500);
    cr_expect_eq(ps.unused, 0);
}

Test(pricing, a_call_longer_than_a_week_is_billed_as_a_week)
{
    struct pricing_settlement ps;
    cr_assert_eq(pricing_settle(1000, 0, INT64_MAX, &ps), OC_OK);
    cr_expect_eq(ps.seconds, PRICING_MAX_SECONDS);
    cr_expect_eq(ps.charge, 7 * 1440 * 1000);
}

Test(pricing, a_negative_hold_is_refused)
{
    struct pricing_settlement ps = {.seconds = 3};
    cr_expect_eq(pricing_settle(1000, -1, 1000, &ps), OC_ERR_INVALID);
    cr_expect_eq(ps.seconds, 3);
}
