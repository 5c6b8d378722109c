/*
 * Time zone choice: an explicit value wins (and a wrong one is refused,
 * never replaced); then the number's zone where the number determines it;
 * then the campaign's; the source is kept with the zone.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/lead-ingest/lead_tz.h"

static struct phone_info number(const char *text, const char *region)
{
    struct phone_info p;
    char err[128];
    cr_assert_eq(phone_parse(text, region, true, &p, err, sizeof(err)), OC_OK, "%s: %s", text, err);
    return p;
}

static void choose(const char *explicit_zone, const struct phone_info *p, const char *campaign,
                   const char *want, enum lead_tz_source want_src)
{
    char out[LEAD_TZ_MAX], err[160];
    enum lead_tz_source src;
    cr_assert_eq(
        lead_tz_choose(explicit_zone, p, campaign, out, sizeof(out), &src, err, sizeof(err)), OC_OK,
        "%s", err);
    cr_assert_str_eq(out, want);
    cr_assert_eq(src, want_src, "source %s", lead_tz_source_name(src));
}

Test(lead_tz, an_explicit_zone_wins_over_the_number_and_the_campaign)
{
    struct phone_info canary = number("922 123 456", "ES");
    choose("Europe/Madrid", &canary, "America/Bogota", "Europe/Madrid", LEAD_TZ_SOURCE_EXPLICIT);
    choose("europe/madrid", &canary, NULL, "Europe/Madrid", LEAD_TZ_SOURCE_EXPLICIT);
    choose(" Madrid ", &canary, NULL, "Europe/Madrid", LEAD_TZ_SOURCE_EXPLICIT);
    choose("America/New York", NULL, NULL, "America/New_York", LEAD_TZ_SOURCE_EXPLICIT);
}

Test(lead_tz, the_number_gives_the_zone_where_it_determines_one)
{
    struct phone_info canary = number("928 123 456", "ES");
    struct phone_info madrid = number("91 123 45 67", "ES");
    struct phone_info berlin = number("030 123456", "DE");
    struct phone_info ny = number("(212) 555-0123", "US");
    struct phone_info azores = number("+351 296 123 456", "ES");
    choose(NULL, &canary, "Europe/Madrid", "Atlantic/Canary", LEAD_TZ_SOURCE_NUMBER);
    choose("", &madrid, "Atlantic/Canary", "Europe/Madrid", LEAD_TZ_SOURCE_NUMBER);
    choose("  ", &berlin, "Europe/Madrid", "Europe/Berlin", LEAD_TZ_SOURCE_NUMBER);
    choose(NULL, &ny, "Europe/Madrid", "America/New_York", LEAD_TZ_SOURCE_NUMBER);
    choose(NULL, &azores, "Europe/Lisbon", "Atlantic/Azores", LEAD_TZ_SOURCE_NUMBER);
}

Test(lead_tz, numbers_that_do_not_determine_a_zone_take_the_campaigns)
{
    /* A Spanish mobile may be in Madrid or the Canaries; Texas straddles
     * two zones; a Mexican number outside the big cities names no zone. */
    struct phone_info mobile = number("612 34 56 78", "ES");
    struct phone_info texas = number("713 555 0123", "US");
    choose(NULL, &mobile, "Atlantic/Canary", "Atlantic/Canary", LEAD_TZ_SOURCE_CAMPAIGN);
    choose(NULL, &texas, "America/Chicago", "America/Chicago", LEAD_TZ_SOURCE_CAMPAIGN);
    choose(NULL, NULL, "Europe/Madrid", "Europe/Madrid", LEAD_TZ_SOURCE_CAMPAIGN);
}

Test(lead_tz, an_unknown_explicit_zone_is_refused_not_replaced)
{
    char out[LEAD_TZ_MAX], err[160];
    enum lead_tz_source src;
    struct phone_info madrid = number("91 123 45 67", "ES");
    cr_assert_eq(lead_tz_choose("Mars/Olympus", &madrid, "Europe/Madrid", out, sizeof(out), &src,
                                err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_assert(strstr(err, "Mars/Olympus"), "%s", err);
    cr_assert_eq(
        lead_tz_choose("+01:00", NULL, "Europe/Madrid", out, sizeof(out), &src, err, sizeof(err)),
        OC_ERR_INVALID);
    cr_assert_eq(lead_tz_choose(NULL, NULL, NULL, out, sizeof(out), &src, err, sizeof(err)),
                 OC_ERR_NOT_FOUND);
}

Test(lead_tz, canonical_names)
{
    char out[LEAD_TZ_MAX];
    cr_assert(lead_tz_canonical("UTC", out, sizeof(out)));
    cr_assert_str_eq(out, "UTC");
    cr_assert(lead_tz_canonical("america/argentina/buenos_aires", out, sizeof(out)));
    cr_assert_str_eq(out, "America/Argentina/Buenos_Aires");
    cr_assert(lead_tz_canonical("bogota", out, sizeof(out)));
    cr_assert_str_eq(out, "America/Bogota");
    cr_assert_not(lead_tz_canonical("Nowhere", out, sizeof(out)));
    cr_assert_not(lead_tz_canonical("", out, sizeof(out)));
    cr_assert_not(lead_tz_canonical("Europe/Madrid", out, 5), "too small a buffer is refused");
}

Test(lead_tz, every_country_table_zone_is_a_known_name)
{
    char out[LEAD_TZ_MAX];
    cr_assert_gt(tz_data_countries_count, 200);
    for (unsigned i = 0; i < tz_data_countries_count; i++) {
        cr_assert(lead_tz_canonical(tz_data_countries[i].main, out, sizeof(out)), "%s",
                  tz_data_countries[i].main);
        cr_assert_str_eq(out, tz_data_countries[i].main);
    }
    cr_assert_str_eq(lead_tz_region_main("ES"), "Europe/Madrid");
    cr_assert_str_eq(lead_tz_region_main("US"), "America/New_York");
    cr_assert_null(lead_tz_region_main("XX"));
}
