/*
 * Many requests to one subject at once: every request goes out before the
 * first reply is awaited, and the replies come back on one inbox
 * subscription. The dispatcher reserves credit for a whole batch of calls
 * in one round trip this way. Requests and replies are wrapped exactly as
 * oc_bus_call() wraps them (ocpb.Request / ocpb.Reply).
 */
#ifndef SCHEDULER_FANOUT_H
#define SCHEDULER_FANOUT_H

#include <stddef.h>

#include "oc/bus.h"

struct fanout_req {
    const char *tenant_id;       /* in: the envelope's tenant */
    const ProtobufCMessage *msg; /* in: the request body */
    enum oc_status status;       /* out: the remote status, or OC_ERR_UNAVAILABLE / TIMEOUT */
    ProtobufCMessage *reply;     /* out: the decoded body when status is OC_OK */
    char error[160];             /* out: the message with a non-OK status */
};

/**
 * Sends every request to subject and waits up to timeout_ms for all the
 * replies. Each request's own result is in its out fields; replies are
 * allocated with alloc (the caller frees them with it, or it is an arena).
 * Returns OC_OK once the requests went out, or why they could not.
 */
enum oc_status fanout_call(struct oc_bus *bus, const char *subject, struct fanout_req *reqs,
                           size_t n, const ProtobufCMessageDescriptor *reply_desc,
                           ProtobufCAllocator *alloc, int timeout_ms);

#endif
