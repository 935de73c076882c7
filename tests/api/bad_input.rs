//! Bad input gets `BAD_USER_INPUT` naming the field: never a 500, never database text.

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

const SEARCH: &str = "query($filter: ProviderFilter, $first: Int, $after: String) {
  searchProviders(filter: $filter, first: $first, after: $after) { nodes { provider { id } } } }";

fn assert_bad_input(body: &Value, field: &str, case: &str) {
    assert_eq!(error_code(body), "BAD_USER_INPUT", "{case}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], field, "{case}: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(field), "{case}: the message names {field}: {message}");
    // (The field's own name may hold a word like "relation": `guardian.relationship`.)
    let text = body.to_string().to_lowercase().replace(&field.to_lowercase(), "");
    for leak in ["sql", "postgres", "diesel", "constraint", "panicked", "relation"] {
        assert!(!text.contains(leak), "{case} leaked {leak}: {body}");
    }
}

#[tokio::test]
async fn bad_search_input_names_the_field() {
    let app = TestApp::spawn().await;
    let near = |lat: f64, lon: f64| json!({ "near": { "lat": lat, "lon": lon } });
    let cases: Vec<(&str, Value, Value, Value, &str)> = vec![
        ("latitude above 90", near(90.5, -78.6), Value::Null, Value::Null, "filter.near.lat"),
        ("latitude below -90", near(-91.0, -78.6), Value::Null, Value::Null, "filter.near.lat"),
        ("longitude out of range", near(35.0, -181.0), Value::Null, Value::Null, "filter.near.lon"),
        (
            "unknown need code",
            json!({ "needs": ["acute.housing", "acute.teleportation"] }),
            Value::Null,
            Value::Null,
            "filter.needs",
        ),
        ("malformed county", json!({ "county": "Wake" }), Value::Null, Value::Null, "filter.county"),
        ("unknown county", json!({ "county": "51059" }), Value::Null, Value::Null, "filter.county"),
        (
            "zero radius",
            json!({ "near": { "lat": 35.7, "lon": -78.6 }, "radiusKm": 0 }),
            Value::Null,
            Value::Null,
            "filter.radiusKm",
        ),
        (
            "negative radius",
            json!({ "near": { "lat": 35.7, "lon": -78.6 }, "radiusKm": -5 }),
            Value::Null,
            Value::Null,
            "filter.radiusKm",
        ),
        (
            "absurd radius",
            json!({ "near": { "lat": 35.7, "lon": -78.6 }, "radiusKm": 40000 }),
            Value::Null,
            Value::Null,
            "filter.radiusKm",
        ),
        ("radius without a point", json!({ "radiusKm": 10 }), Value::Null, Value::Null, "filter.radiusKm"),
        ("malformed language", json!({ "languages": ["Spanish"] }), Value::Null, Value::Null, "filter.languages"),
        ("page over the cap", Value::Null, json!(101), Value::Null, "first"),
        ("empty page", Value::Null, json!(0), Value::Null, "first"),
        ("garbage cursor", Value::Null, Value::Null, json!("not-a-cursor"), "after"),
        ("forged cursor", Value::Null, Value::Null, json!("ZHx6enp8eA"), "after"),
    ];
    for (case, filter, first, after, field) in cases {
        let body = app.gql(SEARCH, json!({ "filter": filter, "first": first, "after": after })).await;
        assert_bad_input(&body, field, case);
        assert_eq!(body["data"], Value::Null, "{case}: no partial answer");
    }

    // A cursor from a search by distance does not fit a search by name.
    let by_distance = app
        .data(
            "{ searchProviders(filter: { near: { lat: 35.7, lon: -78.6 } }, first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = by_distance["searchProviders"]["pageInfo"]["endCursor"].clone();
    let body = app.gql(SEARCH, json!({ "first": 1, "after": cursor })).await;
    assert_bad_input(&body, "after", "cursor from another search");
}

#[tokio::test]
async fn non_finite_coordinates_are_bad_input() {
    let app = TestApp::spawn().await;
    // JSON has no NaN or Infinity; a literal too large for a double parses as infinity.
    let body = app
        .gql("{ searchProviders(filter: { near: { lat: 1e400, lon: -78.6 } }) { nodes { distanceKm } } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "lat", "{body}");
    let body = app.gql("{ countyAt(lat: 35.7, lon: -1e999) { fips } }", json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "lon", "{body}");

    // The same as a variable: refused before parsing the request, naming the key.
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(
            r#"{"query": "query($lat: Float!) { countyAt(lat: $lat, lon: 0) { fips } }", "variables": {"lat": 1e400}}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "lat", "{body}");
}

#[tokio::test]
async fn bad_lookups_name_the_argument() {
    let app = TestApp::spawn().await;
    assert_bad_input(&app.gql("{ countyAt(lat: 123, lon: -78) { fips } }", json!({})).await, "lat", "countyAt lat");
    assert_bad_input(&app.gql("{ countyAt(lat: 35, lon: 200) { fips } }", json!({})).await, "lon", "countyAt lon");
    assert_bad_input(&app.gql("{ county(fips: \"3718\") { name } }", json!({})).await, "fips", "short fips");
    assert_bad_input(
        &app.gql("{ provider(id: \"42; DROP TABLE providers\") { name } }", json!({})).await,
        "id",
        "bad id",
    );
    // Wrong types are refused by validation, with a code, before anything runs.
    let body = app.gql("{ searchProviders(first: \"ten\") { nodes { distanceKm } } }", json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let body = app.gql("{ needCategories(phase: SOMEDAY) { code } }", json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
}

/// One place in the API's input: an operation's argument, or a field below it.
#[derive(Clone, Debug)]
struct InputSite {
    root: &'static str,
    operation: String,
    argument: String,
    argument_type: String,
    /// `input.phones.number`: the argument and the input fields below it.
    path: String,
    /// From the argument down: `None` for "inside a list", `Some(key)` for an input field.
    steps: Vec<Option<String>>,
    /// The named type at this place (`String`, `ProviderEdit`, …) and whether it is a list.
    named: String,
    list: bool,
}

impl InputSite {
    /// The variable value carrying `leaf` at this place.
    fn variable(&self, leaf: Value) -> Value {
        self.steps.iter().rev().fold(leaf, |inner, step| match step {
            None => json!([inner]),
            Some(key) => json!({ key: inner }),
        })
    }

    /// The operation sending only this argument (no selection: whatever passes the input
    /// gate fails validation and never runs).
    fn query(&self) -> String {
        format!("{}($v: {}) {{ {}({}: $v) }}", self.root, self.argument_type, self.operation, self.argument)
    }
}

/// Every input place of every query and mutation, from the committed SDL (which the drift
/// test keeps equal to the code), so a new argument is covered without editing this file.
fn input_sites() -> (Vec<InputSite>, std::collections::HashMap<String, String>) {
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/schema.graphql")).unwrap();
    let doc = async_graphql::parser::parse_schema(&sdl).unwrap();
    let mut objects = std::collections::HashMap::new();
    let mut inputs = std::collections::HashMap::new();
    let mut enums = std::collections::HashMap::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def {
            let name = t.node.name.node.to_string();
            match t.node.kind {
                TypeKind::Object(o) => {
                    objects.insert(name, o.fields);
                }
                TypeKind::InputObject(i) => {
                    inputs.insert(name, i.fields);
                }
                TypeKind::Enum(e) => {
                    enums.insert(name, e.values[0].node.value.node.to_string());
                }
                _ => {}
            }
        }
    }
    fn named(ty: &Type) -> (String, bool) {
        match &ty.base {
            BaseType::Named(n) => (n.to_string(), false),
            BaseType::List(inner) => (named(inner).0, true),
        }
    }
    let mut sites = Vec::new();
    let mut pending: Vec<InputSite> = Vec::new();
    for (root, type_name) in [("query", "Query"), ("mutation", "Mutation")] {
        for field in &objects[type_name] {
            for arg in &field.node.arguments {
                let (n, list) = named(&arg.node.ty.node);
                let mut steps = Vec::new();
                if list {
                    steps.push(None);
                }
                pending.push(InputSite {
                    root,
                    operation: field.node.name.node.to_string(),
                    argument: arg.node.name.node.to_string(),
                    argument_type: arg.node.ty.node.to_string(),
                    path: arg.node.name.node.to_string(),
                    steps,
                    named: n,
                    list,
                });
            }
        }
    }
    while let Some(site) = pending.pop() {
        if let Some(fields) = inputs.get(&site.named) {
            for f in fields {
                let (n, list) = named(&f.node.ty.node);
                let key = f.node.name.node.to_string();
                let mut steps = site.steps.clone();
                steps.push(Some(key.clone()));
                if list {
                    steps.push(None);
                }
                pending.push(InputSite { path: format!("{}.{key}", site.path), steps, named: n, list, ..site.clone() });
            }
        }
        sites.push(site);
    }
    (sites, enums)
}

fn is_text(named: &str) -> bool {
    matches!(named, "String" | "ID" | "NaiveDate" | "DateTime")
}

#[tokio::test]
async fn every_text_input_refuses_control_characters() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let (sites, _) = input_sites();
    let texts: Vec<&InputSite> = sites.iter().filter(|s| is_text(&s.named)).collect();
    assert!(texts.len() > 120, "the SDL was read: {} text inputs", texts.len());
    let mut operations = std::collections::BTreeSet::new();
    for site in &texts {
        operations.insert(site.operation.clone());
        let multi = lantern::validate::lines_of(&site.operation, &site.path) == lantern::validate::Lines::Multi;
        for (value, refused) in [
            ("before\u{0}after", true),
            ("\u{1b}[2J", true),
            ("a\u{7f}", true),
            ("first\nsecond", !multi),
            ("col\tcol", !multi),
            ("line\u{2028}line", !multi),
        ] {
            let case = format!("{} {} = {value:?}", site.operation, site.path);
            let (status, body) = app.gql_as(&admin, &site.query(), json!({ "v": site.variable(json!(value)) })).await;
            assert_eq!(status, 200, "{case}: {body}");
            assert_ne!(error_code(&body), "INTERNAL", "{case}: {body}");
            let named_here =
                error_code(&body) == "BAD_USER_INPUT" && body["errors"][0]["extensions"]["field"] == *site.path;
            if refused {
                assert_bad_input(&body, &site.path, &case);
                assert!(!body.to_string().contains(value), "{case}: the value is not echoed: {body}");
            } else {
                assert!(!named_here, "{case}: line breaks and tabs are fine in a multi-line field: {body}");
            }
        }
    }
    for op in [
        "createOrganization",
        "createService",
        "createMou",
        "addContact",
        "createApiKey",
        "login",
        "acceptInvitation",
        "recordConsent",
        "createReferral",
        "searchProviders",
        "referrals",
        "webhookDeliveries",
    ] {
        assert!(operations.contains(op), "{op} takes text and is covered");
    }
}

#[tokio::test]
async fn nul_bytes_in_real_requests_are_bad_input_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Harbor House (test)").await;
    let provider = app
        .data_as(
            &admin,
            "mutation { createProvider(input: { name: \"Harbor (synthetic)\", kind: \"ht_program\" }) { id } }",
            json!({}),
        )
        .await["createProvider"]["id"]
        .clone();
    let db = app.sql().await;
    let before = row_counts(&db).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "mutation($n: String!) { createOrganization(input: { name: $n }) { id } }",
            json!({ "n": "Harbor\u{0}House" }),
            "input.name",
        ),
        (
            "mutation($p: ID!, $n: String!) { createService(providerId: $p, input: { name: $n, needs: [\"acute.housing\"] }) { id } }",
            json!({ "p": provider, "n": "Shelter\u{0}" }),
            "input.name",
        ),
        (
            "mutation($p: ID!, $t: String!) { createMou(input: { providerId: $p, title: $t, scopeNeeds: [\"acute.housing\"], effectiveOn: \"2026-01-01\", expiresOn: \"2027-01-01\", parties: [{ countyFips: \"37183\" }] }) { id } }",
            json!({ "p": provider, "t": "MOU\u{0}" }),
            "input.title",
        ),
        (
            "mutation($p: ID!, $n: String!) { addContact(providerId: $p, input: { name: $n, email: \"intake@harbor.example.org\" }) { id } }",
            json!({ "p": provider, "n": "Pat\u{0}Example" }),
            "input.name",
        ),
        (
            "mutation($o: ID!, $l: String!) { createApiKey(input: { organizationId: $o, role: COORDINATOR, label: $l }) { id } }",
            json!({ "o": org, "l": "CMS\u{0}" }),
            "input.label",
        ),
        (
            "mutation($p: ID!, $n: String!) { createProvider(input: { name: $n, kind: \"ht_program\" }) { id } }",
            json!({ "p": provider, "n": "Two\nlines (synthetic)" }),
            "input.name",
        ),
    ];
    for (query, variables, field) in cases {
        let (_, body) = app.gql_as(&admin, query, variables).await;
        assert_bad_input(&body, field, query);
    }
    assert_eq!(row_counts(&db).await, before, "nothing was written");
    // Free text keeps its lines and tabs.
    let made = app
        .data_as(&admin, "mutation($d: String!) { createProvider(input: { name: \"Lines (synthetic)\", kind: \"ht_program\", description: $d }) { description } }",
            json!({ "d": "Walk-ins welcome.\nCall first:\tweekends" }))
        .await;
    assert_eq!(made["createProvider"]["description"], "Walk-ins welcome.\nCall first:\tweekends");
}

async fn row_counts(db: &tokio_postgres::Client) -> Vec<i64> {
    let mut out = Vec::new();
    for table in ["organizations", "services", "mous", "provider_contacts", "api_keys", "providers"] {
        out.push(db.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0));
    }
    out
}

#[tokio::test]
async fn every_list_input_has_a_cap() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let (sites, enums) = input_sites();
    let lists: Vec<&InputSite> = sites.iter().filter(|s| s.list).collect();
    assert!(lists.len() > 20, "the SDL was read: {} list inputs", lists.len());
    for site in lists {
        let cap = lantern::validate::list_cap(&site.operation, &site.path);
        let item = if let Some(value) = enums.get(&site.named) {
            json!(value)
        } else if is_text(&site.named) {
            json!("x")
        } else if matches!(site.named.as_str(), "Int" | "Float") {
            json!(1)
        } else if site.named == "Boolean" {
            json!(true)
        } else {
            json!({})
        };
        // The site's own list is the last step; fill it with `n` items.
        let with = |n: usize| {
            let mut outer = site.clone();
            outer.steps.pop();
            json!({ "v": outer.variable(json!(vec![item.clone(); n])) })
        };
        let case = format!("{} {} ({cap} items at most)", site.operation, site.path);
        let (_, over) = app.gql_as(&admin, &site.query(), with(cap + 1)).await;
        assert_bad_input(&over, &site.path, &case);
        let (_, at_cap) = app.gql_as(&admin, &site.query(), with(cap)).await;
        assert!(
            !(error_code(&at_cap) == "BAD_USER_INPUT" && at_cap["errors"][0]["extensions"]["field"] == *site.path),
            "{case}: {cap} items are fine: {at_cap}"
        );
    }
}

#[tokio::test]
async fn real_lists_over_their_cap_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let provider = app
        .data_as(
            &admin,
            "mutation { createProvider(input: { name: \"Caps (synthetic)\", kind: \"ht_program\" }) { id } }",
            json!({}),
        )
        .await["createProvider"]["id"]
        .clone();
    let orgs: Vec<String> = (0..51).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let parties: Vec<Value> = (0..21).map(|_| json!({ "countyFips": "37183" })).collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "mutation($p: ID!, $parties: [MouPartyInput!]) { createMou(input: { providerId: $p, title: \"Many\", scopeNeeds: [\"acute.housing\"], effectiveOn: \"2026-01-01\", expiresOn: \"2027-01-01\", parties: $parties }) { id } }",
            json!({ "p": provider, "parties": parties }),
            "input.parties",
        ),
        (
            "mutation($p: ID!, $l: [String!]) { createService(providerId: $p, input: { name: \"Interpretation\", needs: [\"acute.interpretation\"], languages: $l }) { id } }",
            json!({ "p": provider, "l": vec!["es"; 201] }),
            "input.languages",
        ),
        (
            "mutation($o: [ID!]!) { setCountyTeam(fips: \"37183\", organizationIds: $o) }",
            json!({ "o": orgs }),
            "organizationIds",
        ),
        (
            "query($l: [String!]) { searchProviders(filter: { languages: $l }) { nodes { cursor } } }",
            json!({ "l": vec!["es"; 21] }),
            "filter.languages",
        ),
    ];
    for (query, variables, field) in cases {
        let (_, body) = app.gql_as(&admin, query, variables).await;
        assert_bad_input(&body, field, query);
    }
}
