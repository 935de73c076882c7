-- Who has room tonight (issue 18): capacity per service and unit, kept fresh, with holds
-- that cannot double-book the last bed and update links for night staff. The rules are
-- in src/capacity/.

-- The kinds of unit a service counts (a list the network admin keeps), each with the age
-- past which its figures are "call to confirm" and no longer count as available.
CREATE TABLE capacity_unit_kinds (
    code                text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name                text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 80),
    stale_after_minutes integer NOT NULL CHECK (stale_after_minutes BETWEEN 1 AND 43200),
    position            integer NOT NULL DEFAULT 0,
    archived_at         timestamptz,
    version             integer NOT NULL DEFAULT 1,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO capacity_unit_kinds (code, name, stale_after_minutes, position) VALUES
    ('bed', 'Bed', 720, 1),
    ('family_room', 'Family room', 720, 2),
    ('appointment_slot', 'Appointment slot', 1440, 3),
    ('case_management_opening', 'Case-management opening', 10080, 4);
GRANT SELECT, INSERT ON capacity_unit_kinds TO lantern_app;
GRANT UPDATE (name, stale_after_minutes, position, archived_at, version, updated_at) ON capacity_unit_kinds TO lantern_app;

-- How long an advocate's hold on a unit lasts.
ALTER TABLE network_settings ADD COLUMN capacity_hold_minutes integer NOT NULL DEFAULT 120
    CHECK (capacity_hold_minutes BETWEEN 5 AND 1440);

-- Update links: single-purpose (one service's figures), expiring, revocable; the token is
-- kept only as its SHA-256. Like API keys, checked in the domain before anything is read.
CREATE TABLE capacity_update_links (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id         uuid NOT NULL REFERENCES services (id),
    organization_id    uuid NOT NULL REFERENCES organizations (id),
    token_hash         bytea NOT NULL UNIQUE,
    label              text NOT NULL CHECK (btrim(label) <> '' AND char_length(label) <= 80),
    created_by         uuid REFERENCES users (id),
    created_by_api_key uuid REFERENCES api_keys (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    revoked_at         timestamptz,
    revoked_by         uuid REFERENCES users (id),
    uses               integer NOT NULL DEFAULT 0,
    last_used_at       timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX capacity_update_links_service_idx ON capacity_update_links (service_id);
CREATE INDEX capacity_update_links_organization_idx ON capacity_update_links (organization_id);
CREATE INDEX capacity_update_links_created_by_idx ON capacity_update_links (created_by);
CREATE INDEX capacity_update_links_created_by_api_key_idx ON capacity_update_links (created_by_api_key);
CREATE INDEX capacity_update_links_revoked_by_idx ON capacity_update_links (revoked_by);
GRANT SELECT, INSERT ON capacity_update_links TO lantern_app;
GRANT UPDATE (revoked_at, revoked_by, uses, last_used_at) ON capacity_update_links TO lantern_app;

-- The organization keeping a service's listing (NULL for an unkept or unknown one): who
-- may set its figures. Read as the caller.
CREATE FUNCTION capacity_service_owner(service uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT p.organization_id FROM public.services s JOIN public.providers p ON p.id = s.provider_id WHERE s.id = service
$$;
GRANT EXECUTE ON FUNCTION capacity_service_owner(uuid) TO lantern_app;

-- The figures as last set: one row per service and unit kind.
CREATE TABLE service_capacity (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id          uuid NOT NULL REFERENCES services (id),
    provider_id         uuid NOT NULL REFERENCES providers (id),
    unit_code           text NOT NULL REFERENCES capacity_unit_kinds (code),
    available           integer NOT NULL CHECK (available BETWEEN 0 AND 100000),
    maximum             integer CHECK (maximum BETWEEN 0 AND 100000),
    status              text NOT NULL CHECK (status IN ('AVAILABLE', 'WAITLIST', 'NO_CAPACITY')),
    accepting_referrals boolean NOT NULL DEFAULT true,
    note                text CHECK (char_length(note) <= 500),
    set_at              timestamptz NOT NULL DEFAULT now(),
    set_by              uuid REFERENCES users (id),
    set_by_api_key      uuid REFERENCES api_keys (id),
    set_by_link         uuid REFERENCES capacity_update_links (id),
    source              text NOT NULL CHECK (source IN ('STAFF', 'API_KEY', 'UPDATE_LINK', 'REFERRAL_ACCEPTED',
                                                         'REFERRAL_DECLINED')),
    referral_id         uuid REFERENCES referrals (id),
    version             integer NOT NULL DEFAULT 1,
    UNIQUE (service_id, unit_code),
    CHECK (maximum IS NULL OR available <= maximum)
);
CREATE INDEX service_capacity_provider_idx ON service_capacity (provider_id);
CREATE INDEX service_capacity_unit_code_idx ON service_capacity (unit_code);
CREATE INDEX service_capacity_set_by_idx ON service_capacity (set_by);
CREATE INDEX service_capacity_set_by_api_key_idx ON service_capacity (set_by_api_key);
CREATE INDEX service_capacity_set_by_link_idx ON service_capacity (set_by_link);
CREATE INDEX service_capacity_referral_idx ON service_capacity (referral_id);

-- A figure belongs to its service's provider, whatever the input says.
CREATE FUNCTION service_capacity_provider() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.provider_id := (SELECT s.provider_id FROM public.services s WHERE s.id = NEW.service_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER service_capacity_provider BEFORE INSERT OR UPDATE OF service_id ON service_capacity
    FOR EACH ROW EXECUTE FUNCTION service_capacity_provider();

-- Every figure ever set, append-only: written by the trigger below in the same statement
-- as the change, so no change escapes it; never updated or deleted.
CREATE TABLE service_capacity_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    capacity_id         uuid NOT NULL REFERENCES service_capacity (id),
    service_id          uuid NOT NULL REFERENCES services (id),
    unit_code           text NOT NULL REFERENCES capacity_unit_kinds (code),
    available           integer NOT NULL,
    maximum             integer,
    status              text NOT NULL,
    accepting_referrals boolean NOT NULL,
    note                text,
    set_at              timestamptz NOT NULL,
    set_by              uuid REFERENCES users (id),
    set_by_api_key      uuid REFERENCES api_keys (id),
    set_by_link         uuid REFERENCES capacity_update_links (id),
    source              text NOT NULL,
    referral_id         uuid REFERENCES referrals (id)
);
CREATE INDEX service_capacity_history_capacity_idx ON service_capacity_history (capacity_id, set_at);
CREATE INDEX service_capacity_history_service_idx ON service_capacity_history (service_id);
CREATE INDEX service_capacity_history_unit_code_idx ON service_capacity_history (unit_code);
CREATE INDEX service_capacity_history_set_by_idx ON service_capacity_history (set_by);
CREATE INDEX service_capacity_history_set_by_api_key_idx ON service_capacity_history (set_by_api_key);
CREATE INDEX service_capacity_history_set_by_link_idx ON service_capacity_history (set_by_link);
CREATE INDEX service_capacity_history_referral_idx ON service_capacity_history (referral_id);

CREATE FUNCTION service_capacity_record() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.service_capacity_history (capacity_id, service_id, unit_code, available, maximum, status,
        accepting_referrals, note, set_at, set_by, set_by_api_key, set_by_link, source, referral_id)
    VALUES (NEW.id, NEW.service_id, NEW.unit_code, NEW.available, NEW.maximum, NEW.status, NEW.accepting_referrals,
        NEW.note, NEW.set_at, NEW.set_by, NEW.set_by_api_key, NEW.set_by_link, NEW.source, NEW.referral_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER service_capacity_record AFTER INSERT OR UPDATE ON service_capacity
    FOR EACH ROW EXECUTE FUNCTION service_capacity_record();

-- History is append-only for everyone, the tables' owner included.
CREATE FUNCTION service_capacity_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'capacity history is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER service_capacity_history_append_only BEFORE UPDATE OR DELETE ON service_capacity_history
    FOR EACH ROW EXECUTE FUNCTION service_capacity_history_append_only();
CREATE TRIGGER service_capacity_history_no_truncate BEFORE TRUNCATE ON service_capacity_history
    FOR EACH STATEMENT EXECUTE FUNCTION service_capacity_history_append_only();

-- Holds: an advocate's organization holds one unit of a service for one of its referrals
-- until expires_at; ACTIVE until accepted (CONVERTED), declined, cancelled or released
-- (RELEASED) or swept after expiry (EXPIRED). An ACTIVE hold past expires_at no longer
-- holds anything: every count compares with the clock, the sweep only tidies.
CREATE TABLE capacity_holds (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    capacity_id     uuid NOT NULL REFERENCES service_capacity (id),
    referral_id     uuid NOT NULL REFERENCES referrals (id),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    held_by         uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'CONVERTED', 'RELEASED', 'EXPIRED')),
    ended_at        timestamptz,
    end_reason      text CHECK (end_reason IN ('ACCEPTED', 'DECLINED', 'CANCELLED', 'RELEASED', 'EXPIRED')),
    CHECK (expires_at > created_at),
    CHECK ((status = 'ACTIVE') = (ended_at IS NULL)),
    CHECK ((status = 'ACTIVE') = (end_reason IS NULL))
);
CREATE UNIQUE INDEX capacity_holds_one_per_referral ON capacity_holds (referral_id) WHERE status = 'ACTIVE';
CREATE INDEX capacity_holds_live_idx ON capacity_holds (capacity_id, expires_at) WHERE status = 'ACTIVE';
CREATE INDEX capacity_holds_capacity_idx ON capacity_holds (capacity_id);
CREATE INDEX capacity_holds_organization_idx ON capacity_holds (organization_id);
CREATE INDEX capacity_holds_held_by_idx ON capacity_holds (held_by);

-- A hold only ends, once: an ended hold never changes (the service role may change only
-- status, ended_at and end_reason, and an active hold has neither of the last two).
CREATE FUNCTION capacity_hold_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'ACTIVE' THEN
        RAISE EXCEPTION 'a hold only ends, once' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER capacity_hold_guard BEFORE UPDATE ON capacity_holds
    FOR EACH ROW EXECUTE FUNCTION capacity_hold_guard();

-- Row-level security. Figures are public (the domain withholds a confidential shelter's
-- counts); only the organization keeping the service's listing, or a network admin, sets
-- them. History is for that organization and network admins. A hold is seen by the
-- organization holding it and the one keeping the service.
ALTER TABLE service_capacity ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_capacity FORCE ROW LEVEL SECURITY;
CREATE POLICY service_capacity_public ON service_capacity FOR SELECT USING (true);
CREATE POLICY service_capacity_set ON service_capacity FOR INSERT
    WITH CHECK ((capacity_service_owner(service_id) = app_org() OR app_network_admin())
                AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY service_capacity_reset ON service_capacity FOR UPDATE
    USING (capacity_service_owner(service_id) = app_org() OR app_network_admin())
    WITH CHECK ((capacity_service_owner(service_id) = app_org() OR app_network_admin())
                AND set_by IS NOT DISTINCT FROM app_user());
GRANT SELECT, INSERT ON service_capacity TO lantern_app;
GRANT UPDATE (available, maximum, status, accepting_referrals, note, set_at, set_by, set_by_api_key, set_by_link,
              source, referral_id, version)
    ON service_capacity TO lantern_app;

ALTER TABLE service_capacity_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_capacity_history FORCE ROW LEVEL SECURITY;
CREATE POLICY service_capacity_history_visible ON service_capacity_history FOR SELECT
    USING (capacity_service_owner(service_id) = app_org() OR app_network_admin());
CREATE POLICY service_capacity_history_recorded ON service_capacity_history FOR INSERT
    WITH CHECK (capacity_service_owner(service_id) = app_org() OR app_network_admin());
GRANT SELECT, INSERT ON service_capacity_history TO lantern_app;

CREATE FUNCTION capacity_hold_owner(capacity uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT capacity_service_owner(c.service_id) FROM public.service_capacity c WHERE c.id = capacity
$$;
GRANT EXECUTE ON FUNCTION capacity_hold_owner(uuid) TO lantern_app;

ALTER TABLE capacity_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE capacity_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY capacity_holds_visible ON capacity_holds FOR SELECT
    USING (organization_id = app_org() OR capacity_hold_owner(capacity_id) = app_org() OR app_network_admin());
CREATE POLICY capacity_holds_placed ON capacity_holds FOR INSERT
    WITH CHECK (organization_id = app_org() AND status = 'ACTIVE' AND held_by IS NOT DISTINCT FROM app_user());
CREATE POLICY capacity_holds_ended ON capacity_holds FOR UPDATE
    USING (organization_id = app_org() OR capacity_hold_owner(capacity_id) = app_org())
    WITH CHECK (organization_id = app_org() OR capacity_hold_owner(capacity_id) = app_org());
GRANT SELECT, INSERT ON capacity_holds TO lantern_app;
GRANT UPDATE (status, ended_at, end_reason) ON capacity_holds TO lantern_app;

-- Live holds per figure, whoever holds them: what every answer subtracts from the figure
-- (a count and the next expiry, never whose). Reads as the owner, through the policy below.
CREATE FUNCTION capacity_live_holds(capacities uuid[])
RETURNS TABLE (capacity_id uuid, held integer, expiries timestamptz[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT h.capacity_id, count(*)::integer, array_agg(h.expires_at ORDER BY h.expires_at)
    FROM public.capacity_holds h
    WHERE h.capacity_id = ANY (capacities) AND h.status = 'ACTIVE' AND h.expires_at > now()
    GROUP BY h.capacity_id
$$;
REVOKE ALL ON FUNCTION capacity_live_holds(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION capacity_live_holds(uuid[]) TO lantern_app;
DO $$
BEGIN
    EXECUTE format('CREATE POLICY capacity_holds_counted ON capacity_holds FOR SELECT TO %I USING (true)', current_user);
END
$$;

-- Room now, for search: the spans of time in which a unit of a service may be offered
-- (src/capacity `room_state` is ROOM_NOW): the unit's figure is accepting referrals,
-- AVAILABLE with a count above zero, from the moment enough of its live holds have expired
-- (NULL: already) until its figure goes stale (fresh up to the limit exactly). The
-- directory index loads these; SQL searches ask `service_has_room`. One definition.
CREATE FUNCTION service_room_windows(service uuid)
RETURNS TABLE (room_from timestamptz, room_until timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN coalesce(h.held, 0) < c.available THEN NULL
                ELSE h.expiries[h.held - c.available + 1] END,
           c.set_at + make_interval(mins => k.stale_after_minutes)
    FROM public.service_capacity c
    JOIN public.capacity_unit_kinds k ON k.code = c.unit_code AND k.archived_at IS NULL
    LEFT JOIN LATERAL public.capacity_live_holds(ARRAY[c.id]) h ON true
    WHERE c.service_id = service AND c.accepting_referrals AND c.status = 'AVAILABLE' AND c.available > 0
$$;
CREATE FUNCTION service_has_room(service uuid, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.service_room_windows(service) w
                   WHERE (w.room_from IS NULL OR w.room_from <= at) AND at <= w.room_until)
$$;
GRANT EXECUTE ON FUNCTION service_room_windows(uuid), service_has_room(uuid, timestamptz) TO lantern_app;

-- The directory index keeps every figure and live hold: announce the providers touched.
CREATE FUNCTION notify_capacity_hold_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
BEGIN
    SELECT array_agg(DISTINCT c.provider_id::text) INTO ids
    FROM changed h JOIN service_capacity c ON c.id = h.capacity_id;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(ids) > 150 THEN
        PERFORM pg_notify('lantern_directory', '*');
    ELSE
        PERFORM pg_notify('lantern_directory', array_to_string(ids, ','));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER service_capacity_index_ins AFTER INSERT ON service_capacity REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change();
CREATE TRIGGER service_capacity_index_upd AFTER UPDATE ON service_capacity REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change();
CREATE TRIGGER service_capacity_index_trunc AFTER TRUNCATE ON service_capacity
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_reload();
CREATE TRIGGER capacity_holds_index_ins AFTER INSERT ON capacity_holds REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_capacity_hold_change();
CREATE TRIGGER capacity_holds_index_upd AFTER UPDATE ON capacity_holds REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_capacity_hold_change();
CREATE TRIGGER capacity_unit_kinds_index_reload AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON capacity_unit_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_reload();
