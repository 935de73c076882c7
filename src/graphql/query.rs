//! Read operations of the public directory (no login needed).

use async_graphql::{Context, ID, InputObject, Object};

use super::context::{caller, conn, directory, parse_uuid};
use super::errors::GqlResultExt;
use super::types::{CountyGql, NeedCategoryGql, PhaseGql, PopulationGql, ProviderGql, SearchConnectionGql};
use crate::coords::Coordinates;
use crate::counties::{self, Fips};
use crate::error::AppError;
use crate::needs;
use crate::providers::{self, search};

/// Reads of the public directory.
#[derive(Default)]
pub struct DirectoryQuery;

/// A point to search around.
#[derive(InputObject)]
pub struct NearInput {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lon: f64,
    /// Search radius in kilometres (more than 0, at most 1000). May be given here or as
    /// `ProviderFilter.radiusKm`.
    pub radius_km: Option<f64>,
}

/// Search filters. Fields combine with AND.
#[derive(InputObject, Default)]
pub struct ProviderFilter {
    /// Need-category codes: a provider matches when one service covers any of them.
    pub needs: Option<Vec<String>>,
    /// Only services meeting needs of this phase.
    pub phase: Option<PhaseGql>,
    /// County FIPS code: providers located in or serving the county.
    pub county: Option<String>,
    /// Rank by distance from this point (nearest location first).
    pub near: Option<NearInput>,
    /// With `near`: only locations within this many kilometres (more than 0, at most
    /// 1000). Providers serving the point's county with no location in reach still
    /// appear, after the others, marked `serviceAreaMatch`.
    pub radius_km: Option<f64>,
    /// ISO 639 codes: the service is offered in at least one of them.
    pub languages: Option<Vec<String>>,
    /// The service serves every one of these populations.
    pub populations: Option<Vec<PopulationGql>>,
    /// Only services available 24 hours a day.
    #[graphql(name = "open24h")]
    pub open_24h: Option<bool>,
    /// Providers with basic HT training within the last 3 years (true), or without (false).
    pub ht_trained: Option<bool>,
    /// Providers with a contact known to the network (true), or without (false).
    pub has_contact: Option<bool>,
    /// Providers with an MOU in force (true), or without (false).
    pub has_active_mou: Option<bool>,
    /// Providers kept by an organization vetted today for every one of these service
    /// areas of the Standards of Service (a review outcome in force; see
    /// `vettedServiceAreas`).
    pub vetted_for: Option<Vec<super::standards::ServiceAreaGql>>,
    /// Providers with room now at a service meeting the other service conditions (true), or
    /// with none (false): a fresh figure, accepting referrals, `AVAILABLE`, a unit not held.
    pub has_capacity: Option<bool>,
}

#[Object]
impl DirectoryQuery {
    /// The FUTURES need matrix in its order, optionally one phase only.
    async fn need_categories(
        &self,
        ctx: &Context<'_>,
        phase: Option<PhaseGql>,
    ) -> async_graphql::Result<Vec<NeedCategoryGql>> {
        let list = needs::list(&mut *conn(ctx).await.gql()?, phase.map(Into::into)).await.gql()?;
        Ok(list.into_iter().map(NeedCategoryGql).collect())
    }

    /// Every county, by name.
    async fn counties(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CountyGql>> {
        let list = counties::list(&mut *conn(ctx).await.gql()?).await.gql()?;
        Ok(list.into_iter().map(CountyGql::from).collect())
    }

    /// The county with this five-digit FIPS code, or null if it is not one of ours.
    async fn county(&self, ctx: &Context<'_>, fips: String) -> async_graphql::Result<Option<CountyGql>> {
        let fips = Fips::parse(&fips, "fips").gql()?;
        Ok(counties::get(&mut *conn(ctx).await.gql()?, &fips).await.gql()?.map(CountyGql::from))
    }

    /// The county containing the point, or null outside North Carolina.
    async fn county_at(&self, ctx: &Context<'_>, lat: f64, lon: f64) -> async_graphql::Result<Option<CountyGql>> {
        let point = Coordinates::parse(lat, lon, "").gql()?;
        Ok(counties::at(&mut *conn(ctx).await.gql()?, point).await.gql()?.map(CountyGql::from))
    }

    /// A provider by id, or null if there is none (or it is archived).
    async fn provider(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<ProviderGql>> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(providers::listing::listed(directory(ctx), id).await.gql()?.map(ProviderGql))
    }

    /// Find providers. With `filter.near`, ranked by distance to each provider's nearest
    /// location; otherwise by name. `first` is at most 100 (default 20).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn search_providers(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProviderFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SearchConnectionGql> {
        let filter = filter.unwrap_or_default();
        let radius_km = match (filter.radius_km, filter.near.as_ref().and_then(|n| n.radius_km)) {
            (Some(a), Some(b)) if a != b => {
                return Err(AppError::bad_input(
                    "filter.radiusKm",
                    "filter.radiusKm and filter.near.radiusKm differ; give one",
                ))
                .gql();
            }
            (a, b) => a.or(b),
        };
        let request = search::SearchRequest {
            needs: filter.needs,
            phase: filter.phase.map(Into::into),
            county: filter.county,
            near: filter.near.map(|n| (n.lat, n.lon)),
            radius_km,
            languages: filter.languages,
            populations: filter.populations.map(|ps| ps.into_iter().map(Into::into).collect()),
            open_24h: filter.open_24h,
            ht_trained: filter.ht_trained,
            has_contact: filter.has_contact,
            has_active_mou: filter.has_active_mou,
            vetted_for: filter.vetted_for.map(|areas| areas.into_iter().map(Into::into).collect()),
            has_capacity: filter.has_capacity,
            first,
            after,
        };
        Ok(search::search(directory(ctx), &caller(ctx).actor, request).await.gql()?.into())
    }
}
