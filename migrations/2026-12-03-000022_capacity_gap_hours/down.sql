-- Back to migration 13's freeze, without hours.
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
    END IF;
    RETURN published_from;
END;
$$;
DROP POLICY service_capacity_history_counted ON service_capacity_history;
DROP FUNCTION capacity_gap_hours(date, date);
DROP TABLE capacity_gap_months;
