//! Follow-ups over GraphQL: the checks a sending organization keeps on its referrals so
//! none is dropped. Resolvers parse, call `crate::follow_ups`, and wrap.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{caller, conn, parse_uuid};
use super::errors::GqlResultExt;
use super::loaders::Loaders;
use super::referrals::ReferralGql;
use crate::follow_ups::{self, FollowUp, Outcome};

/// What a follow-up found.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(name = "FollowUpOutcome", input_name = "FollowUpOutcomeInput")]
pub struct OutcomeGql {
    /// Whether the client was reached.
    pub contact_made: bool,
    /// Whether the service has started.
    pub service_started: bool,
    /// Whether the need is still unmet.
    pub need_still_open: bool,
}

/// A scheduled check on a referral, kept by the sending organization.
pub struct FollowUpGql(pub FollowUp);

/// A scheduled check on a referral, kept by the sending organization.
#[Object(name = "FollowUp")]
impl FollowUpGql {
    /// The follow-up's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The referral it checks on.
    async fn referral_id(&self) -> ID {
        ID(self.0.referral_id.to_string())
    }
    /// The referral it checks on (its sender's, like the follow-up).
    async fn referral(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ReferralGql>> {
        Ok(ctx.data_unchecked::<Loaders>().referrals.load_one(self.0.referral_id).await?.map(ReferralGql))
    }
    /// When it is due.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// Due and not done: not completed and its due time has passed.
    async fn overdue(&self) -> bool {
        self.0.is_overdue(Utc::now())
    }
    /// The user it is assigned to.
    async fn assigned_to(&self) -> Option<ID> {
        self.0.assigned_to.map(|u| ID(u.to_string()))
    }
    /// When it was completed; null while open.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// What it found; null while open.
    async fn outcome(&self) -> Option<OutcomeGql> {
        self.0.outcome.map(|o| OutcomeGql {
            contact_made: o.contact_made,
            service_started: o.service_started,
            need_still_open: o.need_still_open,
        })
    }
    /// The version to send back with a change (optimistic concurrency).
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Reads of follow-ups.
#[derive(Default)]
pub struct FollowUpQuery;

#[Object]
impl FollowUpQuery {
    /// Your open follow-ups due before `dueBefore` (default: within a day), soonest first.
    async fn my_follow_ups(
        &self,
        ctx: &Context<'_>,
        due_before: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<FollowUpGql>> {
        let list = follow_ups::mine(&mut *conn(ctx).await.gql()?, caller(ctx), due_before).await.gql()?;
        Ok(list.into_iter().map(FollowUpGql).collect())
    }

    /// Your organization's open follow-ups due before `dueBefore` (default: within a
    /// day), overdue ones included, soonest first, whoever they are assigned to
    /// (coordinators).
    async fn due_follow_ups(
        &self,
        ctx: &Context<'_>,
        due_before: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<FollowUpGql>> {
        let list = follow_ups::due(&mut *conn(ctx).await.gql()?, caller(ctx), due_before).await.gql()?;
        Ok(list.into_iter().map(FollowUpGql).collect())
    }

    /// Your organization's overdue follow-ups (coordinators).
    async fn overdue_follow_ups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FollowUpGql>> {
        let list = follow_ups::overdue(&mut *conn(ctx).await.gql()?, caller(ctx)).await.gql()?;
        Ok(list.into_iter().map(FollowUpGql).collect())
    }
}

/// Writes of follow-ups.
#[derive(Default)]
pub struct FollowUpMutation;

#[Object]
impl FollowUpMutation {
    /// Assigns a follow-up to a user of your organization (null to unassign).
    async fn assign_follow_up(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        user_id: Option<ID>,
    ) -> async_graphql::Result<FollowUpGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let user = user_id.map(|u| parse_uuid(&u, "userId")).transpose().gql()?;
        Ok(FollowUpGql(follow_ups::assign(&mut *conn(ctx).await.gql()?, caller(ctx), id, version, user).await.gql()?))
    }

    /// Completes a follow-up with what it found.
    async fn complete_follow_up(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        outcome: OutcomeGql,
    ) -> async_graphql::Result<FollowUpGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let outcome = Outcome {
            contact_made: outcome.contact_made,
            service_started: outcome.service_started,
            need_still_open: outcome.need_still_open,
        };
        Ok(FollowUpGql(
            follow_ups::complete(&mut *conn(ctx).await.gql()?, caller(ctx), id, version, outcome).await.gql()?,
        ))
    }

    /// Moves a follow-up to a new due time.
    async fn reschedule_follow_up(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        due_at: DateTime<Utc>,
    ) -> async_graphql::Result<FollowUpGql> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(FollowUpGql(
            follow_ups::reschedule(&mut *conn(ctx).await.gql()?, caller(ctx), id, version, due_at).await.gql()?,
        ))
    }
}
