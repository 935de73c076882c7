-- pgbench: the floor. The same nearest-10 query searchProviders answers, as plain SQL,
-- with the same mix as the wrk scripts: a random point across North Carolina and one
-- of five needs per query.
\set lat random(342000, 364000)
\set lon random(-835000, -760000)
\set need random(1, 5)
SELECT l.provider_id, l.public_geog <-> ST_SetSRID(ST_MakePoint(:lon / 10000.0, :lat / 10000.0), 4326)::geography AS d
FROM locations l JOIN providers p ON p.id = l.provider_id
WHERE l.archived_at IS NULL AND p.archived_at IS NULL
  AND EXISTS (SELECT 1 FROM services s JOIN service_needs sn ON sn.service_id = s.id
              WHERE s.provider_id = p.id AND s.archived_at IS NULL
                AND sn.need_code = (ARRAY['acute.housing', 'acute.emergency_response_24h', 'transitional.legal',
                                          'acute.medical', 'transitional.mental_health'])[:need])
ORDER BY l.public_geog <-> ST_SetSRID(ST_MakePoint(:lon / 10000.0, :lat / 10000.0), 4326)::geography
LIMIT 10;
