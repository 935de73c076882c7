//! Configuration, read once from the environment. Every setting has a documented default
//! (see README.md), so `lantern serve` works with no environment at all.

use std::net::SocketAddr;
use std::path::PathBuf;

pub use secrecy::{ExposeSecret, SecretString};

use crate::clock::{self, Clock};

/// Whether development conveniences (GraphiQL, introspection, field suggestions) are on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// GraphiQL, introspection and field suggestions on; the local cluster allowed.
    Development,
    /// The default: none of development's conveniences.
    Production,
}

/// Where the database is: explicit URLs, or the project-local cluster that Lantern
/// creates and starts itself.
#[derive(Clone, Debug)]
pub enum DatabaseSource {
    /// Connection URLs given in the environment.
    Urls {
        /// The service's connection (`DATABASE_URL`): a role that is not superuser, not
        /// the tables' owner and not BYPASSRLS. Secret: it may carry a password.
        app: SecretString,
        /// The owner's connection for migrations and seeding
        /// (`LANTERN_MIGRATION_DATABASE_URL`); without it `serve` does not migrate.
        owner: Option<SecretString>,
    },
    /// The project-local cluster Lantern creates and starts itself.
    LocalCluster(LocalClusterConfig),
}

/// The project-local PostgreSQL cluster used when `DATABASE_URL` is not set.
#[derive(Clone, Debug)]
pub struct LocalClusterConfig {
    /// Folder holding the cluster's data, log and lock (git-ignored).
    pub dir: PathBuf,
    /// TCP port on 127.0.0.1; not PostgreSQL's default so a system server can coexist.
    pub port: u16,
}

impl LocalClusterConfig {
    /// The local cluster's folder and port (`LANTERN_PG_DIR`, `LANTERN_PG_PORT`).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(LocalClusterConfig {
            dir: PathBuf::from(lookup("LANTERN_PG_DIR").unwrap_or_else(|| DEFAULT_LOCAL_PG_DIR.to_owned())),
            port: parse_or("LANTERN_PG_PORT", lookup, DEFAULT_LOCAL_PG_PORT)?,
        })
    }
}

/// Limits on how often callers may ask, per minute (0 turns a limit off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// GraphQL requests per minute from one client IP.
    pub api_per_ip: u32,
    /// GraphQL requests per minute with one token or API key.
    pub api_per_token: u32,
    /// `login` attempts per client IP; `acceptInvitation` attempts are counted apart
    /// under the same limit.
    pub login_per_ip: u32,
    /// `login` attempts for one email from one client IP: what one attacker can spend
    /// on someone's account.
    pub login_per_email_ip: u32,
    /// `login` attempts for one email from every IP together: a ceiling, far above
    /// [`RateLimits::login_per_email_ip`], so one address cannot lock a person out.
    pub login_per_email: u32,
}

/// How long a login lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Absolute lifetime of a login token.
    pub lifetime_minutes: u32,
    /// A token unused for this long stops working.
    pub idle_minutes: u32,
}

/// Whether the session cookie carries `Secure` (sent over HTTPS only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSecure {
    /// When the request came over TLS (directly, or as a proxy reports it with
    /// `X-Forwarded-Proto`/`Forwarded`).
    Auto,
    /// Always marked Secure (a deployment behind TLS that does not report it).
    Always,
    /// Never marked Secure (plain-HTTP development only).
    Never,
}

/// All settings of a Lantern process.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen (`LANTERN_ADDR`).
    pub addr: SocketAddr,
    /// Development or production (`LANTERN_ENV`).
    pub mode: Mode,
    /// Where the database is.
    pub database: DatabaseSource,
    /// Whether this process may create and start the project-local cluster when no
    /// `DATABASE_URL` is given: in development mode, or when asked for by name
    /// (`LANTERN_LOCAL_CLUSTER`). The cluster runs with fsync off and a development key
    /// for personal fields, so a deployment must never fall into it because a variable
    /// is missing.
    pub local_cluster_allowed: bool,
    /// Largest number of pooled database connections.
    pub pool_size: usize,
    /// PostgreSQL `statement_timeout` of the service's connections.
    pub statement_timeout_ms: u32,
    /// Longest a GraphQL request may run before it is abandoned.
    pub request_timeout_ms: u32,
    /// How long login sessions last.
    pub sessions: SessionPolicy,
    /// How often callers may ask.
    pub rate_limits: RateLimits,
    /// Keys for personal fields (`LANTERN_PII_KEYS`, `id:base64key,…`; the first seals).
    /// Unset with the local cluster: a development key kept beside it.
    pub pii_keys: Option<SecretString>,
    /// Geocoder base URL (Census one-line-address API format).
    pub geocoder_url: String,
    /// Longest a geocoder request may take, in milliseconds.
    pub geocoder_timeout_ms: u32,
    /// Whether confidential locations' addresses may be sent to the geocoder.
    pub geocode_confidential: bool,
    /// Whether webhook URLs may point at loopback (local development and tests only).
    pub webhook_allow_loopback: bool,
    /// Whether `serve` runs the outbox relay and scheduler.
    pub relay: bool,
    /// Whether searches with a point and the gap matrix are answered from the
    /// in-memory directory index (`LANTERN_SEARCH_INDEX`, default true); false sends
    /// every one to PostgreSQL.
    pub search_index: bool,
    /// How long after the database was last in step the in-memory directory may still
    /// answer public searches while the database cannot (`LANTERN_SEARCH_STALE_SECONDS`).
    pub search_stale_seconds: u32,
    /// How long a verified token is honoured without the database while it cannot
    /// answer (`LANTERN_SESSION_GRACE_SECONDS`; 0 turns this off).
    pub session_grace_seconds: u32,
    /// Folder of the built web app served at `/` (`LANTERN_WEB_DIR`, default `web/dist`).
    pub web_dir: PathBuf,
    /// `LANTERN_COOKIE_SECURE`: `auto` (default), `true` or `false`.
    pub cookie_secure: CookieSecure,
    /// The network's time zone (`LANTERN_TIME_ZONE`, an IANA name; default
    /// America/New_York): what day it is, for Rust and every database connection.
    pub clock: Clock,
}

/// A setting that could not be understood. Names the variable, never echoes secrets.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it (never its value).
    pub reason: String,
}

/// Where the built web app is served from, relative to the working directory.
pub const DEFAULT_WEB_DIR: &str = "web/dist";
/// Where `serve` listens unless `LANTERN_ADDR` says otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The local cluster's port unless `LANTERN_PG_PORT` says otherwise.
pub const DEFAULT_LOCAL_PG_PORT: u16 = 54329;
/// The local cluster's data directory, relative to the working directory.
pub const DEFAULT_LOCAL_PG_DIR: &str = ".lantern/postgres";
/// Pooled database connections unless configured.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// PostgreSQL `statement_timeout` unless configured, in milliseconds.
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u32 = 5_000;
/// Longest a GraphQL request may run unless configured, in milliseconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u32 = 15_000;
/// How long search may answer from an index that lost its listener, in seconds, before it turns to PostgreSQL.
pub const DEFAULT_SEARCH_STALE_SECONDS: u32 = 15 * 60;
/// How long a replaced session token keeps working, in seconds (so requests in flight finish).
pub const DEFAULT_SESSION_GRACE_SECONDS: u32 = 60;
/// Sessions last 12 hours, and 30 minutes unused.
pub const DEFAULT_SESSION_POLICY: SessionPolicy = SessionPolicy { lifetime_minutes: 12 * 60, idle_minutes: 30 };
/// Per-minute limits unless configured.
pub const DEFAULT_RATE_LIMITS: RateLimits =
    RateLimits { api_per_ip: 600, api_per_token: 1200, login_per_ip: 20, login_per_email_ip: 10, login_per_email: 100 };

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the configuration through `lookup`, so tests need not touch the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let addr = lookup("LANTERN_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned()).parse().map_err(|_| {
            ConfigError { variable: "LANTERN_ADDR", reason: "expected host:port, e.g. 127.0.0.1:8080".into() }
        })?;
        let mode = match lookup("LANTERN_ENV").as_deref() {
            None | Some("production") => Mode::Production,
            Some("development") => Mode::Development,
            Some(_) => {
                return Err(ConfigError {
                    variable: "LANTERN_ENV",
                    reason: "expected development or production".into(),
                });
            }
        };
        let database = match lookup("DATABASE_URL") {
            Some(app) => DatabaseSource::Urls {
                app: app.into(),
                owner: lookup("LANTERN_MIGRATION_DATABASE_URL").map(SecretString::from),
            },
            None => DatabaseSource::LocalCluster(LocalClusterConfig::from_lookup(&lookup)?),
        };
        let pool_size = parse_or("LANTERN_DB_POOL_SIZE", &lookup, DEFAULT_POOL_SIZE)?;
        if pool_size == 0 {
            return Err(ConfigError { variable: "LANTERN_DB_POOL_SIZE", reason: "must be at least 1".into() });
        }
        let minutes = |variable, default| parse_or(variable, &lookup, default);
        let sessions = SessionPolicy {
            lifetime_minutes: minutes("LANTERN_SESSION_MINUTES", DEFAULT_SESSION_POLICY.lifetime_minutes)?,
            idle_minutes: minutes("LANTERN_SESSION_IDLE_MINUTES", DEFAULT_SESSION_POLICY.idle_minutes)?,
        };
        if sessions.lifetime_minutes == 0 || sessions.idle_minutes == 0 {
            return Err(ConfigError {
                variable: "LANTERN_SESSION_MINUTES",
                reason: "session lifetimes must be at least 1 minute".into(),
            });
        }
        let rate_limits = RateLimits {
            api_per_ip: minutes("LANTERN_RATE_API_PER_IP", DEFAULT_RATE_LIMITS.api_per_ip)?,
            api_per_token: minutes("LANTERN_RATE_API_PER_TOKEN", DEFAULT_RATE_LIMITS.api_per_token)?,
            login_per_ip: minutes("LANTERN_RATE_LOGIN_PER_IP", DEFAULT_RATE_LIMITS.login_per_ip)?,
            login_per_email_ip: minutes("LANTERN_RATE_LOGIN_PER_EMAIL_IP", DEFAULT_RATE_LIMITS.login_per_email_ip)?,
            login_per_email: minutes("LANTERN_RATE_LOGIN_PER_EMAIL", DEFAULT_RATE_LIMITS.login_per_email)?,
        };
        let clock = match lookup("LANTERN_TIME_ZONE") {
            None => Clock::network_default(),
            Some(name) => Clock::named(&name).ok_or_else(|| ConfigError {
                variable: "LANTERN_TIME_ZONE",
                reason: format!("expected an IANA time zone name, e.g. {}", clock::DEFAULT_TIME_ZONE),
            })?,
        };
        Ok(Config {
            addr,
            mode,
            local_cluster_allowed: mode == Mode::Development || flag("LANTERN_LOCAL_CLUSTER", &lookup, false)?,
            database,
            pool_size,
            statement_timeout_ms: minutes("LANTERN_STATEMENT_TIMEOUT_MS", DEFAULT_STATEMENT_TIMEOUT_MS)?,
            request_timeout_ms: minutes("LANTERN_REQUEST_TIMEOUT_MS", DEFAULT_REQUEST_TIMEOUT_MS)?,
            sessions,
            rate_limits,
            pii_keys: lookup("LANTERN_PII_KEYS").map(SecretString::from),
            geocoder_url: lookup("LANTERN_GEOCODER_URL").unwrap_or_else(|| crate::geocode::CENSUS_BASE_URL.to_owned()),
            geocoder_timeout_ms: minutes("LANTERN_GEOCODER_TIMEOUT_MS", 3_000)?,
            geocode_confidential: flag("LANTERN_GEOCODE_CONFIDENTIAL", &lookup, false)?,
            webhook_allow_loopback: flag("LANTERN_WEBHOOK_ALLOW_LOOPBACK", &lookup, false)?,
            relay: flag("LANTERN_RELAY", &lookup, true)?,
            search_index: flag("LANTERN_SEARCH_INDEX", &lookup, true)?,
            search_stale_seconds: minutes("LANTERN_SEARCH_STALE_SECONDS", DEFAULT_SEARCH_STALE_SECONDS)?,
            session_grace_seconds: minutes("LANTERN_SESSION_GRACE_SECONDS", DEFAULT_SESSION_GRACE_SECONDS)?,
            web_dir: PathBuf::from(lookup("LANTERN_WEB_DIR").unwrap_or_else(|| DEFAULT_WEB_DIR.to_owned())),
            cookie_secure: match lookup("LANTERN_COOKIE_SECURE").as_deref() {
                None | Some("auto") => CookieSecure::Auto,
                Some("1" | "true" | "on" | "yes") => CookieSecure::Always,
                Some("0" | "false" | "off" | "no") => CookieSecure::Never,
                Some(_) => {
                    return Err(ConfigError {
                        variable: "LANTERN_COOKIE_SECURE",
                        reason: "expected auto, true or false".into(),
                    });
                }
            },
            clock,
        })
    }
}

fn flag(variable: &'static str, lookup: &impl Fn(&str) -> Option<String>, default: bool) -> Result<bool, ConfigError> {
    match lookup(variable).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "on" | "yes") => Ok(true),
        Some("0" | "false" | "off" | "no") => Ok(false),
        Some(_) => Err(ConfigError { variable, reason: "expected true or false".into() }),
    }
}

fn parse_or<T: std::str::FromStr>(
    variable: &'static str,
    lookup: &impl Fn(&str) -> Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match lookup(variable) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|_| ConfigError { variable, reason: "expected a whole number".into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_environment() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(config.mode, Mode::Production);
        assert!(matches!(config.database, DatabaseSource::LocalCluster(ref c) if c.port == DEFAULT_LOCAL_PG_PORT));
        assert_eq!(config.clock.zone_name(), "America/New_York", "North Carolina's");
    }

    #[test]
    fn the_time_zone_is_an_iana_name() {
        let config = Config::from_lookup(|k| (k == "LANTERN_TIME_ZONE").then(|| "America/Chicago".to_owned())).unwrap();
        assert_eq!(config.clock.zone_name(), "America/Chicago");
        let err = Config::from_lookup(|k| (k == "LANTERN_TIME_ZONE").then(|| "EST5EDT-ish".to_owned())).unwrap_err();
        assert_eq!(err.variable, "LANTERN_TIME_ZONE");
    }

    #[test]
    fn only_development_or_a_named_request_may_start_the_local_cluster() {
        assert!(!Config::from_lookup(|_| None).unwrap().local_cluster_allowed, "not in production by default");
        let development = Config::from_lookup(|k| (k == "LANTERN_ENV").then(|| "development".to_owned())).unwrap();
        assert!(development.local_cluster_allowed);
        let asked = Config::from_lookup(|k| (k == "LANTERN_LOCAL_CLUSTER").then(|| "true".to_owned())).unwrap();
        assert!(asked.local_cluster_allowed && asked.mode == Mode::Production);
    }

    #[test]
    fn secrets_never_print() {
        let deployed = Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some("postgres://lantern_app:s3cret-pw@db.example.org/lantern".to_owned()),
            "LANTERN_MIGRATION_DATABASE_URL" => Some("postgres://owner:0wner-pw@db.example.org/lantern".to_owned()),
            "LANTERN_PII_KEYS" => Some("k1:c2VjcmV0LWtleS1tYXRlcmlhbA==".to_owned()),
            _ => None,
        })
        .unwrap();
        let printed = format!("{deployed:?}");
        for secret in ["s3cret-pw", "0wner-pw", "c2VjcmV0"] {
            assert!(!printed.contains(secret), "{secret} printed: {printed}");
        }
    }

    #[test]
    fn login_limits_are_per_email_and_ip_under_a_per_email_ceiling() {
        let config = Config::from_lookup(|k| match k {
            "LANTERN_RATE_LOGIN_PER_EMAIL_IP" => Some("4".to_owned()),
            "LANTERN_RATE_LOGIN_PER_EMAIL" => Some("40".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!((config.rate_limits.login_per_email_ip, config.rate_limits.login_per_email), (4, 40));
        let defaults = DEFAULT_RATE_LIMITS;
        assert!(defaults.login_per_email >= 10 * defaults.login_per_email_ip, "the ceiling is much higher");
    }

    #[test]
    fn rejects_bad_values_naming_the_variable() {
        let err = Config::from_lookup(|k| (k == "LANTERN_ADDR").then(|| "nope".to_owned())).unwrap_err();
        assert_eq!(err.variable, "LANTERN_ADDR");
        let err = Config::from_lookup(|k| (k == "LANTERN_ENV").then(|| "staging".to_owned())).unwrap_err();
        assert_eq!(err.variable, "LANTERN_ENV");
        let err = Config::from_lookup(|k| (k == "LANTERN_DB_POOL_SIZE").then(|| "0".to_owned())).unwrap_err();
        assert_eq!(err.variable, "LANTERN_DB_POOL_SIZE");
    }
}
