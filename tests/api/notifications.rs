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
struct Receiver {
    url: String,
    mode: Arc<AtomicU8>,
    /// (event id header, signature header, body) of every request, in arrival order.
    got: Arc<Mutex<Vec<(String, String, String)>>>,
    /// Requests being handled right now, and the most ever at once per event id.
    in_flight: Arc<Mutex<BTreeMap<String, usize>>>,
    overlap: Arc<AtomicUsize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, r: web::Data<Receiver>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let id = header("lantern-event-id");
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
    r.got.lock().unwrap().push((id, header("lantern-signature"), String::from_utf8_lossy(&body).into_owned()));
    match mode {
        FAIL => HttpResponse::InternalServerError().finish(),
        _ => HttpResponse::Ok().finish(),
    }
}

fn receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let r = Receiver {
        url: format!("http://127.0.0.1:{port}/hook"),
        mode: Arc::new(AtomicU8::new(OK)),
        got: Arc::default(),
        in_flight: Arc::default(),
        overlap: Arc::default(),
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

fn relay(app: &TestApp, settings: RelaySettings) -> Relay {
    Relay::new(lantern::db::pool(&app.app_db_url, 4, 5_000).unwrap(), app.keyring.clone(), settings)
}

fn fast() -> RelaySettings {
    RelaySettings {
        base_delay: Duration::from_millis(150),
        max_delay: Duration::from_secs(5),
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_millis(500),
        lease: Duration::from_secs(2),
        idle_poll: Duration::from_millis(20),
        ..RelaySettings::default()
    }
}

async fn subscribe(app: &TestApp, admin: &str, org: &str, url: &str, types: &[&str]) -> String {
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
