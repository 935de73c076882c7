//! Open Referral: Lantern's directory read as HSDS 3.0 (`/hsds`), imported from and
//! exported to HSDS datasets. The profile — how Lantern's records map onto HSDS, and
//! how a confidential location is represented — is `docs/hsds-profile.md`.
//!
//! Reads are public; a signed-in caller reads its own view (a confidential location's
//! name when it may see it). No HSDS answer or file ever holds a confidential
//! location's address or coordinates (`map::location`).

pub mod csv;
pub mod export;
pub mod import;
pub mod map;
pub mod proximity;
mod repo;
pub mod tables;
pub mod taxonomy;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Actor;
use crate::db::{DbPool, StoredText};
use crate::directory::{Directory, Read, Source};
use crate::error::{AppError, AppResult};
use crate::needs::{self, NeedCategory};
use map::Related;
pub use repo::Pair;
use taxonomy::{LanternTerm, TermMeaning};

/// The HSDS version Lantern speaks.
pub const HSDS_VERSION: &str = "3.0";
/// Page size when `per_page` is not given.
pub const DEFAULT_PER_PAGE: i64 = 50;
/// Largest `per_page`.
pub const MAX_PER_PAGE: i64 = 500;
/// Largest `proximity` radius, in metres (wider than North Carolina).
pub const MAX_RADIUS_M: f64 = 1_000_000.0;
/// Records per batch of an `ndjson` stream.
pub const STREAM_BATCH: i64 = 500;

/// The query parameters of an HSDS read, parsed. Unknown parameters are ignored, as
/// HSDS clients may send their own.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// `search`: a case-insensitive substring of names and descriptions; `None` when
    /// absent or blank.
    pub search: Option<String>,
    /// `page`: the 1-based page number (default 1).
    pub page: i64,
    /// `per_page`: results a page (default 50, at most 500).
    pub per_page: i64,
    /// `format=ndjson`: every result, streamed, one JSON object a line.
    pub ndjson: bool,
    /// `taxonomy_term_id`, as sent (a need, phase, population or `lantern.*` term);
    /// resolved when the filter is built, an unknown term matching nothing.
    pub taxonomy_term_id: Option<String>,
    /// `taxonomy_id`, as sent: FUTURES (services covering a need) or Lantern (every
    /// service).
    pub taxonomy_id: Option<String>,
    /// `organization_id`, as sent: only that organization's records.
    pub organization_id: Option<String>,
    /// `modified_after`: only records whose `last_modified` is later.
    pub modified_after: Option<DateTime<Utc>>,
    /// `minimal=true`: list items with `id`, `name`, `status`, `last_modified` only.
    pub minimal: bool,
    /// `full=true`: fully nested records instead of list items.
    pub full: bool,
    /// `full_service=true`: an organization's services fully nested too.
    pub full_service: bool,
    /// `postcode`: only (non-confidential) locations with this postcode.
    pub postcode: Option<String>,
    /// `proximity`, unparsed: `LAT,LON,METRES`, or `METRES` with `postcode`.
    pub proximity: Option<String>,
    /// `top_only=true`: taxonomy terms without a parent.
    pub top_only: bool,
    /// `parent_id`: taxonomy terms whose parent is this term.
    pub parent_id: Option<String>,
}

fn parse_bool(name: &str, value: &str) -> AppResult<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(AppError::bad_input(name, format!("{name} must be true or false"))),
    }
}

fn parse_int(name: &str, value: &str, min: i64, max: i64) -> AppResult<i64> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| AppError::bad_input(name, format!("{name} must be a whole number from {min} to {max}")))
}

/// `modified_after`: an RFC 3339 date-time, or a date (midnight UTC).
fn parse_time(value: &str) -> AppResult<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(AppError::bad_input("modified_after", "modified_after must be a date-time such as 2026-01-31T00:00:00Z"))
}

/// Text parameters: no control characters, at most 200 characters.
fn text(name: &str, value: &str) -> AppResult<Option<String>> {
    if value.chars().any(char::is_control) || value.chars().count() > 200 {
        return Err(AppError::bad_input(name, format!("{name} must be plain text of at most 200 characters")));
    }
    let value = value.trim();
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

impl Query {
    /// Parses the query string's pairs (the last of a repeated name wins).
    pub fn parse(pairs: &[(String, String)]) -> AppResult<Query> {
        let mut q = Query { page: 1, per_page: DEFAULT_PER_PAGE, ..Query::default() };
        for (name, value) in pairs {
            match name.as_str() {
                "search" => q.search = text(name, value)?,
                "page" => q.page = parse_int(name, value, 1, 1_000_000)?,
                "per_page" => q.per_page = parse_int(name, value, 1, MAX_PER_PAGE)?,
                "format" => {
                    q.ndjson = match value.as_str() {
                        "json" | "" => false,
                        "ndjson" => true,
                        _ => return Err(AppError::bad_input("format", "format must be json or ndjson")),
                    }
                }
                "taxonomy_term_id" => q.taxonomy_term_id = text(name, value)?,
                "taxonomy_id" => q.taxonomy_id = text(name, value)?,
                "organization_id" => q.organization_id = text(name, value)?,
                "modified_after" => q.modified_after = Some(parse_time(value)?),
                "minimal" => q.minimal = parse_bool(name, value)?,
                "full" => q.full = parse_bool(name, value)?,
                "full_service" => q.full_service = parse_bool(name, value)?,
                "postcode" => q.postcode = text(name, value)?,
                "proximity" => q.proximity = text(name, value)?,
                "top_only" => q.top_only = parse_bool(name, value)?,
                "parent_id" => q.parent_id = text(name, value)?,
                _ => {}
            }
        }
        Ok(q)
    }

    fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// Which services a read selects. Conditions combine with AND.
#[derive(Clone, Debug, Default)]
pub struct ServiceFilter {
    /// A case-insensitive substring of the service's name or description or its
    /// organization's name.
    pub search: Option<String>,
    /// Only services of this organization (provider).
    pub organization_id: Option<Uuid>,
    /// Only services whose `last_modified` is later.
    pub modified_after: Option<DateTime<Utc>>,
    /// The service covers one of these needs.
    pub needs: Option<Vec<String>>,
    /// The service serves all of these populations (stored values).
    pub populations: Vec<String>,
    /// `Some(true)`: only services open 24 hours (`lantern.open_24_hours`); `None`: any.
    pub open_24h: Option<bool>,
    /// Matches nothing (an unknown term, taxonomy or organization).
    pub nothing: bool,
    /// Provider-level conditions (Lantern terms that are not the service's own).
    pub provider_terms: Vec<LanternTerm>,
}

impl ServiceFilter {
    /// `search` as an `ILIKE` pattern (wildcards in the text taken literally).
    fn search_pattern(&self) -> Option<String> {
        self.search.as_ref().map(|s| {
            let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        })
    }

    /// Narrows the needs to those also in `codes` (both conditions must hold).
    fn require_needs(&mut self, codes: Vec<String>) {
        self.needs = Some(match self.needs.take() {
            None => codes,
            Some(have) => have.into_iter().filter(|c| codes.contains(c)).collect(),
        });
        if self.needs.as_ref().is_some_and(Vec::is_empty) {
            self.nothing = true;
        }
    }

    /// The filter a query asks for.
    pub fn from_query(q: &Query, needs: &[NeedCategory]) -> ServiceFilter {
        let mut f = ServiceFilter { search: q.search.clone(), modified_after: q.modified_after, ..Default::default() };
        if let Some(org) = &q.organization_id {
            match Uuid::parse_str(org) {
                Ok(id) => f.organization_id = Some(id),
                Err(_) => f.nothing = true,
            }
        }
        if let Some(term) = &q.taxonomy_term_id {
            match Uuid::parse_str(term).ok().and_then(|id| taxonomy::term_meaning(id, needs)) {
                None => f.nothing = true,
                Some(meaning) => match meaning {
                    TermMeaning::Need(code) => f.require_needs(vec![code]),
                    TermMeaning::Phase(phase) => {
                        f.require_needs(needs.iter().filter(|n| n.phase == phase).map(|n| n.code.clone()).collect())
                    }
                    TermMeaning::Lantern(LanternTerm::Population(p)) => f.populations.push(p.as_db().to_owned()),
                    TermMeaning::Lantern(LanternTerm::Open24Hours) => f.open_24h = Some(true),
                    TermMeaning::Lantern(other) => f.provider_terms.push(other),
                },
            }
        }
        if let Some(tax) = &q.taxonomy_id {
            match Uuid::parse_str(tax) {
                Ok(id) if id == taxonomy::futures_taxonomy_id() => {
                    f.require_needs(needs.iter().map(|n| n.code.clone()).collect())
                }
                // Every organization carries the FUTURES columns as Lantern attributes.
                Ok(id) if id == taxonomy::lantern_taxonomy_id() => {}
                _ => f.nothing = true,
            }
        }
        f
    }
}

/// Where `service_at_locations` looks: a postcode, a point and radius.
#[derive(Clone, Debug, Default)]
pub struct LocationFilter {
    /// Only non-confidential locations with this postcode.
    pub postcode: Option<String>,
    /// Only locations within a radius, nearest first.
    pub near: Option<Nearby>,
}

/// A point and a radius in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nearby {
    /// Latitude of the centre, in degrees (WGS 84).
    pub lat: f64,
    /// Longitude of the centre, in degrees (WGS 84).
    pub lon: f64,
    /// Radius, in metres (at most [`MAX_RADIUS_M`]).
    pub radius_m: f64,
}

fn bad_proximity() -> AppError {
    AppError::bad_input(
        "proximity",
        "proximity must be LAT,LON,METRES (a point in decimal degrees and a radius in metres), or METRES with postcode",
    )
}

fn parse_radius(v: &str) -> AppResult<f64> {
    v.trim().parse::<f64>().ok().filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_RADIUS_M).ok_or_else(bad_proximity)
}

/// `proximity` in Lantern's form, `LAT,LON,METRES`; `None` for any other number of parts.
fn parse_point(proximity: &str) -> AppResult<Option<Nearby>> {
    let [lat, lon, metres] = proximity.split(',').collect::<Vec<_>>()[..] else { return Ok(None) };
    let lat = lat.trim().parse::<f64>().map_err(|_| bad_proximity())?;
    let lon = lon.trim().parse::<f64>().map_err(|_| bad_proximity())?;
    let at = crate::coords::Coordinates::parse(lat, lon, "proximity")?;
    Ok(Some(Nearby { lat: at.lat(), lon: at.lon(), radius_m: parse_radius(metres)? }))
}

/// `proximity`: `LAT,LON,METRES` (Lantern's form: a point and a radius), or `METRES`
/// with `postcode` (HSDS's form: around the postcode's centre). `Ok(None)` for no
/// proximity; a postcode Lantern has no centre for yields a filter that matches nothing.
async fn location_filter(conn: &mut AsyncPgConnection, q: &Query) -> AppResult<(LocationFilter, bool)> {
    let Some(proximity) = &q.proximity else {
        return Ok((LocationFilter { postcode: q.postcode.clone(), near: None }, false));
    };
    let parts: Vec<&str> = proximity.split(',').collect();
    match parts.as_slice() {
        [_, _, _] => Ok((LocationFilter { postcode: q.postcode.clone(), near: parse_point(proximity)? }, false)),
        [metres] => {
            let radius_m = parse_radius(metres)?;
            let Some(postcode) = &q.postcode else {
                return Err(AppError::bad_input("postcode", "proximity in metres needs a postcode"));
            };
            match repo::postcode_centre(conn, postcode).await? {
                // Around the postcode's centre, within the radius: the postcode itself is
                // not also required of each location.
                Some((lat, lon)) => {
                    Ok((LocationFilter { postcode: None, near: Some(Nearby { lat, lon, radius_m }) }, false))
                }
                None => Ok((LocationFilter::default(), true)),
            }
        }
        _ => Err(bad_proximity()),
    }
}

/// A page of results in HSDS's envelope.
#[derive(Clone, Debug)]
pub struct Page {
    /// Results matching the read on every page.
    pub total_items: i64,
    /// This page's 1-based number.
    pub page_number: i64,
    /// The page size asked for (the envelope's `size`).
    pub per_page: i64,
    /// This page's records, as HSDS JSON.
    pub contents: Vec<Value>,
}

impl Page {
    /// The envelope: `total_items`, `total_pages`, `page_number`, `size`, `first_page`,
    /// `last_page`, `empty`, `contents`.
    pub fn to_json(&self) -> Value {
        let total_pages = (self.total_items + self.per_page - 1) / self.per_page;
        json!({
            "total_items": self.total_items,
            "total_pages": total_pages,
            "page_number": self.page_number,
            "size": self.contents.len(),
            "first_page": self.page_number == 1,
            "last_page": self.page_number >= total_pages,
            "empty": self.contents.is_empty(),
            "contents": self.contents,
        })
    }
}

/// What `GET /hsds/` answers.
pub fn meta(base_url: &str) -> Value {
    json!({
        "version": HSDS_VERSION,
        "profile": format!("{base_url}/hsds/profile"),
        "openapi_url": format!("{base_url}/hsds/openapi.json"),
    })
}

async fn need_map(
    conn: &mut AsyncPgConnection,
) -> AppResult<(Vec<NeedCategory>, HashMap<String, (String, needs::Phase)>)> {
    let all = needs::list(conn, None).await?;
    let map = all.iter().map(|n| (n.code.clone(), (n.label.clone(), n.phase))).collect();
    Ok((all, map))
}

/// Reads what the services' nested forms need: their organizations, and (for `nested`)
/// those organizations' phones, locations and counties.
async fn related(conn: &mut AsyncPgConnection, providers: &[Uuid], nested: bool) -> AppResult<Related> {
    let mut providers = providers.to_vec();
    providers.sort();
    providers.dedup();
    let (_, need_names) = need_map(conn).await?;
    let mut r = Related { needs: need_names, ..Default::default() };
    r.organizations = repo::organizations(conn, &providers).await?.into_iter().map(|o| (o.id, o)).collect();
    if nested {
        for l in repo::locations_of(conn, &providers).await? {
            r.locations.entry(l.provider_id).or_default().push(l);
        }
        for p in repo::phones_of(conn, &providers).await? {
            r.phones.entry(p.provider_id).or_default().push(p);
        }
        for a in repo::areas_of(conn, &providers).await? {
            r.areas.entry(a.provider_id).or_default().push(a);
        }
    }
    Ok(r)
}

/// Services by id, in the order of `ids`, as list items or fully nested.
async fn render_services(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    ids: &[Uuid],
    q: &Query,
) -> AppResult<Vec<Value>> {
    let mut rows = repo::services(conn, ids).await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    if q.minimal {
        return Ok(rows.iter().map(map::service_minimal).collect());
    }
    let providers: Vec<Uuid> = rows.iter().map(|s| s.provider_id).collect();
    let mut related = related(conn, &providers, q.full).await?;
    if q.full {
        related.capacities = crate::capacity::hsds::for_hsds(conn, ids).await?;
    }
    Ok(rows
        .iter()
        .map(|s| {
            if q.full {
                map::service_full(s, &related, viewer)
            } else {
                map::service_core(s, related.organizations.get(&s.provider_id))
            }
        })
        .collect())
}

/// `GET /hsds/services`.
pub async fn services(conn: &mut AsyncPgConnection, viewer: &Actor, q: &Query) -> AppResult<Page> {
    let (needs, _) = need_map(conn).await?;
    let filter = ServiceFilter::from_query(q, &needs);
    let (total, ids) = repo::service_ids(conn, &filter, q.offset(), q.per_page).await?;
    let contents = render_services(conn, viewer, &ids, q).await?;
    Ok(Page { total_items: total, page_number: q.page, per_page: q.per_page, contents })
}

/// A batch of `GET /hsds/services?format=ndjson`: the next records after `after` (name
/// and id of the last one sent), and where the next batch starts (`None`: done).
pub async fn services_batch(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    q: &Query,
    after: Option<(String, Uuid)>,
) -> AppResult<(Vec<Value>, Option<(String, Uuid)>)> {
    let (needs, _) = need_map(conn).await?;
    let filter = ServiceFilter::from_query(q, &needs);
    let keys = repo::service_ids_after(conn, &filter, after, STREAM_BATCH).await?;
    let next = (keys.len() as i64 == STREAM_BATCH).then(|| keys.last().map(|(id, name)| (name.clone(), *id))).flatten();
    let ids: Vec<Uuid> = keys.iter().map(|(id, _)| *id).collect();
    Ok((render_services(conn, viewer, &ids, q).await?, next))
}

/// `GET /hsds/services/{id}`: the fully nested service.
pub async fn service(conn: &mut AsyncPgConnection, viewer: &Actor, id: &str) -> AppResult<Value> {
    let not_found = AppError::NotFound { what: "service" };
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound { what: "service" })?;
    let q = Query { full: true, ..Query::default() };
    render_services(conn, viewer, &[id], &q).await?.pop().ok_or(not_found)
}

/// `GET /hsds/organizations`.
pub async fn organizations(conn: &mut AsyncPgConnection, viewer: &Actor, q: &Query) -> AppResult<Page> {
    let filter = ServiceFilter { search: q.search.clone(), ..Default::default() };
    let (total, ids) = repo::organization_ids(conn, filter.search_pattern(), q.offset(), q.per_page).await?;
    let contents = render_organizations(conn, viewer, &ids, q.full, q.full_service).await?;
    Ok(Page { total_items: total, page_number: q.page, per_page: q.per_page, contents })
}

async fn render_organizations(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    ids: &[Uuid],
    full: bool,
    full_service: bool,
) -> AppResult<Vec<Value>> {
    let mut related = related(conn, ids, full).await?;
    let services = if full { repo::services_of(conn, ids).await? } else { Vec::new() };
    if full_service {
        let service_ids: Vec<Uuid> = services.iter().map(|s| s.id).collect();
        related.capacities = crate::capacity::hsds::for_hsds(conn, &service_ids).await?;
    }
    Ok(ids
        .iter()
        .filter_map(|id| related.organizations.get(id))
        .map(|o| {
            if full {
                let own: Vec<_> = services.iter().filter(|s| s.provider_id == o.id).cloned().collect();
                map::organization_full(o, &own, &related, viewer, full_service)
            } else {
                map::organization_core(o)
            }
        })
        .collect())
}

/// `GET /hsds/organizations/{id}`: fully nested.
pub async fn organization(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    id: &str,
    full_service: bool,
) -> AppResult<Value> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound { what: "organization" })?;
    render_organizations(conn, viewer, &[id], true, full_service)
        .await?
        .pop()
        .ok_or(AppError::NotFound { what: "organization" })
}

/// Services at locations by pair, in the order given.
async fn render_pairs(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    pairs: &[Pair],
    full: bool,
) -> AppResult<Vec<Value>> {
    let service_ids: Vec<Uuid> = pairs.iter().map(|p| p.service_id).collect();
    let location_ids: Vec<Uuid> = pairs.iter().map(|p| p.location_id).collect();
    // Independent reads: sent together, pipelined on the one connection.
    let shared: &AsyncPgConnection = conn;
    let (services, locations) =
        tokio::try_join!(repo::services(shared, &service_ids), repo::locations(shared, &location_ids))?;
    let services: HashMap<Uuid, repo::ServiceRow> = services.into_iter().map(|s| (s.id, s)).collect();
    let locations: HashMap<Uuid, repo::LocationRow> = locations.into_iter().map(|l| (l.id, l)).collect();
    let providers: Vec<Uuid> = services.values().map(|s| s.provider_id).collect();
    let mut related = related(conn, &providers, full).await?;
    if full {
        related.capacities = crate::capacity::hsds::for_hsds(conn, &service_ids).await?;
    }
    Ok(pairs
        .iter()
        .filter_map(|p| {
            let (s, l) = (services.get(&p.service_id)?, locations.get(&p.location_id)?);
            Some(if full {
                map::service_at_location_full(p.id, s, l, &related, viewer)
            } else {
                map::service_at_location_core(p.id, s, l, &related, viewer)
            })
        })
        .collect())
}

/// `GET /hsds/service_at_locations`. With a point (`proximity`) and no condition the
/// index cannot judge (search, modification time, postcode), the page is ranked and
/// counted by the in-memory directory index, and (in list form) rendered from the
/// listings the index's view holds: no round trip to PostgreSQL. Otherwise PostgreSQL
/// answers. Either way confidential locations are ranked by
/// their public position (their county's point).
pub async fn service_at_locations(pool: &DbPool, viewer: &Actor, q: &Query, directory: &Directory) -> AppResult<Page> {
    let page = |(total, contents)| Page { total_items: total, page_number: q.page, per_page: q.per_page, contents };
    if let Some(near) = point_only(q)? {
        return directory
            .read(Read::SEARCH_NEAR, async |source| match source {
                Source::Index(view) => Ok(page(near_from_index(viewer, q, view, near))),
                Source::Database(conn) => {
                    let (needs, _) = need_map(conn).await?;
                    let filter = ServiceFilter::from_query(q, &needs);
                    let locations = LocationFilter { postcode: None, near: Some(near) };
                    let (total, pairs) = repo::pair_ids(conn, &filter, &locations, q.offset(), q.per_page).await?;
                    Ok(page((total, render_pairs(conn, viewer, &pairs, false).await?)))
                }
            })
            .await;
    }
    let mut conn = pool.get().await?;
    let (total, pairs) = pair_page(&mut conn, q, directory, q.offset(), q.per_page).await?;
    let contents = render_pairs(&mut conn, viewer, &pairs, q.full).await?;
    Ok(page((total, contents)))
}

/// The point of a `proximity=LAT,LON,METRES` read the index can answer alone: no
/// postcode, search or modification time, in list form. `None` for any other read.
fn point_only(q: &Query) -> AppResult<Option<Nearby>> {
    let simple = q.proximity.as_deref().is_some_and(|p| p.split(',').count() == 3)
        && q.postcode.is_none()
        && q.search.is_none()
        && q.modified_after.is_none()
        && !q.full;
    if !simple {
        return Ok(None);
    }
    parse_point(q.proximity.as_deref().unwrap_or_default())
}

/// A page ranked, counted and rendered from `view` (the needs and taxonomy terms from
/// its catalog, the records from its listings): no round trip to PostgreSQL.
fn near_from_index(viewer: &Actor, q: &Query, view: &crate::directory_index::View, near: Nearby) -> (i64, Vec<Value>) {
    let needs: Vec<NeedCategory> = view
        .catalog
        .needs
        .iter()
        .map(|n| NeedCategory { code: n.code.clone(), phase: n.phase, label: n.label.clone(), position: n.position })
        .collect();
    let filter = ServiceFilter::from_query(q, &needs);
    let (total, pairs) = proximity::from_view(view, &filter, near, q.offset(), q.per_page);
    let contents = proximity::records(view, &pairs)
        .iter()
        .map(|(p, s, l, o)| map::service_at_location_list(p.id, s, l, Some(o), viewer))
        .collect();
    (total, contents)
}

/// The pairs of one page and how many there are in all.
async fn pair_page(
    conn: &mut AsyncPgConnection,
    q: &Query,
    directory: &Directory,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Pair>)> {
    let (needs, _) = need_map(conn).await?;
    let filter = ServiceFilter::from_query(q, &needs);
    let (locations, nothing) = location_filter(conn, q).await?;
    if nothing {
        return Ok((0, Vec::new()));
    }
    let Some(near) = locations.near.filter(|_| locations.postcode.is_none() && proximity::index_knows(&filter)) else {
        return repo::pair_ids(conn, &filter, &locations, offset, limit).await;
    };
    // A point: ranked like a search near it, in memory when the index is current.
    let (filter, locations) = (&filter, &locations);
    directory
        .read(Read::SEARCH_NEAR, async |source| match source {
            Source::Index(view) => Ok(proximity::from_view(view, filter, near, offset, limit)),
            Source::Database(conn) => repo::pair_ids(conn, filter, locations, offset, limit).await,
        })
        .await
}

/// A batch of `GET /hsds/service_at_locations?format=ndjson`, from `offset`.
pub async fn service_at_locations_batch(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    q: &Query,
    directory: &Directory,
    offset: i64,
) -> AppResult<(Vec<Value>, Option<i64>)> {
    let (_, pairs) = pair_page(conn, q, directory, offset, STREAM_BATCH).await?;
    let next = (pairs.len() as i64 == STREAM_BATCH).then_some(offset + STREAM_BATCH);
    Ok((render_pairs(conn, viewer, &pairs, q.full).await?, next))
}

/// `GET /hsds/service_at_locations/{id}`: fully nested.
pub async fn service_at_location(conn: &mut AsyncPgConnection, viewer: &Actor, id: &str) -> AppResult<Value> {
    let not_found = || AppError::NotFound { what: "service_at_location" };
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let pair = repo::pair(conn, id).await?.ok_or_else(not_found)?;
    render_pairs(conn, viewer, &[pair], true).await?.pop().ok_or_else(not_found)
}

/// A batch of `GET /hsds/organizations?format=ndjson`, from `offset`.
pub async fn organizations_batch(
    conn: &mut AsyncPgConnection,
    viewer: &Actor,
    q: &Query,
    offset: i64,
) -> AppResult<(Vec<Value>, Option<i64>)> {
    let filter = ServiceFilter { search: q.search.clone(), ..Default::default() };
    let (_, ids) = repo::organization_ids(conn, filter.search_pattern(), offset, STREAM_BATCH).await?;
    let next = (ids.len() as i64 == STREAM_BATCH).then_some(offset + STREAM_BATCH);
    Ok((render_organizations(conn, viewer, &ids, q.full, q.full_service).await?, next))
}

fn matches_search(q: &Query, fields: &[&str]) -> bool {
    q.search.as_ref().is_none_or(|s| {
        let s = s.to_lowercase();
        fields.iter().any(|f| f.to_lowercase().contains(&s))
    })
}

fn page_of(q: &Query, all: Vec<Value>) -> Page {
    let total = all.len() as i64;
    let contents = all.into_iter().skip(q.offset() as usize).take(q.per_page as usize).collect();
    Page { total_items: total, page_number: q.page, per_page: q.per_page, contents }
}

/// `GET /hsds/taxonomies` (every one when `ndjson`).
pub fn taxonomies(q: &Query) -> Page {
    let all: Vec<Value> = taxonomy::taxonomies()
        .iter()
        .filter(|t| matches_search(q, &[t.name, t.description]))
        .map(taxonomy::taxonomy_json)
        .collect();
    if q.ndjson {
        Page { total_items: all.len() as i64, page_number: 1, per_page: MAX_PER_PAGE, contents: all }
    } else {
        page_of(q, all)
    }
}

/// `GET /hsds/taxonomies/{id}`.
pub fn taxonomy_by_id(id: &str) -> AppResult<Value> {
    taxonomy::taxonomies()
        .iter()
        .find(|t| t.id.to_string() == id.to_ascii_lowercase())
        .map(taxonomy::taxonomy_json)
        .ok_or(AppError::NotFound { what: "taxonomy" })
}

/// `GET /hsds/taxonomy_terms`: `search`, `taxonomy_id`, `top_only` (terms without a
/// parent), `parent_id`.
pub async fn taxonomy_terms(conn: &mut AsyncPgConnection, q: &Query) -> AppResult<Page> {
    let (needs, _) = need_map(conn).await?;
    let all: Vec<Value> = taxonomy::terms(&needs)
        .iter()
        .filter(|t| matches_search(q, &[&t.name, &t.code, &t.description]))
        .filter(|t| q.taxonomy_id.as_ref().is_none_or(|id| t.taxonomy_id.to_string() == id.to_ascii_lowercase()))
        .filter(|t| !q.top_only || t.parent_id.is_none())
        .filter(|t| {
            q.parent_id.as_ref().is_none_or(|id| t.parent_id.is_some_and(|p| p.to_string() == id.to_ascii_lowercase()))
        })
        .map(taxonomy::term_json)
        .collect();
    Ok(if q.ndjson {
        Page { total_items: all.len() as i64, page_number: 1, per_page: MAX_PER_PAGE, contents: all }
    } else {
        page_of(q, all)
    })
}

/// `GET /hsds/taxonomy_terms/{id}`.
pub async fn taxonomy_term(conn: &mut AsyncPgConnection, id: &str) -> AppResult<Value> {
    let (needs, _) = need_map(conn).await?;
    taxonomy::terms(&needs)
        .iter()
        .find(|t| t.id.to_string() == id.to_ascii_lowercase())
        .map(taxonomy::term_json)
        .ok_or(AppError::NotFound { what: "taxonomy_term" })
}
