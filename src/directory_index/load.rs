//! Reading the directory out of PostgreSQL into a packed [`Store`]: everything, or a
//! set of providers. Each read runs in one REPEATABLE READ transaction so the parts
//! agree. Rows are streamed straight into the store, ordered by provider so each
//! provider's parts land side by side; no whole result is held (only the small
//! provider × county pairs, which are sorted before they are stored).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Date, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryStreamExt;
use postgis_diesel::types::{MultiPolygon, Point};
use uuid::Uuid;

use super::query::population_bit;
use super::snapshot::{Catalog, CountyShape, MouEntry, NeedInfo, RoomWindow, Snapshot, Store, pack_language};
use super::trees::LocationEntry;
use crate::db::StoredText;
use crate::db::functions::set_config;
use crate::db::prepared::prepared;
use crate::db::schema::counties;
use crate::error::{AppError, AppResult};
use crate::needs::Phase;
use crate::partnerships::rules::{self, MouStatus, TrainingKind};
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
    id: Uuid,
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
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    eligibility: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    cost: Option<String>,
    /// When the service or its provider last changed (HSDS `last_modified`).
    #[diesel(sql_type = Timestamptz)]
    modified: DateTime<Utc>,
    /// The service's room windows (`service_room_windows`): from (NULL: already), until.
    #[diesel(sql_type = Array<Nullable<Timestamptz>>)]
    room_from: Vec<Option<DateTime<Utc>>>,
    #[diesel(sql_type = Array<Timestamptz>)]
    room_until: Vec<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct RoomRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Array<Nullable<Timestamptz>>)]
    room_from: Vec<Option<DateTime<Utc>>>,
    #[diesel(sql_type = Array<Timestamptz>)]
    room_until: Vec<DateTime<Utc>>,
}

/// A service's room windows as loaded (see [`RoomWindow`]).
fn room_windows(from: &[Option<DateTime<Utc>>], until: &[DateTime<Utc>]) -> Vec<RoomWindow> {
    from.iter()
        .zip(until)
        .map(|(from, until)| RoomWindow {
            from_us: from.map_or(i64::MIN, |f| f.timestamp_micros()),
            until_us: until.timestamp_micros(),
        })
        .collect()
}

#[derive(QueryableByName)]
struct LocationRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
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
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    street: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    city: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    postal_code: Option<String>,
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
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Date)]
    trained_on: NaiveDate,
}

#[derive(QueryableByName)]
struct MouRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Date)]
    effective_on: NaiveDate,
    #[diesel(sql_type = Date)]
    expires_on: NaiveDate,
    #[diesel(sql_type = Array<Text>)]
    scope_needs: Vec<String>,
}

#[derive(QueryableByName)]
struct PhoneRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
    #[diesel(sql_type = Bool)]
    twenty_four_hour: bool,
}

#[derive(QueryableByName)]
struct TodayRow {
    #[diesel(sql_type = Date)]
    today: NaiveDate,
}

/// The room windows of service `s` as two arrays in order of their ends, `w.room_from` and
/// `w.room_until`, from one call of `service_room_windows` (each call counts the live
/// holds of the service's figures).
macro_rules! room_windows_of_s {
    () => {
        "LATERAL (SELECT coalesce(array_agg(r.room_from ORDER BY r.room_until), '{}') AS room_from,
                 coalesce(array_agg(r.room_until ORDER BY r.room_until), '{}') AS room_until
          FROM service_room_windows(s.id) r) w"
    };
}

// `$1` is NULL for every provider, or the providers to read. Positions are read as the
// stored doubles (ST_X/ST_Y of the geography's geometry), so distances match PostGIS.
const SERVICES_SQL: &str = concat!(
    "SELECT s.id, s.provider_id, s.languages, s.populations, s.open_24h,
       coalesce(array_agg(sn.need_code) FILTER (WHERE sn.need_code IS NOT NULL), '{}') AS needs,
       s.name, s.description, s.eligibility, s.cost, greatest(s.updated_at, p.updated_at) AS modified,
       w.room_from, w.room_until
FROM services s JOIN providers p ON p.id = s.provider_id LEFT JOIN service_needs sn ON sn.service_id = s.id, ",
    room_windows_of_s!(),
    "
WHERE s.archived_at IS NULL AND ($1::uuid[] IS NULL OR s.provider_id = ANY($1))
GROUP BY s.id, p.updated_at, w.room_from, w.room_until ORDER BY s.provider_id"
);
// The room windows alone, of every active service of the providers named (as above).
const ROOMS_SQL: &str = concat!(
    "SELECT s.id, s.provider_id, w.room_from, w.room_until FROM services s, ",
    room_windows_of_s!(),
    " WHERE s.archived_at IS NULL AND s.provider_id = ANY($1)"
);
const LOCATIONS_SQL: &str = "SELECT id, provider_id, confidential, county_fips,
       ST_X(geog::geometry) AS lon, ST_Y(geog::geometry) AS lat,
       ST_X(public_geog::geometry) AS public_lon, ST_Y(public_geog::geometry) AS public_lat,
       name, street, city, state, postal_code
FROM locations WHERE archived_at IS NULL AND ($1::uuid[] IS NULL OR provider_id = ANY($1))
ORDER BY provider_id";
const AREAS_SQL: &str = "SELECT provider_id, county_fips FROM provider_service_areas
WHERE $1::uuid[] IS NULL OR provider_id = ANY($1)";
// "Have a contact?" is decided in SQL only (`futures_contact_counts`, migration 15).
const CONTACTS_SQL: &str = "SELECT DISTINCT provider_id FROM provider_contacts
WHERE futures_contact_counts(archived_at) AND ($1::uuid[] IS NULL OR provider_id = ANY($1))";
// Every live training and every MOU: `partnerships::rules` decides which count, and on
// which days.
const TRAINING_SQL: &str = "SELECT provider_id, kind, trained_on
FROM training_records WHERE archived_at IS NULL AND ($1::uuid[] IS NULL OR provider_id = ANY($1))
ORDER BY provider_id";
const PHONES_SQL: &str = "SELECT provider_id, number, label, twenty_four_hour FROM provider_phones
WHERE $1::uuid[] IS NULL OR provider_id = ANY($1) ORDER BY provider_id, position";
const MOUS_SQL: &str = "SELECT provider_id, status, effective_on, expires_on, scope_needs FROM mous
WHERE $1::uuid[] IS NULL OR provider_id = ANY($1) ORDER BY provider_id";

/// Need categories and counties with their boundaries.
async fn catalog(conn: &mut AsyncPgConnection) -> AppResult<Catalog> {
    let needs: Vec<NeedRow> =
        diesel::sql_query("SELECT code, label, phase, position FROM need_categories ORDER BY position")
            .load(conn)
            .await?;
    let needs = needs
        .into_iter()
        .map(|n| {
            let phase = Phase::decode(&n.phase)?;
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

/// How long the statements of a whole load may run: the service's statement timeout is
/// for requests, and reading a directory of a million providers takes longer than that.
const LOAD_STATEMENT_TIMEOUT: &str = "10min";

/// The whole directory.
pub async fn everything(conn: &mut AsyncPgConnection) -> AppResult<Snapshot> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            diesel::select(set_config("statement_timeout", LOAD_STATEMENT_TIMEOUT, true)).execute(conn).await?;
            let catalog = Arc::new(catalog(conn).await?);
            let store = providers(conn, &catalog, None).await?;
            let today = today(conn).await?;
            Ok::<_, AppError>(Snapshot::build(catalog, store, today))
        })
        .await
}

/// Every organization's review outcomes under the Standards of Service (public data).
pub async fn vetting(conn: &mut AsyncPgConnection) -> AppResult<super::vetting::Vetting> {
    Ok(super::vetting::Vetting::new(crate::standards::all_outcomes(conn).await?))
}

/// The current state of `ids`: each that exists and is not archived.
pub async fn some(conn: &mut AsyncPgConnection, catalog: &Catalog, ids: &[Uuid]) -> AppResult<Store> {
    let ids = ids.to_vec();
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async move |conn| providers(conn, catalog, Some(ids)).await)
        .await
}

/// The room windows of every active service of `ids`, by provider and service: what a
/// capacity change alters (one statement, so one moment).
pub async fn rooms(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, HashMap<Uuid, Vec<RoomWindow>>>> {
    // Planned once per connection: it runs after every capacity change.
    let rows: Vec<RoomRow> = prepared(ROOMS_SQL).bind::<Array<SqlUuid>, _>(ids).load(conn).await?;
    let mut out: HashMap<Uuid, HashMap<Uuid, Vec<RoomWindow>>> = HashMap::new();
    for r in rows {
        out.entry(r.provider_id).or_default().insert(r.id, room_windows(&r.room_from, &r.room_until));
    }
    Ok(out)
}

/// Runs one of the statements above for `ids` (all providers when `None`), handing
/// each row to `each` as it arrives.
async fn each_row<R>(
    conn: &mut AsyncPgConnection,
    sql: &'static str,
    ids: &Option<Vec<Uuid>>,
    mut each: impl FnMut(R) -> AppResult<()>,
) -> AppResult<()>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    let mut rows =
        diesel::sql_query(sql).bind::<Nullable<Array<SqlUuid>>, _>(ids.clone()).load_stream::<R>(conn).await?;
    while let Some(row) = rows.try_next().await? {
        each(row)?;
    }
    Ok(())
}

async fn providers(conn: &mut AsyncPgConnection, catalog: &Catalog, ids: Option<Vec<Uuid>>) -> AppResult<Store> {
    let mut store = Store::default();
    providers::for_each_listed(conn, ids.as_deref(), |p| {
        store.add_listing(&p);
    })
    .await?;
    each_row(conn, SERVICES_SQL, &ids, |s: ServiceRow| {
        let Some(slot) = store.slot(&s.provider_id) else { return Ok(()) };
        let populations =
            Population::decode_list(s.populations.iter())?.into_iter().fold(0, |set, p| set | population_bit(p));
        let languages = s.languages.iter().flatten().map(|l| pack_language(l));
        let needs = catalog.need_set(s.needs.iter().map(String::as_str));
        store.push_service(slot, s.id, needs, languages, populations, s.open_24h)?;
        store.set_last_service_rooms(room_windows(&s.room_from, &s.room_until));
        store.set_last_service_listing(
            &s.name,
            s.description.as_deref(),
            s.eligibility.as_deref(),
            s.cost.as_deref(),
            s.modified.timestamp_micros(),
        );
        Ok(())
    })
    .await?;
    // Counties come from locations and declared service areas; gathered, then stored
    // sorted and without repeats.
    let mut counties: Vec<(u32, u16)> = Vec::new();
    each_row(conn, LOCATIONS_SQL, &ids, |l: LocationRow| {
        let Some(slot) = store.slot(&l.provider_id) else { return Ok(()) };
        counties.extend(catalog.county_slot(&l.county_fips).map(|c| (slot, c)));
        let location = LocationEntry {
            id: l.id,
            exact: (l.lon, l.lat),
            public: (l.public_lon, l.public_lat),
            confidential: l.confidential,
        };
        store.push_location(slot, location)?;
        let texts = [&l.name, &l.street, &l.city, &l.state, &l.postal_code].map(Option::as_deref);
        store.set_last_location_listing(texts, catalog.county_slot(&l.county_fips));
        Ok(())
    })
    .await?;
    each_row(conn, AREAS_SQL, &ids, |a: AreaRow| {
        if let (Some(slot), Some(county)) = (store.slot(&a.provider_id), catalog.county_slot(&a.county_fips)) {
            counties.push((slot, county));
        }
        Ok(())
    })
    .await?;
    counties.sort_unstable();
    counties.dedup();
    for (slot, county) in counties {
        store.push_county(slot, county)?;
    }
    each_row(conn, CONTACTS_SQL, &ids, |c: ContactRow| {
        if let Some(slot) = store.slot(&c.provider_id) {
            store.set_has_contact(slot);
        }
        Ok(())
    })
    .await?;
    each_row(conn, TRAINING_SQL, &ids, |t: TrainingRow| {
        let Some(slot) = store.slot(&t.provider_id) else { return Ok(()) };
        let kind = TrainingKind::decode(&t.kind)?;
        if !rules::counts_as_ht_training(kind) {
            return Ok(());
        }
        Ok(store.push_training(slot, t.trained_on)?)
    })
    .await?;
    each_row(conn, PHONES_SQL, &ids, |p: PhoneRow| {
        let Some(slot) = store.slot(&p.provider_id) else { return Ok(()) };
        Ok(store.push_phone(slot, &p.number, p.label.as_deref(), p.twenty_four_hour)?)
    })
    .await?;
    each_row(conn, MOUS_SQL, &ids, |m: MouRow| {
        let Some(slot) = store.slot(&m.provider_id) else { return Ok(()) };
        let scope = catalog.need_set(m.scope_needs.iter().map(String::as_str));
        let recorded = MouStatus::decode(&m.status)?;
        Ok(store
            .push_mou(slot, MouEntry { recorded, effective_on: m.effective_on, expires_on: m.expires_on, scope })?)
    })
    .await?;
    Ok(store)
}
