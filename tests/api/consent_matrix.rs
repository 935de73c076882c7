//! The consent matrix: for every consent state, every actor, and every path to client
//! data (direct lookups and nested ones, the referral's notes included), exactly who
//! sees the client's name and the note written about them. Plus a canary: no personal
//! data reaches logs, errors or events of the real binary.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::referrals::{CLIENT_NAME, Network, network};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Active,
    Expired,
    Revoked,
    OtherRecipient,
    FieldNotConsented,
    NoConsent,
    MinorWithoutGuardian,
    /// Consent active, but the referral is a draft: the sender's alone.
    Draft,
}

/// The note on each referral of the matrix (about the client where there is one).
const NOTE: &str = "Needs a bed tonight (note canary 8853)";

const PATHS: &[(&str, &str)] = &[
    ("referral.client", "query($r: ID!) { referral(id: $r) { client { name phone } } }"),
    ("referrals.client", "{ referrals { client { name phone } } }"),
    ("client", "query($c: ID!) { client(id: $c) { name phone } }"),
    ("clients", "{ clients { name phone } }"),
    ("consents", "query($c: ID!) { consents(clientId: $c) { id fields } }"),
    ("referral.events", "query($r: ID!) { referral(id: $r) { events { note } } }"),
];

/// What an actor gets on a path: the name, only other fields, nothing, or an error code.
fn outcome(body: &Value) -> String {
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return code.to_owned();
    }
    let text = body.to_string();
    if text.contains(CLIENT_NAME) {
        "name".into()
    } else if text.contains(crate::referrals::CLIENT_PHONE) {
        "phone-only".into()
    } else if text.contains(NOTE) {
        "note".into()
    } else {
        "nothing".into()
    }
}

/// Builds the scenario for `state`; returns the client and the referral (if any).
async fn scenario(n: &Network, state: State) -> (String, Option<String>) {
    let id = |b: &Value, op: &str| b["data"][op]["id"].as_str().map(str::to_owned);
    if state == State::MinorWithoutGuardian {
        let client = n.client(json!({ "dateOfBirth": "2013-01-15" })).await;
        let refused = n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
        assert_eq!(refused["errors"][0]["extensions"]["field"], "input.guardian");
        let referral = n.refer(&n.advocate, "minor", json!({ "clientId": client, "shareFields": ["NAME"] })).await;
        assert_eq!(referral["errors"][0]["extensions"]["code"], "CONSENT_REQUIRED");
        return (client, None);
    }
    let client = n.client(json!({})).await;
    if state == State::NoConsent {
        let referral = n.refer(&n.advocate, "none", json!({ "county": "37183", "note": NOTE })).await;
        return (client, id(&referral, "createReferral"));
    }
    let fields: &[&str] = if state == State::FieldNotConsented { &["CONTACT"] } else { &["NAME"] };
    let consent = id(&n.consent(&client, &[&n.recipient_org], fields, json!({})).await, "recordConsent").unwrap();
    let input = json!({ "clientId": client, "shareFields": fields, "note": NOTE, "send": state != State::Draft });
    let referral = id(&n.refer(&n.advocate, "ref", input).await, "createReferral").unwrap();
    match state {
        State::Expired => {
            n.app
                .sql()
                .await
                .execute("UPDATE consents SET obtained_at = now() - interval '9 days', expires_at = now() - interval '1 second' WHERE id = $1::text::uuid", &[&consent])
                .await
                .unwrap();
        }
        State::Revoked => {
            n.app
                .data_as(&n.advocate, "mutation($c: ID!) { revokeConsent(id: $c) { id } }", json!({ "c": consent }))
                .await;
        }
        State::OtherRecipient => {
            n.consent(&client, &[&n.outsider_org], &["NAME"], json!({})).await;
            n.app
                .data_as(&n.advocate, "mutation($c: ID!) { revokeConsent(id: $c) { id } }", json!({ "c": consent }))
                .await;
        }
        _ => {}
    }
    (client, Some(referral))
}

#[tokio::test]
async fn who_sees_a_client_across_roles_organizations_consent_states_and_paths() {
    let states = [
        State::Active,
        State::Expired,
        State::Revoked,
        State::OtherRecipient,
        State::FieldNotConsented,
        State::NoConsent,
        State::MinorWithoutGuardian,
        State::Draft,
    ];
    for state in states {
        let n = network().await;
        let (client, referral) = scenario(&n, state).await;
        let actors: BTreeMap<&str, Option<&String>> = [
            ("sender_advocate", Some(&n.advocate)),
            ("sender_coordinator", Some(&n.coordinator)),
            ("sender_mdt", Some(&n.sender_mdt)),
            ("network_admin", Some(&n.admin)),
            ("recipient_staff", Some(&n.recipient_staff)),
            ("outsider_advocate", Some(&n.outsider_advocate)),
            ("outsider_staff", Some(&n.outsider_staff)),
            ("anonymous", None),
        ]
        .into_iter()
        .collect();
        for (actor, token) in &actors {
            for (path, query) in PATHS {
                let vars =
                    json!({ "r": referral.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string()), "c": client });
                let body = match token {
                    Some(t) => n.app.gql_as(t, query, vars).await.1,
                    None => n.app.gql(query, vars).await,
                };
                let got = outcome(&body);
                let want = expected(state, actor, path, referral.is_some());
                assert_eq!(got, want, "{state:?} / {actor} / {path}: {body}");
            }
        }
    }
}

/// The rule, written out.
fn expected(state: State, actor: &str, path: &str, has_referral: bool) -> &'static str {
    match actor {
        "anonymous" => "UNAUTHENTICATED",
        // MDT viewers see aggregates only; network admins run the network, not cases.
        "sender_mdt" | "network_admin" => "FORBIDDEN",
        // The client's own organization sees the whole record on every path.
        "sender_advocate" | "sender_coordinator" => match (path, has_referral) {
            ("consents", _) => "nothing",
            ("referral.events", true) => "note",
            ("referral.client" | "referrals.client" | "referral.events", false) => "nothing",
            ("referral.client" | "referrals.client", true) if state == State::NoConsent => "nothing",
            _ => "name",
        },
        // The recipient sees what an active consent covers, through the referral only,
        // and the notes while it sees any of the client (a note on a referral without
        // personal data holds none); nothing of a draft.
        "recipient_staff" => match (state, path) {
            (State::Active, "referral.client" | "referrals.client") => "name",
            (State::FieldNotConsented, "referral.client" | "referrals.client") => "phone-only",
            (State::Active | State::FieldNotConsented | State::NoConsent, "referral.events") => "note",
            _ => "nothing",
        },
        // Everyone else: nothing, whatever the path.
        _ => "nothing",
    }
}

#[tokio::test]
async fn personal_data_never_reaches_logs_errors_or_events() {
    let canary_name = "Canary Zqxjv Fakeperson";
    let canary_phone = "+1 252 555 0168 ext 31";
    let canary_note = "canary-note-4417";
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Canary Sender (test)").await;
    let recipient = app.organization(&admin, "Canary Recipient (test)").await;
    let (_, _, advocate) = app.member(&admin, &org, "ADVOCATE").await;
    let (_, _, staff) = app.member(&admin, &recipient, "PROVIDER_STAFF").await;
    let provider = app
        .data_as(
            &staff,
            "mutation { createProvider(input: { name: \"Canary Provider (synthetic)\", kind: \"legal_aid\" }) { id } }",
            json!({}),
        )
        .await;
    let service = app
        .data_as(&staff, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Legal\", needs: [\"transitional.legal\"] }) { id } }",
            json!({ "p": provider["createProvider"]["id"] }))
        .await["createService"]["id"]
        .clone();

    // The real binary, logging at trace level into a file.
    let log_path = std::env::temp_dir().join(format!("lantern-canary-{}.log", uuid::Uuid::new_v4().simple()));
    let log = std::fs::File::create(&log_path).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("serve")
        .env("DATABASE_URL", &app.app_db_url)
        .env("LANTERN_MIGRATION_DATABASE_URL", &app.db_url)
        .env("LANTERN_PII_KEYS", lantern::crypto::Keyring::new_key_spec("canary"))
        .env("LANTERN_ADDR", format!("127.0.0.1:{port}"))
        .env("LANTERN_LOG", "trace")
        .env("LANTERN_RATE_API_PER_IP", "0")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/graphql");
    for _ in 0..300 {
        if app.client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let responses = std::cell::RefCell::new(String::new());
    let call = async |token: &str, query: &str, vars: Value| -> Value {
        let body: Value = app
            .client
            .post(&base)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": vars }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        responses.borrow_mut().push_str(&body.to_string());
        body
    };
    let client = call(&advocate, "mutation($i: ClientCreate!) { createClient(input: $i) { id } }",
        json!({ "i": { "name": canary_name, "phone": canary_phone, "notes": canary_note, "dateOfBirth": "1988-08-08" } })).await["data"]["createClient"]["id"].clone();
    call(&advocate, "mutation($i: ConsentRecord!) { recordConsent(idempotencyKey: \"k1\", input: $i) { id } }",
        json!({ "i": { "clientId": client, "recipients": [recipient], "fields": ["NAME", "CONTACT"], "purpose": "Legal help", "method": "WRITTEN_SIGNED", "contactMode": "IN_PERSON" } })).await;
    let referral = call(&advocate, "mutation($i: ReferralCreate!) { createReferral(idempotencyKey: \"r1\", input: $i) { id } }",
        json!({ "i": { "serviceId": service, "needCode": "transitional.legal", "urgency": "ROUTINE", "clientId": client, "shareFields": ["NAME", "CONTACT"], "note": canary_note } })).await;
    let referral_id = referral["data"]["createReferral"]["id"].clone();
    let seen = call(
        &staff,
        "query($r: ID!) { referral(id: $r) { client { name phone } events { note } } }",
        json!({ "r": referral_id }),
    )
    .await;
    assert_eq!(seen["data"]["referral"]["client"]["name"], canary_name, "the flow worked: {seen}");
    // Failures that carry personal data in their input must not echo it.
    let before_failures = responses.borrow().len();
    call(
        &advocate,
        "mutation($i: ClientCreate!) { createClient(input: $i) { id } }",
        json!({ "i": { "name": canary_name, "email": format!("{canary_name} at nowhere") } }),
    )
    .await;
    call(
        &advocate,
        "mutation($i: ClientCreate!) { createClient(input: $i) { id } }",
        json!({ "i": { "name": canary_name, "preferredLanguage": canary_note } }),
    )
    .await;
    call(&advocate, "mutation($i: ReferralCreate!) { createReferral(idempotencyKey: \"r2\", input: $i) { id } }",
        json!({ "i": { "serviceId": service, "needCode": "transitional.legal", "urgency": "ROUTINE", "clientId": client, "shareFields": ["NOTES"], "note": canary_note } })).await;
    call(
        &staff,
        "mutation($r: ID!) { transitionReferral(id: $r, to: COMPLETED, note: \"canary-note-4417\") { id } }",
        json!({ "r": referral_id }),
    )
    .await;
    let failures = responses.borrow()[before_failures..].to_owned();
    child.kill().unwrap();
    let _ = child.wait();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(logs.contains("request"), "the binary logged requests: {}", &logs[..logs.len().min(500)]);

    let db = app.sql().await;
    let mut events = String::new();
    for table in ["audit_log", "referral_events", "referrals", "consents", "idempotency_keys", "follow_ups"] {
        for row in db.query(&format!("SELECT row_to_json(t)::text FROM {table} t"), &[]).await.unwrap() {
            events.push_str(&row.get::<_, String>(0));
        }
    }
    for secret in [canary_name, canary_phone, canary_note, "1988-08-08"] {
        assert!(!logs.contains(secret), "{secret} in the logs");
        assert!(!failures.contains(secret), "{secret} echoed in an error: {failures}");
        assert!(!events.contains(secret), "{secret} in an event or audit row");
    }
}
