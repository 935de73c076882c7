//! Lantern: a resource map and consent-gated referral network for the organizations that
//! serve survivors of human trafficking. See `README.md` and `../shared/DESIGN.md`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod coords;
pub mod counties;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod needs;
pub mod organizations;
pub mod providers;
pub mod rate_limit;
pub mod startup;
pub mod telemetry;
pub mod validate;
