-- dialer, third schema step: a leg can be 'skipped'. The dialer claims a
-- job's leg and then asks the scheduler whether the call is still wanted
-- (calls.dialable); when it is not (canceled while its job waited in the
-- queue, superseded by a newer attempt), the claim stays as 'skipped', so
-- that a redelivery of the job finds it and dials nothing either, and
-- ended_at says when it was dropped. Nothing was dialled for such a leg.
ALTER TABLE call_legs DROP CONSTRAINT IF EXISTS call_legs_status_check;
ALTER TABLE call_legs ADD CONSTRAINT call_legs_status_check
    CHECK (status IN ('dialing', 'ringing', 'answered', 'ended', 'failed', 'skipped'));
