/*
 * The libphonenumber wrapper: numbers of more than ten countries written
 * the ways people type them (spaces, dashes, dots, brackets, "00" and "+"
 * prefixes, national prefixes, an extension), the number types, the
 * country of the number, and the refusals with a reason a user can act on.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/lead-ingest/phone.h"

struct typed {
    const char *text;
    const char *region;
    const char *e164;
    enum phone_type type;
    const char *country;
};

static const struct typed typed[] = {
    /* Spain */
    {"612 34 56 78", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    {"612-345-678", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    {"612.34.56.78", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    {"(+34) 612 345 678", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    {"0034 612345678", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    {"34612345678", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    {"91 123 45 67", "ES", "+34911234567", PHONE_TYPE_FIXED_LINE, "ES"},
    {"800 123 456", "ES", "+34800123456", PHONE_TYPE_TOLL_FREE, "ES"},
    {"+34 612 34 56 78 ext. 12", "ES", "+34612345678", PHONE_TYPE_MOBILE, "ES"},
    /* United States and Canada */
    {"(212) 555-0123", "US", "+12125550123", PHONE_TYPE_FIXED_LINE_OR_MOBILE, "US"},
    {"1-212-555-0123", "US", "+12125550123", PHONE_TYPE_FIXED_LINE_OR_MOBILE, "US"},
    {"+1 (212) 555 0123", "ES", "+12125550123", PHONE_TYPE_FIXED_LINE_OR_MOBILE, "US"},
    {"(416) 555-0123", "CA", "+14165550123", PHONE_TYPE_FIXED_LINE_OR_MOBILE, "CA"},
    /* United Kingdom: the national 0, also after +44 in brackets */
    {"020 7946 0958", "GB", "+442079460958", PHONE_TYPE_FIXED_LINE, "GB"},
    {"+44 (0)20 7946 0958", "ES", "+442079460958", PHONE_TYPE_FIXED_LINE, "GB"},
    {"07400 123456", "GB", "+447400123456", PHONE_TYPE_MOBILE, "GB"},
    /* Germany */
    {"030 123456", "DE", "+4930123456", PHONE_TYPE_FIXED_LINE, "DE"},
    {"0151 12345678", "DE", "+4915112345678", PHONE_TYPE_MOBILE, "DE"},
    {"0049 30 123456", "ES", "+4930123456", PHONE_TYPE_FIXED_LINE, "DE"},
    /* France */
    {"06 12 34 56 78", "FR", "+33612345678", PHONE_TYPE_MOBILE, "FR"},
    {"01 23 45 67 89", "FR", "+33123456789", PHONE_TYPE_FIXED_LINE, "FR"},
    /* Italy: the leading 0 of fixed lines stays */
    {"347 123 4567", "IT", "+393471234567", PHONE_TYPE_MOBILE, "IT"},
    {"06 1234 5678", "IT", "+390612345678", PHONE_TYPE_FIXED_LINE, "IT"},
    /* Portugal, the Netherlands */
    {"912 345 678", "PT", "+351912345678", PHONE_TYPE_MOBILE, "PT"},
    {"06-12345678", "NL", "+31612345678", PHONE_TYPE_MOBILE, "NL"},
    /* Mexico (the old mobile 1 after +52), Brazil, Argentina (15 -> 9), Colombia */
    {"55 1234 5678", "MX", "+525512345678", PHONE_TYPE_FIXED_LINE_OR_MOBILE, "MX"},
    {"+52 1 55 1234 5678", "ES", "+525512345678", PHONE_TYPE_FIXED_LINE_OR_MOBILE, "MX"},
    {"(11) 91234-5678", "BR", "+5511912345678", PHONE_TYPE_MOBILE, "BR"},
    {"011 15-2345-6789", "AR", "+5491123456789", PHONE_TYPE_MOBILE, "AR"},
    {"300 1234567", "CO", "+573001234567", PHONE_TYPE_MOBILE, "CO"},
    /* Australia, India */
    {"0412 345 678", "AU", "+61412345678", PHONE_TYPE_MOBILE, "AU"},
    {"(02) 9876 5432", "AU", "+61298765432", PHONE_TYPE_FIXED_LINE, "AU"},
    {"+91 98765 43210", "ES", "+919876543210", PHONE_TYPE_MOBILE, "IN"},
};

Test(phone, numbers_of_many_countries_as_people_type_them)
{
    for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
        const struct typed *t = &typed[i];
        struct phone_info p;
        char err[128] = "";
        cr_assert_eq(phone_parse(t->text, t->region, false, &p, err, sizeof(err)), OC_OK,
                     "%s (%s): %s", t->text, t->region, err);
        cr_assert_str_eq(p.e164, t->e164, "%s (%s)", t->text, t->region);
        cr_assert_eq(p.type, t->type, "%s: type %s", t->text, phone_type_name(p.type));
        cr_assert_str_eq(p.region, t->country, "%s", t->text);
    }
}

Test(phone, invalid_numbers_are_refused_with_a_reason)
{
    const struct {
        const char *text;
        const char *region;
        const char *says;
    } bad[] = {
        {"abc", "ES", "not a phone number"},
        {"", "ES", "no phone number"},
        {"   ", "ES", "no phone number"},
        {"123", "ES", "too short"},
        {"+34 612", "ES", "too short"},
        {"+34 612 34 56 78 90 12", "ES", "too long"},
        {"+999 1234567", "ES", "unknown country code"},
        {"612345678", NULL, "no country code"},
        {"3.4612345678E+10", "ES", "scientific notation"},
        {"+34 412 34 56 78", "ES", "not a valid number in ES"},
        {"+1 123 456 7890", "ES", "not a valid number in US"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct phone_info p;
        char err[128] = "";
        cr_assert_eq(phone_parse(bad[i].text, bad[i].region, false, &p, err, sizeof(err)),
                     OC_ERR_INVALID, "%s was accepted", bad[i].text);
        cr_assert(strstr(err, bad[i].says), "%s: \"%s\" does not say \"%s\"", bad[i].text, err,
                  bad[i].says);
    }
}

Test(phone, geographic_numbers_name_their_place)
{
    struct phone_info p;
    char err[128];
    cr_assert_eq(phone_parse("922 123 456", "ES", true, &p, err, sizeof(err)), OC_OK);
    cr_assert(p.geographic);
    cr_assert_str_eq(p.place, "Tenerife");
    cr_assert_eq(phone_parse("612 345 678", "ES", true, &p, err, sizeof(err)), OC_OK);
    cr_assert_not(p.geographic, "a Spanish mobile is tied to no place");
    cr_assert_str_eq(p.place, "");
}

Test(phone, normalising_keeps_numbers_the_plan_does_not_know)
{
    char out[PHONE_E164_MAX], err[128];
    /* Ten national digits: no Spanish number, but a do-not-call request for
     * it must still be kept, under the same key however it is typed. */
    cr_assert_eq(phone_normalize("+34 612 041 0001", "ES", out, err, sizeof(err)), OC_OK, "%s",
                 err);
    cr_assert_str_eq(out, "+346120410001");
    cr_assert_eq(phone_normalize("0034-6120-410-001", "ES", out, err, sizeof(err)), OC_OK);
    cr_assert_str_eq(out, "+346120410001");
    cr_assert_eq(phone_normalize("612 34 56 78", "ES", out, err, sizeof(err)), OC_OK);
    cr_assert_str_eq(out, "+34612345678");
    cr_assert_eq(phone_normalize("abc", "ES", out, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_eq(phone_normalize("", "ES", out, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_eq(phone_normalize("612345678", NULL, out, err, sizeof(err)), OC_ERR_INVALID);
}

Test(phone, type_names_round_trip)
{
    for (int t = PHONE_TYPE_FIXED_LINE; t <= PHONE_TYPE_UNKNOWN; t++)
        cr_assert_eq(phone_type_from_name(phone_type_name((enum phone_type)t)), t);
    cr_assert_str_eq(phone_type_name(PHONE_TYPE_MOBILE), "mobile");
    cr_assert_str_eq(phone_type_name(PHONE_TYPE_FIXED_LINE_OR_MOBILE), "fixed_line_or_mobile");
}

Test(phone, regions_are_checked)
{
    cr_assert(phone_region_known("ES"));
    cr_assert(phone_region_known("US"));
    cr_assert_not(phone_region_known("XX"));
    cr_assert_not(phone_region_known("es"));
    cr_assert_not(phone_region_known(""));
}

/* Texts that phone_parse hands to libphonenumber as their digits alone,
 * and neighbours that it must leave as written. */
static const char *const shortcut_texts[] = {
    "612345678",
    "612 34 56 78",
    " 612-345-678 ",
    "(612) 345.678",
    "+34 612 345 678",
    "(+34) 612 345 678",
    "+ 34 (612) 34-56-78",
    "0034 612 345 678",
    "00 34 612345678",
    ".612.345.678.",
    "612-345-678-",
    "((612)) 345 678",
    "34 612 345 678",
    "+34612345678",
    "922 123 456",
    "91 123 45 67",
    "800 123 456",
    "012 345 678",
    "0 612 345 678",
    "+44 (0)20 7946 0958",
    "020 7946 0958",
    "07400 123456",
    "(212) 555-0123",
    "1-212-555-0123",
    "011 44 20 7946 0958",
    "+1 (212) 555 0123",
    "06 1234 5678",
    "+39 06 1234 5678",
    "347 123 4567",
    "(11) 91234-5678",
    "0 21 11 91234-5678",
    "011 15-2345-6789",
    "+54 9 11 2345-6789",
    "+52 1 55 1234 5678",
    "55 1234 5678",
    "030 123456",
    "0049 30 123456",
    "+800 1234 5678",
    "+7 495 123-45-67",
    "8 495 123 45 67",
    "+86 138 0013 8000",
    "+61 412 345 678",
    "(02) 9876 5432",
    "+91 98765 43210",
    "123",
    "1-2-3",
    "12",
    "1-2",
    "+1",
    "+12",
    "+1 2",
    "+34 612",
    "+999 1234567",
    "+34 412 34 56 78",
    "+1 123 456 7890",
    "612 34 56 78 90 12 34 56 78 90 12 34 56",
    "6 1 2 3 4 5 6 7 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
    "++34 612 345 678",
    "612+345678",
    "612 345 678 ext. 12",
    "612 345 678 x12",
    "612 345 678#",
    "612 345 678,,12",
    "612/345 678",
    "612 345 678 / 699 111 222",
    "tel:+34-612-345-678",
    "612\t345\t678",
    "１２３ ４５６ ７８９",
    "3.4612345678E+10",
    "1-800-FLOWERS",
    "abc",
    "",
};

static const char *const shortcut_regions[] = {"ES", "US", "GB", "IT", "AR",
                                               "BR", "MX", "RU", NULL};

/* Fails the test unless phone_parse and phone_parse_verbatim agree on text. */
static void assert_same_answer(const char *text, const char *region)
{
    struct phone_info a, b;
    char ea[160] = "", eb[160] = "";
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    enum oc_status sa = phone_parse(text, region, true, &a, ea, sizeof(ea));
    enum oc_status sb = phone_parse_verbatim(text, region, true, &b, eb, sizeof(eb));
    cr_assert_eq(sa, sb, "\"%s\" (%s): %s / %s", text, region, ea, eb);
    cr_assert_str_eq(ea, eb, "\"%s\" (%s)", text, region);
    if (sa != OC_OK)
        return;
    cr_assert_str_eq(a.e164, b.e164, "\"%s\" (%s)", text, region);
    cr_assert_eq(a.type, b.type, "\"%s\" (%s)", text, region);
    cr_assert_str_eq(a.region, b.region, "\"%s\" (%s)", text, region);
    cr_assert_eq(a.geographic, b.geographic, "\"%s\" (%s)", text, region);
    cr_assert_str_eq(a.place, b.place, "\"%s\" (%s)", text, region);
}

Test(phone, digits_alone_give_the_answers_of_the_text_as_written)
{
    for (size_t i = 0; i < sizeof(shortcut_texts) / sizeof(shortcut_texts[0]); i++)
        for (size_t k = 0; k < sizeof(shortcut_regions) / sizeof(shortcut_regions[0]); k++)
            assert_same_answer(shortcut_texts[i], shortcut_regions[k]);
    for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
        assert_same_answer(typed[i].text, typed[i].region);

    /* Digits of every kind of number, cut by separators at random places. */
    static const char *const digits[] = {
        "612345678",     "+34612345678",   "0034922123456",
        "911234567",     "2125550123",     "+12125550123",
        "02079460958",   "+4402079460958", "0612345678",
        "+390612345678", "01115234567890", "+5491123456789",
        "11912345678",   "+5215512345678", "84951234567",
        "+80012345678",  "0049301234567",  "+346",
        "612",
    };
    static const char seps[] = " -.()";
    unsigned seed = 12345;
    for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++) {
        for (int round = 0; round < 40; round++) {
            char text[64];
            size_t n = 0;
            for (const char *d = digits[i]; *d && n + 3 < sizeof(text); d++) {
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 3 == 0)
                    text[n++] = seps[(seed >> 20) % (sizeof(seps) - 1)];
                text[n++] = *d;
            }
            text[n] = '\0';
            for (size_t k = 0; k < sizeof(shortcut_regions) / sizeof(shortcut_regions[0]); k++)
                assert_same_answer(text, shortcut_regions[k]);
        }
    }
}
