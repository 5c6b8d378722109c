/*
 * POST /v1/campaigns/{id}/leads: a lead file into a campaign, as text/csv
 * or as the file part of multipart/form-data, answered with the import's
 * report once lead-ingest has finished it:
 *   200 {"import_id":..., "imported":N, "rejected":[{"line":L,"reason":...}], ...}
 * The same route with application/json creates one lead (leads.create).
 *
 * The file is never held whole here. It passes from the socket to
 * lead-ingest in chunks of GW_UPLOAD_CHUNK bytes, below the NATS payload
 * limit: a file that fits in one chunk goes as one leads.import request,
 * a larger one as a streamed import (leads.import with streamed set, then
 * its chunks in order on leads.import.<job_id>, the last one waited for).
 * GATEWAY_MAX_UPLOAD bounds the body: a declared length over it is refused
 * before anything is read, a chunked body as soon as it passes it.
 *
 * Import options come from the query string (or from form fields placed
 * before the file): default_region, default_timezone, file_name, and
 * map=<column>:<field> (repeatable) for columns the header synonyms miss.
 *
 * When a streamed upload stops half-way (the client left, the body was
 * malformed or too large), no last chunk is sent: lead-ingest fails the
 * job once chunks stop coming (LEAD_IMPORT_IDLE_S) and imports nothing
 * past its last committed batch.
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"
#include "oc/log.h"
#include "proto/leads.pb-c.h"

#define UPLOAD_MAPPINGS_MAX 256

enum upload_kind { UPLOAD_CSV, UPLOAD_MULTIPART, UPLOAD_JSON };

struct upload {
    struct gw_request *req;
    enum upload_kind kind;
    Ocpb__ImportLeadsRequest start; /* options; sent with the first chunk or the whole file */
    Ocpb__ColumnMapping *mappings[UPLOAD_MAPPINGS_MAX];
    struct gw_chunks ch;  /* the file on its way; ch.id is the job's id once streamed */
    Ocpb__ImportJob *job; /* the report, once finished */
};

/* ------------------------------------------------------------ options */

static enum oc_status upload_option(struct upload *u, const char *name, const char *value,
                                    const char *where)
{
    struct gw_request *req = u->req;
    char *copy = oc_arena_strdup(req->arena, value);

    if (copy == NULL)
        return OC_ERR_NOMEM;
    if (strcmp(name, "default_region") == 0) {
        u->start.default_region = copy;
    } else if (strcmp(name, "default_timezone") == 0) {
        u->start.default_timezone = copy;
    } else if (strcmp(name, "file_name") == 0) {
        u->start.file_name = copy;
    } else if (strcmp(name, "map") == 0) {
        /* Fields never hold ':', so the last one splits even "Tel: mobile:phone". */
        char *colon = strrchr(copy, ':');
        Ocpb__ColumnMapping *m;

        if (colon == NULL || colon == copy || colon[1] == '\0')
            return gw_fail(req, OC_ERR_INVALID, "%s \"map\" must be <column>:<field>", where);
        if (u->start.n_mapping == UPLOAD_MAPPINGS_MAX)
            return gw_fail(req, OC_ERR_INVALID, "more than %d column mappings",
                           UPLOAD_MAPPINGS_MAX);
        m = oc_arena_alloc(req->arena, sizeof(*m));
        if (m == NULL)
            return OC_ERR_NOMEM;
        ocpb__column_mapping__init(m);
        *colon = '\0';
        m->column = copy;
        m->field = colon + 1;
        u->mappings[u->start.n_mapping++] = m;
    } else {
        return gw_fail(req, OC_ERR_INVALID, "%s \"%s\" is not known", where, name);
    }
    return OC_OK;
}

/* ------------------------------------------------------------ to lead-ingest */

/* Opens the streamed import (gw_chunks' open). */
static enum oc_status upload_open(struct gw_chunks *ch)
{
    struct upload *u = ch->user;
    struct gw_request *req = u->req;
    Ocpb__ImportLeadsRequest in = u->start;
    Ocpb__ImportLeadsReply *reply = NULL;
    enum oc_status s;

    in.streamed = true;
    in.wait = true;
    /* The declared length is the file's own only for a plain CSV body. */
    in.total_bytes = u->kind == UPLOAD_CSV && req->content_length > 0 ? req->content_length : 0;
    s = gw_call(req, "leads.import", &in.base, &ocpb__import_leads_reply__descriptor,
                (ProtobufCMessage **)&reply);
    if (s != OC_OK)
        return s;
    if (reply->chunk_subject[0] == '\0' || reply->job == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "leads.import answered without a chunk subject");
    ch->subject = reply->chunk_subject;
    ch->id = reply->job->id;
    oc_info("import %s: streaming into campaign %s", ch->id, req->param);
    return OC_OK;
}

static enum oc_status upload_finish(struct upload *u)
{
    struct gw_request *req = u->req;
    Ocpb__ImportLeadsRequest in = u->start;
    Ocpb__ImportLeadsReply *reply = NULL;
    enum oc_status s;

    if (u->ch.total == 0)
        return gw_fail(req, OC_ERR_INVALID, "the file is empty");
    if (u->ch.streaming) {
        s = gw_chunks_flush(&u->ch, true);
        if (s == OC_OK && (u->job = u->ch.last_reply->job) == NULL)
            s = gw_fail(req, OC_ERR_INTERNAL, "import %s ended without its report", u->ch.id);
        return s;
    }
    in.csv.data = (uint8_t *)u->ch.buf;
    in.csv.len = u->ch.len;
    in.wait = true;
    s = gw_call_timeout(req, "leads.import", &in.base, &ocpb__import_leads_reply__descriptor,
                        (ProtobufCMessage **)&reply, (int)req->gw->cfg.import_timeout_ms);
    if (s != OC_OK)
        return s;
    if (reply->job == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "leads.import answered without its job");
    u->job = reply->job;
    return OC_OK;
}

/* ------------------------------------------------------------ multipart */

/* ------------------------------------------------------------ the form */

static enum oc_status upload_file_begin(void *user, const char *filename)
{
    struct upload *u = user;

    if (filename != NULL && filename[0] != '\0' && u->start.file_name[0] == '\0') {
        u->start.file_name = oc_arena_strdup(u->req->arena, filename);
        if (u->start.file_name == NULL)
            return OC_ERR_NOMEM;
    }
    return OC_OK;
}

static enum oc_status upload_file_data(void *user, const char *data, size_t len)
{
    struct upload *u = user;
    return gw_chunks_write(&u->ch, data, len);
}

static enum oc_status upload_form_field(void *user, const char *name, const char *value,
                                        const char *where, bool after_file)
{
    struct upload *u = user;

    if (after_file)
        return gw_fail(u->req, OC_ERR_INVALID,
                       "%s \"%s\" comes after the file: options must come first", where, name);
    return upload_option(u, name, value, where);
}

/* ------------------------------------------------------------ the route */

static enum oc_status upload_kind_of(struct gw_request *req, enum upload_kind *out)
{
    const char *ct = req->content_type != NULL ? req->content_type : "";

    if (gw_csv_content_type(ct)) {
        *out = UPLOAD_CSV;
        return OC_OK;
    }
    ct += strspn(ct, " \t");
    if (strncasecmp(ct, "multipart/form-data", 19) == 0) {
        *out = UPLOAD_MULTIPART;
        return OC_OK;
    }
    if (strncasecmp(ct, "application/json", 16) == 0) {
        *out = UPLOAD_JSON;
        return OC_OK;
    }
    req->close = true;
    return gw_fail(req, OC_ERR_INVALID,
                   "Content-Type must be text/csv or multipart/form-data (a file of leads), or "
                   "application/json (one lead)");
}

/* POST with application/json: one lead into the campaign. */
static enum oc_status upload_one_lead(struct gw_request *req)
{
    static const struct gw_api_op lead_create = {
        .subject = "leads.create",
        .request = &ocpb__create_lead_request__descriptor,
        .reply = &ocpb__create_lead_reply__descriptor,
        .resource = "lead",
    };
    json_t *body = NULL, *given;
    ProtobufCMessage *msg = NULL, *lead = NULL, *reply = NULL;
    enum oc_status s;

    s = gw_read_body(req, (size_t)req->gw->cfg.max_body);
    if (s == OC_OK)
        s = gw_parse_body(req, &body);
    if (s != OC_OK)
        return s;
    given = json_object_get(body, "campaign_id");
    if (json_is_string(given) && strcmp(json_string_value(given), req->param) != 0) {
        json_decref(body);
        return gw_fail(req, OC_ERR_INVALID,
                       "field \"campaign_id\" differs from the campaign in the path");
    }
    if (json_object_set_new(body, "campaign_id", json_string(req->param)) != 0) {
        json_decref(body);
        return OC_ERR_NOMEM;
    }
    s = gw_api_build(req, &lead_create, body, &msg, &lead);
    json_decref(body);
    if (s == OC_OK)
        s = gw_call(req, lead_create.subject, msg, lead_create.reply, &reply);
    if (s != OC_OK)
        return s;
    lead = pbjson_get_message(reply, "lead");
    if (lead == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "leads.create answered without a lead");
    return gw_reply_message(req, 201, lead);
}

/*
 * The report of a finished import, as the route answers it: the headline
 * first, then the rest of the job. "rejected" is the list of rows here
 * (the first ones; the job counts them all in rejected_count).
 */
static enum oc_status upload_report(struct gw_request *req, const Ocpb__ImportJob *job)
{
    json_t *rejected, *rest, *out;

    if (job->status == OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_FAILED)
        return gw_fail(req, OC_ERR_INVALID, "the file could not be imported: %s",
                       job->error[0] != '\0' ? job->error : "no reason given");
    rejected = json_array();
    if (rejected == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < job->n_rejected_rows; i++) {
        if (json_array_append_new(rejected, pbjson_render(&job->rejected_rows[i]->base)) != 0) {
            json_decref(rejected);
            return OC_ERR_NOMEM;
        }
    }
    out = json_pack("{s:s, s:I, s:o, s:I, s:I, s:I}", "import_id", job->id, "imported",
                    (json_int_t)job->imported, "rejected", rejected, "rejected_count",
                    (json_int_t)job->rejected, "duplicates", (json_int_t)job->duplicates, "rows",
                    (json_int_t)job->rows_done);
    rest = pbjson_render(&job->base);
    if (out == NULL || rest == NULL) {
        json_decref(out);
        json_decref(rest);
        return OC_ERR_NOMEM;
    }
    json_object_del(rest, "id");
    json_object_del(rest, "rejected");
    json_object_del(rest, "rejected_rows");
    json_object_del(rest, "rows_done");
    if (json_object_update_missing(out, rest) != 0) {
        json_decref(out);
        json_decref(rest);
        return OC_ERR_NOMEM;
    }
    json_decref(rest);
    return gw_reply(req, 200, out);
}

enum oc_status handle_lead_import(struct gw_request *req)
{
    struct upload *u = NULL;
    struct gw_query_param *params;
    struct gw_upload_sink sink;
    enum upload_kind kind;
    char boundary[80];
    size_t n;
    enum oc_status s;

    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no campaign with id \"%s\"", req->param);
    s = upload_kind_of(req, &kind);
    if (s != OC_OK)
        return s;
    if (kind == UPLOAD_JSON)
        return upload_one_lead(req);
    if (kind == UPLOAD_MULTIPART &&
        gw_multipart_boundary(req->content_type, boundary, sizeof(boundary)) != OC_OK) {
        req->close = true;
        return gw_fail(req, OC_ERR_INVALID, "multipart/form-data without a valid boundary");
    }

    u = oc_arena_alloc(req->arena, sizeof(*u));
    if (u == NULL)
        return OC_ERR_NOMEM;
    u->req = req;
    u->kind = kind;
    ocpb__import_leads_request__init(&u->start);
    u->start.campaign_id = req->param;
    u->start.mapping = u->mappings;
    s = gw_chunks_init(&u->ch, req, upload_open, u);
    if (s != OC_OK)
        goto out;
    s = gw_query(req, &params, &n);
    for (size_t i = 0; s == OC_OK && i < n; i++)
        s = upload_option(u, params[i].name, params[i].value, "query parameter");
    if (s != OC_OK) {
        req->close = true;
        goto out;
    }
    sink = (struct gw_upload_sink){upload_file_data, upload_form_field, upload_file_begin, u};
    s = gw_upload_read(req, kind == UPLOAD_MULTIPART ? boundary : NULL, &sink);
    if (s != OC_OK)
        goto out;

    s = upload_finish(u);
    if (s == OC_ERR_TIMEOUT && u->ch.id != NULL)
        s = gw_fail(req, s, "the import goes on after the wait: see GET /v1/imports/%s", u->ch.id);
    if (s != OC_OK)
        goto out;
    oc_info("import %s: %lld bytes into campaign %s, %lld imported, %lld rejected", u->job->id,
            u->ch.total, req->param, (long long)u->job->imported, (long long)u->job->rejected);
    s = upload_report(req, u->job);
out:
    if (s != OC_OK && u != NULL && u->ch.streaming && !u->ch.last_sent)
        oc_warn("import %s: upload stopped; lead-ingest fails the job when chunks stop coming",
                u->ch.id);
    if (u != NULL)
        gw_chunks_free(&u->ch);
    return s;
}
