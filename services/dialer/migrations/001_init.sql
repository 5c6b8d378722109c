-- dialer, first schema: the tenant's provider accounts (Twilio, Plivo,
-- Vonage) with their secrets sealed, the phone numbers calls go out from,
-- and one call leg per call attempt actually placed.
--
-- Sealed columns hold what oc_aead_seal() writes: nonce || ciphertext || tag
-- under AES-256-GCM, with the row's tenant_id and id as additional data so a
-- sealed value cannot be moved to another row. *_key_id names the sealing
-- key, so keys can be rotated. Nothing here ever holds a secret in clear.
--
-- call_id is the scheduler's call: a plain uuid, since no foreign key ever
-- crosses a schema. Inside the schema, references carry tenant_id, so a row
-- can never point at another tenant's row, even through a guessed id
-- (foreign-key checks bypass row-level security).

CREATE TABLE provider_accounts (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL,
    provider       text NOT NULL CHECK (provider IN ('twilio', 'plivo', 'vonage')),
    name           text NOT NULL DEFAULT '',
    -- The provider's public account id (Twilio Account SID, Plivo Auth ID,
    -- Vonage application id): not a secret, shown to the user.
    account_ref    text NOT NULL,
    -- The auth token or private key, sealed.
    secret         bytea NOT NULL CHECK (octet_length(secret) > 28),
    secret_key_id  smallint NOT NULL DEFAULT 1,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, provider, account_ref)
);

CREATE TABLE phone_numbers (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            uuid NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('sip', 'twilio', 'plivo', 'vonage')),
    -- The number the called party sees.
    caller_id            text NOT NULL CHECK (caller_id ~ '^\+[1-9][0-9]{1,14}$'),
    label                text NOT NULL DEFAULT '',
    -- SIP: the trunk ("sip:127.0.0.1:5070"); calls go to
    -- sip:<E.164>@<trunk host:port>, with digest credentials when the trunk
    -- asks for them (the password sealed).
    trunk                text,
    sip_username         text,
    sip_secret           bytea CHECK (octet_length(sip_secret) > 28),
    sip_secret_key_id    smallint,
    -- Provider numbers: the account that owns them.
    provider_account_id  uuid,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_by           uuid,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CHECK (kind <> 'sip' OR trunk IS NOT NULL),
    CHECK ((kind = 'sip') = (provider_account_id IS NULL)),
    CHECK ((sip_secret IS NULL) = (sip_secret_key_id IS NULL)),
    FOREIGN KEY (tenant_id, provider_account_id) REFERENCES provider_accounts (tenant_id, id)
);
CREATE INDEX phone_numbers_created ON phone_numbers (tenant_id, created_at, id);
CREATE INDEX phone_numbers_caller_id ON phone_numbers (tenant_id, caller_id);
CREATE INDEX phone_numbers_account ON phone_numbers (tenant_id, provider_account_id)
    WHERE provider_account_id IS NOT NULL;

-- One row per call attempt placed. job_id is the call job's message id: the
-- leg is written before dialling, so a redelivered job finds its leg and
-- never dials twice. number_id has no foreign key on purpose: a leg is
-- history and must not stop a number from being deleted (from_e164 keeps
-- what was used).
CREATE TABLE call_legs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL,
    call_id           uuid NOT NULL,
    job_id            text NOT NULL,
    number_id         uuid NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('sip', 'twilio', 'plivo', 'vonage')),
    from_e164         text NOT NULL CHECK (from_e164 ~ '^\+[1-9][0-9]{1,14}$'),
    to_e164           text NOT NULL CHECK (to_e164 ~ '^\+[1-9][0-9]{1,14}$'),
    -- The media copy that took the call: its instance name and its RTP
    -- address or audio websocket URL.
    media_instance    text,
    media_addr        text,
    sip_call_id       text,
    provider_call_id  text,
    status            text NOT NULL DEFAULT 'dialing'
                      CHECK (status IN ('dialing', 'ringing', 'answered', 'ended', 'failed')),
    -- The final SIP response code, or the provider's mapped to one.
    sip_code          smallint CHECK (sip_code BETWEEN 100 AND 699),
    hangup_by         text CHECK (hangup_by IN ('agent', 'contact', 'system')),
    hangup_cause      text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    ringing_at        timestamptz,
    answered_at       timestamptz,
    ended_at          timestamptz,
    UNIQUE (tenant_id, job_id)
);
CREATE INDEX call_legs_call ON call_legs (tenant_id, call_id, created_at);
-- SIP messages and provider webhooks arrive without a tenant: these lookups
-- are cross-tenant on purpose, so tenant_id does not lead them.
CREATE INDEX call_legs_sip_call_id ON call_legs (sip_call_id) WHERE sip_call_id IS NOT NULL;
CREATE INDEX call_legs_provider_call_id ON call_legs (kind, provider_call_id)
    WHERE provider_call_id IS NOT NULL;

-- Row-level security, as docs/development.md gives it.
ALTER TABLE provider_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE provider_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY provider_accounts_tenant ON provider_accounts
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE phone_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY phone_numbers_tenant ON phone_numbers
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE call_legs ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_legs FORCE ROW LEVEL SECURITY;
CREATE POLICY call_legs_tenant ON call_legs
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
