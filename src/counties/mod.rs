//! Counties: the unit of service areas and gap analysis. North Carolina's 100 counties
//! are seeded from Census boundaries; a point's county is found by point-in-polygon.

mod repo;

use diesel_async::AsyncPgConnection;

use crate::coords::Coordinates;
use crate::error::{AppError, AppResult};

/// A five-digit county FIPS code (state + county), e.g. `37183` for Wake County, NC.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fips(String);

impl Fips {
    /// Parses a FIPS code; `field` names the input in the error.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        if raw.len() == 5 && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Fips(raw.to_owned()))
        } else {
            Err(AppError::bad_input(field, format!("{field} must be a five-digit county FIPS code")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A county as the directory shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct County {
    pub fips: String,
    pub name: String,
}

/// Every county, by name.
pub async fn list(conn: &mut AsyncPgConnection) -> AppResult<Vec<County>> {
    repo::list(conn).await
}

/// The county with this FIPS code, if it is one of ours.
pub async fn get(conn: &mut AsyncPgConnection, fips: &Fips) -> AppResult<Option<County>> {
    Ok(repo::by_fips(conn, std::slice::from_ref(&fips.0)).await?.pop())
}

/// Counties by FIPS code, for batched loading.
pub async fn by_fips(conn: &mut AsyncPgConnection, fips: &[String]) -> AppResult<Vec<County>> {
    repo::by_fips(conn, fips).await
}

/// The county containing the point, or `None` outside every county we know.
pub async fn at(conn: &mut AsyncPgConnection, point: Coordinates) -> AppResult<Option<County>> {
    repo::containing(conn, point).await
}
