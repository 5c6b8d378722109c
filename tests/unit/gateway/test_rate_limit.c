/*
 * The sliding-window decision behind login brute-force protection.
 */
#include <criterion/criterion.h>

#include "../../../services/gateway/gateway.h"

static const struct gw_rate_limit five_per_15_min = {5, 900};

Test(rate_limit, attempts_below_the_limit_go_ahead)
{
    double failures[] = {1000, 1010, 1020, 1030};

    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, failures, 4, 1040), 0);
    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, NULL, 0, 1040), 0);
}

Test(rate_limit, reaching_the_limit_blocks_the_next_attempt)
{
    double failures[] = {1000, 1010, 1020, 1030, 1040};

    cr_assert_gt(gw_rate_limit_retry_after(&five_per_15_min, failures, 5, 1050), 0);
}

Test(rate_limit, wait_lasts_until_the_oldest_counted_failure_leaves_the_window)
{
    double failures[] = {1000, 1010, 1020, 1030, 1040};

    /* The failure at 1000 leaves the window at 1900. */
    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, failures, 5, 1050), 850);
    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, failures, 5, 1899.5), 1);
    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, failures, 5, 1900), 0);
}

Test(rate_limit, with_more_failures_than_the_limit_the_newest_ones_decide)
{
    double failures[] = {1000, 1100, 1200, 1300, 1400, 1500, 1600};

    /* Five newest: 1200..1600; attempts resume when 1200 leaves, at 2100. */
    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, failures, 7, 1700), 400);
}

Test(rate_limit, order_of_the_failures_does_not_matter)
{
    double newest_first[] = {1040, 1030, 1020, 1010, 1000};
    double shuffled[] = {1020, 1000, 1040, 1010, 1030};

    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, newest_first, 5, 1050), 850);
    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, shuffled, 5, 1050), 850);
}

Test(rate_limit, failures_older_than_the_window_are_forgotten)
{
    double failures[] = {100, 200, 300, 400, 5000};

    cr_assert_eq(gw_rate_limit_retry_after(&five_per_15_min, failures, 5, 5001), 0);
}

Test(rate_limit, fractional_waits_round_up)
{
    static const struct gw_rate_limit one = {1, 60};
    double failures[] = {100.25};

    cr_assert_eq(gw_rate_limit_retry_after(&one, failures, 1, 100.5), 60);
}
