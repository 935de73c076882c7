//! `provider(id)`: the directory model as the public sees it, against the seed file.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{TestApp, sample_directory};

const PROVIDER_QUERY: &str = "query($id: ID!) { provider(id: $id) {
    id name kind synthetic website
    phones { number twentyFourHour }
    services { name open24h languages populations needs { code phase } }
    locations { confidential name latitude longitude address { street city state postalCode } county { fips name } }
    serviceArea { fips }
} }";

fn first_provider(dir: &Value, pick: impl Fn(&Value) -> bool) -> Value {
    dir["providers"].as_array().unwrap().iter().find(|p| pick(p)).cloned().expect("a matching sample provider")
}

#[tokio::test]
async fn a_provider_reads_back_as_seeded() {
    let app = TestApp::spawn().await;
    let dir = sample_directory();
    let seeded = first_provider(&dir, |p| {
        p["locations"].as_array().unwrap().iter().any(|l| l["confidential"] == false)
            && p["services"].as_array().unwrap().len() >= 2
    });
    let data = app.data(PROVIDER_QUERY, json!({ "id": seeded["id"] })).await;
    let got = &data["provider"];
    assert_eq!(got["name"], seeded["name"]);
    assert_eq!(got["synthetic"], true);
    assert!(got["name"].as_str().unwrap().ends_with("(synthetic)"));

    let codes =
        |services: &Value, key: &str| -> BTreeSet<String> {
            services
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| {
                    s[key].as_array().unwrap().iter().map(|n| {
                        n.as_str().map(str::to_owned).unwrap_or_else(|| n["code"].as_str().unwrap().to_owned())
                    })
                })
                .collect()
        };
    assert_eq!(codes(&got["services"], "needs"), codes(&seeded["services"], "needs"));
    assert_eq!(got["services"].as_array().unwrap().len(), seeded["services"].as_array().unwrap().len());
    assert_eq!(got["phones"].as_array().unwrap().len(), seeded["phones"].as_array().unwrap().len());

    let public = seeded["locations"].as_array().unwrap().iter().find(|l| l["confidential"] == false).unwrap();
    let shown = got["locations"].as_array().unwrap().iter().find(|l| l["confidential"] == false).unwrap();
    assert!((shown["latitude"].as_f64().unwrap() - public["lat"].as_f64().unwrap()).abs() < 1e-9);
    assert!((shown["longitude"].as_f64().unwrap() - public["lon"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(shown["address"]["street"], public["address"]["street"]);
    assert_eq!(shown["address"]["postalCode"], public["address"]["postalCode"]);
    assert_eq!(shown["county"]["fips"].as_str().unwrap().len(), 5);

    // The service area holds the declared counties and every location's county.
    let area: BTreeSet<&str> =
        got["serviceArea"].as_array().unwrap().iter().map(|c| c["fips"].as_str().unwrap()).collect();
    for fips in seeded["serviceArea"].as_array().unwrap() {
        assert!(area.contains(fips.as_str().unwrap()));
    }
    for location in got["locations"].as_array().unwrap() {
        assert!(area.contains(location["county"]["fips"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn a_location_county_comes_from_its_point_not_from_input() {
    let app = TestApp::spawn().await;
    let db = app.sql().await;
    let provider = sample_directory()["providers"][10]["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap();
    // Claim Mecklenburg for a point in downtown Raleigh (Wake): the database ignores it.
    let row = db
        .query_one(
            "INSERT INTO locations (provider_id, geog, county_fips, public_geog)
             VALUES ($1, ST_SetSRID(ST_MakePoint(-78.6382, 35.7796), 4326)::geography, '37119',
                     ST_SetSRID(ST_MakePoint(0, 0), 4326)::geography)
             RETURNING county_fips, ST_Y(public_geog::geometry)",
            &[&provider],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "37183");
    assert!((row.get::<_, f64>(1) - 35.7796).abs() < 1e-9, "a public location's public position is its own");

    // A point outside every county is refused, so no location is without a county.
    let outside = db
        .execute(
            "INSERT INTO locations (provider_id, geog, county_fips, public_geog)
             VALUES ($1, ST_SetSRID(ST_MakePoint(-77.44, 37.54), 4326)::geography, '37183',
                     ST_SetSRID(ST_MakePoint(0, 0), 4326)::geography)",
            &[&provider],
        )
        .await;
    assert!(outside.is_err());
}

#[tokio::test]
async fn unknown_and_archived_providers_are_null() {
    let app = TestApp::spawn().await;
    let data = app.data(PROVIDER_QUERY, json!({ "id": uuid::Uuid::new_v4() })).await;
    assert_eq!(data["provider"], Value::Null);

    let id = sample_directory()["providers"][0]["id"].as_str().unwrap().to_owned();
    app.sql()
        .await
        .execute("UPDATE providers SET archived_at = now() WHERE id = $1", &[&id.parse::<uuid::Uuid>().unwrap()])
        .await
        .unwrap();
    let data = app.data(PROVIDER_QUERY, json!({ "id": id })).await;
    assert_eq!(data["provider"], Value::Null);
}

#[tokio::test]
async fn seeding_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let db = app.sql().await;
    let census = "SELECT (SELECT count(*) FROM need_categories), (SELECT count(*) FROM counties),
                         (SELECT count(*) FROM providers), (SELECT count(*) FROM services),
                         (SELECT count(*) FROM service_needs), (SELECT count(*) FROM locations),
                         (SELECT count(*) FROM provider_phones), (SELECT count(*) FROM provider_service_areas)";
    let counts = |row: tokio_postgres::Row| (0..8).map(|i| row.get::<_, i64>(i)).collect::<Vec<_>>();
    let before = counts(db.query_one(census, &[]).await.unwrap());
    {
        use diesel_async::AsyncConnection;
        let mut conn = diesel_async::AsyncPgConnection::establish(&app.db_url).await.unwrap();
        lantern::db::seed::seed(&mut conn, lantern::db::seed::SeedSet::WithSampleDirectory).await.unwrap();
    }
    let after = counts(db.query_one(census, &[]).await.unwrap());
    assert_eq!(before, after);
    let dir = sample_directory();
    assert_eq!(before[2], dir["providers"].as_array().unwrap().len() as i64);
    assert!(before[2] >= 300);
    let located_counties: i64 =
        db.query_one("SELECT count(DISTINCT county_fips) FROM locations", &[]).await.unwrap().get(0);
    assert!(located_counties >= 60, "sample providers sit in {located_counties} counties");
}
