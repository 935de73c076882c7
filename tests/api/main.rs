//! API tests over HTTP against a real PostgreSQL + PostGIS. See common.rs.

mod common;

mod bad_input;
mod capacity;
mod capacity_gaps;
mod clock;
mod confidentiality;
mod consent_matrix;
mod directory;
mod drift;
mod errors;
mod futures;
mod fuzz;
mod hardening;
mod hsds;
mod hsds_files;
mod hsds_fuzz;
mod http;
mod identity;
mod notifications;
mod outage;
mod permissions;
mod reference;
mod referrals;
mod request_logs;
mod rls;
mod rules;
mod sdl_docs;
mod search;
mod search_index;
mod standards;
mod vetting;
mod web;
