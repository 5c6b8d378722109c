/*
 * The assistants service's request/reply handlers and their table
 * (subjects in docs/messages.md). Creating and updating check the whole
 * assistant (assistant_rules.c) and save it as a new immutable version with
 * its rendered prompt (prompt.c) in the same transaction, then tell the
 * dashboard (evt.<tenant>.assistant.updated). A snapshot reads a saved
 * version, never the live assistant, so a call job's copy is exactly what
 * the version said.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assistant_rules.h"
#include "assistants.h"
#include "oc/crypto.h"
#include "oc/log.h"
#include "oc/service.h"
#include "prompt.h"
#include "store.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 200
#define QUERY_MAX 100
#define KEY_MAX 200

/* ================================================================ helpers */

static struct assistants *state_of(const struct oc_request *req)
{
    const struct oc_service *svc = req->user;
    return svc->user;
}

/* The acting user when it is one (created_by is a uuid column), else NULL. */
static const char *user_of(const struct oc_request *req)
{
    return oc_uuid_valid(req->env->user_id) ? req->env->user_id : NULL;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens the tenant's transaction on a pooled connection. */
static enum oc_status tx_begin(struct assistants *st, const char *tenant, struct oc_db_conn **c)
{
    enum oc_status s = oc_db_acquire(st->svc->db, c);
    if (s != OC_OK)
        return s;
    s = oc_db_begin_tenant(*c, tenant);
    if (s != OC_OK)
        oc_db_release(st->svc->db, *c);
    return s;
}

/* Commits when s is OC_OK, rolls back otherwise, gives the connection back. */
static enum oc_status tx_end(struct assistants *st, struct oc_db_conn *c, enum oc_status s)
{
    if (s == OC_OK)
        s = oc_db_commit(c);
    else
        oc_db_rollback(c);
    oc_db_release(st->svc->db, c);
    return s;
}

/* evt.<tenant>.assistant.updated, after the version committed. */
static void publish_updated(struct assistants *st, const struct oc_request *req, const char *tenant,
                            const Ocpb__Assistant *x, bool created)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__AssistantUpdated ev = OCPB__ASSISTANT_UPDATED__INIT;
    char event_id[37], subject[128];
    if (oc_uuid_v4(event_id) != OC_OK)
        return;
    meta.event_id = event_id;
    meta.tenant_id = (char *)tenant;
    meta.occurred_unix_ms = now_ms();
    meta.request_id = req->env->request_id;
    ev.meta = &meta;
    ev.assistant_id = x->id;
    ev.version = x->version;
    ev.created = created;
    snprintf(subject, sizeof(subject), "evt.%s.assistant.updated", tenant);
    if (oc_bus_publish(st->svc->bus, subject, &ev.base) != OC_OK)
        oc_warn("event %s not published", subject);
}

/* Saves x (as just stored) as its version, with the prompt rendered for it. */
static enum oc_status save_version(struct oc_request *req, struct oc_db_conn *c, const char *tenant,
                                   const Ocpb__Assistant *x)
{
    char *prompt = prompt_render(req->arena, x);
    if (!prompt)
        return OC_ERR_NOMEM;
    return store_version_insert(c, tenant, x, prompt, user_of(req));
}

/* ================================================================ create */

static enum oc_status handle_assistant_create(struct oc_request *req, const ProtobufCMessage *msg,
                                              ProtobufCMessage **out)
{
    const Ocpb__CreateAssistantRequest *in = (const Ocpb__CreateAssistantRequest *)msg;
    struct assistants *st = state_of(req);
    struct oc_db_conn *c = NULL;
    Ocpb__Assistant *saved = NULL;
    bool existed = false;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!in->assistant)
        return oc_request_fail(req, OC_ERR_INVALID, "assistant: required");
    const char *key = req->env->idempotency_key;
    if (key && strlen(key) > KEY_MAX)
        return oc_request_fail(req, OC_ERR_INVALID, "idempotency key: at most %d characters",
                               KEY_MAX);

    Ocpb__Assistant x = *in->assistant;
    if ((s = assistant_normalize(req->arena, &x)) != OC_OK)
        return s;
    if (assistant_check(&x, req->error, sizeof(req->error)) != OC_OK)
        return OC_ERR_INVALID;

    if ((s = tx_begin(st, tenant, &c)) != OC_OK)
        return s;
    s = store_assistant_insert(c, tenant, &x, key, user_of(req), req->arena, &saved, &existed);
    if (s == OC_OK && !existed)
        s = save_version(req, c, tenant, saved);
    if ((s = tx_end(st, c, s)) != OC_OK)
        return s;
    if (!existed) {
        oc_info("assistant %s created", saved->id);
        publish_updated(st, req, tenant, saved, true);
    }

    Ocpb__CreateAssistantReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__create_assistant_reply__init(rep);
    rep->assistant = saved;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ get, list */

static enum oc_status handle_assistant_get(struct oc_request *req, const ProtobufCMessage *msg,
                                           ProtobufCMessage **out)
{
    const Ocpb__GetAssistantRequest *in = (const Ocpb__GetAssistantRequest *)msg;
    struct assistants *st = state_of(req);
    struct oc_db_conn *c = NULL;
    Ocpb__Assistant *x = NULL;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such assistant");
    if ((s = tx_begin(st, tenant, &c)) != OC_OK)
        return s;
    s = store_assistant_get(c, tenant, in->id, false, req->arena, &x);
    s = tx_end(st, c, s);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s, "no such assistant");
    if (s != OC_OK)
        return s;

    Ocpb__GetAssistantReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__get_assistant_reply__init(rep);
    rep->assistant = x;
    *out = &rep->base;
    return OC_OK;
}

/* The cursor is the position of the page's last assistant. */
static bool cursor_parse(const char *text, int64_t *seq)
{
    char *end = NULL;
    if (!text || !isdigit((unsigned char)text[0]) || strlen(text) > 18)
        return false;
    long long v = strtoll(text, &end, 10);
    if (*end || v <= 0)
        return false;
    *seq = v;
    return true;
}

static enum oc_status handle_assistant_list(struct oc_request *req, const ProtobufCMessage *msg,
                                            ProtobufCMessage **out)
{
    const Ocpb__ListAssistantsRequest *in = (const Ocpb__ListAssistantsRequest *)msg;
    struct assistants *st = state_of(req);
    struct oc_db_conn *c = NULL;
    Ocpb__Assistant **items = NULL;
    size_t n = 0;
    int64_t after = 0, next = 0;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    const char *cursor = in->page ? in->page->cursor : "";
    int limit = in->page ? in->page->limit : 0;
    if (limit < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "page.limit: negative");
    limit = limit == 0 ? PAGE_DEFAULT : limit > PAGE_MAX ? PAGE_MAX : limit;
    if (*cursor && !cursor_parse(cursor, &after))
        return oc_request_fail(req, OC_ERR_INVALID, "page.cursor: not a cursor of this list");
    if (strlen(in->query) > QUERY_MAX)
        return oc_request_fail(req, OC_ERR_INVALID, "query: at most %d characters", QUERY_MAX);

    if ((s = tx_begin(st, tenant, &c)) != OC_OK)
        return s;
    s = store_assistant_list(c, tenant, in->query, after, limit, req->arena, &items, &n, &next);
    if ((s = tx_end(st, c, s)) != OC_OK)
        return s;

    Ocpb__ListAssistantsReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    Ocpb__PageInfo *info = oc_arena_alloc(req->arena, sizeof(*info));
    if (!rep || !info)
        return OC_ERR_NOMEM;
    ocpb__list_assistants_reply__init(rep);
    ocpb__page_info__init(info);
    info->next_cursor = next ? oc_arena_printf(req->arena, "%" PRId64, next) : "";
    if (!info->next_cursor)
        return OC_ERR_NOMEM;
    rep->assistants = items;
    rep->n_assistants = n;
    rep->page = info;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ update */

static enum oc_status handle_assistant_update(struct oc_request *req, const ProtobufCMessage *msg,
                                              ProtobufCMessage **out)
{
    const Ocpb__UpdateAssistantRequest *in = (const Ocpb__UpdateAssistantRequest *)msg;
    struct assistants *st = state_of(req);
    struct oc_db_conn *c = NULL;
    Ocpb__Assistant *cur = NULL, *saved = NULL;
    bool changed = false;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!in->assistant)
        return oc_request_fail(req, OC_ERR_INVALID, "assistant: required");
    if (!oc_uuid_valid(in->assistant->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such assistant");
    if (assistant_check_mask(in->update_mask, in->n_update_mask, req->error, sizeof(req->error)) !=
        OC_OK)
        return OC_ERR_INVALID;
    if (in->expected_version < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "expected_version: negative");

    if ((s = tx_begin(st, tenant, &c)) != OC_OK)
        return s;
    /* Locked: two updates of one assistant make two versions, one after the other. */
    s = store_assistant_get(c, tenant, in->assistant->id, true, req->arena, &cur);
    if (s == OC_ERR_NOT_FOUND) {
        oc_request_fail(req, s, "no such assistant");
        goto out;
    }
    if (s != OC_OK)
        goto out;
    if (in->expected_version && in->expected_version != cur->version) {
        s = oc_request_fail(req, OC_ERR_CONFLICT,
                            "the assistant is at version %d, not %d: it changed meanwhile",
                            (int)cur->version, (int)in->expected_version);
        goto out;
    }

    Ocpb__Assistant next = *cur;
    assistant_apply_mask(&next, in->assistant, in->update_mask, in->n_update_mask);
    if ((s = assistant_normalize(req->arena, &next)) != OC_OK)
        goto out;
    if (assistant_check(&next, req->error, sizeof(req->error)) != OC_OK) {
        s = OC_ERR_INVALID;
        goto out;
    }
    saved = cur;
    if (!assistant_same_content(&next, cur)) {
        next.version = cur->version + 1;
        s = store_assistant_update(c, tenant, &next, req->arena, &saved);
        if (s == OC_OK)
            s = save_version(req, c, tenant, saved);
        changed = s == OC_OK;
    }

out:
    if ((s = tx_end(st, c, s)) != OC_OK)
        return s;
    if (changed) {
        oc_info("assistant %s updated to version %d", saved->id, (int)saved->version);
        publish_updated(st, req, tenant, saved, false);
    }
    Ocpb__UpdateAssistantReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    if (!rep)
        return OC_ERR_NOMEM;
    ocpb__update_assistant_reply__init(rep);
    rep->assistant = saved;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ snapshot */

static enum oc_status handle_assistant_snapshot(struct oc_request *req, const ProtobufCMessage *msg,
                                                ProtobufCMessage **out)
{
    const Ocpb__SnapshotAssistantRequest *in = (const Ocpb__SnapshotAssistantRequest *)msg;
    struct assistants *st = state_of(req);
    struct oc_db_conn *c = NULL;
    Ocpb__Assistant *x = NULL;
    char *prompt = NULL;
    const char *tenant = NULL;
    enum oc_status s = oc_request_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such assistant");
    if (in->version < 0)
        return oc_request_fail(req, OC_ERR_INVALID, "version: negative");
    if ((s = tx_begin(st, tenant, &c)) != OC_OK)
        return s;
    s = store_version_get(c, tenant, in->id, in->version, req->arena, &x, &prompt);
    s = tx_end(st, c, s);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s,
                               in->version ? "no such assistant version" : "no such assistant");
    if (s != OC_OK)
        return s;

    Ocpb__SnapshotAssistantReply *rep = oc_arena_alloc(req->arena, sizeof(*rep));
    Ocpb__AssistantSnapshot *snap = oc_arena_alloc(req->arena, sizeof(*snap));
    if (!rep || !snap)
        return OC_ERR_NOMEM;
    ocpb__snapshot_assistant_reply__init(rep);
    ocpb__assistant_snapshot__init(snap);
    snap->assistant = x;
    snap->prompt = prompt;
    snap->taken_unix_ms = now_ms();
    rep->snapshot = snap;
    *out = &rep->base;
    return OC_OK;
}

/* ================================================================ table */

const struct oc_handler assistants_handlers[] = {
    {"assistants.create", &ocpb__create_assistant_request__descriptor, handle_assistant_create},
    {"assistants.get", &ocpb__get_assistant_request__descriptor, handle_assistant_get},
    {"assistants.list", &ocpb__list_assistants_request__descriptor, handle_assistant_list},
    {"assistants.update", &ocpb__update_assistant_request__descriptor, handle_assistant_update},
    {"assistants.snapshot", &ocpb__snapshot_assistant_request__descriptor,
     handle_assistant_snapshot},
};
const size_t assistants_handlers_count =
    sizeof(assistants_handlers) / sizeof(assistants_handlers[0]);
