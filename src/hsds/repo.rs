//! The HSDS reads' queries. Lists first find a page of ids (filtered, counted, ordered),
//! then the records of that page by id, so the shape of a record is read one way only.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::sql_types::Geography;
use postgis_diesel::types::Point;
use uuid::Uuid;

use super::taxonomy::LanternTerm;
use super::{LocationFilter, Nearby, ServiceFilter};
use crate::db::prepared::prepared;
use crate::db::statement::Statement;
use crate::error::AppResult;

impl<'a> Statement<'a> {
    /// The conditions of `f` on services `s` of providers `p`.
    fn service_filter(mut self, f: &ServiceFilter) -> Self {
        self = self.sql(" s.archived_at IS NULL AND p.archived_at IS NULL");
        if f.nothing {
            return self.sql(" AND false");
        }
        if let Some(pattern) = f.search_pattern() {
            self = self
                .sql(" AND (s.name ILIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR coalesce(s.description, '') ILIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR p.name ILIKE ")
                .bind::<Text, _>(pattern)
                .sql(")");
        }
        if let Some(org) = f.organization_id {
            self = self.sql(" AND s.provider_id = ").bind::<SqlUuid, _>(org);
        }
        if let Some(after) = f.modified_after {
            self = self.sql(" AND greatest(s.updated_at, p.updated_at) >= ").bind::<Timestamptz, _>(after);
        }
        if let Some(needs) = &f.needs {
            self = self
                .sql(" AND EXISTS (SELECT 1 FROM service_needs sn WHERE sn.service_id = s.id AND sn.need_code = ANY(")
                .bind::<Array<Text>, _>(needs.clone())
                .sql("))");
        }
        if !f.populations.is_empty() {
            self = self.sql(" AND s.populations @> ").bind::<Array<Text>, _>(f.populations.clone());
        }
        if let Some(open) = f.open_24h {
            self = self.sql(" AND s.open_24h = ").bind::<Bool, _>(open);
        }
        for term in &f.provider_terms {
            self = self.sql(provider_condition(*term));
        }
        self
    }

    /// The conditions of `f` on locations `l`; a confidential location's postcode is
    /// never compared (a match would tell where it is).
    fn location_filter(mut self, f: &LocationFilter) -> Self {
        self = self.sql(" AND l.archived_at IS NULL");
        if let Some(postcode) = &f.postcode {
            self = self.sql(" AND NOT l.confidential AND l.postal_code = ").bind::<Text, _>(postcode.clone());
        }
        if let Some(near) = &f.near {
            self = self
                .sql(" AND ST_DWithin(l.public_geog, ")
                .bind::<Geography, _>(point(near))
                .sql(", ")
                .bind::<Double, _>(near.radius_m)
                .sql(", false)");
        }
        self
    }
}

/// The condition a provider-level Lantern term sets on providers `p`.
fn provider_condition(term: LanternTerm) -> &'static str {
    match term {
        LanternTerm::HtTrained => {
            " AND EXISTS (SELECT 1 FROM provider_flags pf WHERE pf.provider_id = p.id AND pf.ht_trained)"
        }
        LanternTerm::HasContact => {
            " AND EXISTS (SELECT 1 FROM provider_flags pf WHERE pf.provider_id = p.id AND pf.has_contact)"
        }
        LanternTerm::HasActiveMou => {
            " AND EXISTS (SELECT 1 FROM provider_flags pf WHERE pf.provider_id = p.id AND pf.has_active_mou)"
        }
        LanternTerm::ConfidentialLocation => {
            " AND EXISTS (SELECT 1 FROM locations cl WHERE cl.provider_id = p.id AND cl.confidential AND cl.archived_at IS NULL)"
        }
        LanternTerm::Synthetic => " AND p.synthetic",
        LanternTerm::Kind => "",
        // Service-level terms are conditions of `ServiceFilter` itself.
        LanternTerm::Open24Hours | LanternTerm::Population(_) => "",
    }
}

fn point(near: &Nearby) -> Point {
    Point::new(near.lon, near.lat, Some(4326))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct NamedIdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
}

/// Services matching `f`: how many, and the ids of those at `offset`, by name (byte
/// order) then id.
pub(super) async fn service_ids(
    conn: &mut AsyncPgConnection,
    f: &ServiceFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Uuid>)> {
    let count = Statement::new("SELECT count(*) AS n FROM services s JOIN providers p ON p.id = s.provider_id WHERE")
        .service_filter(f);
    let total: Count = count.query.get_result(conn).await?;
    let page = Statement::new("SELECT s.id FROM services s JOIN providers p ON p.id = s.provider_id WHERE")
        .service_filter(f)
        .sql(" ORDER BY s.name COLLATE \"C\", s.id LIMIT ")
        .bind::<BigInt, _>(limit)
        .sql(" OFFSET ")
        .bind::<BigInt, _>(offset);
    let rows: Vec<IdRow> = page.query.load(conn).await?;
    Ok((total.n, rows.into_iter().map(|r| r.id).collect()))
}

/// The next `limit` services matching `f` after `(name, id)` in name order: for streaming.
pub(super) async fn service_ids_after(
    conn: &mut AsyncPgConnection,
    f: &ServiceFilter,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> AppResult<Vec<(Uuid, String)>> {
    let mut st = Statement::new("SELECT s.id, s.name FROM services s JOIN providers p ON p.id = s.provider_id WHERE")
        .service_filter(f);
    if let Some((name, id)) = after {
        st = st
            .sql(" AND (s.name COLLATE \"C\", s.id) > (")
            .bind::<Text, _>(name)
            .sql(" COLLATE \"C\", ")
            .bind::<SqlUuid, _>(id)
            .sql(")");
    }
    let st = st.sql(" ORDER BY s.name COLLATE \"C\", s.id LIMIT ").bind::<BigInt, _>(limit);
    let rows: Vec<NamedIdRow> = st.query.load(conn).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// Organizations (listed providers) whose name or description holds `search`: how
/// many, and the ids at `offset` by name then id.
pub(super) async fn organization_ids(
    conn: &mut AsyncPgConnection,
    search: Option<String>,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Uuid>)> {
    fn filtered(st: Statement<'_>, search: Option<String>) -> Statement<'_> {
        let st = st.sql(" p.archived_at IS NULL");
        match search {
            Some(pattern) => st
                .sql(" AND (p.name ILIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR coalesce(p.description, '') ILIKE ")
                .bind::<Text, _>(pattern)
                .sql(")"),
            None => st,
        }
    }
    let total: Count = filtered(Statement::new("SELECT count(*) AS n FROM providers p WHERE"), search.clone())
        .query
        .get_result(conn)
        .await?;
    let page = filtered(Statement::new("SELECT p.id FROM providers p WHERE"), search)
        .sql(" ORDER BY p.name COLLATE \"C\", p.id LIMIT ")
        .bind::<BigInt, _>(limit)
        .sql(" OFFSET ")
        .bind::<BigInt, _>(offset);
    let rows: Vec<IdRow> = page.query.load(conn).await?;
    Ok((total.n, rows.into_iter().map(|r| r.id).collect()))
}

/// The next `limit` listed providers after `(name, id)` in name order: for exports.
pub(super) async fn organization_ids_after(
    conn: &mut AsyncPgConnection,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> AppResult<Vec<(Uuid, String)>> {
    let mut st = Statement::new("SELECT p.id, p.name FROM providers p WHERE p.archived_at IS NULL");
    if let Some((name, id)) = after {
        st = st
            .sql(" AND (p.name COLLATE \"C\", p.id) > (")
            .bind::<Text, _>(name)
            .sql(" COLLATE \"C\", ")
            .bind::<SqlUuid, _>(id)
            .sql(")");
    }
    let st = st.sql(" ORDER BY p.name COLLATE \"C\", p.id LIMIT ").bind::<BigInt, _>(limit);
    let rows: Vec<NamedIdRow> = st.query.load(conn).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// A service at a location: both ids, the pair's id, and the provider of both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// The `service_at_location` id.
    pub id: Uuid,
    /// The service's id.
    pub service_id: Uuid,
    /// The location's id.
    pub location_id: Uuid,
    /// The provider of both (the HSDS organization), by which the index finds the
    /// pair's listings.
    pub provider_id: Uuid,
}

#[derive(QueryableByName)]
struct PairRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    location_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
}

impl From<PairRow> for Pair {
    fn from(r: PairRow) -> Self {
        Pair { id: r.id, service_id: r.service_id, location_id: r.location_id, provider_id: r.provider_id }
    }
}

const PAIRS_FROM: &str = " FROM hsds_service_at_locations sal
JOIN services s ON s.id = sal.service_id JOIN providers p ON p.id = s.provider_id
JOIN locations l ON l.id = sal.location_id WHERE";

/// Services at locations matching both filters: how many, and the page at `offset`,
/// nearest first (by public position, then id) with a point, else by id.
pub(super) async fn pair_ids(
    conn: &mut AsyncPgConnection,
    f: &ServiceFilter,
    lf: &LocationFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Pair>)> {
    let count = Statement::new(&format!("SELECT count(*) AS n{PAIRS_FROM}")).service_filter(f).location_filter(lf);
    let total: Count = count.query.get_result(conn).await?;
    let mut page =
        Statement::new(&format!("SELECT sal.id, sal.service_id, sal.location_id, s.provider_id{PAIRS_FROM}"))
            .service_filter(f)
            .location_filter(lf)
            .sql(" ORDER BY ");
    if let Some(near) = &lf.near {
        page = page.sql("l.public_geog <-> ").bind::<Geography, _>(point(near)).sql(", ");
    }
    let page = page.sql("sal.id LIMIT ").bind::<BigInt, _>(limit).sql(" OFFSET ").bind::<BigInt, _>(offset);
    let rows: Vec<PairRow> = page.query.load(conn).await?;
    Ok((total.n, rows.into_iter().map(Pair::from).collect()))
}

/// The pair with this id, if both its service and location are listed.
pub(super) async fn pair(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Pair>> {
    let st = Statement::new(&format!("SELECT sal.id, sal.service_id, sal.location_id, s.provider_id{PAIRS_FROM}"))
        .service_filter(&ServiceFilter::default())
        .location_filter(&LocationFilter::default())
        .sql(" AND sal.id = ")
        .bind::<SqlUuid, _>(id);
    let rows: Vec<PairRow> = st.query.load(conn).await?;
    Ok(rows.into_iter().next().map(Pair::from))
}

/// A service's own fields, with its needs.
#[derive(QueryableByName, Clone, Debug)]
pub struct ServiceRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub provider_id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub eligibility: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cost: Option<String>,
    #[diesel(sql_type = Bool)]
    pub open_24h: bool,
    #[diesel(sql_type = Array<Text>)]
    pub languages: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    pub populations: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    pub needs: Vec<String>,
    #[diesel(sql_type = Timestamptz)]
    pub last_modified: DateTime<Utc>,
}

/// Listed services by id (any order). Takes the connection shared, so that a page's
/// services and locations can be asked for at once (diesel-async pipelines queries
/// polled together on one connection).
pub(super) async fn services(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<ServiceRow>> {
    let rows = prepared(
        "SELECT s.id, s.provider_id, s.name, s.description, s.eligibility, s.cost, s.open_24h, s.languages,
                s.populations,
                coalesce((SELECT array_agg(sn.need_code ORDER BY nc.position) FROM service_needs sn
                          JOIN need_categories nc ON nc.code = sn.need_code WHERE sn.service_id = s.id), '{}') AS needs,
                greatest(s.updated_at, p.updated_at) AS last_modified
         FROM services s JOIN providers p ON p.id = s.provider_id
         WHERE s.id = ANY($1) AND s.archived_at IS NULL AND p.archived_at IS NULL",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .load(&mut conn)
    .await?;
    Ok(rows)
}

/// Listed services of these providers, by name then id.
pub(super) async fn services_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<ServiceRow>> {
    let ids: Vec<IdRow> = prepared(
        "SELECT id FROM services WHERE provider_id = ANY($1) AND archived_at IS NULL ORDER BY name COLLATE \"C\", id",
    )
    .bind::<Array<SqlUuid>, _>(providers)
    .load(conn)
    .await?;
    let ids: Vec<Uuid> = ids.into_iter().map(|r| r.id).collect();
    let mut rows = services(conn, &ids).await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// A provider as an HSDS organization, with its FUTURES flags.
#[derive(QueryableByName, Clone, Debug)]
pub struct OrganizationRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub website: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = Bool)]
    pub synthetic: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub organization_id: Option<Uuid>,
    #[diesel(sql_type = Bool)]
    pub ht_trained: bool,
    #[diesel(sql_type = Bool)]
    pub has_contact: bool,
    #[diesel(sql_type = Bool)]
    pub has_active_mou: bool,
}

/// Listed providers by id (any order).
pub(super) async fn organizations(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<OrganizationRow>> {
    let rows = prepared(
        "SELECT p.id, p.name, p.kind, p.description, p.website, p.email, p.synthetic, p.organization_id,
                coalesce(f.ht_trained, false) AS ht_trained, coalesce(f.has_contact, false) AS has_contact,
                coalesce(f.has_active_mou, false) AS has_active_mou
         FROM providers p LEFT JOIN provider_flags f ON f.provider_id = p.id
         WHERE p.id = ANY($1) AND p.archived_at IS NULL",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows)
}

/// A location as stored. Its street, postcode and coordinates never leave this module
/// for a confidential one: see `map::location`.
#[derive(QueryableByName, Clone, Debug)]
pub struct LocationRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub provider_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub street: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub city: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub postal_code: Option<String>,
    #[diesel(sql_type = Double)]
    pub latitude: f64,
    #[diesel(sql_type = Double)]
    pub longitude: f64,
    #[diesel(sql_type = Bool)]
    pub confidential: bool,
    #[diesel(sql_type = Text)]
    pub county_fips: String,
    #[diesel(sql_type = Text)]
    pub county_name: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub owner_organization_id: Option<Uuid>,
}

/// The columns of [`LocationRow`] from listed locations, followed by `$condition` (a
/// literal, so each statement's text is fixed and kept prepared).
macro_rules! listed_locations {
    ($condition:literal) => {
        concat!(
            "SELECT l.id, l.provider_id, l.name, l.street, l.city, l.state, l.postal_code,
       ST_Y(l.geog::geometry) AS latitude, ST_X(l.geog::geometry) AS longitude, l.confidential, l.county_fips,
       c.name AS county_name, p.organization_id AS owner_organization_id
FROM locations l JOIN counties c ON c.fips = l.county_fips JOIN providers p ON p.id = l.provider_id
WHERE l.archived_at IS NULL AND p.archived_at IS NULL ",
            $condition
        )
    };
}

/// Listed locations by id (any order). Shared connection: see [`services`].
pub(super) async fn locations(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<LocationRow>> {
    let rows = prepared(listed_locations!("AND l.id = ANY($1)")).bind::<Array<SqlUuid>, _>(ids).load(&mut conn).await?;
    Ok(rows)
}

/// Listed locations of these providers, by id.
pub(super) async fn locations_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<LocationRow>> {
    let rows = prepared(listed_locations!("AND l.provider_id = ANY($1) ORDER BY l.id"))
        .bind::<Array<SqlUuid>, _>(providers)
        .load(conn)
        .await?;
    Ok(rows)
}

/// A provider's phone.
#[derive(QueryableByName, Clone, Debug)]
pub struct PhoneRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub provider_id: Uuid,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub label: Option<String>,
    #[diesel(sql_type = Bool)]
    pub twenty_four_hour: bool,
}

/// The phones of these providers, in their listed order.
pub(super) async fn phones_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<PhoneRow>> {
    let rows = prepared(
        "SELECT id, provider_id, number, label, twenty_four_hour FROM provider_phones
         WHERE provider_id = ANY($1) ORDER BY provider_id, position, id",
    )
    .bind::<Array<SqlUuid>, _>(providers)
    .load(conn)
    .await?;
    Ok(rows)
}

/// A county a provider is located in or serves.
#[derive(QueryableByName, Clone, Debug)]
pub struct AreaRow {
    #[diesel(sql_type = SqlUuid)]
    pub provider_id: Uuid,
    #[diesel(sql_type = Text)]
    pub county_fips: String,
    #[diesel(sql_type = Text)]
    pub county_name: String,
}

/// The counties these providers are located in or serve (`provider_counties`), by FIPS.
pub(super) async fn areas_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<AreaRow>> {
    let rows = prepared(
        "SELECT pc.provider_id, pc.county_fips, c.name AS county_name
         FROM provider_counties pc JOIN counties c ON c.fips = pc.county_fips
         WHERE pc.provider_id = ANY($1) ORDER BY pc.provider_id, pc.county_fips",
    )
    .bind::<Array<SqlUuid>, _>(providers)
    .load(conn)
    .await?;
    Ok(rows)
}

/// The centre of a postcode: the mean public position of the listed locations that
/// are not confidential and carry it (Lantern has no postcode table). `None` when no
/// such location exists.
pub(super) async fn postcode_centre(conn: &mut AsyncPgConnection, postcode: &str) -> AppResult<Option<(f64, f64)>> {
    #[derive(QueryableByName)]
    struct Centre {
        #[diesel(sql_type = Nullable<Double>)]
        lat: Option<f64>,
        #[diesel(sql_type = Nullable<Double>)]
        lon: Option<f64>,
    }
    let c: Centre = prepared(
        "SELECT avg(ST_Y(public_geog::geometry)) AS lat, avg(ST_X(public_geog::geometry)) AS lon FROM locations
         WHERE archived_at IS NULL AND NOT confidential AND postal_code = $1",
    )
    .bind::<Text, _>(postcode)
    .get_result(conn)
    .await?;
    Ok(c.lat.zip(c.lon))
}
