//! The provider directory: organizations (HSDS *organization*) with their services (each
//! covering FUTURES need categories), locations (PostGIS points, some confidential) and
//! the counties they serve.

pub mod edit;
pub mod listing;
mod repo;
pub mod search;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::{AppError, AppResult};

/// Groups of people a service is for, after the FUTURES matrix's note on differing needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Population {
    Adults,
    Minors,
    ForeignBorn,
    MenAndBoys,
    Lgbtq,
    PeopleWithDisabilities,
}

impl Population {
    /// Every population, in display order.
    pub const ALL: [Population; 6] = [
        Population::Adults,
        Population::Minors,
        Population::ForeignBorn,
        Population::MenAndBoys,
        Population::Lgbtq,
        Population::PeopleWithDisabilities,
    ];

    /// The value stored in `services.populations`.
    pub fn as_db(self) -> &'static str {
        match self {
            Population::Adults => "ADULTS",
            Population::Minors => "MINORS",
            Population::ForeignBorn => "FOREIGN_BORN",
            Population::MenAndBoys => "MEN_AND_BOYS",
            Population::Lgbtq => "LGBTQ",
            Population::PeopleWithDisabilities => "PEOPLE_WITH_DISABILITIES",
        }
    }

    /// Reads a stored population.
    pub fn from_db(value: &str) -> Option<Self> {
        Population::ALL.into_iter().find(|p| p.as_db() == value)
    }
}

/// An ISO 639 language code (two or three lower-case letters, e.g. `es`, `hmn`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LanguageCode(String);

impl LanguageCode {
    /// Parses a language code, folding case; `field` names the input in the error.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let code = raw.trim().to_ascii_lowercase();
        if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(LanguageCode(code))
        } else {
            Err(AppError::bad_input(field, format!("{field} must hold ISO 639 language codes such as \"es\"")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A provider's public identity.
#[derive(Clone, Debug, PartialEq)]
pub struct Provider {
    pub id: Uuid,
    pub name: String,
    /// What sort of organization it is (e.g. `legal_aid`, `dv_sa_agency`).
    pub kind: String,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// True for invented sample listings.
    pub synthetic: bool,
    /// The organization that keeps this listing; `None` for network-kept listings.
    pub organization_id: Option<Uuid>,
    /// Incremented by every edit (optimistic concurrency).
    pub version: i32,
}

/// A phone number listed for a provider.
#[derive(Clone, Debug, PartialEq)]
pub struct Phone {
    pub provider_id: Uuid,
    pub number: String,
    pub label: Option<String>,
    /// Answered around the clock (a crisis line).
    pub twenty_four_hour: bool,
}

/// A service a provider offers.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub eligibility: Option<String>,
    pub cost: Option<String>,
    pub open_24h: bool,
    pub languages: Vec<String>,
    pub populations: Vec<Population>,
    pub version: i32,
    /// Whether the network lets a minor consent alone to this service (no guardian).
    pub minor_may_consent_alone: bool,
}

/// A postal address.
#[derive(Clone, Debug, PartialEq)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
}

/// A location as stored: the exact place, whatever its confidentiality.
/// Never handed to the API layer directly; see [`Location::view_for`].
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub name: Option<String>,
    pub address: Address,
    pub latitude: f64,
    pub longitude: f64,
    pub confidential: bool,
    /// Derived from the point by the database, never from input.
    pub county_fips: String,
    /// The organization keeping the provider's listing (decides who sees a confidential
    /// location).
    pub owner_organization_id: Option<Uuid>,
    pub version: i32,
    /// The point is the county's interior point, not the address (geocoding pending or
    /// not possible).
    pub approximate: bool,
}

/// The exact whereabouts of a location, present only when the viewer may see them.
#[derive(Clone, Debug, PartialEq)]
pub struct ExactPlace {
    pub name: Option<String>,
    pub address: Address,
    pub latitude: f64,
    pub longitude: f64,
}

/// A location as a particular viewer may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct LocationView {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub confidential: bool,
    pub county_fips: String,
    pub version: i32,
    pub approximate: bool,
    /// `None` for a confidential location the viewer may not locate: then only the
    /// county is shown.
    pub exact: Option<ExactPlace>,
}

impl Location {
    /// What `actor` may see of this location. A confidential location's name, address
    /// and coordinates are withheld unless the actor is allowed to see them.
    pub fn view_for(self, actor: &Actor) -> LocationView {
        let visible = !self.confidential || actor.may_see_confidential_location(self.owner_organization_id);
        LocationView {
            id: self.id,
            provider_id: self.provider_id,
            confidential: self.confidential,
            county_fips: self.county_fips,
            version: self.version,
            approximate: self.approximate,
            exact: visible.then_some(ExactPlace {
                name: self.name,
                address: self.address,
                latitude: self.latitude,
                longitude: self.longitude,
            }),
        }
    }
}

/// The provider with this id, unless it is archived.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Provider>> {
    Ok(repo::providers_by_id(conn, &[id]).await?.pop())
}

/// Providers by id (archived ones left out), for batched loading.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Provider>> {
    repo::providers_by_id(conn, ids).await
}

/// The listings an organization keeps (archived ones left out), by name. Public, as
/// every listing and its keeper are.
pub async fn kept_by(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<Provider>> {
    repo::kept_by(conn, organization).await
}

/// Hands every listed (not archived) provider, or those of `ids` that are listed, to
/// `each` as it is read (the directory index reads them all without holding them all).
pub async fn for_each_listed(
    conn: &mut AsyncPgConnection,
    ids: Option<&[Uuid]>,
    each: impl FnMut(Provider),
) -> AppResult<()> {
    repo::for_each_listed(conn, ids, each).await
}

/// The services of each provider, for batched loading.
pub async fn services_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<Service>> {
    repo::services_of(conn, providers).await
}

/// The phones of each provider, for batched loading.
pub async fn phones_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<Phone>> {
    repo::phones_of(conn, providers).await
}

/// The locations of each provider as `actor` may see them, for batched loading.
pub async fn locations_of(
    conn: &mut AsyncPgConnection,
    providers: &[Uuid],
    actor: &Actor,
) -> AppResult<Vec<LocationView>> {
    Ok(repo::locations_of(conn, providers).await?.into_iter().map(|location| location.view_for(actor)).collect())
}

/// The counties each provider serves (declared, or where it has a location), as
/// `(provider, fips)` pairs.
pub async fn service_areas_of(conn: &mut AsyncPgConnection, providers: &[Uuid]) -> AppResult<Vec<(Uuid, String)>> {
    repo::service_areas_of(conn, providers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shelter(confidential: bool) -> Location {
        Location {
            owner_organization_id: Some(Uuid::from_u128(7)),
            version: 1,
            approximate: false,
            id: Uuid::nil(),
            provider_id: Uuid::nil(),
            name: Some("Shelter".into()),
            address: Address { street: Some("1 Test St".into()), city: None, state: None, postal_code: None },
            latitude: 35.5,
            longitude: -78.5,
            confidential,
            county_fips: "37183".into(),
        }
    }

    #[test]
    fn anonymous_viewers_get_only_the_county_of_a_confidential_location() {
        let view = shelter(true).view_for(&Actor::Anonymous);
        assert_eq!(view.exact, None);
        assert_eq!(view.county_fips, "37183");
        assert!(shelter(false).view_for(&Actor::Anonymous).exact.is_some());
        let owner = Actor::Member(crate::auth::Member {
            user_id: None,
            api_key_id: None,
            session_id: None,
            organization_id: Uuid::from_u128(7),
            role: crate::auth::Role::ProviderStaff,
        });
        assert!(shelter(true).view_for(&owner).exact.is_some());
    }

    #[test]
    fn language_codes_are_folded_and_checked() {
        assert_eq!(LanguageCode::parse(" ES ", "f").unwrap().as_str(), "es");
        assert!(LanguageCode::parse("spanish", "f").is_err());
        assert!(LanguageCode::parse("e1", "f").is_err());
    }
}
