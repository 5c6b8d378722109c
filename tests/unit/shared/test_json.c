/*
 * Unit tests for json.c: parse errors carry jansson's reason and position,
 * a top level that is not an object and duplicate keys are refused, and
 * every field reader names the field and the problem, leaving its output
 * untouched when it fails or when an optional field is absent.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "oc/json.h"

static json_t *parse(const char *s)
{
    json_t *v = NULL;
    char err[256] = "";

    cr_assert_eq(oc_json_parse_object(s, strlen(s), &v, err, sizeof(err)), OC_OK, "%s", err);
    return v;
}

Test(json, parses_an_object)
{
    json_t *v = parse("{\"email\":\"a@b.c\",\"n\":3}");

    cr_assert(json_is_object(v));
    cr_assert_eq(json_object_size(v), 2);
    json_decref(v);
}

Test(json, malformed_body_names_reason_and_position)
{
    json_t *v = (json_t *)0x1;
    char err[256];

    cr_assert_eq(oc_json_parse_object("x", 1, &v, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "malformed JSON: '[' or '{' expected near 'x' at line 1 column 1");
    cr_assert_eq(v, (json_t *)0x1, "out written on failure");
}

Test(json, truncated_body_reports_line)
{
    json_t *v;
    char err[256];
    const char *body = "{\n  \"a\": 1,\n  \"b\": ";

    cr_assert_eq(oc_json_parse_object(body, strlen(body), &v, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strncmp(err, "malformed JSON: ", 16) == 0, "%s", err);
    cr_assert_not_null(strstr(err, " at line 3 column"), "%s", err);
}

Test(json, only_the_given_length_is_read)
{
    json_t *v;
    char err[256];

    cr_assert_eq(oc_json_parse_object("{}garbage", 2, &v, err, sizeof(err)), OC_OK);
    json_decref(v);
}

Test(json, empty_body_is_malformed)
{
    json_t *v;
    char err[256];

    cr_assert_eq(oc_json_parse_object(NULL, 0, &v, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strncmp(err, "malformed JSON: ", 16) == 0, "%s", err);
}

Test(json, top_level_must_be_an_object)
{
    json_t *v;
    char err[256];

    cr_assert_eq(oc_json_parse_object("[1,2]", 5, &v, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_not_null(strstr(err, "object"), "%s", err);
}

Test(json, duplicate_keys_are_refused)
{
    json_t *v;
    char err[256];
    const char *body = "{\"role\":\"agent\",\"role\":\"admin\"}";

    cr_assert_eq(oc_json_parse_object(body, strlen(body), &v, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_not_null(strstr(err, "duplicate"), "%s", err);
}

Test(json, reads_a_string)
{
    json_t *v = parse("{\"email\":\"a@b.c\"}");
    const char *s = NULL;
    char err[128];

    cr_assert_eq(oc_json_get_string(v, "email", true, 100, &s, err, sizeof(err)), OC_OK);
    cr_assert_str_eq(s, "a@b.c");
    json_decref(v);
}

Test(json, string_of_wrong_type_names_the_field)
{
    json_t *v = parse("{\"email\":5}");
    const char *s = "untouched";
    char err[128];

    cr_assert_eq(oc_json_get_string(v, "email", true, 100, &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"email\" must be a string");
    cr_assert_str_eq(s, "untouched");
    json_decref(v);
}

Test(json, missing_required_field_names_the_field)
{
    json_t *v = parse("{\"name\":\"x\"}");
    const char *s;
    long long n;
    bool b;
    char err[128];

    cr_assert_eq(oc_json_get_string(v, "email", true, 100, &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"email\" is required");
    cr_assert_eq(oc_json_get_int(v, "limit", true, 0, 10, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"limit\" is required");
    cr_assert_eq(oc_json_get_bool(v, "active", true, &b, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"active\" is required");
    json_decref(v);
}

Test(json, optional_absent_or_null_leaves_output_untouched)
{
    json_t *v = parse("{\"email\":null}");
    const char *s = "keep";
    long long n = 7;
    bool b = true;
    char err[128];

    cr_assert_eq(oc_json_get_string(v, "email", false, 100, &s, err, sizeof(err)), OC_OK);
    cr_assert_str_eq(s, "keep");
    cr_assert_eq(oc_json_get_int(v, "limit", false, 0, 10, &n, err, sizeof(err)), OC_OK);
    cr_assert_eq(n, 7);
    cr_assert_eq(oc_json_get_bool(v, "active", false, &b, err, sizeof(err)), OC_OK);
    cr_assert(b);
    json_decref(v);
}

Test(json, string_length_counts_characters)
{
    json_t *v = parse("{\"name\":\"\xc3\xb1\xc3\xb1\xc3\xb1\"}");
    const char *s;
    char err[128];

    cr_assert_eq(oc_json_get_string(v, "name", true, 3, &s, err, sizeof(err)), OC_OK);
    cr_assert_eq(oc_json_get_string(v, "name", true, 2, &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"name\" must be at most 2 characters");
    json_decref(v);
}

Test(json, nul_escape_is_malformed)
{
    json_t *v;
    char err[256];
    const char *body = "{\"name\":\"ab\\u0000cd\"}";

    cr_assert_eq(oc_json_parse_object(body, strlen(body), &v, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert(strncmp(err, "malformed JSON: ", 16) == 0, "%s", err);
}

Test(json, string_with_nul_is_refused)
{
    /* Parsed bodies cannot hold one (above), but objects built in code can. */
    json_t *v = json_object();
    const char *s = "untouched";
    char err[128];

    json_object_set_new(v, "name", json_stringn("ab\0cd", 5));
    cr_assert_eq(oc_json_get_string(v, "name", true, 0, &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"name\" must not contain NUL characters");
    cr_assert_str_eq(s, "untouched");
    json_decref(v);
}

Test(json, reads_an_int_in_range)
{
    json_t *v = parse("{\"limit\":50,\"big\":9007199254740993}");
    long long n = 0;
    char err[128];

    cr_assert_eq(oc_json_get_int(v, "limit", true, 1, 100, &n, err, sizeof(err)), OC_OK);
    cr_assert_eq(n, 50);
    cr_assert_eq(oc_json_get_int(v, "big", true, 0, 9223372036854775807LL, &n, err, sizeof(err)),
                 OC_OK);
    cr_assert_eq(n, 9007199254740993LL);
    json_decref(v);
}

Test(json, int_errors_name_the_field)
{
    json_t *v = parse("{\"limit\":500,\"page\":\"2\",\"ratio\":1.5}");
    long long n = 9;
    char err[128];

    cr_assert_eq(oc_json_get_int(v, "limit", true, 1, 100, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"limit\" must be from 1 to 100");
    cr_assert_eq(oc_json_get_int(v, "page", true, 1, 100, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"page\" must be an integer");
    cr_assert_eq(oc_json_get_int(v, "ratio", true, 0, 100, &n, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"ratio\" must be an integer");
    cr_assert_eq(n, 9);
    json_decref(v);
}

Test(json, reads_a_bool)
{
    json_t *v = parse("{\"on\":true,\"off\":false,\"bad\":\"yes\"}");
    bool b = false;
    char err[128];

    cr_assert_eq(oc_json_get_bool(v, "on", true, &b, err, sizeof(err)), OC_OK);
    cr_assert(b);
    cr_assert_eq(oc_json_get_bool(v, "off", true, &b, err, sizeof(err)), OC_OK);
    cr_assert(!b);
    cr_assert_eq(oc_json_get_bool(v, "bad", true, &b, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_str_eq(err, "field \"bad\" must be true or false");
    json_decref(v);
}

Test(json, errors_fit_small_buffers)
{
    json_t *v = parse("{}");
    const char *s;
    char err[8];

    cr_assert_eq(oc_json_get_string(v, "email", true, 0, &s, err, sizeof(err)), OC_ERR_INVALID);
    cr_assert_eq(strlen(err), 7);
    cr_assert_eq(oc_json_get_string(v, "email", true, 0, &s, NULL, 0), OC_ERR_INVALID);
    json_decref(v);
}

Test(json, dump_is_compact)
{
    json_t *v = json_pack("{s:s, s:i}", "a", "x", "b", 2);
    char *s = oc_json_dump(v);

    cr_assert_not_null(s);
    cr_assert(strcmp(s, "{\"a\":\"x\",\"b\":2}") == 0 || strcmp(s, "{\"b\":2,\"a\":\"x\"}") == 0,
              "%s", s);
    free(s);
    json_decref(v);
    v = json_string("hi");
    s = oc_json_dump(v);
    cr_assert_str_eq(s, "\"hi\"", "a bare value can be dumped too");
    free(s);
    json_decref(v);
    cr_assert_null(oc_json_dump(NULL));
}
