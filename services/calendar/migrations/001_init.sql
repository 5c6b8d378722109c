-- calendar, first schema: the operator calendars a tenant connects (with
-- their refresh tokens sealed), the availability rules meetings are offered
-- from, and the meetings booked during calls.
--
-- Sealed columns hold what oc_aead_seal() writes: nonce || ciphertext || tag
-- under AES-256-GCM, with the row's tenant_id and id as additional data so a
-- sealed value cannot be moved to another row; *_key_id names the sealing
-- key, so keys can be rotated.
--
-- call_id, lead_id and campaign_id belong to other services: plain uuids,
-- since no foreign key ever crosses a schema. Inside the schema, references
-- carry tenant_id, so a row can never point at another tenant's row, even
-- through a guessed id (foreign-key checks bypass row-level security).

CREATE TABLE calendar_connections (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL,
    provider              text NOT NULL CHECK (provider IN ('google', 'microsoft', 'caldav')),
    account_email         text,
    -- The provider's id of the calendar booked into.
    calendar_ref          text NOT NULL DEFAULT 'primary',
    -- The OAuth refresh token (CalDAV: the password), sealed.
    refresh_token         bytea NOT NULL CHECK (octet_length(refresh_token) > 28),
    refresh_token_key_id  smallint NOT NULL DEFAULT 1,
    -- Provider details that are not secret (CalDAV URL, granted scopes).
    settings              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    status                text NOT NULL DEFAULT 'active'
                          CHECK (status IN ('active', 'revoked', 'error')),
    last_error            text,
    -- The gateway user who connected it.
    user_id               uuid,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE INDEX calendar_connections_created ON calendar_connections (tenant_id, created_at, id);

-- When meetings may be offered: one row per weekday range, in the zone
-- given. connection_id NULL: the tenant's own calendar in this schema,
-- which needs no outside account.
CREATE TABLE availability_rules (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL,
    connection_id     uuid,
    weekday           smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),  -- ISO: 1 = Monday
    start_time        time NOT NULL,
    end_time          time NOT NULL,
    timezone          text NOT NULL,
    meeting_minutes   smallint NOT NULL DEFAULT 30 CHECK (meeting_minutes BETWEEN 5 AND 480),
    buffer_minutes    smallint NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 240),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (start_time < end_time),
    FOREIGN KEY (tenant_id, connection_id)
        REFERENCES calendar_connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX availability_rules_connection ON availability_rules (tenant_id, connection_id, weekday);

-- Meetings booked. Overlaps are the service's to refuse (under a lock of
-- its own): an exclusion constraint over (tenant_id, time range) would need
-- the btree_gist extension, which a service role cannot install.
CREATE TABLE bookings (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL,
    connection_id       uuid,
    call_id             uuid,
    lead_id             uuid,
    campaign_id         uuid,
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    -- The contact's zone, for the invitation's wording.
    timezone            text NOT NULL,
    title               text NOT NULL DEFAULT '',
    notes               text,
    attendee_name       text,
    attendee_email      text,
    attendee_phone      text CHECK (attendee_phone ~ '^\+[1-9][0-9]{1,14}$'),
    status              text NOT NULL DEFAULT 'confirmed'
                        CHECK (status IN ('tentative', 'confirmed', 'canceled')),
    -- The event in the connected calendar, once created there.
    external_event_id   text,
    -- The same request twice books once.
    idempotency_key     text,
    invitation_sent_at  timestamptz,
    canceled_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES calendar_connections (tenant_id, id)
);
CREATE INDEX bookings_starts ON bookings (tenant_id, starts_at) WHERE status <> 'canceled';
CREATE INDEX bookings_connection ON bookings (tenant_id, connection_id, starts_at);
CREATE INDEX bookings_call ON bookings (tenant_id, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX bookings_created ON bookings (tenant_id, created_at, id);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE calendar_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_connections_tenant ON calendar_connections
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE availability_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE availability_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY availability_rules_tenant ON availability_rules
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;
CREATE POLICY bookings_tenant ON bookings
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
