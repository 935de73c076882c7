-- The NC Human Trafficking Commission's Standards of Service (issue 19): the standards as
-- reference data, organizations' self-assessments kept as versions, their review standard
-- by standard, the public outcome (which service areas an organization meets the
-- standards for, from when until when), reviewer grants, and the FUTURES capacity
-- checklist with its internal review and action plan. The rules are in src/standards/.

-- Reference data, loaded by `lantern seed` from seed-data/standards.json,
-- standards-service-areas.json and capacity-checklist.json.
CREATE TABLE standard_service_areas (
    code       text PRIMARY KEY CHECK (code ~ '^[A-Z_]+$'),
    number     integer NOT NULL UNIQUE CHECK (number > 0),
    title      text NOT NULL CHECK (btrim(title) <> ''),
    definition text NOT NULL,
    goal       text NOT NULL
);

-- A standard is foundational (area_code NULL, with the group it is listed under) or
-- belongs to one service area. exceeds is NULL where the document gives no such level
-- (Standard 41); statement is NULL where it gives none (Standard 51).
CREATE TABLE standards (
    number        integer PRIMARY KEY CHECK (number > 0),
    area_code     text REFERENCES standard_service_areas (code),
    group_title   text,
    title         text NOT NULL CHECK (btrim(title) <> ''),
    statement     text,
    exceeds       text,
    meets         text NOT NULL CHECK (btrim(meets) <> ''),
    does_not_meet text NOT NULL CHECK (btrim(does_not_meet) <> ''),
    CHECK ((area_code IS NULL) = (group_title IS NOT NULL))
);
CREATE INDEX standards_area_code_idx ON standards (area_code);

-- Which service areas a service meeting a FUTURES need belongs to (a choice, kept as data).
CREATE TABLE need_standard_areas (
    need_code text NOT NULL REFERENCES need_categories (code),
    area_code text NOT NULL REFERENCES standard_service_areas (code),
    PRIMARY KEY (need_code, area_code)
);
CREATE INDEX need_standard_areas_area_code_idx ON need_standard_areas (area_code);

CREATE TABLE capacity_checklist_sections (
    number integer PRIMARY KEY CHECK (number > 0),
    code   text NOT NULL UNIQUE,
    title  text NOT NULL
);

-- TEXT questions are answered in words; YES_NO ones yes / no / in progress.
CREATE TABLE capacity_checklist_items (
    code           text PRIMARY KEY,
    section_number integer NOT NULL REFERENCES capacity_checklist_sections (number),
    position       integer NOT NULL CHECK (position > 0),
    text           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('TEXT', 'YES_NO')),
    UNIQUE (section_number, position)
);

GRANT SELECT ON standard_service_areas, standards, need_standard_areas,
    capacity_checklist_sections, capacity_checklist_items TO lantern_app;

-- An organization's home county, where the aggregate counts it: the county holding most
-- of the live locations of the listings it keeps (ties: the lowest FIPS); without a
-- location, the one county its listings serve, if they serve exactly one; otherwise none
-- (counted statewide only). One county each, so the per-county figures add up to the
-- statewide one and nothing can be worked out from overlaps (see src/standards/aggregate.rs).
CREATE VIEW organization_home_counties AS
WITH located AS (
    SELECT p.organization_id, l.county_fips, count(*) AS n
    FROM providers p JOIN locations l ON l.provider_id = p.id
    WHERE p.organization_id IS NOT NULL AND p.archived_at IS NULL AND l.archived_at IS NULL
    GROUP BY p.organization_id, l.county_fips
), best AS (
    SELECT DISTINCT ON (organization_id) organization_id, county_fips
    FROM located ORDER BY organization_id, n DESC, county_fips
), served AS (
    SELECT p.organization_id, min(a.county_fips) AS county_fips
    FROM providers p JOIN provider_service_areas a ON a.provider_id = p.id
    WHERE p.organization_id IS NOT NULL AND p.archived_at IS NULL
    GROUP BY p.organization_id
    HAVING count(DISTINCT a.county_fips) = 1
)
SELECT organization_id, county_fips FROM best
UNION ALL
SELECT s.organization_id, s.county_fips FROM served s
WHERE NOT EXISTS (SELECT 1 FROM best b WHERE b.organization_id = s.organization_id);
GRANT SELECT ON organization_home_counties TO lantern_app;

-- Reviewer grants: a network admin lets a user review submitted assessments. Kept with
-- who granted and revoked them, and when; one live grant per user.
CREATE TABLE standards_reviewers (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id),
    granted_by uuid REFERENCES users (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    revoked_by uuid REFERENCES users (id),
    revoked_at timestamptz
);
CREATE UNIQUE INDEX standards_reviewers_live_key ON standards_reviewers (user_id) WHERE revoked_at IS NULL;
CREATE INDEX standards_reviewers_granted_by_idx ON standards_reviewers (granted_by);
CREATE INDEX standards_reviewers_revoked_by_idx ON standards_reviewers (revoked_by);
GRANT SELECT, INSERT ON standards_reviewers TO lantern_app;
GRANT UPDATE (revoked_by, revoked_at) ON standards_reviewers TO lantern_app;

-- Who is acting, as row-level security sees it (app_org() and app_user() are set per
-- transaction by src/db/rls.rs). Read as the caller, with the identity tables' rights.
-- A member of `org` (any role): such a user never reviews it.
CREATE FUNCTION app_member_of(org uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.memberships m WHERE m.user_id = app_user() AND m.organization_id = org)
$$;
-- A signed-in network admin acting for their organization.
CREATE FUNCTION app_network_admin() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.memberships m
                   WHERE m.user_id = app_user() AND m.organization_id = app_org() AND m.role = 'NETWORK_ADMIN')
$$;
-- May review submitted assessments: a network admin, or a user holding a live grant.
CREATE FUNCTION app_standards_reviewer() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT app_network_admin()
        OR EXISTS (SELECT 1 FROM public.standards_reviewers r WHERE r.user_id = app_user() AND r.revoked_at IS NULL)
$$;
GRANT EXECUTE ON FUNCTION app_member_of(uuid), app_network_admin(), app_standards_reviewer() TO lantern_app;

-- The service areas an organization adds to, or removes from, those derived from its
-- services' needs; who chose and when (every change is also in the audit log).
CREATE TABLE organization_standard_areas (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    area_code       text NOT NULL REFERENCES standard_service_areas (code),
    provided        boolean NOT NULL,
    reason          text NOT NULL CHECK (btrim(reason) <> ''),
    set_by          uuid REFERENCES users (id),
    set_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, area_code)
);
CREATE INDEX organization_standard_areas_area_code_idx ON organization_standard_areas (area_code);
CREATE INDEX organization_standard_areas_set_by_idx ON organization_standard_areas (set_by);

-- Self-assessments, one row per version (number 1, 2, … per organization). A draft is the
-- organization's alone; once submitted its service areas are frozen and it awaits review,
-- then it is RETURNED (the next version starts from it) or ACCEPTED (with an outcome).
-- Submitted versions never change again.
CREATE TABLE standards_assessments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    number          integer NOT NULL CHECK (number > 0),
    status          text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'SUBMITTED', 'RETURNED', 'ACCEPTED')),
    service_areas   text[],
    based_on        uuid REFERENCES standards_assessments (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES users (id),
    submitted_at    timestamptz,
    submitted_by    uuid REFERENCES users (id),
    reviewed_at     timestamptz,
    reviewed_by     uuid REFERENCES users (id),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, number),
    UNIQUE (id, organization_id),
    CHECK ((status = 'DRAFT') = (submitted_at IS NULL)),
    CHECK ((status = 'DRAFT') = (service_areas IS NULL)),
    CHECK ((status IN ('RETURNED', 'ACCEPTED')) = (reviewed_at IS NOT NULL))
);
-- One open assessment (a draft, or one awaiting review) per organization.
CREATE UNIQUE INDEX standards_assessments_open_key ON standards_assessments (organization_id)
    WHERE status IN ('DRAFT', 'SUBMITTED');
CREATE INDEX standards_assessments_awaiting_idx ON standards_assessments (submitted_at) WHERE status = 'SUBMITTED';
CREATE INDEX standards_assessments_based_on_idx ON standards_assessments (based_on);
CREATE INDEX standards_assessments_created_by_idx ON standards_assessments (created_by);
CREATE INDEX standards_assessments_submitted_by_idx ON standards_assessments (submitted_by);
CREATE INDEX standards_assessments_reviewed_by_idx ON standards_assessments (reviewed_by);

-- One answer per standard and version: a level (none yet in a draft), the reason for
-- NOT_APPLICABLE, evidence (a note and document references) and the day it was assessed.
CREATE TABLE standards_answers (
    assessment_id         uuid NOT NULL,
    organization_id       uuid NOT NULL,
    standard_number       integer NOT NULL REFERENCES standards (number),
    level                 text CHECK (level IN ('EXCEEDS', 'MEETS', 'DOES_NOT_MEET', 'NOT_APPLICABLE')),
    not_applicable_reason text,
    evidence_note         text,
    evidence_refs         text[] NOT NULL DEFAULT '{}',
    assessed_on           date,
    version               integer NOT NULL DEFAULT 1,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    updated_by            uuid REFERENCES users (id),
    PRIMARY KEY (assessment_id, standard_number),
    FOREIGN KEY (assessment_id, organization_id) REFERENCES standards_assessments (id, organization_id),
    CHECK (not_applicable_reason IS NULL OR level = 'NOT_APPLICABLE'),
    CHECK (level IS DISTINCT FROM 'NOT_APPLICABLE' OR not_applicable_reason IS NOT NULL)
);
CREATE INDEX standards_answers_standard_number_idx ON standards_answers (standard_number);
CREATE INDEX standards_answers_updated_by_idx ON standards_answers (updated_by);

-- The reviewer's decision on each standard of a submitted version: accepted, or returned
-- with a comment. Changeable until the review is completed.
CREATE TABLE standards_review_decisions (
    assessment_id   uuid NOT NULL,
    organization_id uuid NOT NULL,
    standard_number integer NOT NULL REFERENCES standards (number),
    decision        text NOT NULL CHECK (decision IN ('ACCEPTED', 'RETURNED')),
    comment         text,
    decided_by      uuid NOT NULL REFERENCES users (id),
    decided_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assessment_id, standard_number),
    FOREIGN KEY (assessment_id, organization_id) REFERENCES standards_assessments (id, organization_id),
    CHECK (decision = 'ACCEPTED' OR comment IS NOT NULL)
);
CREATE INDEX standards_review_decisions_standard_number_idx ON standards_review_decisions (standard_number);
CREATE INDEX standards_review_decisions_decided_by_idx ON standards_review_decisions (decided_by);

-- The outcome of an accepted review: the service areas the organization meets the
-- standards for (possibly none), from valid_from to valid_until (both days included).
-- Public; append-only. On a given day an organization's outcome is the latest decided one
-- that has begun, if it has not ended (src/standards/mod.rs, `outcome_in_force`).
CREATE TABLE standards_outcomes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    assessment_id   uuid NOT NULL UNIQUE,
    organization_id uuid NOT NULL,
    service_areas   text[] NOT NULL,
    valid_from      date NOT NULL,
    valid_until     date NOT NULL CHECK (valid_until >= valid_from),
    decided_by      uuid NOT NULL REFERENCES users (id),
    decided_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (assessment_id, organization_id) REFERENCES standards_assessments (id, organization_id)
);
CREATE INDEX standards_outcomes_organization_idx ON standards_outcomes (organization_id, valid_from);
CREATE INDEX standards_outcomes_decided_by_idx ON standards_outcomes (decided_by);

-- Row-level security. An assessment is the organization's own; once submitted, network
-- admins and reviewers read it too, and review it unless they belong to it. Writes hold
-- on their own: answers only to the organization's own draft, as the acting user;
-- decisions and outcomes only by a reviewer of another organization, as themselves, on a
-- version awaiting review.
ALTER TABLE organization_standard_areas ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_standard_areas FORCE ROW LEVEL SECURITY;
CREATE POLICY organization_standard_areas_visible ON organization_standard_areas FOR SELECT
    USING (organization_id = app_org() OR app_standards_reviewer());
CREATE POLICY organization_standard_areas_chosen ON organization_standard_areas FOR INSERT
    WITH CHECK (organization_id = app_org() AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY organization_standard_areas_changed ON organization_standard_areas FOR UPDATE
    USING (organization_id = app_org())
    WITH CHECK (organization_id = app_org() AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY organization_standard_areas_reset ON organization_standard_areas FOR DELETE
    USING (organization_id = app_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON organization_standard_areas TO lantern_app;

ALTER TABLE standards_assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE standards_assessments FORCE ROW LEVEL SECURITY;
CREATE POLICY standards_assessments_visible ON standards_assessments FOR SELECT
    USING (organization_id = app_org() OR (status <> 'DRAFT' AND app_standards_reviewer()));
CREATE POLICY standards_assessments_started ON standards_assessments FOR INSERT
    WITH CHECK (organization_id = app_org() AND status = 'DRAFT' AND created_by IS NOT DISTINCT FROM app_user());
CREATE POLICY standards_assessments_submitted ON standards_assessments FOR UPDATE
    USING (organization_id = app_org() AND status = 'DRAFT')
    WITH CHECK (organization_id = app_org()
                AND (status = 'DRAFT' OR (status = 'SUBMITTED' AND submitted_by IS NOT DISTINCT FROM app_user())));
CREATE POLICY standards_assessments_reviewed ON standards_assessments FOR UPDATE
    USING (status = 'SUBMITTED' AND app_standards_reviewer() AND NOT app_member_of(organization_id))
    WITH CHECK (status IN ('RETURNED', 'ACCEPTED') AND app_standards_reviewer()
                AND NOT app_member_of(organization_id) AND reviewed_by = app_user());
GRANT SELECT, INSERT ON standards_assessments TO lantern_app;
-- A version moves only forward (DRAFT → SUBMITTED → RETURNED | ACCEPTED), and what was
-- submitted stays as submitted.
CREATE FUNCTION standards_assessment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ((OLD.status = 'DRAFT' AND NEW.status IN ('DRAFT', 'SUBMITTED'))
            OR (OLD.status = 'SUBMITTED' AND NEW.status IN ('RETURNED', 'ACCEPTED')))
       OR (OLD.status <> 'DRAFT' AND (NEW.service_areas IS DISTINCT FROM OLD.service_areas
                                      OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at
                                      OR NEW.submitted_by IS DISTINCT FROM OLD.submitted_by)) THEN
        RAISE EXCEPTION 'a standards assessment moves forward only, and a submitted one stays as submitted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER standards_assessment_guard BEFORE UPDATE ON standards_assessments
    FOR EACH ROW EXECUTE FUNCTION standards_assessment_guard();
GRANT UPDATE (status, service_areas, submitted_at, submitted_by, reviewed_at, reviewed_by, version, updated_at)
    ON standards_assessments TO lantern_app;

-- The assessment of a row, as the acting organization sees it (NULL when it cannot),
-- for write policies: a function, so a policy here reading standards_assessments does
-- not pull that table's policies into this one's.
CREATE FUNCTION standards_assessment_status(assessment uuid) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT status FROM public.standards_assessments WHERE id = assessment $$;
GRANT EXECUTE ON FUNCTION standards_assessment_status(uuid) TO lantern_app;

ALTER TABLE standards_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE standards_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY standards_answers_visible ON standards_answers FOR SELECT
    USING (EXISTS (SELECT 1 FROM standards_assessments a WHERE a.id = standards_answers.assessment_id));
CREATE POLICY standards_answers_written ON standards_answers FOR INSERT
    WITH CHECK (organization_id = app_org() AND standards_assessment_status(assessment_id) = 'DRAFT'
                AND updated_by IS NOT DISTINCT FROM app_user());
CREATE POLICY standards_answers_rewritten ON standards_answers FOR UPDATE
    USING (organization_id = app_org() AND standards_assessment_status(assessment_id) = 'DRAFT')
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
GRANT SELECT, INSERT ON standards_answers TO lantern_app;
GRANT UPDATE (level, not_applicable_reason, evidence_note, evidence_refs, assessed_on, version, updated_at, updated_by)
    ON standards_answers TO lantern_app;

ALTER TABLE standards_review_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE standards_review_decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY standards_review_decisions_visible ON standards_review_decisions FOR SELECT
    USING (EXISTS (SELECT 1 FROM standards_assessments a WHERE a.id = standards_review_decisions.assessment_id));
CREATE POLICY standards_review_decisions_made ON standards_review_decisions FOR INSERT
    WITH CHECK (app_standards_reviewer() AND NOT app_member_of(organization_id) AND decided_by = app_user()
                AND standards_assessment_status(assessment_id) = 'SUBMITTED');
CREATE POLICY standards_review_decisions_changed ON standards_review_decisions FOR UPDATE
    USING (app_standards_reviewer() AND NOT app_member_of(organization_id)
           AND standards_assessment_status(assessment_id) = 'SUBMITTED')
    WITH CHECK (decided_by = app_user());
GRANT SELECT, INSERT ON standards_review_decisions TO lantern_app;
GRANT UPDATE (decision, comment, decided_by, decided_at) ON standards_review_decisions TO lantern_app;

ALTER TABLE standards_outcomes ENABLE ROW LEVEL SECURITY;
ALTER TABLE standards_outcomes FORCE ROW LEVEL SECURITY;
CREATE POLICY standards_outcomes_public ON standards_outcomes FOR SELECT USING (true);
CREATE POLICY standards_outcomes_recorded ON standards_outcomes FOR INSERT
    WITH CHECK (app_standards_reviewer() AND NOT app_member_of(organization_id) AND decided_by = app_user()
                AND standards_assessment_status(assessment_id) = 'SUBMITTED');
GRANT SELECT, INSERT ON standards_outcomes TO lantern_app;

-- The FUTURES capacity checklist, its internal capacity review and its action plan:
-- private to the organization, read by network admins.
CREATE TABLE capacity_checklist_answers (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    item_code       text NOT NULL REFERENCES capacity_checklist_items (code),
    status          text CHECK (status IN ('YES', 'NO', 'IN_PROGRESS')),
    note            text,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      uuid REFERENCES users (id),
    PRIMARY KEY (organization_id, item_code),
    CHECK (status IS NOT NULL OR note IS NOT NULL)
);
CREATE INDEX capacity_checklist_answers_item_code_idx ON capacity_checklist_answers (item_code);
CREATE INDEX capacity_checklist_answers_updated_by_idx ON capacity_checklist_answers (updated_by);

CREATE TABLE capacity_reviews (
    organization_id  uuid PRIMARY KEY REFERENCES organizations (id),
    capacity         text,
    gaps_and_limits  text,
    priorities       text,
    resources_needed text,
    version          integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       uuid REFERENCES users (id)
);
CREATE INDEX capacity_reviews_updated_by_idx ON capacity_reviews (updated_by);

CREATE TABLE capacity_goals (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id       uuid NOT NULL REFERENCES organizations (id),
    goal                  text NOT NULL CHECK (btrim(goal) <> ''),
    action_steps          text,
    organizations_engaged jsonb NOT NULL DEFAULT '[]',
    timeline              text,
    next_steps            text,
    resources_needed      text,
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    updated_by            uuid REFERENCES users (id),
    archived_at           timestamptz
);
CREATE INDEX capacity_goals_organization_idx ON capacity_goals (organization_id) WHERE archived_at IS NULL;
CREATE INDEX capacity_goals_updated_by_idx ON capacity_goals (updated_by);

ALTER TABLE capacity_checklist_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE capacity_checklist_answers FORCE ROW LEVEL SECURITY;
ALTER TABLE capacity_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE capacity_reviews FORCE ROW LEVEL SECURITY;
ALTER TABLE capacity_goals ENABLE ROW LEVEL SECURITY;
ALTER TABLE capacity_goals FORCE ROW LEVEL SECURITY;
CREATE POLICY capacity_checklist_answers_visible ON capacity_checklist_answers FOR SELECT
    USING (organization_id = app_org() OR app_network_admin());
CREATE POLICY capacity_checklist_answers_written ON capacity_checklist_answers FOR INSERT
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
CREATE POLICY capacity_checklist_answers_rewritten ON capacity_checklist_answers FOR UPDATE
    USING (organization_id = app_org())
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
CREATE POLICY capacity_reviews_visible ON capacity_reviews FOR SELECT
    USING (organization_id = app_org() OR app_network_admin());
CREATE POLICY capacity_reviews_written ON capacity_reviews FOR INSERT
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
CREATE POLICY capacity_reviews_rewritten ON capacity_reviews FOR UPDATE
    USING (organization_id = app_org())
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
CREATE POLICY capacity_goals_visible ON capacity_goals FOR SELECT
    USING (organization_id = app_org() OR app_network_admin());
CREATE POLICY capacity_goals_written ON capacity_goals FOR INSERT
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
CREATE POLICY capacity_goals_rewritten ON capacity_goals FOR UPDATE
    USING (organization_id = app_org())
    WITH CHECK (organization_id = app_org() AND updated_by IS NOT DISTINCT FROM app_user());
GRANT SELECT, INSERT ON capacity_checklist_answers, capacity_reviews, capacity_goals TO lantern_app;
GRANT UPDATE (status, note, version, updated_at, updated_by) ON capacity_checklist_answers TO lantern_app;
GRANT UPDATE (capacity, gaps_and_limits, priorities, resources_needed, version, updated_at, updated_by)
    ON capacity_reviews TO lantern_app;
GRANT UPDATE (goal, action_steps, organizations_engaged, timeline, next_steps, resources_needed, version,
              updated_at, updated_by, archived_at)
    ON capacity_goals TO lantern_app;

-- The aggregate: per standard (and per service area), how many organizations with an
-- outcome in force on `as_of` meet or exceed it (are vetted for it), by home county
-- (NULL: none). Counts only, never an organization: the service cannot read other
-- organizations' answers, and this is the one way it sees them together. Which of these
-- counts are published is decided in src/standards/aggregate.rs. The owner reads every
-- row under FORCE ROW LEVEL SECURITY through the policies below, made for the role
-- running this migration (the service is never that role: it refuses to start as it).
CREATE FUNCTION standards_met_counts(as_of date)
RETURNS TABLE (kind text, key text, county_fips text, organizations bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH latest AS (
        SELECT DISTINCT ON (o.organization_id) o.organization_id, o.assessment_id, o.service_areas, o.valid_until
        FROM public.standards_outcomes o
        JOIN public.organizations g ON g.id = o.organization_id AND g.archived_at IS NULL
        WHERE o.valid_from <= as_of
        ORDER BY o.organization_id, o.decided_at DESC, o.id
    ), in_force AS (
        SELECT l.assessment_id, l.service_areas, x.service_areas AS scope, h.county_fips
        FROM latest l
        JOIN public.standards_assessments x ON x.id = l.assessment_id
        LEFT JOIN public.organization_home_counties h ON h.organization_id = l.organization_id
        WHERE l.valid_until >= as_of
    ), counted AS (
        SELECT 'STANDARD' AS kind, a.standard_number::text AS key, f.county_fips
        FROM in_force f
        JOIN public.standards_answers a ON a.assessment_id = f.assessment_id
        JOIN public.standards s ON s.number = a.standard_number
        WHERE a.level IN ('MEETS', 'EXCEEDS') AND (s.area_code IS NULL OR s.area_code = ANY (f.scope))
        UNION ALL
        SELECT 'SERVICE_AREA', area, f.county_fips FROM in_force f, unnest(f.service_areas) AS area
    )
    SELECT kind, key, county_fips, count(*) FROM counted GROUP BY kind, key, county_fips
$$;
REVOKE ALL ON FUNCTION standards_met_counts(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION standards_met_counts(date) TO lantern_app;
DO $$
BEGIN
    EXECUTE format('CREATE POLICY standards_assessments_counted ON standards_assessments FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY standards_answers_counted ON standards_answers FOR SELECT TO %I USING (true)', current_user);
END
$$;
