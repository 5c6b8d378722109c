/*
 * The import pipeline, without storage: CSV bytes in (csv_import.c), the
 * header mapped (header_map.c), every data row checked (lead_row.c) and
 * checked against the rows before it for a repeated number, and each
 * outcome handed to a sink: a lead, or a rejected row with its line, raw
 * text and reason. The command-line check prints what the sink gets; the
 * service's import job stores it (import_job.c). Both run this same code.
 *
 * Duplicates in the file are found one of two ways, chosen by the caller:
 * exactly, with a set of every number (the check: it has no database), or
 * with a fixed-size Bloom filter that flags the rows that may repeat an
 * earlier number; the sink then settles those against what it stored. The
 * second keeps memory bounded whatever the file's size.
 *
 * One pipeline per file, fed by one thread at a time; it may run helper
 * threads of its own to check rows (opts.threads), which never call the sink.
 */
#ifndef LEAD_INGEST_LEAD_IMPORT_H
#define LEAD_INGEST_LEAD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv_import.h"
#include "dedup.h"
#include "header_map.h"
#include "lead_row.h"
#include "oc/status.h"

struct lead_import_sink {
    /* The header was mapped (may be NULL). */
    enum oc_status (*header)(void *user, const struct header_map *map);
    /* A checked lead. maybe_duplicate: the Bloom filter may have seen its
     * number (never set with exact duplicate detection). */
    enum oc_status (*lead)(void *user, const struct lead_row *row, bool maybe_duplicate);
    /* A rejected row. */
    enum oc_status (*reject)(void *user, const struct lead_reject *rej);
};

struct lead_import_opts {
    struct lead_defaults defaults;
    const struct header_rule *rules; /* explicit mapping */
    size_t n_rules;
    struct csv_limits limits; /* zero: the reader's defaults */
    /* 0: exact duplicate detection over the whole file; otherwise the size
     * of the Bloom filter in bytes. */
    size_t bloom_bytes;
    /* Threads that check rows, the caller's included (0 or 1: only the
     * caller's, row by row). Rows still reach the sink in file order, from
     * the caller's thread, but up to a block of them later than read. */
    size_t threads;
};

struct lead_import_stats {
    long rows;       /* data rows read */
    long leads;      /* handed to the sink as leads */
    long rejected;   /* handed to the sink as rejected, duplicates included */
    long duplicates; /* the part of rejected that repeated an earlier number */
};

struct lead_import;

/**
 * Creates a pipeline; opts and the strings it points to are copied where
 * needed and must outlive nothing. sink and user are borrowed for the
 * pipeline's life. Caller frees with lead_import_free.
 */
enum oc_status lead_import_new(struct lead_import **out, const struct lead_import_opts *opts,
                               const struct lead_import_sink *sink, void *user);

/** NULL does nothing. */
void lead_import_free(struct lead_import *li);

/**
 * Reads the next piece of the file. Returns OC_OK, a sink's non-OK status,
 * or OC_ERR_INVALID when the file as a whole cannot be imported (not CSV
 * text, no phone column, an unreadable header): lead_import_error() says why.
 */
enum oc_status lead_import_feed(struct lead_import *li, const void *data, size_t len);

/** Ends the file. Same returns as lead_import_feed. */
enum oc_status lead_import_finish(struct lead_import *li);

/** Why the file failed as a whole; "" otherwise. */
const char *lead_import_error(const struct lead_import *li);

/** The header map once the header was read; NULL before. Borrowed. */
const struct header_map *lead_import_map(const struct lead_import *li);

char lead_import_delimiter(const struct lead_import *li);
enum csv_encoding lead_import_encoding(const struct lead_import *li);
uint64_t lead_import_bytes(const struct lead_import *li);
struct lead_import_stats lead_import_stats(const struct lead_import *li);

/** The Bloom filter (NULL with exact detection), for numbers known from elsewhere. */
struct dedup_bloom *lead_import_bloom(struct lead_import *li);

#endif
