/*
 * calls.dialable's rule: a job is dialable only while it is the call's
 * current attempt (queued, dispatch committed) or the next one whose
 * dispatch is not committed yet (created or scheduled, due); a final call,
 * a superseded or withdrawn attempt, and a dispatch id that names no
 * attempt of the call are refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../../services/scheduler/dialable.h"

#define CALL_ID "6f1c1a52-7a2e-4d0e-9a55-0c1b8f3e2d10"

static struct dialable_call call(enum call_status status, int seq, bool due)
{
    return (struct dialable_call){.id = CALL_ID, .status = status, .dispatch_seq = seq, .due = due};
}

static struct dialable_verdict decide(struct dialable_call c, const char *dispatch_id)
{
    struct dialable_verdict v;
    memset(&v, 0x5a, sizeof(v)); /* the rule must write every field it returns */
    dialable_decide(&c, dispatch_id, &v);
    cr_assert_lt(strlen(v.reason), sizeof(v.reason));
    cr_assert_gt(strlen(v.reason), 0, "a verdict always says why");
    return v;
}

static const char *attempt(int n)
{
    static char buf[8][64];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, 64, "%s:%d", CALL_ID, n);
    return b;
}

Test(dialable, a_queued_call_is_dialable_for_its_committed_attempt)
{
    struct dialable_verdict v = decide(call(CALL_QUEUED, 1, true), attempt(1));
    cr_assert(v.dialable, "%s", v.reason);
    v = decide(call(CALL_QUEUED, 3, true), attempt(3));
    cr_assert(v.dialable, "%s", v.reason);
    /* Queued is queued whether or not its due time is still in the future. */
    v = decide(call(CALL_QUEUED, 2, false), attempt(2));
    cr_assert(v.dialable, "%s", v.reason);
}

Test(dialable, a_job_that_arrives_before_the_dispatchers_commit_is_dialable)
{
    /* The dispatcher publishes <id>:<seq + 1> and commits queued afterwards:
     * until then the committed row is still created or scheduled. */
    struct dialable_verdict v = decide(call(CALL_CREATED, 0, true), attempt(1));
    cr_assert(v.dialable, "%s", v.reason);
    v = decide(call(CALL_SCHEDULED, 0, true), attempt(1));
    cr_assert(v.dialable, "%s", v.reason);
    /* The second dispatch of a call whose first job expired. */
    v = decide(call(CALL_SCHEDULED, 1, true), attempt(2));
    cr_assert(v.dialable, "%s", v.reason);
}

Test(dialable, every_final_status_refuses_the_job)
{
    const enum call_status finals[] = {CALL_CANCELED, CALL_COMPLETED, CALL_FAILED, CALL_VOICEMAIL};
    for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
        /* Whatever the attempt: the committed one, or one not committed. */
        for (int n = 1; n <= 2; n++) {
            struct dialable_verdict v = decide(call(finals[i], 1, true), attempt(n));
            cr_assert_not(v.dialable, "a %s call, attempt %d", call_status_name(finals[i]), n);
            cr_assert_not_null(strstr(v.reason, call_status_name(finals[i])), "%s", v.reason);
        }
    }
}

Test(dialable, a_call_canceled_before_its_first_commit_is_refused)
{
    /* Canceled while the job of its first dispatch waited (or after a lost
     * round): dispatch_seq may be 0 or 1, the answer is the same. */
    struct dialable_call c = call(CALL_CANCELED, 0, true);
    c.status_reason = "on the do-not-call list";
    struct dialable_verdict v = decide(c, attempt(1));
    cr_assert_not(v.dialable);
    cr_assert_str_eq(v.reason, "the call is canceled: on the do-not-call list");
    v = decide(call(CALL_CANCELED, 1, true), attempt(1));
    cr_assert_not(v.dialable);
    cr_assert_str_eq(v.reason, "the call is canceled");
}

Test(dialable, a_superseded_attempt_is_refused)
{
    struct dialable_verdict v = decide(call(CALL_QUEUED, 2, true), attempt(1));
    cr_assert_not(v.dialable, "an older job of a call dispatched again");
    v = decide(call(CALL_SCHEDULED, 3, true), attempt(1));
    cr_assert_not(v.dialable);
    v = decide(call(CALL_CREATED, 2, true), attempt(2));
    cr_assert_not(v.dialable, "dispatch 2 was committed and then withdrawn");
}

Test(dialable, a_call_moved_back_to_scheduled_refuses_its_old_job)
{
    /* Rescheduled while queued, or its job expired: dispatch_seq keeps the
     * old attempt but the call no longer waits for it. */
    struct dialable_verdict v = decide(call(CALL_SCHEDULED, 1, true), attempt(1));
    cr_assert_not(v.dialable, "%s", v.reason);
    v = decide(call(CALL_SCHEDULED, 1, false), attempt(1));
    cr_assert_not(v.dialable, "%s", v.reason);
}

Test(dialable, a_next_attempt_for_a_call_not_due_is_refused)
{
    /* A round published <id>:1 and never committed; the call was then moved
     * to a later time: that job is not the call's any more. */
    struct dialable_verdict v = decide(call(CALL_SCHEDULED, 0, false), attempt(1));
    cr_assert_not(v.dialable, "%s", v.reason);
    v = decide(call(CALL_CREATED, 0, false), attempt(1));
    cr_assert_not(v.dialable, "%s", v.reason);
}

Test(dialable, an_attempt_already_being_placed_is_not_dialled_again)
{
    struct dialable_verdict v = decide(call(CALL_CALLING, 1, true), attempt(1));
    cr_assert_not(v.dialable, "%s", v.reason);
    v = decide(call(CALL_IN_PROGRESS, 1, true), attempt(1));
    cr_assert_not(v.dialable, "%s", v.reason);
    /* A live call is never due for another dispatch. */
    v = decide(call(CALL_QUEUED, 1, true), attempt(2));
    cr_assert_not(v.dialable, "%s", v.reason);
    v = decide(call(CALL_CALLING, 1, true), attempt(2));
    cr_assert_not(v.dialable, "%s", v.reason);
}

Test(dialable, an_attempt_never_dispatched_is_refused)
{
    struct dialable_verdict v = decide(call(CALL_CREATED, 0, true), attempt(2));
    cr_assert_not(v.dialable, "%s", v.reason);
    v = decide(call(CALL_QUEUED, 1, true), attempt(5));
    cr_assert_not(v.dialable, "%s", v.reason);
}

Test(dialable, a_dispatch_id_of_another_call_or_of_no_attempt_is_refused)
{
    const char *bad[] = {
        "",
        CALL_ID,
        CALL_ID ":",
        CALL_ID ":0",
        CALL_ID ":01",
        CALL_ID ":-1",
        CALL_ID ":+1",
        CALL_ID ":1x",
        CALL_ID ":1:1",
        CALL_ID ":99999999999",
        "7f1c1a52-7a2e-4d0e-9a55-0c1b8f3e2d10:1",
        "6f1c1a52-7a2e-4d0e-9a55-0c1b8f3e2d1:1",
        "x" CALL_ID ":1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int seq = -7;
        cr_assert_not(dialable_parse_dispatch(CALL_ID, bad[i], &seq), "\"%s\" parsed", bad[i]);
        cr_assert_eq(seq, -7, "*seq written on failure for \"%s\"", bad[i]);
        struct dialable_verdict v = decide(call(CALL_QUEUED, 1, true), bad[i]);
        cr_assert_not(v.dialable, "\"%s\" was dialable", bad[i]);
    }
    struct dialable_verdict v = decide(call(CALL_QUEUED, 1, true), NULL);
    cr_assert_not(v.dialable);
}

Test(dialable, dispatch_ids_parse_to_their_attempt)
{
    int seq = 0;
    cr_assert(dialable_parse_dispatch(CALL_ID, CALL_ID ":1", &seq));
    cr_assert_eq(seq, 1);
    cr_assert(dialable_parse_dispatch(CALL_ID, CALL_ID ":42", &seq));
    cr_assert_eq(seq, 42);
    cr_assert(dialable_parse_dispatch(CALL_ID, CALL_ID ":1000000000", &seq));
    cr_assert_eq(seq, 1000000000);
    cr_assert_not(dialable_parse_dispatch(NULL, CALL_ID ":1", &seq));
    cr_assert_not(dialable_parse_dispatch(CALL_ID, NULL, &seq));
}

Test(dialable, no_legitimate_job_is_ever_refused)
{
    /* Every state a job of dispatch n can meet before anything else
     * happened to its call: the round in flight or lost (created or
     * scheduled, seq = n - 1, due), and the round committed (queued,
     * seq = n). */
    for (int n = 1; n <= 20; n++) {
        const enum call_status before[] = {CALL_CREATED, CALL_SCHEDULED};
        for (size_t i = 0; i < 2; i++) {
            struct dialable_verdict v = decide(call(before[i], n - 1, true), attempt(n));
            cr_assert(v.dialable, "%s, seq %d, job %d: %s", call_status_name(before[i]), n - 1, n,
                      v.reason);
        }
        struct dialable_verdict v = decide(call(CALL_QUEUED, n, true), attempt(n));
        cr_assert(v.dialable, "queued, seq %d, job %d: %s", n, n, v.reason);
    }
}

Test(dialable, a_paused_campaign_keeps_its_attempts_waiting)
{
    /* What would be dialled is "not now": not dialable, later. */
    struct dialable_call c = call(CALL_QUEUED, 2, true);
    c.campaign_paused = true;
    struct dialable_verdict v = decide(c, attempt(2));
    cr_assert_not(v.dialable, "%s", v.reason);
    cr_assert(v.later, "%s", v.reason);
    cr_assert(strstr(v.reason, "paused") != NULL, "%s", v.reason);
    c = call(CALL_SCHEDULED, 1, true);
    c.campaign_paused = true;
    v = decide(c, attempt(2));
    cr_assert_not(v.dialable, "%s", v.reason);
    cr_assert(v.later, "%s", v.reason);

    /* What is refused stays refused, paused or not: never "later". */
    c = call(CALL_CANCELED, 2, true);
    c.campaign_paused = true;
    v = decide(c, attempt(2));
    cr_assert_not(v.dialable, "%s", v.reason);
    cr_assert_not(v.later, "a canceled call's job was kept: %s", v.reason);
    c = call(CALL_QUEUED, 3, true);
    c.campaign_paused = true;
    v = decide(c, attempt(2));
    cr_assert_not(v.later, "a superseded attempt was kept: %s", v.reason);

    /* Running again: the same attempt is dialable, and not "later". */
    c = call(CALL_QUEUED, 2, true);
    v = decide(c, attempt(2));
    cr_assert(v.dialable, "%s", v.reason);
    cr_assert_not(v.later, "%s", v.reason);
}
