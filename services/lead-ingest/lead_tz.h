/*
 * A lead's time zone: an explicit column (or API field) wins; otherwise the
 * number's, when the number determines one; otherwise the campaign's. The
 * source is kept with the zone, because an area code can mislead (ported
 * numbers, mobiles that moved). Pure: the zone names and each country's
 * zones come from tz_data.c, generated from the IANA database by
 * gen-tz-data.sh; no file is read at run time.
 */
#ifndef LEAD_INGEST_LEAD_TZ_H
#define LEAD_INGEST_LEAD_TZ_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/status.h"
#include "phone.h"

/* Longest IANA name is under 40 bytes. */
#define LEAD_TZ_MAX 64

/* Numbered as ocpb.TimezoneSource. */
enum lead_tz_source {
    LEAD_TZ_SOURCE_UNSPECIFIED = 0,
    LEAD_TZ_SOURCE_EXPLICIT = 1,
    LEAD_TZ_SOURCE_NUMBER = 2,
    LEAD_TZ_SOURCE_CAMPAIGN = 3,
};

/* One country of zone.tab: its zones, most populous first. uniform: they
 * all keep the same UTC offsets, so the country alone gives main. */
struct tz_country {
    const char *region;
    const char *main;
    bool uniform;
    const char *zones; /* space-separated */
};

/* tz_data.c */
extern const char *const tz_data_names[];
extern const unsigned tz_data_names_count;
extern const struct tz_country tz_data_countries[];
extern const unsigned tz_data_countries_count;

/**
 * Writes the IANA spelling of name to out: an exact name in any case
 * ("europe/madrid"), with spaces for underscores ("America/New York"), or a
 * city that names exactly one zone ("Madrid", "new york"). False when the
 * name is none of these or out is too small.
 */
bool lead_tz_canonical(const char *name, char *out, size_t outlen);

/**
 * The zone the number determines, or NULL: a country with one zone (or
 * zones that keep the same offsets), or a geographic number whose place
 * lies wholly in one zone (the Canary Islands, a US state inside one zone).
 * Mobiles of countries with several zones determine nothing. The string is
 * static.
 */
const char *lead_tz_from_number(const struct phone_info *phone);

/** The most populous zone of a region ("ES" -> "Europe/Madrid"), or NULL. Static. */
const char *lead_tz_region_main(const char *region);

/**
 * Chooses a lead's zone: explicit (may be NULL or blank) wins, then the
 * number's (phone may be NULL), then campaign_zone (already canonical; may
 * be NULL). Writes the zone to out and its source to *source. An explicit
 * value that names no zone is OC_ERR_INVALID with a sentence in err, never
 * silently replaced, because a wrong zone means calls at night. No zone at
 * all is OC_ERR_NOT_FOUND.
 */
enum oc_status lead_tz_choose(const char *explicit_zone, const struct phone_info *phone,
                              const char *campaign_zone, char *out, size_t outlen,
                              enum lead_tz_source *source, char *err, size_t errlen);

/** "explicit", "number", "campaign" (the schema's words); "" for unspecified. */
const char *lead_tz_source_name(enum lead_tz_source s);

/** The source named name; LEAD_TZ_SOURCE_UNSPECIFIED when none. */
enum lead_tz_source lead_tz_source_from_name(const char *name);

#endif
