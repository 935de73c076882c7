//! What a resolver finds in its context, in one place: the service's settings, the
//! caller, where the request came from, a pooled connection; and parsing an `ID`
//! argument. Every resolver file takes these from here.

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::{Context, ID};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object as PooledConnection;
use uuid::Uuid;

use crate::auth::{AuthSettings, Caller};
use crate::config::RateLimits;
use crate::crypto::Keyring;
use crate::db::DbPool;
use crate::directory::Directory;
use crate::error::{AppError, AppResult};
use crate::rate_limit::RateLimiter;

/// Settings the resolvers need beside the pool.
#[derive(Clone)]
pub struct ServiceSettings {
    /// The directory: where search and the gap matrix are answered, and the write path
    /// that makes a directory write visible to its writer's next search.
    pub directory: Directory,
    pub auth: AuthSettings,
    /// Tokens verified recently, honoured briefly while the database cannot answer.
    pub verified_tokens: Arc<crate::auth::grace::VerifiedTokens>,
    pub rate_limits: RateLimits,
    pub limiter: Arc<RateLimiter>,
    pub keyring: Arc<Keyring>,
    pub geocoder: Arc<crate::geocode::Geocoder>,
    pub webhook_allow_loopback: bool,
    /// Password hashing and verification, bounded and off the async workers.
    pub passwords: Arc<crate::auth::credentials::PasswordHashing>,
}

/// Where a request came from (for login rate limits).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// The service's settings.
pub(super) fn settings<'a>(ctx: &Context<'a>) -> &'a ServiceSettings {
    ctx.data_unchecked::<ServiceSettings>()
}

/// The pool, for domain functions that take connections as they need them.
pub(super) fn pool<'a>(ctx: &Context<'a>) -> &'a DbPool {
    ctx.data_unchecked::<DbPool>()
}

/// A pooled connection for a resolver.
pub(super) async fn conn(ctx: &Context<'_>) -> AppResult<PooledConnection<AsyncPgConnection>> {
    Ok(pool(ctx).get().await?)
}

/// The directory (reads decided in one place, and the write path).
pub(super) fn directory<'a>(ctx: &Context<'a>) -> &'a Directory {
    &settings(ctx).directory
}

/// The caller of the current request.
pub(super) fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_unchecked::<Caller>()
}

/// The client's IP address (for login rate limits).
pub(super) fn client_ip(ctx: &Context<'_>) -> IpAddr {
    ctx.data_unchecked::<ClientAddr>().0
}

/// Parses an `ID` argument as a UUID; `field` names it in the error.
pub(super) fn parse_uuid(id: &ID, field: &str) -> AppResult<Uuid> {
    id.parse().map_err(|_| AppError::bad_input(field, format!("{field} is not a valid id")))
}
