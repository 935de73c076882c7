//! `searchProviders`: filter the directory by need, phase, county, languages,
//! populations and 24-hour availability; rank by distance from a point (nearest
//! location first, using the GiST index's KNN ordering) or by name.
//!
//! Confidential locations: unless the viewer may locate every confidential location,
//! distances, ranking and radius membership are computed from each location's *public*
//! position (`locations.public_geog`), which for a confidential location is its county's
//! interior point. Every answer about such a location is then a function of its county
//! alone, so no series of queries from different points can trilaterate it.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, Bool, Double, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::sql_types::Geography;
use postgis_diesel::types::Point;
use uuid::Uuid;

use super::{LanguageCode, Population, Provider};
use crate::auth::Actor;
use crate::coords::Coordinates;
use crate::counties::{self, Fips};
use crate::directory_index::query::ProviderFilter;
use crate::directory_index::{DirectoryIndex, View};
use crate::error::{AppError, AppResult};
use crate::needs::{self, Phase};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Hard cap on `first`.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Largest accepted radius: wider than North Carolina, far short of absurd.
pub const MAX_RADIUS_KM: f64 = 1000.0;

/// The search as the caller sent it, before validation.
#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    pub needs: Option<Vec<String>>,
    pub phase: Option<Phase>,
    pub county: Option<String>,
    /// `(lat, lon)` of the point to rank by.
    pub near: Option<(f64, f64)>,
    pub radius_km: Option<f64>,
    pub languages: Option<Vec<String>>,
    pub populations: Option<Vec<Population>>,
    pub open_24h: Option<bool>,
    /// Basic HT training within 3 years (true), or not (false).
    pub ht_trained: Option<bool>,
    /// A contact known to the network (true), or not (false).
    pub has_contact: Option<bool>,
    /// An MOU in force (true), or not (false).
    pub has_active_mou: Option<bool>,
    pub first: Option<i32>,
    pub after: Option<String>,
}

/// One result: a provider, and how it matched.
#[derive(Clone, Debug)]
pub struct SearchHit {
    pub provider: Provider,
    /// Kilometres to the provider's nearest matching location; `None` without a point,
    /// and for service-area matches.
    pub distance_km: Option<f64>,
    /// The distance was measured to the county of a confidential location, not to it.
    pub distance_approximate: bool,
    /// The provider has no location within reach but serves the county containing the
    /// point (a hotline, a mobile advocate).
    pub service_area_match: bool,
    /// Opaque cursor of this hit, for `after`.
    pub cursor: String,
}

/// A page of results.
#[derive(Clone, Debug)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub has_next_page: bool,
}

impl SearchPage {
    /// Cursor of the last hit on the page.
    pub fn end_cursor(&self) -> Option<String> {
        self.hits.last().map(|h| h.cursor.clone())
    }
}

/// Runs a search for `viewer`.
pub async fn search(conn: &mut AsyncPgConnection, viewer: &Actor, request: SearchRequest) -> AppResult<SearchPage> {
    let query = parse(request)?;
    check_references(conn, &query).await?;
    let position = position_column(viewer);
    match query.near {
        None => by_name(conn, &query).await,
        Some(point) => by_distance(conn, &query, point, position).await,
    }
}

/// Runs a search with a point on the in-memory directory index, without the database.
/// `None` when the index is not ready or the search has no point (ranked by name, which
/// PostgreSQL's name index serves): the caller then runs [`search`].
pub fn search_indexed(
    index: &DirectoryIndex,
    viewer: &Actor,
    request: &SearchRequest,
) -> Option<AppResult<SearchPage>> {
    request.near?;
    let query = match parse(request.clone()) {
        Ok(query) => query,
        Err(err) => return Some(Err(err)),
    };
    let at = query.near?;
    let exact = viewer.may_locate_all_confidential_locations();
    index.read(|snapshot| {
        check_references_in(snapshot, &query)?;
        Ok(by_distance_indexed(snapshot, &query, at, exact))
    })
}

/// Runs a search, with or without a point, on the index's last snapshot (current, or
/// stale within its limit): the answer while PostgreSQL cannot give one. `None` when
/// there is no snapshot to answer from.
pub fn search_last_snapshot(
    index: &DirectoryIndex,
    viewer: &Actor,
    request: &SearchRequest,
) -> Option<AppResult<SearchPage>> {
    let query = match parse(request.clone()) {
        Ok(query) => query,
        Err(err) => return Some(Err(err)),
    };
    let exact = viewer.may_locate_all_confidential_locations();
    index.read_last(|snapshot| {
        check_references_in(snapshot, &query)?;
        Ok(match query.near {
            Some(at) => by_distance_indexed(snapshot, &query, at, exact),
            None => by_name_indexed(snapshot, &query),
        })
    })
}

/// The search's provider-level conditions, compiled against the snapshot's catalog.
fn compile_filter(snapshot: &View, f: &Filters) -> ProviderFilter {
    ProviderFilter::new(
        &snapshot.catalog,
        &f.needs,
        f.phase,
        f.county.as_ref().map(Fips::as_str),
        &f.languages,
        &f.populations,
        f.open_24h,
        (f.ht_trained, f.has_contact, f.has_active_mou),
    )
}

/// `by_name`, answered from the index.
fn by_name_indexed(snapshot: &View, q: &SearchQuery) -> SearchPage {
    let after = match &q.after {
        Some(Cursor::Name { name, id }) => Some((name.as_str(), *id)),
        _ => None,
    };
    let mut hits: Vec<SearchHit> = snapshot
        .by_name(&compile_filter(snapshot, &q.filters), after, q.limit + 1)
        .into_iter()
        .map(|p| SearchHit {
            cursor: Cursor::Name { name: p.name().to_owned(), id: p.id() }.encode(),
            provider: p.to_provider(),
            distance_km: None,
            distance_approximate: false,
            service_area_match: false,
        })
        .collect();
    let has_next_page = hits.len() > q.limit;
    hits.truncate(q.limit);
    SearchPage { hits, has_next_page }
}

/// `by_distance`, answered from the index.
fn by_distance_indexed(snapshot: &View, q: &SearchQuery, at: Coordinates, exact: bool) -> SearchPage {
    let filter = compile_filter(snapshot, &q.filters);
    let point = (at.lon(), at.lat());
    let mut hits = Vec::new();
    if !matches!(q.after, Some(Cursor::ServiceArea { .. })) {
        let after = match q.after {
            Some(Cursor::Distance { metres, id }) => Some((metres, id)),
            _ => None,
        };
        let approximate = !exact;
        hits = snapshot
            .nearest(&filter, point, q.radius_m, exact, after, q.limit + 1)
            .into_iter()
            .map(|n| SearchHit {
                cursor: Cursor::Distance { metres: n.distance_m, id: n.entry.id() }.encode(),
                provider: n.entry.to_provider(),
                distance_km: Some(round_km(n.distance_m, n.confidential && approximate)),
                distance_approximate: n.confidential && approximate,
                service_area_match: false,
            })
            .collect();
        if hits.len() > q.limit {
            hits.truncate(q.limit);
            return SearchPage { hits, has_next_page: true };
        }
    }
    let Some(county) = snapshot.county_at(point) else {
        return SearchPage { hits, has_next_page: false };
    };
    let after = match &q.after {
        Some(Cursor::ServiceArea { name, id }) => Some((name.as_str(), *id)),
        _ => None,
    };
    let wanted = q.limit + 1 - hits.len();
    let area = snapshot.area_matches(&filter, county, point, q.radius_m, exact, after, wanted);
    hits.extend(area.into_iter().map(|e| SearchHit {
        cursor: Cursor::ServiceArea { name: e.name().to_owned(), id: e.id() }.encode(),
        provider: e.to_provider(),
        distance_km: None,
        distance_approximate: false,
        service_area_match: true,
    }));
    let has_next_page = hits.len() > q.limit;
    hits.truncate(q.limit);
    SearchPage { hits, has_next_page }
}

/// The column positions are ranked by: exact points only for viewers who may locate
/// every confidential location; public positions for everyone else.
fn position_column(viewer: &Actor) -> &'static str {
    if viewer.may_locate_all_confidential_locations() { "l.geog" } else { "l.public_geog" }
}

/// A validated search.
#[derive(Debug)]
struct SearchQuery {
    filters: Filters,
    near: Option<Coordinates>,
    radius_m: Option<f64>,
    limit: usize,
    after: Option<Cursor>,
}

#[derive(Debug)]
struct Filters {
    needs: Vec<String>,
    phase: Option<Phase>,
    county: Option<Fips>,
    languages: Vec<String>,
    populations: Vec<Population>,
    open_24h: bool,
    ht_trained: Option<bool>,
    has_contact: Option<bool>,
    has_active_mou: Option<bool>,
}

/// Checks and normalizes everything that needs no lookup.
fn parse(r: SearchRequest) -> AppResult<SearchQuery> {
    let first = r.first.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&first) {
        return Err(AppError::bad_input("first", format!("first must be from 1 to {MAX_PAGE_SIZE}")));
    }
    let near = r.near.map(|(lat, lon)| Coordinates::parse(lat, lon, "filter.near")).transpose()?;
    let radius_m = match r.radius_km {
        None => None,
        Some(_) if near.is_none() => {
            return Err(AppError::bad_input("filter.radiusKm", "filter.radiusKm needs filter.near"));
        }
        Some(km) if !km.is_finite() || km <= 0.0 || km > MAX_RADIUS_KM => {
            return Err(AppError::bad_input(
                "filter.radiusKm",
                format!("filter.radiusKm must be more than 0 and at most {MAX_RADIUS_KM}"),
            ));
        }
        Some(km) => Some(km * 1000.0),
    };
    let needs = r.needs.unwrap_or_default();
    let county = r.county.map(|raw| Fips::parse(&raw, "filter.county")).transpose()?;
    let languages = r
        .languages
        .unwrap_or_default()
        .iter()
        .map(|l| LanguageCode::parse(l, "filter.languages").map(|c| c.as_str().to_owned()))
        .collect::<AppResult<Vec<_>>>()?;
    let after = r.after.as_deref().map(Cursor::decode).transpose()?;
    match (&after, near.is_some()) {
        (Some(Cursor::Name { .. }), true) | (Some(Cursor::Distance { .. } | Cursor::ServiceArea { .. }), false) => {
            return Err(AppError::bad_input("after", "after is a cursor from a different search"));
        }
        _ => {}
    }
    Ok(SearchQuery {
        filters: Filters {
            needs,
            phase: r.phase,
            county,
            languages,
            populations: r.populations.unwrap_or_default(),
            open_24h: r.open_24h.unwrap_or(false),
            ht_trained: r.ht_trained,
            has_contact: r.has_contact,
            has_active_mou: r.has_active_mou,
        },
        near,
        radius_m,
        limit: first as usize,
        after,
    })
}

/// The need codes and county a search names must exist.
async fn check_references(conn: &mut AsyncPgConnection, q: &SearchQuery) -> AppResult<()> {
    references_exist(
        &needs::unknown_codes(conn, &q.filters.needs).await?,
        match &q.filters.county {
            Some(fips) => counties::get(conn, fips).await?.is_some(),
            None => true,
        },
    )
}

/// The same check against the in-memory catalog.
fn check_references_in(snapshot: &View, q: &SearchQuery) -> AppResult<()> {
    let unknown: Vec<String> =
        q.filters.needs.iter().filter(|c| snapshot.catalog.need_bit(c).is_none()).cloned().collect();
    let county_known = q.filters.county.as_ref().is_none_or(|f| snapshot.catalog.county_slot(f.as_str()).is_some());
    references_exist(&unknown, county_known)
}

fn references_exist(unknown_needs: &[String], county_known: bool) -> AppResult<()> {
    if !unknown_needs.is_empty() {
        return Err(AppError::bad_input(
            "filter.needs",
            format!("filter.needs has unknown need codes: {}", unknown_needs.join(", ")),
        ));
    }
    if !county_known {
        return Err(AppError::bad_input("filter.county", "filter.county is not a known county"));
    }
    Ok(())
}

/// Position in a result list. Encoded as opaque base64url text.
#[derive(Clone, Debug, PartialEq)]
enum Cursor {
    /// Ordered by name (no point given).
    Name { name: String, id: Uuid },
    /// Among location matches, ordered by distance in metres.
    Distance { metres: f64, id: Uuid },
    /// Among service-area matches, which follow the location matches, ordered by name.
    ServiceArea { name: String, id: Uuid },
}

impl Cursor {
    fn encode(&self) -> String {
        let raw = match self {
            // Distances are carried as exact bits so a page boundary never shifts.
            Cursor::Distance { metres, id } => format!("d|{:016x}|{id}", metres.to_bits()),
            Cursor::Name { name, id } => format!("n|{id}|{name}"),
            Cursor::ServiceArea { name, id } => format!("s|{id}|{name}"),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    fn decode(text: &str) -> AppResult<Self> {
        let bad = || AppError::bad_input("after", "after is not a cursor returned by this search");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let raw = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = raw.splitn(3, '|');
        let (kind, a, b) = (parts.next(), parts.next(), parts.next());
        match (kind, a, b) {
            (Some("d"), Some(bits), Some(id)) => {
                let metres = u64::from_str_radix(bits, 16).map(f64::from_bits).map_err(|_| bad())?;
                if !metres.is_finite() || metres < 0.0 {
                    return Err(bad());
                }
                Ok(Cursor::Distance { metres, id: id.parse().map_err(|_| bad())? })
            }
            (Some(kind @ ("n" | "s")), Some(id), Some(name)) => {
                let id = id.parse().map_err(|_| bad())?;
                let name = name.to_owned();
                Ok(if kind == "n" { Cursor::Name { name, id } } else { Cursor::ServiceArea { name, id } })
            }
            _ => Err(bad()),
        }
    }
}

/// A SQL statement assembled from fixed fragments, with numbered bind parameters.
/// No caller text is ever spliced into the SQL; values always go through binds.
struct Statement<'a> {
    query: BoxedSqlQuery<'a, Pg, SqlQuery>,
    binds: usize,
}

impl<'a> Statement<'a> {
    fn new(sql: &str) -> Self {
        Statement { query: diesel::sql_query(sql).into_boxed(), binds: 0 }
    }

    fn sql(mut self, sql: &str) -> Self {
        self.query = self.query.sql(sql);
        self
    }

    /// Appends the next placeholder (`$n`) and binds `value` to it.
    fn bind<T, V>(mut self, value: V) -> Self
    where
        Pg: diesel::sql_types::HasSqlType<T>,
        V: diesel::serialize::ToSql<T, Pg> + Send + 'a,
        T: diesel::sql_types::SqlType + Send + 'a,
    {
        self.binds += 1;
        self.query = self.query.sql(format!("${}", self.binds)).bind::<T, V>(value);
        self
    }

    /// Appends the provider-level conditions of `filters` for the provider aliased `p`.
    fn provider_filters(mut self, f: &'a Filters) -> Self {
        self = self.sql(" p.archived_at IS NULL");
        let service_level = !f.needs.is_empty()
            || f.phase.is_some()
            || !f.languages.is_empty()
            || !f.populations.is_empty()
            || f.open_24h;
        if service_level {
            // Every service-level condition must hold for one and the same service:
            // "Spanish-speaking emergency housing for minors", not three separate services.
            self =
                self.sql(" AND EXISTS (SELECT 1 FROM services s WHERE s.provider_id = p.id AND s.archived_at IS NULL");
            if !f.needs.is_empty() || f.phase.is_some() {
                self = self.sql(
                    " AND EXISTS (SELECT 1 FROM service_needs sn JOIN need_categories nc ON nc.code = sn.need_code \
                     WHERE sn.service_id = s.id",
                );
                if !f.needs.is_empty() {
                    self = self.sql(" AND sn.need_code = ANY(").bind::<Array<Text>, _>(&f.needs).sql(")");
                }
                if let Some(phase) = f.phase {
                    self = self.sql(" AND nc.phase = ").bind::<Text, _>(phase.as_db());
                }
                self = self.sql(")");
            }
            if !f.languages.is_empty() {
                self = self.sql(" AND s.languages && ").bind::<Array<Text>, _>(&f.languages);
            }
            if !f.populations.is_empty() {
                let pops: Vec<&'static str> = f.populations.iter().map(|p| p.as_db()).collect();
                self = self.sql(" AND s.populations @> ").bind::<Array<Text>, _>(pops);
            }
            if f.open_24h {
                self = self.sql(" AND s.open_24h");
            }
            self = self.sql(")");
        }
        // The FUTURES columns, from the same view the gap analysis counts with.
        for (wanted, flag) in
            [(f.ht_trained, "ht_trained"), (f.has_contact, "has_contact"), (f.has_active_mou, "has_active_mou")]
        {
            if let Some(wanted) = wanted {
                self = self
                    .sql(" AND EXISTS (SELECT 1 FROM provider_flags pf WHERE pf.provider_id = p.id AND pf.")
                    .sql(flag)
                    .sql(if wanted { ")" } else { " IS FALSE)" });
            }
        }
        if let Some(county) = &f.county {
            self = self
                .sql(
                    " AND EXISTS (SELECT 1 FROM provider_counties pc WHERE pc.provider_id = p.id AND pc.county_fips = ",
                )
                .bind::<Text, _>(county.as_str())
                .sql(")");
        }
        self
    }
}

const PROVIDER_COLUMNS: &str =
    "p.id, p.name, p.kind, p.description, p.website, p.email, p.synthetic, p.organization_id, p.version";

/// Without a point: every matching provider, by name.
async fn by_name(conn: &mut AsyncPgConnection, q: &SearchQuery) -> AppResult<SearchPage> {
    let after = match &q.after {
        Some(Cursor::Name { name, id }) => Some((name.as_str(), *id)),
        _ => None,
    };
    let rows = providers_by_name(conn, &q.filters, None, after, q.limit + 1).await?;
    let mut hits: Vec<SearchHit> = rows
        .into_iter()
        .map(|p| {
            let cursor = Cursor::Name { name: p.name.clone(), id: p.id }.encode();
            SearchHit { provider: p, distance_km: None, distance_approximate: false, service_area_match: false, cursor }
        })
        .collect();
    let has_next_page = hits.len() > q.limit;
    hits.truncate(q.limit);
    Ok(SearchPage { hits, has_next_page })
}

/// Service-area matches when `area` is given: providers serving `area.county` with no
/// location within reach of the point.
struct AreaScope<'a> {
    county: &'a str,
    point: Point,
    radius_m: Option<f64>,
    position: &'static str,
}

async fn providers_by_name(
    conn: &mut AsyncPgConnection,
    filters: &Filters,
    area: Option<AreaScope<'_>>,
    after: Option<(&str, Uuid)>,
    limit: usize,
) -> AppResult<Vec<Provider>> {
    let mut st =
        Statement::new("SELECT ").sql(PROVIDER_COLUMNS).sql(" FROM providers p WHERE").provider_filters(filters);
    if let Some(area) = area {
        st = st
            .sql(" AND EXISTS (SELECT 1 FROM provider_counties pc WHERE pc.provider_id = p.id AND pc.county_fips = ")
            .bind::<Text, _>(area.county.to_owned())
            .sql(") AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.provider_id = p.id AND l.archived_at IS NULL");
        if let Some(radius) = area.radius_m {
            st = st
                .sql(" AND ST_DWithin(")
                .sql(area.position)
                .sql(", ")
                .bind::<Geography, _>(area.point)
                .sql(", ")
                .bind::<Double, _>(radius)
                .sql(", false)");
        }
        st = st.sql(")");
    }
    if let Some((name, id)) = after {
        st = st
            .sql(" AND (p.name COLLATE \"C\", p.id) > (")
            .bind::<Text, _>(name.to_owned())
            .sql(", ")
            .bind::<SqlUuid, _>(id)
            .sql(")");
    }
    let st = st.sql(" ORDER BY p.name COLLATE \"C\", p.id LIMIT ").bind::<diesel::sql_types::BigInt, _>(limit as i64);
    let rows: Vec<super::repo::ProviderRow> = st.query.load(conn).await?;
    Ok(rows.into_iter().map(Provider::from).collect())
}

#[derive(QueryableByName)]
struct NearestRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Bool)]
    confidential: bool,
    #[diesel(sql_type = Double)]
    distance_m: f64,
}

#[derive(QueryableByName)]
struct MinDistanceRow {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Double)]
    distance_m: f64,
}

/// With a point: location matches by distance, then service-area matches by name.
async fn by_distance(
    conn: &mut AsyncPgConnection,
    q: &SearchQuery,
    at: Coordinates,
    position: &'static str,
) -> AppResult<SearchPage> {
    let point = Point::new(at.lon(), at.lat(), Some(4326));
    let mut hits = Vec::new();
    let in_area_phase = matches!(q.after, Some(Cursor::ServiceArea { .. }));
    if !in_area_phase {
        let after = match q.after {
            Some(Cursor::Distance { metres, id }) => Some((metres, id)),
            _ => None,
        };
        hits = nearest_providers(conn, q, point, position, after).await?;
        if hits.len() > q.limit {
            hits.truncate(q.limit);
            return Ok(SearchPage { hits, has_next_page: true });
        }
    }
    let Some(county) = counties::at(conn, at).await? else {
        return Ok(SearchPage { hits, has_next_page: false });
    };
    let after = match &q.after {
        Some(Cursor::ServiceArea { name, id }) => Some((name.as_str(), *id)),
        _ => None,
    };
    let wanted = q.limit + 1 - hits.len();
    let area = AreaScope { county: &county.fips, point, radius_m: q.radius_m, position };
    let area_hits = providers_by_name(conn, &q.filters, Some(area), after, wanted).await?;
    hits.extend(area_hits.into_iter().map(|p| {
        let cursor = Cursor::ServiceArea { name: p.name.clone(), id: p.id }.encode();
        SearchHit { provider: p, distance_km: None, distance_approximate: false, service_area_match: true, cursor }
    }));
    let has_next_page = hits.len() > q.limit;
    hits.truncate(q.limit);
    Ok(SearchPage { hits, has_next_page })
}

/// Providers ranked by their nearest location, at most `q.limit + 1` of them, after the
/// cursor. Locations are streamed in KNN order (`ORDER BY position <-> point`, served by
/// the GiST index); the stream is read in growing batches until enough distinct
/// providers are found or it runs dry, so the answer is exact however many locations a
/// provider has.
async fn nearest_providers(
    conn: &mut AsyncPgConnection,
    q: &SearchQuery,
    point: Point,
    position: &'static str,
    after: Option<(f64, Uuid)>,
) -> AppResult<Vec<SearchHit>> {
    let wanted = q.limit + 1;
    let mut batch = (wanted * 2).max(32);
    loop {
        let st = nearest_statement("", &q.filters, point, q.radius_m, position, after.map(|(d, _)| d), batch);
        let rows: Vec<NearestRow> = st.query.load(conn).await?;
        let exhausted = rows.len() < batch;

        // First sighting of a provider in KNN order is its nearest location in the stream.
        let mut nearest: Vec<NearestRow> = Vec::new();
        let mut seen = HashSet::new();
        for row in rows {
            if seen.insert(row.provider_id) {
                nearest.push(row);
            }
        }
        if let Some(cursor) = after {
            // A provider seen after the cursor may have a nearer location before it; it
            // was listed on an earlier page, so leave it out.
            let ids: Vec<Uuid> = nearest.iter().map(|r| r.provider_id).collect();
            let true_min: HashMap<Uuid, f64> = min_distances(conn, &ids, point, position).await?;
            nearest.retain(|r| {
                let d = true_min.get(&r.provider_id).copied().unwrap_or(r.distance_m);
                d >= r.distance_m && (d, r.provider_id) > cursor
            });
        }
        nearest.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.provider_id.cmp(&b.provider_id)));
        if nearest.len() >= wanted || exhausted {
            nearest.truncate(wanted);
            let ids: Vec<Uuid> = nearest.iter().map(|r| r.provider_id).collect();
            let mut providers: HashMap<Uuid, Provider> =
                super::by_ids(conn, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
            let approximate = position == "l.public_geog";
            return Ok(nearest
                .into_iter()
                .filter_map(|r| {
                    let provider = providers.remove(&r.provider_id)?;
                    Some(SearchHit {
                        cursor: Cursor::Distance { metres: r.distance_m, id: r.provider_id }.encode(),
                        provider,
                        distance_km: Some(round_km(r.distance_m, r.confidential && approximate)),
                        distance_approximate: r.confidential && approximate,
                        service_area_match: false,
                    })
                })
                .collect());
        }
        batch *= 4;
    }
}

/// Locations in KNN order (`ORDER BY position <-> point`) with the provider filters,
/// optionally within a radius and from a distance on; `prefix` allows `EXPLAIN`.
fn nearest_statement<'a>(
    prefix: &str,
    filters: &'a Filters,
    point: Point,
    radius_m: Option<f64>,
    position: &'static str,
    from_metres: Option<f64>,
    batch: usize,
) -> Statement<'a> {
    let mut st = Statement::new(prefix)
        .sql("SELECT l.provider_id, l.confidential, (")
        .sql(position)
        .sql(" <-> ")
        .bind::<Geography, _>(point)
        .sql(
            ") AS distance_m FROM locations l JOIN providers p ON p.id = l.provider_id WHERE l.archived_at IS NULL AND",
        )
        .provider_filters(filters);
    if let Some(radius) = radius_m {
        st = st
            .sql(" AND ST_DWithin(")
            .sql(position)
            .sql(", ")
            .bind::<Geography, _>(point)
            .sql(", ")
            .bind::<Double, _>(radius)
            .sql(", false)");
    }
    if let Some(metres) = from_metres {
        st = st
            .sql(" AND (")
            .sql(position)
            .sql(" <-> ")
            .bind::<Geography, _>(point)
            .sql(") >= ")
            .bind::<Double, _>(metres);
    }
    st.sql(" ORDER BY ")
        .sql(position)
        .sql(" <-> ")
        .bind::<Geography, _>(point)
        .sql(" LIMIT ")
        .bind::<diesel::sql_types::BigInt, _>(batch as i64)
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

/// The PostgreSQL plan of the nearest-location query a search with a point runs, for
/// operators and for the test that proves the GiST index serves the ranking.
pub async fn explain_nearest(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    request: SearchRequest,
) -> AppResult<Vec<String>> {
    let query = parse(request)?;
    check_references(conn, &query).await?;
    let Some(at) = query.near else {
        return Err(AppError::bad_input("filter.near", "explain needs filter.near"));
    };
    let position = position_column(viewer);
    let point = Point::new(at.lon(), at.lat(), Some(4326));
    let st = nearest_statement(
        "EXPLAIN (COSTS OFF) ",
        &query.filters,
        point,
        query.radius_m,
        position,
        None,
        query.limit + 1,
    );
    let lines: Vec<PlanLine> = st.query.load(conn).await?;
    Ok(lines.into_iter().map(|l| l.line).collect())
}

async fn min_distances(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    point: Point,
    position: &'static str,
) -> AppResult<HashMap<Uuid, f64>> {
    let st = Statement::new("SELECT l.provider_id, min(")
        .sql(position)
        .sql(" <-> ")
        .bind::<Geography, _>(point)
        .sql(") AS distance_m FROM locations l WHERE l.archived_at IS NULL AND l.provider_id = ANY(")
        .bind::<Array<SqlUuid>, _>(ids.to_vec())
        .sql(") GROUP BY l.provider_id");
    let rows: Vec<MinDistanceRow> = st.query.load(conn).await?;
    Ok(rows.into_iter().map(|r| (r.provider_id, r.distance_m)).collect())
}

/// Kilometres for display: to 10 m, or to the whole kilometre when the distance is to a
/// confidential location's county rather than to the location itself.
fn round_km(metres: f64, approximate: bool) -> f64 {
    if approximate { (metres / 1000.0).round() } else { (metres / 10.0).round() / 100.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_exactly() {
        let id = Uuid::new_v4();
        for cursor in [
            Cursor::Distance { metres: 1_234.567_890_123, id },
            Cursor::Name { name: "A | B (synthetic)".into(), id },
            Cursor::ServiceArea { name: "Zeta".into(), id },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
    }

    #[test]
    fn malformed_cursors_are_bad_input_on_after() {
        for text in ["", "!!!", &URL_SAFE_NO_PAD.encode("d|zz|x"), &URL_SAFE_NO_PAD.encode("q|a|b")] {
            match Cursor::decode(text) {
                Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "after"),
                other => panic!("{text:?} decoded to {other:?}"),
            }
        }
    }
}
