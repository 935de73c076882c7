//! Network members: organizations, their users and roles, and onboarding.
//!
//! Network admins onboard an organization and invite its staff. An invitation is a
//! one-time token the admin passes on; the invitee sets their own password with it, so
//! no admin ever chooses or sees anyone's password.

pub(crate) mod grants;
mod repo;

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::audit;
use crate::auth::credentials::{self, INVITATION_PREFIX, PasswordHashing};
use crate::auth::{Actor, Caller, Role};
use crate::db::DbPool;
use crate::error::{AppError, AppResult};
use crate::validate;
use grants::Grantee;

/// How long an invitation can be redeemed.
pub const INVITATION_DAYS: i64 = 7;

/// A member organization of the network.
#[derive(Clone, Debug, PartialEq)]
pub struct Organization {
    /// The organization's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Incremented by every change (optimistic concurrency).
    pub version: i32,
}

/// A user as shown to themselves, their organization and network admins.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// The user's id.
    pub id: Uuid,
    /// The address they sign in with.
    pub email: String,
    /// The name shown to other members.
    pub display_name: String,
    /// False until the invitation is accepted.
    pub active: bool,
}

/// A user's role in an organization.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    /// The member.
    pub user: User,
    /// The organization.
    pub organization_id: Uuid,
    /// Their role there.
    pub role: Role,
}

/// An invitation: the token is shown once, to the admin who invited.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// The invited user.
    pub user_id: Uuid,
    /// `None` when the user already had a password (they were only given a membership).
    pub token: Option<String>,
}

/// Creates a member organization (network admins).
pub async fn create(conn: &mut AsyncPgConnection, caller: &Caller, name: &str) -> AppResult<Organization> {
    caller.actor.require_network_admin()?;
    let name = validate::text(name, "input.name", 200)?;
    conn.transaction(async |conn| {
        if repo::name_taken(conn, &name, None).await? {
            return Err(AppError::Conflict { message: "an organization with this name exists".into() });
        }
        let org = repo::insert(conn, &name).await?;
        audit::record(conn, caller, "organization.create", "organization", Some(org.id)).await?;
        Ok(org)
    })
    .await
}

/// An organization, if the actor may see it: network admins see all, members their own.
pub async fn get(conn: &mut AsyncPgConnection, actor: &Actor, id: Uuid) -> AppResult<Option<Organization>> {
    let member = actor.member()?;
    if member.role != Role::NetworkAdmin && member.organization_id != id {
        return Err(AppError::Forbidden);
    }
    repo::get(conn, id).await
}

/// Organizations by id, for naming the parties of what the caller already sees (a
/// referral's sender and recipient, a consent's recipients): names only, no check here.
/// Members and access grants stay behind their own checks.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Organization>> {
    repo::by_ids(conn, ids).await
}

/// Organizations the actor may see, by name.
pub async fn list(conn: &mut AsyncPgConnection, actor: &Actor) -> AppResult<Vec<Organization>> {
    let member = actor.member()?;
    if member.role == Role::NetworkAdmin {
        repo::all(conn).await
    } else {
        Ok(repo::get(conn, member.organization_id).await?.into_iter().collect())
    }
}

/// Members of an organization: for network admins and the organization's own members.
pub async fn members(conn: &mut AsyncPgConnection, actor: &Actor, organization: Uuid) -> AppResult<Vec<Membership>> {
    let member = actor.member()?;
    if member.role != Role::NetworkAdmin && member.organization_id != organization {
        return Err(AppError::Forbidden);
    }
    repo::members(conn, organization).await
}

/// The signed-in user (not for API keys).
pub async fn me(conn: &mut AsyncPgConnection, actor: &Actor) -> AppResult<Option<User>> {
    match actor.member()?.user_id {
        Some(id) => repo::user(conn, id).await,
        None => Ok(None),
    }
}

/// Invites a person to an organization with a role (network admins). A user without a
/// password gets a one-time invitation token, which voids any earlier one; a user with
/// a password just gains (or changes) the membership.
pub async fn invite_user(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    email: &str,
    display_name: &str,
    organization: Uuid,
    role: Role,
) -> AppResult<Invitation> {
    let admin = caller.actor.require_network_admin()?;
    let email = validate::email(email, "input.email")?;
    let display_name = validate::text(display_name, "input.displayName", 200)?;
    let invited_by = admin.user_id;
    conn.transaction(async |conn| {
        if repo::get(conn, organization).await?.is_none() {
            return Err(AppError::bad_input(
                "input.organizationId",
                "input.organizationId is not a known organization",
            ));
        }
        let (user_id, has_password) = match repo::user_by_email(conn, &email).await? {
            Some(found) => found,
            None => (repo::insert_user(conn, &email, &display_name).await?, false),
        };
        grant_membership(conn, caller, user_id, organization, role).await?;
        let token = if has_password {
            None
        } else {
            // Only the newest invitation works: a token handed out earlier (and perhaps
            // seen by someone else) can no longer set the password.
            repo::void_invitations(conn, user_id).await?;
            let token = credentials::new_token(INVITATION_PREFIX);
            let expires = Utc::now() + Duration::days(INVITATION_DAYS);
            repo::insert_invitation(conn, &credentials::token_hash(&token), user_id, invited_by, expires).await?;
            Some(token)
        };
        audit::record(conn, caller, "user.invite", "user", Some(user_id)).await?;
        Ok(Invitation { user_id, token })
    })
    .await
}

/// Redeems an invitation: the invitee sets their password. Anyone holding the token may
/// call this; it works once, before it expires, and only while the user has no
/// password (an old token never resets a live one). Setting the password ends every
/// other session of the user.
///
/// The token is looked up before any hashing, so a wrong token costs one indexed read;
/// the password is hashed through `passwords` (bounded, off the async workers) with no
/// database connection held.
pub async fn accept_invitation(
    pool: &DbPool,
    passwords: &PasswordHashing,
    token: &str,
    password: &str,
    request_id: &str,
) -> AppResult<Uuid> {
    let refused = || AppError::bad_input("token", "token is not a valid, unused invitation");
    credentials::check_new_password(password, "password")?;
    let token_hash = credentials::token_hash(token);
    if repo::live_invitation(&mut *pool.get().await?, &token_hash).await?.is_none() {
        return Err(refused());
    }
    let hash = passwords.hash(password).await?;
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        // Checked again, atomically: another redemption may have won while we hashed.
        let user = repo::redeem_invitation(conn, &token_hash).await?.ok_or_else(refused)?;
        if !repo::set_first_password(conn, user, &hash).await? {
            return Err(refused());
        }
        repo::void_invitations(conn, user).await?;
        crate::auth::sessions::end_user_sessions(conn, user).await?;
        let caller = Caller { actor: Actor::Anonymous, request_id: request_id.to_owned() };
        audit::record(conn, &caller, "user.accept_invitation", "user", Some(user)).await?;
        Ok(user)
    })
    .await
}

/// Gives `user` `role` in `organization` (inside the caller's transaction) and, when it
/// is new or changed and the caller acts from outside the organization, records the
/// grant and tells the organization.
async fn grant_membership(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    user: Uuid,
    organization: Uuid,
    role: Role,
) -> AppResult<()> {
    if repo::upsert_membership(conn, user, organization, role).await? != Some(role) {
        grants::record(conn, caller, organization, Grantee::User(user), role).await?;
    }
    Ok(())
}

/// Gives a user a role in an organization, or changes it (network admins).
pub async fn set_membership(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    user: Uuid,
    organization: Uuid,
    role: Role,
) -> AppResult<()> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        if repo::user(conn, user).await?.is_none() {
            return Err(AppError::bad_input("userId", "userId is not a known user"));
        }
        if repo::get(conn, organization).await?.is_none() {
            return Err(AppError::bad_input("organizationId", "organizationId is not a known organization"));
        }
        grant_membership(conn, caller, user, organization, role).await?;
        audit::record(conn, caller, "membership.set", "user", Some(user)).await
    })
    .await
}

/// Removes a user from an organization (network admins); their sessions for it end at
/// once because sessions read the role from the membership.
pub async fn remove_membership(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    user: Uuid,
    organization: Uuid,
) -> AppResult<()> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        if !repo::delete_membership(conn, user, organization).await? {
            return Err(AppError::NotFound { what: "membership" });
        }
        audit::record(conn, caller, "membership.remove", "user", Some(user)).await
    })
    .await
}

/// Creates the first network admin: an organization (found by name or created), a user
/// with the given password, and a NETWORK_ADMIN membership. For the `lantern admin
/// create-user` command, run by whoever operates the database; there is no default
/// account or password anywhere.
pub async fn bootstrap_admin(
    conn: &mut AsyncPgConnection,
    email: &str,
    display_name: &str,
    organization_name: &str,
    password: &str,
) -> AppResult<Uuid> {
    let email = validate::email(email, "email")?;
    let display_name = validate::text(display_name, "name", 200)?;
    let organization_name = validate::text(organization_name, "organization", 200)?;
    credentials::check_new_password(password, "password")?;
    let hash = credentials::hash_password(password)?;
    conn.transaction(async |conn| {
        if repo::user_by_email(conn, &email).await?.is_some() {
            return Err(AppError::Conflict { message: "a user with this email exists".into() });
        }
        let org = match repo::by_name(conn, &organization_name).await? {
            Some(org) => org,
            None => repo::insert(conn, &organization_name).await?,
        };
        let user = repo::insert_user(conn, &email, &display_name).await?;
        repo::set_first_password(conn, user, &hash).await?;
        let caller = Caller { actor: Actor::Anonymous, request_id: "cli".into() };
        // An existing organization is told that the operator added an admin to it.
        grant_membership(conn, &caller, user, org.id, Role::NetworkAdmin).await?;
        audit::record(conn, &caller, "user.bootstrap_admin", "user", Some(user)).await?;
        Ok(user)
    })
    .await
}

/// Whether a live organization has this id.
pub async fn exists(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<bool> {
    Ok(repo::get(conn, id).await?.is_some())
}
