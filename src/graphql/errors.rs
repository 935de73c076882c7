//! Domain errors as GraphQL errors: a stable `extensions.code` for the caller, the
//! hidden cause beside it for the log.

use std::sync::Arc;

use async_graphql::ErrorExtensions;

use crate::error::AppError;

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
