//! Who has room tonight (issue 18): capacity figures, who may set them (allowed and
//! denied, in the domain and in the database), freshness to the second, holds racing for
//! the last bed over real HTTP, a decline for no capacity, update links and API keys.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::error_code;
use crate::referrals::{Network, network};

const SET: &str = "mutation($s: ID!, $i: CapacityUpdate!) { setCapacity(serviceId: $s, input: $i) {
    unitCode state hasRoomNow available availableNow held status acceptingReferrals note ageSeconds stale source setByName version } }";

const READ: &str = "query($id: ID!) { provider(id: $id) { services { id capacity {
    unitCode state hasRoomNow available availableNow maximum held status note ageSeconds stale exact countyFips setAt setByName source } } } }";

const HOLD: &str =
    "mutation($r: ID!, $u: String!) { holdCapacity(referralId: $r, unitCode: $u) { id status expiresAt unitCode } }";

async fn provider_of(n: &Network) -> String {
    let db = n.app.sql().await;
    let row =
        db.query_one("SELECT provider_id::text FROM services WHERE id = $1::text::uuid", &[&n.service]).await.unwrap();
    row.get(0)
}

/// The service's figures as `token` (or anonymously) sees them, by unit.
async fn figures(n: &Network, token: Option<&str>) -> BTreeMap<String, Value> {
    let provider = provider_of(n).await;
    let body = match token {
        Some(t) => n.app.gql_as(t, READ, json!({ "id": provider })).await.1,
        None => n.app.gql(READ, json!({ "id": provider })).await,
    };
    assert!(body.get("errors").is_none(), "{body:#}");
    let services = body["data"]["provider"]["services"].as_array().unwrap().clone();
    let service = services.into_iter().find(|s| s["id"] == n.service.as_str()).unwrap();
    service["capacity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["unitCode"].as_str().unwrap().to_owned(), c.clone()))
        .collect()
}

async fn set(n: &Network, token: &str, input: Value) -> (u16, Value) {
    n.app.gql_as(token, SET, json!({ "s": n.service, "i": input })).await
}

async fn beds(n: &Network, available: i32, maximum: i32) {
    let (_, body) =
        set(n, &n.recipient_staff, json!({ "unitCode": "bed", "available": available, "maximum": maximum })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
}

/// A referral sent by the advocate to the shelter's service, without personal data.
async fn referral(n: &Network) -> String {
    let body = n.refer(&n.advocate, &uuid::Uuid::new_v4().to_string(), json!({})).await;
    body["data"]["createReferral"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn transition(n: &Network, token: &str, referral: &str, to: &str, reason: Option<&str>) -> Value {
    n.app
        .data_as(
            token,
            "mutation($id: ID!, $to: ReferralStatus!, $r: DeclineReason) { transitionReferral(id: $id, to: $to, reason: $r) { status } }",
            json!({ "id": referral, "to": to, "r": reason }),
        )
        .await
}

#[tokio::test]
async fn provider_staff_set_figures_and_everyone_sees_them_with_their_age() {
    let n = network().await;
    let (status, body) = set(
        &n,
        &n.recipient_staff,
        json!({ "unitCode": "bed", "available": 3, "maximum": 10, "note": "Ground floor free" }),
    )
    .await;
    assert_eq!(status, 200);
    let bed = &body["data"]["setCapacity"][0];
    assert_eq!(bed["state"], "ROOM_NOW");
    assert_eq!(bed["status"], "AVAILABLE");
    assert_eq!(bed["source"], "STAFF");
    assert_eq!(bed["setByName"], "Pat Example (fake)");
    // One action: the +/− buttons.
    let (_, body) = set(&n, &n.recipient_staff, json!({ "unitCode": "bed", "adjustBy": -1 })).await;
    assert_eq!(body["data"]["setCapacity"][0]["available"], 2);
    assert_eq!(body["data"]["setCapacity"][0]["note"], "Ground floor free");
    let (_, body) = set(&n, &n.recipient_staff, json!({ "unitCode": "bed", "adjustBy": -3 })).await;
    assert_eq!(
        (error_code(&body), body["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.adjustBy"))
    );
    let (_, body) = set(&n, &n.recipient_staff, json!({ "unitCode": "bed", "available": 11 })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "more than the maximum");
    let (_, body) = set(&n, &n.recipient_staff, json!({ "unitCode": "spaceship", "available": 1 })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.unitCode");

    // Anyone sees the figure and its age; only insiders see who set it.
    let public = figures(&n, None).await;
    assert_eq!(public["bed"]["availableNow"], 2);
    assert_eq!(public["bed"]["exact"], true);
    assert!(public["bed"]["ageSeconds"].as_i64().unwrap() < 60);
    assert_eq!(public["bed"]["setByName"], Value::Null);
    assert_eq!(figures(&n, Some(&n.recipient_staff)).await["bed"]["setByName"], "Pat Example (fake)");

    // The switch overrides the counts; the status can be set apart from the count.
    set(&n, &n.recipient_staff, json!({ "unitCode": "bed", "acceptingReferrals": false })).await;
    assert_eq!(figures(&n, None).await["bed"]["state"], "NOT_ACCEPTING");
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 0);
    set(&n, &n.recipient_staff, json!({ "unitCode": "bed", "acceptingReferrals": true, "status": "WAITLIST" })).await;
    assert_eq!(figures(&n, None).await["bed"]["state"], "WAITLIST");

    // The history holds every change, newest first, for the keeping organization.
    let history = n
        .app
        .data_as(
            &n.recipient_staff,
            "query($s: ID!) { capacityHistory(serviceId: $s) { unitCode available status acceptingReferrals source } }",
            json!({ "s": n.service }),
        )
        .await;
    let history = history["capacityHistory"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[0]["status"], "WAITLIST");
    assert_eq!(history[3]["available"], 3);
    let (_, denied) = n
        .app
        .gql_as(
            &n.outsider_staff,
            "query($s: ID!) { capacityHistory(serviceId: $s) { available } }",
            json!({ "s": n.service }),
        )
        .await;
    assert_eq!(error_code(&denied), "FORBIDDEN");
}

#[tokio::test]
async fn only_the_keeping_organizations_staff_and_network_admins_set_figures() {
    let n = network().await;
    let input = json!({ "unitCode": "bed", "available": 2 });
    // Another organization's provider staff, lower roles (in the keeping organization and
    // elsewhere), anonymous callers: refused, and nothing is written.
    let (_, _, recipient_coordinator) = n.app.member(&n.admin, &n.recipient_org, "COORDINATOR").await;
    let (_, _, recipient_mdt) = n.app.member(&n.admin, &n.recipient_org, "MDT_VIEWER").await;
    for token in [&n.outsider_staff, &n.advocate, &n.coordinator, &recipient_coordinator, &recipient_mdt] {
        let (_, body) = set(&n, token, input.clone()).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }
    let anonymous = n.app.gql(SET, json!({ "s": n.service, "i": input })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert!(figures(&n, None).await.is_empty());
    let (_, body) = n
        .app
        .gql_as(
            &n.outsider_staff,
            "mutation($s: ID!) { createCapacityUpdateLink(serviceId: $s, label: \"x\") { token } }",
            json!({ "s": n.service }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let (_, body) = n
        .app
        .gql_as(
            &n.outsider_staff,
            "mutation($s: ID!) { confirmCapacity(serviceId: $s) { state } }",
            json!({ "s": n.service }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    // The keeping organization's staff, a network admin, and the shelter's own system
    // with a provider-staff API key: allowed.
    assert!(set(&n, &n.recipient_staff, input.clone()).await.1.get("errors").is_none());
    assert!(set(&n, &n.admin, json!({ "unitCode": "family_room", "available": 1 })).await.1.get("errors").is_none());
    let key = n
        .app
        .data_as(&n.admin, "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: PROVIDER_STAFF, label: \"Bed board\" }) { key } }",
            json!({ "o": n.recipient_org }))
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = set(&n, &key, json!({ "unitCode": "bed", "available": 4 })).await;
    assert_eq!(body["data"]["setCapacity"][0]["source"], "API_KEY", "{body}");
    let outsider_key = n
        .app
        .data_as(&n.admin, "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: PROVIDER_STAFF, label: \"Other board\" }) { key } }",
            json!({ "o": n.outsider_org }))
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(error_code(&set(&n, &outsider_key, json!({ "unitCode": "bed", "available": 9 })).await.1), "FORBIDDEN");
    // Unit kinds are the network admin's.
    let kinds = "mutation { createCapacityUnitKind(code: \"crib\", input: { name: \"Crib\", staleAfterMinutes: 360 }) { code staleAfterMinutes } }";
    assert_eq!(error_code(&n.app.gql_as(&n.recipient_staff, kinds, json!({})).await.1), "FORBIDDEN");
    assert_eq!(n.app.data_as(&n.admin, kinds, json!({})).await["createCapacityUnitKind"]["staleAfterMinutes"], 360);
}

/// Runs `sql` as the service role acting for `org` (and no user), then rolls back.
async fn as_org(url: &str, org: &str, sql: &str) -> Result<u64, String> {
    let (db, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    db.batch_execute("BEGIN").await.unwrap();
    db.execute("SELECT set_config('app.org_id', $1, true)", &[&org]).await.unwrap();
    let result = db.execute(sql, &[]).await.map_err(|e| e.code().map(|c| c.code().to_owned()).unwrap_or_default());
    db.batch_execute("ROLLBACK").await.unwrap();
    result
}

#[tokio::test]
async fn the_database_refuses_figures_for_another_organizations_service_and_keeps_history() {
    let n = network().await;
    beds(&n, 2, 5).await;
    let url = &n.app.app_db_url;
    let insert = format!(
        "INSERT INTO service_capacity (service_id, provider_id, unit_code, available, status, source)
         SELECT id, provider_id, 'family_room', 1, 'AVAILABLE', 'STAFF' FROM services WHERE id = '{}'",
        n.service
    );
    // (A change names who makes it: here nobody, as through an update link.)
    let update = format!("UPDATE service_capacity SET available = 0, set_by = NULL WHERE service_id = '{}'", n.service);
    // Another organization: refused (42501) or no row to touch; the keeping one: written.
    assert_eq!(as_org(url, &n.outsider_org, &insert).await, Err("42501".into()));
    assert_eq!(as_org(url, &n.outsider_org, &update).await, Ok(0));
    assert_eq!(as_org(url, "", &update).await, Ok(0));
    assert_eq!(as_org(url, &n.recipient_org, &insert).await, Ok(1));
    assert_eq!(as_org(url, &n.recipient_org, &update).await, Ok(1));
    // History: the service role reads only the keeping organization's, and nobody — the
    // tables' owner included — changes or deletes it.
    let history = "SELECT count(*) FROM service_capacity_history";
    let count = |org: String| async move {
        let (db, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        db.batch_execute("BEGIN").await.unwrap();
        db.execute("SELECT set_config('app.org_id', $1, true)", &[&org]).await.unwrap();
        let n: i64 = db.query_one(history, &[]).await.unwrap().get(0);
        n
    };
    assert_eq!(count(n.recipient_org.clone()).await, 1);
    assert_eq!(count(n.outsider_org.clone()).await, 0);
    for sql in ["UPDATE service_capacity_history SET available = 9", "DELETE FROM service_capacity_history"] {
        assert_eq!(as_org(url, &n.recipient_org, sql).await, Err("42501".into()), "{sql}");
        let owner = n.app.sql().await;
        let refused = owner.execute(sql, &[]).await.unwrap_err();
        assert_eq!(refused.code().unwrap().code(), "42501", "{sql} as the owner");
    }
    // A hold is placed only in one's own name.
    let referral = referral(&n).await;
    let place = format!(
        "INSERT INTO capacity_holds (capacity_id, referral_id, organization_id, expires_at)
         SELECT c.id, '{referral}', '{}', now() + interval '1 hour' FROM service_capacity c WHERE c.service_id = '{}'",
        n.sender_org, n.service
    );
    assert_eq!(as_org(url, &n.outsider_org, &place).await, Err("42501".into()));
    assert_eq!(as_org(url, &n.sender_org, &place).await, Ok(1));
}

#[tokio::test]
async fn a_figure_is_fresh_up_to_its_limit_and_call_to_confirm_after_and_staff_hear_of_it() {
    let n = network().await;
    beds(&n, 2, 5).await;
    let db = n.app.sql().await;
    let age = |seconds: i64| {
        let db = &db;
        let service = n.service.clone();
        async move {
            db.execute(
                "UPDATE service_capacity SET set_at = now() - make_interval(secs => $1) WHERE service_id = $2::text::uuid",
                &[&(seconds as f64), &service],
            )
            .await
            .unwrap();
        }
    };
    // Beds: 12 hours. Two seconds before the limit: fresh, counted. One second past: call
    // to confirm, not counted (a request takes well under a second here).
    age(12 * 3600 - 2).await;
    let bed = figures(&n, None).await["bed"].clone();
    assert_eq!(
        (bed["state"].as_str(), bed["stale"].as_bool(), bed["availableNow"].as_i64()),
        (Some("ROOM_NOW"), Some(false), Some(2))
    );
    assert!((12 * 3600 - 2..12 * 3600 + 2).contains(&bed["ageSeconds"].as_i64().unwrap()));
    let search = "query($f: ProviderFilter) { searchProviders(filter: $f, first: 100) { nodes { provider { id } } } }";
    let _ = search;
    age(12 * 3600 + 1).await;
    let bed = figures(&n, None).await["bed"].clone();
    assert_eq!(
        (bed["state"].as_str(), bed["stale"].as_bool(), bed["availableNow"].as_i64()),
        (Some("CALL_TO_CONFIRM"), Some(true), Some(0))
    );
    // No hold on a stale figure.
    let r = referral(&n).await;
    let (_, body) = n.app.gql_as(&n.advocate, HOLD, json!({ "r": r, "u": "bed" })).await;
    assert_eq!(error_code(&body), "CONFLICT");

    // The keeping organization hears once per stale figure, ids only.
    let tick = || async {
        let pool = lantern::db::pool(&n.app.app_db_url, 1, 5_000).unwrap();
        let mut conn = pool.get().await.unwrap();
        lantern::notify::scheduler::tick(&mut conn).await.unwrap()
    };
    tick().await;
    tick().await;
    let rows = db
        .query(
            "SELECT organization_id::text, payload::text FROM outbox_events WHERE event_type = 'capacity.stale'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), n.recipient_org);
    let payload: Value = serde_json::from_str(&rows[0].get::<_, String>(1)).unwrap();
    assert_eq!(payload["serviceId"], n.service.as_str());
    assert_eq!(payload.as_object().unwrap().len(), 3, "ids only: {payload}");
    // Confirming makes it fresh again; it is announced again only once stale again.
    n.app
        .data_as(
            &n.recipient_staff,
            "mutation($s: ID!) { confirmCapacity(serviceId: $s) { state } }",
            json!({ "s": n.service }),
        )
        .await;
    assert_eq!(figures(&n, None).await["bed"]["state"], "ROOM_NOW");
    tick().await;
    let stale: i64 = db
        .query_one("SELECT count(*) FROM outbox_events WHERE event_type = 'capacity.stale'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stale, 1);
    // The network admin sets each unit's limit.
    let kind = n
        .app
        .data_as(&n.admin, "mutation { updateCapacityUnitKind(code: \"bed\", version: 1, input: { staleAfterMinutes: 60 }) { staleAfterMinutes } }", json!({}))
        .await;
    assert_eq!(kind["updateCapacityUnitKind"]["staleAfterMinutes"], 60);
    age(3601).await;
    assert_eq!(figures(&n, None).await["bed"]["state"], "CALL_TO_CONFIRM");
}

#[tokio::test]
async fn twenty_concurrent_holds_on_the_last_bed_exactly_one_succeeds() {
    let n = network().await;
    beds(&n, 1, 4).await;
    let mut referrals = Vec::new();
    for _ in 0..20 {
        referrals.push(referral(&n).await);
    }
    let attempts = referrals.iter().map(|r| n.app.gql_as(&n.advocate, HOLD, json!({ "r": r, "u": "bed" })));
    let answers = futures_util::future::join_all(attempts).await;
    let won: Vec<&Value> = answers.iter().filter(|(_, b)| b.get("errors").is_none()).map(|(_, b)| b).collect();
    assert_eq!(won.len(), 1, "{answers:#?}");
    for (status, body) in &answers {
        assert_eq!(*status, 200);
        if body.get("errors").is_some() {
            assert_eq!(error_code(body), "CONFLICT", "{body}");
        }
    }
    let hold = won[0]["data"]["holdCapacity"].clone();
    assert_eq!(hold["status"], "ACTIVE");
    let expires: chrono::DateTime<chrono::Utc> = hold["expiresAt"].as_str().unwrap().parse().unwrap();
    let minutes = (expires - chrono::Utc::now()).num_minutes();
    assert!((118..=120).contains(&minutes), "default 2 hours: {minutes}");
    let bed = figures(&n, Some(&n.advocate)).await["bed"].clone();
    assert_eq!(
        (bed["available"].as_i64(), bed["held"].as_i64(), bed["availableNow"].as_i64()),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(bed["state"], "NO_CAPACITY");
    assert_eq!(figures(&n, None).await["bed"]["hasRoomNow"], false);
}

#[tokio::test]
async fn accepting_converts_a_hold_and_declining_cancelling_or_expiry_release_it() {
    let n = network().await;
    beds(&n, 2, 4).await;
    let holds_of = |r: String| {
        let n = &n;
        async move {
            n.app
                .data_as(
                    &n.advocate,
                    "query($r: ID) { capacityHolds(referralId: $r) { status endReason } }",
                    json!({ "r": r }),
                )
                .await["capacityHolds"][0]
                .clone()
        }
    };
    // Declined: released, the figure unchanged.
    let a = referral(&n).await;
    assert!(n.app.gql_as(&n.advocate, HOLD, json!({ "r": a, "u": "bed" })).await.1.get("errors").is_none());
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 1);
    transition(&n, &n.recipient_staff, &a, "DECLINED", Some("NOT_ELIGIBLE")).await;
    assert_eq!(holds_of(a).await["endReason"], "DECLINED");
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 2);
    // Cancelled by the sender: released.
    let b = referral(&n).await;
    n.app.data_as(&n.advocate, HOLD, json!({ "r": b, "u": "bed" })).await;
    transition(&n, &n.advocate, &b, "CANCELLED", None).await;
    assert_eq!(holds_of(b).await["status"], "RELEASED");
    // Expired: the unit is free again at once, and the referral may hold anew.
    let c = referral(&n).await;
    n.app.data_as(&n.advocate, HOLD, json!({ "r": c, "u": "bed" })).await;
    let db = n.app.sql().await;
    db.execute(
        "UPDATE capacity_holds SET created_at = now() - interval '3 hours', expires_at = now() - interval '1 second' WHERE referral_id = $1::text::uuid",
        &[&c],
    )
    .await
    .unwrap();
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 2);
    assert_eq!(holds_of(c.clone()).await["status"], "EXPIRED");
    // Accepted: converted, the unit taken.
    n.app.data_as(&n.advocate, HOLD, json!({ "r": c, "u": "bed" })).await;
    // The network admin's hold time applies to new holds.
    let settings = n.app.data_as(&n.admin, "{ networkSettings { version capacityHoldMinutes } }", json!({})).await;
    assert_eq!(settings["networkSettings"]["capacityHoldMinutes"], 120);
    transition(&n, &n.recipient_staff, &c, "ACCEPTED", None).await;
    assert_eq!(holds_of(c.clone()).await["status"], "CONVERTED");
    let bed = figures(&n, Some(&n.recipient_staff)).await["bed"].clone();
    assert_eq!(
        (bed["available"].as_i64(), bed["availableNow"].as_i64(), bed["source"].as_str()),
        (Some(1), Some(1), Some("REFERRAL_ACCEPTED"))
    );
    // Only the holder or the keeping staff release a hold.
    let d = referral(&n).await;
    let hold = n.app.data_as(&n.advocate, HOLD, json!({ "r": d, "u": "bed" })).await["holdCapacity"]["id"].clone();
    let release = "mutation($id: ID!) { releaseCapacityHold(id: $id) { status endReason } }";
    assert_eq!(error_code(&n.app.gql_as(&n.outsider_advocate, release, json!({ "id": hold })).await.1), "NOT_FOUND");
    let released = n.app.data_as(&n.recipient_staff, release, json!({ "id": hold })).await;
    assert_eq!(released["releaseCapacityHold"]["status"], "RELEASED");
    let v = settings["networkSettings"]["version"].clone();
    let changed = n
        .app
        .data_as(&n.admin, "mutation($v: Int!) { updateNetworkSettings(version: $v, input: { capacityHoldMinutes: 30 }) { capacityHoldMinutes } }",
            json!({ "v": v }))
        .await;
    assert_eq!(changed["updateNetworkSettings"]["capacityHoldMinutes"], 30);
    let e = referral(&n).await;
    let hold = n.app.data_as(&n.advocate, HOLD, json!({ "r": e, "u": "bed" })).await;
    let expires: chrono::DateTime<chrono::Utc> = hold["holdCapacity"]["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!((28..=30).contains(&(expires - chrono::Utc::now()).num_minutes()));
    // Another organization cannot hold for a referral it did not send.
    let (_, body) = n.app.gql_as(&n.outsider_advocate, HOLD, json!({ "r": d, "u": "bed" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let (_, body) = n.app.gql_as(&n.sender_mdt, HOLD, json!({ "r": d, "u": "bed" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn declining_for_no_capacity_records_that_the_service_had_none() {
    let n = network().await;
    beds(&n, 2, 4).await;
    let r = referral(&n).await;
    transition(&n, &n.recipient_staff, &r, "DECLINED", Some("NO_CAPACITY")).await;
    let bed = figures(&n, Some(&n.recipient_staff)).await["bed"].clone();
    assert_eq!(
        (bed["status"].as_str(), bed["available"].as_i64(), bed["source"].as_str()),
        (Some("NO_CAPACITY"), Some(0), Some("REFERRAL_DECLINED"))
    );
    let history = n
        .app
        .data_as(
            &n.recipient_staff,
            "query($s: ID!) { capacityHistory(serviceId: $s, first: 1) { status source referralId } }",
            json!({ "s": n.service }),
        )
        .await;
    assert_eq!(history["capacityHistory"][0]["referralId"], r.as_str());
    assert_eq!(history["capacityHistory"][0]["status"], "NO_CAPACITY");
}

#[tokio::test]
async fn a_confidential_shelters_figures_are_shown_as_for_its_county() {
    let n = network().await;
    let provider = provider_of(&n).await;
    n.app
        .data_as(&n.recipient_staff, "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 34.7229, longitude: -76.7260, confidential: true }) { id } }",
            json!({ "p": provider }))
        .await;
    set(&n, &n.recipient_staff, json!({ "unitCode": "bed", "available": 3, "maximum": 12, "note": "Two rooms" })).await;
    for token in [None, Some(n.outsider_staff.as_str()), Some(n.sender_mdt.as_str())] {
        let bed = figures(&n, token).await["bed"].clone();
        assert_eq!(bed["exact"], false);
        assert_eq!(bed["state"], "ROOM_NOW");
        assert_eq!(bed["countyFips"], "37031", "Carteret");
        for hidden in ["available", "availableNow", "maximum", "held", "status", "note", "setAt", "setByName", "source"]
        {
            assert_eq!(bed[hidden], Value::Null, "{hidden} withheld");
        }
        assert_eq!(bed["ageSeconds"].as_i64().unwrap() % 3600, 0, "age in whole hours");
    }
    for token in [&n.advocate, &n.recipient_staff] {
        let bed = figures(&n, Some(token)).await["bed"].clone();
        assert_eq!((bed["exact"].as_bool(), bed["available"].as_i64()), (Some(true), Some(3)));
    }
}

const OPEN: &str = "query($t: String!) { capacityByUpdateLink(token: $t) { serviceName providerName capacity { unitCode available } } }";
const UPDATE: &str = "mutation($t: String!, $i: [CapacityUpdate!]!) { updateCapacityByLink(token: $t, input: $i) { capacity { unitCode available source setByName } } }";

#[tokio::test]
async fn an_update_link_sets_one_services_figures_until_it_expires_or_is_revoked() {
    let n = network().await;
    beds(&n, 1, 6).await;
    let made = n
        .app
        .data_as(&n.recipient_staff, "mutation($s: ID!) { createCapacityUpdateLink(serviceId: $s, label: \"Night desk\", expiresInHours: 12) { token path link { id active expiresAt } } }",
            json!({ "s": n.service }))
        .await["createCapacityUpdateLink"]
        .clone();
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(made["path"].as_str().unwrap().starts_with("/capacity/update#lcu_"), "the token rides in the fragment");
    // Without signing in: open it and set tonight's beds.
    let opened = n.app.data(OPEN, json!({ "t": token })).await;
    assert_eq!(opened["capacityByUpdateLink"]["capacity"][0]["available"], 1);
    let updated = n.app.data(UPDATE, json!({ "t": token, "i": [{ "unitCode": "bed", "available": 4 }] })).await;
    let bed = &updated["updateCapacityByLink"]["capacity"][0];
    assert_eq!((bed["available"].as_i64(), bed["source"].as_str()), (Some(4), Some("UPDATE_LINK")));
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 4);
    // Every use is audited, against the link, in the keeping organization, by nobody in
    // particular; the token is stored only hashed.
    let db = n.app.sql().await;
    let link_id = made["link"]["id"].as_str().unwrap();
    let audited: Vec<String> = db
        .query(
            "SELECT action FROM audit_log WHERE target_id = $1 AND organization_id = $2::text::uuid AND actor_user_id IS NULL ORDER BY id",
            &[&link_id, &n.recipient_org],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(audited, ["capacity.update_link.open", "capacity.update_link.use"]);
    let stored: i64 = db
        .query_one(
            "SELECT count(*) FROM capacity_update_links WHERE position($1::text::bytea IN token_hash) > 0",
            &[&token],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
    // Single purpose: no bearer token, nothing but its own service.
    let (status, _) = n.app.gql_as(&token, "{ me { id } }", json!({})).await;
    assert_eq!(status, 401);
    let (status, _) =
        n.app.gql_as(&token, SET, json!({ "s": n.service, "i": { "unitCode": "bed", "available": 0 } })).await;
    assert_eq!(status, 401);
    let links = n
        .app
        .data_as(
            &n.recipient_staff,
            "query($s: ID!) { capacityUpdateLinks(serviceId: $s) { id uses active } }",
            json!({ "s": n.service }),
        )
        .await;
    assert_eq!(links["capacityUpdateLinks"][0]["uses"], 1);
    // Revoked: refused at once, the same answer as an unknown token.
    let revoke = "mutation($id: ID!) { revokeCapacityUpdateLink(id: $id) { active revokedAt } }";
    assert_eq!(error_code(&n.app.gql_as(&n.outsider_staff, revoke, json!({ "id": link_id })).await.1), "FORBIDDEN");
    n.app.data_as(&n.recipient_staff, revoke, json!({ "id": link_id })).await;
    let refused = n.app.gql(UPDATE, json!({ "t": token, "i": [{ "unitCode": "bed", "available": 0 }] })).await;
    assert_eq!(
        (error_code(&refused), refused["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("token"))
    );
    let unknown = n.app.gql(OPEN, json!({ "t": "lcu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).await;
    assert_eq!(refused["errors"][0]["message"], unknown["errors"][0]["message"]);
    // Expired: refused.
    let second = n
        .app
        .data_as(
            &n.recipient_staff,
            "mutation($s: ID!) { createCapacityUpdateLink(serviceId: $s, label: \"Weekend\") { token link { id } } }",
            json!({ "s": n.service }),
        )
        .await["createCapacityUpdateLink"]
        .clone();
    let t2 = second["token"].as_str().unwrap();
    assert!(n.app.gql(OPEN, json!({ "t": t2 })).await.get("errors").is_none());
    db.execute(
        "UPDATE capacity_update_links SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = $1::text::uuid",
        &[&second["link"]["id"].as_str().unwrap()],
    )
    .await
    .unwrap();
    assert_eq!(error_code(&n.app.gql(OPEN, json!({ "t": t2 })).await), "BAD_USER_INPUT");
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 4, "nothing written through a dead link");
}

#[tokio::test]
async fn an_update_link_is_rate_limited() {
    let n = network().await;
    beds(&n, 1, 6).await;
    let token = n
        .app
        .data_as(
            &n.recipient_staff,
            "mutation($s: ID!) { createCapacityUpdateLink(serviceId: $s, label: \"Night desk\") { token } }",
            json!({ "s": n.service }),
        )
        .await["createCapacityUpdateLink"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..lantern::capacity::links::USES_PER_MINUTE {
        assert!(n.app.gql(OPEN, json!({ "t": token })).await.get("errors").is_none());
    }
    let limited = n
        .app
        .client
        .post(format!("{}/graphql", n.app.base_url))
        .json(&json!({ "query": UPDATE, "variables": { "t": token, "i": [{ "unitCode": "bed", "available": 0 }] } }))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let body: Value = limited.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(body["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap() > 0);
    assert_eq!(figures(&n, None).await["bed"]["availableNow"], 1, "nothing written over the limit");
}

const NEAR: &str = "query($f: ProviderFilter, $a: String) { searchProviders(filter: $f, first: 100, after: $a) {
    nodes { provider { id } distanceKm serviceAreaMatch } pageInfo { hasNextPage endCursor } } }";

/// Every hit of a search, following cursors.
async fn all_hits(app: &crate::common::TestApp, filter: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app.data(NEAR, json!({ "f": filter, "a": after })).await["searchProviders"].clone();
        out.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

#[tokio::test]
async fn has_capacity_finds_who_has_room_now_from_the_index_as_postgresql_does() {
    let n = network().await;
    let provider = provider_of(&n).await;
    n.app
        .data_as(&n.recipient_staff, "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.7796, longitude: -78.6382 }) { id } }",
            json!({ "p": provider }))
        .await;
    // A varied sample directory: a third of the services with figures — fresh or stale,
    // some with room, some full, on a waitlist or closed — set beside the API.
    let db = n.app.sql().await;
    db.batch_execute(
        "INSERT INTO service_capacity (service_id, provider_id, unit_code, available, maximum, status, accepting_referrals, set_at, source)
         SELECT s.id, s.provider_id, (ARRAY['bed', 'family_room', 'appointment_slot'])[1 + abs(hashtext(s.id::text)) % 3],
                abs(hashtext(s.id::text || 'a')) % 3, 5,
                (ARRAY['AVAILABLE', 'AVAILABLE', 'WAITLIST', 'NO_CAPACITY'])[1 + abs(hashtext(s.id::text || 's')) % 4],
                abs(hashtext(s.id::text || 'o')) % 5 <> 0,
                now() - make_interval(mins => abs(hashtext(s.id::text || 't')) % 1800), 'STAFF'
         FROM services s JOIN providers p ON p.id = s.provider_id
         WHERE p.synthetic AND abs(hashtext(s.id::text)) % 3 = 0",
    )
    .await
    .unwrap();
    // Through the API: the writer's next search sees it (and the index has the above).
    beds(&n, 1, 4).await;
    let postgres = n
        .app
        .spawn_beside(lantern::startup::ServerOptions {
            rate_limits: crate::common::NO_LIMITS,
            search_index: false,
            ..Default::default()
        })
        .await;
    assert_eq!(n.app.search_index_state().await, "ready");

    let raleigh = json!({ "lat": 35.7796, "lon": -78.6382 });
    let filters = |has: bool| {
        vec![
            json!({ "hasCapacity": has, "near": raleigh, "radiusKm": 60 }),
            json!({ "hasCapacity": has, "near": raleigh, "needs": ["acute.housing"] }),
            json!({ "hasCapacity": has, "near": { "lat": 35.2271, "lon": -80.8431 }, "radiusKm": 200, "languages": ["es"] }),
            json!({ "hasCapacity": has, "needs": ["acute.housing", "transitional.housing"] }),
            json!({ "hasCapacity": has, "county": "37183" }),
        ]
    };
    let compare = |label: &'static str| {
        let (n, postgres) = (&n, &postgres);
        async move {
            let mut with_room = 0;
            for has in [true, false] {
                for f in filters(has) {
                    let from_index = all_hits(&n.app, f.clone()).await;
                    let from_postgres = all_hits(postgres, f.clone()).await;
                    assert_eq!(from_index, from_postgres, "{label}: {f}");
                    if has {
                        with_room += from_index.len();
                    }
                }
            }
            with_room
        }
    };
    assert!(compare("figures as set").await > 5, "the fixture gives some room");
    let ours = |hits: Vec<Value>| hits.iter().any(|h| h["provider"]["id"] == provider.as_str());
    let near_room = json!({ "hasCapacity": true, "near": raleigh, "radiusKm": 5, "needs": ["acute.housing"] });
    let near_none = json!({ "hasCapacity": false, "near": raleigh, "radiusKm": 5, "needs": ["acute.housing"] });
    assert!(ours(all_hits(&n.app, near_room.clone()).await));
    // Another need of the shelter's service still counts; a need it does not meet does not.
    assert!(!ours(
        all_hits(&n.app, json!({ "hasCapacity": true, "near": raleigh, "needs": ["long_term.education"] })).await
    ));

    // The last bed held: no room now, at once, in both.
    let r = referral(&n).await;
    n.app.data_as(&n.advocate, HOLD, json!({ "r": r, "u": "bed" })).await;
    assert!(!ours(all_hits(&n.app, near_room.clone()).await));
    assert!(ours(all_hits(&n.app, near_none.clone()).await));
    assert!(!ours(all_hits(&postgres, near_room.clone()).await));
    // Its hold expired (set beside the API, then announced by a write): room again, with
    // no change to the figure — the index weighs holds against the clock.
    db.execute(
        "UPDATE capacity_holds SET created_at = now() - interval '3 hours', expires_at = now() + interval '3 seconds'",
        &[],
    )
    .await
    .unwrap();
    set(&n, &n.recipient_staff, json!({ "unitCode": "family_room", "available": 0 })).await;
    assert!(!ours(all_hits(&n.app, near_room.clone()).await));
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert!(ours(all_hits(&n.app, near_room.clone()).await), "the hold's expiry frees the bed in the index");
    assert!(ours(all_hits(&postgres, near_room.clone()).await));
    // Stale: call to confirm, not room now.
    db.execute("UPDATE service_capacity SET set_at = now() - interval '13 hours' WHERE unit_code = 'bed' AND service_id = $1::text::uuid", &[&n.service])
        .await
        .unwrap();
    set(&n, &n.recipient_staff, json!({ "unitCode": "family_room", "available": 0 })).await;
    assert!(!ours(all_hits(&n.app, near_room.clone()).await));
    assert!(ours(all_hits(&n.app, near_none).await));
    compare("after holds and staleness").await;

    // The county gap map's "room now" view: Wake has providers of emergency housing, and
    // now none with room (the shelter's bed is stale); a fresh bed gives it room again.
    let view = "query($n: String!) { capacityRoomNow(need: $n) { countyFips providerCount withRoomNow status } }";
    let wake = |data: Value| {
        data["capacityRoomNow"].as_array().unwrap().iter().find(|c| c["countyFips"] == "37183").unwrap().clone()
    };
    assert_eq!(error_code(&n.app.gql(view, json!({ "n": "acute.housing" })).await), "UNAUTHENTICATED");
    let before = wake(n.app.data_as(&n.advocate, view, json!({ "n": "acute.housing" })).await);
    assert!(before["providerCount"].as_i64().unwrap() > 0);
    beds(&n, 2, 4).await;
    let after = wake(n.app.data_as(&n.advocate, view, json!({ "n": "acute.housing" })).await);
    assert_eq!(after["withRoomNow"].as_i64().unwrap(), before["withRoomNow"].as_i64().unwrap() + 1);
    assert_eq!(after["status"], "ROOM_NOW");
    let all = n.app.data_as(&n.advocate, view, json!({ "n": "acute.housing" })).await;
    assert_eq!(all["capacityRoomNow"].as_array().unwrap().len(), 100);
    assert_eq!(error_code(&n.app.gql_as(&n.advocate, view, json!({ "n": "acute.nothing" })).await.1), "BAD_USER_INPUT");
    assert_eq!(n.app.search_index_state().await, "ready", "and the index answered");
}

#[tokio::test]
async fn an_update_links_token_never_reaches_the_log_or_the_database_in_clear() {
    use std::process::{Command, Stdio};
    let n = network().await;
    beds(&n, 1, 6).await;
    let token = n
        .app
        .data_as(
            &n.recipient_staff,
            "mutation($s: ID!) { createCapacityUpdateLink(serviceId: $s, label: \"Night desk\") { token } }",
            json!({ "s": n.service }),
        )
        .await["createCapacityUpdateLink"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The real binary, logging at trace level into a file.
    let log_path = std::env::temp_dir().join(format!("lantern-link-{}.log", uuid::Uuid::new_v4().simple()));
    let log = std::fs::File::create(&log_path).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("serve")
        .env("DATABASE_URL", &n.app.app_db_url)
        .env("LANTERN_MIGRATION_DATABASE_URL", &n.app.db_url)
        .env("LANTERN_PII_KEYS", lantern::crypto::Keyring::new_key_spec("link"))
        .env("LANTERN_ADDR", format!("127.0.0.1:{port}"))
        .env("LANTERN_LOG", "trace")
        .env("LANTERN_RATE_API_PER_IP", "0")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if n.app.client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let post = async |body: Value| -> Value {
        n.app
            .client
            .post(format!("http://127.0.0.1:{port}/graphql"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let opened = post(json!({ "query": OPEN, "variables": { "t": token } })).await;
    assert!(opened.get("errors").is_none(), "{opened}");
    let updated =
        post(json!({ "query": UPDATE, "variables": { "t": token, "i": [{ "unitCode": "bed", "available": 3 }] } }))
            .await;
    assert!(updated.get("errors").is_none(), "{updated}");
    // Misused: as a bearer token, inline in the query text, with a bad input.
    let _ = n
        .app
        .client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await;
    let _ = post(json!({ "query": format!("{{ capacityByUpdateLink(token: \"{token}\") {{ serviceName }} }}") })).await;
    let _ =
        post(json!({ "query": UPDATE, "variables": { "t": token, "i": [{ "unitCode": "bed", "available": -1 }] } }))
            .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(logs.contains("request"), "the binary logged requests");
    let secret = token.trim_start_matches(lantern::capacity::links::TOKEN_PREFIX);
    assert!(!logs.contains(secret), "the token is in the log");
    // Nor anywhere in the database in clear: links, audit, history, events.
    let db = n.app.sql().await;
    for table in ["capacity_update_links", "audit_log", "service_capacity_history", "outbox_events"] {
        let found: i64 = db
            .query_one(&format!("SELECT count(*) FROM {table} t WHERE t::text LIKE '%' || $1 || '%'"), &[&secret])
            .await
            .unwrap()
            .get(0);
        assert_eq!(found, 0, "the token in {table}");
    }
}

/// The statements of a capacity change are hand-written SQL, which diesel would parse and
/// plan on every run; `db::prepared` keeps each one per connection, as diesel keeps its
/// own. Counted in PostgreSQL's own list of a connection's prepared statements.
#[tokio::test]
async fn hand_written_sql_run_through_prepared_is_kept_per_connection_and_binds_in_order() {
    use diesel::QueryableByName;
    use diesel::sql_types::{BigInt, Integer, Text};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use lantern::db::prepared::prepared;

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let app = crate::common::TestApp::spawn().await;
    let mut conn = AsyncPgConnection::establish(&app.db_url).await.unwrap();
    for _ in 0..3 {
        let kept: N = prepared("SELECT ($1::int - $2)::bigint AS n")
            .bind::<Integer, _>(5)
            .bind::<Integer, _>(3)
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(kept.n, 2, "the binds go to their placeholders in order");
        let unkept: N = diesel::sql_query("SELECT ($1::int + 1)::bigint AS n")
            .bind::<Integer, _>(1)
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(unkept.n, 2);
    }
    let kept_as = |text: &'static str| {
        prepared("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1").bind::<Text, _>(text)
    };
    let kept: N = kept_as("SELECT ($1::int - $2)::bigint AS n").get_result(&mut conn).await.unwrap();
    let unkept: N = kept_as("SELECT ($1::int + 1)::bigint AS n").get_result(&mut conn).await.unwrap();
    assert_eq!((kept.n, unkept.n), (1, 0), "prepared once and kept; sql_query's are planned every time");
    // Placeholders out of order are refused before anything reaches PostgreSQL.
    let misplaced = prepared("SELECT $2::int AS n").bind::<Integer, _>(1).execute(&mut conn).await;
    assert!(misplaced.is_err());
}
