//! Client queries (always inside an RLS transaction).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::clients;
use crate::error::AppResult;

#[derive(Insertable)]
#[diesel(table_name = clients)]
pub(super) struct NewClient {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub code: String,
    pub name_enc: Option<Vec<u8>>,
    pub date_of_birth_enc: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub email_enc: Option<Vec<u8>>,
    pub needs_enc: Option<Vec<u8>>,
    pub notes_enc: Option<Vec<u8>>,
    pub declared_minor: Option<bool>,
    pub preferred_language: Option<String>,
    pub contact_channel: String,
    pub voicemail_ok: bool,
    pub may_name_agency: bool,
    pub do_not_contact: bool,
    pub created_by: Option<Uuid>,
}

/// A stored client, fields still sealed.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub code: String,
    pub name_enc: Option<Vec<u8>>,
    pub date_of_birth_enc: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub email_enc: Option<Vec<u8>>,
    pub needs_enc: Option<Vec<u8>>,
    pub notes_enc: Option<Vec<u8>>,
    pub declared_minor: Option<bool>,
    pub preferred_language: Option<String>,
    pub contact_channel: String,
    pub voicemail_ok: bool,
    pub may_name_agency: bool,
    pub do_not_contact: bool,
}

pub(super) async fn insert(conn: &mut AsyncPgConnection, row: &NewClient) -> AppResult<()> {
    diesel::insert_into(clients::table).values(row).execute(conn).await?;
    Ok(())
}

/// Whether the code is in use in the acting organization (RLS shows only its clients
/// and consented ones, so the check is scoped to the organization explicitly too).
pub(super) async fn code_taken(conn: &mut AsyncPgConnection, code: &str) -> AppResult<bool> {
    let org = diesel::dsl::sql::<diesel::sql_types::Uuid>("app_org()");
    Ok(diesel::select(diesel::dsl::exists(
        clients::table.filter(clients::code.eq(code)).filter(clients::organization_id.nullable().eq(org.nullable())),
    ))
    .get_result(conn)
    .await?)
}

pub(super) async fn by_ids(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<ClientRow>> {
    Ok(clients::table.filter(clients::id.eq_any(ids)).select(ClientRow::as_select()).load(&mut conn).await?)
}

pub(super) async fn of_organization(conn: &mut AsyncPgConnection, org: Uuid, limit: i64) -> AppResult<Vec<ClientRow>> {
    Ok(clients::table
        .filter(clients::organization_id.eq(org))
        .order((clients::created_at.desc(), clients::id))
        .limit(limit)
        .select(ClientRow::as_select())
        .load(conn)
        .await?)
}
