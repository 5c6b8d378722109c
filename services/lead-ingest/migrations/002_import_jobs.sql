-- lead-ingest, second schema step: what the import jobs, the API and the
-- events need beyond the first sketch.
--
-- - lead_lists learns what the import detected (delimiter, encoding) and how
--   far a streamed file has been read (bytes_done), for the progress bar.
-- - rejected_rows keeps the machine reason next to the human one, and the
--   number when it could be read, so a privacy erasure by number reaches
--   the raw rows too.
-- - leads keep the country of their number; "wrong_number" joins the
--   statuses (proto LeadStatus).
-- - leads lose what makes an import slow without making it safer. Every
--   index and check costs each of a million imported rows: the unused
--   UNIQUE (tenant_id, id) goes (nothing references leads); the unique
--   number per campaign becomes (tenant_id, phone_e164, campaign_id), which
--   also serves the look-ups by number alone (do-not-call, erasure), so
--   leads_phone goes; and the foreign key to lead_lists goes: checking it
--   costs a query per row, more than the rest of the row's insert, and the
--   only writer of list_id is the import job that created the list. The
--   list index gains the line, so a batch can be read back in file order
--   (the outbox rebuilds leads.added from it).
-- - the do-not-call list and its audit name their actor as text, because
--   the actor may be a service (call analysis) and not a user.
-- - outbox: durable events written in the same transaction as the change
--   they describe, published to JetStream after the commit, so a crash
--   between the two never loses one (the scheduler cancels calls on
--   dnc.changed, and creates them on leads.added).

ALTER TABLE lead_lists
    ADD COLUMN delimiter  text CHECK (delimiter IN (',', ';', E'\t', '|')),
    ADD COLUMN encoding   text CHECK (encoding IN ('utf-8', 'latin-1')),
    ADD COLUMN bytes_done bigint NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
    ADD COLUMN streamed   boolean NOT NULL DEFAULT false;

ALTER TABLE rejected_rows
    ADD COLUMN code text NOT NULL DEFAULT 'unspecified'
        CHECK (code IN ('unspecified', 'malformed', 'missing_phone', 'invalid_phone',
                        'invalid_email', 'invalid_timezone', 'duplicate_in_file',
                        'duplicate_in_campaign', 'encoding', 'too_long')),
    ADD COLUMN phone_e164 text;
CREATE INDEX rejected_rows_phone ON rejected_rows (tenant_id, phone_e164)
    WHERE phone_e164 IS NOT NULL;

ALTER TABLE leads
    ADD COLUMN region text CHECK (region ~ '^[A-Z]{2}$');
ALTER TABLE leads DROP CONSTRAINT leads_status_check;
ALTER TABLE leads ADD CONSTRAINT leads_status_check
    CHECK (status IN ('pending', 'calling', 'contacted', 'meeting', 'not_interested',
                      'do_not_call', 'unreachable', 'wrong_number'));
ALTER TABLE leads DROP CONSTRAINT leads_tenant_id_id_key;
ALTER TABLE leads DROP CONSTRAINT leads_tenant_id_list_id_fkey;
ALTER TABLE leads DROP CONSTRAINT leads_tenant_id_campaign_id_phone_e164_key;
ALTER TABLE leads ADD CONSTRAINT leads_number_per_campaign
    UNIQUE (tenant_id, phone_e164, campaign_id);
DROP INDEX leads_phone;
DROP INDEX leads_list;
CREATE INDEX leads_list_line ON leads (tenant_id, list_id, line);

ALTER TABLE dnc_entries ADD COLUMN actor text NOT NULL DEFAULT '';
ALTER TABLE dnc_audit ADD COLUMN actor text NOT NULL DEFAULT '';

CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid NOT NULL,
    subject     text NOT NULL,
    msg_id      text NOT NULL,
    -- The packed message; NULL for leads.added, which is rebuilt from the
    -- leads of list_id between first_line and last_line (an import batch
    -- can be large, and the leads are already stored once).
    payload     bytea,
    list_id     uuid,
    batch       integer,
    first_line  integer,
    last_line   integer,
    attempts    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (payload IS NOT NULL OR (list_id IS NOT NULL AND first_line IS NOT NULL
                                   AND last_line IS NOT NULL))
);
CREATE INDEX outbox_created ON outbox (created_at, id);

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY outbox_tenant ON outbox
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
