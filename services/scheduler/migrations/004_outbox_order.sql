-- scheduler, fourth step: status events leave the outbox in the order they
-- were written. A call's transitions are serialised by the lock on its row,
-- so a later transition's row always gets a larger id than an earlier one's;
-- one drain at a time (a transaction-level advisory lock) publishing by id
-- therefore never lets a call's events overtake each other, whichever
-- thread or scheduler copy wrote them.
ALTER TABLE outbox ADD COLUMN id bigserial;
CREATE INDEX outbox_order ON outbox (id);
