//! API tests over HTTP against a real PostgreSQL + PostGIS. See common.rs.

mod common;

mod bad_input;
mod confidentiality;
mod directory;
mod drift;
mod hardening;
mod http;
mod identity;
mod permissions;
mod reference;
mod search;
