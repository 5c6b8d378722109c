/*
 * Import jobs (see import_job.h).
 *
 * A job owns its pipeline and two batches. The pipeline's sink callbacks
 * copy each lead or rejected row into the batch being filled (strings in
 * the batch's arena), settling repeats of a number inside the batch
 * exactly; rows the Bloom filter flags as perhaps seen before are
 * "suspects". A full batch goes to the job's writer thread, which writes it
 * in one transaction while the pipeline fills the other: suspects looked up
 * in Postgres under the campaign's advisory lock (so no other writer slips
 * a number in between the look-up and the COPY), then the COPYs. Should a
 * number still collide (a lead created by API after the filter was
 * filled), the batch is rolled back and written again with every number
 * looked up. One writer per job writes the batches in file order, so the
 * look-ups of a batch always see the batches before it committed.
 *
 * Threads: a job's pipeline is driven by one thread at a time: the
 * handler's (whole files with wait), a worker's (whole files in the
 * background), or the chunk subscription's (streamed files), with the
 * reaper taking the job's lock before failing an idle stream. The pipeline
 * has helper threads of its own to check rows, and the job its writer. A
 * streamed job is freed by its subscription's completion callback, the one
 * moment nats.c guarantees no chunk callback is running or will run.
 */
#include "import_job.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dedup.h"
#include "events.h"
#include "lead_import.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "outbox.h"
#include "store.h"

/* Leads per leads.added message: small enough for the NATS payload limit
 * in all but extreme cases (the outbox splits those). */
#define ADDED_PER_EVENT 500
/* A whole file is fed to the pipeline in slices, so a stop is noticed. */
#define FEED_SLICE (256 * 1024)

struct raw_ref {
    const char *raw;
    size_t len;
};

/* Rows waiting to be written in one transaction. */
struct batch {
    struct oc_arena *arena; /* their strings; reset after the write */
    struct store_lead_in *leads;
    struct raw_ref *raws;       /* each lead's raw text, should it turn out a duplicate */
    bool *suspect;              /* the Bloom filter may have seen its number */
    bool *dropped;              /* found in the campaign at the write: written as rejected */
    struct store_lead_in *copy; /* the leads the write keeps */
    size_t n_leads;
    struct store_reject_in *rejects; /* 2 * cap: the batch's and the leads dropped */
    size_t n_rejects;
    struct dedup_set *set; /* its numbers, for repeats inside the batch */
    /* What the reader knew when the batch was handed over. */
    char *mapping_json;
    int64_t bytes_done;
    char delimiter;
    const char *encoding;
};

struct job {
    struct import_env env;
    struct import_jobs *jobs; /* NULL for jobs run in the handler's thread */

    char id[37];
    char tenant[37];
    char campaign[37];
    char region[4];
    char timezone[LEAD_TZ_MAX];
    char request_id[80];
    char file_name[256];
    bool streamed;
    bool wait;
    int64_t total_bytes;

    struct lead_import *pipe;

    /* Two batches: the reader fills one while the writer writes the other,
     * so Postgres works while the next rows are read and checked. */
    size_t cap;
    struct batch batches[2];
    struct batch *fill;
    char *mapping_json; /* the header's mapping, for the next batch to write */
    bool bulk;          /* leads go straight into their table (store_bulk_usable) */
    uint64_t id_ms;     /* uuid7(): time and counter of the last id */
    unsigned id_seq;
    uint8_t id_random[4096]; /* uuid7(): random bytes drawn ahead, */
    size_t id_left;          /* the last id_left of them not used yet */

    /* The writer thread and what it has in hand. */
    pthread_t writer;
    bool writer_started;
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    struct batch *pending; /* handed over, not taken yet */
    bool writing;
    bool wquit;
    enum oc_status werr; /* the first failed write */

    /* Committed so far: the writer updates them, kmu guards them. */
    pthread_mutex_t kmu;
    struct store_import_counts k;
    int batch_no;
    int64_t next_analyze; /* imported rows after which to refresh statistics */
    int64_t last_progress_ms;

    bool failed;
    bool done;
    char error[400];

    /* Streamed jobs. */
    pthread_mutex_t mu;
    natsSubscription *sub;
    uint32_t next_seq;
    int64_t last_activity_ms;
    struct job *next;

    /* Whole files run by a worker. */
    uint8_t *csv;
    size_t csv_len;
};

struct import_jobs {
    struct import_env env;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct job *queue_head, *queue_tail; /* whole files waiting for a worker */
    struct job *streams;                 /* open streamed jobs */
    pthread_t *workers;
    size_t n_workers;
    pthread_t reaper;
    bool reaper_started;
};

/* ---------------------------------------------------------------- job life */

static enum oc_status sink_header(void *user, const struct header_map *map);
static enum oc_status sink_lead(void *user, const struct lead_row *row, bool maybe);
static enum oc_status sink_reject(void *user, const struct lead_reject *rej);

static const struct lead_import_sink job_sink = {
    .header = sink_header,
    .lead = sink_lead,
    .reject = sink_reject,
};

static void batch_free(struct batch *b)
{
    oc_arena_free(b->arena);
    free(b->leads);
    free(b->raws);
    free(b->suspect);
    free(b->dropped);
    free(b->copy);
    free(b->rejects);
    dedup_set_free(b->set);
    free(b->mapping_json);
    memset(b, 0, sizeof(*b));
}

static enum oc_status batch_init(struct batch *b, size_t cap)
{
    b->leads = calloc(cap, sizeof(*b->leads));
    b->raws = calloc(cap, sizeof(*b->raws));
    b->suspect = calloc(cap, sizeof(*b->suspect));
    b->dropped = calloc(cap, sizeof(*b->dropped));
    b->copy = calloc(cap, sizeof(*b->copy));
    b->rejects = calloc(2 * cap, sizeof(*b->rejects));
    if (!b->leads || !b->raws || !b->suspect || !b->dropped || !b->copy || !b->rejects)
        return OC_ERR_NOMEM;
    enum oc_status st = oc_arena_new(&b->arena, 256 * 1024);
    if (st == OC_OK)
        st = dedup_set_new(&b->set, cap);
    return st;
}

/* Empties a written batch for the reader to fill again. */
static void batch_reset(struct batch *b)
{
    b->n_leads = 0;
    b->n_rejects = 0;
    dedup_set_clear(b->set);
    oc_arena_reset(b->arena);
    free(b->mapping_json);
    b->mapping_json = NULL;
}

static void writer_stop(struct job *j);

static void job_free(struct job *j)
{
    if (!j)
        return;
    writer_stop(j);
    lead_import_free(j->pipe);
    batch_free(&j->batches[0]);
    batch_free(&j->batches[1]);
    free(j->mapping_json);
    free(j->csv);
    pthread_cond_destroy(&j->wcv);
    pthread_mutex_destroy(&j->wmu);
    pthread_mutex_destroy(&j->kmu);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* {"columns":[{"column":...,"field":...}, ...]} of explicit rules or of a header map. */
static char *mapping_json(const struct header_rule *rules, size_t n_rules,
                          const struct header_map *map)
{
    json_t *o = json_object(), *cols = json_array();
    if (!o || !cols) {
        json_decref(o);
        json_decref(cols);
        return NULL;
    }
    json_object_set_new(o, "columns", cols);
    size_t n = map ? map->n : n_rules;
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_object();
        if (!m)
            break;
        if (map) {
            const struct header_column *c = &map->cols[i];
            json_object_set_new(m, "column", json_string(c->header));
            json_object_set_new(
                m, "field",
                json_string(c->field == LEAD_FIELD_CUSTOM ? c->key : lead_field_name(c->field)));
        } else {
            json_object_set_new(m, "column", json_string(rules[i].column));
            json_object_set_new(m, "field", json_string(rules[i].field));
        }
        json_array_append_new(cols, m);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void bloom_add_number(void *user, const char *e164)
{
    dedup_bloom_add(user, dedup_key(e164));
}

static void *writer_main(void *arg);

/* Once per process: the leads of imports take the slower way. */
static void warn_no_bulk_role(void)
{
    static bool warned;
    if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
        oc_warn("imports write leads through a staging table, several times slower: "
                "role " STORE_BULK_ROLE
                " is missing or may not insert into leads (run deploy/postgres/init.sql)");
}

static enum oc_status job_new(const struct import_env *env, const struct import_spec *spec,
                              struct job **out)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return OC_ERR_NOMEM;
    pthread_mutex_init(&j->mu, NULL);
    pthread_mutex_init(&j->kmu, NULL);
    pthread_mutex_init(&j->wmu, NULL);
    pthread_cond_init(&j->wcv, NULL);
    j->env = *env;
    snprintf(j->tenant, sizeof(j->tenant), "%s", spec->tenant);
    snprintf(j->campaign, sizeof(j->campaign), "%s", spec->campaign_id);
    snprintf(j->region, sizeof(j->region), "%s", spec->region);
    snprintf(j->timezone, sizeof(j->timezone), "%s", spec->timezone);
    snprintf(j->request_id, sizeof(j->request_id), "%s", spec->request_id ? spec->request_id : "");
    snprintf(j->file_name, sizeof(j->file_name), "%s", spec->file_name ? spec->file_name : "");
    j->streamed = spec->streamed;
    j->wait = spec->wait;
    j->total_bytes = spec->total_bytes;
    j->cap = (size_t)env->cfg->import_batch_rows;
    j->next_analyze = 20000;

    enum oc_status st = batch_init(&j->batches[0], j->cap);
    if (st == OC_OK)
        st = batch_init(&j->batches[1], j->cap);
    if (st != OC_OK)
        goto out;
    j->fill = &j->batches[0];

    struct lead_import_opts opts = {
        .defaults = {.region = j->region, .campaign_zone = j->timezone},
        .rules = spec->rules,
        .n_rules = spec->n_rules,
        .bloom_bytes = (size_t)env->cfg->import_bloom_mb << 20,
        .threads = (size_t)env->cfg->import_threads,
    };
    if ((st = lead_import_new(&j->pipe, &opts, &job_sink, j)) != OC_OK)
        goto out;

    char *rules = mapping_json(spec->rules, spec->n_rules, NULL);
    if (!rules) {
        st = OC_ERR_NOMEM;
        goto out;
    }
    struct store_import_new in = {
        .tenant = spec->tenant,
        .campaign_id = spec->campaign_id,
        .file_name = spec->file_name,
        .total_bytes = spec->total_bytes,
        .region = spec->region,
        .timezone = spec->timezone,
        .mapping_json = rules,
        .streamed = spec->streamed,
        .created_by = spec->user_id,
    };
    st = store_import_create(env->db, &in, j->id);
    free(rules);
    if (st != OC_OK)
        goto out;

    /* The campaign's numbers go into the filter, so a repeat of one of them
     * is a suspect like a repeat within the file. */
    struct oc_db_conn *c = NULL;
    if ((st = store_begin(env->db, j->tenant, &c)) != OC_OK)
        goto out;
    st = store_campaign_numbers(c, j->tenant, j->campaign, bloom_add_number,
                                lead_import_bloom(j->pipe));
    if (st == OC_OK)
        st = store_bulk_usable(c, &j->bulk);
    if (st == OC_OK)
        st = store_commit(env->db, c);
    else
        store_abort(env->db, c);
    if (st != OC_OK)
        goto out;
    if (!j->bulk)
        warn_no_bulk_role();
    if (pthread_create(&j->writer, NULL, writer_main, j) != 0) {
        st = OC_ERR_INTERNAL;
        goto out;
    }
    j->writer_started = true;

out:
    if (st != OC_OK) {
        job_free(j);
        return st;
    }
    *out = j;
    return OC_OK;
}

/* ---------------------------------------------------------------- reports */

/* The job as the service knows it now, without rejected rows (events, replies). */
static Ocpb__ImportJob *job_snapshot(struct job *j, struct oc_arena *a)
{
    Ocpb__ImportJob *p = oc_arena_alloc(a, sizeof(*p));
    if (!p)
        return NULL;
    ocpb__import_job__init(p);
    p->id = oc_arena_strdup(a, j->id);
    p->campaign_id = oc_arena_strdup(a, j->campaign);
    if (j->done)
        p->status = j->failed ? OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_FAILED
                              : OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_DONE;
    else if (j->streamed && lead_import_bytes(j->pipe) == 0)
        p->status = OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RECEIVING;
    else
        p->status = OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RUNNING;
    p->file_name = oc_arena_strdup(a, j->file_name);
    p->total_bytes = j->total_bytes;
    p->bytes_done = (int64_t)lead_import_bytes(j->pipe);
    p->rows_done = lead_import_stats(j->pipe).rows;
    pthread_mutex_lock(&j->kmu);
    p->imported = j->k.imported;
    p->rejected = j->k.rejected;
    p->duplicates = j->k.duplicates;
    pthread_mutex_unlock(&j->kmu);
    char d = lead_import_delimiter(j->pipe);
    p->delimiter = oc_arena_strdup(a, d ? (char[]){d, '\0'} : "");
    p->encoding = oc_arena_strdup(a, d ? csv_encoding_name(lead_import_encoding(j->pipe)) : "");
    p->error = oc_arena_strdup(a, j->error);
    p->default_region = oc_arena_strdup(a, j->region);
    const struct header_map *map = lead_import_map(j->pipe);
    if (map && map->n) {
        p->mapping = oc_arena_alloc(a, map->n * sizeof(*p->mapping));
        for (size_t i = 0; p->mapping && i < map->n; i++) {
            Ocpb__ColumnMapping *m = oc_arena_alloc(a, sizeof(*m));
            if (!m)
                return NULL;
            ocpb__column_mapping__init(m);
            m->column = (char *)map->cols[i].header;
            m->field = (char *)(map->cols[i].field == LEAD_FIELD_CUSTOM
                                    ? map->cols[i].key
                                    : lead_field_name(map->cols[i].field));
            p->mapping[p->n_mapping++] = m;
        }
    }
    if (!p->id || !p->campaign_id || !p->file_name || !p->delimiter || !p->encoding || !p->error ||
        !p->default_region)
        return NULL;
    return p;
}

static void job_event(struct job *j, const char *what)
{
    if (!j->env.bus)
        return;
    struct oc_arena *a = NULL;
    if (oc_arena_new(&a, 8192) != OC_OK)
        return;
    Ocpb__ImportJobUpdated ev = OCPB__IMPORT_JOB_UPDATED__INIT;
    ev.meta = events_meta(a, j->tenant, j->request_id);
    ev.job = job_snapshot(j, a);
    if (ev.meta && ev.job)
        events_publish(j->env.bus, j->tenant, what, &ev.base);
    oc_arena_free(a);
}

/* The finished job as stored, with its first rejected rows. */
static enum oc_status job_report(struct job *j, struct oc_arena *a, Ocpb__ImportJob **out)
{
    struct oc_db_conn *c = NULL;
    enum oc_status st = store_begin(j->env.db, j->tenant, &c);
    if (st != OC_OK)
        return st;
    st = store_import_get(c, j->tenant, j->id, IMPORT_REPORT_REJECTED, a, out);
    if (st == OC_OK)
        st = store_commit(j->env.db, c);
    else
        store_abort(j->env.db, c);
    return st;
}

/* ---------------------------------------------------------------- batches */

static char *arena_strndup0(struct oc_arena *a, const char *s, size_t n)
{
    return oc_arena_strndup(a, s ? s : "", s ? n : 0);
}

static const char *dup(struct batch *b, const char *s)
{
    return oc_arena_strdup(b->arena, s ? s : "");
}

static enum oc_status add_reject(struct batch *b, long line, const char *raw, size_t raw_len,
                                 enum lead_reject_code code, const char *reason, const char *e164)
{
    struct store_reject_in *x = &b->rejects[b->n_rejects];
    x->line = line;
    x->raw = arena_strndup0(b->arena, raw, raw_len);
    x->raw_len = raw ? raw_len : 0;
    x->code = lead_reject_code_name(code);
    x->reason = dup(b, reason);
    x->phone_e164 = dup(b, e164);
    x->duplicate =
        code == LEAD_REJECT_DUPLICATE_IN_FILE || code == LEAD_REJECT_DUPLICATE_IN_CAMPAIGN;
    if (!x->raw || !x->reason || !x->phone_e164)
        return OC_ERR_NOMEM;
    b->n_rejects++;
    return OC_OK;
}

/* Marks leads the campaign already has; index maps a number to its lead. */
struct existing_ctx {
    struct job *j;
    struct batch *b;
    struct dedup_set *index;
    enum oc_status st;
};

static void on_existing(void *user, const char *e164, const char *list_id, long line)
{
    struct existing_ctx *x = user;
    struct batch *b = x->b;
    long idx = -1;
    if (x->st != OC_OK || dedup_set_add(x->index, dedup_key(e164), 0, &idx) != OC_ERR_CONFLICT ||
        idx < 0 || (size_t)idx >= b->n_leads || b->dropped[idx])
        return;
    char reason[200];
    enum lead_reject_code code = LEAD_REJECT_DUPLICATE_IN_CAMPAIGN;
    if (strcmp(list_id, x->j->id) == 0) {
        code = LEAD_REJECT_DUPLICATE_IN_FILE;
        snprintf(reason, sizeof(reason), "duplicate: %s is already on line %ld", e164, line);
    } else if (list_id[0]) {
        snprintf(reason, sizeof(reason),
                 "duplicate: %s is already in the campaign (line %ld of an earlier import)", e164,
                 line);
    } else {
        snprintf(reason, sizeof(reason), "duplicate: %s is already in the campaign", e164);
    }
    x->st =
        add_reject(b, b->leads[idx].line, b->raws[idx].raw, b->raws[idx].len, code, reason, e164);
    b->dropped[idx] = true;
}

/* Sets do_not_call on the leads to write whose number is on the list. */
static enum oc_status mark_listed(struct job *j, struct batch *b, struct oc_db_conn *c, size_t kept)
{
    const char **numbers = malloc(kept * sizeof(*numbers));
    bool *listed = malloc(kept * sizeof(*listed));
    enum oc_status st = numbers && listed ? OC_OK : OC_ERR_NOMEM;
    for (size_t i = 0; st == OC_OK && i < kept; i++)
        numbers[i] = b->copy[i].phone_e164;
    if (st == OC_OK)
        st = store_dnc_listed(c, j->tenant, numbers, kept, listed);
    for (size_t i = 0; st == OC_OK && i < kept; i++)
        b->copy[i].status = listed[i] ? "do_not_call" : "pending";
    free(numbers);
    free(listed);
    return st;
}

/*
 * Writes a batch in one transaction: look-up of the suspects, COPY of the
 * leads and the rejected rows, the job's counters, the leads.added outbox
 * rows. Written again, every number looked up, if a number collides. Runs
 * on the writer thread, one batch at a time, so the look-ups of a batch
 * see every batch before it committed.
 */
static enum oc_status flush(struct job *j, struct batch *b)
{
    if (b->n_leads == 0 && b->n_rejects == 0 && !b->mapping_json)
        return OC_OK;
    enum oc_status st = OC_OK;
    size_t n_rejects_before = b->n_rejects;
    const char **numbers = calloc(b->n_leads ? b->n_leads : 1, sizeof(*numbers));
    if (!numbers)
        return OC_ERR_NOMEM;

    for (int attempt = 0; attempt < 2; attempt++) {
        struct oc_db_conn *c = NULL;
        struct dedup_set *index = NULL;
        pthread_mutex_lock(&j->kmu);
        struct store_import_counts k = j->k;
        pthread_mutex_unlock(&j->kmu);
        size_t n = 0, kept = 0;

        b->n_rejects = n_rejects_before;
        memset(b->dropped, 0, b->n_leads * sizeof(*b->dropped));
        if ((st = store_begin(j->env.db, j->tenant, &c)) != OC_OK)
            break;
        st = store_campaign_lock(c, j->campaign);
        if (st == OC_OK)
            st = dedup_set_new(&index, b->n_leads);
        for (size_t i = 0; st == OC_OK && i < b->n_leads; i++) {
            if (attempt == 0 && !b->suspect[i])
                continue;
            numbers[n++] = b->leads[i].phone_e164;
            st = dedup_set_add(index, dedup_key(b->leads[i].phone_e164), (long)i, NULL);
        }
        if (st == OC_OK && n) {
            struct existing_ctx x = {j, b, index, OC_OK};
            st = store_campaign_existing(c, j->tenant, j->campaign, numbers, n, on_existing, &x);
            if (st == OC_OK)
                st = x.st;
        }
        dedup_set_free(index);

        for (size_t i = 0; i < b->n_leads; i++)
            if (!b->dropped[i])
                b->copy[kept++] = b->leads[i];
        /* A number already on the do-not-call list makes a lead that is
         * never called: it is written with that status. */
        if (st == OC_OK && kept)
            st = mark_listed(j, b, c, kept);
        if (st == OC_OK)
            st = store_copy_leads(c, j->tenant, j->campaign, j->id, b->copy, kept, j->bulk);
        if (st == OC_OK)
            st = store_copy_rejects(c, j->tenant, j->id, b->rejects, b->n_rejects);

        k.rows_done += (int64_t)(kept + b->n_rejects);
        k.imported += (int64_t)kept;
        k.rejected += (int64_t)b->n_rejects;
        for (size_t i = 0; i < b->n_rejects; i++)
            k.duplicates += b->rejects[i].duplicate;
        k.bytes_done = b->bytes_done;
        k.delimiter = b->delimiter;
        k.encoding = b->encoding;
        k.mapping_json = b->mapping_json;
        if (st == OC_OK)
            st = store_import_progress(c, j->tenant, j->id, &k);
        int batch_no = j->batch_no;
        for (size_t i = 0; st == OC_OK && !j->env.silent && i < kept; i += ADDED_PER_EVENT) {
            size_t end = i + ADDED_PER_EVENT < kept ? i + ADDED_PER_EVENT : kept;
            char msg_id[80];
            batch_no++;
            snprintf(msg_id, sizeof(msg_id), "added:%s:%d", j->id, batch_no);
            st = store_outbox_add_leads(c, j->tenant, j->id, batch_no, b->copy[i].line,
                                        b->copy[end - 1].line, msg_id);
        }
        if (st == OC_OK) {
            st = store_commit(j->env.db, c);
        } else {
            store_abort(j->env.db, c);
        }
        if (st == OC_ERR_CONFLICT && attempt == 0)
            continue; /* a number reached the campaign after the filter was filled */
        if (st != OC_OK)
            break;
        k.mapping_json = NULL;
        k.encoding = NULL;
        pthread_mutex_lock(&j->kmu);
        j->k = k;
        pthread_mutex_unlock(&j->kmu);
        j->batch_no = batch_no;
        break;
    }
    free(numbers);
    if (st == OC_OK && j->env.outbox)
        outbox_kick(j->env.outbox);
    /* Statistics after 20 000 rows, 40 000, 80 000, ...: a handful of
     * ANALYZEs for a million rows keeps the look-ups on the right index. */
    if (st == OC_OK && j->k.imported >= j->next_analyze) {
        j->next_analyze = j->k.imported * 2;
        if (store_analyze_leads(j->env.db) != OC_OK)
            oc_warn("import %s: analyze of leads failed", j->id);
    }
    return st;
}

/* ---------------------------------------------------------------- writer */

static void *writer_main(void *arg)
{
    struct job *j = arg;
    oc_log_set_request_id(j->request_id[0] ? j->request_id : NULL);
    pthread_mutex_lock(&j->wmu);
    for (;;) {
        while (!j->pending && !j->wquit)
            pthread_cond_wait(&j->wcv, &j->wmu);
        if (!j->pending)
            break;
        struct batch *b = j->pending;
        j->pending = NULL;
        j->writing = true;
        bool skip = j->werr != OC_OK; /* after a failure nothing more is written */
        pthread_mutex_unlock(&j->wmu);
        enum oc_status st = skip ? OC_OK : flush(j, b);
        pthread_mutex_lock(&j->wmu);
        j->writing = false;
        if (st != OC_OK && j->werr == OC_OK)
            j->werr = st;
        pthread_cond_broadcast(&j->wcv);
    }
    pthread_mutex_unlock(&j->wmu);
    oc_log_set_request_id(NULL);
    return NULL;
}

/* Waits until the writer has nothing in hand; returns its first failure. */
static enum oc_status writer_wait(struct job *j)
{
    pthread_mutex_lock(&j->wmu);
    while (j->pending || j->writing)
        pthread_cond_wait(&j->wcv, &j->wmu);
    enum oc_status st = j->werr;
    pthread_mutex_unlock(&j->wmu);
    return st;
}

static void writer_stop(struct job *j)
{
    if (!j->writer_started)
        return;
    pthread_mutex_lock(&j->wmu);
    j->wquit = true;
    pthread_cond_broadcast(&j->wcv);
    pthread_mutex_unlock(&j->wmu);
    pthread_join(j->writer, NULL);
    j->writer_started = false;
}

/*
 * Hands the filled batch to the writer, once it has finished the one
 * before, and goes on filling the other. The reader's thread only.
 */
static enum oc_status submit(struct job *j)
{
    struct batch *b = j->fill;
    if (b->n_leads == 0 && b->n_rejects == 0 && !j->mapping_json)
        return OC_OK;
    enum oc_status st = writer_wait(j);
    if (st != OC_OK)
        return st;
    b->mapping_json = j->mapping_json;
    j->mapping_json = NULL;
    b->bytes_done = (int64_t)lead_import_bytes(j->pipe);
    b->delimiter = lead_import_delimiter(j->pipe);
    b->encoding = b->delimiter ? csv_encoding_name(lead_import_encoding(j->pipe)) : NULL;
    pthread_mutex_lock(&j->wmu);
    j->pending = b;
    pthread_cond_broadcast(&j->wcv);
    pthread_mutex_unlock(&j->wmu);
    /* The writer is done with the other batch: writer_wait above. */
    j->fill = b == &j->batches[0] ? &j->batches[1] : &j->batches[0];
    batch_reset(j->fill);

    int64_t now = events_now_ms();
    if (now - j->last_progress_ms >= j->env.cfg->progress_ms) {
        j->last_progress_ms = now;
        job_event(j, "lead.import_progress");
    }
    return OC_OK;
}

/* ---------------------------------------------------------------- sink */

/*
 * A time-ordered id (UUID version 7, RFC 9562): the milliseconds first, then
 * a counter, then randomness. A million leads get ids that grow, so the
 * primary key grows at its right edge instead of touching a random page of
 * a large index for each row, which is most of what an insert costs once
 * the index outgrows Postgres's buffers. The random bits come from a pool
 * drawn 4 KiB at a time: one call into the random generator per lead cost
 * more than the rest of the id.
 */
static enum oc_status uuid7(struct job *j, uint8_t b[16])
{
    if (j->id_left < 8) {
        if (oc_random_bytes(j->id_random, sizeof(j->id_random)) != OC_OK)
            return OC_ERR_INTERNAL;
        j->id_left = sizeof(j->id_random);
    }
    memcpy(b + 8, j->id_random + sizeof(j->id_random) - j->id_left, 8);
    j->id_left -= 8;
    uint64_t ms = (uint64_t)events_now_ms();
    if (ms > j->id_ms) {
        j->id_ms = ms;
        j->id_seq = 0;
    } else if (++j->id_seq > 0xFFF) {
        j->id_ms++; /* 4096 ids in a millisecond: borrow the next one */
        j->id_seq = 0;
    }
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(j->id_ms >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | (j->id_seq >> 8));
    b[7] = (uint8_t)j->id_seq;
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3F));
    return OC_OK;
}

static enum oc_status sink_header(void *user, const struct header_map *map)
{
    struct job *j = user;
    free(j->mapping_json);
    j->mapping_json = mapping_json(NULL, 0, map);
    return j->mapping_json ? OC_OK : OC_ERR_NOMEM;
}

static enum oc_status submit_if_full(struct job *j)
{
    if (j->fill->n_leads >= j->cap || j->fill->n_rejects >= j->cap)
        return submit(j);
    return OC_OK;
}

static enum oc_status sink_lead(void *user, const struct lead_row *row, bool maybe)
{
    struct job *j = user;
    struct batch *b = j->fill;
    long first = 0;
    enum oc_status st = dedup_set_add(b->set, dedup_key(row->phone.e164), row->line, &first);
    if (st == OC_ERR_CONFLICT) {
        char reason[160];
        snprintf(reason, sizeof(reason), "duplicate: %s is already on line %ld", row->phone.e164,
                 first);
        st = add_reject(b, row->line, row->raw, row->raw_len, LEAD_REJECT_DUPLICATE_IN_FILE, reason,
                        row->phone.e164);
        return st == OC_OK ? submit_if_full(j) : st;
    }
    if (st != OC_OK)
        return st;

    char stack[1024];
    size_t need = lead_custom_json(row->custom, row->n_custom, stack, sizeof(stack));
    const char *custom = stack;
    if (need >= sizeof(stack)) {
        char *big = oc_arena_alloc(b->arena, need + 1);
        if (!big)
            return OC_ERR_NOMEM;
        lead_custom_json(row->custom, row->n_custom, big, need + 1);
        custom = big;
    }
    size_t i = b->n_leads;
    struct store_lead_in *l = &b->leads[i];
    l->line = row->line;
    l->name = dup(b, row->name);
    l->first_name = dup(b, row->first_name);
    l->last_name = dup(b, row->last_name);
    l->company = dup(b, row->company);
    l->phone_raw = dup(b, row->phone_raw);
    l->phone_e164 = dup(b, row->phone.e164);
    l->phone_type = phone_type_name(row->phone.type);
    l->region = dup(b, row->phone.region);
    l->email = dup(b, row->email);
    l->timezone = dup(b, row->timezone);
    l->timezone_source = lead_tz_source_name(row->tz_source);
    l->custom_json = dup(b, custom);
    uint8_t *id = oc_arena_alloc(b->arena, 16);
    if (!id || uuid7(j, id) != OC_OK)
        return OC_ERR_NOMEM;
    l->id = id;
    b->raws[i].raw = arena_strndup0(b->arena, row->raw, row->raw_len);
    b->raws[i].len = row->raw_len;
    b->suspect[i] = maybe;
    if (!l->name || !l->first_name || !l->last_name || !l->company || !l->phone_raw ||
        !l->phone_e164 || !l->region || !l->email || !l->timezone || !l->custom_json ||
        !b->raws[i].raw)
        return OC_ERR_NOMEM;
    b->n_leads++;
    return submit_if_full(j);
}

static enum oc_status sink_reject(void *user, const struct lead_reject *rej)
{
    struct job *j = user;
    enum oc_status st = add_reject(j->fill, rej->line, rej->raw, rej->raw_len, rej->code,
                                   rej->reason, rej->phone_e164);
    return st == OC_OK ? submit_if_full(j) : st;
}

/* ---------------------------------------------------------------- running */

static void job_fail_msg(struct job *j, const char *msg)
{
    if (!j->error[0])
        snprintf(j->error, sizeof(j->error), "%s", msg);
    j->failed = true;
}

/* Feeds a piece of the file; a file the pipeline refuses fails the job. */
static enum oc_status job_feed(struct job *j, const void *data, size_t len)
{
    enum oc_status st = lead_import_feed(j->pipe, data, len);
    if (st == OC_ERR_INVALID)
        job_fail_msg(j, lead_import_error(j->pipe));
    else if (st != OC_OK)
        job_fail_msg(j, st == OC_ERR_UNAVAILABLE ? "the database is unavailable; upload the file "
                                                   "again (rows already imported are kept and "
                                                   "will be reported as duplicates)"
                                                 : oc_status_text(st));
    return st;
}

/*
 * Ends the job: the file's last rows, the last batch, the final counters,
 * the final event. A failed job keeps what earlier batches committed; its
 * report says why it stopped.
 */
static void job_end(struct job *j)
{
    if (j->done)
        return;
    enum oc_status st = OC_OK;
    if (!j->failed) {
        st = lead_import_finish(j->pipe);
        if (st == OC_ERR_INVALID)
            job_fail_msg(j, lead_import_error(j->pipe));
        else if (st != OC_OK)
            job_fail_msg(j, oc_status_text(st));
    }
    /* Rows read before a failure are as good as any: write them. */
    enum oc_status ws = OC_OK;
    if (!j->failed || st == OC_ERR_INVALID)
        ws = submit(j);
    if (ws == OC_OK)
        ws = writer_wait(j);
    if (ws != OC_OK)
        job_fail_msg(j,
                     ws == OC_ERR_UNAVAILABLE ? "the database is unavailable" : oc_status_text(ws));
    writer_stop(j);
    j->done = true;

    struct oc_db_conn *c = NULL;
    struct store_import_counts k = j->k;
    k.bytes_done = (int64_t)lead_import_bytes(j->pipe);
    k.delimiter = lead_import_delimiter(j->pipe);
    k.encoding = k.delimiter ? csv_encoding_name(lead_import_encoding(j->pipe)) : NULL;
    k.mapping_json = j->mapping_json;
    st = store_begin(j->env.db, j->tenant, &c);
    if (st == OC_OK) {
        st = store_import_finish(c, j->tenant, j->id, j->failed, j->error, &k);
        if (st == OC_OK)
            st = store_commit(j->env.db, c);
        else
            store_abort(j->env.db, c);
    }
    if (st != OC_OK)
        oc_error("import %s: cannot record its end: %s", j->id, oc_status_text(st));
    struct lead_import_stats s = lead_import_stats(j->pipe);
    oc_info("import %s %s: %ld rows, %lld imported, %lld rejected (%lld duplicates)%s%s", j->id,
            j->failed ? "failed" : "done", s.rows, (long long)j->k.imported,
            (long long)j->k.rejected, (long long)j->k.duplicates, j->failed ? ": " : "",
            j->failed ? j->error : "");
    job_event(j, "lead.imported");
}

/* Feeds a whole file in slices; stop (may be NULL) ends it early. */
static void job_run_whole(struct job *j, const uint8_t *csv, size_t len, const bool *stop)
{
    for (size_t off = 0; off < len && !j->failed; off += FEED_SLICE) {
        if (stop && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
            job_fail_msg(j, "the service stopped during the import; upload the file again (rows "
                            "already imported will be reported as duplicates)");
            break;
        }
        job_feed(j, csv + off, len - off < FEED_SLICE ? len - off : FEED_SLICE);
    }
    job_end(j);
}

enum oc_status import_run_whole(const struct import_env *env, const struct import_spec *spec,
                                const uint8_t *csv, size_t len, struct oc_arena *a,
                                Ocpb__ImportJob **out)
{
    struct job *j = NULL;
    enum oc_status st = job_new(env, spec, &j);
    if (st != OC_OK)
        return st;
    job_run_whole(j, csv, len, NULL);
    st = job_report(j, a, out);
    job_free(j);
    return st;
}

enum oc_status import_run_reader(const struct import_env *env, const struct import_spec *spec,
                                 long (*read)(void *user, void *buf, size_t cap), void *user,
                                 struct oc_arena *a, Ocpb__ImportJob **out)
{
    struct job *j = NULL;
    enum oc_status st = job_new(env, spec, &j);
    if (st != OC_OK)
        return st;
    char *buf = malloc(FEED_SLICE);
    if (!buf) {
        job_free(j);
        return OC_ERR_NOMEM;
    }
    while (!j->failed) {
        long n = read(user, buf, FEED_SLICE);
        if (n < 0) {
            job_fail_msg(j, "the file could not be read");
            break;
        }
        if (n == 0)
            break;
        job_feed(j, buf, (size_t)n);
    }
    free(buf);
    job_end(j);
    st = job_report(j, a, out);
    job_free(j);
    return st;
}

/* ---------------------------------------------------------------- workers */

static void *worker(void *arg)
{
    struct import_jobs *jobs = arg;
    pthread_mutex_lock(&jobs->mu);
    for (;;) {
        while (!jobs->stop && !jobs->queue_head)
            pthread_cond_wait(&jobs->cv, &jobs->mu);
        if (jobs->stop && !jobs->queue_head)
            break;
        struct job *j = jobs->queue_head;
        jobs->queue_head = j->next;
        if (!jobs->queue_head)
            jobs->queue_tail = NULL;
        pthread_mutex_unlock(&jobs->mu);
        oc_log_set_request_id(j->request_id[0] ? j->request_id : NULL);
        job_run_whole(j, j->csv, j->csv_len, &jobs->stop);
        oc_log_set_request_id(NULL);
        job_free(j);
        pthread_mutex_lock(&jobs->mu);
    }
    pthread_mutex_unlock(&jobs->mu);
    return NULL;
}

enum oc_status import_queue_whole(struct import_jobs *jobs, const struct import_spec *spec,
                                  const uint8_t *csv, size_t len, struct oc_arena *a,
                                  Ocpb__ImportJob **out)
{
    struct job *j = NULL;
    enum oc_status st = job_new(&jobs->env, spec, &j);
    if (st != OC_OK)
        return st;
    j->csv = malloc(len ? len : 1);
    if (!j->csv) {
        job_free(j);
        return OC_ERR_NOMEM;
    }
    memcpy(j->csv, csv, len);
    j->csv_len = len;
    Ocpb__ImportJob *snap = job_snapshot(j, a);
    if (!snap) {
        job_free(j);
        return OC_ERR_NOMEM;
    }
    pthread_mutex_lock(&jobs->mu);
    if (jobs->stop) {
        pthread_mutex_unlock(&jobs->mu);
        job_free(j);
        return OC_ERR_UNAVAILABLE;
    }
    if (jobs->queue_tail)
        jobs->queue_tail->next = j;
    else
        jobs->queue_head = j;
    jobs->queue_tail = j;
    pthread_cond_signal(&jobs->cv);
    pthread_mutex_unlock(&jobs->mu);
    *out = snap;
    return OC_OK;
}

/* ---------------------------------------------------------------- streamed */

/*
 * The chunk subject is a plain subscription (one copy holds the job), which
 * the shared serving code, built for queue groups, does not cover.
 */
void import_chunk_reply(natsConnection *nc, const char *inbox, struct oc_arena *a, enum oc_status st,
                       const char *message, const ProtobufCMessage *body)
{
    if (!inbox || !*inbox)
        return;
    Ocpb__Status status = OCPB__STATUS__INIT;
    status.code = (Ocpb__StatusCode)st;
    status.message = (char *)(message ? message : "");
    Ocpb__Reply reply = OCPB__REPLY__INIT;
    reply.status = &status;
    if (st == OC_OK && body) {
        size_t n = protobuf_c_message_get_packed_size(body);
        uint8_t *buf = oc_arena_alloc(a, n ? n : 1);
        if (!buf) {
            status.code = OCPB__STATUS_CODE__STATUS_NOMEM;
        } else {
            protobuf_c_message_pack(body, buf);
            reply.body.data = buf;
            reply.body.len = n;
        }
    }
    size_t n = ocpb__reply__get_packed_size(&reply);
    uint8_t *out = oc_arena_alloc(a, n ? n : 1);
    if (!out)
        return;
    ocpb__reply__pack(&reply, out);
    natsStatus s = natsConnection_Publish(nc, inbox, out, (int)n);
    if (s != NATS_OK)
        oc_bus_status(s, "chunk reply");
}

/* Ends a stream: no more chunks will be read. Job lock held. */
static void stream_close(struct job *j)
{
    if (j->sub)
        natsSubscription_Unsubscribe(j->sub);
}

static void on_chunk(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    struct job *j = closure;
    struct oc_arena *a = NULL;
    const char *inbox = natsMsg_GetReply(msg);
    if (oc_arena_new(&a, 16 * 1024) != OC_OK)
        goto out_nomem;
    ProtobufCAllocator alloc = oc_arena_pb_allocator(a);
    Ocpb__Request *wire = ocpb__request__unpack(&alloc, (size_t)natsMsg_GetDataLength(msg),
                                                (const uint8_t *)natsMsg_GetData(msg));
    Ocpb__SendImportChunkRequest *in =
        wire ? ocpb__send_import_chunk_request__unpack(&alloc, wire->body.len, wire->body.data)
             : NULL;
    if (!in) {
        import_chunk_reply(nc, inbox, a, OC_ERR_INVALID,
                   "malformed request body: expected ocpb.SendImportChunkRequest", NULL);
        goto out;
    }
    if (!wire->env || strcmp(wire->env->tenant_id, j->tenant) != 0 ||
        strcmp(in->job_id, j->id) != 0) {
        import_chunk_reply(nc, inbox, a, OC_ERR_NOT_FOUND, "no such import job", NULL);
        goto out;
    }
    oc_log_set_request_id(wire->env->request_id[0] ? wire->env->request_id : NULL);

    pthread_mutex_lock(&j->mu);
    j->last_activity_ms = events_now_ms();
    Ocpb__SendImportChunkReply reply = OCPB__SEND_IMPORT_CHUNK_REPLY__INIT;
    enum oc_status st = OC_OK;
    char err[200] = "";
    if (!j->done && in->seq == j->next_seq) {
        if ((int64_t)lead_import_bytes(j->pipe) + (int64_t)in->data.len >
            j->env.cfg->import_max_bytes) {
            snprintf(err, sizeof(err), "the file is larger than %ld bytes",
                     j->env.cfg->import_max_bytes);
            job_fail_msg(j, err);
            st = OC_ERR_TOO_LARGE;
        } else {
            job_feed(j, in->data.data, in->data.len);
            j->next_seq++;
        }
        if (in->last || j->failed) {
            job_end(j);
            stream_close(j);
        }
    } else if (!j->done && in->seq > j->next_seq) {
        snprintf(err, sizeof(err), "chunk %u came before chunk %u", in->seq, j->next_seq);
        st = OC_ERR_INVALID;
    }
    /* A repeated chunk (seq below next_seq) changes nothing: its first
     * reply was lost and the sender retried. */
    reply.next_seq = j->next_seq;
    if (st == OC_OK) {
        if (j->done && j->wait && job_report(j, a, &reply.job) == OC_OK)
            ; /* the final report, rejected rows included */
        else
            reply.job = job_snapshot(j, a);
    }
    pthread_mutex_unlock(&j->mu);
    import_chunk_reply(nc, inbox, a, st, err, &reply.base);
out:
    oc_log_set_request_id(NULL);
    oc_arena_free(a);
    natsMsg_Destroy(msg);
    return;
out_nomem:
    natsMsg_Destroy(msg);
}

/* The subscription is gone for good: no chunk callback runs any more. */
static void on_stream_complete(void *closure)
{
    struct job *j = closure;
    struct import_jobs *jobs = j->jobs;
    pthread_mutex_lock(&jobs->mu);
    for (struct job **p = &jobs->streams; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            break;
        }
    pthread_cond_broadcast(&jobs->cv);
    pthread_mutex_unlock(&jobs->mu);
    pthread_mutex_lock(&j->mu);
    if (!j->done) {
        job_fail_msg(j, "the import stopped before its last chunk");
        job_end(j);
    }
    pthread_mutex_unlock(&j->mu);
    natsSubscription_Destroy(j->sub);
    j->sub = NULL;
    job_free(j);
}

enum oc_status import_open_stream(struct import_jobs *jobs, const struct import_spec *spec,
                                  struct oc_arena *a, Ocpb__ImportJob **out)
{
    if (!jobs->env.bus)
        return OC_ERR_UNAVAILABLE;
    struct job *j = NULL;
    enum oc_status st = job_new(&jobs->env, spec, &j);
    if (st != OC_OK)
        return st;
    j->jobs = jobs;
    j->last_activity_ms = events_now_ms();
    Ocpb__ImportJob *snap = job_snapshot(j, a);
    if (!snap) {
        job_fail_msg(j, "out of memory");
        job_end(j);
        job_free(j);
        return OC_ERR_NOMEM;
    }

    char subject[80];
    snprintf(subject, sizeof(subject), "leads.import.%s", j->id);
    natsConnection *nc = oc_bus_nats(jobs->env.bus);
    natsStatus s = natsConnection_Subscribe(&j->sub, nc, subject, on_chunk, j);
    if (s == NATS_OK)
        s = natsSubscription_SetOnCompleteCB(j->sub, on_stream_complete, j);
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(nc, 2000);
    if (s != NATS_OK) {
        st = oc_bus_status(s, subject);
        if (j->sub) {
            /* The completion callback frees the job once nats.c lets go of it. */
            pthread_mutex_lock(&jobs->mu);
            j->next = jobs->streams;
            jobs->streams = j;
            pthread_mutex_unlock(&jobs->mu);
            natsSubscription_Unsubscribe(j->sub);
        } else {
            job_fail_msg(j, "cannot receive the file's chunks");
            job_end(j);
            job_free(j);
        }
        return st;
    }
    pthread_mutex_lock(&jobs->mu);
    j->next = jobs->streams;
    jobs->streams = j;
    pthread_mutex_unlock(&jobs->mu);
    *out = snap;
    return OC_OK;
}

/* Fails streamed jobs whose chunks stopped coming. */
static void *reaper(void *arg)
{
    struct import_jobs *jobs = arg;
    pthread_mutex_lock(&jobs->mu);
    while (!jobs->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&jobs->cv, &jobs->mu, &until);
        int64_t now = events_now_ms();
        for (struct job *j = jobs->streams; j; j = j->next) {
            /* Lock order everywhere: jobs before job. */
            pthread_mutex_lock(&j->mu);
            if (!j->done && now - j->last_activity_ms > jobs->env.cfg->import_idle_s * 1000) {
                char msg[120];
                snprintf(msg, sizeof(msg), "no chunk arrived for %ld s; upload the file again",
                         jobs->env.cfg->import_idle_s);
                job_fail_msg(j, msg);
                job_end(j);
                stream_close(j);
            }
            pthread_mutex_unlock(&j->mu);
        }
    }
    pthread_mutex_unlock(&jobs->mu);
    return NULL;
}

enum oc_status import_jobs_new(struct import_jobs **out, const struct import_env *env)
{
    struct import_jobs *jobs = calloc(1, sizeof(*jobs));
    if (!jobs)
        return OC_ERR_NOMEM;
    jobs->env = *env;
    pthread_mutex_init(&jobs->mu, NULL);
    pthread_cond_init(&jobs->cv, NULL);
    size_t n = (size_t)env->cfg->import_workers;
    jobs->workers = calloc(n, sizeof(*jobs->workers));
    if (!jobs->workers) {
        import_jobs_free(jobs);
        return OC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (pthread_create(&jobs->workers[i], NULL, worker, jobs) != 0) {
            import_jobs_free(jobs);
            return OC_ERR_INTERNAL;
        }
        jobs->n_workers++;
    }
    if (pthread_create(&jobs->reaper, NULL, reaper, jobs) != 0) {
        import_jobs_free(jobs);
        return OC_ERR_INTERNAL;
    }
    jobs->reaper_started = true;
    *out = jobs;
    return OC_OK;
}

void import_jobs_stop(struct import_jobs *jobs)
{
    if (!jobs)
        return;
    pthread_mutex_lock(&jobs->mu);
    if (jobs->stop) {
        pthread_mutex_unlock(&jobs->mu);
        return;
    }
    jobs->stop = true;
    /* Whole files not started yet fail now; a running one stops at its next slice. */
    struct job *queued = jobs->queue_head;
    jobs->queue_head = jobs->queue_tail = NULL;
    for (struct job *j = jobs->streams; j; j = j->next) {
        pthread_mutex_lock(&j->mu);
        if (!j->done) {
            job_fail_msg(j, "the service stopped before the last chunk; upload the file again");
            job_end(j);
        }
        stream_close(j);
        pthread_mutex_unlock(&j->mu);
    }
    pthread_cond_broadcast(&jobs->cv);
    pthread_mutex_unlock(&jobs->mu);

    while (queued) {
        struct job *next = queued->next;
        job_fail_msg(queued, "the service stopped before the import began; upload the file again");
        job_end(queued);
        job_free(queued);
        queued = next;
    }
    for (size_t i = 0; i < jobs->n_workers; i++)
        pthread_join(jobs->workers[i], NULL);
    jobs->n_workers = 0;
    if (jobs->reaper_started)
        pthread_join(jobs->reaper, NULL);
    jobs->reaper_started = false;
}

void import_jobs_free(struct import_jobs *jobs)
{
    if (!jobs)
        return;
    import_jobs_stop(jobs);

    /* Streamed jobs are freed by their completion callbacks; give them a
     * moment, then leave what is left to the process's end. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_mutex_lock(&jobs->mu);
    while (jobs->streams && pthread_cond_timedwait(&jobs->cv, &jobs->mu, &until) != ETIMEDOUT)
        ;
    bool left = jobs->streams != NULL;
    pthread_mutex_unlock(&jobs->mu);
    if (left) {
        oc_warn("import jobs: streamed jobs still closing at shutdown");
        return; /* their callbacks may still point here */
    }
    free(jobs->workers);
    pthread_cond_destroy(&jobs->cv);
    pthread_mutex_destroy(&jobs->mu);
    free(jobs);
}
