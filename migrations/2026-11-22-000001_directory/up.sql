-- Foundation: the FUTURES need matrix, North Carolina's counties and the provider directory
-- (HSDS organization -> service -> location, plus each provider's service area).

CREATE EXTENSION IF NOT EXISTS postgis;

-- One row per row of the FUTURES "Anti-Human Trafficking Resources Assessment".
CREATE TABLE need_categories (
    code     text PRIMARY KEY CHECK (code ~ '^(acute|transitional|long_term)\.[a-z0-9_]+$'),
    phase    text NOT NULL CHECK (phase IN ('ACUTE', 'TRANSITIONAL', 'LONG_TERM')),
    label    text NOT NULL CHECK (btrim(label) <> ''),
    position integer NOT NULL UNIQUE
);

CREATE TABLE counties (
    fips           text PRIMARY KEY CHECK (fips ~ '^[0-9]{5}$'),
    name           text NOT NULL,
    boundary       geometry(MultiPolygon, 4326) NOT NULL,
    -- A point guaranteed inside the county: the only position ever shown, or used for
    -- distances, for a confidential location when the viewer may not see the real one.
    interior_point geometry(Point, 4326) NOT NULL GENERATED ALWAYS AS (ST_PointOnSurface(boundary)) STORED
);
CREATE INDEX counties_boundary_gix ON counties USING gist (boundary);

CREATE TABLE providers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    kind        text NOT NULL,
    description text,
    website     text,
    email       text,
    -- Synthetic sample listings are marked so they can never pass for real organizations.
    synthetic   boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);
-- Name order is byte order (COLLATE "C") everywhere, so pages and cursors do not depend
-- on the server's locale.
CREATE INDEX providers_name_idx ON providers ((name COLLATE "C"), id) WHERE archived_at IS NULL;

CREATE TABLE provider_phones (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    number           text NOT NULL,
    label            text,
    twenty_four_hour boolean NOT NULL DEFAULT false,
    position         integer NOT NULL DEFAULT 0
);
CREATE INDEX provider_phones_provider_idx ON provider_phones (provider_id, position);

CREATE TABLE services (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    description text,
    eligibility text,
    cost        text,
    open_24h    boolean NOT NULL DEFAULT false,
    -- ISO 639 language codes, lower case.
    languages   text[] NOT NULL DEFAULT '{}',
    populations text[] NOT NULL DEFAULT '{}' CHECK (populations <@ ARRAY[
        'ADULTS', 'MINORS', 'FOREIGN_BORN', 'MEN_AND_BOYS', 'LGBTQ', 'PEOPLE_WITH_DISABILITIES']::text[]),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz
);
CREATE INDEX services_provider_idx ON services (provider_id) WHERE archived_at IS NULL;
CREATE INDEX services_languages_gin ON services USING gin (languages);
CREATE INDEX services_populations_gin ON services USING gin (populations);

CREATE TABLE service_needs (
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    need_code  text NOT NULL REFERENCES need_categories (code),
    PRIMARY KEY (service_id, need_code)
);
CREATE INDEX service_needs_need_idx ON service_needs (need_code, service_id);

CREATE TABLE locations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name         text,
    street       text,
    city         text,
    state        text,
    postal_code  text,
    geog         geography(Point, 4326) NOT NULL,
    confidential boolean NOT NULL DEFAULT false,
    -- Both derived by locations_derive_place() on every write; never taken from input.
    county_fips  text NOT NULL REFERENCES counties (fips),
    public_geog  geography(Point, 4326) NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    archived_at  timestamptz
);
CREATE INDEX locations_provider_idx ON locations (provider_id) WHERE archived_at IS NULL;
CREATE INDEX locations_county_idx ON locations (county_fips, provider_id) WHERE archived_at IS NULL;
-- Nearest-neighbour (KNN) searches order by public_geog <-> point on this index.
CREATE INDEX locations_public_geog_gix ON locations USING gist (public_geog) WHERE archived_at IS NULL;
CREATE INDEX locations_geog_gix ON locations USING gist (geog) WHERE archived_at IS NULL;

-- A location's county comes from its point (point in polygon), and a confidential
-- location's public position is its county's interior point, so that nothing derived
-- from the public position (distance, rank, radius membership) can reveal where it is.
CREATE FUNCTION locations_derive_place() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    found_fips text;
    county_point geometry;
BEGIN
    SELECT c.fips, c.interior_point INTO found_fips, county_point
    FROM counties c
    WHERE ST_Covers(c.boundary, NEW.geog::geometry)
    ORDER BY c.fips
    LIMIT 1;
    IF found_fips IS NULL THEN
        RAISE EXCEPTION 'location is outside every known county'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'locations_point_in_county';
    END IF;
    NEW.county_fips := found_fips;
    NEW.public_geog := CASE WHEN NEW.confidential THEN county_point::geography ELSE NEW.geog END;
    RETURN NEW;
END;
$$;

CREATE TRIGGER locations_derive_place
    BEFORE INSERT OR UPDATE ON locations
    FOR EACH ROW EXECUTE FUNCTION locations_derive_place();

-- Counties a provider declares it serves. Its locations' counties are served too:
-- see provider_counties.
CREATE TABLE provider_service_areas (
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    county_fips text NOT NULL REFERENCES counties (fips),
    PRIMARY KEY (provider_id, county_fips)
);
CREATE INDEX provider_service_areas_county_idx ON provider_service_areas (county_fips, provider_id);

-- The one definition of "a provider located in or serving a county", shared by search
-- and (later) the county gap analysis so their counts always agree.
CREATE VIEW provider_counties AS
    SELECT provider_id, county_fips, bool_or(located) AS located
    FROM (
        SELECT provider_id, county_fips, true AS located FROM locations WHERE archived_at IS NULL
        UNION ALL
        SELECT provider_id, county_fips, false AS located FROM provider_service_areas
    ) coverage
    GROUP BY provider_id, county_fips;
