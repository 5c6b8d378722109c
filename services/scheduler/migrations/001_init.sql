-- scheduler, first schema: campaigns with their calling schedule and pacing,
-- holidays, the calls and every transition of their lifecycle.
--
-- Ids owned by other services (assistant_id, number_id, lead_id) are plain
-- uuids: no foreign key ever crosses a schema. Inside the schema, references
-- carry tenant_id, so a row can never point at another tenant's row, even
-- through a guessed id (foreign-key checks bypass row-level security).

CREATE TABLE campaigns (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    name            text NOT NULL,
    assistant_id    uuid NOT NULL,
    -- The caller number; rotation over several numbers comes with its own table.
    number_id       uuid NOT NULL,
    -- Region for numbers written without a country code.
    default_region  char(2) NOT NULL CHECK (default_region ~ '^[A-Z]{2}$'),
    -- IANA zone of contacts whose own zone is unknown.
    timezone        text NOT NULL,
    -- Allowed ranges in the contact's local time, as
    --   [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "14:00"}, ...]
    -- with ISO weekdays (1 = Monday); an end before its start crosses
    -- midnight. [] places no limit beyond the legal window.
    calling_window  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(calling_window) = 'array'),
    -- The outer legal window in the contact's local time: on by default and
    -- only ever narrowed, never widened.
    legal_start     time NOT NULL DEFAULT '08:00',
    legal_end       time NOT NULL DEFAULT '21:00',
    max_concurrent  integer NOT NULL DEFAULT 1 CHECK (max_concurrent >= 1),
    max_per_minute  integer NOT NULL DEFAULT 10 CHECK (max_per_minute >= 1),
    -- Calls per lead, counting follow-ups and retries: by default the first
    -- call and one retry.
    max_attempts    integer NOT NULL DEFAULT 2 CHECK (max_attempts >= 1),
    -- Overrides of the default retry and follow-up rules; {}: the defaults.
    retry_rules     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(retry_rules) = 'object'),
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'running', 'paused', 'completed', 'stopped')),
    archived_at     timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CHECK (legal_start >= '08:00' AND legal_end <= '21:00' AND legal_start < legal_end)
);
CREATE INDEX campaigns_created ON campaigns (tenant_id, created_at, id);
CREATE INDEX campaigns_status ON campaigns (tenant_id, status);

-- Days on which no call starts: for one campaign or (campaign_id NULL) every
-- campaign of the tenant, for contacts of one country or (country NULL) all.
CREATE TABLE holidays (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    campaign_id  uuid,
    country      char(2) CHECK (country ~ '^[A-Z]{2}$'),
    name         text NOT NULL DEFAULT '',
    starts_on    date NOT NULL,
    ends_on      date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX holidays_range ON holidays (tenant_id, starts_on, ends_on);
CREATE INDEX holidays_campaign ON holidays (tenant_id, campaign_id);

CREATE TABLE calls (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    -- NULL for a manual call made outside any campaign.
    campaign_id     uuid,
    -- lead-ingest's lead; NULL for a manual call to a bare number.
    lead_id         uuid,
    -- The number dialled: a follow-up may go to an alternative number.
    phone_e164      text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{1,14}$'),
    contact_name    text,
    -- The contact's IANA zone: the calling window is checked in it.
    timezone        text NOT NULL,
    assistant_id    uuid NOT NULL,
    number_id       uuid NOT NULL,
    kind            text NOT NULL DEFAULT 'first'
                    CHECK (kind IN ('first', 'follow_up', 'retry', 'manual')),
    -- 1 for the first call to the lead in its campaign, one more for each
    -- follow-up or retry after it.
    attempt         integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    -- Follow-ups and retries: the call they come from, why, how sure the
    -- analysis was, and the previous call's summary for the agent.
    parent_call_id  uuid,
    reason          text,
    confidence      text CHECK (confidence IN ('low', 'medium', 'high')),
    context         text,
    status          text NOT NULL DEFAULT 'created'
                    CHECK (status IN ('created', 'scheduled', 'queued', 'calling', 'in_progress',
                                      'completed', 'failed', 'canceled', 'voicemail')),
    -- How it ended (busy, no_answer, answered, ...) and then the analysis's
    -- outcome; free text while those vocabularies settle.
    result          text,
    error           text,
    -- Not before this time; NULL: as soon as the window and pacing allow.
    scheduled_at    timestamptz,
    -- The message id of the latest dispatch to the call-job work queue: a
    -- republished job carries the same id and JetStream drops it.
    dispatch_id     text,
    queued_at       timestamptz,
    calling_at      timestamptz,
    answered_at     timestamptz,
    ended_at        timestamptz,
    duration_s      integer CHECK (duration_s >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CHECK (kind NOT IN ('follow_up', 'retry') OR parent_call_id IS NOT NULL),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_call_id) REFERENCES calls (tenant_id, id)
);
CREATE INDEX calls_campaign_created ON calls (tenant_id, campaign_id, created_at, id);
CREATE INDEX calls_campaign_status ON calls (tenant_id, campaign_id, status);
CREATE INDEX calls_created ON calls (tenant_id, created_at, id);
CREATE INDEX calls_lead ON calls (tenant_id, lead_id, created_at);
CREATE INDEX calls_parent ON calls (tenant_id, parent_call_id) WHERE parent_call_id IS NOT NULL;
CREATE INDEX calls_scheduled ON calls (tenant_id, scheduled_at) WHERE status = 'scheduled';
-- A number added to the do-not-call list cancels every future call to it.
CREATE INDEX calls_future_by_phone ON calls (tenant_id, phone_e164)
    WHERE status IN ('created', 'scheduled', 'queued');
-- Pacing per caller number.
CREATE INDEX calls_live_by_number ON calls (tenant_id, number_id)
    WHERE status IN ('queued', 'calling', 'in_progress');
-- The two scans below are cross-tenant on purpose (the due-call scan and the
-- reconciliation of stuck calls run in oc_db_begin_system), so tenant_id
-- does not lead them.
CREATE INDEX calls_due ON calls (scheduled_at NULLS FIRST, created_at)
    WHERE status IN ('created', 'scheduled');
CREATE INDEX calls_stuck ON calls (updated_at) WHERE status IN ('queued', 'calling');

-- Every transition of a call, with its time; from_status is NULL for the
-- call's creation.
CREATE TABLE call_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    call_id      uuid NOT NULL,
    from_status  text CHECK (from_status IN ('created', 'scheduled', 'queued', 'calling',
                                             'in_progress', 'completed', 'failed', 'canceled',
                                             'voicemail')),
    to_status    text NOT NULL
                 CHECK (to_status IN ('created', 'scheduled', 'queued', 'calling', 'in_progress',
                                      'completed', 'failed', 'canceled', 'voicemail')),
    detail       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, call_id) REFERENCES calls (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX call_events_call ON call_events (tenant_id, call_id, created_at);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY campaigns_tenant ON campaigns
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE holidays ENABLE ROW LEVEL SECURITY;
ALTER TABLE holidays FORCE ROW LEVEL SECURITY;
CREATE POLICY holidays_tenant ON holidays
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE calls FORCE ROW LEVEL SECURITY;
CREATE POLICY calls_tenant ON calls
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE call_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_events FORCE ROW LEVEL SECURITY;
CREATE POLICY call_events_tenant ON call_events
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
