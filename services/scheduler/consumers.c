/*
 * The durable consumers (see consumers.h). Every handler follows the same
 * steps: decode, check the tenant and ids, open the tenant's transaction,
 * lock the call, decide with the pure rules, save the row and its events,
 * commit, then publish the events.
 */
#include "consumers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps.h"
#include "lifecycle.h"
#include "next_call.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/streams.h"
#include "outbox.h"
#include "store.h"

/* An analysis that arrives before its call's end is asked for again; after
 * this many deliveries it is applied to whatever the call is. */
#define ANALYSIS_EARLY_TRIES 30

/* ================================================================ streams */

enum oc_status consumers_ensure_streams(struct scheduler *st)
{
    /* The settings of the platform's streams are the shared library's
     * (oc/streams.h); every service that uses one makes sure it exists. */
    static const char *const streams[] = {OC_STREAM_JOBS, OC_STREAM_CALLS, OC_STREAM_ANALYSIS,
                                          OC_STREAM_LEADS};
    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
        enum oc_status s = oc_streams_ensure(st->bus, streams[i]);
        if (s != OC_OK) {
            oc_error("jetstream: stream %s is not usable", streams[i]);
            return s;
        }
    }
    return OC_OK;
}

/* ================================================================ one unit of work */

struct work {
    struct scheduler *st;
    struct oc_arena *arena;
    struct oc_db_conn *c;
    struct outbox ob;
    const char *release[64]; /* reservations to release after commit */
    size_t n_release;
    char tenant[SCHED_UUID_LEN];
};

static enum oc_status work_begin(struct scheduler *st, const char *tenant, struct work *w)
{
    memset(w, 0, sizeof(*w));
    w->st = st;
    snprintf(w->tenant, sizeof(w->tenant), "%s", tenant);
    enum oc_status s = oc_arena_new(&w->arena, 32 * 1024);
    if (s != OC_OK)
        return s;
    outbox_init(&w->ob, w->arena);
    s = store_begin(st->db, tenant, &w->c);
    if (s != OC_OK) {
        oc_arena_free(w->arena);
        w->arena = NULL;
    }
    return s;
}

static void work_abort(struct work *w)
{
    store_abort(w->st->db, w->c);
    w->c = NULL;
    oc_arena_free(w->arena);
    w->arena = NULL;
}

static void remember_release(struct work *w, const struct call_row *row)
{
    if (row->reservation_id && w->n_release < sizeof(w->release) / sizeof(w->release[0]))
        w->release[w->n_release++] = oc_arena_strdup(w->arena, row->id);
}

/* Saves rows, stores the events, commits, publishes; frees the work. */
static enum oc_status work_finish(struct work *w, struct call_row *const *rows, size_t n,
                                  const char *release_reason)
{
    enum oc_status s = store_calls_save(w->c, rows, n);
    if (s == OC_OK)
        s = store_events_flush(w->c, &w->ob);
    if (s != OC_OK) {
        work_abort(w);
        return s;
    }
    s = store_commit(w->st->db, w->c);
    w->c = NULL;
    if (s == OC_OK) {
        outbox_publish(w->st, &w->ob);
        deps_release(w->st, w->tenant, w->release, w->n_release, release_reason);
    }
    oc_arena_free(w->arena);
    w->arena = NULL;
    return s;
}

/* The event's tenant, checked; NULL (and the message acked) when unusable. */
static const char *tenant_of(const Ocpb__EventMeta *meta, const char *what)
{
    if (!meta || !oc_uuid_valid(meta->tenant_id)) {
        oc_warn("%s without a valid tenant id; dropped", what);
        return NULL;
    }
    oc_log_set_request_id(meta->request_id && *meta->request_id ? meta->request_id : NULL);
    return meta->tenant_id;
}

/* True when the report belongs to the call's current attempt. */
static bool current_attempt(const struct call_row *row, const char *dispatch_id, const char *what)
{
    if (!dispatch_id || !*dispatch_id)
        return true;
    if (row->dispatch_id && strcmp(row->dispatch_id, dispatch_id) == 0)
        return true;
    oc_debug("call %s: %s of attempt %s ignored (current %s)", row->id, what, dispatch_id,
             row->dispatch_id ? row->dispatch_id : "none");
    return false;
}

/*
 * current_attempt(), and also the attempt a dispatcher published but never
 * recorded (it died, or its commit was lost, between publishing the job and
 * committing): the dialer is placing the call, so the call takes that
 * attempt as its own and follows the reports from where it is.
 */
static bool current_or_unrecorded(struct call_row *row, const char *dispatch_id, const char *what,
                                  struct oc_arena *arena)
{
    if (current_attempt(row, dispatch_id, what))
        return true;
    char next[96];
    snprintf(next, sizeof(next), "%s:%d", row->id, row->dispatch_seq + 1);
    if (!call_status_pending(row->status) || strcmp(next, dispatch_id) != 0)
        return false;
    row->dispatch_seq++;
    row->dispatch_id = oc_arena_strdup(arena, dispatch_id);
    oc_warn("call %s: attempt %s was dialled but never recorded; the call follows it", row->id,
            dispatch_id);
    return row->dispatch_id != NULL;
}

/* ================================================================ calls.progress */

static void hang_up_canceled(struct scheduler *st, const char *tenant, const Ocpb__CallProgress *p)
{
    char err[256];
    if (!p->dialer_instance_id || !*p->dialer_instance_id) {
        oc_warn("call %s: canceled, but attempt %s is being placed by a dialer that did not say "
                "which; it is not hung up",
                p->call_id, p->dispatch_id);
        return;
    }
    enum oc_status s = deps_hangup(st, tenant, p->dialer_instance_id, p->call_id,
                                   "the call was canceled", err, sizeof(err));
    if (s == OC_OK)
        oc_info("call %s: canceled while attempt %s was placed; dialer %s hangs up", p->call_id,
                p->dispatch_id, p->dialer_instance_id);
    else
        oc_warn("call %s: canceled while attempt %s was placed; the hang-up failed: %s", p->call_id,
                p->dispatch_id, err);
}

enum oc_status consumers_on_progress(struct scheduler *st, const uint8_t *data, size_t len,
                                     uint64_t delivered)
{
    (void)delivered;
    Ocpb__CallProgress *p = ocpb__call_progress__unpack(NULL, len, data);
    if (!p) {
        oc_warn("calls.progress: not a CallProgress; dropped");
        return OC_OK;
    }
    enum oc_status s = OC_OK;
    const char *tenant = tenant_of(p->meta, "calls.progress");
    if (!tenant || !oc_uuid_valid(p->call_id))
        goto out;
    enum call_status target;
    int cause = 0;
    switch (p->kind) {
    case OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_DIALING:
    case OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_RINGING:
        target = CALL_CALLING;
        break;
    case OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_ANSWERED:
        target = CALL_IN_PROGRESS;
        break;
    case OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_BUSY:
        target = CALL_FAILED;
        cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY;
        break;
    case OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_NO_ANSWER:
        target = CALL_FAILED;
        cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER;
        break;
    case OCPB__CALL_PROGRESS_KIND__CALL_PROGRESS_KIND_FAILED:
        target = CALL_FAILED;
        cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_FAILED;
        break;
    default:
        /* A hang-up after the answer: media's calls.ended says how it went. */
        goto out;
    }

    struct work w;
    s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        goto out;
    struct call_row row;
    s = store_call_lock(w.c, tenant, p->call_id, w.arena, &row);
    if (s == OC_ERR_NOT_FOUND) {
        oc_warn("calls.progress for unknown call %s; dropped", p->call_id);
        work_abort(&w);
        s = OC_OK;
        goto out;
    }
    if (s != OC_OK || !current_or_unrecorded(&row, p->dispatch_id, "progress", w.arena)) {
        work_abort(&w);
        goto out;
    }
    if (row.status == CALL_CANCELED && (target == CALL_CALLING || target == CALL_IN_PROGRESS)) {
        /* Canceled in the moment between the dialer's calls.dialable and
         * its INVITE (a do-not-call addition, a user): the call is being
         * placed all the same, so the copy placing it is told to end it. */
        work_abort(&w);
        hang_up_canceled(st, tenant, p);
        goto out;
    }
    if (call_status_final(row.status) || row.status == target) {
        work_abort(&w);
        goto out;
    }
    enum call_status path[CALL_STATUS_COUNT];
    size_t n = 0;
    if (call_state_path(row.status, target, path, CALL_STATUS_COUNT, &n) != OC_OK) {
        /* Behind the call (a late "ringing" for an answered call). */
        work_abort(&w);
        goto out;
    }
    if (cause) {
        row.hangup_cause = cause;
        row.sip_code = p->sip_code;
    }
    char err[160];
    const char *reason =
        cause ? p->sip_reason && *p->sip_reason ? p->sip_reason : wire_hangup_name(cause) : NULL;
    s = lifecycle_advance(&row, target, reason, wire_now_ms(), &w.ob, err, sizeof(err));
    if (s != OC_OK) {
        oc_warn("call %s: %s", row.id, err);
        work_abort(&w);
        s = OC_OK;
        goto out;
    }
    struct call_row *rows[1] = {&row};
    s = work_finish(&w, rows, 1, NULL);
out:
    oc_log_set_request_id(NULL);
    ocpb__call_progress__free_unpacked(p, NULL);
    return s;
}

/* ================================================================ calls.ended */

static const char *ended_reason(const Ocpb__CallEnded *e)
{
    if (e->error && *e->error)
        return e->error;
    if (e->sip_reason && *e->sip_reason && !e->answered_unix_ms)
        return e->sip_reason;
    const char *name = wire_hangup_name(e->cause);
    return name ? name : "ended";
}

enum oc_status consumers_on_ended(struct scheduler *st, const uint8_t *data, size_t len,
                                  uint64_t delivered)
{
    (void)delivered;
    Ocpb__CallEnded *e = ocpb__call_ended__unpack(NULL, len, data);
    if (!e) {
        oc_warn("calls.ended: not a CallEnded; dropped");
        return OC_OK;
    }
    enum oc_status s = OC_OK;
    char *transcript = NULL;
    const char *tenant = tenant_of(e->meta, "calls.ended");
    if (!tenant || !oc_uuid_valid(e->call_id))
        goto out;
    struct work w;
    s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        goto out;
    struct call_row row;
    s = store_call_lock(w.c, tenant, e->call_id, w.arena, &row);
    if (s == OC_ERR_NOT_FOUND) {
        oc_warn("calls.ended for unknown call %s; dropped", e->call_id);
        work_abort(&w);
        s = OC_OK;
        goto out;
    }
    if (s != OC_OK || !current_or_unrecorded(&row, e->dispatch_id, "end", w.arena)) {
        work_abort(&w);
        goto out;
    }
    int64_t now = wire_now_ms();
    char err[160];

    if (e->cause == OCPB__HANGUP_CAUSE__HANGUP_CAUSE_EXPIRED) {
        /* Never dialled: not an attempt; the call waits for its next slot. */
        if (row.status != CALL_QUEUED) {
            work_abort(&w);
            goto out;
        }
        struct campaign_rules rules;
        s = store_campaign_rules(w.c, tenant, row.campaign_id, st->cfg.default_max_attempts,
                                 w.arena, &rules);
        if (s != OC_OK) {
            work_abort(&w);
            goto out;
        }
        struct calling_slot slot;
        struct calling_schedule legal;
        const struct calling_schedule *sched = &rules.schedule;
        if (row.ignore_schedule) {
            calling_schedule_init(&legal);
            legal.legal_start = rules.schedule.legal_start;
            legal.legal_end = rules.schedule.legal_end;
            sched = &legal;
        }
        remember_release(&w, &row);
        row.reservation_id = NULL;
        if (calling_window_next_slot(sched, row.timezone ? row.timezone : rules.timezone,
                                     row.country, now, &slot, err, sizeof(err)) == OC_OK) {
            row.scheduled_ms = slot.start_ms;
            s = lifecycle_move(&row, CALL_SCHEDULED, "the job expired before it was dialled", now,
                               &w.ob, err, sizeof(err));
        } else {
            s = lifecycle_move(&row, CALL_CANCELED, err, now, &w.ob, err, sizeof(err));
        }
        if (s != OC_OK) {
            work_abort(&w);
            goto out;
        }
        struct call_row *rows[1] = {&row};
        s = work_finish(&w, rows, 1, "the job expired");
        goto out;
    }

    bool answered = e->answered_unix_ms > 0;
    bool machine = e->amd == OCPB__AMD_RESULT__AMD_RESULT_MACHINE ||
                   e->cause == OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MACHINE;
    enum call_status target = !answered ? CALL_FAILED : machine ? CALL_VOICEMAIL : CALL_COMPLETED;
    if (e->dialed_unix_ms && !row.calling_ms)
        row.calling_ms = e->dialed_unix_ms;
    if (answered)
        row.answered_ms = e->answered_unix_ms;
    row.ended_ms = e->ended_unix_ms ? e->ended_unix_ms : now;
    row.duration_s = answered ? (int)((e->duration_ms + 999) / 1000) : 0;
    row.hangup_cause = e->cause;
    row.sip_code = e->sip_code;
    row.amd = e->amd;
    if (!call_status_final(row.status)) {
        s = lifecycle_advance(&row, target, answered ? NULL : ended_reason(e), now, &w.ob, err,
                              sizeof(err));
        if (s != OC_OK) {
            oc_warn("call %s: %s", row.id, err);
            s = OC_OK;
        }
    }
    if (e->n_transcript) {
        transcript = wire_transcript_json(e->transcript, e->n_transcript);
        if (!transcript || store_call_transcript(w.c, tenant, row.id, transcript) != OC_OK) {
            s = transcript ? OC_ERR_UNAVAILABLE : OC_ERR_NOMEM;
            work_abort(&w);
            goto out;
        }
    }
    struct call_row *rows[1] = {&row};
    s = work_finish(&w, rows, 1, NULL);
out:
    free(transcript);
    oc_log_set_request_id(NULL);
    ocpb__call_ended__free_unpacked(e, NULL);
    return s;
}

/* ================================================================ analysis.done */

/* Which rule the analysis asks for. */
static void classify(const Ocpb__Analysis *a, const struct call_row *row, struct retry_facts *f)
{
    memset(f, 0, sizeof(*f));
    const Ocpb__FollowUp *fu = a->follow_up;
    if (fu && fu->needed) {
        if (fu->time_explicit && fu->due_unix_ms)
            f->trigger = FOLLOW_UP_NAMED;
        else if (fu->grain == OCPB__TIME_GRAIN__TIME_GRAIN_WEEK)
            f->trigger = FOLLOW_UP_NEXT_WEEK;
        else if (a->outcome == OCPB__OUTCOME__OUTCOME_BUSY_VOICEMAIL)
            f->trigger = FOLLOW_UP_BUSY_INTERESTED;
        else
            f->trigger = FOLLOW_UP_LATER;
        f->suggested_ms = fu->due_unix_ms;
        if (fu->window)
            f->suggested_end_ms = fu->window->end_unix_ms;
        if (!f->suggested_ms && fu->window)
            f->suggested_ms = fu->window->start_unix_ms;
        return;
    }
    if (a->retry && a->retry->needed) {
        f->trigger = next_call_retry_trigger(row);
        f->suggested_ms = a->retry->due_unix_ms;
    }
}

enum oc_status consumers_on_analysis(struct scheduler *st, const uint8_t *data, size_t len,
                                     uint64_t delivered)
{
    Ocpb__AnalysisDone *m = ocpb__analysis_done__unpack(NULL, len, data);
    if (!m) {
        oc_warn("analysis.done: not an AnalysisDone; dropped");
        return OC_OK;
    }
    enum oc_status s = OC_OK;
    const Ocpb__Analysis *a = m->analysis;
    const char *tenant = tenant_of(m->meta, "analysis.done");
    if (!tenant || !a || !oc_uuid_valid(a->call_id))
        goto out;
    struct work w;
    s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        goto out;
    struct call_row row;
    s = store_call_lock(w.c, tenant, a->call_id, w.arena, &row);
    if (s == OC_ERR_NOT_FOUND) {
        oc_warn("analysis.done for unknown call %s; dropped", a->call_id);
        work_abort(&w);
        s = OC_OK;
        goto out;
    }
    if (s != OC_OK || row.analyzed_ms || !current_attempt(&row, a->dispatch_id, "analysis")) {
        work_abort(&w);
        goto out;
    }
    if (call_status_pending(row.status)) {
        /* The analysed attempt expired undialled; the call waits for another. */
        work_abort(&w);
        goto out;
    }
    if (call_status_live(row.status) && delivered < ANALYSIS_EARLY_TRIES) {
        /* The call's end is not applied yet: ask for the analysis again. */
        work_abort(&w);
        s = OC_ERR_UNAVAILABLE;
        goto out;
    }
    int64_t now = wire_now_ms();
    row.result = a->outcome;
    row.analyzed_ms = now;

    struct campaign_rules rules;
    s = store_campaign_rules(w.c, tenant, row.campaign_id, st->cfg.default_max_attempts, w.arena,
                             &rules);
    if (s != OC_OK) {
        work_abort(&w);
        goto out;
    }
    struct retry_facts facts;
    classify(a, &row, &facts);
    const char *skip = NULL;
    if (a->dnc && a->dnc->requested && a->dnc->risk >= OCPB__DNC_RISK__DNC_RISK_MEDIUM)
        skip = "the contact asked not to be called";
    else if (row.status == CALL_CANCELED)
        skip = "the call was canceled";
    else if (rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED ||
             rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED)
        skip = "the campaign is stopped";
    bool created = false;
    char next_id[SCHED_UUID_LEN] = "";
    if (!skip && facts.trigger != RETRY_NONE) {
        struct retry_call rc = {row.attempt, row.auto_retries, row.ended_ms ? row.ended_ms : now};
        struct retry_decision d;
        retry_policy_decide(&rules.retry, &rc, &facts, &d);
        if (d.schedule) {
            const Ocpb__FollowUp *fu = a->follow_up;
            bool follow = d.kind == CALL_KIND_FOLLOW_UP_CALL;
            const char *reason = follow && fu && fu->reason && *fu->reason ? fu->reason
                                 : !follow && a->retry && a->retry->reason && *a->retry->reason
                                     ? a->retry->reason
                                     : retry_trigger_name(facts.trigger);
            const char *alt =
                follow && fu && fu->phone_e164 && *fu->phone_e164 && wire_e164_valid(fu->phone_e164)
                    ? fu->phone_e164
                    : NULL;
            struct next_call_info ni = {
                .reason = reason,
                .confidence = follow && fu ? fu->confidence : 0,
                .context = a->summary && *a->summary ? a->summary : NULL,
                .phone = alt,
                .contact_name =
                    alt && a->alternative && a->alternative->name && *a->alternative->name
                        ? a->alternative->name
                        : NULL,
            };
            s = next_call_create(w.c, &rules, &row, &d, &ni, now, &w.ob, &created, next_id);
            if (s != OC_OK) {
                work_abort(&w);
                goto out;
            }
            if (created)
                oc_info("call %s: %s %s scheduled (%s)", row.id, call_kind_name(d.kind), next_id,
                        reason);
        } else {
            skip = d.why;
        }
    }
    if (skip && facts.trigger != RETRY_NONE)
        oc_info("call %s: no further call: %s", row.id, skip);
    bool open = created;
    if (!open && row.lead_id[0]) {
        s = store_lead_has_open_call(w.c, tenant, row.campaign_id, row.lead_id, row.id, &open);
        if (s != OC_OK) {
            work_abort(&w);
            goto out;
        }
    }
    s = lifecycle_result(&row, !open, now, &w.ob);
    if (s != OC_OK) {
        work_abort(&w);
        goto out;
    }
    struct call_row *rows[1] = {&row};
    s = work_finish(&w, rows, 1, NULL);
    if (s == OC_OK && created)
        scheduler_wake(st);
out:
    oc_log_set_request_id(NULL);
    ocpb__analysis_done__free_unpacked(m, NULL);
    return s;
}

/* ================================================================ leads */

static enum oc_status leads_added(struct scheduler *st, const Ocpb__LeadsAdded *m)
{
    const char *tenant = tenant_of(m->meta, "leads.added");
    if (!tenant || !oc_uuid_valid(m->campaign_id))
        return OC_OK;
    struct work w;
    enum oc_status s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        return s;
    struct campaign_rules rules;
    s = store_campaign_rules(w.c, tenant, m->campaign_id, st->cfg.default_max_attempts, w.arena,
                             &rules);
    if (s == OC_ERR_NOT_FOUND ||
        (s == OC_OK && (rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_STOPPED ||
                        rules.state == OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_ARCHIVED))) {
        oc_warn("leads.added for campaign %s, which %s; no calls created", m->campaign_id,
                s == OC_ERR_NOT_FOUND ? "does not exist" : "is stopped");
        work_abort(&w);
        return OC_OK;
    }
    if (s != OC_OK) {
        work_abort(&w);
        return s;
    }
    /* Only leads of this campaign with a usable number and id. */
    Ocpb__Lead **ok = oc_arena_alloc(w.arena, sizeof(*ok) * (m->n_leads ? m->n_leads : 1));
    struct call_row *rows = oc_arena_alloc(w.arena, sizeof(*rows) * (m->n_leads ? m->n_leads : 1));
    struct call_row **ptrs = oc_arena_alloc(w.arena, sizeof(*ptrs) * (m->n_leads ? m->n_leads : 1));
    bool *inserted = oc_arena_alloc(w.arena, sizeof(*inserted) * (m->n_leads ? m->n_leads : 1));
    if (!ok || !rows || !ptrs || !inserted) {
        work_abort(&w);
        return OC_ERR_NOMEM;
    }
    size_t n = 0;
    int64_t now = wire_now_ms();
    size_t mark = w.ob.n;
    for (size_t i = 0; i < m->n_leads; i++) {
        Ocpb__Lead *l = m->leads[i];
        if (!oc_uuid_valid(l->id) || !wire_e164_valid(l->phone_e164)) {
            oc_warn("leads.added: lead %s has no valid id or E.164 number; skipped",
                    l->id ? l->id : "?");
            continue;
        }
        struct call_row *r = &rows[n];
        memset(r, 0, sizeof(*r));
        if (oc_uuid_v4(r->id) != OC_OK) {
            work_abort(&w);
            return OC_ERR_INTERNAL;
        }
        snprintf(r->tenant_id, sizeof(r->tenant_id), "%s", tenant);
        snprintf(r->campaign_id, sizeof(r->campaign_id), "%s", m->campaign_id);
        snprintf(r->lead_id, sizeof(r->lead_id), "%s", l->id);
        snprintf(r->assistant_id, sizeof(r->assistant_id), "%s", rules.assistant_id);
        snprintf(r->number_id, sizeof(r->number_id), "%s", rules.numbers[0]);
        r->status = CALL_CREATED;
        r->kind = CALL_KIND_FIRST_CALL;
        r->phone = l->phone_e164;
        r->contact_name = l->name && *l->name ? l->name : NULL;
        r->timezone = l->timezone && calling_window_tz_valid(l->timezone)
                          ? l->timezone
                          : oc_arena_strdup(w.arena, rules.timezone);
        r->country =
            wire_country_valid(l->region) ? l->region : oc_arena_strdup(w.arena, rules.region);
        r->attempt = 1;
        r->created_ms = now;
        s = lifecycle_created(r, now, &w.ob);
        if (s != OC_OK) {
            work_abort(&w);
            return s;
        }
        ok[n] = l;
        ptrs[n] = r;
        n++;
    }
    s = store_leads_upsert(w.c, tenant, m->campaign_id, ok, n);
    if (s == OC_OK)
        s = store_calls_insert(w.c, ptrs, n, inserted);
    if (s != OC_OK) {
        work_abort(&w);
        return s;
    }
    /* A lead that already had its first call (a redelivered batch) keeps
     * it; its creation event is dropped. */
    size_t k = mark, created = 0;
    for (size_t i = 0; i < n; i++) {
        if (inserted[i]) {
            w.ob.events[k++] = w.ob.events[mark + i];
            created++;
        }
    }
    w.ob.n = k;
    s = work_finish(&w, NULL, 0, NULL);
    if (s == OC_OK && created) {
        oc_info("campaign %s: %zu leads added, %zu first calls created", m->campaign_id, n,
                created);
        scheduler_wake(st);
    }
    return s;
}

static enum oc_status lead_updated(struct scheduler *st, const Ocpb__LeadUpdated *m)
{
    const char *tenant = tenant_of(m->meta, "leads.updated");
    const Ocpb__Lead *l = m->lead;
    if (!tenant || !l || !oc_uuid_valid(l->id))
        return OC_OK;
    struct work w;
    enum oc_status s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        return s;
    Ocpb__Lead *old = NULL;
    s = store_lead_get(w.c, tenant, l->id, w.arena, &old);
    if (s == OC_ERR_NOT_FOUND) {
        /* Not a lead the scheduler calls (yet): its first call comes with leads.added. */
        work_abort(&w);
        return OC_OK;
    }
    if (s != OC_OK) {
        work_abort(&w);
        return s;
    }
    if (old->updated_unix_ms && l->updated_unix_ms && l->updated_unix_ms < old->updated_unix_ms) {
        work_abort(&w);
        return OC_OK;
    }
    Ocpb__Lead *one[1] = {(Ocpb__Lead *)l};
    const char *campaign =
        l->campaign_id && oc_uuid_valid(l->campaign_id) ? l->campaign_id : old->campaign_id;
    s = store_leads_upsert(w.c, tenant, campaign, one, 1);
    if (s == OC_OK && wire_e164_valid(l->phone_e164))
        s = store_lead_calls_follow(w.c, tenant, l,
                                    old->phone_e164 && *old->phone_e164 ? old->phone_e164 : NULL);
    if (s != OC_OK) {
        work_abort(&w);
        return s;
    }
    return work_finish(&w, NULL, 0, NULL);
}

/* Cancels every call to come that `where` selects, in chunks. */
static enum oc_status cancel_where(struct work *w, enum store_where where, const char *key,
                                   const char *reason, size_t *count)
{
    *count = 0;
    for (;;) {
        struct call_row *rows = NULL;
        size_t n = 0;
        enum oc_status s =
            store_calls_lock_where(w->c, w->tenant, where, key, 500, w->arena, &rows, &n);
        if (s != OC_OK || n == 0)
            return s;
        struct call_row **ptrs = oc_arena_alloc(w->arena, sizeof(*ptrs) * n);
        if (!ptrs)
            return OC_ERR_NOMEM;
        int64_t now = wire_now_ms();
        for (size_t i = 0; i < n; i++) {
            char err[160];
            remember_release(w, &rows[i]);
            s = lifecycle_move(&rows[i], CALL_CANCELED, reason, now, &w->ob, err, sizeof(err));
            if (s != OC_OK)
                return s;
            ptrs[i] = &rows[i];
        }
        s = store_calls_save(w->c, ptrs, n);
        if (s == OC_OK)
            s = store_events_flush(w->c, &w->ob);
        if (s != OC_OK)
            return s;
        *count += n;
        if (n < 500)
            return OC_OK;
    }
}

static enum oc_status lead_deleted(struct scheduler *st, const Ocpb__LeadDeleted *m)
{
    const char *tenant = tenant_of(m->meta, "leads.deleted");
    if (!tenant || !oc_uuid_valid(m->lead_id))
        return OC_OK;
    struct work w;
    enum oc_status s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        return s;
    size_t n = 0;
    s = cancel_where(&w, STORE_OPEN_BY_LEAD, m->lead_id,
                     m->erased ? "the lead was erased" : "the lead was deleted", &n);
    if (s == OC_OK)
        s = store_lead_remove(w.c, tenant, m->lead_id, m->erased);
    if (s != OC_OK) {
        work_abort(&w);
        return s;
    }
    s = work_finish(&w, NULL, 0, "the lead was deleted");
    if (s == OC_OK)
        oc_info("lead %s %s: %zu calls canceled", m->lead_id, m->erased ? "erased" : "deleted", n);
    return s;
}

/* Every number an addition names (an import's event names many) has its
 * future calls canceled, in one transaction. */
static enum oc_status dnc_changed(struct scheduler *st, const Ocpb__DncChanged *m)
{
    const char *tenant = tenant_of(m->meta, "dnc.changed");
    if (!tenant || m->action != OCPB__DNC_ACTION__DNC_ACTION_ADDED || !m->entry)
        return OC_OK;
    struct work w;
    enum oc_status s = work_begin(st, tenant, &w);
    if (s != OC_OK)
        return s;
    size_t total = 0;
    for (size_t i = 0; i <= m->n_more_entries; i++) {
        const Ocpb__DncEntry *e = i == 0 ? m->entry : m->more_entries[i - 1];
        size_t n = 0;
        if (!e || !wire_e164_valid(e->phone_e164))
            continue;
        s = cancel_where(&w, STORE_OPEN_BY_PHONE, e->phone_e164,
                         "the number was added to the do-not-call list", &n);
        if (s != OC_OK) {
            work_abort(&w);
            return s;
        }
        if (n)
            oc_info("do-not-call %s: %zu calls canceled", e->phone_e164, n);
        total += n;
    }
    s = work_finish(&w, NULL, 0, "do-not-call");
    if (s == OC_OK && m->n_more_entries && total)
        oc_info("do-not-call: %zu numbers, %zu calls canceled", m->n_more_entries + 1, total);
    return s;
}

enum oc_status consumers_on_leads(struct scheduler *st, const char *subject, const uint8_t *data,
                                  size_t len, uint64_t delivered)
{
    (void)delivered;
    enum oc_status s = OC_OK;
    if (strcmp(subject, "leads.added") == 0) {
        Ocpb__LeadsAdded *m = ocpb__leads_added__unpack(NULL, len, data);
        if (m) {
            s = leads_added(st, m);
            ocpb__leads_added__free_unpacked(m, NULL);
        }
    } else if (strcmp(subject, "leads.updated") == 0) {
        Ocpb__LeadUpdated *m = ocpb__lead_updated__unpack(NULL, len, data);
        if (m) {
            s = lead_updated(st, m);
            ocpb__lead_updated__free_unpacked(m, NULL);
        }
    } else if (strcmp(subject, "leads.deleted") == 0) {
        Ocpb__LeadDeleted *m = ocpb__lead_deleted__unpack(NULL, len, data);
        if (m) {
            s = lead_deleted(st, m);
            ocpb__lead_deleted__free_unpacked(m, NULL);
        }
    } else if (strcmp(subject, "dnc.changed") == 0) {
        Ocpb__DncChanged *m = ocpb__dnc_changed__unpack(NULL, len, data);
        if (m) {
            s = dnc_changed(st, m);
            ocpb__dnc_changed__free_unpacked(m, NULL);
        }
    }
    oc_log_set_request_id(NULL);
    return s;
}

/* ================================================================ wiring */

static enum oc_status on_calls(void *user, const char *subject, const uint8_t *data, size_t len,
                               uint64_t delivered)
{
    if (strcmp(subject, "calls.progress") == 0)
        return consumers_on_progress(user, data, len, delivered);
    if (strcmp(subject, "calls.ended") == 0)
        return consumers_on_ended(user, data, len, delivered);
    return OC_OK;
}

static enum oc_status on_analysis(void *user, const char *subject, const uint8_t *data, size_t len,
                                  uint64_t delivered)
{
    (void)subject;
    return consumers_on_analysis(user, data, len, delivered);
}

static enum oc_status on_leads(void *user, const char *subject, const uint8_t *data, size_t len,
                               uint64_t delivered)
{
    return consumers_on_leads(user, subject, data, len, delivered);
}

enum oc_status consumers_start(struct scheduler *st)
{
    static const struct {
        const char *stream, *durable, *filter;
        oc_js_msg_cb cb;
        int batch;
    } defs[] = {
        {OC_STREAM_CALLS, "scheduler-progress", "calls.progress", on_calls, 10},
        {OC_STREAM_CALLS, "scheduler-ended", "calls.ended", on_calls, 10},
        {OC_STREAM_ANALYSIS, "scheduler", "analysis.done", on_analysis, 10},
        {OC_STREAM_LEADS, "scheduler", ">", on_leads, 10},
    };
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        struct oc_consumer_config cc = {.stream = defs[i].stream,
                                        .durable = defs[i].durable,
                                        .filter_subject = defs[i].filter,
                                        .ack_wait_s = 30,
                                        .batch = defs[i].batch,
                                        .nak_delay_ms = 1000};
        enum oc_status s =
            oc_consumer_start(&st->consumers[st->n_consumers], st->bus, &cc, defs[i].cb, st);
        if (s != OC_OK) {
            oc_error("cannot consume %s from %s", defs[i].filter, defs[i].stream);
            return s;
        }
        st->n_consumers++;
    }
    return OC_OK;
}

void consumers_stop(struct scheduler *st)
{
    while (st->n_consumers > 0)
        oc_consumer_stop(st->consumers[--st->n_consumers]);
}
