//! Referrals over GraphQL (clients, consent and follow-ups have their own files).
//! Resolvers parse, call `crate::referrals`, and wrap; access decisions and audit happen
//! in the domain.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::clients::{ClientFieldGql, ClientGql};
use super::context::{caller, conn, page_size, parse_uuid, services};
use super::errors::GqlResultExt;
use super::follow_ups::FollowUpGql;
use super::identity::OrganizationGql;
use super::loaders::Loaders;
use super::types::{NeedCategoryGql, PopulationGql, ProviderGql};
use crate::db::StoredText;
use crate::referrals::{self, Referral, ReferralFilter, ReferralInput};

/// How soon the client needs the service.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Urgency", remote = "crate::referrals::Urgency")]
pub enum UrgencyGql {
    /// Right now: safety at risk.
    Emergency,
    /// Within a day or two.
    Urgent,
    /// Within the usual time.
    Routine,
}

/// Where a referral is in its lifecycle: `DRAFT → SENT → ACCEPTED | DECLINED → IN_PROGRESS → COMPLETED`, or `CANCELLED` by the sender, `UNABLE_TO_REACH` by the recipient.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReferralStatus", remote = "crate::referrals::Status")]
pub enum StatusGql {
    /// Kept by the sender and not yet sent: the recipient cannot see it.
    Draft,
    /// Sent; the recipient has not answered yet.
    Sent,
    /// The recipient agreed to take it on.
    Accepted,
    /// The recipient turned it down, with a `DeclineReason`.
    Declined,
    /// The recipient is providing the service.
    InProgress,
    /// The service was provided.
    Completed,
    /// Withdrawn by the sender.
    Cancelled,
    /// The recipient could not reach the client.
    UnableToReach,
}

/// Why a recipient declined a referral.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DeclineReason", remote = "crate::referrals::DeclineReason")]
pub enum DeclineReasonGql {
    /// No room or staff for another client now.
    NoCapacity,
    /// The client does not meet the service's eligibility.
    NotEligible,
    /// The service asked for is not one the recipient offers.
    ServiceNotOffered,
    /// Another reason (say which in the note).
    Other,
}

/// Which referrals: those your organization sent, or received.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReferralSide", remote = "crate::referrals::Side")]
pub enum SideGql {
    /// Referrals your organization sent.
    Sender,
    /// Referrals your organization received.
    Recipient,
}

/// A transition of a referral.
#[derive(SimpleObject)]
#[graphql(name = "ReferralEvent")]
pub struct ReferralEventGql {
    /// The status before; null for the referral's creation.
    pub from: Option<StatusGql>,
    /// The status after.
    pub to: StatusGql,
    /// The user who made the move; null when an API key did.
    pub actor_user_id: Option<ID>,
    /// The organization the move was made for.
    pub actor_organization_id: ID,
    /// When.
    pub at: DateTime<Utc>,
    /// The note given with the transition. On a referral with a client it is client
    /// data: the recipient reads it only while it may read some of the client (an
    /// active consent names it), and null after the consent is revoked or expires.
    pub note: Option<String>,
}

/// A referral, seen by its sender or its recipient.
pub struct ReferralGql(pub Referral);

/// A referral from one organization to a provider's service for a need; seen only by its sender and its recipient (a draft only by its sender).
#[Object(name = "Referral")]
impl ReferralGql {
    /// The referral's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Where it is in its lifecycle.
    async fn status(&self) -> StatusGql {
        self.0.status.into()
    }
    /// How soon the client needs the service.
    async fn urgency(&self) -> UrgencyGql {
        self.0.urgency.into()
    }
    /// The need it is for.
    async fn need(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NeedCategoryGql>> {
        Ok(ctx.data_unchecked::<Loaders>().needs_by_code.load_one(self.0.need_code.clone()).await?.map(NeedCategoryGql))
    }
    /// The need's code, such as `acute.housing`.
    async fn need_code(&self) -> &str {
        &self.0.need_code
    }
    /// The provider whose service it went to.
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProviderGql>> {
        Ok(ctx.data_unchecked::<Loaders>().providers.load_one(self.0.provider_id).await?.map(ProviderGql))
    }
    /// The service it went to.
    async fn service_id(&self) -> ID {
        ID(self.0.service_id.to_string())
    }
    /// The organization that sent it.
    async fn sender_organization_id(&self) -> ID {
        ID(self.0.sender_organization_id.to_string())
    }
    /// The organization it went to.
    async fn recipient_organization_id(&self) -> ID {
        ID(self.0.recipient_organization_id.to_string())
    }
    /// The organization that sent it (either side sees the other's name).
    async fn sender_organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationGql>> {
        let org = ctx.data_unchecked::<Loaders>().organizations.load_one(self.0.sender_organization_id).await?;
        Ok(org.map(OrganizationGql))
    }
    /// The organization it went to: the one keeping the service's listing.
    async fn recipient_organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationGql>> {
        let org = ctx.data_unchecked::<Loaders>().organizations.load_one(self.0.recipient_organization_id).await?;
        Ok(org.map(OrganizationGql))
    }
    /// Why the recipient declined it; null unless declined.
    async fn decline_reason(&self) -> Option<DeclineReasonGql> {
        self.0.decline_reason.map(Into::into)
    }
    /// The fields the sender shares (each visible only while consent covers it).
    async fn shared_fields(&self) -> Vec<ClientFieldGql> {
        self.0.shared_fields.iter().map(|&f| f.into()).collect()
    }
    /// The client as you may see them now; null without personal data, or when no
    /// active consent lets you see any of it.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ClientGql>> {
        if self.0.client_id.is_none() {
            return Ok(None);
        }
        Ok(ctx.data_unchecked::<Loaders>().referral_clients.load_one(self.0.id).await?.map(ClientGql))
    }
    /// Without a client: the client's county (5-digit FIPS).
    async fn county_fips(&self) -> Option<&str> {
        self.0.county_fips.as_deref()
    }
    /// Without a client: the client's language (ISO 639).
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// Without a client: the populations the client belongs to.
    async fn populations(&self) -> Vec<PopulationGql> {
        self.0.populations.iter().map(|&p| p.into()).collect()
    }
    /// When it was sent; null for a draft.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Every transition, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReferralEventGql>> {
        let events = ctx.data_unchecked::<Loaders>().referral_events.load_one(self.0.id).await?.unwrap_or_default();
        Ok(events
            .into_iter()
            .map(|e| ReferralEventGql {
                from: e.from.map(Into::into),
                to: e.to.into(),
                actor_user_id: e.actor_user_id.map(|u| ID(u.to_string())),
                actor_organization_id: ID(e.actor_organization_id.to_string()),
                at: e.at,
                note: e.note,
            })
            .collect())
    }
    /// Follow-ups (visible to the sending organization only).
    async fn follow_ups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FollowUpGql>> {
        let list = ctx.data_unchecked::<Loaders>().referral_follow_ups.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().map(FollowUpGql).collect())
    }
}

/// How many referrals of one side are in one status.
#[derive(SimpleObject)]
#[graphql(name = "ReferralCount")]
pub struct ReferralCountGql {
    /// Sent or received.
    pub side: SideGql,
    /// The status counted.
    pub status: StatusGql,
    /// How many referrals.
    pub count: i32,
}

/// A new referral to a provider's service, with a client (under consent) or with no personal data at all.
#[derive(InputObject)]
pub struct ReferralCreate {
    /// The service to refer to.
    pub service_id: ID,
    /// The need it is for (a need the service meets), such as `acute.housing`.
    pub need_code: String,
    /// How soon the client needs the service.
    pub urgency: UrgencyGql,
    /// With consent: the client and the fields to share.
    pub client_id: Option<ID>,
    /// With `clientId`: the fields the recipient may see (each only while an active consent naming it covers it).
    #[graphql(default)]
    pub share_fields: Vec<ClientFieldGql>,
    /// Without personal data: county (FIPS), language (ISO 639), populations.
    pub county: Option<String>,
    /// Without a client: the client's language (ISO 639).
    pub language: Option<String>,
    /// Without a client: the populations the client belongs to.
    #[graphql(default)]
    pub populations: Vec<PopulationGql>,
    /// A note for the recipient (up to 4000 characters). With `clientId` it is client
    /// data, shown to the recipient only while consent lets it see the client. Without a
    /// client it must hold no personal data: a note with a phone number (or any run of
    /// seven or more digits) or an e-mail address is refused.
    pub note: Option<String>,
    /// Send at once (default) or keep a draft, which only your organization sees until
    /// it is sent.
    #[graphql(default = true)]
    pub send: bool,
}

/// Which referrals to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct ReferralsFilter {
    /// Sent or received; both when omitted.
    pub side: Option<SideGql>,
    /// Only these statuses.
    pub statuses: Option<Vec<StatusGql>>,
    /// Only referrals for this need.
    pub need_code: Option<String>,
    /// Sent referrals still open this many days after sending, with no follow-up outcome.
    pub no_outcome_after_days: Option<i32>,
}

/// Reads of referrals.
#[derive(Default)]
pub struct ReferralQuery;

#[Object]
impl ReferralQuery {
    /// A referral your organization sent or received (a draft is its sender's alone).
    async fn referral(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<ReferralGql>> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(referrals::get(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?.map(ReferralGql))
    }

    /// Referrals your organization sent or received (drafts only its own), newest first.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 200) as usize * child_complexity")]
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReferralsFilter>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<ReferralGql>> {
        let limit = page_size(first).gql()?;
        let f = filter.unwrap_or_default();
        let filter = ReferralFilter {
            side: f.side.map(Into::into),
            statuses: f.statuses.unwrap_or_default().into_iter().map(Into::into).collect(),
            need_code: f.need_code,
            no_outcome_after_days: f.no_outcome_after_days,
        };
        let list = referrals::list(&mut *conn(ctx).await.gql()?, caller(ctx), filter, limit).await.gql()?;
        Ok(list.into_iter().map(ReferralGql).collect())
    }

    /// How many referrals your organization sent and received are in each status
    /// (drafts only your own; received ones once sent). Statuses with none are left out.
    async fn referral_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReferralCountGql>> {
        let list = referrals::counts(&mut *conn(ctx).await.gql()?, caller(ctx)).await.gql()?;
        Ok(list
            .into_iter()
            .map(|(side, status, n)| ReferralCountGql {
                side: side.into(),
                status: status.into(),
                count: i32::try_from(n).unwrap_or(i32::MAX),
            })
            .collect())
    }
}

/// Writes of referrals: creating and moving them along.
#[derive(Default)]
pub struct ReferralMutation;

#[Object]
impl ReferralMutation {
    /// Refers a client (with consent) or a need (without personal data) to a service.
    /// Retrying with the same `idempotencyKey` returns the same referral.
    async fn create_referral(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        input: ReferralCreate,
    ) -> async_graphql::Result<ReferralGql> {
        let input = ReferralInput {
            service_id: parse_uuid(&input.service_id, "input.serviceId").gql()?,
            need_code: input.need_code,
            urgency: input.urgency.into(),
            client_id: input.client_id.map(|c| parse_uuid(&c, "input.clientId")).transpose().gql()?,
            share_fields: input.share_fields.into_iter().map(Into::into).collect(),
            county: input.county,
            language: input.language,
            populations: input.populations.into_iter().map(|p| crate::providers::Population::from(p).as_db()).collect(),
            note: input.note,
            send: input.send,
        };
        let r = referrals::create(
            &mut *conn(ctx).await.gql()?,
            &services(ctx).keyring,
            caller(ctx),
            &idempotency_key,
            input,
        )
        .await
        .gql()?;
        Ok(ReferralGql(r))
    }

    /// Moves a referral along: DRAFT → SENT → ACCEPTED | DECLINED (with a reason) →
    /// IN_PROGRESS → COMPLETED; CANCELLED (sender) or UNABLE_TO_REACH (recipient).
    /// Cancelling a draft that was never sent tells nobody. `note`: on a referral with a
    /// client it is client data, shown to the recipient only while consent lets it see
    /// the client; on a referral without one it must hold no personal data, and a note
    /// with a phone number (or any run of seven or more digits) or an e-mail address is
    /// refused.
    async fn transition_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        to: StatusGql,
        reason: Option<DeclineReasonGql>,
        note: Option<String>,
    ) -> async_graphql::Result<ReferralGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let r = referrals::transition(
            &mut *conn(ctx).await.gql()?,
            &services(ctx).keyring,
            caller(ctx),
            id,
            to.into(),
            reason.map(Into::into),
            note,
        )
        .await
        .gql()?;
        Ok(ReferralGql(r))
    }
}
