//! Keeping listings current over GraphQL. Every update and archive names the `version`
//! it read; a stale one is `CONFLICT`.

use async_graphql::{Context, ID, InputObject, Object};

use super::context::{caller, directory, parse_uuid, services};
use super::errors::GqlResultExt;
use super::types::{LocationGql, PopulationGql, ProviderGql, ServiceGql};
use crate::providers::edit::{self, LocationInput, PhoneInput, ProviderInput, ServiceInput};

#[derive(InputObject)]
pub struct PhoneEntry {
    pub number: String,
    pub label: Option<String>,
    #[graphql(default)]
    pub twenty_four_hour: bool,
}

/// Provider fields. On update, omitted fields stay as they are and an empty string clears
/// an optional text.
#[derive(InputObject)]
pub struct ProviderEdit {
    pub name: Option<String>,
    /// A lower_snake_case word, e.g. `legal_aid`.
    pub kind: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// Replaces every phone when given.
    pub phones: Option<Vec<PhoneEntry>>,
    /// The organization keeping the listing (network admins only).
    pub organization_id: Option<ID>,
}

/// Service fields; on update omitted fields stay as they are.
#[derive(InputObject)]
pub struct ServiceEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub eligibility: Option<String>,
    pub cost: Option<String>,
    #[graphql(name = "open24h")]
    pub open_24h: Option<bool>,
    /// Need-category codes (at least one).
    pub needs: Option<Vec<String>>,
    /// ISO 639 codes.
    pub languages: Option<Vec<String>>,
    pub populations: Option<Vec<PopulationGql>>,
}

/// Location fields; on update omitted fields stay as they are. The county is computed
/// from the point, never entered.
#[derive(InputObject)]
pub struct LocationEdit {
    pub name: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A confidential location (a shelter) shows only its county to those who may not
    /// see it.
    pub confidential: Option<bool>,
    /// Without coordinates the address is geocoded; if it cannot be located now, the
    /// location is placed at this county's interior point, marked approximate, and the
    /// address is retried later.
    pub county: Option<String>,
}

fn provider_input(e: ProviderEdit) -> async_graphql::Result<ProviderInput> {
    Ok(ProviderInput {
        name: e.name,
        kind: e.kind,
        description: e.description,
        website: e.website,
        email: e.email,
        phones: e.phones.map(|ps| {
            ps.into_iter()
                .map(|p| PhoneInput { number: p.number, label: p.label, twenty_four_hour: p.twenty_four_hour })
                .collect()
        }),
        organization_id: e.organization_id.map(|id| parse_uuid(&id, "input.organizationId")).transpose().gql()?,
    })
}

fn service_input(e: ServiceEdit) -> ServiceInput {
    ServiceInput {
        name: e.name,
        description: e.description,
        eligibility: e.eligibility,
        cost: e.cost,
        open_24h: e.open_24h,
        needs: e.needs,
        languages: e.languages,
        populations: e.populations.map(|ps| ps.into_iter().map(Into::into).collect()),
    }
}

fn location_input(e: LocationEdit) -> LocationInput {
    LocationInput {
        name: e.name,
        street: e.street,
        city: e.city,
        state: e.state,
        postal_code: e.postal_code,
        latitude: e.latitude,
        longitude: e.longitude,
        confidential: e.confidential,
        county: e.county,
    }
}

/// Directory writes.
#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Lists a provider. Network admins may list any; provider staff list their own
    /// organization's.
    async fn create_provider(&self, ctx: &Context<'_>, input: ProviderEdit) -> async_graphql::Result<ProviderGql> {
        let input = provider_input(input)?;
        let p = directory(ctx).write(async |conn| edit::create_provider(conn, caller(ctx), input).await).await.gql()?;
        Ok(ProviderGql(p))
    }

    async fn update_provider(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: ProviderEdit,
    ) -> async_graphql::Result<ProviderGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let input = provider_input(input)?;
        let p = directory(ctx)
            .write(async |conn| edit::update_provider(conn, caller(ctx), id, version, input).await)
            .await
            .gql()?;
        Ok(ProviderGql(p))
    }

    async fn archive_provider(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        directory(ctx).write(async |conn| edit::archive_provider(conn, caller(ctx), id, version).await).await.gql()?;
        Ok(true)
    }

    /// Replaces the counties a provider declares it serves (FIPS codes).
    async fn set_service_area(
        &self,
        ctx: &Context<'_>,
        provider_id: ID,
        version: i32,
        counties: Vec<String>,
    ) -> async_graphql::Result<ProviderGql> {
        let id = parse_uuid(&provider_id, "providerId").gql()?;
        let p = directory(ctx)
            .write(async |conn| edit::set_service_area(conn, caller(ctx), id, version, &counties).await)
            .await
            .gql()?;
        Ok(ProviderGql(p))
    }

    async fn create_service(
        &self,
        ctx: &Context<'_>,
        provider_id: ID,
        input: ServiceEdit,
    ) -> async_graphql::Result<ServiceGql> {
        let id = parse_uuid(&provider_id, "providerId").gql()?;
        let s = directory(ctx)
            .write(async |conn| edit::create_service(conn, caller(ctx), id, service_input(input)).await)
            .await
            .gql()?;
        Ok(ServiceGql(s))
    }

    async fn update_service(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: ServiceEdit,
    ) -> async_graphql::Result<ServiceGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let s = directory(ctx)
            .write(async |conn| edit::update_service(conn, caller(ctx), id, version, service_input(input)).await)
            .await
            .gql()?;
        Ok(ServiceGql(s))
    }

    async fn archive_service(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        directory(ctx).write(async |conn| edit::archive_service(conn, caller(ctx), id, version).await).await.gql()?;
        Ok(true)
    }

    /// Adds a location from coordinates; its county is computed from the point.
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        provider_id: ID,
        input: LocationEdit,
    ) -> async_graphql::Result<LocationGql> {
        let id = parse_uuid(&provider_id, "providerId").gql()?;
        let l = directory(ctx)
            .write(async |conn| {
                edit::create_location(conn, &services(ctx).geocoder, caller(ctx), id, location_input(input)).await
            })
            .await
            .gql()?;
        Ok(LocationGql(l))
    }

    async fn update_location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: LocationEdit,
    ) -> async_graphql::Result<LocationGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let l = directory(ctx)
            .write(async |conn| {
                edit::update_location(conn, &services(ctx).geocoder, caller(ctx), id, version, location_input(input))
                    .await
            })
            .await
            .gql()?;
        Ok(LocationGql(l))
    }

    async fn archive_location(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        directory(ctx).write(async |conn| edit::archive_location(conn, caller(ctx), id, version).await).await.gql()?;
        Ok(true)
    }
}
