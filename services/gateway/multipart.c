/*
 * A streaming multipart/form-data reader (RFC 7578 over RFC 2046): bytes go
 * in as they come off the socket, in pieces of any size, and each part's
 * headers and data come out through callbacks, so an uploaded file passes
 * through without ever being held whole. A delimiter split across two
 * pieces is found because the last bytes that could start one are kept
 * back until the next piece arrives. Pure: no I/O, so unit tests feed it
 * every split.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"

/* RFC 2046: a boundary is 1 to 70 characters. */
#define MULTIPART_BOUNDARY_MAX 70
/* A part's header block; a form part needs a few hundred bytes at most. */
#define MULTIPART_HEADERS_MAX 8192
/* Transport padding allowed after a delimiter, before its CRLF. */
#define MULTIPART_PADDING_MAX 256
#define MULTIPART_VALUE_MAX 1024

enum multipart_state {
    MULTIPART_PREAMBLE,
    MULTIPART_AFTER_DELIMITER,
    MULTIPART_HEADERS,
    MULTIPART_BODY,
    MULTIPART_DONE,
};

struct gw_multipart {
    struct gw_multipart_cb cb;
    enum multipart_state state;
    char delim[MULTIPART_BOUNDARY_MAX + 5]; /* CRLF "--" boundary */
    size_t dlen;
    char *buf; /* bytes received but not yet handed on */
    size_t len;
    size_t cap;
    char name[MULTIPART_VALUE_MAX];
    char filename[MULTIPART_VALUE_MAX];
    char content_type[MULTIPART_VALUE_MAX];
    char error[200];
};

/* ------------------------------------------------------------ helpers */

static enum oc_status multipart_fail(struct gw_multipart *mp, const char *what)
{
    snprintf(mp->error, sizeof(mp->error), "malformed multipart body: %s", what);
    return OC_ERR_INVALID;
}

/* The first occurrence of needle in hay, or -1. */
static long multipart_find(const char *hay, size_t len, const char *needle, size_t nlen)
{
    if (nlen == 0 || len < nlen)
        return -1;
    for (size_t i = 0; i + nlen <= len;) {
        const char *c = memchr(hay + i, needle[0], len - nlen + 1 - i);

        if (c == NULL)
            return -1;
        i = (size_t)(c - hay);
        if (memcmp(c, needle, nlen) == 0)
            return (long)i;
        i++;
    }
    return -1;
}

static void multipart_consume(struct gw_multipart *mp, size_t n)
{
    memmove(mp->buf, mp->buf + n, mp->len - n);
    mp->len -= n;
}

/*
 * Reads parameter key (case-insensitive) of a header value such as
 * `form-data; name="file"; filename="a.csv"` into out. Quoted values may
 * hold backslash escapes. Returns false when absent.
 */
static bool multipart_param(const char *value, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = value;

    while ((p = strchr(p, ';')) != NULL) {
        p++;
        p += strspn(p, " \t");
        if (strncasecmp(p, key, klen) != 0 || p[klen] != '=') {
            /* Skip this parameter, quoted ';' included. */
            bool quoted = false;

            for (; *p != '\0' && (quoted || *p != ';'); p++) {
                if (*p == '\\' && quoted && p[1] != '\0')
                    p++;
                else if (*p == '"')
                    quoted = !quoted;
            }
            continue;
        }
        p += klen + 1;
        size_t o = 0;

        if (*p == '"') {
            for (p++; *p != '\0' && *p != '"'; p++) {
                if (*p == '\\' && p[1] != '\0')
                    p++;
                if (o + 1 < outlen)
                    out[o++] = *p;
            }
        } else {
            for (; *p != '\0' && *p != ';' && *p != ' ' && *p != '\t'; p++) {
                if (o + 1 < outlen)
                    out[o++] = *p;
            }
        }
        out[o] = '\0';
        return true;
    }
    return false;
}

/* Parses a part's header block (lines ending in CRLF, without the blank line). */
static enum oc_status multipart_headers(struct gw_multipart *mp, char *block, size_t len)
{
    struct gw_multipart_part part = {"", NULL, NULL};

    mp->name[0] = mp->filename[0] = mp->content_type[0] = '\0';
    block[len] = '\0';
    for (char *line = block; *line != '\0';) {
        size_t n = strcspn(line, "\r");
        char *colon;
        char *value;

        if (line[n] == '\r')
            line[n++] = '\0';
        if (line[n] == '\n')
            n++;
        colon = strchr(line, ':');
        if (colon == NULL) {
            if (line[0] != '\0')
                return multipart_fail(mp, "a part header has no colon");
            line += n;
            continue;
        }
        *colon = '\0';
        value = colon + 1 + strspn(colon + 1, " \t");
        if (strcasecmp(line, "Content-Disposition") == 0) {
            multipart_param(value, "name", mp->name, sizeof(mp->name));
            if (multipart_param(value, "filename", mp->filename, sizeof(mp->filename)))
                part.filename = mp->filename;
        } else if (strcasecmp(line, "Content-Type") == 0) {
            snprintf(mp->content_type, sizeof(mp->content_type), "%s", value);
            part.content_type = mp->content_type;
        }
        line += n;
    }
    part.name = mp->name;
    return mp->cb.begin != NULL ? mp->cb.begin(mp->cb.user, &part) : OC_OK;
}

/* ------------------------------------------------------------ public */

enum oc_status gw_multipart_boundary(const char *content_type, char *out, size_t outlen)
{
    char b[MULTIPART_BOUNDARY_MAX + 2];
    const char *p;

    if (content_type == NULL)
        return OC_ERR_INVALID;
    p = content_type + strspn(content_type, " \t");
    if (strncasecmp(p, "multipart/form-data", 19) != 0 ||
        (p[19] != '\0' && p[19] != ';' && p[19] != ' ' && p[19] != '\t'))
        return OC_ERR_INVALID;
    if (!multipart_param(p, "boundary", b, sizeof(b)))
        return OC_ERR_INVALID;
    if (b[0] == '\0' || strlen(b) > MULTIPART_BOUNDARY_MAX || strlen(b) + 1 > outlen)
        return OC_ERR_INVALID;
    for (const char *c = b; *c != '\0'; c++) {
        if (*c == '\r' || *c == '\n')
            return OC_ERR_INVALID;
    }
    snprintf(out, outlen, "%s", b);
    return OC_OK;
}

enum oc_status gw_multipart_new(struct gw_multipart **out, const char *boundary,
                                const struct gw_multipart_cb *cb)
{
    struct gw_multipart *mp;
    size_t blen = strlen(boundary);

    if (blen == 0 || blen > MULTIPART_BOUNDARY_MAX)
        return OC_ERR_INVALID;
    mp = calloc(1, sizeof(*mp));
    if (mp == NULL)
        return OC_ERR_NOMEM;
    mp->cb = *cb;
    mp->dlen = (size_t)snprintf(mp->delim, sizeof(mp->delim), "\r\n--%s", boundary);
    mp->cap = 4096;
    mp->buf = malloc(mp->cap);
    if (mp->buf == NULL) {
        free(mp);
        return OC_ERR_NOMEM;
    }
    /* The first delimiter may open the body without a CRLF before it:
     * pretend one was there so every delimiter looks the same. */
    memcpy(mp->buf, "\r\n", 2);
    mp->len = 2;
    mp->state = MULTIPART_PREAMBLE;
    *out = mp;
    return OC_OK;
}

void gw_multipart_free(struct gw_multipart *mp)
{
    if (mp == NULL)
        return;
    free(mp->buf);
    free(mp);
}

const char *gw_multipart_error(const struct gw_multipart *mp)
{
    return mp->error;
}

/* Hands on everything the buffer allows; stops when it needs more bytes. */
static enum oc_status multipart_run(struct gw_multipart *mp)
{
    enum oc_status s;
    long at;

    for (;;) {
        switch (mp->state) {
        case MULTIPART_PREAMBLE:
            at = multipart_find(mp->buf, mp->len, mp->delim, mp->dlen);
            if (at < 0) {
                if (mp->len >= mp->dlen)
                    multipart_consume(mp, mp->len - (mp->dlen - 1));
                return OC_OK;
            }
            multipart_consume(mp, (size_t)at + mp->dlen);
            mp->state = MULTIPART_AFTER_DELIMITER;
            break;

        case MULTIPART_AFTER_DELIMITER: {
            size_t pad;

            if (mp->len < 2)
                return OC_OK;
            if (mp->buf[0] == '-' && mp->buf[1] == '-') {
                mp->state = MULTIPART_DONE;
                break;
            }
            pad = 0;
            while (pad < mp->len && (mp->buf[pad] == ' ' || mp->buf[pad] == '\t'))
                pad++;
            if (pad > MULTIPART_PADDING_MAX)
                return multipart_fail(mp, "too much padding after a boundary");
            if (mp->len < pad + 2)
                return OC_OK;
            if (mp->buf[pad] != '\r' || mp->buf[pad + 1] != '\n')
                return multipart_fail(mp, "a boundary is not followed by a line break");
            multipart_consume(mp, pad + 2);
            mp->state = MULTIPART_HEADERS;
            break;
        }

        case MULTIPART_HEADERS:
            /* A part without headers starts with the blank line at once. */
            if (mp->len >= 2 && mp->buf[0] == '\r' && mp->buf[1] == '\n') {
                at = 0;
            } else {
                at = multipart_find(mp->buf, mp->len, "\r\n\r\n", 4);
                if (at < 0) {
                    if (mp->len > MULTIPART_HEADERS_MAX)
                        return multipart_fail(mp, "a part's headers are too long");
                    return OC_OK;
                }
                at += 2; /* keep the last header's CRLF in the block */
            }
            if ((size_t)at > MULTIPART_HEADERS_MAX)
                return multipart_fail(mp, "a part's headers are too long");
            {
                char block[MULTIPART_HEADERS_MAX + 1];

                memcpy(block, mp->buf, (size_t)at);
                multipart_consume(mp, (size_t)at + 2);
                s = multipart_headers(mp, block, (size_t)at);
                if (s != OC_OK)
                    return s;
            }
            mp->state = MULTIPART_BODY;
            break;

        case MULTIPART_BODY:
            at = multipart_find(mp->buf, mp->len, mp->delim, mp->dlen);
            if (at < 0) {
                /* Everything but what could be the start of a delimiter. */
                if (mp->len >= mp->dlen) {
                    size_t n = mp->len - (mp->dlen - 1);

                    if (mp->cb.data != NULL && (s = mp->cb.data(mp->cb.user, mp->buf, n)) != OC_OK)
                        return s;
                    multipart_consume(mp, n);
                }
                return OC_OK;
            }
            if (at > 0 && mp->cb.data != NULL &&
                (s = mp->cb.data(mp->cb.user, mp->buf, (size_t)at)) != OC_OK)
                return s;
            if (mp->cb.end != NULL && (s = mp->cb.end(mp->cb.user)) != OC_OK)
                return s;
            multipart_consume(mp, (size_t)at + mp->dlen);
            mp->state = MULTIPART_AFTER_DELIMITER;
            break;

        case MULTIPART_DONE:
            /* The epilogue means nothing. */
            mp->len = 0;
            return OC_OK;
        }
    }
}

enum oc_status gw_multipart_feed(struct gw_multipart *mp, const char *data, size_t len)
{
    if (mp->state == MULTIPART_DONE)
        return OC_OK;
    if (mp->len + len > mp->cap) {
        size_t cap = mp->cap;
        char *bigger;

        while (cap < mp->len + len)
            cap *= 2;
        bigger = realloc(mp->buf, cap);
        if (bigger == NULL)
            return OC_ERR_NOMEM;
        mp->buf = bigger;
        mp->cap = cap;
    }
    memcpy(mp->buf + mp->len, data, len);
    mp->len += len;
    return multipart_run(mp);
}

enum oc_status gw_multipart_finish(struct gw_multipart *mp)
{
    if (mp->state != MULTIPART_DONE)
        return multipart_fail(mp, "the body ended before the closing boundary");
    return OC_OK;
}
