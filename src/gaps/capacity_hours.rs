//! Hours without available emergency housing, per county and reporting period: the
//! demand-side view of capacity (issue 18). Counted by PostgreSQL from the append-only
//! capacity history when a quarter is frozen (`capacity_gap_hours`, migration 22, which
//! defines exactly which hour counts), and published like referral demand: the same
//! periods, the same publication day, the same suppression of small counts
//! ([`ReportingPeriod::figures`]). Only county totals leave this module: never a service,
//! a provider or a shelter, confidential or not.

use chrono::{Datelike, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{Counts, ReportingPeriod, published_quarters};
use crate::auth::Actor;
use crate::error::AppResult;

/// One county's hours without available emergency housing in a period, as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CountyHours {
    /// The county (5-digit FIPS).
    pub county_fips: String,
    /// Hours in the period, in the network's time zone (never withheld: it is the calendar).
    pub hours_in_period: i64,
    /// Of those, hours in which no emergency-housing service of the county had a fresh,
    /// available figure; `None` when withheld (1 to 4, or it would reveal such a count).
    pub hours_without_room: Option<i64>,
}

#[derive(QueryableByName)]
struct MonthRow {
    #[diesel(sql_type = Date)]
    month_start: NaiveDate,
    #[diesel(sql_type = Text)]
    county_fips: String,
    #[diesel(sql_type = BigInt)]
    hours_in_month: i64,
    #[diesel(sql_type = BigInt)]
    hours_without_room: i64,
}

/// Every county's hours without available emergency housing in a published period, in
/// FIPS order, for network members (as referral demand). Not published yet:
/// `BAD_USER_INPUT` on `period`.
pub(crate) async fn hours_without_emergency_housing(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    period: ReportingPeriod,
) -> AppResult<Vec<CountyHours>> {
    actor.member()?;
    let (first, end) = published_quarters(conn, period).await?;
    let rows: Vec<MonthRow> = diesel::sql_query(
        "SELECT month_start, county_fips, hours_in_month::bigint AS hours_in_month,
                hours_without_room::bigint AS hours_without_room
         FROM capacity_gap_months WHERE month_start >= $1 AND month_start < $2",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(end)
    .load(conn)
    .await?;
    // Per county: each month's hours in it and hours without room (the period's quarters).
    let mut counties: std::collections::BTreeMap<String, ([i64; 12], [i64; 12])> = Default::default();
    for r in rows {
        let month = r.month_start.month0() as usize;
        let (in_month, without) = counties.entry(r.county_fips).or_default();
        in_month[month] = r.hours_in_month;
        without[month] = r.hours_without_room;
    }
    Ok(counties
        .into_iter()
        .map(|(county_fips, (in_month, without))| CountyHours {
            county_fips,
            hours_in_period: period.months0().map(|m| in_month[m]).sum(),
            hours_without_room: period.figures(&without.map(Counts::lone)).sent,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaps::PeriodKind;

    fn months(values: &[(usize, i64)]) -> [Counts; 12] {
        let mut m = [744; 12].map(Counts::lone);
        for &(i, v) in values {
            m[i] = Counts::lone(v);
        }
        m
    }

    #[test]
    fn hours_are_withheld_by_the_demand_rule() {
        let month = |n| ReportingPeriod::new(PeriodKind::Month, 2024, Some(n)).unwrap();
        let quarter = |n| ReportingPeriod::new(PeriodKind::Quarter, 2024, Some(n)).unwrap();
        let year = ReportingPeriod::new(PeriodKind::Year, 2024, None).unwrap();
        // February had 3 hours without room: the first quarter is published only whole.
        let m = months(&[(1, 3)]);
        assert_eq!(month(1).figures(&m).sent, None);
        assert_eq!(month(2).figures(&m).sent, None);
        assert_eq!(quarter(1).figures(&m).sent, Some(744 + 3 + 744));
        assert_eq!(month(4).figures(&m).sent, Some(744));
        assert_eq!(year.figures(&m).sent, Some(744 * 11 + 3));
        // 0 and 5 are published; 1 to 4 never.
        for (v, shown) in [(0, true), (1, false), (4, false), (5, true)] {
            let m = months(&[(6, v), (7, v), (8, v)]);
            assert_eq!(month(7).figures(&m).sent, shown.then_some(v), "{v} hours");
        }
        // A quarter of 2 hours in all is withheld, and so is its year.
        let m = months(&[(9, 1), (10, 1), (11, 0)]);
        assert_eq!(quarter(4).figures(&m).sent, None);
        assert_eq!(year.figures(&m).sent, None);
    }

    #[test]
    fn a_period_covers_its_months() {
        assert_eq!(ReportingPeriod::new(PeriodKind::Month, 2024, Some(2)).unwrap().months0(), 1..2);
        assert_eq!(ReportingPeriod::new(PeriodKind::Quarter, 2024, Some(4)).unwrap().months0(), 9..12);
        assert_eq!(ReportingPeriod::new(PeriodKind::Year, 2024, None).unwrap().months0(), 0..12);
    }
}
