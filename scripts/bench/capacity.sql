-- pgbench: the floor for setCapacity. The statements Lantern sends for one change of a
-- figure, as the service's database role under the same row-level security and plan
-- settings, pipelined in the same groups: the service's keeper; the transaction (the
-- figure's lock and unit kind, its current values, the new values — its history row and
-- the index's notice follow by trigger —, then the audit entry with the read-back); and
-- the index's catch-up marker. Everything PostgreSQL does for it and nothing outside it
-- (HTTP, GraphQL, the session lookup, the index applying the change). Run with -M prepared
-- and -D org and user; the service is drawn from bench_capacity_pick (bench.sh).
\set i random(1, 2000)
\set n random(0, 6)
SELECT service_id AS service FROM bench_capacity_pick WHERE n = :i \gset
SELECT providers.organization_id FROM services INNER JOIN providers ON services.provider_id = providers.id
  WHERE services.id = :service AND services.archived_at IS NULL AND providers.archived_at IS NULL LIMIT 1;
BEGIN;
SELECT set_config('app.org_id', :org, true), set_config('app.user_id', :user, true), set_config('plan_cache_mode', 'force_generic_plan', true);
SELECT (SELECT k.archived_at IS NULL FROM capacity_unit_kinds k WHERE k.code = 'bed') AS live
  FROM pg_advisory_xact_lock(hashtextextended(:service::text || '/' || 'bed', 18));
SELECT available, maximum, status, accepting_referrals, note FROM service_capacity
  WHERE service_id = :service AND unit_code = 'bed' LIMIT 1;
UPDATE service_capacity SET available = :n, maximum = NULL, status = CASE WHEN :n > 0 THEN 'AVAILABLE' ELSE 'NO_CAPACITY' END,
    accepting_referrals = true, note = NULL, set_at = now(), set_by = :user, set_by_api_key = NULL, set_by_link = NULL,
    source = 'STAFF', referral_id = NULL, version = version + 1
  WHERE service_id = :service AND unit_code = 'bed';
\startpipeline
INSERT INTO audit_log (actor_user_id, actor_api_key_id, organization_id, action, target_type, target_id, request_id)
  VALUES (:user, NULL, :org, 'capacity.set', 'service', :service, 'pgbench');
SELECT c.id, c.available, coalesce(h.expiries, '{}') AS expiries, p.organization_id AS owner,
       (SELECT u.display_name FROM users u WHERE u.id = c.set_by) AS set_by_name,
       (SELECT min(l.county_fips) FROM locations l
         WHERE l.provider_id = c.provider_id AND l.confidential AND l.archived_at IS NULL) AS confidential_county
  FROM service_capacity c
  JOIN capacity_unit_kinds k ON k.code = c.unit_code
  JOIN providers p ON p.id = c.provider_id
  LEFT JOIN capacity_live_holds(ARRAY(SELECT x.id FROM service_capacity x WHERE x.service_id = :service)) h
         ON h.capacity_id = c.id
  WHERE c.service_id = :service AND k.archived_at IS NULL;
\endpipeline
COMMIT;
SELECT pg_notify('lantern_directory_pgbench', 'sync');
