/*
 * The scheduler's durable consumers: what other services report about
 * calls and leads, applied to the calls it owns. Each message is handled
 * in one transaction and acknowledged only after it committed; handling a
 * message twice changes nothing the first time did not (redelivery is
 * normal), and a report that arrives before the one it follows is asked
 * for again later (nak) or applied through the states it skipped.
 *
 *   calls.progress  (CALLS)     queued -> calling -> in_progress, or failed
 *   calls.ended     (CALLS)     completed / voicemail / failed; an expired
 *                               job waits for its next slot instead
 *   analysis.done   (ANALYSIS)  the result, and the follow-up or retry
 *   leads.added     (LEADS)     copies of the leads and their first calls
 *   leads.updated   (LEADS)     the copy, and the calls still to come
 *   leads.deleted   (LEADS)     cancels the lead's calls; erases when asked
 *   dnc.changed     (LEADS)     added: cancels every call to come to the number
 *
 * The consumers are durable and shared by every copy of the scheduler:
 * "scheduler" on ANALYSIS and LEADS; on CALLS, whose third subject
 * (calls.status) is the scheduler's own output, one per subject it reads
 * ("scheduler-progress", "scheduler-ended"), because the nats-server this
 * project runs takes a single filter subject per consumer.
 */
#ifndef SCHEDULER_CONSUMERS_H
#define SCHEDULER_CONSUMERS_H

#include "scheduler.h"

/** Makes the platform streams the scheduler uses exist with their settings (oc/streams.h). */
enum oc_status consumers_ensure_streams(struct scheduler *st);

/** Starts every consumer (st->consumers). */
enum oc_status consumers_start(struct scheduler *st);

/** Stops them, waiting for the message in hand. */
void consumers_stop(struct scheduler *st);

/* The handlers, for tests and tools that feed messages directly. */
enum oc_status consumers_on_progress(struct scheduler *st, const uint8_t *data, size_t len,
                                     uint64_t delivered);
enum oc_status consumers_on_ended(struct scheduler *st, const uint8_t *data, size_t len,
                                  uint64_t delivered);
enum oc_status consumers_on_analysis(struct scheduler *st, const uint8_t *data, size_t len,
                                     uint64_t delivered);
enum oc_status consumers_on_leads(struct scheduler *st, const char *subject, const uint8_t *data,
                                  size_t len, uint64_t delivered);

#endif
