-- Notifications (transactional outbox, webhook deliveries, scheduled events) and
-- geocoding (cache; approximate locations retried later). Event payloads carry ids and
-- the event type only, never personal data.

CREATE TABLE webhook_subscriptions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    url             text NOT NULL,
    -- The signing secret, sealed by the application (it must be read back to sign).
    secret_enc      bytea NOT NULL,
    event_types     text[] NOT NULL CHECK (cardinality(event_types) > 0),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_org_idx ON webhook_subscriptions (organization_id) WHERE active;

-- Written in the same transaction as the change it announces.
CREATE TABLE outbox_events (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type      text NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    payload         jsonb NOT NULL,
    -- Scheduled events are emitted once per key, however many instances run.
    dedupe_key      text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL REFERENCES outbox_events (id),
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
    status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- A relay holding a delivery leases it; another relay may take it after the lease.
    leased_until    timestamptz,
    last_error      text,
    delivered_at    timestamptz,
    UNIQUE (event_id, subscription_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';

CREATE TABLE webhook_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id     bigint NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    status_code     integer,
    error           text,
    duration_ms     integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- Fan an event out to the organization's matching subscriptions, in the same
-- transaction as the event.
CREATE FUNCTION outbox_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (event_id, subscription_id)
    SELECT NEW.id, s.id FROM webhook_subscriptions s
    WHERE s.organization_id = NEW.organization_id AND s.active AND NEW.event_type = ANY (s.event_types);
    RETURN NEW;
END;
$$;
CREATE TRIGGER outbox_fan_out AFTER INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION outbox_fan_out();

-- Time-based events (a follow-up coming due, then overdue), queued with the change
-- that schedules them and moved to the outbox when their time comes.
CREATE TABLE scheduled_events (
    dedupe_key      text PRIMARY KEY,
    fire_at         timestamptz NOT NULL,
    event_type      text NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    payload         jsonb NOT NULL,
    cancelled       boolean NOT NULL DEFAULT false
);
CREATE INDEX scheduled_events_due_idx ON scheduled_events (fire_at) WHERE NOT cancelled;

-- Geocoding.
CREATE TABLE geocode_cache (
    address         text PRIMARY KEY,
    latitude        double precision,
    longitude       double precision,
    matched         boolean NOT NULL,
    looked_up_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE locations
    ADD COLUMN approximate boolean NOT NULL DEFAULT false,
    ADD COLUMN geocode_pending boolean NOT NULL DEFAULT false,
    ADD COLUMN geocode_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX locations_geocode_pending_idx ON locations (id) WHERE geocode_pending;

GRANT SELECT, INSERT, UPDATE ON webhook_subscriptions, webhook_deliveries, geocode_cache TO lantern_app;
-- Queued events are claimed by deleting them (exactly once across instances).
GRANT SELECT, INSERT, UPDATE, DELETE ON scheduled_events TO lantern_app;
GRANT SELECT, INSERT ON outbox_events, webhook_attempts TO lantern_app;
