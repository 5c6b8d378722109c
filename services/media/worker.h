/*
 * A media worker: one thread that runs many calls. It sleeps in epoll on
 * its calls' RTP sockets, on an absolute periodic timerfd (CLOCK_MONOTONIC,
 * 20 ms) that paces every call's frames, and on an eventfd through which
 * other threads hand it work: a call to adopt (media.allocate), a start or
 * stop (media.<instance>.start/.stop), a finished speech job. Calls are
 * touched only by their worker's thread, so they need no locks.
 */
#ifndef MEDIA_WORKER_H
#define MEDIA_WORKER_H

#include <stdint.h>

#include "call.h"
#include "oc/status.h"

struct media;
struct speech_job;
struct worker;

/** Creates the worker's descriptors; worker_run starts its thread. Caller frees with worker_free.
 */
enum oc_status worker_new(struct worker **out, struct media *m, unsigned index);

enum oc_status worker_run(struct worker *w);

/** Hands c to the worker, which owns it from now on (even when this fails: it frees it). */
enum oc_status worker_adopt(struct worker *w, struct call *c);

/** media.<instance>.start for the call handle. */
enum oc_status worker_begin(struct worker *w, uint64_t handle, const struct call_start *s);

/** media.<instance>.stop for the call handle. */
enum oc_status worker_stop_call(struct worker *w, uint64_t handle, Ocpb__HangupCause cause);

/** Ends every call (the copy is stopping): answered ones are reported and hung up. */
enum oc_status worker_end_all(struct worker *w);

/** Calls the worker holds now (allocated or running). */
unsigned worker_calls(struct worker *w);

/** The speech_done_cb of every job a call submits: hands the job back to its worker. */
void worker_speech_done(struct speech_job *job);

/** Stops the thread and waits for it. The calls stay until worker_free. */
void worker_join(struct worker *w);

/** Frees the calls left (unreported) and the worker. NULL does nothing. */
void worker_free(struct worker *w);

#endif
