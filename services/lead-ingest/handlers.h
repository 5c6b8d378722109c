/*
 * The NATS handlers of lead-ingest, by entity (imports.c, leads.c, dnc.c),
 * and what they share (handlers.c): the service state, the tenant of the
 * request, the acting user for audit trails, the campaign's defaults.
 * Every handler works in the request's arena and answers a status with a
 * sentence a user can act on.
 */
#ifndef LEAD_INGEST_HANDLERS_H
#define LEAD_INGEST_HANDLERS_H

#include <stdbool.h>

#include "lead-ingest.h"
#include "lead_tz.h"
#include "oc/bus.h"
#include "proto/leads.pb-c.h"

/** The service state behind a request. */
struct lead_ingest *handler_state(struct oc_request *req);

/** The request's tenant; OC_ERR_INVALID (message set) when it names none. */
enum oc_status handler_tenant(struct oc_request *req, const char **tenant);

/** Who acts, for audit trails: the user, else the API key, else "api". Never NULL. */
const char *handler_actor(struct oc_request *req);

/**
 * The region and time zone for reading a campaign's numbers: those given
 * (checked), else the campaign's (campaigns.get on the scheduler), else for
 * the zone the region's main one. Fails with a message when the region
 * cannot be known or is not a country.
 */
enum oc_status handler_campaign_defaults(struct oc_request *req, const char *tenant,
                                         const char *campaign_id, const char *region_in,
                                         const char *tz_in, char region[4], char tz[LEAD_TZ_MAX]);

/**
 * The E.164 form of phone, read with region (may be empty), valid or not
 * (phone_normalize: the do-not-call list and erasure take any number); a
 * message in req when it is no number at all.
 */
enum oc_status handler_phone(struct oc_request *req, const char *phone, const char *region,
                             char e164[20]);

/** A PageInfo with next ("" at the end). */
Ocpb__PageInfo *handler_page(struct oc_request *req, const char *next);

/* imports.c */
enum oc_status handle_lead_import(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_import_get(struct oc_request *req, const ProtobufCMessage *in,
                                 ProtobufCMessage **out);
enum oc_status handle_import_list(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_import_rejected(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out);

/* leads.c */
enum oc_status handle_lead_create(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_lead_get(struct oc_request *req, const ProtobufCMessage *in,
                               ProtobufCMessage **out);
enum oc_status handle_lead_list(struct oc_request *req, const ProtobufCMessage *in,
                                ProtobufCMessage **out);
enum oc_status handle_lead_update(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_lead_delete(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);
enum oc_status handle_lead_erase(struct oc_request *req, const ProtobufCMessage *in,
                                 ProtobufCMessage **out);

/* dnc.c */
enum oc_status handle_dnc_add(struct oc_request *req, const ProtobufCMessage *in,
                              ProtobufCMessage **out);
enum oc_status handle_dnc_remove(struct oc_request *req, const ProtobufCMessage *in,
                                 ProtobufCMessage **out);
enum oc_status handle_dnc_list(struct oc_request *req, const ProtobufCMessage *in,
                               ProtobufCMessage **out);
enum oc_status handle_dnc_check(struct oc_request *req, const ProtobufCMessage *in,
                                ProtobufCMessage **out);
enum oc_status handle_dnc_check_batch(struct oc_request *req, const ProtobufCMessage *in,
                                      ProtobufCMessage **out);
enum oc_status handle_dnc_import(struct oc_request *req, const ProtobufCMessage *in,
                                 ProtobufCMessage **out);
enum oc_status handle_dnc_history(struct oc_request *req, const ProtobufCMessage *in,
                                  ProtobufCMessage **out);

/*
 * Adds a number to the do-not-call list inside the caller's transaction,
 * with everything that goes with it: the audit row, the leads with that
 * number marked do-not-call, and the dnc.changed and leads.updated events in
 * the outbox. *entry and *already as store_dnc_add; the LeadUpdated events
 * for the dashboard go to *updated (n_updated of them) for publishing after
 * the commit. Shared by dnc.add, dnc.import and the analysis consumer.
 */
struct store_dnc_in;
struct oc_db_conn;
enum oc_status dnc_add_in_tx(struct oc_db_conn *c, struct oc_arena *a, const char *tenant,
                             const struct store_dnc_in *in, Ocpb__DncEntry **entry, bool *already,
                             Ocpb__DncChanged **changed, Ocpb__LeadUpdated ***updated,
                             size_t *n_updated);

#endif
