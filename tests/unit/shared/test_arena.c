/*
 * Unit tests for arena.c: alignment, zeroed memory, allocations larger than
 * a block, reset keeping the first block, the string helpers, and the
 * protobuf-c allocator unpacking a real generated message. Under
 * SANITIZE=address any write past an allocation fails these tests.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "oc/arena.h"
#include "proto/common.pb-c.h"

Test(arena, allocations_are_16_byte_aligned)
{
    struct oc_arena *a = NULL;

    cr_assert_eq(oc_arena_new(&a, 1024), OC_OK);
    for (size_t n = 0; n < 300; n++) {
        void *p = oc_arena_alloc(a, n % 37 + 1);

        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 16, 0, "allocation %zu at %p", n, p);
    }
    oc_arena_free(a);
}

Test(arena, memory_is_zeroed_even_after_reset)
{
    struct oc_arena *a = NULL;
    unsigned char *p;

    cr_assert_eq(oc_arena_new(&a, 256), OC_OK);
    p = oc_arena_alloc(a, 64);
    for (size_t i = 0; i < 64; i++)
        cr_assert_eq(p[i], 0);
    memset(p, 0xab, 64);
    oc_arena_reset(a);
    p = oc_arena_alloc(a, 64);
    for (size_t i = 0; i < 64; i++)
        cr_assert_eq(p[i], 0, "byte %zu kept an old value", i);
    oc_arena_free(a);
}

Test(arena, allocations_do_not_overlap)
{
    struct oc_arena *a = NULL;
    unsigned char *p[100];

    cr_assert_eq(oc_arena_new(&a, 512), OC_OK);
    for (int i = 0; i < 100; i++) {
        p[i] = oc_arena_alloc(a, 40);
        memset(p[i], i, 40);
    }
    for (int i = 0; i < 100; i++)
        for (int j = 0; j < 40; j++)
            cr_assert_eq(p[i][j], (unsigned char)i);
    oc_arena_free(a);
}

Test(arena, large_allocations_get_their_own_block)
{
    struct oc_arena *a = NULL;
    unsigned char *small1, *big, *small2;

    cr_assert_eq(oc_arena_new(&a, 1024), OC_OK);
    small1 = oc_arena_alloc(a, 16);
    big = oc_arena_alloc(a, 1 << 20);
    small2 = oc_arena_alloc(a, 16);
    cr_assert_not_null(big);
    memset(big, 0x5a, 1 << 20);
    cr_assert_eq(big[(1 << 20) - 1], 0x5a);
    /* The small allocations keep sharing the first block around the big one. */
    cr_assert_eq(small2, small1 + 16);
    cr_assert_eq(oc_arena_used(a), 16 + (1 << 20) + 16);
    oc_arena_free(a);
}

Test(arena, reset_reuses_the_first_block)
{
    struct oc_arena *a = NULL;
    void *first;

    cr_assert_eq(oc_arena_new(&a, 256), OC_OK);
    first = oc_arena_alloc(a, 32);
    for (int i = 0; i < 50; i++)
        cr_assert_not_null(oc_arena_alloc(a, 50));
    cr_assert_not_null(oc_arena_alloc(a, 10000));
    cr_assert_gt(oc_arena_used(a), 5000);
    oc_arena_reset(a);
    cr_assert_eq(oc_arena_used(a), 0);
    cr_assert_eq(oc_arena_alloc(a, 32), first);
    oc_arena_free(a);
}

Test(arena, zero_sized_allocations_are_distinct)
{
    struct oc_arena *a = NULL;
    void *p, *q;

    cr_assert_eq(oc_arena_new(&a, 0), OC_OK);
    p = oc_arena_alloc(a, 0);
    q = oc_arena_alloc(a, 0);
    cr_assert_not_null(p);
    cr_assert_neq(p, q);
    oc_arena_free(a);
}

Test(arena, impossible_sizes_return_null)
{
    struct oc_arena *a = NULL;

    cr_assert_eq(oc_arena_new(&a, 0), OC_OK);
    cr_assert_null(oc_arena_alloc(a, SIZE_MAX));
    cr_assert_null(oc_arena_alloc(NULL, 8));
    oc_arena_free(a);
}

Test(arena, string_helpers_copy)
{
    struct oc_arena *a = NULL;
    char src[] = "hello world";
    char *s;

    cr_assert_eq(oc_arena_new(&a, 128), OC_OK);
    s = oc_arena_strdup(a, src);
    src[0] = 'J';
    cr_assert_str_eq(s, "hello world");
    cr_assert_str_eq(oc_arena_strndup(a, "hello world", 5), "hello");
    cr_assert_str_eq(oc_arena_strndup(a, "hi", 10), "hi");
    cr_assert_null(oc_arena_strdup(a, NULL));
    oc_arena_free(a);
}

Test(arena, printf_formats_long_strings)
{
    struct oc_arena *a = NULL;
    char *s;

    cr_assert_eq(oc_arena_new(&a, 64), OC_OK);
    s = oc_arena_printf(a, "%s-%d-%05.1f", "lead", 42, 3.14159);
    cr_assert_str_eq(s, "lead-42-003.1");
    s = oc_arena_printf(a, "%0500d", 7);
    cr_assert_eq(strlen(s), 500);
    cr_assert_eq(s[499], '7');
    oc_arena_free(a);
}

Test(arena, free_null_does_nothing)
{
    oc_arena_free(NULL);
    oc_arena_reset(NULL);
    cr_assert_eq(oc_arena_used(NULL), 0);
}

Test(arena, protobuf_allocator_round_trip)
{
    struct oc_arena *a = NULL;
    Ocpb__Envelope env = OCPB__ENVELOPE__INIT;
    Ocpb__Envelope *back;
    ProtobufCAllocator alloc;
    uint8_t buf[256];
    size_t len;

    env.tenant_id = "7d9f1a3e-0000-4000-8000-000000000001";
    env.request_id = "req-1";
    env.idempotency_key = "idem";
    env.deadline_unix_ms = 1763677800123;
    len = ocpb__envelope__pack(&env, buf);
    cr_assert_leq(len, sizeof(buf));

    cr_assert_eq(oc_arena_new(&a, 512), OC_OK);
    alloc = oc_arena_pb_allocator(a);
    back = ocpb__envelope__unpack(&alloc, len, buf);
    cr_assert_not_null(back);
    cr_assert_str_eq(back->tenant_id, env.tenant_id);
    cr_assert_str_eq(back->request_id, "req-1");
    cr_assert_str_eq(back->idempotency_key, "idem");
    cr_assert_eq(back->deadline_unix_ms, 1763677800123);
    cr_assert_gt(oc_arena_used(a), 0, "the message came from the arena");
    /* Freeing through the allocator is a no-op; the arena frees the memory. */
    ocpb__envelope__free_unpacked(back, &alloc);
    oc_arena_free(a);
}
