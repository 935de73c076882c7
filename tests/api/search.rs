//! `searchProviders` against an independent brute-force computation: filters evaluated
//! in Rust over the seed file, distances by the haversine formula, over many random
//! points and filter combinations, following every cursor.

use std::collections::{BTreeSet, HashMap};

use lantern::auth::Actor;
use lantern::providers::search::{self, SearchRequest};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, sample_directory};

/// Sphere radius PostGIS uses for geography distances (WGS 84 mean radius).
const EARTH_RADIUS_M: f64 = 6_371_008.771_415;

fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = (p2 - p1, (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[derive(Clone, Debug, Default)]
struct Filter {
    needs: Vec<String>,
    phase: Option<&'static str>,
    county: Option<String>,
    languages: Vec<String>,
    populations: Vec<&'static str>,
    open_24h: bool,
}

impl Filter {
    fn to_json(&self, near: Option<(f64, f64)>, radius_km: Option<f64>) -> Value {
        let mut f = json!({});
        if !self.needs.is_empty() {
            f["needs"] = json!(self.needs);
        }
        if let Some(p) = self.phase {
            f["phase"] = json!(p);
        }
        if let Some(c) = &self.county {
            f["county"] = json!(c);
        }
        if !self.languages.is_empty() {
            f["languages"] = json!(self.languages);
        }
        if !self.populations.is_empty() {
            f["populations"] = json!(self.populations);
        }
        if self.open_24h {
            f["open24h"] = json!(true);
        }
        if let Some((lat, lon)) = near {
            f["near"] = json!({ "lat": lat, "lon": lon });
        }
        if let Some(r) = radius_km {
            f["radiusKm"] = json!(r);
        }
        f
    }

    /// One and the same service must satisfy every service-level condition.
    fn service_matches(&self, s: &Value) -> bool {
        let strs = |key: &str| -> Vec<String> {
            s[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
        };
        let needs = strs("needs");
        let need_ok = needs.iter().any(|n| {
            (self.needs.is_empty() || self.needs.contains(n))
                && self.phase.is_none_or(|p| n.starts_with(&format!("{}.", p.to_lowercase())))
        });
        let langs = strs("languages");
        let pops = strs("populations");
        need_ok
            && (self.languages.is_empty() || self.languages.iter().any(|l| langs.contains(l)))
            && self.populations.iter().all(|p| pops.iter().any(|q| q == p))
            && (!self.open_24h || s["open24h"] == true)
    }

    fn provider_matches(&self, p: &Value, counties: &BTreeSet<String>) -> bool {
        let service_level = !self.needs.is_empty()
            || self.phase.is_some()
            || !self.languages.is_empty()
            || !self.populations.is_empty()
            || self.open_24h;
        (!service_level || p["services"].as_array().unwrap().iter().any(|s| self.service_matches(s)))
            && self.county.as_ref().is_none_or(|c| counties.contains(c))
    }
}

struct World {
    providers: Vec<Value>,
    /// provider -> public positions (lat, lon) of its locations, as stored.
    positions: HashMap<Uuid, Vec<(f64, f64, bool)>>,
    /// provider -> counties it is located in or declares.
    counties: HashMap<Uuid, BTreeSet<String>>,
}

async fn world(app: &TestApp) -> World {
    let providers = sample_directory()["providers"].as_array().unwrap().clone();
    let db = app.sql().await;
    let mut positions: HashMap<Uuid, Vec<(f64, f64, bool)>> = HashMap::new();
    let mut counties: HashMap<Uuid, BTreeSet<String>> = HashMap::new();
    for row in db
        .query(
            "SELECT provider_id, ST_Y(public_geog::geometry), ST_X(public_geog::geometry), confidential, county_fips
             FROM locations WHERE archived_at IS NULL",
            &[],
        )
        .await
        .unwrap()
    {
        let id: Uuid = row.get(0);
        positions.entry(id).or_default().push((row.get(1), row.get(2), row.get(3)));
        counties.entry(id).or_default().insert(row.get(4));
    }
    for p in &providers {
        let id: Uuid = p["id"].as_str().unwrap().parse().unwrap();
        let set = counties.entry(id).or_default();
        for c in p["serviceArea"].as_array().unwrap() {
            set.insert(c.as_str().unwrap().to_owned());
        }
    }
    World { providers, positions, counties }
}

#[derive(Debug, PartialEq)]
struct Expected {
    id: Uuid,
    distance_m: Option<f64>,
    service_area: bool,
}

fn brute_force(
    w: &World,
    f: &Filter,
    near: (f64, f64),
    radius_km: Option<f64>,
    county_at: Option<&str>,
) -> Vec<Expected> {
    let mut located = Vec::new();
    let mut by_area = Vec::new();
    for p in &w.providers {
        let id: Uuid = p["id"].as_str().unwrap().parse().unwrap();
        if !f.provider_matches(p, &w.counties[&id]) {
            continue;
        }
        let nearest = w.positions.get(&id).and_then(|ls| {
            ls.iter()
                .map(|&(lat, lon, _)| haversine_m(near.0, near.1, lat, lon))
                .filter(|&d| radius_km.is_none_or(|r| d <= r * 1000.0))
                .min_by(f64::total_cmp)
        });
        match nearest {
            Some(d) => located.push(Expected { id, distance_m: Some(d), service_area: false }),
            None => {
                if county_at.is_some_and(|c| w.counties[&id].contains(c)) {
                    by_area.push((p["name"].as_str().unwrap().to_owned(), id));
                }
            }
        }
    }
    located.sort_by(|a, b| a.distance_m.unwrap().total_cmp(&b.distance_m.unwrap()).then(a.id.cmp(&b.id)));
    by_area.sort();
    located.extend(by_area.into_iter().map(|(_, id)| Expected { id, distance_m: None, service_area: true }));
    located
}

const SEARCH: &str = "query($filter: ProviderFilter, $first: Int, $after: String) {
  searchProviders(filter: $filter, first: $first, after: $after) {
    nodes { provider { id name } distanceKm distanceApproximate serviceAreaMatch cursor }
    pageInfo { hasNextPage endCursor }
  } }";

/// Every result of a search, following cursors page by page.
async fn search_all(app: &TestApp, filter: Value, page_size: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(SEARCH, json!({ "filter": filter, "first": page_size, "after": after })).await;
        let page = &data["searchProviders"];
        let nodes = page["nodes"].as_array().unwrap();
        assert!(nodes.len() as i64 <= page_size);
        all.extend(nodes.iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        assert_eq!(nodes.len() as i64, page_size, "a page before the last is full");
        after = page["pageInfo"]["endCursor"].clone();
        assert!(all.len() < 2000, "runaway paging");
    }
    all
}

const NEED_CHOICES: &[&str] = &[
    "acute.housing",
    "acute.emergency_response_24h",
    "acute.legal_information",
    "acute.medical",
    "transitional.legal",
    "transitional.mental_health",
    "transitional.case_management",
    "long_term.employment",
    "long_term.peer_support",
    "transitional.transportation",
];

fn random_filter(rng: &mut StdRng) -> Filter {
    let mut f = Filter::default();
    if rng.random_bool(0.75) {
        f.needs.push(NEED_CHOICES[rng.random_range(0..NEED_CHOICES.len())].to_owned());
        if rng.random_bool(0.2) {
            f.needs.push(NEED_CHOICES[rng.random_range(0..NEED_CHOICES.len())].to_owned());
        }
    }
    if rng.random_bool(0.15) {
        f.phase = Some(["ACUTE", "TRANSITIONAL", "LONG_TERM"][rng.random_range(0..3)]);
    }
    if rng.random_bool(0.3) {
        f.languages.push("es".into());
    }
    if rng.random_bool(0.2) {
        f.populations.push(["MINORS", "LGBTQ", "FOREIGN_BORN"][rng.random_range(0..3)]);
    }
    if rng.random_bool(0.15) {
        f.open_24h = true;
    }
    f
}

#[tokio::test]
async fn ranked_results_equal_brute_force_for_many_random_points() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let seed = 20261122;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut service_area_hits = 0;
    let mut compared = 0;
    for round in 0..60 {
        // Mostly inside North Carolina, sometimes just outside it.
        let near = (rng.random_range(33.8..36.7), rng.random_range(-84.4..-75.4));
        let radius_km = [None, Some(15.0), Some(40.0), Some(120.0)][rng.random_range(0..4)];
        let mut f = random_filter(&mut rng);
        if rng.random_bool(0.1) {
            f.county = Some("37183".into());
        }
        let county_at = app
            .data(
                "query($lat: Float!, $lon: Float!) { countyAt(lat: $lat, lon: $lon) { fips } }",
                json!({ "lat": near.0, "lon": near.1 }),
            )
            .await["countyAt"]["fips"]
            .as_str()
            .map(str::to_owned);
        let expected = brute_force(&w, &f, near, radius_km, county_at.as_deref());
        let page_size = [3, 7, 50][rng.random_range(0..3)];
        let got = search_all(&app, f.to_json(Some(near), radius_km), page_size).await;
        let ctx = format!("seed {seed} round {round}: near {near:?} radius {radius_km:?} filter {f:?}");

        let got_ids: Vec<Uuid> = got.iter().map(|n| n["provider"]["id"].as_str().unwrap().parse().unwrap()).collect();
        let expected_ids: Vec<Uuid> = expected.iter().map(|e| e.id).collect();
        // Points a hair from the radius may fall either way in floating point.
        let borderline = |id: &Uuid| {
            radius_km.is_some_and(|r| {
                w.positions.get(id).is_some_and(|ls| {
                    ls.iter().any(|&(lat, lon, _)| (haversine_m(near.0, near.1, lat, lon) - r * 1000.0).abs() < 1.0)
                })
            })
        };
        let g: BTreeSet<_> = got_ids.iter().filter(|id| !borderline(id)).collect();
        let e: BTreeSet<_> = expected_ids.iter().filter(|id| !borderline(id)).collect();
        assert_eq!(g, e, "same providers; {ctx}");
        assert_eq!(got_ids.len(), BTreeSet::from_iter(&got_ids).len(), "no provider twice; {ctx}");
        if g.len() != got_ids.len() || e.len() != expected_ids.len() {
            continue;
        }
        let expected_by_id: HashMap<Uuid, &Expected> = expected.iter().map(|e| (e.id, e)).collect();
        for (i, (node, want)) in got.iter().zip(&expected).enumerate() {
            let id: Uuid = node["provider"]["id"].as_str().unwrap().parse().unwrap();
            let have = expected_by_id[&id];
            assert_eq!(node["serviceAreaMatch"], have.service_area, "{ctx} #{i}");
            match (have.distance_m, want.distance_m) {
                (Some(d_have), Some(d_want)) => {
                    // Same rank, up to ties closer than a metre.
                    assert!(
                        (d_have - d_want).abs() < 1.0,
                        "rank {i}: {id} at {d_have} m where {} at {d_want} m; {ctx}",
                        want.id
                    );
                    let km = node["distanceKm"].as_f64().unwrap();
                    let tolerance = if node["distanceApproximate"] == true { 0.501 } else { 0.006 };
                    assert!((km - d_have / 1000.0).abs() <= tolerance, "distanceKm {km} vs {d_have} m; {ctx}");
                }
                (None, None) => {
                    assert_eq!(id, want.id, "service-area matches by name; {ctx}");
                    assert_eq!(node["distanceKm"], Value::Null);
                    service_area_hits += 1;
                }
                _ => panic!("location matches come before service-area matches; {ctx} #{i}"),
            }
        }
        compared += 1;
    }
    assert!(compared >= 50, "only {compared} rounds were comparable");
    assert!(service_area_hits > 0, "the random rounds never exercised service-area matches");
}

#[tokio::test]
async fn without_a_point_results_are_by_name_and_filters_combine_with_and() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let f = Filter {
        needs: vec!["acute.housing".into()],
        languages: vec!["es".into()],
        populations: vec!["MINORS"],
        ..Filter::default()
    };
    let got = search_all(&app, f.to_json(None, None), 10).await;
    let mut expected: Vec<(String, Uuid)> = w
        .providers
        .iter()
        .filter(|p| f.provider_matches(p, &w.counties[&p["id"].as_str().unwrap().parse().unwrap()]))
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["id"].as_str().unwrap().parse().unwrap()))
        .collect();
    expected.sort();
    let got: Vec<(String, Uuid)> = got
        .iter()
        .map(|n| {
            (n["provider"]["name"].as_str().unwrap().to_owned(), n["provider"]["id"].as_str().unwrap().parse().unwrap())
        })
        .collect();
    assert!(!expected.is_empty(), "the fixture should have Spanish-speaking housing for minors");
    assert_eq!(got, expected);

    // County: located in or serving the county.
    let f = Filter { county: Some("37063".into()), ..Filter::default() };
    let got: BTreeSet<Uuid> = search_all(&app, f.to_json(None, None), 100)
        .await
        .iter()
        .map(|n| n["provider"]["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let expected: BTreeSet<Uuid> = w.counties.iter().filter(|(_, c)| c.contains("37063")).map(|(id, _)| *id).collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn providers_without_locations_appear_as_service_area_matches() {
    let app = TestApp::spawn().await;
    // The sample's statewide networks have no locations at all.
    let w = world(&app).await;
    let mobile: Vec<&Value> = w.providers.iter().filter(|p| p["locations"].as_array().unwrap().is_empty()).collect();
    assert!(!mobile.is_empty());
    let network = mobile[0];
    let served = network["serviceArea"][0].as_str().unwrap();
    let seat = serde_json::from_str::<Vec<Value>>(include_str!("../fixtures/nc-county-seats.json"))
        .unwrap()
        .into_iter()
        .find(|s| s["fips"] == served)
        .unwrap();
    let filter = json!({ "near": { "lat": seat["lat"], "lon": seat["lon"] }, "radiusKm": 5 });
    let hits = search_all(&app, filter, 100).await;
    let hit = hits.iter().find(|n| n["provider"]["id"] == network["id"]).expect("the network serves this county");
    assert_eq!(hit["serviceAreaMatch"], true);
    assert_eq!(hit["distanceKm"], Value::Null);
}

#[tokio::test]
async fn the_nearest_location_query_runs_on_the_gist_index() {
    let app = TestApp::spawn().await;
    // At 340 rows a sort is honestly cheaper; the index matters at directory scale, so
    // add 20 000 synthetic locations around Raleigh first.
    let db = app.sql().await;
    db.batch_execute(
        "INSERT INTO providers (id, name, kind, synthetic)
           SELECT md5('bulk' || g)::uuid, 'Bulk provider ' || g || ' (synthetic)', 'ht_program', true
           FROM generate_series(1, 20000) g;
         INSERT INTO services (id, provider_id, name)
           SELECT md5('bulk-s' || g)::uuid, md5('bulk' || g)::uuid, 'Shelter' FROM generate_series(1, 20000) g;
         INSERT INTO service_needs (service_id, need_code)
           SELECT md5('bulk-s' || g)::uuid, 'acute.housing' FROM generate_series(1, 20000, 3) g;
         INSERT INTO locations (provider_id, geog)
           SELECT md5('bulk' || g)::uuid,
                  ST_SetSRID(ST_MakePoint(-78.64 + ((g * 7919) % 1000) / 4000.0, 35.78 + ((g * 104729) % 1000) / 4000.0), 4326)::geography
           FROM generate_series(1, 20000) g;
         ANALYZE;",
    )
    .await
    .unwrap();
    use diesel_async::AsyncConnection;
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.db_url).await.unwrap();
    let request = |radius_km: Option<f64>| SearchRequest {
        needs: Some(vec!["acute.housing".into()]),
        near: Some((35.7796, -78.6382)),
        radius_km,
        ..SearchRequest::default()
    };
    // Ranking: the index hands locations over nearest first (KNN), no sort.
    let plan = search::explain_nearest(&mut conn, &Actor::Anonymous, request(None)).await.unwrap().join("\n");
    assert!(plan.contains("Index Scan using locations_public_geog_gix"), "{plan}");
    assert!(plan.contains("Order By: (public_geog <->"), "KNN ordering by the index: {plan}");
    assert!(!plan.contains("Seq Scan on locations"), "{plan}");
    // With a radius the same index bounds the search (by KNN or a bitmap scan).
    let plan = search::explain_nearest(&mut conn, &Actor::Anonymous, request(Some(5.0))).await.unwrap().join("\n");
    assert!(plan.contains("locations_public_geog_gix"), "{plan}");
    assert!(!plan.contains("Seq Scan on locations"), "{plan}");
}
