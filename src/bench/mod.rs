//! Synthetic data at scale for benchmarks: `lantern bench-data --providers N` adds N
//! providers clustered around the sample directory's real NC towns, with services, need
//! categories, languages, populations, contacts, MOUs and training, and a `bed` figure on
//! half the services (about 29 % with room when set, a quarter of them stale). Generated
//! set-based inside PostgreSQL, so 100 000 providers take seconds. Every row is synthetic
//! and marked so (kind `bench`, name "… (synthetic)").

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db::seed::SAMPLE_DIRECTORY_JSON;

/// The old benchmark providers' capacity figures, holds, update links and history, taken
/// out in one transaction: the history is append-only, so its guard is lifted for this
/// alone (as the tables' owner) and is back on whatever happens.
const CLEAR_CAPACITY: &[&str] = &[
    "ALTER TABLE service_capacity_history DISABLE TRIGGER service_capacity_history_append_only",
    "DELETE FROM service_capacity_history WHERE capacity_id IN (SELECT c.id FROM service_capacity c JOIN providers p ON p.id = c.provider_id WHERE p.kind = 'bench')",
    "ALTER TABLE service_capacity_history ENABLE TRIGGER service_capacity_history_append_only",
    "DELETE FROM capacity_holds WHERE capacity_id IN (SELECT c.id FROM service_capacity c JOIN providers p ON p.id = c.provider_id WHERE p.kind = 'bench')",
    "DELETE FROM capacity_update_links WHERE service_id IN (SELECT s.id FROM services s JOIN providers p ON p.id = s.provider_id WHERE p.kind = 'bench')",
    "DELETE FROM service_capacity WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
];

/// Statements, in order; `$1` is the number of providers, `$2` the sample directory.
const STATEMENTS: &[&str] = &[
    "DELETE FROM service_needs WHERE service_id IN (SELECT s.id FROM services s JOIN providers p ON p.id = s.provider_id WHERE p.kind = 'bench')",
    "DELETE FROM services WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
    "DELETE FROM locations WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
    "DELETE FROM provider_contacts WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
    "DELETE FROM training_records WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
    "DELETE FROM mous WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
    "DELETE FROM provider_service_areas WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench')",
    "DELETE FROM providers WHERE kind = 'bench'",
    "CREATE TEMP TABLE bench_towns AS
       SELECT row_number() OVER () AS n, (l ->> 'lat')::float8 AS lat, (l ->> 'lon')::float8 AS lon
       FROM jsonb_array_elements($2::jsonb -> 'providers') AS p, jsonb_array_elements(p -> 'locations') AS l
       WHERE NOT (l ->> 'confidential')::boolean",
    "INSERT INTO providers (id, name, kind, description, synthetic)
       SELECT md5('bench-p' || g)::uuid, 'Bench provider ' || g || ' (synthetic)', 'bench',
              'Synthetic benchmark listing; not a real organization.', true
       FROM generate_series(1, $1) g",
    "INSERT INTO services (id, provider_id, name, languages, populations, open_24h)
       SELECT md5('bench-s' || g)::uuid, md5('bench-p' || g)::uuid, 'Service ' || g,
              CASE WHEN g % 3 = 0 THEN '{en,es}'::text[] WHEN g % 11 = 0 THEN '{en,vi}' ELSE '{en}' END,
              CASE g % 4 WHEN 0 THEN '{ADULTS,MINORS}'::text[] WHEN 1 THEN '{ADULTS,LGBTQ}' ELSE '{ADULTS}' END,
              g % 7 = 0
       FROM generate_series(1, $1) g",
    // Two needs per service. Needs, towns and positions are drawn by hashing, so that no
    // need (or language, population or flag, which follow g's residues) goes with
    // particular towns: with towns, too, picked by a modulus of g, each need landed in a
    // third of the 354 town slots, and every search near the others walked whole towns.
    "INSERT INTO service_needs (service_id, need_code)
       SELECT DISTINCT md5('bench-s' || g)::uuid,
              codes[1 + (abs(hashtext('bench-n' || g || ':' || k)) % array_length(codes, 1))]
       FROM generate_series(1, $1) g, (VALUES (1), (2)) AS m(k),
            (SELECT array_agg(code ORDER BY position) AS codes FROM need_categories) c",
    "INSERT INTO locations (provider_id, geog, county_fips, public_geog, confidential)
       SELECT c.provider_id, c.pt::geography, '', c.pt::geography, c.confidential
       FROM (
         SELECT md5('bench-p' || g)::uuid AS provider_id, g % 25 = 0 AS confidential,
                ST_SetSRID(ST_MakePoint(t.lon + (abs(hashtext('bench-x' || g)) % 1000 - 500) / 40000.0,
                                        t.lat + (abs(hashtext('bench-y' || g)) % 1000 - 500) / 40000.0), 4326) AS pt
         FROM generate_series(1, $1) g
         JOIN bench_towns t ON t.n = 1 + (abs(hashtext('bench-t' || g)) % (SELECT count(*) FROM bench_towns))
       ) c
       WHERE EXISTS (SELECT 1 FROM counties co WHERE ST_Covers(co.boundary, c.pt))",
    "INSERT INTO provider_contacts (provider_id, name, role, last_verified_on)
       SELECT md5('bench-p' || g)::uuid, 'Bench Contact ' || g || ' (synthetic)', 'Intake', current_date - (g % 300)::int
       FROM generate_series(1, $1) g WHERE g % 2 = 0",
    "INSERT INTO training_records (provider_id, trained_on, kind, staff_share_percent)
       SELECT md5('bench-p' || g)::uuid, current_date - (g % 1500)::int, 'BASIC', 80
       FROM generate_series(1, $1) g WHERE g % 3 = 0",
    "INSERT INTO mous (provider_id, title, scope_needs, effective_on, expires_on, status)
       SELECT md5('bench-p' || g)::uuid, 'Bench MOU (synthetic)', ARRAY[codes[1 + ((g * 7) % 33)]],
              current_date - 100, current_date + ((g % 400) - 50)::int, 'ACTIVE'
       FROM generate_series(1, $1) g, (SELECT array_agg(code ORDER BY position) AS codes FROM need_categories) c
       WHERE g % 5 = 0 AND (g % 400) - 50 >= -100",
    // A bed on every other service: 2 in 7 with room when set (1-4 free of 6), the rest
    // full or on a waitlist; a quarter set 13-23 hours ago, past the 12-hour limit.
    "INSERT INTO service_capacity (service_id, provider_id, unit_code, available, maximum, status, set_at, source)
       SELECT md5('bench-s' || g)::uuid, md5('bench-p' || g)::uuid, 'bed',
              CASE WHEN room THEN 1 + g % 4 ELSE 0 END, 6,
              CASE WHEN room THEN 'AVAILABLE' WHEN g % 3 = 0 THEN 'WAITLIST' ELSE 'NO_CAPACITY' END,
              now() - make_interval(mins => (CASE WHEN abs(hashtext('bench-f' || g)) % 4 = 0 THEN 780 + g % 600 ELSE g % 600 END)::int),
              'STAFF'
       FROM generate_series(1, $1) g, LATERAL (SELECT abs(hashtext('bench-c' || g)) % 7 < 2 AS room) r
       WHERE g % 2 = 0",
    "DROP TABLE bench_towns",
    // Leave PostgreSQL its best shape for the floor: dead rows of the old set cleared,
    // visibility maps set, statistics fresh.
    "VACUUM (ANALYZE) providers, services, service_needs, locations, provider_contacts, training_records, mous,
       provider_service_areas, service_capacity, service_capacity_history",
];

/// Replaces the benchmark providers with `providers` new ones.
pub async fn generate(conn: &mut AsyncPgConnection, providers: i64) -> Result<(), diesel::result::Error> {
    conn.transaction(async |conn| {
        for statement in CLEAR_CAPACITY {
            diesel::sql_query(*statement).execute(conn).await?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .await?;
    for statement in STATEMENTS {
        diesel::sql_query(*statement)
            .bind::<BigInt, _>(providers)
            .bind::<Text, _>(SAMPLE_DIRECTORY_JSON)
            .execute(conn)
            .await?;
    }
    Ok(())
}
