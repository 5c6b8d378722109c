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

-- lead-ingest's bulk-load role. Postgres refuses COPY into a table whose
-- row-level security applies to the role, and importing a million leads
-- through a staging table and INSERT ... SELECT takes several times as long.
-- So the import's writer takes this role (SET LOCAL ROLE) for the one COPY of
-- each batch into lead_ingest.leads, and writes the tenant of every row
-- itself. The role cannot log in, bypasses row-level security, and may do
-- nothing but insert into that one table. It gives the service's role
-- nothing it could not do already (the owner of a table can always switch
-- its row-level security off); it narrows the statement that needs the
-- bypass to inserting. The table comes with the service's migrations, which
-- grant the insert when the role exists first; here the grant is reasserted
-- as the only one when the table exists first. Only a true superuser may
-- give BYPASSRLS (Postgres 15; a managed service's admin role may not be
-- one): without it this part is skipped with a warning, and imports write
-- through a staging table, correct but several times slower.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'oc_lead_ingest_bulk') THEN
        CREATE ROLE oc_lead_ingest_bulk NOLOGIN BYPASSRLS;
    END IF;
    ALTER ROLE oc_lead_ingest_bulk NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
        BYPASSRLS;
    GRANT USAGE ON SCHEMA lead_ingest TO oc_lead_ingest_bulk;
    IF to_regclass('lead_ingest.leads') IS NOT NULL THEN
        REVOKE ALL ON ALL TABLES IN SCHEMA lead_ingest FROM oc_lead_ingest_bulk;
        GRANT INSERT ON lead_ingest.leads TO oc_lead_ingest_bulk;
    END IF;
    GRANT oc_lead_ingest_bulk TO oc_lead_ingest;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'role oc_lead_ingest_bulk not set up (%): lead-ingest imports will be slower',
        SQLERRM;
END
$$;
