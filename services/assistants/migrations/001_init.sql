-- assistants, first schema: the voice assistants a tenant builds (language,
-- greeting, the script the scripted dialogue engine follows, the wizard's
-- answers, objection handling) and an immutable version of each as it was
-- saved, which call jobs snapshot so that an edit never changes a call
-- already on its way.
--
-- Inside the schema, references carry tenant_id, so a row can never point at
-- another tenant's row, even through a guessed id (foreign-key checks bypass
-- row-level security).

CREATE TABLE assistants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    name        text NOT NULL,
    language    text NOT NULL CHECK (language IN ('es', 'en')),
    greeting    text NOT NULL DEFAULT '',
    -- Objective, lines to say, closing line: what the scripted engine follows.
    script      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(script) = 'object'),
    -- The answers given in the guided wizard, kept to edit the assistant later.
    wizard      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(wizard) = 'object'),
    objections  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(objections) = 'array'),
    -- Text-to-speech voice; NULL: the engine's default for the language.
    voice       text,
    -- Speech-to-text, text-to-speech and dialogue engines chosen for this
    -- assistant; {}: the service configuration's defaults.
    engines     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(engines) = 'object'),
    -- The newest row of assistant_versions for this assistant.
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'archived')),
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);
CREATE INDEX assistants_created ON assistants (tenant_id, created_at, id);
CREATE INDEX assistants_status ON assistants (tenant_id, status);

-- One row per saved version; never updated. prompt is the system prompt
-- rendered for the chat dialogue engine (NULL until first rendered).
CREATE TABLE assistant_versions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL,
    assistant_id  uuid NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    name          text NOT NULL,
    language      text NOT NULL CHECK (language IN ('es', 'en')),
    greeting      text NOT NULL,
    script        jsonb NOT NULL CHECK (jsonb_typeof(script) = 'object'),
    wizard        jsonb NOT NULL CHECK (jsonb_typeof(wizard) = 'object'),
    objections    jsonb NOT NULL CHECK (jsonb_typeof(objections) = 'array'),
    voice         text,
    engines       jsonb NOT NULL CHECK (jsonb_typeof(engines) = 'object'),
    prompt        text,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, assistant_id, version),
    FOREIGN KEY (tenant_id, assistant_id) REFERENCES assistants (tenant_id, id) ON DELETE CASCADE
);

-- Row-level security, as docs/development.md gives it.
ALTER TABLE assistants ENABLE ROW LEVEL SECURITY;
ALTER TABLE assistants FORCE ROW LEVEL SECURITY;
CREATE POLICY assistants_tenant ON assistants
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());

ALTER TABLE assistant_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE assistant_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY assistant_versions_tenant ON assistant_versions
    USING (tenant_id = rls_tenant() OR rls_bypass())
    WITH CHECK (tenant_id = rls_tenant() OR rls_bypass());
