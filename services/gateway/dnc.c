/*
 * POST /v1/dnc/import: a do-not-call list as a file, text/csv or the file
 * part of multipart/form-data (as a lead upload), added to the tenant's
 * list by lead-ingest (dnc.import) and answered with its counts and the
 * rows it refused:
 *   200 {"added":N, "already_listed":M,
 *        "rejected":[{"line":L, "raw":..., "reason":..., "code":...}], "rejected_count":R}
 * Options come as query parameters or form fields: default_region, reason
 * (kept with every entry and in the audit trail), risk.
 *
 * The file is never held whole here: as a lead upload (lead_upload.c) it
 * passes to lead-ingest in chunks of GW_UPLOAD_CHUNK bytes. A file that fits in
 * one chunk goes as one dnc.import request; a larger one as a streamed
 * import (dnc.import with streamed set, then its chunks in order on
 * dnc.import.<import_id>, the last one waited for, its reply the report).
 * The options go with the first request, so in a form whose file is larger
 * than one chunk they must come before the file. GATEWAY_MAX_UPLOAD bounds
 * the body: a declared length over it is refused before anything is read
 * (http.c), a chunked body as soon as it passes it.
 *
 * lead-ingest adds the numbers in batches, each committed on its own: when
 * an upload stops half-way, no last chunk is sent, lead-ingest ends the
 * import once chunks stop coming, and the batches before stay listed
 * (importing the file again counts them as already listed).
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"
#include "oc/log.h"
#include "proto/leads.pb-c.h"

#define DNC_OPTIONS_MAX 32

struct dnc_upload {
    struct gw_request *req;
    struct gw_query_param options[DNC_OPTIONS_MAX];
    size_t n_options;
    struct gw_chunks ch;          /* the file on its way; ch.id is the import's once streamed */
    Ocpb__ImportDncReply *report; /* once finished */
    bool form;                    /* the file is a form's part */
};

static enum oc_status dnc_option(struct dnc_upload *u, const char *name, const char *value,
                                 const char *where)
{
    struct gw_request *req = u->req;

    /* The file is the body; the rest are the request's own fields. */
    if (strcmp(name, "csv") == 0)
        return gw_fail(req, OC_ERR_INVALID, "%s \"csv\" is not known: send the file as the body",
                       where);
    if (strcmp(name, "streamed") == 0 || strcmp(name, "total_bytes") == 0)
        return gw_fail(req, OC_ERR_INVALID, "%s \"%s\" is not known", where, name);
    if (u->ch.streaming)
        return gw_fail(req, OC_ERR_INVALID,
                       "%s \"%s\" comes after a file of over %d bytes: options must come first",
                       where, name, GW_UPLOAD_CHUNK);
    if (u->n_options == DNC_OPTIONS_MAX)
        return gw_fail(req, OC_ERR_INVALID, "more than %d options", DNC_OPTIONS_MAX);
    u->options[u->n_options].name = oc_arena_strdup(req->arena, name);
    u->options[u->n_options].value = oc_arena_strdup(req->arena, value);
    if (u->options[u->n_options].name == NULL || u->options[u->n_options].value == NULL)
        return OC_ERR_NOMEM;
    u->n_options++;
    return OC_OK;
}

/* The request with the options given so far. */
static enum oc_status dnc_request(struct dnc_upload *u, Ocpb__ImportDncRequest **out)
{
    struct gw_request *req = u->req;
    Ocpb__ImportDncRequest *in = oc_arena_alloc(req->arena, sizeof(*in));
    enum oc_status s;

    if (in == NULL)
        return OC_ERR_NOMEM;
    ocpb__import_dnc_request__init(in);
    s = pbjson_fill_query(&in->base, u->options, u->n_options, req->arena, req->error,
                          sizeof(req->error));
    if (s != OC_OK)
        return s;
    *out = in;
    return OC_OK;
}

/* ------------------------------------------------------------ to lead-ingest */

/* Opens the streamed import (gw_chunks' open). */
static enum oc_status dnc_open(struct gw_chunks *ch)
{
    struct dnc_upload *u = ch->user;
    struct gw_request *req = u->req;
    Ocpb__ImportDncRequest *in = NULL;
    Ocpb__ImportDncReply *reply = NULL;
    enum oc_status s = dnc_request(u, &in);

    if (s != OC_OK)
        return s;
    in->streamed = true;
    /* The declared length is the file's own only for a plain CSV body. */
    in->total_bytes = !u->form && req->content_length > 0 ? req->content_length : 0;
    s = gw_call(req, "dnc.import", &in->base, &ocpb__import_dnc_reply__descriptor,
                (ProtobufCMessage **)&reply);
    if (s != OC_OK)
        return s;
    if (reply->chunk_subject[0] == '\0' || reply->import_id[0] == '\0')
        return gw_fail(req, OC_ERR_INTERNAL, "dnc.import answered without a chunk subject");
    ch->subject = reply->chunk_subject;
    ch->id = reply->import_id;
    return OC_OK;
}

static enum oc_status dnc_finish(struct dnc_upload *u)
{
    struct gw_request *req = u->req;
    Ocpb__ImportDncRequest *in = NULL;
    enum oc_status s;

    if (u->ch.total == 0)
        return gw_fail(req, OC_ERR_INVALID, "the file is empty");
    if (u->ch.streaming) {
        s = gw_chunks_flush(&u->ch, true);
        if (s == OC_OK && (u->report = u->ch.last_reply->dnc) == NULL)
            s = gw_fail(req, OC_ERR_INTERNAL, "do-not-call import %s ended without its report",
                        u->ch.id);
        return s;
    }
    s = dnc_request(u, &in);
    if (s != OC_OK)
        return s;
    in->csv.data = (uint8_t *)u->ch.buf;
    in->csv.len = u->ch.len;
    return gw_call_timeout(req, "dnc.import", &in->base, &ocpb__import_dnc_reply__descriptor,
                           (ProtobufCMessage **)&u->report, (int)req->gw->cfg.import_timeout_ms);
}

/* ------------------------------------------------------------ the form */

static enum oc_status dnc_file_data(void *user, const char *data, size_t len)
{
    struct dnc_upload *u = user;
    return gw_chunks_write(&u->ch, data, len);
}

/* Fields may follow the file while it still fits in one chunk (dnc_option
 * refuses them once it streams). */
static enum oc_status dnc_form_field(void *user, const char *name, const char *value,
                                     const char *where, bool after_file)
{
    (void)after_file;
    return dnc_option(user, name, value, where);
}

/* ------------------------------------------------------------ the route */

/* The report as the route answers it: the counts and the first rejected rows. */
static enum oc_status dnc_report(struct gw_request *req, const Ocpb__ImportDncReply *report)
{
    json_t *out = pbjson_render(&report->base);

    if (out == NULL)
        return OC_ERR_NOMEM;
    json_object_del(out, "chunk_subject");
    json_object_del(out, "import_id");
    return gw_reply(req, 200, out);
}

enum oc_status handle_dnc_import(struct gw_request *req)
{
    struct dnc_upload *u = NULL;
    struct gw_query_param *params;
    struct gw_upload_sink sink;
    char boundary[80];
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
    if (form && gw_multipart_boundary(req->content_type, boundary, sizeof(boundary)) != OC_OK) {
        req->close = true;
        return gw_fail(req, OC_ERR_INVALID, "multipart/form-data without a valid boundary");
    }
    u = oc_arena_alloc(req->arena, sizeof(*u));
    if (u == NULL)
        return OC_ERR_NOMEM;
    u->req = req;
    u->form = form;
    s = gw_chunks_init(&u->ch, req, dnc_open, u);
    if (s != OC_OK)
        goto out;
    s = gw_query(req, &params, &n);
    for (size_t i = 0; s == OC_OK && i < n; i++)
        s = dnc_option(u, params[i].name, params[i].value, "query parameter");
    if (s != OC_OK) {
        req->close = true;
        goto out;
    }
    sink = (struct gw_upload_sink){dnc_file_data, dnc_form_field, NULL, u};
    s = gw_upload_read(req, form ? boundary : NULL, &sink);
    if (s != OC_OK)
        goto out;

    s = dnc_finish(u);
    if (s != OC_OK)
        goto out;
    oc_info("do-not-call import: %lld bytes%s, %lld added, %lld already listed, %lld rejected",
            u->ch.total, u->ch.streaming ? " streamed" : "", (long long)u->report->added,
            (long long)u->report->already_listed, (long long)u->report->rejected_count);
    s = dnc_report(req, u->report);
out:
    if (s != OC_OK && u != NULL && u->ch.streaming && !u->ch.last_sent)
        oc_warn("do-not-call import %s: upload stopped; lead-ingest ends the import when chunks "
                "stop coming",
                u->ch.id);
    if (u != NULL)
        gw_chunks_free(&u->ch);
    return s;
}
