-- The role itself is cluster-wide and may serve other databases: only its grants here go.
REVOKE ALL ON audit_log, api_keys, sessions, invitations, memberships, users, organizations,
    provider_service_areas, locations, service_needs, services, provider_phones, providers,
    provider_counties, counties, need_categories, spatial_ref_sys FROM lantern_app;
REVOKE ALL ON __diesel_schema_migrations FROM lantern_app;
REVOKE USAGE ON SCHEMA public FROM lantern_app;
