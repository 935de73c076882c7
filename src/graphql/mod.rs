//! The GraphQL API: schema root, per-request context and DataLoaders. Resolvers are thin:
//! they parse arguments, call a domain function, and wrap the result.

mod loaders;
mod query;
mod types;

use async_graphql::{EmptyMutation, EmptySubscription, ErrorExtensions, Schema};

pub use loaders::Loaders;
pub use query::Query;

use crate::access::Viewer;
use crate::config::Mode;
use crate::db::DbPool;
use crate::error::AppError;

/// The executable schema.
pub type LanternSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Deepest query accepted: the deepest useful one (search → provider → services → needs)
/// is 7 levels.
pub const MAX_DEPTH: usize = 10;
/// Largest query complexity (fields, with list fields weighted by page size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// Builds the schema. Production turns off introspection and field suggestions, which
/// would otherwise map the API for an attacker; tools use `graphql/schema.graphql`.
pub fn build_schema(pool: DbPool, mode: Mode) -> LanternSchema {
    let builder = Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .data(pool)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    match mode {
        Mode::Development => builder.finish(),
        Mode::Production => builder.disable_introspection().disable_suggestions().finish(),
    }
}

/// The schema in SDL, as committed in `graphql/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription).finish().sdl()
}

/// What a request carries beside its query: who is asking, and the request's loaders.
pub fn request_data(pool: &DbPool, viewer: Viewer) -> (Viewer, Loaders) {
    let loaders = Loaders::new(pool.clone(), viewer.clone());
    (viewer, loaders)
}

/// Turns a domain error into a GraphQL error with a stable `extensions.code` (and the
/// offending `field` for bad input). Internal causes are logged here, never returned.
pub fn to_gql(err: AppError) -> async_graphql::Error {
    if let AppError::Internal(cause) = &err {
        tracing::error!(cause = %cause.log_description(), "internal error");
    }
    let field = match &err {
        AppError::BadUserInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    let code = err.code();
    async_graphql::Error::new(err.public_message()).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(field) = &field {
            ext.set("field", field.as_str());
        }
    })
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
