/*
 * What the scheduler's answer to calls.dialable makes of a job: dialled
 * only on a yes; dropped (acked, never dialled) on a no or a question
 * refused as such; kept for later (nak'ed, never dialled) when nobody
 * answered. No status at all leads to a dial without a yes.
 */
#include <criterion/criterion.h>

#include "../../../services/dialer/dialable.h"

Test(dialable, only_a_yes_dials)
{
    cr_assert_eq(dialable_action(OC_OK, true, false), DIALABLE_DIAL);
    for (int s = 0; s < OC_STATUS_COUNT; s++) {
        if (s != OC_OK)
            cr_assert_neq(dialable_action((enum oc_status)s, true, false), DIALABLE_DIAL,
                          "status %s dialled", oc_status_code((enum oc_status)s));
        cr_assert_neq(dialable_action((enum oc_status)s, false, false), DIALABLE_DIAL,
                      "status %s with a no dialled", oc_status_code((enum oc_status)s));
        cr_assert_neq(dialable_action((enum oc_status)s, false, true), DIALABLE_DIAL,
                      "status %s with a not-now dialled", oc_status_code((enum oc_status)s));
    }
}

Test(dialable, a_no_drops_the_job)
{
    cr_assert_eq(dialable_action(OC_OK, false, false), DIALABLE_DROP);
}

Test(dialable, a_refused_question_drops_the_job)
{
    cr_assert_eq(dialable_action(OC_ERR_INVALID, false, false), DIALABLE_DROP);
    cr_assert_eq(dialable_action(OC_ERR_NOT_FOUND, false, false), DIALABLE_DROP);
}

Test(dialable, no_answer_brings_the_job_back_later)
{
    cr_assert_eq(dialable_action(OC_ERR_TIMEOUT, false, false), DIALABLE_RETRY);
    cr_assert_eq(dialable_action(OC_ERR_UNAVAILABLE, false, false), DIALABLE_RETRY,
                 "no scheduler copy runs");
    cr_assert_eq(dialable_action(OC_ERR_INTERNAL, false, false), DIALABLE_RETRY,
                 "the scheduler's database is down");
    cr_assert_eq(dialable_action(OC_ERR_NOMEM, true, false), DIALABLE_RETRY);
    cr_assert_eq(dialable_action(OC_ERR_IO, false, false), DIALABLE_RETRY);
}

Test(dialable, actions_have_names)
{
    cr_assert_str_eq(dialable_action_name(DIALABLE_DIAL), "dial");
    cr_assert_str_eq(dialable_action_name(DIALABLE_DROP), "drop");
    cr_assert_str_eq(dialable_action_name(DIALABLE_RETRY), "retry");
}

Test(dialable, not_now_keeps_the_job_and_dials_nothing)
{
    /* A paused campaign: not dialable, later. The job waits; it is never
     * dropped (the call is still wanted) and never dialled now. */
    cr_assert_eq(dialable_action(OC_OK, false, true), DIALABLE_WAIT);
    cr_assert_str_eq(dialable_action_name(DIALABLE_WAIT), "wait");
    /* "later" means nothing beside a yes or a failed question. */
    cr_assert_eq(dialable_action(OC_OK, true, true), DIALABLE_DIAL);
    cr_assert_eq(dialable_action(OC_ERR_TIMEOUT, false, true), DIALABLE_RETRY);
    cr_assert_eq(dialable_action(OC_ERR_NOT_FOUND, false, true), DIALABLE_DROP);
}
