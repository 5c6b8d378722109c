/*
 * Retry and follow-up rules: the delays of each rule, the analysis's time
 * winning for follow-ups, a campaign's own delay winning for retries, one
 * automatic retry by default and none after a retry failed, and the cap on
 * calls per lead.
 */
#include <criterion/criterion.h>

#include "../../../services/scheduler/retry_policy.h"

#define HOUR (3600 * 1000LL)
#define DAY (24 * HOUR)
#define ENDED 1800000000000LL

static struct retry_decision decide(const struct retry_rules *r, int attempt, int auto_retries,
                                    enum retry_trigger t, int64_t suggested)
{
    struct retry_call call = {.attempt = attempt, .auto_retries = auto_retries, .ended_ms = ENDED};
    struct retry_facts facts = {.trigger = t, .suggested_ms = suggested};
    struct retry_decision d;
    retry_policy_decide(r, &call, &facts, &d);
    return d;
}

Test(retry_policy, voicemail_retries_after_48_hours)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision d = decide(&r, 1, 0, RETRY_VOICEMAIL, 0);
    cr_assert(d.schedule, "%s", d.why);
    cr_expect_eq(d.kind, CALL_KIND_RETRY_CALL);
    cr_expect_eq(d.due_ms, ENDED + 48 * HOUR);
    cr_expect_eq(d.attempt, 2);
    cr_expect_eq(d.auto_retries, 1);
}

Test(retry_policy, later_follows_up_after_24_hours)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision d = decide(&r, 1, 0, FOLLOW_UP_LATER, 0);
    cr_assert(d.schedule);
    cr_expect_eq(d.kind, CALL_KIND_FOLLOW_UP_CALL);
    cr_expect_eq(d.due_ms, ENDED + 24 * HOUR);
    cr_expect_eq(d.auto_retries, 0, "a follow-up starts a fresh retry count");
}

Test(retry_policy, next_week_follows_up_after_7_days)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision d = decide(&r, 1, 0, FOLLOW_UP_NEXT_WEEK, 0);
    cr_assert(d.schedule);
    cr_expect_eq(d.due_ms, ENDED + 7 * DAY);
}

Test(retry_policy, busy_but_interested_follows_up_in_2_to_3_days)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision d = decide(&r, 1, 0, FOLLOW_UP_BUSY_INTERESTED, 0);
    cr_assert(d.schedule);
    cr_expect_eq(d.due_ms, ENDED + 2 * DAY);
    cr_expect_eq(d.due_end_ms, ENDED + 3 * DAY);
}

Test(retry_policy, named_date_is_kept)
{
    struct retry_rules r;
    retry_rules_default(&r);
    int64_t named = ENDED + 5 * DAY + 3 * HOUR;
    struct retry_decision d = decide(&r, 1, 0, FOLLOW_UP_NAMED, named);
    cr_assert(d.schedule);
    cr_expect_eq(d.due_ms, named);
    /* A named time already past means as soon as allowed. */
    d = decide(&r, 1, 0, FOLLOW_UP_NAMED, ENDED - DAY);
    cr_expect_eq(d.due_ms, ENDED);
}

Test(retry_policy, analysis_time_wins_for_follow_ups)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision d = decide(&r, 1, 0, FOLLOW_UP_LATER, ENDED + 30 * HOUR);
    cr_expect_eq(d.due_ms, ENDED + 30 * HOUR);
}

Test(retry_policy, campaign_delay_wins_over_the_analysis_for_retries)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision d = decide(&r, 1, 0, RETRY_BUSY, ENDED + 5 * HOUR);
    cr_expect_eq(d.due_ms, ENDED + 5 * HOUR, "without a campaign delay the analysis's time");
    r.busy_s = 3600;
    d = decide(&r, 1, 0, RETRY_BUSY, ENDED + 5 * HOUR);
    cr_expect_eq(d.due_ms, ENDED + HOUR);
    d = decide(&r, 1, 0, RETRY_NO_ANSWER, 0);
    cr_expect_eq(d.due_ms, ENDED + 4 * HOUR, "other rules keep their defaults");
}

Test(retry_policy, one_automatic_retry_by_default)
{
    struct retry_rules r;
    retry_rules_default(&r);
    struct retry_decision first = decide(&r, 1, 0, RETRY_FAILED, 0);
    cr_assert(first.schedule);
    cr_expect_eq(first.due_ms, ENDED + 30 * 60 * 1000LL);
    /* The retry failed too: no more. */
    struct retry_decision second = decide(&r, first.attempt, first.auto_retries, RETRY_FAILED, 0);
    cr_expect_not(second.schedule);
    cr_expect_str_eq(second.why, "no more automatic retries: the retry failed too");
    second = decide(&r, first.attempt, first.auto_retries, RETRY_VOICEMAIL, 0);
    cr_expect_not(second.schedule);
}

Test(retry_policy, a_follow_up_after_a_retry_is_allowed)
{
    struct retry_rules r;
    retry_rules_default(&r);
    /* A retry that reached the contact, who asked to be called tomorrow. */
    struct retry_decision d = decide(&r, 2, 1, FOLLOW_UP_LATER, 0);
    cr_expect(d.schedule, "%s", d.why);
}

Test(retry_policy, campaign_can_allow_more_retries)
{
    struct retry_rules r;
    retry_rules_default(&r);
    r.max_auto_retries = 3;
    struct retry_decision d = decide(&r, 3, 2, RETRY_NO_ANSWER, 0);
    cr_assert(d.schedule);
    cr_expect_eq(d.auto_retries, 3);
    d = decide(&r, 4, 3, RETRY_NO_ANSWER, 0);
    cr_expect_not(d.schedule);
}

Test(retry_policy, attempts_per_lead_cap_every_kind)
{
    struct retry_rules r;
    retry_rules_default(&r);
    r.max_attempts = 2;
    cr_expect(decide(&r, 1, 0, RETRY_VOICEMAIL, 0).schedule);
    struct retry_decision d = decide(&r, 2, 0, FOLLOW_UP_LATER, 0);
    cr_expect_not(d.schedule);
    cr_expect_str_eq(d.why, "the campaign's attempts per lead are used up");
}

Test(retry_policy, switches_turn_rules_off)
{
    struct retry_rules r;
    retry_rules_default(&r);
    r.retries = false;
    cr_expect_not(decide(&r, 1, 0, RETRY_VOICEMAIL, 0).schedule);
    cr_expect(decide(&r, 1, 0, FOLLOW_UP_LATER, 0).schedule);
    retry_rules_default(&r);
    r.follow_ups = false;
    cr_expect_not(decide(&r, 1, 0, FOLLOW_UP_NAMED, ENDED + DAY).schedule);
    cr_expect(decide(&r, 1, 0, RETRY_BUSY, 0).schedule);
    cr_expect_not(decide(&r, 1, 0, RETRY_NONE, 0).schedule);
}
