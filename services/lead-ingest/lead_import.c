/*
 * The import pipeline of lead_import.h. The record callback of the CSV
 * reader takes the first record as the header and every later one as data.
 *
 * Checking a row costs far more than reading it: libphonenumber spends some
 * 10-15 microseconds on a number, the rest of the pipeline about one. So
 * with more than one thread, data records are copied into a block, the
 * block's rows are checked by the pipeline's threads (the caller's among
 * them), and the results are handed to the sink in file order by the
 * caller's thread alone, which also keeps the duplicate detection
 * sequential. With one thread, every record is checked as it arrives.
 */
#include "lead_import.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Expected numbers for the first size of the exact set; it grows. */
#define EXACT_SET_START 4096
/* Records checked together by the threads; rows are handed over per block. */
#define BLOCK_RECORDS 1024
/* Records a thread takes from the block at a time. */
#define BLOCK_GRAIN 32
#define MAX_THREADS 16

/* One data record of a block, copied, and what checking it gave. */
struct slot {
    long line;
    enum csv_row_error error;
    size_t why_off, raw_off, raw_len, fields_off, nfields;
    /* The record again, once the block's text no longer moves. */
    struct csv_record rec;
    enum oc_status st;
    struct lead_row row;
    struct lead_reject rej;
    struct lead_row_scratch scratch;
};

struct block {
    struct slot *slots;
    size_t n;
    char *text; /* raw texts, reasons and fields, NUL-terminated */
    size_t len, cap;
    size_t *field_offs; /* offsets of every field of the block, in order */
    size_t n_fields, cap_fields;
    const char **field_ptrs;
    size_t cap_ptrs;
};

struct lead_import {
    struct lead_import_opts opts;
    char *region;
    char *campaign_zone;
    struct header_rule *rules;
    const struct lead_import_sink *sink;
    void *user;

    struct csv_import *csv;
    struct header_map *map;
    struct lead_row_scratch scratch;
    struct dedup_set *exact;
    struct dedup_bloom *bloom;
    struct lead_import_stats stats;
    char error[320];
    bool failed;

    /* One thread: reused for every row (large, so not on the stack). */
    struct lead_row row;
    struct lead_reject rej;

    /* More threads: the block and the helpers that check it. */
    struct block block;
    pthread_t helpers[MAX_THREADS];
    size_t n_helpers;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    unsigned long generation; /* a new block to check */
    size_t next;              /* first slot nobody took yet */
    size_t busy;              /* helpers still checking this generation */
    bool quit;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static enum oc_status fail(struct lead_import *li, const char *fmt, const char *a)
{
    snprintf(li->error, sizeof(li->error), fmt, a);
    li->failed = true;
    return OC_ERR_INVALID;
}

static enum oc_status on_header(struct lead_import *li, const struct csv_record *rec)
{
    char err[256];
    if (rec->error != CSV_ROW_OK)
        return fail(li, "the header row cannot be read: %s", rec->why);
    enum oc_status st = header_map_build(&li->map, rec->fields, rec->nfields, li->rules,
                                         li->opts.n_rules, err, sizeof(err));
    if (st == OC_ERR_INVALID)
        return fail(li, "%s", err);
    if (st != OC_OK)
        return st;
    return li->sink->header ? li->sink->header(li->user, li->map) : OC_OK;
}

static enum oc_status reject(struct lead_import *li, const struct lead_reject *rej)
{
    li->stats.rejected++;
    if (rej->code == LEAD_REJECT_DUPLICATE_IN_FILE ||
        rej->code == LEAD_REJECT_DUPLICATE_IN_CAMPAIGN)
        li->stats.duplicates++;
    return li->sink->reject(li->user, rej);
}

/* Hands one checked row to the sink, after the duplicate check. Rows
 * arrive here in file order, from the caller's thread only. */
static enum oc_status emit(struct lead_import *li, const struct csv_record *rec, enum oc_status st,
                           const struct lead_row *row, struct lead_reject *rej)
{
    li->stats.rows++;
    if (st == OC_ERR_INVALID)
        return reject(li, rej);
    if (st != OC_OK)
        return st;

    uint64_t key = dedup_key(row->phone.e164);
    bool maybe = false;
    if (li->exact) {
        long first = 0;
        st = dedup_set_add(li->exact, key, rec->line, &first);
        if (st == OC_ERR_CONFLICT) {
            rej->line = rec->line;
            rej->raw = rec->raw;
            rej->raw_len = rec->raw_len;
            rej->code = LEAD_REJECT_DUPLICATE_IN_FILE;
            snprintf(rej->e164_buf, sizeof(rej->e164_buf), "%s", row->phone.e164);
            rej->phone_e164 = rej->e164_buf;
            snprintf(rej->reason_buf, sizeof(rej->reason_buf),
                     "duplicate: %s is already on line %ld", row->phone.e164, first);
            rej->reason = rej->reason_buf;
            return reject(li, rej);
        }
        if (st != OC_OK)
            return st;
    } else {
        maybe = dedup_bloom_maybe(li->bloom, key);
        dedup_bloom_add(li->bloom, key);
    }
    li->stats.leads++;
    return li->sink->lead(li->user, row, maybe);
}

/* ---------------------------------------------------------------- blocks */

static bool text_add(struct block *b, const char *s, size_t n, size_t *off)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256 * 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->text, cap);
        if (!p)
            return false;
        b->text = p;
        b->cap = cap;
    }
    *off = b->len;
    memcpy(b->text + b->len, s, n);
    b->text[b->len + n] = '\0';
    b->len += n + 1;
    return true;
}

/* Copies a data record into the block. */
static enum oc_status block_add(struct block *b, const struct csv_record *rec)
{
    struct slot *s = &b->slots[b->n];
    s->line = rec->line;
    s->error = rec->error;
    s->nfields = rec->nfields;
    s->fields_off = b->n_fields;
    if (!text_add(b, rec->raw, rec->raw_len, &s->raw_off) ||
        !text_add(b, rec->why ? rec->why : "", rec->why ? strlen(rec->why) : 0, &s->why_off))
        return OC_ERR_NOMEM;
    s->raw_len = rec->raw_len;
    if (b->n_fields + rec->nfields > b->cap_fields) {
        size_t cap = b->cap_fields ? b->cap_fields : 8192;
        while (cap < b->n_fields + rec->nfields)
            cap *= 2;
        size_t *p = realloc(b->field_offs, cap * sizeof(*p));
        if (!p)
            return OC_ERR_NOMEM;
        b->field_offs = p;
        b->cap_fields = cap;
    }
    for (size_t i = 0; i < rec->nfields; i++)
        if (!text_add(b, rec->fields[i], strlen(rec->fields[i]), &b->field_offs[b->n_fields++]))
            return OC_ERR_NOMEM;
    b->n++;
    return OC_OK;
}

/* Turns the offsets of a full block into pointers: its text moves no more. */
static enum oc_status block_seal(struct block *b)
{
    if (b->n_fields > b->cap_ptrs) {
        const char **p = realloc(b->field_ptrs, b->n_fields * sizeof(*p));
        if (!p)
            return OC_ERR_NOMEM;
        b->field_ptrs = p;
        b->cap_ptrs = b->n_fields;
    }
    for (size_t i = 0; i < b->n_fields; i++)
        b->field_ptrs[i] = b->text + b->field_offs[i];
    for (size_t i = 0; i < b->n; i++) {
        struct slot *s = &b->slots[i];
        s->rec = (struct csv_record){
            .line = s->line,
            .raw = b->text + s->raw_off,
            .raw_len = s->raw_len,
            .fields = b->field_ptrs + s->fields_off,
            .nfields = s->nfields,
            .error = s->error,
            .why = b->text + s->why_off,
        };
    }
    return OC_OK;
}

/* Checks slots until the block has none left untaken. */
static void check_some(struct lead_import *li)
{
    struct block *b = &li->block;
    for (;;) {
        pthread_mutex_lock(&li->mu);
        size_t from = li->next;
        li->next = from + BLOCK_GRAIN < b->n ? from + BLOCK_GRAIN : b->n;
        size_t to = li->next;
        pthread_mutex_unlock(&li->mu);
        if (from >= to)
            return;
        for (size_t i = from; i < to; i++) {
            struct slot *s = &b->slots[i];
            s->st = lead_row_from_record(li->map, &s->rec, &li->opts.defaults, &s->scratch, &s->row,
                                         &s->rej);
        }
    }
}

static void *helper(void *arg)
{
    struct lead_import *li = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&li->mu);
    for (;;) {
        while (!li->quit && li->generation == seen)
            pthread_cond_wait(&li->work_cv, &li->mu);
        if (li->quit)
            break;
        seen = li->generation;
        pthread_mutex_unlock(&li->mu);
        check_some(li);
        pthread_mutex_lock(&li->mu);
        if (--li->busy == 0)
            pthread_cond_signal(&li->done_cv);
    }
    pthread_mutex_unlock(&li->mu);
    return NULL;
}

/* Checks the block with every thread, then hands its rows over in order. */
static enum oc_status block_run(struct lead_import *li)
{
    struct block *b = &li->block;
    enum oc_status st = OC_OK;
    if (b->n == 0)
        return OC_OK;
    if ((st = block_seal(b)) != OC_OK)
        return st;
    pthread_mutex_lock(&li->mu);
    li->next = 0;
    li->busy = li->n_helpers;
    li->generation++;
    pthread_cond_broadcast(&li->work_cv);
    pthread_mutex_unlock(&li->mu);
    check_some(li);
    pthread_mutex_lock(&li->mu);
    while (li->busy)
        pthread_cond_wait(&li->done_cv, &li->mu);
    pthread_mutex_unlock(&li->mu);

    for (size_t i = 0; i < b->n && st == OC_OK; i++) {
        struct slot *s = &b->slots[i];
        st = emit(li, &s->rec, s->st, &s->row, &s->rej);
    }
    b->n = 0;
    b->len = 0;
    b->n_fields = 0;
    return st;
}

/* ---------------------------------------------------------------- records */

static enum oc_status on_record(void *user, const struct csv_record *rec)
{
    struct lead_import *li = user;
    if (!li->map)
        return on_header(li, rec);
    if (!li->n_helpers) {
        enum oc_status st = lead_row_from_record(li->map, rec, &li->opts.defaults, &li->scratch,
                                                 &li->row, &li->rej);
        return emit(li, rec, st, &li->row, &li->rej);
    }
    enum oc_status st = block_add(&li->block, rec);
    if (st == OC_OK && li->block.n == BLOCK_RECORDS)
        st = block_run(li);
    return st;
}

static size_t helper_count(size_t threads)
{
    if (threads == 0)
        return 0;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    return threads - 1; /* the caller's thread checks too */
}

enum oc_status lead_import_new(struct lead_import **out, const struct lead_import_opts *opts,
                               const struct lead_import_sink *sink, void *user)
{
    enum oc_status st = OC_ERR_NOMEM;
    struct lead_import *li = calloc(1, sizeof(*li));
    if (!li)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&li->mu, NULL);
    pthread_cond_init(&li->work_cv, NULL);
    pthread_cond_init(&li->done_cv, NULL);
    li->opts = *opts;
    li->sink = sink;
    li->user = user;
    li->region = dup_or_null(opts->defaults.region);
    li->campaign_zone = dup_or_null(opts->defaults.campaign_zone);
    if ((opts->defaults.region && !li->region) ||
        (opts->defaults.campaign_zone && !li->campaign_zone))
        goto out;
    li->opts.defaults.region = li->region;
    li->opts.defaults.campaign_zone = li->campaign_zone;
    if (opts->n_rules) {
        li->rules = calloc(opts->n_rules, sizeof(*li->rules));
        if (!li->rules)
            goto out;
        for (size_t i = 0; i < opts->n_rules; i++) {
            li->rules[i].column = dup_or_null(opts->rules[i].column ? opts->rules[i].column : "");
            li->rules[i].field = dup_or_null(opts->rules[i].field ? opts->rules[i].field : "");
            if (!li->rules[i].column || !li->rules[i].field)
                goto out;
        }
    }
    li->opts.rules = li->rules;
    st = csv_import_new(&li->csv, &opts->limits, on_record, li);
    if (st != OC_OK)
        goto out;
    if (opts->bloom_bytes)
        st = dedup_bloom_new(&li->bloom, opts->bloom_bytes);
    else
        st = dedup_set_new(&li->exact, EXACT_SET_START);
    if (st != OC_OK)
        goto out;

    size_t helpers = helper_count(opts->threads);
    if (helpers) {
        li->block.slots = calloc(BLOCK_RECORDS, sizeof(*li->block.slots));
        if (!li->block.slots) {
            st = OC_ERR_NOMEM;
            goto out;
        }
        for (size_t i = 0; i < helpers; i++) {
            if (pthread_create(&li->helpers[i], NULL, helper, li) != 0)
                break;
            li->n_helpers++;
        }
    }
out:
    if (st != OC_OK) {
        lead_import_free(li);
        return st;
    }
    *out = li;
    return OC_OK;
}

void lead_import_free(struct lead_import *li)
{
    if (!li)
        return;
    pthread_mutex_lock(&li->mu);
    li->quit = true;
    pthread_cond_broadcast(&li->work_cv);
    pthread_mutex_unlock(&li->mu);
    for (size_t i = 0; i < li->n_helpers; i++)
        pthread_join(li->helpers[i], NULL);
    if (li->block.slots)
        for (size_t i = 0; i < BLOCK_RECORDS; i++)
            lead_row_scratch_free(&li->block.slots[i].scratch);
    free(li->block.slots);
    free(li->block.text);
    free(li->block.field_offs);
    free(li->block.field_ptrs);
    csv_import_free(li->csv);
    header_map_free(li->map);
    lead_row_scratch_free(&li->scratch);
    dedup_set_free(li->exact);
    dedup_bloom_free(li->bloom);
    if (li->rules)
        for (size_t i = 0; i < li->opts.n_rules; i++) {
            free((char *)li->rules[i].column);
            free((char *)li->rules[i].field);
        }
    free(li->rules);
    free(li->region);
    free(li->campaign_zone);
    pthread_cond_destroy(&li->done_cv);
    pthread_cond_destroy(&li->work_cv);
    pthread_mutex_destroy(&li->mu);
    free(li);
}

/* A file-level failure inside the reader or the header becomes the
 * pipeline's error; a sink's status passes through untouched. */
static enum oc_status after(struct lead_import *li, enum oc_status st)
{
    if (st == OC_ERR_INVALID && !li->failed) {
        const char *e = csv_import_error(li->csv);
        return fail(li, "%s", e[0] ? e : "the file cannot be read");
    }
    return st;
}

enum oc_status lead_import_feed(struct lead_import *li, const void *data, size_t len)
{
    if (li->failed)
        return OC_ERR_INVALID;
    return after(li, csv_import_feed(li->csv, data, len));
}

enum oc_status lead_import_finish(struct lead_import *li)
{
    if (li->failed)
        return OC_ERR_INVALID;
    enum oc_status st = after(li, csv_import_finish(li->csv));
    if (st == OC_OK && li->n_helpers)
        st = block_run(li);
    if (st == OC_OK && !li->map)
        return fail(li, "%s", "the file has no header row");
    return st;
}

const char *lead_import_error(const struct lead_import *li)
{
    return li->error;
}

const struct header_map *lead_import_map(const struct lead_import *li)
{
    return li->map;
}

char lead_import_delimiter(const struct lead_import *li)
{
    return csv_import_delimiter(li->csv);
}

enum csv_encoding lead_import_encoding(const struct lead_import *li)
{
    return csv_import_encoding(li->csv);
}

uint64_t lead_import_bytes(const struct lead_import *li)
{
    return csv_import_bytes(li->csv);
}

struct lead_import_stats lead_import_stats(const struct lead_import *li)
{
    return li->stats;
}

struct dedup_bloom *lead_import_bloom(struct lead_import *li)
{
    return li->bloom;
}
