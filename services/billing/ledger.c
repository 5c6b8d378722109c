/*
 * The ledger's operations (see ledger.h): each opens the tenant's
 * transaction and account, decides with pricing.c, writes with store.c,
 * and commits, or rolls everything back (the trial of a new tenant
 * included) when anything fails.
 */
#include "ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "oc/log.h"
#include "oc/service.h"
#include "pricing.h"

/* One operation's transaction, with the tenant's account as it stands. */
struct tx {
    struct billing *b;
    struct oc_db_conn *c;
    const char *tenant;
    int64_t balance;
    int64_t held;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Begins the tenant's transaction and opens its account, granting the
 * trial when the account is new. With lock, the account stays locked until
 * tx_end; a new account is locked whatever lock says, by its insertion.
 */
static enum oc_status tx_begin(struct billing *b, const char *tenant, bool lock, struct oc_arena *a,
                               struct tx *t, struct ledger_result *out)
{
    bool created = false;
    enum oc_status s;

    memset(out, 0, sizeof(*out));
    *t = (struct tx){.b = b, .tenant = tenant};
    s = oc_db_acquire(b->svc->db, &t->c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(t->c, tenant);
    if (s == OC_OK)
        s = store_account_open(t->c, tenant, &created);
    if (s == OC_OK)
        s = store_account_read(t->c, tenant, lock, &t->balance, &t->held);
    if (s == OC_OK && created && b->cfg.trial_milli > 0) {
        const struct store_entry_in trial = {
            .kind = OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL,
            .amount = b->cfg.trial_milli,
            .reference = tenant,
            .key = "trial",
            .description = "trial credits",
            .actor = "billing",
        };
        s = store_entry_add(t->c, tenant, &trial, t->balance + trial.amount, a, &out->trial);
        if (s == OC_OK)
            t->balance += trial.amount;
    }
    if (s != OC_OK) {
        /* Releasing rolls back whatever was begun. */
        oc_db_release(b->svc->db, t->c);
        t->c = NULL;
        return s;
    }
    out->available_before = t->balance - t->held;
    return OC_OK;
}

/* Commits when s is OC_OK, rolls back otherwise; returns the final status. */
static enum oc_status tx_end(struct tx *t, enum oc_status s, struct ledger_result *out)
{
    if (s == OC_OK)
        s = oc_db_commit(t->c);
    else
        oc_db_rollback(t->c);
    oc_db_release(t->b->svc->db, t->c);
    t->c = NULL;
    if (s == OC_OK) {
        out->balance = t->balance;
        out->held = t->held;
    }
    return s;
}

/* ================================================================ grant */

enum oc_status ledger_grant(struct billing *b, const char *tenant, const struct ledger_grant *g,
                            struct oc_arena *a, struct ledger_result *out, char *err, size_t errlen)
{
    struct tx t;
    Ocpb__LedgerEntry *found = NULL;
    enum oc_status s = tx_begin(b, tenant, true, a, &t, out);
    if (s != OC_OK)
        return s;

    if (g->kind == OCPB__LEDGER_KIND__LEDGER_KIND_TRIAL) {
        /* The account may have been opened by this very request. */
        if (out->trial) {
            out->entry = out->trial;
            out->trial = NULL;
            out->changed = true;
            return tx_end(&t, OC_OK, out);
        }
        s = store_entry_by_key(t.c, tenant, "trial", a, &found);
        if (s == OC_OK) {
            out->entry = found;
            return tx_end(&t, OC_OK, out);
        }
        if (s != OC_ERR_NOT_FOUND || b->cfg.trial_milli == 0)
            return tx_end(&t, s == OC_ERR_NOT_FOUND ? OC_OK : s, out);
        /* An account opened while the trial was configured to zero gets
         * it now: still once per tenant, by its key. */
        const struct store_entry_in trial = {
            .kind = g->kind,
            .amount = b->cfg.trial_milli,
            .reference = tenant,
            .key = "trial",
            .description = "trial credits",
            .actor = g->actor,
        };
        s = store_entry_add(t.c, tenant, &trial, t.balance + trial.amount, a, &out->entry);
        if (s == OC_OK) {
            t.balance += trial.amount;
            out->changed = true;
        }
        return tx_end(&t, s, out);
    }

    s = store_entry_by_key(t.c, tenant, g->key, a, &found);
    if (s == OC_OK && found->amount->milli != g->amount) {
        snprintf(err, errlen, "reference \"%.80s\" was already granted another amount",
                 g->reference);
        return tx_end(&t, OC_ERR_CONFLICT, out);
    }
    if (s == OC_OK) {
        out->entry = found;
        return tx_end(&t, OC_OK, out);
    }
    if (s != OC_ERR_NOT_FOUND)
        return tx_end(&t, s, out);

    int64_t after = t.balance + g->amount;
    if (after > PRICING_MAX_MILLI || after < -PRICING_MAX_MILLI) {
        snprintf(err, errlen, "the balance would leave the range the ledger keeps");
        return tx_end(&t, OC_ERR_INVALID, out);
    }
    const struct store_entry_in in = {
        .kind = g->kind,
        .amount = g->amount,
        .reference = g->reference,
        .key = g->key,
        .description = g->description,
        .actor = g->actor,
        .paid_currency = g->paid_currency,
        .paid_minor = g->paid_minor,
    };
    s = store_entry_add(t.c, tenant, &in, after, a, &out->entry);
    if (s == OC_OK) {
        t.balance = after;
        out->changed = true;
    }
    return tx_end(&t, s, out);
}

/* ================================================================ holds */

enum oc_status ledger_reserve(struct billing *b, const char *tenant,
                              const struct ledger_hold_req *r, struct oc_arena *a,
                              struct ledger_hold *hold, struct ledger_result *out, char *err,
                              size_t errlen)
{
    struct tx t;
    struct store_hold h;
    int64_t amount = 0;
    enum oc_status s = tx_begin(b, tenant, true, a, &t, out);
    if (s != OC_OK)
        return s;

    /* A replay of the same request, by its key. */
    if (r->key && *r->key) {
        s = store_hold_find(t.c, tenant, STORE_HOLD_BY_KEY, r->key, 0, a, &h);
        if (s == OC_OK && strcmp(h.reference, r->reference) != 0) {
            snprintf(err, errlen, "the idempotency key was used for another reference");
            return tx_end(&t, OC_ERR_CONFLICT, out);
        }
        if (s == OC_OK)
            goto found;
        if (s != OC_ERR_NOT_FOUND)
            return tx_end(&t, s, out);
    }
    /* The call's open hold, unless it has expired. */
    s = store_hold_find(t.c, tenant, STORE_HOLD_OPEN_FOR, r->reference, 0, a, &h);
    if (s == OC_OK && !h.expired)
        goto found;
    if (s == OC_OK)
        s = store_hold_close(t.c, tenant, h.id, STORE_HOLD_RELEASED, "expired", 0, NULL);
    else if (s == OC_ERR_NOT_FOUND)
        s = OC_OK;
    if (s != OC_OK)
        return tx_end(&t, s, out);

    if (pricing_cost(b->cfg.price_milli, r->seconds, &amount) != OC_OK) {
        snprintf(err, errlen, "seconds: out of range");
        return tx_end(&t, OC_ERR_INVALID, out);
    }
    int64_t available = t.balance - t.held;
    if (available < amount) {
        char have[PRICING_TEXT_MAX], need[PRICING_TEXT_MAX];
        snprintf(err, errlen, "not enough credit: %s available, %s needed for %" PRId64 " s",
                 pricing_format_credits(available, have), pricing_format_credits(amount, need),
                 r->seconds);
        return tx_end(&t, OC_ERR_NO_CREDIT, out);
    }
    const struct store_hold_in in = {
        .reference = r->reference,
        .key = r->key,
        .amount = amount,
        .seconds = r->seconds,
        .price = b->cfg.price_milli,
        .expires_ms =
            r->expires_ms ? r->expires_ms : now_ms() + (r->seconds + b->cfg.hold_grace_s) * 1000,
        .description = r->description,
    };
    s = store_hold_add(t.c, tenant, &in, a, &h);
    if (s != OC_OK)
        return tx_end(&t, s, out);
    t.held += amount;
    out->changed = true;

found:
    s = tx_end(&t, OC_OK, out);
    if (s == OC_OK) {
        hold->id = h.id;
        hold->amount = h.amount;
    }
    return s;
}

/* The hold a settle or release names: by id, else by reference. */
static enum oc_status find_hold(struct tx *t, const struct ledger_close_req *r,
                                enum store_hold_by by_reference, struct oc_arena *a,
                                struct store_hold *h, char *err, size_t errlen)
{
    bool by_id = r->reservation_id && *r->reservation_id;
    enum oc_status s;
    if (by_id)
        s = store_hold_find(t->c, t->tenant, STORE_HOLD_BY_ID, r->reservation_id, 0, a, h);
    else
        s = store_hold_find(t->c, t->tenant, by_reference, r->reference, r->before_ms, a, h);
    /* No open hold: the newest closed one answers a replay. */
    if (s == OC_ERR_NOT_FOUND && !by_id && by_reference == STORE_HOLD_OPEN_FOR)
        s = store_hold_find(t->c, t->tenant, STORE_HOLD_LATEST_FOR, r->reference, r->before_ms, a,
                            h);
    if (s == OC_ERR_NOT_FOUND) {
        if (by_id)
            snprintf(err, errlen, "no such reservation");
        else
            snprintf(err, errlen, "no reservation for reference \"%.80s\"", r->reference);
    }
    return s;
}

/* Takes a closed-now hold off what is held (an expired one no longer counted). */
static void unhold(struct tx *t, const struct store_hold *h)
{
    if (h->status == STORE_HOLD_OPEN && !h->expired)
        t->held -= h->amount;
}

enum oc_status ledger_settle(struct billing *b, const char *tenant,
                             const struct ledger_close_req *r, struct oc_arena *a,
                             struct ledger_result *out, char *err, size_t errlen)
{
    struct tx t;
    struct store_hold h;
    struct pricing_settlement ps;
    enum oc_status s = tx_begin(b, tenant, true, a, &t, out);
    if (s != OC_OK)
        return s;
    s = find_hold(&t, r, STORE_HOLD_LATEST_FOR, a, &h, err, errlen);
    if (s != OC_OK)
        return tx_end(&t, s, out);

    if (h.status == STORE_HOLD_SETTLED) {
        if (*h.entry_id)
            s = store_entry_get(t.c, tenant, h.entry_id, a, &out->entry);
        return tx_end(&t, s, out);
    }
    if (pricing_settle(h.price, h.amount, r->duration_ms, &ps) != OC_OK) {
        snprintf(err, errlen, "the reservation's price is out of range");
        return tx_end(&t, OC_ERR_INTERNAL, out);
    }
    if (ps.seconds == 0) {
        /* Nothing to bill: the call never ran. A released hold stays so. */
        if (h.status == STORE_HOLD_OPEN) {
            s = store_hold_close(t.c, tenant, h.id, STORE_HOLD_RELEASED, "settled without duration",
                                 0, NULL);
            if (s == OC_OK) {
                unhold(&t, &h);
                out->changed = true;
            }
        }
        return tx_end(&t, s, out);
    }

    if (ps.charge > 0) {
        char price[PRICING_TEXT_MAX];
        const struct store_entry_in in = {
            .kind = OCPB__LEDGER_KIND__LEDGER_KIND_CALL_USAGE,
            .amount = -ps.charge,
            .reference = h.reference,
            .key = oc_arena_printf(a, "call_usage:%s", h.id),
            .description = oc_arena_printf(a, "call of %" PRId64 " s at %s credits/min", ps.seconds,
                                           pricing_format_credits(h.price, price)),
            .actor = r->actor,
            .seconds = ps.seconds,
        };
        if (!in.key || !in.description)
            return tx_end(&t, OC_ERR_NOMEM, out);
        s = store_entry_add(t.c, tenant, &in, t.balance - ps.charge, a, &out->entry);
        if (s != OC_OK)
            return tx_end(&t, s, out);
        t.balance -= ps.charge;
    }
    s = store_hold_close(t.c, tenant, h.id, STORE_HOLD_SETTLED, "settled", ps.seconds,
                         out->entry ? out->entry->id : NULL);
    if (s == OC_OK) {
        unhold(&t, &h);
        out->changed = true;
    }
    return tx_end(&t, s, out);
}

enum oc_status ledger_release(struct billing *b, const char *tenant,
                              const struct ledger_close_req *r, struct oc_arena *a,
                              struct ledger_result *out, char *err, size_t errlen)
{
    struct tx t;
    struct store_hold h;
    enum oc_status s = tx_begin(b, tenant, true, a, &t, out);
    if (s != OC_OK)
        return s;
    s = find_hold(&t, r, STORE_HOLD_OPEN_FOR, a, &h, err, errlen);
    if (s == OC_OK && h.status == STORE_HOLD_SETTLED) {
        snprintf(err, errlen, "the reservation is already settled");
        s = OC_ERR_CONFLICT;
    }
    if (s == OC_OK && h.status == STORE_HOLD_OPEN) {
        s = store_hold_close(t.c, tenant, h.id, STORE_HOLD_RELEASED,
                             r->reason && *r->reason ? r->reason : "released", 0, NULL);
        if (s == OC_OK) {
            unhold(&t, &h);
            out->changed = true;
        }
    }
    return tx_end(&t, s, out);
}

/* ================================================================ reads */

enum oc_status ledger_balance(struct billing *b, const char *tenant, struct oc_arena *a,
                              struct ledger_result *out, bool *trial_only)
{
    struct tx t;
    bool only = false;
    enum oc_status s = tx_begin(b, tenant, false, a, &t, out);
    if (s != OC_OK)
        return s;
    s = store_account_trial_only(t.c, tenant, &only);
    s = tx_end(&t, s, out);
    if (s == OC_OK)
        *trial_only = only;
    return s;
}

enum oc_status ledger_history(struct billing *b, const char *tenant,
                              const struct store_history_filter *f, struct oc_arena *a,
                              struct ledger_page *page, struct ledger_result *out)
{
    struct tx t;
    struct ledger_page p = {0};
    enum oc_status s = tx_begin(b, tenant, false, a, &t, out);
    if (s != OC_OK)
        return s;
    s = store_history(t.c, tenant, f, a, &p.entries, &p.n, &p.next_seq);
    s = tx_end(&t, s, out);
    if (s == OC_OK)
        *page = p;
    return s;
}
