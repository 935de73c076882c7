-- The service connects as lantern_app: not a superuser, not the owner of any table, not
-- BYPASSRLS (the service checks this at start and refuses to run otherwise). Migrations
-- run as the owner. The role is cluster-wide, so it is created only if missing; in a
-- managed deployment create it (with a password) before migrating.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lantern_app') THEN
        CREATE ROLE lantern_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO lantern_app;
GRANT SELECT ON need_categories, counties, provider_counties TO lantern_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    providers, provider_phones, services, service_needs, locations, provider_service_areas,
    organizations, users, memberships, invitations, sessions, api_keys
    TO lantern_app;
-- Append-only audit trail.
GRANT SELECT, INSERT ON audit_log TO lantern_app;
-- PostGIS' reference table, read by geography casts.
GRANT SELECT ON spatial_ref_sys TO lantern_app;
-- So the service can tell whether the schema is current before it serves.
GRANT SELECT ON __diesel_schema_migrations TO lantern_app;
