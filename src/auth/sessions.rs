//! Login sessions and API keys: opaque bearer tokens, stored only as hashes, expiring,
//! idling out, and revocable.

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::credentials::{self, API_KEY_PREFIX, PasswordHashing, SESSION_PREFIX};
use super::{Actor, Caller, Member, Role, repo};
use crate::audit;
use crate::config::SessionPolicy;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};
use crate::organizations::grants::{self, Grantee};

/// How long a login token lasts, absolutely and unused (from `config::SessionPolicy`).
#[derive(Clone, Copy, Debug)]
pub struct SessionLifetimes {
    /// How long a token lasts from login, whatever its use.
    pub lifetime: Duration,
    /// How long a token lasts unused.
    pub idle: Duration,
}

impl From<SessionPolicy> for SessionLifetimes {
    fn from(p: SessionPolicy) -> Self {
        SessionLifetimes {
            lifetime: Duration::minutes(i64::from(p.lifetime_minutes)),
            idle: Duration::minutes(i64::from(p.idle_minutes)),
        }
    }
}

/// A successful login: the token is shown once and never stored.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    /// The bearer token (shown once, never stored).
    pub token: String,
    /// When it stops working, however it is used.
    pub expires_at: DateTime<Utc>,
    /// The user signed in.
    pub user_id: Uuid,
    /// The organization the session acts for.
    pub organization_id: Uuid,
    /// The role the session acts with.
    pub role: Role,
}

/// The same answer for an unknown email, a wrong password and a disabled account, so
/// the API does not reveal who has an account.
fn bad_credentials() -> AppError {
    AppError::Unauthenticated
}

/// One of the organizations a person may act for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationChoice {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// What a correct password leads to.
#[derive(Clone, Debug)]
pub enum SignIn {
    /// A session was opened.
    Session(LoginOutcome),
    /// The person belongs to several organizations and named none: they choose one and
    /// sign in again with it. Only ever told after the password was checked.
    ChooseOrganization(Vec<OrganizationChoice>),
}

/// Checks a password and opens a session acting for one organization: the one named,
/// or the user's only one. A user of several organizations must name one.
///
/// The password is verified through `passwords` (bounded, off the async workers) with
/// no database connection held: one is taken for the lookup before, and again after.
pub async fn login(
    pool: &DbPool,
    passwords: &PasswordHashing,
    lifetimes: SessionLifetimes,
    email: &str,
    password: &str,
    organization: Option<Uuid>,
    request_id: &str,
) -> AppResult<LoginOutcome> {
    match sign_in(pool, passwords, lifetimes, email, password, organization, request_id).await? {
        SignIn::Session(outcome) => Ok(outcome),
        SignIn::ChooseOrganization(_) => Err(AppError::bad_input(
            "organizationId",
            "organizationId is required: you belong to several organizations",
        )),
    }
}

/// Like [`login`], but a user of several organizations who names none gets the list to
/// choose from (the web app's sign-in) instead of an error.
pub async fn sign_in(
    pool: &DbPool,
    passwords: &PasswordHashing,
    lifetimes: SessionLifetimes,
    email: &str,
    password: &str,
    organization: Option<Uuid>,
    request_id: &str,
) -> AppResult<SignIn> {
    let user = repo::user_by_email(&mut *pool.get().await?, email.trim()).await?;
    // Verify even when there is no such user (against a decoy), so both take the same time.
    let password_ok = passwords.verify(password, user.as_ref().and_then(|u| u.password_hash.as_deref())).await?;
    let user = match user {
        Some(u) if password_ok && u.password_hash.is_some() && !u.disabled => u,
        _ => return Err(bad_credentials()),
    };
    let mut conn = pool.get().await?;
    let conn = &mut *conn;
    let memberships = repo::memberships_of(conn, user.id).await?;
    let (organization_id, role) = match organization {
        Some(org) => {
            memberships.into_iter().find(|(o, _, _)| *o == org).map(|(o, _, role)| (o, role)).ok_or_else(|| {
                AppError::bad_input("organizationId", "organizationId is not one of your organizations")
            })?
        }
        None => match memberships.as_slice() {
            [(only, _, role)] => (*only, *role),
            [] => return Err(AppError::Forbidden),
            _ => {
                let choices =
                    memberships.into_iter().map(|(id, name, role)| OrganizationChoice { id, name, role }).collect();
                return Ok(SignIn::ChooseOrganization(choices));
            }
        },
    };
    let token = credentials::new_token(SESSION_PREFIX);
    let expires_at = Utc::now() + lifetimes.lifetime;
    let hash = credentials::token_hash(&token);
    let member = Member { user_id: Some(user.id), api_key_id: None, session_id: None, organization_id, role };
    let caller = Caller { actor: Actor::Member(member), request_id: request_id.to_owned() };
    conn.transaction(async |conn| {
        let session = repo::insert_session(conn, &hash, user.id, organization_id, expires_at).await?;
        audit::record(conn, &caller, "session.login", "session", Some(session)).await
    })
    .await?;
    Ok(SignIn::Session(LoginOutcome { token, expires_at, user_id: user.id, organization_id, role }))
}

/// The actor a bearer token stands for. Unknown, expired, idle, revoked or disabled
/// credentials are `UNAUTHENTICATED`; so is a user who lost the membership.
pub async fn authenticate(conn: &mut AsyncPgConnection, lifetimes: SessionLifetimes, bearer: &str) -> AppResult<Actor> {
    let hash = credentials::token_hash(bearer);
    if bearer.starts_with(SESSION_PREFIX) {
        let session = repo::live_session(conn, &hash, lifetimes.idle).await?.ok_or(AppError::Unauthenticated)?;
        if session.last_used_at < Utc::now() - repo::TOUCH_EVERY {
            repo::touch_session(conn, session.id).await?;
        }
        Ok(Actor::Member(Member {
            user_id: Some(session.user_id),
            api_key_id: None,
            session_id: Some(session.id),
            organization_id: session.organization_id,
            role: session.role,
        }))
    } else if bearer.starts_with(API_KEY_PREFIX) {
        let key = repo::live_api_key(conn, &hash).await?.ok_or(AppError::Unauthenticated)?;
        repo::touch_api_key(conn, key.id).await?;
        Ok(Actor::Member(Member {
            user_id: None,
            api_key_id: Some(key.id),
            session_id: None,
            organization_id: key.organization_id,
            role: key.role,
        }))
    } else {
        Err(AppError::Unauthenticated)
    }
}

/// Ends the caller's own login session.
pub async fn logout(conn: &mut AsyncPgConnection, caller: &Caller) -> AppResult<()> {
    let session = caller
        .actor
        .member()?
        .session_id
        .ok_or_else(|| AppError::bad_input("token", "token is an API key; revoke it with revokeApiKey"))?;
    conn.transaction(async |conn| {
        repo::revoke_session(conn, session).await?;
        audit::record(conn, caller, "session.logout", "session", Some(session)).await
    })
    .await
}

/// Revokes every login session of a user (network admins). Returns how many ended.
pub async fn revoke_user_tokens(conn: &mut AsyncPgConnection, caller: &Caller, user: Uuid) -> AppResult<usize> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        if !repo::user_exists(conn, user).await? {
            return Err(AppError::NotFound { what: "user" });
        }
        let ended = repo::revoke_user_sessions(conn, user).await?;
        audit::record(conn, caller, "session.revoke_all", "user", Some(user)).await?;
        Ok(ended)
    })
    .await
}

/// Ends every login session of a user, inside the caller's transaction (when their
/// password is set, so a session opened before cannot outlive it). Returns how many ended.
pub(crate) async fn end_user_sessions(conn: &mut AsyncPgConnection, user: Uuid) -> AppResult<usize> {
    repo::revoke_user_sessions(conn, user).await
}

/// A new API key: shown once, stored as a hash.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub id: Uuid,
    pub key: String,
}

/// Creates an API key for an integration, scoped to one organization and one role
/// (network admins).
pub async fn create_api_key(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Uuid,
    role: Role,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<NewApiKey> {
    let admin = caller.actor.require_network_admin()?;
    let label = crate::validate::text(label, "input.label", 200)?;
    if expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(AppError::bad_input("expiresAt", "expiresAt must be in the future"));
    }
    let key = credentials::new_token(API_KEY_PREFIX);
    let hash = credentials::token_hash(&key);
    let created_by = admin.user_id;
    let id = conn
        .transaction(async |conn| {
            if !repo::organization_exists(conn, organization).await? {
                return Err(AppError::bad_input("organizationId", "organizationId is not a known organization"));
            }
            let id = repo::insert_api_key(conn, &hash, organization, role, &label, created_by, expires_at).await?;
            grants::record(conn, caller, organization, Grantee::ApiKey(id), role).await?;
            audit::record(conn, caller, "api_key.create", "api_key", Some(id)).await?;
            Ok(id)
        })
        .await?;
    Ok(NewApiKey { id, key })
}

/// Revokes an API key (network admins).
pub async fn revoke_api_key(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<()> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        if !repo::revoke_api_key(conn, id).await? {
            return Err(AppError::NotFound { what: "API key" });
        }
        audit::record(conn, caller, "api_key.revoke", "api_key", Some(id)).await
    })
    .await
}
