//! `service_at_locations?proximity=…` answered from the in-memory directory index.

use super::{Nearby, Pair, ServiceFilter};
use crate::directory_index::DirectoryIndex;

/// The page at `offset` of services at locations within `near`, nearest first, and how
/// many there are; `None` when the index cannot answer (not ready, or a condition it
/// does not hold): the caller then asks PostgreSQL.
pub fn from_index(
    _index: &DirectoryIndex,
    _filter: &ServiceFilter,
    _near: Nearby,
    _offset: i64,
    _limit: i64,
) -> Option<(i64, Vec<Pair>)> {
    None
}
