/*
 * The downloads: an import's rejected rows as a CSV to fix and upload
 * again (GET /v1/imports/{id}/rejected.csv), a campaign's leads
 * (GET /v1/campaigns/{id}/leads/export) and the do-not-call list
 * (GET /v1/dnc/export), the last two as CSV or as one JSON array.
 *
 * Each pages through one list subject of lead-ingest
 * (leads.imports.rejected, leads.list, dnc.list) with its keyset cursor
 * and writes a page out (download.c) before it asks for the next, so
 * neither the file nor the list is ever whole here: one page's messages,
 * in an arena reset for every page, and one chunk's bytes at a time. A
 * failure on the first page is the usual JSON error; on a later one the
 * download is cut short, which the client sees as an incomplete body.
 *
 * The rejected-rows file is the import's header line, rebuilt from the
 * columns the job keeps (its mapping, in file order, and the delimiter it
 * detected), then every rejected record as it was in the file, each with
 * one more column, rejected_reason ("line 4: phone ..."). lead-ingest
 * ignores that column when the fixed file comes back (proto/leads.proto,
 * ColumnMapping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"
#include "oc/log.h"
#include "proto/leads.pb-c.h"

/* lead-ingest's largest page (PAGE_MAX_LIMIT); it also stops a page early
 * to keep it under the bus's payload limit. */
#define EXPORT_PAGE 500
#define EXPORT_CURSOR_MAX 1024
#define EXPORT_ARENA_BLOCK (64 * 1024)
#define EXPORT_DISPOSITION_MAX 512
#define EXPORT_CSV_TYPE "text/csv; charset=utf-8"
#define EXPORT_JSON_TYPE "application/json"

enum export_format { EXPORT_CSV, EXPORT_JSON };

struct exporter;

/* What one download writes: before the first item, each item, after the last. */
struct export_ops {
    enum oc_status (*begin)(struct exporter *x);
    enum oc_status (*item)(struct exporter *x, const ProtobufCMessage *item);
    enum oc_status (*end)(struct exporter *x);
};

struct exporter {
    struct gw_request *req;
    const char *subject;
    ProtobufCMessage *request; /* its page field points at page */
    Ocpb__PageRequest page;
    const ProtobufCMessageDescriptor *reply_desc;
    const ProtobufCMessageDescriptor *item_desc; /* the reply's list of items */
    const ProtobufCFieldDescriptor *items_field;
    struct oc_arena *arena; /* the page in hand; reset for the next */
    ProtobufCMessage *reply;
    char cursor[EXPORT_CURSOR_MAX];
    struct gw_download dl;
    size_t written; /* items */

    /* The rejected rows of an import. */
    const Ocpb__ImportJob *job;
    char delim;
    size_t columns;      /* of the header written */
    bool replace_reason; /* the file was a fixed download: its last column is the old reason */
};

/* ------------------------------------------------------------ paging */

/* The reply's one repeated message field holds the items. */
static enum oc_status export_items_field(struct exporter *x)
{
    const ProtobufCMessageDescriptor *d = x->reply_desc;

    for (unsigned i = 0; i < d->n_fields; i++) {
        if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
            d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE) {
            x->items_field = &d->fields[i];
            x->item_desc = d->fields[i].descriptor;
            return OC_OK;
        }
    }
    return gw_fail(x->req, OC_ERR_INTERNAL, "%s has no list of items", d->name);
}

/* Asks for the page at x->cursor ("" the first) into a fresh arena. */
static enum oc_status export_fetch(struct exporter *x)
{
    oc_arena_reset(x->arena);
    x->reply = NULL;
    x->page.cursor = x->cursor;
    x->page.limit = EXPORT_PAGE;
    return gw_call_arena(x->req, x->arena, x->subject, x->request, x->reply_desc, &x->reply, 0);
}

/* Keeps the next page's cursor before the arena holding it is reset; false on the last page. */
static enum oc_status export_next(struct exporter *x, bool *more)
{
    const Ocpb__PageInfo *page = (const Ocpb__PageInfo *)pbjson_get_message(x->reply, "page");
    const char *next = page != NULL ? page->next_cursor : "";

    if (next == NULL || next[0] == '\0') {
        *more = false;
        return OC_OK;
    }
    if (strlen(next) >= sizeof(x->cursor))
        return gw_fail(x->req, OC_ERR_INTERNAL, "%s answered a cursor of %zu bytes", x->subject,
                       strlen(next));
    if (strcmp(next, x->cursor) == 0)
        return gw_fail(x->req, OC_ERR_INTERNAL, "%s answered the same cursor twice", x->subject);
    memcpy(x->cursor, next, strlen(next) + 1);
    *more = true;
    return OC_OK;
}

/* Writes every item of the page in hand. */
static enum oc_status export_page(struct exporter *x, const struct export_ops *ops)
{
    const ProtobufCFieldDescriptor *f = x->items_field;
    size_t n = *(const size_t *)((const char *)x->reply + f->quantifier_offset);
    ProtobufCMessage *const *items =
        *(ProtobufCMessage *const *const *)((const char *)x->reply + f->offset);
    enum oc_status s = OC_OK;

    for (size_t i = 0; s == OC_OK && i < n; i++) {
        s = ops->item(x, items[i]);
        if (s == OC_OK) {
            x->written++;
            s = gw_download_flush(&x->dl, false);
        }
    }
    return s;
}

/*
 * Pages through x's subject and writes the download. Until the first page
 * has come nothing is sent, so its failure is the usual error; a later one
 * cuts the download short.
 */
static enum oc_status export_run(struct exporter *x, const struct export_ops *ops,
                                 const char *content_type, const char *disposition)
{
    struct gw_request *req = x->req;
    bool more = true;
    enum oc_status s;

    s = export_items_field(x);
    if (s != OC_OK)
        return s;
    ocpb__page_request__init(&x->page);
    if (pbjson_set_message(x->request, "page", &x->page.base) != OC_OK)
        return gw_fail(req, OC_ERR_INTERNAL, "%s has no page", x->request->descriptor->name);
    s = oc_arena_new(&x->arena, EXPORT_ARENA_BLOCK);
    if (s != OC_OK)
        return s;
    s = export_fetch(x);
    if (s != OC_OK)
        goto out;

    s = gw_download_start(&x->dl, req, content_type, disposition);
    if (s == OC_OK)
        s = ops->begin(x);
    while (s == OC_OK) {
        s = export_page(x, ops);
        if (s == OC_OK)
            s = export_next(x, &more);
        if (s != OC_OK || !more)
            break;
        s = export_fetch(x);
    }
    if (s == OC_OK)
        s = ops->end(x);
    if (s == OC_OK)
        s = gw_download_finish(&x->dl);
    if (s != OC_OK) {
        gw_download_abort(&x->dl, req->error[0] != '\0' ? req->error : oc_status_text(s));
        goto out;
    }
    oc_info("download of %s: %zu items, %lld bytes", x->subject, x->written, x->dl.sent);
out:
    gw_download_free(&x->dl);
    oc_arena_free(x->arena);
    x->arena = NULL;
    return s;
}

/* ------------------------------------------------------------ CSV and JSON of messages */

static enum oc_status export_csv_begin(struct exporter *x)
{
    return gw_csv_message_header(&x->dl.buf, x->item_desc);
}

static enum oc_status export_csv_item(struct exporter *x, const ProtobufCMessage *item)
{
    json_t *obj = pbjson_render(item);
    enum oc_status s;

    if (obj == NULL)
        return OC_ERR_NOMEM;
    s = gw_csv_message_row(&x->dl.buf, x->item_desc, obj);
    json_decref(obj);
    return s;
}

static enum oc_status export_none(struct exporter *x)
{
    (void)x;
    return OC_OK;
}

static enum oc_status export_json_begin(struct exporter *x)
{
    return gw_buf_append(&x->dl.buf, "[", 1);
}

/* One item per line, so the array reads well and streams line by line. */
static enum oc_status export_json_item(struct exporter *x, const ProtobufCMessage *item)
{
    json_t *obj = pbjson_render(item);
    char *text = obj != NULL ? pbjson_dump(obj) : NULL;
    enum oc_status s;

    json_decref(obj);
    if (text == NULL)
        return OC_ERR_NOMEM;
    s = gw_buf_append(&x->dl.buf, x->written > 0 ? ",\n" : "\n", x->written > 0 ? 2 : 1);
    if (s == OC_OK)
        s = gw_buf_append(&x->dl.buf, text, strlen(text));
    free(text);
    return s;
}

static enum oc_status export_json_end(struct exporter *x)
{
    return gw_buf_append(&x->dl.buf, "\n]\n", 3);
}

static const struct export_ops export_csv_ops = {export_csv_begin, export_csv_item, export_none};
static const struct export_ops export_json_ops = {export_json_begin, export_json_item,
                                                  export_json_end};

/* ------------------------------------------------------------ query */

/*
 * Splits ?format= from the list's filters, which fill request. An export
 * has every page, so cursor and limit have no meaning; refused names
 * (fields the route sets itself) are an error too.
 */
static enum oc_status export_query(struct gw_request *req, ProtobufCMessage *request,
                                   const char *const *refused, size_t n_refused,
                                   enum export_format *format)
{
    struct gw_query_param *params, *rest;
    size_t n, n_rest = 0;
    enum oc_status s;

    s = gw_query(req, &params, &n);
    if (s != OC_OK)
        return s;
    rest = oc_arena_alloc(req->arena, sizeof(*rest) * (n > 0 ? n : 1));
    if (rest == NULL)
        return OC_ERR_NOMEM;
    *format = EXPORT_CSV;
    for (size_t i = 0; i < n; i++) {
        const char *name = params[i].name;

        if (strcmp(name, "format") == 0) {
            if (strcasecmp(params[i].value, "csv") == 0)
                *format = EXPORT_CSV;
            else if (strcasecmp(params[i].value, "json") == 0)
                *format = EXPORT_JSON;
            else
                return gw_fail(req, OC_ERR_INVALID,
                               "query parameter \"format\" must be csv or json");
            continue;
        }
        if (strcmp(name, "cursor") == 0 || strcmp(name, "limit") == 0 || strcmp(name, "page") == 0)
            return gw_fail(req, OC_ERR_INVALID,
                           "query parameter \"%s\" is not known: an export has every page", name);
        for (size_t k = 0; k < n_refused; k++) {
            if (strcmp(name, refused[k]) == 0)
                return gw_fail(req, OC_ERR_INVALID, "query parameter \"%s\" is not known", name);
        }
        rest[n_rest++] = params[i];
    }
    return pbjson_fill_query(request, rest, n_rest, req->arena, req->error, sizeof(req->error));
}

static enum oc_status export_disposition(struct gw_request *req, const char *base,
                                         const char *fallback, const char *suffix, char **out)
{
    char *d = oc_arena_alloc(req->arena, EXPORT_DISPOSITION_MAX);

    if (d == NULL)
        return OC_ERR_NOMEM;
    if (gw_content_disposition(base, fallback, suffix, d, EXPORT_DISPOSITION_MAX) != OC_OK)
        return gw_fail(req, OC_ERR_INTERNAL, "the download's name does not fit");
    *out = d;
    return OC_OK;
}

/* ------------------------------------------------------------ leads */

enum oc_status handle_lead_export(struct gw_request *req)
{
    static const char *const refused[] = {"campaign_id"};
    struct exporter x = {.req = req, .subject = "leads.list"};
    Ocpb__ListLeadsRequest *in;
    enum export_format format;
    char *disposition = NULL, fallback[GW_PARAM_MAX + 16];
    enum oc_status s;

    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no campaign with id \"%s\"", req->param);
    in = oc_arena_alloc(req->arena, sizeof(*in));
    if (in == NULL)
        return OC_ERR_NOMEM;
    ocpb__list_leads_request__init(in);
    s = export_query(req, &in->base, refused, 1, &format);
    if (s != OC_OK)
        return s;
    /* The campaign is the path's: leads.list runs in the caller's tenant,
     * so another tenant's campaign has no leads here. */
    in->campaign_id = req->param;
    /* File order unless a sort is asked for. */
    if (in->sort == OCPB__LEAD_SORT__LEAD_SORT_UNSPECIFIED)
        in->sort = OCPB__LEAD_SORT__LEAD_SORT_CREATED_ASC;
    snprintf(fallback, sizeof(fallback), "leads-%s", req->param);
    s = export_disposition(req, NULL, fallback, format == EXPORT_CSV ? ".csv" : ".json",
                           &disposition);
    if (s != OC_OK)
        return s;
    x.request = &in->base;
    x.reply_desc = &ocpb__list_leads_reply__descriptor;
    if (format == EXPORT_JSON)
        return export_run(&x, &export_json_ops, EXPORT_JSON_TYPE, disposition);
    return export_run(&x, &export_csv_ops, EXPORT_CSV_TYPE, disposition);
}

/* ------------------------------------------------------------ do-not-call */

enum oc_status handle_dnc_export(struct gw_request *req)
{
    struct exporter x = {.req = req, .subject = "dnc.list"};
    Ocpb__ListDncRequest *in;
    enum export_format format;
    char *disposition = NULL;
    enum oc_status s;

    in = oc_arena_alloc(req->arena, sizeof(*in));
    if (in == NULL)
        return OC_ERR_NOMEM;
    ocpb__list_dnc_request__init(in);
    s = export_query(req, &in->base, NULL, 0, &format);
    if (s != OC_OK)
        return s;
    s = export_disposition(req, NULL, "do-not-call", format == EXPORT_CSV ? ".csv" : ".json",
                           &disposition);
    if (s != OC_OK)
        return s;
    x.request = &in->base;
    x.reply_desc = &ocpb__list_dnc_reply__descriptor;
    if (format == EXPORT_JSON)
        return export_run(&x, &export_json_ops, EXPORT_JSON_TYPE, disposition);
    return export_run(&x, &export_csv_ops, EXPORT_CSV_TYPE, disposition);
}

/* ------------------------------------------------------------ rejected rows */

/*
 * The header: the file's columns, then rejected_reason. A file that was
 * itself a fixed download ends with the old reason already: that column
 * is not repeated, and each record's old reason gives way to the new one,
 * so the file keeps its shape however often it goes round.
 */
static enum oc_status export_rejected_begin(struct exporter *x)
{
    const Ocpb__ImportJob *job = x->job;
    const char **names;

    x->columns = job->n_mapping;
    x->replace_reason = job->n_mapping > 1 && strcmp(job->mapping[job->n_mapping - 1]->column,
                                                     GW_REJECTED_REASON_COLUMN) == 0;
    names = oc_arena_alloc(x->req->arena, sizeof(*names) * (job->n_mapping + 1));
    if (names == NULL)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < job->n_mapping; i++)
        names[i] = job->mapping[i]->column;
    return gw_csv_header(&x->dl.buf, names, job->n_mapping - (x->replace_reason ? 1 : 0),
                         GW_REJECTED_REASON_COLUMN, x->delim);
}

static enum oc_status export_rejected_item(struct exporter *x, const ProtobufCMessage *item)
{
    const Ocpb__RejectedRow *row = (const Ocpb__RejectedRow *)item;
    size_t len = strlen(row->raw), last;

    /* Only a record with every column of the header has its reason last;
     * any other is written whole. */
    if (x->replace_reason && gw_csv_count_fields(row->raw, len, x->delim, &last) == x->columns &&
        last > 0)
        len = last - 1;
    return gw_csv_rejected_row(&x->dl.buf, row->raw, len, (long long)row->line, row->reason,
                               x->delim);
}

static const struct export_ops export_rejected_ops = {export_rejected_begin, export_rejected_item,
                                                      export_none};

enum oc_status handle_import_rejected_csv(struct gw_request *req)
{
    Ocpb__GetImportJobRequest get = OCPB__GET_IMPORT_JOB_REQUEST__INIT;
    Ocpb__GetImportJobReply *got = NULL;
    struct exporter x = {.req = req, .subject = "leads.imports.rejected"};
    Ocpb__ListRejectedRowsRequest *in;
    struct gw_query_param *params;
    char *disposition = NULL, fallback[GW_PARAM_MAX + 16];
    const Ocpb__ImportJob *job;
    size_t n;
    enum oc_status s;

    if (!gw_uuid_valid(req->param))
        return gw_fail(req, OC_ERR_NOT_FOUND, "no import with id \"%s\"", req->param);
    s = gw_query(req, &params, &n);
    if (s != OC_OK)
        return s;
    if (n > 0)
        return gw_fail(req, OC_ERR_INVALID, "query parameter \"%s\" is not known", params[0].name);

    /* The job gives the header (its columns in file order) and the delimiter
     * its records were written with. */
    get.id = req->param;
    s = gw_call(req, "leads.imports.get", &get.base, &ocpb__get_import_job_reply__descriptor,
                (ProtobufCMessage **)&got);
    if (s != OC_OK)
        return s;
    job = got->job;
    if (job == NULL)
        return gw_fail(req, OC_ERR_INTERNAL, "leads.imports.get answered without a job");
    if (job->status == OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RECEIVING ||
        job->status == OCPB__IMPORT_JOB_STATUS__IMPORT_JOB_STATUS_RUNNING)
        return gw_fail(req, OC_ERR_CONFLICT,
                       "import %s is still running: its rejected rows are known once it is done",
                       req->param);

    in = oc_arena_alloc(req->arena, sizeof(*in));
    if (in == NULL)
        return OC_ERR_NOMEM;
    ocpb__list_rejected_rows_request__init(in);
    in->job_id = req->param;
    snprintf(fallback, sizeof(fallback), "import-%s", req->param);
    s = export_disposition(req, job->file_name, fallback, "-rejected.csv", &disposition);
    if (s != OC_OK)
        return s;
    x.request = &in->base;
    x.reply_desc = &ocpb__list_rejected_rows_reply__descriptor;
    x.job = job;
    x.delim = job->delimiter != NULL && strlen(job->delimiter) == 1 ? job->delimiter[0] : ',';
    return export_run(&x, &export_rejected_ops, EXPORT_CSV_TYPE, disposition);
}
