/*
 * The gateway's routing: which handler a method and path reach, and the
 * 404 / 405 distinction, checked on the real route table.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

static enum gw_route_result match(const char *method, const char *path, struct gw_route_match *m)
{
    return gw_route_match(gateway_routes, gateway_routes_count, method, path, m);
}

Test(route, signup_post_reaches_its_handler)
{
    struct gw_route_match m;

    cr_assert_eq(match("POST", "/v1/auth/signup", &m), GW_ROUTE_FOUND);
    cr_assert_eq(m.route->fn, handle_auth_signup);
    cr_assert_not(m.route->auth, "signup must not need a token");
    cr_assert(m.route->body);
    cr_assert_str_empty(m.param);
}

Test(route, same_path_different_methods_reach_different_handlers)
{
    struct gw_route_match m;

    cr_assert_eq(match("GET", "/v1/api-keys", &m), GW_ROUTE_FOUND);
    cr_assert_eq(m.route->fn, handle_api_key_list);
    cr_assert_eq(match("POST", "/v1/api-keys", &m), GW_ROUTE_FOUND);
    cr_assert_eq(m.route->fn, handle_api_key_create);
}

Test(route, api_key_delete_captures_the_id)
{
    struct gw_route_match m;

    cr_assert_eq(match("DELETE", "/v1/api-keys/0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c11", &m),
                 GW_ROUTE_FOUND);
    cr_assert_eq(m.route->fn, handle_api_key_delete);
    cr_assert(m.route->auth);
    cr_assert_str_eq(m.param, "0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c11");
}

Test(route, every_v1_route_but_signup_and_login_needs_auth)
{
    for (size_t i = 0; i < gateway_routes_count; i++) {
        const struct gw_route *r = &gateway_routes[i];
        bool open = strcmp(r->pattern, "/v1/auth/signup") == 0 ||
                    strcmp(r->pattern, "/v1/auth/login") == 0 ||
                    strncmp(r->pattern, "/v1/", 4) != 0;

        cr_assert_eq(r->auth, !open, "%s %s: auth is %d", r->method, r->pattern, r->auth);
    }
}

Test(route, unknown_path_is_not_found)
{
    struct gw_route_match m;

    cr_assert_eq(match("GET", "/v1/nope", &m), GW_ROUTE_NOT_FOUND);
    cr_assert_eq(match("GET", "/", &m), GW_ROUTE_NOT_FOUND);
    cr_assert_eq(match("GET", "", &m), GW_ROUTE_NOT_FOUND);
    cr_assert_null(m.route);
}

Test(route, trailing_slash_and_extra_segments_are_not_found)
{
    struct gw_route_match m;

    cr_assert_eq(match("GET", "/v1/me/", &m), GW_ROUTE_NOT_FOUND);
    cr_assert_eq(match("DELETE", "/v1/api-keys/", &m), GW_ROUTE_NOT_FOUND);
    cr_assert_eq(match("DELETE", "/v1/api-keys/a/b", &m), GW_ROUTE_NOT_FOUND);
    cr_assert_eq(match("GET", "/v1/mex", &m), GW_ROUTE_NOT_FOUND);
}

Test(route, wrong_method_on_known_path_lists_the_allowed_ones)
{
    struct gw_route_match m;

    cr_assert_eq(match("PUT", "/v1/api-keys", &m), GW_ROUTE_BAD_METHOD);
    cr_assert_null(m.route);
    cr_assert(strstr(m.allow, "GET") != NULL, "allow: %s", m.allow);
    cr_assert(strstr(m.allow, "POST") != NULL, "allow: %s", m.allow);
    cr_assert_eq(match("GET", "/v1/auth/login", &m), GW_ROUTE_BAD_METHOD);
    cr_assert_str_eq(m.allow, "POST");
}

Test(route, method_names_are_case_sensitive)
{
    struct gw_route_match m;

    cr_assert_eq(match("get", "/v1/me", &m), GW_ROUTE_BAD_METHOD);
}

Test(route, parameter_longer_than_any_id_is_not_found)
{
    struct gw_route_match m;
    char path[256];

    snprintf(path, sizeof(path), "/v1/api-keys/%0*d", GW_PARAM_MAX + 1, 0);
    cr_assert_eq(match("DELETE", path, &m), GW_ROUTE_NOT_FOUND);
}

Test(route, uuid_syntax)
{
    cr_assert(gw_uuid_valid("0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c11"));
    cr_assert(gw_uuid_valid("0B7C3F0E-2A44-4A8E-9D4C-5B1F7A0E9C11"));
    cr_assert_not(gw_uuid_valid("0b7c3f0e2a444a8e9d4c5b1f7a0e9c11"));
    cr_assert_not(gw_uuid_valid("0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c1"));
    cr_assert_not(gw_uuid_valid("0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c1g"));
    cr_assert_not(gw_uuid_valid("' OR 1=1 --"));
    cr_assert_not(gw_uuid_valid(""));
    cr_assert_not(gw_uuid_valid(NULL));
}
