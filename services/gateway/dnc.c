/*
 * POST /v1/dnc/import: a do-not-call list as a file, text/csv or the file
 * part of multipart/form-data (as a lead upload), added to the tenant's
 * list by lead-ingest (dnc.import, in one transaction: all of it or none)
 * and answered with its counts and the rows it refused:
 *   200 {"added":N, "already_listed":M,
 *        "rejected":[{"line":L, "raw":..., "reason":..., "code":...}], "rejected_count":R}
 * Options come as query parameters or form fields: default_region, reason
 * (kept with every entry and in the audit trail), risk.
 *
 * dnc.import takes the file in one message, so the file is read whole here,
 * up to what one message may carry: the NATS server's payload limit less
 * room for the envelope (and never more than GATEWAY_MAX_UPLOAD). A larger
 * file is 413, refused before it is read when its length is declared; a
 * longer list goes in several files.
 */
#include <civetweb.h>
#include <nats/nats.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"
#include "oc/bus.h"
#include "oc/log.h"
#include "proto/leads.pb-c.h"

/* Room in a message for the envelope and the other fields of the request. */
#define DNC_ENVELOPE_ROOM (16 * 1024)
/* What a client may add around the file in a form: part headers, options. */
#define DNC_FORM_ROOM (16 * 1024)
/* The NATS default, when the connection does not say (it is down). */
#define DNC_DEFAULT_PAYLOAD (1024 * 1024)
#define DNC_OPTIONS_MAX 32
#define DNC_FIELD_MAX 1024

struct dnc_upload {
    struct gw_request *req;
    size_t limit;       /* bytes of the file */
    struct gw_buf file; /* the file part */
    bool in_file;
    bool file_seen;
    char field[GW_PARAM_MAX + 1]; /* the form field being read */
    char value[DNC_FIELD_MAX + 1];
    size_t value_len;
    struct gw_query_param options[DNC_OPTIONS_MAX];
    size_t n_options;
};

/* The largest file one dnc.import request can carry. */
static size_t dnc_file_limit(struct gw_request *req)
{
    int64_t payload = natsConnection_GetMaxPayload(oc_bus_nats(req->gw->svc->bus));
    size_t limit;

    if (payload <= DNC_ENVELOPE_ROOM)
        payload = DNC_DEFAULT_PAYLOAD;
    limit = (size_t)payload - DNC_ENVELOPE_ROOM;
    if (req->gw->cfg.max_upload > 0 && (size_t)req->gw->cfg.max_upload < limit)
        limit = (size_t)req->gw->cfg.max_upload;
    return limit;
}

static enum oc_status dnc_option(struct dnc_upload *u, const char *name, const char *value,
                                 const char *where)
{
    struct gw_request *req = u->req;

    /* The file is the body; the rest are the request's own fields. */
    if (strcmp(name, "csv") == 0)
        return gw_fail(req, OC_ERR_INVALID, "%s \"csv\" is not known: send the file as the body",
                       where);
    if (u->n_options == DNC_OPTIONS_MAX)
        return gw_fail(req, OC_ERR_INVALID, "more than %d options", DNC_OPTIONS_MAX);
    u->options[u->n_options].name = oc_arena_strdup(req->arena, name);
    u->options[u->n_options].value = oc_arena_strdup(req->arena, value);
    if (u->options[u->n_options].name == NULL || u->options[u->n_options].value == NULL)
        return OC_ERR_NOMEM;
    u->n_options++;
    return OC_OK;
}

/* ------------------------------------------------------------ multipart */

static enum oc_status dnc_part_begin(void *user, const struct gw_multipart_part *part)
{
    struct dnc_upload *u = user;

    if (part->filename != NULL || strcmp(part->name, "file") == 0) {
        if (u->file_seen)
            return gw_fail(u->req, OC_ERR_INVALID, "the form has more than one file");
        u->in_file = true;
        u->file_seen = true;
        return OC_OK;
    }
    if (strlen(part->name) > GW_PARAM_MAX)
        return gw_fail(u->req, OC_ERR_INVALID, "a form field's name is too long");
    snprintf(u->field, sizeof(u->field), "%s", part->name);
    u->value_len = 0;
    return OC_OK;
}

static enum oc_status dnc_part_data(void *user, const char *data, size_t len)
{
    struct dnc_upload *u = user;

    if (u->in_file) {
        if (u->file.len + len > u->limit)
            return gw_fail(u->req, OC_ERR_TOO_LARGE,
                           "the file is over the limit of %zu bytes of one do-not-call import",
                           u->limit);
        return gw_buf_append(&u->file, data, len);
    }
    if (u->value_len + len > DNC_FIELD_MAX)
        return gw_fail(u->req, OC_ERR_INVALID, "form field \"%s\" is over %d bytes", u->field,
                       DNC_FIELD_MAX);
    memcpy(u->value + u->value_len, data, len);
    u->value_len += len;
    return OC_OK;
}

static enum oc_status dnc_part_end(void *user)
{
    struct dnc_upload *u = user;

    if (u->in_file) {
        u->in_file = false;
        return OC_OK;
    }
    u->value[u->value_len] = '\0';
    if (strlen(u->value) != u->value_len)
        return gw_fail(u->req, OC_ERR_INVALID, "form field \"%s\" holds a NUL byte", u->field);
    return dnc_option(u, u->field, u->value, "form field");
}

static enum oc_status dnc_read_form(struct dnc_upload *u)
{
    struct gw_request *req = u->req;
    struct gw_multipart_cb cb = {dnc_part_begin, dnc_part_data, dnc_part_end, u};
    struct gw_multipart *mp = NULL;
    char boundary[80];
    enum oc_status s;

    if (gw_multipart_boundary(req->content_type, boundary, sizeof(boundary)) != OC_OK) {
        req->close = true;
        return gw_fail(req, OC_ERR_INVALID, "multipart/form-data without a valid boundary");
    }
    s = gw_read_body(req, u->limit + DNC_FORM_ROOM);
    if (s != OC_OK)
        return s;
    s = gw_multipart_new(&mp, boundary, &cb);
    if (s != OC_OK)
        return s;
    s = gw_multipart_feed(mp, req->body, req->body_len);
    if (s == OC_OK)
        s = gw_multipart_finish(mp);
    if (s == OC_ERR_INVALID && req->error[0] == '\0')
        s = gw_fail(req, s, "%s", gw_multipart_error(mp));
    gw_multipart_free(mp);
    if (s == OC_OK && !u->file_seen)
        s = gw_fail(req, OC_ERR_INVALID,
                    "the form has no file: send it as a part with a filename or named \"file\"");
    return s;
}

/* ------------------------------------------------------------ the route */

enum oc_status handle_dnc_import(struct gw_request *req)
{
    struct dnc_upload *u;
    struct gw_query_param *params;
    Ocpb__ImportDncRequest *in;
    Ocpb__ImportDncReply *reply = NULL;
    bool form;
    size_t n;
    enum oc_status s;

    if (gw_csv_content_type(req->content_type)) {
        form = false;
    } else if (req->content_type != NULL &&
               strncasecmp(req->content_type, "multipart/form-data", 19) == 0) {
        form = true;
    } else {
        req->close = true;
        return gw_fail(req, OC_ERR_INVALID,
                       "Content-Type must be text/csv or multipart/form-data (a file of numbers)");
    }
    u = oc_arena_alloc(req->arena, sizeof(*u));
    in = oc_arena_alloc(req->arena, sizeof(*in));
    if (u == NULL || in == NULL)
        return OC_ERR_NOMEM;
    u->req = req;
    u->limit = dnc_file_limit(req);
    ocpb__import_dnc_request__init(in);

    /* Refused before the body is read: the answer can only be 413. */
    if (req->content_length > (long long)(u->limit + (form ? DNC_FORM_ROOM : 0))) {
        req->close = true;
        return gw_fail(req, OC_ERR_TOO_LARGE,
                       "the file is over the limit of %zu bytes of one do-not-call import; "
                       "send the list in several files",
                       u->limit);
    }
    s = gw_query(req, &params, &n);
    for (size_t i = 0; s == OC_OK && i < n; i++)
        s = dnc_option(u, params[i].name, params[i].value, "query parameter");
    if (s != OC_OK) {
        req->close = true;
        return s;
    }
    if (form) {
        s = dnc_read_form(u);
        if (s == OC_OK) {
            in->csv.data = (uint8_t *)u->file.data;
            in->csv.len = u->file.len;
        }
    } else {
        s = gw_read_body(req, u->limit);
        if (s == OC_OK) {
            in->csv.data = (uint8_t *)req->body;
            in->csv.len = req->body_len;
        }
    }
    if (s == OC_OK && in->csv.len == 0)
        s = gw_fail(req, OC_ERR_INVALID, "the file is empty");
    if (s == OC_OK)
        s = pbjson_fill_query(&in->base, u->options, u->n_options, req->arena, req->error,
                              sizeof(req->error));
    if (s == OC_OK)
        s = gw_call_timeout(req, "dnc.import", &in->base, &ocpb__import_dnc_reply__descriptor,
                            (ProtobufCMessage **)&reply, (int)req->gw->cfg.import_timeout_ms);
    if (s == OC_OK) {
        oc_info("do-not-call import: %zu bytes, %lld added, %lld already listed, %lld rejected",
                in->csv.len, (long long)reply->added, (long long)reply->already_listed,
                (long long)reply->rejected_count);
        s = gw_reply_message(req, 200, &reply->base);
    }
    gw_buf_free(&u->file);
    return s;
}
