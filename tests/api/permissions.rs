//! Every permission rule, allowed and denied: a table of operations × actors. Each
//! operation runs against fresh fixtures, so one actor's success cannot mask another's.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::TestApp;

const ACTORS: &[&str] = &[
    "anonymous",
    "admin",
    "coordinator_a",
    "advocate_a",
    "staff_a",
    "mdt_a",
    "key_coordinator_a",
    "staff_b",
    "advocate_b",
    "mdt_b",
];

struct World {
    app: TestApp,
    admin: String,
    org_a: String,
    org_b: String,
    tokens: BTreeMap<&'static str, String>,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org_a = app.organization(&admin, "Org A (test)").await;
    let org_b = app.organization(&admin, "Org B (test)").await;
    let mut tokens = BTreeMap::new();
    tokens.insert("admin", admin.clone());
    for (label, org, role) in [
        ("coordinator_a", &org_a, "COORDINATOR"),
        ("advocate_a", &org_a, "ADVOCATE"),
        ("staff_a", &org_a, "PROVIDER_STAFF"),
        ("mdt_a", &org_a, "MDT_VIEWER"),
        ("staff_b", &org_b, "PROVIDER_STAFF"),
        ("advocate_b", &org_b, "ADVOCATE"),
        ("mdt_b", &org_b, "MDT_VIEWER"),
    ] {
        let (_, _, token) = app.member(&admin, org, role).await;
        tokens.insert(label, token);
    }
    let key = app
        .data_as(&admin, "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: COORDINATOR, label: \"test\" }) { key } }", json!({ "o": org_a }))
        .await;
    tokens.insert("key_coordinator_a", key["createApiKey"]["key"].as_str().unwrap().to_owned());
    World { app, admin, org_a, org_b, tokens }
}

/// "ok", or the error code.
async fn outcome(w: &World, actor: &str, query: &str, variables: Value) -> String {
    let body = match w.tokens.get(actor) {
        None => w.app.gql(query, variables).await,
        Some(token) => w.app.gql_as(token, query, variables).await.1,
    };
    match body["errors"][0]["extensions"]["code"].as_str() {
        None => "ok".into(),
        Some(code) => code.into(),
    }
}

/// A provider kept by org A with a service and a confidential location, made by the admin.
async fn listing_of_a(w: &World) -> (String, String, String) {
    let p = w
        .app
        .data_as(&w.admin, "mutation($o: ID!) { createProvider(input: { name: \"Fixture Provider (synthetic)\", kind: \"ht_program\", organizationId: $o }) { id } }",
            json!({ "o": w.org_a }))
        .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = w
        .app
        .data_as(&w.admin, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Shelter\", needs: [\"acute.housing\"] }) { id } }", json!({ "p": p }))
        .await["createService"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let l = w
        .app
        .data_as(&w.admin, "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.9, longitude: -78.9, confidential: true }) { id } }", json!({ "p": p }))
        .await["createLocation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (p, s, l)
}

fn expect(pairs: &[(&str, &str)], default: &str) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = ACTORS.iter().map(|a| (a.to_string(), default.to_string())).collect();
    map.insert("anonymous".into(), "UNAUTHENTICATED".into());
    for (actor, result) in pairs {
        map.insert(actor.to_string(), result.to_string());
    }
    map
}

#[tokio::test]
async fn listing_edits_belong_to_admins_and_the_owning_organizations_staff() {
    let w = world().await;
    let allowed = expect(&[("admin", "ok"), ("staff_a", "ok")], "FORBIDDEN");
    let operations: &[(&str, &str)] = &[
        (
            "updateProvider",
            "mutation($p: ID!) { updateProvider(id: $p, version: 1, input: { name: \"Renamed (synthetic)\" }) { version } }",
        ),
        ("archiveProvider", "mutation($p: ID!) { archiveProvider(id: $p, version: 1) }"),
        (
            "setServiceArea",
            "mutation($p: ID!) { setServiceArea(providerId: $p, version: 1, counties: [\"37001\"]) { version } }",
        ),
        (
            "createService",
            "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Legal\", needs: [\"transitional.legal\"] }) { id } }",
        ),
        (
            "updateService",
            "mutation($s: ID!) { updateService(id: $s, version: 1, input: { cost: \"Free\" }) { version } }",
        ),
        ("archiveService", "mutation($s: ID!) { archiveService(id: $s, version: 1) }"),
        (
            "createLocation",
            "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.8, longitude: -78.7 }) { id } }",
        ),
        (
            "updateLocation",
            "mutation($l: ID!) { updateLocation(id: $l, version: 1, input: { city: \"Durham\" }) { version } }",
        ),
        ("archiveLocation", "mutation($l: ID!) { archiveLocation(id: $l, version: 1) }"),
    ];
    for (name, query) in operations {
        for actor in ACTORS {
            let (p, s, l) = listing_of_a(&w).await;
            let got = outcome(&w, actor, query, json!({ "p": p, "s": s, "l": l })).await;
            assert_eq!(got, allowed[*actor], "{name} as {actor}");
        }
    }
}

#[tokio::test]
async fn providers_are_created_by_admins_and_by_staff_for_their_own_organization() {
    let w = world().await;
    let create = "mutation($o: ID) { createProvider(input: { name: \"New Listing (synthetic)\", kind: \"legal_aid\", organizationId: $o }) { organizationId } }";
    let for_a = expect(&[("admin", "ok"), ("staff_a", "ok")], "FORBIDDEN");
    for actor in ACTORS {
        assert_eq!(
            outcome(&w, actor, create, json!({ "o": w.org_a })).await,
            for_a[*actor],
            "createProvider for A as {actor}"
        );
    }
    // Without naming an organization, staff list for their own.
    let own = w.app.data_as(&w.tokens["staff_b"], create, json!({ "o": null })).await;
    assert_eq!(own["createProvider"]["organizationId"], w.org_b.as_str());
    // Only admins may move a listing to another organization.
    let (p, _, _) = listing_of_a(&w).await;
    let moved = outcome(
        &w,
        "staff_a",
        "mutation($p: ID!, $o: ID!) { updateProvider(id: $p, version: 1, input: { organizationId: $o }) { version } }",
        json!({ "p": p, "o": w.org_b }),
    )
    .await;
    assert_eq!(moved, "FORBIDDEN");
}

#[tokio::test]
async fn running_the_network_is_for_network_admins_only() {
    let w = world().await;
    let only_admin = expect(&[("admin", "ok")], "FORBIDDEN");
    let operations: &[(&str, &str)] = &[
        ("createOrganization", "mutation { createOrganization(input: { name: \"Another Org (test)\" }) { id } }"),
        (
            "inviteUser",
            "mutation($a: ID!) { inviteUser(input: { email: \"x@lantern.test\", displayName: \"X (fake)\", organizationId: $a, role: ADVOCATE }) { userId } }",
        ),
        (
            "setMembership",
            "mutation($u: ID!, $b: ID!) { setMembership(userId: $u, organizationId: $b, role: MDT_VIEWER) }",
        ),
        ("removeMembership", "mutation($u: ID!, $b: ID!) { removeMembership(userId: $u, organizationId: $b) }"),
        ("revokeUserTokens", "mutation($u: ID!) { revokeUserTokens(userId: $u) }"),
        (
            "createApiKey",
            "mutation($a: ID!) { createApiKey(input: { organizationId: $a, role: ADVOCATE, label: \"k\" }) { key } }",
        ),
        ("revokeApiKey", "mutation($k: ID!) { revokeApiKey(id: $k) }"),
    ];
    for (name, query) in operations {
        for actor in ACTORS {
            // Fresh targets each time: a user in B to (re)move, a key to revoke.
            let (user, _, _) = w.app.member(&w.admin, &w.org_b, "ADVOCATE").await;
            let key = w
                .app
                .data_as(&w.admin, "mutation($a: ID!) { createApiKey(input: { organizationId: $a, role: ADVOCATE, label: \"t\" }) { id } }", json!({ "a": w.org_a }))
                .await["createApiKey"]["id"]
                .clone();
            let vars = json!({ "a": w.org_a, "b": w.org_b, "u": user, "k": key });
            let got =
                outcome(&w, actor, &query.replace("Another Org (test)", &format!("Another Org {actor}")), vars).await;
            assert_eq!(got, only_admin[*actor], "{name} as {actor}");
        }
    }
}

#[tokio::test]
async fn organizations_are_visible_to_admins_and_their_own_members() {
    let w = world().await;
    let query = "query($a: ID!) { organization(id: $a) { name members { role user { email } } } }";
    let own_or_admin = expect(
        &[
            ("admin", "ok"),
            ("coordinator_a", "ok"),
            ("advocate_a", "ok"),
            ("staff_a", "ok"),
            ("mdt_a", "ok"),
            ("key_coordinator_a", "ok"),
        ],
        "FORBIDDEN",
    );
    for actor in ACTORS {
        assert_eq!(
            outcome(&w, actor, query, json!({ "a": w.org_a })).await,
            own_or_admin[*actor],
            "organization(A) as {actor}"
        );
    }
    let me = expect(&[], "ok");
    for actor in ACTORS {
        assert_eq!(outcome(&w, actor, "{ me { role } }", json!({})).await, me[*actor], "me as {actor}");
    }
    let listed = w.app.data_as(&w.tokens["staff_b"], "{ organizations { id } }", json!({})).await;
    assert_eq!(listed["organizations"], json!([{ "id": w.org_b }]), "members list only their own organization");
}

#[tokio::test]
async fn confidential_locations_show_to_the_owner_and_placement_roles_only() {
    let w = world().await;
    let (p, _, _) = listing_of_a(&w).await;
    let query =
        "query($p: ID!) { provider(id: $p) { locations { latitude longitude address { street } county { fips } } } }";
    let mut sees = BTreeMap::new();
    for actor in ACTORS {
        let body = match w.tokens.get(actor) {
            None => w.app.gql(query, json!({ "p": p })).await,
            Some(token) => w.app.gql_as(token, query, json!({ "p": p })).await.1,
        };
        let location = &body["data"]["provider"]["locations"][0];
        assert_eq!(location["county"]["fips"].as_str().map(|f| f.len()), Some(5), "everyone sees the county");
        sees.insert(*actor, !location["latitude"].is_null());
    }
    let expected: BTreeMap<&str, bool> =
        ACTORS.iter().map(|a| (*a, !matches!(*a, "anonymous" | "staff_b" | "mdt_b"))).collect();
    assert_eq!(
        sees, expected,
        "owner organization (any role) and placement roles (admin, coordinator, advocate) see it"
    );

    // The same rule governs search: placement roles are ranked by the exact point.
    let search = "query($lat: Float!, $lon: Float!) { searchProviders(filter: { near: { lat: $lat, lon: $lon }, needs: [\"acute.housing\"] }, first: 100) {
        nodes { provider { id } distanceKm distanceApproximate } } }";
    for (actor, approximate) in [("advocate_b", false), ("mdt_b", true)] {
        let data = w.app.data_as(&w.tokens[actor], search, json!({ "lat": 35.9, "lon": -78.9 })).await;
        let hit = data["searchProviders"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["provider"]["id"] == p.as_str())
            .cloned()
            .unwrap();
        assert_eq!(hit["distanceApproximate"], approximate, "{actor}: {hit}");
        if !approximate {
            assert!(hit["distanceKm"].as_f64().unwrap() < 0.01, "advocates get the true distance");
        }
    }
}

#[tokio::test]
async fn logout_is_for_login_sessions() {
    let w = world().await;
    assert_eq!(outcome(&w, "anonymous", "mutation { logout }", json!({})).await, "UNAUTHENTICATED");
    assert_eq!(
        outcome(&w, "key_coordinator_a", "mutation { logout }", json!({})).await,
        "BAD_USER_INPUT",
        "an API key is revoked, not logged out"
    );
    assert_eq!(outcome(&w, "advocate_a", "mutation { logout }", json!({})).await, "ok");
}

#[tokio::test]
async fn access_grants_are_read_by_the_organizations_coordinators() {
    let w = world().await;
    let query =
        "query($a: ID!) { organization(id: $a) { accessGrants { role grantedAt user { id } grantedBy { id } } } }";
    let coordinators = expect(&[("admin", "ok"), ("coordinator_a", "ok"), ("key_coordinator_a", "ok")], "FORBIDDEN");
    for actor in ACTORS {
        assert_eq!(
            outcome(&w, actor, query, json!({ "a": w.org_a })).await,
            coordinators[*actor],
            "accessGrants of A as {actor}"
        );
    }
    // A coordinator of another organization reads its own grants, never A's.
    let (_, _, coordinator_b) = w.app.member(&w.admin, &w.org_b, "COORDINATOR").await;
    let (_, denied) = w.app.gql_as(&coordinator_b, query, json!({ "a": w.org_a })).await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN", "{denied}");
    let own = w.app.data_as(&coordinator_b, "{ me { organization { accessGrants { role } } } }", json!({})).await;
    assert!(!own["me"]["organization"]["accessGrants"].as_array().unwrap().is_empty(), "B's own grants: {own}");
    let listed = w.app.data_as(&coordinator_b, "{ organizations { id accessGrants { role } } }", json!({})).await;
    assert_eq!(listed["organizations"].as_array().unwrap().len(), 1, "only B");
    assert_eq!(listed["organizations"][0]["id"], w.org_b.as_str());
}

#[tokio::test]
async fn the_web_apps_reads_follow_the_rules_of_what_they_read() {
    let w = world().await;
    // Referral counts: those who work with referrals, for their own organization.
    let referral_roles = expect(
        &[
            ("coordinator_a", "ok"),
            ("advocate_a", "ok"),
            ("staff_a", "ok"),
            ("key_coordinator_a", "ok"),
            ("staff_b", "ok"),
            ("advocate_b", "ok"),
        ],
        "FORBIDDEN",
    );
    for actor in ACTORS {
        let got = outcome(&w, actor, "{ referralCounts { side status count } }", json!({})).await;
        assert_eq!(got, referral_roles[*actor], "referralCounts as {actor}");
    }
    // The organization's follow-ups, whoever holds them: coordinators.
    let coordinators = expect(&[("coordinator_a", "ok"), ("key_coordinator_a", "ok")], "FORBIDDEN");
    for actor in ACTORS {
        let got = outcome(&w, actor, "{ dueFollowUps { id referral { id } } }", json!({})).await;
        assert_eq!(got, coordinators[*actor], "dueFollowUps as {actor}");
    }
    // An organization's listings: wherever the organization itself may be read.
    listing_of_a(&w).await;
    let own_or_admin = expect(
        &[
            ("admin", "ok"),
            ("coordinator_a", "ok"),
            ("advocate_a", "ok"),
            ("staff_a", "ok"),
            ("mdt_a", "ok"),
            ("key_coordinator_a", "ok"),
        ],
        "FORBIDDEN",
    );
    let query = "query($a: ID!) { organization(id: $a) { providers { id name } } }";
    for actor in ACTORS {
        let got = outcome(&w, actor, query, json!({ "a": w.org_a })).await;
        assert_eq!(got, own_or_admin[*actor], "organization(A).providers as {actor}");
    }
    let listed = w.app.data_as(&w.tokens["staff_a"], query, json!({ "a": w.org_a })).await;
    assert_eq!(listed["organization"]["providers"][0]["name"], "Fixture Provider (synthetic)");
    // A listing names its keeper to network members (whom a consent for it would name);
    // anonymous callers get null, and the keeper's people stay behind their own check.
    let (p, _, _) = listing_of_a(&w).await;
    let keeper = "query($p: ID!) { provider(id: $p) { organization { id name } } }";
    for actor in ACTORS {
        let body = match w.tokens.get(actor) {
            None => w.app.gql(keeper, json!({ "p": p })).await,
            Some(token) => w.app.gql_as(token, keeper, json!({ "p": p })).await.1,
        };
        assert!(body.get("errors").is_none(), "{actor}: {body}");
        let expected =
            if *actor == "anonymous" { Value::Null } else { json!({ "id": w.org_a, "name": "Org A (test)" }) };
        assert_eq!(body["data"]["provider"]["organization"], expected, "provider.organization as {actor}");
    }
    let people = "query($p: ID!) { provider(id: $p) { organization { members { role } } } }";
    assert_eq!(outcome(&w, "advocate_b", people, json!({ "p": p })).await, "FORBIDDEN");
    assert_eq!(outcome(&w, "staff_a", people, json!({ "p": p })).await, "ok");
}
