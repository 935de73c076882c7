-- Vetting in the directory and in referral routing (issue 19, part two): the network may
-- require, per need category, that referrals go only to organizations vetted for the
-- matching service area of the Standards of Service. The rule is checked in
-- src/standards/routing.rs and held again here, at the database layer.

-- The service areas `org` meets the standards for on `as_of`: the SQL twin of
-- `standards::vetted_as_of` (the latest decided outcome that has begun by `as_of`, if it
-- has not ended; ties by id, as in Rust). Public data (outcomes are readable by anyone).
CREATE FUNCTION standards_vetted_areas(org uuid, as_of date) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT CASE WHEN o.valid_until >= as_of THEN o.service_areas END
         FROM public.standards_outcomes o
         WHERE o.organization_id = org AND o.valid_from <= as_of
         ORDER BY o.decided_at DESC, o.id DESC
         LIMIT 1),
        '{}')
$$;
GRANT EXECUTE ON FUNCTION standards_vetted_areas(uuid, date) TO lantern_app;

-- Per need category, the service area a referral's recipient must be vetted for. Only a
-- service area the need leads to (need_standard_areas). Set by signed-in network admins;
-- every change is also in the audit log.
CREATE TABLE referral_vetting_requirements (
    need_code text PRIMARY KEY REFERENCES need_categories (code),
    area_code text NOT NULL,
    set_by    uuid REFERENCES users (id),
    set_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (need_code, area_code) REFERENCES need_standard_areas (need_code, area_code)
);
CREATE INDEX referral_vetting_requirements_set_by_idx ON referral_vetting_requirements (set_by);
ALTER TABLE referral_vetting_requirements ENABLE ROW LEVEL SECURITY;
ALTER TABLE referral_vetting_requirements FORCE ROW LEVEL SECURITY;
CREATE POLICY referral_vetting_requirements_visible ON referral_vetting_requirements FOR SELECT USING (true);
CREATE POLICY referral_vetting_requirements_set ON referral_vetting_requirements FOR INSERT
    WITH CHECK (app_network_admin() AND set_by = app_user());
CREATE POLICY referral_vetting_requirements_changed ON referral_vetting_requirements FOR UPDATE
    USING (app_network_admin()) WITH CHECK (app_network_admin() AND set_by = app_user());
CREATE POLICY referral_vetting_requirements_lifted ON referral_vetting_requirements FOR DELETE
    USING (app_network_admin());
GRANT SELECT, INSERT, UPDATE, DELETE ON referral_vetting_requirements TO lantern_app;

-- A referral is created, or a draft sent, only to an organization vetted for the area its
-- need requires on the network's day (the pool's connections are on the network's clock).
-- Later moves (accept, start, …) are not checked again: an outcome ending does not undo
-- a referral already sent.
CREATE FUNCTION referral_vetting_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    required text;
BEGIN
    IF TG_OP = 'UPDATE' AND NOT (OLD.status = 'DRAFT' AND NEW.status = 'SENT') THEN
        RETURN NEW;
    END IF;
    SELECT r.area_code INTO required FROM public.referral_vetting_requirements r WHERE r.need_code = NEW.need_code;
    IF required IS NOT NULL
       AND NOT (required = ANY (public.standards_vetted_areas(NEW.recipient_organization_id, current_date))) THEN
        RAISE EXCEPTION 'the recipient is not vetted for the service area this need requires'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER referrals_vetting_guard BEFORE INSERT OR UPDATE OF status ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_vetting_guard();

-- The directory index filters search by vetting in memory (src/directory_index/vetting.rs):
-- a change to the outcomes is announced on its channel as `vetting`, and every
-- instance's listener reads them again.
CREATE FUNCTION notify_directory_vetting() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lantern_directory', 'vetting');
    RETURN NULL;
END;
$$;
CREATE TRIGGER standards_outcomes_index AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON standards_outcomes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_vetting();
