//! One clock: Rust and PostgreSQL read "today" in the network's time zone, so the FUTURES
//! answers agree whichever side gives them.

use chrono::{Timelike, Utc};
use lantern::clock::Clock;
use lantern::startup::ServerOptions;
use serde_json::json;

use crate::common::{NO_LIMITS, TestApp};

/// A time zone whose date is not UTC's right now, with an hour to spare either way:
/// twelve hours behind before 11:00 UTC, fourteen ahead from then on.
fn a_zone_off_utcs_date() -> Clock {
    let zone = if Utc::now().hour() < 11 { "Etc/GMT+12" } else { "Etc/GMT-14" };
    Clock::named(zone).expect("a known zone")
}

#[tokio::test]
async fn has_active_mou_and_the_mous_in_force_agree_on_the_networks_day() {
    let clock = a_zone_off_utcs_date();
    let app = TestApp::spawn_with(ServerOptions { rate_limits: NO_LIMITS, clock, ..ServerOptions::default() }).await;
    let today = clock.today();
    assert_ne!(today, Utc::now().date_naive(), "the network's day is not UTC's");
    let admin = app.network_admin().await;
    let p = app
        .data_as(
            &admin,
            "mutation { createProvider(input: { name: \"One-Day Partner (synthetic)\", kind: \"legal_aid\" }) { id } }",
            json!({}),
        )
        .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data_as(&admin, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Legal help\", needs: [\"long_term.child_care\"] }) { id } }", json!({ "p": p })).await;
    app.data_as(&admin, "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.7796, longitude: -78.6382 }) { id } }", json!({ "p": p })).await;
    // In force for one day: the network's today (effective and expiring on it).
    let mou = app
        .data_as(
            &admin,
            "mutation($i: MouInput!) { createMou(input: $i) { id status inForce } }",
            json!({ "i": { "providerId": p, "title": "One-day MOU", "scopeNeeds": ["long_term.child_care"],
                "effectiveOn": today.to_string(), "expiresOn": today.to_string(), "status": "ACTIVE",
                "parties": [{ "countyFips": "37183" }] } }),
        )
        .await;
    assert_eq!(mou["createMou"]["status"], "ACTIVE");
    assert_eq!(mou["createMou"]["inForce"], true, "in force on the network's day (Rust)");

    let read = app
        .data_as(
            &admin,
            "query($p: ID!) { provider(id: $p) { hasActiveMou mous(inForceOnly: true) { id inForce } } }",
            json!({ "p": p }),
        )
        .await;
    assert_eq!(read["provider"]["hasActiveMou"], true, "in force on the network's day (PostgreSQL): {read}");
    assert_eq!(read["provider"]["mous"][0]["id"], mou["createMou"]["id"], "{read}");
    assert_eq!(read["provider"]["mous"][0]["inForce"], true);

    let expiring = app.data_as(&admin, "{ expiringMous(withinDays: 0) { id } }", json!({})).await;
    assert!(
        expiring["expiringMous"].as_array().unwrap().iter().any(|m| m["id"] == mou["createMou"]["id"]),
        "{expiring}"
    );

    // The directory index's date is the network's too.
    let found = app
        .data(
            "query { searchProviders(filter: { near: { lat: 35.7796, lon: -78.6382 }, radiusKm: 1, hasActiveMou: true, needs: [\"long_term.child_care\"] }, first: 100) { nodes { provider { id } } } }",
            json!({}),
        )
        .await;
    assert!(
        found["searchProviders"]["nodes"].as_array().unwrap().iter().any(|n| n["provider"]["id"] == p.as_str()),
        "{found}"
    );
}
