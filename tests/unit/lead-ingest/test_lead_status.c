/*
 * Lead status rules: the status follows the calls and their analyses, and a
 * late or repeated event never undoes a better-known outcome.
 */
#include <criterion/criterion.h>

#include "../../../services/lead-ingest/lead_status.h"

#define S(x) OCPB__LEAD_STATUS__LEAD_STATUS_##x
#define C(x) OCPB__CALL_STATUS__CALL_STATUS_##x
#define O(x) OCPB__OUTCOME__OUTCOME_##x

Test(lead_status, a_call_in_flight_makes_a_pending_lead_calling)
{
    cr_assert_eq(lead_status_after_call(S(PENDING), C(QUEUED), false, O(UNSPECIFIED)), S(CALLING));
    cr_assert_eq(lead_status_after_call(S(UNREACHABLE), C(CALLING), false, O(UNSPECIFIED)),
                 S(CALLING));
    cr_assert_eq(lead_status_after_call(S(CONTACTED), C(CALLING), false, O(UNSPECIFIED)),
                 S(CONTACTED), "a follow-up call keeps what the last conversation showed");
}

Test(lead_status, calls_without_a_conversation_end_unreachable_only_when_none_is_left)
{
    cr_assert_eq(lead_status_after_call(S(CALLING), C(VOICEMAIL), false, O(UNSPECIFIED)),
                 S(PENDING));
    cr_assert_eq(lead_status_after_call(S(CALLING), C(FAILED), true, O(UNSPECIFIED)),
                 S(UNREACHABLE));
    cr_assert_eq(lead_status_after_call(S(CALLING), C(CANCELED), true, O(UNSPECIFIED)), S(PENDING),
                 "a canceled call is no attempt");
    cr_assert_eq(lead_status_after_call(S(CALLING), C(COMPLETED), false, O(UNSPECIFIED)),
                 S(CONTACTED));
    cr_assert_eq(lead_status_after_call(S(CALLING), C(SCHEDULED), false, O(UNSPECIFIED)),
                 S(PENDING));
}

Test(lead_status, outcomes_decide_and_meetings_stay)
{
    cr_assert_eq(lead_status_after_analysis(S(CONTACTED), O(MEETING_SCHEDULED), false), S(MEETING));
    cr_assert_eq(lead_status_after_analysis(S(MEETING), O(CALLBACK), false), S(MEETING));
    cr_assert_eq(lead_status_after_analysis(S(MEETING), O(NOT_INTERESTED), false),
                 S(NOT_INTERESTED));
    cr_assert_eq(lead_status_after_analysis(S(CALLING), O(WRONG_NUMBER), false), S(WRONG_NUMBER));
    cr_assert_eq(lead_status_after_analysis(S(CALLING), O(BUSY_VOICEMAIL), false), S(CALLING),
                 "voicemail is the call statuses' to say");
    cr_assert_eq(lead_status_after_call(S(CALLING), C(COMPLETED), false, O(NOT_INTERESTED)),
                 S(NOT_INTERESTED), "a result on the call status counts as an outcome");
}

Test(lead_status, do_not_call_is_never_left_by_an_event)
{
    cr_assert_eq(lead_status_after_analysis(S(MEETING), O(MEETING_SCHEDULED), true),
                 S(DO_NOT_CALL));
    cr_assert_eq(lead_status_after_analysis(S(DO_NOT_CALL), O(MEETING_SCHEDULED), false),
                 S(DO_NOT_CALL));
    cr_assert_eq(lead_status_after_call(S(DO_NOT_CALL), C(CALLING), false, O(UNSPECIFIED)),
                 S(DO_NOT_CALL));
    cr_assert_eq(lead_status_after_call(S(WRONG_NUMBER), C(COMPLETED), true, O(CALLBACK)),
                 S(WRONG_NUMBER));
    cr_assert_eq(lead_status_after_analysis(S(WRONG_NUMBER), O(OTHER), true), S(DO_NOT_CALL));
}

Test(lead_status, names_round_trip)
{
    for (int s = S(PENDING); s <= S(WRONG_NUMBER); s++)
        cr_assert_eq(lead_status_from_name(lead_status_name((Ocpb__LeadStatus)s)), s);
    cr_assert_str_eq(lead_status_name(S(DO_NOT_CALL)), "do_not_call");
    cr_assert_eq(lead_status_from_name("nonsense"), S(UNSPECIFIED));
}
