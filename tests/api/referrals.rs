//! Consent-gated referrals end to end over HTTP: clients, consent, the referral
//! lifecycle, follow-ups, idempotency, encryption at rest, and row-level security.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

/// Fake people only.
pub const CLIENT_NAME: &str = "Testy McFakeperson";
pub const CLIENT_PHONE: &str = "+1 984 555 0173 ext 9";

/// Two member organizations and an outsider, with people in each.
pub struct Network {
    pub app: TestApp,
    pub admin: String,
    pub sender_org: String,
    pub recipient_org: String,
    pub outsider_org: String,
    pub advocate: String,
    pub advocate_id: String,
    pub coordinator: String,
    pub sender_mdt: String,
    pub recipient_staff: String,
    pub outsider_advocate: String,
    pub outsider_staff: String,
    /// The recipient's emergency shelter service (acute.housing, transitional.legal).
    pub service: String,
}

pub async fn network() -> Network {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let sender_org = app.organization(&admin, "Sender Advocacy (test)").await;
    let recipient_org = app.organization(&admin, "Recipient Shelter (test)").await;
    let outsider_org = app.organization(&admin, "Outsider Org (test)").await;
    let (advocate_id, _, advocate) = app.member(&admin, &sender_org, "ADVOCATE").await;
    let (_, _, coordinator) = app.member(&admin, &sender_org, "COORDINATOR").await;
    let (_, _, sender_mdt) = app.member(&admin, &sender_org, "MDT_VIEWER").await;
    let (_, _, recipient_staff) = app.member(&admin, &recipient_org, "PROVIDER_STAFF").await;
    let (_, _, outsider_advocate) = app.member(&admin, &outsider_org, "ADVOCATE").await;
    let (_, _, outsider_staff) = app.member(&admin, &outsider_org, "PROVIDER_STAFF").await;
    let provider = app
        .data_as(&recipient_staff, "mutation { createProvider(input: { name: \"Recipient Shelter (synthetic)\", kind: \"dv_sa_agency\" }) { id } }", json!({}))
        .await["createProvider"]["id"]
        .clone();
    let service = app
        .data_as(
            &recipient_staff,
            "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Emergency shelter\",
            needs: [\"acute.housing\", \"transitional.legal\", \"long_term.peer_support\"] }) { id } }",
            json!({ "p": provider }),
        )
        .await["createService"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Network {
        app,
        admin,
        sender_org,
        recipient_org,
        outsider_org,
        advocate,
        advocate_id,
        coordinator,
        sender_mdt,
        recipient_staff,
        outsider_advocate,
        outsider_staff,
        service,
    }
}

impl Network {
    pub async fn client(&self, extra: Value) -> String {
        let mut input = json!({ "name": CLIENT_NAME, "phone": CLIENT_PHONE, "dateOfBirth": "1990-04-02",
            "needs": "Safe housing tonight", "notes": "Prefers afternoon calls", "preferredLanguage": "es",
            "safeContact": { "channel": "TEXT", "voicemailOk": false, "mayNameAgency": false, "doNotContact": false } });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        self.app
            .data_as(
                &self.advocate,
                "mutation($i: ClientCreate!) { createClient(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await["createClient"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn consent(&self, client: &str, recipients: &[&str], fields: &[&str], extra: Value) -> Value {
        let mut input = json!({ "clientId": client, "recipients": recipients, "fields": fields, "purpose": "Shelter placement",
            "method": "WRITTEN_SIGNED", "contactMode": "IN_PERSON" });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        self.app
            .gql_as(&self.advocate, "mutation($k: String!, $i: ConsentRecord!) { recordConsent(idempotencyKey: $k, input: $i) { id status expiresAt obtainedAt fields } }",
                json!({ "k": uuid::Uuid::new_v4().to_string(), "i": input }))
            .await
            .1
    }

    pub async fn refer(&self, token: &str, key: &str, input: Value) -> Value {
        let mut full = json!({ "serviceId": self.service, "needCode": "acute.housing", "urgency": "EMERGENCY" });
        for (k, v) in input.as_object().unwrap() {
            full[k] = v.clone();
        }
        self.app
            .gql_as(token, "mutation($k: String!, $i: ReferralCreate!) { createReferral(idempotencyKey: $k, input: $i) { id status } }",
                json!({ "k": key, "i": full }))
            .await
            .1
    }

    pub async fn referral_client(&self, token: &str, referral: &str) -> Value {
        self.app
            .gql_as(
                token,
                "query($id: ID!) { referral(id: $id) { id client { code name phone dateOfBirth withheld } } }",
                json!({ "id": referral }),
            )
            .await
            .1
    }
}

fn id(body: &Value, op: &str) -> String {
    body["data"][op]["id"].as_str().unwrap_or_else(|| panic!("{op} failed: {body}")).to_owned()
}

#[tokio::test]
async fn an_advocate_refers_with_consent_and_revocation_cuts_access_at_once() {
    let n = network().await;
    let client = n.client(json!({})).await;
    let consent = n.consent(&client, &[&n.recipient_org], &["NAME", "CONTACT"], json!({})).await;
    let consent_id = id(&consent, "recordConsent");
    assert_eq!(consent["data"]["recordConsent"]["status"], "ACTIVE");

    let referral = n
        .refer(
            &n.advocate,
            "ref-1",
            json!({ "clientId": client, "shareFields": ["NAME", "CONTACT"], "note": "Needs a bed tonight" }),
        )
        .await;
    let referral_id = id(&referral, "createReferral");
    assert_eq!(referral["data"]["createReferral"]["status"], "SENT");

    // The recipient sees exactly the consented fields, nothing else.
    let seen = n.referral_client(&n.recipient_staff, &referral_id).await;
    let c = &seen["data"]["referral"]["client"];
    assert_eq!(c["name"], CLIENT_NAME);
    assert_eq!(c["phone"], CLIENT_PHONE);
    assert_eq!(c["dateOfBirth"], Value::Null);
    let withheld: Vec<&str> = c["withheld"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(withheld.contains(&"DATE_OF_BIRTH") && withheld.contains(&"NOTES") && withheld.contains(&"NEEDS"));

    // The recipient accepts; the sender sees the event; a follow-up is due in 2 days.
    let accepted = n
        .app
        .data_as(
            &n.recipient_staff,
            "mutation($id: ID!) { transitionReferral(id: $id, to: ACCEPTED, note: \"Bed 4 held\") { status } }",
            json!({ "id": referral_id }),
        )
        .await;
    assert_eq!(accepted["transitionReferral"]["status"], "ACCEPTED");
    let history = n
        .app
        .data_as(&n.advocate, "query($id: ID!) { referral(id: $id) { events { from to note actorOrganizationId } followUps { dueAt assignedTo } } }", json!({ "id": referral_id }))
        .await;
    let events = history["referral"]["events"].as_array().unwrap();
    let path: Vec<&str> = events.iter().map(|e| e["to"].as_str().unwrap()).collect();
    assert_eq!(path, ["DRAFT", "SENT", "ACCEPTED"]);
    assert_eq!(events[2]["note"], "Bed 4 held");
    assert_eq!(events[0]["actorOrganizationId"], n.sender_org.as_str());
    assert_eq!(events[2]["actorOrganizationId"], n.recipient_org.as_str());
    let follow_up = &history["referral"]["followUps"][0];
    let due: chrono::DateTime<chrono::Utc> = follow_up["dueAt"].as_str().unwrap().parse().unwrap();
    let hours = (due - chrono::Utc::now()).num_hours();
    assert!((47..=48).contains(&hours), "acute follow-up in two days, got {hours} h");
    assert_eq!(follow_up["assignedTo"], n.advocate_id.as_str());
    let mine = n
        .app
        .data_as(
            &n.advocate,
            "query($b: DateTime!) { myFollowUps(dueBefore: $b) { referralId } }",
            json!({ "b": due + chrono::Duration::minutes(1) }),
        )
        .await;
    assert_eq!(mine["myFollowUps"][0]["referralId"], referral_id.as_str());

    // Revocation cuts the recipient off at once; the referral itself stays.
    n.app
        .data_as(
            &n.advocate,
            "mutation($id: ID!) { revokeConsent(id: $id) { status revokedAt } }",
            json!({ "id": consent_id }),
        )
        .await;
    let after = n.referral_client(&n.recipient_staff, &referral_id).await;
    assert_eq!(after["data"]["referral"]["id"], referral_id.as_str());
    assert_eq!(after["data"]["referral"]["client"], Value::Null, "{after}");
    assert!(!after.to_string().contains(CLIENT_NAME));

    // Every read of client data was audited, by the organization that read it.
    let db = n.app.sql().await;
    let reads: i64 = db
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'client.read' AND target_id = $1 AND organization_id = $2::text::uuid", &[&client, &n.recipient_org])
        .await
        .unwrap()
        .get(0);
    assert_eq!(reads, 1, "one recipient read before the revocation");
}

#[tokio::test]
async fn sharing_without_an_active_consent_is_refused_and_writes_nothing() {
    let n = network().await;
    let client = n.client(json!({})).await;
    let db = n.app.sql().await;
    let census = "SELECT (SELECT count(*) FROM referrals) + (SELECT count(*) FROM referral_events) + (SELECT count(*) FROM follow_ups) + (SELECT count(*) FROM idempotency_keys WHERE operation = 'createReferral')";
    let before: i64 = db.query_one(census, &[]).await.unwrap().get(0);
    let refuse = |body: Value, case: &str| {
        assert_eq!(error_code(&body), "CONSENT_REQUIRED", "{case}: {body}");
        assert!(!body.to_string().contains(CLIENT_NAME));
    };
    refuse(n.refer(&n.advocate, "a", json!({ "clientId": client, "shareFields": ["NAME"] })).await, "no consent");
    n.consent(&client, &[&n.outsider_org], &["NAME"], json!({})).await;
    refuse(
        n.refer(&n.advocate, "b", json!({ "clientId": client, "shareFields": ["NAME"] })).await,
        "consent names another recipient",
    );
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    refuse(
        n.refer(&n.advocate, "c", json!({ "clientId": client, "shareFields": ["NAME", "DATE_OF_BIRTH"] })).await,
        "a field not consented",
    );
    db.execute("UPDATE consents SET obtained_at = now() - interval '10 days', expires_at = now() - interval '1 minute' WHERE client_id = $1::text::uuid", &[&client])
        .await
        .unwrap();
    refuse(n.refer(&n.advocate, "d", json!({ "clientId": client, "shareFields": ["NAME"] })).await, "expired consent");
    let after: i64 = db.query_one(census, &[]).await.unwrap().get(0);
    assert_eq!(before, after, "nothing was written");
}

#[tokio::test]
async fn a_referral_without_personal_data_needs_no_consent() {
    let n = network().await;
    let body = n
        .refer(&n.advocate, "no-pii", json!({ "county": "37183", "language": "es", "populations": ["MINORS", "FOREIGN_BORN"], "urgency": "URGENT" }))
        .await;
    let referral = id(&body, "createReferral");
    let seen = n
        .app
        .data_as(&n.recipient_staff, "query($id: ID!) { referral(id: $id) { status urgency needCode countyFips language populations client { name } sharedFields } }", json!({ "id": referral }))
        .await;
    let r = &seen["referral"];
    assert_eq!(
        (r["status"].as_str(), r["urgency"].as_str(), r["needCode"].as_str()),
        (Some("SENT"), Some("URGENT"), Some("acute.housing"))
    );
    assert_eq!((r["countyFips"].as_str(), r["language"].as_str()), (Some("37183"), Some("es")));
    assert_eq!(r["populations"], json!(["MINORS", "FOREIGN_BORN"]));
    assert_eq!(r["client"], Value::Null);
    assert_eq!(r["sharedFields"], json!([]));
    let done = n
        .app
        .data_as(
            &n.recipient_staff,
            "mutation($id: ID!) { a: transitionReferral(id: $id, to: ACCEPTED) { status } }",
            json!({ "id": referral }),
        )
        .await;
    assert_eq!(done["a"]["status"], "ACCEPTED");
}

#[tokio::test]
async fn the_lifecycle_refuses_illegal_and_wrong_side_moves() {
    let n = network().await;
    let referral = id(&n.refer(&n.advocate, "life", json!({ "send": false })).await, "createReferral");
    let mv = |token: String, to: &'static str, reason: Option<&'static str>| {
        let app = &n.app;
        let referral = referral.clone();
        async move {
            app.gql_as(&token, "mutation($id: ID!, $to: ReferralStatus!, $r: DeclineReason) { transitionReferral(id: $id, to: $to, reason: $r) { status declineReason } }",
                json!({ "id": referral, "to": to, "r": reason }))
                .await
                .1
        }
    };
    let (s, r) = (n.advocate.clone(), n.recipient_staff.clone());
    assert_eq!(error_code(&mv(s.clone(), "ACCEPTED", None).await), "BAD_USER_INPUT", "a draft cannot be accepted");
    // A draft is the sender's alone: to the recipient it does not exist yet.
    assert_eq!(error_code(&mv(r.clone(), "SENT", None).await), "NOT_FOUND", "only the sender sends");
    assert_eq!(mv(s.clone(), "SENT", None).await["data"]["transitionReferral"]["status"], "SENT");
    let illegal = mv(r.clone(), "COMPLETED", None).await;
    assert_eq!(
        (error_code(&illegal), illegal["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("to"))
    );
    assert_eq!(
        error_code(&mv(s.clone(), "ACCEPTED", None).await),
        "FORBIDDEN",
        "the sender cannot accept for the recipient"
    );
    assert_eq!(error_code(&mv(r.clone(), "DECLINED", None).await), "BAD_USER_INPUT", "declining needs a reason");
    assert_eq!(
        error_code(&mv(n.outsider_staff.clone(), "ACCEPTED", None).await),
        "NOT_FOUND",
        "outsiders cannot see it"
    );
    let declined = mv(r.clone(), "DECLINED", Some("NO_CAPACITY")).await;
    assert_eq!(declined["data"]["transitionReferral"]["declineReason"], "NO_CAPACITY");
    assert_eq!(error_code(&mv(s.clone(), "CANCELLED", None).await), "BAD_USER_INPUT", "a declined referral is closed");
    for token in [&n.sender_mdt, &n.admin] {
        assert_eq!(error_code(&mv(token.clone(), "CANCELLED", None).await), "FORBIDDEN");
    }
}

#[tokio::test]
async fn consent_follows_the_standards() {
    let n = network().await;
    let adult = n.client(json!({})).await;
    let refused = |body: &Value, field: &str, case: &str| {
        assert_eq!(error_code(body), "BAD_USER_INPUT", "{case}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{case}: {body}");
    };
    // Standard 12: in person, consent is written and signed.
    refused(
        &n.consent(&adult, &[&n.recipient_org], &["NAME"], json!({ "method": "VERBAL_DOCUMENTED" })).await,
        "input.method",
        "verbal in person",
    );
    let phone = n
        .consent(
            &adult,
            &[&n.recipient_org],
            &["NAME"],
            json!({ "method": "VERBAL_DOCUMENTED", "contactMode": "PHONE" }),
        )
        .await;
    assert_eq!(phone["data"]["recordConsent"]["status"], "ACTIVE", "{phone}");
    // Time-limited: the default and the maximum come from the network's settings.
    let c = &phone["data"]["recordConsent"];
    let (obtained, expires): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
        (c["obtainedAt"].as_str().unwrap().parse().unwrap(), c["expiresAt"].as_str().unwrap().parse().unwrap());
    assert_eq!((expires - obtained).num_days(), 90);
    let too_long = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    refused(
        &n.consent(&adult, &[&n.recipient_org], &["NAME"], json!({ "expiresAt": too_long })).await,
        "input.expiresAt",
        "beyond the maximum",
    );
    let settings = n.app.data_as(&n.admin, "{ networkSettings { version } }", json!({})).await;
    n.app
        .data_as(&n.admin, "mutation($v: Int!) { updateNetworkSettings(version: $v, input: { consentMaxDays: 500 }) { consentMaxDays } }",
            json!({ "v": settings["networkSettings"]["version"] }))
        .await;
    assert_eq!(
        n.consent(&adult, &[&n.recipient_org], &["NAME"], json!({ "expiresAt": too_long })).await["data"]["recordConsent"]
            ["status"],
        "ACTIVE"
    );
    let denied = n
        .app
        .gql_as(
            &n.coordinator,
            "mutation { updateNetworkSettings(version: 2, input: { consentMaxDays: 9 }) { version } }",
            json!({}),
        )
        .await
        .1;
    assert_eq!(error_code(&denied), "FORBIDDEN");

    // Minors: a guardian's consent, never the suspected abuser's.
    let minor = n.client(json!({ "dateOfBirth": "2012-06-01" })).await;
    refused(&n.consent(&minor, &[&n.recipient_org], &["NAME"], json!({})).await, "input.guardian", "minor alone");
    refused(
        &n.consent(
            &minor,
            &[&n.recipient_org],
            &["NAME"],
            json!({ "guardian": { "relationship": "father", "notSuspectedAbuser": false } }),
        )
        .await,
        "input.guardian.notSuspectedAbuser",
        "suspected abuser",
    );
    let with_guardian = n
        .consent(
            &minor,
            &[&n.recipient_org],
            &["NAME"],
            json!({ "guardian": { "relationship": "aunt (legal guardian)", "notSuspectedAbuser": true } }),
        )
        .await;
    assert_eq!(with_guardian["data"]["recordConsent"]["status"], "ACTIVE", "{with_guardian}");
    // ... unless the network lets minors consent alone to that service.
    let another_minor = n.client(json!({ "minor": true, "dateOfBirth": null })).await;
    refused(
        &n.consent(&another_minor, &[&n.recipient_org], &["NAME"], json!({ "serviceId": n.service })).await,
        "input.guardian",
        "not allowed yet",
    );
    n.app
        .data_as(
            &n.admin,
            "mutation($s: ID!) { setMinorSelfConsent(serviceId: $s, allowed: true) }",
            json!({ "s": n.service }),
        )
        .await;
    let alone = n.consent(&another_minor, &[&n.recipient_org], &["NAME"], json!({ "serviceId": n.service })).await;
    assert_eq!(alone["data"]["recordConsent"]["status"], "ACTIVE", "{alone}");
    // Unknown age is not assumed adult.
    let unknown = n.client(json!({ "dateOfBirth": null })).await;
    refused(&n.consent(&unknown, &[&n.recipient_org], &["NAME"], json!({})).await, "input.clientId", "age unknown");
    // Consent history is append-only for the service.
    let (service, conn) = tokio_postgres::connect(&n.app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    assert!(service.execute("UPDATE consents SET purpose = 'x'", &[]).await.is_err());
    assert!(service.execute("DELETE FROM consent_revocations", &[]).await.is_err());
}

#[tokio::test]
async fn idempotent_creates_make_one_record_under_concurrency() {
    let n = network().await;
    let client = n.client(json!({})).await;
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    let input = json!({ "clientId": client, "shareFields": ["NAME"] });
    let attempts = (0..20).map(|_| n.refer(&n.advocate, "same-key", input.clone()));
    let answers = futures_util::future::join_all(attempts).await;
    let ids: std::collections::BTreeSet<String> = answers.iter().map(|a| id(a, "createReferral")).collect();
    assert_eq!(ids.len(), 1, "all twenty got the same referral");
    let count: i64 = n.app.sql().await.query_one("SELECT count(*) FROM referrals", &[]).await.unwrap().get(0);
    assert_eq!(count, 1);
    let different = n
        .refer(&n.advocate, "same-key", json!({ "clientId": client, "shareFields": ["NAME"], "urgency": "ROUTINE" }))
        .await;
    assert_eq!(error_code(&different), "CONFLICT");

    // recordConsent too.
    let record = |key: &'static str, purpose: &'static str| {
        n.app.gql_as(&n.advocate, "mutation($k: String!, $i: ConsentRecord!) { recordConsent(idempotencyKey: $k, input: $i) { id } }",
            json!({ "k": key, "i": { "clientId": client, "recipients": [n.recipient_org], "fields": ["CONTACT"], "purpose": purpose,
                "method": "WRITTEN_SIGNED", "contactMode": "IN_PERSON" } }))
    };
    let answers = futures_util::future::join_all((0..20).map(|_| record("consent-key", "Housing"))).await;
    let ids: std::collections::BTreeSet<String> = answers.iter().map(|(_, a)| id(a, "recordConsent")).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(error_code(&record("consent-key", "Something else").await.1), "CONFLICT");
}

#[tokio::test]
async fn follow_ups_are_scheduled_by_phase_assigned_completed_and_surface_when_overdue() {
    let n = network().await;
    let due_days = |body: Value| {
        let referral = id(&body, "createReferral");
        let app = &n.app;
        let token = n.advocate.clone();
        async move {
            let data = app
                .data_as(
                    &token,
                    "query($id: ID!) { referral(id: $id) { followUps { id dueAt version } } }",
                    json!({ "id": referral }),
                )
                .await;
            let due: chrono::DateTime<chrono::Utc> =
                data["referral"]["followUps"][0]["dueAt"].as_str().unwrap().parse().unwrap();
            ((due - chrono::Utc::now()).num_hours() + 1) / 24
        }
    };
    assert_eq!(due_days(n.refer(&n.advocate, "p1", json!({})).await).await, 2, "acute");
    assert_eq!(
        due_days(n.refer(&n.advocate, "p2", json!({ "needCode": "transitional.legal" })).await).await,
        7,
        "transitional"
    );
    assert_eq!(
        due_days(n.refer(&n.advocate, "p3", json!({ "needCode": "long_term.peer_support" })).await).await,
        30,
        "long-term"
    );

    let referral = id(&n.refer(&n.advocate, "p4", json!({})).await, "createReferral");
    let follow = n
        .app
        .data_as(
            &n.advocate,
            "query($id: ID!) { referral(id: $id) { followUps { id version } } }",
            json!({ "id": referral }),
        )
        .await;
    let (fid, version) = (
        follow["referral"]["followUps"][0]["id"].clone(),
        follow["referral"]["followUps"][0]["version"].as_i64().unwrap(),
    );
    // Only a member of the organization can be assigned; the recipient never sees it.
    let outsider = n
        .app
        .gql_as(
            &n.coordinator,
            "mutation($id: ID!, $v: Int!, $u: ID) { assignFollowUp(id: $id, version: $v, userId: $u) { id } }",
            json!({ "id": fid, "v": version, "u": uuid::Uuid::new_v4() }),
        )
        .await
        .1;
    assert_eq!(error_code(&outsider), "BAD_USER_INPUT");
    let hidden = n
        .app
        .data_as(
            &n.recipient_staff,
            "query($id: ID!) { referral(id: $id) { followUps { id } } }",
            json!({ "id": referral }),
        )
        .await;
    assert_eq!(hidden["referral"]["followUps"], json!([]));

    // Overdue ones surface for coordinators only.
    n.app
        .sql()
        .await
        .execute(
            "UPDATE follow_ups SET due_at = now() - interval '1 hour' WHERE id = $1::text::uuid",
            &[&fid.as_str().unwrap()],
        )
        .await
        .unwrap();
    let overdue = n.app.data_as(&n.coordinator, "{ overdueFollowUps { id overdue } }", json!({})).await;
    assert!(overdue["overdueFollowUps"].as_array().unwrap().iter().any(|f| f["id"] == fid && f["overdue"] == true));
    assert_eq!(error_code(&n.app.gql_as(&n.advocate, "{ overdueFollowUps { id } }", json!({})).await.1), "FORBIDDEN");
    assert_eq!(
        n.app.data_as(&n.outsider_advocate, "{ myFollowUps { id } }", json!({})).await["myFollowUps"],
        json!([])
    );

    // Sent referrals with no outcome after N days.
    n.app.sql().await.execute("UPDATE referrals SET sent_at = now() - interval '10 days'", &[]).await.unwrap();
    let stale =
        n.app.data_as(&n.coordinator, "{ referrals(filter: { noOutcomeAfterDays: 7 }) { id } }", json!({})).await;
    assert_eq!(stale["referrals"].as_array().unwrap().len(), 4);
    let done = n.app.data_as(&n.coordinator, "mutation($id: ID!, $v: Int!) { completeFollowUp(id: $id, version: $v,
        outcome: { contactMade: true, serviceStarted: true, needStillOpen: false }) { completedAt outcome { serviceStarted } } }", json!({ "id": fid, "v": version })).await;
    assert_eq!(done["completeFollowUp"]["outcome"]["serviceStarted"], true);
    let stale =
        n.app.data_as(&n.coordinator, "{ referrals(filter: { noOutcomeAfterDays: 7 }) { id } }", json!({})).await;
    assert_eq!(stale["referrals"].as_array().unwrap().len(), 3, "the one with an outcome left the list");
    let again = n.app.gql_as(&n.coordinator, "mutation($id: ID!, $v: Int!) { completeFollowUp(id: $id, version: $v, outcome: { contactMade: true, serviceStarted: true, needStillOpen: false }) { id } }",
        json!({ "id": fid, "v": version })).await.1;
    assert_eq!(error_code(&again), "CONFLICT");
}

#[tokio::test]
async fn row_level_security_fails_closed_and_never_leaks_across_pooled_connections() {
    let n = network().await;
    let client = n.client(json!({})).await;
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    n.refer(&n.advocate, "rls", json!({ "clientId": client, "shareFields": ["NAME"] })).await;
    // As the service role with nothing set: zero rows everywhere.
    let (service, conn) = tokio_postgres::connect(&n.app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    for table in
        ["clients", "consents", "consent_recipients", "referrals", "referral_events", "follow_ups", "idempotency_keys"]
    {
        let count: i64 = service.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0);
        assert_eq!(count, 0, "{table} without an acting organization");
    }
    // Scoped to the outsider: still nothing of theirs.
    service
        .batch_execute(&format!("BEGIN; SELECT set_config('app.org_id', '{}', true);", n.outsider_org))
        .await
        .unwrap();
    let count: i64 = service.query_one("SELECT count(*) FROM clients", &[]).await.unwrap().get(0);
    assert_eq!(count, 0);
    service.batch_execute("COMMIT").await.unwrap();

    // Two organizations hammer the API through a pool of two connections: each sees
    // only its own.
    let outsider_client = n
        .app
        .data_as(
            &n.outsider_advocate,
            "mutation { createClient(input: { name: \"Other Fakeperson\" }) { id } }",
            json!({}),
        )
        .await["createClient"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reads = (0..40).map(|i| {
        let (token, own) = if i % 2 == 0 { (&n.advocate, &client) } else { (&n.outsider_advocate, &outsider_client) };
        let app = &n.app;
        async move {
            let data = app.data_as(token, "{ clients { id name } referrals { id client { name } } }", json!({})).await;
            let ids: Vec<&str> =
                data["clients"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
            assert_eq!(ids, [own.as_str()], "request {i} saw another organization's clients");
        }
    });
    futures_util::future::join_all(reads).await;
}

#[tokio::test]
async fn nothing_is_visible_after_a_revocation_commits_even_with_reads_in_flight() {
    let n = Arc::new(network().await);
    let client = n.client(json!({})).await;
    let consent = id(&n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await, "recordConsent");
    let referral = id(
        &n.refer(&n.advocate, "race", json!({ "clientId": client, "shareFields": ["NAME"] })).await,
        "createReferral",
    );
    let revoked = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (n, referral, revoked) = (Arc::clone(&n), referral.clone(), Arc::clone(&revoked));
            tokio::spawn(async move {
                let (mut before, mut after) = (0, 0);
                for _ in 0..40 {
                    let started_after_revocation = revoked.load(Ordering::SeqCst);
                    let body = n.referral_client(&n.recipient_staff, &referral).await;
                    let saw = body["data"]["referral"]["client"]["name"] == CLIENT_NAME;
                    if started_after_revocation {
                        assert!(!saw, "a read that began after the revocation committed saw the name");
                        after += 1;
                    } else if saw {
                        before += 1;
                    }
                }
                (before, after)
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    n.app
        .data_as(&n.advocate, "mutation($id: ID!) { revokeConsent(id: $id) { status } }", json!({ "id": consent }))
        .await;
    revoked.store(true, Ordering::SeqCst);
    let mut totals = (0, 0);
    for r in readers {
        let (b, a) = r.await.unwrap();
        totals = (totals.0 + b, totals.1 + a);
    }
    assert!(totals.0 > 0 && totals.1 > 0, "the race was exercised: {totals:?}");
}

#[tokio::test]
async fn a_database_dump_never_holds_personal_data_in_clear() {
    let n = network().await;
    let client = n.client(json!({ "notes": "canary-notes-7731" })).await;
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    n.refer(
        &n.advocate,
        "dump",
        json!({ "clientId": client, "shareFields": ["NAME"], "note": "canary-referral-note-5521" }),
    )
    .await;
    let bin = ["/usr/lib/postgresql/15/bin/pg_dump", "pg_dump"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists() || *p == "pg_dump")
        .unwrap();
    let out =
        std::process::Command::new(bin).args(["--data-only", "--dbname", &n.app.db_url]).output().expect("pg_dump");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(dump.contains("Recipient Shelter (test)"), "the dump has data");
    for secret in
        [CLIENT_NAME, CLIENT_PHONE, "0173 ext 9", "canary-notes-7731", "canary-referral-note-5521", "1990-04-02"]
    {
        assert!(!dump.contains(secret), "{secret} in clear in pg_dump");
    }
}

/// Rows written for `org` that reach it later as webhooks (the outbox) or reminders.
/// Events about referrals and follow-ups queued for `org` (the setup's own
/// `access.granted` notices, from an admin granting memberships, are not about referrals).
async fn events_for(db: &tokio_postgres::Client, org: &str) -> i64 {
    db.query_one(
        "SELECT (SELECT count(*) FROM outbox_events WHERE organization_id = $1::text::uuid
                   AND event_type <> 'access.granted')
              + (SELECT count(*) FROM scheduled_events WHERE organization_id = $1::text::uuid)",
        &[&org],
    )
    .await
    .unwrap()
    .get(0)
}

#[tokio::test]
async fn a_draft_belongs_to_the_sender_alone_until_it_is_sent() {
    let n = network().await;
    let client = n.client(json!({})).await;
    let consent = id(&n.consent(&client, &[&n.recipient_org], &["NAME", "CONTACT"], json!({})).await, "recordConsent");
    let draft_note = "draft-note-6620";
    let draft = id(
        &n.refer(
            &n.advocate,
            "draft",
            json!({ "clientId": client, "shareFields": ["NAME", "CONTACT"], "send": false, "note": draft_note, "county": "37183" }),
        )
        .await,
        "createReferral",
    );
    let db = n.app.sql().await;
    let demand = "SELECT coalesce(sum(sent), 0)::bigint FROM referral_demand";
    let everything =
        "query($id: ID!) { referral(id: $id) { id status client { name } events { note } followUps { id } }
        all: referrals { id } inbox: referrals(filter: { side: RECIPIENT }) { id }
        drafts: referrals(filter: { statuses: [DRAFT, CANCELLED] }) { id } myFollowUps { id } }";
    let recipient_sees_nothing = async |when: &str| {
        let seen = n.app.data_as(&n.recipient_staff, everything, json!({ "id": draft })).await;
        assert_eq!(seen["referral"], Value::Null, "{when}: {seen}");
        for list in ["all", "inbox", "drafts", "myFollowUps"] {
            assert_eq!(seen[list], json!([]), "{when}: {list}");
        }
        let moved = n
            .app
            .gql_as(
                &n.recipient_staff,
                "mutation($id: ID!) { transitionReferral(id: $id, to: ACCEPTED) { id } }",
                json!({ "id": draft }),
            )
            .await
            .1;
        assert_eq!(error_code(&moved), "NOT_FOUND", "{when}: the recipient cannot tell a draft exists");
        assert_eq!(events_for(&db, &n.recipient_org).await, 0, "{when}: no webhook or reminder for the recipient");
        assert_eq!(db.query_one(demand, &[]).await.unwrap().get::<_, i64>(0), 0, "{when}: a draft is no demand");
    };
    recipient_sees_nothing("drafted").await;

    // The sender sees the whole draft.
    let own = n.app.data_as(&n.advocate, everything, json!({ "id": draft })).await;
    assert_eq!(own["referral"]["status"], "DRAFT");
    assert_eq!(own["referral"]["client"]["name"], CLIENT_NAME);
    assert_eq!(own["referral"]["events"][0]["note"], draft_note);

    // Revoking the consent the draft relies on, and cancelling the draft, tell nobody.
    n.app.data_as(&n.advocate, "mutation($id: ID!) { revokeConsent(id: $id) { id } }", json!({ "id": consent })).await;
    recipient_sees_nothing("consent revoked").await;
    let cancelled = n
        .app
        .data_as(
            &n.advocate,
            "mutation($id: ID!) { transitionReferral(id: $id, to: CANCELLED) { status } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(cancelled["transitionReferral"]["status"], "CANCELLED");
    recipient_sees_nothing("cancelled unsent").await;

    // Once sent, a referral is the recipient's too: word reaches it and it counts.
    let sent = id(&n.refer(&n.advocate, "sent", json!({ "send": false, "county": "37183" })).await, "createReferral");
    assert_eq!(events_for(&db, &n.recipient_org).await, 0);
    n.app
        .data_as(
            &n.advocate,
            "mutation($id: ID!) { transitionReferral(id: $id, to: SENT) { status } }",
            json!({ "id": sent }),
        )
        .await;
    let seen = n
        .app
        .data_as(&n.recipient_staff, "query($id: ID!) { referral(id: $id) { status } }", json!({ "id": sent }))
        .await;
    assert_eq!(seen["referral"]["status"], "SENT");
    assert_eq!(events_for(&db, &n.recipient_org).await, 1, "referral.sent");
    assert_eq!(db.query_one(demand, &[]).await.unwrap().get::<_, i64>(0), 1);
    n.app
        .data_as(
            &n.advocate,
            "mutation($id: ID!) { transitionReferral(id: $id, to: CANCELLED) { status } }",
            json!({ "id": sent }),
        )
        .await;
    assert_eq!(events_for(&db, &n.recipient_org).await, 2, "cancelling a sent referral tells the recipient");
}

#[tokio::test]
async fn notes_on_a_referral_with_a_client_go_with_the_consent() {
    let n = network().await;
    let client = n.client(json!({})).await;
    let consent = id(&n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await, "recordConsent");
    let referral = id(
        &n.refer(
            &n.advocate,
            "notes",
            json!({ "clientId": client, "shareFields": ["NAME"], "note": "sender-note-1187" }),
        )
        .await,
        "createReferral",
    );
    n.app
        .data_as(
            &n.recipient_staff,
            "mutation($id: ID!) { transitionReferral(id: $id, to: ACCEPTED, note: \"recipient-note-2291\") { id } }",
            json!({ "id": referral }),
        )
        .await;
    let notes = async |token: &str| -> Vec<Value> {
        let data = n
            .app
            .data_as(token, "query($id: ID!) { referral(id: $id) { events { to note } } }", json!({ "id": referral }))
            .await;
        let events = data["referral"]["events"].as_array().unwrap().clone();
        assert_eq!(events.len(), 3, "every transition stays listed: {data}");
        events.iter().map(|e| e["note"].clone()).collect()
    };
    let both = vec![json!("sender-note-1187"), Value::Null, json!("recipient-note-2291")];
    let none = vec![Value::Null; 3];
    assert_eq!(notes(&n.recipient_staff).await, both, "with consent, the recipient reads the notes");

    n.app.data_as(&n.advocate, "mutation($id: ID!) { revokeConsent(id: $id) { id } }", json!({ "id": consent })).await;
    assert_eq!(notes(&n.recipient_staff).await, none, "revoked: gone, its own note included");
    assert_eq!(notes(&n.advocate).await, both, "the client's organization keeps them");

    // A consent naming the recipient again brings them back; its expiry takes them away.
    let renewed = id(&n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await, "recordConsent");
    assert_eq!(notes(&n.recipient_staff).await, both);
    n.app
        .sql()
        .await
        .execute(
            "UPDATE consents SET obtained_at = now() - interval '9 days', expires_at = now() - interval '1 second' WHERE id = $1::text::uuid",
            &[&renewed],
        )
        .await
        .unwrap();
    assert_eq!(notes(&n.recipient_staff).await, none, "expired: gone");
}

#[tokio::test]
async fn a_referral_without_personal_data_refuses_notes_with_contact_details() {
    let n = network().await;
    let refused = |body: &Value, field: &str, case: &str| {
        assert_eq!(error_code(body), "BAD_USER_INPUT", "{case}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{case}: {body}");
        assert!(!body.to_string().contains("0142") && !body.to_string().contains("@example"), "not echoed: {body}");
    };
    for (i, note) in [
        "Call her back on (919) 555-0142",
        "cell 919.555.0142",
        "+1 984 555 0142, evenings",
        "reach at 555-0142",
        "email pat.example@example.org",
    ]
    .into_iter()
    .enumerate()
    {
        let body = n.refer(&n.advocate, &format!("contact-{i}"), json!({ "county": "37183", "note": note })).await;
        refused(&body, "input.note", note);
    }
    let db = n.app.sql().await;
    let count: i64 = db.query_one("SELECT count(*) FROM referrals", &[]).await.unwrap().get(0);
    assert_eq!(count, 0, "nothing was written");

    // Notes without contact details pass, dates and small numbers included.
    let plain = "Two children (ages 4 and 7); arriving 2026-12-01 around 10:30, needs bed for 3 nights";
    let referral =
        id(&n.refer(&n.advocate, "plain", json!({ "county": "37183", "note": plain })).await, "createReferral");
    let transition = |token: &String, to: &'static str, note: &'static str| {
        let (app, referral, token) = (&n.app, referral.clone(), token.clone());
        async move {
            app.gql_as(
                &token,
                "mutation($id: ID!, $to: ReferralStatus!, $n: String) { transitionReferral(id: $id, to: $to, note: $n) { status } }",
                json!({ "id": referral, "to": to, "n": note }),
            )
            .await
            .1
        }
    };
    refused(&transition(&n.recipient_staff, "ACCEPTED", "call 919-555-0142 to confirm").await, "note", "recipient");
    refused(&transition(&n.advocate, "CANCELLED", "her email is pat@example.org").await, "note", "sender");
    let accepted = transition(&n.recipient_staff, "ACCEPTED", "Bed 4 held until 6pm").await;
    assert_eq!(accepted["data"]["transitionReferral"]["status"], "ACCEPTED", "{accepted}");

    // With a client (and consent), a note is client data and may carry contact details.
    let client = n.client(json!({})).await;
    n.consent(&client, &[&n.recipient_org], &["NAME", "CONTACT"], json!({})).await;
    let with_client = n
        .refer(&n.advocate, "client", json!({ "clientId": client, "shareFields": ["NAME", "CONTACT"], "note": "Safe to call 919-555-0142 after 5" }))
        .await;
    assert_eq!(with_client["data"]["createReferral"]["status"], "SENT", "{with_client}");
}

#[tokio::test]
async fn an_event_note_opens_only_in_the_event_it_was_written_for() {
    let n = network().await;
    let client = n.client(json!({})).await;
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    let referral = id(
        &n.refer(
            &n.advocate,
            "bound",
            json!({ "clientId": client, "shareFields": ["NAME"], "note": "bound-note-3307" }),
        )
        .await,
        "createReferral",
    );
    let db = n.app.sql().await;
    let read = async || {
        n.app
            .gql_as(
                &n.advocate,
                "query($id: ID!) { referral(id: $id) { events { to note } } }",
                json!({ "id": referral }),
            )
            .await
            .1
    };
    assert_eq!(read().await["data"]["referral"]["events"][0]["note"], "bound-note-3307");

    // Someone with write access to the database moves the note's ciphertext to another
    // event of the same referral: it must not open there.
    db.execute(
        "UPDATE referral_events SET note_enc = (SELECT note_enc FROM referral_events WHERE referral_id = $1::text::uuid AND to_status = 'DRAFT')
         WHERE referral_id = $1::text::uuid AND to_status = 'SENT'",
        &[&referral],
    )
    .await
    .unwrap();
    let moved = read().await;
    assert!(!moved.to_string().contains("bound-note-3307"), "a moved note opened: {moved}");
    assert_eq!(error_code(&moved), "INTERNAL", "{moved}");
    db.execute(
        "UPDATE referral_events SET note_enc = NULL WHERE referral_id = $1::text::uuid AND to_status = 'SENT'",
        &[&referral],
    )
    .await
    .unwrap();

    // Notes written before events had their own id (uid null) were bound to their
    // referral only; they stay readable as they are.
    let referral_id: uuid::Uuid = referral.parse().unwrap();
    let legacy = n.app.keyring.seal(
        lantern::crypto::FieldContext { table: "referral_events", row: referral_id, field: "note" },
        "legacy-note-4410",
    );
    db.execute(
        "INSERT INTO referral_events (referral_id, from_status, to_status, actor_organization_id, note_enc)
         VALUES ($1::text::uuid, 'SENT', 'CANCELLED', $2::text::uuid, $3)",
        &[&referral, &n.sender_org, &legacy],
    )
    .await
    .unwrap();
    let with_legacy = read().await;
    assert_eq!(with_legacy["data"]["referral"]["events"][2]["note"], "legacy-note-4410", "{with_legacy}");
    // ... but a current note copied into such a row does not open there either.
    db.execute(
        "UPDATE referral_events SET note_enc = (SELECT note_enc FROM referral_events WHERE referral_id = $1::text::uuid AND to_status = 'DRAFT')
         WHERE referral_id = $1::text::uuid AND to_status = 'CANCELLED'",
        &[&referral],
    )
    .await
    .unwrap();
    let downgraded = read().await;
    assert!(!downgraded.to_string().contains("bound-note-3307"), "{downgraded}");
    assert_eq!(error_code(&downgraded), "INTERNAL");
}

#[tokio::test]
async fn referral_counts_are_the_organizations_own_by_side_and_status() {
    let n = network().await;
    let counts = |token: String| {
        let app = &n.app;
        async move {
            let data = app.data_as(&token, "{ referralCounts { side status count } }", json!({})).await;
            let mut list: Vec<(String, String, i64)> = data["referralCounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["side"].as_str().unwrap().into(),
                        c["status"].as_str().unwrap().into(),
                        c["count"].as_i64().unwrap(),
                    )
                })
                .collect();
            list.sort();
            list
        }
    };
    let first = id(&n.refer(&n.advocate, "c1", json!({})).await, "createReferral");
    n.refer(&n.advocate, "c2", json!({})).await;
    n.refer(&n.advocate, "c3", json!({ "send": false })).await;
    let entry = |side: &str, status: &str, count: i64| (side.to_owned(), status.to_owned(), count);
    assert_eq!(counts(n.advocate.clone()).await, vec![entry("SENDER", "DRAFT", 1), entry("SENDER", "SENT", 2)]);
    assert_eq!(
        counts(n.coordinator.clone()).await,
        counts(n.advocate.clone()).await,
        "the organization's, not the person's"
    );
    // The recipient counts what it can see: never the sender's draft.
    assert_eq!(counts(n.recipient_staff.clone()).await, vec![entry("RECIPIENT", "SENT", 2)]);
    assert_eq!(counts(n.outsider_advocate.clone()).await, vec![], "another organization sees none of it");
    n.app
        .data_as(
            &n.recipient_staff,
            "mutation($id: ID!) { transitionReferral(id: $id, to: ACCEPTED) { status } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        counts(n.recipient_staff.clone()).await,
        vec![entry("RECIPIENT", "ACCEPTED", 1), entry("RECIPIENT", "SENT", 1)]
    );
    // The lower role and anonymous callers get no figure.
    assert_eq!(
        error_code(&n.app.gql_as(&n.sender_mdt, "{ referralCounts { count } }", json!({})).await.1),
        "FORBIDDEN"
    );
    assert_eq!(error_code(&n.app.gql("{ referralCounts { count } }", json!({})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_parties_of_a_referral_and_a_consent_are_named_and_nothing_more() {
    let n = network().await;
    let client = n.client(json!({})).await;
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    let referral = id(
        &n.refer(&n.advocate, "named", json!({ "clientId": client, "shareFields": ["NAME"] })).await,
        "createReferral",
    );
    let query =
        "query($id: ID!) { referral(id: $id) { senderOrganization { id name } recipientOrganization { id name } } }";
    for token in [&n.advocate, &n.recipient_staff] {
        let data = n.app.data_as(token, query, json!({ "id": referral })).await;
        assert_eq!(data["referral"]["senderOrganization"]["name"], "Sender Advocacy (test)");
        assert_eq!(data["referral"]["senderOrganization"]["id"], n.sender_org.as_str());
        assert_eq!(data["referral"]["recipientOrganization"]["name"], "Recipient Shelter (test)");
    }
    // The other side's name, not its people.
    let members = n
        .app
        .gql_as(
            &n.recipient_staff,
            "query($id: ID!) { referral(id: $id) { senderOrganization { members { user { email } } } } }",
            json!({ "id": referral }),
        )
        .await
        .1;
    assert_eq!(error_code(&members), "FORBIDDEN", "{members}");
    // Nobody else reaches the names through the referral.
    let outsider = n.app.gql_as(&n.outsider_advocate, query, json!({ "id": referral })).await.1;
    assert!(outsider["data"]["referral"].is_null(), "{outsider}");
    assert_eq!(error_code(&n.app.gql(query, json!({ "id": referral })).await), "UNAUTHENTICATED");
    // The consent's recipients, named for the client's organization.
    let consents = n
        .app
        .data_as(
            &n.advocate,
            "query($c: ID!) { consents(clientId: $c) { recipientOrganizations { id name } } }",
            json!({ "c": client }),
        )
        .await;
    assert_eq!(
        consents["consents"][0]["recipientOrganizations"],
        json!([{ "id": n.recipient_org, "name": "Recipient Shelter (test)" }])
    );
    let foreign = n
        .app
        .gql_as(&n.recipient_staff, "query($c: ID!) { consents(clientId: $c) { id } }", json!({ "c": client }))
        .await
        .1;
    assert!(foreign["data"].is_null() || foreign["data"]["consents"] == json!([]), "{foreign}");
}

#[tokio::test]
async fn coordinators_see_every_due_follow_up_of_their_organization_with_its_referral() {
    let n = network().await;
    let referral = id(&n.refer(&n.advocate, "due", json!({})).await, "createReferral");
    let before = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let query =
        "query($b: DateTime) { dueFollowUps(dueBefore: $b) { id assignedTo overdue referral { id needCode status } } }";
    // Assigned to the advocate, and seen by the coordinator all the same.
    let due = n.app.data_as(&n.coordinator, query, json!({ "b": before })).await;
    let list = due["dueFollowUps"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{due}");
    assert_eq!(list[0]["assignedTo"], n.advocate_id.as_str());
    assert_eq!(list[0]["referral"], json!({ "id": referral, "needCode": "acute.housing", "status": "SENT" }));
    assert_eq!(list[0]["overdue"], false);
    // Not yet due within a day (acute: two days).
    assert_eq!(n.app.data_as(&n.coordinator, query, json!({ "b": null })).await["dueFollowUps"], json!([]));
    // The advocate sees it as theirs, with the referral too.
    let mine = n
        .app
        .data_as(
            &n.advocate,
            "query($b: DateTime) { myFollowUps(dueBefore: $b) { referral { id } } }",
            json!({ "b": before }),
        )
        .await;
    assert_eq!(mine["myFollowUps"][0]["referral"]["id"], referral.as_str());
    // A lower role, another organization's coordinator, anonymous: nothing.
    assert_eq!(error_code(&n.app.gql_as(&n.advocate, query, json!({ "b": before })).await.1), "FORBIDDEN");
    let (_, _, outsider_coordinator) = n.app.member(&n.admin, &n.outsider_org, "COORDINATOR").await;
    assert_eq!(n.app.data_as(&outsider_coordinator, query, json!({ "b": before })).await["dueFollowUps"], json!([]));
    assert_eq!(error_code(&n.app.gql(query, json!({ "b": before })).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_service_tells_whether_a_minor_may_consent_alone() {
    let n = network().await;
    let query = "query($p: ID!) { provider(id: $p) { services { id minorMayConsentAlone } } }";
    let provider_id = n
        .app
        .sql()
        .await
        .query_one("SELECT provider_id::text FROM services WHERE id = $1::text::uuid", &[&n.service])
        .await
        .unwrap()
        .get::<_, String>(0);
    let read = |body: Value| body["provider"]["services"][0]["minorMayConsentAlone"].clone();
    assert_eq!(read(n.app.data(query, json!({ "p": provider_id })).await), false, "not unless allowed");
    // Only a network admin decides it.
    let refused = n
        .app
        .gql_as(
            &n.recipient_staff,
            "mutation($s: ID!) { setMinorSelfConsent(serviceId: $s, allowed: true) }",
            json!({ "s": n.service }),
        )
        .await
        .1;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    n.app
        .data_as(
            &n.admin,
            "mutation($s: ID!) { setMinorSelfConsent(serviceId: $s, allowed: true) }",
            json!({ "s": n.service }),
        )
        .await;
    // Public, like the rest of the listing: the app asks for a guardian only when needed.
    assert_eq!(read(n.app.data(query, json!({ "p": provider_id })).await), true);
    assert_eq!(read(n.app.data_as(&n.advocate, query, json!({ "p": provider_id })).await), true);
}
