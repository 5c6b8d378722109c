/*
 * Event metadata, core publishes and the outbox writer (see events.h).
 */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "oc/crypto.h"
#include "oc/log.h"
#include "store.h"

int64_t events_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Ocpb__EventMeta *events_meta(struct oc_arena *a, const char *tenant, const char *request_id)
{
    Ocpb__EventMeta *m = oc_arena_alloc(a, sizeof(*m));
    char *id = oc_arena_alloc(a, 37);
    if (!m || !id || oc_uuid_v4(id) != OC_OK)
        return NULL;
    ocpb__event_meta__init(m);
    m->event_id = id;
    m->tenant_id = oc_arena_strdup(a, tenant);
    m->occurred_unix_ms = events_now_ms();
    m->request_id = oc_arena_strdup(a, request_id ? request_id : "");
    return m->tenant_id && m->request_id ? m : NULL;
}

void events_publish(struct oc_bus *bus, const char *tenant, const char *what,
                    const ProtobufCMessage *msg)
{
    char subject[160];
    if (!bus || !msg)
        return;
    snprintf(subject, sizeof(subject), "evt.%s.%s", tenant, what);
    if (oc_bus_publish(bus, subject, msg) != OC_OK)
        oc_warn("event %s not published", subject);
}

enum oc_status events_queue(struct oc_db_conn *c, const char *tenant, const char *subject,
                            const char *msg_id, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return OC_ERR_NOMEM;
    protobuf_c_message_pack(msg, buf);
    enum oc_status st = store_outbox_add(c, tenant, subject, msg_id, buf, n);
    free(buf);
    return st;
}
