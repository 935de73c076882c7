//! Logging. Log lines carry method, path, status and timing; never query strings, request
//! bodies or personal data.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `LANTERN_LOG` sets the filter (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_env("LANTERN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
