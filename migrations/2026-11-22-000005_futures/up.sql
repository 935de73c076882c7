-- The FUTURES columns as data: contacts ("Have a contact?"), MOUs ("Partner with
-- them?"), HT training ("Trained on HT?"); county teams and their worksheets; and
-- demand-side counts of referrals per county and need.

-- A named person at a provider known to the network (professional contact details).
CREATE TABLE provider_contacts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id   uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (btrim(name) <> ''),
    role          text,
    phone         text,
    email         text,
    last_verified_on date,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    archived_at   timestamptz
);
CREATE INDEX provider_contacts_provider_idx ON provider_contacts (provider_id) WHERE archived_at IS NULL;

-- An MOU with a provider. Status is what people record (draft, active, terminated);
-- "expired" is derived from the expiry date.
CREATE TABLE mous (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id   uuid NOT NULL REFERENCES providers (id),
    title         text NOT NULL CHECK (btrim(title) <> ''),
    scope_needs   text[] NOT NULL CHECK (cardinality(scope_needs) > 0),
    signed_on     date,
    effective_on  date NOT NULL,
    expires_on    date NOT NULL,
    status        text NOT NULL CHECK (status IN ('DRAFT', 'ACTIVE', 'TERMINATED')),
    document_ref  text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (expires_on >= effective_on)
);
CREATE INDEX mous_provider_idx ON mous (provider_id);
CREATE INDEX mous_expiry_idx ON mous (expires_on) WHERE status = 'ACTIVE';

-- The other parties: member organizations and/or county teams.
CREATE TABLE mou_parties (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    mou_id          uuid NOT NULL REFERENCES mous (id) ON DELETE CASCADE,
    organization_id uuid REFERENCES organizations (id),
    county_fips     text REFERENCES counties (fips),
    CHECK ((organization_id IS NULL) <> (county_fips IS NULL))
);
CREATE INDEX mou_parties_mou_idx ON mou_parties (mou_id);

CREATE TABLE training_records (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id     uuid NOT NULL REFERENCES providers (id),
    trained_on      date NOT NULL,
    -- BASIC: human trafficking basics covering sex and labor trafficking (Standard 18).
    kind            text NOT NULL CHECK (kind IN ('BASIC', 'ADVANCED')),
    topic           text,
    staff_share_percent integer CHECK (staff_share_percent BETWEEN 0 AND 100),
    evidence_ref    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz
);
CREATE INDEX training_records_provider_idx ON training_records (provider_id, trained_on) WHERE archived_at IS NULL;

-- "Trained on HT?": basic training within the last 3 years (it lapses on the third
-- anniversary). One definition, shared by search and the gap analysis.
CREATE VIEW provider_flags AS
    SELECT p.id AS provider_id,
           EXISTS (SELECT 1 FROM provider_contacts c WHERE c.provider_id = p.id AND c.archived_at IS NULL) AS has_contact,
           EXISTS (SELECT 1 FROM training_records t WHERE t.provider_id = p.id AND t.archived_at IS NULL
                     AND t.kind = 'BASIC' AND t.trained_on <= current_date
                     AND (t.trained_on + interval '3 years')::date > current_date) AS ht_trained,
           EXISTS (SELECT 1 FROM mous m WHERE m.provider_id = p.id AND m.status = 'ACTIVE'
                     AND m.effective_on <= current_date AND m.expires_on >= current_date) AS has_active_mou
    FROM providers p;

-- Organizations that are a county's team (its MDT): their members edit the county's
-- worksheet.
CREATE TABLE county_teams (
    county_fips     text NOT NULL REFERENCES counties (fips),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (county_fips, organization_id)
);
CREATE INDEX county_teams_org_idx ON county_teams (organization_id);

-- The county worksheet of the FUTURES assessment.
CREATE TABLE county_worksheets (
    county_fips     text PRIMARY KEY REFERENCES counties (fips),
    community_needs text,
    capacities      text,
    gaps            text,
    how_to_fill     text,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      uuid REFERENCES users (id)
);

CREATE TABLE action_items (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    county_fips     text NOT NULL REFERENCES counties (fips),
    goal            text NOT NULL CHECK (btrim(goal) <> ''),
    action_steps    text,
    -- [{ "organization": "...", "responsibilities": "..." }]
    organizations_engaged jsonb NOT NULL DEFAULT '[]',
    timeline        text,
    next_steps      text,
    resources_needed text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      uuid REFERENCES users (id),
    archived_at     timestamptz
);
CREATE INDEX action_items_county_idx ON action_items (county_fips) WHERE archived_at IS NULL;

-- Who edited what, when (field names, not values).
CREATE TABLE worksheet_edits (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    county_fips     text NOT NULL REFERENCES counties (fips),
    action_item_id  uuid REFERENCES action_items (id),
    fields          text[] NOT NULL,
    edited_by       uuid REFERENCES users (id),
    edited_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX worksheet_edits_county_idx ON worksheet_edits (county_fips, id);

-- Referral counts per county, need and sending day, kept by a trigger so that
-- demand-side gaps can be computed across every organization without anyone reading
-- referrals they may not see. Counts only; no ids.
CREATE TABLE referral_demand (
    county_fips     text NOT NULL REFERENCES counties (fips),
    need_code       text NOT NULL REFERENCES need_categories (code),
    sent_on         date NOT NULL,
    sent            integer NOT NULL DEFAULT 0,
    declined_no_capacity integer NOT NULL DEFAULT 0,
    placed          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (county_fips, need_code, sent_on)
);

CREATE FUNCTION referral_demand_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    placed_statuses text[] := ARRAY['ACCEPTED', 'IN_PROGRESS', 'COMPLETED'];
BEGIN
    IF NEW.county_fips IS NULL OR NEW.sent_at IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO referral_demand (county_fips, need_code, sent_on)
    VALUES (NEW.county_fips, NEW.need_code, NEW.sent_at::date)
    ON CONFLICT DO NOTHING;
    IF TG_OP = 'INSERT' OR OLD.sent_at IS NULL THEN
        UPDATE referral_demand SET sent = sent + 1
        WHERE county_fips = NEW.county_fips AND need_code = NEW.need_code AND sent_on = NEW.sent_at::date;
    END IF;
    IF NEW.status = 'DECLINED' AND NEW.decline_reason = 'NO_CAPACITY'
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'DECLINED') THEN
        UPDATE referral_demand SET declined_no_capacity = declined_no_capacity + 1
        WHERE county_fips = NEW.county_fips AND need_code = NEW.need_code AND sent_on = NEW.sent_at::date;
    END IF;
    IF NEW.status = ANY (placed_statuses) AND (TG_OP = 'INSERT' OR NOT OLD.status = ANY (placed_statuses)) THEN
        UPDATE referral_demand SET placed = placed + 1
        WHERE county_fips = NEW.county_fips AND need_code = NEW.need_code AND sent_on = NEW.sent_at::date;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER referral_demand_count AFTER INSERT OR UPDATE OF status, sent_at ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_demand_count();

GRANT SELECT, INSERT, UPDATE ON provider_contacts, mous, training_records, county_worksheets, action_items TO lantern_app;
GRANT SELECT, INSERT, DELETE ON mou_parties, county_teams TO lantern_app;
GRANT SELECT, INSERT ON worksheet_edits TO lantern_app;
GRANT SELECT ON provider_flags, referral_demand TO lantern_app;
