//! Directory queries used by the read paths and their DataLoaders.

use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryStreamExt;
use postgis_diesel::types::Point;
use uuid::Uuid;

use super::{Address, Location, Phone, Population, Provider, Service};
use crate::db::StoredText;
use crate::db::schema::{locations, provider_phones, providers, services};
use crate::error::AppResult;

/// A provider row, read by the DSL (`Selectable`) or by name from hand-written SQL
/// (`QueryableByName`, as search does).
#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = providers)]
pub(super) struct ProviderRow {
    id: Uuid,
    name: String,
    kind: String,
    description: Option<String>,
    website: Option<String>,
    email: Option<String>,
    synthetic: bool,
    organization_id: Option<Uuid>,
    version: i32,
}

impl From<ProviderRow> for Provider {
    fn from(r: ProviderRow) -> Self {
        Provider {
            id: r.id,
            name: r.name,
            kind: r.kind,
            description: r.description,
            website: r.website,
            email: r.email,
            synthetic: r.synthetic,
            organization_id: r.organization_id,
            version: r.version,
        }
    }
}

pub(super) async fn providers_by_id(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Provider>> {
    let rows: Vec<ProviderRow> = providers::table
        .filter(providers::id.eq_any(ids))
        .filter(providers::archived_at.is_null())
        .select(ProviderRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(Provider::from).collect())
}

pub(super) async fn kept_by(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<Provider>> {
    let rows: Vec<ProviderRow> = providers::table
        .filter(providers::organization_id.eq(organization))
        .filter(providers::archived_at.is_null())
        .order((providers::name, providers::id))
        .select(ProviderRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(Provider::from).collect())
}

pub(super) async fn for_each_listed(
    conn: &mut AsyncPgConnection,
    ids: Option<&[Uuid]>,
    mut each: impl FnMut(Provider),
) -> AppResult<()> {
    let mut query =
        providers::table.filter(providers::archived_at.is_null()).select(ProviderRow::as_select()).into_boxed();
    if let Some(ids) = ids {
        query = query.filter(providers::id.eq_any(ids.to_vec()));
    }
    let mut rows = query.load_stream::<ProviderRow>(conn).await?;
    while let Some(row) = rows.try_next().await? {
        each(row.into());
    }
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = services)]
struct ServiceRow {
    id: Uuid,
    provider_id: Uuid,
    name: String,
    description: Option<String>,
    eligibility: Option<String>,
    cost: Option<String>,
    open_24h: bool,
    // PostgreSQL array elements are always nullable; the seed and (later) the write
    // paths never store NULL elements, and any that appeared would be skipped.
    languages: Vec<Option<String>>,
    populations: Vec<Option<String>>,
    version: i32,
    minor_may_consent_alone: bool,
}

pub(super) async fn services_of(conn: &mut AsyncPgConnection, provider_ids: &[Uuid]) -> AppResult<Vec<Service>> {
    let rows: Vec<ServiceRow> = services::table
        .filter(services::provider_id.eq_any(provider_ids))
        .filter(services::archived_at.is_null())
        .order((services::provider_id, services::name, services::id))
        .select(ServiceRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(service_from_row).collect()
}

pub(super) async fn service_by_id(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Service>> {
    let row: Option<ServiceRow> = services::table
        .find(id)
        .filter(services::archived_at.is_null())
        .select(ServiceRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(service_from_row).transpose()
}

fn service_from_row(r: ServiceRow) -> AppResult<Service> {
    let populations = Population::decode_list(r.populations.iter())?;
    Ok(Service {
        id: r.id,
        provider_id: r.provider_id,
        name: r.name,
        description: r.description,
        eligibility: r.eligibility,
        cost: r.cost,
        open_24h: r.open_24h,
        languages: r.languages.into_iter().flatten().collect(),
        populations,
        version: r.version,
        minor_may_consent_alone: r.minor_may_consent_alone,
    })
}

pub(super) async fn phones_of(conn: &mut AsyncPgConnection, provider_ids: &[Uuid]) -> AppResult<Vec<Phone>> {
    let rows: Vec<(Uuid, String, Option<String>, bool)> = provider_phones::table
        .filter(provider_phones::provider_id.eq_any(provider_ids))
        .order((provider_phones::provider_id, provider_phones::position))
        .select((
            provider_phones::provider_id,
            provider_phones::number,
            provider_phones::label,
            provider_phones::twenty_four_hour,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(provider_id, number, label, twenty_four_hour)| Phone { provider_id, number, label, twenty_four_hour })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = locations)]
struct LocationRow {
    id: Uuid,
    provider_id: Uuid,
    name: Option<String>,
    street: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    geog: Point,
    confidential: bool,
    county_fips: String,
    version: i32,
    approximate: bool,
}

pub(super) async fn locations_of(conn: &mut AsyncPgConnection, provider_ids: &[Uuid]) -> AppResult<Vec<Location>> {
    let rows: Vec<(LocationRow, Option<Uuid>)> = locations::table
        .inner_join(providers::table)
        .filter(locations::provider_id.eq_any(provider_ids))
        .filter(locations::archived_at.is_null())
        .order((locations::provider_id, locations::confidential, locations::id))
        .select((LocationRow::as_select(), providers::organization_id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(location_from_row).collect())
}

pub(super) async fn location_by_id(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Location>> {
    let row: Option<(LocationRow, Option<Uuid>)> = locations::table
        .inner_join(providers::table)
        .filter(locations::id.eq(id))
        .filter(locations::archived_at.is_null())
        .select((LocationRow::as_select(), providers::organization_id))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(location_from_row))
}

fn location_from_row((r, owner): (LocationRow, Option<Uuid>)) -> Location {
    Location {
        id: r.id,
        provider_id: r.provider_id,
        name: r.name,
        address: Address { street: r.street, city: r.city, state: r.state, postal_code: r.postal_code },
        latitude: r.geog.y,
        longitude: r.geog.x,
        confidential: r.confidential,
        county_fips: r.county_fips,
        owner_organization_id: owner,
        version: r.version,
        approximate: r.approximate,
    }
}

#[derive(QueryableByName)]
struct ServedCounty {
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Text)]
    county_fips: String,
}

pub(super) async fn service_areas_of(
    conn: &mut AsyncPgConnection,
    provider_ids: &[Uuid],
) -> AppResult<Vec<(Uuid, String)>> {
    let rows: Vec<ServedCounty> = diesel::sql_query(
        "SELECT provider_id, county_fips FROM provider_counties
         WHERE provider_id = ANY($1) ORDER BY provider_id, county_fips",
    )
    .bind::<Array<SqlUuid>, _>(provider_ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.provider_id, r.county_fips)).collect())
}
