/*
 * Campaign settings: update masks, the checks of every field, and the
 * JSON the schedule and retry columns hold, read back into wire messages
 * and into the rules the dispatcher applies.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/scheduler/campaign.h"

static Ocpb__Campaign valid(void)
{
    Ocpb__Campaign c = OCPB__CAMPAIGN__INIT;
    c.name = "Primavera";
    c.assistant_id = "0b6a3f3e-2d4c-4c8e-9a5e-1f2e3d4c5b6a";
    c.number_id = "5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
    c.default_region = "ES";
    c.timezone = "Europe/Madrid";
    return c;
}

Test(campaign, masks_name_fields_that_may_change)
{
    unsigned bits = 0;
    char err[128] = "";
    char *ok[] = {"name", "schedule", "pacing"};
    cr_assert_eq(campaign_mask(ok, 3, &bits, err, sizeof(err)), OC_OK, "%s", err);
    cr_expect_eq(bits, CAMPAIGN_NAME | CAMPAIGN_SCHEDULE | CAMPAIGN_PACING);
    cr_expect_eq(campaign_mask(ok, 0, &bits, err, sizeof(err)), OC_ERR_INVALID);
    char *unknown[] = {"colour"};
    cr_expect_eq(campaign_mask(unknown, 1, &bits, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "colour") != NULL, "%s", err);
    char *ro[] = {"state"};
    cr_expect_eq(campaign_mask(ro, 1, &bits, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "cannot be changed") != NULL, "%s", err);
}

Test(campaign, checks_each_field_with_a_message_naming_it)
{
    char err[160];
    Ocpb__Campaign c = valid();
    cr_assert_eq(campaign_check(&c, CAMPAIGN_ALL_FIELDS, err, sizeof(err)), OC_OK, "%s", err);

    c.timezone = "Europe/Atlantis";
    cr_expect_eq(campaign_check(&c, CAMPAIGN_ALL_FIELDS, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "timezone") != NULL, "%s", err);
    cr_expect_eq(campaign_check(&c, CAMPAIGN_NAME, err, sizeof(err)), OC_OK,
                 "a field outside the mask was checked");

    c = valid();
    c.default_region = "es";
    cr_expect_eq(campaign_check(&c, CAMPAIGN_ALL_FIELDS, err, sizeof(err)), OC_ERR_INVALID);
    c = valid();
    c.assistant_id = "assistant-1";
    cr_expect_eq(campaign_check(&c, CAMPAIGN_ALL_FIELDS, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "assistant_id") != NULL, "%s", err);
    c = valid();
    c.name = "";
    cr_expect_eq(campaign_check(&c, CAMPAIGN_ALL_FIELDS, err, sizeof(err)), OC_ERR_INVALID);

    c = valid();
    Ocpb__Pacing p = OCPB__PACING__INIT;
    p.max_per_minute = -1;
    c.pacing = &p;
    cr_expect_eq(campaign_check(&c, CAMPAIGN_ALL_FIELDS, err, sizeof(err)), OC_ERR_INVALID);
}

Test(campaign, schedule_checks_ranges_dates_and_countries)
{
    char err[160];
    Ocpb__Campaign c = valid();
    Ocpb__CallingSchedule s = OCPB__CALLING_SCHEDULE__INIT;
    Ocpb__CallingRange r = OCPB__CALLING_RANGE__INIT;
    Ocpb__CallingRange *rs[1] = {&r};
    Ocpb__Weekday days[1] = {(Ocpb__Weekday)8};
    r.days = days;
    r.n_days = 1;
    r.start_minute = 540;
    r.end_minute = 600;
    s.ranges = rs;
    s.n_ranges = 1;
    c.schedule = &s;
    cr_expect_eq(campaign_check(&c, CAMPAIGN_SCHEDULE, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "weekday") != NULL, "%s", err);
    days[0] = OCPB__WEEKDAY__WEEKDAY_MONDAY;
    cr_expect_eq(campaign_check(&c, CAMPAIGN_SCHEDULE, err, sizeof(err)), OC_OK, "%s", err);

    Ocpb__DateRange d = OCPB__DATE_RANGE__INIT;
    Ocpb__DateRange *ds[1] = {&d};
    d.from_date = "2026-13-01";
    s.exceptions = ds;
    s.n_exceptions = 1;
    cr_expect_eq(campaign_check(&c, CAMPAIGN_SCHEDULE, err, sizeof(err)), OC_ERR_INVALID);
    d.from_date = "2026-04-03";
    d.country = "Spain";
    cr_expect_eq(campaign_check(&c, CAMPAIGN_SCHEDULE, err, sizeof(err)), OC_ERR_INVALID);
    d.country = "ES";
    cr_expect_eq(campaign_check(&c, CAMPAIGN_SCHEDULE, err, sizeof(err)), OC_OK, "%s", err);

    /* A legal window that is empty once narrowed into 08:00-21:00. */
    s.legal_start_minute = 22 * 60;
    cr_expect_eq(campaign_check(&c, CAMPAIGN_SCHEDULE, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect(strstr(err, "legal window") != NULL, "%s", err);
}

Test(campaign, ranges_round_trip_through_the_column)
{
    Ocpb__CallingSchedule s = OCPB__CALLING_SCHEDULE__INIT;
    Ocpb__CallingRange a = OCPB__CALLING_RANGE__INIT, b = OCPB__CALLING_RANGE__INIT;
    Ocpb__CallingRange *rs[2] = {&a, &b};
    Ocpb__Weekday wk[5] = {1, 2, 3, 4, 5}, sat[1] = {6};
    a.days = wk;
    a.n_days = 5;
    a.start_minute = 540;
    a.end_minute = 840;
    b.days = sat;
    b.n_days = 1;
    b.start_minute = 22 * 60;
    b.end_minute = 2 * 60;
    s.ranges = rs;
    s.n_ranges = 2;
    char *json = campaign_ranges_json(&s);
    cr_assert_not_null(json);
    cr_expect_str_eq(json, "[{\"days\":[1,2,3,4,5],\"start\":\"09:00\",\"end\":\"14:00\"},"
                           "{\"days\":[6],\"start\":\"22:00\",\"end\":\"02:00\"}]");

    struct oc_arena *arena = NULL;
    cr_assert_eq(oc_arena_new(&arena, 4096), OC_OK);
    Ocpb__CallingRange **back = NULL;
    size_t n = 0;
    cr_assert_eq(campaign_ranges_pb(json, arena, &back, &n), OC_OK);
    cr_assert_eq(n, 2);
    cr_expect_eq(back[1]->start_minute, 1320);
    cr_expect_eq(back[1]->end_minute, 120);
    cr_expect_eq(back[0]->n_days, 5);

    struct calling_schedule rules;
    calling_schedule_init(&rules);
    cr_assert_eq(campaign_ranges_schedule(json, &rules), OC_OK);
    cr_expect_eq(rules.n_ranges, 2);
    cr_expect_eq(rules.ranges[1].days, 1u << 6);
    cr_expect_eq(campaign_ranges_schedule("{\"days\":1}", &rules), OC_ERR_INTERNAL);
    oc_arena_free(arena);
    free(json);
}

Test(campaign, retry_overrides_round_trip_and_fill_the_rules)
{
    Ocpb__RetryPolicy p = OCPB__RETRY_POLICY__INIT;
    p.voicemail_delay_s = 3600;
    p.disable_follow_ups = true;
    char *json = campaign_retry_json(&p);
    cr_assert_not_null(json);
    cr_expect_str_eq(json, "{\"voicemail_delay_s\":3600,\"disable_follow_ups\":true}");
    struct retry_rules r;
    cr_assert_eq(campaign_retry_rules(json, 0, 5, &r), OC_OK);
    cr_expect_eq(r.voicemail_s, 3600);
    cr_expect_not(r.follow_ups);
    cr_expect(r.retries);
    cr_expect_eq(r.max_auto_retries, 1, "0 keeps the default of one retry");
    cr_expect_eq(r.max_attempts, 5, "0 takes the service's default");
    cr_assert_eq(campaign_retry_rules("{}", 3, 5, &r), OC_OK);
    cr_expect_eq(r.max_attempts, 3);

    struct oc_arena *arena = NULL;
    cr_assert_eq(oc_arena_new(&arena, 1024), OC_OK);
    Ocpb__RetryPolicy *back = NULL;
    cr_assert_eq(campaign_retry_pb(json, arena, &back), OC_OK);
    cr_expect_eq(back->voicemail_delay_s, 3600);
    cr_expect(back->disable_follow_ups);
    oc_arena_free(arena);
    free(json);
}
