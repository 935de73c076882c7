//! A standing fuzz check: schemathesis (PyPI, installed by `scripts/install-deps.sh
//! --test`) generates requests for every GraphQL operation in the committed SDL, as an
//! anonymous caller and as a network admin, against the test server with rate limits
//! off. Whatever it sends, no answer may be a 5xx or carry `INTERNAL`: bad input is the
//! caller's to fix and must be named as such.
//!
//! schemathesis itself reports every GraphQL error as a failure, so its verdict is not
//! ours: it records every exchange (`--report har`) and this test reads them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::TestApp;

/// Mutations that end the fuzzer's own session (it would then test nothing but 401s).
const SESSION_ENDING: &str = "(logout|revokeUserTokens|removeMembership|setMembership|revokeApiKey)$";
/// Seconds each identity is fuzzed for (`LANTERN_FUZZ_SECONDS` overrides).
const DEFAULT_SECONDS: u64 = 60;

/// The schemathesis command: `LANTERN_SCHEMATHESIS`, the project's venv
/// (`.lantern/fuzz-venv`, made by `scripts/install-deps.sh --test`), or one on PATH.
fn schemathesis() -> PathBuf {
    if let Ok(path) = std::env::var("LANTERN_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".lantern/fuzz-venv/bin/schemathesis");
    if venv.exists() {
        return venv;
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("schemathesis")).find(|p| p.exists()));
    on_path.unwrap_or_else(|| panic!("schemathesis is missing: run scripts/install-deps.sh --test (or make test)"))
}

/// One fuzzing run; returns the recorded exchanges and schemathesis's output.
async fn fuzz(app: &TestApp, token: Option<&str>, seconds: u64) -> (Vec<Value>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reports = std::env::temp_dir().join(format!("lantern-fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&reports).unwrap();
    let mut command = tokio::process::Command::new(schemathesis());
    command
        .arg("run")
        .arg(root.join("graphql/schema.graphql"))
        .args(["--url", &format!("{}/graphql", app.base_url)])
        .args(["--max-time", &seconds.to_string(), "--phases", "fuzzing", "--workers", "2", "--no-color"])
        .args(["--exclude-name-regex", SESSION_ENDING])
        .args(["--report", "har", "--report-dir", "har"])
        .env("SCHEMATHESIS_HOOKS", root.join("tests/fuzz/hooks.py"))
        // It keeps a cache of earlier failures in its working directory: keep each run
        // to itself (and out of the repository).
        .current_dir(&reports)
        .kill_on_drop(true);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    // Async, so the server under test keeps running on this test's runtime.
    let run = tokio::time::timeout(Duration::from_secs(seconds + 120), command.output()).await;
    let output = run.expect("schemathesis finishes").expect("schemathesis runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let mut exchanges = Vec::new();
    for report in std::fs::read_dir(reports.join("har")).unwrap_or_else(|e| panic!("no report ({e}): {said}")) {
        let har: Value = serde_json::from_slice(&std::fs::read(report.unwrap().path()).unwrap()).unwrap();
        exchanges.extend(har["log"]["entries"].as_array().cloned().unwrap_or_default());
    }
    let _ = std::fs::remove_dir_all(&reports);
    (exchanges, said)
}

/// The exchanges that answered a 5xx or an `INTERNAL` error: request and answer.
fn internal_failures(exchanges: &[Value]) -> Vec<String> {
    exchanges
        .iter()
        .filter_map(|e| {
            let status = e["response"]["status"].as_u64().unwrap_or(0);
            let body = e["response"]["content"]["text"].as_str().unwrap_or_default();
            let answer: Value = serde_json::from_str(body).unwrap_or_default();
            let internal = answer["errors"]
                .as_array()
                .is_some_and(|errors| errors.iter().any(|e| e["extensions"]["code"] == "INTERNAL"));
            (status >= 500 || internal).then(|| format!("{status} {}\n  -> {body}", e["request"]["postData"]["text"]))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzing_every_operation_finds_no_internal_error_or_5xx() {
    let seconds = std::env::var("LANTERN_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SECONDS);
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let (anonymous, as_admin) = tokio::join!(fuzz(&app, None, seconds), fuzz(&app, Some(&admin), seconds));
    for (who, (exchanges, said)) in [("anonymous", anonymous), ("network admin", as_admin)] {
        let seed = said.lines().find(|l| l.starts_with("Seed:")).unwrap_or("Seed: ?");
        assert!(exchanges.len() >= 200, "{who}: the fuzzer hardly ran ({} exchanges): {said}", exchanges.len());
        // The admin really was signed in: most answers are not 401s.
        let unauthorized = exchanges.iter().filter(|e| e["response"]["status"] == 401).count();
        assert!(unauthorized * 2 < exchanges.len(), "{who}: {unauthorized} of {} were 401", exchanges.len());
        let failures = internal_failures(&exchanges);
        assert!(
            failures.is_empty(),
            "{who} ({seed}): {} of {} answers were 5xx or INTERNAL:\n{}",
            failures.len(),
            exchanges.len(),
            failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
        );
        eprintln!("fuzz {who}: {} exchanges, none INTERNAL or 5xx ({seed})", exchanges.len());
    }
}

#[test]
fn a_5xx_or_an_internal_error_is_a_failure_and_other_errors_are_not() {
    let exchange = |status: u16, body: &str| {
        serde_json::json!({ "request": { "postData": { "text": "{}" } },
                            "response": { "status": status, "content": { "text": body } } })
    };
    let internal = r#"{"data":null,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#;
    let bad_input = r#"{"data":null,"errors":[{"message":"x","extensions":{"code":"BAD_USER_INPUT"}}]}"#;
    let found = internal_failures(&[
        exchange(200, internal),
        exchange(503, "{}"),
        exchange(200, bad_input),
        exchange(401, "{}"),
        exchange(200, r#"{"data":{"a":"INTERNAL"}}"#),
    ]);
    assert_eq!(found.len(), 2, "{found:?}");
}
