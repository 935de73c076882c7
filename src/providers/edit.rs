//! Keeping listings current: create, update and archive providers, services and
//! locations, and set service areas. Network admins may edit every listing; provider
//! staff only their own organization's. Every edit names the version it read and fails
//! with `CONFLICT` if someone else changed the record since, and is audited in the same
//! transaction.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use postgis_diesel::types::Point;
use uuid::Uuid;

use super::{LanguageCode, LocationView, Population, Provider, Service, repo};
use crate::audit;
use crate::auth::{Caller, Role};
use crate::coords::Coordinates;
use crate::counties::{self, Fips};
use crate::db::StoredText;
use crate::db::schema::{locations, provider_phones, provider_service_areas, providers, service_needs, services};
use crate::directory::Writer;
use crate::error::{AppError, AppResult, expect_version};
use crate::geocode::{self, Geocoder};
use crate::needs;
use crate::validate;

/// A phone number as entered.
#[derive(Clone, Debug)]
pub struct PhoneInput {
    pub number: String,
    pub label: Option<String>,
    pub twenty_four_hour: bool,
}

/// Fields of a provider. On update, `None` leaves a field as it is and an empty string
/// clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct ProviderInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// Replaces all phones when given.
    pub phones: Option<Vec<PhoneInput>>,
    /// The organization keeping the listing (network admins only).
    pub organization_id: Option<Uuid>,
}

/// Fields of a service; on update `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ServiceInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub eligibility: Option<String>,
    pub cost: Option<String>,
    pub open_24h: Option<bool>,
    pub needs: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub populations: Option<Vec<Population>>,
}

/// Fields of a location; on update `None` leaves a field as it is. The county is never
/// an input: it is computed from the point.
#[derive(Clone, Debug, Default)]
pub struct LocationInput {
    pub name: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub confidential: Option<bool>,
    /// The county (FIPS) to place the location in approximately when neither coordinates
    /// nor a geocodable address give a point.
    pub county: Option<String>,
}

/// Locks a live provider and checks the caller may edit it and read `expected` version.
async fn lock_provider(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    expected: Option<i32>,
) -> AppResult<i32> {
    let row: Option<(Option<Uuid>, i32)> = providers::table
        .find(id)
        .filter(providers::archived_at.is_null())
        .select((providers::organization_id, providers::version))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let (owner, version) = row.ok_or(AppError::NotFound { what: "provider" })?;
    caller.actor.member()?;
    if !caller.actor.may_edit_listing(owner) {
        return Err(AppError::Forbidden);
    }
    if let Some(read) = expected {
        expect_version("the provider", read, version)?;
    }
    Ok(version)
}

/// Checks, without locking, that the caller may edit live provider `id`'s listing: for
/// checks made before outside work (the write then locks and checks again).
async fn check_provider(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<()> {
    caller.actor.member()?;
    let owner: Option<Option<Uuid>> = providers::table
        .find(id)
        .filter(providers::archived_at.is_null())
        .select(providers::organization_id)
        .first(conn)
        .await
        .optional()?;
    let owner = owner.ok_or(AppError::NotFound { what: "provider" })?;
    if !caller.actor.may_edit_listing(owner) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

fn kind(value: &str, field: &str) -> AppResult<String> {
    let v = value.trim();
    let ok = (2..=50).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(AppError::bad_input(field, format!("{field} must be a lower_snake_case word such as legal_aid")))
    }
}

fn phones(input: &[PhoneInput]) -> AppResult<Vec<(String, Option<String>, bool)>> {
    input
        .iter()
        .map(|p| {
            Ok((
                validate::text(&p.number, "input.phones.number", 40)?,
                validate::optional_text(p.label.as_deref(), "input.phones.label", 100)?,
                p.twenty_four_hour,
            ))
        })
        .collect()
}

async fn replace_phones(
    conn: &mut AsyncPgConnection,
    provider: Uuid,
    list: Vec<(String, Option<String>, bool)>,
) -> AppResult<()> {
    diesel::delete(provider_phones::table.filter(provider_phones::provider_id.eq(provider))).execute(conn).await?;
    let rows: Vec<_> = list
        .into_iter()
        .enumerate()
        .map(|(i, (number, label, h24))| {
            (
                provider_phones::provider_id.eq(provider),
                provider_phones::number.eq(number),
                provider_phones::label.eq(label),
                provider_phones::twenty_four_hour.eq(h24),
                provider_phones::position.eq(i as i32),
            )
        })
        .collect();
    diesel::insert_into(provider_phones::table).values(rows).execute(conn).await?;
    Ok(())
}

/// Columns an update may change; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = providers)]
struct ProviderChanges {
    name: Option<String>,
    kind: Option<String>,
    description: Option<Option<String>>,
    website: Option<Option<String>>,
    email: Option<Option<String>>,
    organization_id: Option<Option<Uuid>>,
    version: i32,
    updated_at: chrono::DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = services)]
struct ServiceChanges {
    name: Option<String>,
    description: Option<Option<String>>,
    eligibility: Option<Option<String>>,
    cost: Option<Option<String>>,
    open_24h: Option<bool>,
    languages: Option<Vec<Option<String>>>,
    populations: Option<Vec<Option<String>>>,
    version: i32,
    updated_at: chrono::DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = locations)]
struct LocationChanges {
    name: Option<Option<String>>,
    street: Option<Option<String>>,
    city: Option<Option<String>>,
    state: Option<Option<String>>,
    postal_code: Option<Option<String>>,
    geog: Option<Point>,
    confidential: Option<bool>,
    approximate: Option<bool>,
    geocode_pending: Option<bool>,
    version: i32,
    updated_at: chrono::DateTime<Utc>,
}

async fn reload_provider(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Provider> {
    super::get(conn, id).await?.ok_or(AppError::NotFound { what: "provider" })
}

/// Lists a new provider. Network admins may list any (kept by any organization, or by
/// the network); provider staff list providers kept by their own organization.
pub async fn create_provider(conn: &mut Writer, caller: &Caller, input: ProviderInput) -> AppResult<Provider> {
    let member = caller.actor.require(&[Role::NetworkAdmin, Role::ProviderStaff])?;
    let owner = match (member.role, input.organization_id) {
        (Role::NetworkAdmin, owner) => owner,
        (_, None) => Some(member.organization_id),
        (_, Some(org)) if org == member.organization_id => Some(org),
        _ => return Err(AppError::Forbidden),
    };
    let name = validate::text(input.name.as_deref().unwrap_or(""), "input.name", 200)?;
    let kind = kind(input.kind.as_deref().unwrap_or(""), "input.kind")?;
    let description = validate::optional_text(input.description.as_deref(), "input.description", 4000)?;
    let website = input
        .website
        .as_deref()
        .filter(|w| !w.trim().is_empty())
        .map(|w| validate::url(w, "input.website"))
        .transpose()?;
    let email = input
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email(e, "input.email"))
        .transpose()?;
    let phone_list = phones(input.phones.as_deref().unwrap_or_default())?;
    conn.transaction(async |conn| {
        if let Some(org) = owner
            && !crate::organizations::exists(conn, org).await?
        {
            return Err(AppError::bad_input(
                "input.organizationId",
                "input.organizationId is not a known organization",
            ));
        }
        let id: Uuid = diesel::insert_into(providers::table)
            .values((
                providers::name.eq(&name),
                providers::kind.eq(&kind),
                providers::description.eq(&description),
                providers::website.eq(&website),
                providers::email.eq(&email),
                providers::organization_id.eq(owner),
            ))
            .returning(providers::id)
            .get_result(conn)
            .await?;
        replace_phones(conn, id, phone_list).await?;
        audit::record(conn, caller, "provider.create", "provider", Some(id)).await?;
        reload_provider(conn, id).await
    })
    .await
}

/// Updates a provider's fields (and phones, when given).
pub async fn update_provider(
    conn: &mut Writer,
    caller: &Caller,
    id: Uuid,
    version: i32,
    input: ProviderInput,
) -> AppResult<Provider> {
    let name = input.name.as_deref().map(|n| validate::text(n, "input.name", 200)).transpose()?;
    let kind = input.kind.as_deref().map(|k| kind(k, "input.kind")).transpose()?;
    let description = input
        .description
        .as_deref()
        .map(|d| validate::optional_text(Some(d), "input.description", 4000))
        .transpose()?;
    let website = input
        .website
        .as_deref()
        .map(|w| if w.trim().is_empty() { Ok(None) } else { validate::url(w, "input.website").map(Some) })
        .transpose()?;
    let email = input
        .email
        .as_deref()
        .map(|e| if e.trim().is_empty() { Ok(None) } else { validate::email(e, "input.email").map(Some) })
        .transpose()?;
    let phone_list = input.phones.as_deref().map(phones).transpose()?;
    if input.organization_id.is_some() {
        caller.actor.require_network_admin()?;
    }
    conn.transaction(async |conn| {
        lock_provider(conn, caller, id, Some(version)).await?;
        if let Some(org) = input.organization_id
            && !crate::organizations::exists(conn, org).await?
        {
            return Err(AppError::bad_input(
                "input.organizationId",
                "input.organizationId is not a known organization",
            ));
        }
        let changes = ProviderChanges {
            name,
            kind,
            description,
            website,
            email,
            organization_id: input.organization_id.map(Some),
            version: version + 1,
            updated_at: Utc::now(),
        };
        diesel::update(providers::table.find(id)).set(changes).execute(conn).await?;
        if let Some(list) = phone_list {
            replace_phones(conn, id, list).await?;
        }
        audit::record(conn, caller, "provider.update", "provider", Some(id)).await?;
        reload_provider(conn, id).await
    })
    .await
}

/// Archives a provider: it leaves every directory answer; its history stays.
pub async fn archive_provider(conn: &mut Writer, caller: &Caller, id: Uuid, version: i32) -> AppResult<()> {
    conn.transaction(async |conn| {
        lock_provider(conn, caller, id, Some(version)).await?;
        diesel::update(providers::table.find(id))
            .set((providers::archived_at.eq(Utc::now()), providers::version.eq(version + 1)))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "provider.archive", "provider", Some(id)).await
    })
    .await
}

/// Replaces the counties a provider declares it serves (its locations' counties are
/// served regardless). Bumps the provider's version.
pub async fn set_service_area(
    conn: &mut Writer,
    caller: &Caller,
    provider: Uuid,
    version: i32,
    counties_fips: &[String],
) -> AppResult<Provider> {
    let parsed: Vec<Fips> = counties_fips.iter().map(|c| Fips::parse(c, "counties")).collect::<AppResult<_>>()?;
    conn.transaction(async |conn| {
        lock_provider(conn, caller, provider, Some(version)).await?;
        let raw: Vec<String> = parsed.iter().map(|f| f.as_str().to_owned()).collect();
        let known = counties::by_fips(conn, &raw).await?;
        if let Some(unknown) = raw.iter().find(|f| !known.iter().any(|c| &c.fips == *f)) {
            return Err(AppError::bad_input("counties", format!("counties has an unknown county: {unknown}")));
        }
        diesel::delete(provider_service_areas::table.filter(provider_service_areas::provider_id.eq(provider)))
            .execute(conn)
            .await?;
        let rows: Vec<_> = raw
            .iter()
            .map(|f| (provider_service_areas::provider_id.eq(provider), provider_service_areas::county_fips.eq(f)))
            .collect();
        diesel::insert_into(provider_service_areas::table).values(rows).on_conflict_do_nothing().execute(conn).await?;
        diesel::update(providers::table.find(provider))
            .set((providers::version.eq(version + 1), providers::updated_at.eq(Utc::now())))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "provider.set_service_area", "provider", Some(provider)).await?;
        reload_provider(conn, provider).await
    })
    .await
}

struct ServiceValues {
    name: Option<String>,
    description: Option<Option<String>>,
    eligibility: Option<Option<String>>,
    cost: Option<Option<String>>,
    needs: Option<Vec<String>>,
    languages: Option<Vec<String>>,
    populations: Option<Vec<String>>,
}

async fn service_values(conn: &mut AsyncPgConnection, input: &ServiceInput) -> AppResult<ServiceValues> {
    let needs = match &input.needs {
        None => None,
        Some(list) if list.is_empty() => {
            return Err(AppError::bad_input("input.needs", "input.needs must name at least one need category"));
        }
        Some(list) => {
            let unknown = needs::unknown_codes(conn, list).await?;
            if !unknown.is_empty() {
                return Err(AppError::bad_input(
                    "input.needs",
                    format!("input.needs has unknown need codes: {}", unknown.join(", ")),
                ));
            }
            let mut list = list.clone();
            list.sort();
            list.dedup();
            Some(list)
        }
    };
    let languages = input
        .languages
        .as_ref()
        .map(|ls| {
            ls.iter()
                .map(|l| LanguageCode::parse(l, "input.languages").map(|c| c.as_str().to_owned()))
                .collect::<AppResult<Vec<_>>>()
        })
        .transpose()?;
    let optional = |v: &Option<String>, field: &str, max: usize| {
        v.as_deref().map(|t| validate::optional_text(Some(t), field, max)).transpose()
    };
    Ok(ServiceValues {
        name: input.name.as_deref().map(|n| validate::text(n, "input.name", 200)).transpose()?,
        description: optional(&input.description, "input.description", 4000)?,
        eligibility: optional(&input.eligibility, "input.eligibility", 2000)?,
        cost: optional(&input.cost, "input.cost", 200)?,
        needs,
        languages,
        populations: input.populations.as_ref().map(|ps| ps.iter().map(|p| p.as_db().to_owned()).collect()),
    })
}

async fn write_service_needs(conn: &mut AsyncPgConnection, service: Uuid, needs: &[String]) -> AppResult<()> {
    diesel::delete(service_needs::table.filter(service_needs::service_id.eq(service))).execute(conn).await?;
    let rows: Vec<_> =
        needs.iter().map(|n| (service_needs::service_id.eq(service), service_needs::need_code.eq(n))).collect();
    diesel::insert_into(service_needs::table).values(rows).execute(conn).await?;
    Ok(())
}

/// Adds a service to a provider. It must meet at least one need category.
pub async fn create_service(
    conn: &mut Writer,
    caller: &Caller,
    provider: Uuid,
    input: ServiceInput,
) -> AppResult<Service> {
    if input.name.is_none() {
        return Err(AppError::bad_input("input.name", "input.name must not be empty"));
    }
    if input.needs.is_none() {
        return Err(AppError::bad_input("input.needs", "input.needs must name at least one need category"));
    }
    conn.transaction(async |conn| {
        lock_provider(conn, caller, provider, None).await?;
        let v = service_values(conn, &input).await?;
        let id: Uuid = diesel::insert_into(services::table)
            .values((
                services::provider_id.eq(provider),
                services::name.eq(v.name.unwrap_or_default()),
                services::description.eq(v.description.flatten()),
                services::eligibility.eq(v.eligibility.flatten()),
                services::cost.eq(v.cost.flatten()),
                services::open_24h.eq(input.open_24h.unwrap_or(false)),
                services::languages.eq(v.languages.unwrap_or_default().into_iter().map(Some).collect::<Vec<_>>()),
                services::populations.eq(v.populations.unwrap_or_default().into_iter().map(Some).collect::<Vec<_>>()),
            ))
            .returning(services::id)
            .get_result(conn)
            .await?;
        write_service_needs(conn, id, &v.needs.unwrap_or_default()).await?;
        audit::record(conn, caller, "service.create", "service", Some(id)).await?;
        repo::service_by_id(conn, id).await?.ok_or(AppError::NotFound { what: "service" })
    })
    .await
}

/// Locks a live service, checks the caller may edit its provider's listing and read
/// `expected` version.
async fn lock_service(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid, expected: i32) -> AppResult<()> {
    let row: Option<(Uuid, i32)> = services::table
        .find(id)
        .filter(services::archived_at.is_null())
        .select((services::provider_id, services::version))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let (provider, version) = row.ok_or(AppError::NotFound { what: "service" })?;
    lock_provider(conn, caller, provider, None).await?;
    expect_version("the service", expected, version)
}

/// Updates a service.
pub async fn update_service(
    conn: &mut Writer,
    caller: &Caller,
    id: Uuid,
    version: i32,
    input: ServiceInput,
) -> AppResult<Service> {
    conn.transaction(async |conn| {
        lock_service(conn, caller, id, version).await?;
        let v = service_values(conn, &input).await?;
        let changes = ServiceChanges {
            name: v.name,
            description: v.description,
            eligibility: v.eligibility,
            cost: v.cost,
            open_24h: input.open_24h,
            languages: v.languages.map(|ls| ls.into_iter().map(Some).collect()),
            populations: v.populations.map(|ps| ps.into_iter().map(Some).collect()),
            version: version + 1,
            updated_at: Utc::now(),
        };
        diesel::update(services::table.find(id)).set(changes).execute(conn).await?;
        if let Some(needs) = v.needs {
            write_service_needs(conn, id, &needs).await?;
        }
        audit::record(conn, caller, "service.update", "service", Some(id)).await?;
        repo::service_by_id(conn, id).await?.ok_or(AppError::NotFound { what: "service" })
    })
    .await
}

/// Archives a service.
pub async fn archive_service(conn: &mut Writer, caller: &Caller, id: Uuid, version: i32) -> AppResult<()> {
    conn.transaction(async |conn| {
        lock_service(conn, caller, id, version).await?;
        diesel::update(services::table.find(id))
            .set((services::archived_at.eq(Utc::now()), services::version.eq(version + 1)))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "service.archive", "service", Some(id)).await
    })
    .await
}

/// Checks a point lies in one of our counties (the database enforces it too; this
/// gives the caller a clear error naming the field).
async fn located_point(conn: &mut AsyncPgConnection, lat: f64, lon: f64) -> AppResult<Point> {
    let at = Coordinates::parse(lat, lon, "input").map_err(|e| match e {
        AppError::BadUserInput { field, message } => AppError::BadUserInput {
            field: field.replace("input.lat", "input.latitude").replace("input.lon", "input.longitude"),
            message: message.replace("input.lat ", "input.latitude ").replace("input.lon ", "input.longitude "),
        },
        other => other,
    })?;
    if counties::at(conn, at).await?.is_none() {
        return Err(AppError::bad_input(
            "input.latitude",
            "input.latitude/input.longitude is outside every county we serve",
        ));
    }
    Ok(Point::new(at.lon(), at.lat(), Some(4326)))
}

/// Where a location goes.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// Coordinates, given or geocoded from the address.
    Exact(f64, f64),
    /// The county's interior point; `retry` when the address should be geocoded later.
    Approximate { point: Point, retry: bool },
}

/// How a location is to be placed, decided from the input alone: every check of the
/// input happens here, before any outside work.
#[derive(Clone, Debug)]
enum Plan {
    /// The coordinates given.
    Exact(f64, f64),
    /// Geocode the address; if that fails, the fallback county (given, or on update the
    /// current one).
    Address { one_line: String, confidential: bool, county: Option<Fips> },
}

fn plan(input: &LocationInput) -> AppResult<Plan> {
    let county = input.county.as_deref().map(|raw| Fips::parse(raw, "input.county")).transpose()?;
    if let (Some(lat), Some(lon)) = (input.latitude, input.longitude) {
        return Ok(Plan::Exact(lat, lon));
    }
    if input.latitude.is_some() || input.longitude.is_some() {
        return Err(AppError::bad_input("input.latitude", "input.latitude and input.longitude go together"));
    }
    let address = geocode::one_line(
        input.street.as_deref(),
        input.city.as_deref(),
        input.state.as_deref().or(Some("NC")),
        input.postal_code.as_deref(),
    );
    let Some(one_line) = address else {
        return Err(AppError::bad_input(
            "input.latitude",
            "input.latitude/input.longitude or a street address is required",
        ));
    };
    Ok(Plan::Address { one_line, confidential: input.confidential.unwrap_or(false), county })
}

/// A county's interior point, or `BAD_USER_INPUT` on `input.county` when unknown.
async fn interior_point(conn: &mut AsyncPgConnection, county: &str) -> AppResult<Point> {
    let interior: Option<Point> = crate::db::schema::counties::table
        .find(county)
        .select(crate::db::schema::counties::interior_point)
        .first(conn)
        .await
        .optional()?;
    let mut point =
        interior.ok_or_else(|| AppError::bad_input("input.county", "input.county is not a known county"))?;
    point.srid = Some(4326);
    Ok(point)
}

/// Places a location by its plan: the coordinates given; else the geocoded address;
/// else (geocoder unreachable, no match, or a confidential address that must not leave
/// the network) the county's interior point, marked approximate. `current_county` is
/// the fallback on update. The given county is checked before the geocoder is asked.
async fn place(
    conn: &mut AsyncPgConnection,
    geocoder: &Geocoder,
    plan: &Plan,
    current_county: Option<&str>,
) -> AppResult<Place> {
    let (one_line, confidential, county) = match plan {
        Plan::Exact(lat, lon) => return Ok(Place::Exact(*lat, *lon)),
        Plan::Address { one_line, confidential, county } => (one_line, *confidential, county),
    };
    let fallback = match county {
        Some(fips) => Some(interior_point(conn, fips.as_str()).await?),
        None => None,
    };
    let lookup = geocode::resolve(conn, geocoder, one_line, confidential).await?;
    if let geocode::Lookup::Found { latitude, longitude } = lookup
        && let Ok(at) = Coordinates::parse(latitude, longitude, "")
        && counties::at(conn, at).await?.is_some()
    {
        return Ok(Place::Exact(latitude, longitude));
    }
    let point = match (fallback, current_county) {
        (Some(point), _) => point,
        (None, Some(current)) => interior_point(conn, current).await?,
        (None, None) => {
            return Err(AppError::bad_input(
                "input.county",
                "input.county is needed: the address could not be located now (it is retried later)",
            ));
        }
    };
    Ok(Place::Approximate { point, retry: lookup != geocode::Lookup::Withheld })
}

fn location_view(caller: &Caller, location: super::Location) -> LocationView {
    location.view_for(&caller.actor)
}

/// Adds a location to a provider, from coordinates or a geocoded address. Its county is
/// computed. The caller is authorized and the input checked before the geocoder is
/// asked, so no one who may not write can make the service call out.
pub async fn create_location(
    conn: &mut Writer,
    geocoder: &Geocoder,
    caller: &Caller,
    provider: Uuid,
    input: LocationInput,
) -> AppResult<LocationView> {
    let text = |v: &Option<String>, field: &str, max| validate::optional_text(v.as_deref(), field, max);
    let (name, street, city) = (
        text(&input.name, "input.name", 200)?,
        text(&input.street, "input.street", 200)?,
        text(&input.city, "input.city", 100)?,
    );
    let (state, postal) = (text(&input.state, "input.state", 50)?, text(&input.postal_code, "input.postalCode", 20)?);
    let plan = plan(&input)?;
    check_provider(conn, caller, provider).await?;
    let place = place(conn, geocoder, &plan, None).await?;
    conn.transaction(async |conn| {
        lock_provider(conn, caller, provider, None).await?;
        let point = match place {
            Place::Exact(lat, lon) => located_point(conn, lat, lon).await?,
            Place::Approximate { point, .. } => point,
        };
        let (approximate, pending) = match place {
            Place::Exact(..) => (false, false),
            Place::Approximate { retry, .. } => (true, retry),
        };
        let id: Uuid = diesel::insert_into(locations::table)
            .values((
                locations::provider_id.eq(provider),
                locations::name.eq(&name),
                locations::street.eq(&street),
                locations::city.eq(&city),
                locations::state.eq(&state),
                locations::postal_code.eq(&postal),
                locations::geog.eq(point),
                locations::confidential.eq(input.confidential.unwrap_or(false)),
                // Both are overwritten by the locations_derive_place trigger.
                locations::county_fips.eq(""),
                locations::public_geog.eq(point),
                locations::approximate.eq(approximate),
                locations::geocode_pending.eq(pending),
            ))
            .returning(locations::id)
            .get_result(conn)
            .await?;
        audit::record(conn, caller, "location.create", "location", Some(id)).await?;
        let location = repo::location_by_id(conn, id).await?.ok_or(AppError::NotFound { what: "location" })?;
        Ok(location_view(caller, location))
    })
    .await
}

async fn lock_location(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    expected: i32,
) -> AppResult<super::Location> {
    let row: Option<(Uuid, i32)> = locations::table
        .find(id)
        .filter(locations::archived_at.is_null())
        .select((locations::provider_id, locations::version))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let (provider, version) = row.ok_or(AppError::NotFound { what: "location" })?;
    lock_provider(conn, caller, provider, None).await?;
    expect_version("the location", expected, version)?;
    repo::location_by_id(conn, id).await?.ok_or(AppError::NotFound { what: "location" })
}

/// Updates a location; a moved point gets its county recomputed, a new address without
/// coordinates is geocoded again (after the caller is authorized and the input checked).
/// A location that is confidential after the update has no geocoding retry pending
/// unless [`Geocoder::may_send`] allows its address out.
pub async fn update_location(
    conn: &mut Writer,
    geocoder: &Geocoder,
    caller: &Caller,
    id: Uuid,
    version: i32,
    input: LocationInput,
) -> AppResult<LocationView> {
    let text = |v: &Option<String>, field: &str, max| {
        v.as_deref().map(|t| validate::optional_text(Some(t), field, max)).transpose()
    };
    let (name, street, city) = (
        text(&input.name, "input.name", 200)?,
        text(&input.street, "input.street", 200)?,
        text(&input.city, "input.city", 100)?,
    );
    let (state, postal) = (text(&input.state, "input.state", 50)?, text(&input.postal_code, "input.postalCode", 20)?);
    input.county.as_deref().map(|raw| Fips::parse(raw, "input.county")).transpose()?;
    conn.transaction(async |conn| {
        let current = lock_location(conn, caller, id, version).await?;
        let confidential = input.confidential.unwrap_or(current.confidential);
        let moved = input.latitude.is_some() || input.longitude.is_some();
        // Re-place from the address only when it changed and can be geocoded at all.
        let readdressed = [&input.street, &input.city, &input.state, &input.postal_code].iter().any(|f| f.is_some())
            && geocode::one_line(
                input.street.as_deref().or(current.address.street.as_deref()),
                input.city.as_deref().or(current.address.city.as_deref()),
                input.state.as_deref().or(current.address.state.as_deref()).or(Some("NC")),
                input.postal_code.as_deref().or(current.address.postal_code.as_deref()),
            )
            .is_some();
        let (point, approximate, pending) = if moved {
            let lat = input.latitude.unwrap_or(current.latitude);
            let lon = input.longitude.unwrap_or(current.longitude);
            (Some(located_point(conn, lat, lon).await?), Some(false), Some(false))
        } else if readdressed {
            // A new address without coordinates: place it again from the address.
            let merged = LocationInput {
                street: input.street.clone().or(current.address.street.clone()),
                city: input.city.clone().or(current.address.city.clone()),
                state: input.state.clone().or(current.address.state.clone()),
                postal_code: input.postal_code.clone().or(current.address.postal_code.clone()),
                confidential: Some(confidential),
                county: input.county.clone(),
                ..LocationInput::default()
            };
            match place(conn, geocoder, &plan(&merged)?, Some(&current.county_fips)).await? {
                Place::Exact(lat, lon) => (Some(located_point(conn, lat, lon).await?), Some(false), Some(false)),
                // Not locatable now: keep the current point and retry the address later.
                Place::Approximate { retry, .. } => (None, None, Some(retry)),
            }
        } else {
            (None, None, None)
        };
        // Marking a location confidential cancels a retry its address may not make.
        let pending = if geocoder.may_send(confidential) { pending } else { Some(false) };
        let changes = LocationChanges {
            name,
            street,
            city,
            state,
            postal_code: postal,
            geog: point,
            confidential: input.confidential,
            approximate,
            geocode_pending: pending,
            version: version + 1,
            updated_at: Utc::now(),
        };
        // The locations_derive_place trigger recomputes county and public position.
        diesel::update(locations::table.find(id)).set(changes).execute(conn).await?;
        audit::record(conn, caller, "location.update", "location", Some(id)).await?;
        let location = repo::location_by_id(conn, id).await?.ok_or(AppError::NotFound { what: "location" })?;
        Ok(location_view(caller, location))
    })
    .await
}

/// Archives a location.
pub async fn archive_location(conn: &mut Writer, caller: &Caller, id: Uuid, version: i32) -> AppResult<()> {
    conn.transaction(async |conn| {
        lock_location(conn, caller, id, version).await?;
        diesel::update(locations::table.find(id))
            .set((locations::archived_at.eq(Utc::now()), locations::version.eq(version + 1)))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "location.archive", "location", Some(id)).await
    })
    .await
}
