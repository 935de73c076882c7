//! The one error type at the service boundary. Domain functions return it; the GraphQL
//! layer turns it into an error with a stable `extensions.code`. Internal details are
//! logged (without personal data) and never returned to the caller.

use std::fmt;

/// A failure a caller can act on, or an internal one it cannot.
#[derive(Debug)]
pub enum AppError {
    /// The input is wrong; `field` is the input path, e.g. `filter.near.lat`.
    BadUserInput {
        /// The input path, e.g. `filter.near.lat`.
        field: String,
        /// What is wrong, for the person who sent it.
        message: String,
    },
    /// No such thing, or none the caller may see (the two are never told apart).
    NotFound {
        /// What was looked for, e.g. `provider`.
        what: &'static str,
    },
    /// No valid token or key: sign in.
    Unauthenticated,
    /// Signed in, but not allowed to do this.
    Forbidden,
    /// The record changed since it was read (a stale `version`), or the request clashes
    /// with one already made.
    Conflict {
        /// What clashed.
        message: String,
    },
    /// Sharing personal data needs an active consent covering the recipient and fields.
    ConsentRequired {
        /// What the consent is missing.
        message: String,
    },
    /// The network requires referrals for this need to go only to organizations vetted
    /// for a service area of the Standards of Service, and the recipient is not.
    VettingRequired {
        /// Which vetting the recipient lacks.
        message: String,
    },
    /// Too many requests; try again after this many seconds.
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The database cannot serve right now: it is down or restarting, refuses
    /// connections, or every pooled connection stayed busy past the pool's timeout. The
    /// caller may retry; the service recovers by itself. The cause is logged, not returned.
    Unavailable(InternalError),
    /// Something failed that the caller cannot fix. The cause is logged, not returned.
    Internal(InternalError),
}

/// What a caller is told when the database cannot serve.
pub const UNAVAILABLE_MESSAGE: &str = "the service is temporarily unavailable; try again shortly";

/// The hidden cause of an internal error.
pub struct InternalError(Box<dyn std::error::Error + Send + Sync>);

impl fmt::Debug for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.log_description())
    }
}

impl InternalError {
    /// Whether PostgreSQL refused a statement for a reason diesel does not name (its
    /// kind is `Unknown`: diesel keeps no SQLSTATE). For text that is valid UTF-8, as
    /// every Rust string is, the one such refusal of input is a NUL character (SQLSTATE
    /// 22021); the HTTP layer tells it apart by looking at the request (`http.rs`).
    pub fn is_unclassified_database_refusal(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as DieselError};
        matches!(self.0.downcast_ref::<DieselError>(), Some(DieselError::DatabaseError(DatabaseErrorKind::Unknown, _)))
    }

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
            AppError::VettingRequired { .. } => "VETTING_REQUIRED",
            AppError::Unavailable(_) => "UNAVAILABLE",
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
            AppError::ConsentRequired { message } | AppError::VettingRequired { message } => message.clone(),
            AppError::RateLimited { retry_after_secs } => {
                format!("too many requests; try again in {retry_after_secs} s")
            }
            AppError::Unavailable(_) => UNAVAILABLE_MESSAGE.into(),
            AppError::Internal(_) => "internal error".into(),
        }
    }
}

/// Logs the hidden cause of an internal or unavailable error (without row values);
/// other errors are the caller's and are not logged. For errors outside GraphQL
/// execution (authentication, downloads, background tasks such as the directory
/// listener); the request's span, when there is one, adds its id.
pub fn log_internal(err: &AppError) {
    match err {
        AppError::Internal(cause) => tracing::error!(cause = %cause.log_description(), "internal error"),
        AppError::Unavailable(cause) => {
            tracing::warn!(cause = %cause.log_description(), "database unavailable")
        }
        _ => {}
    }
}

/// Shows only what a caller may see, so an accidental conversion can never leak a cause.
impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.public_message())
    }
}

impl std::error::Error for AppError {}

/// Database outcomes by kind (never by message text, which PostgreSQL translates and
/// which may quote row values): a unique violation is a `CONFLICT` with what exists, a
/// foreign-key violation is input naming something that does not exist, a lost or
/// unusable connection means the database is unavailable. Everything else is internal.
impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error as DieselError};
        match &err {
            DieselError::DatabaseError(Kind::UniqueViolation, _) => {
                AppError::Conflict { message: "a record with these values already exists".into() }
            }
            DieselError::DatabaseError(Kind::ForeignKeyViolation, info) => {
                let field = info
                    .table_name()
                    .zip(info.constraint_name())
                    .and_then(|(table, constraint)| foreign_key_field(table, constraint))
                    .unwrap_or_else(|| "input".into());
                let message = format!("{field} refers to a record that does not exist");
                AppError::BadUserInput { field, message }
            }
            // A connection the server closed (shutdown, restart, network) or one that
            // could not send at all: the database is out of reach, not the request wrong.
            DieselError::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _)
            | DieselError::BrokenTransactionManager => AppError::Unavailable(InternalError(Box::new(err))),
            _ => AppError::internal(err),
        }
    }
}

/// The input field a foreign key stands for, from PostgreSQL's default constraint name
/// `<table>_<column>_fkey`: `mous_provider_id_fkey` on `mous` → `providerId`. `None`
/// for a name of another shape.
fn foreign_key_field(table: &str, constraint: &str) -> Option<String> {
    let column = constraint.strip_suffix("_fkey")?.strip_prefix(table)?.strip_prefix('_')?;
    let mut parts = column.split('_').filter(|p| !p.is_empty());
    let mut field = parts.next()?.to_owned();
    for part in parts {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            field.extend(first.to_uppercase());
            field.push_str(chars.as_str());
        }
    }
    Some(field)
}

/// Every way of not getting a pooled connection means the database cannot serve now:
/// the pool's wait or connect timeout, a refused, closed or failing connection attempt
/// (PostgreSQL shutting down or starting up, too many connections). A missing runtime
/// is a build mistake, not an outage.
impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        use diesel_async::pooled_connection::deadpool::PoolError;
        match err {
            PoolError::NoRuntimeSpecified => AppError::internal(err),
            _ => AppError::Unavailable(InternalError(Box::new(err))),
        }
    }
}

/// Result of a domain operation.
pub type AppResult<T> = Result<T, AppError>;

/// Optimistic concurrency, one rule: a write names the version of `what` it read; when the
/// row is now at another, the write is refused with `CONFLICT` naming the version now (so
/// the caller reloads instead of overwriting someone else's change).
pub fn expect_version(what: &str, read: i32, now: i32) -> AppResult<()> {
    if read == now {
        Ok(())
    } else {
        Err(AppError::Conflict {
            message: format!("{what} was changed by someone else; reload it (its version is now {now})"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{AppError, foreign_key_field};
    use diesel::result::{DatabaseErrorKind as Kind, Error as DieselError};

    fn database(kind: Kind) -> AppError {
        DieselError::DatabaseError(kind, Box::new(String::from("row values the caller must not see"))).into()
    }

    #[test]
    fn database_outcomes_map_by_kind() {
        assert_eq!(database(Kind::UniqueViolation).code(), "CONFLICT");
        assert_eq!(database(Kind::ForeignKeyViolation).code(), "BAD_USER_INPUT");
        assert_eq!(database(Kind::ClosedConnection).code(), "UNAVAILABLE");
        assert_eq!(database(Kind::UnableToSendCommand).code(), "UNAVAILABLE");
        assert_eq!(database(Kind::Unknown).code(), "INTERNAL");
        assert_eq!(AppError::from(DieselError::NotFound).code(), "INTERNAL");
        for kind in [Kind::UniqueViolation, Kind::ForeignKeyViolation, Kind::ClosedConnection] {
            assert!(!database(kind).public_message().contains("row values"));
        }
        use deadpool::managed::TimeoutType;
        use diesel_async::pooled_connection::deadpool::PoolError;
        assert_eq!(AppError::from(PoolError::Timeout(TimeoutType::Wait)).code(), "UNAVAILABLE");
        assert_eq!(AppError::from(PoolError::Closed).code(), "UNAVAILABLE");
        let refused = diesel_async::pooled_connection::PoolError::ConnectionError(
            diesel::ConnectionError::BadConnection("connection refused".into()),
        );
        assert_eq!(AppError::from(PoolError::Backend(refused)).code(), "UNAVAILABLE");
    }

    #[test]
    fn names_the_field_of_a_foreign_key() {
        assert_eq!(foreign_key_field("mous", "mous_provider_id_fkey").as_deref(), Some("providerId"));
        assert_eq!(
            foreign_key_field("provider_service_areas", "provider_service_areas_county_fips_fkey").as_deref(),
            Some("countyFips")
        );
        assert_eq!(foreign_key_field("mous", "custom_name").as_deref(), None);
        assert_eq!(foreign_key_field("mous", "other_provider_id_fkey").as_deref(), None);
    }
}
