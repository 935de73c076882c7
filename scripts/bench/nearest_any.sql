-- pgbench: PostgreSQL's best case for this search, for scale: the 10 locations nearest a
-- random point with no need filter at all (a bare KNN walk of the GiST index).
\set lat random(342000, 364000)
\set lon random(-835000, -760000)
SELECT l.provider_id, l.public_geog <-> ST_SetSRID(ST_MakePoint(:lon / 10000.0, :lat / 10000.0), 4326)::geography AS d
FROM locations l WHERE l.archived_at IS NULL
ORDER BY l.public_geog <-> ST_SetSRID(ST_MakePoint(:lon / 10000.0, :lat / 10000.0), 4326)::geography
LIMIT 10;
