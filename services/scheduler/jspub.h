/*
 * Publishing a batch to JetStream without waiting for each message: every
 * message goes out at once with its message id, then one wait collects the
 * server's acknowledgements and says which were stored. A thousand jobs
 * cost one round trip instead of a thousand. The shared library publishes
 * one message at a time; this batch form is the scheduler's own need.
 *
 * A publisher belongs to one thread at a time (jspub_begin .. jspub_wait).
 */
#ifndef SCHEDULER_JSPUB_H
#define SCHEDULER_JSPUB_H

#include <stdbool.h>
#include <stddef.h>

#include "oc/bus.h"

struct jspub;

/** Creates a publisher on bus (borrowed; it must outlive the publisher). Caller frees. */
enum oc_status jspub_new(struct jspub **out, struct oc_bus *bus);

/** Frees. NULL does nothing. */
void jspub_free(struct jspub *p);

/** Starts a batch of up to max messages (at most 8192 are sent without waiting). */
enum oc_status jspub_begin(struct jspub *p, size_t max);

/**
 * Sends one message of the batch; msg_id is required (the acknowledgement
 * is matched on it). A failure to send is reported by jspub_wait as that
 * message not stored.
 */
void jspub_add(struct jspub *p, const char *subject, const void *data, size_t len,
               const char *msg_id);

/**
 * Waits up to timeout_ms for the batch's acknowledgements and writes to
 * stored[i] whether message i (in jspub_add order) is in the stream (a
 * duplicate counts: it was stored before). Returns the number stored.
 */
size_t jspub_wait(struct jspub *p, int timeout_ms, bool *stored);

#endif
