-- tickets, first schema: support tickets (requests for help, and requests
-- for a phone number, which carry what number is wanted) and the messages
-- exchanged on each.
--
-- User ids belong to the gateway: plain uuids, since no foreign key ever
-- crosses a schema. Inside the schema, references carry tenant_id, so a row
-- can never point at another tenant's row, even through a guessed id
-- (foreign-key checks bypass row-level security).

CREATE TABLE tickets (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('help', 'phone_number_request')),
    status       text NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    subject      text NOT NULL CHECK (subject <> ''),
    -- What a phone-number request asks for (country, number type, quantity,
    -- provider); {} for help.
    details      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    created_by   uuid,
    -- The platform's support staff member handling it.
    assigned_to  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE INDEX tickets_created ON tickets (tenant_id, created_at, id);
CREATE INDEX tickets_status ON tickets (tenant_id, status, created_at);
-- The support staff's queue spans every tenant (read in oc_db_begin_system),
-- so tenant_id does not lead it.
CREATE INDEX tickets_open_queue ON tickets (created_at) WHERE status IN ('open', 'pending');

CREATE TABLE ticket_messages (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    ticket_id    uuid NOT NULL,
    author_kind  text NOT NULL CHECK (author_kind IN ('customer', 'staff', 'system')),
    author_id    uuid,
    body         text NOT NULL CHECK (body <> ''),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (tenant_id, ticket_id, created_at);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE tickets FORCE ROW LEVEL SECURITY;
CREATE POLICY tickets_tenant ON tickets
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE ticket_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY ticket_messages_tenant ON ticket_messages
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
