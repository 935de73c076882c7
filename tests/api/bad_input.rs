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
    let text = body.to_string().to_lowercase();
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
