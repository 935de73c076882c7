//! The HSDS 3.0 API under `/hsds`: every answer validates against Open Referral's
//! compiled schemas (`check-jsonschema`, PyPI, over `vendor/hsds-3.0/`), the paged
//! envelope, the filters combined with AND, the caller's view, proximity from the index
//! equal to PostgreSQL's, and no confidential location located anywhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lantern::startup::ServerOptions;
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, TestApp};

/// A tool of the project's test venv (`.lantern/fuzz-venv`, made by
/// `scripts/install-deps.sh --test`), or one on PATH.
pub fn venv_tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".lantern/fuzz-venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.exists()));
    on_path.unwrap_or_else(|| panic!("{name} is missing: run scripts/install-deps.sh --test (or make test)"))
}

/// Answers gathered per official schema, validated together (one `check-jsonschema`
/// run per schema: loading the compiled schemas takes a while).
#[derive(Default)]
pub struct Schemas {
    pending: HashMap<&'static str, Vec<Value>>,
}

impl Schemas {
    /// Queues `value` for validation against `vendor/hsds-3.0/<schema>`.
    pub fn add(&mut self, schema: &'static str, value: Value) {
        self.pending.entry(schema).or_default().push(value);
    }

    /// Queues every item of a page's `contents`, and checks the envelope.
    pub fn add_page(&mut self, schema: &'static str, page: &Value) {
        check_envelope(page);
        for item in page["contents"].as_array().unwrap() {
            self.add(schema, item.clone());
        }
    }

    /// Runs `check-jsonschema` on everything queued; panics with its report on a violation.
    pub async fn check(self) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/hsds-3.0");
        let dir = std::env::temp_dir().join(format!("lantern-hsds-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        for (schema, values) in self.pending {
            assert!(!values.is_empty());
            let mut files = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let file = dir.join(format!("{}-{i}.json", schema.replace('/', "_")));
                std::fs::write(&file, serde_json::to_vec(v).unwrap()).unwrap();
                files.push(file);
            }
            let output = tokio::process::Command::new(venv_tool("check-jsonschema"))
                .arg("--schemafile")
                .arg(root.join(schema))
                .args(&files)
                .output()
                .await
                .expect("check-jsonschema runs");
            assert!(
                output.status.success(),
                "{} answers violate {schema}:\n{}{}",
                values.len(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every 200 answer `get` and `ndjson` receive, with the schema it must meet; drained
/// and validated by [`check_collected`], which each test calls at its end (tests run in
/// parallel: a test may validate another's answers too, and every answer is validated).
static COLLECTED: std::sync::Mutex<Vec<(&'static str, Value)>> = std::sync::Mutex::new(Vec::new());

/// The official schema an answer to `path` must meet: of the record itself, or of each
/// item of a page (`true`).
fn schema_for(path: &str) -> Option<(&'static str, bool)> {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let full = query.split('&').any(|p| p == "full=true");
    let parts: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    Some(match parts.as_slice() {
        ["services"] if full => ("compiled/service.json", true),
        ["services"] => ("compiled/service_list.json", true),
        ["services", _] => ("compiled/service.json", false),
        ["organizations"] if full => ("compiled/organization.json", true),
        ["organizations"] => ("compiled/organization_list.json", true),
        ["organizations", _] => ("compiled/organization.json", false),
        ["service_at_locations"] if full => ("compiled/service_at_location.json", true),
        ["service_at_locations"] => ("compiled/service_at_location_list.json", true),
        ["service_at_locations", _] => ("compiled/service_at_location.json", false),
        ["taxonomies"] => ("schema/taxonomy.json", true),
        ["taxonomies", _] => ("schema/taxonomy.json", false),
        ["taxonomy_terms"] => ("schema/taxonomy_term.json", true),
        ["taxonomy_terms", _] => ("schema/taxonomy_term.json", false),
        _ => return None,
    })
}

fn collect(path: &str, records: Vec<Value>) {
    if let Some((schema, _)) = schema_for(path) {
        COLLECTED.lock().unwrap().extend(records.into_iter().map(|r| (schema, r)));
    }
}

/// Validates every answer collected so far (at most 300 per schema a call, spread over them).
pub async fn check_collected() {
    let drained: Vec<(&'static str, Value)> = std::mem::take(&mut *COLLECTED.lock().unwrap());
    let mut by_schema: HashMap<&'static str, Vec<Value>> = HashMap::new();
    for (schema, v) in drained {
        by_schema.entry(schema).or_default().push(v);
    }
    let mut schemas = Schemas::default();
    for (schema, values) in by_schema {
        let step = values.len().div_ceil(300).max(1);
        for v in values.into_iter().step_by(step) {
            schemas.add(schema, v);
        }
    }
    if !schemas.pending.is_empty() {
        schemas.check().await;
    }
}

/// The paged envelope, as the issue fixes it, consistent with itself.
pub fn check_envelope(page: &Value) {
    for key in ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"] {
        assert!(page.get(key).is_some(), "envelope lacks {key}: {page}");
    }
    let size = page["contents"].as_array().unwrap().len() as u64;
    assert_eq!(page["size"].as_u64().unwrap(), size);
    assert_eq!(page["empty"].as_bool().unwrap(), size == 0);
    assert_eq!(page["first_page"].as_bool().unwrap(), page["page_number"] == 1);
    assert_eq!(
        page["last_page"].as_bool().unwrap(),
        page["page_number"].as_u64().unwrap() >= page["total_pages"].as_u64().unwrap()
    );
}

/// A client that opens a connection per request: a kept-alive one may be closed by the
/// server just as a request goes out after a long pause (argon2 in a sign-in).
fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().pool_max_idle_per_host(0).build().unwrap()
}

/// `GET /hsds<path>` as JSON, with an optional bearer token; returns status and body.
pub async fn get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut request = client().get(format!("{}/hsds{path}", app.base_url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}"));
    if status == 200 {
        match schema_for(path) {
            Some((_, true)) => {
                check_envelope(&body);
                collect(path, body["contents"].as_array().cloned().unwrap_or_default());
            }
            Some((_, false)) => collect(path, vec![body.clone()]),
            None => {}
        }
    }
    (status, body)
}

/// `GET /hsds<path>`, which must answer 200; the body.
pub async fn ok(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let (status, body) = get(app, token, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// `GET /hsds<path>` with `format=ndjson`: the records.
pub async fn ndjson(app: &TestApp, token: Option<&str>, path: &str) -> Vec<Value> {
    let mut request = client().get(format!("{}/hsds{path}", app.base_url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    collect(path, records.clone());
    records
}

/// Ids of the sample directory's confidential locations with their street and position.
pub async fn confidential_locations(app: &TestApp) -> Vec<(String, String, f64, f64, Option<String>)> {
    let db = app.sql().await;
    db.query(
        "SELECT id::text, coalesce(street, ''), ST_Y(geog::geometry), ST_X(geog::geometry), name
         FROM locations WHERE confidential AND archived_at IS NULL",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
    .collect()
}

/// Every location object anywhere in `v`, by walking it.
fn location_objects<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("location_type") {
                out.push(v);
            }
            m.values().for_each(|x| location_objects(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| location_objects(x, out)),
        _ => {}
    }
}

/// Fails if any HSDS answer (or file content) locates a confidential location: no
/// address, no coordinates on it, no street or coordinate digits of one anywhere.
pub fn assert_locates_no_confidential(text: &str, secret: &[(String, String, f64, f64, Option<String>)]) {
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        let mut locations = Vec::new();
        location_objects(&v, &mut locations);
        for l in locations {
            if secret.iter().any(|s| l["id"] == s.0) {
                assert!(l.get("latitude").is_none() && l.get("longitude").is_none(), "coordinates of {l}");
                assert!(l["addresses"].as_array().is_none_or(Vec::is_empty), "address of {l}");
            }
        }
    }
    for (id, street, lat, lon, _) in secret {
        if !street.is_empty() {
            assert!(!text.contains(street.as_str()), "the street of confidential location {id} appears");
        }
        // A leak would carry the stored value, as JSON prints it.
        for coordinate in [lat, lon] {
            let digits = json!(coordinate).to_string();
            assert!(!text.contains(&digits), "a coordinate of confidential location {id} appears ({digits})");
        }
    }
}

/// Every endpoint with its schema, each list in each form.
const LISTS: &[(&str, &str)] = &[
    ("/services?per_page=30", "compiled/service_list.json"),
    ("/services?per_page=5&full=true", "compiled/service.json"),
    ("/services?per_page=5&minimal=true", "compiled/service_list.json"),
    ("/organizations?per_page=30", "compiled/organization_list.json"),
    ("/organizations?per_page=3&full=true", "compiled/organization.json"),
    ("/organizations?per_page=3&full=true&full_service=true", "compiled/organization.json"),
    ("/service_at_locations?per_page=30", "compiled/service_at_location_list.json"),
    ("/service_at_locations?per_page=5&full=true", "compiled/service_at_location.json"),
    ("/service_at_locations?proximity=35.7796,-78.6382,50000&per_page=40", "compiled/service_at_location_list.json"),
    ("/taxonomies", "schema/taxonomy.json"),
    ("/taxonomy_terms?per_page=100", "schema/taxonomy_term.json"),
];

#[tokio::test]
async fn every_answer_validates_against_the_official_schemas() {
    let app = TestApp::spawn().await;
    app.wait_for_search_index().await;
    let mut schemas = Schemas::default();

    let meta = ok(&app, None, "/").await;
    assert_eq!(meta["version"], "3.0");
    assert!(meta["openapi_url"].as_str().unwrap().ends_with("/hsds/openapi.json"));
    assert!(meta["profile"].as_str().unwrap().starts_with("http"));
    let openapi = ok(&app, None, "/openapi.json").await;
    assert_eq!(openapi["servers"][0]["url"], "/hsds");
    assert!(openapi["paths"]["/service_at_locations"].is_object());

    for (path, schema) in LISTS {
        let page = ok(&app, None, path).await;
        assert!(page["total_items"].as_u64().unwrap() > 0, "{path} lists nothing");
        schemas.add_page(schema, &page);
    }
    // Each kind of record by id, fully nested: some with confidential locations.
    let services = ok(&app, None, "/services?per_page=40").await;
    for s in services["contents"].as_array().unwrap().iter().take(40) {
        schemas.add("compiled/service.json", ok(&app, None, &format!("/services/{}", s["id"].as_str().unwrap())).await);
    }
    let organizations = ok(&app, None, "/organizations?per_page=40").await;
    for o in organizations["contents"].as_array().unwrap() {
        let id = o["id"].as_str().unwrap();
        schemas.add("compiled/organization.json", ok(&app, None, &format!("/organizations/{id}")).await);
    }
    let pairs = ok(&app, None, "/service_at_locations?per_page=20").await;
    for p in pairs["contents"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let one = ok(&app, None, &format!("/service_at_locations/{id}")).await;
        // Open Referral's API reference names the service schema for this answer.
        schemas.add("compiled/service.json", one.clone());
        schemas.add("compiled/service_at_location.json", one);
    }
    for t in ok(&app, None, "/taxonomies").await["contents"].as_array().unwrap() {
        schemas
            .add("schema/taxonomy.json", ok(&app, None, &format!("/taxonomies/{}", t["id"].as_str().unwrap())).await);
    }
    let terms = ok(&app, None, "/taxonomy_terms?per_page=100").await;
    for t in terms["contents"].as_array().unwrap().iter().take(10) {
        let id = t["id"].as_str().unwrap();
        schemas.add("schema/taxonomy_term.json", ok(&app, None, &format!("/taxonomy_terms/{id}")).await);
    }
    // NDJSON: every record, each valid.
    for record in ndjson(&app, None, "/services?format=ndjson").await {
        schemas.add("compiled/service_list.json", record);
    }
    schemas.check().await;
    check_collected().await;
}

#[tokio::test]
async fn the_futures_matrix_is_a_taxonomy_of_33_needs_under_three_phases() {
    let app = TestApp::spawn().await;
    let taxonomies = ok(&app, None, "/taxonomies").await;
    let futures = taxonomies["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str().unwrap().starts_with("FUTURES"))
        .unwrap()
        .clone();
    let id = futures["id"].as_str().unwrap();
    let terms = ok(&app, None, &format!("/taxonomy_terms?taxonomy_id={id}&per_page=100")).await;
    assert_eq!(terms["total_items"], 36, "3 phases and 33 needs");
    let phases = ok(&app, None, &format!("/taxonomy_terms?taxonomy_id={id}&top_only=true")).await;
    let codes: Vec<&str> = phases["contents"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["acute", "transitional", "long_term"]);
    let mut counts = Vec::new();
    for phase in phases["contents"].as_array().unwrap() {
        let children =
            ok(&app, None, &format!("/taxonomy_terms?parent_id={}&per_page=100", phase["id"].as_str().unwrap())).await;
        counts.push(children["total_items"].as_u64().unwrap());
        for child in children["contents"].as_array().unwrap() {
            assert!(child["code"].as_str().unwrap().starts_with(phase["code"].as_str().unwrap()));
        }
    }
    assert_eq!(counts, [8, 15, 10]);
    let housing = terms["contents"].as_array().unwrap().iter().find(|t| t["code"] == "acute.housing").unwrap();
    assert_eq!(ok(&app, None, &format!("/taxonomy_terms/{}", housing["id"].as_str().unwrap())).await, *housing);
    check_collected().await;
}

#[tokio::test]
async fn filters_combine_with_and_and_pages_add_up() {
    let app = TestApp::spawn().await;
    let db = app.sql().await;
    let terms = ok(&app, None, "/taxonomy_terms?search=acute.housing").await;
    let housing = terms["contents"][0]["id"].as_str().unwrap().to_owned();

    // By need: exactly the services the database says cover it.
    let expected: i64 = db
        .query_one(
            "SELECT count(*) FROM services s JOIN providers p ON p.id = s.provider_id
             WHERE s.archived_at IS NULL AND p.archived_at IS NULL
               AND EXISTS (SELECT 1 FROM service_needs sn WHERE sn.service_id = s.id AND sn.need_code = 'acute.housing')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let by_need = ok(&app, None, &format!("/services?taxonomy_term_id={housing}&per_page=500")).await;
    assert_eq!(by_need["total_items"].as_i64().unwrap(), expected);
    assert!(expected > 0);
    for s in by_need["contents"].as_array().unwrap().iter().take(5) {
        let full = ok(&app, None, &format!("/services/{}", s["id"].as_str().unwrap())).await;
        assert!(full["attributes"].as_array().unwrap().iter().any(|a| a["taxonomy_term_id"] == housing.as_str()));
    }

    // And an organization: only its services that cover the need.
    let org = by_need["contents"][0]["organization_id"].as_str().unwrap().to_owned();
    let both = ok(&app, None, &format!("/services?taxonomy_term_id={housing}&organization_id={org}")).await;
    assert!(both["total_items"].as_i64().unwrap() >= 1);
    assert!(both["contents"].as_array().unwrap().iter().all(|s| s["organization_id"] == org.as_str()));
    let all_of_org = ok(&app, None, &format!("/services?organization_id={org}")).await;
    assert!(all_of_org["total_items"].as_i64() >= both["total_items"].as_i64());

    // And a search that none of them matches: nothing.
    let none = ok(&app, None, &format!("/services?taxonomy_term_id={housing}&search=zzzznothing")).await;
    assert_eq!(none["total_items"], 0);
    assert_eq!(none["empty"], true);

    // modified_after: a service touched now is the only one after a moment ago.
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let touched = by_need["contents"][0]["id"].as_str().unwrap().to_owned();
    db.execute("UPDATE services SET updated_at = now() + interval '1 minute' WHERE id = $1::text::uuid", &[&touched])
        .await
        .unwrap();
    let later = since + chrono::Duration::seconds(30);
    let recent = ok(&app, None, &format!("/services?modified_after={}", later.format("%Y-%m-%dT%H:%M:%SZ"))).await;
    let ids: Vec<&str> = recent["contents"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [touched.as_str()]);

    // Paging: pages of 7 add up to the whole (streamed), in order, without repeats.
    let whole = ndjson(&app, None, "/services?format=ndjson").await;
    let total = ok(&app, None, "/services").await["total_items"].as_u64().unwrap();
    assert_eq!(whole.len() as u64, total);
    let mut seen = Vec::new();
    let pages = total.div_ceil(7);
    for page in 1..=pages {
        let p = ok(&app, None, &format!("/services?per_page=7&page={page}")).await;
        check_envelope(&p);
        assert_eq!(p["total_pages"].as_u64().unwrap(), pages);
        seen.extend(p["contents"].as_array().unwrap().iter().map(|s| s["id"].clone()));
    }
    assert_eq!(seen, whole.iter().map(|s| s["id"].clone()).collect::<Vec<_>>());
    let past = ok(&app, None, &format!("/services?per_page=7&page={}", pages + 1)).await;
    assert_eq!((past["empty"].as_bool(), past["last_page"].as_bool()), (Some(true), Some(true)));

    // NDJSON streams every record, unpaged.
    assert_eq!(
        ndjson(&app, None, "/organizations?format=ndjson").await.len() as u64,
        ok(&app, None, "/organizations").await["total_items"].as_u64().unwrap()
    );

    // Bad parameters are the caller's to fix.
    for bad in [
        "/services?page=0",
        "/services?per_page=100000",
        "/services?full=maybe",
        "/services?format=xml",
        "/services?modified_after=yesterday",
        "/service_at_locations?proximity=north",
        "/service_at_locations?proximity=95,0,10",
    ] {
        let (status, body) = get(&app, None, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    for missing in [
        "/services/not-a-uuid",
        "/services/00000000-0000-0000-0000-000000000000",
        "/organizations/x",
        "/service_at_locations/00000000-0000-0000-0000-000000000000",
        "/taxonomies/x",
        "/taxonomy_terms/x",
        "/nothing",
    ] {
        let (status, body) = get(&app, None, missing).await;
        assert_eq!(status, 404, "{missing}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    }
    check_collected().await;
}

#[tokio::test]
async fn no_confidential_location_is_located_by_any_answer() {
    let app = TestApp::spawn().await;
    app.wait_for_search_index().await;
    let secret = confidential_locations(&app).await;
    assert!(secret.len() >= 10, "the sample directory has confidential locations");
    // A confidential shelter's capacity figure, and one of a listed place beside it: the
    // first is never published per service (only as its county's aggregate, elsewhere).
    let (hidden, shown) = (confidential_service(&app).await, listed_service(&app).await);
    let hidden_figure =
        set_figure(&app, &hidden, "bed", 7, Some(9), "WAITLIST", Some("Shelter night desk (secret)")).await;
    let shown_figure = set_figure(&app, &shown, "bed", 2, Some(4), "AVAILABLE", None).await;
    let admin = app.network_admin().await;
    let mut seen_confidential = 0;
    for token in [None, Some(admin.as_str())] {
        let mut texts = Vec::new();
        for path in [
            "/services?format=ndjson&full=true",
            "/organizations?format=ndjson&full=true&full_service=true",
            "/service_at_locations?format=ndjson&full=true",
            "/service_at_locations?format=ndjson",
            "/service_at_locations?format=ndjson&proximity=35.7796,-78.6382,1000000",
        ] {
            let records = ndjson(&app, token, path).await;
            texts.push(records.iter().map(Value::to_string).collect::<Vec<_>>().join("\n"));
        }
        // Every record by id too.
        let pairs = ndjson(&app, token, "/service_at_locations?format=ndjson").await;
        for p in pairs.iter().filter(|p| secret.iter().any(|s| p["location_id"] == s.0.as_str())).take(20) {
            seen_confidential += 1;
            let one = ok(&app, token, &format!("/service_at_locations/{}", p["id"].as_str().unwrap())).await;
            texts.push(one.to_string());
        }
        // Searching or filtering by a confidential location's postcode finds nothing of it.
        let db = app.sql().await;
        let postcode: Option<String> = db
            .query_one("SELECT postal_code FROM locations WHERE confidential AND postal_code IS NOT NULL LIMIT 1", &[])
            .await
            .unwrap()
            .get(0);
        if let Some(postcode) = postcode {
            let by_postcode =
                ndjson(&app, token, &format!("/service_at_locations?format=ndjson&postcode={postcode}")).await;
            assert!(by_postcode.iter().all(|p| !secret.iter().any(|s| p["location_id"] == s.0.as_str())));
        }
        for path in [format!("/services/{hidden}"), format!("/services/{shown}")] {
            texts.push(ok(&app, token, &path).await.to_string());
        }
        let all = texts.join("\n");
        assert_locates_no_confidential(&all, &secret);
        assert!(!all.contains(&hidden_figure) && !all.contains("Shelter night desk"), "a confidential figure appears");
        assert!(all.contains(&shown_figure), "the walk reads capacity at all");
    }
    assert!(seen_confidential > 0);
    check_collected().await;
}

#[tokio::test]
async fn a_token_reads_its_own_view_and_a_bad_one_is_refused() {
    let app = TestApp::spawn().await;
    let secret = confidential_locations(&app).await;
    let (id, _, _, _, name) = secret.iter().find(|s| s.4.is_some()).cloned().expect("a named confidential location");
    let name = name.unwrap();
    let pair = ndjson(&app, None, "/service_at_locations?format=ndjson")
        .await
        .into_iter()
        .find(|p| p["location_id"] == id.as_str())
        .unwrap();
    let path = format!("/service_at_locations/{}", pair["id"].as_str().unwrap());

    // Anonymous: neither name nor place.
    let anonymous = ok(&app, None, &path).await;
    assert_eq!(anonymous["location"]["name"], "Confidential location");
    assert!(!anonymous.to_string().contains(&name));
    // An advocate (arranges placements) may know the name, never the place.
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Advocacy Org (test)").await;
    let (_, _, advocate) = app.member(&admin, &org, "ADVOCATE").await;
    let seen = ok(&app, Some(&advocate), &path).await;
    assert_eq!(seen["location"]["name"], name.as_str());
    assert!(seen["location"].get("latitude").is_none());
    assert!(seen["location"]["addresses"].as_array().unwrap().is_empty());
    // An MDT viewer sees what the public sees.
    let (_, _, viewer) = app.member(&admin, &org, "MDT_VIEWER").await;
    assert_eq!(ok(&app, Some(&viewer), &path).await["location"]["name"], "Confidential location");

    let (status, body) = get(&app, Some("not-a-real-token"), "/services").await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    check_collected().await;
}

/// Proximity pages from the index equal PostgreSQL's, page by page, confidential
/// locations ranked at their county's point.
#[tokio::test]
async fn proximity_from_the_index_equals_postgresql() {
    let indexed = TestApp::spawn().await;
    indexed.wait_for_search_index().await;
    let plain = indexed
        .spawn_beside(ServerOptions { rate_limits: NO_LIMITS, search_index: false, ..ServerOptions::default() })
        .await;
    let housing = ok(&indexed, None, "/taxonomy_terms?search=acute.housing").await["contents"][0]["id"].clone();
    let minors = ok(&indexed, None, "/taxonomy_terms?search=population.minors").await["contents"][0]["id"].clone();
    let trained = ok(&indexed, None, "/taxonomy_terms?search=lantern.ht_trained").await["contents"][0]["id"].clone();
    let some_org = ok(&indexed, None, "/organizations?per_page=1&page=7").await["contents"][0]["id"].clone();
    let points =
        [(35.7796, -78.6382), (35.2271, -80.8431), (36.0726, -79.7920), (34.2257, -77.9447), (35.5951, -82.5515)];
    let mut compared = 0;
    for (i, (lat, lon)) in points.iter().enumerate() {
        for (radius, extra) in [
            (30_000, String::new()),
            (80_000, format!("&taxonomy_term_id={}", housing.as_str().unwrap())),
            (200_000, format!("&taxonomy_term_id={}", minors.as_str().unwrap())),
            (500_000, format!("&organization_id={}", some_org.as_str().unwrap())),
            (120_000, format!("&taxonomy_term_id={}", trained.as_str().unwrap())),
        ] {
            for page in 1..=3 {
                let path =
                    format!("/service_at_locations?proximity={lat},{lon},{radius}&per_page=25&page={page}{extra}");
                let a = ok(&indexed, None, &path).await;
                let b = ok(&plain, None, &path).await;
                assert_eq!(a, b, "point {i}, {path}");
                compared += a["size"].as_u64().unwrap();
            }
        }
    }
    assert!(compared > 200, "the comparison covered {compared} results");
    // The flag filter compared above selects some providers, not none and not all.
    let total = async |extra: String| {
        let path = format!("/service_at_locations?proximity=35.7796,-78.6382,500000&per_page=1{extra}");
        ok(&indexed, None, &path).await["total_items"].as_i64().unwrap()
    };
    let (all, only_trained) =
        (total(String::new()).await, total(format!("&taxonomy_term_id={}", trained.as_str().unwrap())).await);
    assert!(0 < only_trained && only_trained < all, "trained {only_trained} of {all}");

    // And the index did answer: a pair removed behind its back from the SQL side (the
    // pairs table, which the index never reads) is still ranked by the index alone.
    let db = indexed.sql().await;
    let path = "/service_at_locations?proximity=35.7796,-78.6382,30000&per_page=5";
    let first = ok(&indexed, None, path).await["contents"][0]["id"].as_str().unwrap().to_owned();
    db.execute("DELETE FROM hsds_service_at_locations WHERE id = $1::text::uuid", &[&first]).await.unwrap();
    assert_eq!(ok(&indexed, None, path).await["contents"][0]["id"], first.as_str());
    assert_ne!(ok(&plain, None, path).await["contents"][0]["id"], first.as_str());

    // Ranked by public position: a confidential location's distance is its county point's.
    let row = db
        .query_one(
            "SELECT ST_Y(c.interior_point), ST_X(c.interior_point), l.id::text FROM locations l
             JOIN counties c ON c.fips = l.county_fips WHERE l.confidential LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    let (lat, lon, id): (f64, f64, String) = (row.get(0), row.get(1), row.get(2));
    let near_county_point =
        ok(&indexed, None, &format!("/service_at_locations?proximity={lat},{lon},10&per_page=100")).await;
    assert!(
        near_county_point["contents"].as_array().unwrap().iter().any(|p| p["location_id"] == id.as_str()),
        "a confidential location is found at its county's point"
    );
    check_collected().await;
}

/// A listed service of a provider with a confidential location (a shelter).
pub async fn confidential_service(app: &TestApp) -> String {
    service_where(app, "EXISTS").await
}

/// A listed service of a provider without a confidential location.
pub async fn listed_service(app: &TestApp) -> String {
    service_where(app, "NOT EXISTS").await
}

async fn service_where(app: &TestApp, exists: &str) -> String {
    let sql = format!(
        "SELECT s.id::text FROM services s JOIN providers p ON p.id = s.provider_id
         WHERE s.archived_at IS NULL AND p.archived_at IS NULL
           AND {exists} (SELECT 1 FROM locations l WHERE l.provider_id = p.id AND l.confidential AND l.archived_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM service_capacity c WHERE c.service_id = s.id)
         ORDER BY s.id LIMIT 1"
    );
    app.sql().await.query_one(&sql, &[]).await.unwrap().get(0)
}

/// Sets a capacity figure as the database owner (a shelter's staff would, through the
/// API); returns the figure's id.
pub async fn set_figure(
    app: &TestApp,
    service: &str,
    unit: &str,
    available: i32,
    maximum: Option<i32>,
    status: &str,
    note: Option<&str>,
) -> String {
    app.sql()
        .await
        .query_one(
            "INSERT INTO service_capacity (service_id, provider_id, unit_code, available, maximum, status, note, source)
             SELECT s.id, s.provider_id, $2, $3, $4, $5, $6, 'STAFF' FROM services s WHERE s.id = $1::text::uuid
             RETURNING id::text",
            &[&service, &unit, &available, &maximum, &status, &note],
        )
        .await
        .unwrap()
        .get(0)
}

/// Full services carry their capacity as HSDS 3.1 `service_capacity` objects (valid by
/// Open Referral's 3.1 schema, and the whole answer still by 3.0's), holds subtracted;
/// never a confidential shelter's, whoever asks.
#[tokio::test]
async fn full_services_carry_capacity_in_the_hsds_3_1_shape() {
    let app = TestApp::spawn().await;
    let (hidden, shown) = (confidential_service(&app).await, listed_service(&app).await);
    set_figure(&app, &hidden, "bed", 3, Some(5), "AVAILABLE", None).await;
    let figure = set_figure(&app, &shown, "family_room", 3, Some(5), "AVAILABLE", Some("Ground floor")).await;
    set_figure(&app, &shown, "bed", 4, None, "WAITLIST", None).await;

    let service = ok(&app, None, &format!("/services/{shown}")).await;
    let capacities = service["capacities"].as_array().unwrap();
    assert_eq!(capacities.len(), 2, "{service}");
    let bed = capacities.iter().find(|c| c["unit"]["identifier"] == "bed").unwrap();
    assert_eq!((bed["available"].as_i64(), bed["description"].as_str()), (Some(0), Some("Waitlist")));
    let room = capacities.iter().find(|c| c["id"] == figure.as_str()).unwrap();
    assert_eq!(room["service_id"], shown.as_str());
    assert_eq!((room["available"].as_i64(), room["maximum"].as_i64()), (Some(3), Some(5)));
    assert_eq!(room["unit"]["scheme"], "lantern");
    assert_eq!(room["description"], "Room now. Ground floor");
    let mut official = Schemas::default();
    for c in capacities {
        official.add("../hsds-3.1-capacity/service_capacity.json", c.clone());
        official.add("../hsds-3.1-capacity/unit.json", c["unit"].clone());
    }
    official.check().await;

    // The same figures nested in every full form; list forms stay lean.
    let pair = ndjson(&app, None, "/service_at_locations?format=ndjson&full=true")
        .await
        .into_iter()
        .find(|p| p["service_id"] == shown.as_str())
        .unwrap();
    assert_eq!(pair["service"]["capacities"].as_array().unwrap().len(), 2);
    let org =
        ok(&app, None, &format!("/organizations/{}?full_service=true", service["organization_id"].as_str().unwrap()))
            .await;
    let nested = org["services"].as_array().unwrap().iter().find(|s| s["id"] == shown.as_str()).unwrap();
    assert_eq!(nested["capacities"], service["capacities"]);
    assert!(ok(&app, None, "/services?per_page=50").await["contents"][0].get("capacities").is_none());

    // A confidential shelter's figure is not published per service, to anyone.
    let admin = app.network_admin().await;
    for token in [None, Some(admin.as_str())] {
        let shelter = ok(&app, token, &format!("/services/{hidden}")).await;
        assert_eq!(shelter["capacities"], json!([]), "{shelter}");
    }
    check_collected().await;
}

/// A proximity page is rendered from records kept for the index's view: a change to a
/// service shows on the next page once the index has it, never an old copy for good.
#[tokio::test]
async fn proximity_pages_show_a_change_once_the_index_has_it() {
    let app = TestApp::spawn().await;
    app.wait_for_search_index().await;
    let path = "/service_at_locations?proximity=35.7796,-78.6382,30000&per_page=5";
    let first = ok(&app, None, path).await["contents"][0].clone();
    // Asked twice: the same answer, from the same listings in the index.
    assert_eq!(ok(&app, None, path).await["contents"][0], first);
    let service = first["service_id"].as_str().unwrap();
    app.sql()
        .await
        .execute("UPDATE services SET name = name || ' (renamed)' WHERE id = $1::text::uuid", &[&service])
        .await
        .unwrap();
    let renamed = format!("{} (renamed)", first["service"]["name"].as_str().unwrap());
    let mut seen = String::new();
    for _ in 0..100 {
        let page = ok(&app, None, path).await;
        let item = page["contents"].as_array().unwrap().iter().find(|p| p["service_id"] == service).cloned().unwrap();
        seen = item["service"]["name"].as_str().unwrap().to_owned();
        if seen == renamed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, renamed);
    check_collected().await;
}

/// The committed profile names what the issue fixes.
#[test]
fn the_profile_documents_the_mapping() {
    let profile = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/hsds-profile.md")).unwrap();
    for must in ["confidential", "FUTURES", "service_area", "attribute", "proximity", "taxonomy", "service_capacity"] {
        assert!(profile.to_lowercase().contains(&must.to_lowercase()), "profile lacks {must}");
    }
}
