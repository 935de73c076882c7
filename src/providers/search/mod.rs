//! `searchProviders`: filter the directory by need, phase, county, languages,
//! populations, 24-hour availability and the FUTURES flags; rank by distance from a
//! point (nearest location first) or by name.
//!
//! Confidential locations: unless the viewer may locate every confidential location,
//! distances, ranking and radius membership are computed from each location's *public*
//! position (`locations.public_geog`), which for a confidential location is its county's
//! interior point. Every answer about such a location is then a function of its county
//! alone, so no series of queries from different points can trilaterate it.
//!
//! One job per file: `types` (what is asked and answered), `parse` (validation),
//! `cursor` (paging), and the two implementations a search has, `sql` (PostgreSQL) and
//! `indexed` (the in-memory index's view). Which one answers is decided by
//! `crate::directory`, never here.

mod cursor;
mod indexed;
mod parse;
mod sql;
mod types;

pub use parse::{SearchQuery, parse};
pub use sql::explain_nearest;
pub use types::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_RADIUS_KM, SearchHit, SearchPage, SearchRequest};

use crate::auth::Actor;
use crate::directory::{Directory, Read, Source};
use crate::error::AppResult;

/// Runs a search for `viewer`, answered where the directory decides.
pub async fn search(directory: &Directory, viewer: &Actor, request: SearchRequest) -> AppResult<SearchPage> {
    let query = parse(request)?;
    directory.read(Read::search(query.near.is_some()), async |source| answer(source, viewer, &query).await).await
}

/// A validated search answered by one implementation: the index's view or PostgreSQL.
/// Both give the same page to the byte (the contract test in
/// `tests/api/search_index.rs`).
pub async fn answer(source: Source<'_>, viewer: &Actor, query: &SearchQuery) -> AppResult<SearchPage> {
    let exact = viewer.may_locate_all_confidential_locations();
    match source {
        Source::Index(view) => indexed::search(view, query, exact),
        Source::Database(conn) => sql::search(conn, query, exact).await,
    }
}
