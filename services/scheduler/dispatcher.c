/*
 * The dispatcher (see dispatcher.h). One round works campaign by campaign;
 * everything about one campaign happens in one transaction that holds
 * the campaign's dispatch lock and the row locks of the calls it took, so
 * two dispatchers never count the same free place or take the same call.
 */
#include "dispatcher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deps.h"
#include "jspub.h"
#include "lifecycle.h"
#include "next_call.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "outbox.h"
#include "pacing.h"
#include "store.h"

#define BACKOFF_SLOTS 64
#define BACKOFF_MS 5000
#define MAINTAIN_EVERY_MS 2000
#define STUCK_BATCH 200
#define PUBLISH_WAIT_MS 5000

struct dispatcher {
    struct scheduler *st;
    size_t index;
    struct jspub *pub;
    struct oc_arena *arena;
    pthread_t thread;
    bool running;
    size_t rotation; /* the next caller number, round robin */
    int64_t next_maintain_ms;
    /* Campaigns whose dependencies did not answer rest a while. */
    struct {
        char id[SCHED_UUID_LEN];
        int64_t until_ms;
    } backoff[BACKOFF_SLOTS];
};

/* ================================================================ helpers */

static bool backing_off(struct dispatcher *d, const char *id, int64_t now)
{
    for (size_t i = 0; i < BACKOFF_SLOTS; i++)
        if (d->backoff[i].until_ms > now && strcmp(d->backoff[i].id, id) == 0)
            return true;
    return false;
}

static void back_off(struct dispatcher *d, const char *id, int64_t now)
{
    size_t slot = 0;
    for (size_t i = 0; i < BACKOFF_SLOTS; i++) {
        if (strcmp(d->backoff[i].id, id) == 0 || d->backoff[i].until_ms <= now) {
            slot = i;
            break;
        }
        if (d->backoff[i].until_ms < d->backoff[slot].until_ms)
            slot = i;
    }
    snprintf(d->backoff[slot].id, SCHED_UUID_LEN, "%s", id);
    d->backoff[slot].until_ms = now + BACKOFF_MS;
}

/* The schedule a call follows: a manual call set outside the ranges keeps
 * only the legal window. tmp holds that reduced schedule. */
static const struct calling_schedule *call_schedule(const struct campaign_rules *rules,
                                                    const struct call_row *row,
                                                    struct calling_schedule *tmp)
{
    if (!row->ignore_schedule)
        return &rules->schedule;
    calling_schedule_init(tmp);
    tmp->legal_start = rules->schedule.legal_start;
    tmp->legal_end = rules->schedule.legal_end;
    return tmp;
}

/* Keeps the call waiting until `when`: created calls become scheduled. */
static enum oc_status move_later(struct call_row *row, int64_t when, const char *reason,
                                 int64_t now, struct outbox *ob)
{
    char err[128];
    row->scheduled_ms = when;
    if (row->status == CALL_CREATED)
        return lifecycle_move(row, CALL_SCHEDULED, reason, now, ob, err, sizeof(err));
    row->status_reason = oc_arena_strdup(ob->arena, reason);
    row->updated_ms = now;
    return OC_OK;
}

static enum oc_status cancel(struct call_row *row, const char *reason, int64_t now,
                             struct outbox *ob)
{
    char err[128];
    oc_info("call %s canceled: %s", row->id, reason);
    return lifecycle_move(row, CALL_CANCELED, reason, now, ob, err, sizeof(err));
}

/* ================================================================ jobs */

/* A lead for the job when the scheduler holds no copy (a manual call to a number). */
static Ocpb__Lead *minimal_lead(struct oc_arena *a, const struct call_row *row)
{
    Ocpb__Lead *l = oc_arena_alloc(a, sizeof(*l));
    if (!l)
        return NULL;
    ocpb__lead__init(l);
    l->id = (char *)row->lead_id;
    l->campaign_id = (char *)row->campaign_id;
    l->name = (char *)(row->contact_name ? row->contact_name : "");
    l->phone_e164 = (char *)row->phone;
    l->timezone = (char *)(row->timezone ? row->timezone : "");
    l->region = (char *)(row->country ? row->country : "");
    return l;
}

/* Packs the job of one call into arena. */
static uint8_t *build_job(struct oc_arena *a, const struct store_due_call *due,
                          const struct call_row *row, Ocpb__AssistantSnapshot *snapshot,
                          const Ocpb__PhoneNumber *number, int64_t now, const char *request_id,
                          size_t *len)
{
    Ocpb__CallJob job = OCPB__CALL_JOB__INIT;
    Ocpb__CallerLine caller = OCPB__CALLER_LINE__INIT;
    Ocpb__PreviousCall prev = OCPB__PREVIOUS_CALL__INIT;
    if (lifecycle_meta(a, row->tenant_id, now, request_id, &job.meta) != OC_OK)
        return NULL;
    job.call_id = (char *)row->id;
    job.dispatch_id = (char *)row->dispatch_id;
    job.campaign_id = (char *)row->campaign_id;
    job.kind = (Ocpb__CallKind)row->kind;
    job.attempt = row->attempt;
    job.lead = due->lead ? due->lead : minimal_lead(a, row);
    job.phone_e164 = (char *)row->phone;
    job.assistant = snapshot;
    if (row->parent_id[0]) {
        prev.call_id = (char *)row->parent_id;
        prev.outcome = (Ocpb__Outcome)due->parent_result;
        prev.summary = (char *)(row->context ? row->context : "");
        prev.reason = (char *)(row->reason ? row->reason : "");
        prev.confidence = (Ocpb__Confidence)row->confidence;
        prev.started_unix_ms = due->parent_started_ms;
        job.previous = &prev;
    }
    caller.number_id = number->id;
    caller.kind = number->kind;
    caller.caller_id = number->caller_id;
    caller.trunk = number->trunk;
    job.caller = &caller;
    job.not_after_unix_ms = row->not_after_ms;
    job.reservation_id = (char *)(row->reservation_id ? row->reservation_id : "");
    job.reason = (char *)(row->reason ? row->reason : "");
    if (!job.lead)
        return NULL;
    size_t n = ocpb__call_job__get_packed_size(&job);
    uint8_t *buf = oc_arena_alloc(a, n ? n : 1);
    if (!buf)
        return NULL;
    ocpb__call_job__pack(&job, buf);
    *len = n;
    return buf;
}

/* ================================================================ one campaign */

/* A caller number usable in this round. */
struct line_info {
    const Ocpb__PhoneNumber *number;
};

/* The calls of one round mostly share a zone and a country, and the slot
 * depends on nothing else: it is computed once per pair and round. */
struct slot_memo {
    const char *tz;
    const char *country;
    bool legal_only;
    enum oc_status status;
    struct calling_slot slot;
    char err[160];
};

static enum oc_status memo_next_slot(struct slot_memo *memo, size_t *n, size_t cap,
                                     const struct campaign_rules *rules, const struct call_row *row,
                                     int64_t now, struct calling_slot *out, char *err,
                                     size_t errlen)
{
    const char *tz = row->timezone ? row->timezone : rules->timezone;
    const char *country = row->country ? row->country : "";
    for (size_t i = 0; i < *n; i++) {
        if (memo[i].legal_only == row->ignore_schedule && strcmp(memo[i].tz, tz) == 0 &&
            strcmp(memo[i].country, country) == 0) {
            *out = memo[i].slot;
            snprintf(err, errlen, "%s", memo[i].err);
            return memo[i].status;
        }
    }
    struct calling_schedule tmp;
    struct slot_memo m = {.tz = tz, .country = country, .legal_only = row->ignore_schedule};
    m.status = calling_window_next_slot(call_schedule(rules, row, &tmp), tz, country, now, &m.slot,
                                        m.err, sizeof(m.err));
    if (*n < cap)
        memo[(*n)++] = m;
    *out = m.slot;
    snprintf(err, errlen, "%s", m.err);
    return m.status;
}

/* A call that passed every check but credit. */
struct candidate {
    size_t due; /* index into the due calls */
    int line;   /* index into the lines */
    int64_t not_after_ms;
};

/* Takes the campaign's caller numbers that no other dispatcher holds. */
static enum oc_status take_lines(struct dispatcher *d, struct oc_db_conn *c,
                                 const struct campaign_rules *rules, struct oc_arena *a,
                                 struct line_info *info, struct pacing_line *lines, size_t *n)
{
    struct scheduler *st = d->st;
    char ids[SCHED_MAX_NUMBERS][SCHED_UUID_LEN];
    int live[SCHED_MAX_NUMBERS];
    size_t m = 0;
    for (size_t i = 0; i < rules->n_numbers; i++) {
        char key[96], err[256];
        bool got = false;
        snprintf(key, sizeof(key), "number:%s:%s", rules->tenant_id, rules->numbers[i]);
        enum oc_status s = store_dispatch_lock(c, key, &got);
        if (s != OC_OK)
            return s;
        if (!got)
            continue;
        Ocpb__PhoneNumber *num = NULL;
        s = deps_number(st, rules->tenant_id, rules->numbers[i], a, &num, err, sizeof(err));
        if (s == OC_ERR_NOT_FOUND) {
            oc_warn("campaign %s: caller number %s does not exist", rules->id, rules->numbers[i]);
            continue;
        }
        if (s != OC_OK) {
            oc_warn("campaign %s: numbers.get: %s; not dialling", rules->id, err);
            return s;
        }
        if (num->state == OCPB__NUMBER_STATE__NUMBER_STATE_DISABLED)
            continue;
        info[m].number = num;
        lines[m].limit = rules->max_per_number > 0 ? rules->max_per_number : num->max_concurrent;
        snprintf(ids[m], SCHED_UUID_LEN, "%s", rules->numbers[i]);
        m++;
    }
    bool limited = false;
    for (size_t i = 0; i < m; i++)
        limited = limited || lines[i].limit > 0;
    for (size_t i = 0; i < m; i++)
        lines[i].live = 0;
    /* Numbers without a limit need no count. */
    if (limited) {
        enum oc_status s = store_number_usage(c, rules->tenant_id, ids, m, live);
        if (s != OC_OK)
            return s;
        for (size_t i = 0; i < m; i++)
            lines[i].live = live[i];
    }
    *n = m;
    return OC_OK;
}

static enum oc_status dispatch_campaign(struct dispatcher *d, const struct store_due_campaign *k,
                                        struct dispatch_stats *stats)
{
    struct scheduler *st = d->st;
    struct oc_arena *a = d->arena;
    struct oc_db_conn *c = NULL;
    struct outbox ob;
    char key[96], err[256];
    bool got = false;
    int64_t now = wire_now_ms();
    enum oc_status s;

    oc_arena_reset(a);
    outbox_init(&ob, a);
    s = store_begin(st->db, NULL, &c);
    if (s != OC_OK)
        return s;
    snprintf(key, sizeof(key), "campaign:%s", k->id);
    s = store_dispatch_lock(c, key, &got);
    if (s != OC_OK || !got)
        goto abort;
    s = store_lazy_commit(c);
    if (s != OC_OK)
        goto abort;

    bool running = false;
    s = store_campaign_hold(c, k->tenant_id, k->id, &running);
    if (s != OC_OK || !running)
        goto abort;
    struct campaign_rules rules;
    s = store_campaign_rules(c, k->tenant_id, k->id, st->cfg.default_max_attempts, a, &rules);
    if (s != OC_OK || rules.state != OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING)
        goto abort;
    stats->campaigns++;

    struct pacing_usage usage;
    struct pacing_limits limits = {
        .max_concurrent =
            rules.max_concurrent > 0 ? rules.max_concurrent : (int)st->cfg.default_max_concurrent,
        .max_per_minute = rules.max_per_minute,
    };
    s = store_campaign_usage(c, k->tenant_id, k->id, limits.max_concurrent,
                             limits.max_per_minute > 0, &usage.live, &usage.started_last_minute);
    if (s != OC_OK)
        goto abort;
    int slots = pacing_slots(&limits, &usage);
    if (slots > st->cfg.batch)
        slots = (int)st->cfg.batch;
    if (slots == 0)
        goto abort;

    struct line_info info[SCHED_MAX_NUMBERS];
    struct pacing_line lines[SCHED_MAX_NUMBERS];
    size_t n_lines = 0;
    s = take_lines(d, c, &rules, a, info, lines, &n_lines);
    if (s != OC_OK) {
        /* Logged where it happened; the campaign rests a while. */
        back_off(d, k->id, now);
        s = OC_OK;
        goto abort;
    }
    if (n_lines == 0)
        goto abort;

    Ocpb__AssistantSnapshot *snapshot = NULL;
    s = deps_snapshot(st, k->tenant_id, rules.assistant_id, a, &snapshot, err, sizeof(err));
    if (s != OC_OK) {
        oc_warn("campaign %s: assistants.snapshot: %s; not dialling", k->id, err);
        back_off(d, k->id, now);
        s = OC_OK;
        goto abort;
    }

    int want = slots + slots / 2 + 10;
    if (want > st->cfg.batch)
        want = (int)st->cfg.batch;
    struct store_due_call *due = NULL;
    size_t n_due = 0;
    s = store_due_calls(c, k->tenant_id, k->id, want, a, &due, &n_due);
    if (s != OC_OK || n_due == 0)
        goto abort;
    stats->more = stats->more || n_due == (size_t)want;

    /* Do-not-call first: without lead-ingest's answer nothing is dialled. */
    const char **phones = oc_arena_alloc(a, sizeof(*phones) * n_due);
    bool *listed = oc_arena_alloc(a, sizeof(*listed) * n_due);
    struct call_row **changed = oc_arena_alloc(a, sizeof(*changed) * n_due);
    struct call_row **queued = oc_arena_alloc(a, sizeof(*queued) * n_due);
    struct candidate *cand = oc_arena_alloc(a, sizeof(*cand) * n_due);
    if (!phones || !listed || !changed || !queued || !cand) {
        s = OC_ERR_NOMEM;
        goto abort;
    }
    for (size_t i = 0; i < n_due; i++)
        phones[i] = due[i].row.phone ? due[i].row.phone : "";
    s = deps_dnc_batch(st, k->tenant_id, phones, n_due, listed, err, sizeof(err));
    if (s != OC_OK) {
        oc_warn("campaign %s: dnc.check_batch: %s; not dialling", k->id, err);
        stats->deferred += n_due;
        back_off(d, k->id, now);
        s = OC_OK;
        goto abort;
    }

    size_t n_changed = 0, n_queued = 0, n_cand = 0, n_memo = 0;
    struct slot_memo memo[32];
    for (size_t i = 0; i < n_due && n_cand < (size_t)slots; i++) {
        struct call_row *row = &due[i].row;
        struct calling_slot slot;
        if (!row->phone || listed[i]) {
            s = cancel(row, row->phone ? "on the do-not-call list" : "the number was erased", now,
                       &ob);
            if (s != OC_OK)
                goto abort;
            changed[n_changed++] = row;
            stats->canceled++;
            continue;
        }
        s = memo_next_slot(memo, &n_memo, sizeof(memo) / sizeof(memo[0]), &rules, row, now, &slot,
                           err, sizeof(err));
        if (s != OC_OK) {
            s = cancel(row, err, now, &ob);
            if (s != OC_OK)
                goto abort;
            changed[n_changed++] = row;
            stats->canceled++;
            continue;
        }
        if (slot.start_ms > now + 1000) {
            s = move_later(row, slot.start_ms, "outside the calling window", now, &ob);
            if (s != OC_OK)
                goto abort;
            changed[n_changed++] = row;
            stats->scheduled++;
            continue;
        }
        int line = pacing_pick_line(lines, n_lines, &d->rotation);
        if (line < 0)
            break;
        int64_t not_after = now + st->cfg.job_ttl_s * 1000;
        cand[n_cand++] =
            (struct candidate){i, line, slot.end_ms < not_after ? slot.end_ms : not_after};
    }

    /* Credit for the whole batch in one round trip. */
    struct deps_reservation *res = oc_arena_alloc(a, sizeof(*res) * (n_cand ? n_cand : 1));
    bool *stored = oc_arena_alloc(a, sizeof(*stored) * (n_cand ? n_cand : 1));
    size_t *sent = oc_arena_alloc(a, sizeof(*sent) * (n_cand ? n_cand : 1));
    if (!res || !stored || !sent) {
        s = OC_ERR_NOMEM;
        goto abort;
    }
    for (size_t j = 0; j < n_cand; j++) {
        const struct call_row *row = &due[cand[j].due].row;
        res[j] = (struct deps_reservation){.tenant_id = row->tenant_id,
                                           .call_id = row->id,
                                           .expires_ms =
                                               cand[j].not_after_ms + st->cfg.reserve_s * 1000};
    }
    deps_reserve(st, res, n_cand, a);

    size_t n_sent = 0;
    bool dependency_down = false;
    if (n_cand && jspub_begin(d->pub, n_cand) != OC_OK) {
        s = OC_ERR_NOMEM;
        goto abort;
    }
    for (size_t j = 0; j < n_cand; j++) {
        struct call_row *row = &due[cand[j].due].row;
        if (res[j].status == OC_ERR_NO_CREDIT) {
            s = move_later(row, now + st->cfg.no_credit_delay_s * 1000, "no credit", now, &ob);
            if (s != OC_OK)
                goto abort;
            changed[n_changed++] = row;
            stats->scheduled++;
            continue;
        }
        if (res[j].status != OC_OK) {
            dependency_down = true;
            stats->deferred++;
            continue;
        }
        /* The next dispatch number; kept only if the job is stored, so a
         * round that fails after publishing sends the same message id again. */
        row->dispatch_id = oc_arena_printf(a, "%s:%d", row->id, row->dispatch_seq + 1);
        row->reservation_id = res[j].reservation_id;
        row->not_after_ms = cand[j].not_after_ms;
        const Ocpb__PhoneNumber *num = info[cand[j].line].number;
        size_t len = 0;
        uint8_t *job =
            build_job(a, &due[cand[j].due], row, snapshot, num, now, ob.request_id, &len);
        if (!job || !row->dispatch_id) {
            s = OC_ERR_NOMEM;
            goto abort;
        }
        jspub_add(d->pub, st->cfg.jobs_subject, job, len, row->dispatch_id);
        sent[n_sent++] = j;
    }
    if (n_sent)
        jspub_wait(d->pub, PUBLISH_WAIT_MS, stored);
    for (size_t q = 0; q < n_sent; q++) {
        size_t j = sent[q];
        struct call_row *row = &due[cand[j].due].row;
        if (!stored[q]) {
            stats->deferred++;
            continue;
        }
        row->dispatch_seq++;
        snprintf(row->number_id, sizeof(row->number_id), "%s", info[cand[j].line].number->id);
        snprintf(row->assistant_id, sizeof(row->assistant_id), "%s", rules.assistant_id);
        s = lifecycle_move(row, CALL_QUEUED, NULL, now, &ob, err, sizeof(err));
        if (s != OC_OK)
            goto abort;
        queued[n_queued++] = row;
        stats->queued++;
    }
    if (dependency_down)
        back_off(d, k->id, now);

    s = store_calls_save(c, changed, n_changed);
    if (s == OC_OK)
        s = store_calls_queued(c, queued, n_queued);
    if (s == OC_OK)
        s = store_events_flush(c, &ob);
    if (s != OC_OK)
        goto abort;
    s = store_commit(st->db, c);
    c = NULL;
    if (s != OC_OK)
        return s;
    outbox_publish_with(st, d->pub, &ob);
    return OC_OK;

abort:
    store_abort(st->db, c);
    return s;
}

enum oc_status dispatcher_round(struct dispatcher *d, struct dispatch_stats *stats)
{
    struct scheduler *st = d->st;
    struct oc_arena *list_arena = NULL;
    struct store_due_campaign *due = NULL;
    size_t n = 0;
    enum oc_status s = oc_arena_new(&list_arena, 16 * 1024);
    if (s != OC_OK)
        return s;
    s = store_due_campaigns(st->db, list_arena, &due, &n);
    if (s == OC_OK && n > 0) {
        /* Copies start at different campaigns so they do not all queue
         * for the same lock first. */
        size_t start = (d->index + (size_t)rand()) % n;
        int64_t now = wire_now_ms();
        for (size_t k = 0; k < n && !atomic_load(&st->stopping); k++) {
            const struct store_due_campaign *dc = &due[(start + k) % n];
            if (backing_off(d, dc->id, now))
                continue;
            enum oc_status r = dispatch_campaign(d, dc, stats);
            if (r != OC_OK)
                oc_warn("campaign %s: dispatch round failed: %s", dc->id, oc_status_text(r));
        }
    }
    oc_arena_free(list_arena);
    return s;
}

/* ================================================================ maintenance */

/* A campaign's rules, read once per reconciliation pass. */
struct rules_cache {
    struct campaign_rules *v;
    size_t n, cap;
};

static const struct campaign_rules *rules_for(struct rules_cache *rc, struct oc_db_conn *c,
                                              struct scheduler *st, const struct call_row *row,
                                              struct oc_arena *a)
{
    for (size_t i = 0; i < rc->n; i++)
        if (strcmp(rc->v[i].id, row->campaign_id) == 0 &&
            strcmp(rc->v[i].tenant_id, row->tenant_id) == 0)
            return &rc->v[i];
    if (rc->n == rc->cap) {
        size_t cap = rc->cap ? rc->cap * 2 : 8;
        struct campaign_rules *v = oc_arena_alloc(a, sizeof(*v) * cap);
        if (!v)
            return NULL;
        if (rc->n)
            memcpy(v, rc->v, sizeof(*v) * rc->n);
        rc->v = v;
        rc->cap = cap;
    }
    if (store_campaign_rules(c, row->tenant_id, row->campaign_id, st->cfg.default_max_attempts, a,
                             &rc->v[rc->n]) != OC_OK)
        return NULL;
    return &rc->v[rc->n++];
}

/* Reconciles one kind of stuck call; returns how many. */
static size_t reconcile(struct dispatcher *d, enum store_stuck kind)
{
    struct scheduler *st = d->st;
    struct oc_arena *a = d->arena;
    struct oc_db_conn *c = NULL;
    struct call_row *rows = NULL;
    size_t n = 0;
    struct outbox ob;
    struct rules_cache rc = {0};
    char err[256];
    long older = kind == STORE_STUCK_QUEUED    ? st->cfg.queued_grace_s
                 : kind == STORE_STUCK_CALLING ? st->cfg.calling_timeout_s
                                               : st->cfg.in_progress_timeout_s;
    oc_arena_reset(a);
    outbox_init(&ob, a);
    if (store_begin(st->db, NULL, &c) != OC_OK)
        return 0;
    enum oc_status s = store_stuck_calls(c, kind, older, STUCK_BATCH, a, &rows, &n);
    if (s != OC_OK || n == 0) {
        store_abort(st->db, c);
        return 0;
    }
    struct call_row **ptrs = oc_arena_alloc(a, sizeof(*ptrs) * n);
    const char **release = oc_arena_alloc(a, sizeof(*release) * n);
    const char **release_tenant = oc_arena_alloc(a, sizeof(*release_tenant) * n);
    size_t n_release = 0;
    if (!ptrs || !release || !release_tenant)
        goto abort;
    int64_t now = wire_now_ms();
    for (size_t i = 0; i < n; i++) {
        struct call_row *row = &rows[i];
        ptrs[i] = row;
        const struct campaign_rules *rules = rules_for(&rc, c, st, row, a);
        if (!rules)
            goto abort;
        if (kind == STORE_STUCK_QUEUED) {
            /* Never dialled (the job's time ran out): the call waits for
             * its next slot; this does not count as an attempt. */
            struct calling_schedule tmp;
            struct calling_slot slot;
            const char *tz = row->timezone ? row->timezone : rules->timezone;
            if (row->reservation_id) {
                release[n_release] = row->id;
                release_tenant[n_release++] = row->tenant_id;
            }
            row->reservation_id = NULL;
            s = calling_window_next_slot(call_schedule(rules, row, &tmp), tz, row->country, now,
                                         &slot, err, sizeof(err));
            if (s == OC_OK) {
                row->scheduled_ms = slot.start_ms;
                s = lifecycle_move(row, CALL_SCHEDULED, "the job expired before it was dialled",
                                   now, &ob, err, sizeof(err));
            } else {
                s = cancel(row, err, now, &ob);
            }
            if (s != OC_OK)
                goto abort;
            oc_info("call %s: job %s expired undialled; waiting for its next slot", row->id,
                    row->dispatch_id ? row->dispatch_id : "-");
            continue;
        }
        const char *why = kind == STORE_STUCK_CALLING
                              ? "the dialer never reported an answer or an end"
                              : "the call was never reported as ended";
        if (!row->hangup_cause)
            row->hangup_cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED;
        s = lifecycle_move(row, CALL_FAILED, why, now, &ob, err, sizeof(err));
        if (s != OC_OK)
            goto abort;
        /* No analysis will come for a call nobody reported: the rules apply here. */
        row->analyzed_ms = now;
        oc_warn("call %s failed: %s", row->id, why);
        if (rules->state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED ||
            rules->state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED)
            continue;
        struct retry_call rcall = {row->attempt, row->auto_retries, now};
        struct retry_facts facts = {.trigger = RETRY_FAILED};
        struct retry_decision dec;
        retry_policy_decide(&rules->retry, &rcall, &facts, &dec);
        if (!dec.schedule)
            continue;
        struct next_call_info ni = {.reason = "retry: the previous attempt was lost"};
        bool created = false;
        char id[SCHED_UUID_LEN];
        s = next_call_create(c, rules, row, &dec, &ni, now, &ob, &created, id);
        if (s != OC_OK)
            goto abort;
    }
    s = store_calls_save(c, ptrs, n);
    if (s == OC_OK)
        s = store_events_flush(c, &ob);
    if (s != OC_OK)
        goto abort;
    if (store_commit(st->db, c) != OC_OK)
        return 0;
    outbox_publish_with(st, d->pub, &ob);
    for (size_t i = 0; i < n_release; i++)
        deps_release(st, release_tenant[i], &release[i], 1, "the job expired");
    return n;
abort:
    store_abort(st->db, c);
    return 0;
}

static void complete_campaigns(struct dispatcher *d)
{
    struct scheduler *st = d->st;
    struct oc_db_conn *c = NULL;
    struct outbox ob;
    oc_arena_reset(d->arena);
    outbox_init(&ob, d->arena);
    if (store_begin(st->db, NULL, &c) != OC_OK)
        return;
    enum oc_status s = store_complete_campaigns(c, st->cfg.analysis_wait_s, wire_now_ms(), &ob);
    if (s != OC_OK) {
        store_abort(st->db, c);
        return;
    }
    if (store_commit(st->db, c) == OC_OK)
        outbox_publish_with(st, d->pub, &ob);
}

void dispatcher_maintain(struct dispatcher *d)
{
    outbox_sweep(d->st, d->pub);
    while (reconcile(d, STORE_STUCK_QUEUED) == STUCK_BATCH)
        ;
    while (reconcile(d, STORE_STUCK_CALLING) == STUCK_BATCH)
        ;
    while (reconcile(d, STORE_STUCK_IN_PROGRESS) == STUCK_BATCH)
        ;
    complete_campaigns(d);
}

/* ================================================================ thread */

static void wait_for_work(struct scheduler *st, unsigned long seen, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&st->wake_mu);
    while (st->wake_seq == seen && !atomic_load(&st->stopping))
        if (pthread_cond_timedwait(&st->wake_cv, &st->wake_mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&st->wake_mu);
}

static void *loop(void *arg)
{
    struct dispatcher *d = arg;
    struct scheduler *st = d->st;
    while (!atomic_load(&st->stopping)) {
        pthread_mutex_lock(&st->wake_mu);
        unsigned long seen = st->wake_seq;
        pthread_mutex_unlock(&st->wake_mu);
        struct dispatch_stats stats = {0};
        dispatcher_round(d, &stats);
        if (stats.queued)
            oc_debug("dispatcher %zu: %zu calls queued", d->index, stats.queued);
        if (d->index == 0 && wire_now_ms() >= d->next_maintain_ms) {
            dispatcher_maintain(d);
            d->next_maintain_ms = wire_now_ms() + MAINTAIN_EVERY_MS;
        }
        if (stats.more && stats.queued)
            continue;
        wait_for_work(st, seen, st->cfg.tick_ms);
    }
    return NULL;
}

enum oc_status dispatcher_new(struct scheduler *st, size_t index, struct dispatcher **out)
{
    struct dispatcher *d = calloc(1, sizeof(*d));
    if (!d)
        return OC_ERR_NOMEM;
    d->st = st;
    d->index = index;
    enum oc_status s = oc_arena_new(&d->arena, 256 * 1024);
    if (s == OC_OK)
        s = jspub_new(&d->pub, st->bus);
    if (s != OC_OK) {
        dispatcher_free(d);
        return s;
    }
    *out = d;
    return OC_OK;
}

enum oc_status dispatcher_start(struct dispatcher *d)
{
    if (pthread_create(&d->thread, NULL, loop, d) != 0)
        return OC_ERR_INTERNAL;
    d->running = true;
    return OC_OK;
}

void dispatcher_free(struct dispatcher *d)
{
    if (!d)
        return;
    if (d->running) {
        scheduler_wake(d->st);
        pthread_join(d->thread, NULL);
    }
    jspub_free(d->pub);
    oc_arena_free(d->arena);
    free(d);
}
