-- billing, second schema: the ledger as ocpb.LedgerEntry shows it, and the
-- holds taken for calls in a table of their own.
--
-- 001 recorded holds as ledger movements (reserve, release). The ledger the
-- product shows (GET /v1/credits, ocpb.LedgerKind) holds only what changes
-- what a tenant owns: trial credits, purchases, call usage, adjustments,
-- refunds, expiries. A hold is not one of those: it is a claim on the
-- balance while a call may run, and it either turns into call usage or
-- goes away. So holds move to `reservations`, and the ledger is rebuilt
-- with the columns LedgerEntry carries. No code ever wrote to 001's
-- ledger, so dropping it loses nothing.
--
-- Amounts are milli-credits throughout. balances.balance_milli stays the
-- sum of the tenant's ledger; what is held is the sum of its open, unexpired
-- reservations; available = balance - held. Every ledger entry and every
-- reservation is written with the tenant's balances row locked (SELECT ...
-- FOR UPDATE), so two requests can never spend the same credit and
-- balance_after is exact.

DROP TABLE ledger_entries;

CREATE TABLE ledger_entries (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            uuid NOT NULL,
    -- Insertion order: "newest first" and the history's keyset cursor.
    seq                  bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind                 text NOT NULL CHECK (kind IN ('trial', 'purchase', 'call_usage',
                                                       'adjustment', 'refund', 'expiry')),
    -- Signed: positive adds credit, negative spends it.
    amount_milli         bigint NOT NULL,
    balance_after_milli  bigint NOT NULL,
    -- Call id, payment id, the tenant id for the trial.
    reference            text NOT NULL DEFAULT '',
    -- The same movement asked twice is recorded once: 'trial',
    -- 'purchase:<payment id>', 'call_usage:<reservation id>', ...
    idempotency_key      text NOT NULL,
    description          text NOT NULL DEFAULT '',
    -- call_usage: the seconds billed.
    seconds              bigint NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    -- purchase: what was paid.
    paid_currency        text NOT NULL DEFAULT '',
    paid_minor           bigint NOT NULL DEFAULT 0,
    -- The user or service that caused it.
    actor                text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    -- A sign mistake must never mint credit.
    CHECK (CASE kind
               WHEN 'trial' THEN amount_milli > 0
               WHEN 'purchase' THEN amount_milli > 0
               WHEN 'refund' THEN amount_milli > 0
               WHEN 'call_usage' THEN amount_milli < 0
               WHEN 'expiry' THEN amount_milli < 0
               ELSE amount_milli <> 0
           END)
);
CREATE INDEX ledger_entries_history ON ledger_entries (tenant_id, seq);

-- A hold for one call. Open while the call may run; settled (its cost
-- charged through a call_usage entry) or released (nothing charged) once.
-- An open hold past expires_at no longer counts against the balance, but a
-- late settle still charges the call: the cost is recorded, never lost.
CREATE TABLE reservations (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id               uuid NOT NULL,
    -- The call id (the scheduler's; no key crosses a schema).
    reference               text NOT NULL,
    -- The caller's idempotency key, when it gave one.
    idempotency_key         text,
    amount_milli            bigint NOT NULL CHECK (amount_milli >= 0),
    seconds                 bigint NOT NULL CHECK (seconds > 0),
    -- The price the hold was priced at; the call is settled at the same.
    price_per_minute_milli  bigint NOT NULL CHECK (price_per_minute_milli >= 0),
    description             text NOT NULL DEFAULT '',
    status                  text NOT NULL DEFAULT 'open'
                            CHECK (status IN ('open', 'settled', 'released')),
    expires_at              timestamptz NOT NULL,
    closed_at               timestamptz,
    close_reason            text NOT NULL DEFAULT '',
    -- settled: the seconds billed and the call_usage entry (NULL when the
    -- call cost nothing).
    billed_seconds          bigint,
    entry_id                uuid,
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    CHECK ((status = 'open') = (closed_at IS NULL)),
    CHECK (entry_id IS NULL OR status = 'settled'),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES ledger_entries (tenant_id, id)
);
-- One open hold per call: a retried reserve finds it instead of adding one.
CREATE UNIQUE INDEX reservations_open_reference ON reservations (tenant_id, reference)
    WHERE status = 'open';
CREATE INDEX reservations_reference ON reservations (tenant_id, reference, created_at);

ALTER TABLE ledger_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY ledger_entries_tenant ON ledger_entries
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY reservations_tenant ON reservations
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

-- Ledger entries are never changed or deleted.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are never changed or deleted';
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
