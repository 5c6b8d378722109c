/*
 * Keyset cursors for the list requests: an opaque string that carries the
 * sort key and the id of the last item of a page, so the next page starts
 * strictly after it whatever was added or removed meanwhile. The cursor is
 * base64url of "<kind>|<key>|<id>"; callers treat it as opaque and a
 * tampered one is refused, never trusted. Pure.
 */
#ifndef LEAD_INGEST_PAGE_CURSOR_H
#define LEAD_INGEST_PAGE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/arena.h"
#include "oc/status.h"

#define PAGE_DEFAULT_LIMIT 50
#define PAGE_MAX_LIMIT 500
/* A page stops early past this many bytes of text, so that a page of rows
 * with large custom fields or raw text still fits the NATS payload limit
 * (1 MiB by default) with room to spare. */
#define PAGE_MAX_BYTES (512 * 1024)

struct page_cursor {
    char kind;       /* which sort the cursor belongs to */
    const char *key; /* sort key of the last item, as text */
    const char *id;  /* id of the last item */
};

/** Encodes a cursor in the arena; NULL when out of memory. */
char *page_cursor_encode(struct oc_arena *a, char kind, const char *key, const char *id);

/**
 * Decodes text into *out (strings in the arena). An empty text is the
 * first page: OC_OK with out->id NULL. OC_ERR_INVALID for a cursor that is
 * malformed or of another kind than want.
 */
enum oc_status page_cursor_decode(struct oc_arena *a, const char *text, char want,
                                  struct page_cursor *out);

/** The page size for a requested limit: the default for 0, at most the maximum. */
int page_limit(int requested);

#endif
