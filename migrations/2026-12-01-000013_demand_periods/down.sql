-- Back to migration 9: any window readable from the daily counters, and the counting
-- trigger's search path as it was.
DROP FUNCTION demand_freeze_quarter(date);
DROP TABLE demand_months;
DROP TABLE demand_frozen_quarters;
GRANT SELECT ON referral_demand TO lantern_app;

CREATE OR REPLACE FUNCTION referral_demand_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    placed_statuses text[] := ARRAY['ACCEPTED', 'IN_PROGRESS', 'COMPLETED'];
    sent integer := 0;
    declined integer := 0;
    placed integer := 0;
BEGIN
    IF NEW.county_fips IS NULL OR NEW.sent_at IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' OR OLD.sent_at IS NULL THEN
        sent := 1;
    END IF;
    IF NEW.status = 'DECLINED' AND NEW.decline_reason = 'NO_CAPACITY'
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'DECLINED') THEN
        declined := 1;
    END IF;
    IF NEW.status = ANY (placed_statuses) AND (TG_OP = 'INSERT' OR NOT OLD.status = ANY (placed_statuses)) THEN
        placed := 1;
    END IF;
    IF sent + declined + placed > 0 THEN
        INSERT INTO referral_demand AS d (county_fips, need_code, sent_on, counter, sent, declined_no_capacity, placed)
        VALUES (NEW.county_fips, NEW.need_code, NEW.sent_at::date, pg_backend_pid(), sent, declined, placed)
        ON CONFLICT (county_fips, need_code, sent_on, counter) DO UPDATE
        SET sent = d.sent + EXCLUDED.sent,
            declined_no_capacity = d.declined_no_capacity + EXCLUDED.declined_no_capacity,
            placed = d.placed + EXCLUDED.placed;
    END IF;
    RETURN NEW;
END;
$$;
