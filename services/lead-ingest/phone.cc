/*
 * The thin C wrapper over libphonenumber that phone.h declares. It only
 * translates: C strings in, libphonenumber's Parse, GetNumberType and
 * Format(E164) in the middle, C structs and lowercase sentences out. No C++
 * exception or type crosses the interface.
 *
 * Cost: libphonenumber (built with ICU regular expressions) spends some
 * 10-15 microseconds on a number as people type it, so the work per number
 * is kept to one Parse and one GetNumberType: GetNumberType answers UNKNOWN
 * exactly when the number is not valid, so a separate IsValidNumber would
 * repeat the same matching. Parse itself costs about half as much on the
 * digits alone as on "(+34) 612 345 678", so text that is nothing but digits
 * and separators is handed to it as its digits (compact() says why that
 * changes no answer).
 */
#include "phone.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberOfflineGeocoder;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

/* One geocoder for the process: it loads its prefix tables lazily and
 * guards them with its own lock. Built on first use (thread-safe in C++11). */
PhoneNumberOfflineGeocoder &geocoder()
{
    static PhoneNumberOfflineGeocoder g;
    return g;
}

void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        std::snprintf(err, errlen, "%s", msg);
}

/* Spreadsheets turn long digit strings into numbers and print them as
 * "3.4612345678E+10", losing digits; such a cell cannot be trusted. */
bool looks_scientific(const char *s)
{
    const char *e = std::strpbrk(s, "eE");
    if (!e || !std::strchr(s, '.'))
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(std::isdigit(c) || c == '.' || c == ',' || c == 'e' || c == 'E' || c == '+' ||
              c == '-' || c == ' '))
            return false;
    }
    return std::isdigit((unsigned char)e[1]) || e[1] == '+';
}

/* The longest text compact() shortens; Parse refuses text over 250 characters. */
constexpr size_t COMPACT_MAX = 64;

/*
 * Writes to out the '+' and the digits of text when they are all Parse
 * would read of it, and returns true; returns false to leave text as it is.
 *
 * Parse starts at the first '+' or digit, drops trailing punctuation, and
 * reduces the rest to its digits before anything depends on it, and every
 * regular expression it runs on the text as written (is it a number at all,
 * does an extension or a second number follow) answers alike for the
 * digits alone when the text holds nothing but ASCII digits, one '+' before
 * them, and spaces, dashes, dots and brackets: an extension needs a letter,
 * '#', ',' or ';', a second number a '/'. Its pattern of a viable number
 * takes two digits only when nothing stands between them, so fewer than
 * three digits stay as written. The rest of Parse works on the digits, so
 * the number, or the error, is the same; only the time differs (about 9
 * microseconds for "(+34) 612 345 678", 4.7 for "+34612345678"). The unit
 * tests hold the two to giving the same answers (phone_parse_verbatim).
 */
bool compact(const char *text, char *out, size_t outlen)
{
    size_t n = 0, digits = 0;
    bool plus = false;
    for (const char *p = text; *p; p++) {
        char c = *p;
        if ((size_t)(p - text) >= COMPACT_MAX)
            return false;
        if (c >= '0' && c <= '9') {
            digits++;
        } else if (c == '+') {
            if (plus || digits)
                return false;
            plus = true;
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
            continue;
        } else {
            return false;
        }
        if (n + 1 >= outlen)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return digits >= 3;
}

bool blank(const char *s)
{
    for (; *s; s++)
        if (!std::isspace((unsigned char)*s))
            return false;
    return true;
}

enum phone_type map_type(PhoneNumberUtil::PhoneNumberType t)
{
    switch (t) {
    case PhoneNumberUtil::FIXED_LINE:
        return PHONE_TYPE_FIXED_LINE;
    case PhoneNumberUtil::MOBILE:
        return PHONE_TYPE_MOBILE;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
        return PHONE_TYPE_FIXED_LINE_OR_MOBILE;
    case PhoneNumberUtil::TOLL_FREE:
        return PHONE_TYPE_TOLL_FREE;
    case PhoneNumberUtil::PREMIUM_RATE:
        return PHONE_TYPE_PREMIUM_RATE;
    case PhoneNumberUtil::SHARED_COST:
        return PHONE_TYPE_SHARED_COST;
    case PhoneNumberUtil::VOIP:
        return PHONE_TYPE_VOIP;
    case PhoneNumberUtil::PERSONAL_NUMBER:
        return PHONE_TYPE_PERSONAL_NUMBER;
    case PhoneNumberUtil::PAGER:
        return PHONE_TYPE_PAGER;
    case PhoneNumberUtil::UAN:
        return PHONE_TYPE_UAN;
    case PhoneNumberUtil::VOICEMAIL:
        return PHONE_TYPE_VOICEMAIL;
    default:
        return PHONE_TYPE_UNKNOWN;
    }
}

const char *const type_names[] = {
    "unspecified",  "fixed_line",  "mobile",  "fixed_line_or_mobile", "toll_free",
    "premium_rate", "shared_cost", "voip",    "personal_number",      "pager",
    "uan",          "voicemail",   "unknown",
};

/* Why a parsed number is not valid, in words a user can act on. */
void explain_invalid(const PhoneNumberUtil &u, const PhoneNumber &n, char *err, size_t errlen)
{
    std::string region;
    u.GetRegionCodeForCountryCode(n.country_code(), &region);
    const char *what = "not a valid number";
    switch (u.IsPossibleNumberWithReason(n)) {
    case PhoneNumberUtil::TOO_SHORT:
        what = "too short";
        break;
    case PhoneNumberUtil::TOO_LONG:
        what = "too long";
        break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
        what = "unknown country code";
        break;
    case PhoneNumberUtil::INVALID_LENGTH:
        what = "the wrong length";
        break;
    default:
        break;
    }
    if (region.empty() || region == "ZZ" || region == "001")
        std::snprintf(err, errlen, "%s for +%d", what, n.country_code());
    else if (std::strcmp(what, "not a valid number") == 0)
        std::snprintf(err, errlen, "not a valid number in %s (+%d)", region.c_str(),
                      n.country_code());
    else
        std::snprintf(err, errlen, "%s for a number of %s (+%d)", what, region.c_str(),
                      n.country_code());
}

/* phone_parse, with or without compact(). */
enum oc_status parse(const char *text, const char *default_region, bool want_place, bool verbatim,
                     struct phone_info *out, char *err, size_t errlen)
{
    if (!text || blank(text)) {
        set_err(err, errlen, "no phone number");
        return OC_ERR_INVALID;
    }
    if (looks_scientific(text)) {
        set_err(err, errlen,
                "written in scientific notation, so digits are lost (format the column as text)");
        return OC_ERR_INVALID;
    }
    try {
        const PhoneNumberUtil &u = *PhoneNumberUtil::GetInstance();
        const std::string region = default_region && *default_region ? default_region : "ZZ";
        char digits[COMPACT_MAX];
        const char *input = !verbatim && compact(text, digits, sizeof(digits)) ? digits : text;
        PhoneNumber n;
        switch (u.Parse(input, region, &n)) {
        case PhoneNumberUtil::NO_PARSING_ERROR:
            break;
        case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
            set_err(err, errlen,
                    region == "ZZ" ? "no country code, and no default region to assume"
                                   : "unknown country code");
            return OC_ERR_INVALID;
        case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
        case PhoneNumberUtil::TOO_SHORT_NSN:
            set_err(err, errlen, "too short to be a phone number");
            return OC_ERR_INVALID;
        case PhoneNumberUtil::TOO_LONG_NSN:
            set_err(err, errlen, "too long to be a phone number");
            return OC_ERR_INVALID;
        default:
            set_err(err, errlen, "not a phone number");
            return OC_ERR_INVALID;
        }

        PhoneNumberUtil::PhoneNumberType t = u.GetNumberType(n);
        if (t == PhoneNumberUtil::UNKNOWN) {
            explain_invalid(u, n, err, errlen);
            return OC_ERR_INVALID;
        }

        struct phone_info info;
        std::memset(&info, 0, sizeof(info));
        std::string e164;
        u.Format(n, PhoneNumberUtil::E164, &e164);
        if (e164.size() >= sizeof(info.e164)) {
            set_err(err, errlen, "too long to be a phone number");
            return OC_ERR_INVALID;
        }
        std::memcpy(info.e164, e164.c_str(), e164.size() + 1);
        info.type = map_type(t);

        /* Most country codes belong to one region; only shared ones (+1, +7,
         * +44, ...) need the number's digits to tell which. */
        std::string num_region;
        u.GetRegionCodeForNumber(n, &num_region);
        if (num_region.size() == 2)
            std::memcpy(info.region, num_region.c_str(), 3);

        info.geographic = u.IsNumberGeographical(t, n.country_code());
        if (want_place && info.geographic) {
            static const icu::Locale english("en");
            std::string place = geocoder().GetDescriptionForValidNumber(n, english);
            std::snprintf(info.place, sizeof(info.place), "%s", place.c_str());
        }
        *out = info;
        return OC_OK;
    } catch (...) {
        set_err(err, errlen, "the phone library failed on this number");
        return OC_ERR_INTERNAL;
    }
}

} // namespace

extern "C" enum oc_status phone_parse(const char *text, const char *default_region, bool want_place,
                                      struct phone_info *out, char *err, size_t errlen)
{
    return parse(text, default_region, want_place, false, out, err, errlen);
}

extern "C" enum oc_status phone_parse_verbatim(const char *text, const char *default_region,
                                               bool want_place, struct phone_info *out, char *err,
                                               size_t errlen)
{
    return parse(text, default_region, want_place, true, out, err, errlen);
}

extern "C" enum oc_status phone_normalize(const char *text, const char *default_region, char *out,
                                          char *err, size_t errlen)
{
    if (!text || blank(text)) {
        set_err(err, errlen, "no phone number");
        return OC_ERR_INVALID;
    }
    if (looks_scientific(text)) {
        set_err(err, errlen,
                "written in scientific notation, so digits are lost (format the column as text)");
        return OC_ERR_INVALID;
    }
    try {
        const PhoneNumberUtil &u = *PhoneNumberUtil::GetInstance();
        const std::string region = default_region && *default_region ? default_region : "ZZ";
        char digits[COMPACT_MAX];
        PhoneNumber n;
        switch (u.Parse(compact(text, digits, sizeof(digits)) ? digits : text, region, &n)) {
        case PhoneNumberUtil::NO_PARSING_ERROR:
            break;
        case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
            set_err(err, errlen,
                    region == "ZZ" ? "no country code, and no default region to assume"
                                   : "unknown country code");
            return OC_ERR_INVALID;
        default:
            set_err(err, errlen, "not a phone number");
            return OC_ERR_INVALID;
        }
        std::string e164;
        u.Format(n, PhoneNumberUtil::E164, &e164);
        if (e164.size() < 3 || e164.size() >= PHONE_E164_MAX) {
            set_err(err, errlen, "not a phone number");
            return OC_ERR_INVALID;
        }
        std::memcpy(out, e164.c_str(), e164.size() + 1);
        return OC_OK;
    } catch (...) {
        set_err(err, errlen, "the phone library failed on this number");
        return OC_ERR_INTERNAL;
    }
}

extern "C" bool phone_region_known(const char *region)
{
    if (!region || std::strlen(region) != 2)
        return false;
    try {
        return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(region) != 0;
    } catch (...) {
        return false;
    }
}

extern "C" const char *phone_type_name(enum phone_type type)
{
    int i = (int)type;
    if (i < 0 || i >= (int)(sizeof(type_names) / sizeof(type_names[0])))
        return "unknown";
    return type_names[i];
}

extern "C" enum phone_type phone_type_from_name(const char *name)
{
    if (!name)
        return PHONE_TYPE_UNSPECIFIED;
    for (size_t i = 1; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (std::strcmp(type_names[i], name) == 0)
            return (enum phone_type)i;
    return PHONE_TYPE_UNSPECIFIED;
}
