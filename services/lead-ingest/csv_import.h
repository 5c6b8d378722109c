/*
 * A streaming CSV reader for lead files. Bytes go in, in pieces of any size
 * and split anywhere; records come out through a callback as soon as they
 * are complete, each with the line where it starts, its raw text and its
 * fields in UTF-8. The file is never held whole: memory stays bounded by
 * the longest record allowed.
 *
 * Parsing is libcsv's (RFC 4180: quoted fields, embedded delimiters and line
 * breaks, doubled quotes, CRLF, LF or CR, spaces around fields trimmed).
 * Around it the reader adds what lead files need: a UTF-8 byte order mark
 * is skipped; the delimiter (comma, semicolon, tab or pipe) is detected from
 * the first lines; Latin-1 (and its Windows-1252 superset, what spreadsheets
 * save) is detected and converted to UTF-8; blank rows are skipped; and a
 * bad record (an unbalanced quote, a row over the size limit, bytes in no
 * known encoding) comes out as a record with an error while the rest of the
 * file goes on. Files that are not CSV text at all (UTF-16, a spreadsheet
 * workbook, binary) fail as a whole with a message that says what to do.
 *
 * Pure: no I/O, no globals; one reader per file, used by one thread.
 */
#ifndef LEAD_INGEST_CSV_IMPORT_H
#define LEAD_INGEST_CSV_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "oc/status.h"

enum csv_encoding {
    CSV_ENCODING_ASCII = 0, /* nothing but ASCII so far: UTF-8 and Latin-1 agree */
    CSV_ENCODING_UTF8,
    CSV_ENCODING_LATIN1,
};

enum csv_row_error {
    CSV_ROW_OK = 0,
    CSV_ROW_MALFORMED, /* an unbalanced quote */
    CSV_ROW_ENCODING,  /* bytes in no known encoding, or UTF-8 inside a Latin-1 file */
    CSV_ROW_TOO_LONG,  /* over max_record bytes or max_fields columns */
};

/* One record, valid only during the callback. */
struct csv_record {
    long line;       /* physical line where the record starts, from 1 */
    const char *raw; /* the record as written (converted to UTF-8), NUL-terminated,
                        without its final line break; truncated when too long */
    size_t raw_len;
    const char *const *fields; /* NUL-terminated UTF-8; none when error is set */
    size_t nfields;
    enum csv_row_error error;
    const char *why; /* lowercase sentence when error is set */
};

struct csv_limits {
    size_t max_record; /* bytes of one record; 0: 64 KiB */
    size_t max_fields; /* columns; 0: 512 */
};

/**
 * Called for every record, the header included, in file order. A non-OK
 * return stops the reader: feed and finish return that status.
 */
typedef enum oc_status (*csv_record_cb)(void *user, const struct csv_record *rec);

struct csv_import;

/** Creates a reader; limits may be NULL. Caller frees with csv_import_free. */
enum oc_status csv_import_new(struct csv_import **out, const struct csv_limits *limits,
                              csv_record_cb cb, void *user);

/** Frees the reader. NULL does nothing. */
void csv_import_free(struct csv_import *ci);

/**
 * Reads the next piece of the file. Returns OC_OK, the callback's status,
 * or OC_ERR_INVALID when the file as a whole cannot be read as CSV text
 * (csv_import_error() says why); after an error the reader takes nothing more.
 */
enum oc_status csv_import_feed(struct csv_import *ci, const void *data, size_t len);

/** Ends the file: flushes its last record. Same returns as csv_import_feed. */
enum oc_status csv_import_finish(struct csv_import *ci);

/** The detected delimiter, or '\0' while the first lines are still coming. */
char csv_import_delimiter(const struct csv_import *ci);

/** The encoding as far as read. Latin-1 once a record needed conversion. */
enum csv_encoding csv_import_encoding(const struct csv_import *ci);

/** Why the file failed as a whole; "" otherwise. Borrowed from the reader. */
const char *csv_import_error(const struct csv_import *ci);

/** Bytes fed so far (for progress). */
uint64_t csv_import_bytes(const struct csv_import *ci);

/** "utf-8" or "latin-1": the name the API reports (ASCII reads as UTF-8). */
const char *csv_encoding_name(enum csv_encoding e);

/** "malformed", "encoding", "too_long" (the RejectReason words), "" for CSV_ROW_OK. */
const char *csv_row_error_name(enum csv_row_error e);

#endif
