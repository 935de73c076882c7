//! The network's settings over GraphQL: how long consent lasts, when follow-ups fall
//! due, how long a hold lasts, and which services a minor may consent to alone.
//! Resolvers parse, call `crate::network_settings`, and wrap.

use async_graphql::{Context, ID, InputObject, Object};

use super::context::{caller, conn, parse_uuid};
use super::errors::GqlResultExt;
use crate::network_settings::{self, NetworkSettings, NetworkSettingsChanges};

/// Network settings.
pub struct NetworkSettingsGql(pub NetworkSettings);

/// How the network runs consent and follow-ups; a network admin changes them.
#[Object(name = "NetworkSettings")]
impl NetworkSettingsGql {
    /// How long a consent lasts when no expiry is given, in days.
    async fn consent_default_days(&self) -> i32 {
        self.0.consent_default_days
    }
    /// The longest a consent may last, in days.
    async fn consent_max_days(&self) -> i32 {
        self.0.consent_max_days
    }
    /// Days after sending that the follow-up of a referral for an acute need is due.
    async fn follow_up_acute_days(&self) -> i32 {
        self.0.follow_up_acute_days
    }
    /// Days after sending that the follow-up of a referral for a transitional need is due.
    async fn follow_up_transitional_days(&self) -> i32 {
        self.0.follow_up_transitional_days
    }
    /// Days after sending that the follow-up of a referral for a long-term need is due.
    async fn follow_up_long_term_days(&self) -> i32 {
        self.0.follow_up_long_term_days
    }
    /// How long an advocate's hold on a unit of capacity lasts, in minutes (default 120).
    async fn capacity_hold_minutes(&self) -> i32 {
        self.0.capacity_hold_minutes
    }
    /// The version to send back with a change (optimistic concurrency).
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A change to the network settings; omitted fields stay as they are.
#[derive(InputObject)]
pub struct SettingsUpdate {
    /// How long a consent lasts when no expiry is given, in days.
    pub consent_default_days: Option<i32>,
    /// The longest a consent may last, in days.
    pub consent_max_days: Option<i32>,
    /// Days after sending that an acute need's follow-up is due.
    pub follow_up_acute_days: Option<i32>,
    /// Days after sending that a transitional need's follow-up is due.
    pub follow_up_transitional_days: Option<i32>,
    /// Days after sending that a long-term need's follow-up is due.
    pub follow_up_long_term_days: Option<i32>,
    /// How long a hold on a unit of capacity lasts, 5 to 1440 minutes.
    pub capacity_hold_minutes: Option<i32>,
}

/// Reads of the network's settings.
#[derive(Default)]
pub struct NetworkSettingsQuery;

#[Object]
impl NetworkSettingsQuery {
    /// Network settings (any member).
    async fn network_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<NetworkSettingsGql> {
        Ok(NetworkSettingsGql(network_settings::read(&*conn(ctx).await.gql()?, &caller(ctx).actor).await.gql()?))
    }
}

/// Writes of the network's settings (network admins).
#[derive(Default)]
pub struct NetworkSettingsMutation;

#[Object]
impl NetworkSettingsMutation {
    /// Changes network settings (network admins).
    async fn update_network_settings(
        &self,
        ctx: &Context<'_>,
        version: i32,
        input: SettingsUpdate,
    ) -> async_graphql::Result<NetworkSettingsGql> {
        let changes = NetworkSettingsChanges {
            consent_default_days: input.consent_default_days,
            consent_max_days: input.consent_max_days,
            follow_up_acute_days: input.follow_up_acute_days,
            follow_up_transitional_days: input.follow_up_transitional_days,
            follow_up_long_term_days: input.follow_up_long_term_days,
            capacity_hold_minutes: input.capacity_hold_minutes,
        };
        Ok(NetworkSettingsGql(
            network_settings::update(&mut *conn(ctx).await.gql()?, caller(ctx), version, changes).await.gql()?,
        ))
    }

    /// Lets minors consent alone to a service, or stops it (network admins).
    async fn set_minor_self_consent(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
        allowed: bool,
    ) -> async_graphql::Result<bool> {
        let id = parse_uuid(&service_id, "serviceId").gql()?;
        network_settings::set_minor_self_consent(&mut *conn(ctx).await.gql()?, caller(ctx), id, allowed).await.gql()?;
        Ok(true)
    }
}
