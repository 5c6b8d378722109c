/*
 * The public API's route table and the thin mappings behind it, checked
 * against the generated descriptors: every route of the API reaches its
 * handler, and every op of resources.c names fields its messages really
 * have, so a renamed proto field fails here rather than as a 500.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"

#define ID "0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c11"

static const struct gw_route *route(const char *method, const char *path)
{
    struct gw_route_match m;

    cr_assert_eq(gw_route_match(gateway_routes, gateway_routes_count, method, path, &m),
                 GW_ROUTE_FOUND, "%s %s is not routed", method, path);
    return m.route;
}

Test(api_routes, every_route_of_the_api_reaches_its_handler)
{
    static const struct {
        const char *method, *path;
        gw_handler_fn fn;
    } want[] = {
        {"POST", "/v1/assistants", handle_assistant_create},
        {"GET", "/v1/assistants", handle_assistant_list},
        {"GET", "/v1/assistants/" ID, handle_assistant_get},
        {"PATCH", "/v1/assistants/" ID, handle_assistant_update},
        {"POST", "/v1/numbers", handle_number_create},
        {"GET", "/v1/numbers", handle_number_list},
        {"GET", "/v1/numbers/" ID, handle_number_get},
        {"POST", "/v1/campaigns", handle_campaign_create},
        {"GET", "/v1/campaigns", handle_campaign_list},
        {"GET", "/v1/campaigns/" ID, handle_campaign_get},
        {"PATCH", "/v1/campaigns/" ID, handle_campaign_update},
        {"POST", "/v1/campaigns/" ID "/start", handle_campaign_start},
        {"POST", "/v1/campaigns/" ID "/pause", handle_campaign_pause},
        {"POST", "/v1/campaigns/" ID "/resume", handle_campaign_start},
        {"POST", "/v1/campaigns/" ID "/stop", handle_campaign_stop},
        {"POST", "/v1/campaigns/" ID "/archive", handle_campaign_archive},
        {"POST", "/v1/campaigns/" ID "/leads", handle_lead_import},
        {"GET", "/v1/leads", handle_lead_list},
        {"GET", "/v1/leads/" ID, handle_lead_get},
        {"PATCH", "/v1/leads/" ID, handle_lead_update},
        {"DELETE", "/v1/leads/" ID, handle_lead_delete},
        {"GET", "/v1/imports", handle_import_list},
        {"GET", "/v1/imports/" ID, handle_import_get},
        {"POST", "/v1/dnc", handle_dnc_add},
        {"GET", "/v1/dnc", handle_dnc_list},
        {"POST", "/v1/dnc/check", handle_dnc_check},
        {"DELETE", "/v1/dnc/+34612345678", handle_dnc_remove},
        {"POST", "/v1/dnc/import", handle_dnc_import},
        {"GET", "/v1/dnc/export", handle_dnc_export},
        {"GET", "/v1/dnc/history", handle_dnc_history},
        {"GET", "/v1/imports/" ID "/rejected.csv", handle_import_rejected_csv},
        {"GET", "/v1/campaigns/" ID "/leads/export", handle_lead_export},
        {"POST", "/v1/calls", handle_call_create},
        {"GET", "/v1/calls", handle_call_list},
        {"GET", "/v1/calls/" ID, handle_call_get},
        {"POST", "/v1/calls/" ID "/cancel", handle_call_cancel},
        {"POST", "/v1/calls/" ID "/reschedule", handle_call_reschedule},
        {"GET", "/v1/credits", handle_credits_get},
        {"GET", "/v1/events", handle_events_stream},
    };

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct gw_route *r = route(want[i].method, want[i].path);

        cr_assert_eq(r->fn, want[i].fn, "%s %s reaches another handler", want[i].method,
                     want[i].path);
        cr_assert(r->auth, "%s %s must need a token", want[i].method, want[i].path);
    }
}

Test(api_routes, a_lead_upload_streams_and_only_the_event_stream_takes_a_query_token)
{
    cr_assert_eq(route("POST", "/v1/campaigns/" ID "/leads")->body, GW_BODY_STREAM);
    cr_assert_eq(route("POST", "/v1/dnc/import")->body, GW_BODY_STREAM);
    cr_assert_eq(route("POST", "/v1/assistants")->body, GW_BODY_JSON);
    cr_assert_eq(route("GET", "/v1/calls")->body, GW_BODY_NONE);
    for (size_t i = 0; i < gateway_routes_count; i++) {
        bool events = strcmp(gateway_routes[i].pattern, "/v1/events") == 0;

        cr_assert_eq(gateway_routes[i].query_token, events, "%s %s", gateway_routes[i].method,
                     gateway_routes[i].pattern);
    }
}

Test(api_routes, the_check_verb_is_not_taken_for_a_phone_number)
{
    struct gw_route_match m;

    cr_assert_eq(gw_route_match(gateway_routes, gateway_routes_count, "GET", "/v1/dnc/check", &m),
                 GW_ROUTE_BAD_METHOD);
    cr_assert(strstr(m.allow, "POST") != NULL, "%s", m.allow);
}

/* The field is a (non-repeated) message field. */
static bool message_field(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(d, name);

    return f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED;
}

static bool string_field(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = pbjson_field(d, name);

    return f != NULL && f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED;
}

Test(api_routes, every_mapping_names_fields_its_messages_have)
{
    cr_assert_gt(gateway_api_ops_count, 20);
    for (size_t i = 0; i < gateway_api_ops_count; i++) {
        const struct gw_api_op *op = gateway_api_ops[i];
        const char *id = op->id_field != NULL ? op->id_field : "id";
        const ProtobufCMessageDescriptor *target = op->request;

        cr_assert_not_null(op->subject);
        cr_assert(strchr(op->subject, '.') != NULL, "%s", op->subject);
        if (op->resource != NULL) {
            cr_assert(message_field(op->reply, op->resource), "%s: %s has no message %s",
                      op->subject, op->reply->name, op->resource);
            /* A request naming the resource takes the same message type. */
            if (pbjson_field(op->request, op->resource) != NULL) {
                cr_assert(message_field(op->request, op->resource), "%s", op->subject);
                cr_assert_eq(pbjson_field(op->request, op->resource)->descriptor,
                             pbjson_field(op->reply, op->resource)->descriptor, "%s", op->subject);
                target = pbjson_field(op->request, op->resource)->descriptor;
            }
        }
        /* Ops on one thing by id take the path's id in a string field. */
        if (op->noun != NULL || op->id_field != NULL)
            cr_assert(string_field(op->request, id) || string_field(target, id),
                      "%s: no string field %s", op->subject, id);
        if (strstr(op->subject, ".update") != NULL) {
            const ProtobufCFieldDescriptor *mask = pbjson_field(op->request, "update_mask");

            cr_assert(mask != NULL && mask->label == PROTOBUF_C_LABEL_REPEATED, "%s", op->subject);
        }
        if (strstr(op->subject, ".list") != NULL) {
            cr_assert(message_field(op->request, "page"), "%s: no page", op->subject);
            cr_assert(message_field(op->reply, "page"), "%s: no page", op->subject);
        }
    }
}
