//! Webhook subscriptions and deliveries over GraphQL.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{caller, conn, page_size, parse_uuid, services};
use super::errors::GqlResultExt;
use crate::error::AppError;
use crate::notify;

/// A new webhook subscription.
#[derive(SimpleObject)]
pub struct WebhookSubscriptionPayload {
    /// The subscription's id.
    pub id: ID,
    /// The organization whose events it receives.
    pub organization_id: ID,
    /// The https URL the events are POSTed to.
    pub url: String,
    /// The event types it receives.
    pub event_types: Vec<String>,
    /// The signing secret (shown once): verify `Lantern-Signature: t=…,v1=…`, the hex
    /// HMAC-SHA256 of "<t>.<body>", and reject old `t` values.
    pub secret: String,
}

/// A live webhook subscription (its secret is never shown again).
#[derive(SimpleObject)]
#[graphql(name = "WebhookSubscription")]
pub struct SubscriptionGql {
    /// The subscription's id.
    pub id: ID,
    /// The organization whose events it receives.
    pub organization_id: ID,
    /// The https URL the events are POSTed to.
    pub url: String,
    /// The event types it receives.
    pub event_types: Vec<String>,
}

/// A delivery of an event to a subscription.
#[derive(SimpleObject)]
#[graphql(name = "WebhookDelivery")]
pub struct DeliveryGql {
    /// The delivery's id.
    pub id: ID,
    /// The event's id, the same in every delivery of it (for deduplication).
    pub event_id: ID,
    /// The event's type, such as `referral.sent`.
    pub event_type: String,
    /// The subscription delivered to.
    pub subscription_id: ID,
    /// PENDING, DELIVERED, DEAD, or CANCELLED (its subscription was deleted).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// `delivery failed` after a failed attempt, whatever the cause: the detail is in
    /// the server's log.
    pub last_error: Option<String>,
    /// When it was delivered; null until then.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A new webhook subscription for an organization's events.
#[derive(InputObject)]
pub struct WebhookSubscriptionInput {
    /// The organization whose events it receives.
    pub organization_id: ID,
    /// https URL receiving POSTs, on a host on the public internet (addresses inside a
    /// network — loopback, private, link-local, carrier-grade NAT, multicast and the
    /// like — are refused, when subscribing and again at every delivery).
    pub url: String,
    /// e.g. `referral.sent`, `referral.accepted`, `referral.declined`,
    /// `referral.status_changed`, `follow_up.due`, `follow_up.overdue`,
    /// `consent.revoked`, `mou.expiring`, `training.expiring`, `access.granted`,
    /// `vetting.expiring`.
    pub event_types: Vec<String>,
}

#[derive(Default)]
pub struct NotifyQuery;

#[Object]
impl NotifyQuery {
    /// Live webhook subscriptions: your organization's (coordinators); network admins
    /// see the given organization's, or all.
    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
        organization_id: Option<ID>,
    ) -> async_graphql::Result<Vec<SubscriptionGql>> {
        let org = organization_id.map(|id| parse_uuid(&id, "organizationId")).transpose().gql()?;
        let list = notify::subscriptions(&mut *conn(ctx).await.gql()?, caller(ctx), org).await.gql()?;
        Ok(list
            .into_iter()
            .map(|s| SubscriptionGql {
                id: ID(s.id.to_string()),
                organization_id: ID(s.organization_id.to_string()),
                url: s.url,
                event_types: s.event_types,
            })
            .collect())
    }

    /// Webhook deliveries of your organization (coordinators; network admins see all),
    /// newest first.
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<DeliveryGql>> {
        let limit = page_size(first).gql()?;
        let list =
            notify::deliveries(&mut *conn(ctx).await.gql()?, caller(ctx), status.as_deref(), limit).await.gql()?;
        Ok(list
            .into_iter()
            .map(|d| DeliveryGql {
                id: ID(d.id.to_string()),
                event_id: ID(d.event_id.to_string()),
                event_type: d.event_type,
                subscription_id: ID(d.subscription_id.to_string()),
                status: d.status,
                attempts: d.attempts,
                next_attempt_at: d.next_attempt_at,
                last_error: d.last_error,
                delivered_at: d.delivered_at,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct NotifyMutation;

fn destinations(ctx: &Context<'_>) -> notify::Destinations {
    notify::Destinations { allow_loopback: services(ctx).webhook_allow_loopback }
}

#[Object]
impl NotifyMutation {
    /// Subscribes an organization to events (its coordinators; network admins for any),
    /// at most 10 live subscriptions per organization (`CONFLICT` beyond).
    async fn create_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: WebhookSubscriptionInput,
    ) -> async_graphql::Result<WebhookSubscriptionPayload> {
        let org = parse_uuid(&input.organization_id, "input.organizationId").gql()?;
        let services = services(ctx);
        let created = notify::subscribe(
            &mut *conn(ctx).await.gql()?,
            &services.keyring,
            caller(ctx),
            org,
            &input.url,
            &input.event_types,
            destinations(ctx),
        )
        .await
        .gql()?;
        Ok(WebhookSubscriptionPayload {
            id: ID(created.subscription.id.to_string()),
            organization_id: ID(created.subscription.organization_id.to_string()),
            url: created.subscription.url,
            event_types: created.subscription.event_types,
            secret: created.secret,
        })
    }

    /// Deletes a subscription (its organization's coordinators; network admins any): it
    /// receives nothing more and its pending deliveries are cancelled.
    async fn delete_webhook_subscription(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        notify::unsubscribe(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?;
        Ok(true)
    }

    /// Queues a delivery again, dead letters included (network admins).
    async fn redeliver_webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let id: i64 = id.parse().map_err(|_| AppError::bad_input("id", "id is not a delivery id")).gql()?;
        notify::redeliver(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?;
        Ok(true)
    }
}
