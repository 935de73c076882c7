//! Need-category queries.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{NeedCategory, Phase};
use crate::db::StoredText;
use crate::db::schema::{need_categories, service_needs};
use crate::error::{AppError, AppResult};

#[derive(Queryable, Selectable)]
#[diesel(table_name = need_categories)]
struct NeedRow {
    code: String,
    phase: String,
    label: String,
    position: i32,
}

impl TryFrom<NeedRow> for NeedCategory {
    type Error = AppError;
    fn try_from(row: NeedRow) -> AppResult<Self> {
        let phase = Phase::decode(&row.phase)?;
        Ok(NeedCategory { code: row.code, phase, label: row.label, position: row.position })
    }
}

pub(super) async fn list(conn: &mut AsyncPgConnection, phase: Option<Phase>) -> AppResult<Vec<NeedCategory>> {
    let mut query = need_categories::table.select(NeedRow::as_select()).order(need_categories::position).into_boxed();
    if let Some(phase) = phase {
        query = query.filter(need_categories::phase.eq(phase.as_db()));
    }
    query.load(conn).await?.into_iter().map(NeedCategory::try_from).collect()
}

pub(super) async fn by_service(
    conn: &mut AsyncPgConnection,
    service_ids: &[uuid::Uuid],
) -> AppResult<Vec<(uuid::Uuid, NeedCategory)>> {
    let rows: Vec<(uuid::Uuid, NeedRow)> = service_needs::table
        .inner_join(need_categories::table)
        .filter(service_needs::service_id.eq_any(service_ids))
        .order((service_needs::service_id, need_categories::position))
        .select((service_needs::service_id, NeedRow::as_select()))
        .load(conn)
        .await?;
    rows.into_iter().map(|(service, row)| Ok((service, NeedCategory::try_from(row)?))).collect()
}

pub(super) async fn existing_codes(conn: &mut AsyncPgConnection, codes: &[String]) -> AppResult<Vec<String>> {
    Ok(need_categories::table
        .filter(need_categories::code.eq_any(codes))
        .select(need_categories::code)
        .load(conn)
        .await?)
}
