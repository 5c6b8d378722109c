/*
 * Duplicate detection for imports, with memory that does not grow with the
 * file where it matters. A number is packed into 64 bits (E.164 has at
 * most 15 digits and never a leading zero, so its digits as an integer
 * identify it). Two structures:
 *
 *   - dedup_set: an exact set of numbers with the line each was first seen
 *     on. The command-line check keeps the whole file in one; an import
 *     keeps one batch in one.
 *   - dedup_bloom: a fixed-size Bloom filter. An import adds every number
 *     it accepts (and the campaign's numbers when it starts); a number the
 *     filter has not seen is certainly new, and only the few it may have
 *     seen are looked up in Postgres. Its size, not the file's, bounds memory.
 *
 * Pure; not thread-safe (one per import).
 */
#ifndef LEAD_INGEST_DEDUP_H
#define LEAD_INGEST_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

/** The number "+34612345678" as 34612345678; 0 when it is not E.164. */
uint64_t dedup_key(const char *e164);

struct dedup_set;

/** An empty set sized for about expected numbers (it grows). Caller frees with dedup_set_free. */
enum oc_status dedup_set_new(struct dedup_set **out, size_t expected);

/** NULL does nothing. */
void dedup_set_free(struct dedup_set *s);

/** Forgets every number, keeping the memory. */
void dedup_set_clear(struct dedup_set *s);

/**
 * Adds key seen on line. Returns OC_OK when it is new, OC_ERR_CONFLICT when
 * it was there already (then *first_line, when not NULL, is the line it was
 * first seen on), OC_ERR_NOMEM when the set cannot grow.
 */
enum oc_status dedup_set_add(struct dedup_set *s, uint64_t key, long line, long *first_line);

/** Numbers held. */
size_t dedup_set_count(const struct dedup_set *s);

struct dedup_bloom;

/** A filter of bytes bytes (rounded up to a power of two). Caller frees with dedup_bloom_free. */
enum oc_status dedup_bloom_new(struct dedup_bloom **out, size_t bytes);

/** NULL does nothing. */
void dedup_bloom_free(struct dedup_bloom *b);

void dedup_bloom_add(struct dedup_bloom *b, uint64_t key);

/** False: certainly never added. True: perhaps added (check elsewhere). */
bool dedup_bloom_maybe(const struct dedup_bloom *b, uint64_t key);

#endif
