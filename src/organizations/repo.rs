//! Organization and user queries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Membership, Organization, User};
use crate::auth::Role;
use crate::db::StoredText;
use crate::db::functions::lower;
use crate::db::schema::{invitations, memberships, organizations, users};
use crate::error::AppResult;

type OrgRow = (Uuid, String, i32);

fn org((id, name, version): OrgRow) -> Organization {
    Organization { id, name, version }
}

pub(super) async fn insert(conn: &mut AsyncPgConnection, name: &str) -> AppResult<Organization> {
    let row: OrgRow = diesel::insert_into(organizations::table)
        .values(organizations::name.eq(name))
        .returning((organizations::id, organizations::name, organizations::version))
        .get_result(conn)
        .await?;
    Ok(org(row))
}

pub(super) async fn name_taken(conn: &mut AsyncPgConnection, name: &str, except: Option<Uuid>) -> AppResult<bool> {
    let mut query = organizations::table
        .filter(lower(organizations::name).eq(lower(name)))
        .filter(organizations::archived_at.is_null())
        .select(organizations::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(organizations::id.ne(id));
    }
    Ok(query.first::<Uuid>(conn).await.optional()?.is_some())
}

pub(super) async fn by_name(conn: &mut AsyncPgConnection, name: &str) -> AppResult<Option<Organization>> {
    let row: Option<OrgRow> = organizations::table
        .filter(lower(organizations::name).eq(lower(name)))
        .filter(organizations::archived_at.is_null())
        .select((organizations::id, organizations::name, organizations::version))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(org))
}

pub(super) async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Organization>> {
    let row: Option<OrgRow> = organizations::table
        .find(id)
        .filter(organizations::archived_at.is_null())
        .select((organizations::id, organizations::name, organizations::version))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(org))
}

pub(super) async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Organization>> {
    let rows: Vec<OrgRow> = organizations::table
        .filter(organizations::id.eq_any(ids))
        .filter(organizations::archived_at.is_null())
        .select((organizations::id, organizations::name, organizations::version))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(org).collect())
}

pub(super) async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<Organization>> {
    let rows: Vec<OrgRow> = organizations::table
        .filter(organizations::archived_at.is_null())
        .select((organizations::id, organizations::name, organizations::version))
        .order((organizations::name, organizations::id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(org).collect())
}

type UserRow = (Uuid, String, String, Option<String>);

fn user_from_row((id, email, display_name, password_hash): UserRow) -> User {
    User { id, email, display_name, active: password_hash.is_some() }
}

pub(super) async fn user(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<User>> {
    let row: Option<UserRow> = users::table
        .find(id)
        .select((users::id, users::email, users::display_name, users::password_hash))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(user_from_row))
}

/// `(id, has a password)` of the user with this email, in any case.
pub(super) async fn user_by_email(conn: &mut AsyncPgConnection, email: &str) -> AppResult<Option<(Uuid, bool)>> {
    let row: Option<(Uuid, Option<String>)> = users::table
        .filter(lower(users::email).eq(lower(email)))
        .select((users::id, users::password_hash))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, hash)| (id, hash.is_some())))
}

pub(super) async fn insert_user(conn: &mut AsyncPgConnection, email: &str, display_name: &str) -> AppResult<Uuid> {
    Ok(diesel::insert_into(users::table)
        .values((users::email.eq(email), users::display_name.eq(display_name)))
        .returning(users::id)
        .get_result(conn)
        .await?)
}

/// Sets the password of a user who has none; false if they already have one.
pub(super) async fn set_first_password(conn: &mut AsyncPgConnection, id: Uuid, hash: &str) -> AppResult<bool> {
    Ok(diesel::update(users::table.find(id).filter(users::password_hash.is_null()))
        .set((users::password_hash.eq(hash), users::updated_at.eq(Utc::now())))
        .execute(conn)
        .await?
        == 1)
}

/// Gives `user` `role` in `organization`; returns the role they had there before.
pub(super) async fn upsert_membership(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    organization: Uuid,
    role: Role,
) -> AppResult<Option<Role>> {
    let before: Option<String> = memberships::table
        .find((user, organization))
        .select(memberships::role)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    diesel::insert_into(memberships::table)
        .values((
            memberships::user_id.eq(user),
            memberships::organization_id.eq(organization),
            memberships::role.eq(role.as_db()),
        ))
        .on_conflict((memberships::user_id, memberships::organization_id))
        .do_update()
        .set(memberships::role.eq(role.as_db()))
        .execute(conn)
        .await?;
    before.as_deref().map(Role::decode).transpose()
}

pub(super) async fn delete_membership(conn: &mut AsyncPgConnection, user: Uuid, organization: Uuid) -> AppResult<bool> {
    Ok(diesel::delete(memberships::table.find((user, organization))).execute(conn).await? > 0)
}

pub(super) async fn members(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<Membership>> {
    let rows: Vec<(UserRow, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(organization))
        .select(((users::id, users::email, users::display_name, users::password_hash), memberships::role))
        .order(users::display_name)
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(u, role)| {
            let role = Role::decode(&role)?;
            Ok(Membership { user: user_from_row(u), organization_id: organization, role })
        })
        .collect()
}

pub(super) async fn insert_invitation(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    user: Uuid,
    created_by: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(invitations::table)
        .values((
            invitations::token_hash.eq(token_hash),
            invitations::user_id.eq(user),
            invitations::created_by.eq(created_by),
            invitations::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The invitation with this token, if it can be redeemed: unused, unexpired, and its
/// user has no password yet (an old token never resets a live password).
#[diesel::dsl::auto_type]
fn redeemable<'a>(token_hash: &'a [u8], now: DateTime<Utc>) -> _ {
    invitations::token_hash
        .eq(token_hash)
        .and(invitations::used_at.is_null())
        .and(invitations::expires_at.gt(now))
        .and(invitations::user_id.eq_any(users::table.filter(users::password_hash.is_null()).select(users::id)))
}

/// The user of a redeemable invitation with this token; `None` if there is none.
pub(super) async fn live_invitation(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> AppResult<Option<Uuid>> {
    let now = Utc::now();
    Ok(invitations::table
        .filter(redeemable(token_hash, now))
        .select(invitations::user_id)
        .first(conn)
        .await
        .optional()?)
}

/// Marks a redeemable invitation used and returns its user; `None` if there is none.
pub(super) async fn redeem_invitation(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> AppResult<Option<Uuid>> {
    let now = Utc::now();
    Ok(diesel::update(invitations::table.filter(redeemable(token_hash, now)))
        .set(invitations::used_at.eq(now))
        .returning(invitations::user_id)
        .get_result(conn)
        .await
        .optional()?)
}

/// Voids every unused invitation of a user (a newer one replaces them, or the password
/// is set).
pub(super) async fn void_invitations(conn: &mut AsyncPgConnection, user: Uuid) -> AppResult<()> {
    diesel::delete(invitations::table.filter(invitations::user_id.eq(user)).filter(invitations::used_at.is_null()))
        .execute(conn)
        .await?;
    Ok(())
}
