-- assistants, second schema: what ocpb.Assistant carries beyond 001 (the
-- maximum call duration, the voicemail message), a position for keyset
-- listing, the caller's idempotency key for creation, and versions that
-- can never change once written.

-- Insertion order: the list's "newest first" and its cursor. Existing rows
-- are numbered as the column is added.
ALTER TABLE assistants ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE assistants ADD CONSTRAINT assistants_seq_unique UNIQUE (seq);
CREATE INDEX assistants_listing ON assistants (tenant_id, seq);

-- A create retried with the same idempotency key returns the first
-- assistant instead of making a second one (NULL: no key given).
ALTER TABLE assistants ADD COLUMN idempotency_key text;
ALTER TABLE assistants ADD CONSTRAINT assistants_idempotency_unique
    UNIQUE (tenant_id, idempotency_key);

-- 0: the media service's default duration; empty: hang up on a machine.
ALTER TABLE assistants
    ADD COLUMN max_duration_s integer NOT NULL DEFAULT 0 CHECK (max_duration_s >= 0),
    ADD COLUMN voicemail_message text NOT NULL DEFAULT '';
ALTER TABLE assistant_versions
    ADD COLUMN max_duration_s integer NOT NULL DEFAULT 0 CHECK (max_duration_s >= 0),
    ADD COLUMN voicemail_message text NOT NULL DEFAULT '';

-- A call job carries a snapshot of one version; the version it names must
-- read the same for as long as it exists. Deleting an assistant (which
-- takes its versions with it) stays possible.
CREATE FUNCTION assistant_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'assistant versions are never changed';
END
$$;
CREATE TRIGGER assistant_versions_immutable BEFORE UPDATE ON assistant_versions
    FOR EACH ROW EXECUTE FUNCTION assistant_versions_immutable();
