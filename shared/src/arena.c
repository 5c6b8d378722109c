/*
 * A bump allocator for work with one clear end: a request handler, a call in
 * the media tier. Memory comes from a list of blocks; an allocation takes
 * the next 16-byte-aligned slice of the current block, and when that block
 * is full a new one is put in front. Allocations bigger than a quarter of a
 * block get a block of their own, linked behind the current one, so a large
 * buffer neither wastes the rest of the current block nor forces the small
 * allocations after it into a fresh block. Nothing is freed one by one:
 * oc_arena_reset() keeps the first block for the next round of work and
 * oc_arena_free() returns everything.
 */
#include "oc/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK 8192

/* malloc returns memory aligned for max_align_t (16 bytes on the platforms
 * we build for) and the alignment of data pads the header to 16, so every
 * offset that is a multiple of 16 is a 16-byte-aligned address. */
struct arena_block {
    struct arena_block *next;
    size_t cap;
    size_t off;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct oc_arena {
    struct arena_block *head;  /* the block small allocations come from */
    struct arena_block *first; /* kept across resets */
    size_t block_size;
    size_t used;
};

static struct arena_block *block_new(size_t cap)
{
    struct arena_block *b;

    if (cap > SIZE_MAX - sizeof(*b))
        return NULL;
    b = malloc(sizeof(*b) + cap);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->off = 0;
    return b;
}

enum oc_status oc_arena_new(struct oc_arena **out, size_t block_size)
{
    struct oc_arena *a;

    if (block_size == 0)
        block_size = ARENA_DEFAULT_BLOCK;
    block_size = (block_size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    a = malloc(sizeof(*a));
    if (a == NULL)
        return OC_ERR_NOMEM;
    a->first = block_new(block_size);
    if (a->first == NULL) {
        free(a);
        return OC_ERR_NOMEM;
    }
    a->head = a->first;
    a->block_size = block_size;
    a->used = 0;
    *out = a;
    return OC_OK;
}

static void blocks_free(struct arena_block *b)
{
    while (b != NULL) {
        struct arena_block *next = b->next;

        free(b);
        b = next;
    }
}

void oc_arena_free(struct oc_arena *a)
{
    if (a == NULL)
        return;
    blocks_free(a->head);
    free(a);
}

/* Big blocks may sit anywhere in the list, before or after the first block,
 * so a reset walks all of it and keeps only the first. */
void oc_arena_reset(struct oc_arena *a)
{
    struct arena_block *b;

    if (a == NULL)
        return;
    b = a->head;
    while (b != NULL) {
        struct arena_block *next = b->next;

        if (b != a->first)
            free(b);
        b = next;
    }
    a->first->off = 0;
    a->first->next = NULL;
    a->head = a->first;
    a->used = 0;
}

void *oc_arena_alloc(struct oc_arena *a, size_t n)
{
    struct arena_block *b;
    size_t size;
    void *p;

    if (a == NULL || n > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    /* A zero-byte request still gets a distinct, valid pointer, as malloc's
     * callers (protobuf-c among them) may expect. */
    size = n == 0 ? ARENA_ALIGN : (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

    if (size > a->block_size / 4) {
        b = block_new(size);
        if (b == NULL)
            return NULL;
        b->off = size;
        b->next = a->head->next;
        a->head->next = b;
        a->used += n;
        memset(b->data, 0, size);
        return b->data;
    }

    b = a->head;
    if (b->cap - b->off < size) {
        b = block_new(a->block_size);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->off;
    b->off += size;
    a->used += n;
    memset(p, 0, size);
    return p;
}

char *oc_arena_strndup(struct oc_arena *a, const char *s, size_t n)
{
    size_t len;
    char *p;

    if (s == NULL)
        return NULL;
    len = strnlen(s, n);
    p = oc_arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *oc_arena_strdup(struct oc_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return oc_arena_strndup(a, s, strlen(s));
}

char *oc_arena_vprintf(struct oc_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    int len;
    char *p;

    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
        return NULL;
    p = oc_arena_alloc(a, (size_t)len + 1);
    if (p == NULL)
        return NULL;
    vsnprintf(p, (size_t)len + 1, fmt, ap);
    return p;
}

char *oc_arena_printf(struct oc_arena *a, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = oc_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t oc_arena_used(const struct oc_arena *a)
{
    return a != NULL ? a->used : 0;
}

static void *pb_alloc(void *data, size_t size)
{
    return oc_arena_alloc(data, size);
}

/* Arena memory goes away with the arena, so a message unpacked with this
 * allocator may be passed to protobuf_c_message_free_unpacked (or never
 * freed at all) without harm. */
static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

ProtobufCAllocator oc_arena_pb_allocator(struct oc_arena *a)
{
    ProtobufCAllocator alloc = {.alloc = pb_alloc, .free = pb_free, .allocator_data = a};

    return alloc;
}
