//! The outbox relay: leases due deliveries (`FOR UPDATE SKIP LOCKED`, so several service
//! instances can run relays side by side and never hold the same delivery), POSTs each
//! with an HMAC-SHA256 signature over timestamp and body, and records every attempt.
//! Failures are retried with exponential backoff and jitter up to a maximum number of
//! attempts, then the delivery is dead-lettered until an admin redelivers it. Delivery is
//! at least once: a relay that dies mid-batch leaves its leases to expire and another
//! relay retries them, so receivers drop duplicates by event id.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use uuid::Uuid;

use super::{secret_context, sign};
use crate::crypto::Keyring;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};

/// How the relay behaves.
#[derive(Clone, Copy, Debug)]
pub struct RelaySettings {
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: i32,
    /// Delay after the first failure; doubles each time, plus up to 50% jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Deliveries leased per round.
    pub batch: i64,
    /// How long a lease lasts; longer than a delivery can take.
    pub lease: Duration,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    /// Pause between rounds when there was nothing to do.
    pub idle_poll: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        RelaySettings {
            max_attempts: 8,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            batch: 50,
            lease: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(3),
            response_timeout: Duration::from_secs(10),
            idle_poll: Duration::from_millis(500),
        }
    }
}

/// The delay before attempt `attempts + 1`, with jitter.
pub fn backoff(settings: &RelaySettings, attempts: i32) -> Duration {
    let exp = settings.base_delay.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).max(0) as u32));
    let capped = exp.min(settings.max_delay);
    capped.mul_f64(1.0 + rand::rng().random_range(0.0..0.5))
}

#[derive(QueryableByName)]
struct Leased {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = SqlUuid)]
    event_id: Uuid,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    subscription_id: Uuid,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    secret_enc: Vec<u8>,
}

/// Delivers webhooks from the outbox.
#[derive(Clone)]
pub struct Relay {
    pool: DbPool,
    keyring: Arc<Keyring>,
    client: reqwest::Client,
    settings: RelaySettings,
}

impl Relay {
    pub fn new(pool: DbPool, keyring: Arc<Keyring>, settings: RelaySettings) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.response_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Lantern-Webhooks/1")
            .build()
            .expect("an HTTP client with static settings builds");
        Relay { pool, keyring, client, settings }
    }

    /// Leases the deliveries that are due and attempts each once. Returns how many
    /// were attempted.
    pub async fn run_once(&self) -> AppResult<usize> {
        let mut conn = self.pool.get().await?;
        let leased: Vec<Leased> = diesel::sql_query(
            "WITH due AS (
                 SELECT id FROM webhook_deliveries
                 WHERE status = 'PENDING' AND next_attempt_at <= clock_timestamp()
                   AND (leased_until IS NULL OR leased_until < clock_timestamp())
                 ORDER BY next_attempt_at, id
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED
             ), taken AS (
                 UPDATE webhook_deliveries d SET leased_until = clock_timestamp() + make_interval(secs => $2)
                 FROM due WHERE d.id = due.id
                 RETURNING d.id, d.attempts, d.event_id, d.subscription_id
             )
             SELECT t.id, t.attempts, t.event_id, e.event_type, e.payload, e.created_at, t.subscription_id, s.url, s.secret_enc
             FROM taken t JOIN outbox_events e ON e.id = t.event_id JOIN webhook_subscriptions s ON s.id = t.subscription_id",
        )
        .bind::<BigInt, _>(self.settings.batch)
        .bind::<Double, _>(self.settings.lease.as_secs_f64())
        .load(&mut *conn)
        .await?;
        let count = leased.len();
        for delivery in leased {
            self.attempt(&mut conn, delivery).await?;
        }
        Ok(count)
    }

    async fn attempt(&self, conn: &mut AsyncPgConnection, d: Leased) -> AppResult<()> {
        let body = serde_json::json!({
            "id": d.event_id,
            "type": d.event_type,
            "createdAt": d.created_at,
            "data": d.payload,
        })
        .to_string();
        let secret = self.keyring.open(secret_context(d.subscription_id), &d.secret_enc)?;
        let signature = sign(secret.as_bytes(), Utc::now().timestamp(), body.as_bytes());
        let started = Instant::now();
        let result = self
            .client
            .post(&d.url)
            .header("content-type", "application/json")
            .header("lantern-event-id", d.event_id.to_string())
            .header("lantern-event-type", &d.event_type)
            .header("lantern-signature", signature)
            .body(body)
            .send()
            .await;
        let elapsed = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let (code, error) = match &result {
            Ok(r) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None),
            Ok(r) => (Some(i32::from(r.status().as_u16())), Some(format!("HTTP {}", r.status().as_u16()))),
            Err(e) if e.is_timeout() => (None, Some("timed out".to_owned())),
            Err(e) if e.is_connect() => (None, Some("could not connect".to_owned())),
            Err(_) => (None, Some("request failed".to_owned())),
        };
        let attempts = d.attempts + 1;
        let (status, next) = match &error {
            None => ("DELIVERED", Utc::now()),
            Some(_) if attempts >= self.settings.max_attempts => ("DEAD", Utc::now()),
            Some(_) => (
                "PENDING",
                Utc::now() + chrono::Duration::from_std(backoff(&self.settings, attempts)).unwrap_or_default(),
            ),
        };
        diesel::sql_query(
            "WITH attempt AS (
                 INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)
             )
             UPDATE webhook_deliveries SET attempts = $5, status = $6, next_attempt_at = $7, leased_until = NULL,
                    last_error = $3, delivered_at = CASE WHEN $6 = 'DELIVERED' THEN clock_timestamp() END
             WHERE id = $1",
        )
        .bind::<BigInt, _>(d.id)
        .bind::<Nullable<Integer>, _>(code)
        .bind::<Nullable<Text>, _>(error.clone())
        .bind::<Integer, _>(elapsed)
        .bind::<Integer, _>(attempts)
        .bind::<Text, _>(status)
        .bind::<Timestamptz, _>(next)
        .execute(conn)
        .await?;
        if let Some(e) = error {
            tracing::warn!(delivery = d.id, attempts, status, error = %e, "webhook delivery failed");
        }
        Ok(())
    }

    /// Runs until `stop` turns true: relay rounds, the scheduler, and geocoding retries.
    pub async fn run(
        self,
        mut stop: tokio::sync::watch::Receiver<bool>,
        geocoder: Option<Arc<crate::geocode::Geocoder>>,
    ) {
        let mut last_tick = Instant::now() - Duration::from_secs(3600);
        loop {
            if *stop.borrow() {
                return;
            }
            if last_tick.elapsed() >= Duration::from_secs(30) {
                last_tick = Instant::now();
                if let Err(e) = self.tick(geocoder.as_deref()).await {
                    log_error("scheduler", e);
                }
            }
            let busy = match self.run_once().await {
                Ok(n) => n > 0,
                Err(e) => {
                    log_error("relay", e);
                    false
                }
            };
            if !busy {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.idle_poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    async fn tick(&self, geocoder: Option<&crate::geocode::Geocoder>) -> AppResult<()> {
        let mut conn = self.pool.get().await?;
        super::scheduler::tick(&mut conn).await?;
        if let Some(g) = geocoder {
            crate::geocode::retry_pending(&mut conn, g, 20).await?;
        }
        Ok(())
    }
}

fn log_error(what: &str, e: AppError) {
    match e {
        AppError::Internal(cause) => {
            tracing::error!(task = what, cause = %cause.log_description(), "background task failed")
        }
        AppError::Unavailable(cause) => {
            tracing::warn!(task = what, cause = %cause.log_description(), "background task waits for the database")
        }
        other => tracing::error!(task = what, code = other.code(), "background task failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let s = RelaySettings {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            ..RelaySettings::default()
        };
        for attempts in 1..=6 {
            let d = backoff(&s, attempts).as_secs_f64();
            let base = (2f64.powi(attempts - 1)).min(10.0);
            assert!(d >= base && d <= base * 1.5, "attempt {attempts}: {d}");
        }
    }
}
