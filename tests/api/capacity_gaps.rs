//! Issue 18 item 6, demand side: hours without available emergency housing per county
//! and month, from the append-only capacity history, published as referral demand is
//! (fixed periods, frozen, small counts withheld). Figures are written straight into
//! `service_capacity` with past `set_at` (the history trigger records each), in the
//! network's time zone, America/New_York.

use chrono::{Datelike, NaiveDate, Utc};
use lantern::clock::Clock;
use lantern::startup::ServerOptions;
use serde_json::{Value, json};
use tokio_postgres::{Client, NoTls};

use crate::common::{NO_LIMITS, TestApp, error_code};

const GAPS: &str = "query($p: ReportingPeriodInput!) { emergencyHousingGaps(period: $p) { countyFips hoursInPeriod hoursWithoutRoom } }";

/// A settled year (its last quarter over for more than 30 days, whatever today is).
fn settled_year() -> i32 {
    Utc::now().date_naive().year() - 2
}

fn period(kind: &str, year: i32, number: Option<u32>) -> Value {
    json!({ "p": { "kind": kind, "year": year, "number": number } })
}

/// County → (hours in period, hours without room).
fn by_county(data: &Value) -> std::collections::BTreeMap<String, (i64, Value)> {
    data["emergencyHousingGaps"]
        .as_array()
        .unwrap_or_else(|| panic!("{data}"))
        .iter()
        .map(|c| {
            (
                c["countyFips"].as_str().unwrap().to_owned(),
                (c["hoursInPeriod"].as_i64().unwrap(), c["hoursWithoutRoom"].clone()),
            )
        })
        .collect()
}

/// Sets a service's figure for a unit as if set at `local` (network time).
async fn figure(db: &Client, service: &str, unit: &str, local: &str, status: &str, available: i32, accepting: bool) {
    db.execute(
        "INSERT INTO service_capacity (service_id, unit_code, available, status, accepting_referrals, set_at, source)
         VALUES ($1::text::uuid, $2, $3, $4, $5, $6::text::timestamp AT TIME ZONE 'America/New_York', 'STAFF')
         ON CONFLICT (service_id, unit_code) DO UPDATE
         SET available = EXCLUDED.available, status = EXCLUDED.status,
             accepting_referrals = EXCLUDED.accepting_referrals, set_at = EXCLUDED.set_at",
        &[&service, &unit, &available, &status, &accepting, &local],
    )
    .await
    .unwrap();
}

struct Shelters {
    /// (service, county) of an open shelter, a confidential one, and a third.
    open: (String, String),
    confidential: (String, String),
    third: (String, String),
}

/// Emergency-housing services of providers counted in exactly one county each, in three
/// different counties, one of them with a confidential location.
async fn shelters(db: &Client) -> Shelters {
    let rows = db
        .query(
            "SELECT s.id::text, min(pc.county_fips),
                    EXISTS (SELECT 1 FROM locations l WHERE l.provider_id = p.id AND l.confidential AND l.archived_at IS NULL)
             FROM services s
             JOIN service_needs sn ON sn.service_id = s.id AND sn.need_code = 'acute.housing'
             JOIN providers p ON p.id = s.provider_id AND p.archived_at IS NULL
             JOIN provider_counties pc ON pc.provider_id = p.id
             WHERE s.archived_at IS NULL
             GROUP BY s.id, p.id
             HAVING count(DISTINCT pc.county_fips) = 1
                AND NOT EXISTS (SELECT 1 FROM services o JOIN service_needs osn ON osn.service_id = o.id
                                WHERE o.provider_id = p.id AND o.id <> s.id AND osn.need_code = 'acute.housing')
             ORDER BY 2, 1",
            &[],
        )
        .await
        .unwrap();
    let all: Vec<(String, String, bool)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let confidential = all.iter().find(|r| r.2).expect("a confidential shelter counted in one county");
    let open = all.iter().find(|r| !r.2 && r.1 != confidential.1).expect("an open shelter");
    let third = all.iter().find(|r| r.1 != confidential.1 && r.1 != open.1).expect("a third shelter");
    let pick = |r: &(String, String, bool)| (r.0.clone(), r.1.clone());
    Shelters { open: pick(open), confidential: pick(confidential), third: pick(third) }
}

fn days_in_february(year: i32) -> i64 {
    (NaiveDate::from_ymd_opt(year, 3, 1).unwrap() - NaiveDate::from_ymd_opt(year, 2, 1).unwrap()).num_days()
}

#[tokio::test]
async fn hours_without_room_are_counted_per_hour_and_month_of_the_networks_time_zone() {
    let clock = Clock::named("America/New_York").unwrap();
    let app = TestApp::spawn_with(ServerOptions { rate_limits: NO_LIMITS, clock, ..ServerOptions::default() }).await;
    let admin = app.network_admin().await;
    let db = app.sql().await;
    let s = shelters(&db).await;
    let y = settled_year();
    let at = |md: &str| format!("{y}-{md}");
    let (open, conf, third) = (&s.open.0, &s.confidential.0, &s.third.0);

    // The open shelter's beds (fresh for 12 hours):
    // room from 09:30, stale at 21:30 mid-hour: hours 09 to 21 had room (13).
    figure(&db, open, "bed", &at("01-10 09:30"), "AVAILABLE", 2, true).await;
    // room from 10:00, replaced by no capacity at 10:20: hour 10 had room (1).
    figure(&db, open, "bed", &at("01-20 10:00"), "AVAILABLE", 1, true).await;
    figure(&db, open, "bed", &at("01-20 10:20"), "NO_CAPACITY", 0, true).await;
    // beds free but not accepting referrals: no room.
    figure(&db, open, "bed", &at("01-25 12:00"), "AVAILABLE", 3, false).await;
    // room from 18:00 on 31 January to 06:00 on 1 February exactly (fresh up to its
    // limit, so the hour starting at 06:00 had room): January 18 to 23 (6), February 00
    // to 06 (7). In UTC months it would be 1 and 12.
    figure(&db, open, "bed", &at("01-31 18:00"), "AVAILABLE", 1, true).await;
    // The confidential shelter: room 08:00 to 20:00 on 14 February (13 hours).
    figure(&db, conf, "bed", &at("02-14 08:00"), "AVAILABLE", 1, true).await;
    // The third: a unit fresh for 30 days, from 03:00 on 1 February: February has 3
    // hours without room (00 to 02), a small count.
    db.execute(
        "INSERT INTO capacity_unit_kinds (code, name, stale_after_minutes) VALUES ('monthly', 'Monthly room', 43200)",
        &[],
    )
    .await
    .unwrap();
    figure(&db, third, "monthly", &at("02-01 03:00"), "AVAILABLE", 4, true).await;

    let feb = 24 * days_in_february(y);
    // March loses an hour to daylight saving; the third shelter's figure covers March up to
    // its 30th day, hour 03 included.
    let march_covered = (30 - days_in_february(y)) * 24 + 4;
    let month = |n| period("MONTH", y, Some(n));
    let jan = by_county(&app.data_as(&admin, GAPS, month(1)).await);
    assert_eq!(jan.len(), 100, "every county");
    assert_eq!(jan[&s.open.1], (744, json!(744 - 13 - 1 - 6)));
    assert_eq!(jan[&s.confidential.1], (744, json!(744)));
    assert_eq!(jan[&s.third.1], (744, Value::Null), "withheld: its quarter has a small month");
    let february = by_county(&app.data_as(&admin, GAPS, month(2)).await);
    assert_eq!(february[&s.open.1], (feb, json!(feb - 7)));
    assert_eq!(february[&s.confidential.1], (feb, json!(feb - 13)), "the confidential shelter counts in its county");
    assert_eq!(february[&s.third.1], (feb, Value::Null), "3 hours are withheld");
    let march = by_county(&app.data_as(&admin, GAPS, month(3)).await);
    assert_eq!(march[&s.open.1], (743, json!(743)), "743 hours: daylight saving began");
    assert_eq!(march[&s.third.1], (743, Value::Null));
    // The quarter: the sum of its months, or, where a month is withheld, published whole.
    let q1 = by_county(&app.data_as(&admin, GAPS, period("QUARTER", y, Some(1))).await);
    let hours_q1 = 744 + feb + 743;
    assert_eq!(q1[&s.open.1], (hours_q1, json!(hours_q1 - 20 - 7)));
    assert_eq!(q1[&s.third.1], (hours_q1, json!(hours_q1 - (feb - 3) - march_covered)));
    // The year: every hour of it (daylight saving's hours cancel out).
    let days_in_year =
        (NaiveDate::from_ymd_opt(y + 1, 1, 1).unwrap() - NaiveDate::from_ymd_opt(y, 1, 1).unwrap()).num_days();
    let year = by_county(&app.data_as(&admin, GAPS, period("YEAR", y, None)).await);
    assert_eq!(year[&s.open.1], (24 * days_in_year, json!(24 * days_in_year - 27)));

    // Frozen: a figure written into the past afterwards changes nothing published.
    figure(&db, open, "bed", &at("03-05 12:00"), "AVAILABLE", 1, true).await;
    assert_eq!(by_county(&app.data_as(&admin, GAPS, month(3)).await)[&s.open.1], (743, json!(743)));

    // A member of any role in any organization sees the same aggregates; nothing in them
    // is a service, a provider or a place.
    let org = app.organization(&admin, "Unrelated County Team (synthetic)").await;
    let (_, _, viewer) = app.member(&admin, &org, "MDT_VIEWER").await;
    let seen = app.data_as(&viewer, GAPS, month(2)).await;
    assert_eq!(by_county(&seen), february);
    let keys: std::collections::BTreeSet<&str> =
        seen["emergencyHousingGaps"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["countyFips", "hoursInPeriod", "hoursWithoutRoom"].into());
}

#[tokio::test]
async fn hours_without_room_are_for_members_only_and_published_periods_only() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let y = settled_year();
    let body = app.gql(GAPS, period("QUARTER", y, Some(1))).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert!(body["data"].is_null() || body["data"]["emergencyHousingGaps"].is_null(), "{body}");
    // A period still going on (or within 30 days of its end) is not published.
    let this_year = Utc::now().date_naive().year();
    let (_, body) = app.gql_as(&admin, GAPS, period("YEAR", this_year, None)).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "period", "{body}");
    // No other window exists: a month's number out of range is refused.
    let (_, body) = app.gql_as(&admin, GAPS, period("MONTH", y, Some(13))).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn the_service_role_can_neither_count_any_window_nor_write_published_hours() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let owner = app.sql().await;
    let s = shelters(&owner).await;
    figure(&owner, &s.open.0, "bed", "2020-01-10 09:30", "AVAILABLE", 2, true).await;
    let (db, conn) = tokio_postgres::connect(&app.app_db_url, NoTls).await.unwrap();
    tokio::spawn(conn);
    let role: String = db.query_one("SELECT current_user::text", &[]).await.unwrap().get(0);
    assert_eq!(role, "lantern_app");
    let org = app.organization(&admin, "Unrelated Org (synthetic)").await;
    let refused = |r: Result<u64, tokio_postgres::Error>| {
        let e = r.expect_err("refused");
        assert_eq!(e.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{e}");
    };
    // Counting an arbitrary window would publish an unfrozen, unchecked figure.
    refused(db.execute("SELECT * FROM capacity_gap_hours('2020-01-05', '2020-01-12')", &[]).await);
    refused(
        db.execute(
            "INSERT INTO capacity_gap_months (month_start, county_fips, hours_in_month, hours_without_room)
             VALUES ('2001-01-01', '37001', 744, 1)",
            &[],
        )
        .await,
    );
    refused(db.execute("UPDATE capacity_gap_months SET hours_without_room = 1", &[]).await);
    // The history stays the keeping organization's: the counting function's owner reads it
    // all, the service acting for another organization reads none.
    db.batch_execute("BEGIN").await.unwrap();
    db.execute("SELECT set_config('app.org_id', $1, true)", &[&org]).await.unwrap();
    let seen: i64 = db.query_one("SELECT count(*) FROM service_capacity_history", &[]).await.unwrap().get(0);
    db.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(seen, 0);
    let kept: i64 = owner.query_one("SELECT count(*) FROM service_capacity_history", &[]).await.unwrap().get(0);
    assert_eq!(kept, 1);
}
