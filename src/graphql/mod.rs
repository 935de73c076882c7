//! The GraphQL API: schema root, per-request context and DataLoaders. Resolvers are thin:
//! they parse arguments, call a domain function, and wrap the result.

mod capacity;
mod directory_edit;
mod gaps;
mod identity;
pub mod inputs;
mod loaders;
mod notify;
mod partnerships;
mod query;
mod referrals;
mod standards;
mod types;
mod worksheets;

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::{EmptySubscription, ErrorExtensions, MergedObject, Schema};

pub use loaders::Loaders;

use crate::auth::{Caller, SessionLifetimes};
use crate::config::{Mode, RateLimits};
use crate::crypto::Keyring;
use crate::db::DbPool;
use crate::error::AppError;
use crate::rate_limit::RateLimiter;

/// The query root: one part per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    query::DirectoryQuery,
    identity::IdentityQuery,
    referrals::ReferralQuery,
    gaps::GapQuery,
    partnerships::PartnershipQuery,
    worksheets::WorksheetQuery,
    notify::NotifyQuery,
    standards::StandardsQuery,
    capacity::CapacityQuery,
);

/// The mutation root: one part per domain.
#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    directory_edit::DirectoryMutation,
    referrals::ReferralMutation,
    partnerships::PartnershipMutation,
    worksheets::WorksheetMutation,
    notify::NotifyMutation,
    standards::StandardsMutation,
    capacity::CapacityMutation,
);

/// The executable schema.
pub type LanternSchema = Schema<Query, Mutation, EmptySubscription>;

/// The long-lived parts of the service every request may use beside the pool: the
/// directory index, the network's clock, keys, limiters, the geocoder, password hashing,
/// and the session lifetimes and limits they apply. (Not settings: the network's
/// settings are `crate::network_settings`, kept in the database.)
#[derive(Clone)]
pub struct Services {
    /// The in-memory directory search and the gap matrix read when it is ready.
    pub directory: Arc<crate::directory_index::DirectoryIndex>,
    pub sessions: SessionLifetimes,
    /// Tokens verified recently, honoured briefly while the database cannot answer.
    pub verified_tokens: Arc<crate::auth::grace::VerifiedTokens>,
    pub rate_limits: RateLimits,
    pub limiter: Arc<RateLimiter>,
    pub keyring: Arc<Keyring>,
    pub geocoder: Arc<crate::geocode::Geocoder>,
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

/// Deepest query accepted: the deepest useful one (search → provider → services → needs)
/// is 7 levels.
pub const MAX_DEPTH: usize = 10;
/// Largest query complexity (fields, with list fields weighted by page size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// Builds the schema. Production turns off introspection and field suggestions, which
/// would otherwise map the API for an attacker; tools use `graphql/schema.graphql`.
pub fn build_schema(pool: DbPool, mode: Mode, services: Services) -> LanternSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(pool)
        .data(services)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    match mode {
        Mode::Development => builder.finish(),
        Mode::Production => builder.disable_introspection().disable_suggestions().finish(),
    }
}

/// The schema in SDL, as committed in `graphql/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription).finish().sdl()
}

/// Attaches what a request carries beside its query: who is asking, from where, and
/// the request's own DataLoaders.
pub fn with_request_data(
    request: async_graphql::Request,
    pool: &DbPool,
    services: &Services,
    caller: Caller,
    client: ClientAddr,
) -> async_graphql::Request {
    // One date for the whole request, so all its answers agree on what is in force.
    let today = RequestDay(services.clock.today());
    let loaders = Loaders::new(
        pool.clone(),
        caller.clone(),
        Arc::clone(&services.keyring),
        Arc::clone(&services.directory),
        today.0,
    );
    let capacity = capacity::loader(pool.clone(), caller.actor.clone());
    request.data(caller).data(client).data(loaders).data(capacity).data(today)
}

/// What the server log needs to know of an error it did not show the caller: carried
/// beside the GraphQL error (as its `source`, which is never serialized) so the HTTP
/// layer logs it once, with the request's operation and the field's path.
#[derive(Debug)]
pub struct HiddenCause {
    /// The code the caller saw (`INTERNAL` or `UNAVAILABLE`).
    pub code: &'static str,
    /// The cause, fit for the log (no row values).
    pub description: String,
    /// PostgreSQL refused a statement for a reason diesel does not name.
    pub unclassified_database_refusal: bool,
}

/// Turns a domain error into a GraphQL error with a stable `extensions.code` (and the
/// offending `field` for bad input). Internal causes travel beside the error, for the
/// log, never in it.
pub fn to_gql(err: AppError) -> async_graphql::Error {
    let field = match &err {
        AppError::BadUserInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    let retry_after = match &err {
        AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    };
    let code = err.code();
    let mut error = async_graphql::Error::new(err.public_message()).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(field) = &field {
            ext.set("field", field.as_str());
        }
        if let Some(seconds) = retry_after {
            ext.set("retryAfter", seconds);
        }
    });
    if let AppError::Internal(cause) | AppError::Unavailable(cause) = &err {
        error.source = Some(Arc::new(HiddenCause {
            code,
            description: cause.log_description(),
            unclassified_database_refusal: cause.is_unclassified_database_refusal(),
        }));
    }
    error
}

/// `?`-friendly conversion of domain results in resolvers.
pub(crate) trait GqlResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}
