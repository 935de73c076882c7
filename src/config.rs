//! Configuration, read once from the environment. Every setting has a documented default
//! (see README.md), so `lantern serve` works with no environment at all.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Whether development conveniences (GraphiQL, introspection, field suggestions) are on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

/// Where the database is: an explicit URL, or the project-local cluster that Lantern
/// creates and starts itself.
#[derive(Clone, Debug)]
pub enum DatabaseSource {
    Url(String),
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

/// All settings of a Lantern process.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub mode: Mode,
    pub database: DatabaseSource,
    /// Largest number of pooled database connections.
    pub pool_size: usize,
}

/// A setting that could not be understood. Names the variable, never echoes secrets.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_LOCAL_PG_PORT: u16 = 54329;
pub const DEFAULT_LOCAL_PG_DIR: &str = ".lantern/postgres";
pub const DEFAULT_POOL_SIZE: usize = 16;

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the configuration through `lookup`, so tests need not touch the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let addr = lookup("LANTERN_ADDR")
            .unwrap_or_else(|| DEFAULT_ADDR.to_owned())
            .parse()
            .map_err(|_| ConfigError {
                variable: "LANTERN_ADDR",
                reason: "expected host:port, e.g. 127.0.0.1:8080".into(),
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
            Some(url) => DatabaseSource::Url(url),
            None => DatabaseSource::LocalCluster(LocalClusterConfig {
                dir: PathBuf::from(
                    lookup("LANTERN_PG_DIR").unwrap_or_else(|| DEFAULT_LOCAL_PG_DIR.to_owned()),
                ),
                port: parse_or("LANTERN_PG_PORT", &lookup, DEFAULT_LOCAL_PG_PORT)?,
            }),
        };
        let pool_size = parse_or("LANTERN_DB_POOL_SIZE", &lookup, DEFAULT_POOL_SIZE)?;
        if pool_size == 0 {
            return Err(ConfigError {
                variable: "LANTERN_DB_POOL_SIZE",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Config { addr, mode, database, pool_size })
    }
}

fn parse_or<T: std::str::FromStr>(
    variable: &'static str,
    lookup: &impl Fn(&str) -> Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match lookup(variable) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|_| ConfigError {
            variable,
            reason: "expected a whole number".into(),
        }),
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
