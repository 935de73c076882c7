//! County gap analysis: the FUTURES matrix filled from live data. For every county and
//! need: the providers located in or serving the county that meet the need (exactly the
//! ones `searchProviders` finds for that county and need), how many have a contact, an
//! MOU in force covering the need, current HT training, and a status. Computed by one
//! set-based query. Also demand: referrals per county and need, with small counts
//! suppressed so no survivor can be singled out, and hours without available emergency
//! housing per county ([`capacity_hours`]), published by the same rules. Aggregates only,
//! never client data.

pub mod capacity_hours;

use chrono::{Datelike, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::Actor;
use crate::counties::Fips;
use crate::db::StoredText;
use crate::directory::{Directory, Read, Source};
use crate::directory_index::View;
use crate::error::{AppError, AppResult};
use crate::needs::{NeedCategory, Phase};
use crate::partnerships::rules;

pub use crate::partnerships::rules::GapStatus;

/// Counts from 1 to this are suppressed in demand figures.
pub(crate) const SUPPRESS_UP_TO: i64 = 4;

/// One county × need cell.
#[derive(Clone, Debug, PartialEq, QueryableByName)]
pub struct GapCell {
    /// The county (5-digit FIPS).
    #[diesel(sql_type = Text)]
    pub county_fips: String,
    /// The county's name.
    #[diesel(sql_type = Text)]
    pub county_name: String,
    /// The need's code, such as `acute.housing`.
    #[diesel(sql_type = Text)]
    pub need_code: String,
    /// The need's wording in the matrix.
    #[diesel(sql_type = Text)]
    pub need_label: String,
    /// The need's phase (`ACUTE`, `TRANSITIONAL` or `LONG_TERM`).
    #[diesel(sql_type = Text)]
    pub need_phase: String,
    /// The need's row in the matrix (for ordering).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub need_position: i32,
    /// Providers located in or serving the county that meet the need.
    #[diesel(sql_type = BigInt)]
    pub provider_count: i64,
    /// Of those, how many have a contact on file.
    #[diesel(sql_type = BigInt)]
    pub with_contact: i64,
    /// Of those, how many have an MOU in force covering the need.
    #[diesel(sql_type = BigInt)]
    pub with_active_mou: i64,
    /// Of those, how many have basic HT training within the last 3 years.
    #[diesel(sql_type = BigInt)]
    pub ht_trained: i64,
    #[diesel(sql_type = BigInt)]
    partners: i64,
    #[diesel(sql_type = BigInt)]
    trained_partners: i64,
}

impl GapCell {
    /// Where the county stands on the need ([`rules::gap_status`]).
    pub fn status(&self) -> GapStatus {
        rules::gap_status(self.provider_count, self.partners, self.trained_partners)
    }

    /// The cell's need category. A phase this build does not know is an error, never
    /// read as some other phase.
    pub fn need(&self) -> AppResult<NeedCategory> {
        let phase = Phase::decode(&self.need_phase)?;
        Ok(NeedCategory {
            code: self.need_code.clone(),
            phase,
            label: self.need_label.clone(),
            position: self.need_position,
        })
    }
}

/// The matrix in one statement: coverage (provider × county × need) joined to the
/// derived flags, grouped per cell; every county × need appears, empty ones with zeros.
const MATRIX_SQL: &str = "
WITH need_services AS (
    SELECT DISTINCT s.provider_id, sn.need_code
    FROM services s
    JOIN service_needs sn ON sn.service_id = s.id
    JOIN providers p ON p.id = s.provider_id
    WHERE s.archived_at IS NULL AND p.archived_at IS NULL
), coverage AS (
    SELECT pc.county_fips, ns.need_code, ns.provider_id
    FROM provider_counties pc
    JOIN need_services ns ON ns.provider_id = pc.provider_id
    WHERE ($1::text IS NULL OR pc.county_fips = $1)
), mou_needs AS (
    SELECT DISTINCT m.provider_id, n.need_code
    FROM mous m, unnest(m.scope_needs) AS n(need_code)
    WHERE futures_mou_in_force(m.status, m.effective_on, m.expires_on, current_date)
), flagged AS (
    SELECT c.county_fips, c.need_code, c.provider_id, f.has_contact, f.ht_trained,
           (mn.provider_id IS NOT NULL) AS has_mou
    FROM coverage c
    JOIN provider_flags f ON f.provider_id = c.provider_id
    LEFT JOIN mou_needs mn ON mn.provider_id = c.provider_id AND mn.need_code = c.need_code
)
SELECT co.fips AS county_fips, co.name AS county_name, n.code AS need_code, n.label AS need_label,
       n.phase AS need_phase, n.position AS need_position,
       count(fl.provider_id) AS provider_count,
       count(*) FILTER (WHERE fl.has_contact) AS with_contact,
       count(*) FILTER (WHERE fl.has_mou) AS with_active_mou,
       count(*) FILTER (WHERE fl.ht_trained) AS ht_trained,
       count(*) FILTER (WHERE futures_partner(fl.has_contact, fl.has_mou)) AS partners,
       count(*) FILTER (WHERE futures_partner(fl.has_contact, fl.has_mou) AND fl.ht_trained) AS trained_partners
FROM counties co
CROSS JOIN need_categories n
LEFT JOIN flagged fl ON fl.county_fips = co.fips AND fl.need_code = n.code
WHERE ($1::text IS NULL OR co.fips = $1)
GROUP BY co.fips, co.name, n.code, n.label, n.phase, n.position
ORDER BY co.name, n.position";

/// Every county × need (or one county's needs), in county-name and matrix order.
/// For network members (any role): these are aggregates, never client data. Counted
/// where the directory decides ([`Read::GAP_MATRIX`]).
pub(crate) async fn matrix(directory: &Directory, actor: &Actor, county: Option<&Fips>) -> AppResult<Vec<GapCell>> {
    actor.member()?;
    directory.read(Read::GAP_MATRIX, async |source| matrix_on(source, county).await).await
}

/// The matrix counted by one implementation: over the index's view, or by PostgreSQL.
/// Both give the same cells (the contract test in `tests/api/search_index.rs`).
pub async fn matrix_on(source: Source<'_>, county: Option<&Fips>) -> AppResult<Vec<GapCell>> {
    match source {
        Source::Index(view) => matrix_from_index(view, county),
        Source::Database(conn) => matrix_from_database(conn, county).await,
    }
}

/// The matrix counted over the index, with the same definitions as [`MATRIX_SQL`].
fn matrix_from_index(snapshot: &View, county: Option<&Fips>) -> AppResult<Vec<GapCell>> {
    let slot = match county {
        None => None,
        Some(fips) => Some(
            snapshot
                .catalog
                .county_slot(fips.as_str())
                .ok_or_else(|| AppError::bad_input("fips", "fips is not a known county"))?,
        ),
    };
    let catalog = &snapshot.catalog;
    Ok(snapshot
        .coverage(slot)
        .into_iter()
        .map(|(c, n, counts)| {
            let (county, need) = (&catalog.counties[usize::from(c)], &catalog.needs[n]);
            GapCell {
                county_fips: county.fips.clone(),
                county_name: county.name.clone(),
                need_code: need.code.clone(),
                need_label: need.label.clone(),
                need_phase: need.phase.as_db().to_owned(),
                need_position: need.position,
                provider_count: counts.provider_count,
                with_contact: counts.with_contact,
                with_active_mou: counts.with_active_mou,
                ht_trained: counts.ht_trained,
                partners: counts.partners,
                trained_partners: counts.trained_partners,
            }
        })
        .collect())
}

/// The matrix computed by PostgreSQL in one statement.
async fn matrix_from_database(conn: &mut AsyncPgConnection, county: Option<&Fips>) -> AppResult<Vec<GapCell>> {
    if let Some(fips) = county
        && crate::counties::get(conn, fips).await?.is_none()
    {
        return Err(AppError::bad_input("fips", "fips is not a known county"));
    }
    Ok(diesel::sql_query(MATRIX_SQL)
        .bind::<Nullable<Text>, _>(county.map(|f| f.as_str().to_owned()))
        .load(conn)
        .await?)
}

fn csv_field(value: &str) -> String {
    // Quote every field; a leading formula character is neutralized for spreadsheets.
    let guarded = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The matrix as CSV (one row per county × need).
pub(crate) fn to_csv(cells: &[GapCell]) -> String {
    let mut out = String::from(
        "county_fips,county,need,need_label,provider_count,with_contact,with_active_mou,ht_trained,status\n",
    );
    for c in cells {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_field(&c.county_fips),
            csv_field(&c.county_name),
            csv_field(&c.need_code),
            csv_field(&c.need_label),
            c.provider_count,
            c.with_contact,
            c.with_active_mou,
            c.ht_trained,
            c.status().as_str()
        ));
    }
    out
}

#[derive(QueryableByName)]
struct Boundary {
    #[diesel(sql_type = Text)]
    fips: String,
    #[diesel(sql_type = Text)]
    geometry: String,
}

/// The matrix as GeoJSON: one feature per county (its boundary), carrying each need's
/// status and figures, for choropleth maps.
pub(crate) async fn to_geojson(conn: &mut AsyncPgConnection, cells: &[GapCell]) -> AppResult<String> {
    let boundaries: Vec<Boundary> =
        diesel::sql_query("SELECT fips, ST_AsGeoJSON(boundary, 5) AS geometry FROM counties ORDER BY fips")
            .load(conn)
            .await?;
    let mut features = Vec::with_capacity(boundaries.len());
    for b in boundaries {
        let mut needs = serde_json::Map::new();
        let mut name = String::new();
        for c in cells.iter().filter(|c| c.county_fips == b.fips) {
            name.clone_from(&c.county_name);
            needs.insert(
                c.need_code.clone(),
                serde_json::json!({
                    "status": c.status().as_str(),
                    "providerCount": c.provider_count,
                    "withContact": c.with_contact,
                    "withActiveMou": c.with_active_mou,
                    "htTrained": c.ht_trained,
                }),
            );
        }
        let geometry: serde_json::Value = serde_json::from_str(&b.geometry).map_err(AppError::internal)?;
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": { "fips": b.fips, "name": name, "needs": needs },
            "geometry": geometry,
        }));
    }
    Ok(serde_json::json!({ "type": "FeatureCollection", "features": features }).to_string())
}

// ---------------------------------------------------------------------------------------
// Demand: referrals per county × need, published so that no survivor can be singled out.
//
// The figures of a cell (county × need × period) are counts of referrals sent in the
// period: `sent` (S), `declinedNoCapacity` (D) and `neverPlaced` (N = S − placed). A count
// from 1 to 4 must never be published, nor be recoverable from what is published. Four
// ways to recover one were closed:
//
// 1. Overlapping windows (Jan 1–31 minus Jan 2–31 = Jan 1's exact count): only fixed
//    periods exist — a calendar month, quarter or year.
// 2. Asking again later (the count of a period that is still going on, or whose outcomes
//    are still arriving, minus the same count yesterday): a period is published only once
//    its quarter has been over for 30 days, from figures frozen then and never changed
//    (migration 13).
// 3. Other figures of the same cell (S − N = placed, N − D, S − D, …): within a period,
//    D and N are published only if every count they reveal together with S is 0 or at
//    least 5 ([`publish_period`]).
// 4. Other kinds of period (a quarter minus two published months = the third month; a
//    year minus eleven months): each quarter of a cell is published at one granularity
//    only. If all three months can be published in full, the months are, and the quarter
//    is their sum; otherwise the months are withheld entirely and the quarter is published
//    by itself. A year figure is the sum of its four quarters' figures, published only
//    when all four are. So a coarser figure is always a sum of published finer ones and
//    tells nothing new, and a withheld figure never sits beside published ones that add
//    up to it. (Complementary suppression, the usual alternative, can still be undone by
//    reasoning about which cells were chosen to hide which; one granularity per quarter
//    cannot, and tests/api/futures.rs and the tests below check it.)
//
// Across counties and needs nothing is summed: no total of a county or a need is
// published anywhere, so no cell can be recovered from a margin. The price is that small
// numbers stay hidden at every level: a cell with 3 referrals in a year is null in every
// period of it.
// ---------------------------------------------------------------------------------------

/// Kinds of reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PeriodKind {
    Month,
    Quarter,
    Year,
}

/// A fixed reporting period: a calendar month, quarter or year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReportingPeriod {
    kind: PeriodKind,
    year: i32,
    /// Month 1–12 or quarter 1–4; 0 for a year.
    number: u32,
}

/// The earliest year asked about (each quarter asked about is frozen once).
const FIRST_YEAR: i32 = 2000;

impl ReportingPeriod {
    /// A period from its kind, year and number (month 1–12, quarter 1–4, none for a year);
    /// fields are named under `period`.
    pub fn new(kind: PeriodKind, year: i32, number: Option<i32>) -> AppResult<Self> {
        if !(FIRST_YEAR..=9999).contains(&year) {
            return Err(AppError::bad_input("period.year", format!("period.year must be from {FIRST_YEAR} to 9999")));
        }
        let most = match kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::Year => 0,
        };
        let number = match (kind, number) {
            (PeriodKind::Year, None) => 0,
            (PeriodKind::Year, Some(_)) => {
                return Err(AppError::bad_input("period.number", "period.number is not given for a year"));
            }
            (_, Some(n)) if (1..=most).contains(&n) => n as u32,
            _ => {
                return Err(AppError::bad_input("period.number", format!("period.number must be from 1 to {most}")));
            }
        };
        Ok(ReportingPeriod { kind, year, number })
    }

    /// Quarters (1–4) of the year that the period lies in.
    fn quarters(&self) -> std::ops::RangeInclusive<u32> {
        match self.kind {
            PeriodKind::Month => (self.number - 1) / 3 + 1..=(self.number - 1) / 3 + 1,
            PeriodKind::Quarter => self.number..=self.number,
            PeriodKind::Year => 1..=4,
        }
    }

    fn quarter_start(&self, quarter: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 3 * quarter - 2, 1).expect("a quarter's first day")
    }
}

/// Raw counts of one cell in one month, as frozen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub sent: i64,
    pub declined_no_capacity: i64,
    pub placed: i64,
}

impl Counts {
    /// A lone count (such as hours without room) to publish by the same rule as a cell's
    /// referrals sent: its other figures are zero, so nothing but its own size decides,
    /// and what is published of it is the resulting `sent`.
    pub(crate) fn lone(count: i64) -> Counts {
        Counts { sent: count, declined_no_capacity: 0, placed: count }
    }
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, o: Counts) -> Counts {
        Counts {
            sent: self.sent + o.sent,
            declined_no_capacity: self.declined_no_capacity + o.declined_no_capacity,
            placed: self.placed + o.placed,
        }
    }
}

/// Published figures of one cell in one period; `None` is withheld.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Figures {
    pub sent: Option<i64>,
    pub declined_no_capacity: Option<i64>,
    pub never_placed: Option<i64>,
}

impl Figures {
    const WITHHELD: Figures = Figures { sent: None, declined_no_capacity: None, never_placed: None };

    fn complete(&self) -> bool {
        self.sent.is_some() && self.declined_no_capacity.is_some() && self.never_placed.is_some()
    }

    fn is_zero(&self) -> bool {
        self.sent == Some(0)
    }
}

/// Whether a count would single someone out: 1 to [`SUPPRESS_UP_TO`].
fn small(count: i64) -> bool {
    (1..=SUPPRESS_UP_TO).contains(&count)
}

/// Referral demand for a county × need in a period, as published.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DemandCell {
    pub county_fips: String,
    pub need_code: String,
    pub figures: Figures,
}

/// What may be published of one period's counts by themselves. `sent` unless it is small.
/// Then `declinedNoCapacity` and `neverPlaced` together if none of the counts they reveal
/// with `sent` is small — declined (D), never placed (N), placed (S − N), neither declined
/// nor placed (N − D), not declined (S − D), declined or placed (S − N + D) — else the
/// one of them that reveals no small count with `sent` alone, else neither. Every
/// withheld figure keeps at least four possible values (checked exhaustively below).
pub(crate) fn publish_period(c: Counts) -> Figures {
    let (s, d, n) = (c.sent, c.declined_no_capacity, c.sent - c.placed);
    if small(s) {
        return Figures::WITHHELD;
    }
    let fine = |counts: &[i64]| !counts.iter().copied().any(small);
    let (d_shown, n_shown) = if fine(&[d, n, s - n, n - d, s - d, s - n + d]) {
        (true, true)
    } else if fine(&[d, s - d]) {
        (true, false)
    } else if fine(&[n, s - n]) {
        (false, true)
    } else {
        (false, false)
    };
    Figures { sent: Some(s), declined_no_capacity: d_shown.then_some(d), never_placed: n_shown.then_some(n) }
}

/// One quarter of a cell: its three months and the quarter, at one granularity (see the
/// comment above [`PeriodKind`]).
pub(crate) fn publish_quarter(months: [Counts; 3]) -> ([Figures; 3], Figures) {
    let by_month = months.map(publish_period);
    let total = months[0] + months[1] + months[2];
    if by_month.iter().all(Figures::complete) {
        (by_month, publish_period(total))
    } else {
        ([Figures::WITHHELD; 3], publish_period(total))
    }
}

/// A year of a cell from its quarters' published figures: each figure is their sum when
/// all four quarters publish it.
pub(crate) fn publish_year(quarters: [Figures; 4]) -> Figures {
    let sum = |f: fn(&Figures) -> Option<i64>| quarters.iter().map(f).sum::<Option<i64>>();
    Figures {
        sent: sum(|q| q.sent),
        declined_no_capacity: sum(|q| q.declined_no_capacity),
        never_placed: sum(|q| q.never_placed),
    }
}

#[derive(QueryableByName)]
struct MonthRow {
    #[diesel(sql_type = Date)]
    month_start: NaiveDate,
    #[diesel(sql_type = Text)]
    county_fips: String,
    #[diesel(sql_type = Text)]
    need_code: String,
    #[diesel(sql_type = BigInt)]
    sent: i64,
    #[diesel(sql_type = BigInt)]
    declined_no_capacity: i64,
    #[diesel(sql_type = BigInt)]
    placed: i64,
}

#[derive(QueryableByName)]
struct Publication {
    #[diesel(sql_type = Date)]
    published_from: NaiveDate,
    #[diesel(sql_type = Date)]
    today: NaiveDate,
}

/// Demand per county × need in a reporting period, for network members: the cells with
/// referrals in the period's quarters, by county and need, a cell whose published figures
/// are all zero left out. A period is published once its last quarter has been over for
/// 30 days (the database decides, migration 13); before, `BAD_USER_INPUT` on `period`.
pub(crate) async fn demand(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    period: ReportingPeriod,
) -> AppResult<Vec<DemandCell>> {
    actor.member()?;
    let (first, end) = published_quarters(conn, period).await?;
    let rows: Vec<MonthRow> = diesel::sql_query(
        "SELECT month_start, county_fips, need_code, sent::bigint AS sent,
                declined_no_capacity::bigint AS declined_no_capacity, placed::bigint AS placed
         FROM demand_months WHERE month_start >= $1 AND month_start < $2",
    )
    .bind::<Date, _>(first)
    .bind::<Date, _>(end)
    .load(conn)
    .await?;
    // Per cell: the counts of each month of the year (only the period's quarters filled).
    let mut cells: std::collections::BTreeMap<(String, String), [Counts; 12]> = Default::default();
    for r in rows {
        let month = r.month_start.month0() as usize;
        cells.entry((r.county_fips, r.need_code)).or_default()[month] =
            Counts { sent: r.sent, declined_no_capacity: r.declined_no_capacity, placed: r.placed };
    }
    Ok(cells
        .into_iter()
        .map(|((county_fips, need_code), months)| DemandCell {
            county_fips,
            need_code,
            figures: period.figures(&months),
        })
        .filter(|c| !c.figures.is_zero())
        .collect())
}

/// The quarters of `period` once published: the first day of its first quarter and the
/// day after its last (freezing them if this is the first time they are asked for after
/// they became due, migration 13). Before, `BAD_USER_INPUT` on `period`. The one
/// publication rule of every demand-side figure.
pub(crate) async fn published_quarters(
    conn: &mut AsyncPgConnection,
    period: ReportingPeriod,
) -> AppResult<(NaiveDate, NaiveDate)> {
    let quarters: Vec<NaiveDate> = period.quarters().map(|q| period.quarter_start(q)).collect();
    let publication: Publication = diesel::sql_query(
        "SELECT max(demand_freeze_quarter(q)) AS published_from, current_date AS today FROM unnest($1::date[]) AS q",
    )
    .bind::<diesel::sql_types::Array<Date>, _>(&quarters)
    .get_result(conn)
    .await?;
    if publication.published_from > publication.today {
        return Err(AppError::bad_input(
            "period",
            format!("period is not published yet: its figures are published from {}", publication.published_from),
        ));
    }
    let end = quarters[quarters.len() - 1].checked_add_months(chrono::Months::new(3)).expect("a date");
    Ok((quarters[0], end))
}

impl ReportingPeriod {
    /// What is published for the period from a cell's counts in each month of the year
    /// (only the period's quarters need be filled): the period's figures under the rules
    /// above — the one suppression rule of every demand-side figure.
    pub(crate) fn figures(&self, months: &[Counts; 12]) -> Figures {
        let quarter = |q: u32| {
            let m = 3 * (q as usize - 1);
            publish_quarter([months[m], months[m + 1], months[m + 2]])
        };
        match self.kind {
            PeriodKind::Month => quarter((self.number - 1) / 3 + 1).0[(self.number as usize - 1) % 3],
            PeriodKind::Quarter => quarter(self.number).1,
            PeriodKind::Year => publish_year([1, 2, 3, 4].map(|q| quarter(q).1)),
        }
    }

    /// Months (0–11) of the year that the period covers.
    pub(crate) fn months0(&self) -> std::ops::Range<usize> {
        match self.kind {
            PeriodKind::Month => self.number as usize - 1..self.number as usize,
            PeriodKind::Quarter => 3 * (self.number as usize - 1)..3 * self.number as usize,
            PeriodKind::Year => 0..12,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    /// The atoms of a month: declined for no capacity (D), placed (P), neither (O). Every
    /// figure is a sum of atoms: S = D + P + O, D, N = D + O.
    fn counts(d: i64, p: i64, o: i64) -> Counts {
        Counts { sent: d + p + o, declined_no_capacity: d, placed: p }
    }

    /// Every count an attacker might want, of a set of atoms: each non-empty subset of
    /// {D, P, O} (sent, declined, placed, never placed, ...).
    fn subset_sums(d: i64, p: i64, o: i64) -> [i64; 7] {
        [1, 2, 3, 4, 5, 6, 7].map(|m: u8| i64::from(m & 1) * d + i64::from(m >> 1 & 1) * p + i64::from(m >> 2 & 1) * o)
    }

    #[test]
    fn small_counts_are_withheld_and_large_ones_published() {
        let f = publish_period(counts(0, 0, 3));
        assert_eq!(f, Figures::WITHHELD, "3 sent");
        assert_eq!(
            publish_period(counts(0, 0, 0)),
            Figures { sent: Some(0), declined_no_capacity: Some(0), never_placed: Some(0) }
        );
        assert_eq!(
            publish_period(counts(5, 5, 0)),
            Figures { sent: Some(10), declined_no_capacity: Some(5), never_placed: Some(5) }
        );
        // 6 sent, 5 declined, 1 placed: declined and never placed would reveal the one placement.
        assert_eq!(
            publish_period(counts(5, 1, 0)),
            Figures { sent: Some(6), declined_no_capacity: None, never_placed: None }
        );
        // 20 sent, 2 declined: declined is withheld, never placed is not.
        assert_eq!(
            publish_period(counts(2, 10, 8)),
            Figures { sent: Some(20), declined_no_capacity: None, never_placed: Some(10) }
        );
    }

    /// The complete attacker for one period: knows the rule, sees the published figures,
    /// and considers every set of counts that would publish the same. No count from 1 to 4
    /// of any combination of atoms may be the same in all of them. Exhaustive for every
    /// period of up to 30 referrals (those with more published cannot be confused with
    /// fewer, so the enumeration holds all candidates of every view it checks).
    #[test]
    fn no_small_count_of_a_period_can_be_worked_out_from_its_figures() {
        const MOST: i64 = 30;
        let mut views: HashMap<Figures, Vec<[i64; 7]>> = HashMap::new();
        for d in 0..=MOST {
            for p in 0..=MOST - d {
                for o in 0..=MOST - d - p {
                    views.entry(publish_period(counts(d, p, o))).or_default().push(subset_sums(d, p, o));
                }
            }
        }
        let mut checked = 0;
        for (view, candidates) in views {
            if view.sent.is_some_and(|s| s > MOST) {
                continue;
            }
            for k in 0..7 {
                let values: HashSet<i64> = candidates.iter().map(|c| c[k]).collect();
                if values.len() == 1 {
                    let v = *values.iter().next().unwrap();
                    assert!(!small(v), "{view:?} reveals a count of {v} (subset {})", k + 1);
                }
                checked += 1;
            }
        }
        assert!(checked > 100);
    }

    /// The same attacker for a quarter: three months and the quarter, every union of
    /// months, every combination of atoms. Exhaustive up to 10 referrals in the quarter.
    #[test]
    fn no_small_count_of_a_quarter_can_be_worked_out_from_its_months_and_total() {
        const MOST: i64 = 10;
        type View = ([Figures; 3], Figures);
        let mut views: HashMap<View, Vec<Vec<i64>>> = HashMap::new();
        let mut atoms = [0i64; 9];
        fn each(atoms: &mut [i64; 9], i: usize, left: i64, f: &mut dyn FnMut(&[i64; 9])) {
            if i == 9 {
                return f(atoms);
            }
            for v in 0..=left {
                atoms[i] = v;
                each(atoms, i + 1, left - v, f);
            }
            atoms[i] = 0;
        }
        each(&mut atoms, 0, MOST, &mut |a| {
            let months = [0, 1, 2].map(|m| counts(a[3 * m], a[3 * m + 1], a[3 * m + 2]));
            let mut all = Vec::new();
            for union in 1..8usize {
                let pick = |k: usize| (0..3).filter(|m| union >> m & 1 == 1).map(|m| a[3 * m + k]).sum::<i64>();
                all.extend(subset_sums(pick(0), pick(1), pick(2)));
            }
            views.entry(publish_quarter(months)).or_default().push(all);
        });
        let mut months_published = 0;
        for (view, candidates) in &views {
            if view.1.sent.is_some_and(|s| s > MOST) {
                continue;
            }
            months_published += usize::from(view.0[0].complete() && view.1.sent.is_some_and(|s| s > 0));
            for k in 0..candidates[0].len() {
                let first = candidates[0][k];
                if small(first) && candidates.iter().all(|c| c[k] == first) {
                    panic!("{view:?} reveals a count of {first}");
                }
            }
        }
        assert!(months_published > 0, "some quarters publish their months");
    }

    /// A linear attacker over whole years: every published figure of every month, quarter
    /// and the year is an equation over the 36 atoms of the year; no window of months
    /// (any run of consecutive months, which includes every period) and no combination of
    /// atoms whose count is 1 to 4 may follow from them. Random years, sparse to busy.
    #[test]
    fn no_window_of_a_year_can_be_worked_out_from_all_its_published_periods() {
        let mut rng = StdRng::seed_from_u64(13);
        for year in 0..400 {
            let busy = [2, 4, 8, 20][year % 4];
            let atoms: Vec<i64> = (0..36)
                .map(|i| {
                    let scale = if i % 3 == 0 { busy / 2 + 1 } else { busy };
                    if rng.random_bool(0.3) { 0 } else { rng.random_range(0..=scale) }
                })
                .collect();
            let months: Vec<Counts> =
                (0..12).map(|m| counts(atoms[3 * m], atoms[3 * m + 1], atoms[3 * m + 2])).collect();
            let quarters: Vec<([Figures; 3], Figures)> =
                (0..4).map(|q| publish_quarter([months[3 * q], months[3 * q + 1], months[3 * q + 2]])).collect();
            let year_figures = publish_year([0, 1, 2, 3].map(|q| quarters[q].1));
            let mut published: Vec<(std::ops::Range<usize>, Figures)> = Vec::new();
            for (q, (by_month, total)) in quarters.iter().enumerate() {
                for (i, f) in by_month.iter().enumerate() {
                    published.push((3 * q + i..3 * q + i + 1, *f));
                }
                published.push((3 * q..3 * q + 3, *total));
            }
            published.push((0..12, year_figures));
            let mut basis = Basis::default();
            for (range, f) in &published {
                let row = |k: [f64; 3]| {
                    let mut r = [0.0; 36];
                    for m in range.clone() {
                        r[3 * m..3 * m + 3].copy_from_slice(&k);
                    }
                    r
                };
                if let Some(s) = f.sent {
                    assert_eq!(s, (range.clone()).map(|m| months[m].sent).sum::<i64>(), "published figures are exact");
                    basis.add(row([1.0, 1.0, 1.0]));
                }
                if f.declined_no_capacity.is_some() {
                    basis.add(row([1.0, 0.0, 0.0]));
                }
                if f.never_placed.is_some() {
                    basis.add(row([1.0, 0.0, 1.0]));
                }
            }
            for start in 0..12 {
                for end in start + 1..=12 {
                    for subset in 1..8u8 {
                        let k = [subset & 1, subset >> 1 & 1, subset >> 2 & 1].map(f64::from);
                        let mut v = [0.0; 36];
                        let mut count = 0;
                        for m in start..end {
                            for a in 0..3 {
                                v[3 * m + a] = k[a];
                                count += atoms[3 * m + a] * i64::from(k[a] as u8);
                            }
                        }
                        if small(count) {
                            assert!(
                                !basis.spans(v),
                                "year {year}: months {start}..{end}, atoms {subset}: the count {count} follows from {published:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// Row-reduced equations, for telling whether a combination follows from them.
    #[derive(Default)]
    struct Basis(Vec<([f64; 36], usize)>);

    impl Basis {
        fn reduce(&self, mut v: [f64; 36]) -> [f64; 36] {
            for (row, pivot) in &self.0 {
                let factor = v[*pivot] / row[*pivot];
                if factor != 0.0 {
                    for i in 0..36 {
                        v[i] -= factor * row[i];
                    }
                }
            }
            v
        }

        fn add(&mut self, v: [f64; 36]) {
            let r = self.reduce(v);
            if let Some(pivot) = (0..36).find(|&i| r[i].abs() > 1e-9) {
                self.0.push((r, pivot));
            }
        }

        fn spans(&self, v: [f64; 36]) -> bool {
            self.reduce(v).iter().all(|x| x.abs() < 1e-9)
        }
    }

    #[test]
    fn reporting_periods_are_checked() {
        let field = |r: AppResult<ReportingPeriod>| match r {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(ReportingPeriod::new(PeriodKind::Month, 2026, Some(13))), "period.number");
        assert_eq!(field(ReportingPeriod::new(PeriodKind::Quarter, 2026, None)), "period.number");
        assert_eq!(field(ReportingPeriod::new(PeriodKind::Year, 2026, Some(1))), "period.number");
        assert_eq!(field(ReportingPeriod::new(PeriodKind::Year, 1999, None)), "period.year");
        let may = ReportingPeriod::new(PeriodKind::Month, 2026, Some(5)).unwrap();
        assert_eq!(
            may.quarters().map(|q| may.quarter_start(q)).collect::<Vec<_>>(),
            [NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()]
        );
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Wake"), "\"Wake\"");
        assert_eq!(csv_field("Say \"hi\""), "\"Say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
    }
}
