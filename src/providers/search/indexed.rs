//! Searching the in-memory index's view: the implementation of a search that needs no
//! database (see `crate::directory`), answering as `sql` does.

use super::cursor::Cursor;
use super::parse::{Filters, SearchQuery, references_exist};
use super::types::{SearchHit, SearchPage, round_km};
use crate::coords::Coordinates;
use crate::counties::Fips;
use crate::directory_index::View;
use crate::directory_index::query::ProviderFilter;
use crate::error::AppResult;

/// Runs a validated search on `view`; `exact` ranks confidential locations by their
/// real positions (viewers who may locate them all), else by their county's point.
pub(super) fn search(view: &View, query: &SearchQuery, exact: bool) -> AppResult<SearchPage> {
    check_references(view, query)?;
    Ok(match query.near {
        Some(at) => by_distance(view, query, at, exact),
        None => by_name(view, query),
    })
}

/// The need codes and county a search names must be in the view's catalog.
fn check_references(view: &View, q: &SearchQuery) -> AppResult<()> {
    let unknown: Vec<String> = q.filters.needs.iter().filter(|c| view.catalog.need_bit(c).is_none()).cloned().collect();
    let county_known = q.filters.county.as_ref().is_none_or(|f| view.catalog.county_slot(f.as_str()).is_some());
    references_exist(&unknown, county_known)
}

/// The search's provider-level conditions, compiled against the view's catalog.
fn compile_filter(view: &View, f: &Filters) -> ProviderFilter {
    ProviderFilter::new(
        &view.catalog,
        &f.needs,
        f.phase,
        f.county.as_ref().map(Fips::as_str),
        &f.languages,
        &f.populations,
        f.open_24h,
        (f.ht_trained, f.has_contact, f.has_active_mou),
        f.has_capacity,
        f.now.timestamp_micros(),
    )
    .vetted((!f.vetted_for.is_empty()).then(|| view.vetting.organizations_vetted_for(&f.vetted_for, view.today())))
}

/// Without a point: every matching provider, by name.
fn by_name(view: &View, q: &SearchQuery) -> SearchPage {
    let after = match &q.after {
        Some(Cursor::Name { name, id }) => Some((name.as_str(), *id)),
        _ => None,
    };
    let mut hits: Vec<SearchHit> = view
        .by_name(&compile_filter(view, &q.filters), after, q.limit + 1)
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

/// With a point: location matches by distance, then service-area matches by name.
fn by_distance(view: &View, q: &SearchQuery, at: Coordinates, exact: bool) -> SearchPage {
    let filter = compile_filter(view, &q.filters);
    let point = (at.lon(), at.lat());
    let mut hits = Vec::new();
    if !matches!(q.after, Some(Cursor::ServiceArea { .. })) {
        let after = match q.after {
            Some(Cursor::Distance { metres, id }) => Some((metres, id)),
            _ => None,
        };
        let approximate = !exact;
        hits = view
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
    let Some(county) = view.county_at(point) else {
        return SearchPage { hits, has_next_page: false };
    };
    let after = match &q.after {
        Some(Cursor::ServiceArea { name, id }) => Some((name.as_str(), *id)),
        _ => None,
    };
    let wanted = q.limit + 1 - hits.len();
    let area = view.area_matches(&filter, county, point, q.radius_m, exact, after, wanted);
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
