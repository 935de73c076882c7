-- The peer's query: the same search as a SQL function PostGraphile exposes.
CREATE OR REPLACE FUNCTION bench_nearest(lat float8, lon float8, need text) RETURNS SETOF providers
LANGUAGE sql STABLE AS $$
  SELECT p.* FROM (
    SELECT l.provider_id, l.public_geog <-> ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS d
    FROM locations l JOIN providers p ON p.id = l.provider_id
    WHERE l.archived_at IS NULL AND p.archived_at IS NULL
      AND EXISTS (SELECT 1 FROM services s JOIN service_needs sn ON sn.service_id = s.id
                  WHERE s.provider_id = p.id AND s.archived_at IS NULL AND sn.need_code = need)
    ORDER BY l.public_geog <-> ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography
    LIMIT 10) n JOIN providers p ON p.id = n.provider_id ORDER BY n.d
$$;
