//! Identity queries.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Role;
use crate::db::StoredText;
use crate::db::functions::lower;
use crate::db::schema::{api_keys, memberships, organizations, sessions, users};
use crate::error::AppResult;

/// A user as login needs them.
pub(super) struct LoginUser {
    pub id: Uuid,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

pub(super) async fn user_by_email(conn: &mut AsyncPgConnection, email: &str) -> AppResult<Option<LoginUser>> {
    let row: Option<(Uuid, Option<String>, Option<DateTime<Utc>>)> = users::table
        .filter(lower(users::email).eq(lower(email)))
        .select((users::id, users::password_hash, users::disabled_at))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, password_hash, disabled_at)| LoginUser { id, password_hash, disabled: disabled_at.is_some() }))
}

pub(super) async fn user_exists(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn).await?)
}

pub(super) async fn organization_exists(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(organizations::table.find(id).filter(organizations::archived_at.is_null())))
        .get_result(conn)
        .await?)
}

fn parse_role(value: &str) -> AppResult<Role> {
    Role::decode(value)
}

/// The user's organizations (not archived) with their names and the user's role.
pub(super) async fn memberships_of(conn: &mut AsyncPgConnection, user: Uuid) -> AppResult<Vec<(Uuid, String, Role)>> {
    let rows: Vec<(Uuid, String, String)> = memberships::table
        .inner_join(organizations::table)
        .filter(memberships::user_id.eq(user))
        .filter(organizations::archived_at.is_null())
        .select((memberships::organization_id, organizations::name, memberships::role))
        .order((organizations::name, memberships::organization_id))
        .load(conn)
        .await?;
    rows.into_iter().map(|(org, name, role)| Ok((org, name, parse_role(&role)?))).collect()
}

pub(super) async fn insert_session(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    user: Uuid,
    organization: Uuid,
    expires_at: DateTime<Utc>,
) -> AppResult<Uuid> {
    Ok(diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user),
            sessions::organization_id.eq(organization),
            sessions::expires_at.eq(expires_at),
        ))
        .returning(sessions::id)
        .get_result(conn)
        .await?)
}

/// A session that is usable now.
pub(super) struct LiveSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
    pub last_used_at: DateTime<Utc>,
}

pub(super) async fn live_session(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    idle: Duration,
) -> AppResult<Option<LiveSession>> {
    let now = Utc::now();
    // The role comes from the membership as it is now: removing a member, or disabling
    // the user, cuts off their sessions at once.
    let row: Option<(Uuid, Uuid, Uuid, String, DateTime<Utc>)> = sessions::table
        .inner_join(users::table)
        .inner_join(memberships::table.on(
            memberships::user_id.eq(sessions::user_id).and(memberships::organization_id.eq(sessions::organization_id)),
        ))
        .inner_join(organizations::table.on(organizations::id.eq(sessions::organization_id)))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_used_at.gt(now - idle))
        .filter(users::disabled_at.is_null())
        .filter(organizations::archived_at.is_null())
        .select((sessions::id, sessions::user_id, sessions::organization_id, memberships::role, sessions::last_used_at))
        .first(conn)
        .await
        .optional()?;
    row.map(|(id, user_id, organization_id, role, last_used_at)| {
        Ok(LiveSession { id, user_id, organization_id, role: parse_role(&role)?, last_used_at })
    })
    .transpose()
}

/// How long a session's last use may lag: it is written at most once a minute, so
/// reads do not turn into a write per request.
pub(super) const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Marks a session used, unless another request just did.
pub(super) async fn touch_session(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    let stale = Utc::now() - TOUCH_EVERY;
    diesel::update(sessions::table.find(id).filter(sessions::last_used_at.lt(stale)))
        .set(sessions::last_used_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(())
}

pub(super) async fn revoke_session(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(())
}

pub(super) async fn revoke_user_sessions(conn: &mut AsyncPgConnection, user: Uuid) -> AppResult<usize> {
    Ok(diesel::update(sessions::table.filter(sessions::user_id.eq(user)).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await?)
}

pub(super) async fn insert_api_key(
    conn: &mut AsyncPgConnection,
    key_hash: &[u8],
    organization: Uuid,
    role: super::Role,
    label: &str,
    created_by: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<Uuid> {
    Ok(diesel::insert_into(api_keys::table)
        .values((
            api_keys::key_hash.eq(key_hash),
            api_keys::organization_id.eq(organization),
            api_keys::role.eq(role.as_db()),
            api_keys::label.eq(label),
            api_keys::created_by.eq(created_by),
            api_keys::expires_at.eq(expires_at),
        ))
        .returning(api_keys::id)
        .get_result(conn)
        .await?)
}

/// An API key that is usable now.
pub(super) struct LiveApiKey {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub role: Role,
}

pub(super) async fn live_api_key(conn: &mut AsyncPgConnection, key_hash: &[u8]) -> AppResult<Option<LiveApiKey>> {
    let now = Utc::now();
    let row: Option<(Uuid, Uuid, String)> = api_keys::table
        .inner_join(organizations::table)
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(now)))
        .filter(organizations::archived_at.is_null())
        .select((api_keys::id, api_keys::organization_id, api_keys::role))
        .first(conn)
        .await
        .optional()?;
    row.map(|(id, organization_id, role)| Ok(LiveApiKey { id, organization_id, role: parse_role(&role)? })).transpose()
}

pub(super) async fn touch_api_key(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    let stale = Utc::now() - Duration::minutes(1);
    diesel::update(
        api_keys::table.find(id).filter(api_keys::last_used_at.is_null().or(api_keys::last_used_at.lt(stale))),
    )
    .set(api_keys::last_used_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn revoke_api_key(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    Ok(diesel::update(api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await?
        > 0)
}
