/*
 * From a core event on NATS to the Server-Sent Events frame a dashboard
 * reads. The subject evt.<tenant>.<entity>.<event> names the tenant (the
 * only one whose streams may see it) and the type; docs/messages.md gives
 * the message each type carries, and the table below mirrors it. The frame
 * is
 *   id: <EventMeta.event_id>
 *   event: <entity>.<event>
 *   data: <the message as JSON, one line>
 * followed by a blank line. A type this build does not know still goes out,
 * with only its EventMeta (every event carries it as field 1), so a new
 * event never waits for a gateway release to reach the stream. Pure: no
 * I/O, so unit tests check frames byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "proto/analyzer.pb-c.h"
#include "proto/assistants.pb-c.h"
#include "proto/billing.pb-c.h"
#include "proto/calendar.pb-c.h"
#include "proto/dialer.pb-c.h"
#include "proto/gateway.pb-c.h"
#include "proto/leads.pb-c.h"
#include "proto/media.pb-c.h"
#include "proto/scheduler.pb-c.h"
#include "proto/tickets.pb-c.h"

/* The event types of docs/messages.md, "Core events". */
static const struct {
    const char *type;
    const ProtobufCMessageDescriptor *desc;
} event_types[] = {
    {"lead.import_progress", &ocpb__import_job_updated__descriptor},
    {"lead.imported", &ocpb__import_job_updated__descriptor},
    {"lead.updated", &ocpb__lead_updated__descriptor},
    {"lead.deleted", &ocpb__lead_deleted__descriptor},
    {"dnc.added", &ocpb__dnc_changed__descriptor},
    {"dnc.removed", &ocpb__dnc_changed__descriptor},
    {"assistant.updated", &ocpb__assistant_updated__descriptor},
    {"campaign.state_changed", &ocpb__campaign_state_changed__descriptor},
    {"call.status_changed", &ocpb__call_status_changed__descriptor},
    {"call.progress", &ocpb__call_progress__descriptor},
    {"call.turn", &ocpb__transcript_turn_added__descriptor},
    {"call.ended", &ocpb__call_ended__descriptor},
    {"analysis.done", &ocpb__analysis_done__descriptor},
    {"booking.created", &ocpb__booking_changed__descriptor},
    {"booking.confirmed", &ocpb__booking_changed__descriptor},
    {"booking.canceled", &ocpb__booking_changed__descriptor},
    {"credits.changed", &ocpb__balance_changed__descriptor},
    {"credits.low", &ocpb__balance_changed__descriptor},
    {"ticket.created", &ocpb__ticket_changed__descriptor},
    {"ticket.replied", &ocpb__ticket_changed__descriptor},
    {"ticket.closed", &ocpb__ticket_changed__descriptor},
    {"tenant.created", &ocpb__tenant_created__descriptor},
    {"api_key.created", &ocpb__api_key_changed__descriptor},
    {"api_key.revoked", &ocpb__api_key_changed__descriptor},
};

const ProtobufCMessageDescriptor *gw_event_type(const char *type)
{
    for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++) {
        if (strcmp(event_types[i].type, type) == 0)
            return event_types[i].desc;
    }
    return NULL;
}

/* A subject token: non-empty, no dot, and plain enough for an SSE line. */
static bool event_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= ' ' || c == 0x7f || c == '.' || c == ':')
            return false;
    }
    return true;
}

enum oc_status gw_event_subject(const char *subject, char tenant[GW_UUID_LEN + 1], char *type,
                                size_t typelen)
{
    const char *t, *entity, *event;
    size_t tlen, elen, vlen;

    if (strncmp(subject, "evt.", 4) != 0)
        return OC_ERR_INVALID;
    t = subject + 4;
    tlen = strcspn(t, ".");
    if (t[tlen] != '.')
        return OC_ERR_INVALID;
    entity = t + tlen + 1;
    elen = strcspn(entity, ".");
    if (entity[elen] != '.')
        return OC_ERR_INVALID;
    event = entity + elen + 1;
    vlen = strlen(event);
    if (tlen != GW_UUID_LEN || !event_token(entity, elen) || !event_token(event, vlen) ||
        elen + vlen + 2 > typelen)
        return OC_ERR_INVALID;
    memcpy(tenant, t, GW_UUID_LEN);
    tenant[GW_UUID_LEN] = '\0';
    if (!gw_uuid_valid(tenant))
        return OC_ERR_INVALID;
    snprintf(type, typelen, "%.*s.%s", (int)elen, entity, event);
    return OC_OK;
}

/* The event id, when it can stand on an SSE "id:" line. */
static bool event_id_ok(const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > 128)
        return false;
    for (const char *p = id; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\0')
            return false;
    }
    return true;
}

enum oc_status gw_event_render(const char *subject, const uint8_t *data, size_t len,
                               char tenant[GW_UUID_LEN + 1], char **frame, size_t *frame_len)
{
    char type[GW_EVENT_TYPE_MAX];
    const ProtobufCMessageDescriptor *desc;
    ProtobufCMessage *msg = NULL;
    Ocpb__EventHeader *head = NULL;
    const Ocpb__EventMeta *meta;
    json_t *json = NULL;
    char *text = NULL, *out = NULL;
    enum oc_status s;
    int n;

    s = gw_event_subject(subject, tenant, type, sizeof(type));
    if (s != OC_OK)
        return s;
    desc = gw_event_type(type);
    if (desc == NULL)
        desc = &ocpb__event_header__descriptor;
    msg = protobuf_c_message_unpack(desc, NULL, len, data);
    if (msg == NULL)
        return OC_ERR_INVALID;
    /* Field 1 of every event is its EventMeta: read it the same way for all. */
    head = ocpb__event_header__unpack(NULL, len, data);
    if (head == NULL) {
        s = OC_ERR_INVALID;
        goto out;
    }
    meta = head->meta;
    /* The subject decides who sees an event; an event whose own metadata
     * names someone else is a publisher's bug, and is not shown to either. */
    if (meta != NULL && meta->tenant_id[0] != '\0' && strcmp(meta->tenant_id, tenant) != 0) {
        s = OC_ERR_PERMISSION;
        goto out;
    }

    json = pbjson_render(msg);
    text = json != NULL ? pbjson_dump(json) : NULL;
    if (text == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    /* One data line: compact JSON escapes every line break inside strings. */
    if (meta != NULL && event_id_ok(meta->event_id))
        n = snprintf(NULL, 0, "id: %s\nevent: %s\ndata: %s\n\n", meta->event_id, type, text);
    else
        n = snprintf(NULL, 0, "event: %s\ndata: %s\n\n", type, text);
    out = n < 0 ? NULL : malloc((size_t)n + 1);
    if (out == NULL) {
        s = OC_ERR_NOMEM;
        goto out;
    }
    if (meta != NULL && event_id_ok(meta->event_id))
        snprintf(out, (size_t)n + 1, "id: %s\nevent: %s\ndata: %s\n\n", meta->event_id, type, text);
    else
        snprintf(out, (size_t)n + 1, "event: %s\ndata: %s\n\n", type, text);
    *frame = out;
    *frame_len = (size_t)n;
    s = OC_OK;
out:
    free(text);
    json_decref(json);
    if (head != NULL)
        ocpb__event_header__free_unpacked(head, NULL);
    protobuf_c_message_free_unpacked(msg, NULL);
    return s;
}
