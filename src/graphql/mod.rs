//! The GraphQL API: schema root, per-request context and DataLoaders. Resolvers are thin:
//! they parse arguments, call a domain function, and wrap the result.

mod capacity;
mod clients;
mod consent;
mod context;
mod directory_edit;
mod errors;
mod follow_ups;
mod gaps;
mod identity;
pub mod inputs;
mod loaders;
mod network_settings;
mod notify;
mod partnerships;
mod query;
mod referrals;
mod standards;
mod types;
mod vetting;
mod worksheets;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema};

pub use context::{ClientAddr, RequestDay, Services};
pub use errors::{HiddenCause, to_gql};
pub(crate) use loaders::Loaders;

use crate::auth::Caller;
use crate::config::Mode;
use crate::db::DbPool;

/// The query root: one part per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    query::DirectoryQuery,
    identity::IdentityQuery,
    clients::ClientQuery,
    consent::ConsentQuery,
    referrals::ReferralQuery,
    follow_ups::FollowUpQuery,
    network_settings::NetworkSettingsQuery,
    gaps::GapQuery,
    partnerships::PartnershipQuery,
    worksheets::WorksheetQuery,
    notify::NotifyQuery,
    standards::StandardsQuery,
    vetting::VettingQuery,
    capacity::CapacityQuery,
);

/// The mutation root: one part per domain.
#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    directory_edit::DirectoryMutation,
    clients::ClientMutation,
    consent::ConsentMutation,
    referrals::ReferralMutation,
    follow_ups::FollowUpMutation,
    network_settings::NetworkSettingsMutation,
    partnerships::PartnershipMutation,
    worksheets::WorksheetMutation,
    notify::NotifyMutation,
    standards::StandardsMutation,
    vetting::VettingMutation,
    capacity::CapacityMutation,
);

/// The executable schema.
pub type LanternSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deepest query accepted: the deepest useful one (search → provider → services → needs)
/// is 7 levels.
pub const MAX_DEPTH: usize = 10;
/// Largest query complexity (fields, with list fields weighted by page size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// Builds the schema. Production turns off introspection and field suggestions, which
/// would otherwise map the API for an attacker; tools use `graphql/schema.graphql`.
pub fn build_schema(pool: DbPool, mode: Mode, services: Services) -> LanternSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(pool)
        .data(services)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    match mode {
        Mode::Development => builder.finish(),
        Mode::Production => builder.disable_introspection().disable_suggestions().finish(),
    }
}

/// The schema in SDL, as committed in `graphql/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription).finish().sdl()
}

/// Attaches what a request carries beside its query: who is asking, from where, and
/// the request's own DataLoaders.
pub fn with_request_data(
    request: async_graphql::Request,
    pool: &DbPool,
    services: &Services,
    caller: Caller,
    client: ClientAddr,
) -> async_graphql::Request {
    // One date for the whole request, so all its answers agree on what is in force.
    let today = RequestDay(services.clock.today());
    let loaders =
        Loaders::new(pool.clone(), caller.clone(), Arc::clone(&services.keyring), services.directory.clone(), today.0);
    let capacity = capacity::loader(pool.clone(), caller.actor.clone());
    request.data(caller).data(client).data(loaders).data(capacity).data(today)
}
