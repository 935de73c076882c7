-- Demand is published only for fixed reporting periods (calendar month, quarter, year),
-- from figures frozen once per quarter. Any window used to be allowed, so two
-- overlapping windows differed by one day's exact count; and figures that keep
-- changing can be differenced over time the same way (ask today, ask tomorrow). A
-- quarter is frozen the first time it is asked for, once it has been over for 30 days
-- (most outcomes are recorded by then: follow-ups fall due within 30 days): its months'
-- counts per county × need are copied here and never change again. Which figures are
-- published from them is decided in src/gaps/mod.rs.
CREATE TABLE demand_frozen_quarters (
    quarter_start date PRIMARY KEY CHECK (quarter_start = date_trunc('quarter', quarter_start)::date),
    frozen_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE demand_months (
    month_start          date NOT NULL CHECK (month_start = date_trunc('month', month_start)::date),
    county_fips          text NOT NULL REFERENCES counties (fips),
    need_code            text NOT NULL REFERENCES need_categories (code),
    sent                 integer NOT NULL CHECK (sent > 0),
    declined_no_capacity integer NOT NULL CHECK (declined_no_capacity >= 0),
    placed               integer NOT NULL CHECK (placed >= 0),
    PRIMARY KEY (month_start, county_fips, need_code)
);

-- Freezes the quarter starting on `quarter` if it is due and not frozen yet, and returns
-- the day from which it is published (later than today: not yet, nothing frozen). The
-- service may call this and read the frozen rows, nothing more: it cannot write or change
-- a published figure, and it no longer reads the daily counters at all.
CREATE FUNCTION demand_freeze_quarter(quarter date) RETURNS date
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    published_from date;
BEGIN
    IF quarter IS NULL OR quarter <> date_trunc('quarter', quarter)::date THEN
        RAISE EXCEPTION 'demand_freeze_quarter: % is not the first day of a quarter', quarter
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    published_from := (quarter + interval '3 months' + interval '30 days')::date;
    IF published_from > current_date THEN
        RETURN published_from;
    END IF;
    INSERT INTO public.demand_frozen_quarters (quarter_start) VALUES (quarter) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        INSERT INTO public.demand_months (month_start, county_fips, need_code, sent, declined_no_capacity, placed)
        SELECT date_trunc('month', d.sent_on)::date, d.county_fips, d.need_code,
               sum(d.sent), sum(d.declined_no_capacity), sum(d.placed)
        FROM public.referral_demand d
        WHERE d.sent_on >= quarter AND d.sent_on < (quarter + interval '3 months')::date
        GROUP BY 1, 2, 3
        HAVING sum(d.sent) > 0;
    END IF;
    RETURN published_from;
END;
$$;

REVOKE ALL ON FUNCTION demand_freeze_quarter(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION demand_freeze_quarter(date) TO lantern_app;
GRANT SELECT ON demand_frozen_quarters, demand_months TO lantern_app;
REVOKE SELECT ON referral_demand FROM lantern_app;

-- SECURITY DEFINER functions run with their owner's rights, so the names in them must
-- mean what the owner meant: the search path is pinned with pg_catalog first and the
-- session's temporary schema last (unlisted, pg_temp would be searched first for tables,
-- and a caller could shadow referral_demand with a temporary table), and the function's
-- own tables are named with their schema. Same counting as migration 9.
CREATE OR REPLACE FUNCTION referral_demand_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
        INSERT INTO public.referral_demand AS d
            (county_fips, need_code, sent_on, counter, sent, declined_no_capacity, placed)
        VALUES (NEW.county_fips, NEW.need_code, NEW.sent_at::date, pg_backend_pid(), sent, declined, placed)
        ON CONFLICT (county_fips, need_code, sent_on, counter) DO UPDATE
        SET sent = d.sent + EXCLUDED.sent,
            declined_no_capacity = d.declined_no_capacity + EXCLUDED.declined_no_capacity,
            placed = d.placed + EXCLUDED.placed;
    END IF;
    RETURN NEW;
END;
$$;
