-- scheduler, second schema step: what dispatching, the consumers of other
-- services' events and the API need beyond 001.
--
--   campaigns   rotation over several caller numbers, per-number pacing,
--               holiday countries, a rate of 0 meaning unlimited and
--               max_attempts 0 meaning the service's default;
--   calls       the contact's country (for holidays), the dispatch and
--               status counters behind message ids, what the dialer and
--               media reported, the transcript, and the indexes of the
--               dispatcher's and the reconciler's scans;
--   call_events the packed CallStatusChanged of every transition and
--               whether it still has to be published: the rows are the
--               outbox, so a crash between commit and publish loses nothing;
--   leads       the scheduler's copy of the leads it calls, from the LEADS
--               stream (lead-ingest owns the leads).

ALTER TABLE campaigns
    ADD COLUMN extra_number_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN max_concurrent_per_number integer NOT NULL DEFAULT 0
        CHECK (max_concurrent_per_number >= 0),
    ADD COLUMN holiday_countries text[] NOT NULL DEFAULT '{}',
    ADD COLUMN stop_reason text;
ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS campaigns_max_per_minute_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_max_per_minute_check CHECK (max_per_minute >= 0);
ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS campaigns_max_attempts_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_max_attempts_check CHECK (max_attempts >= 0);
ALTER TABLE campaigns ALTER COLUMN max_per_minute SET DEFAULT 0;
ALTER TABLE campaigns ALTER COLUMN max_attempts SET DEFAULT 0;
CREATE INDEX campaigns_running ON campaigns (status) WHERE status = 'running';

-- An erased lead's calls keep their history without its number.
ALTER TABLE calls ALTER COLUMN phone_e164 DROP NOT NULL;
ALTER TABLE calls
    -- ISO 3166-1 alpha-2 of the contact: country holidays apply to it.
    ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$'),
    -- Automatic retries in a row that led to this call (0 for first calls,
    -- follow-ups and manual calls): by default a retry is not retried.
    ADD COLUMN auto_retries integer NOT NULL DEFAULT 0 CHECK (auto_retries >= 0),
    -- Dispatches so far; the job of dispatch n has message id <id>:<n>.
    ADD COLUMN dispatch_seq integer NOT NULL DEFAULT 0 CHECK (dispatch_seq >= 0),
    -- Status events so far; event n has message id status:<id>:<n>.
    ADD COLUMN status_seq integer NOT NULL DEFAULT 0 CHECK (status_seq >= 0),
    -- Why the call is in its status: blocked, moved, failed or canceled.
    ADD COLUMN status_reason text,
    ADD COLUMN reservation_id text,
    -- The dialer does not start the queued job after this instant.
    ADD COLUMN not_after timestamptz,
    ADD COLUMN hangup_cause text,
    ADD COLUMN sip_code integer,
    ADD COLUMN amd text CHECK (amd IN ('human', 'machine', 'not_sure')),
    ADD COLUMN transcript jsonb CHECK (transcript IS NULL OR jsonb_typeof(transcript) = 'array'),
    -- A manual call at a set time outside the campaign's ranges (never
    -- outside the legal window).
    ADD COLUMN ignore_schedule boolean NOT NULL DEFAULT false,
    -- When the analysis was applied; NULL while it is awaited.
    ADD COLUMN analyzed_at timestamptz;

-- One first call per lead and campaign, and at most one follow-up or retry
-- per call: redelivered events cannot create a second one.
CREATE UNIQUE INDEX calls_first_per_lead ON calls (tenant_id, campaign_id, lead_id)
    WHERE kind = 'first';
CREATE UNIQUE INDEX calls_one_next ON calls (tenant_id, parent_call_id)
    WHERE kind IN ('retry', 'follow_up');
-- The dispatcher's scan, per campaign, in due order; a call without a time
-- is due at once.
CREATE INDEX calls_due_by_campaign
    ON calls (tenant_id, campaign_id, (coalesce(scheduled_at, '-infinity'::timestamptz)), created_at)
    WHERE status IN ('created', 'scheduled');
-- Starts in the last minute, for pacing.
CREATE INDEX calls_started ON calls (tenant_id, campaign_id, queued_at)
    WHERE queued_at IS NOT NULL;
-- The reconciler's scans.
CREATE INDEX calls_queued_expiry ON calls (not_after) WHERE status = 'queued';
CREATE INDEX calls_calling_since ON calls (calling_at) WHERE status = 'calling';
CREATE INDEX calls_answered_since ON calls (answered_at) WHERE status = 'in_progress';
-- Campaign completion waits for analyses still to come.
CREATE INDEX calls_awaiting_analysis ON calls (tenant_id, campaign_id)
    WHERE analyzed_at IS NULL AND status IN ('completed', 'voicemail', 'failed');

ALTER TABLE call_events
    ADD COLUMN seq integer,
    ADD COLUMN payload bytea,
    ADD COLUMN pending boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX call_events_seq ON call_events (tenant_id, call_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX call_events_pending ON call_events (created_at) WHERE pending;

CREATE TABLE leads (
    id           uuid NOT NULL,
    tenant_id    uuid NOT NULL,
    campaign_id  uuid NOT NULL,
    name         text,
    phone_e164   text,
    timezone     text,
    region       text,
    -- The whole ocpb.Lead as lead-ingest sent it, packed: call jobs carry it.
    lead         bytea NOT NULL,
    -- lead-ingest's updated time: an older event never overwrites a newer one.
    source_updated_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
);
CREATE INDEX leads_campaign ON leads (tenant_id, campaign_id);

ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY leads_tenant ON leads
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
