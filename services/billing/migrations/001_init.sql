-- billing, first schema: the credit ledger, each tenant's running balance,
-- and the price list.
--
-- Credits are counted in thousandths (milli-credits, as ocpb.Credits), so
-- per-second billing stays exact in integers. The ledger is append-only and
-- every amount is the signed change it makes to the tenant's available
-- balance:
--   trial, purchase   > 0   credit added
--   reserve           < 0   held for a call before it is dialled
--   release           > 0   a hold given back (the whole of it, when the
--                           call ends or never happens)
--   settle            <= 0  what the call actually cost
-- so the balance is the plain sum, and a call that ended shows reserve -R,
-- release +R, settle -C. The checks below keep a sign mistake from ever
-- minting credit.
--
-- call_id belongs to the scheduler: a plain uuid, since no foreign key ever
-- crosses a schema. Inside the schema, references carry tenant_id, so a row
-- can never point at another tenant's row, even through a guessed id
-- (foreign-key checks bypass row-level security).

CREATE TABLE ledger_entries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    kind             text NOT NULL
                     CHECK (kind IN ('trial', 'reserve', 'settle', 'release', 'purchase')),
    amount_milli     bigint NOT NULL,
    call_id          uuid,
    -- settle and release: the reserve entry they close.
    reservation_id   uuid,
    -- The same movement asked twice is recorded once (a redelivered
    -- call.ended, a retried reserve, a payment webhook sent again).
    idempotency_key  text NOT NULL,
    description      text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    CHECK (CASE kind
               WHEN 'trial' THEN amount_milli > 0
               WHEN 'purchase' THEN amount_milli > 0
               WHEN 'release' THEN amount_milli > 0
               WHEN 'reserve' THEN amount_milli < 0
               WHEN 'settle' THEN amount_milli <= 0
           END),
    CHECK (kind <> 'reserve' OR call_id IS NOT NULL),
    CHECK (kind NOT IN ('settle', 'release') OR reservation_id IS NOT NULL),
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES ledger_entries (tenant_id, id)
);
CREATE INDEX ledger_entries_created ON ledger_entries (tenant_id, created_at, id);
CREATE INDEX ledger_entries_call ON ledger_entries (tenant_id, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX ledger_entries_reservation ON ledger_entries (tenant_id, reservation_id)
    WHERE reservation_id IS NOT NULL;

-- The sum of a tenant's ledger, kept in the same transaction as every entry.
-- Its row is what a reservation locks (SELECT ... FOR UPDATE), so two calls
-- can never spend the same credit. It may go below zero when a call outruns
-- its reservation: the cost is recorded, never lost.
CREATE TABLE balances (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL UNIQUE,
    balance_milli  bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- What usage costs, for every tenant alike: this table is not tenant-owned,
-- so it has no tenant_id and no row-level security. A price applies from
-- valid_from until valid_until (NULL: until replaced).
CREATE TABLE prices (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- What is priced: 'call.sip', 'call.twilio', ...
    item          text NOT NULL,
    unit          text NOT NULL CHECK (unit IN ('second', 'minute', 'call', 'month')),
    milli_credits bigint NOT NULL CHECK (milli_credits >= 0),
    valid_from    timestamptz NOT NULL DEFAULT now(),
    valid_until   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until IS NULL OR valid_until > valid_from),
    UNIQUE (item, valid_from)
);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE ledger_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY ledger_entries_tenant ON ledger_entries
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE balances ENABLE ROW LEVEL SECURITY;
ALTER TABLE balances FORCE ROW LEVEL SECURITY;
CREATE POLICY balances_tenant ON balances
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
