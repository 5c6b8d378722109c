/*
 * The scheduler's NATS handlers, handle_<entity>_<verb>, registered from
 * the one table in handlers.c. campaigns.c serves campaigns.*, calls.c
 * serves calls.*; both work in the request's arena and answer with the
 * stored object (calls.dialable with a verdict on it).
 */
#ifndef SCHEDULER_HANDLERS_H
#define SCHEDULER_HANDLERS_H

#include "oc/bus.h"
#include "scheduler.h"

/** The service's state from a request (the runtime passes itself as req->user). */
struct scheduler *handlers_state(struct oc_request *req);

/**
 * The request's tenant, checked: NULL (and req->error set) when the
 * envelope carries none, so handlers return OC_ERR_INVALID.
 */
const char *handlers_tenant(struct oc_request *req);

enum oc_status handle_campaign_create(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out);
enum oc_status handle_campaign_get(struct oc_request *req, const ProtobufCMessage *in,
                                   ProtobufCMessage **out);
enum oc_status handle_campaign_list(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out);
enum oc_status handle_campaign_update(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out);
enum oc_status handle_campaign_start(struct oc_request *req, const ProtobufCMessage *in,
                                     ProtobufCMessage **out);
enum oc_status handle_campaign_pause(struct oc_request *req, const ProtobufCMessage *in,
                                     ProtobufCMessage **out);
enum oc_status handle_campaign_stop(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out);
enum oc_status handle_campaign_archive(struct oc_request *req, const ProtobufCMessage *in,
                                       ProtobufCMessage **out);

enum oc_status handle_call_get(struct oc_request *req, const ProtobufCMessage *in,
                               ProtobufCMessage **out);
enum oc_status handle_call_list(struct oc_request *req, const ProtobufCMessage *in,
                                ProtobufCMessage **out);
enum oc_status handle_call_create(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_call_cancel(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_call_reschedule(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out);

/** calls.dialable: may the dialer still dial this job (dialable.h)? */
enum oc_status handle_call_dialable(struct oc_request *req, const ProtobufCMessage *in,
                                    ProtobufCMessage **out);

#endif
