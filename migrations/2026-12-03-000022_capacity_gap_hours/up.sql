-- Hours without available emergency housing per county and month (issue 18 item 6),
-- computed from the append-only capacity history and published exactly as referral
-- demand is (migration 13, src/gaps/mod.rs): only for fixed periods, from figures frozen
-- once per quarter when that quarter is first asked for after it has been over for 30
-- days, with small counts withheld in Rust. The freeze is the one of migration 13,
-- extended: a quarter's demand and its hours are frozen together, so they are published
-- from the same day and never change afterwards.

CREATE TABLE capacity_gap_months (
    month_start        date NOT NULL CHECK (month_start = date_trunc('month', month_start)::date),
    county_fips        text NOT NULL REFERENCES counties (fips),
    hours_in_month     integer NOT NULL CHECK (hours_in_month BETWEEN 671 AND 745),
    hours_without_room integer NOT NULL CHECK (hours_without_room BETWEEN 0 AND hours_in_month),
    PRIMARY KEY (month_start, county_fips)
);
CREATE INDEX capacity_gap_months_county_fips_idx ON capacity_gap_months (county_fips);
GRANT SELECT ON capacity_gap_months TO lantern_app;

-- The definition, once. Emergency housing is the FUTURES need `acute.housing` (the acute
-- / crisis phase's "Housing"; `transitional.housing` is transitional and long-term
-- housing). Its services are those counted for a county as `capacityRoomNow` counts them:
-- not archived, of a provider not archived, located in or serving the county
-- (`provider_counties`; a confidential shelter counts in its county like any other, and
-- only as a number). A figure in the history gives room from the moment it was set,
-- when it is accepting referrals, AVAILABLE and above zero, of a unit kind not archived,
-- until it is replaced (exclusive) or goes stale (inclusive: a figure is fresh up to its
-- limit exactly, as `service_room_windows`). Holds are not subtracted (they last hours
-- and are not figures; an accepted referral lowers the figure itself). A county-hour is
-- one clock hour of the network's time zone (the session's, set by src/clock.rs), and it
-- is without room when no such figure of the county's services gives room at any moment
-- of it; every hour counts, those before any figure was kept too. Months are the
-- network's calendar months, so a month has 743 to 745 hours around daylight saving.
--
-- Not executable by the service: an arbitrary window would be an unpublished figure
-- (migration 13's first rule). Only the freeze below calls it.
CREATE FUNCTION capacity_gap_hours(first_day date, end_day date)
RETURNS TABLE (month_start date, county_fips text, hours_in_month integer, hours_without_room integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH housing AS (
        SELECT DISTINCT s.id AS service_id, pc.county_fips
        FROM public.services s
        JOIN public.service_needs sn ON sn.service_id = s.id AND sn.need_code = 'acute.housing'
        JOIN public.providers p ON p.id = s.provider_id AND p.archived_at IS NULL
        JOIN public.provider_counties pc ON pc.provider_id = s.provider_id
        WHERE s.archived_at IS NULL
    ), figures AS (
        SELECT h.service_id, h.set_at,
               h.accepting_referrals AND h.status = 'AVAILABLE' AND h.available > 0 AS room,
               h.set_at + make_interval(mins => k.stale_after_minutes) AS stale_at,
               lead(h.set_at) OVER (PARTITION BY h.capacity_id ORDER BY h.set_at, h.id) AS replaced_at
        FROM public.service_capacity_history h
        JOIN public.capacity_unit_kinds k ON k.code = h.unit_code AND k.archived_at IS NULL
        WHERE h.service_id IN (SELECT service_id FROM housing)
    ), spans AS (
        SELECT service_id,
               CASE WHEN replaced_at IS NOT NULL AND replaced_at <= stale_at
                    THEN tstzrange(set_at, replaced_at, '[)')
                    ELSE tstzrange(set_at, stale_at, '[]') END AS span
        FROM figures
        WHERE room
    ), covered AS (
        SELECT DISTINCT x.county_fips, hr.hour
        FROM spans r
        JOIN housing x ON x.service_id = r.service_id
        CROSS JOIN LATERAL generate_series(date_trunc('hour', lower(r.span)), date_trunc('hour', upper(r.span)),
                                           interval '1 hour') AS hr(hour)
        WHERE NOT isempty(r.span)
          AND r.span && tstzrange(hr.hour, hr.hour + interval '1 hour', '[)')
          AND hr.hour >= first_day::timestamptz AND hr.hour < end_day::timestamptz
    ), months AS (
        SELECT m::date AS month_start, m::date::timestamptz AS starts,
               (m + interval '1 month')::date::timestamptz AS ends
        FROM generate_series(first_day::timestamp, end_day::timestamp - interval '1 day', interval '1 month') AS m
    )
    -- One join and grouping (a correlated count would evaluate the spans once per row).
    SELECT mo.month_start, c.fips,
           (extract(epoch FROM mo.ends - mo.starts) / 3600)::integer,
           (extract(epoch FROM mo.ends - mo.starts) / 3600)::integer - count(cv.hour)::integer
    FROM public.counties c
    CROSS JOIN months mo
    LEFT JOIN covered cv ON cv.county_fips = c.fips AND cv.hour >= mo.starts AND cv.hour < mo.ends
    GROUP BY mo.month_start, mo.starts, mo.ends, c.fips
$$;
REVOKE ALL ON FUNCTION capacity_gap_hours(date, date) FROM PUBLIC;

-- The function reads every service's history as its owner (the service sees only its own
-- organization's, migration 20).
DO $$
BEGIN
    EXECUTE format('CREATE POLICY service_capacity_history_counted ON service_capacity_history FOR SELECT TO %I USING (true)',
                   current_user);
END
$$;

-- Migration 13's freeze, now also freezing the quarter's hours (the same publication day).
CREATE OR REPLACE FUNCTION demand_freeze_quarter(quarter date) RETURNS date
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
        INSERT INTO public.capacity_gap_months (month_start, county_fips, hours_in_month, hours_without_room)
        SELECT g.month_start, g.county_fips, g.hours_in_month, g.hours_without_room
        FROM public.capacity_gap_hours(quarter, (quarter + interval '3 months')::date) g;
    END IF;
    RETURN published_from;
END;
$$;

-- Quarters frozen before this migration get their hours now, from the same history.
INSERT INTO capacity_gap_months (month_start, county_fips, hours_in_month, hours_without_room)
SELECT g.month_start, g.county_fips, g.hours_in_month, g.hours_without_room
FROM demand_frozen_quarters q,
     LATERAL capacity_gap_hours(q.quarter_start, (q.quarter_start + interval '3 months')::date) g;
