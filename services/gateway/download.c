/*
 * A response written while it is being made, for downloads that page
 * through a service (exports.c): the file is never whole in memory, only
 * the bytes of the page in hand. The body goes out in chunked transfer
 * coding to HTTP/1.1 clients and to the connection's end to HTTP/1.0
 * ones, so its length need not be known. Nothing is sent before
 * gw_download_start; a failure after it cannot become an error body any
 * more, so the response is cut short (no last chunk, the connection
 * closes) and a client sees an incomplete download rather than a file
 * that looks whole.
 */
#include <civetweb.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "oc/log.h"

/* Bytes gathered before a write: few system calls, little memory. */
#define DOWNLOAD_CHUNK (64 * 1024)

static bool download_write(struct gw_download *d, const char *data, size_t len)
{
    return mg_write(d->req->conn, data, len) == (int)len;
}

enum oc_status gw_download_start(struct gw_download *d, struct gw_request *req,
                                 const char *content_type, const char *disposition)
{
    const struct mg_request_info *ri = mg_get_request_info(req->conn);
    struct mg_connection *conn = req->conn;

    d->req = req;
    d->chunked = ri != NULL && ri->http_version != NULL && strcmp(ri->http_version, "1.0") != 0;
    /* An HTTP/1.0 body without a length ends with the connection. */
    if (!d->chunked)
        mg_disable_connection_keep_alive(conn);
    mg_response_header_start(conn, 200);
    mg_response_header_add(conn, "Content-Type", content_type, -1);
    if (disposition != NULL)
        mg_response_header_add(conn, "Content-Disposition", disposition, -1);
    if (d->chunked)
        mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
    mg_response_header_add(conn, "X-Request-Id", req->request_id, -1);
    /* Tenant data: no cache may keep it. */
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
    mg_response_header_send(conn);
    d->started = true;
    req->responded = true;
    req->http_status = 200;
    return OC_OK;
}

enum oc_status gw_download_flush(struct gw_download *d, bool force)
{
    char head[24];
    bool ok;
    int n;

    if (d->buf.len == 0 || (!force && d->buf.len < DOWNLOAD_CHUNK))
        return OC_OK;
    if (d->chunked) {
        n = snprintf(head, sizeof(head), "%zx\r\n", d->buf.len);
        ok = download_write(d, head, (size_t)n) && download_write(d, d->buf.data, d->buf.len) &&
             download_write(d, "\r\n", 2);
    } else {
        ok = download_write(d, d->buf.data, d->buf.len);
    }
    if (!ok)
        return gw_fail(d->req, OC_ERR_IO, "the client went away after %lld bytes", d->sent);
    d->sent += (long long)d->buf.len;
    gw_buf_reset(&d->buf);
    return OC_OK;
}

enum oc_status gw_download_finish(struct gw_download *d)
{
    enum oc_status s = gw_download_flush(d, true);

    if (s != OC_OK)
        return s;
    if (d->chunked && !download_write(d, "0\r\n\r\n", 5))
        return gw_fail(d->req, OC_ERR_IO, "the client went away at the end");
    return OC_OK;
}

void gw_download_abort(struct gw_download *d, const char *why)
{
    /* No last chunk: the client can tell the body is not whole. */
    mg_disable_connection_keep_alive(d->req->conn);
    oc_warn("download cut short after %lld bytes: %s", d->sent, why);
    gw_buf_free(&d->buf);
}

void gw_download_free(struct gw_download *d)
{
    gw_buf_free(&d->buf);
}
