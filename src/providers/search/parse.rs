//! Validating a search: everything checked without a lookup, and the rule that the need
//! codes and county it names must exist (each implementation looks them up its way).

use super::cursor::Cursor;
use super::types::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_RADIUS_KM, SearchRequest};
use crate::coords::Coordinates;
use crate::counties::Fips;
use crate::error::{AppError, AppResult};
use crate::needs::Phase;
use crate::providers::{LanguageCode, Population};
use crate::standards::ServiceArea;

/// A validated search.
#[derive(Debug)]
pub struct SearchQuery {
    pub(super) filters: Filters,
    pub(super) near: Option<Coordinates>,
    pub(super) radius_m: Option<f64>,
    pub(super) limit: usize,
    pub(super) after: Option<Cursor>,
}

#[derive(Debug)]
pub(super) struct Filters {
    pub(super) needs: Vec<String>,
    pub(super) phase: Option<Phase>,
    pub(super) county: Option<Fips>,
    pub(super) languages: Vec<String>,
    pub(super) populations: Vec<Population>,
    pub(super) open_24h: bool,
    pub(super) ht_trained: Option<bool>,
    pub(super) has_contact: Option<bool>,
    pub(super) has_active_mou: Option<bool>,
    /// Service areas the keeping organization must be vetted for, sorted, no duplicates.
    pub(super) vetted_for: Vec<ServiceArea>,
    pub(super) has_capacity: Option<bool>,
    /// The moment `has_capacity` is answered for.
    pub(super) now: chrono::DateTime<chrono::Utc>,
}

/// Checks and normalizes everything that needs no lookup.
pub fn parse(r: SearchRequest) -> AppResult<SearchQuery> {
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
            vetted_for: ServiceArea::set_of(r.vetted_for.unwrap_or_default()),
            has_capacity: r.has_capacity,
            now: chrono::Utc::now(),
        },
        near,
        radius_m,
        limit: first as usize,
        after,
    })
}

/// The need codes a search names that are not known, and whether its county is known:
/// an error naming the field when either is wrong.
pub(super) fn references_exist(unknown_needs: &[String], county_known: bool) -> AppResult<()> {
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
