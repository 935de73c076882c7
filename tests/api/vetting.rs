//! Vetting in the directory and in referral routing (issue 19, part two): the network's
//! requirement that referrals for a need go only to organizations vetted for a service
//! area, held by `createReferral`, by sending a draft and by the database; who may set it;
//! and vetting about to end surfacing as an event.

use lantern::startup::ServerOptions;
use serde_json::{Value, json};

use crate::common::{TestApp, error_code};
use crate::standards::{
    WAKE, World, accept_all, as_service, complete, listing, submitted, today, user_id, world, world_on,
};

const SET: &str = "mutation($n: String!, $a: StandardServiceArea) {
    setReferralVettingRequirement(needCode: $n, serviceArea: $a) { needCode serviceArea setBy } }";
const LIFT: &str = "mutation($n: String!) { liftReferralVettingRequirement(needCode: $n) }";
const REFER: &str = "mutation($k: String!, $i: ReferralCreate!) {
    createReferral(idempotencyKey: $k, input: $i) { id status } }";

/// The id of the (only) service of the (only) listing `org` keeps.
async fn service_of(app: &TestApp, admin: &str, org: &str) -> String {
    let data = app
        .data_as(
            admin,
            "query($o: ID!) { organization(id: $o) { providers { services { id } } } }",
            json!({ "o": org }),
        )
        .await;
    data["organization"]["providers"][0]["services"][0]["id"].as_str().unwrap().to_owned()
}

/// Refers (without personal data) to `service` for `need`, sent or as a draft.
async fn refer(app: &TestApp, token: &str, service: &str, need: &str, send: bool) -> Value {
    let key = uuid::Uuid::new_v4().to_string();
    app.gql_as(
        token,
        REFER,
        json!({ "k": key, "i": { "serviceId": service, "needCode": need, "urgency": "URGENT", "send": send } }),
    )
    .await
    .1
}

async fn referral_count(app: &TestApp) -> i64 {
    app.sql().await.query_one("SELECT count(*) FROM referrals", &[]).await.unwrap().get(0)
}

/// A second shelter, never reviewed: its organization and its service.
async fn unvetted_shelter(w: &World) -> (String, String) {
    let org = w.app.organization(&w.admin, "Unreviewed Shelter (test)").await;
    let (_, _, staff) = w.app.member(&w.admin, &org, "PROVIDER_STAFF").await;
    listing(&w.app, &staff, "Unreviewed Shelter (synthetic)", &["acute.housing"], None).await;
    let service = service_of(&w.app, &w.admin, &org).await;
    (org, service)
}

#[tokio::test]
async fn a_network_requiring_vetting_for_emergency_housing_refuses_an_unvetted_shelter_and_says_why() {
    let w = world().await;
    let app = &w.app;
    let shelter = service_of(app, &w.admin, &w.org_a).await;
    let (_, other_shelter) = unvetted_shelter(&w).await;
    // Without a requirement, anyone listed receives referrals; a draft waits to be sent.
    let draft = refer(app, &w.coord_b, &other_shelter, "acute.housing", false).await;
    assert!(draft.get("errors").is_none(), "{draft}");
    let draft = draft["data"]["createReferral"]["id"].as_str().unwrap().to_owned();

    let set = app.data_as(&w.admin, SET, json!({ "n": "acute.housing" })).await;
    assert_eq!(set["setReferralVettingRequirement"]["serviceArea"], "SHELTER_HOUSING", "the need's only area");
    assert_eq!(set["setReferralVettingRequirement"]["setBy"], user_id(app, &w.admin).await);
    let listed = app.data_as(&w.coord_b, "{ referralVettingRequirements { needCode serviceArea } }", json!({})).await;
    assert_eq!(
        listed["referralVettingRequirements"],
        json!([{ "needCode": "acute.housing", "serviceArea": "SHELTER_HOUSING" }])
    );

    // Refused, with a code and a reason; nothing written.
    let before = referral_count(app).await;
    for (service, label) in [(&shelter, "org A, not yet reviewed"), (&other_shelter, "never reviewed")] {
        let body = refer(app, &w.coord_b, service, "acute.housing", true).await;
        assert_eq!(error_code(&body), "VETTING_REQUIRED", "{label}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("acute.housing") && message.contains("SHELTER_HOUSING"), "{message}");
        assert!(message.contains("not vetted"), "{message}");
        let as_draft = refer(app, &w.coord_b, service, "acute.housing", false).await;
        assert_eq!(error_code(&as_draft), "VETTING_REQUIRED", "{label}, as a draft: {as_draft}");
    }
    assert_eq!(referral_count(app).await, before, "a refusal writes nothing");
    // The draft made before the requirement cannot be sent either.
    let send = app
        .gql_as(
            &w.coord_b,
            "mutation($id: ID!) { transitionReferral(id: $id, to: SENT) { status } }",
            json!({ "id": draft }),
        )
        .await
        .1;
    assert_eq!(error_code(&send), "VETTING_REQUIRED", "{send}");
    // Other needs of the same service are not covered by the requirement.
    let basic = refer(app, &w.coord_b, &shelter, "acute.basic_needs", true).await;
    assert!(basic.get("errors").is_none(), "{basic}");

    // Organization A completes its self-assessment and a reviewer accepts it: vetted.
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    let done = accept_all(app, &w.reviewer, &id).await;
    assert_eq!(done["outcome"]["serviceAreas"], json!(["HOTLINE", "CRISIS_RESPONSE", "SHELTER_HOUSING"]));
    let body = refer(app, &w.coord_b, &shelter, "acute.housing", true).await;
    assert_eq!(body["data"]["createReferral"]["status"], "SENT", "{body}");
    let still = refer(app, &w.coord_b, &other_shelter, "acute.housing", true).await;
    assert_eq!(error_code(&still), "VETTING_REQUIRED", "the other shelter is still not vetted");

    // Lifted: the unvetted shelter receives referrals again, the draft goes out.
    assert_eq!(
        app.data_as(&w.admin, LIFT, json!({ "n": "acute.housing" })).await["liftReferralVettingRequirement"],
        true
    );
    assert_eq!(
        app.data_as(&w.admin, LIFT, json!({ "n": "acute.housing" })).await["liftReferralVettingRequirement"],
        false
    );
    let body = refer(app, &w.coord_b, &other_shelter, "acute.housing", true).await;
    assert!(body.get("errors").is_none(), "{body}");
    let send = app
        .data_as(
            &w.coord_b,
            "mutation($id: ID!) { transitionReferral(id: $id, to: SENT) { status } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(send["transitionReferral"]["status"], "SENT");
}

#[tokio::test]
async fn vetting_counts_for_routing_from_its_first_day_through_its_last_exactly() {
    let w = world().await;
    let app = &w.app;
    let shelter = service_of(app, &w.admin, &w.org_a).await;
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    accept_all(app, &w.reviewer, &id).await;
    app.data_as(&w.admin, SET, json!({ "n": "acute.housing" })).await;
    let db = app.sql().await;
    // Moves the outcome's window relative to the network's day (the pool's current_date).
    let window = |from: i32, until: i32| {
        let db = &db;
        async move {
            db.execute(
                "UPDATE standards_outcomes SET valid_from = current_date + $1::int, valid_until = current_date + $2::int",
                &[&from, &until],
            )
            .await
            .unwrap();
        }
    };
    for (from, until, allowed, case) in [
        (-30, 0, true, "today is its last day"),
        (-30, -1, false, "it ended yesterday"),
        (0, 30, true, "today is its first day"),
        (1, 30, false, "it begins tomorrow"),
    ] {
        window(from, until).await;
        let body = refer(app, &w.coord_b, &shelter, "acute.housing", true).await;
        if allowed {
            assert!(body.get("errors").is_none(), "{case}: {body}");
        } else {
            assert_eq!(error_code(&body), "VETTING_REQUIRED", "{case}: {body}");
        }
        // The public answer agrees with the routing rule on the same day.
        let vetted = app
            .data("query($o: ID!) { vettedServiceAreas(organizationId: $o) { area } }", json!({ "o": w.org_a }))
            .await;
        let shelter_vetted =
            vetted["vettedServiceAreas"].as_array().unwrap().iter().any(|a| a["area"] == "SHELTER_HOUSING");
        assert_eq!(shelter_vetted, allowed, "{case}");
    }
}

#[tokio::test]
async fn only_signed_in_network_admins_set_requirements_and_only_areas_a_need_leads_to() {
    let w = world().await;
    let app = &w.app;
    // Anonymous callers, lower roles, any organization's coordinators: refused.
    let anonymous = app.gql(SET, json!({ "n": "acute.housing" })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.gql(LIFT, json!({ "n": "acute.housing" })).await), "UNAUTHENTICATED");
    assert_eq!(
        error_code(&app.gql("{ referralVettingRequirements { needCode } }", json!({})).await),
        "UNAUTHENTICATED"
    );
    for (token, who) in [
        (&w.coord_a, "a coordinator"),
        (&w.staff_a, "provider staff"),
        (&w.mdt_a, "an MDT viewer"),
        (&w.reviewer, "a reviewer"),
    ] {
        let (_, body) = app.gql_as(token, SET, json!({ "n": "acute.housing" })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body}");
        let (_, body) = app.gql_as(token, LIFT, json!({ "n": "acute.housing" })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body}");
    }
    // A network admin's API key is not a person: it does not set routing rules.
    let key = app
        .data_as(
            &w.admin,
            "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: NETWORK_ADMIN, label: \"integration\" }) { key } }",
            json!({ "o": admin_org(app, &w.admin).await }),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = app.gql_as(&key, SET, json!({ "n": "acute.housing" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(
        app.sql()
            .await
            .query_one("SELECT count(*) FROM referral_vetting_requirements", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        0
    );

    // Only an area the need leads to; a need leading to two names one.
    let field = |body: &Value| body["errors"][0]["extensions"]["field"].as_str().unwrap_or("").to_owned();
    for (vars, expected) in [
        (json!({ "n": "long_term.legal" }), "needCode"),
        (json!({ "n": "no.such_need" }), "needCode"),
        (json!({ "n": "acute.housing", "a": "HOTLINE" }), "serviceArea"),
        (json!({ "n": "acute.emergency_response_24h" }), "serviceArea"),
    ] {
        let (_, body) = app.gql_as(&w.admin, SET, vars.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{vars}: {body}");
        assert_eq!(field(&body), expected, "{vars}: {body}");
    }
    let set = app.data_as(&w.admin, SET, json!({ "n": "acute.emergency_response_24h", "a": "CRISIS_RESPONSE" })).await;
    assert_eq!(set["setReferralVettingRequirement"]["serviceArea"], "CRISIS_RESPONSE");
    let set = app.data_as(&w.admin, SET, json!({ "n": "acute.emergency_response_24h", "a": "HOTLINE" })).await;
    assert_eq!(set["setReferralVettingRequirement"]["serviceArea"], "HOTLINE", "a second call replaces the first");
    let audited: i64 = app
        .sql()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'referral_vetting.require'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 2, "every change is audited");
    // Every member reads them (senders learn where referrals can go).
    let read = app.data_as(&w.mdt_a, "{ referralVettingRequirements { needCode serviceArea } }", json!({})).await;
    assert_eq!(read["referralVettingRequirements"][0]["serviceArea"], "HOTLINE");
}

async fn admin_org(app: &TestApp, admin: &str) -> String {
    app.data_as(admin, "{ me { organization { id } } }", json!({})).await["me"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_database_holds_the_routing_rule_and_who_sets_it() {
    let w = world().await;
    let app = &w.app;
    app.data_as(&w.admin, SET, json!({ "n": "acute.housing" })).await;
    let (_, other_shelter) = unvetted_shelter(&w).await;
    let owner = app.sql().await;
    let provider: uuid::Uuid = owner
        .query_one("SELECT provider_id FROM services WHERE id = $1::text::uuid", &[&other_shelter])
        .await
        .unwrap()
        .get(0);
    let recipient: uuid::Uuid =
        owner.query_one("SELECT organization_id FROM providers WHERE id = $1", &[&provider]).await.unwrap().get(0);
    let (db, connection) = tokio_postgres::connect(&app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let (coord_b, admin) = (user_id(app, &w.coord_b).await, user_id(app, &w.admin).await);
    let admin_org = admin_org(app, &w.admin).await;
    let referral = |need: &str, status: &str| {
        format!(
            "INSERT INTO referrals (sender_organization_id, recipient_organization_id, provider_id, service_id, need_code,
                                    urgency, shared_fields, status, sent_at, created_by)
             VALUES ('{}', '{recipient}', '{provider}', '{other_shelter}', '{need}', 'URGENT', '{{}}', '{status}',
                     {}, '{coord_b}') RETURNING 1",
            w.org_b,
            if status == "SENT" { "now()" } else { "NULL" }
        )
    };
    // The service role, acting for organization B, cannot send around the domain's check.
    let sent = as_service(&db, &w.org_b, &coord_b, &referral("acute.housing", "SENT")).await;
    assert!(sent.contains("not vetted"), "{sent}");
    let drafted = as_service(&db, &w.org_b, &coord_b, &referral("acute.housing", "DRAFT")).await;
    assert!(drafted.contains("not vetted"), "{drafted}");
    assert_eq!(
        as_service(&db, &w.org_b, &coord_b, &referral("acute.basic_needs", "SENT")).await,
        "1 rows",
        "another need"
    );

    // Requirements are written by a signed-in network admin only.
    let write = |user: &str| {
        format!(
            "INSERT INTO referral_vetting_requirements (need_code, area_code, set_by)
             VALUES ('transitional.housing', 'SHELTER_HOUSING', '{user}') RETURNING 1"
        )
    };
    assert_eq!(as_service(&db, &w.org_b, &coord_b, &write(&coord_b)).await, "refused", "a coordinator");
    assert_eq!(as_service(&db, &admin_org, &admin, &write(&coord_b)).await, "refused", "an admin in another's name");
    assert_eq!(as_service(&db, &admin_org, "", &write(&admin)).await, "refused", "no user (an API key)");
    assert_eq!(as_service(&db, &admin_org, &admin, &write(&admin)).await, "1 rows", "the admin as themselves");

    // The database's twin of the outcome rule agrees with the domain's to the day: a
    // referral to vetted organization A is written, through its outcome's last day only.
    let a_service = service_of(app, &w.admin, &w.org_a).await;
    let a_provider: uuid::Uuid = owner
        .query_one("SELECT provider_id FROM services WHERE id = $1::text::uuid", &[&a_service])
        .await
        .unwrap()
        .get(0);
    let to_a = format!(
        "INSERT INTO referrals (sender_organization_id, recipient_organization_id, provider_id, service_id, need_code,
                                urgency, shared_fields, status, sent_at, created_by)
         VALUES ('{}', '{}', '{a_provider}', '{a_service}', 'acute.housing', 'URGENT', '{{}}', 'SENT', now(), '{coord_b}')
         RETURNING 1",
        w.org_b, w.org_a
    );
    assert!(as_service(&db, &w.org_b, &coord_b, &to_a).await.contains("not vetted"), "A is not reviewed yet");
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    accept_all(app, &w.reviewer, &id).await;
    for (until, expected) in [(0, "1 rows"), (-1, "not vetted"), (300, "1 rows")] {
        owner
            .execute(
                "UPDATE standards_outcomes SET valid_from = current_date - 30, valid_until = current_date + $1::int",
                &[&until],
            )
            .await
            .unwrap();
        let got = as_service(&db, &w.org_b, &coord_b, &to_a).await;
        assert!(got.contains(expected), "outcome ending in {until} days: {got}");
    }

    let lift = "DELETE FROM referral_vetting_requirements WHERE need_code = 'acute.housing' RETURNING 1";
    assert_eq!(as_service(&db, &w.org_b, &coord_b, lift).await, "0 rows", "a coordinator lifts nothing");
    assert_eq!(as_service(&db, &admin_org, &admin, lift).await, "1 rows");
}

#[tokio::test]
async fn vetting_about_to_end_is_announced_once_to_its_organization() {
    let w = world().await;
    let app = &w.app;
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    // Decided to end in 10 days (earlier than the anniversary, as a reviewer may).
    let (_, body) = crate::standards::read(app, &w.reviewer, &id).await;
    for n in body["data"]["standardsAssessment"]["undecided"].as_array().unwrap() {
        let (_, d) = crate::standards::decide(app, &w.reviewer, &id, n.as_i64().unwrap(), "ACCEPTED", None).await;
        assert!(d.get("errors").is_none(), "{d}");
    }
    let until = today() + chrono::Days::new(10);
    let (_, done) = complete(app, &w.reviewer, &id, None, Some(until)).await;
    assert!(done.get("errors").is_none(), "{done}");
    // Organization B is vetted for nothing (every standard "does not meet"): no notice.
    let b = submitted(app, &w.coord_b, &w.org_b, "DOES_NOT_MEET").await;
    let (_, body) = crate::standards::read(app, &w.reviewer, &b).await;
    for n in body["data"]["standardsAssessment"]["undecided"].as_array().unwrap() {
        crate::standards::decide(app, &w.reviewer, &b, n.as_i64().unwrap(), "ACCEPTED", None).await;
    }
    let (_, done_b) = complete(app, &w.reviewer, &b, None, Some(until)).await;
    assert_eq!(done_b["data"]["completeStandardsReview"]["outcome"]["serviceAreas"], json!([]), "{done_b}");

    let tick = || async {
        let pool = lantern::db::pool(&app.app_db_url, 1, 5_000).unwrap();
        let mut conn = pool.get().await.unwrap();
        lantern::notify::scheduler::tick(&mut conn).await.unwrap()
    };
    let db = app.sql().await;
    let notices = || async {
        db.query(
            "SELECT organization_id::text, payload->>'organizationId', payload->>'outcomeId' FROM outbox_events
             WHERE event_type = 'vetting.expiring'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, Option<String>>(1), r.get::<_, Option<String>>(2)))
        .collect::<Vec<_>>()
    };
    // Ending in 40 days: not yet.
    db.execute("UPDATE standards_outcomes SET valid_until = current_date + 40", &[]).await.unwrap();
    tick().await;
    assert!(notices().await.is_empty());
    // Ending in 30 days: announced, once however often (and by however many instances) the scheduler ticks.
    db.execute("UPDATE standards_outcomes SET valid_until = current_date + 30", &[]).await.unwrap();
    let (a, b) = tokio::join!(tick(), tick());
    tick().await;
    assert!(a + b > 0);
    let outcome: String = db
        .query_one("SELECT id::text FROM standards_outcomes WHERE organization_id = $1::text::uuid", &[&w.org_a])
        .await
        .unwrap()
        .get(0);
    assert_eq!(notices().await, vec![(w.org_a.clone(), Some(w.org_a.clone()), Some(outcome))], "ids only, to A only");
    // A renewal recorded replaces it: its own end is a year away, nothing more is announced.
    let renewal = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    accept_all(app, &w.reviewer, &renewal).await;
    tick().await;
    assert_eq!(notices().await.len(), 1);
    // Delivered as a webhook to a subscriber of the organization, ids only.
    let hook = crate::notifications::receiver();
    crate::notifications::subscribe(app, &w.admin, &w.org_a, &hook.url, &["vetting.expiring"]).await;
    db.execute("DELETE FROM outbox_events WHERE event_type = 'vetting.expiring'", &[]).await.unwrap();
    db.execute(
        "UPDATE standards_outcomes SET valid_until = current_date + 5 WHERE assessment_id = $1::text::uuid",
        &[&renewal],
    )
    .await
    .unwrap();
    tick().await;
    let relay = crate::notifications::relay(app, crate::notifications::fast());
    let started = std::time::Instant::now();
    while hook.got.lock().unwrap().is_empty() && started.elapsed() < std::time::Duration::from_secs(5) {
        relay.run_once().await.unwrap();
    }
    let event: Value = serde_json::from_str(&hook.got.lock().unwrap()[0].2).unwrap();
    assert_eq!(event["type"], "vetting.expiring");
    let renewed: String = db
        .query_one("SELECT id::text FROM standards_outcomes WHERE assessment_id = $1::text::uuid", &[&renewal])
        .await
        .unwrap()
        .get(0);
    assert_eq!(event["data"], json!({ "organizationId": w.org_a, "outcomeId": renewed }));
}

const FIND: &str = "query($f: ProviderFilter) { searchProviders(filter: $f, first: 50) {
    nodes { provider { id vettedServiceAreas { area validFrom validUntil } } } } }";

/// The ids an anonymous search near Wake finds, with `more` conditions.
async fn found_near_wake(app: &TestApp, more: Value) -> Vec<String> {
    let mut filter = json!({ "near": { "lat": WAKE.0, "lon": WAKE.1 }, "radiusKm": 5.0 });
    filter.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
    let data = app.data(FIND, json!({ "f": filter })).await;
    data["searchProviders"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["provider"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_provider_whose_review_is_accepted_shows_as_vetted_in_search_at_once() {
    // The index applies every change 400 ms late, as a busy instance would: the review
    // must wait for it, or the search right after would not see it.
    let options = ServerOptions {
        search_index_lag: std::time::Duration::from_millis(400),
        rate_limits: crate::common::NO_LIMITS,
        ..ServerOptions::default()
    };
    let w = world_on(TestApp::spawn_with(options).await).await;
    let app = &w.app;
    app.wait_for_search_index().await;
    let provider = app
        .data_as(&w.admin, "query($o: ID!) { organization(id: $o) { providers { id } } }", json!({ "o": w.org_a }))
        .await["organization"]["providers"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shelters = json!({ "vettedFor": ["SHELTER_HOUSING"] });
    assert!(found_near_wake(app, json!({})).await.contains(&provider));
    assert!(!found_near_wake(app, shelters.clone()).await.contains(&provider), "not reviewed yet");
    let page = "query($p: ID!) { provider(id: $p) { vettedServiceAreas { area validFrom validUntil } } }";
    assert_eq!(app.data(page, json!({ "p": provider })).await["provider"]["vettedServiceAreas"], json!([]));

    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    let done = accept_all(app, &w.reviewer, &id).await;
    let (from, until) = (done["outcome"]["validFrom"].clone(), done["outcome"]["validUntil"].clone());
    assert!(found_near_wake(app, shelters).await.contains(&provider), "found as vetted right after the review");
    assert!(found_near_wake(app, json!({ "vettedFor": ["HOTLINE", "CRISIS_RESPONSE"] })).await.contains(&provider));
    assert!(
        !found_near_wake(app, json!({ "vettedFor": ["PEER_SUPPORT"] })).await.contains(&provider),
        "not an area it was vetted for"
    );
    assert!(
        !found_near_wake(app, json!({ "vettedFor": ["SHELTER_HOUSING", "PEER_SUPPORT"] })).await.contains(&provider),
        "all must hold"
    );
    // Anyone sees it on the provider's page, like the HT-trained answer.
    let expected: Vec<Value> = ["HOTLINE", "CRISIS_RESPONSE", "SHELTER_HOUSING"]
        .iter()
        .map(|a| json!({ "area": a, "validFrom": from, "validUntil": until }))
        .collect();
    assert_eq!(app.data(page, json!({ "p": provider })).await["provider"]["vettedServiceAreas"], json!(expected));
    assert_eq!(app.search_index_state().await, "ready", "the searches with a point were the index's");
}
