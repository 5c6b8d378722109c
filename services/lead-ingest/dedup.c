/*
 * The exact set and the Bloom filter of dedup.h. The set is open addressing
 * with linear probing on a power-of-two table kept at most half full; key 0
 * never occurs (it is no number), so it marks an empty slot. The filter
 * uses four bit positions per key, derived from two 64-bit mixes of it
 * (double hashing), which at 16 bits per number gives a false-positive rate
 * near 0.2%.
 */
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#define BLOOM_HASHES 4

uint64_t dedup_key(const char *e164)
{
    if (!e164 || e164[0] != '+' || e164[1] < '1' || e164[1] > '9')
        return 0;
    uint64_t k = 0;
    size_t n = 0;
    for (const char *p = e164 + 1; *p; p++, n++) {
        if (*p < '0' || *p > '9' || n >= 15)
            return 0;
        k = k * 10 + (uint64_t)(*p - '0');
    }
    return n >= 2 ? k : 0;
}

/* A 64-bit finaliser (from MurmurHash3): spreads close numbers apart. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* ---------------------------------------------------------------- set */

struct slot {
    uint64_t key;
    long line;
};

struct dedup_set {
    struct slot *slots;
    size_t mask;
    size_t count;
};

static enum oc_status set_alloc(struct dedup_set *s, size_t cap)
{
    struct slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return OC_ERR_NOMEM;
    s->slots = slots;
    s->mask = cap - 1;
    s->count = 0;
    return OC_OK;
}

enum oc_status dedup_set_new(struct dedup_set **out, size_t expected)
{
    size_t cap = 64;
    while (cap < expected * 2)
        cap *= 2;
    struct dedup_set *s = calloc(1, sizeof(*s));
    if (!s)
        return OC_ERR_NOMEM;
    if (set_alloc(s, cap) != OC_OK) {
        free(s);
        return OC_ERR_NOMEM;
    }
    *out = s;
    return OC_OK;
}

void dedup_set_free(struct dedup_set *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

void dedup_set_clear(struct dedup_set *s)
{
    if (s->count)
        memset(s->slots, 0, (s->mask + 1) * sizeof(*s->slots));
    s->count = 0;
}

size_t dedup_set_count(const struct dedup_set *s)
{
    return s->count;
}

static struct slot *find(const struct dedup_set *s, uint64_t key)
{
    size_t i = (size_t)mix(key) & s->mask;
    while (s->slots[i].key && s->slots[i].key != key)
        i = (i + 1) & s->mask;
    return &s->slots[i];
}

static enum oc_status grow(struct dedup_set *s)
{
    struct dedup_set bigger;
    if (set_alloc(&bigger, (s->mask + 1) * 2) != OC_OK)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i <= s->mask; i++)
        if (s->slots[i].key) {
            *find(&bigger, s->slots[i].key) = s->slots[i];
            bigger.count++;
        }
    free(s->slots);
    *s = bigger;
    return OC_OK;
}

enum oc_status dedup_set_add(struct dedup_set *s, uint64_t key, long line, long *first_line)
{
    struct slot *sl = find(s, key);
    if (sl->key) {
        if (first_line)
            *first_line = sl->line;
        return OC_ERR_CONFLICT;
    }
    if ((s->count + 1) * 2 > s->mask + 1) {
        if (grow(s) != OC_OK)
            return OC_ERR_NOMEM;
        sl = find(s, key);
    }
    sl->key = key;
    sl->line = line;
    s->count++;
    return OC_OK;
}

/* ---------------------------------------------------------------- bloom */

struct dedup_bloom {
    uint64_t *bits;
    uint64_t nbits_mask;
};

enum oc_status dedup_bloom_new(struct dedup_bloom **out, size_t bytes)
{
    size_t words = 1;
    while (words * 8 < bytes)
        words *= 2;
    struct dedup_bloom *b = calloc(1, sizeof(*b));
    if (!b)
        return OC_ERR_NOMEM;
    b->bits = calloc(words, sizeof(uint64_t));
    if (!b->bits) {
        free(b);
        return OC_ERR_NOMEM;
    }
    b->nbits_mask = (uint64_t)words * 64 - 1;
    *out = b;
    return OC_OK;
}

void dedup_bloom_free(struct dedup_bloom *b)
{
    if (!b)
        return;
    free(b->bits);
    free(b);
}

void dedup_bloom_add(struct dedup_bloom *b, uint64_t key)
{
    uint64_t h1 = mix(key), h2 = mix(key ^ 0x9e3779b97f4a7c15ULL) | 1;
    for (int i = 0; i < BLOOM_HASHES; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) & b->nbits_mask;
        b->bits[bit >> 6] |= 1ULL << (bit & 63);
    }
}

bool dedup_bloom_maybe(const struct dedup_bloom *b, uint64_t key)
{
    uint64_t h1 = mix(key), h2 = mix(key ^ 0x9e3779b97f4a7c15ULL) | 1;
    for (int i = 0; i < BLOOM_HASHES; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) & b->nbits_mask;
        if (!(b->bits[bit >> 6] & (1ULL << (bit & 63))))
            return false;
    }
    return true;
}
