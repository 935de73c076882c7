-- Clients, consent, referrals and follow-ups. Personal fields are encrypted by the
-- application (AEAD, bytea columns ending in _enc); the database never sees them in
-- clear. Access is enforced twice: in the domain layer and here, by row-level security
-- keyed on the acting organization that the service sets per transaction with
-- set_config('app.org_id', ..., true). With nothing set, every policy matches no row.

-- The acting organization of the current transaction, or NULL.
CREATE FUNCTION app_org() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;

-- Network-wide settings a network admin configures (one row).
CREATE TABLE network_settings (
    id                      boolean PRIMARY KEY DEFAULT true CHECK (id),
    consent_default_days    integer NOT NULL DEFAULT 90 CHECK (consent_default_days BETWEEN 1 AND 3650),
    consent_max_days        integer NOT NULL DEFAULT 365 CHECK (consent_max_days BETWEEN 1 AND 3650),
    follow_up_acute_days    integer NOT NULL DEFAULT 2 CHECK (follow_up_acute_days BETWEEN 0 AND 365),
    follow_up_transitional_days integer NOT NULL DEFAULT 7 CHECK (follow_up_transitional_days BETWEEN 0 AND 365),
    follow_up_long_term_days integer NOT NULL DEFAULT 30 CHECK (follow_up_long_term_days BETWEEN 0 AND 365),
    version                 integer NOT NULL DEFAULT 1,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (consent_default_days <= consent_max_days)
);
INSERT INTO network_settings DEFAULT VALUES;

-- Services for which a minor may consent alone (no parent or guardian), as a network
-- admin configures (e.g. where state law lets minors consent to that care).
ALTER TABLE services ADD COLUMN minor_may_consent_alone boolean NOT NULL DEFAULT false;

CREATE TABLE clients (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    -- Pseudonymous code used in conversation and on paper instead of a name.
    code             text NOT NULL,
    name_enc         bytea,
    date_of_birth_enc bytea,
    phone_enc        bytea,
    email_enc        bytea,
    needs_enc        bytea,
    notes_enc        bytea,
    -- Only when no date of birth is known: whether the client is a minor.
    declared_minor   boolean,
    preferred_language text,
    contact_channel  text NOT NULL DEFAULT 'NONE' CHECK (contact_channel IN ('PHONE', 'TEXT', 'EMAIL', 'IN_PERSON', 'NONE')),
    voicemail_ok     boolean NOT NULL DEFAULT false,
    may_name_agency  boolean NOT NULL DEFAULT false,
    do_not_contact   boolean NOT NULL DEFAULT false,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    UNIQUE (organization_id, code)
);

-- Consent is append-only: a consent row never changes; revocation is a row of its own.
CREATE TABLE consents (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id        uuid NOT NULL REFERENCES clients (id),
    -- The client's organization (the one that obtained the consent).
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    fields           text[] NOT NULL CHECK (cardinality(fields) > 0 AND fields <@ ARRAY[
        'NAME', 'CONTACT', 'DATE_OF_BIRTH', 'NEEDS', 'NOTES', 'LANGUAGE']::text[]),
    purpose          text NOT NULL CHECK (btrim(purpose) <> ''),
    method           text NOT NULL CHECK (method IN ('WRITTEN_SIGNED', 'VERBAL_DOCUMENTED')),
    contact_mode     text NOT NULL CHECK (contact_mode IN ('IN_PERSON', 'PHONE', 'ONLINE')),
    obtained_by      uuid REFERENCES users (id),
    obtained_at      timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    -- A minor's consent: the parent's or guardian's, never the suspected abuser's.
    guardian_relationship text,
    guardian_attested_not_suspected_abuser boolean,
    -- The one service a minor's own consent (without a guardian) is for.
    service_id       uuid REFERENCES services (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Standard 12: verbal consent only for phone or online contact.
    CHECK (method = 'WRITTEN_SIGNED' OR contact_mode IN ('PHONE', 'ONLINE')),
    CHECK (expires_at > obtained_at)
);
CREATE INDEX consents_client_idx ON consents (client_id);

CREATE TABLE consent_recipients (
    consent_id       uuid NOT NULL REFERENCES consents (id),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    owner_organization_id uuid NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (consent_id, organization_id)
);
CREATE INDEX consent_recipients_org_idx ON consent_recipients (organization_id, consent_id);

CREATE TABLE consent_revocations (
    consent_id       uuid PRIMARY KEY REFERENCES consents (id),
    owner_organization_id uuid NOT NULL REFERENCES organizations (id),
    revoked_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_by       uuid REFERENCES users (id)
);

CREATE TABLE referrals (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sender_organization_id    uuid NOT NULL REFERENCES organizations (id),
    recipient_organization_id uuid NOT NULL REFERENCES organizations (id),
    provider_id      uuid NOT NULL REFERENCES providers (id),
    service_id       uuid NOT NULL REFERENCES services (id),
    need_code        text NOT NULL REFERENCES need_categories (code),
    urgency          text NOT NULL CHECK (urgency IN ('EMERGENCY', 'URGENT', 'ROUTINE')),
    -- With consent: the client, and the fields the sender shares (checked live against
    -- an active consent at every read). Without personal data: both empty.
    client_id        uuid REFERENCES clients (id),
    shared_fields    text[] NOT NULL DEFAULT '{}',
    -- What a referral without personal data may carry.
    county_fips      text REFERENCES counties (fips),
    language         text,
    populations      text[] NOT NULL DEFAULT '{}',
    status           text NOT NULL CHECK (status IN ('DRAFT', 'SENT', 'ACCEPTED', 'DECLINED', 'IN_PROGRESS',
                                                     'COMPLETED', 'CANCELLED', 'UNABLE_TO_REACH')),
    decline_reason   text CHECK (decline_reason IN ('NO_CAPACITY', 'NOT_ELIGIBLE', 'SERVICE_NOT_OFFERED', 'OTHER')),
    sent_at          timestamptz,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CHECK ((client_id IS NULL) = (cardinality(shared_fields) = 0)),
    CHECK ((status = 'DECLINED') = (decline_reason IS NOT NULL))
);
CREATE INDEX referrals_sender_idx ON referrals (sender_organization_id, created_at);
CREATE INDEX referrals_recipient_idx ON referrals (recipient_organization_id, created_at);
CREATE INDEX referrals_client_idx ON referrals (client_id);

-- Every transition: who, when, why. Notes may hold personal data: encrypted.
CREATE TABLE referral_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id      uuid NOT NULL REFERENCES referrals (id),
    from_status      text,
    to_status        text NOT NULL,
    actor_user_id    uuid REFERENCES users (id),
    actor_organization_id uuid NOT NULL REFERENCES organizations (id),
    note_enc         bytea,
    at               timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, id);

CREATE TABLE follow_ups (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id      uuid NOT NULL REFERENCES referrals (id),
    -- The sending organization follows up on its referrals.
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    due_at           timestamptz NOT NULL,
    assigned_to      uuid REFERENCES users (id),
    completed_at     timestamptz,
    completed_by     uuid REFERENCES users (id),
    contact_made     boolean,
    service_started  boolean,
    need_still_open  boolean,
    created_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1
);
CREATE INDEX follow_ups_open_idx ON follow_ups (organization_id, due_at) WHERE completed_at IS NULL;
CREATE INDEX follow_ups_assignee_idx ON follow_ups (assigned_to, due_at) WHERE completed_at IS NULL;

-- Idempotency keys for createReferral and recordConsent: one record per key, and the
-- same key with different input is refused.
CREATE TABLE idempotency_keys (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    operation        text NOT NULL,
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash     bytea NOT NULL,
    result_id        uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, operation, key)
);

-- Row-level security. Each policy reads only its own columns or tables whose policies
-- read only their own columns, so policies never recurse.
ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE clients FORCE ROW LEVEL SECURITY;
ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
ALTER TABLE consent_recipients ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_recipients FORCE ROW LEVEL SECURITY;
ALTER TABLE consent_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_revocations FORCE ROW LEVEL SECURITY;
ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
ALTER TABLE referrals FORCE ROW LEVEL SECURITY;
ALTER TABLE referral_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE referral_events FORCE ROW LEVEL SECURITY;
ALTER TABLE follow_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE follow_ups FORCE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;

CREATE POLICY recipients_of_own_consents ON consent_recipients
    USING (owner_organization_id = app_org() OR organization_id = app_org())
    WITH CHECK (owner_organization_id = app_org());

CREATE POLICY consents_owner_or_recipient ON consents
    USING (organization_id = app_org()
           OR EXISTS (SELECT 1 FROM consent_recipients r WHERE r.consent_id = consents.id AND r.organization_id = app_org()))
    WITH CHECK (organization_id = app_org());

CREATE POLICY revocations_owner_or_recipient ON consent_revocations
    USING (owner_organization_id = app_org()
           OR EXISTS (SELECT 1 FROM consent_recipients r WHERE r.consent_id = consent_revocations.consent_id AND r.organization_id = app_org()))
    WITH CHECK (owner_organization_id = app_org());

-- A client row is visible to its organization, and to an organization named by a
-- consent for that client that is active right now (not expired, not revoked).
CREATE POLICY clients_owner_or_consented ON clients
    USING (organization_id = app_org()
           OR EXISTS (SELECT 1 FROM consents c JOIN consent_recipients r ON r.consent_id = c.id
                      WHERE c.client_id = clients.id AND r.organization_id = app_org()
                        AND c.expires_at > now()
                        AND NOT EXISTS (SELECT 1 FROM consent_revocations v WHERE v.consent_id = c.id)))
    WITH CHECK (organization_id = app_org());

CREATE POLICY referrals_sender_or_recipient ON referrals
    USING (sender_organization_id = app_org() OR recipient_organization_id = app_org())
    WITH CHECK (sender_organization_id = app_org() OR recipient_organization_id = app_org());

CREATE POLICY referral_events_of_visible_referrals ON referral_events
    USING (EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_events.referral_id))
    WITH CHECK (actor_organization_id = app_org());

CREATE POLICY follow_ups_of_own_organization ON follow_ups
    USING (organization_id = app_org())
    WITH CHECK (organization_id = app_org());

CREATE POLICY idempotency_keys_of_own_organization ON idempotency_keys
    USING (organization_id = app_org())
    WITH CHECK (organization_id = app_org());

GRANT SELECT, INSERT, UPDATE ON clients, referrals, follow_ups, idempotency_keys TO lantern_app;
-- Consent history and referral events are append-only for the service.
GRANT SELECT, INSERT ON consents, consent_recipients, consent_revocations, referral_events TO lantern_app;
GRANT SELECT, UPDATE ON network_settings TO lantern_app;
