/*
 * Moving calls between states in memory: the row takes the times the new
 * status implies and the next sequence number, every move leaves exactly
 * one packed status event that says what happened, and a refused move
 * changes nothing.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/scheduler/lifecycle.h"
#include "../../../services/scheduler/next_call.h"

static struct oc_arena *arena;

static void setup(void)
{
    cr_assert_eq(oc_arena_new(&arena, 8192), OC_OK);
}

static void teardown(void)
{
    oc_arena_free(arena);
}

TestSuite(lifecycle, .init = setup, .fini = teardown);

static struct call_row row_in(enum call_status s)
{
    struct call_row r;
    memset(&r, 0, sizeof(r));
    strcpy(r.id, "0b6a3f3e-2d4c-4c8e-9a5e-1f2e3d4c5b6a");
    strcpy(r.tenant_id, "5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b");
    strcpy(r.campaign_id, "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
    r.status = s;
    r.kind = CALL_KIND_FIRST_CALL;
    r.attempt = 1;
    r.status_seq = 3;
    return r;
}

static Ocpb__CallStatusChanged *event(const struct outbox *ob, size_t i)
{
    cr_assert_lt(i, ob->n);
    Ocpb__CallStatusChanged *e =
        ocpb__call_status_changed__unpack(NULL, ob->events[i].len, ob->events[i].payload);
    cr_assert_not_null(e, "the event does not unpack");
    return e;
}

Test(lifecycle, move_sets_times_sequence_and_one_event)
{
    struct outbox ob;
    outbox_init(&ob, arena);
    struct call_row r = row_in(CALL_CREATED);
    char err[128];
    cr_assert_eq(lifecycle_move(&r, CALL_QUEUED, NULL, 1000, &ob, err, sizeof(err)), OC_OK);
    cr_expect_eq(r.status, CALL_QUEUED);
    cr_expect_eq(r.queued_ms, 1000);
    cr_expect_eq(r.status_seq, 4);
    cr_assert_eq(ob.n, 1);
    cr_expect_eq(ob.events[0].seq, 4);
    Ocpb__CallStatusChanged *e = event(&ob, 0);
    cr_expect_eq(e->from, OCPB__CALL_STATUS__CALL_STATUS_CREATED);
    cr_expect_eq(e->to, OCPB__CALL_STATUS__CALL_STATUS_QUEUED);
    cr_expect_str_eq(e->call_id, r.id);
    cr_expect_str_eq(e->meta->tenant_id, r.tenant_id);
    cr_expect_eq(strlen(e->meta->event_id), 36);
    ocpb__call_status_changed__free_unpacked(e, NULL);
}

Test(lifecycle, refused_move_changes_nothing)
{
    struct outbox ob;
    outbox_init(&ob, arena);
    struct call_row r = row_in(CALL_COMPLETED);
    struct call_row before = r;
    char err[128] = "";
    cr_expect_eq(lifecycle_move(&r, CALL_QUEUED, "x", 1000, &ob, err, sizeof(err)),
                 OC_ERR_CONFLICT);
    cr_expect_str_eq(err, "a completed call cannot become queued");
    cr_expect_eq(memcmp(&r, &before, sizeof(r)), 0, "the row changed");
    cr_expect_eq(ob.n, 0, "an event was written for a refused move");
}

Test(lifecycle, advance_walks_skipped_states_in_order)
{
    struct outbox ob;
    outbox_init(&ob, arena);
    struct call_row r = row_in(CALL_QUEUED);
    char err[128];
    cr_assert_eq(lifecycle_advance(&r, CALL_FAILED, "busy", 2000, &ob, err, sizeof(err)), OC_OK);
    cr_assert_eq(ob.n, 1, "queued -> failed is one step");
    ob.n = 0;
    r = row_in(CALL_QUEUED);
    cr_assert_eq(lifecycle_advance(&r, CALL_COMPLETED, "done", 2000, &ob, err, sizeof(err)), OC_OK);
    cr_assert_eq(ob.n, 3);
    const enum call_status want[] = {CALL_CALLING, CALL_IN_PROGRESS, CALL_COMPLETED};
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq(ob.events[i].to, want[i]);
        cr_expect_eq(ob.events[i].seq, 4 + (int)i);
    }
    cr_expect_str_eq(ob.events[0].detail, "");
    cr_expect_str_eq(ob.events[2].detail, "done");
    cr_expect_eq(r.calling_ms, 2000);
    cr_expect_eq(r.answered_ms, 2000);
    cr_expect_eq(r.ended_ms, 2000);
}

Test(lifecycle, cancel_leaves_no_end_time_and_queue_back_clears_the_job)
{
    struct outbox ob;
    outbox_init(&ob, arena);
    char err[128];
    struct call_row r = row_in(CALL_SCHEDULED);
    cr_assert_eq(lifecycle_move(&r, CALL_CANCELED, "dnc", 5, &ob, err, sizeof(err)), OC_OK);
    cr_expect_eq(r.ended_ms, 0, "a canceled call never ended");
    cr_expect_str_eq(r.status_reason, "dnc");
    r = row_in(CALL_QUEUED);
    r.not_after_ms = 99;
    cr_assert_eq(lifecycle_move(&r, CALL_SCHEDULED, "expired", 5, &ob, err, sizeof(err)), OC_OK);
    cr_expect_eq(r.not_after_ms, 0);
}

Test(lifecycle, creation_and_result_events)
{
    struct outbox ob;
    outbox_init(&ob, arena);
    struct call_row r = row_in(CALL_SCHEDULED);
    r.status_seq = 0;
    r.scheduled_ms = 12345;
    cr_assert_eq(lifecycle_created(&r, 7, &ob), OC_OK);
    cr_expect_eq(r.status_seq, 1);
    Ocpb__CallStatusChanged *e = event(&ob, 0);
    cr_expect_eq(e->from, OCPB__CALL_STATUS__CALL_STATUS_UNSPECIFIED);
    cr_expect_eq(e->to, OCPB__CALL_STATUS__CALL_STATUS_SCHEDULED);
    cr_expect_eq(e->scheduled_unix_ms, 12345);
    ocpb__call_status_changed__free_unpacked(e, NULL);

    r.status = CALL_COMPLETED;
    r.result = OCPB__OUTCOME__OUTCOME_NOT_INTERESTED;
    cr_assert_eq(lifecycle_result(&r, true, 8, &ob), OC_OK);
    e = event(&ob, 1);
    cr_expect_eq(e->from, e->to);
    cr_expect(e->lead_finished);
    cr_expect_eq(e->result, OCPB__OUTCOME__OUTCOME_NOT_INTERESTED);
    ocpb__call_status_changed__free_unpacked(e, NULL);
}

Test(lifecycle, campaign_event_packs)
{
    struct outbox ob;
    outbox_init(&ob, arena);
    cr_assert_eq(lifecycle_campaign_event(&ob, "5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
                                          "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                                          OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_RUNNING,
                                          OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_PAUSED, "lunch", 9),
                 OC_OK);
    cr_assert_eq(ob.n_campaign, 1);
    Ocpb__CampaignStateChanged *e =
        ocpb__campaign_state_changed__unpack(NULL, ob.campaign[0].len, ob.campaign[0].payload);
    cr_assert_not_null(e);
    cr_expect_eq(e->to, OCPB__CAMPAIGN_STATE__CAMPAIGN_STATE_PAUSED);
    cr_expect_str_eq(e->reason, "lunch");
    ocpb__campaign_state_changed__free_unpacked(e, NULL);
}

Test(lifecycle, retry_trigger_follows_how_the_call_ended)
{
    struct call_row r = row_in(CALL_VOICEMAIL);
    cr_expect_eq(next_call_retry_trigger(&r), RETRY_VOICEMAIL);
    r.status = CALL_FAILED;
    r.hangup_cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_BUSY;
    cr_expect_eq(next_call_retry_trigger(&r), RETRY_BUSY);
    r.hangup_cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_NO_ANSWER;
    cr_expect_eq(next_call_retry_trigger(&r), RETRY_NO_ANSWER);
    r.hangup_cause = OCPB__HANGUP_CAUSE__HANGUP_CAUSE_MEDIA_ERROR;
    cr_expect_eq(next_call_retry_trigger(&r), RETRY_FAILED);
}
