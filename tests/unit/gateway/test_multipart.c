/*
 * The streaming multipart/form-data reader (multipart.c): the same body fed
 * in every split gives the same parts, a delimiter look-alike inside the
 * data stays data, and malformed bodies are refused with a reason.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

#define MAX_PARTS 8

/* What the callbacks saw. */
struct seen {
    int parts;
    char name[MAX_PARTS][64];
    char filename[MAX_PARTS][64]; /* "(none)" when not a file */
    char type[MAX_PARTS][64];
    char data[MAX_PARTS][4096];
    size_t len[MAX_PARTS];
    int ended;
    bool refuse_data; /* data callback fails */
};

static enum oc_status on_begin(void *user, const struct gw_multipart_part *p)
{
    struct seen *s = user;

    cr_assert_lt(s->parts, MAX_PARTS);
    snprintf(s->name[s->parts], 64, "%s", p->name);
    snprintf(s->filename[s->parts], 64, "%s", p->filename != NULL ? p->filename : "(none)");
    snprintf(s->type[s->parts], 64, "%s", p->content_type != NULL ? p->content_type : "");
    s->parts++;
    return OC_OK;
}

static enum oc_status on_data(void *user, const char *data, size_t len)
{
    struct seen *s = user;
    int i = s->parts - 1;

    if (s->refuse_data)
        return OC_ERR_TOO_LARGE;
    cr_assert_leq(s->len[i] + len, sizeof(s->data[i]));
    memcpy(s->data[i] + s->len[i], data, len);
    s->len[i] += len;
    return OC_OK;
}

static enum oc_status on_end(void *user)
{
    ((struct seen *)user)->ended++;
    return OC_OK;
}

/* Feeds body in pieces of step bytes (0: all at once) and finishes. */
static enum oc_status run(const char *boundary, const char *body, size_t len, size_t step,
                          struct seen *s, char *why, size_t whylen)
{
    struct gw_multipart_cb cb = {on_begin, on_data, on_end, s};
    struct gw_multipart *mp;
    enum oc_status st = OC_OK;

    cr_assert_eq(gw_multipart_new(&mp, boundary, &cb), OC_OK);
    if (step == 0)
        step = len;
    for (size_t off = 0; off < len && st == OC_OK; off += step)
        st = gw_multipart_feed(mp, body + off, len - off < step ? len - off : step);
    if (st == OC_OK)
        st = gw_multipart_finish(mp);
    snprintf(why, whylen, "%s", gw_multipart_error(mp));
    gw_multipart_free(mp);
    return st;
}

static const char form[] =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"default_region\"\r\n"
    "\r\n"
    "ES\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"leads; \\\"q\\\".csv\"\r\n"
    "Content-Type: text/csv\r\n"
    "\r\n"
    "name,phone\r\nAna,612345678\r\n--XyNot a boundary\r\n"
    "\r\n--XyZ--\r\n"
    "epilogue";

Test(multipart, a_form_is_read_the_same_in_every_split)
{
    size_t len = sizeof(form) - 1;
    static const char want[] = "name,phone\r\nAna,612345678\r\n--XyNot a boundary\r\n";

    for (size_t step = 0; step <= len; step++) {
        struct seen s;
        char why[256];

        memset(&s, 0, sizeof(s));
        cr_assert_eq(run("XyZ", form, len, step, &s, why, sizeof(why)), OC_OK, "step %zu: %s", step,
                     why);
        cr_assert_eq(s.parts, 2, "step %zu", step);
        cr_assert_eq(s.ended, 2, "step %zu", step);
        cr_assert_str_eq(s.name[0], "default_region");
        cr_assert_str_eq(s.filename[0], "(none)");
        cr_assert_eq(s.len[0], 2);
        cr_assert_eq(memcmp(s.data[0], "ES", 2), 0);
        cr_assert_str_eq(s.name[1], "file");
        cr_assert_str_eq(s.filename[1], "leads; \"q\".csv");
        cr_assert_str_eq(s.type[1], "text/csv");
        cr_assert_eq(s.len[1], sizeof(want) - 1, "step %zu: %zu bytes", step, s.len[1]);
        cr_assert_eq(memcmp(s.data[1], want, sizeof(want) - 1), 0, "step %zu", step);
    }
}

Test(multipart, a_body_may_open_with_its_first_delimiter)
{
    static const char body[] =
        "--b\r\nContent-Disposition: form-data; name=file; filename=a.csv\r\n"
        "\r\nx\r\n--b--";
    struct seen s;
    char why[256];

    memset(&s, 0, sizeof(s));
    cr_assert_eq(run("b", body, sizeof(body) - 1, 1, &s, why, sizeof(why)), OC_OK, "%s", why);
    cr_assert_eq(s.parts, 1);
    cr_assert_str_eq(s.filename[0], "a.csv");
    cr_assert_eq(s.len[0], 1);
}

Test(multipart, a_part_without_headers_has_no_name)
{
    static const char body[] = "--b\r\n\r\ndata\r\n--b--\r\n";
    struct seen s;
    char why[256];

    memset(&s, 0, sizeof(s));
    cr_assert_eq(run("b", body, sizeof(body) - 1, 0, &s, why, sizeof(why)), OC_OK, "%s", why);
    cr_assert_eq(s.parts, 1);
    cr_assert_str_eq(s.name[0], "");
    cr_assert_eq(s.len[0], 4);
}

Test(multipart, a_body_without_its_closing_delimiter_is_refused)
{
    static const char body[] = "--b\r\nContent-Disposition: form-data; name=file\r\n\r\ndata";
    struct seen s;
    char why[256];

    memset(&s, 0, sizeof(s));
    cr_assert_eq(run("b", body, sizeof(body) - 1, 0, &s, why, sizeof(why)), OC_ERR_INVALID);
    cr_assert(strstr(why, "closing boundary") != NULL, "%s", why);
}

Test(multipart, garbage_after_a_delimiter_is_refused)
{
    static const char body[] = "--b junk\r\n\r\nx\r\n--b--";
    struct seen s;
    char why[256];

    memset(&s, 0, sizeof(s));
    cr_assert_eq(run("b", body, sizeof(body) - 1, 0, &s, why, sizeof(why)), OC_ERR_INVALID);
    cr_assert(strstr(why, "line break") != NULL, "%s", why);
}

Test(multipart, endless_part_headers_are_refused)
{
    char *body = malloc(20000);
    struct seen s;
    char why[256];
    size_t n;

    cr_assert_not_null(body);
    n = (size_t)sprintf(body, "--b\r\nX-Long: ");
    memset(body + n, 'a', 15000);
    n += 15000;
    memset(&s, 0, sizeof(s));
    cr_assert_eq(run("b", body, n, 1000, &s, why, sizeof(why)), OC_ERR_INVALID);
    cr_assert(strstr(why, "too long") != NULL, "%s", why);
    free(body);
}

Test(multipart, a_callback_error_stops_the_reader_with_its_status)
{
    struct seen s;
    char why[256];

    memset(&s, 0, sizeof(s));
    s.refuse_data = true;
    cr_assert_eq(run("XyZ", form, sizeof(form) - 1, 7, &s, why, sizeof(why)), OC_ERR_TOO_LARGE);
}

Test(multipart, the_boundary_comes_from_the_content_type)
{
    char b[80];

    cr_assert_eq(gw_multipart_boundary("multipart/form-data; boundary=----abc123", b, sizeof(b)),
                 OC_OK);
    cr_assert_str_eq(b, "----abc123");
    cr_assert_eq(gw_multipart_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\"", b,
                                       sizeof(b)),
                 OC_OK);
    cr_assert_str_eq(b, "a b;c");
    cr_assert_neq(gw_multipart_boundary("multipart/form-data", b, sizeof(b)), OC_OK);
    cr_assert_neq(gw_multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), OC_OK);
    cr_assert_neq(gw_multipart_boundary("multipart/mixed; boundary=x", b, sizeof(b)), OC_OK);
    cr_assert_neq(gw_multipart_boundary("text/csv", b, sizeof(b)), OC_OK);
    cr_assert_neq(gw_multipart_boundary(NULL, b, sizeof(b)), OC_OK);
    cr_assert_neq(gw_multipart_boundary("multipart/form-data; boundary=0123456789012345678901234567"
                                        "89012345678901234567890123456789012345678901",
                                        b, sizeof(b)),
                  OC_OK);
}
