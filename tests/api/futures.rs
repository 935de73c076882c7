//! The FUTURES worksheet, live: gap figures against an independent computation, search
//! agreeing with the matrix, expiry boundaries to the day, small-count suppression,
//! downloads, worksheets and their permissions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, error_code};
use crate::referrals::network;

const MATRIX: &str =
    "{ gapMatrix { county { fips } need { code } providerCount withContact withActiveMou htTrained status } }";

fn anniversary(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() + years, 2, 28).unwrap())
}

#[derive(Debug, Default, PartialEq)]
struct Cell {
    providers: i64,
    contact: i64,
    mou: i64,
    trained: i64,
    status: &'static str,
}

/// The matrix computed in Rust from the raw tables.
async fn independent_matrix(app: &TestApp) -> BTreeMap<(String, String), Cell> {
    let db = app.sql().await;
    let today = Utc::now().date_naive();
    let col = |rows: Vec<tokio_postgres::Row>| rows;
    let live: BTreeSet<Uuid> = col(db.query("SELECT id FROM providers WHERE archived_at IS NULL", &[]).await.unwrap())
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut needs_of: HashMap<Uuid, BTreeSet<String>> = HashMap::new();
    for r in db.query("SELECT s.provider_id, sn.need_code FROM services s JOIN service_needs sn ON sn.service_id = s.id WHERE s.archived_at IS NULL", &[]).await.unwrap() {
        let p: Uuid = r.get(0);
        if live.contains(&p) {
            needs_of.entry(p).or_default().insert(r.get(1));
        }
    }
    let mut counties_of: HashMap<Uuid, BTreeSet<String>> = HashMap::new();
    for r in db.query("SELECT provider_id, county_fips FROM locations WHERE archived_at IS NULL UNION SELECT provider_id, county_fips FROM provider_service_areas", &[]).await.unwrap() {
        counties_of.entry(r.get(0)).or_default().insert(r.get(1));
    }
    let contact: BTreeSet<Uuid> = db
        .query("SELECT provider_id FROM provider_contacts WHERE archived_at IS NULL", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut trained = BTreeSet::new();
    for r in db
        .query("SELECT provider_id, trained_on FROM training_records WHERE archived_at IS NULL AND kind = 'BASIC'", &[])
        .await
        .unwrap()
    {
        let on: NaiveDate = r.get(1);
        if on <= today && anniversary(on, 3) > today {
            trained.insert(r.get::<_, Uuid>(0));
        }
    }
    let mut mou_needs: BTreeSet<(Uuid, String)> = BTreeSet::new();
    for r in db.query("SELECT provider_id, scope_needs, effective_on, expires_on, status FROM mous", &[]).await.unwrap()
    {
        let (eff, exp, status): (NaiveDate, NaiveDate, String) = (r.get(2), r.get(3), r.get(4));
        if status == "ACTIVE" && eff <= today && exp >= today {
            for n in r.get::<_, Vec<String>>(1) {
                mou_needs.insert((r.get(0), n));
            }
        }
    }
    let counties: Vec<String> =
        db.query("SELECT fips FROM counties", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let need_codes: Vec<String> =
        db.query("SELECT code FROM need_categories", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let mut out = BTreeMap::new();
    for c in &counties {
        for n in &need_codes {
            let mut cell = Cell::default();
            let (mut partners, mut trained_partners) = (0, 0);
            for (p, needs) in &needs_of {
                if !needs.contains(n) || !counties_of.get(p).is_some_and(|cs| cs.contains(c)) {
                    continue;
                }
                cell.providers += 1;
                let (has_c, has_m, has_t) =
                    (contact.contains(p), mou_needs.contains(&(*p, n.clone())), trained.contains(p));
                cell.contact += i64::from(has_c);
                cell.mou += i64::from(has_m);
                cell.trained += i64::from(has_t);
                if has_c || has_m {
                    partners += 1;
                    trained_partners += i64::from(has_t);
                }
            }
            cell.status = match (cell.providers, partners, trained_partners) {
                (0, _, _) => "NO_PROVIDER",
                (_, 0, _) => "NO_PARTNER",
                (_, _, 0) => "UNTRAINED",
                _ => "COVERED",
            };
            out.insert((c.clone(), n.clone()), cell);
        }
    }
    out
}

#[tokio::test]
async fn the_gap_matrix_equals_an_independent_computation_and_search() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let data = app.data_as(&admin, MATRIX, json!({})).await;
    let cells = data["gapMatrix"].as_array().unwrap();
    assert_eq!(cells.len(), 100 * 33);
    let expected = independent_matrix(&app).await;
    let mut statuses = BTreeSet::new();
    for cell in cells {
        let key =
            (cell["county"]["fips"].as_str().unwrap().to_owned(), cell["need"]["code"].as_str().unwrap().to_owned());
        let got = Cell {
            providers: cell["providerCount"].as_i64().unwrap(),
            contact: cell["withContact"].as_i64().unwrap(),
            mou: cell["withActiveMou"].as_i64().unwrap(),
            trained: cell["htTrained"].as_i64().unwrap(),
            status: match cell["status"].as_str().unwrap() {
                "NO_PROVIDER" => "NO_PROVIDER",
                "NO_PARTNER" => "NO_PARTNER",
                "UNTRAINED" => "UNTRAINED",
                _ => "COVERED",
            },
        };
        statuses.insert(got.status);
        assert_eq!(&got, &expected[&key], "{key:?}");
    }
    assert_eq!(statuses.len(), 4, "the sample exercises every status: {statuses:?}");

    // providerCount is exactly what searchProviders finds for that county and need.
    let mut rng = StdRng::seed_from_u64(5);
    for _ in 0..40 {
        let cell = &cells[rng.random_range(0..cells.len())];
        let filter = json!({ "county": cell["county"]["fips"], "needs": [cell["need"]["code"]] });
        let (mut found, mut after) = (0, Value::Null);
        loop {
            let page = app
                .data("query($f: ProviderFilter, $a: String) { searchProviders(filter: $f, first: 100, after: $a) { nodes { provider { id } } pageInfo { hasNextPage endCursor } } }",
                    json!({ "f": filter, "a": after }))
                .await;
            found += page["searchProviders"]["nodes"].as_array().unwrap().len() as i64;
            if page["searchProviders"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["searchProviders"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(found, cell["providerCount"].as_i64().unwrap(), "{cell}");
    }
    // And the FUTURES search filters agree with the per-provider answers.
    for flag in ["htTrained", "hasContact", "hasActiveMou"] {
        for wanted in [true, false] {
            let page = app
                .data(&format!("{{ searchProviders(filter: {{ county: \"37183\", {flag}: {wanted} }}, first: 100) {{ nodes {{ provider {{ {flag} }} }} }} }}"), json!({}))
                .await;
            let nodes = page["searchProviders"]["nodes"].as_array().unwrap();
            assert!(!nodes.is_empty(), "{flag}={wanted} finds someone in Wake");
            assert!(nodes.iter().all(|n| n["provider"][flag] == wanted), "{flag}={wanted}");
        }
    }
}

/// A provider kept by nobody in particular, meeting one need, located in Wake County.
async fn fixture_provider(app: &TestApp, admin: &str) -> String {
    let p = app
        .data_as(
            admin,
            "mutation { createProvider(input: { name: \"Boundary Test (synthetic)\", kind: \"legal_aid\" }) { id } }",
            json!({}),
        )
        .await["createProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data_as(admin, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Child care\", needs: [\"long_term.child_care\"] }) { id } }", json!({ "p": p })).await;
    app.data_as(admin, "mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.7796, longitude: -78.6382 }) { id } }", json!({ "p": p })).await;
    p
}

#[tokio::test]
async fn training_and_mou_expiry_are_exact_to_the_day() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let today = Utc::now().date_naive();
    let trained = |on: NaiveDate| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let p = fixture_provider(app, &admin).await;
            app.data_as(&admin, "mutation($p: ID!, $d: NaiveDate!) { recordTraining(providerId: $p, input: { trainedOn: $d, kind: BASIC }) { lapsesOn } }",
                json!({ "p": p, "d": on.to_string() }))
                .await;
            app.data("query($p: ID!) { provider(id: $p) { htTrained } }", json!({ "p": p })).await["provider"]["htTrained"].as_bool().unwrap()
        }
    };
    let three_years_ago =
        NaiveDate::from_ymd_opt(today.year() - 3, today.month(), today.day()).unwrap_or(today - Duration::days(1095));
    assert!(!trained(three_years_ago).await, "on the third anniversary the training has lapsed");
    assert!(trained(three_years_ago + Duration::days(1)).await, "the day before, it still counts");
    assert!(trained(today).await);
    let advanced = fixture_provider(&app, &admin).await;
    app.data_as(&admin, "mutation($p: ID!, $d: NaiveDate!) { recordTraining(providerId: $p, input: { trainedOn: $d, kind: ADVANCED, topic: \"Labor trafficking in agriculture\" }) { id } }",
        json!({ "p": advanced, "d": today.to_string() })).await;
    assert_eq!(
        app.data("query($p: ID!) { provider(id: $p) { htTrained } }", json!({ "p": advanced })).await["provider"]["htTrained"],
        false,
        "advanced alone is not basic training"
    );
    let lapsing = app.data_as(&admin, "{ lapsingTraining(withinDays: 1) { providerId lapsesOn } }", json!({})).await;
    assert!(
        lapsing["lapsingTraining"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["lapsesOn"] == (three_years_ago + Duration::days(1 + 365 * 3)).to_string()
                || l["lapsesOn"] == anniversary(three_years_ago + Duration::days(1), 3).to_string()),
        "{lapsing}"
    );

    let mou = |effective: NaiveDate, expires: NaiveDate| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let p = fixture_provider(app, &admin).await;
            let made = app
                .data_as(&admin, "mutation($i: MouInput!) { createMou(input: $i) { status inForce } }",
                    json!({ "i": { "providerId": p, "title": "Boundary MOU", "scopeNeeds": ["long_term.child_care"], "effectiveOn": effective.to_string(),
                        "expiresOn": expires.to_string(), "status": "ACTIVE", "parties": [{ "countyFips": "37183" }] } }))
                .await;
            let cell =
                app.data_as(&admin, "query($p: ID!) { provider(id: $p) { hasActiveMou } }", json!({ "p": p })).await;
            (
                made["createMou"]["status"].as_str().unwrap().to_owned(),
                made["createMou"]["inForce"].as_bool().unwrap(),
                cell["provider"]["hasActiveMou"].as_bool().unwrap(),
            )
        }
    };
    assert_eq!(
        mou(today - Duration::days(10), today).await,
        ("ACTIVE".into(), true, true),
        "the expiry day still counts"
    );
    assert_eq!(
        mou(today - Duration::days(10), today - Duration::days(1)).await,
        ("EXPIRED".into(), false, false),
        "the day after, expired"
    );
    assert_eq!(
        mou(today + Duration::days(1), today + Duration::days(30)).await,
        ("ACTIVE".into(), false, false),
        "not yet effective"
    );
    let expiring = app.data_as(&admin, "{ expiringMous(withinDays: 0) { expiresOn } }", json!({})).await;
    assert!(expiring["expiringMous"].as_array().unwrap().iter().any(|m| m["expiresOn"] == today.to_string()));
}

const DEMAND: &str = "query($p: ReportingPeriodInput!) { countyDemand(period: $p) { countyFips needCode sent declinedNoCapacity neverPlaced } }";

/// A settled year (its last quarter over for more than 30 days, whatever today is).
fn settled_year() -> i32 {
    Utc::now().date_naive().year() - 2
}

fn period(kind: &str, year: i32, number: Option<u32>) -> Value {
    json!({ "p": { "kind": kind, "year": year, "number": number } })
}

/// Cells of a `countyDemand` answer by (county, need): (sent, declined, never placed).
fn demand_cells(data: &Value) -> BTreeMap<(String, String), (Value, Value, Value)> {
    data["countyDemand"]
        .as_array()
        .unwrap_or_else(|| panic!("{data}"))
        .iter()
        .map(|c| {
            (
                (c["countyFips"].as_str().unwrap().to_owned(), c["needCode"].as_str().unwrap().to_owned()),
                (c["sent"].clone(), c["declinedNoCapacity"].clone(), c["neverPlaced"].clone()),
            )
        })
        .collect()
}

#[tokio::test]
async fn demand_counts_from_one_to_four_are_suppressed() {
    let n = network().await;
    for i in 0..3 {
        n.refer(&n.advocate, &format!("a-{i}"), json!({ "county": "37001" })).await;
    }
    let transition = async |id: &Value, to: &str, reason: Value| {
        n.app.data_as(&n.recipient_staff, "mutation($id: ID!, $to: ReferralStatus!, $r: DeclineReason) { transitionReferral(id: $id, to: $to, reason: $r) { id } }",
            json!({ "id": id, "to": to, "r": reason })).await;
    };
    // Alamance 3 referrals; Alexander 6 (5 declined for capacity, 1 placed); Alleghany 10
    // (5 declined, 5 placed).
    for (county, count, declined) in [("37003", 6, 5), ("37005", 10, 5)] {
        for i in 0..count {
            let id = n.refer(&n.advocate, &format!("{county}-{i}"), json!({ "county": county })).await["data"]
                ["createReferral"]["id"]
                .clone();
            if i < declined {
                transition(&id, "DECLINED", json!("NO_CAPACITY")).await;
            } else {
                transition(&id, "ACCEPTED", Value::Null).await;
            }
        }
    }
    // The counts were kept by the trigger today; move them to a settled May to read them.
    let year = settled_year();
    n.app.sql().await.execute("UPDATE referral_demand SET sent_on = make_date($1, 5, 14)", &[&year]).await.unwrap();
    let may = demand_cells(&n.app.data_as(&n.sender_mdt, DEMAND, period("MONTH", year, Some(5))).await);
    let cell = |cells: &BTreeMap<(String, String), (Value, Value, Value)>, county: &str| {
        cells[&(county.to_owned(), "acute.housing".to_owned())].clone()
    };
    let null = Value::Null;
    assert_eq!(cell(&may, "37001"), (null.clone(), null.clone(), null.clone()), "3 referrals: suppressed");
    assert_eq!(
        cell(&may, "37003"),
        (null.clone(), null.clone(), null.clone()),
        "May cannot be shown in full, so the quarter is shown instead of its months"
    );
    assert_eq!(cell(&may, "37005"), (json!(10), json!(5), json!(5)));
    let q2 = n.app.data_as(&n.sender_mdt, DEMAND, period("QUARTER", year, Some(2))).await;
    let quarter = demand_cells(&q2);
    assert_eq!(
        cell(&quarter, "37003"),
        (json!(6), null.clone(), null.clone()),
        "declined (5) and never placed (5) beside sent (6) would reveal the one placement"
    );
    assert_eq!(cell(&quarter, "37005"), (json!(10), json!(5), json!(5)));
    let whole = demand_cells(&n.app.data_as(&n.sender_mdt, DEMAND, period("YEAR", year, None)).await);
    assert_eq!(cell(&whole, "37005"), (json!(10), json!(5), json!(5)));
    assert_eq!(cell(&whole, "37001"), (null.clone(), null.clone(), null.clone()));
    assert!(!q2.to_string().contains(&n.sender_org), "aggregates carry no organization or referral ids");
    let anonymous = n.app.gql(DEMAND, period("YEAR", year, None)).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

/// The true counts of one county × need, month by month: (declined, placed, neither).
type Year = [[i64; 3]; 12];

/// Whether `target` follows linearly from `rows` (exact rational elimination over i128).
fn follows(rows: &[Vec<i128>], target: &[i128]) -> bool {
    let mut basis: Vec<(Vec<i128>, usize)> = Vec::new();
    let reduce = |basis: &[(Vec<i128>, usize)], v: &[i128]| -> Vec<i128> {
        let mut v = v.to_vec();
        for (row, p) in basis {
            if v[*p] != 0 {
                let (a, b) = (row[*p], v[*p]);
                v = v.iter().zip(row).map(|(x, r)| x * a - b * r).collect();
                let g = v.iter().fold(0i128, |g, x| num_gcd(g, x.abs()));
                if g > 1 {
                    v.iter_mut().for_each(|x| *x /= g);
                }
            }
        }
        v
    };
    for r in rows {
        let red = reduce(&basis, r);
        if let Some(p) = red.iter().position(|x| *x != 0) {
            basis.push((red, p));
        }
    }
    reduce(&basis, target).iter().all(|x| *x == 0)
}

fn num_gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a } else { num_gcd(b, a % b) }
}

#[tokio::test]
async fn demand_is_published_only_for_fixed_periods_and_no_combination_reveals_a_small_count() {
    let n = network().await;
    let year = settled_year();
    // The attack that worked: two overlapping windows differ by one day's exact count.
    let window = n
        .app
        .gql_as(&n.sender_mdt, "{ countyDemand(from: \"2026-01-01\", to: \"2026-01-31\") { sent } }", json!({}))
        .await
        .1;
    assert_eq!(error_code(&window), "GRAPHQL_VALIDATION_FAILED", "no arbitrary windows: {window}");

    // Counts as the trigger keeps them (per day and connection), for a settled year.
    let mut rng = StdRng::seed_from_u64(5);
    let mut truth: BTreeMap<&str, Year> = BTreeMap::new();
    let mut one_day_alone = [[1, 5, 1]; 12];
    one_day_alone[0] = [0, 1, 0];
    truth.insert("37001", one_day_alone); // one referral in January, busy after
    truth.insert("37003", [[0, 6, 0]; 12]); // steady: every month can be shown
    let mut sparse = [[0; 3]; 12];
    sparse[3] = [1, 0, 0];
    sparse[8] = [0, 1, 1];
    truth.insert("37005", sparse); // 3 in the whole year
    for county in ["37007", "37009", "37011", "37013", "37015"] {
        let busy = rng.random_range(1..=8);
        let mut months = [[0; 3]; 12];
        for m in months.iter_mut() {
            for a in m.iter_mut() {
                *a = if rng.random_bool(0.4) { 0 } else { rng.random_range(0..=busy) };
            }
        }
        truth.insert(county, months);
    }
    let db = n.app.sql().await;
    for (county, months) in &truth {
        for (m, [d, p, o]) in months.iter().enumerate() {
            // Split each month over two days and two connections' counters.
            let parts = [(*d, *p, *o / 2), (0, 0, *o - *o / 2)];
            for (i, (d, p, o)) in parts.into_iter().enumerate() {
                if d + p + o == 0 {
                    continue;
                }
                db.execute(
                    "INSERT INTO referral_demand (county_fips, need_code, sent_on, counter, sent, declined_no_capacity, placed)
                     VALUES ($1, 'acute.housing', make_date($2, $3, $4), $5, $6, $7, $8)",
                    &[county, &year, &(m as i32 + 1), &(3 + 10 * i as i32), &(100 + i as i32),
                      &((d + p + o) as i32), &(d as i32), &(p as i32)],
                )
                .await
                .unwrap();
            }
        }
    }

    // Everything an MDT viewer may ask about that year: 12 months, 4 quarters, the year.
    let mut asks: Vec<(Vec<usize>, Value)> =
        (1..=12).map(|m| (vec![m - 1], period("MONTH", year, Some(m as u32)))).collect();
    asks.extend((1..=4).map(|q| ((3 * q - 3..3 * q).collect(), period("QUARTER", year, Some(q as u32)))));
    asks.push(((0..12).collect(), period("YEAR", year, None)));
    let mut answers = Vec::new();
    for (months, p) in &asks {
        answers.push((months.clone(), demand_cells(&n.app.data_as(&n.sender_mdt, DEMAND, p.clone()).await)));
    }
    let mut published_months = 0;
    for (county, months) in &truth {
        let key = (county.to_string(), "acute.housing".to_string());
        // Every published figure is an equation over the 36 unknowns (3 per month).
        let mut rows: Vec<Vec<i128>> = Vec::new();
        for (covered, cells) in &answers {
            let (s, d, np) = cells.get(&key).cloned().unwrap_or((json!(0), json!(0), json!(0)));
            for (figure, atoms) in [(s, [1, 1, 1]), (d, [1, 0, 0]), (np, [1, 0, 1])] {
                if let Some(value) = figure.as_i64() {
                    let truth: i64 =
                        covered.iter().map(|&m| (0..3).map(|a| atoms[a] * months[m][a]).sum::<i64>()).sum();
                    assert_eq!(value, truth, "{county} {covered:?}: published figures are exact");
                    let mut row = vec![0i128; 36];
                    for &m in covered {
                        for a in 0..3 {
                            row[3 * m + a] = i128::from(atoms[a]);
                        }
                    }
                    rows.push(row);
                    published_months += usize::from(covered.len() == 1);
                }
            }
        }
        // No run of months, and no combination of the outcomes in it, whose count is 1
        // to 4 follows from them (sums, differences, across kinds and figures).
        for start in 0..12 {
            for end in start + 1..=12 {
                for subset in 1..8usize {
                    let mut target = vec![0i128; 36];
                    let mut count = 0;
                    for m in start..end {
                        for a in 0..3 {
                            if subset >> a & 1 == 1 {
                                target[3 * m + a] = 1;
                                count += months[m][a];
                            }
                        }
                    }
                    if (1..=4).contains(&count) {
                        assert!(
                            !follows(&rows, &target),
                            "{county}: the count {count} of months {start}..{end} (outcomes {subset}) can be worked out"
                        );
                    }
                }
            }
        }
    }
    assert!(published_months > 0, "some months are published month by month");
    let cells = &answers[16].1;
    assert_eq!(cells[&("37003".into(), "acute.housing".into())], (json!(72), json!(0), json!(0)));
    let january = &answers[0].1;
    assert_eq!(january[&("37001".into(), "acute.housing".into())].0, Value::Null, "the lone January referral");

    // Published figures never change: outcomes arriving later, and referrals counted on
    // days of that year, leave every answer as it was.
    db.execute("UPDATE referral_demand SET placed = sent, declined_no_capacity = 0 WHERE sent_on BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31)", &[&year])
        .await
        .unwrap();
    db.execute(
        "INSERT INTO referral_demand (county_fips, need_code, sent_on, counter, sent) VALUES ('37003', 'acute.housing', make_date($1, 2, 2), 999, 1)",
        &[&year],
    )
    .await
    .unwrap();
    for ((_, p), (_, before)) in asks.iter().zip(&answers) {
        let again = demand_cells(&n.app.data_as(&n.sender_mdt, DEMAND, p.clone()).await);
        assert_eq!(&again, before, "{p}: figures are frozen once published");
    }

    // A period still going on, or not yet settled, is not published.
    let today = Utc::now().date_naive();
    let current_quarter = today.month0() / 3 + 1;
    for p in [
        period("QUARTER", today.year(), Some(current_quarter)),
        period("MONTH", today.year(), Some(today.month())),
        period("YEAR", today.year(), None),
    ] {
        let body = n.app.gql_as(&n.sender_mdt, DEMAND, p.clone()).await.1;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{p}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "period");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("published from"), "{body}");
    }
    for (p, field) in [
        (period("MONTH", year, Some(13)), "period.number"),
        (period("QUARTER", year, None), "period.number"),
        (period("YEAR", year, Some(1)), "period.number"),
        (period("YEAR", 1999, None), "period.year"),
    ] {
        let body = n.app.gql_as(&n.sender_mdt, DEMAND, p.clone()).await.1;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{p}: {body}");
    }

    // The service role reads frozen figures only: not the daily counters, and it cannot
    // write a published figure.
    let (service, connection) = tokio_postgres::connect(&n.app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for statement in [
        "SELECT count(*) FROM referral_demand",
        "UPDATE demand_months SET sent = sent + 1",
        "INSERT INTO demand_frozen_quarters (quarter_start) VALUES ('2001-01-01')",
        "DELETE FROM demand_months",
    ] {
        let refused = service.batch_execute(statement).await.expect_err(statement);
        assert_eq!(refused.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{statement}");
    }
}

#[tokio::test]
async fn referrals_for_the_same_county_and_need_do_not_wait_on_each_other() {
    let n = network().await;
    // Another transaction has sent a referral for Alamance × housing and not committed.
    let other = n.app.sql().await;
    other
        .batch_execute(&format!(
            "BEGIN;
             INSERT INTO referrals (sender_organization_id, recipient_organization_id, provider_id, service_id,
                                    need_code, urgency, status, sent_at, county_fips)
             SELECT '{sender}', '{recipient}', provider_id, id, 'acute.housing', 'URGENT', 'SENT', now(), '37001'
             FROM services WHERE id = '{service}';",
            sender = n.sender_org,
            recipient = n.recipient_org,
            service = n.service
        ))
        .await
        .expect("an open transaction with a sent referral");
    // Counting demand must not make this one queue behind it (a shared counter row would
    // hold it until the other commits, here never).
    let sent = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        n.refer(&n.advocate, "same-cell", json!({ "county": "37001" })),
    )
    .await
    .expect("createReferral finished while the other transaction was still open");
    assert_eq!(sent["data"]["createReferral"]["status"], "SENT", "{sent}");
    other.batch_execute("ROLLBACK").await.expect("rolled back");
    let today = Utc::now().date_naive().to_string();
    let total: i64 = n
        .app
        .sql()
        .await
        .query_one(
            "SELECT coalesce(sum(sent), 0)::bigint FROM referral_demand
             WHERE county_fips = '37001' AND need_code = 'acute.housing' AND sent_on = $1::text::date",
            &[&today],
        )
        .await
        .expect("demand")
        .get(0);
    assert_eq!(total, 1, "the committed referral counts; the rolled-back one does not");
}

#[tokio::test]
async fn the_matrix_downloads_as_csv_and_geojson_for_members_only() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "MDT (test)").await;
    let (_, _, mdt) = app.member(&admin, &org, "MDT_VIEWER").await;
    let get = |path: &'static str, token: Option<String>| {
        let mut r = app.client.get(format!("{}/exports/{path}", app.base_url));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get("gap-matrix.csv", None).await.unwrap().status(), 401);
    let csv = get("gap-matrix.csv", Some(mdt.clone())).await.unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 3300);
    assert!(lines[0].starts_with("county_fips,county,need,"));
    assert!(lines.iter().any(|l| l.starts_with("\"37183\",\"Wake\",\"acute.housing\"")));
    let geo: Value = get("gap-matrix.geojson", Some(mdt)).await.unwrap().json().await.unwrap();
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), 100);
    let wake = features.iter().find(|f| f["properties"]["fips"] == "37183").unwrap();
    assert_eq!(wake["geometry"]["type"], "MultiPolygon");
    assert!(wake["properties"]["needs"]["acute.housing"]["status"].is_string());
    assert_eq!(get("gap-matrix.xlsx", Some(admin)).await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_county_team_keeps_its_worksheet_and_others_only_read_it() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let team = app.organization(&admin, "Wake MDT (test)").await;
    let other = app.organization(&admin, "Durham MDT (test)").await;
    let (mdt_user, _, mdt) = app.member(&admin, &team, "MDT_VIEWER").await;
    let (_, _, outsider) = app.member(&admin, &other, "MDT_VIEWER").await;
    app.data_as(
        &admin,
        "mutation($o: [ID!]!) { setCountyTeam(fips: \"37183\", organizationIds: $o) }",
        json!({ "o": [team] }),
    )
    .await;
    assert_eq!(
        error_code(
            &app.gql_as(
                &mdt,
                "mutation($o: [ID!]!) { setCountyTeam(fips: \"37063\", organizationIds: $o) }",
                json!({ "o": [team] })
            )
            .await
            .1
        ),
        "FORBIDDEN"
    );

    let edit = "mutation($v: Int!, $i: CountyWorksheetInput!) { updateCountyWorksheet(fips: \"37183\", version: $v, input: $i) { version gaps updatedBy } }";
    let first = app
        .data_as(
            &mdt,
            edit,
            json!({ "v": 0, "i": { "gaps": "No Spanish-speaking legal aid", "capacities": "Strong DV network" } }),
        )
        .await;
    assert_eq!(first["updateCountyWorksheet"]["updatedBy"], mdt_user.as_str());
    let version = first["updateCountyWorksheet"]["version"].as_i64().unwrap();
    assert_eq!(error_code(&app.gql_as(&mdt, edit, json!({ "v": 0, "i": { "gaps": "stale" } })).await.1), "CONFLICT");
    assert_eq!(
        error_code(&app.gql_as(&outsider, edit, json!({ "v": version, "i": { "gaps": "not mine" } })).await.1),
        "FORBIDDEN"
    );
    let item = app
        .data_as(&mdt, "mutation($i: ActionItemInput!) { createActionItem(fips: \"37183\", input: $i) { id version organizationsEngaged { organization } } }",
            json!({ "i": { "goal": "Recruit a bilingual immigration attorney", "timeline": "Q2",
                "organizationsEngaged": [{ "organization": "Legal Aid (synthetic)", "responsibilities": "Host the attorney" }] } }))
        .await;
    assert_eq!(item["createActionItem"]["organizationsEngaged"][0]["organization"], "Legal Aid (synthetic)");
    // The action plan's fields are bounded as a capacity goal's are (one template, one
    // rule): an engaged organization's responsibilities of more than 5 000 characters are
    // refused, naming the field, and nothing is written.
    let (_, long) = app
        .gql_as(&mdt, "mutation($i: ActionItemInput!) { createActionItem(fips: \"37183\", input: $i) { id } }",
            json!({ "i": { "goal": "Too long a plan",
                "organizationsEngaged": [{ "organization": "Legal Aid (synthetic)", "responsibilities": "x".repeat(5_001) }] } }))
        .await;
    assert_eq!(error_code(&long), "BAD_USER_INPUT", "{long}");
    assert_eq!(long["errors"][0]["extensions"]["field"], "input.organizationsEngaged.responsibilities");

    // Anyone in the network reads it, with the live matrix and the edit history.
    let read = app
        .data_as(&outsider, "{ countyWorksheet(fips: \"37183\") { gaps capacities team actionItems { goal } needs { need { code } status } history { fields editedBy actionItemId } } }", json!({}))
        .await;
    let sheet = &read["countyWorksheet"];
    assert_eq!(sheet["gaps"], "No Spanish-speaking legal aid");
    assert_eq!(sheet["needs"].as_array().unwrap().len(), 33);
    assert_eq!(sheet["team"], json!([team]));
    let history = sheet["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["fields"], json!(["capacities", "gaps"]));
    assert_eq!(history[1]["editedBy"], mdt_user.as_str());
    assert!(history[0]["actionItemId"].is_string());
    // MDT viewers see aggregates and worksheets, never client data.
    assert_eq!(error_code(&app.gql_as(&mdt, "{ clients { id } }", json!({})).await.1), "FORBIDDEN");
    assert!(app.gql_as(&mdt, "{ countyNeeds(fips: \"37183\") { status } }", json!({})).await.1.get("errors").is_none());
    assert_eq!(
        error_code(&app.gql("{ countyWorksheet(fips: \"37183\") { gaps } }", json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(error_code(&app.gql(MATRIX, json!({})).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn mous_are_recorded_by_admins_and_by_coordinators_of_a_party() {
    let n = network().await;
    let provider = fixture_provider(&n.app, &n.admin).await;
    let create = async |token: &str, parties: Value, extra: Value| -> (u16, Value) {
        let mut input = json!({ "providerId": provider, "title": "Partnership", "scopeNeeds": ["long_term.child_care"],
            "effectiveOn": "2026-01-01", "expiresOn": "2027-12-31", "status": "ACTIVE", "parties": parties });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        n.app
            .gql_as(token, "mutation($i: MouInput!) { createMou(input: $i) { id status } }", json!({ "i": input }))
            .await
    };
    let party = json!([{ "organizationId": n.sender_org }]);
    assert!(create(&n.coordinator, party.clone(), json!({})).await.1.get("errors").is_none(), "coordinator of a party");
    assert_eq!(
        error_code(&create(&n.coordinator, json!([{ "organizationId": n.outsider_org }]), json!({})).await.1),
        "FORBIDDEN"
    );
    assert_eq!(error_code(&create(&n.recipient_staff, party.clone(), json!({})).await.1), "FORBIDDEN");
    assert_eq!(error_code(&create(&n.advocate, party.clone(), json!({})).await.1), "FORBIDDEN");
    let bad = create(&n.admin, party.clone(), json!({ "scopeNeeds": ["long_term.nothing"] })).await.1;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "input.scopeNeeds");
    let backwards = create(&n.admin, party.clone(), json!({ "expiresOn": "2025-01-01" })).await.1;
    assert_eq!(backwards["errors"][0]["extensions"]["field"], "input.expiresOn");
    let list = n
        .app
        .data_as(
            &n.advocate,
            "query($p: ID!) { provider(id: $p) { mous(inForceOnly: true) { title parties { organizationId } } } }",
            json!({ "p": provider }),
        )
        .await;
    assert_eq!(list["provider"]["mous"].as_array().unwrap().len(), 1);
    let anonymous = n
        .app
        .gql("query($p: ID!) { provider(id: $p) { name mous { title } contacts { name } } }", json!({ "p": provider }))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "details of partnerships and people are for members");
    assert!(!anonymous.to_string().contains("Partnership"), "no MOU detail leaked: {anonymous}");
}

#[tokio::test]
async fn only_parties_of_an_mou_as_it_stands_may_change_it() {
    let n = network().await;
    let (_, _, outsider_coordinator) = n.app.member(&n.admin, &n.outsider_org, "COORDINATOR").await;
    let provider = fixture_provider(&n.app, &n.admin).await;
    let made = n
        .app
        .data_as(&n.admin, "mutation($i: MouInput!) { createMou(input: $i) { id version } }",
            json!({ "i": { "providerId": provider, "title": "Sender partnership", "scopeNeeds": ["long_term.child_care"],
                "effectiveOn": "2026-01-01", "expiresOn": "2027-12-31", "status": "ACTIVE",
                "parties": [{ "organizationId": n.sender_org }] } }))
        .await;
    let id = made["createMou"]["id"].as_str().unwrap().to_owned();
    let update = async |token: Option<&str>, version: i64, input: Value| -> Value {
        let q = "mutation($id: ID!, $v: Int!, $i: MouInput!) { updateMou(id: $id, version: $v, input: $i) { version status parties { organizationId } } }";
        let vars = json!({ "id": id, "v": version, "i": input });
        match token {
            Some(t) => n.app.gql_as(t, q, vars).await.1,
            None => n.app.gql(q, vars).await,
        }
    };
    let hijack = json!({ "status": "TERMINATED",
        "parties": [{ "organizationId": n.sender_org }, { "organizationId": n.outsider_org }] });
    assert_eq!(
        error_code(&update(Some(&outsider_coordinator), 1, hijack.clone()).await),
        "FORBIDDEN",
        "a coordinator of an unrelated organization cannot add itself and terminate"
    );
    let takeover = json!({ "scopeNeeds": ["acute.housing"], "parties": [{ "organizationId": n.outsider_org }] });
    assert_eq!(error_code(&update(Some(&outsider_coordinator), 1, takeover).await), "FORBIDDEN");
    assert_eq!(
        error_code(&update(Some(&outsider_coordinator), 1, json!({ "status": "TERMINATED" })).await),
        "FORBIDDEN"
    );
    assert_eq!(error_code(&update(Some(&n.advocate), 1, hijack.clone()).await), "FORBIDDEN", "a lower role of a party");
    assert_eq!(error_code(&update(None, 1, hijack.clone()).await), "UNAUTHENTICATED");
    let unchanged = n
        .app
        .data_as(
            &n.admin,
            "query($p: ID!) { provider(id: $p) { mous { id version status scopeNeeds parties { organizationId } } } }",
            json!({ "p": provider }),
        )
        .await;
    assert_eq!(
        unchanged["provider"]["mous"][0],
        json!({ "id": id, "version": 1, "status": "ACTIVE", "scopeNeeds": ["long_term.child_care"],
            "parties": [{ "organizationId": n.sender_org }] }),
        "nothing was written"
    );
    // A party's coordinator may change it (and bring in another party); a network admin may too.
    let by_party = update(Some(&n.coordinator), 1, hijack).await;
    assert!(by_party.get("errors").is_none(), "{by_party}");
    assert_eq!(by_party["data"]["updateMou"]["status"], "TERMINATED");
    let by_admin = update(Some(&n.admin), 2, json!({ "status": "ACTIVE" })).await;
    assert_eq!(by_admin["data"]["updateMou"]["version"], 3, "{by_admin}");
    // Now a party, the outsider's coordinator may change it too.
    let by_new_party = update(Some(&outsider_coordinator), 3, json!({ "title": "Joint partnership" })).await;
    assert!(by_new_party.get("errors").is_none(), "{by_new_party}");
}
