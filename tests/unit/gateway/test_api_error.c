/*
 * The one error shape every gateway error has:
 *   {"error":{"code":"...","message":"..."}}
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>

#include "../../../services/gateway/gateway.h"

/* Parses body and checks it is exactly {"error":{"code":code,"message":message}}. */
static void assert_shape(char *body, const char *code, const char *message)
{
    json_error_t jerr;
    json_t *v, *err;

    cr_assert_not_null(body);
    v = json_loads(body, 0, &jerr);
    cr_assert_not_null(v, "not JSON: %s (%s)", body, jerr.text);
    cr_assert_eq(json_object_size(v), 1, "%s", body);
    err = json_object_get(v, "error");
    cr_assert(json_is_object(err), "%s", body);
    cr_assert_eq(json_object_size(err), 2, "%s", body);
    cr_assert_str_eq(json_string_value(json_object_get(err, "code")), code);
    cr_assert_str_eq(json_string_value(json_object_get(err, "message")), message);
    json_decref(v);
    free(body);
}

Test(api_error, body_carries_the_status_code_and_the_message)
{
    assert_shape(gw_error_body(OC_ERR_NOT_FOUND, NULL, "no API key with id \"x\""),
                 oc_status_code(OC_ERR_NOT_FOUND), "no API key with id \"x\"");
}

Test(api_error, empty_message_falls_back_to_the_status_text)
{
    assert_shape(gw_error_body(OC_ERR_INTERNAL, NULL, ""), oc_status_code(OC_ERR_INTERNAL),
                 oc_status_text(OC_ERR_INTERNAL));
    assert_shape(gw_error_body(OC_ERR_UNAVAILABLE, NULL, NULL), oc_status_code(OC_ERR_UNAVAILABLE),
                 oc_status_text(OC_ERR_UNAVAILABLE));
}

Test(api_error, code_can_be_overridden)
{
    assert_shape(gw_error_body(OC_ERR_UNAUTHENTICATED, "invalid_credentials", "wrong password"),
                 "invalid_credentials", "wrong password");
}

Test(api_error, message_that_is_not_utf8_still_gives_a_well_formed_error)
{
    assert_shape(gw_error_body(OC_ERR_NOT_FOUND, NULL, "no key \"\xff\xfe\""),
                 oc_status_code(OC_ERR_NOT_FOUND), oc_status_text(OC_ERR_NOT_FOUND));
}

Test(api_error, quotes_and_control_characters_are_escaped)
{
    assert_shape(gw_error_body(OC_ERR_INVALID, NULL, "bad \"x\"\n\t\\"),
                 oc_status_code(OC_ERR_INVALID), "bad \"x\"\n\t\\");
}

Test(api_error, statuses_map_to_the_http_codes_clients_expect)
{
    cr_assert_eq(gw_error_http(OC_ERR_INVALID), 400);
    cr_assert_eq(gw_error_http(OC_ERR_UNAUTHENTICATED), 401);
    cr_assert_eq(gw_error_http(OC_ERR_NOT_FOUND), 404);
    cr_assert_eq(gw_error_http(OC_ERR_CONFLICT), 409);
    cr_assert_eq(gw_error_http(OC_ERR_TOO_LARGE), 413);
    cr_assert_eq(gw_error_http(OC_ERR_RATE_LIMITED), 429);
    cr_assert_eq(gw_error_http(OC_ERR_UNAVAILABLE), 503);
}
