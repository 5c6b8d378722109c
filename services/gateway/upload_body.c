/*
 * Reading an uploaded file from the request body in pieces, never whole:
 * the body itself (text/csv) or the file part of a multipart/form-data
 * form, whose other fields are options; and passing it on to lead-ingest
 * in chunks (gw_chunks). The lead upload (lead_upload.c) and the
 * do-not-call import (dnc.c) go through here; their requests, options and
 * reports are their own.
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "proto/leads.pb-c.h"

#define UPLOAD_READ (64 * 1024)
#define UPLOAD_FIELD_MAX 1024

struct upload_form {
    struct gw_request *req;
    const struct gw_upload_sink *sink;
    bool in_file;
    bool file_seen;
    bool file_done;
    char field[GW_PARAM_MAX + 1]; /* the form field being read */
    char value[UPLOAD_FIELD_MAX + 1];
    size_t value_len;
};

static enum oc_status part_begin(void *user, const struct gw_multipart_part *part)
{
    struct upload_form *f = user;

    if (part->filename != NULL || strcmp(part->name, "file") == 0) {
        if (f->file_seen)
            return gw_fail(f->req, OC_ERR_INVALID, "the form has more than one file");
        f->in_file = true;
        f->file_seen = true;
        if (f->sink->file_begin != NULL)
            return f->sink->file_begin(f->sink->user, part->filename);
        return OC_OK;
    }
    if (strlen(part->name) > GW_PARAM_MAX)
        return gw_fail(f->req, OC_ERR_INVALID, "a form field's name is too long");
    snprintf(f->field, sizeof(f->field), "%s", part->name);
    f->value_len = 0;
    return OC_OK;
}

static enum oc_status part_data(void *user, const char *data, size_t len)
{
    struct upload_form *f = user;

    if (f->in_file)
        return f->sink->file_data(f->sink->user, data, len);
    if (f->value_len + len > UPLOAD_FIELD_MAX)
        return gw_fail(f->req, OC_ERR_INVALID, "form field \"%s\" is over %d bytes", f->field,
                       UPLOAD_FIELD_MAX);
    memcpy(f->value + f->value_len, data, len);
    f->value_len += len;
    return OC_OK;
}

static enum oc_status part_end(void *user)
{
    struct upload_form *f = user;

    if (f->in_file) {
        f->in_file = false;
        f->file_done = true;
        return OC_OK;
    }
    f->value[f->value_len] = '\0';
    if (strlen(f->value) != f->value_len)
        return gw_fail(f->req, OC_ERR_INVALID, "form field \"%s\" holds a NUL byte", f->field);
    return f->sink->option(f->sink->user, f->field, f->value, "form field", f->file_done);
}

enum oc_status gw_upload_read(struct gw_request *req, const char *boundary,
                              const struct gw_upload_sink *sink)
{
    struct upload_form form = {.req = req, .sink = sink};
    struct gw_multipart_cb cb = {part_begin, part_data, part_end, &form};
    struct gw_multipart *mp = NULL;
    long long total = 0;
    enum oc_status s = OC_OK;
    char *rbuf = malloc(UPLOAD_READ);

    if (rbuf == NULL)
        return OC_ERR_NOMEM;
    if (boundary != NULL && (s = gw_multipart_new(&mp, boundary, &cb)) != OC_OK)
        goto out;

    /* A POST with neither a length nor chunked coding has no body. */
    if (req->content_length >= 0 || gw_request_chunked(req)) {
        for (;;) {
            int got = mg_read(req->conn, rbuf, UPLOAD_READ);

            if (got < 0) {
                req->close = true;
                s = gw_fail(req, OC_ERR_IO, "reading the upload failed");
                goto out;
            }
            if (got == 0)
                break;
            total += got;
            if (total > req->gw->cfg.max_upload) {
                req->close = true;
                s = gw_fail(req, OC_ERR_TOO_LARGE, "upload is over the limit of %ld bytes",
                            req->gw->cfg.max_upload);
                goto out;
            }
            if (mp != NULL) {
                s = gw_multipart_feed(mp, rbuf, (size_t)got);
                if (s == OC_ERR_INVALID && req->error[0] == '\0')
                    s = gw_fail(req, s, "%s", gw_multipart_error(mp));
            } else {
                s = sink->file_data(sink->user, rbuf, (size_t)got);
            }
            if (s != OC_OK) {
                req->close = true;
                goto out;
            }
        }
    }
    if (req->content_length >= 0 && total < req->content_length) {
        req->close = true;
        s = gw_fail(req, OC_ERR_INVALID, "request body ended after %lld of %lld bytes", total,
                    req->content_length);
        goto out;
    }
    if (mp != NULL) {
        s = gw_multipart_finish(mp);
        if (s != OC_OK) {
            if (req->error[0] == '\0')
                s = gw_fail(req, s, "%s", gw_multipart_error(mp));
            goto out;
        }
        if (!form.file_seen)
            s = gw_fail(
                req, OC_ERR_INVALID,
                "the form has no file: send it as a part with a filename or named \"file\"");
    }
out:
    gw_multipart_free(mp);
    free(rbuf);
    return s;
}

/* ------------------------------------------------------------ chunks */

enum oc_status gw_chunks_init(struct gw_chunks *ch, struct gw_request *req,
                              enum oc_status (*open)(struct gw_chunks *ch), void *user)
{
    memset(ch, 0, sizeof(*ch));
    ch->req = req;
    ch->open = open;
    ch->user = user;
    ch->buf = malloc(GW_UPLOAD_CHUNK);
    return ch->buf != NULL ? OC_OK : OC_ERR_NOMEM;
}

void gw_chunks_free(struct gw_chunks *ch)
{
    free(ch->buf);
    ch->buf = NULL;
}

enum oc_status gw_chunks_flush(struct gw_chunks *ch, bool last)
{
    struct gw_request *req = ch->req;
    Ocpb__SendImportChunkRequest in = OCPB__SEND_IMPORT_CHUNK_REQUEST__INIT;
    Ocpb__SendImportChunkReply *reply = NULL;
    int timeout = last ? (int)req->gw->cfg.import_timeout_ms : 0;
    enum oc_status s;

    if (!ch->streaming) {
        if ((s = ch->open(ch)) != OC_OK)
            return s;
        ch->streaming = true;
    }
    in.job_id = (char *)ch->id;
    in.seq = ch->seq;
    in.data.data = (uint8_t *)ch->buf;
    in.data.len = ch->len;
    in.last = last;
    ch->last_sent = last;
    s = gw_call_timeout(req, ch->subject, &in.base, &ocpb__send_import_chunk_reply__descriptor,
                        (ProtobufCMessage **)&reply, timeout);
    /* A chunk whose answer was lost is sent again: a repeated seq changes nothing. */
    if (s == OC_ERR_TIMEOUT && !last)
        s = gw_call_timeout(req, ch->subject, &in.base, &ocpb__send_import_chunk_reply__descriptor,
                            (ProtobufCMessage **)&reply, timeout);
    if (s != OC_OK)
        return s;
    if (reply->next_seq != ch->seq + 1)
        return gw_fail(req, OC_ERR_INTERNAL, "import %s expected chunk %u after chunk %u", ch->id,
                       reply->next_seq, ch->seq);
    ch->seq++;
    ch->len = 0;
    if (last)
        ch->last_reply = reply;
    return OC_OK;
}

enum oc_status gw_chunks_write(struct gw_chunks *ch, const char *data, size_t n)
{
    while (n > 0) {
        size_t take;
        enum oc_status s;

        if (ch->len == GW_UPLOAD_CHUNK && (s = gw_chunks_flush(ch, false)) != OC_OK)
            return s;
        take = GW_UPLOAD_CHUNK - ch->len < n ? GW_UPLOAD_CHUNK - ch->len : n;
        memcpy(ch->buf + ch->len, data, take);
        ch->len += take;
        ch->total += (long long)take;
        data += take;
        n -= take;
    }
    return OC_OK;
}
