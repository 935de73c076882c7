//! The county gap analysis over GraphQL: the FUTURES matrix (`gapMatrix`,
//! `countyNeeds`) and demand (`countyDemand`). Thin: parse, call `crate::gaps`, wrap.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::context::{caller, conn, directory};
use super::errors::GqlResultExt;
use super::types::{CountyGql, NeedCategoryGql};
use crate::counties::Fips;
use crate::gaps::{self, GapCell};

/// A county's standing on a need.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GapStatus", remote = "crate::gaps::GapStatus")]
pub enum GapStatusGql {
    /// No provider located in or serving the county meets the need.
    NoProvider,
    /// Providers exist, none with a contact or an MOU in force.
    NoPartner,
    /// Partners exist, none trained on human trafficking.
    Untrained,
    /// Trained partners exist: at least one partner meets the need and is trained on human trafficking.
    Covered,
}

/// One county × need cell of the FUTURES matrix.
pub struct GapCellGql(pub GapCell);

/// One county × need cell of the FUTURES matrix.
#[Object(name = "GapCell")]
impl GapCellGql {
    /// The county.
    async fn county(&self) -> CountyGql {
        CountyGql { fips: self.0.county_fips.clone(), name: self.0.county_name.clone() }
    }
    /// The need.
    async fn need(&self) -> async_graphql::Result<NeedCategoryGql> {
        Ok(NeedCategoryGql(self.0.need().gql()?))
    }
    /// Providers located in or serving the county that meet the need (as `searchProviders` finds them).
    async fn provider_count(&self) -> i64 {
        self.0.provider_count
    }
    /// Of those, how many have a contact on file.
    async fn with_contact(&self) -> i64 {
        self.0.with_contact
    }
    /// With an MOU in force whose scope covers the need.
    async fn with_active_mou(&self) -> i64 {
        self.0.with_active_mou
    }
    /// With basic HT training within the last 3 years.
    async fn ht_trained(&self) -> i64 {
        self.0.ht_trained
    }
    /// Where the county stands on the need.
    async fn status(&self) -> GapStatusGql {
        self.0.status().into()
    }
}

/// A kind of reporting period.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReportingPeriodKind", remote = "crate::gaps::PeriodKind")]
pub enum PeriodKindGql {
    /// A calendar month; `number` 1–12.
    Month,
    /// A calendar quarter; `number` 1–4.
    Quarter,
    /// A calendar year; no `number`.
    Year,
}

/// A fixed reporting period: a calendar month, quarter or year.
#[derive(InputObject)]
#[graphql(name = "ReportingPeriodInput")]
pub struct ReportingPeriodGql {
    /// Month, quarter or year.
    pub kind: PeriodKindGql,
    /// The calendar year.
    pub year: i32,
    /// Month 1–12 or quarter 1–4; omitted for a year.
    pub number: Option<i32>,
}

/// Referral demand for a county × need in a reporting period. A null figure is withheld:
/// a count from 1 to 4, or one that would let such a count be worked out.
#[derive(SimpleObject)]
#[graphql(name = "DemandCell")]
pub struct DemandCellGql {
    /// The county (5-digit FIPS).
    pub county_fips: String,
    /// The need's code, such as `acute.housing`.
    pub need_code: String,
    /// Referrals sent for this county and need in the period.
    pub sent: Option<i64>,
    /// Of those, declined for lack of capacity.
    pub declined_no_capacity: Option<i64>,
    /// Of those, never placed: never accepted, in progress or completed by the recipient.
    pub never_placed: Option<i64>,
}

/// Hours without available emergency housing (`acute.housing`) in a county in a
/// reporting period: hours in which no emergency-housing service located in or serving the
/// county had a fresh figure with room (accepting referrals, `AVAILABLE`, above zero).
/// Counted from the capacity history when the period's quarter is frozen; a county total,
/// never a service.
#[derive(SimpleObject)]
#[graphql(name = "EmergencyHousingGap")]
pub struct EmergencyHousingGapGql {
    /// The county (5-digit FIPS).
    pub county_fips: String,
    /// Hours in the period (the network's calendar and time zone; 743 to 745 in a month with a daylight-saving change).
    pub hours_in_period: i64,
    /// Of those, hours in which no emergency-housing service of the county had room now
    /// at any moment. Null when withheld: 1 to 4, or a figure that would let such a count
    /// be worked out (the same rule as `countyDemand`).
    pub hours_without_room: Option<i64>,
}

/// Reads of the gap analysis (network members).
#[derive(Default)]
pub struct GapQuery;

#[Object]
impl GapQuery {
    /// The FUTURES matrix for one county: every need category with its figures and status.
    async fn county_needs(&self, ctx: &Context<'_>, fips: String) -> async_graphql::Result<Vec<GapCellGql>> {
        let f = Fips::parse(&fips, "fips").gql()?;
        Ok(gaps::matrix(directory(ctx), &caller(ctx).actor, Some(&f))
            .await
            .gql()?
            .into_iter()
            .map(GapCellGql)
            .collect())
    }

    /// Every county × need cell of the state (computed in one query).
    #[graphql(complexity = "3300 * child_complexity / 10")]
    async fn gap_matrix(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GapCellGql>> {
        Ok(gaps::matrix(directory(ctx), &caller(ctx).actor, None).await.gql()?.into_iter().map(GapCellGql).collect())
    }

    /// Referral demand per county × need for referrals sent in a reporting period (a
    /// calendar month, quarter or year; no other windows). A period is published once its
    /// last quarter has been over for 30 days, and its figures never change afterwards.
    /// Null figures are withheld: counts from 1 to 4, and figures that would let one be
    /// worked out from the others. Each quarter of a county × need is published either
    /// month by month or as a whole quarter (then its months are null); a year figure is
    /// the sum of its quarters' and null when one of them is. Cells with no referrals
    /// are left out.
    async fn county_demand(
        &self,
        ctx: &Context<'_>,
        period: ReportingPeriodGql,
    ) -> async_graphql::Result<Vec<DemandCellGql>> {
        let period = gaps::ReportingPeriod::new(period.kind.into(), period.year, period.number).gql()?;
        let cells = gaps::demand(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, period).await.gql()?;
        Ok(cells
            .into_iter()
            .map(|c| DemandCellGql {
                county_fips: c.county_fips,
                need_code: c.need_code,
                sent: c.figures.sent,
                declined_no_capacity: c.figures.declined_no_capacity,
                never_placed: c.figures.never_placed,
            })
            .collect())
    }

    /// Hours without available emergency housing per county in a reporting period, for
    /// every county: a county-hour counts when no emergency-housing service located in or
    /// serving the county had a fresh figure with room at any moment of that hour (a
    /// figure is fresh up to its unit's staleness limit exactly). Published exactly as
    /// `countyDemand`: the same fixed periods and publication day, figures frozen then,
    /// and the same withholding of small counts.
    async fn emergency_housing_gaps(
        &self,
        ctx: &Context<'_>,
        period: ReportingPeriodGql,
    ) -> async_graphql::Result<Vec<EmergencyHousingGapGql>> {
        let period = gaps::ReportingPeriod::new(period.kind.into(), period.year, period.number).gql()?;
        let counties = gaps::capacity_hours::hours_without_emergency_housing(
            &mut *conn(ctx).await.gql()?,
            &caller(ctx).actor,
            period,
        )
        .await
        .gql()?;
        Ok(counties
            .into_iter()
            .map(|c| EmergencyHousingGapGql {
                county_fips: c.county_fips,
                hours_in_period: c.hours_in_period,
                hours_without_room: c.hours_without_room,
            })
            .collect())
    }
}
