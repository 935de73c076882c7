//! The outbox relay: leases due deliveries (`FOR UPDATE SKIP LOCKED`, so several service
//! instances can run relays side by side and never hold the same delivery), POSTs each
//! with an HMAC-SHA256 signature over timestamp and body, and records every attempt.
//! Failures are retried with exponential backoff and jitter up to a maximum number of
//! attempts, then the delivery is dead-lettered until an admin redelivers it. Delivery is
//! at least once: a relay that dies mid-batch leaves its leases to expire and another
//! relay retries them, so receivers drop duplicates by event id.
//!
//! Deliveries run concurrently, at most [`RelayOptions::batch`] at once per relay and
//! at most [`RelayOptions::per_subscription`] leased at once per subscription, so a
//! slow or stalled receiver holds a few of the relay's places and no one else's events.
//! No database connection is held while a request is in flight. Every destination is
//! checked again as it is sent (see [`super::destination`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::destination::{self, Destinations, GuardedResolver};
use super::{DELIVERY_FAILED, secret_context, sign};
use crate::crypto::Keyring;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};

/// How the relay behaves: attempts, delays, concurrency, timeouts (set by the code that
/// starts it; not the network's settings, which live in `crate::network_settings`).
#[derive(Clone, Copy, Debug)]
pub struct RelayOptions {
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: i32,
    /// Delay after the first failure; doubles each time, plus up to 50% jitter.
    pub base_delay: Duration,
    /// The longest delay between attempts, however many failures.
    pub max_delay: Duration,
    /// Deliveries in flight at once (and so leased per round).
    pub batch: i64,
    /// Deliveries of one subscription leased at once, across relays.
    pub per_subscription: i64,
    /// How long a lease lasts; longer than a delivery can take.
    pub lease: Duration,
    /// Longest a connection to the receiver may take to open.
    pub connect_timeout: Duration,
    /// Longest the receiver may take to answer.
    pub response_timeout: Duration,
    /// Pause between rounds when there was nothing to do.
    pub idle_poll: Duration,
    /// Whether deliveries may go to this machine's loopback addresses (development and
    /// tests: `LANTERN_WEBHOOK_ALLOW_LOOPBACK`).
    pub allow_loopback: bool,
}

/// [`RelayOptions`] under its earlier name, for callers written before the rename.
pub type RelaySettings = RelayOptions;

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            max_attempts: 8,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            batch: 32,
            per_subscription: 4,
            lease: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(3),
            response_timeout: Duration::from_secs(10),
            idle_poll: Duration::from_millis(500),
            allow_loopback: false,
        }
    }
}

/// The delay before attempt `attempts + 1`, with jitter.
pub fn backoff(options: &RelayOptions, attempts: i32) -> Duration {
    let exp = options.base_delay.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).max(0) as u32));
    let capped = exp.min(options.max_delay);
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

/// How one attempt ended. Only [`Outcome::Delivered`] is told apart to subscribers;
/// the rest is for the server log and `webhook_attempts`.
enum Outcome {
    Delivered(u16),
    Status(u16),
    TimedOut,
    CouldNotConnect,
    /// The destination is not (or no longer) permitted.
    Refused,
    Failed,
}

impl Outcome {
    fn classify(result: &Result<reqwest::Response, reqwest::Error>) -> Outcome {
        match result {
            Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
            Ok(r) => Outcome::Status(r.status().as_u16()),
            Err(e) if destination::was_refused(e) => Outcome::Refused,
            Err(e) if e.is_timeout() => Outcome::TimedOut,
            Err(e) if e.is_connect() => Outcome::CouldNotConnect,
            Err(_) => Outcome::Failed,
        }
    }

    fn status_code(&self) -> Option<i32> {
        match self {
            Outcome::Delivered(code) | Outcome::Status(code) => Some(i32::from(*code)),
            _ => None,
        }
    }

    /// The detailed class, for operators only.
    fn detail(&self) -> Option<String> {
        match self {
            Outcome::Delivered(_) => None,
            Outcome::Status(code) => Some(format!("HTTP {code}")),
            Outcome::TimedOut => Some("timed out".to_owned()),
            Outcome::CouldNotConnect => Some("could not connect".to_owned()),
            Outcome::Refused => Some("destination refused".to_owned()),
            Outcome::Failed => Some("request failed".to_owned()),
        }
    }
}

/// Delivers webhooks from the outbox.
#[derive(Clone)]
pub struct Relay {
    pool: DbPool,
    keyring: Arc<Keyring>,
    client: reqwest::Client,
    options: RelayOptions,
}

impl Relay {
    /// A relay that delivers from `pool`'s outbox, opening subscription secrets with `keyring`.
    pub fn new(pool: DbPool, keyring: Arc<Keyring>, options: RelayOptions) -> Self {
        let resolver = GuardedResolver::new(Destinations { allow_loopback: options.allow_loopback });
        Relay { client: client(&options, resolver), pool, keyring, options }
    }

    /// The same relay resolving names through `resolver` (tests point names inside with
    /// [`GuardedResolver::with_fixed`]; the filter still applies).
    pub fn with_resolver(mut self, resolver: GuardedResolver) -> Self {
        self.client = client(&self.options, resolver);
        self
    }

    fn destinations(&self) -> Destinations {
        Destinations { allow_loopback: self.options.allow_loopback }
    }

    /// Leases the deliveries that are due and attempts each once, concurrently, waiting
    /// for all. Returns how many were attempted.
    pub async fn run_once(&self) -> AppResult<usize> {
        let leased = self.lease(self.options.batch).await?;
        let count = leased.len();
        let results = futures_util::future::join_all(leased.into_iter().map(|d| self.attempt(d))).await;
        results.into_iter().collect::<AppResult<Vec<()>>>()?;
        Ok(count)
    }

    /// Leases up to `limit` due deliveries: per subscription the oldest due ones, as
    /// many as it has places left under `per_subscription` (its deliveries leased now,
    /// by any relay, take places), oldest first overall.
    async fn lease(&self, limit: i64) -> AppResult<Vec<Leased>> {
        let mut conn = self.pool.get().await?;
        Ok(diesel::sql_query(
            "WITH due AS (
                 SELECT c.id, c.next_attempt_at
                 FROM webhook_subscriptions s
                 CROSS JOIN LATERAL (
                     SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
                     WHERE d.subscription_id = s.id AND d.status = 'PENDING'
                       AND d.next_attempt_at <= clock_timestamp()
                       AND (d.leased_until IS NULL OR d.leased_until < clock_timestamp())
                     ORDER BY d.next_attempt_at, d.id
                     LIMIT greatest($3 - (SELECT count(*) FROM webhook_deliveries l
                                           WHERE l.subscription_id = s.id AND l.status = 'PENDING'
                                             AND l.leased_until >= clock_timestamp()), 0)
                     FOR UPDATE SKIP LOCKED
                 ) c
                 WHERE s.active
                 ORDER BY c.next_attempt_at, c.id
                 LIMIT $1
             ), taken AS (
                 UPDATE webhook_deliveries d SET leased_until = clock_timestamp() + make_interval(secs => $2)
                 FROM due WHERE d.id = due.id
                 RETURNING d.id, d.attempts, d.event_id, d.subscription_id
             )
             SELECT t.id, t.attempts, t.event_id, e.event_type, e.payload, e.created_at, t.subscription_id, s.url, s.secret_enc
             FROM taken t JOIN outbox_events e ON e.id = t.event_id JOIN webhook_subscriptions s ON s.id = t.subscription_id
             WHERE s.secret_enc IS NOT NULL",
        )
        .bind::<BigInt, _>(limit)
        .bind::<Double, _>(self.options.lease.as_secs_f64())
        .bind::<BigInt, _>(self.options.per_subscription)
        .load(&mut *conn)
        .await?)
    }

    /// Sends one leased delivery and records the outcome. No connection is held while
    /// the request is in flight.
    async fn attempt(&self, d: Leased) -> AppResult<()> {
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
        let outcome = match destination::check_delivery_url(&d.url, self.destinations()) {
            Err(destination::Refused) => Outcome::Refused,
            Ok(url) => Outcome::classify(
                &self
                    .client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("lantern-event-id", d.event_id.to_string())
                    .header("lantern-event-type", &d.event_type)
                    .header("lantern-signature", signature)
                    .body(body)
                    .send()
                    .await,
            ),
        };
        let elapsed = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let detail = outcome.detail();
        let attempts = d.attempts + 1;
        let (status, next) = match &detail {
            None => ("DELIVERED", Utc::now()),
            Some(_) if attempts >= self.options.max_attempts => ("DEAD", Utc::now()),
            Some(_) => (
                "PENDING",
                Utc::now() + chrono::Duration::from_std(backoff(&self.options, attempts)).unwrap_or_default(),
            ),
        };
        let mut conn = self.pool.get().await?;
        // A delivery cancelled meanwhile (its subscription deleted) stays cancelled.
        diesel::sql_query(
            "WITH attempt AS (
                 INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)
             )
             UPDATE webhook_deliveries SET attempts = $5, status = $6, next_attempt_at = $7, leased_until = NULL,
                    last_error = $8, delivered_at = CASE WHEN $6 = 'DELIVERED' THEN clock_timestamp() END
             WHERE id = $1 AND status = 'PENDING'",
        )
        .bind::<BigInt, _>(d.id)
        .bind::<Nullable<Integer>, _>(outcome.status_code())
        .bind::<Nullable<Text>, _>(detail.clone())
        .bind::<Integer, _>(elapsed)
        .bind::<Integer, _>(attempts)
        .bind::<Text, _>(status)
        .bind::<Timestamptz, _>(next)
        .bind::<Nullable<Text>, _>(detail.as_ref().map(|_| DELIVERY_FAILED))
        .execute(&mut *conn)
        .await?;
        if let Some(e) = detail {
            let subscription = d.subscription_id;
            tracing::warn!(delivery = d.id, %subscription, attempts, status, error = %e, "webhook delivery failed");
        }
        Ok(())
    }

    /// Runs until `stop` turns true: deliveries, and every 30 s the scheduler and
    /// geocoding retries (beside them, so a slow geocoder delays no delivery). On stop,
    /// the deliveries in flight finish. Dropping the future abandons them: their leases
    /// expire and another relay retries them.
    pub async fn run(self, stop: watch::Receiver<bool>, geocoder: Option<Arc<crate::geocode::Geocoder>>) {
        tokio::join!(self.deliver(stop.clone()), self.background(stop, geocoder));
    }

    async fn deliver(&self, mut stop: watch::Receiver<bool>) {
        let places = usize::try_from(self.options.batch.max(1)).unwrap_or(1);
        let mut in_flight: JoinSet<()> = JoinSet::new();
        loop {
            if *stop.borrow() {
                break;
            }
            while in_flight.try_join_next().is_some() {}
            let free = places - in_flight.len();
            if free > 0 {
                match self.lease(free as i64).await {
                    Ok(leased) => {
                        for d in leased {
                            let relay = self.clone();
                            in_flight.spawn(async move {
                                if let Err(e) = relay.attempt(d).await {
                                    log_error("relay", e);
                                }
                            });
                        }
                    }
                    Err(e) => log_error("relay", e),
                }
            }
            // Every place taken, or nothing more due now: wait for a place to free up,
            // the next poll, or the stop.
            tokio::select! {
                _ = tokio::time::sleep(self.options.idle_poll) => {}
                _ = stop_requested(&mut stop) => {}
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            }
        }
        while in_flight.join_next().await.is_some() {}
    }

    async fn background(&self, mut stop: watch::Receiver<bool>, geocoder: Option<Arc<crate::geocode::Geocoder>>) {
        loop {
            if *stop.borrow() {
                return;
            }
            if let Err(e) = self.tick(geocoder.as_deref()).await {
                log_error("scheduler", e);
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop_requested(&mut stop) => return,
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

/// The webhook client: fixed timeouts, no redirects (a receiver could otherwise send the
/// relay anywhere), no proxy (a proxy would resolve names itself, past the check), and
/// names resolved through the guard.
fn client(options: &RelayOptions, resolver: GuardedResolver) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.response_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(resolver)
        .user_agent("Lantern-Webhooks/1")
        .build()
        .expect("an HTTP client with static options builds")
}

/// Completes once `stop` turns true; never, if its sender is gone.
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|stopped| *stopped).await.is_err() {
        std::future::pending::<()>().await;
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
        let s = RelayOptions {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            ..RelayOptions::default()
        };
        for attempts in 1..=6 {
            let d = backoff(&s, attempts).as_secs_f64();
            let base = (2f64.powi(attempts - 1)).min(10.0);
            assert!(d >= base && d <= base * 1.5, "attempt {attempts}: {d}");
        }
    }
}
