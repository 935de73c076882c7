//! Confidential locations (shelters): an anonymous caller never sees their address or
//! coordinates, and cannot locate them from distances, rankings or radius membership
//! gathered from many points (trilateration).

use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::TestApp;

const EARTH_RADIUS_KM: f64 = 6_371.008_8;

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let (dp, dl) = (p2 - p1, (b.1 - a.1).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

/// The point `km` kilometres from `from` on compass bearing `degrees`.
fn offset(from: (f64, f64), km: f64, degrees: f64) -> (f64, f64) {
    let b = degrees.to_radians();
    (from.0 + km * b.cos() / 111.195, from.1 + km * b.sin() / (111.195 * from.0.to_radians().cos()))
}

struct Shelter {
    provider: Uuid,
    at: (f64, f64),
    county_point: (f64, f64),
}

/// A provider whose only location is a confidential shelter in Wake County, offering a
/// service in a language nobody else lists, so searches isolate it.
async fn plant_shelter(app: &TestApp) -> Shelter {
    let db = app.sql().await;
    let at = (35.9420, -78.5530); // north Wake County, well away from the county's interior point
    let provider: Uuid = db
        .query_one(
            "INSERT INTO providers (name, kind, synthetic) VALUES ('Hidden Harbor Shelter (synthetic test fixture)', 'dv_sa_agency', true) RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let service: Uuid = db
        .query_one(
            "INSERT INTO services (provider_id, name, languages, populations) VALUES ($1, 'Emergency shelter', '{zu}', '{ADULTS}') RETURNING id",
            &[&provider],
        )
        .await
        .unwrap()
        .get(0);
    db.execute("INSERT INTO service_needs (service_id, need_code) VALUES ($1, 'acute.housing')", &[&service])
        .await
        .unwrap();
    let row = db
        .query_one(
            "INSERT INTO locations (provider_id, name, street, city, state, postal_code, geog, confidential)
             VALUES ($1, 'Hidden Harbor safe house', '77 Test Fixture Ln', 'Wake Forest', 'NC', '27587',
                     ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, true)
             RETURNING county_fips, ST_Y(public_geog::geometry), ST_X(public_geog::geometry)",
            &[&provider, &at.1, &at.0],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "37183");
    let county_point = (row.get(1), row.get(2));
    assert!(distance_km(at, county_point) > 5.0, "fixture must sit away from the county's interior point");
    let shelter = Shelter { provider, at, county_point };
    // Planted straight in the database, as another instance would: the search index
    // learns of it by notification, a moment later.
    for _ in 0..200 {
        if probe(app, &shelter, at, None, &mut String::new()).await.is_some() {
            return shelter;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the planted shelter never became searchable");
}

const SEARCH: &str = "query($filter: ProviderFilter) { searchProviders(filter: $filter, first: 10) {
    nodes { provider { id name locations { latitude longitude name address { street } county { fips } } }
            distanceKm distanceApproximate serviceAreaMatch } } }";

async fn probe(
    app: &TestApp,
    shelter: &Shelter,
    from: (f64, f64),
    radius_km: Option<f64>,
    transcript: &mut String,
) -> Option<Value> {
    let mut filter = json!({ "languages": ["zu"], "near": { "lat": from.0, "lon": from.1 } });
    if let Some(r) = radius_km {
        filter["radiusKm"] = json!(r);
    }
    let body = app.gql(SEARCH, json!({ "filter": filter })).await;
    transcript.push_str(&body.to_string());
    body["data"]["searchProviders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["provider"]["id"] == shelter.provider.to_string() && n["serviceAreaMatch"] == false)
        .cloned()
}

#[tokio::test]
async fn trilateration_from_many_points_does_not_find_a_shelter() {
    let app = TestApp::spawn().await;
    let shelter = plant_shelter(&app).await;
    let mut transcript = String::new();

    // Attack 1: distances from sixteen points around the shelter, then least squares.
    let mut readings = Vec::new();
    for i in 0..16 {
        let from = offset(shelter.at, 10.0 + (i % 4) as f64 * 5.0, i as f64 * 22.5);
        let hit = probe(&app, &shelter, from, None, &mut transcript).await.expect("the shelter's provider is listed");
        assert_eq!(hit["distanceApproximate"], true);
        readings.push((from, hit["distanceKm"].as_f64().unwrap()));
    }
    let mut best = (f64::MAX, shelter.at);
    for gy in -240..=240 {
        for gx in -240..=240 {
            let candidate = (shelter.at.0 + gy as f64 * 0.25 / 111.195, shelter.at.1 + gx as f64 * 0.25 / 90.0);
            let err: f64 = readings.iter().map(|(p, d)| (distance_km(*p, candidate) - d).powi(2)).sum();
            if err < best.0 {
                best = (err, candidate);
            }
        }
    }
    let estimate = best.1;
    assert!(
        distance_km(estimate, shelter.at) > 3.0,
        "trilateration landed {:.2} km from the shelter",
        distance_km(estimate, shelter.at)
    );
    assert!(distance_km(estimate, shelter.county_point) < 1.5, "it finds only the county's interior point");

    // Attack 2: shrink the radius until the shelter drops out; the threshold is the
    // distance to the county's interior point, not to the shelter.
    let from = offset(shelter.at, 20.0, 0.0);
    let (mut inside, mut outside) = (200.0_f64, 0.01_f64);
    assert!(probe(&app, &shelter, from, Some(inside), &mut transcript).await.is_some());
    for _ in 0..24 {
        let mid = (inside + outside) / 2.0;
        if probe(&app, &shelter, from, Some(mid), &mut transcript).await.is_some() {
            inside = mid;
        } else {
            outside = mid;
        }
    }
    let true_km = distance_km(from, shelter.at);
    assert!((inside - distance_km(from, shelter.county_point)).abs() < 0.05);
    assert!((inside - true_km).abs() > 1.0, "radius probing revealed the true distance");

    // Nothing ever carried the shelter's coordinates, name or street.
    for secret in [
        format!("{:.4}", shelter.at.0),
        format!("{:.4}", shelter.at.1),
        "Hidden Harbor safe house".into(),
        "77 Test Fixture".into(),
    ] {
        assert!(!transcript.contains(&secret), "a response revealed {secret}");
    }
}

#[tokio::test]
async fn the_public_sees_only_the_county_of_a_confidential_location() {
    let app = TestApp::spawn().await;
    let shelter = plant_shelter(&app).await;
    let body = app
        .gql(
            "query($id: ID!) { provider(id: $id) { locations { confidential name latitude longitude address { street } county { fips name } } } }",
            json!({ "id": shelter.provider }),
        )
        .await;
    let location = &body["data"]["provider"]["locations"][0];
    assert_eq!(location["confidential"], true);
    assert_eq!(location["latitude"], Value::Null);
    assert_eq!(location["longitude"], Value::Null);
    assert_eq!(location["address"], Value::Null);
    assert_eq!(location["name"], Value::Null);
    assert_eq!(location["county"]["name"], "Wake");
    assert!(!body.to_string().contains("Test Fixture"));
}
