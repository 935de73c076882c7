//! Reading the in-memory directory: the filters of `searchProviders`, nearest providers
//! and service-area matches, the county containing a point, and the gap-matrix counts.
//! Each mirrors one SQL definition (named in its doc comment) and is tested against it.

use std::collections::HashSet;

use chrono::NaiveDate;
use geo::{Intersects, Point};
use uuid::Uuid;

use super::geometry::{F32_ORDER_ERROR_M, chord_squared_for, sphere_distance_m};
use super::snapshot::{Catalog, CellCounts, ProviderRef, ServiceEntry, Snapshot, pack_language};
use super::trees::LocationEntry;
use crate::needs::Phase;
use crate::providers::Population;

/// The provider-level conditions of a search, compiled to sets.
#[derive(Clone, Debug, Default)]
pub struct ProviderFilter {
    /// Any service-level condition present (needs, phase, languages, populations, 24 h).
    pub service_level: bool,
    /// Needs a service must meet one of (`None`: no need or phase condition).
    pub needs: Option<u64>,
    /// Packed by [`pack_language`].
    pub languages: Vec<u32>,
    pub populations: u8,
    pub open_24h: bool,
    pub ht_trained: Option<bool>,
    pub has_contact: Option<bool>,
    pub has_active_mou: Option<bool>,
    pub county: Option<u16>,
    /// Only providers kept by one of these organizations (`None`: any): those vetted for
    /// the service areas asked, evaluated on the view's day by [`ProviderFilter::vetted`].
    pub organizations: Option<std::collections::HashSet<uuid::Uuid>>,
    /// A matching service has room now (true), or none has (false).
    pub has_capacity: Option<bool>,
    /// "Now" for `has_capacity`, in microseconds since the Unix epoch.
    pub now_us: i64,
}

/// The set bit of a population.
pub fn population_bit(p: Population) -> u8 {
    let i = Population::ALL.iter().position(|&q| q == p).unwrap_or(0);
    1 << i
}

impl ProviderFilter {
    /// Compiles the conditions; codes and counties must already be known to `catalog`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        catalog: &Catalog,
        needs: &[String],
        phase: Option<Phase>,
        county: Option<&str>,
        languages: &[String],
        populations: &[Population],
        open_24h: bool,
        flags: (Option<bool>, Option<bool>, Option<bool>),
        has_capacity: Option<bool>,
        now_us: i64,
    ) -> Self {
        let need_set = match (needs.is_empty(), phase) {
            (true, None) => None,
            (false, None) => Some(catalog.need_set(needs.iter().map(String::as_str))),
            (true, Some(phase)) => Some(catalog.phase_set(phase)),
            (false, Some(phase)) => Some(catalog.need_set(needs.iter().map(String::as_str)) & catalog.phase_set(phase)),
        };
        ProviderFilter {
            service_level: need_set.is_some() || !languages.is_empty() || !populations.is_empty() || open_24h,
            needs: need_set,
            languages: languages.iter().map(|l| pack_language(l)).collect(),
            populations: populations.iter().fold(0, |set, &p| set | population_bit(p)),
            open_24h,
            ht_trained: flags.0,
            has_contact: flags.1,
            has_active_mou: flags.2,
            county: county.and_then(|c| catalog.county_slot(c)),
            organizations: None,
            has_capacity,
            now_us,
        }
    }

    /// Keeps only providers kept by organizations in `organizations` (the ones vetted for
    /// what a search asks, `Vetting::organizations_vetted_for`).
    pub fn vetted(self, organizations: Option<std::collections::HashSet<uuid::Uuid>>) -> Self {
        ProviderFilter { organizations, ..self }
    }

    /// `SearchStatement::provider_filters`: every service-level condition holds for one
    /// and the same service; flags from `provider_flags`; the county from
    /// `provider_counties`.
    /// `hasCapacity` as `service_has_room` (true: one of the matching services has room
    /// now; false: none has).
    pub fn matches(&self, p: ProviderRef<'_>, today: NaiveDate) -> bool {
        let service_ok = |s: &ServiceEntry| {
            self.needs.is_none_or(|set| s.needs & set != 0)
                && (self.languages.is_empty() || p.languages(s).iter().any(|l| self.languages.contains(l)))
                && s.populations & self.populations == self.populations
                && (!self.open_24h || s.open_24h)
        };
        if self.service_level && !p.services().iter().any(service_ok) {
            return false;
        }
        if let Some(wanted) = self.has_capacity {
            let room = p.services().iter().any(|s| service_ok(s) && p.has_room(s, self.now_us));
            if room != wanted {
                return false;
            }
        }
        self.flags_match(p, today)
            && self.county.is_none_or(|c| p.counties().binary_search(&c).is_ok())
            && self.organizations.as_ref().is_none_or(|orgs| p.organization_id().is_some_and(|o| orgs.contains(&o)))
    }

    /// Whether `p`'s FUTURES flags on `today` are as asked (as `provider_flags` answers).
    pub fn flags_match(&self, p: ProviderRef<'_>, today: NaiveDate) -> bool {
        let flag_ok = |wanted: Option<bool>, have: bool| wanted.is_none_or(|w| w == have);
        flag_ok(self.has_contact, p.has_contact())
            && flag_ok(self.ht_trained, p.ht_trained(today))
            && flag_ok(self.has_active_mou, p.has_active_mou(today))
    }
}

/// A provider ranked by its nearest location.
#[derive(Clone, Debug)]
pub struct Nearest<'a> {
    pub entry: ProviderRef<'a>,
    pub distance_m: f64,
    /// The nearest location is confidential.
    pub confidential: bool,
}

/// Where a search stands in distance order: after `(metres, provider id)`.
pub type DistanceCursor = (f64, Uuid);

impl Snapshot {
    fn position(exact: bool, l: &LocationEntry) -> (f64, f64) {
        if exact { l.exact } else { l.public }
    }

    /// The `wanted` providers nearest to `at` (`(lon, lat)`) that match `filter`,
    /// ranked by their nearest location (then id), within `radius_m` and after `after`
    /// — as `search::nearest_providers` asks PostgreSQL. `exact` ranks by real
    /// positions; otherwise by public ones. Providers in `replaced` slots are left out
    /// (a view holds newer copies of them, or none).
    ///
    /// The R-trees (those of the needs asked for, when there are a few) propose providers
    /// in about the order of distance; each one's distance is then computed exactly over
    /// all its locations, and the walk goes on until no unseen location can be nearer
    /// than the last one kept.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nearest(
        &self,
        filter: &ProviderFilter,
        at: (f64, f64),
        radius_m: Option<f64>,
        exact: bool,
        after: Option<DistanceCursor>,
        wanted: usize,
        replaced: &HashSet<u32>,
    ) -> Vec<Nearest<'_>> {
        let radius_chord = radius_m.map(|r| chord_squared_for(r + F32_ORDER_ERROR_M));
        let mut stop_chord = f64::INFINITY;
        let mut seen: HashSet<u32> = HashSet::new();
        let mut found: Vec<Nearest<'_>> = Vec::new();
        for (slot, chord2) in self.positions.nearest(at, exact, filter.needs, filter.has_capacity == Some(true)) {
            if radius_chord.is_some_and(|limit| chord2 > limit) || chord2 > stop_chord {
                break;
            }
            if !seen.insert(slot) || replaced.contains(&slot) {
                continue;
            }
            let Some(p) = self.store.get(slot) else { continue };
            let Some((distance_m, confidential)) = p
                .locations()
                .iter()
                .map(|l| (sphere_distance_m(Self::position(exact, l), at), l.confidential))
                .min_by(|a, b| a.0.total_cmp(&b.0))
            else {
                continue;
            };
            let out_of_reach = radius_m.is_some_and(|r| distance_m > r);
            let listed_before = after.is_some_and(|cursor| (distance_m, p.id()) <= cursor);
            if out_of_reach || listed_before || !filter.matches(p, self.today) {
                continue;
            }
            found.push(Nearest { entry: p, distance_m, confidential });
            if found.len() >= wanted {
                found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.entry.id().cmp(&b.entry.id())));
                found.truncate(wanted);
                stop_chord = chord_squared_for(found[wanted - 1].distance_m + F32_ORDER_ERROR_M);
            }
        }
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.entry.id().cmp(&b.entry.id())));
        found.truncate(wanted);
        found
    }

    /// Every provider the trees propose within `radius_m` of `at` (real positions when
    /// `exact`, else public ones) for `filter`, each once, in no order, before any check
    /// of its own: every provider with a location that near which may match `filter` is
    /// among them, and some others; those in `replaced` slots are left out. For counting
    /// all that is near (`hsds::proximity`, which checks each location and service
    /// itself), where [`Snapshot::nearest`] would rank them all.
    pub(super) fn near(
        &self,
        filter: &ProviderFilter,
        at: (f64, f64),
        radius_m: f64,
        exact: bool,
        replaced: &HashSet<u32>,
    ) -> Vec<ProviderRef<'_>> {
        // The trees' f32 chords may err by F32_ORDER_ERROR_M; each provider's own
        // positions decide.
        let limit = chord_squared_for(radius_m + F32_ORDER_ERROR_M) as f32;
        let with_room = filter.has_capacity == Some(true);
        let mut slots: Vec<u32> = self
            .positions
            .within(at, exact, filter.needs, with_room, limit)
            .filter(|slot| !replaced.contains(slot))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots.into_iter().filter_map(|slot| self.store.get(slot)).collect()
    }

    /// Service-area matches, as `search::providers_by_name` with an area asks
    /// PostgreSQL: providers matching `filter` that serve `county` and have no location
    /// within `radius_m` of `at` (no location at all without a radius), by name in byte
    /// order then id, after `after`, at most `limit`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn area_matches(
        &self,
        filter: &ProviderFilter,
        county: u16,
        at: (f64, f64),
        radius_m: Option<f64>,
        exact: bool,
        after: Option<(&str, Uuid)>,
        limit: usize,
        replaced: &HashSet<u32>,
    ) -> Vec<ProviderRef<'_>> {
        let mut matches: Vec<ProviderRef<'_>> = self.serving[usize::from(county)]
            .iter()
            .filter(|slot| !replaced.contains(slot))
            .filter_map(|&slot| self.store.get(slot))
            .filter(|p| match radius_m {
                None => p.locations().is_empty(),
                Some(r) => p.locations().iter().all(|l| sphere_distance_m(Self::position(exact, l), at) > r),
            })
            .filter(|p| after.is_none_or(|(name, id)| (p.name(), p.id()) > (name, id)))
            .filter(|p| filter.matches(*p, self.today))
            .collect();
        matches.sort_by(|a, b| (a.name(), a.id()).cmp(&(b.name(), b.id())));
        matches.truncate(limit);
        matches
    }

    /// The county covering `(lon, lat)` — `counties::at`: boundary included, the lowest
    /// FIPS code when a point lies on a shared border.
    pub fn county_at(&self, at: (f64, f64)) -> Option<u16> {
        let point = Point::new(at.0, at.1);
        self.catalog.by_fips.iter().copied().find(|&slot| {
            let county = &self.catalog.counties[usize::from(slot)];
            county.bounds.is_some_and(|b| b.intersects(&point)) && county.boundary.intersects(&point)
        })
    }
}

impl CellCounts {
    /// Adds (`sign` 1) or removes (`sign` -1) one provider's part in a cell.
    fn add(&mut self, sign: i64, contact: bool, has_mou: bool, trained: bool) {
        let partner = crate::partnerships::rules::partner(contact, has_mou);
        self.provider_count += sign;
        self.with_contact += sign * i64::from(contact);
        self.with_active_mou += sign * i64::from(has_mou);
        self.ht_trained += sign * i64::from(trained);
        self.partners += sign * i64::from(partner);
        self.trained_partners += sign * i64::from(partner && trained);
    }
}

/// Adds (`sign` 1) or removes (`sign` -1) one provider's part in every cell it counts
/// in: each county it is located in or serves × each need an active service meets,
/// flags as of `today` — the definitions of `gaps::MATRIX_SQL`.
pub(super) fn count_provider(cells: &mut [CellCounts], needs: usize, p: ProviderRef<'_>, today: NaiveDate, sign: i64) {
    let met = p.needs();
    if met == 0 {
        return;
    }
    let (contact, trained, mou_needs) = (p.has_contact(), p.ht_trained(today), p.mou_needs(today));
    for &c in p.counties() {
        let row = usize::from(c) * needs;
        for n in (0..needs).filter(|n| met & (1u64 << n) != 0) {
            cells[row + n].add(sign, contact, mou_needs & (1u64 << n) != 0, trained);
        }
    }
}

/// Public reads of single providers and reference data, for answering while
/// PostgreSQL cannot (each as the SQL it stands in for answers it).
impl Snapshot {
    /// Providers matching `filter` by name in byte order, then id, after `after`, at
    /// most `limit` — `search::providers_by_name` without an area.
    pub(super) fn by_name(
        &self,
        filter: &ProviderFilter,
        after: Option<(&str, Uuid)>,
        limit: usize,
        replaced: &HashSet<u32>,
    ) -> Vec<ProviderRef<'_>> {
        let mut matches: Vec<ProviderRef<'_>> = self
            .store
            .iter()
            .filter(|p| !replaced.contains(&p.slot()))
            .filter(|p| after.is_none_or(|(name, id)| (p.name(), p.id()) > (name, id)))
            .filter(|p| filter.matches(*p, self.today))
            .collect();
        matches.sort_by(|a, b| (a.name(), a.id()).cmp(&(b.name(), b.id())));
        matches.truncate(limit);
        matches
    }

    /// A listed (not archived) provider.
    pub fn provider_by_id(&self, id: &Uuid) -> Option<ProviderRef<'_>> {
        self.store.get(self.store.slot(id)?)
    }

    /// The `provider_flags` answers of a provider: has a contact, HT-trained, an MOU
    /// in force (on the snapshot's date).
    pub fn flags_of(&self, p: ProviderRef<'_>) -> (bool, bool, bool) {
        (p.has_contact(), p.ht_trained(self.today), p.has_active_mou(self.today))
    }

    /// FIPS codes of the counties a provider is located in or serves
    /// (`provider_counties`), in FIPS order.
    pub fn counties_of(&self, p: ProviderRef<'_>) -> Vec<String> {
        let mut fips: Vec<String> =
            p.counties().iter().map(|&c| self.catalog.counties[usize::from(c)].fips.clone()).collect();
        fips.sort();
        fips
    }

    /// A county's name by FIPS code.
    pub fn county_name(&self, fips: &str) -> Option<&str> {
        self.catalog.county_slot(fips).map(|slot| self.catalog.counties[usize::from(slot)].name.as_str())
    }
}
