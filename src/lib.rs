//! Lantern: a resource map and consent-gated referral network for the organizations that
//! serve survivors of human trafficking. See `README.md` and `../shared/DESIGN.md`.

pub mod audit;
pub mod auth;
pub mod bench;
pub mod capacity;
pub mod clients;
pub mod clock;
pub mod config;
pub mod consent;
pub mod coords;
pub mod counties;
pub mod crypto;
pub mod db;
pub mod directory_index;
pub mod error;
pub mod follow_ups;
pub mod gaps;
pub mod geocode;
pub mod graphql;
pub mod http;
pub mod http_session;
pub mod idempotency;
pub mod needs;
pub mod network_settings;
pub mod notify;
pub mod organizations;
pub mod partnerships;
pub mod providers;
pub mod rate_limit;
pub mod referrals;
pub mod standards;
pub mod startup;
pub mod telemetry;
pub mod validate;
pub mod web_app;
pub mod worksheets;
