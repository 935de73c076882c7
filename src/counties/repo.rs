//! County queries.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::functions::st_covers;
use postgis_diesel::types::Point;

use super::County;
use crate::coords::Coordinates;
use crate::db::schema::counties;
use crate::error::AppResult;

pub(super) async fn list(conn: &mut AsyncPgConnection) -> AppResult<Vec<County>> {
    let rows: Vec<(String, String)> =
        counties::table.select((counties::fips, counties::name)).order(counties::name).load(conn).await?;
    Ok(rows.into_iter().map(|(fips, name)| County { fips, name }).collect())
}

pub(super) async fn by_fips(conn: &mut AsyncPgConnection, fips: &[String]) -> AppResult<Vec<County>> {
    let rows: Vec<(String, String)> = counties::table
        .filter(counties::fips.eq_any(fips))
        .select((counties::fips, counties::name))
        .order(counties::fips)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(fips, name)| County { fips, name }).collect())
}

pub(super) async fn containing(conn: &mut AsyncPgConnection, at: Coordinates) -> AppResult<Option<County>> {
    let point = Point::new(at.lon(), at.lat(), Some(4326));
    let row: Option<(String, String)> = counties::table
        .filter(st_covers(counties::boundary, point))
        .select((counties::fips, counties::name))
        .order(counties::fips)
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(fips, name)| County { fips, name }))
}
