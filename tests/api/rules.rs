//! The FUTURES rules have one definition in Rust (`partnerships::rules`) and, where
//! PostgreSQL must apply them, one SQL twin each (migration 15). These tests hold the
//! twins to the Rust definitions over the boundary dates: the day before, of and after
//! each threshold, and leap days.

use chrono::{Days, NaiveDate};
use lantern::db::StoredText;
use lantern::partnerships::rules::{self, MouStatus, TrainingKind};

use crate::common::TestApp;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The day before, of and after each of `days`.
fn around(days: &[NaiveDate]) -> Vec<NaiveDate> {
    days.iter().flat_map(|&x| [x - Days::new(1), x, x + Days::new(1)]).collect()
}

#[tokio::test]
async fn the_sql_twins_agree_with_the_rust_rules_over_boundary_dates() {
    let app = TestApp::spawn().await;
    let db = app.sql().await;

    // Trained on HT: the training day, the third anniversary, leap days both ways.
    let trained = [d(2020, 2, 29), d(2021, 3, 1), d(2023, 2, 28), d(2023, 11, 22), d(2024, 2, 29), d(2025, 2, 28)];
    let (mut kinds, mut on, mut today) = (Vec::new(), Vec::new(), Vec::new());
    for &t in &trained {
        for day in around(&[t, rules::training_lapses_on(t)]) {
            for kind in [TrainingKind::Basic, TrainingKind::Advanced] {
                kinds.push(kind.as_db().to_owned());
                on.push(t);
                today.push(day);
            }
        }
    }
    let rows = db
        .query(
            "SELECT futures_training_lapses_on(t), futures_ht_trained_by(k, t, d), futures_counts_as_ht_training(k),
                    futures_training_current(t, d)
             FROM unnest($1::text[], $2::date[], $3::date[]) WITH ORDINALITY AS x(k, t, d, i) ORDER BY i",
            &[&kinds, &on, &today],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), kinds.len());
    for (i, row) in rows.iter().enumerate() {
        let kind = TrainingKind::from_db(&kinds[i]).unwrap();
        let case = format!("{} trained {} on {}", kinds[i], on[i], today[i]);
        assert_eq!(row.get::<_, NaiveDate>(0), rules::training_lapses_on(on[i]), "lapse date, {case}");
        assert_eq!(row.get::<_, bool>(1), rules::ht_trained_by(kind, on[i], today[i]), "trained, {case}");
        assert_eq!(row.get::<_, bool>(2), rules::counts_as_ht_training(kind), "counts, {case}");
        assert_eq!(row.get::<_, bool>(3), rules::training_current(on[i], today[i]), "current, {case}");
    }
    assert!(
        rows.iter().any(|r| r.get::<_, bool>(1)) && rows.iter().any(|r| !r.get::<_, bool>(1)),
        "both answers occur"
    );

    // MOU in force: effective day, expiry day (the last in force), one-day MOUs, leap days.
    let periods = [
        (d(2024, 2, 29), d(2024, 2, 29)),
        (d(2023, 12, 31), d(2024, 1, 1)),
        (d(2024, 1, 10), d(2028, 2, 29)),
        (d(2025, 3, 1), d(2026, 2, 28)),
    ];
    let (mut statuses, mut effective, mut expires, mut today) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &(eff, exp) in &periods {
        for day in around(&[eff, exp]) {
            for status in [MouStatus::Draft, MouStatus::Active, MouStatus::Terminated] {
                statuses.push(status.as_db().to_owned());
                effective.push(eff);
                expires.push(exp);
                today.push(day);
            }
        }
    }
    let rows = db
        .query(
            "SELECT futures_mou_in_force(s, e, x, d)
             FROM unnest($1::text[], $2::date[], $3::date[], $4::date[]) WITH ORDINALITY AS u(s, e, x, d, i) ORDER BY i",
            &[&statuses, &effective, &expires, &today],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), statuses.len());
    for (i, row) in rows.iter().enumerate() {
        let recorded = MouStatus::from_db(&statuses[i]).unwrap();
        assert_eq!(
            row.get::<_, bool>(0),
            rules::mou_in_force(recorded, effective[i], expires[i], today[i]),
            "{} MOU {}..{} on {}",
            statuses[i],
            effective[i],
            expires[i],
            today[i]
        );
    }

    // A partner: a contact or an MOU for the need.
    for (contact, mou) in [(false, false), (true, false), (false, true), (true, true)] {
        let row = db.query_one("SELECT futures_partner($1, $2)", &[&contact, &mou]).await.unwrap();
        assert_eq!(row.get::<_, bool>(0), rules::partner(contact, mou), "partner({contact}, {mou})");
    }

    // A contact counts until archived (decided in SQL only).
    let row = db.query_one("SELECT futures_contact_counts(NULL), futures_contact_counts(now())", &[]).await.unwrap();
    assert_eq!((row.get::<_, bool>(0), row.get::<_, bool>(1)), (true, false));
}

/// The rule functions are inlined into the queries that call them, so the planner sees
/// the columns they test (an opaque function call would hide `status = 'ACTIVE'` from
/// the partial index on MOU expiry).
#[tokio::test]
async fn the_sql_twins_are_inlined_into_their_callers() {
    let app = TestApp::spawn().await;
    let db = app.sql().await;
    let plan: Vec<String> = db
        .query(
            "EXPLAIN SELECT id FROM mous
             WHERE futures_mou_in_force(status, effective_on, expires_on, current_date) AND expires_on <= current_date + 30",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("'ACTIVE'::text") && !plan.contains("futures_mou_in_force"), "{plan}");
    let plan: Vec<String> = db
        .query("EXPLAIN SELECT * FROM provider_flags WHERE provider_id = gen_random_uuid()", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(!plan.contains("provider_flags_on") && !plan.contains("Function Scan"), "{plan}");
}
