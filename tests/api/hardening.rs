//! The API as it faces the internet: optimistic concurrency, field-level validation with
//! nothing half-written, an append-only audit log, an unprivileged database role,
//! rate limits, query-shape limits, timeouts and masked errors.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lantern::config::{Config, RateLimits};
use lantern::startup::ServerOptions;
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, TestApp, error_code};

async fn provider_of(app: &TestApp, token: &str) -> String {
    app.data_as(
        token,
        "mutation { createProvider(input: { name: \"Concurrency Test (synthetic)\", kind: \"legal_aid\" }) { id } }",
        json!({}),
    )
    .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn two_editors_never_silently_overwrite_each_other() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let p = provider_of(&app, &admin).await;
    let update = "mutation($p: ID!, $v: Int!, $d: String!) { updateProvider(id: $p, version: $v, input: { description: $d }) { version description } }";
    // Both read version 1; the first write wins, the second is told.
    let first = app.data_as(&admin, update, json!({ "p": p, "v": 1, "d": "first editor" })).await;
    assert_eq!(first["updateProvider"]["version"], 2);
    let (_, second) = app.gql_as(&admin, update, json!({ "p": p, "v": 1, "d": "second editor" })).await;
    assert_eq!(error_code(&second), "CONFLICT", "{second}");
    let now = app.data("query($p: ID!) { provider(id: $p) { description version } }", json!({ "p": p })).await;
    assert_eq!(now["provider"]["description"], "first editor");
    assert_eq!(now["provider"]["version"], 2);

    // Concurrent writers with the same version: exactly one succeeds.
    let attempts = (0..8).map(|i| {
        let app = &app;
        let admin = &admin;
        let p = &p;
        async move { app.gql_as(admin, update, json!({ "p": p, "v": 2, "d": format!("racer {i}") })).await.1 }
    });
    let results = futures_util::future::join_all(attempts).await;
    let wins = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(wins, 1, "{results:?}");
    assert!(results.iter().filter(|r| r.get("errors").is_some()).all(|r| error_code(r) == "CONFLICT"));
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let p = provider_of(&app, &admin).await;
    let db = app.sql().await;
    let census =
        "SELECT (SELECT count(*) FROM providers) + (SELECT count(*) FROM services) + (SELECT count(*) FROM locations)
                  + (SELECT count(*) FROM provider_service_areas) + (SELECT count(*) FROM audit_log)";
    let before: i64 = db.query_one(census, &[]).await.unwrap().get(0);
    let cases: &[(&str, &str, &str)] = &[
        (
            "mutation { createProvider(input: { name: \"  \", kind: \"legal_aid\" }) { id } }",
            "input.name",
            "blank name",
        ),
        ("mutation { createProvider(input: { name: \"X\", kind: \"Legal Aid!\" }) { id } }", "input.kind", "bad kind"),
        (
            "mutation { createProvider(input: { name: \"X\", kind: \"legal_aid\", website: \"javascript:alert(1)\" }) { id } }",
            "input.website",
            "bad website",
        ),
        (
            "mutation { createProvider(input: { name: \"X\", kind: \"legal_aid\", email: \"nope\" }) { id } }",
            "input.email",
            "bad email",
        ),
        (
            "mutation($p: ID!) { createService(providerId: $p, input: { name: \"S\", needs: [\"acute.housing\", \"acute.nothing\"] }) { id } }",
            "input.needs",
            "unknown need",
        ),
        (
            "mutation($p: ID!) { createService(providerId: $p, input: { name: \"S\", needs: [] }) { id } }",
            "input.needs",
            "no need",
        ),
        (
            "mutation($p: ID!) { createService(providerId: $p, input: { name: \"S\", needs: [\"acute.housing\"], languages: [\"Spanish\"] }) { id } }",
            "input.languages",
            "bad language",
        ),
        (
            "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 37.54, longitude: -77.44 }) { id } }",
            "input.latitude",
            "outside NC",
        ),
        (
            "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 95, longitude: -77.44 }) { id } }",
            "input.latitude",
            "latitude out of range",
        ),
        (
            "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35, longitude: -277 }) { id } }",
            "input.longitude",
            "longitude out of range",
        ),
        (
            "mutation($p: ID!) { setServiceArea(providerId: $p, version: 1, counties: [\"37183\", \"51059\"]) { id } }",
            "counties",
            "unknown county",
        ),
        (
            "mutation($p: ID!) { updateProvider(id: $p, version: 1, input: { name: \"\" }) { id } }",
            "input.name",
            "blank rename",
        ),
        ("mutation { updateProvider(id: \"nope\", version: 1, input: {}) { id } }", "id", "bad id"),
    ];
    for (query, field, case) in cases {
        let (status, body) = app.gql_as(&admin, query, json!({ "p": p })).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{case}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], *field, "{case}: {body}");
    }
    let after: i64 = db.query_one(census, &[]).await.unwrap().get(0);
    assert_eq!(before, after, "no refused write left a row behind, audit included");
}

#[tokio::test]
async fn the_audit_log_is_append_only_for_the_service() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let p = provider_of(&app, &admin).await;
    let (service, conn) = tokio_postgres::connect(&app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let rows: i64 = service
        .query_one("SELECT count(*) FROM audit_log WHERE target_id = $1 AND action = 'provider.create'", &[&p])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    service
        .execute("INSERT INTO audit_log (action, target_type) VALUES ('test.insert', 'test')", &[])
        .await
        .expect("the service may append");
    for statement in ["UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let err = service.execute(statement, &[]).await.expect_err(statement);
        assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{statement}: {err:?}");
    }
    // Nor can it reach around its own guards.
    for statement in
        ["ALTER TABLE audit_log DISABLE TRIGGER ALL", "DROP TABLE audit_log", "CREATE TABLE sneaky (x int)"]
    {
        assert!(service.execute(statement, &[]).await.is_err(), "{statement}");
    }
}

/// A SECURITY DEFINER function runs with its owner's rights, so every name in it must
/// mean what its owner meant: the search path is pinned, pg_catalog first and the
/// caller's temporary schema last (unlisted, it is searched first for tables).
#[tokio::test]
async fn security_definer_functions_pin_their_search_path() {
    let n = crate::referrals::network().await;
    let db = n.app.sql().await;
    let rows = db
        .query(
            // Ours, that is: PostGIS ships one of its own (ST_EstimatedExtent, in C).
            "SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}') FROM pg_proc p
             WHERE p.prosecdef AND NOT EXISTS (SELECT 1 FROM pg_depend d
                 WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let functions: Vec<(String, Vec<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let names: Vec<&str> = functions.iter().map(|(f, _)| f.as_str()).collect();
    assert!(names.contains(&"referral_demand_count()") && names.contains(&"demand_freeze_quarter(date)"), "{names:?}");
    for (function, config) in &functions {
        let path = config
            .iter()
            .find_map(|c| c.strip_prefix("search_path="))
            .unwrap_or_else(|| panic!("{function} sets no search_path: {config:?}"));
        let schemas: Vec<&str> = path.split(',').map(|s| s.trim().trim_matches('"')).collect();
        assert_eq!(schemas.first(), Some(&"pg_catalog"), "{function}: {path}");
        assert_eq!(schemas.last(), Some(&"pg_temp"), "{function}: {path}");
    }

    // The attack it stops: the service role shadows the demand counters with a temporary
    // table, and its referrals are counted there instead.
    let (service, connection) = tokio_postgres::connect(&n.app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    service
        .batch_execute(
            "CREATE TEMPORARY TABLE referral_demand (county_fips text, need_code text, sent_on date, counter integer,
                 sent integer, declined_no_capacity integer, placed integer,
                 PRIMARY KEY (county_fips, need_code, sent_on, counter))",
        )
        .await
        .expect("the service role may create temporary tables");
    service
        .batch_execute(&format!(
            "BEGIN;
             SELECT set_config('app.org_id', '{sender}', true);
             INSERT INTO referrals (sender_organization_id, recipient_organization_id, provider_id, service_id,
                                    need_code, urgency, status, sent_at, county_fips)
             SELECT '{sender}', '{recipient}', provider_id, id, 'acute.housing', 'URGENT', 'SENT', now(), '37001'
             FROM services WHERE id = '{service}';
             COMMIT;",
            sender = n.sender_org,
            recipient = n.recipient_org,
            service = n.service
        ))
        .await
        .expect("a referral sent as the service");
    let shadowed: i64 = service.query_one("SELECT count(*) FROM pg_temp.referral_demand", &[]).await.unwrap().get(0);
    assert_eq!(shadowed, 0, "nothing was counted in the caller's temporary table");
    let counted: i64 = db
        .query_one("SELECT coalesce(sum(sent), 0)::bigint FROM public.referral_demand WHERE county_fips = '37001'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(counted, 1, "the referral counts where it should");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn the_service_refuses_a_privileged_database_role() {
    let app = TestApp::spawn().await;
    // In-process: the superuser (also the tables' owner) is refused, lantern_app passes.
    let config = |url: &str| {
        Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some(url.to_owned()),
            _ => None,
        })
        .unwrap()
    };
    let Err(refused) = lantern::startup::prepare_database(&config(&app.db_url)).await else {
        panic!("a superuser connection was accepted");
    };
    assert!(refused.to_string().contains("refusing to start"), "{refused}");
    lantern::startup::prepare_database(&config(&app.app_db_url)).await.expect("the service role is accepted");

    // The real binary exits with the reason instead of serving.
    let out = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("serve")
        .env("DATABASE_URL", &app.db_url)
        .env("LANTERN_PII_KEYS", lantern::crypto::Keyring::new_key_spec("t1"))
        .env("LANTERN_ADDR", format!("127.0.0.1:{}", free_port()))
        .env_remove("LANTERN_MIGRATION_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("superuser"), "{text}");

    // And with the service role it serves.
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("serve")
        .env("DATABASE_URL", &app.app_db_url)
        .env("LANTERN_PII_KEYS", lantern::crypto::Keyring::new_key_spec("t1"))
        .env("LANTERN_MIGRATION_DATABASE_URL", &app.db_url)
        .env("LANTERN_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut healthy = false;
    while started.elapsed() < Duration::from_secs(30) && !healthy {
        healthy =
            app.client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(healthy, "lantern serve came up as lantern_app");
}

#[tokio::test]
async fn logins_are_rate_limited_per_ip_and_per_email() {
    let limits = RateLimits { login_per_ip: 5, login_per_email: 3, ..NO_LIMITS };
    let app = TestApp::spawn_with(ServerOptions { rate_limits: limits, ..ServerOptions::default() }).await;
    let login = "mutation($e: String!) { login(email: $e, password: \"wrong password here\") { token } }";
    let post = |email: &str| {
        app.client
            .post(format!("{}/graphql", app.base_url))
            .json(&json!({ "query": login, "variables": { "e": email } }))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(post("victim@lantern.test").await.unwrap().status(), 200);
    }
    let limited = post("victim@lantern.test").await.unwrap();
    assert_eq!(limited.status(), 429, "per email");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(body["errors"][0]["extensions"]["retryAfter"].as_u64().is_some());
    // One more from this IP (another email) fits under 5 only once.
    assert_eq!(post("other@lantern.test").await.unwrap().status(), 200);
    assert_eq!(post("third@lantern.test").await.unwrap().status(), 429, "per IP");
}

#[tokio::test]
async fn the_api_is_rate_limited_per_ip_and_per_token() {
    let per_ip = TestApp::spawn_with(ServerOptions {
        rate_limits: RateLimits { api_per_ip: 4, ..NO_LIMITS },
        ..ServerOptions::default()
    })
    .await;
    let ask = |app: &TestApp| {
        app.client
            .post(format!("{}/graphql", app.base_url))
            .json(&json!({ "query": "{ needCategories { code } }" }))
            .send()
    };
    for _ in 0..4 {
        assert_eq!(ask(&per_ip).await.unwrap().status(), 200);
    }
    let limited = ask(&per_ip).await.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));

    let per_token = TestApp::spawn_with(ServerOptions {
        rate_limits: RateLimits { api_per_token: 3, ..NO_LIMITS },
        ..ServerOptions::default()
    })
    .await;
    let admin = per_token.network_admin().await;
    for _ in 0..3 {
        assert_eq!(per_token.gql_as(&admin, "{ me { role } }", json!({})).await.0, 200);
    }
    let (status, body) = per_token.gql_as(&admin, "{ me { role } }", json!({})).await;
    assert_eq!((status, error_code(&body)), (429, "RATE_LIMITED"));
    // Anonymous requests from the same IP are not charged to the token.
    assert_eq!(ask(&per_token).await.unwrap().status(), 200);
}

#[tokio::test]
async fn query_shape_is_bounded() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..31).map(|i| format!("a{i}: needCategories {{ code }} ")).collect();
    let body = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("aliases"));
    let thirty: String = (0..30).map(|i| format!("a{i}: counties {{ fips }} ")).collect();
    assert!(app.gql(&format!("{{ {thirty} }}"), json!({})).await.get("errors").is_none());

    // Large pages multiply: three full pages of deep results exceed the complexity budget.
    let page = "searchProviders(first: 100) { nodes { provider { name phones { number } services { name languages needs { code label phase } } locations { latitude longitude county { name fips } } serviceArea { fips name } } } }";
    let body = app.gql(&format!("{{ a: {page} b: {page} c: {page} }}"), json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("complex"), "{body}");
    assert!(app.gql(&format!("{{ {page} }}"), json!({})).await.get("errors").is_none());
}

#[tokio::test]
async fn statements_and_requests_time_out() {
    let app = TestApp::spawn().await;
    let pool = lantern::db::pool(&app.app_db_url, 1, 1234).unwrap();
    let mut conn = pool.get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement_timeout: String,
    }
    let setting: Setting =
        diesel_async::RunQueryDsl::get_result(diesel::sql_query("SHOW statement_timeout"), &mut *conn).await.unwrap();
    assert_eq!(setting.statement_timeout, "1234ms");
    let slow = diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT pg_sleep(2)"), &mut *conn).await;
    assert!(slow.is_err(), "the statement timeout cancels a slow query");

    let impatient = TestApp::spawn_with(ServerOptions {
        rate_limits: NO_LIMITS,
        request_timeout_ms: 1,
        ..ServerOptions::default()
    })
    .await;
    let response = impatient
        .client
        .post(format!("{}/graphql", impatient.base_url))
        .json(&json!({ "query": "{ searchProviders(filter: { near: { lat: 35.7, lon: -78.6 } }, first: 100) { nodes { provider { services { needs { code } } } } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(error_code(&response.json().await.unwrap()), "TIMEOUT");
}

#[tokio::test]
async fn internal_failures_are_masked() {
    let app = TestApp::spawn().await;
    // Break the service's access behind its back: the error it meets must not leak.
    app.sql().await.execute("REVOKE SELECT ON need_categories FROM lantern_app", &[]).await.unwrap();
    let body = app.gql("{ needCategories { code } }", json!({})).await;
    assert_eq!(error_code(&body), "INTERNAL");
    assert_eq!(body["errors"][0]["message"], "internal error");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    let text = body.to_string().to_lowercase();
    for leak in ["permission", "need_categories", "sql", "postgres", "diesel"] {
        assert!(!text.contains(leak), "leaked {leak}: {body}");
    }
}

/// Pooled connections are handed out without a test query when used within the last
/// moment (`db::VERIFY_AFTER_IDLE`); older ones are checked first. So once that moment
/// has passed, a connection the database has ended is never handed to a request.
#[tokio::test]
async fn requests_after_the_database_ends_the_service_connections_are_answered() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let organizations = || async {
        let (status, body) = app.gql_as(&admin, "{ organizations { id } }", json!({})).await;
        (status, error_code(&body).to_owned(), body["data"]["organizations"].is_array())
    };
    // Several connections in the pool, all recently used.
    let warm = futures_util::future::join_all((0..6).map(|_| organizations())).await;
    assert!(warm.iter().all(|r| *r == (200, String::new(), true)), "{warm:?}");

    let sql = app.sql().await;
    let ended: Vec<i32> = sql
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = 'lantern_app'
               AND query NOT ILIKE 'LISTEN%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    sql.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", &[&ended]).await.unwrap();
    assert!(!ended.is_empty(), "the pool held connections to end");
    let started = Instant::now();
    while sql
        .query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", &[&ended])
        .await
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(started.elapsed() < Duration::from_secs(10), "the ended backends exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    tokio::time::sleep(lantern::db::VERIFY_AFTER_IDLE + Duration::from_millis(100)).await;
    let after = futures_util::future::join_all((0..6).map(|_| organizations())).await;
    assert!(after.iter().all(|r| *r == (200, String::new(), true)), "every request is answered: {after:?}");
}

/// A client whose requests come from `ip` (any 127.x address reaches the test server).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().no_proxy().local_address(std::net::IpAddr::from(ip)).build().unwrap()
}

/// Issue 13, defect 13: wrong passwords sent for someone's email from one address do
/// not lock that person out; with the default limits.
#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_person_out() {
    let app = TestApp::spawn_with(ServerOptions::default()).await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Lockout Org").await;
    let (_, email, _) = app.member(&admin, &org, "ADVOCATE").await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let attempt = |client: reqwest::Client, password: &'static str| {
        let (url, email) = (format!("{}/graphql", app.base_url), email.clone());
        async move {
            let response = client
                .post(url)
                .json(&json!({ "query": login, "variables": { "e": email, "p": password } }))
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    };
    let attacker = client_from([127, 0, 0, 2]);
    let mut limited = false;
    for _ in 0..15 {
        let (status, body) = attempt(attacker.clone(), "a guessed password").await;
        limited |= status == 429 && error_code(&body) == "RATE_LIMITED";
    }
    assert!(limited, "the attacker's address is limited for this email");
    let (status, body) = attempt(client_from([127, 0, 0, 1]), crate::common::PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["login"]["token"].is_string(), "the real person still logs in: {body}");
}

/// Issue 13, defect 13: per (email, address) first, then a much higher ceiling per
/// email across every address.
#[tokio::test]
async fn login_attempts_per_email_are_counted_per_address_under_a_ceiling() {
    let limits = RateLimits { login_per_ip: 100, login_per_email_ip: 2, login_per_email: 5, ..NO_LIMITS };
    let app = TestApp::spawn_with(ServerOptions { rate_limits: limits, ..ServerOptions::default() }).await;
    let login = "mutation($e: String!) { login(email: $e, password: \"wrong password here\") { token } }";
    let status_from = |ip: [u8; 4], email: &'static str| {
        let url = format!("{}/graphql", app.base_url);
        async move {
            client_from(ip)
                .post(url)
                .json(&json!({ "query": login, "variables": { "e": email } }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status_from([127, 0, 0, 2], "victim@lantern.test").await, 200);
    assert_eq!(status_from([127, 0, 0, 2], "VICTIM@lantern.test ").await, 200, "case and spaces do not matter");
    assert_eq!(status_from([127, 0, 0, 2], "victim@lantern.test").await, 429, "per email and address");
    assert_eq!(status_from([127, 0, 0, 2], "someone.else@lantern.test").await, 200, "other emails go on");
    // Other addresses go on for the email until the ceiling (5) is reached.
    assert_eq!(status_from([127, 0, 0, 3], "victim@lantern.test").await, 200);
    assert_eq!(status_from([127, 0, 0, 3], "victim@lantern.test").await, 200);
    assert_eq!(status_from([127, 0, 0, 4], "victim@lantern.test").await, 200);
    assert_eq!(status_from([127, 0, 0, 5], "victim@lantern.test").await, 429, "the per-email ceiling");
}

/// Issue 13, defect 14: a service role that is a member of the tables' owner (inheriting
/// its rights, or able to SET ROLE to it) is refused, by the real binary.
#[tokio::test]
async fn the_service_refuses_a_role_that_is_a_member_of_the_owner() {
    let app = TestApp::spawn().await;
    let db = app.sql().await;
    let owner: String = db
        .query_one(
            "SELECT tableowner::text FROM pg_tables WHERE schemaname = 'public' AND tablename = 'organizations'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    for (label, attributes) in [("inherits", "INHERIT"), ("set_role", "NOINHERIT")] {
        let role = format!("lantern_member_{label}_{}", &suffix[..12]);
        db.batch_execute(&format!(
            "CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS {attributes} IN ROLE lantern_app; GRANT \"{owner}\" TO {role};"
        ))
        .await
        .unwrap();
        let url = app.app_db_url.replacen("lantern_app@", &format!("{role}@"), 1);
        assert_ne!(url, app.app_db_url);
        let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
            .arg("serve")
            .env("DATABASE_URL", &url)
            .env("LANTERN_PII_KEYS", lantern::crypto::Keyring::new_key_spec("t1"))
            .env("LANTERN_ADDR", format!("127.0.0.1:{}", free_port()))
            .env("LANTERN_RELAY", "false")
            .env_remove("LANTERN_MIGRATION_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let exited = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > Duration::from_secs(20) {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if exited.is_none() {
            child.kill().unwrap();
        }
        let out = child.wait_with_output().unwrap();
        db.batch_execute(&format!("DROP ROLE {role}")).await.unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(exited.is_some_and(|s| !s.success()), "{label}: a member of {owner} was served: {text}");
        assert!(text.contains("refusing to start") && text.contains("member of"), "{label}: {text}");
    }
}

#[test]
fn production_without_a_database_url_starts_nothing_of_its_own() {
    // A deployment that forgot DATABASE_URL must not quietly create a local cluster with
    // fsync off and a development key for personal data.
    let dir = std::env::temp_dir().join(format!("lantern-no-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("serve")
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env_remove("LANTERN_ENV")
        .env_remove("LANTERN_LOCAL_CLUSTER")
        .env_remove("LANTERN_PG_DIR")
        .env("LANTERN_ADDR", format!("127.0.0.1:{}", free_port()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let created = dir.join(".lantern").exists();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success(), "it served: {text}");
    assert!(text.contains("DATABASE_URL"), "the refusal names what is missing: {text}");
    assert!(!created, "no local cluster was created");
}
