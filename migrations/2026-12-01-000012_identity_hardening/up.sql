-- Access given in an organization by someone outside it (a network admin acting for
-- another organization, or the operator's `lantern admin create-user`): who was given
-- which role, when, and by whom. The organization is told (an `access.granted` event)
-- and its coordinators read the list. Append-only for the service, like the audit log:
-- whoever grants cannot erase the record of it.
CREATE TABLE access_grants (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id            uuid NOT NULL REFERENCES organizations (id),
    -- Exactly one of: a user given a membership, an API key created for the organization.
    user_id                    uuid REFERENCES users (id),
    api_key_id                 uuid REFERENCES api_keys (id),
    role                       text NOT NULL CHECK (role IN ('NETWORK_ADMIN', 'COORDINATOR', 'ADVOCATE', 'PROVIDER_STAFF', 'MDT_VIEWER')),
    granted_at                 timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- NULL user and key: the operator's command line.
    granted_by_user_id         uuid REFERENCES users (id),
    granted_by_api_key_id      uuid REFERENCES api_keys (id),
    granted_by_organization_id uuid REFERENCES organizations (id),
    request_id                 text,
    CHECK ((user_id IS NULL) <> (api_key_id IS NULL))
);
CREATE INDEX access_grants_organization_idx ON access_grants (organization_id, granted_at DESC, id DESC);

GRANT SELECT, INSERT ON access_grants TO lantern_app;
