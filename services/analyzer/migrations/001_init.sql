-- analyzer, first schema: one analysis per call (outcome, follow-up or
-- retry with its time and confidence, do-not-call with its risk, alternative
-- contact, extracted fields, reason and summary), stored once however many
-- times call.ended is delivered.
--
-- call_id, lead_id and campaign_id belong to other services: plain uuids,
-- since no foreign key ever crosses a schema.

CREATE TABLE analyses (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL,
    call_id           uuid NOT NULL,
    lead_id           uuid,
    campaign_id       uuid,
    language          text NOT NULL CHECK (language IN ('es', 'en')),
    -- Who decided: the rules, or the chat model. fallback_reason says why
    -- the rules decided when the model was asked and failed.
    mode              text NOT NULL DEFAULT 'rules' CHECK (mode IN ('rules', 'llm')),
    fallback_reason   text,
    outcome           text NOT NULL
                      CHECK (outcome IN ('meeting_scheduled', 'callback', 'not_interested',
                                         'busy_voicemail', 'wrong_number', 'other')),
    -- The facts times were resolved against: the call's start and the
    -- contact's zone.
    call_started_at   timestamptz,
    timezone          text,
    follow_up         boolean NOT NULL DEFAULT false,
    follow_up_at      timestamptz,
    -- Set when the time asked for is a window ("por la mañana", "in two or
    -- three days") rather than an instant.
    follow_up_window  tstzrange,
    confidence        text CHECK (confidence IN ('low', 'medium', 'high')),
    retry             boolean NOT NULL DEFAULT false,
    retry_at          timestamptz,
    dnc               boolean NOT NULL DEFAULT false,
    dnc_risk          text CHECK (dnc_risk IN ('low', 'medium', 'high')),
    alt_number        text CHECK (alt_number ~ '^\+[1-9][0-9]{1,14}$'),
    alt_name          text,
    alt_role          text,
    contact_name      text,
    email             text,
    meeting_at        timestamptz,
    -- The follow-up's reason, in the call's language.
    reason            text NOT NULL DEFAULT '',
    -- What the next call's agent is told about this one.
    summary           text NOT NULL DEFAULT '',
    -- Any other field extracted from the conversation.
    fields            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(fields) = 'object'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- One analysis per call: a redelivered call.ended stores nothing new.
    UNIQUE (tenant_id, call_id),
    CHECK (NOT dnc OR dnc_risk IS NOT NULL),
    CHECK (NOT (follow_up AND retry))
);
CREATE INDEX analyses_campaign ON analyses (tenant_id, campaign_id, created_at);
CREATE INDEX analyses_lead ON analyses (tenant_id, lead_id, created_at);
CREATE INDEX analyses_created ON analyses (tenant_id, created_at, id);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE analyses ENABLE ROW LEVEL SECURITY;
ALTER TABLE analyses FORCE ROW LEVEL SECURITY;
CREATE POLICY analyses_tenant ON analyses
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
