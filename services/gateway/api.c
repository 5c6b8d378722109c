/*
 * The thin mapping between REST and the services: a request becomes a
 * protobuf message (pbjson.c), goes to the owning service's subject with
 * the caller's tenant, user, request id and idempotency key in the
 * envelope, and the reply comes back as JSON. The service's status crosses
 * unchanged, so the HTTP code comes from oc_status_http() like every other
 * error, and its message is shown as it is. When nothing serves a subject,
 * the 503 names it.
 *
 * Five shapes cover most routes; struct gw_api_op (gateway.h) says which
 * subject and messages one route uses, and resources.c holds the table.
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "oc/bus.h"
#include "oc/log.h"
#include "proto/common.pb-c.h"

#define API_PAGE_MAX 1000
#define API_CURSOR_MAX 512
#define API_MASK_MAX 64

/* ------------------------------------------------------------ calling */

enum oc_status gw_call_arena(struct gw_request *req, struct oc_arena *arena, const char *subject,
                             const ProtobufCMessage *in,
                             const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
                             int timeout_ms)
{
    ProtobufCAllocator alloc = oc_arena_pb_allocator(arena);
    struct oc_call call = {
        .tenant_id = req->who.tenant_id,
        .request_id = req->request_id,
        .idempotency_key = req->idempotency_key,
        .user_id = req->who.user_id[0] != '\0' ? req->who.user_id : NULL,
        .timeout_ms = timeout_ms > 0 ? timeout_ms : (int)req->gw->cfg.bus_timeout_ms,
    };
    ProtobufCMessage *out = NULL;
    enum oc_status s;

    s = oc_bus_call(req->gw->svc->bus, subject, &call, in, reply_desc, &alloc, &out, req->error,
                    sizeof(req->error));
    if (s != OC_OK)
        return s;
    if (reply != NULL) {
        if (out == NULL)
            return gw_fail(req, OC_ERR_INTERNAL, "%s answered without a body", subject);
        *reply = out;
    }
    return OC_OK;
}

enum oc_status gw_call_timeout(struct gw_request *req, const char *subject,
                               const ProtobufCMessage *in,
                               const ProtobufCMessageDescriptor *reply_desc,
                               ProtobufCMessage **reply, int timeout_ms)
{
    return gw_call_arena(req, req->arena, subject, in, reply_desc, reply, timeout_ms);
}

enum oc_status gw_call(struct gw_request *req, const char *subject, const ProtobufCMessage *in,
                       const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply)
{
    return gw_call_timeout(req, subject, in, reply_desc, reply, 0);
}

/* ------------------------------------------------------------ replies */

enum oc_status gw_reply_message(struct gw_request *req, int http_status,
                                const ProtobufCMessage *msg)
{
    return gw_reply(req, http_status, pbjson_render(msg));
}

enum oc_status gw_list_json(const ProtobufCMessage *reply, json_t **out)
{
    const ProtobufCMessageDescriptor *d = reply->descriptor;
    const ProtobufCFieldDescriptor *items = NULL;
    const Ocpb__PageInfo *page;
    json_t *all, *obj, *list;

    for (unsigned i = 0; i < d->n_fields && items == NULL; i++) {
        if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
            d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            items = &d->fields[i];
    }
    if (items == NULL)
        return OC_ERR_INTERNAL;
    all = pbjson_render(reply);
    if (all == NULL)
        return OC_ERR_NOMEM;
    list = json_object_get(all, items->name);
    page = (const Ocpb__PageInfo *)pbjson_get_message(reply, "page");
    obj = json_pack("{s:O, s:s?}", "items", list, "next_cursor",
                    page != NULL && page->next_cursor[0] != '\0' ? page->next_cursor : NULL);
    if (obj == NULL) {
        json_decref(all);
        return OC_ERR_NOMEM;
    }
    /* Whatever else the reply says (a ledger's balance) stays beside the items. */
    json_object_del(all, items->name);
    json_object_del(all, "page");
    if (json_object_update_missing(obj, all) != 0) {
        json_decref(all);
        json_decref(obj);
        return OC_ERR_NOMEM;
    }
    json_decref(all);
    *out = obj;
    return OC_OK;
}

enum oc_status gw_reply_list(struct gw_request *req, const ProtobufCMessage *reply)
{
    json_t *obj;
    enum oc_status s = gw_list_json(reply, &obj);

    if (s == OC_ERR_INTERNAL)
        return gw_fail(req, s, "%s has no list of items", reply->descriptor->name);
    if (s != OC_OK)
        return s;
    return gw_reply(req, 200, obj);
}

/* The resource field of a reply, or an internal error naming what was missing. */
static enum oc_status api_resource(struct gw_request *req, const struct gw_api_op *op,
                                   const ProtobufCMessage *reply, const ProtobufCMessage **out)
{
    const ProtobufCMessage *r = pbjson_get_message(reply, op->resource);

    if (r == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "%s answered without a %s", op->subject, op->resource);
    *out = r;
    return OC_OK;
}

/* ------------------------------------------------------------ inputs */

enum oc_status gw_parse_body_optional(struct gw_request *req, json_t **out)
{
    if (req->body == NULL || req->body[strspn(req->body, " \t\r\n")] == '\0') {
        *out = json_object();
        return *out != NULL ? OC_OK : OC_ERR_NOMEM;
    }
    return gw_parse_body(req, out);
}

enum oc_status gw_query(struct gw_request *req, struct gw_query_param **params, size_t *n)
{
    return gw_query_parse(req->arena, req->query, params, n, req->error, sizeof(req->error));
}

enum oc_status gw_path_id(struct gw_request *req, const struct gw_api_op *op)
{
    /* A malformed id names nothing: the same 404 as an id of nothing. */
    if (op->noun != NULL && !gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no %s with id \"%s\"", op->noun, req->param);
    return OC_OK;
}

/*
 * Splits a body into the keys that are fields of resource (desc) and the
 * rest, each a new object. The resource field itself and update_mask may
 * not be given: the first is the body, the second is made from it.
 */
static enum oc_status api_split(struct gw_request *req, const struct gw_api_op *op, json_t *body,
                                const ProtobufCMessageDescriptor *desc, json_t **resource,
                                json_t **rest)
{
    const char *key;
    json_t *v;

    *resource = json_object();
    *rest = json_object();
    if (*resource == NULL || *rest == NULL)
        goto nomem;
    json_object_foreach(body, key, v)
    {
        json_t *to;

        if (strcmp(key, "update_mask") == 0 || strcmp(key, op->resource) == 0)
            goto unknown;
        if (pbjson_field(desc, key) != NULL)
            to = *resource;
        else if (pbjson_field(op->request, key) != NULL)
            to = *rest;
        else
            goto unknown;
        if (json_object_set(to, key, v) != 0)
            goto nomem;
    }
    return OC_OK;
unknown:
    json_decref(*resource);
    json_decref(*rest);
    return gw_fail(req, OC_ERR_INVALID, "field \"%s\" is not known", key);
nomem:
    json_decref(*resource);
    json_decref(*rest);
    return OC_ERR_NOMEM;
}

/* The message type of the request's resource field; NULL when the request
 * is flat (calls.create takes its fields directly and answers a call). */
static const ProtobufCMessageDescriptor *api_resource_desc(const struct gw_api_op *op)
{
    const ProtobufCFieldDescriptor *f =
        op->resource != NULL ? pbjson_field(op->request, op->resource) : NULL;

    return f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE ? f->descriptor : NULL;
}

enum oc_status gw_api_build(struct gw_request *req, const struct gw_api_op *op, json_t *body,
                            ProtobufCMessage **msg, ProtobufCMessage **resource)
{
    const ProtobufCMessageDescriptor *rdesc = NULL;
    json_t *robj = NULL, *rest = NULL;
    ProtobufCMessage *m = NULL, *r = NULL;
    enum oc_status s;

    rdesc = api_resource_desc(op);
    if (rdesc == NULL) {
        *resource = NULL;
        return pbjson_new(op->request, body, req->arena, msg, req->error, sizeof(req->error));
    }
    s = api_split(req, op, body, rdesc, &robj, &rest);
    if (s != OC_OK)
        return s;
    s = pbjson_new(op->request, rest, req->arena, &m, req->error, sizeof(req->error));
    if (s == OC_OK)
        s = pbjson_new(rdesc, robj, req->arena, &r, req->error, sizeof(req->error));
    if (s == OC_OK)
        s = pbjson_set_message(m, op->resource, r);
    json_decref(robj);
    json_decref(rest);
    if (s != OC_OK)
        return s;
    *msg = m;
    *resource = r;
    return OC_OK;
}

/* Sets the id field from the path, refusing a body that names another id. */
static enum oc_status api_set_id(struct gw_request *req, const struct gw_api_op *op,
                                 ProtobufCMessage *target)
{
    const char *field = op->id_field != NULL ? op->id_field : "id";
    const char *given = pbjson_get_string(target, field);

    if (given != NULL && given[0] != '\0' && strcmp(given, req->param) != 0)
        return gw_fail(req, OC_ERR_INVALID, "field \"%s\" differs from the %s in the path", field,
                       field);
    return pbjson_set_string(target, field, req->param, req->arena);
}

/* ------------------------------------------------------------ the shapes */

enum oc_status gw_api_create(struct gw_request *req, const struct gw_api_op *op)
{
    json_t *body = NULL;
    ProtobufCMessage *msg = NULL, *resource = NULL, *reply = NULL;
    const ProtobufCMessage *out = NULL;
    enum oc_status s;

    s = gw_parse_body(req, &body);
    if (s != OC_OK)
        return s;
    s = gw_api_build(req, op, body, &msg, &resource);
    json_decref(body);
    if (s != OC_OK)
        return s;
    s = gw_call_timeout(req, op->subject, msg, op->reply, &reply, op->timeout_ms);
    if (s != OC_OK)
        return s;
    out = reply;
    if (op->resource != NULL && (s = api_resource(req, op, reply, &out)) != OC_OK)
        return s;
    return gw_reply_message(req, op->http_status != 0 ? op->http_status : 201, out);
}

enum oc_status gw_api_get(struct gw_request *req, const struct gw_api_op *op)
{
    ProtobufCMessage *msg = NULL, *reply = NULL;
    const ProtobufCMessage *out = NULL;
    enum oc_status s;

    s = gw_path_id(req, op);
    if (s != OC_OK)
        return s;
    s = pbjson_new(op->request, NULL, req->arena, &msg, req->error, sizeof(req->error));
    if (s == OC_OK)
        s = api_set_id(req, op, msg);
    if (s == OC_OK)
        s = gw_call_timeout(req, op->subject, msg, op->reply, &reply, op->timeout_ms);
    if (s != OC_OK)
        return s;
    out = reply;
    if (op->resource != NULL && (s = api_resource(req, op, reply, &out)) != OC_OK)
        return s;
    return gw_reply_message(req, 200, out);
}

enum oc_status gw_api_list_request(struct gw_request *req, const ProtobufCMessageDescriptor *desc,
                                   ProtobufCMessage **out)
{
    struct gw_query_param *params, *rest;
    size_t n, n_rest = 0;
    ProtobufCMessage *msg = NULL;
    Ocpb__PageRequest *page;
    enum oc_status s;

    s = gw_query(req, &params, &n);
    if (s != OC_OK)
        return s;
    s = pbjson_new(desc, NULL, req->arena, &msg, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    page = oc_arena_alloc(req->arena, sizeof(*page));
    rest = oc_arena_alloc(req->arena, sizeof(*rest) * (n > 0 ? n : 1));
    if (page == NULL || rest == NULL)
        return OC_ERR_NOMEM;
    ocpb__page_request__init(page);
    for (size_t i = 0; i < n; i++) {
        const char *name = params[i].name, *value = params[i].value;

        if (strcmp(name, "limit") == 0) {
            char *end;
            long v = strtol(value, &end, 10);

            if (value[0] == '\0' || *end != '\0' || v < 1 || v > API_PAGE_MAX)
                return gw_fail(req, OC_ERR_INVALID,
                               "query parameter \"limit\" must be an integer from 1 to %d",
                               API_PAGE_MAX);
            page->limit = (int32_t)v;
        } else if (strcmp(name, "cursor") == 0) {
            if (strlen(value) > API_CURSOR_MAX)
                return gw_fail(req, OC_ERR_INVALID,
                               "query parameter \"cursor\" is not a valid cursor");
            page->cursor = (char *)value;
        } else {
            rest[n_rest++] = params[i];
        }
    }
    s = pbjson_fill_query(msg, rest, n_rest, req->arena, req->error, sizeof(req->error));
    if (s != OC_OK)
        return s;
    if (pbjson_set_message(msg, "page", &page->base) != OC_OK)
        return gw_fail(req, OC_ERR_INTERNAL, "%s has no page", desc->name);
    *out = msg;
    return OC_OK;
}

enum oc_status gw_api_list(struct gw_request *req, const struct gw_api_op *op)
{
    ProtobufCMessage *msg = NULL, *reply = NULL;
    enum oc_status s;

    s = gw_api_list_request(req, op->request, &msg);
    if (s == OC_OK)
        s = gw_call_timeout(req, op->subject, msg, op->reply, &reply, op->timeout_ms);
    if (s != OC_OK)
        return s;
    return gw_reply_list(req, reply);
}

enum oc_status gw_api_update(struct gw_request *req, const struct gw_api_op *op)
{
    json_t *body = NULL;
    ProtobufCMessage *msg = NULL, *resource = NULL, *reply = NULL;
    const ProtobufCMessage *out = NULL;
    const char *mask[API_MASK_MAX];
    const char *key;
    json_t *v;
    size_t n = 0;
    enum oc_status s;

    s = gw_path_id(req, op);
    if (s != OC_OK)
        return s;
    s = gw_parse_body(req, &body);
    if (s != OC_OK)
        return s;
    s = gw_api_build(req, op, body, &msg, &resource);
    if (s == OC_OK && resource == NULL)
        s = gw_fail(req, OC_ERR_INTERNAL, "%s has no %s to update", op->request->name,
                    op->resource != NULL ? op->resource : "resource");
    if (s != OC_OK)
        goto out;
    /* The fields to change are the resource's keys of the body: proto3 in
     * protobuf-c cannot tell "unset" from "set to empty" any other way. */
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "id") == 0 || pbjson_field(resource->descriptor, key) == NULL)
            continue;
        if (n == API_MASK_MAX) {
            s = gw_fail(req, OC_ERR_INVALID, "more than %d fields to change", API_MASK_MAX);
            goto out;
        }
        mask[n++] = key;
    }
    if (n == 0) {
        s = gw_fail(req, OC_ERR_INVALID, "the body names no field of the %s to change",
                    op->resource);
        goto out;
    }
    s = api_set_id(req, op, resource);
    if (s == OC_OK)
        s = pbjson_set_strings(msg, "update_mask", mask, n, req->arena);
    if (s == OC_OK)
        s = gw_call_timeout(req, op->subject, msg, op->reply, &reply, op->timeout_ms);
    if (s != OC_OK)
        goto out;
    s = api_resource(req, op, reply, &out);
    if (s == OC_OK)
        s = gw_reply_message(req, 200, out);
out:
    json_decref(body);
    return s;
}

enum oc_status gw_api_action(struct gw_request *req, const struct gw_api_op *op)
{
    json_t *body = NULL;
    ProtobufCMessage *msg = NULL, *reply = NULL;
    const ProtobufCMessage *out = NULL;
    enum oc_status s;

    s = gw_path_id(req, op);
    if (s != OC_OK)
        return s;
    s = gw_parse_body_optional(req, &body);
    if (s != OC_OK)
        return s;
    s = pbjson_new(op->request, body, req->arena, &msg, req->error, sizeof(req->error));
    json_decref(body);
    if (s == OC_OK)
        s = api_set_id(req, op, msg);
    if (s == OC_OK)
        s = gw_call_timeout(req, op->subject, msg, op->reply, &reply, op->timeout_ms);
    if (s != OC_OK)
        return s;
    out = reply;
    if (op->resource != NULL && (s = api_resource(req, op, reply, &out)) != OC_OK)
        return s;
    return gw_reply_message(req, 200, out);
}

enum oc_status gw_api_delete(struct gw_request *req, const struct gw_api_op *op)
{
    struct gw_query_param *params;
    ProtobufCMessage *msg = NULL;
    size_t n;
    enum oc_status s;

    s = gw_path_id(req, op);
    if (s == OC_OK)
        s = gw_query(req, &params, &n);
    if (s == OC_OK)
        s = pbjson_new(op->request, NULL, req->arena, &msg, req->error, sizeof(req->error));
    /* Query parameters carry the request's other fields (a reason). */
    if (s == OC_OK)
        s = pbjson_fill_query(msg, params, n, req->arena, req->error, sizeof(req->error));
    if (s == OC_OK)
        s = api_set_id(req, op, msg);
    if (s == OC_OK)
        s = gw_call_timeout(req, op->subject, msg, op->reply, NULL, op->timeout_ms);
    if (s != OC_OK)
        return s;
    return gw_reply(req, 204, NULL);
}
