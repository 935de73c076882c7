//! Webhooks and geocoding against local HTTP servers: a receiver that records, fails or
//! stalls on demand, and a geocoder speaking the US Census one-line-address format.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use lantern::notify::relay::{Relay, RelaySettings};
use lantern::startup::ServerOptions;
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, TestApp};
use crate::referrals::network;

const OK: u8 = 0;
const FAIL: u8 = 1;
const STALL: u8 = 2;

/// A webhook receiver on loopback.
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    mode: Arc<AtomicU8>,
    /// (event id header, signature header, body) of every request, in arrival order.
    pub(crate) got: Arc<Mutex<Vec<(String, String, String)>>>,
    /// Requests being handled right now, and the most ever at once per event id.
    in_flight: Arc<Mutex<BTreeMap<String, usize>>>,
    overlap: Arc<AtomicUsize>,
    /// Requests being handled right now, and the most ever at once.
    busy: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, r: web::Data<Receiver>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let id = header("lantern-event-id");
    let busy = r.busy.fetch_add(1, Ordering::SeqCst) + 1;
    r.peak.fetch_max(busy, Ordering::SeqCst);
    {
        let mut flight = r.in_flight.lock().unwrap();
        let n = flight.entry(id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            r.overlap.fetch_add(1, Ordering::SeqCst);
        }
    }
    let mode = r.mode.load(Ordering::SeqCst);
    if mode == STALL {
        tokio::time::sleep(Duration::from_millis(1500)).await;
    } else {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    *r.in_flight.lock().unwrap().get_mut(&id).unwrap() -= 1;
    r.busy.fetch_sub(1, Ordering::SeqCst);
    r.got.lock().unwrap().push((id, header("lantern-signature"), String::from_utf8_lossy(&body).into_owned()));
    match mode {
        FAIL => HttpResponse::InternalServerError().finish(),
        _ => HttpResponse::Ok().finish(),
    }
}

pub(crate) fn receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let r = Receiver {
        url: format!("http://127.0.0.1:{port}/hook"),
        mode: Arc::new(AtomicU8::new(OK)),
        got: Arc::default(),
        in_flight: Arc::default(),
        overlap: Arc::default(),
        busy: Arc::default(),
        peak: Arc::default(),
    };
    let data = web::Data::new(r.clone());
    let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hook", web::post().to(receive)))
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    r
}

pub(crate) fn relay(app: &TestApp, settings: RelaySettings) -> Relay {
    Relay::new(lantern::db::pool(&app.app_db_url, 4, 5_000).unwrap(), app.keyring.clone(), settings)
}

pub(crate) fn fast() -> RelaySettings {
    RelaySettings {
        base_delay: Duration::from_millis(150),
        max_delay: Duration::from_secs(5),
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_millis(500),
        lease: Duration::from_secs(2),
        idle_poll: Duration::from_millis(20),
        // The receivers here listen on loopback.
        allow_loopback: true,
        ..RelaySettings::default()
    }
}

pub(crate) async fn subscribe(app: &TestApp, admin: &str, org: &str, url: &str, types: &[&str]) -> String {
    let data = app
        .data_as(
            admin,
            "mutation($i: WebhookSubscriptionInput!) { createWebhookSubscription(input: $i) { secret } }",
            json!({ "i": { "organizationId": org, "url": url, "eventTypes": types } }),
        )
        .await;
    data["createWebhookSubscription"]["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_referral_reaches_the_recipient_as_a_signed_webhook_with_ids_only() {
    let n = network().await;
    let hook = receiver();
    let secret = subscribe(&n.app, &n.admin, &n.recipient_org, &hook.url, &["referral.sent", "consent.revoked"]).await;
    let client = n.client(json!({})).await;
    let consent =
        n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await["data"]["recordConsent"]["id"].clone();
    let referral = n.refer(&n.advocate, "hook", json!({ "clientId": client, "shareFields": ["NAME"] })).await["data"]["createReferral"]["id"].clone();
    let started = Instant::now();
    let relay = relay(&n.app, fast());
    while hook.got.lock().unwrap().is_empty() && started.elapsed() < Duration::from_secs(5) {
        relay.run_once().await.unwrap();
    }
    let (id, signature, body) = hook.got.lock().unwrap()[0].clone();
    let now = chrono::Utc::now().timestamp();
    assert!(
        lantern::notify::verify(secret.as_bytes(), &signature, body.as_bytes(), now, 300),
        "the signature verifies"
    );
    assert!(
        !lantern::notify::verify(
            secret.as_bytes(),
            &signature,
            body.replace("referral", "REFERRAL").as_bytes(),
            now,
            300
        ),
        "a tampered body fails"
    );
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["type"], "referral.sent");
    assert_eq!(event["data"], json!({ "referralId": referral }), "ids only");
    assert!(!body.contains(crate::referrals::CLIENT_NAME));

    // A revocation tells the recipient too.
    n.app.data_as(&n.advocate, "mutation($c: ID!) { revokeConsent(id: $c) { id } }", json!({ "c": consent })).await;
    relay.run_once().await.unwrap();
    let last: Value = serde_json::from_str(&hook.got.lock().unwrap().last().unwrap().2).unwrap();
    assert_eq!(last["type"], "consent.revoked");
    assert_eq!(last["data"], json!({ "consentId": consent, "referralId": referral }));
    // Someone else's organization hears nothing.
    let deliveries = n.app.data_as(&n.admin, "{ webhookDeliveries { status eventType } }", json!({})).await;
    assert_eq!(deliveries["webhookDeliveries"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn failing_and_stalling_receivers_are_retried_with_growing_delays_then_dead_lettered() {
    let n = network().await;
    let hook = receiver();
    subscribe(&n.app, &n.admin, &n.recipient_org, &hook.url, &["referral.sent"]).await;
    hook.mode.store(FAIL, Ordering::SeqCst);
    n.refer(&n.advocate, "fail", json!({})).await;
    let relay = relay(&n.app, RelaySettings { max_attempts: 4, ..fast() });
    let db = n.app.sql().await;
    let status =
        || async { db.query_one("SELECT status FROM webhook_deliveries", &[]).await.unwrap().get::<_, String>(0) };
    let started = Instant::now();
    while status().await == "PENDING" && started.elapsed() < Duration::from_secs(20) {
        relay.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status().await, "DEAD", "dead-lettered after the maximum");
    let times: Vec<chrono::DateTime<chrono::Utc>> = db
        .query("SELECT attempted_at FROM webhook_attempts ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(times.len(), 4, "every attempt is logged");
    let gaps: Vec<i64> = times.windows(2).map(|w| (w[1] - w[0]).num_milliseconds()).collect();
    assert!(gaps.windows(2).all(|g| g[1] > g[0]), "delays grow: {gaps:?}");
    assert!(gaps[0] >= 150, "{gaps:?}");

    // A stalled receiver is a timeout, retried the same way; an admin redelivers.
    hook.mode.store(STALL, Ordering::SeqCst);
    let delivery =
        n.app.data_as(&n.admin, "{ webhookDeliveries(status: \"DEAD\") { id } }", json!({})).await["webhookDeliveries"]
            [0]["id"]
            .clone();
    let denied = n
        .app
        .gql_as(&n.coordinator, "mutation($d: ID!) { redeliverWebhook(id: $d) }", json!({ "d": delivery }))
        .await
        .1;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
    n.app.data_as(&n.admin, "mutation($d: ID!) { redeliverWebhook(id: $d) }", json!({ "d": delivery })).await;
    relay.run_once().await.unwrap();
    let error: Option<String> =
        db.query_one("SELECT error FROM webhook_attempts ORDER BY id DESC LIMIT 1", &[]).await.unwrap().get(0);
    assert_eq!(error.as_deref(), Some("timed out"));
    hook.mode.store(OK, Ordering::SeqCst);
    let started = Instant::now();
    while status().await != "DELIVERED" && started.elapsed() < Duration::from_secs(10) {
        relay.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status().await, "DELIVERED");
}

#[tokio::test]
async fn two_relays_never_deliver_one_event_at_the_same_time() {
    let n = network().await;
    let hook = receiver();
    subscribe(&n.app, &n.admin, &n.recipient_org, &hook.url, &["referral.sent"]).await;
    for i in 0..40 {
        n.refer(&n.advocate, &format!("two-{i}"), json!({})).await;
    }
    let settings = RelaySettings { batch: 3, ..fast() };
    let (a, b) = (relay(&n.app, settings), relay(&n.app, settings));
    let run = |r: Relay| {
        tokio::spawn(async move {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(15) {
                if r.run_once().await.unwrap() == 0 {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
            }
        })
    };
    let (ta, tb) = (run(a), run(b));
    let started = Instant::now();
    while hook.got.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ta.abort();
    tb.abort();
    let ids: Vec<String> = hook.got.lock().unwrap().iter().map(|g| g.0.clone()).collect();
    assert_eq!(ids.len(), 40, "each event once");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 40);
    assert_eq!(hook.overlap.load(Ordering::SeqCst), 0, "never two deliveries of one event at once");
}

#[tokio::test]
async fn scheduled_events_are_emitted_exactly_once_by_two_instances() {
    let n = network().await;
    let referral = n.refer(&n.advocate, "sched", json!({})).await["data"]["createReferral"]["id"].clone();
    let db = n.app.sql().await;
    db.execute("UPDATE scheduled_events SET fire_at = now() - interval '1 minute'", &[]).await.unwrap();
    let p = n
        .app
        .data_as(&n.admin, "mutation($o: ID!) { createProvider(input: { name: \"MOU Party (synthetic)\", kind: \"legal_aid\", organizationId: $o }) { id } }",
            json!({ "o": n.outsider_org }))
        .await["createProvider"]["id"]
        .clone();
    let soon = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive().to_string();
    n.app
        .data_as(&n.admin, "mutation($i: MouInput!) { createMou(input: $i) { id } }",
            json!({ "i": { "providerId": p, "title": "Expiring", "scopeNeeds": ["acute.housing"], "effectiveOn": "2025-01-01", "expiresOn": soon,
                "status": "ACTIVE", "parties": [{ "organizationId": n.sender_org }] } }))
        .await;
    let tick = || async {
        let pool = lantern::db::pool(&n.app.app_db_url, 1, 5_000).unwrap();
        let mut conn = pool.get().await.unwrap();
        lantern::notify::scheduler::tick(&mut conn).await.unwrap()
    };
    let (a, b) = tokio::join!(tick(), tick());
    let _ = tick().await;
    assert!(a + b > 0);
    let counts: BTreeMap<String, i64> = db
        .query("SELECT event_type, count(*) FROM outbox_events GROUP BY event_type", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(counts.get("follow_up.due"), Some(&1));
    assert_eq!(counts.get("follow_up.overdue"), Some(&1));
    assert_eq!(counts.get("mou.expiring"), Some(&2), "once to each party: the sender and the provider's keeper");
    let due: Value = serde_json::from_str(
        &db.query_one("SELECT payload::text FROM outbox_events WHERE event_type = 'follow_up.due'", &[])
            .await
            .unwrap()
            .get::<_, String>(0),
    )
    .unwrap();
    assert_eq!(due["referralId"], referral);
}

#[tokio::test]
async fn events_survive_a_killed_relay_and_a_database_restart_and_rollbacks_send_nothing() {
    tokio::time::timeout(Duration::from_secs(150), killed_relay_and_restart()).await.expect("the drill finishes");
}

async fn killed_relay_and_restart() {
    // Its own cluster, so restarting PostgreSQL disturbs no other test.
    let dir = std::env::temp_dir().join(format!("lantern-restart-{}", uuid::Uuid::new_v4().simple()));
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cluster = lantern::config::LocalClusterConfig { dir: dir.clone(), port };
    let c = cluster.clone();
    let urls =
        tokio::task::spawn_blocking(move || lantern::db::local_cluster::ensure_running(&c)).await.unwrap().unwrap();
    let owner = urls.database_url("lantern");
    lantern::db::migrate(&owner).await.unwrap();
    let app_url = urls.database_url_as("lantern_app", "lantern");
    let keyring = Arc::new(lantern::crypto::Keyring::parse(&lantern::crypto::Keyring::new_key_spec("r1")).unwrap());
    let hook = receiver();
    {
        let (db, conn) = tokio_postgres::connect(&owner, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        let org: uuid::Uuid = db
            .query_one("INSERT INTO organizations (name) VALUES ('Restart Org') RETURNING id", &[])
            .await
            .unwrap()
            .get(0);
        let sub = uuid::Uuid::new_v4();
        let sealed = keyring.seal(
            lantern::crypto::FieldContext { table: "webhook_subscriptions", row: sub, field: "secret" },
            "whsec_test",
        );
        db.execute("INSERT INTO webhook_subscriptions (id, organization_id, url, secret_enc, event_types) VALUES ($1, $2, $3, $4, '{referral.sent}')",
            &[&sub, &org, &hook.url, &sealed]).await.unwrap();
    }
    hook.mode.store(STALL, Ordering::SeqCst);
    let settings =
        RelaySettings { batch: 5, lease: Duration::from_secs(1), response_timeout: Duration::from_secs(3), ..fast() };
    let pool = lantern::db::pool(&app_url, 4, 5_000).unwrap();
    let first = tokio::spawn(
        Relay::new(pool.clone(), keyring.clone(), settings).run(tokio::sync::watch::channel(false).1, None),
    );

    // Produce events under load, some rolled back, through a PostgreSQL restart.
    let producer = {
        let app_url = app_url.clone();
        tokio::spawn(async move {
            let (mut committed, mut rolled_back) = (Vec::new(), Vec::new());
            let mut i = 0;
            while i < 60 {
                let Ok((mut db, conn)) = tokio_postgres::connect(&app_url, tokio_postgres::NoTls).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                tokio::spawn(conn);
                while i < 60 {
                    let id = uuid::Uuid::new_v4();
                    let result = async {
                        let tx = db.transaction().await?;
                        tx.execute(
                            "INSERT INTO outbox_events (id, event_type, organization_id, payload)
                                    SELECT $1, 'referral.sent', id, '{}' FROM organizations LIMIT 1",
                            &[&id],
                        )
                        .await?;
                        if i % 5 == 0 { tx.rollback().await } else { tx.commit().await }
                    }
                    .await;
                    match result {
                        Ok(()) if i % 5 == 0 => rolled_back.push(id.to_string()),
                        Ok(()) => committed.push(id.to_string()),
                        Err(_) => break,
                    }
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            }
            (committed, rolled_back)
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    first.abort(); // killed mid-batch: its leases must expire and be taken over
    hook.mode.store(OK, Ordering::SeqCst);
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || lantern::db::local_cluster::restart(&c)).await.unwrap().unwrap();
    let second = tokio::spawn(
        Relay::new(pool.clone(), keyring.clone(), settings).run(tokio::sync::watch::channel(false).1, None),
    );
    let (committed, rolled_back) = producer.await.unwrap();
    let started = Instant::now();
    let received = || hook.got.lock().unwrap().iter().map(|g| g.0.clone()).collect::<BTreeSet<String>>();
    while !committed.iter().all(|id| received().contains(id)) && started.elapsed() < Duration::from_secs(40) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    second.abort();
    let got = received();
    assert_eq!(committed.len(), 48);
    let missing: Vec<&String> = committed.iter().filter(|id| !got.contains(*id)).collect();
    assert!(missing.is_empty(), "every committed event arrives: missing {missing:?}");
    assert!(rolled_back.iter().all(|id| !got.contains(id)), "nothing from rolled-back work");
    assert_eq!(got.len(), committed.len(), "after dropping duplicates by event id, exactly the committed events");
    let c = cluster.clone();
    let _ = tokio::task::spawn_blocking(move || lantern::db::local_cluster::stop(&c)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A geocoder speaking the Census one-line-address format: "1 Fixture Way" is in
/// downtown Raleigh; anything else has no match; `fail` makes it answer 500.
#[derive(Clone, Default)]
struct Census {
    url: String,
    hits: Arc<AtomicUsize>,
    fail: Arc<AtomicU8>,
}

async fn census(query: web::Query<BTreeMap<String, String>>, c: web::Data<Census>) -> HttpResponse {
    c.hits.fetch_add(1, Ordering::SeqCst);
    if c.fail.load(Ordering::SeqCst) == 1 {
        return HttpResponse::InternalServerError().finish();
    }
    let address = query.get("address").cloned().unwrap_or_default();
    assert_eq!(query.get("benchmark").map(String::as_str), Some("Public_AR_Current"));
    let matches = if address.contains("1 Fixture Way") {
        json!([{ "matchedAddress": "1 FIXTURE WAY, RALEIGH, NC, 27601", "coordinates": { "x": -78.6382, "y": 35.7796 },
                 "addressComponents": { "city": "RALEIGH", "state": "NC", "zip": "27601" } }])
    } else {
        json!([])
    };
    HttpResponse::Ok()
        .json(json!({ "result": { "input": { "address": { "address": address } }, "addressMatches": matches } }))
}

async fn geocoding_app() -> (TestApp, Census) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let c = Census { url: format!("http://127.0.0.1:{port}"), ..Census::default() };
    let data = web::Data::new(c.clone());
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/geocoder/locations/onelineaddress", web::get().to(census))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    let geocoder = lantern::geocode::Geocoder::new(&c.url, Duration::from_secs(2), false);
    let app = TestApp::spawn_with(ServerOptions {
        rate_limits: NO_LIMITS,
        geocoder: Arc::new(geocoder),
        ..ServerOptions::default()
    })
    .await;
    (app, c)
}

#[tokio::test]
async fn addresses_become_points_and_unlocatable_ones_are_placed_approximately_then_retried() {
    let (app, census) = geocoding_app().await;
    let admin = app.network_admin().await;
    let p = app
        .data_as(
            &admin,
            "mutation { createProvider(input: { name: \"Geo Test (synthetic)\", kind: \"legal_aid\" }) { id } }",
            json!({}),
        )
        .await["createProvider"]["id"]
        .clone();
    let create = "mutation($p: ID!, $i: LocationEdit!) { createLocation(providerId: $p, input: $i) { id latitude longitude approximate county { fips } } }";
    let found = app
        .data_as(
            &admin,
            create,
            json!({ "p": p, "i": { "street": "1 Fixture Way", "city": "Raleigh", "postalCode": "27601" } }),
        )
        .await;
    assert_eq!(found["createLocation"]["latitude"], 35.7796);
    assert_eq!(found["createLocation"]["approximate"], false);
    assert_eq!(found["createLocation"]["county"]["fips"], "37183");
    let hits = census.hits.load(Ordering::SeqCst);
    app.data_as(
        &admin,
        create,
        json!({ "p": p, "i": { "street": "1 Fixture  Way", "city": "RALEIGH", "postalCode": "27601" } }),
    )
    .await;
    assert_eq!(census.hits.load(Ordering::SeqCst), hits, "the second lookup came from the cache");

    // Not found, and geocoder down: the write succeeds at the county, marked approximate.
    let unknown = app
        .data_as(
            &admin,
            create,
            json!({ "p": p, "i": { "street": "999 Nowhere Rd", "city": "Durham", "county": "37063" } }),
        )
        .await;
    assert_eq!(unknown["createLocation"]["approximate"], true);
    assert_eq!(unknown["createLocation"]["county"]["fips"], "37063");
    census.fail.store(1, Ordering::SeqCst);
    let down = app
        .data_as(
            &admin,
            create,
            json!({ "p": p, "i": { "street": "1 Fixture Way", "city": "Cary", "county": "37183" } }),
        )
        .await;
    assert_eq!(down["createLocation"]["approximate"], true);
    let without_county =
        app.gql_as(&admin, create, json!({ "p": p, "i": { "street": "5 Elsewhere St", "city": "Cary" } })).await.1;
    assert_eq!(without_county["errors"][0]["extensions"]["field"], "input.county");

    // Retried later, once the geocoder is back: the point moves to the address.
    census.fail.store(0, Ordering::SeqCst);
    let pool = lantern::db::pool(&app.app_db_url, 1, 5_000).unwrap();
    let mut conn = pool.get().await.unwrap();
    let geocoder = lantern::geocode::Geocoder::new(&census.url, Duration::from_secs(2), false);
    let resolved = lantern::geocode::retry_pending(&mut conn, &geocoder, 20).await.unwrap();
    assert_eq!(resolved, 1, "the address that failed for want of a geocoder is placed now");
    let located = app
        .data("query($p: ID!) { provider(id: $p) { locations { id approximate latitude } } }", json!({ "p": p }))
        .await;
    let retried = located["provider"]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == down["createLocation"]["id"])
        .unwrap()
        .clone();
    assert_eq!((retried["approximate"].clone(), retried["latitude"].clone()), (json!(false), json!(35.7796)));
    let still = located["provider"]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == unknown["createLocation"]["id"])
        .unwrap()
        .clone();
    assert_eq!(still["approximate"], true, "an address nobody can find stays approximate");

    // A confidential address never leaves the network.
    let hits = census.hits.load(Ordering::SeqCst);
    let shelter = app.data_as(&admin, create, json!({ "p": p, "i": { "street": "1 Fixture Way", "city": "Raleigh", "county": "37183", "confidential": true } })).await;
    assert_eq!(census.hits.load(Ordering::SeqCst), hits, "the geocoder was not asked");
    assert_eq!(shelter["createLocation"]["approximate"], true);
}

// ---------------------------------------------------------------------------------------
// Issue 13: webhook destinations, delivery isolation, and outbound work only after checks.

/// A relay as in production: this machine is out of bounds.
fn strict() -> RelaySettings {
    RelaySettings { allow_loopback: false, ..fast() }
}

/// A server with the loopback switch off, as in production.
async fn production_app() -> TestApp {
    TestApp::spawn_with(ServerOptions { rate_limits: NO_LIMITS, ..ServerOptions::default() }).await
}

const SUBSCRIBE: &str =
    "mutation($i: WebhookSubscriptionInput!) { createWebhookSubscription(input: $i) { id secret } }";

#[tokio::test]
async fn webhook_urls_inside_the_network_are_refused_at_subscription() {
    let app = production_app().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Hooked Org (test)").await;
    let try_url = |url: &'static str| {
        let (app, admin, org) = (&app, &admin, &org);
        async move {
            app.gql_as(
                admin,
                SUBSCRIBE,
                json!({ "i": { "organizationId": org, "url": url, "eventTypes": ["referral.sent"] } }),
            )
            .await
            .1
        }
    };
    let inside = [
        "https://127.0.0.2/hook",
        "https://localhost./hook",
        "https://LOCALHOST/hook",
        "https://hooks.localhost/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://2130706433/hook",
        "https://0x7f.1/hook",
        "https://224.0.0.251/hook",
        "https://255.255.255.255/hook",
        "https://198.18.0.1/hook",
        "https://192.0.2.10/hook",
        "https://[::1]/hook",
        "https://[::]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:93.184.215.14]/hook",
        "https://[fd12:3456::1]/hook",
        "https://[fe80::1]/hook",
        "https://[ff02::1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://[2002:a00:1::1]/hook",
        "https://[2001:db8::1]/hook",
        "http://127.0.0.1:9000/hook",
        "https://no-such-host.invalid/hook",
    ];
    for url in inside {
        let body = try_url(url).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{url} is refused: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.url", "{url}");
    }
    // A public address is accepted (no request is made at subscription time).
    for url in ["https://93.184.215.14/hook", "https://[2606:4700:4700::1111]/hook"] {
        let body = try_url(url).await;
        assert!(body.get("errors").is_none(), "{url} is accepted: {body}");
    }
    let stored: i64 =
        app.sql().await.query_one("SELECT count(*) FROM webhook_subscriptions", &[]).await.unwrap().get(0);
    assert_eq!(stored, 2, "only the public destinations were stored");
    // Checks come after authorization: an anonymous caller learns nothing about a host.
    let anonymous = app
        .gql(SUBSCRIBE, json!({ "i": { "organizationId": org, "url": "https://no-such-host.invalid/", "eventTypes": ["referral.sent"] } }))
        .await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn deliveries_are_checked_again_when_they_are_sent() {
    // Subscriptions stored while their names pointed outside (as a rebinding attacker
    // would arrange), pointing at this machine now: by `localhost`, by a name that
    // resolves here, and by a literal address.
    let n = network().await;
    let hook = receiver();
    let port = hook.url.trim_start_matches("http://127.0.0.1:").trim_end_matches("/hook").to_owned();
    let db = n.app.sql().await;
    let org: uuid::Uuid = n.recipient_org.parse().unwrap();
    let urls =
        [format!("http://localhost:{port}/hook"), format!("http://hooks.partner.test:{port}/hook"), hook.url.clone()];
    for url in &urls {
        let sub = uuid::Uuid::new_v4();
        let sealed = n.app.keyring.seal(
            lantern::crypto::FieldContext { table: "webhook_subscriptions", row: sub, field: "secret" },
            "whsec_test",
        );
        db.execute(
            "INSERT INTO webhook_subscriptions (id, organization_id, url, secret_enc, event_types)
             VALUES ($1, $2, $3, $4, '{referral.sent}')",
            &[&sub, &org, url, &sealed],
        )
        .await
        .unwrap();
    }
    n.refer(&n.advocate, "rebind", json!({})).await;
    let rebound = |dev: bool| {
        lantern::notify::destination::GuardedResolver::new(lantern::notify::Destinations { allow_loopback: dev })
            .with_fixed("hooks.partner.test", vec!["127.0.0.1".parse().unwrap()])
    };
    let production = relay(&n.app, strict()).with_resolver(rebound(false));
    assert_eq!(production.run_once().await.unwrap(), 3);
    assert!(hook.got.lock().unwrap().is_empty(), "nothing reached the address inside");
    let deliveries = n.app.data_as(&n.admin, "{ webhookDeliveries { status lastError } }", json!({})).await;
    for d in deliveries["webhookDeliveries"].as_array().unwrap() {
        assert_eq!(d["status"], "PENDING", "retried later like any failure");
        assert_eq!(d["lastError"], "delivery failed");
    }
    let refused: i64 = db
        .query_one("SELECT count(*) FROM webhook_attempts WHERE error = 'destination refused'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(refused, 3, "operators see why");
    // The same relay with the development switch on reaches all three: it was the check.
    let development = relay(&n.app, fast()).with_resolver(rebound(true));
    let started = Instant::now();
    while hook.got.lock().unwrap().len() < 3 && started.elapsed() < Duration::from_secs(10) {
        development.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hook.got.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn delivery_errors_shown_to_subscribers_are_one_generic_class() {
    let n = network().await;
    let (failing, stalling) = (receiver(), receiver());
    failing.mode.store(FAIL, Ordering::SeqCst);
    stalling.mode.store(STALL, Ordering::SeqCst);
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port())
    };
    for url in [&failing.url, &stalling.url, &closed] {
        subscribe(&n.app, &n.admin, &n.recipient_org, url, &["referral.sent"]).await;
    }
    n.refer(&n.advocate, "errors", json!({})).await;
    assert_eq!(relay(&n.app, fast()).run_once().await.unwrap(), 3);
    let all = n.app.data_as(&n.admin, "{ webhookDeliveries { status lastError } }", json!({})).await;
    let errors: BTreeSet<String> = all["webhookDeliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["lastError"].as_str().unwrap_or("none").to_owned())
        .collect();
    assert_eq!(
        errors,
        BTreeSet::from(["delivery failed".to_owned()]),
        "a refused port, an error status and a timeout look alike"
    );
}

#[tokio::test]
async fn subscriptions_are_capped_and_deleted_by_their_organization_or_an_admin() {
    let n = network().await;
    let (_, _, outsider_coordinator) = n.app.member(&n.admin, &n.outsider_org, "COORDINATOR").await;
    let create = |token: &str, org: &str| {
        let (app, token, org) = (&n.app, token.to_owned(), org.to_owned());
        async move {
            app.gql_as(
                &token,
                SUBSCRIBE,
                json!({ "i": { "organizationId": org, "url": "https://93.184.215.14/hook", "eventTypes": ["referral.sent"] } }),
            )
            .await
            .1
        }
    };
    let mut ids = Vec::new();
    for _ in 0..10 {
        let body = create(&n.coordinator, &n.sender_org).await;
        assert!(body.get("errors").is_none(), "{body}");
        ids.push(body["data"]["createWebhookSubscription"]["id"].as_str().unwrap().to_owned());
    }
    let over = create(&n.coordinator, &n.sender_org).await;
    assert_eq!(over["errors"][0]["extensions"]["code"], "CONFLICT", "{over}");
    assert!(over["errors"][0]["message"].as_str().unwrap().contains("at most 10"), "{over}");
    let also_admin = create(&n.admin, &n.sender_org).await;
    assert_eq!(also_admin["errors"][0]["extensions"]["code"], "CONFLICT", "the cap holds for admins too");
    assert!(create(&n.admin, &n.outsider_org).await.get("errors").is_none(), "the cap is per organization");

    let delete = "mutation($id: ID!) { deleteWebhookSubscription(id: $id) }";
    let anonymous = n.app.gql(delete, json!({ "id": ids[0] })).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    for (who, token) in [
        ("an advocate of the organization", &n.advocate),
        ("another organization's coordinator", &outsider_coordinator),
    ] {
        let body = n.app.gql_as(token, delete, json!({ "id": ids[0] })).await.1;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{who}: {body}");
    }
    assert_eq!(n.app.data_as(&n.coordinator, delete, json!({ "id": ids[0] })).await["deleteWebhookSubscription"], true);
    assert_eq!(n.app.data_as(&n.admin, delete, json!({ "id": ids[1] })).await["deleteWebhookSubscription"], true);
    let again = n.app.gql_as(&n.coordinator, delete, json!({ "id": ids[0] })).await.1;
    assert_eq!(again["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert!(create(&n.coordinator, &n.sender_org).await.get("errors").is_none(), "room again after a delete");
    let listed = n.app.data_as(&n.coordinator, "{ webhookSubscriptions { id } }", json!({})).await;
    assert_eq!(listed["webhookSubscriptions"].as_array().unwrap().len(), 9, "ten, less two deleted, plus one");
    assert!(!listed.to_string().contains(&ids[0]), "deleted ones are not listed");
    let of_sender = n
        .app
        .data_as(
            &n.admin,
            "query($o: ID) { webhookSubscriptions(organizationId: $o) { id } }",
            json!({ "o": n.sender_org }),
        )
        .await;
    assert_eq!(of_sender["webhookSubscriptions"].as_array().unwrap().len(), 9);
    let list = "query($o: ID) { webhookSubscriptions(organizationId: $o) { id url } }";
    let anonymous = n.app.gql(list, json!({})).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    for (who, token, org) in [
        ("an advocate of the organization", &n.advocate, &n.sender_org),
        ("another organization's coordinator", &outsider_coordinator, &n.sender_org),
    ] {
        let body = n.app.gql_as(token, list, json!({ "o": org })).await.1;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{who}: {body}");
    }
    let own = n.app.data_as(&outsider_coordinator, list, json!({})).await;
    assert_eq!(own["webhookSubscriptions"].as_array().unwrap().len(), 1, "a coordinator sees their own");
    // Racing for the last place: one gets it.
    let (a, b, c) = tokio::join!(
        create(&n.coordinator, &n.sender_org),
        create(&n.coordinator, &n.sender_org),
        create(&n.admin, &n.sender_org)
    );
    let won = [a, b, c].iter().filter(|body| body.get("errors").is_none()).count();
    assert_eq!(won, 1);
}

#[tokio::test]
async fn a_deleted_subscription_gets_nothing_more_and_its_pending_deliveries_are_cancelled() {
    let n = network().await;
    let hook = receiver();
    let id = n
        .app
        .data_as(
            &n.admin,
            SUBSCRIBE,
            json!({ "i": { "organizationId": n.recipient_org, "url": hook.url, "eventTypes": ["referral.sent"] } }),
        )
        .await["createWebhookSubscription"]["id"]
        .clone();
    n.refer(&n.advocate, "before-delete", json!({})).await;
    n.app.data_as(&n.admin, "mutation($id: ID!) { deleteWebhookSubscription(id: $id) }", json!({ "id": id })).await;
    n.refer(&n.advocate, "after-delete", json!({})).await;
    assert_eq!(relay(&n.app, fast()).run_once().await.unwrap(), 0);
    assert!(hook.got.lock().unwrap().is_empty());
    let deliveries = n.app.data_as(&n.admin, "{ webhookDeliveries { id status } }", json!({})).await;
    let list = deliveries["webhookDeliveries"].as_array().unwrap();
    assert_eq!(list.len(), 1, "the event after the delete was not fanned out to it");
    assert_eq!(list[0]["status"], "CANCELLED");
    let redeliver =
        n.app.gql_as(&n.admin, "mutation($d: ID!) { redeliverWebhook(id: $d) }", json!({ "d": list[0]["id"] })).await.1;
    assert_eq!(redeliver["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let secret: Option<Vec<u8>> =
        n.app.sql().await.query_one("SELECT secret_enc FROM webhook_subscriptions", &[]).await.unwrap().get(0);
    assert_eq!(secret, None, "the signing secret is gone with the subscription");
}

#[tokio::test]
async fn a_stalling_receiver_does_not_hold_up_another_subscription() {
    let n = network().await;
    let (slow, quick) = (receiver(), receiver());
    slow.mode.store(STALL, Ordering::SeqCst);
    for hook in [&slow, &quick] {
        subscribe(&n.app, &n.admin, &n.recipient_org, &hook.url, &["referral.sent"]).await;
    }
    for i in 0..12 {
        n.refer(&n.advocate, &format!("stall-{i}"), json!({})).await;
    }
    // Slow, not broken: each of its requests takes 1.5 s and succeeds.
    let settings = RelaySettings { response_timeout: Duration::from_secs(5), ..fast() };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(relay(&n.app, settings).run(stopped, None));
    let started = Instant::now();
    while quick.got.lock().unwrap().len() < 12 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let quick_done = started.elapsed();
    let slow_by_then = slow.got.lock().unwrap().len();
    let _ = stop.send(true);
    let _ = running.await;
    assert_eq!(quick.got.lock().unwrap().len(), 12);
    assert!(quick_done < Duration::from_secs(2), "the quick receiver had all 12 after {quick_done:?}");
    assert!(slow_by_then < 12, "the slow receiver was still stalling ({slow_by_then} of 12)");
    assert_eq!(slow.overlap.load(Ordering::SeqCst), 0);
    let peak = slow.peak.load(Ordering::SeqCst);
    assert!((2..=settings.per_subscription as usize).contains(&peak), "concurrent, within the limit: {peak}");
}

const CREATE_LOCATION: &str = "mutation($p: ID!, $i: LocationEdit!) { createLocation(providerId: $p, input: $i) { id version approximate latitude } }";
const UPDATE_LOCATION: &str = "mutation($l: ID!, $v: Int!, $i: LocationEdit!) { updateLocation(id: $l, version: $v, input: $i) { id version approximate confidential } }";

async fn geocoding_provider(app: &TestApp, admin: &str, org: Option<&str>) -> String {
    app.data_as(
        admin,
        "mutation($o: ID) { createProvider(input: { name: \"Geo Keeper (synthetic)\", kind: \"legal_aid\", organizationId: $o }) { id } }",
        json!({ "o": org }),
    )
    .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_location_marked_confidential_is_never_sent_by_the_retry() {
    let (app, census) = geocoding_app().await;
    let admin = app.network_admin().await;
    let p = geocoding_provider(&app, &admin, None).await;
    // Entered while the geocoder was down: placed at the county, to be retried.
    census.fail.store(1, Ordering::SeqCst);
    let loc = app
        .data_as(
            &admin,
            CREATE_LOCATION,
            json!({ "p": p, "i": { "street": "1 Fixture Way", "city": "Raleigh", "county": "37183" } }),
        )
        .await["createLocation"]
        .clone();
    assert_eq!(loc["approximate"], true);
    // Then found to be a shelter.
    let marked = app
        .data_as(&admin, UPDATE_LOCATION, json!({ "l": loc["id"], "v": loc["version"], "i": { "confidential": true } }))
        .await;
    assert_eq!(marked["updateLocation"]["confidential"], true);
    // A second one, confidential and pending as rows written before this rule can be.
    let legacy = app
        .data_as(
            &admin,
            CREATE_LOCATION,
            json!({ "p": p, "i": { "street": "1 Fixture Way", "city": "Garner", "county": "37183" } }),
        )
        .await["createLocation"]["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let db = app.sql().await;
    db.execute("UPDATE locations SET confidential = true, geocode_pending = true WHERE id = $1", &[&legacy])
        .await
        .unwrap();

    census.fail.store(0, Ordering::SeqCst);
    let before = census.hits.load(Ordering::SeqCst);
    let pool = lantern::db::pool(&app.app_db_url, 1, 5_000).unwrap();
    let mut conn = pool.get().await.unwrap();
    let strict = lantern::geocode::Geocoder::new(&census.url, Duration::from_secs(2), false);
    assert_eq!(lantern::geocode::retry_pending(&mut conn, &strict, 20).await.unwrap(), 0);
    assert_eq!(census.hits.load(Ordering::SeqCst), before, "no confidential address left the network");
    let pending: i64 = db.query_one("SELECT count(*) FROM locations WHERE geocode_pending", &[]).await.unwrap().get(0);
    assert_eq!(pending, 0, "their retries are cancelled");
    let approximate: i64 =
        db.query_one("SELECT count(*) FROM locations WHERE approximate AND confidential", &[]).await.unwrap().get(0);
    assert_eq!(approximate, 2, "both stay at their county's interior point");
}

#[tokio::test]
async fn confidential_addresses_are_retried_only_where_the_operator_allows_it() {
    let (app, census) = geocoding_app().await;
    let admin = app.network_admin().await;
    let p = geocoding_provider(&app, &admin, None).await;
    census.fail.store(1, Ordering::SeqCst);
    let loc = app
        .data_as(
            &admin,
            CREATE_LOCATION,
            json!({ "p": p, "i": { "street": "1 Fixture Way", "city": "Raleigh", "county": "37183" } }),
        )
        .await["createLocation"]["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let db = app.sql().await;
    db.execute("UPDATE locations SET confidential = true WHERE id = $1", &[&loc]).await.unwrap();
    census.fail.store(0, Ordering::SeqCst);
    let pool = lantern::db::pool(&app.app_db_url, 1, 5_000).unwrap();
    let mut conn = pool.get().await.unwrap();
    let allowed = lantern::geocode::Geocoder::new(&census.url, Duration::from_secs(2), true);
    assert_eq!(
        lantern::geocode::retry_pending(&mut conn, &allowed, 20).await.unwrap(),
        1,
        "the same rule as the first attempt"
    );
}

#[tokio::test]
async fn nothing_is_geocoded_for_callers_who_may_not_write_or_for_invalid_input() {
    let (app, census) = geocoding_app().await;
    let admin = app.network_admin().await;
    let (keeper, other) =
        (app.organization(&admin, "Keeper (test)").await, app.organization(&admin, "Other (test)").await);
    let (_, _, keeper_staff) = app.member(&admin, &keeper, "PROVIDER_STAFF").await;
    let (_, _, other_staff) = app.member(&admin, &other, "PROVIDER_STAFF").await;
    let (_, _, keeper_advocate) = app.member(&admin, &keeper, "ADVOCATE").await;
    let p = geocoding_provider(&app, &admin, Some(&keeper)).await;
    census.fail.store(1, Ordering::SeqCst);
    let existing = app
        .data_as(&keeper_staff, CREATE_LOCATION, json!({ "p": p, "i": { "latitude": 35.79, "longitude": -78.64 } }))
        .await["createLocation"]
        .clone();
    census.fail.store(0, Ordering::SeqCst);
    let found = json!({ "street": "1 Fixture Way", "city": "Raleigh" });
    let with = |extra: Value| {
        let mut i = found.clone();
        for (k, v) in extra.as_object().unwrap() {
            i[k] = v.clone();
        }
        i
    };
    let long = "x".repeat(201);
    let creates = [
        ("anonymous", None, json!({ "p": p, "i": found }), "UNAUTHENTICATED"),
        ("another organization", Some(&other_staff), json!({ "p": p, "i": found }), "FORBIDDEN"),
        ("a lower role", Some(&keeper_advocate), json!({ "p": p, "i": found }), "FORBIDDEN"),
        ("an unknown provider", Some(&admin), json!({ "p": uuid::Uuid::new_v4(), "i": found }), "NOT_FOUND"),
        ("a name too long", Some(&admin), json!({ "p": p, "i": with(json!({ "name": long })) }), "BAD_USER_INPUT"),
        (
            "a street too long",
            Some(&admin),
            json!({ "p": p, "i": with(json!({ "street": format!("1 Fixture Way {long}") })) }),
            "BAD_USER_INPUT",
        ),
        (
            "an unknown county",
            Some(&admin),
            json!({ "p": p, "i": with(json!({ "county": "37999" })) }),
            "BAD_USER_INPUT",
        ),
        (
            "a malformed county",
            Some(&admin),
            json!({ "p": p, "i": with(json!({ "county": "Wake" })) }),
            "BAD_USER_INPUT",
        ),
    ];
    let updates = [
        ("anonymous", None, json!({ "street": "1 Fixture Way" }), "UNAUTHENTICATED"),
        ("another organization", Some(&other_staff), json!({ "street": "1 Fixture Way" }), "FORBIDDEN"),
        (
            "a malformed county",
            Some(&keeper_staff),
            json!({ "street": "1 Fixture Way", "county": "Wake" }),
            "BAD_USER_INPUT",
        ),
        ("a city too long", Some(&keeper_staff), json!({ "street": "1 Fixture Way", "city": long }), "BAD_USER_INPUT"),
    ];
    let call = |token: Option<&String>, query: &'static str, vars: Value| {
        let app = &app;
        let token = token.cloned();
        async move {
            match token {
                Some(t) => app.gql_as(&t, query, vars).await.1,
                None => app.gql(query, vars).await,
            }
        }
    };
    for (who, token, vars, code) in creates {
        let body = call(token, CREATE_LOCATION, vars).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "createLocation, {who}: {body}");
        assert_eq!(census.hits.load(Ordering::SeqCst), 0, "createLocation, {who}: the geocoder was asked");
    }
    for (who, token, input, code) in updates {
        let vars = json!({ "l": existing["id"], "v": existing["version"], "i": input });
        let body = call(token, UPDATE_LOCATION, vars).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "updateLocation, {who}: {body}");
        assert_eq!(census.hits.load(Ordering::SeqCst), 0, "updateLocation, {who}: the geocoder was asked");
    }
    let cached: i64 = app.sql().await.query_one("SELECT count(*) FROM geocode_cache", &[]).await.unwrap().get(0);
    assert_eq!(cached, 0, "nothing was written to the cache");
    // The same request from someone who may make it does reach the geocoder.
    app.data_as(&keeper_staff, CREATE_LOCATION, json!({ "p": p, "i": found })).await;
    assert_eq!(census.hits.load(Ordering::SeqCst), 1);
}
