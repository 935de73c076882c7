//! The Standards of Service (issue 19): reference data against the documents,
//! self-assessment and review end to end, who sees and does what (down to row-level
//! security), renewal to the day, the capacity checklist, the aggregate against an
//! independent count, and bad input.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, TestApp, error_code};

// ---------------------------------------------------------------------------------------
// The source documents, read directly (not through the seed script) to check the data.

/// A source document kept in `docs/sources/`.
fn seed_document(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/sources").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Standards of Service's own INDEX: (number, title, service area number or 0 for
/// foundational).
fn document_index() -> Vec<(i64, String, i64)> {
    let doc = seed_document("nchtc-standards-of-service.txt");
    let mut out = Vec::new();
    let mut area = 0;
    let mut in_index = false;
    for line in doc.lines() {
        if line.starts_with("## SECTION I:") {
            break;
        }
        if line.trim_start_matches('#').trim().starts_with("Section I: Foundational") {
            in_index = true;
            continue;
        }
        if !in_index {
            continue;
        }
        if let Some(rest) = line.trim().strip_prefix("Service Area ") {
            area = rest[..1].parse().unwrap();
        } else if let Some((number, title)) = line.split_once('\t')
            && let Ok(number) = number.trim().parse::<i64>()
        {
            out.push((number, title.trim().to_owned(), area));
        }
    }
    out
}

const AREAS: [&str; 5] = ["HOTLINE", "CRISIS_RESPONSE", "CASE_MANAGEMENT", "PEER_SUPPORT", "SHELTER_HOUSING"];

#[tokio::test]
async fn the_standards_follow_the_document_and_each_has_its_rubric() {
    let app = TestApp::spawn().await;
    let index = document_index();
    let per_area = |area: i64| index.iter().filter(|(_, _, a)| *a == area).count();
    // What the document's index lists: 26 foundational standards, then 6, 8, 4, 2 and 8.
    assert_eq!((0..=5).map(per_area).collect::<Vec<_>>(), vec![26, 6, 8, 4, 2, 8], "the document's index as read");
    assert_eq!(index.len(), 54, "54 standards, as the design brief says");

    let data = app
        .data(
            "{ standards { number serviceArea group title statement exceeds meets doesNotMeet }
               foundational: standards(foundational: true) { number }
               shelter: standards(serviceArea: SHELTER_HOUSING) { number }
               standardServiceAreas { area number title definition goal needCodes standards { number } } }",
            json!({}),
        )
        .await;
    let standards = data["standards"].as_array().unwrap();
    assert_eq!(standards.len(), index.len());
    for ((number, title, area), s) in index.iter().zip(standards) {
        assert_eq!(s["number"], *number);
        assert_eq!(s["title"], *title, "standard {number}'s title as in the index");
        let expected_area = if *area == 0 { Value::Null } else { json!(AREAS[*area as usize - 1]) };
        assert_eq!(s["serviceArea"], expected_area, "standard {number}'s area");
        assert_eq!(s["group"].is_string(), *area == 0, "foundational standards carry their group");
        for field in ["meets", "doesNotMeet"] {
            assert!(s[field].as_str().is_some_and(|t| t.len() > 20), "standard {number} has {field}: {s}");
        }
        // The document gives no "exceeds" for 41 ("N / A") and no statement for 51.
        assert_eq!(s["exceeds"].is_null(), *number == 41, "standard {number}: {s}");
        assert_eq!(s["statement"].is_null(), *number == 51, "standard {number}: {s}");
    }
    assert_eq!(standards[10]["title"], "Confidentiality");
    assert!(standards[10]["meets"].as_str().unwrap().contains("100% of staff"));
    assert_eq!(data["foundational"].as_array().unwrap().len(), 26);
    assert_eq!(data["shelter"].as_array().unwrap().len(), 8);

    let areas = data["standardServiceAreas"].as_array().unwrap();
    assert_eq!(areas.iter().map(|a| a["area"].as_str().unwrap()).collect::<Vec<_>>(), AREAS);
    let needs = |area: &str| areas.iter().find(|a| a["area"] == area).unwrap()["needCodes"].clone();
    assert_eq!(needs("HOTLINE"), json!(["acute.emergency_response_24h"]));
    assert_eq!(needs("CRISIS_RESPONSE"), json!(["acute.emergency_response_24h"]));
    assert_eq!(needs("SHELTER_HOUSING"), json!(["acute.housing", "transitional.housing"]));
    assert_eq!(needs("CASE_MANAGEMENT"), json!(["long_term.case_management", "transitional.case_management"]));
    assert_eq!(needs("PEER_SUPPORT"), json!(["long_term.peer_support"]));
    for a in areas {
        assert!(a["definition"].as_str().unwrap().len() > 40 && a["goal"].as_str().unwrap().len() > 20, "{a}");
        let n = a["number"].as_i64().unwrap();
        assert_eq!(a["standards"].as_array().unwrap().len(), per_area(n));
    }

    // Seeding again changes nothing (the template was seeded once already).
    let db = app.sql().await;
    let before: i64 = db.query_one("SELECT count(*) FROM standards", &[]).await.unwrap().get(0);
    {
        use diesel_async::AsyncConnection;
        let mut conn = diesel_async::AsyncPgConnection::establish(&app.db_url).await.unwrap();
        lantern::db::seed::seed(&mut conn, lantern::db::seed::SeedSet::Reference).await.unwrap();
    }
    let after: i64 = db.query_one("SELECT count(*) FROM standards", &[]).await.unwrap().get(0);
    let mapping: i64 = db.query_one("SELECT count(*) FROM need_standard_areas", &[]).await.unwrap().get(0);
    assert_eq!((before, after, mapping), (54, 54, 7));
}

#[tokio::test]
async fn the_capacity_checklist_follows_the_document() {
    let w = world().await;
    let doc = seed_document("futures-assessment-and-capacity-checklist.txt");
    let start = doc.find("Capacity Assessment Checklist & Action Plan").unwrap();
    let end = doc.find("Internal Capacity Review & Action Plan").unwrap();
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in doc[start..end].lines() {
        let plain = |t: &str| t.replace("**", "").trim().to_owned();
        if let Some(item) = line.strip_prefix(" - ") {
            sections.last_mut().unwrap().1.push(plain(item));
        } else if let Some(title) = line.strip_prefix("- ") {
            sections.push((plain(title), Vec::new()));
        }
    }
    // The document has nine sections (the issue names nine and calls them eight).
    assert_eq!(sections.len(), 9);
    let data = w
        .app
        .data_as(
            &w.coord_a,
            "query($o: ID!) { capacityChecklist(organizationId: $o) { sections { number code title items { code text kind } }
               review { questions { code text } } goalFields { code text } } }",
            json!({ "o": w.org_a }),
        )
        .await;
    let got = data["capacityChecklist"]["sections"].as_array().unwrap();
    assert_eq!(got.len(), sections.len());
    for ((title, items), s) in sections.iter().zip(got) {
        assert_eq!(s["title"], *title);
        let texts: Vec<&str> = s["items"].as_array().unwrap().iter().map(|i| i["text"].as_str().unwrap()).collect();
        assert_eq!(texts, *items, "section {title}");
    }
    assert_eq!(got.iter().map(|s| s["items"].as_array().unwrap().len()).sum::<usize>(), 24);
    let item = |code: &str| {
        got.iter().flat_map(|s| s["items"].as_array().unwrap()).find(|i| i["code"] == code).unwrap().clone()
    };
    assert_eq!(item("role.1")["kind"], "TEXT");
    assert_eq!(item("screening.1")["kind"], "YES_NO");
    let review = &data["capacityChecklist"]["review"]["questions"];
    assert_eq!(review.as_array().unwrap().len(), 4);
    assert_eq!(review[1]["code"], "gaps_and_limits");
    assert!(doc.contains(review[1]["text"].as_str().unwrap()));
    let fields = data["capacityChecklist"]["goalFields"].as_array().unwrap();
    assert_eq!(
        fields.iter().map(|f| f["code"].as_str().unwrap()).collect::<Vec<_>>(),
        ["goal", "action_steps", "organizations_engaged", "timeline", "next_steps", "resources_needed"]
    );
}

// ---------------------------------------------------------------------------------------
// A network to work in.

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    /// A shelter with a 24-hour line: implies HOTLINE, CRISIS_RESPONSE and SHELTER_HOUSING.
    pub(crate) org_a: String,
    pub(crate) coord_a: String,
    pub(crate) staff_a: String,
    pub(crate) advocate_a: String,
    pub(crate) mdt_a: String,
    pub(crate) org_b: String,
    pub(crate) coord_b: String,
    /// A coordinator of a third organization, made a reviewer.
    pub(crate) reviewer: String,
    pub(crate) reviewer_id: String,
    pub(crate) reviewer_org: String,
}

pub(crate) const WAKE: (f64, f64) = (35.7721, -78.63861);

/// A listing kept by `org` (through its provider staff `staff`) with a service meeting
/// `needs`, located at `at` if given.
pub(crate) async fn listing(app: &TestApp, staff: &str, name: &str, needs: &[&str], at: Option<(f64, f64)>) -> String {
    let provider = app
        .data_as(
            staff,
            "mutation($n: String!) { createProvider(input: { name: $n, kind: \"dv_sa_agency\" }) { id } }",
            json!({ "n": name }),
        )
        .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data_as(
        staff,
        "mutation($p: ID!, $needs: [String!]!) { createService(providerId: $p, input: { name: \"Services\", needs: $needs }) { id } }",
        json!({ "p": provider, "needs": needs }),
    )
    .await;
    if let Some((lat, lon)) = at {
        app.data_as(
            staff,
            "mutation($p: ID!, $lat: Float!, $lon: Float!) { createLocation(providerId: $p, input: { latitude: $lat, longitude: $lon }) { id } }",
            json!({ "p": provider, "lat": lat, "lon": lon }),
        )
        .await;
    }
    provider
}

pub(crate) async fn world() -> World {
    world_on(TestApp::spawn().await).await
}

/// The same network on a server of one's own making.
pub(crate) async fn world_on(app: TestApp) -> World {
    let admin = app.network_admin().await;
    let org_a = app.organization(&admin, "Harbor Shelter (test)").await;
    let (_, _, coord_a) = app.member(&admin, &org_a, "COORDINATOR").await;
    let (_, _, staff_a) = app.member(&admin, &org_a, "PROVIDER_STAFF").await;
    let (_, _, advocate_a) = app.member(&admin, &org_a, "ADVOCATE").await;
    let (_, _, mdt_a) = app.member(&admin, &org_a, "MDT_VIEWER").await;
    listing(
        &app,
        &staff_a,
        "Harbor Shelter (synthetic)",
        &["acute.housing", "acute.emergency_response_24h", "acute.basic_needs"],
        Some(WAKE),
    )
    .await;
    let org_b = app.organization(&admin, "Second Street Services (test)").await;
    let (_, _, coord_b) = app.member(&admin, &org_b, "COORDINATOR").await;
    let reviewer_org = app.organization(&admin, "Review Partners (test)").await;
    let (reviewer_id, _, reviewer) = app.member(&admin, &reviewer_org, "COORDINATOR").await;
    app.data_as(
        &admin,
        "mutation($u: ID!) { grantStandardsReviewer(userId: $u) { userId } }",
        json!({ "u": reviewer_id }),
    )
    .await;
    World {
        app,
        admin,
        org_a,
        coord_a,
        staff_a,
        advocate_a,
        mdt_a,
        org_b,
        coord_b,
        reviewer,
        reviewer_id,
        reviewer_org,
    }
}

const ASSESSMENT: &str = "id organizationId number status version serviceAreas unanswered undecided basedOnId
    applicableStandards { number }
    answers { standardNumber level notApplicableReason evidenceNote evidenceRefs assessedOn version
              decision { decision comment decidedBy } }
    levelCounts { exceeds meets doesNotMeet notApplicable unanswered }
    outcome { serviceAreas validFrom validUntil }";

pub(crate) async fn start(app: &TestApp, token: &str, org: &str) -> Value {
    app.data_as(
        token,
        &format!("mutation($o: ID!) {{ startStandardsAssessment(organizationId: $o) {{ {ASSESSMENT} }} }}"),
        json!({ "o": org }),
    )
    .await["startStandardsAssessment"]
        .clone()
}

const SAVE: &str = "mutation($a: ID!, $n: Int!, $v: Int!, $i: StandardsAnswerInput!) {
    saveStandardsAnswer(assessmentId: $a, standardNumber: $n, version: $v, input: $i) {
      answer { standardNumber level version } assessmentVersion } }";

async fn save(app: &TestApp, token: &str, assessment: &str, number: i64, version: i64, input: Value) -> (u16, Value) {
    app.gql_as(token, SAVE, json!({ "a": assessment, "n": number, "v": version, "i": input })).await
}

/// Answers every unanswered applicable standard of `assessment` with `level` (a
/// "not applicable" with a reason); returns the assessment's version after.
pub(crate) async fn answer_all(app: &TestApp, token: &str, assessment: &Value, level: &str) -> i64 {
    let id = assessment["id"].as_str().unwrap();
    let mut version = assessment["version"].as_i64().unwrap();
    for n in assessment["unanswered"].as_array().unwrap() {
        let input = if level == "NOT_APPLICABLE" {
            json!({ "level": level, "notApplicableReason": "We do not run this kind of program." })
        } else {
            json!({ "level": level, "evidenceNote": "Policy manual, chapter 3.", "evidenceRefs": ["Policy manual 2026"] })
        };
        let existing = assessment["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["standardNumber"] == *n)
            .map_or(0, |a| a["version"].as_i64().unwrap());
        let (_, body) = save(app, token, id, n.as_i64().unwrap(), existing, input).await;
        assert!(body.get("errors").is_none(), "{body}");
        version = body["data"]["saveStandardsAnswer"]["assessmentVersion"].as_i64().unwrap();
    }
    version
}

pub(crate) async fn submit(app: &TestApp, token: &str, id: &str, version: i64) -> (u16, Value) {
    app.gql_as(
        token,
        &format!(
            "mutation($id: ID!, $v: Int!) {{ submitStandardsAssessment(id: $id, version: $v) {{ {ASSESSMENT} }} }}"
        ),
        json!({ "id": id, "v": version }),
    )
    .await
}

pub(crate) async fn read(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    app.gql_as(
        token,
        &format!("query($id: ID!) {{ standardsAssessment(id: $id) {{ {ASSESSMENT} }} }}"),
        json!({ "id": id }),
    )
    .await
}

const DECIDE: &str = "mutation($a: ID!, $n: Int!, $d: StandardsDecision!, $c: String) {
    reviewStandard(assessmentId: $a, standardNumber: $n, decision: $d, comment: $c) { standardNumber decision comment } }";

pub(crate) async fn decide(
    app: &TestApp,
    token: &str,
    id: &str,
    number: i64,
    decision: &str,
    comment: Option<&str>,
) -> (u16, Value) {
    app.gql_as(token, DECIDE, json!({ "a": id, "n": number, "d": decision, "c": comment })).await
}

const COMPLETE: &str = "mutation($a: ID!, $from: NaiveDate, $until: NaiveDate) {
    completeStandardsReview(assessmentId: $a, validFrom: $from, validUntil: $until) {
      id status reviewedBy outcome { serviceAreas validFrom validUntil } } }";

pub(crate) async fn complete(
    app: &TestApp,
    token: &str,
    id: &str,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> (u16, Value) {
    app.gql_as(token, COMPLETE, json!({ "a": id, "from": from, "until": until })).await
}

/// Accepts every standard of a submitted version and completes the review.
pub(crate) async fn accept_all(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, body) = read(app, token, id).await;
    for n in body["data"]["standardsAssessment"]["undecided"].as_array().unwrap() {
        let (_, decided) = decide(app, token, id, n.as_i64().unwrap(), "ACCEPTED", None).await;
        assert!(decided.get("errors").is_none(), "{decided}");
    }
    let (_, done) = complete(app, token, id, None, None).await;
    assert!(done.get("errors").is_none(), "{done}");
    done["data"]["completeStandardsReview"].clone()
}

/// A whole self-assessment at `level`, submitted; returns its id.
pub(crate) async fn submitted(app: &TestApp, token: &str, org: &str, level: &str) -> String {
    let draft = start(app, token, org).await;
    let version = answer_all(app, token, &draft, level).await;
    let (_, body) = submit(app, token, draft["id"].as_str().unwrap(), version).await;
    assert!(body.get("errors").is_none(), "{body}");
    draft["id"].as_str().unwrap().to_owned()
}

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn numbers(value: &Value) -> Vec<i64> {
    value.as_array().unwrap().iter().map(|n| n.as_i64().or_else(|| n["number"].as_i64()).unwrap()).collect()
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_organization_assesses_itself_and_a_reviewer_accepts() {
    let w = world().await;
    let app = &w.app;
    // The scope follows the listing's needs; the organization removes crisis response.
    let scope_query = "query($o: ID!) { standardsScope(organizationId: $o) { area implied provided choice { provided reason setBy } } }";
    let scope = app.data_as(&w.coord_a, scope_query, json!({ "o": w.org_a })).await["standardsScope"].clone();
    let provided: Vec<&str> = scope
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["provided"] == true)
        .map(|s| s["area"].as_str().unwrap())
        .collect();
    assert_eq!(provided, ["HOTLINE", "CRISIS_RESPONSE", "SHELTER_HOUSING"]);
    let set = "mutation($o: ID!, $a: StandardServiceArea!, $p: Boolean, $r: String) {
        setStandardsServiceArea(organizationId: $o, area: $a, provided: $p, reason: $r) { area implied provided choice { provided reason } } }";
    let changed = app
        .data_as(
            &w.coord_a,
            set,
            json!({ "o": w.org_a, "a": "CRISIS_RESPONSE", "p": false, "r": "Our line refers callers; we do not respond in person." }),
        )
        .await["setStandardsServiceArea"]
        .clone();
    let crisis = changed.as_array().unwrap().iter().find(|s| s["area"] == "CRISIS_RESPONSE").unwrap().clone();
    assert_eq!((crisis["implied"].clone(), crisis["provided"].clone()), (json!(true), json!(false)));
    assert_eq!(crisis["choice"]["provided"], false);

    // A draft covers the 26 foundational standards, 6 hotline and 8 shelter ones.
    let draft = start(app, &w.coord_a, &w.org_a).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!((draft["number"].clone(), draft["status"].clone()), (json!(1), json!("DRAFT")));
    assert_eq!(draft["serviceAreas"], json!(["HOTLINE", "SHELTER_HOUSING"]));
    assert_eq!(numbers(&draft["applicableStandards"]).len(), 40);
    assert!(!numbers(&draft["applicableStandards"]).contains(&33), "no crisis-response standard");
    // Only one open version at a time.
    let (_, again) = app
        .gql_as(
            &w.coord_a,
            "mutation($o: ID!) { startStandardsAssessment(organizationId: $o) { id } }",
            json!({ "o": w.org_a }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");

    // Saved answer by answer, with optimistic concurrency.
    let (_, first) = save(app, &w.staff_a, &id, 1, 0, json!({ "evidenceNote": "Code of ethics adopted 2024." })).await;
    assert_eq!(first["data"]["saveStandardsAnswer"]["answer"]["version"], 1, "{first}");
    let (_, stale) = save(app, &w.coord_a, &id, 1, 0, json!({ "level": "MEETS" })).await;
    assert_eq!(error_code(&stale), "CONFLICT", "{stale}");
    let (_, second) =
        save(app, &w.coord_a, &id, 1, 1, json!({ "level": "EXCEEDS", "evidenceRefs": ["Board minutes 2026-03"] }))
            .await;
    assert_eq!(second["data"]["saveStandardsAnswer"]["answer"]["level"], "EXCEEDS", "{second}");
    // A standard of a service area the organization does not provide is refused.
    let (_, outside) = save(app, &w.coord_a, &id, 33, 0, json!({ "level": "MEETS" })).await;
    assert_eq!(error_code(&outside), "BAD_USER_INPUT");
    assert_eq!(outside["errors"][0]["extensions"]["field"], "standardNumber");

    // Submitting with answers missing names them and changes nothing.
    let (_, now) = read(app, &w.coord_a, &id).await;
    let now = now["data"]["standardsAssessment"].clone();
    assert_eq!(now["unanswered"].as_array().unwrap().len(), 39);
    let (_, early) = submit(app, &w.coord_a, &id, now["version"].as_i64().unwrap()).await;
    assert_eq!(error_code(&early), "BAD_USER_INPUT", "{early}");
    assert_eq!(early["errors"][0]["extensions"]["field"], "answers");
    let message = early["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("2, 3, 4") && message.contains("54"), "{message}");
    let (_, still) = read(app, &w.coord_a, &id).await;
    assert_eq!(still["data"]["standardsAssessment"]["status"], "DRAFT");

    // Standard 54 does not apply to an adults-only shelter (with a reason); the rest meet.
    let (_, na) = save(
        app,
        &w.coord_a,
        &id,
        54,
        0,
        json!({ "level": "NOT_APPLICABLE", "notApplicableReason": "Adults only; minors are referred per Standard 40." }),
    )
    .await;
    assert!(na.get("errors").is_none(), "{na}");
    let (_, now) = read(app, &w.coord_a, &id).await;
    let version = answer_all(app, &w.coord_a, &now["data"]["standardsAssessment"], "MEETS").await;
    let (_, stale_submit) = submit(app, &w.coord_a, &id, version - 1).await;
    assert_eq!(error_code(&stale_submit), "CONFLICT");
    let (_, done) = submit(app, &w.coord_a, &id, version).await;
    let done = done["data"]["submitStandardsAssessment"].clone();
    assert_eq!(done["status"], "SUBMITTED");
    assert_eq!(
        done["levelCounts"],
        json!({ "exceeds": 1, "meets": 38, "doesNotMeet": 0, "notApplicable": 1, "unanswered": 0 })
    );
    // Submitted versions do not change.
    let (_, late) = save(app, &w.coord_a, &id, 2, 1, json!({ "level": "EXCEEDS" })).await;
    assert_eq!(error_code(&late), "CONFLICT", "{late}");

    // The reviewer's queue has it; the reviewer accepts every standard.
    let queue = app.data_as(&w.reviewer, "{ standardsReviewQueue { id status } }", json!({})).await;
    assert_eq!(queue["standardsReviewQueue"], json!([{ "id": id, "status": "SUBMITTED" }]));
    let (_, unfinished) = complete(app, &w.reviewer, &id, None, None).await;
    assert_eq!(error_code(&unfinished), "BAD_USER_INPUT");
    assert_eq!(unfinished["errors"][0]["extensions"]["field"], "decisions");
    let accepted = accept_all(app, &w.reviewer, &id).await;
    assert_eq!(accepted["status"], "ACCEPTED");
    assert_eq!(accepted["reviewedBy"], w.reviewer_id);
    let until = lantern::standards::default_valid_until(today());
    assert_eq!(
        accepted["outcome"],
        json!({ "serviceAreas": ["HOTLINE", "SHELTER_HOUSING"], "validFrom": today().to_string(), "validUntil": until.to_string() })
    );
    let queue = app.data_as(&w.reviewer, "{ standardsReviewQueue { id } }", json!({})).await;
    assert_eq!(queue["standardsReviewQueue"], json!([]));

    // The outcome is public.
    let vetted = app
        .data(
            "query($o: ID!) { vettedServiceAreas(organizationId: $o) { area validFrom validUntil } }",
            json!({ "o": w.org_a }),
        )
        .await;
    assert_eq!(
        vetted["vettedServiceAreas"],
        json!([
            { "area": "HOTLINE", "validFrom": today().to_string(), "validUntil": until.to_string() },
            { "area": "SHELTER_HOUSING", "validFrom": today().to_string(), "validUntil": until.to_string() }
        ])
    );

    // The next version starts from this one's answers: progress shows from version to version.
    let next = start(app, &w.coord_a, &w.org_a).await;
    assert_eq!((next["number"].clone(), next["basedOnId"].clone()), (json!(2), json!(id)));
    assert_eq!(next["unanswered"], json!([]));
    assert_eq!(next["levelCounts"]["exceeds"], 1);
    let one = next["answers"].as_array().unwrap().iter().find(|a| a["standardNumber"] == 1).unwrap().clone();
    assert_eq!(
        (one["level"].clone(), one["evidenceRefs"].clone()),
        (json!("EXCEEDS"), json!(["Board minutes 2026-03"]))
    );
    assert_eq!(one["decision"], Value::Null, "a new version has no decisions yet");
    let history = app
        .data_as(
            &w.coord_a,
            "query($o: ID!) { standardsAssessments(organizationId: $o) { number status } }",
            json!({ "o": w.org_a }),
        )
        .await;
    assert_eq!(
        history["standardsAssessments"],
        json!([{ "number": 2, "status": "DRAFT" }, { "number": 1, "status": "ACCEPTED" }])
    );

    // Every step is in the audit log, by id only.
    let db = app.sql().await;
    let actions: Vec<String> = db
        .query("SELECT DISTINCT action FROM audit_log WHERE action LIKE 'standards.%' ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        actions,
        [
            "standards.answer.save",
            "standards.area.set",
            "standards.assessment.start",
            "standards.assessment.submit",
            "standards.decision.record",
            "standards.review.complete",
            "standards.reviewer.grant"
        ]
    );
    let decisions: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'standards.decision.record' AND target_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(decisions, 40, "every decision is audited");
}

#[tokio::test]
async fn a_returned_standard_sends_the_assessment_back_and_the_next_version_revises_it() {
    let w = world().await;
    let app = &w.app;
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    let (_, no_comment) = decide(app, &w.reviewer, &id, 49, "RETURNED", None).await;
    assert_eq!(error_code(&no_comment), "BAD_USER_INPUT");
    assert_eq!(no_comment["errors"][0]["extensions"]["field"], "comment");
    let (_, returned) =
        decide(app, &w.reviewer, &id, 49, "RETURNED", Some("Please attach the last fire inspection.")).await;
    assert_eq!(returned["data"]["reviewStandard"]["decision"], "RETURNED", "{returned}");
    let (_, outside) = decide(app, &w.reviewer, &id, 45, "ACCEPTED", None).await;
    assert_eq!(
        outside["errors"][0]["extensions"]["field"], "standardNumber",
        "peer support is not assessed: {outside}"
    );
    let done = accept_all(app, &w.reviewer, &id).await;
    assert_eq!((done["status"].clone(), done["outcome"].clone()), (json!("RETURNED"), Value::Null));
    // A decision on a completed review is refused.
    let (_, late) = decide(app, &w.reviewer, &id, 1, "ACCEPTED", None).await;
    assert_eq!(error_code(&late), "CONFLICT");

    // The organization sees the comment, revises in version 2; nothing is vetted.
    let (_, seen) = read(app, &w.coord_a, &id).await;
    let answers = seen["data"]["standardsAssessment"]["answers"].as_array().unwrap().clone();
    let s49 = answers.iter().find(|a| a["standardNumber"] == 49).unwrap();
    assert_eq!(s49["decision"]["comment"], "Please attach the last fire inspection.");
    let vetted =
        app.data("query($o: ID!) { vettedServiceAreas(organizationId: $o) { area } }", json!({ "o": w.org_a })).await;
    assert_eq!(vetted["vettedServiceAreas"], json!([]));
    let next = start(app, &w.coord_a, &w.org_a).await;
    assert_eq!(next["basedOnId"], json!(id));
    let s49 = next["answers"].as_array().unwrap().iter().find(|a| a["standardNumber"] == 49).unwrap().clone();
    let (_, revised) = save(
        app,
        &w.coord_a,
        next["id"].as_str().unwrap(),
        49,
        s49["version"].as_i64().unwrap(),
        json!({ "level": "MEETS", "evidenceRefs": ["Fire inspection 2026-10"] }),
    )
    .await;
    assert!(revised.get("errors").is_none(), "{revised}");

    // A shelter standard not met, accepted as such: vetted for the hotline only. A
    // foundational one not met: vetted for nothing.
    let w2 = world().await;
    let draft = start(&w2.app, &w2.coord_a, &w2.org_a).await;
    let id2 = draft["id"].as_str().unwrap().to_owned();
    save(&w2.app, &w2.coord_a, &id2, 49, 0, json!({ "level": "DOES_NOT_MEET", "evidenceNote": "Repairs scheduled." }))
        .await;
    let (_, now) = read(&w2.app, &w2.coord_a, &id2).await;
    let version = answer_all(&w2.app, &w2.coord_a, &now["data"]["standardsAssessment"], "MEETS").await;
    submit(&w2.app, &w2.coord_a, &id2, version).await;
    let done = accept_all(&w2.app, &w2.reviewer, &id2).await;
    assert_eq!(done["outcome"]["serviceAreas"], json!(["HOTLINE", "CRISIS_RESPONSE"]));
}

#[tokio::test]
async fn assessments_are_seen_by_their_organization_and_reviewers_only() {
    let w = world().await;
    let app = &w.app;
    let draft = start(app, &w.coord_a, &w.org_a).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let list = "query($o: ID!) { standardsAssessments(organizationId: $o) { id status } }";
    let scope = "query($o: ID!) { standardsScope(organizationId: $o) { area } }";

    // Another organization, a lower role, anonymous.
    let (_, other) = app.gql_as(&w.coord_b, list, json!({ "o": w.org_a })).await;
    assert_eq!(error_code(&other), "FORBIDDEN");
    let (_, other) = read(app, &w.coord_b, &draft_id).await;
    assert_eq!(error_code(&other), "NOT_FOUND", "another organization's draft does not exist for it");
    let (_, other) = app.gql_as(&w.coord_b, scope, json!({ "o": w.org_a })).await;
    assert_eq!(error_code(&other), "FORBIDDEN");
    for (who, token) in [("MDT viewer", &w.mdt_a)] {
        let (_, body) = app.gql_as(token, list, json!({ "o": w.org_a })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}");
        let (_, body) = read(app, token, &draft_id).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}");
    }
    let anonymous = app.gql(list, json!({ "o": w.org_a })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let anonymous = app.gql("query($id: ID!) { standardsAssessment(id: $id) { id } }", json!({ "id": draft_id })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    // An advocate of the organization reads but does not write.
    let (_, body) = app.gql_as(&w.advocate_a, list, json!({ "o": w.org_a })).await;
    assert_eq!(body["data"]["standardsAssessments"][0]["id"], json!(draft_id));
    let (_, body) = save(app, &w.advocate_a, &draft_id, 1, 0, json!({ "level": "MEETS" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    for token in [&w.advocate_a, &w.mdt_a, &w.coord_b] {
        let (_, body) = app
            .gql_as(
                token,
                "mutation($o: ID!) { startStandardsAssessment(organizationId: $o) { id } }",
                json!({ "o": w.org_a }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    let (_, body) = save(app, &w.coord_b, &draft_id, 1, 0, json!({ "level": "MEETS" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    // Reviewers and network admins do not see a draft ...
    for token in [&w.reviewer, &w.admin] {
        let (_, body) = read(app, token, &draft_id).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let (_, body) = app.gql_as(token, list, json!({ "o": w.org_a })).await;
        assert_eq!(body["data"]["standardsAssessments"], json!([]), "{body}");
    }
    // ... but read it once submitted; other members still do not.
    let version = answer_all(app, &w.coord_a, &draft, "MEETS").await;
    submit(app, &w.coord_a, &draft_id, version).await;
    for token in [&w.reviewer, &w.admin] {
        let (_, body) = read(app, token, &draft_id).await;
        assert_eq!(body["data"]["standardsAssessment"]["status"], "SUBMITTED", "{body}");
    }
    let (_, body) = read(app, &w.coord_b, &draft_id).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let (_, body) = app.gql_as(&w.coord_b, "{ standardsReviewQueue { id } }", json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "not a reviewer");

    // The outcome is for everyone, anonymous callers too.
    accept_all(app, &w.reviewer, &draft_id).await;
    let vetted = "query($o: ID!) { vettedServiceAreas(organizationId: $o) { area } }";
    let anonymous = app.data(vetted, json!({ "o": w.org_a })).await;
    assert_eq!(anonymous["vettedServiceAreas"].as_array().unwrap().len(), 3);
    let other = app.data_as(&w.coord_b, vetted, json!({ "o": w.org_a })).await;
    assert_eq!(other, anonymous);
}

#[tokio::test]
async fn a_reviewer_cannot_review_their_own_organization() {
    let w = world().await;
    let app = &w.app;
    // The reviewer joins organization A as well (acting for their own organization still).
    app.data_as(
        &w.admin,
        "mutation($u: ID!, $o: ID!) { setMembership(userId: $u, organizationId: $o, role: ADVOCATE) }",
        json!({ "u": w.reviewer_id, "o": w.org_a }),
    )
    .await;
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    let (_, own) = decide(app, &w.reviewer, &id, 1, "ACCEPTED", None).await;
    assert_eq!(error_code(&own), "FORBIDDEN", "{own}");
    let (_, own) = complete(app, &w.reviewer, &id, None, None).await;
    assert_eq!(error_code(&own), "FORBIDDEN", "{own}");
    let queue = app.data_as(&w.reviewer, "{ standardsReviewQueue { id } }", json!({})).await;
    assert_eq!(queue["standardsReviewQueue"], json!([]), "not in their queue");

    // A network admin who belongs to the organization may not either.
    let admin_id = app.data_as(&w.admin, "{ me { user { id } } }", json!({})).await["me"]["user"]["id"].clone();
    app.data_as(
        &w.admin,
        "mutation($u: ID!, $o: ID!) { setMembership(userId: $u, organizationId: $o, role: COORDINATOR) }",
        json!({ "u": admin_id, "o": w.org_a }),
    )
    .await;
    let (_, own) = decide(app, &w.admin, &id, 1, "ACCEPTED", None).await;
    assert_eq!(error_code(&own), "FORBIDDEN", "{own}");

    // Not a reviewer at all, or no longer one.
    let (_, body) = decide(app, &w.coord_b, &id, 1, "ACCEPTED", None).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let other = app.organization(&w.admin, "Another Review Org (test)").await;
    let (second_id, _, second) = app.member(&w.admin, &other, "MDT_VIEWER").await;
    let grant = "mutation($u: ID!) { grantStandardsReviewer(userId: $u) { userId displayName grantedBy } }";
    let (_, by_coordinator) = app.gql_as(&w.coord_b, grant, json!({ "u": second_id })).await;
    assert_eq!(error_code(&by_coordinator), "FORBIDDEN", "only network admins grant");
    let granted = app.data_as(&w.admin, grant, json!({ "u": second_id })).await;
    assert_eq!(granted["grantStandardsReviewer"]["grantedBy"], admin_id);
    let listed = app.data_as(&w.coord_b, "{ standardsReviewers { userId } }", json!({})).await;
    let listed: Vec<&str> =
        listed["standardsReviewers"].as_array().unwrap().iter().map(|r| r["userId"].as_str().unwrap()).collect();
    assert_eq!(listed, [w.reviewer_id.as_str(), second_id.as_str()], "visible to network members");
    let (_, ok) = decide(app, &second, &id, 1, "ACCEPTED", None).await;
    assert_eq!(ok["data"]["reviewStandard"]["decision"], "ACCEPTED", "{ok}");
    app.data_as(&w.admin, "mutation($u: ID!) { revokeStandardsReviewer(userId: $u) }", json!({ "u": second_id })).await;
    let (_, revoked) = decide(app, &second, &id, 2, "ACCEPTED", None).await;
    assert_eq!(error_code(&revoked), "FORBIDDEN");
    let anonymous = app.gql(DECIDE, json!({ "a": id, "n": 1, "d": "ACCEPTED" })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    // Reviewing is personal: a network admin's API key does not review.
    let admin_org =
        app.data_as(&w.admin, "{ me { organization { id } } }", json!({})).await["me"]["organization"]["id"].clone();
    let key = app
        .data_as(
            &w.admin,
            "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: NETWORK_ADMIN, label: \"Integration\" }) { key } }",
            json!({ "o": admin_org }),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, by_key) = decide(app, &key, &id, 3, "ACCEPTED", None).await;
    assert_eq!(error_code(&by_key), "FORBIDDEN", "{by_key}");
    let (_, by_key) = app.gql_as(&key, "{ standardsReviewQueue { id } }", json!({})).await;
    assert_eq!(error_code(&by_key), "FORBIDDEN", "{by_key}");
    let db = app.sql().await;
    let grants: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action IN ('standards.reviewer.grant', 'standards.reviewer.revoke')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(grants, 3, "every grant and revocation is audited");
    let _ = w.reviewer_org;
}

#[tokio::test]
async fn an_outcome_is_in_force_through_the_day_before_its_anniversary() {
    let w = world().await;
    let app = &w.app;
    let db = app.sql().await;
    // The first day from which the default outcome ends exactly today, and the day before.
    let today = today();
    let ends_today = (0..400)
        .map(|d| today - Duration::days(d))
        .find(|from| lantern::standards::default_valid_until(*from) == today)
        .unwrap();
    let ended_yesterday = ends_today - Duration::days(1);
    assert_eq!(lantern::standards::default_valid_until(ended_yesterday), today - Duration::days(1));

    let vetted = "query($o: ID!) { vettedServiceAreas(organizationId: $o) { area validFrom validUntil } }";
    let (_, _, staff_b) = app.member(&w.admin, &w.org_b, "PROVIDER_STAFF").await;
    listing(
        app,
        &staff_b,
        "Second Street Shelter (synthetic)",
        &["acute.housing", "acute.emergency_response_24h"],
        None,
    )
    .await;
    for (org, coordinator, from, in_force) in [
        (w.org_a.clone(), w.coord_a.clone(), ends_today, true),
        (w.org_b.clone(), w.coord_b.clone(), ended_yesterday, false),
    ] {
        let id = submitted(app, &coordinator, &org, "MEETS").await;
        let (_, body) = read(app, &w.reviewer, &id).await;
        for n in body["data"]["standardsAssessment"]["undecided"].as_array().unwrap() {
            decide(app, &w.reviewer, &id, n.as_i64().unwrap(), "ACCEPTED", None).await;
        }
        // An outcome starts no earlier than the submission ...
        let (_, early) = complete(app, &w.reviewer, &id, Some(from), None).await;
        assert_eq!(early["errors"][0]["extensions"]["field"], "validFrom", "{early}");
        // ... so the submission moves back to that day (the owner may; the service may not).
        db.batch_execute(&format!(
            "ALTER TABLE standards_assessments DISABLE TRIGGER standards_assessment_guard;
             UPDATE standards_assessments SET submitted_at = '{from}'::date WHERE id = '{id}';
             ALTER TABLE standards_assessments ENABLE TRIGGER standards_assessment_guard;"
        ))
        .await
        .unwrap();
        // A longer validity than a year is refused, as is a start in the future.
        let (_, long) = complete(app, &w.reviewer, &id, Some(from), Some(today + Duration::days(400))).await;
        assert_eq!(long["errors"][0]["extensions"]["field"], "validUntil", "{long}");
        let (_, future) = complete(app, &w.reviewer, &id, Some(today + Duration::days(1)), None).await;
        assert_eq!(future["errors"][0]["extensions"]["field"], "validFrom", "{future}");
        let (_, done) = complete(app, &w.reviewer, &id, Some(from), None).await;
        let outcome = &done["data"]["completeStandardsReview"]["outcome"];
        assert_eq!(outcome["validFrom"], from.to_string(), "{done}");
        let until = if in_force { today } else { today - Duration::days(1) };
        assert_eq!(outcome["validUntil"], until.to_string());
        let shown = app.data(vetted, json!({ "o": org })).await["vettedServiceAreas"].as_array().unwrap().len();
        assert_eq!(shown, if in_force { 3 } else { 0 }, "from {from}: in force today = {in_force}");
    }
    // A reviewer may set an earlier last day.
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    let (_, body) = read(app, &w.reviewer, &id).await;
    for n in body["data"]["standardsAssessment"]["undecided"].as_array().unwrap() {
        decide(app, &w.reviewer, &id, n.as_i64().unwrap(), "ACCEPTED", None).await;
    }
    let (_, done) = complete(app, &w.reviewer, &id, None, Some(today + Duration::days(90))).await;
    assert_eq!(
        done["data"]["completeStandardsReview"]["outcome"]["validUntil"],
        (today + Duration::days(90)).to_string()
    );
    let shown = app.data(vetted, json!({ "o": w.org_a })).await;
    assert_eq!(
        shown["vettedServiceAreas"][0]["validUntil"],
        (today + Duration::days(90)).to_string(),
        "the later review is in force"
    );
}

/// A review completed on the evening of the day of submission, in the network's time zone,
/// starts that day: the submission's UTC day is already tomorrow then, and taking the
/// UTC day refused every acceptance made from about 8 pm in North Carolina (found by the
/// browser test, run after midnight UTC).
#[tokio::test]
async fn an_evening_submission_is_accepted_from_its_day_in_the_networks_time_zone() {
    // A network twelve hours behind UTC: late evening there is always UTC's next day.
    let clock = lantern::clock::Clock::named("Etc/GMT+12").expect("a known zone");
    let options =
        lantern::startup::ServerOptions { clock, rate_limits: NO_LIMITS, ..lantern::startup::ServerOptions::default() };
    let w = world_on(TestApp::spawn_with(options).await).await;
    let app = &w.app;
    let db = app.sql().await;
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    let (zone, network_today) = (clock.zone_name(), clock.today());
    db.batch_execute(&format!(
        "ALTER TABLE standards_assessments DISABLE TRIGGER standards_assessment_guard;
         UPDATE standards_assessments SET submitted_at = ('{network_today} 23:59'::timestamp AT TIME ZONE '{zone}')
          WHERE id = '{id}';
         ALTER TABLE standards_assessments ENABLE TRIGGER standards_assessment_guard;"
    ))
    .await
    .unwrap();
    let done = accept_all(app, &w.reviewer, &id).await;
    assert_eq!(done["status"], "ACCEPTED");
    assert_eq!(done["outcome"]["validFrom"], network_today.to_string(), "{done}");
}

// ---------------------------------------------------------------------------------------
// The capacity checklist, and row-level security underneath.

const CHECKLIST: &str = "query($o: ID!) { capacityChecklist(organizationId: $o) {
    sections { items { code answer { status note version } } }
    review { capacity gapsAndLimits priorities resourcesNeeded version }
    goals { id goal actionSteps organizationsEngaged { organization responsibilities } timeline nextSteps resourcesNeeded version } } }";
const SAVE_ITEM: &str = "mutation($o: ID!, $c: String!, $v: Int!, $i: CapacityChecklistAnswerInput!) {
    saveCapacityChecklistAnswer(organizationId: $o, itemCode: $c, version: $v, input: $i) { status note version } }";
const REVIEW: &str = "mutation($o: ID!, $v: Int!, $i: CapacityReviewInput!) {
    updateCapacityReview(organizationId: $o, version: $v, input: $i) { capacity gapsAndLimits priorities resourcesNeeded version } }";
const NEW_GOAL: &str = "mutation($o: ID!, $i: CapacityGoalInput!) { createCapacityGoal(organizationId: $o, input: $i) {
    id goal actionSteps organizationsEngaged { organization responsibilities } timeline nextSteps resourcesNeeded version } }";
const EDIT_GOAL: &str =
    "mutation($id: ID!, $v: Int!, $i: CapacityGoalInput!) { updateCapacityGoal(id: $id, version: $v, input: $i) {
    id goal actionSteps timeline version } }";

/// Runs `sql` as the service role in a transaction acting for `org` (and `user`), as
/// `lantern::db::rls` does, then rolls back: what it returned, or "refused".
pub(crate) async fn as_service(db: &tokio_postgres::Client, org: &str, user: &str, sql: &str) -> String {
    db.batch_execute("BEGIN").await.unwrap();
    db.execute("SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)", &[&org, &user])
        .await
        .unwrap();
    let result = db.query(sql, &[]).await;
    db.batch_execute("ROLLBACK").await.unwrap();
    match result {
        Ok(rows) if rows.len() == 1 && rows[0].len() == 1 => {
            rows[0].try_get::<_, i64>(0).map(|n| n.to_string()).unwrap_or_else(|_| "1 rows".into())
        }
        Ok(rows) => format!("{} rows", rows.len()),
        Err(e) if e.code().map(|c| c.code()) == Some("42501") => "refused".into(),
        Err(e) => format!("error: {}", e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned())),
    }
}

pub(crate) async fn user_id(app: &TestApp, token: &str) -> String {
    app.data_as(token, "{ me { user { id } } }", json!({})).await["me"]["user"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_capacity_checklist_is_private_to_its_organization_and_network_admins() {
    let w = world().await;
    let app = &w.app;
    let o = json!(w.org_a);
    let saved = app
        .data_as(&w.coord_a, SAVE_ITEM, json!({ "o": o, "c": "screening.1", "v": 0, "i": { "status": "IN_PROGRESS", "note": "New intake form from January." } }))
        .await;
    assert_eq!(saved["saveCapacityChecklistAnswer"]["version"], 1);
    let (_, stale) = app
        .gql_as(&w.staff_a, SAVE_ITEM, json!({ "o": o, "c": "screening.1", "v": 0, "i": { "status": "YES" } }))
        .await;
    assert_eq!(error_code(&stale), "CONFLICT");
    app.data_as(&w.staff_a, SAVE_ITEM, json!({ "o": o, "c": "role.1", "v": 0, "i": { "note": "Emergency shelter for adults;\nhotline around the clock." } }))
        .await;
    let review = app
        .data_as(
            &w.coord_a,
            REVIEW,
            json!({ "o": o, "v": 0, "i": { "capacity": "Twelve beds.", "priorities": "Spanish-speaking staff." } }),
        )
        .await;
    assert_eq!(review["updateCapacityReview"]["version"], 1);
    let review = app.data_as(&w.coord_a, REVIEW, json!({ "o": o, "v": 1, "i": { "capacity": "" } })).await;
    assert_eq!(
        review["updateCapacityReview"],
        json!({ "capacity": null, "gapsAndLimits": null, "priorities": "Spanish-speaking staff.", "resourcesNeeded": null, "version": 2 })
    );
    let goal = app
        .data_as(
            &w.coord_a,
            NEW_GOAL,
            json!({ "o": o, "i": { "goal": "Screen every intake for trafficking", "actionSteps": "Adopt a screening tool.\nTrain staff.",
                "organizationsEngaged": [{ "organization": "County DSS", "responsibilities": "Share its screening tool" }],
                "timeline": "By June", "nextSteps": "Pick a tool", "resourcesNeeded": "Training time" } }),
        )
        .await["createCapacityGoal"]
        .clone();
    let goal_id = goal["id"].as_str().unwrap().to_owned();
    let edited =
        app.data_as(&w.coord_a, EDIT_GOAL, json!({ "id": goal_id, "v": 1, "i": { "timeline": "By May" } })).await;
    assert_eq!(edited["updateCapacityGoal"]["timeline"], "By May");
    assert_eq!(edited["updateCapacityGoal"]["actionSteps"], "Adopt a screening tool.\nTrain staff.");
    let other =
        app.data_as(&w.coord_a, NEW_GOAL, json!({ "o": o, "i": { "goal": "Sign an MOU with the county team" } })).await;
    let other_id = other["createCapacityGoal"]["id"].clone();
    app.data_as(
        &w.coord_a,
        "mutation($id: ID!) { archiveCapacityGoal(id: $id, version: 1) }",
        json!({ "id": other_id }),
    )
    .await;

    let own = app.data_as(&w.advocate_a, CHECKLIST, json!({ "o": o })).await;
    let goals = own["capacityChecklist"]["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 1, "the archived goal is gone");
    assert_eq!(goals[0]["organizationsEngaged"][0]["organization"], "County DSS");
    // A network admin reads it too.
    let admin_view = app.data_as(&w.admin, CHECKLIST, json!({ "o": o })).await;
    assert_eq!(admin_view, own);

    // Everyone else: another organization, a lower role, a reviewer, anonymous.
    for (who, token) in [("another organization", &w.coord_b), ("MDT viewer", &w.mdt_a), ("reviewer", &w.reviewer)] {
        let (_, body) = app.gql_as(token, CHECKLIST, json!({ "o": o })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who} reads: {body}");
    }
    assert_eq!(error_code(&app.gql(CHECKLIST, json!({ "o": o })).await), "UNAUTHENTICATED");
    // Writes: only the organization's coordinators and provider staff.
    for (who, token) in [
        ("another organization", &w.coord_b),
        ("advocate", &w.advocate_a),
        ("MDT viewer", &w.mdt_a),
        ("network admin", &w.admin),
    ] {
        let (_, body) =
            app.gql_as(token, SAVE_ITEM, json!({ "o": o, "c": "screening.1", "v": 1, "i": { "status": "YES" } })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who} writes: {body}");
        let (_, body) = app.gql_as(token, REVIEW, json!({ "o": o, "v": 2, "i": { "capacity": "x" } })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who} writes the review: {body}");
        let (_, body) = app.gql_as(token, NEW_GOAL, json!({ "o": o, "i": { "goal": "x" } })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who} adds a goal: {body}");
    }
    let (_, body) =
        app.gql_as(&w.coord_b, EDIT_GOAL, json!({ "id": goal_id, "v": 2, "i": { "goal": "taken over" } })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "another organization's goal does not exist for it");
    let (_, body) =
        app.gql_as(&w.admin, EDIT_GOAL, json!({ "id": goal_id, "v": 2, "i": { "goal": "taken over" } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "a network admin reads it, and does not write it");
    let unchanged = app.data_as(&w.coord_a, CHECKLIST, json!({ "o": o })).await;
    assert_eq!(unchanged, own, "nothing was written by anyone else");

    // The database holds the same line for the service role on its own.
    let (db, connection) = tokio_postgres::connect(&app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let admin_user = user_id(app, &w.admin).await;
    let admin_org =
        app.data_as(&w.admin, "{ me { organization { id } } }", json!({})).await["me"]["organization"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let coord_b_user = user_id(app, &w.coord_b).await;
    let coord_a_user = user_id(app, &w.coord_a).await;
    let a = &w.org_a;
    let count = |table: &str| format!("SELECT count(*) FROM {table} WHERE organization_id = '{a}'");
    let mut got = BTreeMap::new();
    for table in ["capacity_checklist_answers", "capacity_reviews", "capacity_goals"] {
        got.insert(format!("{table} by A"), as_service(&db, a, &coord_a_user, &count(table)).await);
        got.insert(format!("{table} by B"), as_service(&db, &w.org_b, &coord_b_user, &count(table)).await);
        got.insert(format!("{table} by an admin"), as_service(&db, &admin_org, &admin_user, &count(table)).await);
        got.insert(format!("{table} by nobody"), as_service(&db, "", "", &count(table)).await);
        // A coordinator of B claiming to be the admin's organization is not an admin there.
        got.insert(format!("{table} by B posing"), as_service(&db, &admin_org, &coord_b_user, &count(table)).await);
    }
    let insert = format!(
        "INSERT INTO capacity_checklist_answers (organization_id, item_code, status, updated_by) VALUES ('{a}', 'protocols.1', 'YES', '{coord_b_user}') RETURNING 1"
    );
    got.insert("B writes A's answer".into(), as_service(&db, &w.org_b, &coord_b_user, &insert).await);
    got.insert(
        "an admin writes A's answer".into(),
        as_service(&db, &admin_org, &admin_user, &insert.replace(&coord_b_user, &admin_user)).await,
    );
    let update = format!("UPDATE capacity_goals SET goal = 'taken' WHERE organization_id = '{a}' RETURNING 1");
    got.insert("B edits A's goals".into(), as_service(&db, &w.org_b, &coord_b_user, &update).await);
    got.insert("an admin edits A's goals".into(), as_service(&db, &admin_org, &admin_user, &update).await);
    let own_insert = format!(
        "INSERT INTO capacity_checklist_answers (organization_id, item_code, status, updated_by) VALUES ('{a}', 'protocols.1', 'YES', '{coord_a_user}') RETURNING 1"
    );
    got.insert("A writes its own answer".into(), as_service(&db, a, &coord_a_user, &own_insert).await);
    got.insert(
        "A writes as someone else".into(),
        as_service(&db, a, &coord_a_user, &own_insert.replace(&coord_a_user, &coord_b_user)).await,
    );
    let want: BTreeMap<String, String> = [
        ("capacity_checklist_answers by A", "2"),
        ("capacity_checklist_answers by B", "0"),
        ("capacity_checklist_answers by an admin", "2"),
        ("capacity_checklist_answers by nobody", "0"),
        ("capacity_checklist_answers by B posing", "0"),
        ("capacity_reviews by A", "1"),
        ("capacity_reviews by B", "0"),
        ("capacity_reviews by an admin", "1"),
        ("capacity_reviews by nobody", "0"),
        ("capacity_reviews by B posing", "0"),
        ("capacity_goals by A", "2"),
        ("capacity_goals by B", "0"),
        ("capacity_goals by an admin", "2"),
        ("capacity_goals by nobody", "0"),
        ("capacity_goals by B posing", "0"),
        ("B writes A's answer", "refused"),
        ("an admin writes A's answer", "refused"),
        ("B edits A's goals", "0 rows"),
        ("an admin edits A's goals", "0 rows"),
        ("A writes its own answer", "1 rows"),
        ("A writes as someone else", "refused"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn the_database_keeps_assessments_to_their_organization_and_reviewers() {
    let w = world().await;
    let app = &w.app;
    let draft = start(app, &w.coord_a, &w.org_a).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    save(app, &w.coord_a, &id, 1, 0, json!({ "level": "MEETS", "evidenceNote": "Ethics code." })).await;
    let (db, connection) = tokio_postgres::connect(&app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let a = w.org_a.clone();
    let (coord_a, coord_b, reviewer) =
        (user_id(app, &w.coord_a).await, user_id(app, &w.coord_b).await, w.reviewer_id.clone());
    let visible = |table: &str| format!("SELECT count(*) FROM {table} WHERE organization_id = '{a}'");
    let answer = |user: &str| {
        format!(
            "INSERT INTO standards_answers (assessment_id, organization_id, standard_number, level, updated_by)
             VALUES ('{id}', '{a}', 2, 'MEETS', '{user}') RETURNING 1"
        )
    };
    let decision = |user: &str| {
        format!(
            "INSERT INTO standards_review_decisions (assessment_id, organization_id, standard_number, decision, decided_by)
             VALUES ('{id}', '{a}', 1, 'ACCEPTED', '{user}') RETURNING 1"
        )
    };
    let accept = format!(
        "UPDATE standards_assessments SET status = 'ACCEPTED', reviewed_at = now(), reviewed_by = '{reviewer}' WHERE id = '{id}' RETURNING 1"
    );
    let reviewer_org = w.reviewer_org.clone();
    let mut got = BTreeMap::new();
    got.insert("A reads its draft", as_service(&db, &a, &coord_a, &visible("standards_answers")).await);
    got.insert("B reads A's draft", as_service(&db, &w.org_b, &coord_b, &visible("standards_answers")).await);
    got.insert(
        "a reviewer reads A's draft",
        as_service(&db, &reviewer_org, &reviewer, &visible("standards_assessments")).await,
    );
    got.insert("B answers in A's draft", as_service(&db, &w.org_b, &coord_b, &answer(&coord_b)).await);
    got.insert("A answers in its draft", as_service(&db, &a, &coord_a, &answer(&coord_a)).await);
    got.insert("a reviewer decides on a draft", as_service(&db, &reviewer_org, &reviewer, &decision(&reviewer)).await);
    // Submitted: reviewers read and decide; the organization no longer writes; no one
    // of the organization decides.
    let (_, now) = read(app, &w.coord_a, &id).await;
    let version = answer_all(app, &w.coord_a, &now["data"]["standardsAssessment"], "MEETS").await;
    submit(app, &w.coord_a, &id, version).await;
    got.insert(
        "a reviewer reads it submitted",
        as_service(&db, &reviewer_org, &reviewer, &visible("standards_assessments")).await,
    );
    got.insert("B reads it submitted", as_service(&db, &w.org_b, &coord_b, &visible("standards_assessments")).await);
    got.insert(
        "A changes a submitted answer",
        as_service(
            &db,
            &a,
            &coord_a,
            &format!("UPDATE standards_answers SET level = 'EXCEEDS' WHERE assessment_id = '{id}' RETURNING 1"),
        )
        .await,
    );
    got.insert("a reviewer decides", as_service(&db, &reviewer_org, &reviewer, &decision(&reviewer)).await);
    got.insert("a reviewer decides as another", as_service(&db, &reviewer_org, &reviewer, &decision(&coord_b)).await);
    got.insert("B decides", as_service(&db, &w.org_b, &coord_b, &decision(&coord_b)).await);
    got.insert("A decides on itself", as_service(&db, &a, &coord_a, &decision(&coord_a)).await);
    got.insert("A accepts itself", as_service(&db, &a, &coord_a, &accept.replace(&reviewer, &coord_a)).await);
    got.insert("B accepts A", as_service(&db, &w.org_b, &coord_b, &accept.replace(&reviewer, &coord_b)).await);
    got.insert("a reviewer accepts", as_service(&db, &reviewer_org, &reviewer, &accept).await);
    got.insert(
        "a reviewer records an outcome",
        as_service(
            &db,
            &reviewer_org,
            &reviewer,
            &format!(
                "INSERT INTO standards_outcomes (assessment_id, organization_id, service_areas, valid_from, valid_until, decided_by)
                 VALUES ('{id}', '{a}', '{{HOTLINE}}', current_date, current_date + 30, '{reviewer}') RETURNING 1"
            ),
        )
        .await,
    );
    got.insert(
        "A records its own outcome",
        as_service(
            &db,
            &a,
            &coord_a,
            &format!(
                "INSERT INTO standards_outcomes (assessment_id, organization_id, service_areas, valid_from, valid_until, decided_by)
                 VALUES ('{id}', '{a}', '{{HOTLINE}}', current_date, current_date + 3650, '{coord_a}') RETURNING 1"
            ),
        )
        .await,
    );
    got.insert(
        "anyone changes an outcome",
        as_service(
            &db,
            &reviewer_org,
            &reviewer,
            "UPDATE standards_outcomes SET valid_until = current_date + 3650 RETURNING 1",
        )
        .await,
    );
    let want: BTreeMap<&str, String> = [
        ("A reads its draft", "1"),
        ("B reads A's draft", "0"),
        ("a reviewer reads A's draft", "0"),
        ("B answers in A's draft", "refused"),
        ("A answers in its draft", "1 rows"),
        ("a reviewer decides on a draft", "refused"),
        ("a reviewer reads it submitted", "1"),
        ("B reads it submitted", "0"),
        ("A changes a submitted answer", "0 rows"),
        ("a reviewer decides", "1 rows"),
        ("a reviewer decides as another", "refused"),
        ("B decides", "refused"),
        ("A decides on itself", "refused"),
        ("A accepts itself", "0 rows"),
        ("B accepts A", "0 rows"),
        ("a reviewer accepts", "1 rows"),
        ("a reviewer records an outcome", "1 rows"),
        ("A records its own outcome", "refused"),
        ("anyone changes an outcome", "refused"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------
// The aggregate against an independent count over a fixture.

/// Where a fixture organization's listings put it.
#[derive(Clone, Copy)]
enum Home {
    /// A listing located at the county seat.
    Located(&'static str),
    /// Listings without a location serving these counties.
    Serves(&'static [&'static str]),
    /// No listing at all.
    Nothing,
}

/// One outcome of a fixture organization: the areas assessed and vetted, the standards
/// not at MEETS, and its days (relative to today), decided `decided_days_ago`.
#[derive(Clone, Copy)]
struct FixtureOutcome {
    scope: &'static [&'static str],
    vetted: &'static [&'static str],
    levels: &'static [(i64, &'static str)],
    window: (i64, i64),
    decided_days_ago: i64,
}

#[derive(Clone, Copy)]
struct FixtureOrg {
    home: Home,
    outcomes: &'static [FixtureOutcome],
    archived: bool,
}

const NOW: (i64, i64) = (-30, 300);
const fn outcome(
    scope: &'static [&'static str],
    vetted: &'static [&'static str],
    levels: &'static [(i64, &'static str)],
) -> FixtureOutcome {
    FixtureOutcome { scope, vetted, levels, window: NOW, decided_days_ago: 30 }
}
const fn org(home: Home, outcomes: &'static [FixtureOutcome]) -> FixtureOrg {
    FixtureOrg { home, outcomes, archived: false }
}
const HS: &[&str] = &["HOTLINE", "SHELTER_HOUSING"];
const WAKE_FIPS: &str = "37183";

const FIXTURE: &[FixtureOrg] = &[
    org(Home::Located(WAKE_FIPS), &[outcome(HS, HS, &[(49, "NOT_APPLICABLE")])]),
    org(Home::Located(WAKE_FIPS), &[outcome(HS, &[], &[(2, "DOES_NOT_MEET")])]),
    org(Home::Located(WAKE_FIPS), &[outcome(HS, HS, &[(27, "EXCEEDS"), (1, "EXCEEDS")])]),
    org(Home::Located(WAKE_FIPS), &[outcome(HS, HS, &[])]),
    org(Home::Located(WAKE_FIPS), &[outcome(HS, HS, &[])]),
    org(Home::Located(WAKE_FIPS), &[outcome(HS, HS, &[])]),
    org(Home::Located(WAKE_FIPS), &[outcome(HS, HS, &[])]),
    org(Home::Located("37063"), &[outcome(&["CASE_MANAGEMENT"], &["CASE_MANAGEMENT"], &[(3, "NOT_APPLICABLE")])]),
    org(Home::Located("37063"), &[outcome(&["CASE_MANAGEMENT"], &["CASE_MANAGEMENT"], &[])]),
    org(Home::Located("37135"), &[outcome(&["SHELTER_HOUSING"], &[], &[(4, "DOES_NOT_MEET")])]),
    org(Home::Located("37135"), &[outcome(&["SHELTER_HOUSING"], &[], &[(4, "DOES_NOT_MEET")])]),
    org(Home::Located("37135"), &[outcome(&["SHELTER_HOUSING"], &["SHELTER_HOUSING"], &[])]),
    org(Home::Located("37119"), &[outcome(&["HOTLINE", "CRISIS_RESPONSE"], &[], &[(2, "DOES_NOT_MEET")])]),
    org(Home::Located("37119"), &[outcome(&["HOTLINE", "CRISIS_RESPONSE"], &["HOTLINE", "CRISIS_RESPONSE"], &[])]),
    org(Home::Located("37119"), &[outcome(&["HOTLINE", "CRISIS_RESPONSE"], &["HOTLINE", "CRISIS_RESPONSE"], &[])]),
    org(Home::Located("37119"), &[outcome(&["HOTLINE", "CRISIS_RESPONSE"], &["HOTLINE", "CRISIS_RESPONSE"], &[])]),
    org(Home::Located("37119"), &[outcome(&["HOTLINE", "CRISIS_RESPONSE"], &["HOTLINE", "CRISIS_RESPONSE"], &[])]),
    org(Home::Located("37119"), &[outcome(&["HOTLINE", "CRISIS_RESPONSE"], &["HOTLINE", "CRISIS_RESPONSE"], &[])]),
    // Home by its one served county; no home when it serves two; none without a listing.
    org(Home::Serves(&["37095"]), &[outcome(&[], &[], &[])]),
    org(Home::Serves(&[WAKE_FIPS, "37063"]), &[outcome(&[], &[], &[])]),
    org(Home::Nothing, &[outcome(&["PEER_SUPPORT"], &["PEER_SUPPORT"], &[])]),
    // Not counted: expired, starting tomorrow, archived, and replaced by a later review
    // that has ended.
    org(
        Home::Located(WAKE_FIPS),
        &[FixtureOutcome { scope: HS, vetted: HS, levels: &[], window: (-400, -1), decided_days_ago: 400 }],
    ),
    org(
        Home::Located(WAKE_FIPS),
        &[FixtureOutcome { scope: HS, vetted: HS, levels: &[], window: (1, 300), decided_days_ago: 1 }],
    ),
    FixtureOrg { home: Home::Located(WAKE_FIPS), outcomes: &[outcome(HS, HS, &[])], archived: true },
    org(
        Home::Located("37135"),
        &[
            outcome(&["SHELTER_HOUSING"], &["SHELTER_HOUSING"], &[]),
            FixtureOutcome { scope: HS, vetted: HS, levels: &[], window: (-10, -1), decided_days_ago: 5 },
        ],
    ),
];

impl FixtureOrg {
    /// The outcome in force today, worked out from the fixture's own terms.
    fn in_force(&self) -> Option<&FixtureOutcome> {
        if self.archived {
            return None;
        }
        let latest = self.outcomes.iter().filter(|o| o.window.0 <= 0).min_by_key(|o| o.decided_days_ago)?;
        (latest.window.1 >= 0).then_some(latest)
    }

    fn county(&self) -> Option<&'static str> {
        match self.home {
            Home::Located(fips) => Some(fips),
            Home::Serves([one]) => Some(one),
            _ => None,
        }
    }
}

async fn insert_fixture(db: &tokio_postgres::Client, decided_by: &str) {
    let seats: Vec<Value> = serde_json::from_str(include_str!("../fixtures/nc-county-seats.json")).unwrap();
    let seat = |fips: &str| {
        let s = seats.iter().find(|s| s["fips"] == fips).unwrap();
        (s["lat"].as_f64().unwrap(), s["lon"].as_f64().unwrap())
    };
    for (i, f) in FIXTURE.iter().enumerate() {
        let org = uuid::Uuid::new_v4().to_string();
        let mut sql = format!(
            "INSERT INTO organizations (id, name, archived_at) VALUES ('{org}', 'Fixture Org {i} (test)', {});",
            if f.archived { "now()" } else { "NULL" }
        );
        let provider = uuid::Uuid::new_v4().to_string();
        match f.home {
            Home::Located(fips) => {
                let (lat, lon) = seat(fips);
                sql += &format!(
                    "INSERT INTO providers (id, name, kind, synthetic, organization_id) VALUES ('{provider}', 'Fixture {i} (synthetic)', 'dv_sa_agency', true, '{org}');
                     INSERT INTO locations (provider_id, geog) VALUES ('{provider}', ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)::geography);"
                );
            }
            Home::Serves(counties) => {
                sql += &format!(
                    "INSERT INTO providers (id, name, kind, synthetic, organization_id) VALUES ('{provider}', 'Fixture {i} (synthetic)', 'hotline', true, '{org}');"
                );
                for c in counties {
                    sql += &format!(
                        "INSERT INTO provider_service_areas (provider_id, county_fips) VALUES ('{provider}', '{c}');"
                    );
                }
            }
            Home::Nothing => {}
        }
        for (n, o) in f.outcomes.iter().enumerate() {
            let id = uuid::Uuid::new_v4().to_string();
            let list = |areas: &[&str]| {
                format!("ARRAY[{}]::text[]", areas.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(","))
            };
            let level =
                o.levels.iter().map(|(s, l)| format!("WHEN number = {s} THEN '{l}'")).collect::<Vec<_>>().join(" ");
            sql += &format!(
                "INSERT INTO standards_assessments (id, organization_id, number, status, service_areas, submitted_at, reviewed_at, reviewed_by)
                 VALUES ('{id}', '{org}', {number}, 'ACCEPTED', {scope}, now() - interval '{d} days', now() - interval '{d} days', '{decided_by}');
                 INSERT INTO standards_answers (assessment_id, organization_id, standard_number, level, not_applicable_reason)
                 SELECT '{id}', '{org}', number, l, CASE WHEN l = 'NOT_APPLICABLE' THEN 'Not our program.' END
                 FROM (SELECT number, CASE {level} ELSE 'MEETS' END AS l FROM standards
                       WHERE area_code IS NULL OR area_code = ANY ({scope})) s;
                 INSERT INTO standards_outcomes (assessment_id, organization_id, service_areas, valid_from, valid_until, decided_by, decided_at)
                 VALUES ('{id}', '{org}', {vetted}, current_date + {from}, current_date + {until}, '{decided_by}', now() - interval '{d} days');",
                number = n + 1,
                scope = list(o.scope),
                vetted = list(o.vetted),
                d = o.decided_days_ago,
                level = if level.is_empty() { "WHEN false THEN NULL".to_owned() } else { level },
                from = o.window.0,
                until = o.window.1,
            );
        }
        db.batch_execute(&sql).await.unwrap_or_else(|e| panic!("fixture {i}: {e}"));
    }
}

/// Figures by county (`None`: no county).
type Cells<T> = BTreeMap<Option<String>, T>;

/// The publication rule as the README states it, over every county and "no county".
fn expected_publication(cells: &Cells<i64>) -> (Option<i64>, Option<Cells<Option<i64>>>) {
    let small = |n: i64| (1..=4).contains(&n);
    let statewide: i64 = cells.values().sum();
    if small(statewide) {
        return (None, None);
    }
    let withheld: Vec<i64> = cells.values().copied().filter(|&n| small(n)).collect();
    let (k, w) = (withheld.len() as i64, withheld.iter().sum::<i64>());
    if k == 0 || (k >= 2 && k + 3 <= w && w <= 4 * k - 3) {
        (Some(statewide), Some(cells.iter().map(|(c, &n)| (c.clone(), (!small(n)).then_some(n))).collect()))
    } else {
        (Some(statewide), None)
    }
}

/// Splits a CSV line of quoted and unquoted fields.
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

const AGGREGATE: &str = "{ standardsAggregate { asOf
    standards { standard { number serviceArea } statewide countyBreakdown counties { county { fips } organizations } withoutCounty }
    serviceAreas { serviceArea statewide countyBreakdown counties { county { fips } organizations } withoutCounty } } }";

#[tokio::test]
async fn the_aggregate_equals_an_independent_count_and_hides_what_it_must() {
    let w = world().await;
    let app = &w.app;
    // One organization through the API (org A, located in Wake: every standard met).
    let id = submitted(app, &w.coord_a, &w.org_a, "MEETS").await;
    accept_all(app, &w.reviewer, &id).await;
    let db = app.sql().await;
    let decided_by: String = db.query_one("SELECT id::text FROM users LIMIT 1", &[]).await.unwrap().get(0);
    insert_fixture(&db, &decided_by).await;

    // The independent count: every organization with an outcome in force, in its home county.
    const ALL_THREE: &[&str] = &["HOTLINE", "CRISIS_RESPONSE", "SHELTER_HOUSING"];
    const API_ORG: FixtureOrg = org(Home::Located(WAKE_FIPS), &[outcome(ALL_THREE, ALL_THREE, &[])]);
    let api_org = API_ORG;
    let reference = app.data("{ standards { number serviceArea } counties { fips } }", json!({})).await;
    let counties: Vec<String> =
        reference["counties"].as_array().unwrap().iter().map(|c| c["fips"].as_str().unwrap().to_owned()).collect();
    let empty: BTreeMap<Option<String>, i64> =
        counties.iter().map(|c| (Some(c.clone()), 0)).chain([(None, 0)]).collect();
    let mut by_standard: BTreeMap<i64, BTreeMap<Option<String>, i64>> = BTreeMap::new();
    let mut by_area: BTreeMap<String, BTreeMap<Option<String>, i64>> = BTreeMap::new();
    for f in FIXTURE.iter().chain([&api_org]) {
        let Some(o) = f.in_force() else { continue };
        let home = f.county().map(str::to_owned);
        for s in reference["standards"].as_array().unwrap() {
            let number = s["number"].as_i64().unwrap();
            let applies = s["serviceArea"].as_str().is_none_or(|a| o.scope.contains(&a));
            let level = o.levels.iter().find(|(n, _)| *n == number).map_or("MEETS", |(_, l)| *l);
            let cells = by_standard.entry(number).or_insert_with(|| empty.clone());
            if applies && matches!(level, "MEETS" | "EXCEEDS") {
                *cells.get_mut(&home).unwrap() += 1;
            }
        }
        for a in AREAS {
            let cells = by_area.entry(a.to_owned()).or_insert_with(|| empty.clone());
            if o.vetted.contains(&a) {
                *cells.get_mut(&home).unwrap() += 1;
            }
        }
    }
    by_area.entry("HOTLINE".into()).or_insert_with(|| empty.clone());

    // What the API publishes is exactly that count, under the rule.
    let data = app.data_as(&w.mdt_a, AGGREGATE, json!({})).await["standardsAggregate"].clone();
    assert_eq!(data["asOf"], today().to_string());
    let check = |what: String, figures: &Value, cells: &BTreeMap<Option<String>, i64>| {
        let (statewide, breakdown) = expected_publication(cells);
        assert_eq!(figures["statewide"].as_i64(), statewide, "{what} statewide: {figures}");
        assert_eq!(figures["countyBreakdown"], breakdown.is_some(), "{what}: {figures}");
        let listed: BTreeMap<String, Option<i64>> = figures["counties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["county"]["fips"].as_str().unwrap().to_owned(), c["organizations"].as_i64()))
            .collect();
        let expected: BTreeMap<String, Option<i64>> = breakdown
            .iter()
            .flatten()
            .filter_map(|(c, n)| c.clone().map(|c| (c, *n)))
            .filter(|(_, n)| *n != Some(0))
            .collect();
        assert_eq!(listed, expected, "{what} counties");
        let without = breakdown.as_ref().and_then(|b| b[&None]);
        assert_eq!(figures["withoutCounty"].as_i64(), without, "{what} without a county");

        // And, as an attacker sees it: nothing published pins down a withheld figure.
        if figures["countyBreakdown"] == true {
            let published: i64 =
                listed.values().flatten().sum::<i64>() + figures["withoutCounty"].as_i64().unwrap_or(0);
            let k =
                listed.values().filter(|n| n.is_none()).count() as i64 + i64::from(figures["withoutCounty"].is_null());
            let w = figures["statewide"].as_i64().unwrap() - published;
            assert!(k == 0 || (k >= 2 && k + 3 <= w && w <= 4 * k - 3), "{what}: {k} withheld adding up to {w}");
        } else {
            assert!(figures["counties"].as_array().unwrap().is_empty() && figures["withoutCounty"].is_null());
        }
    };
    let standards = data["standards"].as_array().unwrap();
    assert_eq!(standards.len(), 54);
    for s in standards {
        let n = s["standard"]["number"].as_i64().unwrap();
        check(format!("standard {n}"), s, &by_standard[&n]);
    }
    for a in data["serviceAreas"].as_array().unwrap() {
        let area = a["serviceArea"].as_str().unwrap().to_owned();
        check(area.clone(), a, &by_area[&area]);
    }
    // The fixture reaches every branch of the rule (figures worked out by hand).
    let figure = |n: usize| standards[n - 1].clone();
    assert_eq!((figure(1)["statewide"].clone(), figure(1)["countyBreakdown"].clone()), (json!(22), json!(true)));
    let wake = |f: &Value| f["counties"].as_array().unwrap().iter().find(|c| c["county"]["fips"] == WAKE_FIPS).cloned();
    assert_eq!(wake(&figure(1)).unwrap()["organizations"], 8);
    let durham = figure(1)["counties"].as_array().unwrap().iter().find(|c| c["county"]["fips"] == "37063").cloned();
    assert_eq!(durham.unwrap()["organizations"], Value::Null, "2 in Durham: withheld");
    assert_eq!(figure(1)["withoutCounty"], Value::Null, "2 without a county: withheld");
    assert_eq!((figure(4)["statewide"].clone(), figure(4)["countyBreakdown"].clone()), (json!(20), json!(false)));
    assert_eq!((figure(41)["statewide"].clone(), figure(41)["countyBreakdown"].clone()), (Value::Null, json!(false)));
    assert_eq!(figure(27)["statewide"], 14);
    assert_eq!(figure(27)["counties"].as_array().unwrap().len(), 2, "Wake 8 and Mecklenburg 6, all published");
    assert_eq!(figure(49)["statewide"], 10, "7 in Wake (one not applicable), 3 in Orange");

    // The download says the same, for network members only.
    let get = |token: Option<&str>| {
        let mut r = app.client.get(format!("{}/exports/standards.csv", app.base_url));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    let response = get(Some(&w.mdt_a)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("lantern-standards.csv"));
    let text = response.text().await.unwrap();
    let lines: Vec<Vec<String>> = text.lines().map(csv_fields).collect();
    assert_eq!(lines[0].join(","), "as_of,kind,key,title,service_area,geography,county_fips,county,organizations");
    let rows = &lines[1..];
    let breakdowns = standards
        .iter()
        .chain(data["serviceAreas"].as_array().unwrap())
        .filter(|f| f["countyBreakdown"] == true)
        .count();
    assert_eq!(
        rows.len(),
        59 * 2 + breakdowns * 100,
        "a statewide and a no-county row each, and 100 counties where published"
    );
    let value = |kind: &str, key: &str, geography: &str, fips: &str| {
        rows.iter()
            .find(|r| r[1] == kind && r[2] == key && r[5] == geography && r[6] == fips)
            .map(|r| r[8].clone())
            .unwrap_or_else(|| panic!("no row {kind} {key} {geography} {fips}"))
    };
    assert_eq!(value("standard", "1", "statewide", ""), "22");
    assert_eq!(value("standard", "1", "county", WAKE_FIPS), "8");
    assert_eq!(value("standard", "1", "county", "37063"), "", "withheld");
    assert_eq!(value("standard", "1", "county", "37001"), "0");
    assert_eq!(value("standard", "41", "statewide", ""), "", "withheld");
    assert_eq!(value("service_area", "HOTLINE", "statewide", ""), data["serviceAreas"][0]["statewide"].to_string());
    assert!(rows.iter().all(|r| r[0] == today().to_string() && r.len() == 9));

    // Anonymous callers get nothing.
    assert_eq!(error_code(&app.gql(AGGREGATE, json!({})).await), "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------
// Bad input.

/// A fingerprint of every standards and checklist table: any write changes it.
async fn standards_tables(db: &tokio_postgres::Client) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "organization_standard_areas",
        "standards_assessments",
        "standards_answers",
        "standards_review_decisions",
        "standards_outcomes",
        "standards_reviewers",
        "capacity_checklist_answers",
        "capacity_reviews",
        "capacity_goals",
    ] {
        let row = db
            .query_one(
                &format!("SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t"),
                &[],
            )
            .await
            .unwrap();
        out.push(format!("{table}:{}", row.get::<_, String>(0)));
    }
    out
}

#[tokio::test]
async fn bad_input_is_named_and_nothing_is_half_written() {
    let w = world().await;
    let app = &w.app;
    // A draft with case management in scope (standard 41 has no "exceeds"), and one
    // awaiting review.
    app.data_as(
        &w.coord_a,
        "mutation($o: ID!) { setStandardsServiceArea(organizationId: $o, area: CASE_MANAGEMENT, provided: true, reason: \"We run case management.\") { area } }",
        json!({ "o": w.org_a }),
    )
    .await;
    let draft = start(app, &w.coord_a, &w.org_a).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let (_, _, staff_b) = app.member(&w.admin, &w.org_b, "PROVIDER_STAFF").await;
    listing(app, &staff_b, "Second Street Shelter (synthetic)", &["acute.housing"], None).await;
    let pending = submitted(app, &w.coord_b, &w.org_b, "MEETS").await;
    let goal = app.data_as(&w.coord_a, NEW_GOAL, json!({ "o": w.org_a, "i": { "goal": "Screen every intake" } })).await
        ["createCapacityGoal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let db = app.sql().await;
    let before = standards_tables(&db).await;

    let a = json!(w.org_a);
    let tomorrow = (today() + Duration::days(1)).to_string();
    let long = "x".repeat(10_001);
    let refs: Vec<String> = (0..21).map(|i| format!("Policy {i}")).collect();
    let engaged: Vec<Value> =
        (0..31).map(|i| json!({ "organization": format!("Agency {i}"), "responsibilities": "x" })).collect();
    let set_area = "mutation($o: ID!, $a: StandardServiceArea!, $p: Boolean, $r: String) {
        setStandardsServiceArea(organizationId: $o, area: $a, provided: $p, reason: $r) { area } }";
    let start_q = "mutation($o: ID!) { startStandardsAssessment(organizationId: $o) { id } }";
    let submit_q = "mutation($id: ID!, $v: Int!) { submitStandardsAssessment(id: $id, version: $v) { id } }";
    let grant = "mutation($u: ID!) { grantStandardsReviewer(userId: $u) { userId } }";
    let cases: Vec<(&str, &str, &str, Value, &str)> = vec![
        ("add without a reason", &w.coord_a, set_area, json!({ "o": a, "a": "PEER_SUPPORT", "p": true }), "reason"),
        ("blank reason", &w.coord_a, set_area, json!({ "o": a, "a": "PEER_SUPPORT", "p": false, "r": "  " }), "reason"),
        ("reason without a choice", &w.coord_a, set_area, json!({ "o": a, "a": "PEER_SUPPORT", "r": "why" }), "reason"),
        (
            "malformed organization",
            &w.coord_a,
            set_area,
            json!({ "o": "nope", "a": "PEER_SUPPORT", "p": true, "r": "x" }),
            "organizationId",
        ),
        ("malformed organization", &w.coord_a, start_q, json!({ "o": "nope" }), "organizationId"),
        (
            "no such standard",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 0, "v": 0, "i": { "level": "MEETS" } }),
            "standardNumber",
        ),
        (
            "no such standard",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 55, "v": 0, "i": { "level": "MEETS" } }),
            "standardNumber",
        ),
        (
            "area not provided",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 45, "v": 0, "i": { "level": "MEETS" } }),
            "standardNumber",
        ),
        (
            "no exceeds level",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 41, "v": 0, "i": { "level": "EXCEEDS" } }),
            "input.level",
        ),
        (
            "not applicable without a reason",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "level": "NOT_APPLICABLE" } }),
            "input.notApplicableReason",
        ),
        (
            "a reason without not applicable",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "level": "MEETS", "notApplicableReason": "n/a" } }),
            "input.notApplicableReason",
        ),
        (
            "assessed tomorrow",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "level": "MEETS", "assessedOn": tomorrow } }),
            "input.assessedOn",
        ),
        (
            "assessed in 1999",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "level": "MEETS", "assessedOn": "1999-12-31" } }),
            "input.assessedOn",
        ),
        (
            "blank reference",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "evidenceRefs": [" "] } }),
            "input.evidenceRefs",
        ),
        (
            "too many references",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "evidenceRefs": refs } }),
            "input.evidenceRefs",
        ),
        (
            "note too long",
            &w.coord_a,
            SAVE,
            json!({ "a": draft_id, "n": 2, "v": 0, "i": { "evidenceNote": long } }),
            "input.evidenceNote",
        ),
        ("malformed assessment", &w.coord_a, SAVE, json!({ "a": "nope", "n": 2, "v": 0, "i": {} }), "assessmentId"),
        ("answers missing", &w.coord_a, submit_q, json!({ "id": draft_id, "v": draft["version"] }), "answers"),
        ("malformed id", &w.coord_a, submit_q, json!({ "id": "nope", "v": 1 }), "id"),
        ("return without a comment", &w.reviewer, DECIDE, json!({ "a": pending, "n": 1, "d": "RETURNED" }), "comment"),
        ("blank comment", &w.reviewer, DECIDE, json!({ "a": pending, "n": 1, "d": "RETURNED", "c": " " }), "comment"),
        (
            "standard not assessed",
            &w.reviewer,
            DECIDE,
            json!({ "a": pending, "n": 27, "d": "ACCEPTED" }),
            "standardNumber",
        ),
        ("malformed assessment", &w.reviewer, DECIDE, json!({ "a": "nope", "n": 1, "d": "ACCEPTED" }), "assessmentId"),
        ("undecided standards", &w.reviewer, COMPLETE, json!({ "a": pending }), "decisions"),
        ("no such user", &w.admin, grant, json!({ "u": uuid::Uuid::new_v4().to_string() }), "userId"),
        ("malformed user", &w.admin, grant, json!({ "u": "nope" }), "userId"),
        (
            "no such question",
            &w.coord_a,
            SAVE_ITEM,
            json!({ "o": a, "c": "screening.9", "v": 0, "i": { "status": "YES" } }),
            "itemCode",
        ),
        (
            "status on a question in words",
            &w.coord_a,
            SAVE_ITEM,
            json!({ "o": a, "c": "role.1", "v": 0, "i": { "status": "YES", "note": "x" } }),
            "input.status",
        ),
        (
            "no words for a question in words",
            &w.coord_a,
            SAVE_ITEM,
            json!({ "o": a, "c": "role.2", "v": 0, "i": { "note": " " } }),
            "input.note",
        ),
        (
            "no status for a yes / no question",
            &w.coord_a,
            SAVE_ITEM,
            json!({ "o": a, "c": "screening.1", "v": 0, "i": { "note": "x" } }),
            "input.status",
        ),
        (
            "review too long",
            &w.coord_a,
            REVIEW,
            json!({ "o": a, "v": 0, "i": { "capacity": "x".repeat(20_001) } }),
            "input.capacity",
        ),
        ("a goal without a goal", &w.coord_a, NEW_GOAL, json!({ "o": a, "i": { "timeline": "June" } }), "input.goal"),
        (
            "an engagement without an organization",
            &w.coord_a,
            NEW_GOAL,
            json!({ "o": a, "i": { "goal": "x", "organizationsEngaged": [{ "organization": " ", "responsibilities": "x" }] } }),
            "input.organizationsEngaged.organization",
        ),
        (
            "too many engagements",
            &w.coord_a,
            NEW_GOAL,
            json!({ "o": a, "i": { "goal": "x", "organizationsEngaged": engaged } }),
            "input.organizationsEngaged",
        ),
        ("a goal cleared", &w.coord_a, EDIT_GOAL, json!({ "id": goal, "v": 1, "i": { "goal": "" } }), "input.goal"),
    ];
    for (case, token, query, variables, field) in cases {
        let (status, body) = app.gql_as(token, query, variables).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{case}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{case}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(field), "{case}: the message names {field}");
        assert_eq!(body["data"], Value::Null, "{case}");
    }
    // The review's dates, once every standard is decided.
    let (_, body) = read(app, &w.reviewer, &pending).await;
    for n in body["data"]["standardsAssessment"]["undecided"].as_array().unwrap() {
        decide(app, &w.reviewer, &pending, n.as_i64().unwrap(), "ACCEPTED", None).await;
    }
    let decided = standards_tables(&db).await;
    let t = today();
    for (case, from, until, field) in [
        ("starts tomorrow", Some(t + Duration::days(1)), None, "validFrom"),
        ("starts before the submission", Some(t - Duration::days(1)), None, "validFrom"),
        ("ends before it starts", None, Some(t - Duration::days(1)), "validUntil"),
        (
            "longer than a year",
            None,
            Some(lantern::standards::default_valid_until(t) + Duration::days(1)),
            "validUntil",
        ),
    ] {
        let (_, body) = complete(app, &w.reviewer, &pending, from, until).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{case}: {body}");
    }
    assert_eq!(standards_tables(&db).await, decided, "no outcome was half written");
    let (_, done) = complete(app, &w.reviewer, &pending, None, Some(lantern::standards::default_valid_until(t))).await;
    assert_eq!(done["data"]["completeStandardsReview"]["status"], "ACCEPTED", "the longest validity is fine: {done}");
    // Apart from the decisions and the completion just made, nothing was written.
    let after = standards_tables(&db).await;
    let unchanged = |table: &str| {
        let find = |v: &Vec<String>| v.iter().find(|f| f.starts_with(&format!("{table}:"))).cloned();
        find(&before) == find(&after)
    };
    for table in [
        "organization_standard_areas",
        "standards_answers",
        "standards_reviewers",
        "capacity_checklist_answers",
        "capacity_reviews",
        "capacity_goals",
    ] {
        assert!(unchanged(table), "{table} was not written by bad input");
    }
}
