/*
 * The call lifecycle: every legal transition is accepted, everything else
 * is refused with a message that names both states, and out-of-order
 * reports find the chain of steps between two states.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../services/scheduler/call_state.h"

static const struct {
    enum call_status from, to;
} legal[] = {
    {CALL_CREATED, CALL_SCHEDULED},     {CALL_CREATED, CALL_QUEUED},
    {CALL_CREATED, CALL_CANCELED},      {CALL_SCHEDULED, CALL_QUEUED},
    {CALL_SCHEDULED, CALL_CANCELED},    {CALL_QUEUED, CALL_CALLING},
    {CALL_QUEUED, CALL_SCHEDULED},      {CALL_QUEUED, CALL_FAILED},
    {CALL_QUEUED, CALL_CANCELED},       {CALL_CALLING, CALL_IN_PROGRESS},
    {CALL_CALLING, CALL_FAILED},        {CALL_CALLING, CALL_CANCELED},
    {CALL_IN_PROGRESS, CALL_COMPLETED}, {CALL_IN_PROGRESS, CALL_VOICEMAIL},
    {CALL_IN_PROGRESS, CALL_FAILED},
};
#define N_LEGAL (sizeof(legal) / sizeof(legal[0]))

static bool is_legal(enum call_status from, enum call_status to)
{
    for (size_t i = 0; i < N_LEGAL; i++)
        if (legal[i].from == from && legal[i].to == to)
            return true;
    return false;
}

Test(call_state, accepts_exactly_the_documented_transitions)
{
    char err[128];
    int accepted = 0;
    for (int from = CALL_CREATED; from <= CALL_VOICEMAIL; from++) {
        for (int to = CALL_CREATED; to <= CALL_VOICEMAIL; to++) {
            enum oc_status st = call_state_check(from, to, err, sizeof(err));
            if (is_legal(from, to)) {
                cr_expect_eq(st, OC_OK, "%s -> %s refused: %s", call_status_name(from),
                             call_status_name(to), err);
                accepted++;
            } else {
                cr_expect_eq(st, OC_ERR_CONFLICT, "%s -> %s accepted", call_status_name(from),
                             call_status_name(to));
            }
        }
    }
    cr_expect_eq(accepted, (int)N_LEGAL);
}

Test(call_state, final_states_have_no_way_out)
{
    const enum call_status final[] = {CALL_COMPLETED, CALL_FAILED, CALL_CANCELED, CALL_VOICEMAIL};
    for (size_t i = 0; i < 4; i++) {
        cr_expect(call_status_final(final[i]));
        for (int to = CALL_CREATED; to <= CALL_VOICEMAIL; to++)
            cr_expect_not(call_state_allowed(final[i], to), "%s -> %s", call_status_name(final[i]),
                          call_status_name(to));
    }
}

Test(call_state, illegal_transition_says_which)
{
    char err[128] = "";
    cr_assert_eq(call_state_check(CALL_COMPLETED, CALL_QUEUED, err, sizeof(err)), OC_ERR_CONFLICT);
    cr_expect_str_eq(err, "a completed call cannot become queued");
    cr_assert_eq(call_state_check(CALL_IN_PROGRESS, CALL_CANCELED, err, sizeof(err)),
                 OC_ERR_CONFLICT);
    cr_expect_str_eq(err, "an in_progress call cannot become canceled");
    cr_assert_eq(call_state_check(CALL_QUEUED, CALL_QUEUED, err, sizeof(err)), OC_ERR_CONFLICT);
    cr_expect_str_eq(err, "the call is already queued");
}

Test(call_state, unknown_values_are_invalid_not_conflicts)
{
    char err[128] = "";
    cr_expect_eq(call_state_check(CALL_UNSPECIFIED, CALL_QUEUED, err, sizeof(err)), OC_ERR_INVALID);
    cr_expect_eq(call_state_check(CALL_QUEUED, (enum call_status)42, err, sizeof(err)),
                 OC_ERR_INVALID);
    cr_expect_not(call_state_allowed((enum call_status) - 1, CALL_QUEUED));
}

Test(call_state, names_round_trip)
{
    for (int s = CALL_CREATED; s <= CALL_VOICEMAIL; s++) {
        enum call_status back = CALL_UNSPECIFIED;
        cr_expect_eq(call_status_parse(call_status_name(s), &back), OC_OK);
        cr_expect_eq(back, s);
    }
    enum call_status untouched = CALL_QUEUED;
    cr_expect_eq(call_status_parse("ringing", &untouched), OC_ERR_INVALID);
    cr_expect_eq(untouched, CALL_QUEUED, "out-parameter written on failure");
    for (int k = CALL_KIND_FIRST_CALL; k <= CALL_KIND_MANUAL_CALL; k++) {
        enum call_kind back = CALL_KIND_NONE;
        cr_expect_eq(call_kind_parse(call_kind_name(k), &back), OC_OK);
        cr_expect_eq(back, k);
    }
}

Test(call_state, path_fills_in_skipped_steps)
{
    enum call_status path[8];
    size_t n = 99;
    cr_assert_eq(call_state_path(CALL_QUEUED, CALL_COMPLETED, path, 8, &n), OC_OK);
    cr_assert_eq(n, 3);
    cr_expect_eq(path[0], CALL_CALLING);
    cr_expect_eq(path[1], CALL_IN_PROGRESS);
    cr_expect_eq(path[2], CALL_COMPLETED);

    cr_assert_eq(call_state_path(CALL_QUEUED, CALL_FAILED, path, 8, &n), OC_OK);
    cr_expect_eq(n, 1, "the direct transition is the shortest");

    cr_assert_eq(call_state_path(CALL_CALLING, CALL_CALLING, path, 8, &n), OC_OK);
    cr_expect_eq(n, 0);

    cr_expect_eq(call_state_path(CALL_COMPLETED, CALL_CALLING, path, 8, &n), OC_ERR_CONFLICT);
    cr_expect_eq(call_state_path(CALL_IN_PROGRESS, CALL_QUEUED, path, 8, &n), OC_ERR_CONFLICT);
}

Test(call_state, groups_of_states)
{
    cr_expect(call_status_pending(CALL_CREATED));
    cr_expect(call_status_pending(CALL_SCHEDULED));
    cr_expect_not(call_status_pending(CALL_QUEUED));
    cr_expect(call_status_live(CALL_QUEUED));
    cr_expect(call_status_live(CALL_CALLING));
    cr_expect(call_status_live(CALL_IN_PROGRESS));
    cr_expect_not(call_status_live(CALL_COMPLETED));
}
