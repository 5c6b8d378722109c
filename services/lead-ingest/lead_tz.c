/*
 * Time zone choice for leads (see lead_tz.h). The number's zone comes from
 * two tables: the countries of the IANA database (tz_data.c), and below, by
 * hand, the places of countries with several zones that libphonenumber's
 * geocoder names and that lie wholly inside one zone. A place that straddles
 * zones (Texas, Florida, Ontario) is left out on purpose: then the campaign's
 * zone applies, and the source says so.
 */
#include "lead_tz.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- places */

struct tz_place {
    const char *region;
    const char *place; /* geocoder description, or a state code after ", " */
    const char *zone;
};

static const struct tz_place places[] = {
    /* Spain: the Canary Islands keep Atlantic time. */
    {"ES", "Tenerife", "Atlantic/Canary"},
    {"ES", "Las Palmas", "Atlantic/Canary"},
    {"ES", "Santa Cruz de Tenerife", "Atlantic/Canary"},
    /* Portugal: the Azores are an hour behind; Madeira keeps Lisbon's offsets. */
    {"PT", "Ponta Delgada", "Atlantic/Azores"},
    {"PT", "Horta", "Atlantic/Azores"},
    {"PT", "Angra do Heroísmo", "Atlantic/Azores"},
    {"PT", "Funchal", "Atlantic/Madeira"},
    /* United States: states wholly inside one zone, by code and by name. */
    {"US", "CT", "America/New_York"},
    {"US", "Connecticut", "America/New_York"},
    {"US", "DE", "America/New_York"},
    {"US", "Delaware", "America/New_York"},
    {"US", "DC", "America/New_York"},
    {"US", "Washington D.C.", "America/New_York"},
    {"US", "GA", "America/New_York"},
    {"US", "Georgia", "America/New_York"},
    {"US", "ME", "America/New_York"},
    {"US", "Maine", "America/New_York"},
    {"US", "MD", "America/New_York"},
    {"US", "Maryland", "America/New_York"},
    {"US", "MA", "America/New_York"},
    {"US", "Massachusetts", "America/New_York"},
    {"US", "NH", "America/New_York"},
    {"US", "New Hampshire", "America/New_York"},
    {"US", "NJ", "America/New_York"},
    {"US", "New Jersey", "America/New_York"},
    {"US", "NY", "America/New_York"},
    {"US", "New York", "America/New_York"},
    {"US", "NC", "America/New_York"},
    {"US", "North Carolina", "America/New_York"},
    {"US", "OH", "America/New_York"},
    {"US", "Ohio", "America/New_York"},
    {"US", "PA", "America/New_York"},
    {"US", "Pennsylvania", "America/New_York"},
    {"US", "RI", "America/New_York"},
    {"US", "Rhode Island", "America/New_York"},
    {"US", "SC", "America/New_York"},
    {"US", "South Carolina", "America/New_York"},
    {"US", "VT", "America/New_York"},
    {"US", "Vermont", "America/New_York"},
    {"US", "VA", "America/New_York"},
    {"US", "Virginia", "America/New_York"},
    {"US", "WV", "America/New_York"},
    {"US", "West Virginia", "America/New_York"},
    {"US", "AL", "America/Chicago"},
    {"US", "Alabama", "America/Chicago"},
    {"US", "AR", "America/Chicago"},
    {"US", "Arkansas", "America/Chicago"},
    {"US", "IL", "America/Chicago"},
    {"US", "Illinois", "America/Chicago"},
    {"US", "IA", "America/Chicago"},
    {"US", "Iowa", "America/Chicago"},
    {"US", "LA", "America/Chicago"},
    {"US", "Louisiana", "America/Chicago"},
    {"US", "MN", "America/Chicago"},
    {"US", "Minnesota", "America/Chicago"},
    {"US", "MS", "America/Chicago"},
    {"US", "Mississippi", "America/Chicago"},
    {"US", "MO", "America/Chicago"},
    {"US", "Missouri", "America/Chicago"},
    {"US", "OK", "America/Chicago"},
    {"US", "Oklahoma", "America/Chicago"},
    {"US", "WI", "America/Chicago"},
    {"US", "Wisconsin", "America/Chicago"},
    {"US", "CO", "America/Denver"},
    {"US", "Colorado", "America/Denver"},
    {"US", "MT", "America/Denver"},
    {"US", "Montana", "America/Denver"},
    {"US", "NM", "America/Denver"},
    {"US", "New Mexico", "America/Denver"},
    {"US", "UT", "America/Denver"},
    {"US", "Utah", "America/Denver"},
    {"US", "WY", "America/Denver"},
    {"US", "Wyoming", "America/Denver"},
    {"US", "CA", "America/Los_Angeles"},
    {"US", "California", "America/Los_Angeles"},
    {"US", "WA", "America/Los_Angeles"},
    {"US", "Washington", "America/Los_Angeles"},
    {"US", "HI", "Pacific/Honolulu"},
    {"US", "Hawaii", "Pacific/Honolulu"},
    /* Canada: provinces wholly inside one zone. */
    {"CA", "AB", "America/Edmonton"},
    {"CA", "Alberta", "America/Edmonton"},
    {"CA", "MB", "America/Winnipeg"},
    {"CA", "Manitoba", "America/Winnipeg"},
    {"CA", "NB", "America/Moncton"},
    {"CA", "New Brunswick", "America/Moncton"},
    {"CA", "NS", "America/Halifax"},
    {"CA", "Nova Scotia", "America/Halifax"},
    {"CA", "PE", "America/Halifax"},
    {"CA", "Prince Edward Island", "America/Halifax"},
    /* Australia, Mexico, Brazil, Russia: the large cities the geocoder names. */
    {"AU", "Sydney", "Australia/Sydney"},
    {"AU", "Canberra", "Australia/Sydney"},
    {"AU", "Melbourne", "Australia/Melbourne"},
    {"AU", "Brisbane", "Australia/Brisbane"},
    {"AU", "Perth", "Australia/Perth"},
    {"AU", "Adelaide", "Australia/Adelaide"},
    {"AU", "Hobart", "Australia/Hobart"},
    {"AU", "Darwin", "Australia/Darwin"},
    {"MX", "Mexico City, FD", "America/Mexico_City"},
    {"MX", "Guadalajara, JAL", "America/Mexico_City"},
    {"MX", "Monterrey, NL", "America/Monterrey"},
    {"MX", "Tijuana, BC", "America/Tijuana"},
    {"BR", "São Paulo", "America/Sao_Paulo"},
    {"BR", "Rio de Janeiro", "America/Sao_Paulo"},
    {"BR", "Belo Horizonte", "America/Sao_Paulo"},
    {"BR", "Brasília", "America/Sao_Paulo"},
    {"BR", "Manaus", "America/Manaus"},
    {"RU", "Moscow", "Europe/Moscow"},
    {"RU", "St Petersburg", "Europe/Moscow"},
    {"RU", "Novosibirsk", "Asia/Novosibirsk"},
    {"RU", "Yekaterinburg", "Asia/Yekaterinburg"},
};

/* Countries whose geographic numbers outside the places above all lie in
 * the main zone (or zones with its offsets: Ceuta, Madeira). */
static const char *const geographic_main[] = {"ES", "PT"};

static const struct tz_country *country(const char *region)
{
    if (!region || !*region)
        return NULL;
    size_t lo = 0, hi = tz_data_countries_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(region, tz_data_countries[mid].region);
        if (c == 0)
            return &tz_data_countries[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const char *place_zone(const char *region, const char *place)
{
    if (!place || !*place)
        return NULL;
    /* "New York, NY": the state code after the last comma names the state. */
    const char *comma = strrchr(place, ',');
    const char *code = comma ? comma + 1 : NULL;
    while (code && *code == ' ')
        code++;
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        if (strcmp(places[i].region, region) != 0)
            continue;
        if (strcmp(places[i].place, place) == 0 || (code && strcmp(places[i].place, code) == 0))
            return places[i].zone;
    }
    return NULL;
}

/* ---------------------------------------------------------------- names */

/* tz_data_names is sorted with `sort -f` in the C locale, which folds
 * lower case to upper case; the search must fold the same way. */
static int fold_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = toupper((unsigned char)*a), y = toupper((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
}

static const char *find_exact(const char *name)
{
    size_t lo = 0, hi = tz_data_names_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = fold_cmp(name, tz_data_names[mid]);
        if (c == 0)
            return tz_data_names[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* A city such as "Madrid" or "New_York": the last part of exactly one
 * name. Links ("US/Eastern") and legacy names are never picked this way. */
static const char *find_city(const char *city)
{
    const char *found = NULL;
    for (unsigned i = 0; i < tz_data_names_count; i++) {
        const char *slash = strrchr(tz_data_names[i], '/');
        if (!slash || strncmp(tz_data_names[i], "Etc/", 4) == 0)
            continue;
        if (strcasecmp(slash + 1, city) != 0)
            continue;
        if (found)
            return NULL;
        found = tz_data_names[i];
    }
    return found;
}

bool lead_tz_canonical(const char *name, char *out, size_t outlen)
{
    char buf[LEAD_TZ_MAX];
    if (!name)
        return false;
    while (isspace((unsigned char)*name))
        name++;
    size_t n = strlen(name);
    while (n && isspace((unsigned char)name[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return false;
    for (size_t i = 0; i < n; i++)
        buf[i] = name[i] == ' ' ? '_' : name[i];
    buf[n] = '\0';

    const char *hit = find_exact(buf);
    if (!hit && !strchr(buf, '/'))
        hit = find_city(buf);
    if (!hit || strlen(hit) >= outlen)
        return false;
    memcpy(out, hit, strlen(hit) + 1);
    return true;
}

/* ---------------------------------------------------------------- choice */

const char *lead_tz_from_number(const struct phone_info *phone)
{
    if (!phone || !phone->region[0])
        return NULL;
    const struct tz_country *c = country(phone->region);
    if (!c)
        return NULL;
    if (c->uniform)
        return c->main;
    if (!phone->geographic)
        return NULL;
    const char *z = place_zone(phone->region, phone->place);
    if (z)
        return z;
    for (size_t i = 0; i < sizeof(geographic_main) / sizeof(geographic_main[0]); i++)
        if (strcmp(geographic_main[i], phone->region) == 0)
            return c->main;
    return NULL;
}

const char *lead_tz_region_main(const char *region)
{
    const struct tz_country *c = country(region);
    return c ? c->main : NULL;
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

enum oc_status lead_tz_choose(const char *explicit_zone, const struct phone_info *phone,
                              const char *campaign_zone, char *out, size_t outlen,
                              enum lead_tz_source *source, char *err, size_t errlen)
{
    const char *zone = NULL;
    enum lead_tz_source src = LEAD_TZ_SOURCE_UNSPECIFIED;
    char canon[LEAD_TZ_MAX];

    if (!blank(explicit_zone)) {
        if (!lead_tz_canonical(explicit_zone, canon, sizeof(canon))) {
            snprintf(err, errlen,
                     "unknown time zone \"%.60s\" (use an IANA name such as "
                     "Europe/Madrid)",
                     explicit_zone);
            return OC_ERR_INVALID;
        }
        zone = canon;
        src = LEAD_TZ_SOURCE_EXPLICIT;
    } else if ((zone = lead_tz_from_number(phone)) != NULL) {
        src = LEAD_TZ_SOURCE_NUMBER;
    } else if (!blank(campaign_zone)) {
        zone = campaign_zone;
        src = LEAD_TZ_SOURCE_CAMPAIGN;
    } else {
        snprintf(err, errlen,
                 "no time zone: the number does not give one and the campaign "
                 "has none");
        return OC_ERR_NOT_FOUND;
    }
    if (strlen(zone) >= outlen) {
        snprintf(err, errlen, "time zone name too long");
        return OC_ERR_INVALID;
    }
    memcpy(out, zone, strlen(zone) + 1);
    *source = src;
    return OC_OK;
}

const char *lead_tz_source_name(enum lead_tz_source s)
{
    switch (s) {
    case LEAD_TZ_SOURCE_EXPLICIT:
        return "explicit";
    case LEAD_TZ_SOURCE_NUMBER:
        return "number";
    case LEAD_TZ_SOURCE_CAMPAIGN:
        return "campaign";
    default:
        return "";
    }
}

enum lead_tz_source lead_tz_source_from_name(const char *name)
{
    if (!name)
        return LEAD_TZ_SOURCE_UNSPECIFIED;
    if (strcmp(name, "explicit") == 0)
        return LEAD_TZ_SOURCE_EXPLICIT;
    if (strcmp(name, "number") == 0)
        return LEAD_TZ_SOURCE_NUMBER;
    if (strcmp(name, "campaign") == 0)
        return LEAD_TZ_SOURCE_CAMPAIGN;
    return LEAD_TZ_SOURCE_UNSPECIFIED;
}
