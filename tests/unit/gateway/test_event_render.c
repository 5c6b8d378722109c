/*
 * From a core event on NATS to its Server-Sent Events frame
 * (event_render.c): the subject names tenant and type, the body is the
 * type's message, and an event whose metadata names another tenant than
 * its subject is shown to nobody.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/gateway/gateway.h"
#include "proto/gateway.pb-c.h"
#include "proto/scheduler.pb-c.h"

#define TENANT "0b7c3f0e-2a44-4a8e-9d4c-5b1f7a0e9c11"
#define OTHER "9f1e2d3c-4b5a-4697-8877-665544332211"

/* Packs msg into a fresh buffer (caller frees). */
static uint8_t *pack(const ProtobufCMessage *msg, size_t *len)
{
    uint8_t *buf;

    *len = protobuf_c_message_get_packed_size(msg);
    buf = malloc(*len + 1);
    cr_assert_not_null(buf);
    protobuf_c_message_pack(msg, buf);
    return buf;
}

static uint8_t *status_changed(const char *tenant, size_t *len)
{
    Ocpb__EventMeta meta = OCPB__EVENT_META__INIT;
    Ocpb__CallStatusChanged ev = OCPB__CALL_STATUS_CHANGED__INIT;

    meta.event_id = "ev-1";
    meta.tenant_id = (char *)tenant;
    meta.occurred_unix_ms = 1795214925816;
    ev.meta = &meta;
    ev.call_id = "c-1";
    ev.from = OCPB__CALL_STATUS__CALL_STATUS_QUEUED;
    ev.to = OCPB__CALL_STATUS__CALL_STATUS_CALLING;
    return pack(&ev.base, len);
}

Test(event_render, a_status_change_becomes_one_frame_with_id_type_and_json)
{
    char tenant[GW_UUID_LEN + 1], *frame;
    size_t len, flen;
    uint8_t *data = status_changed(TENANT, &len);

    cr_assert_eq(
        gw_event_render("evt." TENANT ".call.status_changed", data, len, tenant, &frame, &flen),
        OC_OK);
    cr_assert_str_eq(tenant, TENANT);
    cr_assert_eq(strlen(frame), flen);
    cr_assert_eq(strncmp(frame, "id: ev-1\nevent: call.status_changed\ndata: {", 43), 0, "%s",
                 frame);
    cr_assert(strstr(frame, "\"call_id\":\"c-1\"") != NULL, "%s", frame);
    cr_assert(strstr(frame, "\"from\":\"queued\",\"to\":\"calling\"") != NULL, "%s", frame);
    /* One data line, then the blank line that ends the event. */
    cr_assert_eq(strchr(frame + 43, '\n'), frame + flen - 2, "%s", frame);
    cr_assert_str_eq(frame + flen - 2, "\n\n");
    free(frame);
    free(data);
}

Test(event_render, an_event_naming_another_tenant_is_shown_to_nobody)
{
    char tenant[GW_UUID_LEN + 1], *frame = NULL;
    size_t len, flen;
    uint8_t *data = status_changed(OTHER, &len);

    cr_assert_eq(
        gw_event_render("evt." TENANT ".call.status_changed", data, len, tenant, &frame, &flen),
        OC_ERR_PERMISSION);
    cr_assert_null(frame);
    free(data);
}

Test(event_render, a_type_this_build_does_not_know_still_goes_out_with_its_meta)
{
    char tenant[GW_UUID_LEN + 1], *frame;
    size_t len, flen;
    uint8_t *data = status_changed(TENANT, &len);

    cr_assert_eq(
        gw_event_render("evt." TENANT ".gadget.appeared", data, len, tenant, &frame, &flen), OC_OK);
    cr_assert_eq(strncmp(frame, "id: ev-1\nevent: gadget.appeared\ndata: {\"meta\":{", 47), 0, "%s",
                 frame);
    cr_assert(strstr(frame, "call_id") == NULL, "%s", frame);
    free(frame);
    free(data);
}

Test(event_render, a_body_that_is_not_protobuf_is_refused)
{
    char tenant[GW_UUID_LEN + 1], *frame = NULL;
    size_t flen;

    cr_assert_eq(gw_event_render("evt." TENANT ".call.status_changed",
                                 (const uint8_t *)"\xff\xff\xff", 3, tenant, &frame, &flen),
                 OC_ERR_INVALID);
    cr_assert_null(frame);
}

Test(event_render, subjects_must_be_evt_tenant_entity_event)
{
    char tenant[GW_UUID_LEN + 1], type[GW_EVENT_TYPE_MAX];

    cr_assert_eq(gw_event_subject("evt." TENANT ".call.turn", tenant, type, sizeof(type)), OC_OK);
    cr_assert_str_eq(tenant, TENANT);
    cr_assert_str_eq(type, "call.turn");
    cr_assert_neq(gw_event_subject("evt." TENANT ".call", tenant, type, sizeof(type)), OC_OK);
    cr_assert_neq(gw_event_subject("evt." TENANT ".call.turn.extra", tenant, type, sizeof(type)),
                  OC_OK);
    cr_assert_neq(gw_event_subject("evt.not-a-uuid.call.turn", tenant, type, sizeof(type)), OC_OK);
    cr_assert_neq(gw_event_subject("calls.status", tenant, type, sizeof(type)), OC_OK);
    cr_assert_neq(gw_event_subject("evt." TENANT "..turn", tenant, type, sizeof(type)), OC_OK);
}

Test(event_render, every_core_event_of_the_contract_has_its_type)
{
    static const char *const types[] = {
        "lead.import_progress",
        "lead.imported",
        "lead.updated",
        "lead.deleted",
        "dnc.added",
        "dnc.removed",
        "assistant.updated",
        "campaign.state_changed",
        "call.status_changed",
        "call.progress",
        "call.turn",
        "call.ended",
        "analysis.done",
        "booking.created",
        "booking.confirmed",
        "booking.canceled",
        "credits.changed",
        "credits.low",
        "ticket.created",
        "ticket.replied",
        "ticket.closed",
        "tenant.created",
        "api_key.created",
        "api_key.revoked",
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const ProtobufCMessageDescriptor *d = gw_event_type(types[i]);

        cr_assert_not_null(d, "%s has no type", types[i]);
        /* Field 1 of every event is its EventMeta. */
        cr_assert_eq(d->fields[0].id, 1, "%s", types[i]);
        cr_assert_str_eq(((const ProtobufCMessageDescriptor *)d->fields[0].descriptor)->name,
                         "ocpb.EventMeta", "%s", types[i]);
    }
    cr_assert_eq(gw_event_type("call.status_changed"), &ocpb__call_status_changed__descriptor);
    cr_assert_null(gw_event_type("nothing.here"));
}
