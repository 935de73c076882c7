//! GraphQL object types: thin wrappers over domain values. Children load through the
//! request's DataLoaders.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};

use super::loaders::Loaders;
use crate::counties::County;
use crate::needs::NeedCategory;
use crate::providers::{LocationView, Phone, Provider, Service, search};

/// Phase of the FUTURES need matrix.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Phase", remote = "crate::needs::Phase")]
pub enum PhaseGql {
    /// Acute / crisis needs.
    Acute,
    /// Transitional / more immediate needs.
    Transitional,
    /// Long-term stability and sustainability.
    LongTerm,
}

/// A group of people a service is for.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Population", remote = "crate::providers::Population")]
pub enum PopulationGql {
    /// Adults (18 and over).
    Adults,
    /// Minors (under 18).
    Minors,
    /// People born outside the United States, whatever their status.
    ForeignBorn,
    /// Men and boys.
    MenAndBoys,
    /// LGBTQ+ people.
    Lgbtq,
    /// People with disabilities.
    PeopleWithDisabilities,
}

/// A need of survivors: one row of the FUTURES "Anti-Human Trafficking Resources
/// Assessment" matrix.
pub struct NeedCategoryGql(pub NeedCategory);

/// A need of survivors: one row of the FUTURES "Anti-Human Trafficking Resources Assessment" matrix.
#[Object(name = "NeedCategory")]
impl NeedCategoryGql {
    /// Stable machine code, `<phase>.<need>`, e.g. `acute.housing`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The phase of recovery it belongs to.
    async fn phase(&self) -> PhaseGql {
        self.0.phase.into()
    }
    /// The row's wording in the matrix.
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// Position of the row in the matrix (1-based).
    async fn position(&self) -> i32 {
        self.0.position
    }
}

/// A county (5-digit FIPS code and name).
#[derive(SimpleObject)]
#[graphql(name = "County")]
pub struct CountyGql {
    /// Five-digit FIPS code, state and county, e.g. `37183`.
    pub fips: String,
    /// Name without the word "County", e.g. `Wake`.
    pub name: String,
}

impl From<County> for CountyGql {
    fn from(c: County) -> Self {
        CountyGql { fips: c.fips, name: c.name }
    }
}

/// An organization listed in the directory.
pub struct ProviderGql(pub Provider);

/// An organization's listing in the directory: what it offers, where, and how to reach it.
#[Object(name = "Provider")]
impl ProviderGql {
    /// The provider's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of organization, e.g. `legal_aid`, `dv_sa_agency`, `health_clinic`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// What it does, in its own words.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Its website.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Its public e-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// True for an invented sample listing (never a real organization).
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }
    /// Incremented by every edit; pass it back to update or archive.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The organization keeping this listing; null for network-kept listings.
    async fn organization_id(&self) -> Option<ID> {
        self.0.organization_id.map(|id| ID(id.to_string()))
    }
    /// The organization keeping this listing — the one a referral to it goes to and a
    /// consent for it names — for signed-in network members; null for anonymous callers
    /// and for network-kept listings. Its members stay behind their own check.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<super::identity::OrganizationGql>> {
        let shown = crate::providers::listing::keeper_shown_to(&super::context::caller(ctx).actor, &self.0);
        let Some(org) = shown else { return Ok(None) };
        let found = ctx.data_unchecked::<Loaders>().organizations.load_one(org).await?;
        Ok(found.map(super::identity::OrganizationGql))
    }
    /// Its public phone numbers.
    async fn phones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PhoneGql>> {
        let phones = ctx.data_unchecked::<Loaders>().phones.load_one(self.0.id).await?;
        Ok(phones.unwrap_or_default().into_iter().map(PhoneGql).collect())
    }
    /// The services it offers (archived ones left out).
    async fn services(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ServiceGql>> {
        let services = ctx.data_unchecked::<Loaders>().services.load_one(self.0.id).await?;
        Ok(services.unwrap_or_default().into_iter().map(ServiceGql).collect())
    }
    /// Where the provider is. Confidential locations show only their county unless the
    /// caller may see them.
    async fn locations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LocationGql>> {
        let locations = ctx.data_unchecked::<Loaders>().locations.load_one(self.0.id).await?;
        Ok(locations.unwrap_or_default().into_iter().map(LocationGql).collect())
    }
    /// Basic HT training within the last 3 years ("Trained on HT?").
    async fn ht_trained(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(ctx.data_unchecked::<Loaders>().flags.load_one(self.0.id).await?.is_some_and(|f| f.ht_trained))
    }
    /// The service areas of the Standards of Service the organization keeping the listing
    /// is vetted for today (a review outcome in force; public, like `htTrained`). Empty
    /// for a listing kept by no organization, or one never reviewed.
    async fn vetted_service_areas(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::standards::VettedAreaGql>> {
        let Some(org) = self.0.organization_id else { return Ok(Vec::new()) };
        let areas = ctx.data_unchecked::<Loaders>().vetting.load_one(org).await?.unwrap_or_default();
        Ok(areas.into_iter().map(Into::into).collect())
    }
    /// A contact known to the network ("Have a contact?").
    async fn has_contact(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(ctx.data_unchecked::<Loaders>().flags.load_one(self.0.id).await?.is_some_and(|f| f.has_contact))
    }
    /// An MOU in force ("Partner with them?").
    async fn has_active_mou(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(ctx.data_unchecked::<Loaders>().flags.load_one(self.0.id).await?.is_some_and(|f| f.has_active_mou))
    }
    /// Contact people (network members only).
    async fn contacts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::partnerships::ContactGql>> {
        let list = ctx.data_unchecked::<Loaders>().contacts.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().map(super::partnerships::ContactGql).collect())
    }
    /// HT training records, newest first (network members only).
    async fn training_records(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::partnerships::TrainingGql>> {
        let list = ctx.data_unchecked::<Loaders>().trainings.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().map(super::partnerships::TrainingGql).collect())
    }
    /// MOUs with this provider; only those in force with `inForceOnly` (network members only).
    async fn mous(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] in_force_only: bool,
    ) -> async_graphql::Result<Vec<super::partnerships::MouGql>> {
        let list = ctx.data_unchecked::<Loaders>().mous.load_one(self.0.id).await?.unwrap_or_default();
        let shown = crate::partnerships::mous_shown(list, in_force_only, super::context::today(ctx));
        Ok(shown.into_iter().map(super::partnerships::MouGql).collect())
    }
    /// Counties the provider serves: those it declares and those it has a location in.
    async fn service_area(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CountyGql>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let fips = loaders.service_areas.load_one(self.0.id).await?.unwrap_or_default();
        let mut counties: Vec<County> = loaders.counties.load_many(fips).await?.into_values().collect();
        counties.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(counties.into_iter().map(CountyGql::from).collect())
    }
}

/// A phone number of a provider.
pub struct PhoneGql(pub Phone);

/// A phone number of a provider.
#[Object(name = "Phone")]
impl PhoneGql {
    /// The number as listed.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// What it is for, e.g. "Hotline" or "Office".
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    /// Answered around the clock.
    async fn twenty_four_hour(&self) -> bool {
        self.0.twenty_four_hour
    }
}

/// A service a provider offers, covering one or more need categories.
pub struct ServiceGql(pub Service);

/// A service a provider offers, covering one or more need categories.
#[Object(name = "Service")]
impl ServiceGql {
    /// The service's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Incremented by every edit; pass it back to update or archive.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// What it is.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Who may use the service.
    async fn eligibility(&self) -> Option<&str> {
        self.0.eligibility.as_deref()
    }
    /// Fees, e.g. "Free" or "Sliding scale".
    async fn cost(&self) -> Option<&str> {
        self.0.cost.as_deref()
    }
    /// Available 24 hours a day.
    #[graphql(name = "open24h")]
    async fn open_24h(&self) -> bool {
        self.0.open_24h
    }
    /// ISO 639 codes of the languages the service is offered in.
    async fn languages(&self) -> &[String] {
        &self.0.languages
    }
    /// The groups of people it is for.
    async fn populations(&self) -> Vec<PopulationGql> {
        self.0.populations.iter().map(|&p| p.into()).collect()
    }
    /// The need categories this service meets.
    async fn needs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<NeedCategoryGql>> {
        let needs = ctx.data_unchecked::<Loaders>().needs.load_one(self.0.id).await?;
        Ok(needs.unwrap_or_default().into_iter().map(NeedCategoryGql).collect())
    }
    /// Capacity per unit, with each figure's age (a confidential shelter's as for its
    /// county, to callers who may not see where it is).
    async fn capacity(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::capacity::ServiceCapacityGql>> {
        super::capacity::of_service(ctx, self.0.id).await
    }
    /// Whether a minor may consent alone to this service, with no parent's or
    /// guardian's consent (a network admin decides, `setMinorSelfConsent`).
    async fn minor_may_consent_alone(&self) -> bool {
        self.0.minor_may_consent_alone
    }
}

/// A postal address.
#[derive(SimpleObject)]
#[graphql(name = "Address")]
pub struct AddressGql {
    /// Street and number.
    pub street: Option<String>,
    /// City or town.
    pub city: Option<String>,
    /// State (two letters).
    pub state: Option<String>,
    /// ZIP code.
    pub postal_code: Option<String>,
}

/// A place where a provider works. For a confidential location (a shelter) the name,
/// address and coordinates are null unless the caller may see them; the county is
/// always shown.
pub struct LocationGql(pub LocationView);

/// A place where a provider works. For a confidential location (a shelter) the name, address and coordinates are null unless the caller may see them; the county is always shown.
#[Object(name = "Location")]
impl LocationGql {
    /// The location's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// A confidential location (a shelter): only its county is shown to those who may not see it.
    async fn confidential(&self) -> bool {
        self.0.confidential
    }
    /// Incremented by every edit; pass it back to update or archive.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// True when the point is the county's interior point rather than the address
    /// (the geocoder could not place it yet; it is retried).
    async fn approximate(&self) -> bool {
        self.0.approximate
    }
    /// Its name (null when confidential and you may not see it).
    async fn name(&self) -> Option<&str> {
        self.0.exact.as_ref().and_then(|e| e.name.as_deref())
    }
    /// Latitude in degrees (WGS 84; null when confidential and you may not see it).
    async fn latitude(&self) -> Option<f64> {
        self.0.exact.as_ref().map(|e| e.latitude)
    }
    /// Longitude in degrees (WGS 84; null when confidential and you may not see it).
    async fn longitude(&self) -> Option<f64> {
        self.0.exact.as_ref().map(|e| e.longitude)
    }
    /// Its postal address (null when confidential and you may not see it).
    async fn address(&self) -> Option<AddressGql> {
        self.0.exact.as_ref().map(|e| AddressGql {
            street: e.address.street.clone(),
            city: e.address.city.clone(),
            state: e.address.state.clone(),
            postal_code: e.address.postal_code.clone(),
        })
    }
    /// The county containing the location (computed from its point).
    async fn county(&self, ctx: &Context<'_>) -> async_graphql::Result<CountyGql> {
        let county = ctx.data_unchecked::<Loaders>().counties.load_one(self.0.county_fips.clone()).await?;
        county.map(CountyGql::from).ok_or_else(|| async_graphql::Error::new("internal error"))
    }
}

/// One search result.
pub struct SearchHitGql(pub search::SearchHit);

/// One search result: a provider and how far it is.
#[Object(name = "ProviderSearchHit")]
impl SearchHitGql {
    /// The provider found.
    async fn provider(&self) -> ProviderGql {
        ProviderGql(self.0.provider.clone())
    }
    /// Kilometres from the search point to the provider's nearest location. Null without
    /// `near`, and for service-area matches.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }
    /// True when the distance is to the county of a confidential location, not to the
    /// location itself (rounded to whole kilometres).
    async fn distance_approximate(&self) -> bool {
        self.0.distance_approximate
    }
    /// True when the provider has no location within reach but serves the county that
    /// contains the search point (a hotline, a mobile advocate).
    async fn service_area_match(&self) -> bool {
        self.0.service_area_match
    }
    /// Cursor of this result, for `after`.
    async fn cursor(&self) -> &str {
        &self.0.cursor
    }
}

/// Paging information (Relay style).
#[derive(SimpleObject)]
#[graphql(name = "PageInfo")]
pub struct PageInfoGql {
    /// Whether another page follows.
    pub has_next_page: bool,
    /// The cursor of the last result, for `after`.
    pub end_cursor: Option<String>,
}

/// A page of search results.
#[derive(SimpleObject)]
#[graphql(name = "ProviderSearchConnection")]
pub struct SearchConnectionGql {
    /// The results of this page, nearest first.
    pub nodes: Vec<SearchHitGql>,
    /// Where this page ends.
    pub page_info: PageInfoGql,
}

impl From<search::SearchPage> for SearchConnectionGql {
    fn from(page: search::SearchPage) -> Self {
        let page_info = PageInfoGql { has_next_page: page.has_next_page, end_cursor: page.end_cursor() };
        SearchConnectionGql { nodes: page.hits.into_iter().map(SearchHitGql).collect(), page_info }
    }
}
