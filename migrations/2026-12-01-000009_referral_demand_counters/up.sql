-- Demand counts were one row per county × need × day that every referral sent there
-- incremented: under load, each transaction sending a referral for the same county and
-- need waited on that row's lock until the one before it committed (a benchmark of
-- concurrent createReferral spent a third of its time waiting). Each database
-- connection now adds to a row of its own (`counter`, the backend's process id): a
-- connection runs one transaction at a time, so no sender waits on another's count.
-- The table stays counts only, never one row per referral, and bounded by cells × days
-- × connections; readers already sum over days, and now over counters.
ALTER TABLE referral_demand ADD COLUMN counter integer NOT NULL DEFAULT 0;
ALTER TABLE referral_demand DROP CONSTRAINT referral_demand_pkey;
ALTER TABLE referral_demand ADD PRIMARY KEY (county_fips, need_code, sent_on, counter);

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
