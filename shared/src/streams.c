/*
 * The platform's JetStream streams (see oc/streams.h and docs/messages.md).
 * The table below is the only place their settings are written down; the
 * services name a stream and oc_streams_ensure() does the rest through
 * oc_js_apply_stream().
 */
#include "oc/streams.h"

#include <string.h>

#include "oc/log.h"

#define DAY_S (24 * 3600)

static const char *const jobs_subjects[] = {"jobs.call"};
static const char *const calls_subjects[] = {"calls.progress", "calls.ended", "calls.status"};
static const char *const analysis_subjects[] = {"analysis.done"};
static const char *const leads_subjects[] = {"leads.added", "leads.updated", "leads.deleted",
                                             "dnc.changed"};

#define SUBJECTS(a) .subjects = (a), .n_subjects = sizeof(a) / sizeof((a)[0])

static const struct oc_stream_config streams[] = {
    /*
     * Call jobs, each taken by one dialer copy. The scheduler publishes a
     * job with its dispatch id as message id and sends the same id again
     * when a round fails after publishing; the dialer holds a job up to its
     * ack wait (30 s) before the server hands it out again. An hour of
     * de-duplication covers both many times over and the scheduler's job
     * lifetime (SCHEDULER_JOB_TTL_S, 120 s by default); past it the
     * dialer's claim of the attempt still refuses a second dial. A job
     * older than a day is past any lifetime the scheduler gives.
     */
    {.name = OC_STREAM_JOBS,
     SUBJECTS(jobs_subjects),
     .work_queue = true,
     .max_age_s = DAY_S,
     .duplicate_window_s = 3600},
    /*
     * Call progress, ends and status changes, one durable consumer per
     * consuming service. `ended:<dispatch_id>` may come from media and from
     * the dialer (and from a dialer copy that got a job again after the ack
     * wait and found its attempt unfinished): ten minutes of
     * de-duplication keep the first report the only one.
     */
    {.name = OC_STREAM_CALLS,
     SUBJECTS(calls_subjects),
     .max_age_s = 14 * DAY_S,
     .duplicate_window_s = 600},
    {.name = OC_STREAM_ANALYSIS,
     SUBJECTS(analysis_subjects),
     .max_age_s = 14 * DAY_S,
     .duplicate_window_s = 600},
    {.name = OC_STREAM_LEADS,
     SUBJECTS(leads_subjects),
     .max_age_s = 14 * DAY_S,
     .duplicate_window_s = 600},
};

#define N_STREAMS (sizeof(streams) / sizeof(streams[0]))

const struct oc_stream_config *oc_streams_find(const char *name)
{
    for (size_t i = 0; name && i < N_STREAMS; i++)
        if (strcmp(streams[i].name, name) == 0)
            return &streams[i];
    return NULL;
}

size_t oc_streams_count(void)
{
    return N_STREAMS;
}

const struct oc_stream_config *oc_streams_at(size_t i)
{
    return i < N_STREAMS ? &streams[i] : NULL;
}

enum oc_status oc_streams_ensure(struct oc_bus *bus, const char *name)
{
    const struct oc_stream_config *cfg = oc_streams_find(name);
    char changes[256];

    if (!cfg) {
        oc_error("jetstream: %s is not one of the platform's streams", name ? name : "(null)");
        return OC_ERR_INVALID;
    }
    enum oc_status st = oc_js_apply_stream(bus, cfg, changes, sizeof(changes));
    if (st != OC_OK)
        return st;
    if (strcmp(changes, "created") == 0)
        oc_info("jetstream: created stream %s", name);
    else if (changes[0])
        oc_info("jetstream: stream %s brought to its definition: %s", name, changes);
    return OC_OK;
}
