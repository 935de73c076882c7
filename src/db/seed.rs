//! Loads the reference data in `seed-data/` (the FUTURES need matrix, North Carolina's
//! counties, the Standards of Service with the service areas FUTURES needs belong to, the
//! FUTURES capacity checklist) and the synthetic sample directory. Idempotent: running it again leaves the
//! same rows. The files are compiled into the binary so `lantern seed` needs no paths.
//!
//! Each data set is loaded by a few set-based statements that unpack the JSON inside
//! PostgreSQL, rather than one insert per row.

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// FUTURES "Anti-Human Trafficking Resources Assessment" rows as need categories.
pub const NEED_CATEGORIES_JSON: &str = include_str!("../../seed-data/need-categories.json");
/// North Carolina's 100 counties (GeoJSON, derived from us-atlas by scripts/seed-data).
pub const COUNTIES_GEOJSON: &str = include_str!("../../seed-data/nc-counties.geojson");
/// The NC Human Trafficking Commission's Standards of Service and their five service
/// areas (derived from the document by scripts/seed-data/standards.py).
pub const STANDARDS_JSON: &str = include_str!("../../seed-data/standards.json");
/// Which service areas a service meeting a FUTURES need belongs to (a choice, explained
/// in the file).
pub const STANDARDS_SERVICE_AREAS_JSON: &str = include_str!("../../seed-data/standards-service-areas.json");
/// The FUTURES Capacity Assessment Checklist & Action Plan (derived from the document by
/// scripts/seed-data/capacity_checklist.py).
pub const CAPACITY_CHECKLIST_JSON: &str = include_str!("../../seed-data/capacity-checklist.json");
/// The synthetic sample directory (every organization in it is invented).
pub const SAMPLE_DIRECTORY_JSON: &str = include_str!("../../seed-data/sample-directory.json");

/// What to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSet {
    /// Need categories and counties only.
    Reference,
    /// Reference data plus the synthetic sample directory.
    WithSampleDirectory,
}

/// Loads the chosen data sets in one transaction.
pub async fn seed(conn: &mut AsyncPgConnection, set: SeedSet) -> Result<(), diesel::result::Error> {
    conn.transaction(async move |conn| {
        for statement in REFERENCE_STATEMENTS {
            run(conn, statement, reference_document(statement)).await?;
        }
        if set == SeedSet::WithSampleDirectory {
            for statement in SAMPLE_DIRECTORY_STATEMENTS {
                run(conn, statement, SAMPLE_DIRECTORY_JSON).await?;
            }
        }
        Ok::<_, diesel::result::Error>(())
    })
    .await?;
    // Fresh statistics after a bulk load, so the planner picks the spatial indexes.
    diesel::sql_query("ANALYZE").execute(conn).await.map(|_| ())
}

async fn run(conn: &mut AsyncPgConnection, sql: &str, document: &str) -> Result<(), diesel::result::Error> {
    diesel::sql_query(sql).bind::<Text, _>(document).execute(conn).await.map(|_| ())
}

/// The document a reference statement reads, by the one table it names first.
fn reference_document(statement: &str) -> &'static str {
    let table = statement.split_whitespace().nth(2).unwrap_or_default();
    match table {
        "need_categories" => NEED_CATEGORIES_JSON,
        "counties" => COUNTIES_GEOJSON,
        "standard_service_areas" | "standards" => STANDARDS_JSON,
        "need_standard_areas" => STANDARDS_SERVICE_AREAS_JSON,
        "capacity_checklist_sections" | "capacity_checklist_items" => CAPACITY_CHECKLIST_JSON,
        _ => unreachable!("a reference statement names its table third: {statement}"),
    }
}

const REFERENCE_STATEMENTS: &[&str] = &[
    "INSERT INTO need_categories (code, phase, label, position)
     SELECT code, phase, label, position
     FROM jsonb_to_recordset($1::jsonb -> 'needCategories')
          AS n(code text, phase text, label text, position integer)
     ON CONFLICT (code) DO UPDATE
       SET phase = EXCLUDED.phase, label = EXCLUDED.label, position = EXCLUDED.position",
    // Census cartographic boundaries can carry tiny self-intersections after topology
    // simplification; make them valid so point-in-polygon never trips over them.
    "INSERT INTO counties (fips, name, boundary)
     SELECT f -> 'properties' ->> 'fips', f -> 'properties' ->> 'name',
            ST_Multi(ST_CollectionExtract(ST_MakeValid(
                ST_SetSRID(ST_GeomFromGeoJSON((f -> 'geometry')::text), 4326)), 3))
     FROM jsonb_array_elements($1::jsonb -> 'features') AS f
     ON CONFLICT (fips) DO UPDATE SET name = EXCLUDED.name, boundary = EXCLUDED.boundary",
    "INSERT INTO standard_service_areas (code, number, title, definition, goal)
     SELECT code, number, title, definition, goal
     FROM jsonb_to_recordset($1::jsonb -> 'serviceAreas')
          AS a(code text, number integer, title text, definition text, goal text)
     ON CONFLICT (code) DO UPDATE
       SET number = EXCLUDED.number, title = EXCLUDED.title, definition = EXCLUDED.definition, goal = EXCLUDED.goal",
    "INSERT INTO standards (number, area_code, group_title, title, statement, exceeds, meets, does_not_meet)
     SELECT number, area, \"group\", title, statement, exceeds, meets, \"doesNotMeet\"
     FROM jsonb_to_recordset($1::jsonb -> 'standards')
          AS s(number integer, area text, \"group\" text, title text, statement text, exceeds text,
               meets text, \"doesNotMeet\" text)
     ON CONFLICT (number) DO UPDATE
       SET area_code = EXCLUDED.area_code, group_title = EXCLUDED.group_title, title = EXCLUDED.title,
           statement = EXCLUDED.statement, exceeds = EXCLUDED.exceeds, meets = EXCLUDED.meets,
           does_not_meet = EXCLUDED.does_not_meet",
    // The mapping has no ids of its own: replace it (the statement binds the document as
    // every reference statement does).
    "DELETE FROM need_standard_areas WHERE $1::jsonb IS NOT NULL",
    "INSERT INTO need_standard_areas (need_code, area_code)
     SELECT m ->> 'need', a
     FROM jsonb_array_elements($1::jsonb -> 'mapping') AS m, jsonb_array_elements_text(m -> 'areas') AS a",
    "INSERT INTO capacity_checklist_sections (number, code, title)
     SELECT number, code, title
     FROM jsonb_to_recordset($1::jsonb -> 'sections') AS s(number integer, code text, title text)
     ON CONFLICT (number) DO UPDATE SET code = EXCLUDED.code, title = EXCLUDED.title",
    "INSERT INTO capacity_checklist_items (code, section_number, position, text, kind)
     SELECT i ->> 'code', (s ->> 'number')::integer, (i ->> 'position')::integer, i ->> 'text', i ->> 'kind'
     FROM jsonb_array_elements($1::jsonb -> 'sections') AS s, jsonb_array_elements(s -> 'items') AS i
     ON CONFLICT (code) DO UPDATE
       SET section_number = EXCLUDED.section_number, position = EXCLUDED.position, text = EXCLUDED.text,
           kind = EXCLUDED.kind",
];

const SAMPLE_DIRECTORY_STATEMENTS: &[&str] = &[
    "INSERT INTO providers (id, name, kind, description, website, email, synthetic)
     SELECT (p ->> 'id')::uuid, p ->> 'name', p ->> 'kind', p ->> 'description',
            p ->> 'website', p ->> 'email', true
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p
     ON CONFLICT (id) DO UPDATE
       SET name = EXCLUDED.name, kind = EXCLUDED.kind, description = EXCLUDED.description,
           website = EXCLUDED.website, email = EXCLUDED.email, synthetic = true",
    // Phones, needs and service areas have no ids of their own in the file: replace them.
    "DELETE FROM provider_phones
     WHERE provider_id IN (SELECT (p ->> 'id')::uuid FROM jsonb_array_elements($1::jsonb -> 'providers') AS p)",
    "INSERT INTO provider_phones (provider_id, number, label, twenty_four_hour, position)
     SELECT (p ->> 'id')::uuid, ph.value ->> 'number', ph.value ->> 'label',
            (ph.value ->> 'twentyFourHour')::boolean, ph.ordinality::integer
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements(p -> 'phones') WITH ORDINALITY AS ph",
    "INSERT INTO services (id, provider_id, name, description, eligibility, cost, open_24h, languages, populations)
     SELECT (s ->> 'id')::uuid, (p ->> 'id')::uuid, s ->> 'name', s ->> 'description',
            s ->> 'eligibility', s ->> 'cost', (s ->> 'open24h')::boolean,
            ARRAY(SELECT jsonb_array_elements_text(s -> 'languages')),
            ARRAY(SELECT jsonb_array_elements_text(s -> 'populations'))
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements(p -> 'services') AS s
     ON CONFLICT (id) DO UPDATE
       SET name = EXCLUDED.name, description = EXCLUDED.description,
           eligibility = EXCLUDED.eligibility, cost = EXCLUDED.cost, open_24h = EXCLUDED.open_24h,
           languages = EXCLUDED.languages, populations = EXCLUDED.populations",
    "DELETE FROM service_needs
     WHERE service_id IN (SELECT (s ->> 'id')::uuid
                          FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
                               jsonb_array_elements(p -> 'services') AS s)",
    "INSERT INTO service_needs (service_id, need_code)
     SELECT (s ->> 'id')::uuid, n
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements(p -> 'services') AS s,
          jsonb_array_elements_text(s -> 'needs') AS n",
    "INSERT INTO locations (id, provider_id, name, street, city, state, postal_code, geog, confidential)
     SELECT (l ->> 'id')::uuid, (p ->> 'id')::uuid, l ->> 'name',
            l -> 'address' ->> 'street', l -> 'address' ->> 'city', l -> 'address' ->> 'state',
            l -> 'address' ->> 'postalCode',
            ST_SetSRID(ST_MakePoint((l ->> 'lon')::float8, (l ->> 'lat')::float8), 4326)::geography,
            (l ->> 'confidential')::boolean
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements(p -> 'locations') AS l
     ON CONFLICT (id) DO UPDATE
       SET name = EXCLUDED.name, street = EXCLUDED.street, city = EXCLUDED.city,
           state = EXCLUDED.state, postal_code = EXCLUDED.postal_code, geog = EXCLUDED.geog,
           confidential = EXCLUDED.confidential",
    // Contacts, training and MOUs carry day offsets from the day of seeding.
    "DELETE FROM provider_contacts
     WHERE provider_id IN (SELECT (p ->> 'id')::uuid FROM jsonb_array_elements($1::jsonb -> 'providers') AS p)",
    "INSERT INTO provider_contacts (provider_id, name, role, phone, email, last_verified_on)
     SELECT (p ->> 'id')::uuid, c ->> 'name', c ->> 'role', c ->> 'phone', c ->> 'email',
            current_date - (c ->> 'verifiedDaysAgo')::integer
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements(coalesce(p -> 'contacts', '[]')) AS c",
    "DELETE FROM training_records
     WHERE provider_id IN (SELECT (p ->> 'id')::uuid FROM jsonb_array_elements($1::jsonb -> 'providers') AS p)",
    "INSERT INTO training_records (provider_id, trained_on, kind, staff_share_percent, evidence_ref)
     SELECT (p ->> 'id')::uuid, current_date - (t ->> 'daysAgo')::integer, t ->> 'kind',
            (t ->> 'staffSharePercent')::integer, t ->> 'evidenceRef'
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements(coalesce(p -> 'trainings', '[]')) AS t",
    "DELETE FROM mous
     WHERE provider_id IN (SELECT (p ->> 'id')::uuid FROM jsonb_array_elements($1::jsonb -> 'providers') AS p)",
    "WITH wanted AS (
         SELECT (p ->> 'id')::uuid AS provider_id, m
         FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
              jsonb_array_elements(coalesce(p -> 'mous', '[]')) AS m
     ), made AS (
         INSERT INTO mous (provider_id, title, scope_needs, signed_on, effective_on, expires_on, status, document_ref)
         SELECT provider_id, m ->> 'title', ARRAY(SELECT jsonb_array_elements_text(m -> 'scopeNeeds')),
                current_date - (m ->> 'effectiveDaysAgo')::integer,
                current_date - (m ->> 'effectiveDaysAgo')::integer,
                current_date + (m ->> 'expiresInDays')::integer, 'ACTIVE', 'synthetic-mou'
         FROM wanted
         RETURNING id, provider_id, title
     )
     INSERT INTO mou_parties (mou_id, county_fips)
     SELECT made.id, w.m ->> 'countyTeam' FROM made JOIN wanted w ON w.provider_id = made.provider_id AND w.m ->> 'title' = made.title",
    "DELETE FROM provider_service_areas
     WHERE provider_id IN (SELECT (p ->> 'id')::uuid FROM jsonb_array_elements($1::jsonb -> 'providers') AS p)",
    "INSERT INTO provider_service_areas (provider_id, county_fips)
     SELECT (p ->> 'id')::uuid, c
     FROM jsonb_array_elements($1::jsonb -> 'providers') AS p,
          jsonb_array_elements_text(p -> 'serviceArea') AS c",
];
