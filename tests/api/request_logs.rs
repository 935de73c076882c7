//! Operators can find a request: the id a caller is given (`extensions.requestId`, the
//! `x-request-id` header) is on every log line the real binary writes while serving
//! that request, and an internal error's line names the operation and the field path.

use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

/// The real binary serving `app`'s database, logging into a file.
struct Binary {
    child: Child,
    base: String,
    log_path: std::path::PathBuf,
}

impl Binary {
    async fn start(app: &TestApp) -> Binary {
        let log_path = std::env::temp_dir().join(format!("lantern-requests-{}.log", uuid::Uuid::new_v4().simple()));
        let log = std::fs::File::create(&log_path).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_lantern"))
            .arg("serve")
            .env("DATABASE_URL", &app.app_db_url)
            .env("LANTERN_MIGRATION_DATABASE_URL", &app.db_url)
            .env("LANTERN_PII_KEYS", lantern::crypto::Keyring::new_key_spec("logs"))
            .env("LANTERN_ADDR", format!("127.0.0.1:{port}"))
            .env("LANTERN_LOG", "info")
            .env("LANTERN_RELAY", "false")
            .env("LANTERN_RATE_API_PER_IP", "0")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..300 {
            let health = app.client.get(format!("{base}/healthz")).send().await;
            if let Ok(response) = health
                && response.json::<Value>().await.is_ok_and(|b| b["searchIndex"] == "ready")
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Binary { child, base, log_path }
    }

    /// Posts an operation; returns the response's request id (header) and body.
    async fn post(&self, app: &TestApp, body: Value) -> (String, Value) {
        let response = app.client.post(format!("{}/graphql", self.base)).json(&body).send().await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        (id, body)
    }

    /// Stops the binary and returns its log, without terminal colours.
    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        let _ = self.child.wait();
        let raw = std::fs::read_to_string(&self.log_path).unwrap();
        let _ = std::fs::remove_file(&self.log_path);
        strip_colours(&raw)
    }
}

fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn an_errored_request_is_found_in_the_log_by_its_id() {
    let app = TestApp::spawn().await;
    let binary = Binary::start(&app).await;
    // A fault an operator would have to find: the service role loses a grant.
    let db = app.sql().await;
    db.batch_execute("REVOKE SELECT ON need_categories, services FROM lantern_app").await.unwrap();

    let (needs_id, needs) = binary
        .post(
            &app,
            json!({ "query": "query NeedsForIntake { needCategories { code } }", "operationName": "NeedsForIntake" }),
        )
        .await;
    assert_eq!(error_code(&needs), "INTERNAL", "{needs}");
    assert_eq!(needs["errors"][0]["extensions"]["requestId"], needs_id.as_str(), "header and body agree");
    // The same fault reached through a DataLoader (a batch run as a task of its own).
    let (phones_id, phones) = binary
        .post(&app, json!({ "query": "query CrisisLines { searchProviders(filter: { near: { lat: 35.78, lon: -78.64 } }, first: 2) { nodes { provider { name services { name } } } } }" }))
        .await;
    assert_eq!(error_code(&phones), "INTERNAL", "{phones}");
    let (fine_id, fine) = binary.post(&app, json!({ "query": "{ county(fips: \"37183\") { name } }" })).await;
    assert!(fine.get("errors").is_none(), "{fine}");
    let log = binary.stop();

    let lines_of = |id: &str| log.lines().filter(|l| l.contains(id)).map(str::to_owned).collect::<Vec<String>>();
    let needs_lines = lines_of(&needs_id);
    assert!(
        needs_lines.iter().any(|l| l.contains("internal error")
            && l.contains("NeedsForIntake")
            && l.contains("needCategories")
            && l.contains("database error")),
        "the internal error's line names the request, operation, path and cause: {needs_lines:#?}\n{log}"
    );
    assert!(needs_lines.iter().any(|l| l.contains("status=200")), "the access line carries the id: {needs_lines:#?}");
    let phones_lines = lines_of(&phones_id);
    assert!(
        phones_lines.iter().any(|l| l.contains("internal error")
            && l.contains("CrisisLines")
            && l.contains("searchProviders.nodes.0.provider.services")),
        "a DataLoader's error is found by the request's id: {phones_lines:#?}\n{log}"
    );
    assert!(lines_of(&fine_id).iter().any(|l| l.contains("status=200")));
    // Nothing about these requests was logged without its id.
    for line in log.lines().filter(|l| l.contains("internal error") || l.contains("path=/graphql")) {
        assert!(
            [&needs_id, &phones_id, &fine_id].iter().any(|id| line.contains(id.as_str())),
            "a request's line without its id: {line}"
        );
    }
}
