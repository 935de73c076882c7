CREATE OR REPLACE FUNCTION capacity_live_holds(capacities uuid[])
RETURNS TABLE (capacity_id uuid, held integer, expiries timestamptz[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT h.capacity_id, count(*)::integer, array_agg(h.expires_at ORDER BY h.expires_at)
    FROM public.capacity_holds h
    WHERE h.capacity_id = ANY (capacities) AND h.status = 'ACTIVE' AND h.expires_at > now()
    GROUP BY h.capacity_id
$$;
