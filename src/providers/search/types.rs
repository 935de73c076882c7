//! What a search asks and what it answers, as the caller sees them.

use crate::needs::Phase;
use crate::providers::{Population, Provider};
use crate::standards::ServiceArea;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Hard cap on `first`.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Largest accepted radius: wider than North Carolina, far short of absurd.
pub const MAX_RADIUS_KM: f64 = 1000.0;

/// The search as the caller sent it, before validation.
#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    /// Need codes the provider must meet (any of them).
    pub needs: Option<Vec<String>>,
    /// Only needs of this phase.
    pub phase: Option<Phase>,
    /// Only providers located in or serving this county (5-digit FIPS).
    pub county: Option<String>,
    /// `(lat, lon)` of the point to rank by.
    pub near: Option<(f64, f64)>,
    /// With `near`: only providers within this many kilometres.
    pub radius_km: Option<f64>,
    /// Only services offered in one of these languages (ISO 639).
    pub languages: Option<Vec<String>>,
    /// Only services for all of these populations.
    pub populations: Option<Vec<Population>>,
    /// Only services available 24 hours a day (true).
    pub open_24h: Option<bool>,
    /// Basic HT training within 3 years (true), or not (false).
    pub ht_trained: Option<bool>,
    /// A contact known to the network (true), or not (false).
    pub has_contact: Option<bool>,
    /// An MOU in force (true), or not (false).
    pub has_active_mou: Option<bool>,
    /// Kept by an organization vetted today for every one of these service areas of the
    /// Standards of Service (empty or `None`: no condition).
    pub vetted_for: Option<Vec<ServiceArea>>,
    /// A matching service has room now (true), or none has (false); see `crate::capacity`.
    pub has_capacity: Option<bool>,
    /// Page size.
    pub first: Option<i32>,
    /// The cursor of the last hit of the previous page.
    pub after: Option<String>,
}

/// One result: a provider, and how it matched.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// The provider found.
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
#[derive(Clone, Debug, PartialEq)]
pub struct SearchPage {
    /// The hits of this page, in rank order.
    pub hits: Vec<SearchHit>,
    /// Whether another page follows.
    pub has_next_page: bool,
}

impl SearchPage {
    /// Cursor of the last hit on the page.
    pub fn end_cursor(&self) -> Option<String> {
        self.hits.last().map(|h| h.cursor.clone())
    }
}

/// Kilometres for display: to 10 m, or to the whole kilometre when the distance is to a
/// confidential location's county rather than to the location itself.
pub(super) fn round_km(metres: f64, approximate: bool) -> f64 {
    if approximate { (metres / 1000.0).round() } else { (metres / 10.0).round() / 100.0 }
}
