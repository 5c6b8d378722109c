/*
 * Handlers of import jobs: leads.import (a whole file, waited for or run in
 * the background, or a streamed one), leads.imports.get, .list and
 * .rejected. The work itself is import_job.c's.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "import_job.h"
#include "oc/crypto.h"
#include "oc/service.h"
#include "page_cursor.h"
#include "store.h"

#define MAX_RULES 256

enum oc_status handle_lead_import(struct oc_request *req, const ProtobufCMessage *msg,
                                  ProtobufCMessage **out)
{
    const Ocpb__ImportLeadsRequest *in = (const Ocpb__ImportLeadsRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->campaign_id))
        return oc_request_fail(req, OC_ERR_INVALID, "campaign_id must be a campaign's id");
    if (in->n_mapping > MAX_RULES)
        return oc_request_fail(req, OC_ERR_INVALID, "more than %d column mappings", MAX_RULES);
    if (!in->streamed && in->csv.len == 0)
        return oc_request_fail(req, OC_ERR_INVALID, "the file is empty");
    if ((long)in->csv.len > st->cfg.import_max_bytes || in->total_bytes > st->cfg.import_max_bytes)
        return oc_request_fail(req, OC_ERR_TOO_LARGE, "the file is larger than %ld bytes",
                               st->cfg.import_max_bytes);

    struct header_rule *rules = oc_arena_alloc(req->arena, (in->n_mapping + 1) * sizeof(*rules));
    if (!rules)
        return OC_ERR_NOMEM;
    for (size_t i = 0; i < in->n_mapping; i++) {
        if (!in->mapping[i]->column[0])
            return oc_request_fail(req, OC_ERR_INVALID, "mapping %zu names no column", i + 1);
        rules[i].column = in->mapping[i]->column;
        rules[i].field = in->mapping[i]->field;
    }

    char region[4], tz[LEAD_TZ_MAX];
    s = handler_campaign_defaults(req, tenant, in->campaign_id, in->default_region,
                                  in->default_timezone, region, tz);
    if (s != OC_OK)
        return s;

    struct import_spec spec = {
        .tenant = tenant,
        .campaign_id = in->campaign_id,
        .region = region,
        .timezone = tz,
        .file_name = in->file_name,
        .request_id = req->env->request_id,
        .user_id = oc_uuid_valid(req->env->user_id) ? req->env->user_id : NULL,
        .rules = rules,
        .n_rules = in->n_mapping,
        .total_bytes = in->streamed ? in->total_bytes : (int64_t)in->csv.len,
        .streamed = in->streamed,
        .wait = in->wait,
    };
    Ocpb__ImportLeadsReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__import_leads_reply__init(r);
    struct import_env env = {st->svc->db, st->svc->bus, st->outbox, &st->cfg};

    if (in->streamed) {
        s = import_open_stream(st->jobs, &spec, req->arena, &r->job);
        if (s == OC_OK)
            r->chunk_subject = oc_arena_printf(req->arena, "leads.import.%s", r->job->id);
    } else if (in->wait) {
        s = import_run_whole(&env, &spec, in->csv.data, in->csv.len, req->arena, &r->job);
    } else {
        s = import_queue_whole(st->jobs, &spec, in->csv.data, in->csv.len, req->arena, &r->job);
    }
    if (s != OC_OK)
        return oc_request_fail(req, s, "the import could not start: %s", oc_status_text(s));
    if (in->streamed && !r->chunk_subject)
        return OC_ERR_NOMEM;
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_import_get(struct oc_request *req, const ProtobufCMessage *msg,
                                 ProtobufCMessage **out)
{
    const Ocpb__GetImportJobRequest *in = (const Ocpb__GetImportJobRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such import job");
    Ocpb__GetImportJobReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__get_import_job_reply__init(r);
    struct oc_db_conn *c = NULL;
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_import_get(c, tenant, in->id, IMPORT_REPORT_REJECTED, req->arena, &r->job);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s, "no such import job");
    if (s != OC_OK)
        return s;
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_import_list(struct oc_request *req, const ProtobufCMessage *msg,
                                  ProtobufCMessage **out)
{
    const Ocpb__ListImportJobsRequest *in = (const Ocpb__ListImportJobsRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (in->campaign_id[0] && !oc_uuid_valid(in->campaign_id))
        return oc_request_fail(req, OC_ERR_INVALID, "campaign_id must be a campaign's id");
    Ocpb__ListImportJobsReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__list_import_jobs_reply__init(r);
    struct oc_db_conn *c = NULL;
    char *next = "";
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    s = store_import_list(c, tenant, in->campaign_id, in->page ? in->page->cursor : "",
                          page_limit(in->page ? in->page->limit : 0), req->arena, &r->jobs,
                          &r->n_jobs, &next);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "the page cursor is not one of this list");
    if (s != OC_OK)
        return s;
    if (!(r->page = handler_page(req, next)))
        return OC_ERR_NOMEM;
    *out = &r->base;
    return OC_OK;
}

enum oc_status handle_import_rejected(struct oc_request *req, const ProtobufCMessage *msg,
                                      ProtobufCMessage **out)
{
    const Ocpb__ListRejectedRowsRequest *in = (const Ocpb__ListRejectedRowsRequest *)msg;
    struct lead_ingest *st = handler_state(req);
    const char *tenant;
    enum oc_status s = handler_tenant(req, &tenant);
    if (s != OC_OK)
        return s;
    if (!oc_uuid_valid(in->job_id))
        return oc_request_fail(req, OC_ERR_NOT_FOUND, "no such import job");
    Ocpb__ListRejectedRowsReply *r = oc_arena_alloc(req->arena, sizeof(*r));
    if (!r)
        return OC_ERR_NOMEM;
    ocpb__list_rejected_rows_reply__init(r);
    struct oc_db_conn *c = NULL;
    char *next = "";
    if ((s = store_begin(st->svc->db, tenant, &c)) != OC_OK)
        return s;
    /* The CSV download asks for big pages; the limit still applies. */
    s = store_rejected_list(c, tenant, in->job_id, in->page ? in->page->cursor : "",
                            page_limit(in->page ? in->page->limit : 0), req->arena, &r->rows,
                            &r->n_rows, &next);
    store_abort(st->svc->db, c);
    if (s == OC_ERR_NOT_FOUND)
        return oc_request_fail(req, s, "no such import job");
    if (s == OC_ERR_INVALID)
        return oc_request_fail(req, s, "the page cursor is not one of this list");
    if (s != OC_OK)
        return s;
    if (!(r->page = handler_page(req, next)))
        return OC_ERR_NOMEM;
    *out = &r->base;
    return OC_OK;
}
