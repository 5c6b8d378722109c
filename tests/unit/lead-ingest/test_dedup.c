/* Duplicate detection structures: the exact set and the Bloom filter. */
#include <criterion/criterion.h>

#include "../../../services/lead-ingest/dedup.h"

Test(dedup, keys_pack_e164_numbers)
{
    cr_assert_eq(dedup_key("+34612345678"), 34612345678ULL);
    cr_assert_eq(dedup_key("+999999999999999"), 999999999999999ULL);
    cr_assert_eq(dedup_key("612345678"), 0);
    cr_assert_eq(dedup_key("+0612345678"), 0);
    cr_assert_eq(dedup_key("+34 612"), 0);
    cr_assert_eq(dedup_key("+1234567890123456"), 0, "sixteen digits are not E.164");
}

Test(dedup, the_set_reports_the_first_line_of_a_repeat)
{
    struct dedup_set *s;
    long first = 0;
    cr_assert_eq(dedup_set_new(&s, 4), OC_OK);
    for (long i = 0; i < 10000; i++)
        cr_assert_eq(dedup_set_add(s, 34600000000ULL + (uint64_t)i, i + 2, NULL), OC_OK);
    cr_assert_eq(dedup_set_count(s), 10000);
    cr_assert_eq(dedup_set_add(s, 34600000123ULL, 99999, &first), OC_ERR_CONFLICT);
    cr_assert_eq(first, 125);
    dedup_set_clear(s);
    cr_assert_eq(dedup_set_count(s), 0);
    cr_assert_eq(dedup_set_add(s, 34600000123ULL, 7, &first), OC_OK);
    dedup_set_free(s);
}

Test(dedup, the_bloom_filter_never_forgets_and_rarely_imagines)
{
    struct dedup_bloom *b;
    cr_assert_eq(dedup_bloom_new(&b, 1 << 20), OC_OK);
    for (uint64_t i = 0; i < 100000; i++)
        dedup_bloom_add(b, 34600000000ULL + i * 7);
    for (uint64_t i = 0; i < 100000; i++)
        cr_assert(dedup_bloom_maybe(b, 34600000000ULL + i * 7));
    int false_pos = 0;
    for (uint64_t i = 0; i < 100000; i++)
        false_pos += dedup_bloom_maybe(b, 12120000000ULL + i);
    /* 80 bits per number: far below one in a thousand. */
    cr_assert_lt(false_pos, 100, "%d false positives", false_pos);
    dedup_bloom_free(b);
}
