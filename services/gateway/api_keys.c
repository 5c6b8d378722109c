/*
 * API keys: long-lived bearer credentials for machines, one tenant each.
 * The key ("oc_" + 256 random bits) is shown once, in the answer that
 * creates it; the gateway keeps only its SHA-256 and a short prefix so the
 * owner can tell keys apart in a list. Deleting a key takes effect on the
 * next request that presents it.
 */
#include <civetweb.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "oc/crypto.h"
#include "oc/json.h"
#include "oc/log.h"

#define API_KEY_NAME_MAX 100
#define API_KEY_PAGE_DEFAULT 50
#define API_KEY_PAGE_MAX 100
#define API_KEY_CURSOR_MAX 80

enum oc_status handle_api_key_create(struct gw_request *req)
{
    json_t *in = NULL;
    const char *name;
    const char *created_at;
    char id[37];
    char key[GW_TOKEN_MAX + 1], prefix[GW_API_KEY_DISPLAY_LEN + 1], key_hash[65];
    struct store_actor actor;
    enum oc_status s;

    s = gw_parse_body(req, &in);
    if (s != OC_OK)
        return s;
    s = oc_json_get_string(in, "name", true, API_KEY_NAME_MAX, &name, req->error,
                           sizeof(req->error));
    if (s != OC_OK)
        goto out;
    if (name[strspn(name, " \t\r\n")] == '\0') {
        s = gw_fail(req, OC_ERR_INVALID, "field \"name\" must not be empty");
        goto out;
    }

    s = oc_uuid_v4(id);
    if (s == OC_OK)
        s = gw_token_new_api_key(key, prefix);
    if (s != OC_OK)
        goto out;
    gw_token_hash(key, strlen(key), key_hash);

    gw_actor(req, &actor);
    s = store_api_key_create(req->gw->svc->db, id, name, prefix, key_hash, &actor, req->arena,
                             &created_at);
    if (s != OC_OK)
        goto out;
    oc_info("api key %s created", id);
    gw_event_api_key(req, id, name, prefix, false);
    s = gw_reply(req, 201,
                 json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "name", name, "key", key,
                           "prefix", prefix, "created_at", created_at));
out:
    memset(key, 0, sizeof(key));
    json_decref(in);
    return s;
}

/* Reads ?limit= and ?cursor=; cursor stays NULL when absent. */
static enum oc_status api_key_page(struct gw_request *req, long *limit, const char **cursor)
{
    char buf[API_KEY_CURSOR_MAX + 1];
    size_t qlen;
    char *end;
    long v;

    *limit = API_KEY_PAGE_DEFAULT;
    *cursor = NULL;
    if (req->query == NULL)
        return OC_OK;
    qlen = strlen(req->query);

    if (mg_get_var(req->query, qlen, "limit", buf, sizeof(buf)) >= 0) {
        v = strtol(buf, &end, 10);
        if (buf[0] == '\0' || *end != '\0' || v < 1 || v > API_KEY_PAGE_MAX)
            return gw_fail(req, OC_ERR_INVALID,
                           "query parameter \"limit\" must be an integer from 1 to %d",
                           API_KEY_PAGE_MAX);
        *limit = v;
    }
    switch (mg_get_var(req->query, qlen, "cursor", buf, sizeof(buf))) {
    case -1: /* absent */
        break;
    case -2: /* longer than any cursor this service makes */
        return gw_fail(req, OC_ERR_INVALID, "query parameter \"cursor\" is not a valid cursor");
    default:
        *cursor = oc_arena_strdup(req->arena, buf);
        if (*cursor == NULL)
            return OC_ERR_NOMEM;
    }
    return OC_OK;
}

enum oc_status handle_api_key_list(struct gw_request *req)
{
    struct store_api_key *keys;
    const char *cursor, *next;
    json_t *items = NULL;
    size_t n;
    long limit;
    enum oc_status s;

    s = api_key_page(req, &limit, &cursor);
    if (s != OC_OK)
        return s;
    s = store_api_key_list(req->gw->svc->db, req->who.tenant_id, cursor, limit, req->arena, &keys,
                           &n, &next);
    if (s == OC_ERR_INVALID)
        return gw_fail(req, s, "query parameter \"cursor\" is not a valid cursor");
    if (s != OC_OK)
        return s;

    items = json_array();
    if (items == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        /* The key itself is never here: only its hash was kept. */
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", keys[i].id, "name",
                                 keys[i].name, "prefix", keys[i].prefix, "created_at",
                                 keys[i].created_at, "last_used_at", keys[i].last_used_at);

        if (item == NULL || json_array_append_new(items, item) != 0) {
            json_decref(items);
            return OC_ERR_NOMEM;
        }
    }
    return gw_reply(req, 200, json_pack("{s:o, s:s?}", "items", items, "next_cursor", next));
}

enum oc_status handle_api_key_delete(struct gw_request *req)
{
    struct store_actor actor;
    const char *name, *prefix;
    enum oc_status s;

    /* An id that is not even a UUID names no key: the same 404 as any other. */
    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no API key with id \"%s\"", req->param);
    gw_actor(req, &actor);
    s = store_api_key_delete(req->gw->svc->db, req->param, &actor, req->arena, &name, &prefix);
    if (s == OC_ERR_NOT_FOUND)
        return gw_fail(req, s, "no API key with id \"%s\"", req->param);
    if (s != OC_OK)
        return s;
    oc_info("api key %s deleted", req->param);
    gw_event_api_key(req, req->param, name, prefix, true);
    return gw_reply(req, 204, NULL);
}
