//! The in-memory directory index against PostgreSQL: the same searches and gap matrix,
//! answered by a server reading the index and by one reading PostGIS, on one database
//! must be identical to the byte (ranks, distances, cursors, pages). The same random
//! cases are the contract between the directory's two implementations
//! (`lantern::directory::Source`), run against each of them directly. And the index keeps
//! in step: writes through the API are searchable at once, writes from elsewhere arrive
//! by notification, and a lost listener sends searches to PostgreSQL until it reloads.

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use lantern::auth::{Actor, Member, Role};
use lantern::db::StoredText;
use lantern::directory::Source;
use lantern::directory_index::View;
use lantern::gaps;
use lantern::needs::Phase;
use lantern::providers::Population;
use lantern::providers::search::{self, SearchRequest};
use lantern::standards::ServiceArea;
use lantern::startup::ServerOptions;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, TestApp};

const SEARCH: &str = "query($filter: ProviderFilter, $first: Int, $after: String) {
  searchProviders(filter: $filter, first: $first, after: $after) {
    nodes { provider { id name vettedServiceAreas { area validFrom validUntil } } distanceKm distanceApproximate serviceAreaMatch cursor }
    pageInfo { hasNextPage endCursor }
  } }";

const GAP_MATRIX: &str = "{ gapMatrix { county { fips name } need { code } providerCount withContact
  withActiveMou htTrained status } }";

fn options(search_index: bool) -> ServerOptions {
    ServerOptions { rate_limits: NO_LIMITS, search_index, ..ServerOptions::default() }
}

/// A database with the sample directory plus 3 000 generated providers (contacts, MOUs,
/// training, confidential places), some service areas and archived rows, served twice:
/// by PostgreSQL alone and from the index.
async fn two_servers() -> (TestApp, TestApp) {
    let postgres = TestApp::spawn_with(options(false)).await;
    varied_directory(&postgres).await;
    let indexed = postgres.spawn_beside(options(true)).await;
    (postgres, indexed)
}

/// The sample directory plus 3 000 generated providers, some service areas and
/// archived rows.
async fn varied_directory(postgres: &TestApp) {
    let mut conn = AsyncPgConnection::establish(&postgres.db_url).await.expect("owner connection");
    lantern::bench::generate(&mut conn, 3_000).await.expect("bench data");
    let sql = postgres.sql().await;
    sql.batch_execute(
        "INSERT INTO provider_service_areas (provider_id, county_fips)
           SELECT id, (ARRAY['37183', '37063', '37119', '37081'])[1 + (abs(hashtext(id::text)) % 4)]
           FROM providers WHERE kind = 'bench' AND abs(hashtext(id::text)) % 10 = 0
         ON CONFLICT DO NOTHING;
         UPDATE locations SET archived_at = now()
           WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench' AND abs(hashtext(id::text)) % 40 = 1);
         UPDATE services SET archived_at = now()
           WHERE provider_id IN (SELECT id FROM providers WHERE kind = 'bench' AND abs(hashtext(id::text)) % 40 = 2);
         UPDATE providers SET archived_at = now() WHERE kind = 'bench' AND abs(hashtext(id::text)) % 40 = 3;",
    )
    .await
    .expect("variety");
    sql.batch_execute(VETTING_FIXTURE).await.expect("vetting outcomes");
}

/// Six organizations keeping two thirds of the generated listings, with review outcomes
/// across the rule's cases: in force, ended yesterday, beginning tomorrow, replaced by a
/// later review vetting fewer areas, ending today, and vetting nothing.
const VETTING_FIXTURE: &str = "DO $$
DECLARE
    reviewer uuid := gen_random_uuid();
    orgs uuid[] := ARRAY[gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                         gen_random_uuid(), gen_random_uuid()];
    r record;
    a uuid;
BEGIN
    INSERT INTO users (id, email, display_name) VALUES (reviewer, 'fixture-reviewer@lantern.test', 'Fixture Reviewer (fake)');
    FOR i IN 1..6 LOOP
        INSERT INTO organizations (id, name) VALUES (orgs[i], 'Vetting Fixture ' || i || ' (test)');
    END LOOP;
    UPDATE providers SET organization_id = orgs[1 + abs(hashtext(id::text || 'org')) % 6]
     WHERE kind = 'bench' AND abs(hashtext(id::text || 'keeper')) % 3 <> 0;
    FOR r IN SELECT * FROM (VALUES
        (1, ARRAY['HOTLINE', 'SHELTER_HOUSING'], -100, 200, 100),
        (2, ARRAY['HOTLINE', 'CRISIS_RESPONSE'], -30, 300, 30),
        (3, ARRAY['SHELTER_HOUSING'], -400, -1, 400),
        (4, ARRAY['SHELTER_HOUSING'], 1, 300, 2),
        (5, ARRAY['HOTLINE', 'SHELTER_HOUSING'], -300, 60, 300),
        (5, ARRAY['HOTLINE'], -10, 355, 10),
        (6, ARRAY['SHELTER_HOUSING', 'CRISIS_RESPONSE'], -364, 0, 364),
        (6, ARRAY[]::text[], -500, -365, 500)
    ) v(o, areas, f, u, d) LOOP
        a := gen_random_uuid();
        INSERT INTO standards_assessments (id, organization_id, number, status, service_areas, submitted_at, reviewed_at, reviewed_by)
        VALUES (a, orgs[r.o], (SELECT count(*) + 1 FROM standards_assessments WHERE organization_id = orgs[r.o]), 'ACCEPTED',
                r.areas, now() - r.d * interval '1 day', now() - r.d * interval '1 day', reviewer);
        INSERT INTO standards_outcomes (assessment_id, organization_id, service_areas, valid_from, valid_until, decided_by, decided_at)
        VALUES (a, orgs[r.o], r.areas, current_date + r.f, current_date + r.u, reviewer, now() - r.d * interval '1 day');
    END LOOP;
END
$$";

fn random_filter(rng: &mut StdRng, need_codes: &[String]) -> Value {
    let mut f = json!({});
    // Mostly inside North Carolina, where the providers are; sometimes just outside.
    let near = json!({ "lat": rng.random_range(33.9..36.6), "lon": rng.random_range(-84.3..-75.6) });
    f["near"] = near;
    if rng.random_bool(0.7) {
        let n = if rng.random_bool(0.8) { 1 } else { 2 };
        f["needs"] =
            json!((0..n).map(|_| need_codes[rng.random_range(0..need_codes.len())].clone()).collect::<Vec<_>>());
    }
    if rng.random_bool(0.15) {
        f["phase"] = json!(["ACUTE", "TRANSITIONAL", "LONG_TERM"][rng.random_range(0..3)]);
    }
    if rng.random_bool(0.25) {
        f["languages"] = [json!(["es"]), json!(["vi"]), json!(["es", "vi"])][rng.random_range(0..3)].clone();
    }
    if rng.random_bool(0.2) {
        f["populations"] =
            [json!(["MINORS"]), json!(["LGBTQ"]), json!(["ADULTS", "MINORS"])][rng.random_range(0..3)].clone();
    }
    if rng.random_bool(0.15) {
        f["open24h"] = json!(true);
    }
    for flag in ["htTrained", "hasContact", "hasActiveMou"] {
        if rng.random_bool(0.15) {
            f[flag] = json!(rng.random_bool(0.5));
        }
    }
    if rng.random_bool(0.1) {
        f["county"] = json!(["37183", "37119", "37063"][rng.random_range(0..3)]);
    }
    if rng.random_bool(0.2) {
        f["vettedFor"] = [
            json!(["SHELTER_HOUSING"]),
            json!(["HOTLINE"]),
            json!(["HOTLINE", "CRISIS_RESPONSE"]),
            json!(["PEER_SUPPORT"]),
        ][rng.random_range(0..4)]
        .clone();
    }
    match rng.random_range(0..4) {
        0 => f["radiusKm"] = json!(5.0),
        1 => f["radiusKm"] = json!(25.0),
        2 => f["radiusKm"] = json!(rng.random_range(1.0..150.0)),
        _ => {}
    }
    f
}

async fn page(app: &TestApp, token: Option<&str>, filter: &Value, first: i64, after: &Value) -> Value {
    let variables = json!({ "filter": filter, "first": first, "after": after });
    match token {
        Some(token) => app.data_as(token, SEARCH, variables).await,
        None => app.data(SEARCH, variables).await,
    }
}

#[tokio::test]
async fn index_answers_equal_postgis_answers_for_random_searches() {
    let (postgres, indexed) = two_servers().await;
    // Network admins rank confidential places by their real positions; everyone else
    // by their county's point. Both views are compared.
    let admin = postgres.network_admin().await;
    let needs = postgres.data("{ needCategories { code } }", json!({})).await["needCategories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let seed = 7_2026_1122;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut pages_compared, mut nodes_compared, mut area_nodes, mut approximate_nodes) = (0, 0, 0, 0);
    let mut vetted_nodes = 0;
    for round in 0..160 {
        let filter = random_filter(&mut rng, &needs);
        let token = rng.random_bool(0.4).then_some(admin.as_str());
        let first = [3, 10, 40][rng.random_range(0..3)];
        let mut after = Value::Null;
        for page_number in 0..4 {
            let want = page(&postgres, token, &filter, first, &after).await;
            let got = page(&indexed, token, &filter, first, &after).await;
            assert_eq!(
                got,
                want,
                "seed {seed} round {round} page {page_number}: filter {filter} first {first} admin {}",
                token.is_some()
            );
            let nodes = want["searchProviders"]["nodes"].as_array().unwrap();
            pages_compared += 1;
            nodes_compared += nodes.len();
            area_nodes += nodes.iter().filter(|n| n["serviceAreaMatch"] == true).count();
            approximate_nodes += nodes.iter().filter(|n| n["distanceApproximate"] == true).count();
            if filter.get("vettedFor").is_some() {
                vetted_nodes += nodes.len();
            }
            if want["searchProviders"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = want["searchProviders"]["pageInfo"]["endCursor"].clone();
        }
    }
    assert_eq!(indexed.search_index_state().await, "ready", "the answers came from the index");
    assert_eq!(postgres.search_index_state().await, "disabled", "and the reference from PostgreSQL");
    // The comparison must have exercised the hard parts.
    assert!(pages_compared > 200 && nodes_compared > 1_500, "{pages_compared} pages, {nodes_compared} nodes");
    assert!(area_nodes > 0, "no service-area matches were compared");
    assert!(approximate_nodes > 0, "no confidential (county-point) distances were compared");
    assert!(vetted_nodes > 50, "only {vetted_nodes} providers found by vetting were compared");

    let want = postgres.data_as(&admin, GAP_MATRIX, json!({})).await;
    let got = indexed.data_as(&admin, GAP_MATRIX, json!({})).await;
    assert_eq!(want["gapMatrix"].as_array().unwrap().len(), 100 * 33);
    assert_eq!(got, want, "the gap matrix counted from the index equals PostgreSQL's");
    let county = "query { countyNeeds(fips: \"37183\") { need { code } providerCount withContact withActiveMou htTrained status } }";
    assert_eq!(indexed.data_as(&admin, county, json!({})).await, postgres.data_as(&admin, county, json!({})).await);
}

async fn nearest_ids(app: &TestApp, filter: Value) -> Vec<String> {
    app.data(SEARCH, json!({ "filter": filter, "first": 5 })).await["searchProviders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["serviceAreaMatch"] == false)
        .map(|n| n["provider"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn writes_through_the_api_are_searchable_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let p = app
        .data_as(
            &admin,
            "mutation { createProvider(input: { name: \"Instant Index (synthetic)\", kind: \"legal_aid\" }) { id } }",
            json!({}),
        )
        .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data_as(&admin, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Child care\", needs: [\"long_term.child_care\"] }) { id } }", json!({ "p": p })).await;
    let location = app
        .data_as(&admin, "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.6, longitude: -82.55 }) { id version } }", json!({ "p": p }))
        .await["createLocation"]
        .clone();
    let here = json!({ "near": { "lat": 35.6, "lon": -82.55 }, "needs": ["long_term.child_care"] });
    // No waiting, no retry: the very next request must see the write.
    assert_eq!(nearest_ids(&app, here.clone()).await.first(), Some(&p), "found at once, nearest");
    assert_ne!(
        nearest_ids(&app, json!({ "near": { "lat": 35.6, "lon": -82.55 }, "hasContact": true })).await.first(),
        Some(&p),
        "no contact yet"
    );
    app.data_as(
        &admin,
        "mutation($p: ID!) { addContact(providerId: $p, input: { name: \"Pat Placeholder (synthetic)\" }) { id } }",
        json!({ "p": p }),
    )
    .await;
    assert_eq!(
        nearest_ids(&app, json!({ "near": { "lat": 35.6, "lon": -82.55 }, "hasContact": true })).await.first(),
        Some(&p),
        "a new contact counts at once"
    );
    app.data_as(
        &admin,
        "mutation($id: ID!, $v: Int!) { archiveLocation(id: $id, version: $v) }",
        json!({ "id": location["id"], "v": location["version"] }),
    )
    .await;
    assert!(!nearest_ids(&app, here).await.contains(&p), "an archived location is gone at once");
    assert_eq!(app.search_index_state().await, "ready", "and all of it was answered by the index");

    // The gap matrix is counted incrementally as providers change: after these writes
    // it must still equal PostgreSQL's count from scratch.
    app.data_as(&admin, "mutation($p: ID!, $v: Int!) { setServiceArea(providerId: $p, version: $v, counties: [\"37021\", \"37089\"]) { id } }",
        json!({ "p": p, "v": app.data("query($p: ID!) { provider(id: $p) { version } }", json!({ "p": p })).await["provider"]["version"] })).await;
    app.data_as(&admin, "mutation($p: ID!) { recordTraining(providerId: $p, input: { trainedOn: \"2026-01-05\", kind: BASIC }) { id } }", json!({ "p": p })).await;
    let postgres = app.spawn_beside(options(false)).await;
    let want = postgres.data_as(&admin, GAP_MATRIX, json!({})).await;
    assert_eq!(app.data_as(&admin, GAP_MATRIX, json!({})).await, want);
    let buncombe = want["gapMatrix"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["county"]["fips"] == "37021" && c["need"]["code"] == "long_term.child_care")
        .unwrap()
        .clone();
    assert!(
        buncombe["providerCount"].as_i64().unwrap() >= 1 && buncombe["htTrained"].as_i64().unwrap() >= 1,
        "{buncombe}"
    );
}

/// Waits (up to 10 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

/// Adds a provider straight in the database, as another instance or a bulk import would.
async fn insert_elsewhere(app: &TestApp, name: &str, lat: f64, lon: f64) -> String {
    let sql = app.sql().await;
    let row = sql
        .query_one(
            "WITH p AS (INSERT INTO providers (name, kind, synthetic) VALUES ($1, 'legal_aid', true) RETURNING id),
                  s AS (INSERT INTO services (provider_id, name) SELECT id, 'Legal' FROM p RETURNING id),
                  n AS (INSERT INTO service_needs (service_id, need_code) SELECT id, 'transitional.legal' FROM s),
                  l AS (INSERT INTO locations (provider_id, geog, county_fips, public_geog)
                        SELECT id, ST_MakePoint($3, $2)::geography, '', ST_MakePoint($3, $2)::geography FROM p)
             SELECT id::text FROM p",
            &[&name, &lat, &lon],
        )
        .await
        .expect("insert");
    row.get(0)
}

#[tokio::test]
async fn writes_from_elsewhere_arrive_by_notification() {
    let app = TestApp::spawn().await;
    let id = insert_elsewhere(&app, "Elsewhere Legal (synthetic)", 36.2, -81.7).await;
    let here = json!({ "near": { "lat": 36.2, "lon": -81.7 }, "needs": ["transitional.legal"] });
    eventually("the notified provider to be searchable", || {
        let (app, here, id) = (&app, here.clone(), id.clone());
        async move { nearest_ids(app, here).await.first() == Some(&id) }
    })
    .await;
    app.sql()
        .await
        .execute("UPDATE providers SET archived_at = now() WHERE id = $1::text::uuid", &[&id])
        .await
        .unwrap();
    eventually("the archived provider to leave the index", || {
        let (app, here, id) = (&app, here.clone(), id.clone());
        async move { !nearest_ids(app, here).await.contains(&id) }
    })
    .await;
    assert_eq!(app.search_index_state().await, "ready");
}

#[tokio::test]
async fn a_lost_listener_reconnects_and_reloads_what_it_missed() {
    let app = TestApp::spawn().await;
    let killed = app
        .sql()
        .await
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(killed, 1, "one listener per instance");
    // Written while nobody listens: no notification will ever announce it.
    let id = insert_elsewhere(&app, "Unannounced Legal (synthetic)", 35.3, -76.9).await;
    let here = json!({ "near": { "lat": 35.3, "lon": -76.9 }, "needs": ["transitional.legal"] });
    eventually("the listener to reconnect and reload", || {
        let app = &app;
        async move { app.search_index_state().await == "ready" }
    })
    .await;
    eventually("the unannounced provider to be found", || {
        let (app, here, id) = (&app, here.clone(), id.clone());
        async move { nearest_ids(app, here).await.first() == Some(&id) }
    })
    .await;
    let listeners = app
        .sql()
        .await
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(listeners, 1, "a new listener took over");
}

/// Milliseconds at the given share (0..=1) of sorted samples.
fn percentile_ms(sorted: &[f64], share: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * share).round() as usize]
}

/// A measurement, not a check (run it alone, in release):
/// `cargo test --release --locked --test api update_cost -- --ignored --nocapture`.
/// What a write through the API costs while the index holds a large directory
/// (`LANTERN_UPDATE_COST_PROVIDERS`, default 100 000): the same mutation timed against a
/// server without the index (no catch-up) and one with it (the write waits until the
/// index has applied it). Set `LANTERN_LOG_INDEX=1` to print each update's own time.
#[tokio::test]
#[ignore = "a measurement; see its doc comment"]
async fn update_cost_at_scale() {
    if std::env::var_os("LANTERN_LOG_INDEX").is_some() {
        let _ =
            tracing_subscriber::fmt().with_env_filter("lantern::directory_index=debug").with_test_writer().try_init();
    }
    let providers: i64 =
        std::env::var("LANTERN_UPDATE_COST_PROVIDERS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let postgres = TestApp::spawn_with(options(false)).await;
    let mut conn = AsyncPgConnection::establish(&postgres.db_url).await.expect("owner connection");
    lantern::bench::generate(&mut conn, providers).await.expect("bench data");
    let started = std::time::Instant::now();
    let indexed = postgres.spawn_beside(options(true)).await;
    eprintln!("index of {providers} bench providers loaded in {:?}", started.elapsed());
    let admin = postgres.network_admin().await;
    let id: String = postgres
        .sql()
        .await
        .query_one("SELECT id::text FROM providers WHERE kind = 'bench' ORDER BY id LIMIT 1", &[])
        .await
        .unwrap()
        .get(0);
    let write = "mutation($p: ID!) { recordTraining(providerId: $p, input: { trainedOn: \"2026-01-05\", kind: ADVANCED }) { id } }";
    let time_writes = async |label: &str, app: &TestApp| {
        let mut ms = Vec::new();
        for round in 0..60 {
            let started = std::time::Instant::now();
            app.data_as(&admin, write, json!({ "p": id })).await;
            if round >= 10 {
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        ms.sort_by(f64::total_cmp);
        eprintln!(
            "recordTraining {label}: p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms",
            percentile_ms(&ms, 0.5),
            percentile_ms(&ms, 0.9),
            percentile_ms(&ms, 1.0)
        );
    };
    eprintln!("phase: one changed provider");
    time_writes("without the index", &postgres).await;
    time_writes("with the index", &indexed).await;
    // Grow the view's layer of changed providers to just under the size at which it is
    // merged into the base (1/64 of it), in statements of 125 providers (each announced
    // with their ids): every update then copies that layer.
    let sql = postgres.sql().await;
    let touch = "UPDATE providers SET description = description WHERE id IN
                   (SELECT id FROM providers WHERE kind = 'bench' ORDER BY id OFFSET $1 LIMIT 125)";
    for round in 0..12i64 {
        sql.execute(touch, &[&(1_000 + round * 125)]).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    eprintln!("phase: 1 500 changed providers");
    time_writes("with the index", &indexed).await;
    // One more statement passes the share: the layer is merged into a new base.
    eprintln!("phase: merge");
    sql.execute(touch, &[&(1_000 + 12 * 125i64)]).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    eprintln!("phase: after the merge");
    time_writes("with the index", &indexed).await;
    assert_eq!(indexed.search_index_state().await, "ready");
}

/// Every mutation that writes what search reads (providers, services and their needs,
/// locations, service areas, phones, contacts, training, MOUs). Each goes through the
/// directory's write path and has a scenario in the test below.
const DIRECTORY_WRITES: &[&str] = &[
    "createProvider",
    "updateProvider",
    "archiveProvider",
    "setServiceArea",
    "createService",
    "updateService",
    "archiveService",
    "createLocation",
    "updateLocation",
    "archiveLocation",
    "addContact",
    "verifyContact",
    "archiveContact",
    "recordTraining",
    "createMou",
    "updateMou",
    "createCapacityUnitKind",
    "updateCapacityUnitKind",
    "setCapacity",
    "confirmCapacity",
    "holdCapacity",
    "releaseCapacityHold",
    "updateCapacityByLink",
];

/// Every other mutation, and why search cannot see what it writes.
const OTHER_MUTATIONS: &[(&str, &str)] = &[
    ("login", "sessions"),
    ("logout", "sessions"),
    ("acceptInvitation", "users and sessions"),
    ("createOrganization", "organizations"),
    ("inviteUser", "users and memberships"),
    ("setMembership", "memberships"),
    ("removeMembership", "memberships"),
    ("revokeUserTokens", "sessions"),
    ("createApiKey", "API keys"),
    ("revokeApiKey", "API keys"),
    ("createClient", "clients"),
    ("recordConsent", "consents"),
    ("revokeConsent", "consents"),
    ("createReferral", "referrals"),
    ("transitionReferral", "referrals"),
    ("assignFollowUp", "follow-ups"),
    ("completeFollowUp", "follow-ups"),
    ("rescheduleFollowUp", "follow-ups"),
    ("updateNetworkSettings", "network settings"),
    ("setMinorSelfConsent", "a service column search does not read"),
    ("setCountyTeam", "county teams"),
    ("updateCountyWorksheet", "county worksheets"),
    ("createActionItem", "county worksheets"),
    ("updateActionItem", "county worksheets"),
    ("createWebhookSubscription", "webhook subscriptions"),
    ("deleteWebhookSubscription", "webhook subscriptions"),
    ("redeliverWebhook", "webhook deliveries"),
    ("setStandardsServiceArea", "standards assessments"),
    ("startStandardsAssessment", "standards assessments"),
    ("saveStandardsAnswer", "standards assessments"),
    ("submitStandardsAssessment", "standards assessments"),
    ("reviewStandard", "standards reviews"),
    // Search reads outcomes (`vettedFor`): it goes through the directory's write path,
    // and its scenario (searchable by the reviewer at once) is in tests/api/vetting.rs.
    ("completeStandardsReview", "vetting outcomes"),
    ("setReferralVettingRequirement", "referral routing rules"),
    ("liftReferralVettingRequirement", "referral routing rules"),
    ("grantStandardsReviewer", "standards reviewers"),
    ("revokeStandardsReviewer", "standards reviewers"),
    ("saveCapacityChecklistAnswer", "capacity checklists"),
    ("updateCapacityReview", "capacity checklists"),
    ("createCapacityGoal", "capacity checklists"),
    ("updateCapacityGoal", "capacity checklists"),
    ("archiveCapacityGoal", "capacity checklists"),
    ("createCapacityUpdateLink", "update links"),
    ("revokeCapacityUpdateLink", "update links"),
];

/// The mutation fields of an SDL.
fn mutation_names(sdl: &str) -> std::collections::BTreeSet<String> {
    let block = sdl.split("type Mutation {").nth(1).expect("a Mutation type").split("\n}").next().unwrap();
    let mut in_description = false;
    let mut names = std::collections::BTreeSet::new();
    // Fields sit one tab in; their arguments (and the arguments' descriptions) deeper.
    for line in block.lines().filter(|l| !l.starts_with("\t\t")).map(str::trim) {
        if line.starts_with("\"\"\"") {
            in_description = !(in_description || line.len() > 3 && line.ends_with("\"\"\""));
            continue;
        }
        if in_description || line.is_empty() || line.starts_with('"') {
            continue;
        }
        let name: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            names.insert(name);
        }
    }
    names
}

/// Ids (with names, and whether they matched by service area) a search finds.
async fn found(app: &TestApp, filter: Value) -> Vec<(String, String, bool)> {
    let data = app.data(SEARCH, json!({ "filter": filter, "first": 40 })).await;
    data["searchProviders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let p = &n["provider"];
            (
                p["id"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
                n["serviceAreaMatch"] == true,
            )
        })
        .collect()
}

fn ids(hits: &[(String, String, bool)]) -> Vec<&str> {
    hits.iter().map(|h| h.0.as_str()).collect()
}

#[tokio::test]
async fn every_directory_write_is_searchable_by_its_writer_at_once() {
    // Every mutation of the API is placed: a new one must be, before this passes.
    let classified: std::collections::BTreeSet<String> = DIRECTORY_WRITES
        .iter()
        .copied()
        .chain(OTHER_MUTATIONS.iter().map(|(name, _)| *name))
        .map(str::to_owned)
        .collect();
    assert_eq!(mutation_names(&lantern::graphql::sdl()), classified, "place each mutation in one of the lists");

    // The index applies every change 400 ms late, as a busy instance would: a write
    // that did not wait for it would not be found by the search right after it.
    let app =
        TestApp::spawn_with(ServerOptions { search_index_lag: Duration::from_millis(400), ..options(true) }).await;
    let admin = app.network_admin().await;
    let mut written = std::collections::BTreeSet::new();
    let mut write = async |mutation: &'static str, query: &str, variables: Value| -> Value {
        written.insert(mutation);
        app.data_as(&admin, query, variables).await[mutation].clone()
    };
    let today = chrono::Utc::now().date_naive();
    let (a, b) = (json!({ "lat": 35.3512, "lon": -81.9523 }), json!({ "lat": 35.5951, "lon": -82.5515 }));
    let near = |at: &Value, more: Value| {
        let mut f = json!({ "near": at, "radiusKm": 1.0 });
        f.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
        f
    };

    let p = write(
        "createProvider",
        "mutation { createProvider(input: { name: \"0000 Read Your Writes (synthetic)\", kind: \"legal_aid\" }) { id } }",
        json!({}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Without a point PostgreSQL answers.
    assert_eq!(ids(&found(&app, json!({})).await).first(), Some(&p.as_str()), "createProvider");
    let location = write(
        "createLocation",
        "mutation($p: ID!, $at: Float!, $lon: Float!) { createLocation(providerId: $p, input: { latitude: $at, longitude: $lon }) { id version } }",
        json!({ "p": p, "at": a["lat"], "lon": a["lon"] }),
    )
    .await;
    assert!(ids(&found(&app, near(&a, json!({}))).await).contains(&p.as_str()), "createLocation");
    let service = write(
        "createService",
        "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Legal help\", needs: [\"transitional.legal\"] }) { id version } }",
        json!({ "p": p }),
    )
    .await;
    assert!(
        ids(&found(&app, near(&a, json!({ "needs": ["transitional.legal"] }))).await).contains(&p.as_str()),
        "createService"
    );
    let service = write(
        "updateService",
        "mutation($id: ID!, $v: Int!) { updateService(id: $id, version: $v, input: { needs: [\"long_term.child_care\"] }) { id version } }",
        json!({ "id": service["id"], "v": service["version"] }),
    )
    .await;
    let child_care = near(&a, json!({ "needs": ["long_term.child_care"] }));
    assert!(ids(&found(&app, child_care.clone()).await).contains(&p.as_str()), "updateService");
    write(
        "archiveService",
        "mutation($id: ID!, $v: Int!) { archiveService(id: $id, version: $v) }",
        json!({ "id": service["id"], "v": service["version"] }),
    )
    .await;
    assert!(!ids(&found(&app, child_care).await).contains(&p.as_str()), "archiveService");
    let version =
        app.data("query($p: ID!) { provider(id: $p) { version } }", json!({ "p": p })).await["provider"]["version"]
            .clone();
    write(
        "updateProvider",
        "mutation($p: ID!, $v: Int!) { updateProvider(id: $p, version: $v, input: { name: \"0000 Read Your Writes, renamed (synthetic)\" }) { id } }",
        json!({ "p": p, "v": version }),
    )
    .await;
    let renamed = found(&app, near(&a, json!({}))).await;
    assert!(
        renamed.iter().any(|h| h.0 == p && h.1 == "0000 Read Your Writes, renamed (synthetic)"),
        "updateProvider: {renamed:?}"
    );
    let version =
        app.data("query($p: ID!) { provider(id: $p) { version } }", json!({ "p": p })).await["provider"]["version"]
            .clone();
    write(
        "setServiceArea",
        "mutation($p: ID!, $v: Int!) { setServiceArea(providerId: $p, version: $v, counties: [\"37131\"]) { id } }",
        json!({ "p": p, "v": version }),
    )
    .await;
    let northampton = near(&json!({ "lat": 36.42, "lon": -77.42 }), json!({}));
    assert!(found(&app, northampton.clone()).await.iter().any(|h| h.0 == p && h.2), "setServiceArea");
    let location = write(
        "updateLocation",
        "mutation($id: ID!, $v: Int!, $at: Float!, $lon: Float!) { updateLocation(id: $id, version: $v, input: { latitude: $at, longitude: $lon }) { id version } }",
        json!({ "id": location["id"], "v": location["version"], "at": b["lat"], "lon": b["lon"] }),
    )
    .await;
    assert!(ids(&found(&app, near(&b, json!({}))).await).contains(&p.as_str()), "updateLocation");
    assert!(!ids(&found(&app, near(&a, json!({}))).await).contains(&p.as_str()), "updateLocation moved it");
    let with_contact = near(&b, json!({ "hasContact": true }));
    assert!(!ids(&found(&app, with_contact.clone()).await).contains(&p.as_str()));
    let contact = write(
        "addContact",
        "mutation($p: ID!) { addContact(providerId: $p, input: { name: \"Pat Placeholder (synthetic)\" }) { id version } }",
        json!({ "p": p }),
    )
    .await;
    assert!(ids(&found(&app, with_contact.clone()).await).contains(&p.as_str()), "addContact");
    write(
        "verifyContact",
        "mutation($id: ID!, $v: Int!) { verifyContact(id: $id, version: $v) }",
        json!({ "id": contact["id"], "v": contact["version"] }),
    )
    .await;
    assert!(ids(&found(&app, with_contact.clone()).await).contains(&p.as_str()), "verifyContact");
    write(
        "archiveContact",
        "mutation($id: ID!, $v: Int!) { archiveContact(id: $id, version: $v) }",
        json!({ "id": contact["id"], "v": contact["version"].as_i64().unwrap() + 1 }),
    )
    .await;
    assert!(!ids(&found(&app, with_contact).await).contains(&p.as_str()), "archiveContact");
    write(
        "recordTraining",
        "mutation($p: ID!, $on: NaiveDate!) { recordTraining(providerId: $p, input: { trainedOn: $on, kind: BASIC }) { id } }",
        json!({ "p": p, "on": (today - chrono::Days::new(10)).to_string() }),
    )
    .await;
    assert!(ids(&found(&app, near(&b, json!({ "htTrained": true }))).await).contains(&p.as_str()), "recordTraining");
    let mou = write(
        "createMou",
        "mutation($i: MouInput!) { createMou(input: $i) { id version } }",
        json!({ "i": { "providerId": p, "title": "Partnership (synthetic)", "scopeNeeds": ["transitional.legal"],
            "effectiveOn": (today - chrono::Days::new(30)).to_string(), "expiresOn": (today + chrono::Days::new(300)).to_string(),
            "status": "ACTIVE", "parties": [{ "countyFips": "37131" }] } }),
    )
    .await;
    let with_mou = near(&b, json!({ "hasActiveMou": true }));
    assert!(ids(&found(&app, with_mou.clone()).await).contains(&p.as_str()), "createMou");
    write(
        "updateMou",
        "mutation($id: ID!, $v: Int!) { updateMou(id: $id, version: $v, input: { status: TERMINATED }) { id } }",
        json!({ "id": mou["id"], "v": mou["version"] }),
    )
    .await;
    assert!(!ids(&found(&app, with_mou).await).contains(&p.as_str()), "updateMou");
    write(
        "archiveLocation",
        "mutation($id: ID!, $v: Int!) { archiveLocation(id: $id, version: $v) }",
        json!({ "id": location["id"], "v": location["version"] }),
    )
    .await;
    assert!(!ids(&found(&app, near(&b, json!({}))).await).contains(&p.as_str()), "archiveLocation");
    let version =
        app.data("query($p: ID!) { provider(id: $p) { version } }", json!({ "p": p })).await["provider"]["version"]
            .clone();
    write(
        "archiveProvider",
        "mutation($p: ID!, $v: Int!) { archiveProvider(id: $p, version: $v) }",
        json!({ "p": p, "v": version }),
    )
    .await;
    assert!(!ids(&found(&app, northampton).await).contains(&p.as_str()), "archiveProvider");

    // Capacity (issue 18): a shelter with a bed, found by `hasCapacity` at once after
    // each write that changes whether it has room now, whoever writes.
    let keeper = app.organization(&admin, "Shelter (test)").await;
    let shelter = app
        .data_as(&admin, "mutation($o: ID!) { createProvider(input: { name: \"0001 Room Tonight (synthetic)\", kind: \"shelter\", organizationId: $o }) { id } }",
            json!({ "o": keeper }))
        .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data_as(&admin, "mutation($p: ID!, $at: Float!, $lon: Float!) { createLocation(providerId: $p, input: { latitude: $at, longitude: $lon }) { id } }",
        json!({ "p": shelter, "at": a["lat"], "lon": a["lon"] })).await;
    let beds = app
        .data_as(&admin, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Beds\", needs: [\"acute.housing\"] }) { id } }", json!({ "p": shelter }))
        .await["createService"]["id"]
        .clone();
    let room = near(&a, json!({ "needs": ["acute.housing"], "hasCapacity": true }));
    let has_room =
        async |label: &str| ids(&found(&app, room.clone()).await).contains(&shelter.as_str()) || label.is_empty();
    written.insert("createCapacityUnitKind");
    app.data_as(
        &admin,
        "mutation { createCapacityUnitKind(code: \"cot\", input: { name: \"Cot\" }) { code } }",
        json!({}),
    )
    .await;
    written.insert("setCapacity");
    app.data_as(
        &admin,
        "mutation($s: ID!) { setCapacity(serviceId: $s, input: { unitCode: \"cot\", available: 1 }) { state } }",
        json!({ "s": beds }),
    )
    .await;
    assert!(has_room("setCapacity").await, "setCapacity");
    written.insert("updateCapacityUnitKind");
    app.data_as(
        &admin,
        "mutation { updateCapacityUnitKind(code: \"cot\", version: 1, input: { archived: true }) { code } }",
        json!({}),
    )
    .await;
    assert!(!has_room("updateCapacityUnitKind").await, "updateCapacityUnitKind");
    app.data_as(
        &admin,
        "mutation { updateCapacityUnitKind(code: \"cot\", version: 2, input: { archived: false }) { code } }",
        json!({}),
    )
    .await;
    assert!(has_room("updateCapacityUnitKind").await, "updateCapacityUnitKind");
    let org = app.organization(&admin, "Advocacy (test)").await;
    let (_, _, advocate) = app.member(&admin, &org, "ADVOCATE").await;
    let referral = app
        .data_as(&advocate, "mutation($k: String!, $s: ID!) { createReferral(idempotencyKey: $k, input: { serviceId: $s, needCode: \"acute.housing\", urgency: EMERGENCY }) { id } }",
            json!({ "k": uuid::Uuid::new_v4().to_string(), "s": beds }))
        .await["createReferral"]["id"]
        .clone();
    written.insert("holdCapacity");
    let hold = app
        .data_as(
            &advocate,
            "mutation($r: ID!) { holdCapacity(referralId: $r, unitCode: \"cot\") { id } }",
            json!({ "r": referral }),
        )
        .await["holdCapacity"]["id"]
        .clone();
    assert!(!has_room("holdCapacity").await, "holdCapacity");
    written.insert("releaseCapacityHold");
    app.data_as(&advocate, "mutation($id: ID!) { releaseCapacityHold(id: $id) { id } }", json!({ "id": hold })).await;
    assert!(has_room("releaseCapacityHold").await, "releaseCapacityHold");
    let token = app
        .data_as(
            &admin,
            "mutation($s: ID!) { createCapacityUpdateLink(serviceId: $s, label: \"Desk\") { token } }",
            json!({ "s": beds }),
        )
        .await["createCapacityUpdateLink"]["token"]
        .clone();
    written.insert("updateCapacityByLink");
    app.data("mutation($t: String!) { updateCapacityByLink(token: $t, input: [{ unitCode: \"cot\", available: 0 }]) { serviceId } }", json!({ "t": token })).await;
    assert!(!has_room("updateCapacityByLink").await, "updateCapacityByLink");
    app.data("mutation($t: String!) { updateCapacityByLink(token: $t, input: [{ unitCode: \"cot\", available: 2 }]) { serviceId } }", json!({ "t": token })).await;
    assert!(has_room("updateCapacityByLink").await, "updateCapacityByLink");
    // Gone stale beside the API (seen once the lagging index applies it), then confirmed.
    app.sql().await.execute("UPDATE service_capacity SET set_at = now() - interval '13 hours'", &[]).await.unwrap();
    for _ in 0..50 {
        if !has_room("").await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    written.insert("confirmCapacity");
    app.data_as(&admin, "mutation($s: ID!) { confirmCapacity(serviceId: $s) { state } }", json!({ "s": beds })).await;
    assert!(has_room("confirmCapacity").await, "confirmCapacity");

    let every: std::collections::BTreeSet<&str> = DIRECTORY_WRITES.iter().copied().collect();
    assert_eq!(written, every, "each directory write has its scenario");
    assert_eq!(app.search_index_state().await, "ready", "and every search with a point was the index's");
}

/// A random case of the tests above as the domain takes it.
fn request(filter: &Value, first: i64, after: &Value) -> SearchRequest {
    let strings = |key: &str| {
        filter.get(key).map(|list| list.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect())
    };
    let flag = |key: &str| filter.get(key).and_then(Value::as_bool);
    SearchRequest {
        needs: strings("needs"),
        phase: filter.get("phase").map(|p| Phase::from_db(p.as_str().unwrap()).unwrap()),
        county: filter.get("county").map(|c| c.as_str().unwrap().to_owned()),
        near: filter.get("near").map(|n| (n["lat"].as_f64().unwrap(), n["lon"].as_f64().unwrap())),
        radius_km: filter.get("radiusKm").and_then(Value::as_f64),
        languages: strings("languages"),
        populations: strings("populations")
            .map(|ps: Vec<String>| ps.iter().map(|p| Population::from_db(p).unwrap()).collect()),
        open_24h: flag("open24h"),
        ht_trained: flag("htTrained"),
        has_contact: flag("hasContact"),
        has_active_mou: flag("hasActiveMou"),
        vetted_for: strings("vettedFor")
            .map(|areas: Vec<String>| areas.iter().map(|a| ServiceArea::from_db(a).unwrap()).collect()),
        first: Some(first as i32),
        has_capacity: flag("hasCapacity"),
        after: after.as_str().map(str::to_owned),
    }
}

/// Runs the random cases against both implementations; returns pages compared.
async fn both_answer_alike(view: &View, conn: &mut AsyncPgConnection, needs: &[String], label: &str) -> usize {
    let admin = Actor::Member(Member {
        user_id: None,
        api_key_id: None,
        session_id: None,
        organization_id: uuid::Uuid::nil(),
        role: Role::NetworkAdmin,
    });
    let seed = 14_2026_1202;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pages = 0;
    for round in 0..100 {
        let filter = random_filter(&mut rng, needs);
        let viewer = if rng.random_bool(0.4) { &admin } else { &Actor::Anonymous };
        let first = [3, 10, 40][rng.random_range(0..3)];
        let mut after = Value::Null;
        for page_number in 0..4 {
            let query = search::parse(request(&filter, first, &after)).expect("a valid case");
            let from_index = search::answer(Source::Index(view), viewer, &query).await.expect("the index answers");
            let from_database =
                search::answer(Source::Database(conn), viewer, &query).await.expect("PostgreSQL answers");
            assert_eq!(from_index, from_database, "{label}: seed {seed} round {round} page {page_number}: {filter}");
            pages += 1;
            match from_database.end_cursor() {
                Some(cursor) if from_database.has_next_page => after = json!(cursor),
                _ => break,
            }
        }
    }
    let from_index = gaps::matrix_on(Source::Index(view), None).await.unwrap();
    assert_eq!(from_index, gaps::matrix_on(Source::Database(conn), None).await.unwrap(), "{label}: the gap matrix");
    pages
}

#[tokio::test]
async fn the_index_and_postgresql_implementations_answer_alike() {
    let app = TestApp::spawn_with(options(false)).await;
    varied_directory(&app).await;
    let mut conn = AsyncPgConnection::establish(&app.app_db_url).await.expect("a service connection");
    let needs: Vec<String> = lantern::needs::list(&mut conn, None).await.unwrap().into_iter().map(|n| n.code).collect();
    let loaded = lantern::directory_index::load_view(&mut conn).await.unwrap();
    let pages = both_answer_alike(&loaded, &mut conn, &needs, "a loaded view").await;

    // Changes of every kind, applied as the listener applies them: the view then holds
    // a layer of changed providers over its base.
    let changed: Vec<uuid::Uuid> = app
        .sql()
        .await
        .query(
            "WITH picked AS (SELECT id FROM providers WHERE kind = 'bench' AND abs(hashtext(id::text || 'c')) % 15 = 0),
                  moved AS (UPDATE locations SET geog = ST_Project(geog, 4000, radians(45)), public_geog = ST_Project(public_geog, 4000, radians(45))
                            WHERE provider_id IN (SELECT id FROM picked) AND abs(hashtext(provider_id::text)) % 3 = 0 RETURNING provider_id),
                  renamed AS (UPDATE providers SET name = 'Aa changed ' || name WHERE id IN (SELECT id FROM picked) AND abs(hashtext(id::text)) % 3 = 1 RETURNING id),
                  archived AS (UPDATE providers SET archived_at = now() WHERE id IN (SELECT id FROM picked) AND abs(hashtext(id::text)) % 3 = 2 RETURNING id),
                  trained AS (INSERT INTO training_records (provider_id, trained_on, kind) SELECT id, current_date - 5, 'BASIC' FROM picked RETURNING provider_id)
             SELECT id FROM picked",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(changed.len() > 100, "{} providers changed", changed.len());
    let with_changes = lantern::directory_index::refresh_view(&loaded, &mut conn, &changed).await.unwrap();
    assert!(with_changes.provider_count() < loaded.provider_count(), "some were archived");
    let more = both_answer_alike(&with_changes, &mut conn, &needs, "a view with changes").await;
    assert!(pages + more > 300, "{pages} + {more} pages compared");
}
