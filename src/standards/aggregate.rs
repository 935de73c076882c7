//! The aggregate view for the network and the Commission: per standard, how many
//! organizations meet or exceed it, and per service area, how many meet the standards for
//! it — counting organizations whose review outcome is in force today — statewide and per
//! county. Aggregates only; no organization is named.
//!
//! **Where an organization counts.** In its home county (view
//! `organization_home_counties`: where most of the locations of the listings it keeps are;
//! without one, the single county its listings serve), or in no county. One place each, so
//! the county figures and the "no county" figure add up exactly to the statewide one.
//! Counting an organization in every county it serves would make the figures overlap, and
//! overlapping totals can be combined (inclusion–exclusion) to work out a withheld one.
//!
//! **What is published.** No count from 1 to 4 is published, nor can one be worked out
//! from what is ([`publish`]):
//!
//! 1. A county (or "no county") figure from 1 to 4 is withheld.
//! 2. The statewide figure is withheld when it is from 1 to 4 itself, and then the county
//!    breakdown with it (its zeros would narrow the withheld counties down: four of them
//!    under a total of at most 4 are each exactly 1).
//! 3. Otherwise the statewide figure is published, and with it the county breakdown only if
//!    the statewide figure tells nothing about the withheld ones: it gives their sum W
//!    (statewide minus the published figures), and with k withheld figures of 1 to 4 each,
//!    every one of them can still be any of 1, 2, 3 and 4 exactly when k ≥ 2 and
//!    k + 3 ≤ W ≤ 4k − 3. If not, the whole breakdown of that standard is withheld and only
//!    the statewide figure stands (the Commission's figure comes first). Knowing that this
//!    happened narrows the counties down a little, never to one value (tested
//!    exhaustively below for up to four counties; a hundred leave far more ways).
//!
//! Standards and service areas are counted over different sets (organizations meeting one
//! standard, organizations vetted for one area), so no figure of one is a sum or
//! difference of another's. What this does not stop: figures are live, so someone who
//! knows that exactly one organization's review took effect between two days can compare
//! the two days' figures. The outcome itself (which areas) is public anyway; the figures
//! add which standards it met beyond them.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{ServiceArea, ServiceAreaInfo, Standard};
use crate::auth::Actor;
use crate::db::StoredText;
use crate::error::AppResult;

/// Counts from 1 to this are withheld, as everywhere in Lantern.
pub const SUPPRESS_UP_TO: i64 = crate::gaps::SUPPRESS_UP_TO;

fn small(count: i64) -> bool {
    (1..=SUPPRESS_UP_TO).contains(&count)
}

/// What is published of one standard's (or area's) disjoint cells.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Published {
    /// The statewide figure; `None` when withheld.
    pub statewide: Option<i64>,
    /// Each cell's figure in the order given (`None` withheld), or `None` when the whole
    /// breakdown is withheld.
    pub cells: Option<Vec<Option<i64>>>,
}

/// The publication rule (see the module's doc) over disjoint cells that add up to the
/// statewide figure.
pub fn publish(cells: &[i64]) -> Published {
    let statewide: i64 = cells.iter().sum();
    let shown = || Some(cells.iter().map(|&c| (!small(c)).then_some(c)).collect());
    if small(statewide) {
        // Shown beside it, the zero counties would narrow the withheld ones down (four
        // withheld counties under a withheld total of at most 4 are each exactly 1).
        return Published { statewide: None, cells: None };
    }
    let withheld: Vec<i64> = cells.iter().copied().filter(|&c| small(c)).collect();
    let (k, w) = (withheld.len() as i64, withheld.iter().sum::<i64>());
    let breakdown_safe = k == 0 || (k >= 2 && k + 3 <= w && w <= SUPPRESS_UP_TO * k - 3);
    Published { statewide: Some(statewide), cells: if breakdown_safe { shown() } else { None } }
}

/// What is counted: a standard, or a service area.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// Organizations that meet or exceed the standard.
    Standard(Standard),
    /// Organizations that meet the standards for the service area.
    ServiceArea(ServiceAreaInfo),
}

/// A county's figure.
#[derive(Clone, Debug, PartialEq)]
pub struct CountyFigure {
    pub fips: String,
    pub name: String,
    /// `None` when withheld.
    pub organizations: Option<i64>,
}

/// The published figures of one standard or service area.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub subject: Subject,
    /// `None` when withheld.
    pub statewide: Option<i64>,
    /// Every county's figure (zeros included), or `None` when the breakdown is withheld.
    pub counties: Option<Vec<CountyFigure>>,
    /// Organizations counted in no county; `None` when withheld (with the breakdown or alone).
    pub without_county: Option<i64>,
}

/// The whole aggregate as of a day.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub as_of: NaiveDate,
    /// One entry per standard, by number.
    pub standards: Vec<Figures>,
    /// One entry per service area, in the document's order.
    pub service_areas: Vec<Figures>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Nullable<Text>)]
    county_fips: Option<String>,
    #[diesel(sql_type = BigInt)]
    organizations: i64,
}

/// The aggregate for network members (any role: it is aggregates only), as of `as_of`
/// (the network's today).
pub async fn aggregate(conn: &mut AsyncPgConnection, actor: &Actor, as_of: NaiveDate) -> AppResult<Aggregate> {
    actor.member()?;
    let counts: Vec<Count> =
        diesel::sql_query("SELECT kind, key, county_fips, organizations FROM standards_met_counts($1)")
            .bind::<Date, _>(as_of)
            .load(conn)
            .await?;
    let counties = crate::counties::list(conn).await?;
    let standards = super::repo::standards(conn).await?;
    let areas = super::repo::service_areas(conn).await?;
    let mut by_key: HashMap<(String, String), HashMap<Option<String>, i64>> = HashMap::new();
    for c in counts {
        by_key.entry((c.kind, c.key)).or_default().insert(c.county_fips, c.organizations);
    }
    let figures = |kind: &str, key: String, subject: Subject| {
        let cells = by_key.get(&(kind.to_owned(), key));
        let count = |fips: Option<&str>| cells.and_then(|m| m.get(&fips.map(str::to_owned))).copied().unwrap_or(0);
        // The cells in a fixed order: every county by name, then "no county".
        let mut raw: Vec<i64> = counties.iter().map(|c| count(Some(&c.fips))).collect();
        raw.push(count(None));
        let published = publish(&raw);
        Figures {
            subject,
            statewide: published.statewide,
            counties: published.cells.as_ref().map(|cells| {
                counties
                    .iter()
                    .zip(cells)
                    .map(|(c, &organizations)| CountyFigure {
                        fips: c.fips.clone(),
                        name: c.name.clone(),
                        organizations,
                    })
                    .collect()
            }),
            without_county: published.cells.as_ref().and_then(|cells| cells.last().copied().flatten()),
        }
    };
    Ok(Aggregate {
        as_of,
        standards: standards
            .into_iter()
            .map(|s| figures("STANDARD", s.number.to_string(), Subject::Standard(s)))
            .collect(),
        service_areas: areas
            .into_iter()
            .map(|a| figures("SERVICE_AREA", a.area.as_db().to_owned(), Subject::ServiceArea(a)))
            .collect(),
    })
}

/// A CSV field, quoted, with a leading formula character neutralized for spreadsheets.
fn csv_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The aggregate as CSV: for each standard and service area a statewide row, a row per
/// county and a "no county" row; a withheld figure is empty (with the breakdown withheld,
/// every county row is).
pub fn to_csv(aggregate: &Aggregate) -> String {
    let mut out = String::from("as_of,kind,key,title,service_area,geography,county_fips,county,organizations\n");
    let figure = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for f in aggregate.standards.iter().chain(&aggregate.service_areas) {
        let (kind, key, title, area) = match &f.subject {
            Subject::Standard(s) => {
                ("standard", s.number.to_string(), s.title.as_str(), s.area.map_or("FOUNDATIONAL", ServiceArea::as_db))
            }
            Subject::ServiceArea(a) => ("service_area", a.area.as_db().to_owned(), a.title.as_str(), a.area.as_db()),
        };
        let mut row = |geography: &str, fips: &str, county: &str, value: Option<i64>| {
            out.push_str(&format!(
                "{},{kind},{},{},{area},{geography},{},{},{}\n",
                aggregate.as_of,
                csv_field(&key),
                csv_field(title),
                csv_field(fips),
                csv_field(county),
                figure(value)
            ));
        };
        row("statewide", "", "", f.statewide);
        if let Some(counties) = &f.counties {
            for c in counties {
                row("county", &c.fips, &c.name, c.organizations);
            }
        }
        row("no_county", "", "", f.without_county);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;

    #[test]
    fn small_counts_are_withheld_and_safe_breakdowns_published() {
        assert_eq!(publish(&[0, 0, 0]), Published { statewide: Some(0), cells: Some(vec![Some(0); 3]) });
        assert_eq!(publish(&[3, 0]), Published { statewide: None, cells: None });
        assert_eq!(publish(&[1, 1, 1, 1]), Published { statewide: None, cells: None });
        assert_eq!(publish(&[5, 6]), Published { statewide: Some(11), cells: Some(vec![Some(5), Some(6)]) });
        // One withheld county beside published ones would be the statewide figure minus
        // them: the breakdown goes, the statewide figure stays.
        assert_eq!(publish(&[7, 2]), Published { statewide: Some(9), cells: None });
        // Two withheld of 1 to 4 that add up to 5 can each be anything from 1 to 4.
        assert_eq!(publish(&[6, 1, 4]), Published { statewide: Some(11), cells: Some(vec![Some(6), None, None]) });
        // ... but two adding up to 8 are both 4, and two adding up to 2 both 1.
        assert_eq!(publish(&[6, 4, 4]).cells, None);
        assert_eq!(publish(&[6, 1, 1]).cells, None);
    }

    /// Every way of splitting up to 18 organizations over one to four cells: among all the
    /// configurations that publish the same figures, a withheld figure that is in fact 1
    /// to 4 can still be any of 1 to 4 beside a published breakdown, and is never pinned
    /// to one value when the breakdown is withheld. (A
    /// published statewide figure is part of what is compared, so each group holds every
    /// split of its total: no cut-off makes a figure look pinned, or safe.)
    #[test]
    fn no_withheld_count_can_be_worked_out_from_the_published_ones() {
        fn splits(total: i64, cells: usize) -> Vec<Vec<i64>> {
            if cells == 1 {
                return vec![vec![total]];
            }
            (0..=total)
                .flat_map(|first| {
                    splits(total - first, cells - 1).into_iter().map(move |mut rest| {
                        rest.insert(0, first);
                        rest
                    })
                })
                .collect()
        }
        for cells in 1..=4usize {
            let mut groups: HashMap<Published, Vec<Vec<i64>>> = HashMap::new();
            for config in (0..=18).flat_map(|total| splits(total, cells)) {
                groups.entry(publish(&config)).or_default().push(config);
            }
            for (published, configs) in &groups {
                for config in configs {
                    for (i, &value) in config.iter().enumerate() {
                        let hidden = published.cells.as_ref().is_none_or(|c| c[i].is_none());
                        if hidden && small(value) {
                            let possible: BTreeSet<i64> = configs.iter().map(|c| c[i]).collect();
                            // Beside a published breakdown, any of 1 to 4; with the
                            // breakdown withheld, never one value only.
                            let enough = match published.cells {
                                Some(_) => (1..=4).all(|v| possible.contains(&v)),
                                None => possible.len() >= 2,
                            };
                            assert!(
                                enough,
                                "{config:?} publishes {published:?}, and cell {i} could only be {possible:?}"
                            );
                        }
                    }
                    let total: i64 = config.iter().sum();
                    if published.statewide.is_none() && small(total) {
                        let possible: BTreeSet<i64> = configs.iter().map(|c| c.iter().sum()).collect();
                        assert!(
                            possible.len() >= 2,
                            "{config:?}: the withheld statewide figure is pinned to {possible:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Wake"), "\"Wake\"");
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
    }
}
