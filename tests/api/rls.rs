//! Row-level security on its own: the service role, with one acting organization set
//! exactly as the service sets it (`set_config('app.org_id', …, true)`), tries to write
//! what an organization may only say about itself, and the database refuses each write
//! that claims something about another organization's rows — while the same writes for
//! its own rows go through, so every refusal below is the policy's doing.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio_postgres::{Client, NoTls};

use crate::referrals::network;

/// What one statement did: refused by the database (and why), or how many rows it touched.
fn outcome(result: Result<u64, tokio_postgres::Error>) -> String {
    match result {
        Ok(rows) => format!("{rows} rows"),
        Err(e) => match e.code().map(|c| c.code()) {
            // Row-level security violations and column privileges both answer 42501.
            Some("42501") => "refused".into(),
            code => format!("error {code:?}: {e}"),
        },
    }
}

/// Runs `sql` in a transaction acting for `org` (as `lantern::db::rls` does), then rolls
/// it back so each case starts from the same rows.
async fn as_org(db: &Client, org: &str, sql: &str) -> String {
    db.batch_execute("BEGIN").await.unwrap();
    db.execute("SELECT set_config('app.org_id', $1, true)", &[&org]).await.unwrap();
    let result = db.execute(sql, &[]).await;
    db.batch_execute("ROLLBACK").await.unwrap();
    outcome(result)
}

/// The count `sql` returns acting for `org`.
async fn count_as(db: &Client, org: &str, sql: &str) -> i64 {
    db.batch_execute("BEGIN").await.unwrap();
    db.execute("SELECT set_config('app.org_id', $1, true)", &[&org]).await.unwrap();
    let n: i64 = db.query_one(sql, &[]).await.unwrap().get(0);
    db.batch_execute("ROLLBACK").await.unwrap();
    n
}

fn id(body: &Value, op: &str) -> String {
    body["data"][op]["id"].as_str().unwrap_or_else(|| panic!("{op} failed: {body}")).to_owned()
}

fn consent_insert(client: &str, org: &str) -> String {
    format!(
        "INSERT INTO consents (client_id, organization_id, fields, purpose, method, contact_mode, obtained_at, expires_at)
         VALUES ('{client}', '{org}', '{{NAME}}', 'Shelter placement', 'WRITTEN_SIGNED', 'IN_PERSON', now(), now() + interval '30 days')"
    )
}

fn referral_insert(sender: &str, recipient: &str, provider: &str, service: &str, client: Option<&str>) -> String {
    let (client, shared) = match client {
        Some(c) => (format!("'{c}'"), "'{NAME}'"),
        None => ("NULL".to_owned(), "'{}'"),
    };
    format!(
        "INSERT INTO referrals (sender_organization_id, recipient_organization_id, provider_id, service_id, need_code,
                                urgency, client_id, shared_fields, status, sent_at)
         VALUES ('{sender}', '{recipient}', '{provider}', '{service}', 'acute.housing', 'URGENT', {client}, {shared}, 'SENT', now())"
    )
}

#[tokio::test]
async fn the_database_refuses_what_an_organization_claims_about_other_organizations_rows() {
    let n = network().await;
    let app = &n.app;
    // The victim (the sender organization): a client with consent for the recipient, a
    // referral that shares it, and a draft.
    let victim_client = n.client(json!({})).await;
    let victim_consent =
        id(&n.consent(&victim_client, &[&n.recipient_org], &["NAME"], json!({})).await, "recordConsent");
    let victim_referral = id(
        &n.refer(&n.advocate, "victim", json!({ "clientId": victim_client, "shareFields": ["NAME"] })).await,
        "createReferral",
    );
    let victim_draft = id(&n.refer(&n.advocate, "draft", json!({ "send": false })).await, "createReferral");
    // The attacker (the outsider organization) with rows of its own.
    let attacker = n.outsider_org.clone();
    let own_client = app
        .data_as(
            &n.outsider_advocate,
            "mutation { createClient(input: { name: \"Other Fakeperson\", dateOfBirth: \"1991-03-03\" }) { id } }",
            json!({}),
        )
        .await["createClient"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own_consent = id(
        &app.gql_as(
            &n.outsider_advocate,
            "mutation($i: ConsentRecord!) { recordConsent(idempotencyKey: \"own\", input: $i) { id } }",
            json!({ "i": { "clientId": own_client, "recipients": [n.recipient_org], "fields": ["NAME"],
                "purpose": "Shelter placement", "method": "WRITTEN_SIGNED", "contactMode": "IN_PERSON" } }),
        )
        .await
        .1,
        "recordConsent",
    );
    let own_referral = id(
        &app.gql_as(
            &n.outsider_advocate,
            "mutation($i: ReferralCreate!) { createReferral(idempotencyKey: \"own\", input: $i) { id } }",
            json!({ "i": { "serviceId": n.service, "needCode": "acute.housing", "urgency": "URGENT",
                "clientId": own_client, "shareFields": ["NAME"] } }),
        )
        .await
        .1,
        "createReferral",
    );
    let owner = app.sql().await;
    let provider: String = owner
        .query_one("SELECT provider_id::text FROM services WHERE id = $1::text::uuid", &[&n.service])
        .await
        .unwrap()
        .get(0);

    let (db, conn) = tokio_postgres::connect(&app.app_db_url, NoTls).await.unwrap();
    tokio::spawn(conn);
    let role: String = db.query_one("SELECT current_user::text", &[]).await.unwrap().get(0);
    assert_eq!(role, "lantern_app", "the service role, under row-level security");

    let (victim, recipient, service) = (n.sender_org.as_str(), n.recipient_org.as_str(), n.service.as_str());
    let mut got = BTreeMap::new();
    let mut want = BTreeMap::new();
    let mut case = async |name: &str, org: &str, sql: String, expected: &str| {
        got.insert(name.to_owned(), as_org(&db, org, &sql).await);
        want.insert(name.to_owned(), expected.to_owned());
    };

    // A consent for another organization's client, naming itself.
    case("consent for another's client", &attacker, consent_insert(&victim_client, &attacker), "refused").await;
    case("consent for its own client", &attacker, consent_insert(&own_client, &attacker), "1 rows").await;
    // The whole attack: that consent plus a recipient row would expose the client.
    case(
        "consent and recipient exposing another's client",
        &attacker,
        format!(
            "WITH c AS ({} RETURNING id)
             INSERT INTO consent_recipients (consent_id, organization_id, owner_organization_id)
             SELECT id, '{attacker}', '{attacker}' FROM c",
            consent_insert(&victim_client, &attacker)
        ),
        "refused",
    )
    .await;
    // Naming itself a recipient of another organization's consent.
    case(
        "recipient on another's consent",
        &attacker,
        format!("INSERT INTO consent_recipients VALUES ('{victim_consent}', '{attacker}', '{attacker}')"),
        "refused",
    )
    .await;
    case(
        "recipient on its own consent",
        &attacker,
        format!("INSERT INTO consent_recipients VALUES ('{own_consent}', '{victim}', '{attacker}')"),
        "1 rows",
    )
    .await;
    // Revoking another organization's consent.
    case(
        "revocation of another's consent",
        &attacker,
        format!("INSERT INTO consent_revocations (consent_id, owner_organization_id) VALUES ('{victim_consent}', '{attacker}')"),
        "refused",
    )
    .await;
    case(
        "revocation of its own consent",
        &attacker,
        format!(
            "INSERT INTO consent_revocations (consent_id, owner_organization_id) VALUES ('{own_consent}', '{attacker}')"
        ),
        "1 rows",
    )
    .await;
    // Referrals: someone else as sender, someone else's client, a recipient that does
    // not keep the service.
    case(
        "referral with another sender",
        &attacker,
        referral_insert(victim, &attacker, &provider, service, None),
        "refused",
    )
    .await;
    case(
        "referral of another's client",
        &attacker,
        referral_insert(&attacker, recipient, &provider, service, Some(&victim_client)),
        "refused",
    )
    .await;
    case(
        "referral to a recipient not keeping the service",
        &attacker,
        referral_insert(&attacker, victim, &provider, service, None),
        "refused",
    )
    .await;
    case(
        "referral already accepted on insert",
        &attacker,
        referral_insert(&attacker, recipient, &provider, service, None).replace("'SENT', now()", "'ACCEPTED', now()"),
        "refused",
    )
    .await;
    case(
        "its own referral",
        &attacker,
        referral_insert(&attacker, recipient, &provider, service, Some(&own_client)),
        "1 rows",
    )
    .await;
    // Events and follow-ups on referrals it cannot see (or does not send).
    let event = |referral: &str, org: &str| {
        format!(
            "INSERT INTO referral_events (uid, referral_id, from_status, to_status, actor_organization_id)
             VALUES (gen_random_uuid(), '{referral}', 'SENT', 'ACCEPTED', '{org}')"
        )
    };
    case("event on another's referral", &attacker, event(&victim_referral, &attacker), "refused").await;
    case("event on its own referral", &attacker, event(&own_referral, &attacker), "1 rows").await;
    case("event by the recipient on a draft", recipient, event(&victim_draft, recipient), "refused").await;
    case("event by the recipient on a sent referral", recipient, event(&victim_referral, recipient), "1 rows").await;
    case("event in another organization's name", recipient, event(&victim_referral, victim), "refused").await;
    // The acting user is set for the transaction (none here, as for an API key): a row
    // naming someone else as its actor is refused.
    case(
        "event in another user's name",
        recipient,
        event(&victim_referral, recipient)
            .replace("(uid,", "(actor_user_id, uid,")
            .replace("VALUES (", &format!("VALUES ('{}', ", n.advocate_id)),
        "refused",
    )
    .await;
    let follow_up = |referral: &str, org: &str| {
        format!("INSERT INTO follow_ups (referral_id, organization_id, due_at) VALUES ('{referral}', '{org}', now())")
    };
    case("follow-up on another's referral", &attacker, follow_up(&victim_referral, &attacker), "refused").await;
    case("follow-up by the recipient", recipient, follow_up(&victim_referral, recipient), "refused").await;
    case("follow-up on its own referral", &attacker, follow_up(&own_referral, &attacker), "1 rows").await;
    // Recipient-side updates of what only the sender sets.
    let update = |set: &str| format!("UPDATE referrals SET {set} WHERE id = '{victim_referral}'");
    case(
        "recipient changes the sender",
        recipient,
        update(&format!("sender_organization_id = '{recipient}'")),
        "refused",
    )
    .await;
    case(
        "recipient changes the recipient",
        recipient,
        update(&format!("recipient_organization_id = '{attacker}'")),
        "refused",
    )
    .await;
    case("recipient changes the client", recipient, update(&format!("client_id = '{own_client}'")), "refused").await;
    case(
        "recipient widens the shared fields",
        recipient,
        update("shared_fields = '{NAME,CONTACT,DATE_OF_BIRTH,NOTES}'"),
        "refused",
    )
    .await;
    case("recipient moves the sending time", recipient, update("sent_at = now() - interval '30 days'"), "refused")
        .await;
    case(
        "recipient accepts",
        recipient,
        update("status = 'ACCEPTED', updated_at = now(), version = version + 1"),
        "1 rows",
    )
    .await;
    case("sender un-sends", victim, update("sent_at = NULL, status = 'DRAFT'"), "refused").await;
    case(
        "sender sends its draft",
        victim,
        format!("UPDATE referrals SET status = 'SENT', sent_at = now() WHERE id = '{victim_draft}'"),
        "1 rows",
    )
    .await;
    case(
        "recipient touches a draft",
        recipient,
        format!("UPDATE referrals SET status = 'ACCEPTED' WHERE id = '{victim_draft}'"),
        "0 rows",
    )
    .await;
    // A consented recipient may read the client; it may not take it over.
    case(
        "recipient takes over a consented client",
        recipient,
        format!("UPDATE clients SET organization_id = '{recipient}' WHERE id = '{victim_client}'"),
        "0 rows",
    )
    .await;
    case(
        "recipient rewrites a consented client",
        recipient,
        format!("UPDATE clients SET code = 'rewritten' WHERE id = '{victim_client}'"),
        "0 rows",
    )
    .await;
    case(
        "owner updates its client",
        victim,
        format!("UPDATE clients SET code = 'renamed' WHERE id = '{victim_client}'"),
        "1 rows",
    )
    .await;
    assert_eq!(got, want);

    // The attack's goal stays out of reach: the client is not visible to the attacker.
    let seen = count_as(&db, &attacker, &format!("SELECT count(*) FROM clients WHERE id = '{victim_client}'")).await;
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn a_draft_is_the_senders_alone_in_the_database_too() {
    let n = network().await;
    let client = n.client(json!({})).await;
    n.consent(&client, &[&n.recipient_org], &["NAME"], json!({})).await;
    let draft = id(
        &n.refer(
            &n.advocate,
            "draft",
            json!({ "clientId": client, "shareFields": ["NAME"], "send": false, "note": "draft note" }),
        )
        .await,
        "createReferral",
    );
    let (db, conn) = tokio_postgres::connect(&n.app.app_db_url, NoTls).await.unwrap();
    tokio::spawn(conn);
    let referral = format!("SELECT count(*) FROM referrals WHERE id = '{draft}'");
    let events = format!("SELECT count(*) FROM referral_events WHERE referral_id = '{draft}'");
    assert_eq!(count_as(&db, &n.sender_org, &referral).await, 1);
    assert_eq!(count_as(&db, &n.sender_org, &events).await, 1);
    assert_eq!(count_as(&db, &n.recipient_org, &referral).await, 0, "the recipient sees no draft");
    assert_eq!(count_as(&db, &n.recipient_org, &events).await, 0, "nor its events");
    // Cancelled unsent, it stays the sender's.
    n.app
        .data_as(
            &n.advocate,
            "mutation($id: ID!) { transitionReferral(id: $id, to: CANCELLED) { status } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(count_as(&db, &n.recipient_org, &referral).await, 0, "a cancelled draft was never sent");
    // Sent, it is the recipient's too.
    let sent = id(
        &n.refer(&n.advocate, "sent", json!({ "clientId": client, "shareFields": ["NAME"], "send": false })).await,
        "createReferral",
    );
    n.app
        .data_as(
            &n.advocate,
            "mutation($id: ID!) { transitionReferral(id: $id, to: SENT) { status } }",
            json!({ "id": sent }),
        )
        .await;
    let sent_row = format!("SELECT count(*) FROM referrals WHERE id = '{sent}'");
    assert_eq!(count_as(&db, &n.recipient_org, &sent_row).await, 1);
}
