//! API tests over HTTP against a real PostgreSQL + PostGIS. See common.rs.

mod common;

mod bad_input;
mod confidentiality;
mod directory;
mod drift;
mod http;
mod reference;
mod search;
