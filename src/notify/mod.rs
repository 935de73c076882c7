//! Notifications: events are written to a transactional outbox in the same transaction
//! as the change they announce, fanned out to the receiving organization's webhook
//! subscriptions, and delivered by a relay (see [`relay`]) with signed requests. A
//! payload carries ids and the event type only, never personal data: receivers fetch
//! details through the API with their own credentials.

pub mod destination;
pub mod relay;
pub mod scheduler;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::audit;
use crate::auth::{Caller, Role};
use crate::crypto::{FieldContext, Keyring};
use crate::db::schema::{outbox_events, scheduled_events, webhook_deliveries, webhook_subscriptions};
use crate::error::{AppError, AppResult};
pub use destination::Destinations;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum EventType {
    ReferralSent,
    ReferralAccepted,
    ReferralDeclined,
    ReferralStatusChanged,
    FollowUpDue,
    FollowUpOverdue,
    ConsentRevoked,
    MouExpiring,
    TrainingExpiring,
    /// A membership or API key was granted in the organization from outside it.
    AccessGranted,
    /// The organization's vetting under the Standards of Service (its review outcome in
    /// force) ends soon.
    VettingExpiring,
    /// A capacity figure of a service the organization keeps went past its staleness
    /// limit: refresh it.
    CapacityStale,
}

impl EventType {
    pub const ALL: [EventType; 12] = [
        EventType::ReferralSent,
        EventType::ReferralAccepted,
        EventType::ReferralDeclined,
        EventType::ReferralStatusChanged,
        EventType::FollowUpDue,
        EventType::FollowUpOverdue,
        EventType::ConsentRevoked,
        EventType::MouExpiring,
        EventType::TrainingExpiring,
        EventType::AccessGranted,
        EventType::VettingExpiring,
        EventType::CapacityStale,
    ];

    /// The name receivers see, e.g. `referral.sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ReferralSent => "referral.sent",
            EventType::ReferralAccepted => "referral.accepted",
            EventType::ReferralDeclined => "referral.declined",
            EventType::ReferralStatusChanged => "referral.status_changed",
            EventType::FollowUpDue => "follow_up.due",
            EventType::FollowUpOverdue => "follow_up.overdue",
            EventType::ConsentRevoked => "consent.revoked",
            EventType::MouExpiring => "mou.expiring",
            EventType::TrainingExpiring => "training.expiring",
            EventType::AccessGranted => "access.granted",
            EventType::VettingExpiring => "vetting.expiring",
            EventType::CapacityStale => "capacity.stale",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        EventType::ALL.into_iter().find(|e| e.as_str() == value)
    }
}

/// Writes an event for `organization` into the outbox, inside the caller's transaction.
/// `ids` are the only payload: names of ids and their values.
pub(crate) async fn emit(
    mut conn: &AsyncPgConnection,
    event: EventType,
    organization: Uuid,
    ids: &[(&str, Uuid)],
) -> AppResult<Uuid> {
    let payload: serde_json::Map<String, serde_json::Value> =
        ids.iter().map(|(k, v)| ((*k).to_owned(), serde_json::json!(v))).collect();
    Ok(diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::event_type.eq(event.as_str()),
            outbox_events::organization_id.eq(organization),
            outbox_events::payload.eq(serde_json::Value::Object(payload)),
        ))
        .returning(outbox_events::id)
        .get_result(&mut conn)
        .await?)
}

/// An event to emit later, once per `key`.
pub(crate) struct Scheduled<'a> {
    pub key: String,
    pub fire_at: DateTime<Utc>,
    pub event: EventType,
    pub organization: Uuid,
    pub ids: &'a [(&'a str, Uuid)],
}

/// Queues events to be emitted at their `fire_at` (each once per key), inside the
/// caller's transaction, in one statement. A fixed number of rows keeps the statement's
/// text fixed, so it is prepared once per connection.
pub(crate) async fn schedule<const N: usize>(
    mut conn: &AsyncPgConnection,
    events: [Scheduled<'_>; N],
) -> AppResult<()> {
    let rows = events.map(|e| {
        let payload: serde_json::Map<String, serde_json::Value> =
            e.ids.iter().map(|(k, v)| ((*k).to_owned(), serde_json::json!(v))).collect();
        (
            scheduled_events::dedupe_key.eq(e.key),
            scheduled_events::fire_at.eq(e.fire_at),
            scheduled_events::event_type.eq(e.event.as_str()),
            scheduled_events::organization_id.eq(e.organization),
            scheduled_events::payload.eq(serde_json::Value::Object(payload)),
        )
    });
    diesel::insert_into(scheduled_events::table).values(rows).on_conflict_do_nothing().execute(&mut conn).await?;
    Ok(())
}

/// Cancels queued events whose key starts with `prefix` (e.g. a completed follow-up's).
pub(crate) async fn cancel_scheduled(conn: &mut AsyncPgConnection, prefix: &str) -> AppResult<()> {
    diesel::update(scheduled_events::table.filter(scheduled_events::dedupe_key.like(format!("{prefix}%"))))
        .set(scheduled_events::cancelled.eq(true))
        .execute(conn)
        .await?;
    Ok(())
}

type HmacSha256 = Hmac<Sha256>;

/// The `Lantern-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>">`. Receivers recompute it and reject old timestamps (replays).
pub(crate) fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature header against the body, allowing `tolerance_secs` of clock skew
/// (and so bounding replays). Constant-time comparison.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&v1).is_ok()
}

/// A webhook subscription.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Subscription {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
}

/// A new subscription; the secret is shown once.
#[derive(Clone, Debug)]
pub(crate) struct NewSubscription {
    pub subscription: Subscription,
    pub secret: String,
}

fn secret_context(id: Uuid) -> FieldContext<'static> {
    FieldContext { table: "webhook_subscriptions", row: id, field: "secret" }
}

/// Most live webhook subscriptions an organization may hold: enough for a receiver per
/// system it runs, few enough that no organization can multiply the relay's work.
pub(crate) const MAX_SUBSCRIPTIONS_PER_ORGANIZATION: i64 = 10;

/// What a subscriber is told about any failed attempt. Whether a port refused, timed
/// out or answered with an error is kept from subscribers (it would make the relay a
/// port scanner) and written to the server log and `webhook_attempts` instead.
pub(crate) const DELIVERY_FAILED: &str = "delivery failed";

fn may_manage(caller: &Caller, organization: Uuid) -> AppResult<()> {
    let member = caller.actor.require(&[Role::NetworkAdmin, Role::Coordinator])?;
    if member.role != Role::NetworkAdmin && member.organization_id != organization {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Subscribes the caller's organization (coordinators) or any organization (network
/// admins) to event types at a URL. Returns the signing secret, once.
///
/// Order matters: who is asking, then the input, then the organization's cap, and only
/// then the URL's host is resolved (a lookup leaves the service).
pub(crate) async fn subscribe(
    conn: &mut AsyncPgConnection,
    keyring: &Keyring,
    caller: &Caller,
    organization: Uuid,
    url: &str,
    event_types: &[String],
    destinations: Destinations,
) -> AppResult<NewSubscription> {
    may_manage(caller, organization)?;
    let parsed = destination::check_url_form(url, destinations)?;
    if event_types.is_empty() {
        return Err(AppError::bad_input("input.eventTypes", "input.eventTypes must name at least one event type"));
    }
    if let Some(unknown) = event_types.iter().find(|e| EventType::parse(e).is_none()) {
        return Err(AppError::bad_input(
            "input.eventTypes",
            format!("input.eventTypes has an unknown type: {}", unknown.chars().take(40).collect::<String>()),
        ));
    }
    let mut event_types = event_types.to_vec();
    event_types.sort();
    event_types.dedup();
    let secret = crate::auth::credentials::new_token("whsec_");
    let id = Uuid::new_v4();
    let sealed = keyring.seal(secret_context(id), &secret);
    conn.transaction(async |conn| {
        if !crate::organizations::exists(conn, organization).await? {
            return Err(AppError::bad_input(
                "input.organizationId",
                "input.organizationId is not a known organization",
            ));
        }
        // One subscriber of an organization at a time past this point, so two at once
        // cannot both take the last place.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('webhook_subscriptions:' || $1, 0))")
            .bind::<diesel::sql_types::Text, _>(organization.to_string())
            .execute(conn)
            .await?;
        let live: i64 = webhook_subscriptions::table
            .filter(webhook_subscriptions::organization_id.eq(organization))
            .filter(webhook_subscriptions::active)
            .count()
            .get_result(conn)
            .await?;
        if live >= MAX_SUBSCRIPTIONS_PER_ORGANIZATION {
            return Err(AppError::Conflict {
                message: format!(
                    "an organization has at most {MAX_SUBSCRIPTIONS_PER_ORGANIZATION} webhook subscriptions; \
                     delete one (deleteWebhookSubscription) first"
                ),
            });
        }
        destination::check_url_addresses(&parsed, destinations).await?;
        diesel::insert_into(webhook_subscriptions::table)
            .values((
                webhook_subscriptions::id.eq(id),
                webhook_subscriptions::organization_id.eq(organization),
                // What was checked is what is stored (every spelling normalized).
                webhook_subscriptions::url.eq(parsed.as_str()),
                webhook_subscriptions::secret_enc.eq(&sealed),
                webhook_subscriptions::event_types.eq(event_types.iter().map(|e| Some(e.clone())).collect::<Vec<_>>()),
            ))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "webhook.subscribe", "webhook_subscription", Some(id)).await
    })
    .await?;
    let subscription =
        Subscription { id, organization_id: organization, url: parsed.to_string(), event_types, active: true };
    Ok(NewSubscription { subscription, secret })
}

/// Deletes a subscription (its organization's coordinators; network admins any): it
/// receives nothing more, its pending deliveries are cancelled, and its signing secret
/// is forgotten. Its delivery history stays.
pub(crate) async fn unsubscribe(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<()> {
    caller.actor.require(&[Role::NetworkAdmin, Role::Coordinator])?;
    conn.transaction(async |conn| {
        let owner: Option<Uuid> = webhook_subscriptions::table
            .find(id)
            .filter(webhook_subscriptions::active)
            .select(webhook_subscriptions::organization_id)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        may_manage(caller, owner.ok_or(AppError::NotFound { what: "webhook subscription" })?)?;
        diesel::update(webhook_subscriptions::table.find(id))
            .set((webhook_subscriptions::active.eq(false), webhook_subscriptions::secret_enc.eq(None::<Vec<u8>>)))
            .execute(conn)
            .await?;
        // A relay holding one of these now records its attempt but leaves the status be.
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::subscription_id.eq(id))
                .filter(webhook_deliveries::status.eq("PENDING")),
        )
        .set((webhook_deliveries::status.eq("CANCELLED"), webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>)))
        .execute(conn)
        .await?;
        audit::record(conn, caller, "webhook.delete", "webhook_subscription", Some(id)).await
    })
    .await
}

/// Live subscriptions: a coordinator's own organization's; a network admin's for
/// `organization`, or all.
pub(crate) async fn subscriptions(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Option<Uuid>,
) -> AppResult<Vec<Subscription>> {
    let member = caller.actor.require(&[Role::NetworkAdmin, Role::Coordinator])?;
    let organization = match (member.role, organization) {
        (Role::NetworkAdmin, org) => org,
        (_, Some(org)) if org != member.organization_id => return Err(AppError::Forbidden),
        _ => Some(member.organization_id),
    };
    let mut query = webhook_subscriptions::table
        .filter(webhook_subscriptions::active)
        .select((
            webhook_subscriptions::id,
            webhook_subscriptions::organization_id,
            webhook_subscriptions::url,
            webhook_subscriptions::event_types,
        ))
        .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
        .into_boxed();
    if let Some(org) = organization {
        query = query.filter(webhook_subscriptions::organization_id.eq(org));
    }
    let rows: Vec<(Uuid, Uuid, String, Vec<Option<String>>)> = query.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, organization_id, url, types)| Subscription {
            id,
            organization_id,
            url,
            event_types: types.into_iter().flatten().collect(),
            active: true,
        })
        .collect())
}

/// A delivery and its state.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub(crate) struct Delivery {
    pub id: i64,
    pub event_id: Uuid,
    #[diesel(select_expression = outbox_events::event_type)]
    pub event_type: String,
    pub subscription_id: Uuid,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Deliveries of an organization's subscriptions (its coordinators; network admins see
/// all), newest first, optionally only one status.
pub(crate) async fn deliveries(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    status: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Delivery>> {
    let member = caller.actor.require(&[Role::NetworkAdmin, Role::Coordinator])?;
    let mut query = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .inner_join(webhook_subscriptions::table)
        .select(Delivery::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .into_boxed();
    if member.role != Role::NetworkAdmin {
        query = query.filter(webhook_subscriptions::organization_id.eq(member.organization_id));
    }
    if let Some(s) = status {
        query = query.filter(webhook_deliveries::status.eq(s.to_owned()));
    }
    Ok(query.load(conn).await?)
}

/// Queues a delivery again (network admins): dead letters get a fresh set of attempts.
/// A deleted subscription's deliveries stay as they are.
pub(crate) async fn redeliver(conn: &mut AsyncPgConnection, caller: &Caller, delivery: i64) -> AppResult<()> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        let live = webhook_subscriptions::table.filter(webhook_subscriptions::active).select(webhook_subscriptions::id);
        let n = diesel::update(
            webhook_deliveries::table.find(delivery).filter(webhook_deliveries::subscription_id.eq_any(live)),
        )
        .set((
            webhook_deliveries::status.eq("PENDING"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Utc::now()),
            webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
        if n == 0 {
            return Err(AppError::NotFound { what: "delivery" });
        }
        audit::record(conn, caller, "webhook.redeliver", "webhook_delivery", None).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let header = sign(b"secret", 1_700_000_000, b"{\"id\":1}");
        assert!(verify(b"secret", &header, b"{\"id\":1}", 1_700_000_010, 300));
        assert!(!verify(b"secret", &header, b"{\"id\":2}", 1_700_000_010, 300), "tampered body");
        assert!(!verify(b"other", &header, b"{\"id\":1}", 1_700_000_010, 300), "wrong secret");
        assert!(!verify(b"secret", &header, b"{\"id\":1}", 1_700_001_000, 300), "replayed too late");
        assert!(!verify(b"secret", "garbage", b"{}", 0, 300));
    }
}
