//! Reference data: the FUTURES need matrix and North Carolina's counties.

use serde_json::{Value, json};

use crate::common::TestApp;

#[tokio::test]
async fn need_categories_follow_the_futures_matrix() {
    let app = TestApp::spawn().await;
    let all = app.data("{ needCategories { code phase label position } }", json!({})).await;
    let all = all["needCategories"].as_array().unwrap();
    assert_eq!(all.len(), 33, "8 acute + 15 transitional + 10 long-term rows");
    let count = |phase: &str| all.iter().filter(|n| n["phase"] == phase).count();
    assert_eq!((count("ACUTE"), count("TRANSITIONAL"), count("LONG_TERM")), (8, 15, 10));
    // In matrix order, each code prefixed by its phase.
    let positions: Vec<i64> = all.iter().map(|n| n["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, (1..=33).collect::<Vec<_>>());
    for n in all {
        let prefix = match n["phase"].as_str().unwrap() {
            "ACUTE" => "acute.",
            "TRANSITIONAL" => "transitional.",
            _ => "long_term.",
        };
        assert!(n["code"].as_str().unwrap().starts_with(prefix), "{n}");
    }
    assert_eq!(all[2]["code"], "acute.housing");
    // Rows that appear in two phases are one category per phase.
    let labelled = |label: &str| all.iter().filter(|n| n["label"] == label).count();
    assert_eq!(labelled("Interpretation/ Translation"), 2);

    let acute = app.data("{ needCategories(phase: LONG_TERM) { code phase } }", json!({})).await;
    let acute = acute["needCategories"].as_array().unwrap();
    assert_eq!(acute.len(), 10);
    assert!(acute.iter().all(|n| n["phase"] == "LONG_TERM"));
}

#[tokio::test]
async fn all_one_hundred_counties_are_listed_and_found_by_fips() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            "{ counties { fips name } wake: county(fips: \"37183\") { name } none: county(fips: \"51059\") { name } }",
            json!({}),
        )
        .await;
    let counties = data["counties"].as_array().unwrap();
    assert_eq!(counties.len(), 100);
    assert!(counties.iter().all(|c| c["fips"].as_str().unwrap().starts_with("37")));
    let names: Vec<&str> = counties.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "counties are listed by name");
    assert_eq!(data["wake"]["name"], "Wake");
    assert_eq!(data["none"], Value::Null, "a Virginia FIPS is not one of ours");
}

#[tokio::test]
async fn every_county_seat_lies_in_its_own_county() {
    let app = TestApp::spawn().await;
    let seats: Vec<Value> = serde_json::from_str(include_str!("../fixtures/nc-county-seats.json")).unwrap();
    assert_eq!(seats.len(), 100);
    for seat in seats {
        let data = app
            .data(
                "query($lat: Float!, $lon: Float!) { countyAt(lat: $lat, lon: $lon) { fips name } }",
                json!({ "lat": seat["lat"], "lon": seat["lon"] }),
            )
            .await;
        assert_eq!(data["countyAt"]["fips"], seat["fips"], "seat {} of {}", seat["seat"], seat["county"]);
        assert_eq!(data["countyAt"]["name"], seat["county"]);
    }
}

#[tokio::test]
async fn points_outside_north_carolina_have_no_county() {
    let app = TestApp::spawn().await;
    for (lat, lon, place) in
        [(37.54, -77.44, "Richmond, VA"), (34.0, -81.03, "Columbia, SC"), (35.0, -74.0, "Atlantic")]
    {
        let data = app
            .data(
                "query($lat: Float!, $lon: Float!) { countyAt(lat: $lat, lon: $lon) { fips } }",
                json!({ "lat": lat, "lon": lon }),
            )
            .await;
        assert_eq!(data["countyAt"], Value::Null, "{place}");
    }
}
