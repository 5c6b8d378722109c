/*
 * Unit tests for streams.c: the platform's JetStream streams are the ones
 * docs/messages.md lists, with settings JetStream accepts (exact subjects,
 * no subject in two streams, a duplicate window no longer than the maximum
 * age) and duplicate windows long enough for the redeliveries the services
 * rely on.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "oc/streams.h"

/* The dialer's ack wait on JOBS (services/dialer/jobs.c): how long a job
 * taken by a copy that died stays out before the server hands it out again. */
#define DIALER_ACK_WAIT_S 30
/* The scheduler's default job lifetime (SCHEDULER_JOB_TTL_S). */
#define SCHEDULER_JOB_TTL_S 120

static bool has_subject(const struct oc_stream_config *s, const char *subject)
{
    for (size_t i = 0; i < s->n_subjects; i++)
        if (strcmp(s->subjects[i], subject) == 0)
            return true;
    return false;
}

Test(streams, the_four_streams_of_the_messages_page_are_defined)
{
    static const struct {
        const char *name;
        const char *subjects[4];
        size_t n;
        bool work_queue;
    } want[] = {
        {OC_STREAM_JOBS, {"jobs.call"}, 1, true},
        {OC_STREAM_CALLS, {"calls.progress", "calls.ended", "calls.status"}, 3, false},
        {OC_STREAM_ANALYSIS, {"analysis.done"}, 1, false},
        {OC_STREAM_LEADS,
         {"leads.added", "leads.updated", "leads.deleted", "dnc.changed"},
         4,
         false},
    };
    cr_assert_eq(oc_streams_count(), sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct oc_stream_config *s = oc_streams_find(want[i].name);
        cr_assert_not_null(s, "%s is not defined", want[i].name);
        cr_assert_str_eq(s->name, want[i].name);
        cr_assert_eq(s->n_subjects, want[i].n, "%s: %zu subjects", s->name, s->n_subjects);
        for (size_t j = 0; j < want[i].n; j++)
            cr_assert(has_subject(s, want[i].subjects[j]), "%s lacks %s", s->name,
                      want[i].subjects[j]);
        cr_assert_eq(s->work_queue, want[i].work_queue, "%s: retention", s->name);
    }
    cr_assert_null(oc_streams_find("JOB"));
    cr_assert_null(oc_streams_find(NULL));
    cr_assert_null(oc_streams_at(oc_streams_count()));
}

Test(streams, subjects_are_exact_and_in_one_stream_only)
{
    for (size_t i = 0; i < oc_streams_count(); i++) {
        const struct oc_stream_config *s = oc_streams_at(i);
        for (size_t j = 0; j < s->n_subjects; j++) {
            /* A wildcard would capture request subjects (calls.> takes calls.get). */
            cr_assert_null(strpbrk(s->subjects[j], "*>"), "%s: %s", s->name, s->subjects[j]);
            for (size_t k = 0; k < oc_streams_count(); k++)
                if (k != i)
                    cr_assert_not(has_subject(oc_streams_at(k), s->subjects[j]),
                                  "%s is in %s and %s", s->subjects[j], s->name,
                                  oc_streams_at(k)->name);
        }
    }
}

Test(streams, duplicate_windows_fit_in_the_maximum_age)
{
    for (size_t i = 0; i < oc_streams_count(); i++) {
        const struct oc_stream_config *s = oc_streams_at(i);
        cr_assert_gt(s->max_age_s, 0, "%s keeps messages forever", s->name);
        cr_assert_gt(s->duplicate_window_s, 0, "%s: no window of its own", s->name);
        /* JetStream refuses a window longer than the age. */
        cr_assert_leq(s->duplicate_window_s, s->max_age_s, "%s", s->name);
    }
}

Test(streams, a_job_sent_again_while_a_dead_copy_held_it_is_still_dropped)
{
    const struct oc_stream_config *jobs = oc_streams_find(OC_STREAM_JOBS);
    /* The job of a copy that died comes back after the ack wait; the
     * scheduler may send its id again up to the job's lifetime. */
    cr_assert_geq(jobs->duplicate_window_s, 2 * (DIALER_ACK_WAIT_S + SCHEDULER_JOB_TTL_S));
    /* The copy that gets the job again may report the attempt's end a
     * second time, an ack wait after the first report. */
    const struct oc_stream_config *calls = oc_streams_find(OC_STREAM_CALLS);
    cr_assert_geq(calls->duplicate_window_s, 2 * DIALER_ACK_WAIT_S);
}
