/*
 * The platform's JetStream streams (docs/messages.md, "Streams"), defined
 * in one place: name, subjects, retention, maximum age and duplicate
 * window. Every service that publishes to or consumes from one of them
 * calls oc_streams_ensure() at start, so the streams have these settings
 * whichever service started first, and a definition changed here reaches a
 * running deployment at the next start of any of them.
 */
#ifndef OC_STREAMS_H
#define OC_STREAMS_H

#include "oc/bus.h"

#define OC_STREAM_JOBS "JOBS"         /* jobs.call: the work queue of call jobs */
#define OC_STREAM_CALLS "CALLS"       /* calls.progress, calls.ended, calls.status */
#define OC_STREAM_ANALYSIS "ANALYSIS" /* analysis.done */
#define OC_STREAM_LEADS "LEADS"       /* leads.added, leads.updated, leads.deleted, dnc.changed */

/**
 * The definition of the platform stream called name, or NULL when there is
 * none. Static: borrowed for the life of the process.
 */
const struct oc_stream_config *oc_streams_find(const char *name);

/** The number of platform streams, and the i-th one (borrowed, static). */
size_t oc_streams_count(void);
const struct oc_stream_config *oc_streams_at(size_t i);

/**
 * Makes the platform stream called name exist with its definition: creates
 * it, or updates an existing one whose subjects, maximum age or duplicate
 * window differ (logged). OC_ERR_INVALID for a name that is not a platform
 * stream; OC_ERR_CONFLICT when an existing stream has another retention
 * (JetStream cannot change it: the log says so).
 */
enum oc_status oc_streams_ensure(struct oc_bus *bus, const char *name);

#endif
