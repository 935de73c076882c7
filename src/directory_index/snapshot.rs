//! The directory as held in memory: what search and the gap analysis read, and
//! nothing else. Built from PostgreSQL by `load`, kept current by `listen`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use geo::{BoundingRect, MultiPolygon, Rect};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use uuid::Uuid;

use super::geometry::unit_vector;
use super::query::{CellCounts, count_provider};
use crate::needs::Phase;
use crate::providers::Provider;

/// Need categories beyond this many cannot be held as a 64-bit set; the index then
/// refuses to load and search stays on PostgreSQL.
pub const MAX_NEEDS: usize = 64;

/// A need category, as the gap matrix shows it.
#[derive(Clone, Debug)]
pub struct NeedInfo {
    pub code: String,
    pub label: String,
    pub phase: Phase,
    pub position: i32,
}

/// A county with its boundary, for point-in-county lookups.
#[derive(Clone, Debug)]
pub struct CountyShape {
    pub fips: String,
    pub name: String,
    pub boundary: MultiPolygon<f64>,
    pub bounds: Option<Rect<f64>>,
}

impl CountyShape {
    pub fn new(fips: String, name: String, boundary: MultiPolygon<f64>) -> Self {
        let bounds = boundary.bounding_rect();
        CountyShape { fips, name, boundary, bounds }
    }
}

/// The reference data: need categories (in matrix order) and counties (in name order,
/// as the matrix lists them).
#[derive(Debug)]
pub struct Catalog {
    pub needs: Vec<NeedInfo>,
    need_bits: HashMap<String, u32>,
    pub counties: Vec<CountyShape>,
    county_slots: HashMap<String, u16>,
    /// County slots in FIPS order: the order PostgreSQL breaks boundary ties in.
    pub by_fips: Vec<u16>,
}

impl Catalog {
    /// A catalog from need categories in position order and counties in name order.
    /// `None` when there are more needs than a need set can hold.
    pub fn new(needs: Vec<NeedInfo>, counties: Vec<CountyShape>) -> Option<Self> {
        if needs.len() > MAX_NEEDS || counties.len() > usize::from(u16::MAX) {
            return None;
        }
        let need_bits = needs.iter().enumerate().map(|(i, n)| (n.code.clone(), i as u32)).collect();
        let county_slots = counties.iter().enumerate().map(|(i, c)| (c.fips.clone(), i as u16)).collect();
        let mut by_fips: Vec<u16> = (0..counties.len() as u16).collect();
        by_fips.sort_by(|a, b| counties[usize::from(*a)].fips.cmp(&counties[usize::from(*b)].fips));
        Some(Catalog { needs, need_bits, counties, county_slots, by_fips })
    }

    /// The set holding one need, if it is known.
    pub fn need_bit(&self, code: &str) -> Option<u64> {
        self.need_bits.get(code).map(|&i| 1u64 << i)
    }

    /// The set of codes that are known (unknown ones are left out).
    pub fn need_set<'a>(&self, codes: impl IntoIterator<Item = &'a str>) -> u64 {
        codes.into_iter().filter_map(|c| self.need_bit(c)).fold(0, |set, bit| set | bit)
    }

    /// Every need of a phase.
    pub fn phase_set(&self, phase: Phase) -> u64 {
        self.needs.iter().enumerate().filter(|(_, n)| n.phase == phase).fold(0, |set, (i, _)| set | (1u64 << i))
    }

    pub fn county_slot(&self, fips: &str) -> Option<u16> {
        self.county_slots.get(fips).copied()
    }
}

/// A provider's listing as search returns it, stored compactly: its texts share one
/// allocation (100 000 of these are held, and each separate string costs a pointer and
/// an allocation).
#[derive(Clone, Debug)]
pub struct Listing {
    pub id: Uuid,
    /// name, kind, description, website, email, one after the other.
    text: Box<str>,
    /// Where each of those ends in `text`; `u32::MAX` for an absent optional one.
    ends: [u32; 5],
    organization_id: Option<Uuid>,
    version: i32,
    synthetic: bool,
}

impl From<Provider> for Listing {
    fn from(p: Provider) -> Self {
        let mut text = String::new();
        let mut ends = [0u32; 5];
        let parts = [Some(&p.name), Some(&p.kind), p.description.as_ref(), p.website.as_ref(), p.email.as_ref()];
        for (end, part) in ends.iter_mut().zip(parts) {
            *end = match part {
                Some(part) => {
                    text.push_str(part);
                    text.len() as u32
                }
                None => u32::MAX,
            };
        }
        Listing {
            id: p.id,
            text: text.into_boxed_str(),
            ends,
            organization_id: p.organization_id,
            version: p.version,
            synthetic: p.synthetic,
        }
    }
}

impl Listing {
    /// The `i`th text (see `text`), if present.
    fn part(&self, i: usize) -> Option<&str> {
        let end = self.ends[i];
        if end == u32::MAX {
            return None;
        }
        let start = self.ends[..i].iter().rev().find(|&&e| e != u32::MAX).copied().unwrap_or(0);
        Some(&self.text[start as usize..end as usize])
    }

    pub fn name(&self) -> &str {
        self.part(0).unwrap_or_default()
    }

    pub fn to_provider(&self) -> Provider {
        let owned = |i| self.part(i).map(str::to_owned);
        Provider {
            id: self.id,
            name: self.name().to_owned(),
            kind: owned(1).unwrap_or_default(),
            description: owned(2),
            website: owned(3),
            email: owned(4),
            synthetic: self.synthetic,
            organization_id: self.organization_id,
            version: self.version,
        }
    }
}

/// An ISO 639 code (2–3 lower-case letters) packed into a number, so a service's
/// languages need no strings. Longer text cannot be a valid code and packs to a value
/// no valid code has.
pub fn pack_language(code: &str) -> u32 {
    let bytes = code.as_bytes();
    if bytes.len() > 4 {
        return u32::MAX;
    }
    bytes.iter().fold(0u32, |packed, &b| (packed << 8) | u32::from(b))
}

/// A service's searchable facts.
#[derive(Clone, Debug)]
pub struct ServiceEntry {
    pub needs: u64,
    /// Packed by [`pack_language`].
    pub languages: Box<[u32]>,
    /// Bits by `Population::ALL` order.
    pub populations: u8,
    pub open_24h: bool,
}

/// A location's two positions as `(lon, lat)`: the real one, and the one shown to
/// viewers who may not locate confidential places (the county's interior point).
#[derive(Clone, Debug)]
pub struct LocationEntry {
    pub exact: (f64, f64),
    pub public: (f64, f64),
    pub confidential: bool,
}

/// An MOU with status ACTIVE: in force from `effective_on` to `expires_on` inclusive.
#[derive(Clone, Debug)]
pub struct MouEntry {
    pub effective_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub scope: u64,
}

impl MouEntry {
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.effective_on <= today && today <= self.expires_on
    }
}

/// One provider (not archived) with its active services and locations, the counties it
/// is located in or serves, and the inputs of its FUTURES flags.
#[derive(Clone, Debug)]
pub struct ProviderEntry {
    pub listing: Listing,
    pub services: Box<[ServiceEntry]>,
    pub locations: Box<[LocationEntry]>,
    /// County slots, sorted, without repeats.
    pub counties: Box<[u16]>,
    pub has_contact: bool,
    /// Basic HT training: `[trained_on, lapses_on)`.
    pub training: Box<[(NaiveDate, NaiveDate)]>,
    pub mous: Box<[MouEntry]>,
}

impl ProviderEntry {
    /// "Trained on HT?" on `today` (the `provider_flags` definition).
    pub fn ht_trained(&self, today: NaiveDate) -> bool {
        self.training.iter().any(|&(from, lapses)| from <= today && today < lapses)
    }

    /// "Partner with them?": an MOU in force.
    pub fn has_active_mou(&self, today: NaiveDate) -> bool {
        self.mous.iter().any(|m| m.in_force(today))
    }

    /// Needs covered by MOUs in force.
    pub fn mou_needs(&self, today: NaiveDate) -> u64 {
        self.mous.iter().filter(|m| m.in_force(today)).fold(0, |set, m| set | m.scope)
    }

    /// Needs met by any active service.
    pub fn needs(&self) -> u64 {
        self.services.iter().fold(0, |set, s| set | s.needs)
    }
}

/// An R-tree entry: one of a provider's locations, at one of its positions. It only
/// finds candidates; their exact distances come from the provider's own locations.
pub type TreeEntry = GeomWithData<[f32; 3], Uuid>;

fn tree_entry(provider: Uuid, at: (f64, f64)) -> TreeEntry {
    GeomWithData::new(unit_vector(at), provider)
}

/// The whole directory in memory.
pub struct Snapshot {
    pub catalog: Arc<Catalog>,
    pub providers: HashMap<Uuid, ProviderEntry>,
    /// Locations at their real positions (for viewers who may locate every place).
    pub exact: RTree<TreeEntry>,
    /// Locations at their public positions (everyone else).
    pub public: RTree<TreeEntry>,
    /// Providers located in or serving each county (by county slot).
    pub serving: Vec<HashSet<Uuid>>,
    /// The database's `current_date`, which the FUTURES flags are evaluated on.
    pub(super) today: NaiveDate,
    /// Gap-matrix counts, county slot × need.
    pub(super) cells: Vec<CellCounts>,
}

impl Snapshot {
    /// Builds the index in one pass (R-trees bulk-loaded).
    pub fn build(catalog: Arc<Catalog>, providers: Vec<ProviderEntry>, today: NaiveDate) -> Self {
        let mut exact = Vec::new();
        let mut public = Vec::new();
        let mut serving = vec![HashSet::new(); catalog.counties.len()];
        for p in &providers {
            for l in &p.locations {
                exact.push(tree_entry(p.listing.id, l.exact));
                public.push(tree_entry(p.listing.id, l.public));
            }
            for &c in &p.counties {
                serving[usize::from(c)].insert(p.listing.id);
            }
        }
        let mut snapshot = Snapshot {
            catalog,
            providers: providers.into_iter().map(|p| (p.listing.id, p)).collect(),
            exact: RTree::bulk_load(exact),
            public: RTree::bulk_load(public),
            serving,
            today,
            cells: Vec::new(),
        };
        snapshot.recount();
        snapshot
    }

    /// Counts the gap matrix from scratch.
    fn recount(&mut self) {
        let needs = self.catalog.needs.len();
        let mut cells = vec![CellCounts::default(); self.catalog.counties.len() * needs];
        for p in self.providers.values() {
            count_provider(&mut cells, needs, p, self.today, 1);
        }
        self.cells = cells;
    }

    /// Moves to a new date: training and MOUs may have lapsed or begun.
    pub fn set_today(&mut self, today: NaiveDate) {
        if today != self.today {
            self.today = today;
            self.recount();
        }
    }

    /// Replaces what is known of one provider: `None` when it is gone or archived.
    pub fn replace_provider(&mut self, id: Uuid, entry: Option<ProviderEntry>) {
        let needs = self.catalog.needs.len();
        if let Some(old) = self.providers.remove(&id) {
            count_provider(&mut self.cells, needs, &old, self.today, -1);
            for l in &old.locations {
                self.exact.remove(&tree_entry(id, l.exact));
                self.public.remove(&tree_entry(id, l.public));
            }
            for &c in &old.counties {
                self.serving[usize::from(c)].remove(&id);
            }
        }
        if let Some(new) = entry {
            for l in &new.locations {
                self.exact.insert(tree_entry(id, l.exact));
                self.public.insert(tree_entry(id, l.public));
            }
            for &c in &new.counties {
                self.serving[usize::from(c)].insert(id);
            }
            count_provider(&mut self.cells, needs, &new, self.today, 1);
            self.providers.insert(id, new);
        }
    }

    /// Number of locations held (each in both trees).
    pub fn location_count(&self) -> usize {
        self.public.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_keeps_every_text_and_every_absence() {
        let provider = Provider {
            id: Uuid::new_v4(),
            name: "Ålpha Shelter (synthetic)".into(),
            kind: "dv_sa_agency".into(),
            description: None,
            website: Some("https://example.org".into()),
            email: Some(String::new()),
            synthetic: true,
            organization_id: Some(Uuid::new_v4()),
            version: 7,
        };
        assert_eq!(Listing::from(provider.clone()).to_provider(), provider);
        let bare = Provider { description: Some("d".into()), website: None, email: None, ..provider };
        assert_eq!(Listing::from(bare.clone()).to_provider(), bare);
    }
}
