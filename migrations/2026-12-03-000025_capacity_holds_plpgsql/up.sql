-- Live holds per figure (migration 20), kept per connection. As a SECURITY DEFINER SQL
-- function it is never inlined and PostgreSQL plans its body again on every call (0.1 to
-- 0.2 ms), and every capacity answer, room-window read and capacity change calls it. As
-- PL/pgSQL its plan is made once per connection and kept. Same body, same rights.
CREATE OR REPLACE FUNCTION capacity_live_holds(capacities uuid[])
RETURNS TABLE (capacity_id uuid, held integer, expiries timestamptz[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT h.capacity_id, count(*)::integer, array_agg(h.expires_at ORDER BY h.expires_at)
    FROM public.capacity_holds h
    WHERE h.capacity_id = ANY (capacities) AND h.status = 'ACTIVE' AND h.expires_at > now()
    GROUP BY h.capacity_id;
END
$$;
