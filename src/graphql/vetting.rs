//! Vetted referral routing over GraphQL: the network's requirements, per need category,
//! that referrals go only to organizations vetted for a service area. Thin: parse, call
//! `crate::standards::routing`, wrap.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{caller, conn};
use super::errors::GqlResultExt;
use super::standards::ServiceAreaGql;
use crate::standards::routing::{self, VettingRequirement};

/// A need category whose referrals go only to organizations vetted for a service area.
#[derive(SimpleObject)]
#[graphql(name = "ReferralVettingRequirement")]
pub struct VettingRequirementGql {
    /// The need category's code, e.g. `acute.housing`.
    pub need_code: String,
    /// The service area a recipient must be vetted for on the day a referral is created
    /// or sent.
    pub service_area: ServiceAreaGql,
    /// The network admin who set it.
    pub set_by: Option<ID>,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

impl From<VettingRequirement> for VettingRequirementGql {
    fn from(r: VettingRequirement) -> Self {
        VettingRequirementGql {
            need_code: r.need_code,
            service_area: r.area.into(),
            set_by: r.set_by.map(|u| ID(u.to_string())),
            set_at: r.set_at,
        }
    }
}

#[derive(Default)]
pub struct VettingQuery;

#[Object]
impl VettingQuery {
    /// The needs whose referrals go only to vetted organizations (network members).
    async fn referral_vetting_requirements(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<VettingRequirementGql>> {
        let list = routing::requirements(&mut *conn(ctx).await.gql()?, caller(ctx)).await.gql()?;
        Ok(list.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct VettingMutation;

#[Object]
impl VettingMutation {
    /// Requires that referrals for a need go only to organizations vetted for a service
    /// area it leads to (by default its only one); `createReferral` and sending a draft
    /// then refuse others with `VETTING_REQUIRED`. Replaces an earlier requirement for the
    /// need. Signed-in network admins.
    async fn set_referral_vetting_requirement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need category's code.")] need_code: String,
        #[graphql(desc = "The area required; needed when the need leads to several.")] service_area: Option<
            ServiceAreaGql,
        >,
    ) -> async_graphql::Result<VettingRequirementGql> {
        let area = service_area.map(Into::into);
        let set = routing::require(&mut *conn(ctx).await.gql()?, caller(ctx), &need_code, area).await.gql()?;
        Ok(set.into())
    }

    /// Lifts the requirement for a need; whether there was one. Signed-in network admins.
    async fn lift_referral_vetting_requirement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The need category's code.")] need_code: String,
    ) -> async_graphql::Result<bool> {
        routing::lift(&mut *conn(ctx).await.gql()?, caller(ctx), &need_code).await.gql()
    }
}
