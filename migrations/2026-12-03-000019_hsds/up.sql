-- Open Referral (HSDS 3.0): stable ids for services at locations, and where imported
-- records came from.

-- HSDS's service_at_location id for a Lantern service offered at one of its provider's
-- locations: the first 16 bytes of SHA-256 over the two ids (src/hsds/ids.rs computes
-- the same in Rust, so the in-memory index can name a pair without a lookup).
CREATE FUNCTION hsds_service_at_location_id(service_id uuid, location_id uuid) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT substr(encode(sha256(uuid_send(service_id) || uuid_send(location_id)), 'hex'), 1, 32)::uuid
$$;

-- Every service × location pair of the same provider, so `GET /hsds/service_at_locations/{id}`
-- finds one by its id. Kept by the triggers below; archived services and locations stay
-- (readers join and skip them), deleted ones go with their rows.
CREATE TABLE hsds_service_at_locations (
    id          uuid PRIMARY KEY,
    service_id  uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    location_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    UNIQUE (service_id, location_id)
);
CREATE INDEX hsds_service_at_locations_location_idx ON hsds_service_at_locations (location_id);

CREATE FUNCTION hsds_pair_new_service() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hsds_service_at_locations (id, service_id, location_id)
    SELECT hsds_service_at_location_id(c.id, l.id), c.id, l.id
    FROM changed c JOIN locations l ON l.provider_id = c.provider_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE FUNCTION hsds_pair_new_location() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hsds_service_at_locations (id, service_id, location_id)
    SELECT hsds_service_at_location_id(s.id, c.id), s.id, c.id
    FROM changed c JOIN services s ON s.provider_id = c.provider_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER services_hsds_pairs AFTER INSERT ON services REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hsds_pair_new_service();
CREATE TRIGGER locations_hsds_pairs AFTER INSERT ON locations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION hsds_pair_new_location();

INSERT INTO hsds_service_at_locations (id, service_id, location_id)
SELECT hsds_service_at_location_id(s.id, l.id), s.id, l.id
FROM services s JOIN locations l ON l.provider_id = s.provider_id;

GRANT SELECT, INSERT ON hsds_service_at_locations TO lantern_app;
GRANT EXECUTE ON FUNCTION hsds_service_at_location_id(uuid, uuid) TO lantern_app;

-- Records imported by `lantern hsds import`: which Lantern row each source record became,
-- so a re-import updates instead of duplicating, and what it held (a digest) so an
-- unchanged record is reported as such. Written by the importer as the tables' owner.
CREATE TABLE hsds_import_records (
    source      text NOT NULL CHECK (btrim(source) <> ''),
    entity      text NOT NULL CHECK (entity IN ('organization', 'service', 'location')),
    source_id   text NOT NULL,
    lantern_id  uuid NOT NULL,
    digest      text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, entity, source_id)
);
CREATE INDEX hsds_import_records_lantern_idx ON hsds_import_records (lantern_id);
GRANT SELECT ON hsds_import_records TO lantern_app;
