//! The one error type at the service boundary. Domain functions return it; the GraphQL
//! layer turns it into an error with a stable `extensions.code`. Internal details are
//! logged (without personal data) and never returned to the caller.

use std::fmt;

/// A failure a caller can act on, or an internal one it cannot.
#[derive(Debug)]
pub enum AppError {
    /// The input is wrong; `field` is the input path, e.g. `filter.near.lat`.
    BadUserInput {
        field: String,
        message: String,
    },
    NotFound {
        what: &'static str,
    },
    Unauthenticated,
    Forbidden,
    Conflict {
        message: String,
    },
    /// Sharing personal data needs an active consent covering the recipient and fields.
    ConsentRequired {
        message: String,
    },
    /// Too many requests; try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// Something failed that the caller cannot fix. The cause is logged, not returned.
    Internal(InternalError),
}

/// The hidden cause of an internal error.
pub struct InternalError(Box<dyn std::error::Error + Send + Sync>);

impl fmt::Debug for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.log_description())
    }
}

impl InternalError {
    /// A description fit for the server log. Database errors are reduced to their kind,
    /// table and constraint: their message and detail can quote row values, which may
    /// be personal data.
    pub fn log_description(&self) -> String {
        use diesel::result::Error as DieselError;
        match self.0.downcast_ref::<DieselError>() {
            Some(DieselError::DatabaseError(kind, info)) => format!(
                "database error {kind:?} (table {}, constraint {})",
                info.table_name().unwrap_or("-"),
                info.constraint_name().unwrap_or("-")
            ),
            _ => self.0.to_string(),
        }
    }
}

impl AppError {
    /// A bad-input error naming the offending field.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput { field: field.into(), message: message.into() }
    }

    /// Wraps any unexpected failure (database, I/O) as an internal error.
    pub fn internal(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(InternalError(Box::new(cause)))
    }

    /// The stable machine-readable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::ConsentRequired { .. } => "CONSENT_REQUIRED",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message safe to show a caller.
    pub fn public_message(&self) -> String {
        match self {
            AppError::BadUserInput { message, .. } => message.clone(),
            AppError::NotFound { what } => format!("{what} not found"),
            AppError::Unauthenticated => "authentication required".into(),
            AppError::Forbidden => "not allowed".into(),
            AppError::Conflict { message } => message.clone(),
            AppError::ConsentRequired { message } => message.clone(),
            AppError::RateLimited { retry_after_secs } => {
                format!("too many requests; try again in {retry_after_secs} s")
            }
            AppError::Internal(_) => "internal error".into(),
        }
    }
}

/// Shows only what a caller may see, so an accidental conversion can never leak a cause.
impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.public_message())
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        AppError::internal(err)
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        AppError::internal(err)
    }
}

/// Result of a domain operation.
pub type AppResult<T> = Result<T, AppError>;
