//! The FUTURES need matrix: every row of the "Anti-Human Trafficking Resources
//! Assessment" is a need category with a stable code (`acute.housing`) and its phase.

mod repo;

use diesel_async::AsyncPgConnection;

use crate::db::StoredText;
use crate::error::AppResult;

/// The three phases of a survivor's needs in the FUTURES matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Immediate needs, in crisis.
    Acute,
    /// Needs while stabilizing, once the crisis is past.
    Transitional,
    /// Needs of rebuilding a life, over the long term.
    LongTerm,
}

impl StoredText for Phase {
    const STORED: &'static [Self] = &[Phase::Acute, Phase::Transitional, Phase::LongTerm];

    /// The value stored in the database (`need_categories.phase`).
    fn as_db(self) -> &'static str {
        match self {
            Phase::Acute => "ACUTE",
            Phase::Transitional => "TRANSITIONAL",
            Phase::LongTerm => "LONG_TERM",
        }
    }
}

/// One need of a survivor, as a row of the FUTURES matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedCategory {
    /// Stable machine code, `<phase>.<need>`, e.g. `acute.housing`.
    pub code: String,
    /// The phase of recovery it belongs to.
    pub phase: Phase,
    /// The row's wording in the matrix.
    pub label: String,
    /// Order of the row in the matrix (1-based, across phases).
    pub position: i32,
}

/// All need categories in matrix order, optionally only one phase's.
pub async fn list(conn: &mut AsyncPgConnection, phase: Option<Phase>) -> AppResult<Vec<NeedCategory>> {
    repo::list(conn, phase).await
}

/// The need categories of each of the given services, for batched loading.
pub async fn by_service(
    conn: &mut AsyncPgConnection,
    service_ids: &[uuid::Uuid],
) -> AppResult<Vec<(uuid::Uuid, NeedCategory)>> {
    repo::by_service(conn, service_ids).await
}

/// Those of `codes` that are not need categories (to reject unknown codes by name).
pub async fn unknown_codes(conn: &mut AsyncPgConnection, codes: &[String]) -> AppResult<Vec<String>> {
    let known = repo::existing_codes(conn, codes).await?;
    Ok(codes.iter().filter(|c| !known.contains(c)).cloned().collect())
}
