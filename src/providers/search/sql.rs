//! Searching PostgreSQL: the search as SQL, assembled from fixed fragments with every
//! value bound, ranked by the GiST index's KNN ordering.

use std::collections::{HashMap, HashSet};

use diesel::QueryableByName;
use diesel::sql_types::{Array, Bool, Double, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::sql_types::Geography;
use postgis_diesel::types::Point;
use uuid::Uuid;

use super::cursor::Cursor;
use super::parse::{Filters, SearchQuery, parse, references_exist};
use super::types::{SearchHit, SearchPage, SearchRequest, round_km};
use crate::auth::Actor;
use crate::coords::Coordinates;
use crate::counties;
use crate::db::StoredText;
use crate::db::statement::Statement;
use crate::error::{AppError, AppResult};
use crate::needs;
use crate::providers::{self, Provider};

/// Runs a validated search on PostgreSQL; `exact` ranks confidential locations by
/// their real positions (viewers who may locate them all), else by their county's point.
pub(super) async fn search(conn: &mut AsyncPgConnection, query: &SearchQuery, exact: bool) -> AppResult<SearchPage> {
    check_references(conn, query).await?;
    let position = position_column(exact);
    match query.near {
        None => by_name(conn, query).await,
        Some(point) => by_distance(conn, query, point, position).await,
    }
}

/// The column positions are ranked by: exact points only for viewers who may locate
/// every confidential location; public positions for everyone else.
fn position_column(exact: bool) -> &'static str {
    if exact { "l.geog" } else { "l.public_geog" }
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

impl<'a> Statement<'a> {
    /// Appends the service-level conditions of `f` for the service aliased `s`.
    fn service_conditions(mut self, f: &'a Filters) -> Self {
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
        const A_SERVICE: &str =
            " EXISTS (SELECT 1 FROM services s WHERE s.provider_id = p.id AND s.archived_at IS NULL";
        if service_level {
            // Every service-level condition must hold for one and the same service:
            // "Spanish-speaking emergency housing for minors", not three separate services.
            self = self.sql(" AND").sql(A_SERVICE).service_conditions(f).sql(")");
        }
        if let Some(wanted) = f.has_capacity {
            // Room now at one of those services (`service_has_room`, the rule the
            // directory index applies to the windows it loads from the same function).
            self = self
                .sql(if wanted { " AND" } else { " AND NOT" })
                .sql(A_SERVICE)
                .service_conditions(f)
                .sql(" AND service_has_room(s.id, ")
                .bind::<diesel::sql_types::Timestamptz, _>(f.now)
                .sql("))");
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
        if !f.vetted_for.is_empty() {
            // The SQL twin of `standards::vetted_as_of` (migration 21), on the network's day.
            let areas: Vec<&'static str> = f.vetted_for.iter().map(|a| a.as_db()).collect();
            self = self
                .sql(" AND standards_vetted_areas(p.organization_id, current_date) @> ")
                .bind::<Array<Text>, _>(areas);
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
    let rows: Vec<providers::repo::ProviderRow> = st.query.load(conn).await?;
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
                providers::by_ids(conn, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
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
    let position = position_column(viewer.may_locate_all_confidential_locations());
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
