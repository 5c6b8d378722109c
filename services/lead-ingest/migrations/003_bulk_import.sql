-- lead-ingest, third step: what a large import pays for each lead it writes
-- (bench/ingest measures it).
--
-- - The import's writer COPYs each batch of leads straight into leads as
--   oc_lead_ingest_bulk (deploy/postgres/init.sql: no login, BYPASSRLS,
--   granted to oc_lead_ingest), where it went through a temporary table
--   and INSERT ... SELECT under the policy, because Postgres refuses COPY
--   into a table whose row-level security applies: the detour cost the
--   server 2.7 microseconds a lead, a third more than the insert itself.
--   The role's one right is INSERT on leads. Where the role does not exist
--   yet, init.sql grants it once it does, and imports keep the temporary
--   table until then.
-- - leads_campaign_status only leaves out the pending leads. Every imported
--   lead is pending, so an import no longer writes into it; it still finds
--   the few leads of a campaign with a given outcome (meeting, contacted,
--   ...), while a list of pending leads, most of a campaign, reads the
--   campaign in order (leads_campaign_created) as it did.
-- - phone_e164 compares byte by byte (COLLATE "C"): E.164 is '+' and digits,
--   whose order no language changes, and the unique number per campaign,
--   inserted at a random place for every lead, compared it in the
--   database's collation, which costs an import a second per million leads
--   where that is an ICU collation.
-- - The check of phone_e164 says the same thing with a cheaper regular
--   expression: Postgres's engine spent 0.6 microseconds a row on the
--   bounded repetition {1,14}, a tenth of what inserting a lead costs, and
--   0.2 on an unbounded one with the length checked apart.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'oc_lead_ingest_bulk') THEN
        GRANT INSERT ON leads TO oc_lead_ingest_bulk;
    END IF;
END
$$;

DROP INDEX leads_campaign_status;
CREATE INDEX leads_campaign_status ON leads (tenant_id, campaign_id, status)
    WHERE status <> 'pending';

ALTER TABLE leads DROP CONSTRAINT leads_phone_e164_check;
ALTER TABLE leads ADD CONSTRAINT leads_phone_e164_check
    CHECK (phone_e164 ~ '^\+[1-9][0-9]*$' AND length(phone_e164) BETWEEN 3 AND 16);

ALTER TABLE leads ALTER COLUMN phone_e164 TYPE text COLLATE "C";
