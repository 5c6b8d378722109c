-- scheduler, third step: lighter writes on the dispatch path, measured with
-- bench/dispatch. Every index of calls is written again on each status
-- change, so the indexes that 002 superseded go; and status events wait
-- for publication in a table of their own, from which a published event is
-- deleted (no index work) instead of flagged in call_events (a new row
-- version and an entry in every index of call_events).

-- Superseded by calls_due_by_campaign.
DROP INDEX IF EXISTS calls_due;
-- Superseded by calls_queued_expiry, calls_calling_since, calls_answered_since.
DROP INDEX IF EXISTS calls_stuck;
-- No query reads scheduled calls across campaigns by time.
DROP INDEX IF EXISTS calls_scheduled;
-- A call's transitions are read in sequence order, and deleting a call
-- deletes its transitions: one index on (tenant_id, call_id, seq) serves
-- both, where 002 had two.
DROP INDEX IF EXISTS call_events_call;
DROP INDEX IF EXISTS call_events_seq;
CREATE UNIQUE INDEX call_events_seq ON call_events (tenant_id, call_id, seq);
DROP INDEX IF EXISTS call_events_pending;
ALTER TABLE call_events DROP COLUMN IF EXISTS payload, DROP COLUMN IF EXISTS pending;

-- Status events written with their transition and not yet published: the
-- packed CallStatusChanged, deleted once JetStream stored it. Rows older
-- than a few seconds are what a crash or a NATS outage left behind.
CREATE TABLE outbox (
    tenant_id   uuid NOT NULL,
    call_id     uuid NOT NULL,
    seq         integer NOT NULL,
    payload     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, call_id, seq)
);

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY outbox_tenant ON outbox
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
