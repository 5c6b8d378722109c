/*
 * A bump allocator: many small allocations freed at once. A request handler
 * works in one arena freed at its end; a call in the media tier owns one for
 * its lifetime. Not thread-safe: an arena belongs to one thread at a time.
 */
#ifndef OC_ARENA_H
#define OC_ARENA_H

#include <stddef.h>
#include <stdarg.h>
#include <protobuf-c/protobuf-c.h>

#include "oc/status.h"

struct oc_arena;

/** Creates an arena whose blocks are at least block_size bytes. Caller frees with oc_arena_free. */
enum oc_status oc_arena_new(struct oc_arena **out, size_t block_size);

/** Frees every block. oc_arena_free(NULL) does nothing. */
void oc_arena_free(struct oc_arena *a);

/** Forgets every allocation but keeps the first block for reuse. */
void oc_arena_reset(struct oc_arena *a);

/** Returns n bytes aligned for any type, or NULL when memory runs out. Zeroed. */
void *oc_arena_alloc(struct oc_arena *a, size_t n);

char *oc_arena_strdup(struct oc_arena *a, const char *s);
char *oc_arena_strndup(struct oc_arena *a, const char *s, size_t n);
char *oc_arena_printf(struct oc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *oc_arena_vprintf(struct oc_arena *a, const char *fmt, va_list ap);

/** Bytes handed out since the last reset (for tests and metrics). */
size_t oc_arena_used(const struct oc_arena *a);

/** A protobuf-c allocator that allocates from the arena and never frees. */
ProtobufCAllocator oc_arena_pb_allocator(struct oc_arena *a);

#endif
