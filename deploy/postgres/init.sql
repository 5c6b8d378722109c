-- Database-level objects of the platform: one login role and one schema per
-- service that keeps durable state, in the current database (`outcall`).
-- Each service creates its own tables with its own numbered migrations at
-- start; this file only gives it a place to put them. It runs as a superuser:
-- from /docker-entrypoint-initdb.d (docker-compose, POSTGRES_DB=outcall) and
-- from scripts/stack.sh on every start. It is idempotent.
--
-- Isolation: every role owns only its own schema and is granted nothing on
-- any other, and PUBLIC loses its rights on the public schema, so a service
-- cannot read or create tables outside its schema.
--
-- DEVELOPMENT ONLY: each role's password is its own name (oc_gateway /
-- oc_gateway). The local stack trusts 127.0.0.1 and does not use them; any
-- real deployment must set its own passwords (ALTER ROLE ... PASSWORD) or
-- use another authentication method.

\set ON_ERROR_STOP on

DO $$
DECLARE
    s text;
    r text;
BEGIN
    -- The schemas of docs/development.md; media keeps no durable state.
    FOREACH s IN ARRAY ARRAY['gateway', 'lead_ingest', 'assistants', 'scheduler', 'dialer',
                             'analyzer', 'calendar', 'billing', 'tickets']
    LOOP
        r := 'oc_' || s;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', r, r);
        END IF;
        -- Reassert the attributes on every run so that a role created by
        -- hand with more rights is brought back in line.
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       'NOREPLICATION NOBYPASSRLS', r);
        EXECUTE format('ALTER ROLE %I SET search_path = %I', r, s);

        IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s) THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', s, r);
        END IF;
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', s, r);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);

        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), r);
    END LOOP;

    -- Nobody but the owner (and superusers) may connect unless granted above.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
