//! schemathesis (PyPI) runs Open Referral's own API reference (`vendor/hsds-3.0/openapi.json`,
//! its remote `$ref`s pointed at the vendored schemas) against the test server: no
//! answer may violate the schema, and none may be a 5xx — anonymously and with a token.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::TestApp;
use crate::hsds::venv_tool;

/// Seconds each identity is fuzzed for (`LANTERN_FUZZ_SECONDS` overrides).
const DEFAULT_SECONDS: u64 = 40;
const PUBLISHED: &str = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/";

/// The official reference with its schemas read from `vendor/hsds-3.0/`, written into `dir`.
fn local_reference(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/hsds-3.0");
    let text = std::fs::read_to_string(root.join("openapi.json")).unwrap();
    let text = text
        .replace(&format!("{PUBLISHED}compiled/"), &format!("file://{}/compiled/", root.display()))
        .replace(PUBLISHED, &format!("file://{}/schema/", root.display()));
    let path = dir.join("openapi.json");
    std::fs::write(&path, text).unwrap();
    path
}

async fn fuzz(app: &TestApp, token: Option<&str>, seconds: u64) -> (bool, Vec<Value>, String) {
    let dir = std::env::temp_dir().join(format!("lantern-hsds-fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let reference = local_reference(&dir);
    let mut command = tokio::process::Command::new(venv_tool("schemathesis"));
    command
        .arg("run")
        .arg(&reference)
        .args(["--url", &format!("{}/hsds", app.base_url)])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--max-time", &seconds.to_string(), "--workers", "2", "--no-color"])
        .args(["--report", "har", "--report-dir", "har"])
        .current_dir(&dir)
        .kill_on_drop(true);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let run = tokio::time::timeout(Duration::from_secs(seconds + 180), command.output()).await;
    let output = run.expect("schemathesis finishes").expect("schemathesis runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let mut exchanges = Vec::new();
    for report in std::fs::read_dir(dir.join("har")).unwrap_or_else(|e| panic!("no report ({e}): {said}")) {
        let har: Value = serde_json::from_slice(&std::fs::read(report.unwrap().path()).unwrap()).unwrap();
        exchanges.extend(har["log"]["entries"].as_array().cloned().unwrap_or_default());
    }
    let _ = std::fs::remove_dir_all(&dir);
    (output.status.success(), exchanges, said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_schema_violation_and_no_5xx() {
    let app = TestApp::spawn().await;
    let seconds = std::env::var("LANTERN_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SECONDS);
    let admin = app.network_admin().await;
    for token in [None, Some(admin.as_str())] {
        let (passed, exchanges, said) = fuzz(&app, token, seconds).await;
        assert!(exchanges.len() > 100, "schemathesis sent {} requests:\n{said}", exchanges.len());
        let server_errors: Vec<String> = exchanges
            .iter()
            .filter(|e| e["response"]["status"].as_u64().unwrap_or(0) >= 500)
            .map(|e| format!("{} -> {}", e["request"]["url"], e["response"]["status"]))
            .collect();
        assert!(server_errors.is_empty(), "5xx answers: {server_errors:#?}");
        let ok = exchanges.iter().filter(|e| e["response"]["status"] == 200).count();
        assert!(ok > 50, "only {ok} answers were 200: the run tested little");
        assert!(passed, "schemathesis found failures:\n{said}");
    }
}
