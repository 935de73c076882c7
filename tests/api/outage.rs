//! Search survives the database: with PostgreSQL stopped, public searches are answered
//! from the directory index's last snapshot, what needs the database is a masked 503
//! `UNAVAILABLE`, and everything recovers by itself. The drill runs searches under load
//! across a restart of a dedicated cluster and counts failures.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lantern::config::LocalClusterConfig;
use lantern::startup::ServerOptions;
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, PASSWORD, error_code};

/// A search with every field a crisis call needs: names, phones, distance, flags and
/// the counties served.
const NEAR_SEARCH: &str = "query($lat: Float!, $lon: Float!) { searchProviders(filter: { needs: [\"acute.housing\", \"acute.emergency_response_24h\"], near: { lat: $lat, lon: $lon } }, first: 5) {
  nodes { provider { id name kind htTrained hasContact hasActiveMou phones { number twentyFourHour } serviceArea { fips name } }
          distanceKm distanceApproximate serviceAreaMatch cursor }
  pageInfo { hasNextPage endCursor } } }";
const NAME_SEARCH: &str = "{ searchProviders(filter: { county: \"37183\" }, first: 5) { nodes { provider { id name phones { number } } } pageInfo { hasNextPage } } }";

/// A server on its own PostgreSQL cluster, which the test may stop and restart.
struct Drill {
    cluster: LocalClusterConfig,
    base: String,
    client: reqwest::Client,
    owner_url: String,
}

impl Drill {
    async fn start() -> Drill {
        let dir = std::env::temp_dir().join(format!("lantern-outage-{}", uuid::Uuid::new_v4().simple()));
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = LocalClusterConfig { dir, port };
        let c = cluster.clone();
        let urls =
            tokio::task::spawn_blocking(move || lantern::db::local_cluster::ensure_running(&c)).await.unwrap().unwrap();
        let owner_url = urls.database_url("lantern");
        lantern::db::migrate(&owner_url).await.unwrap();
        {
            use diesel_async::AsyncConnection;
            let mut conn = diesel_async::AsyncPgConnection::establish(&owner_url).await.unwrap();
            lantern::db::seed::seed(&mut conn, lantern::db::seed::SeedSet::WithSampleDirectory).await.unwrap();
        }
        let pool = lantern::db::pool(&urls.database_url_as("lantern_app", "lantern"), 8, 5_000).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let options = ServerOptions { rate_limits: NO_LIMITS, ..ServerOptions::default() };
        tokio::spawn(lantern::startup::build_server(listener, pool, options).unwrap());
        let drill = Drill { cluster, base, client: reqwest::Client::builder().no_proxy().build().unwrap(), owner_url };
        drill.wait_for_index().await;
        drill
    }

    async fn health(&self) -> (u16, Value) {
        match self.client.get(format!("{}/healthz", self.base)).send().await {
            Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or_default()),
            Err(_) => (0, Value::Null),
        }
    }

    async fn wait_for_index(&self) {
        let started = Instant::now();
        while self.health().await.1["searchIndex"] != "ready" {
            assert!(started.elapsed() < Duration::from_secs(30), "the index did not load");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Posts an operation; returns status and body.
    async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut request =
            self.client.post(format!("{}/graphql", self.base)).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or_default()),
            Err(e) => (0, json!({ "transport": e.to_string() })),
        }
    }

    /// A network admin made the operator's way, logged in over the API.
    async fn admin_token(&self) -> String {
        use diesel_async::AsyncConnection;
        let email = format!("admin-{}@lantern.test", uuid::Uuid::new_v4().simple());
        let mut conn = diesel_async::AsyncPgConnection::establish(&self.owner_url).await.unwrap();
        lantern::organizations::bootstrap_admin(
            &mut conn,
            &email,
            "Drill Admin (fake)",
            "Drill Office (test)",
            PASSWORD,
        )
        .await
        .unwrap();
        let (_, body) = self
            .post(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await;
        body["data"]["login"]["token"].as_str().unwrap().to_owned()
    }

    async fn stop_database(&self) {
        let c = self.cluster.clone();
        tokio::task::spawn_blocking(move || lantern::db::local_cluster::stop(&c)).await.unwrap().unwrap();
    }

    async fn start_database(&self) {
        let c = self.cluster.clone();
        tokio::task::spawn_blocking(move || lantern::db::local_cluster::ensure_running(&c)).await.unwrap().unwrap();
    }

    async fn restart_database(&self) {
        let c = self.cluster.clone();
        tokio::task::spawn_blocking(move || lantern::db::local_cluster::restart(&c)).await.unwrap().unwrap();
    }
}

impl Drop for Drill {
    fn drop(&mut self) {
        let _ = lantern::db::local_cluster::stop(&self.cluster);
        let _ = std::fs::remove_dir_all(&self.cluster.dir);
    }
}

/// Why an answer is not a full, error-free answer ("" when it is one).
fn failure(status: u16, body: &Value) -> String {
    if status == 200 && body.get("errors").is_none() && !body["data"].is_null() {
        String::new()
    } else {
        format!("{status} {}", if error_code(body).is_empty() { body.to_string() } else { error_code(body).to_owned() })
    }
}

#[tokio::test]
async fn with_the_database_stopped_public_searches_answer_and_the_rest_is_unavailable() {
    tokio::time::timeout(Duration::from_secs(120), stopped_database()).await.expect("finishes");
}

async fn stopped_database() {
    let drill = Drill::start().await;
    let admin = drill.admin_token().await;
    let raleigh = json!({ "lat": 35.7796, "lon": -78.6382 });
    let (_, first) = drill.post(None, NEAR_SEARCH, raleigh.clone()).await;
    // A phone changed by a statement of its own (not through the provider's row) still
    // reaches the index, so the number given during an outage is the current one.
    let nearest: uuid::Uuid =
        first["data"]["searchProviders"]["nodes"][0]["provider"]["id"].as_str().unwrap().parse().unwrap();
    let (db, connection) = tokio_postgres::connect(&drill.owner_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    db.execute("DELETE FROM provider_phones WHERE provider_id = $1", &[&nearest]).await.unwrap();
    db.execute(
        "INSERT INTO provider_phones (provider_id, number, label, twenty_four_hour, position) VALUES ($1, '(919) 555-0199', 'Crisis line', true, 0)",
        &[&nearest],
    )
    .await
    .unwrap();
    drop(db);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, before) = drill.post(None, NEAR_SEARCH, raleigh.clone()).await;
    assert_eq!(before["data"]["searchProviders"]["nodes"][0]["provider"]["phones"][0]["number"], "(919) 555-0199");
    let (_, before_by_name) = drill.post(None, NAME_SEARCH, json!({})).await;
    let (_, before_admin) = drill.post(Some(&admin), NEAR_SEARCH, raleigh.clone()).await;
    assert!(before["data"]["searchProviders"]["nodes"].as_array().is_some_and(|n| !n.is_empty()), "{before}");
    let hit = &before["data"]["searchProviders"]["nodes"][0]["provider"];
    let provider_query = "query($id: ID!) { provider(id: $id) { name htTrained phones { number twentyFourHour } } }";

    drill.stop_database().await;
    // The listener notices; from now on the snapshot is stale and answers only because
    // PostgreSQL cannot.
    let started = Instant::now();
    while drill.health().await.0 != 503 {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, during) = drill.post(None, NEAR_SEARCH, raleigh.clone()).await;
    assert_eq!(failure(status, &during), "", "anonymous search while the database is down: {during}");
    assert_eq!(during, before, "the same answer as before the outage");
    let (status, by_name) = drill.post(None, NAME_SEARCH, json!({})).await;
    assert_eq!(failure(status, &by_name), "", "{by_name}");
    assert_eq!(by_name, before_by_name);
    // A token the database verified moments ago still searches (with exact distances).
    let (status, as_admin) = drill.post(Some(&admin), NEAR_SEARCH, raleigh.clone()).await;
    assert_eq!(failure(status, &as_admin), "", "{as_admin}");
    assert_eq!(as_admin, before_admin);
    // A token never verified cannot be checked: 503, masked.
    let (status, stranger) =
        drill.post(Some("lts_0000000000000000000000000000000000000000000"), NEAR_SEARCH, raleigh.clone()).await;
    assert_eq!((status, error_code(&stranger)), (503, "UNAVAILABLE"), "{stranger}");
    // What truly needs the database says so, and only that.
    let (status, needs) = drill.post(None, "{ needCategories { code } }", json!({})).await;
    assert_eq!((status, error_code(&needs)), (503, "UNAVAILABLE"), "{needs}");
    assert_eq!(needs["errors"][0]["message"], lantern::error::UNAVAILABLE_MESSAGE);
    // Opening a result: the listing, its phones and flags come from the snapshot too;
    // its services' details need the database.
    let (status, provider) = drill.post(None, provider_query, json!({ "id": hit["id"] })).await;
    assert_eq!(failure(status, &provider), "", "{provider}");
    assert_eq!(provider["data"]["provider"]["phones"], hit["phones"]);
    let (status, services) = drill
        .post(None, "query($id: ID!) { provider(id: $id) { services { name } } }", json!({ "id": hit["id"] }))
        .await;
    assert_eq!((status, error_code(&services)), (503, "UNAVAILABLE"), "{services}");
    let (status, me) = drill.post(Some(&admin), "{ me { role } }", json!({})).await;
    assert_eq!(failure(status, &me), "", "the role comes with the verified token: {me}");
    let (status, orgs) = drill.post(Some(&admin), "{ organizations { id } }", json!({})).await;
    assert_eq!((status, error_code(&orgs)), (503, "UNAVAILABLE"), "{orgs}");

    // The database comes back: everything recovers by itself.
    drill.start_database().await;
    let started = Instant::now();
    loop {
        let (status, needs) = drill.post(None, "{ needCategories { code } }", json!({})).await;
        if failure(status, &needs).is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no recovery: {needs}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drill.wait_for_index().await;
    let (status, after) = drill.post(None, NEAR_SEARCH, raleigh).await;
    assert_eq!(failure(status, &after), "");
    assert_eq!(after, before);
}

#[tokio::test]
async fn searches_under_load_survive_a_database_restart() {
    tokio::time::timeout(Duration::from_secs(150), restart_drill()).await.expect("the drill finishes");
}

async fn restart_drill() {
    let _ = tracing_subscriber::fmt().with_env_filter("warn").with_test_writer().try_init();
    let drill = Arc::new(Drill::start().await);
    let admin = drill.admin_token().await;
    let running = Arc::new(AtomicBool::new(true));
    // Searchers around real NC towns, anonymous and signed in, as fast as they can.
    let points =
        [(35.7796, -78.6382), (35.2271, -80.8431), (36.0726, -79.792), (34.2257, -77.9447), (35.5951, -82.5515)];
    let searchers: Vec<_> = (0..8)
        .map(|i| {
            let (drill, running, admin) = (drill.clone(), running.clone(), admin.clone());
            tokio::spawn(async move {
                let token = (i % 2 == 1).then_some(admin);
                let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
                let mut n = 0usize;
                while running.load(Ordering::Relaxed) {
                    let (lat, lon) = points[(i + n) % points.len()];
                    let (query, variables) = if n % 4 == 3 {
                        (NAME_SEARCH, json!({}))
                    } else {
                        (NEAR_SEARCH, json!({ "lat": lat, "lon": lon }))
                    };
                    let (status, body) = drill.post(token.as_deref(), query, variables).await;
                    *outcomes.entry(failure(status, &body)).or_default() += 1;
                    n += 1;
                }
                (token.is_some(), outcomes)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let restart = Instant::now();
    drill.restart_database().await;
    let restart_took = restart.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    drill.wait_for_index().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    running.store(false, Ordering::Relaxed);
    let (mut anonymous, mut signed_in) = (BTreeMap::<String, usize>::new(), BTreeMap::<String, usize>::new());
    for searcher in searchers {
        let (is_signed_in, outcomes) = searcher.await.unwrap();
        let into = if is_signed_in { &mut signed_in } else { &mut anonymous };
        for (outcome, n) in outcomes {
            *into.entry(outcome).or_default() += n;
        }
    }
    let total = |m: &BTreeMap<String, usize>| m.values().sum::<usize>();
    let failed = |m: &BTreeMap<String, usize>| m.iter().filter(|(k, _)| !k.is_empty()).map(|(_, n)| n).sum::<usize>();
    eprintln!(
        "restart drill: restart took {restart_took:?}; anonymous {} searches, {} failed; signed in {} searches, {} failed; {anonymous:?} {signed_in:?}",
        total(&anonymous),
        failed(&anonymous),
        total(&signed_in),
        failed(&signed_in)
    );
    assert!(total(&anonymous) > 100 && total(&signed_in) > 100, "the load ran: {anonymous:?} {signed_in:?}");
    assert_eq!(failed(&anonymous), 0, "anonymous searches never fail: {anonymous:?}");
    assert_eq!(failed(&signed_in), 0, "signed-in searches with a recently checked token never fail: {signed_in:?}");
}
