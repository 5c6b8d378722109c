/* Keyset cursors: they round-trip any key, and a tampered one is refused. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/lead-ingest/page_cursor.h"

#define ID "0f8e4c2a-1b2c-4d3e-8f90-a1b2c3d4e5f6"

Test(page_cursor, round_trips_any_key)
{
    struct oc_arena *a;
    cr_assert_eq(oc_arena_new(&a, 4096), OC_OK);
    const char *keys[] = {"2026-11-20 22:30:00.123456+00", "García | Ana", "", "a|b|c"};
    for (size_t i = 0; i < 4; i++) {
        char *c = page_cursor_encode(a, 'n', keys[i], ID);
        cr_assert_not_null(c);
        cr_assert_null(strpbrk(c, "+/="), "a cursor travels in URLs: %s", c);
        struct page_cursor pc;
        cr_assert_eq(page_cursor_decode(a, c, 'n', &pc), OC_OK);
        cr_assert_str_eq(pc.key, keys[i]);
        cr_assert_str_eq(pc.id, ID);
    }
    oc_arena_free(a);
}

Test(page_cursor, refuses_what_it_did_not_make)
{
    struct oc_arena *a;
    struct page_cursor pc;
    cr_assert_eq(oc_arena_new(&a, 4096), OC_OK);
    char *c = page_cursor_encode(a, 'c', "x", ID);
    cr_assert_eq(page_cursor_decode(a, c, 'n', &pc), OC_ERR_INVALID, "another list's cursor");
    cr_assert_eq(page_cursor_decode(a, "bm90IGEgY3Vyc29y", 'c', &pc), OC_ERR_INVALID);
    cr_assert_eq(page_cursor_decode(a, "%%%", 'c', &pc), OC_ERR_INVALID);
    cr_assert_eq(page_cursor_decode(a, "", 'c', &pc), OC_OK);
    cr_assert_null(pc.id, "an empty cursor is the first page");
    cr_assert_eq(page_limit(0), PAGE_DEFAULT_LIMIT);
    cr_assert_eq(page_limit(100000), PAGE_MAX_LIMIT);
    cr_assert_eq(page_limit(7), 7);
    oc_arena_free(a);
}
