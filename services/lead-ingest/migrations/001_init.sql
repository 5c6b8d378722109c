-- lead-ingest, first schema: lead lists (one per import), the leads they
-- bring, the rows they rejected, and the tenant's do-not-call list with its
-- audit trail.
--
-- Phone numbers are stored in E.164 only, so that formatting can never slip a
-- number past the do-not-call list or the duplicate check. Ids owned by other
-- services (campaign_id from the scheduler, call_id, user ids from the
-- gateway) are plain uuids: no foreign key ever crosses a schema. Inside the
-- schema, references carry tenant_id, so a row can never point at another
-- tenant's row, even through a guessed id (foreign-key checks bypass
-- row-level security).

-- One CSV upload (or API batch) into a campaign, run as a job: its progress
-- and its report live here.
CREATE TABLE lead_lists (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    campaign_id      uuid NOT NULL,
    name             text NOT NULL DEFAULT '',
    source           text NOT NULL DEFAULT 'csv' CHECK (source IN ('csv', 'api', 'manual')),
    file_name        text,
    file_bytes       bigint CHECK (file_bytes >= 0),
    -- Region for numbers written without a country code, and the zone of
    -- leads whose zone neither a column nor their number gives.
    default_region   char(2) NOT NULL CHECK (default_region ~ '^[A-Z]{2}$'),
    default_timezone text NOT NULL,
    -- The explicit column -> field mapping sent with the request.
    mapping          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(mapping) = 'object'),
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    -- rows_total stays NULL while a streamed file has not been read to its end.
    rows_total       integer CHECK (rows_total >= 0),
    rows_done        integer NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
    imported         integer NOT NULL DEFAULT 0 CHECK (imported >= 0),
    rejected         integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    duplicates       integer NOT NULL DEFAULT 0 CHECK (duplicates >= 0),
    error            text,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE INDEX lead_lists_campaign ON lead_lists (tenant_id, campaign_id, created_at);
CREATE INDEX lead_lists_created ON lead_lists (tenant_id, created_at, id);

-- Every row an import did not turn into a lead, with enough to fix it and
-- upload it again: nothing is lost.
CREATE TABLE rejected_rows (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    list_id     uuid NOT NULL,
    line        integer NOT NULL CHECK (line >= 1),
    raw         text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('invalid', 'duplicate')),
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, list_id) REFERENCES lead_lists (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX rejected_rows_list ON rejected_rows (tenant_id, list_id, line);

CREATE TABLE leads (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    campaign_id      uuid NOT NULL,
    list_id          uuid,
    line             integer CHECK (line >= 1),
    name             text NOT NULL DEFAULT '',
    first_name       text,
    last_name        text,
    company          text,
    -- As written in the file, to explain a normalisation the user questions.
    phone_raw        text NOT NULL,
    phone_e164       text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{1,14}$'),
    -- libphonenumber's number types.
    phone_type       text NOT NULL DEFAULT 'unknown'
                     CHECK (phone_type IN ('mobile', 'fixed_line', 'fixed_line_or_mobile',
                                           'toll_free', 'premium_rate', 'shared_cost', 'voip',
                                           'personal_number', 'pager', 'uan', 'voicemail',
                                           'unknown')),
    email            text,
    -- IANA zone. Where it came from is kept because an area code can mislead
    -- (ported numbers): an explicit column wins over the number, which wins
    -- over the campaign's zone.
    timezone         text NOT NULL,
    timezone_source  text NOT NULL CHECK (timezone_source IN ('explicit', 'number', 'campaign')),
    -- Columns that mapped to no field: context for the agent.
    custom_fields    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'calling', 'contacted', 'meeting',
                                       'not_interested', 'do_not_call', 'unreachable')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    -- The same number twice in a campaign is reported, never imported twice.
    UNIQUE (tenant_id, campaign_id, phone_e164),
    FOREIGN KEY (tenant_id, list_id) REFERENCES lead_lists (tenant_id, id)
);
CREATE INDEX leads_campaign_created ON leads (tenant_id, campaign_id, created_at, id);
CREATE INDEX leads_campaign_status ON leads (tenant_id, campaign_id, status);
CREATE INDEX leads_created ON leads (tenant_id, created_at, id);
CREATE INDEX leads_phone ON leads (tenant_id, phone_e164);
CREATE INDEX leads_list ON leads (tenant_id, list_id);

-- The do-not-call list: one row per blacklisted number of a tenant.
CREATE TABLE dnc_entries (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    phone_e164  text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{1,14}$'),
    source      text NOT NULL CHECK (source IN ('manual', 'import', 'call_analysis')),
    reason      text NOT NULL DEFAULT '',
    risk        text CHECK (risk IN ('low', 'medium', 'high')),
    call_id     uuid,
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, phone_e164)
);
CREATE INDEX dnc_entries_created ON dnc_entries (tenant_id, created_at, id);

-- Every change to the do-not-call list: who, when, why. Rows are only ever
-- added; it has no foreign key to dnc_entries because a removal outlives the
-- entry it removed.
CREATE TABLE dnc_audit (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL,
    phone_e164     text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{1,14}$'),
    action         text NOT NULL CHECK (action IN ('add', 'remove', 'update')),
    source         text NOT NULL CHECK (source IN ('manual', 'import', 'call_analysis')),
    reason         text NOT NULL DEFAULT '',
    risk           text CHECK (risk IN ('low', 'medium', 'high')),
    call_id        uuid,
    actor_user_id  uuid,
    request_id     text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dnc_audit_phone ON dnc_audit (tenant_id, phone_e164, created_at);
CREATE INDEX dnc_audit_created ON dnc_audit (tenant_id, created_at, id);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE lead_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY lead_lists_tenant ON lead_lists
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE rejected_rows ENABLE ROW LEVEL SECURITY;
ALTER TABLE rejected_rows FORCE ROW LEVEL SECURITY;
CREATE POLICY rejected_rows_tenant ON rejected_rows
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY leads_tenant ON leads
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE dnc_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE dnc_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY dnc_entries_tenant ON dnc_entries
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE dnc_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE dnc_audit FORCE ROW LEVEL SECURITY;
CREATE POLICY dnc_audit_tenant ON dnc_audit
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
