//! Reading the directory out of PostgreSQL into index entries: everything, or a set of
//! providers. Each read runs in one REPEATABLE READ transaction so the parts agree.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Date, Double, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::types::{MultiPolygon, Point};
use uuid::Uuid;

use super::query::population_bit;
use super::snapshot::{
    Catalog, CountyShape, LocationEntry, MouEntry, NeedInfo, ProviderEntry, ServiceEntry, Snapshot, pack_language,
};
use crate::db::schema::counties;
use crate::error::{AppError, AppResult};
use crate::needs::Phase;
use crate::providers::{self, Population};

#[derive(QueryableByName)]
struct NeedRow {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = Text)]
    phase: String,
    #[diesel(sql_type = Integer)]
    position: i32,
}

#[derive(QueryableByName)]
struct ServiceRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    languages: Vec<Option<String>>,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    populations: Vec<Option<String>>,
    #[diesel(sql_type = Bool)]
    open_24h: bool,
    #[diesel(sql_type = Array<Text>)]
    needs: Vec<String>,
}

#[derive(QueryableByName)]
struct LocationRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Bool)]
    confidential: bool,
    #[diesel(sql_type = Text)]
    county_fips: String,
    #[diesel(sql_type = Double)]
    lon: f64,
    #[diesel(sql_type = Double)]
    lat: f64,
    #[diesel(sql_type = Double)]
    public_lon: f64,
    #[diesel(sql_type = Double)]
    public_lat: f64,
}

#[derive(QueryableByName)]
struct AreaRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Text)]
    county_fips: String,
}

#[derive(QueryableByName)]
struct ContactRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
}

#[derive(QueryableByName)]
struct TrainingRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Date)]
    trained_on: NaiveDate,
    #[diesel(sql_type = Date)]
    lapses_on: NaiveDate,
}

#[derive(QueryableByName)]
struct MouRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Date)]
    effective_on: NaiveDate,
    #[diesel(sql_type = Date)]
    expires_on: NaiveDate,
    #[diesel(sql_type = Array<Text>)]
    scope_needs: Vec<String>,
}

#[derive(QueryableByName)]
struct TodayRow {
    #[diesel(sql_type = Date)]
    today: NaiveDate,
}

// `$1` is NULL for every provider, or the providers to read. Positions are read as the
// stored doubles (ST_X/ST_Y of the geography's geometry), so distances match PostGIS.
const SERVICES_SQL: &str = "SELECT s.provider_id, s.languages, s.populations, s.open_24h,
       coalesce(array_agg(sn.need_code) FILTER (WHERE sn.need_code IS NOT NULL), '{}') AS needs
FROM services s LEFT JOIN service_needs sn ON sn.service_id = s.id
WHERE s.archived_at IS NULL AND ($1::uuid[] IS NULL OR s.provider_id = ANY($1))
GROUP BY s.id";
const LOCATIONS_SQL: &str = "SELECT provider_id, confidential, county_fips,
       ST_X(geog::geometry) AS lon, ST_Y(geog::geometry) AS lat,
       ST_X(public_geog::geometry) AS public_lon, ST_Y(public_geog::geometry) AS public_lat
FROM locations WHERE archived_at IS NULL AND ($1::uuid[] IS NULL OR provider_id = ANY($1))";
const AREAS_SQL: &str = "SELECT provider_id, county_fips FROM provider_service_areas
WHERE $1::uuid[] IS NULL OR provider_id = ANY($1)";
const CONTACTS_SQL: &str = "SELECT DISTINCT provider_id FROM provider_contacts
WHERE archived_at IS NULL AND ($1::uuid[] IS NULL OR provider_id = ANY($1))";
// The lapse date is PostgreSQL's own arithmetic (a 29 February start lapses on 28
// February), the same expression as the provider_flags view.
const TRAINING_SQL: &str = "SELECT provider_id, trained_on, (trained_on + interval '3 years')::date AS lapses_on
FROM training_records WHERE archived_at IS NULL AND kind = 'BASIC' AND ($1::uuid[] IS NULL OR provider_id = ANY($1))";
const MOUS_SQL: &str = "SELECT provider_id, effective_on, expires_on, scope_needs FROM mous
WHERE status = 'ACTIVE' AND ($1::uuid[] IS NULL OR provider_id = ANY($1))";

/// Need categories and counties with their boundaries.
async fn catalog(conn: &mut AsyncPgConnection) -> AppResult<Catalog> {
    let needs: Vec<NeedRow> =
        diesel::sql_query("SELECT code, label, phase, position FROM need_categories ORDER BY position")
            .load(conn)
            .await?;
    let needs = needs
        .into_iter()
        .map(|n| {
            let phase = Phase::from_db(&n.phase).ok_or_else(|| invalid("unknown need phase"))?;
            Ok(NeedInfo { code: n.code, label: n.label, phase, position: n.position })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let rows: Vec<(String, String, MultiPolygon<Point>)> = counties::table
        .select((counties::fips, counties::name, counties::boundary))
        .order(counties::name)
        .load(conn)
        .await?;
    let counties =
        rows.into_iter().map(|(fips, name, boundary)| CountyShape::new(fips, name, to_geo(&boundary))).collect();
    Catalog::new(needs, counties).ok_or_else(|| invalid("too many need categories or counties for the directory index"))
}

fn invalid(why: &'static str) -> AppError {
    AppError::internal(std::io::Error::other(why))
}

fn to_geo(shape: &MultiPolygon<Point>) -> geo::MultiPolygon<f64> {
    let ring = |points: &Vec<Point>| geo::LineString::from(points.iter().map(|p| (p.x, p.y)).collect::<Vec<_>>());
    geo::MultiPolygon::new(
        shape
            .polygons
            .iter()
            .filter(|p| !p.rings.is_empty())
            .map(|p| geo::Polygon::new(ring(&p.rings[0]), p.rings[1..].iter().map(ring).collect()))
            .collect(),
    )
}

async fn today(conn: &mut AsyncPgConnection) -> AppResult<NaiveDate> {
    let row: TodayRow = diesel::sql_query("SELECT current_date AS today").get_result(conn).await?;
    Ok(row.today)
}

/// The database's `current_date`, which flags are evaluated on.
pub async fn current_date(conn: &mut AsyncPgConnection) -> AppResult<NaiveDate> {
    today(conn).await
}

/// The whole directory.
pub async fn everything(conn: &mut AsyncPgConnection) -> AppResult<Snapshot> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let catalog = Arc::new(catalog(conn).await?);
            let entries = providers(conn, &catalog, None).await?;
            let today = today(conn).await?;
            Ok::<_, AppError>(Snapshot::build(catalog, entries.into_values().collect(), today))
        })
        .await
}

/// The current state of `ids`: an entry for each that exists and is not archived.
pub async fn some(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, ProviderEntry>> {
    let ids = ids.to_vec();
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| providers(conn, catalog, Some(ids)).await)
        .await
}

async fn providers(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    ids: Option<Vec<Uuid>>,
) -> AppResult<HashMap<Uuid, ProviderEntry>> {
    /// Parts gathered per provider before they are boxed into an entry.
    #[derive(Default)]
    struct Parts {
        services: Vec<ServiceEntry>,
        locations: Vec<LocationEntry>,
        counties: Vec<u16>,
        has_contact: bool,
        training: Vec<(NaiveDate, NaiveDate)>,
        mous: Vec<MouEntry>,
    }
    let listed = providers::listed(conn, ids.as_deref()).await?;
    let mut parts: HashMap<Uuid, Parts> = listed.iter().map(|p| (p.id, Parts::default())).collect();
    macro_rules! rows {
        ($sql:expr, $row:ty) => {{
            let rows: Vec<$row> =
                diesel::sql_query($sql).bind::<Nullable<Array<SqlUuid>>, _>(ids.clone()).load(conn).await?;
            rows
        }};
    }
    for s in rows!(SERVICES_SQL, ServiceRow) {
        if let Some(e) = parts.get_mut(&s.provider_id) {
            e.services.push(ServiceEntry {
                needs: catalog.need_set(s.needs.iter().map(String::as_str)),
                languages: s.languages.iter().flatten().map(|l| pack_language(l)).collect(),
                populations: s
                    .populations
                    .iter()
                    .flatten()
                    .filter_map(|p| Population::from_db(p))
                    .fold(0, |set, p| set | population_bit(p)),
                open_24h: s.open_24h,
            });
        }
    }
    for l in rows!(LOCATIONS_SQL, LocationRow) {
        if let Some(e) = parts.get_mut(&l.provider_id) {
            e.locations.push(LocationEntry {
                exact: (l.lon, l.lat),
                public: (l.public_lon, l.public_lat),
                confidential: l.confidential,
            });
            e.counties.extend(catalog.county_slot(&l.county_fips));
        }
    }
    for a in rows!(AREAS_SQL, AreaRow) {
        if let Some(e) = parts.get_mut(&a.provider_id) {
            e.counties.extend(catalog.county_slot(&a.county_fips));
        }
    }
    for c in rows!(CONTACTS_SQL, ContactRow) {
        if let Some(e) = parts.get_mut(&c.provider_id) {
            e.has_contact = true;
        }
    }
    for t in rows!(TRAINING_SQL, TrainingRow) {
        if let Some(e) = parts.get_mut(&t.provider_id) {
            e.training.push((t.trained_on, t.lapses_on));
        }
    }
    for m in rows!(MOUS_SQL, MouRow) {
        if let Some(e) = parts.get_mut(&m.provider_id) {
            e.mous.push(MouEntry {
                effective_on: m.effective_on,
                expires_on: m.expires_on,
                scope: catalog.need_set(m.scope_needs.iter().map(String::as_str)),
            });
        }
    }
    let entries = listed
        .into_iter()
        .map(|provider| {
            let mut p = parts.remove(&provider.id).unwrap_or_default();
            p.counties.sort_unstable();
            p.counties.dedup();
            let entry = ProviderEntry {
                listing: provider.into(),
                services: p.services.into(),
                locations: p.locations.into(),
                counties: p.counties.into(),
                has_contact: p.has_contact,
                training: p.training.into(),
                mous: p.mous.into(),
            };
            (entry.listing.id, entry)
        })
        .collect();
    Ok(entries)
}
