-- pgbench: the floor. The same nearest-10 query searchProviders runs, as plain SQL.
\set lat random(342, 364)
\set lon random(-835, -760)
SELECT l.provider_id, l.public_geog <-> ST_SetSRID(ST_MakePoint(:lon / 10.0, :lat / 10.0), 4326)::geography AS d
FROM locations l JOIN providers p ON p.id = l.provider_id
WHERE l.archived_at IS NULL AND p.archived_at IS NULL
  AND EXISTS (SELECT 1 FROM services s JOIN service_needs sn ON sn.service_id = s.id
              WHERE s.provider_id = p.id AND s.archived_at IS NULL AND sn.need_code = 'acute.housing')
ORDER BY l.public_geog <-> ST_SetSRID(ST_MakePoint(:lon / 10.0, :lat / 10.0), 4326)::geography
LIMIT 10;
