//! Lantern: a resource map and consent-gated referral network for the organizations that
//! serve survivors of human trafficking. See `README.md` and `docs/DESIGN.md`.

pub(crate) mod audit;
pub mod auth;
pub mod bench;
pub(crate) mod clients;
pub mod clock;
pub mod config;
pub(crate) mod consent;
pub(crate) mod coords;
pub(crate) mod counties;
pub mod crypto;
pub mod db;
pub mod directory;
pub mod directory_index;
pub mod error;
pub(crate) mod follow_ups;
pub mod gaps;
pub mod geocode;
pub mod graphql;
pub(crate) mod http;
pub(crate) mod http_session;
pub(crate) mod idempotency;
pub mod needs;
pub(crate) mod network_settings;
pub mod notify;
pub mod organizations;
pub mod partnerships;
pub mod providers;
pub(crate) mod rate_limit;
pub(crate) mod referrals;
pub mod standards;
pub mod startup;
pub mod telemetry;
pub mod validate;
pub(crate) mod web_app;
pub(crate) mod worksheets;
