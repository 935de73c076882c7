-- Identity: organizations (network members), users, memberships with roles, login
-- sessions, API keys, invitations, and the append-only audit log.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);
CREATE UNIQUE INDEX organizations_name_key ON organizations (lower(name)) WHERE archived_at IS NULL;

-- The organization that keeps a provider's listing (an organization may also be a
-- listed provider). NULL for listings the network keeps, such as the sample directory.
ALTER TABLE providers ADD COLUMN organization_id uuid REFERENCES organizations (id);
CREATE INDEX providers_organization_idx ON providers (organization_id);

-- Optimistic concurrency for location edits, as providers and services already have.
ALTER TABLE locations ADD COLUMN version integer NOT NULL DEFAULT 1;

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (position('@' IN email) > 1),
    display_name  text NOT NULL CHECK (btrim(display_name) <> ''),
    -- argon2id PHC string; NULL until the user accepts their invitation.
    password_hash text,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    role            text NOT NULL CHECK (role IN ('NETWORK_ADMIN', 'COORDINATOR', 'ADVOCATE', 'PROVIDER_STAFF', 'MDT_VIEWER')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX memberships_organization_idx ON memberships (organization_id);

-- Tokens are stored only as SHA-256 hashes.
CREATE TABLE invitations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash bytea NOT NULL UNIQUE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea NOT NULL UNIQUE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The one organization this session acts for, chosen at login.
    organization_id uuid NOT NULL REFERENCES organizations (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE api_keys (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key_hash        bytea NOT NULL UNIQUE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    role            text NOT NULL CHECK (role IN ('NETWORK_ADMIN', 'COORDINATOR', 'ADVOCATE', 'PROVIDER_STAFF', 'MDT_VIEWER')),
    label           text NOT NULL CHECK (btrim(label) <> ''),
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_keys_organization_idx ON api_keys (organization_id);

-- Append-only: the service role may INSERT and SELECT, never UPDATE or DELETE (see the
-- service-role migration). Rows name actors and targets by id only, never personal data.
CREATE TABLE audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_user_id    uuid,
    actor_api_key_id uuid,
    organization_id  uuid,
    action           text NOT NULL,
    target_type      text NOT NULL,
    target_id        text,
    request_id       text
);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, at);
