//! Lantern: a resource map and consent-gated referral network for the organizations that
//! serve survivors of human trafficking. See `README.md` and `../shared/DESIGN.md`.

pub mod access;
pub mod config;
pub mod coords;
pub mod counties;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod needs;
pub mod providers;
pub mod startup;
pub mod telemetry;
