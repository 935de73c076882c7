//! Database outcomes reach the caller by kind: a unique violation is `CONFLICT`, text
//! PostgreSQL cannot store is `BAD_USER_INPUT`, a database that cannot serve is a 503
//! `UNAVAILABLE` with its cause only in the log.

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

const CREATE_ORGANIZATION: &str = "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }";

#[tokio::test]
async fn racing_duplicates_are_a_conflict_not_an_internal_error() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    // The name check and the insert are separate statements: requests that pass the
    // check together meet at the unique index, and all but one must hear CONFLICT.
    for round in 0..3 {
        let name = format!("Twin Shelter {round} (test)");
        let attempts = (0..12).map(|_| app.gql_as(&admin, CREATE_ORGANIZATION, json!({ "i": { "name": name } })));
        let answers = futures_util::future::join_all(attempts).await;
        let codes: Vec<&str> = answers.iter().map(|(_, body)| error_code(body)).collect();
        assert_eq!(codes.iter().filter(|c| c.is_empty()).count(), 1, "exactly one is created: {codes:?}");
        assert!(codes.iter().all(|c| c.is_empty() || *c == "CONFLICT"), "the others conflict: {codes:?}");
        assert!(answers.iter().all(|(status, _)| *status == 200));
    }
}

#[tokio::test]
async fn text_the_database_cannot_store_is_bad_input() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let (status, body) = app.gql_as(&admin, CREATE_ORGANIZATION, json!({ "i": { "name": "Nul\u{0}Org" } })).await;
    assert_eq!((status, error_code(&body)), (200, "BAD_USER_INPUT"), "{body}");
    assert!(body["errors"][0]["extensions"]["field"].is_string(), "names where: {body}");
    let (_, body) =
        app.gql_as(&admin, "mutation { createOrganization(input: { name: \"a\\u0000b\" }) { id } }", json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn a_database_that_cannot_serve_is_a_masked_503_unavailable() {
    // Nothing listens on port 1: every connection attempt is refused.
    let dead = lantern::db::pool("postgres://lantern_app@127.0.0.1:1/none", 2, 1000).unwrap();
    let app = TestApp::spawn_with_pool(dead);
    let url = format!("{}/graphql", app.base_url);
    for token in [None, Some("lts_00000000000000000000000000000000000000000000")] {
        let mut request = app.client.post(&url).json(&json!({ "query": "{ needCategories { code } }" }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 503, "token {token:?}");
        assert!(response.headers().get("retry-after").is_some());
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "UNAVAILABLE", "{body}");
        let text = body.to_string();
        for leak in ["127.0.0.1", "refused", "connect", "postgres"] {
            assert!(!text.to_lowercase().contains(leak), "{leak} leaked: {text}");
        }
        assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    }
}

#[tokio::test]
async fn a_stored_value_this_build_does_not_know_is_an_internal_error_not_a_default() {
    // Reading the database back goes through one mapping per stored enum: a value the
    // code does not know (a CHECK dropped, a migration ahead of the binary) must not
    // quietly become another value — here, a client's contact channel becoming "NONE".
    let net = crate::referrals::network().await;
    let client = net.client(json!({})).await;
    let sql = net.app.sql().await;
    sql.batch_execute("ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_contact_channel_check").await.unwrap();
    sql.execute("UPDATE clients SET contact_channel = 'CARRIER_PIGEON' WHERE id = $1::text::uuid", &[&client])
        .await
        .unwrap();
    let (_, body) = net
        .app
        .gql_as(&net.advocate, "query($c: ID!) { client(id: $c) { safeContact { channel } } }", json!({ "c": client }))
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(!body.to_string().contains("CARRIER_PIGEON"), "the stored text stays out of the answer: {body}");
    assert_ne!(body["data"]["client"]["safeContact"]["channel"], "NONE");
}

#[tokio::test]
async fn an_unknown_checklist_question_kind_is_an_internal_error_not_a_yes_no_question() {
    // The checklist's question kinds are read through the same mapping: a kind this build
    // does not know must not quietly turn into a yes/no question.
    let w = crate::standards::world().await;
    let sql = w.app.sql().await;
    sql.batch_execute(
        "ALTER TABLE capacity_checklist_items DROP CONSTRAINT IF EXISTS capacity_checklist_items_kind_check;
         UPDATE capacity_checklist_items SET kind = 'MULTIPLE_CHOICE' WHERE code = 'screening.1';",
    )
    .await
    .unwrap();
    let (_, body) = w
        .app
        .gql_as(
            &w.coord_a,
            "query($o: ID!) { capacityChecklist(organizationId: $o) { sections { items { code kind } } } }",
            json!({ "o": w.org_a }),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(!body.to_string().contains("MULTIPLE_CHOICE"), "the stored text stays out of the answer: {body}");
}

#[tokio::test]
async fn an_unknown_capacity_status_is_an_internal_error_not_no_capacity() {
    // A capacity figure's status went through its own lenient mapping (an unknown one
    // read as NO_CAPACITY, an unknown hold status as ACTIVE); it is read through
    // StoredText now, and a value this build does not know is an error.
    let net = crate::referrals::network().await;
    let set = "mutation($s: ID!, $i: CapacityUpdate!) { setCapacity(serviceId: $s, input: $i) { status } }";
    net.app
        .data_as(&net.recipient_staff, set, json!({ "s": net.service, "i": { "unitCode": "bed", "available": 2 } }))
        .await;
    let sql = net.app.sql().await;
    sql.batch_execute("ALTER TABLE service_capacity DROP CONSTRAINT IF EXISTS service_capacity_status_check")
        .await
        .unwrap();
    sql.execute("UPDATE service_capacity SET status = 'OVERFLOW' WHERE service_id = $1::text::uuid", &[&net.service])
        .await
        .unwrap();
    let (_, body) = net
        .app
        .gql_as(
            &net.recipient_staff,
            "query($s: ID!) { capacityHistory(serviceId: $s) { status } }",
            json!({ "s": net.service }),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(!body.to_string().contains("OVERFLOW"), "the stored text stays out of the answer: {body}");
}
