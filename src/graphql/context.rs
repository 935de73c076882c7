//! What a resolver finds in its context, in one place: the service's long-lived parts, the
//! caller, where the request came from, a pooled connection; and parsing an `ID`
//! argument. Every resolver file takes these from here.

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::{Context, ID};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object as PooledConnection;
use uuid::Uuid;

use crate::auth::{Caller, SessionLifetimes};
use crate::config::RateLimits;
use crate::crypto::Keyring;
use crate::db::DbPool;
use crate::directory::Directory;
use crate::error::{AppError, AppResult};
use crate::rate_limit::RateLimiter;

/// The long-lived parts of the service every request may use beside the pool: the
/// directory (index and database behind one reader), the network's clock, keys,
/// limiters, the geocoder, password hashing, and the session lifetimes and limits they
/// apply. (Not settings: the network's settings are `crate::network_settings`, kept in
/// the database.)
#[derive(Clone)]
pub struct Services {
    /// The directory: where search and the gap matrix are answered, and the write path
    /// that makes a directory write visible to its writer's next search.
    pub directory: Directory,
    /// How long login sessions last.
    pub sessions: SessionLifetimes,
    /// Tokens verified recently, honoured briefly while the database cannot answer.
    pub verified_tokens: Arc<crate::auth::grace::VerifiedTokens>,
    /// How often callers may ask.
    pub rate_limits: RateLimits,
    /// The counters behind the rate limits.
    pub limiter: Arc<RateLimiter>,
    /// The keys that seal personal fields.
    pub keyring: Arc<Keyring>,
    /// The geocoder that places new addresses.
    pub geocoder: Arc<crate::geocode::Geocoder>,
    /// Whether webhook URLs may point at loopback (development and tests only).
    pub webhook_allow_loopback: bool,
    /// Password hashing and verification, bounded and off the async workers.
    pub passwords: Arc<crate::auth::credentials::PasswordHashing>,
    /// What day it is for the network (the pool's connections are on the same clock).
    pub clock: crate::clock::Clock,
}

impl Services {
    /// Counts a sign-in attempt against the per-IP and per-email login limits (the
    /// `login` mutation and `POST /session` share them).
    pub fn check_login_limits(&self, ip: IpAddr, email: &str) -> Result<(), AppError> {
        self.limiter
            .login_attempt(&self.rate_limits, ip, email)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })
    }
}

/// The network's date when a request began: what the request reads as "today".
#[derive(Clone, Copy, Debug)]
pub struct RequestDay(pub chrono::NaiveDate);

/// Where a request came from (for login rate limits).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// The service's long-lived parts.
pub(super) fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Services>()
}

/// The network's date for this request (see [`RequestDay`]).
pub(super) fn today(ctx: &Context<'_>) -> chrono::NaiveDate {
    ctx.data_opt::<RequestDay>().map_or_else(|| services(ctx).clock.today(), |day| day.0)
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
    &services(ctx).directory
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

/// A list's page size from its `first` argument: 50 when omitted, 1 to 200 accepted.
pub(super) fn page_size(first: Option<i32>) -> AppResult<i64> {
    let first = first.unwrap_or(50);
    if !(1..=200).contains(&first) {
        return Err(AppError::bad_input("first", "first must be from 1 to 200"));
    }
    Ok(first.into())
}
