/*
 * The streaming CSV reader of csv_import.h.
 *
 * Input passes two stages. The sniff stage holds the first bytes (up to the
 * second line break outside quotes, or 64 KiB) to recognise a byte order
 * mark, a file that is not CSV text, and the delimiter. The record stage
 * then hands the input to libcsv one line at a time (up to and including
 * each CR or LF), so that when libcsv reports the end of a record the reader
 * knows exactly which bytes made it: that is the record's raw text, kept for
 * rejected rows, and the line count for its number.
 *
 * Recovery: an unbalanced quote makes libcsv read on to the end of the file
 * as one field. When a record in a quoted field grows past the size limit,
 * or the file ends inside one, its first line is reported as malformed and
 * the bytes after that line are read again with a fresh parser (the replay
 * buffer), so one stray quote costs one row, not the rest of the file. A
 * record too long outside quotes is skipped to its line break.
 *
 * Encoding is decided record by record on the raw bytes: ASCII fits both;
 * the first record with valid non-ASCII UTF-8 makes the file UTF-8, the
 * first with invalid UTF-8 makes it Latin-1 (read as Windows-1252, which is
 * what spreadsheets write under that name), and a later record that
 * contradicts the decision is rejected rather than guessed at.
 */
#include "csv_import.h"

#include <csv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_DEFAULT_MAX_RECORD (64 * 1024)
#define CSV_DEFAULT_MAX_FIELDS 512
#define CSV_SNIFF_MAX (64 * 1024)

/* libcsv's parser states (libcsv.c): ROW_NOT_BEGUN until a record's first
 * byte that is not a space or a line break; FIELD_BEGUN inside a field,
 * which with p.quoted set means inside an open quote. */
#define LIBCSV_ROW_NOT_BEGUN 0
#define LIBCSV_FIELD_BEGUN 2

struct buf {
    char *p;
    size_t len;
    size_t cap;
};

struct csv_import {
    csv_record_cb cb;
    void *user;
    struct csv_limits lim;

    struct csv_parser parser;
    bool parser_ready;
    char delim;
    enum csv_encoding enc;
    bool failed;
    bool sniffed;
    struct buf sniff;
    char error[256];
    uint64_t bytes;

    /* The record being read. */
    struct buf raw;
    struct buf fields; /* field bytes, each NUL-terminated */
    size_t *offs;      /* start of each field in fields */
    size_t noffs;
    size_t cap_offs;
    bool too_many_fields;
    bool record_done; /* libcsv reported its end */
    bool open;        /* a byte of it has been read */
    bool skipping;    /* too long outside quotes: dropping bytes to the line break */
    long record_line;
    long line; /* physical line of the next byte */
    bool prev_cr;

    /* Bytes to read again after a malformed record, before new input. */
    struct buf replay;
    size_t replay_pos;

    /* Conversion and callback scratch, reused per record. */
    struct buf conv;
    const char **fptrs;
    size_t cap_fptrs;
};

/* ---------------------------------------------------------------- buffers */

static bool buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

static bool buf_add(struct buf *b, const void *data, size_t n)
{
    if (!buf_reserve(b, n))
        return false;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

static void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- encoding */

/* Windows-1252 in 0x80-0x9F (0: no character there); Latin-1 elsewhere. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

enum text_kind { TEXT_ASCII, TEXT_UTF8, TEXT_INVALID };

/* Classifies bytes; *bad is the first byte that is not valid UTF-8, and
 * *nul tells whether a NUL byte occurs. */
static enum text_kind classify(const char *s, size_t n, unsigned char *bad, bool *nul)
{
    enum text_kind k = TEXT_ASCII;
    const unsigned char *u = (const unsigned char *)s;
    *nul = false;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            if (u[i] == 0)
                *nul = true;
            i++;
            continue;
        }
        size_t len = utf8_seq(u + i, n - i);
        if (!len) {
            *bad = u[i];
            return TEXT_INVALID;
        }
        k = TEXT_UTF8;
        i += len;
    }
    return k;
}

static void put_utf8(struct buf *b, unsigned cp)
{
    char tmp[3];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    buf_add(b, tmp, n);
}

/* Appends s as Windows-1252 converted to UTF-8, NUL-terminated. Bytes with
 * no character (and NUL) become U+FFFD; *undefined is the first of them. */
static bool latin1_to_utf8(struct buf *b, const char *s, size_t n, int *undefined)
{
    if (!buf_reserve(b, n * 3 + 1))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp = c;
        if (c >= 0x80 && c <= 0x9F)
            cp = cp1252_high[c - 0x80];
        if (cp == 0) {
            if (*undefined < 0)
                *undefined = c;
            cp = 0xFFFD;
        }
        put_utf8(b, cp);
    }
    return buf_add(b, "", 1);
}

/* Appends s with invalid UTF-8 bytes (and NUL) replaced by U+FFFD. */
static bool sanitize_utf8(struct buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!buf_reserve(b, n * 3 + 1))
        return false;
    for (size_t i = 0; i < n;) {
        size_t len = u[i] ? utf8_seq(u + i, n - i) : 0;
        if (!len) {
            put_utf8(b, 0xFFFD);
            i++;
        } else {
            buf_add(b, s + i, len);
            i += len;
        }
    }
    return buf_add(b, "", 1);
}

const char *csv_encoding_name(enum csv_encoding e)
{
    return e == CSV_ENCODING_LATIN1 ? "latin-1" : "utf-8";
}

const char *csv_row_error_name(enum csv_row_error e)
{
    switch (e) {
    case CSV_ROW_MALFORMED:
        return "malformed";
    case CSV_ROW_ENCODING:
        return "encoding";
    case CSV_ROW_TOO_LONG:
        return "too_long";
    default:
        return "";
    }
}

/* ---------------------------------------------------------------- libcsv */

static int space_not_tab(unsigned char c)
{
    return c == CSV_SPACE;
}

static void on_field(void *data, size_t len, void *user)
{
    struct csv_import *ci = user;
    if (ci->noffs >= ci->lim.max_fields) {
        ci->too_many_fields = true;
        return;
    }
    if (ci->noffs == ci->cap_offs) {
        size_t cap = ci->cap_offs ? ci->cap_offs * 2 : 32;
        size_t *p = realloc(ci->offs, cap * sizeof(*p));
        if (!p)
            return;
        ci->offs = p;
        ci->cap_offs = cap;
    }
    ci->offs[ci->noffs++] = ci->fields.len;
    buf_add(&ci->fields, data ? data : "", data ? len : 0);
    buf_add(&ci->fields, "", 1);
}

static void on_row(int term, void *user)
{
    (void)term;
    struct csv_import *ci = user;
    ci->record_done = true;
}

static enum oc_status parser_reset(struct csv_import *ci)
{
    if (ci->parser_ready)
        csv_free(&ci->parser);
    ci->parser_ready = false;
    if (csv_init(&ci->parser, 0) != 0)
        return OC_ERR_NOMEM;
    ci->parser_ready = true;
    csv_set_delim(&ci->parser, (unsigned char)ci->delim);
    /* libcsv trims spaces and tabs around fields; with a tab delimiter a
     * tab must end a field instead. */
    if (ci->delim == '\t')
        csv_set_space_func(&ci->parser, space_not_tab);
    /* A little more than a record, so libcsv never copies a field in small steps. */
    csv_set_blk_size(&ci->parser, 4096);
    return OC_OK;
}

/* ---------------------------------------------------------------- records */

static void record_clear(struct csv_import *ci)
{
    ci->raw.len = 0;
    ci->fields.len = 0;
    ci->noffs = 0;
    ci->too_many_fields = false;
    ci->record_done = false;
    ci->open = false;
}

/* Raw text of the current record without its final line break. */
static size_t raw_body_len(const struct csv_import *ci)
{
    size_t n = ci->raw.len;
    while (n && (ci->raw.p[n - 1] == '\n' || ci->raw.p[n - 1] == '\r'))
        n--;
    return n;
}

static enum oc_status deliver_error(struct csv_import *ci, long line, const char *raw, size_t n,
                                    enum csv_row_error error, const char *why)
{
    ci->conv.len = 0;
    if (!sanitize_utf8(&ci->conv, raw, n))
        return OC_ERR_NOMEM;
    struct csv_record rec = {
        .line = line,
        .raw = ci->conv.p,
        .raw_len = ci->conv.len - 1,
        .error = error,
        .why = why,
    };
    return ci->cb(ci->user, &rec);
}

static bool fields_blank(const struct csv_import *ci)
{
    for (size_t i = 0; i < ci->noffs; i++)
        if (ci->fields.p[ci->offs[i]] != '\0')
            return false;
    return true;
}

/* Hands the finished record to the callback, in UTF-8. */
static enum oc_status deliver(struct csv_import *ci)
{
    size_t n = raw_body_len(ci);
    const char *raw = ci->raw.p ? ci->raw.p : "";
    char why[160];

    if (ci->too_many_fields) {
        snprintf(why, sizeof(why), "more than %zu columns", ci->lim.max_fields);
        return deliver_error(ci, ci->record_line, raw, n, CSV_ROW_TOO_LONG, why);
    }
    if (ci->noffs == 0 || fields_blank(ci))
        return OC_OK; /* a blank row, or only delimiters: nothing to import */
    if (n > ci->lim.max_record) {
        snprintf(why, sizeof(why), "row longer than %zu bytes", ci->lim.max_record);
        return deliver_error(ci, ci->record_line, raw, ci->lim.max_record, CSV_ROW_TOO_LONG, why);
    }

    unsigned char bad = 0;
    bool nul = false;
    enum text_kind kind = classify(raw, n, &bad, &nul);
    if (nul)
        return deliver_error(ci, ci->record_line, raw, n, CSV_ROW_ENCODING,
                             "contains a NUL byte (is the file really text?)");

    if (kind == TEXT_UTF8 && ci->enc == CSV_ENCODING_LATIN1)
        return deliver_error(ci, ci->record_line, raw, n, CSV_ROW_ENCODING,
                             "this row is UTF-8 but the rows before it were Latin-1; save the "
                             "file in one encoding");
    if (kind == TEXT_INVALID && ci->enc == CSV_ENCODING_UTF8) {
        snprintf(why, sizeof(why),
                 "not valid UTF-8 (byte 0x%02X) while the rows before it were UTF-8; save the "
                 "file in one encoding",
                 bad);
        return deliver_error(ci, ci->record_line, raw, n, CSV_ROW_ENCODING, why);
    }
    if (kind == TEXT_UTF8)
        ci->enc = CSV_ENCODING_UTF8;
    if (kind == TEXT_INVALID)
        ci->enc = CSV_ENCODING_LATIN1;

    if (ci->cap_fptrs < ci->noffs) {
        const char **p = realloc(ci->fptrs, ci->noffs * sizeof(*p));
        if (!p)
            return OC_ERR_NOMEM;
        ci->fptrs = p;
        ci->cap_fptrs = ci->noffs;
    }
    struct csv_record rec = {.line = ci->record_line, .nfields = ci->noffs};

    if (kind != TEXT_INVALID) {
        for (size_t i = 0; i < ci->noffs; i++)
            ci->fptrs[i] = ci->fields.p + ci->offs[i];
        ci->raw.p[n] = '\0';
        rec.raw = raw;
        rec.raw_len = n;
        rec.fields = ci->fptrs;
        return ci->cb(ci->user, &rec);
    }

    /* Latin-1: convert the raw text and each field. */
    int undefined = -1;
    ci->conv.len = 0;
    if (!latin1_to_utf8(&ci->conv, raw, n, &undefined))
        return OC_ERR_NOMEM;
    size_t raw_len = ci->conv.len - 1;
    size_t *starts = ci->offs; /* reused: field i now starts at starts[i] in conv */
    for (size_t i = 0; i < ci->noffs; i++) {
        const char *f = ci->fields.p + ci->offs[i];
        starts[i] = ci->conv.len;
        if (!latin1_to_utf8(&ci->conv, f, strlen(f), &undefined))
            return OC_ERR_NOMEM;
    }
    if (undefined >= 0) {
        snprintf(why, sizeof(why), "byte 0x%02X is not a character in Latin-1 or Windows-1252",
                 undefined);
        rec.error = CSV_ROW_ENCODING;
        rec.why = why;
        rec.raw = ci->conv.p;
        rec.raw_len = raw_len;
        return ci->cb(ci->user, &rec);
    }
    for (size_t i = 0; i < ci->noffs; i++)
        ci->fptrs[i] = ci->conv.p + starts[i];
    rec.raw = ci->conv.p;
    rec.raw_len = raw_len;
    rec.fields = ci->fptrs;
    return ci->cb(ci->user, &rec);
}

/*
 * Gives up on the current record, which sits inside an unbalanced quote:
 * reports its first line as malformed and queues the bytes after that line,
 * followed by rest (the unread part of the replay buffer being read, if
 * any), to be read again by a fresh parser.
 */
static enum oc_status resync(struct csv_import *ci, const char *why, const char *rest,
                             size_t rest_len)
{
    const char *raw = ci->raw.p;
    size_t n = ci->raw.len;
    size_t first = 0;
    while (first < n && raw[first] != '\n' && raw[first] != '\r')
        first++;
    size_t next = first;
    if (next < n && raw[next] == '\r')
        next++;
    if (next < n && raw[next] == '\n' && (next == first || raw[next - 1] == '\r'))
        next++;
    else if (next == first && next < n)
        next++;

    struct buf again = {0};
    if (!buf_add(&again, raw + next, n - next) || !buf_add(&again, rest ? rest : "", rest_len)) {
        buf_free(&again);
        return OC_ERR_NOMEM;
    }
    long line = ci->record_line;
    enum oc_status st = deliver_error(ci, line, raw, first, CSV_ROW_MALFORMED, why);
    buf_free(&ci->replay);
    ci->replay = again;
    ci->replay_pos = 0;
    record_clear(ci);
    ci->line = line + 1;
    ci->prev_cr = false;
    if (st == OC_OK)
        st = parser_reset(ci);
    return st;
}

/*
 * Reads bytes of the record stage, one line piece at a time, until they
 * run out or a resync queued bytes to read again (then *used tells how far
 * it got, and the caller turns to the replay buffer).
 */
static enum oc_status consume(struct csv_import *ci, const char *p, size_t n, bool from_replay,
                              size_t *used, bool *resynced)
{
    size_t pos = 0;
    *resynced = false;
    while (pos < n) {
        size_t k = pos;
        while (k < n && p[k] != '\n' && p[k] != '\r')
            k++;
        size_t end = k < n ? k + 1 : n;
        const char *seg = p + pos;
        size_t len = end - pos;
        bool is_break = k < n;
        unsigned char last = is_break ? (unsigned char)p[k] : 0;
        pos = end;

        if (ci->skipping) {
            /* Dropping the rest of an over-long unquoted record. */
            if (is_break) {
                ci->skipping = false;
                ci->line += (last == '\r' || !ci->prev_cr);
                ci->prev_cr = last == '\r';
                enum oc_status st = parser_reset(ci);
                if (st != OC_OK)
                    return st;
            }
            continue;
        }

        if (!ci->open && len > (size_t)is_break) {
            ci->open = true;
            ci->record_line = ci->line;
        }
        if (ci->open && !buf_add(&ci->raw, seg, len))
            return OC_ERR_NOMEM;
        if (is_break) {
            if (last == '\r' || !ci->prev_cr)
                ci->line++;
            ci->prev_cr = last == '\r';
        } else if (len) {
            ci->prev_cr = false;
        }

        if (csv_parse(&ci->parser, seg, len, on_field, on_row, ci) != len) {
            snprintf(ci->error, sizeof(ci->error), "csv parser: %s",
                     csv_strerror(csv_error(&ci->parser)));
            return OC_ERR_NOMEM;
        }
        if (ci->record_done) {
            enum oc_status st = deliver(ci);
            record_clear(ci);
            if (st != OC_OK)
                return st;
            continue;
        }
        if (ci->parser.pstate == LIBCSV_ROW_NOT_BEGUN) {
            /* Only spaces and line breaks so far: no record has begun. */
            record_clear(ci);
            continue;
        }
        if (ci->raw.len > ci->lim.max_record) {
            char why[128];
            if (ci->parser.quoted) {
                snprintf(why, sizeof(why), "unbalanced quote: the record runs past %zu bytes",
                         ci->lim.max_record);
                *used = pos;
                *resynced = true;
                return resync(ci, why, from_replay ? p + pos : NULL, from_replay ? n - pos : 0);
            }
            snprintf(why, sizeof(why), "row longer than %zu bytes", ci->lim.max_record);
            long line = ci->record_line;
            enum oc_status st =
                deliver_error(ci, line, ci->raw.p, ci->lim.max_record, CSV_ROW_TOO_LONG, why);
            record_clear(ci);
            if (st != OC_OK)
                return st;
            if (is_break) {
                st = parser_reset(ci);
                if (st != OC_OK)
                    return st;
            } else {
                ci->skipping = true;
            }
        }
    }
    *used = n;
    return OC_OK;
}

/* Reads data after the replay buffer is drained, replaying as needed. */
static enum oc_status push(struct csv_import *ci, const char *data, size_t n)
{
    for (;;) {
        size_t used;
        bool resynced;
        enum oc_status st;
        if (ci->replay_pos < ci->replay.len) {
            /* consume() may replace the replay buffer: read it through a copy of the pointer. */
            const char *p = ci->replay.p + ci->replay_pos;
            size_t left = ci->replay.len - ci->replay_pos;
            st = consume(ci, p, left, true, &used, &resynced);
            if (st != OC_OK)
                return st;
            if (!resynced)
                ci->replay_pos += used;
            continue;
        }
        if (n == 0)
            return OC_OK;
        st = consume(ci, data, n, false, &used, &resynced);
        if (st != OC_OK)
            return st;
        data += used;
        n -= used;
    }
}

/* ---------------------------------------------------------------- sniffing */

static enum oc_status fail(struct csv_import *ci, const char *msg)
{
    snprintf(ci->error, sizeof(ci->error), "%s", msg);
    ci->failed = true;
    return OC_ERR_INVALID;
}

/* True once the sniff buffer holds two line breaks outside quotes. */
static bool sniff_has_two_lines(const struct buf *b)
{
    bool quoted = false;
    int lines = 0;
    for (size_t i = 0; i < b->len; i++) {
        char c = b->p[i];
        if (c == '"')
            quoted = !quoted;
        else if (c == '\r' && i + 1 < b->len && b->p[i + 1] == '\n')
            continue; /* CRLF: the LF counts */
        else if ((c == '\n' || c == '\r') && !quoted && ++lines == 2)
            return true;
    }
    return false;
}

/*
 * Picks the delimiter from the first two lines: the candidate that occurs
 * as often in both (outside quotes) and most often; else the most frequent
 * in the header; else a comma (a file of one column).
 */
static char detect_delimiter(const char *s, size_t n)
{
    static const char cand[4] = {',', ';', '\t', '|'};
    size_t count[2][4] = {{0}};
    int line = 0;
    bool quoted = false;
    for (size_t i = 0; i < n && line < 2; i++) {
        char c = s[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            line++;
        } else if (!quoted) {
            for (int k = 0; k < 4; k++)
                if (c == cand[k])
                    count[line][k]++;
        }
    }
    int best = -1;
    for (int k = 0; k < 4; k++)
        if (count[0][k] > 0 && (line < 1 || count[0][k] == count[1][k]) &&
            (best < 0 || count[0][k] > count[0][best]))
            best = k;
    if (best < 0)
        for (int k = 0; k < 4; k++)
            if (count[0][k] > 0 && (best < 0 || count[0][k] > count[0][best]))
                best = k;
    return best < 0 ? ',' : cand[best];
}

static enum oc_status sniff_done(struct csv_import *ci)
{
    const unsigned char *u = (const unsigned char *)ci->sniff.p;
    size_t n = ci->sniff.len, skip = 0;
    ci->sniffed = true;

    if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return fail(ci, "the file is UTF-16 text; save it as CSV UTF-8 (or CSV comma delimited)");
    if (n >= 4 && memcmp(u, "PK\x03\x04", 4) == 0)
        return fail(ci, "the file is a spreadsheet workbook (xlsx, ods) or a zip archive; "
                        "export the sheet as CSV");
    if (n >= 4 && memcmp(u, "\xD0\xCF\x11\xE0", 4) == 0)
        return fail(ci, "the file is an old Excel workbook (xls); export the sheet as CSV");
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        skip = 3;
        ci->enc = CSV_ENCODING_UTF8;
    }
    size_t zeros = 0;
    for (size_t i = skip; i < n; i++)
        zeros += u[i] == 0;
    if (zeros > 0 && zeros * 8 >= n - skip)
        return fail(ci, "the file is not text (it is full of NUL bytes: UTF-16 without a byte "
                        "order mark, or a binary file); save it as CSV UTF-8");

    ci->delim = detect_delimiter(ci->sniff.p + skip, n - skip);
    enum oc_status st = parser_reset(ci);
    if (st != OC_OK)
        return st;
    st = push(ci, ci->sniff.p + skip, n - skip);
    buf_free(&ci->sniff);
    return st;
}

/* ---------------------------------------------------------------- interface */

enum oc_status csv_import_new(struct csv_import **out, const struct csv_limits *limits,
                              csv_record_cb cb, void *user)
{
    struct csv_import *ci = calloc(1, sizeof(*ci));
    if (!ci)
        return OC_ERR_NOMEM;
    ci->cb = cb;
    ci->user = user;
    if (limits)
        ci->lim = *limits;
    if (!ci->lim.max_record)
        ci->lim.max_record = CSV_DEFAULT_MAX_RECORD;
    if (!ci->lim.max_fields)
        ci->lim.max_fields = CSV_DEFAULT_MAX_FIELDS;
    ci->line = 1;
    *out = ci;
    return OC_OK;
}

void csv_import_free(struct csv_import *ci)
{
    if (!ci)
        return;
    if (ci->parser_ready)
        csv_free(&ci->parser);
    buf_free(&ci->sniff);
    buf_free(&ci->raw);
    buf_free(&ci->fields);
    buf_free(&ci->replay);
    buf_free(&ci->conv);
    free(ci->offs);
    free(ci->fptrs);
    free(ci);
}

enum oc_status csv_import_feed(struct csv_import *ci, const void *data, size_t len)
{
    if (ci->failed)
        return OC_ERR_INVALID;
    ci->bytes += len;
    enum oc_status st;
    if (!ci->sniffed) {
        if (!buf_add(&ci->sniff, data, len))
            return OC_ERR_NOMEM;
        if (ci->sniff.len < CSV_SNIFF_MAX && !sniff_has_two_lines(&ci->sniff))
            return OC_OK;
        st = sniff_done(ci);
    } else {
        st = push(ci, data, len);
    }
    if (st != OC_OK)
        ci->failed = true;
    return st;
}

enum oc_status csv_import_finish(struct csv_import *ci)
{
    if (ci->failed)
        return OC_ERR_INVALID;
    enum oc_status st = OC_OK;
    if (!ci->sniffed) {
        if (ci->sniff.len == 0)
            return fail(ci, "the file is empty");
        st = sniff_done(ci);
        if (st != OC_OK) {
            ci->failed = true;
            return st;
        }
    }
    /* The file may end inside an open quote: then its first line is
     * malformed and the rest is read again, as often as needed. */
    while (st == OC_OK && ci->open && ci->parser.quoted &&
           ci->parser.pstate == LIBCSV_FIELD_BEGUN) {
        st = resync(ci, "unbalanced quote: the file ends inside a quoted field", NULL, 0);
        if (st == OC_OK)
            st = push(ci, NULL, 0);
    }
    if (st == OC_OK && ci->skipping) {
        ci->skipping = false;
        record_clear(ci);
    }
    if (st == OC_OK && ci->parser_ready) {
        if (csv_fini(&ci->parser, on_field, on_row, ci) != 0)
            st = OC_ERR_NOMEM;
        else if (ci->record_done)
            st = deliver(ci);
        record_clear(ci);
    }
    if (st != OC_OK)
        ci->failed = true;
    return st;
}

char csv_import_delimiter(const struct csv_import *ci)
{
    return ci->sniffed ? ci->delim : '\0';
}

enum csv_encoding csv_import_encoding(const struct csv_import *ci)
{
    return ci->enc;
}

const char *csv_import_error(const struct csv_import *ci)
{
    return ci->error;
}

uint64_t csv_import_bytes(const struct csv_import *ci)
{
    return ci->bytes;
}
