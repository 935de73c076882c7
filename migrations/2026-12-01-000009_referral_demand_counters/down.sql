-- Back to one counted row per county × need × day: sum the counters into it.
CREATE TEMP TABLE referral_demand_totals ON COMMIT DROP AS
    SELECT county_fips, need_code, sent_on, sum(sent)::integer AS sent,
           sum(declined_no_capacity)::integer AS declined_no_capacity, sum(placed)::integer AS placed
    FROM referral_demand GROUP BY county_fips, need_code, sent_on;
DELETE FROM referral_demand;
ALTER TABLE referral_demand DROP CONSTRAINT referral_demand_pkey;
ALTER TABLE referral_demand DROP COLUMN counter;
INSERT INTO referral_demand (county_fips, need_code, sent_on, sent, declined_no_capacity, placed)
    SELECT county_fips, need_code, sent_on, sent, declined_no_capacity, placed FROM referral_demand_totals;
ALTER TABLE referral_demand ADD PRIMARY KEY (county_fips, need_code, sent_on);

CREATE OR REPLACE FUNCTION referral_demand_count() RETURNS trigger
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
