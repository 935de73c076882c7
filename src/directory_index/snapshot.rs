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

/// A service's searchable facts.
#[derive(Clone, Debug)]
pub struct ServiceEntry {
    pub needs: u64,
    pub languages: Vec<String>,
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
    pub provider: Provider,
    pub services: Vec<ServiceEntry>,
    pub locations: Vec<LocationEntry>,
    /// County slots, sorted, without repeats.
    pub counties: Vec<u16>,
    pub has_contact: bool,
    /// Basic HT training: `[trained_on, lapses_on)`.
    pub training: Vec<(NaiveDate, NaiveDate)>,
    pub mous: Vec<MouEntry>,
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

/// What an R-tree entry points at: a provider's location at one of its positions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    pub provider: Uuid,
    pub lon: f64,
    pub lat: f64,
    pub confidential: bool,
}

pub type TreeEntry = GeomWithData<[f64; 3], Placed>;

fn tree_entry(provider: Uuid, at: (f64, f64), confidential: bool) -> TreeEntry {
    GeomWithData::new(unit_vector(at), Placed { provider, lon: at.0, lat: at.1, confidential })
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
    pub today: NaiveDate,
}

impl Snapshot {
    /// Builds the index in one pass (R-trees bulk-loaded).
    pub fn build(catalog: Arc<Catalog>, providers: Vec<ProviderEntry>, today: NaiveDate) -> Self {
        let mut exact = Vec::new();
        let mut public = Vec::new();
        let mut serving = vec![HashSet::new(); catalog.counties.len()];
        for p in &providers {
            for l in &p.locations {
                exact.push(tree_entry(p.provider.id, l.exact, l.confidential));
                public.push(tree_entry(p.provider.id, l.public, l.confidential));
            }
            for &c in &p.counties {
                serving[usize::from(c)].insert(p.provider.id);
            }
        }
        Snapshot {
            catalog,
            providers: providers.into_iter().map(|p| (p.provider.id, p)).collect(),
            exact: RTree::bulk_load(exact),
            public: RTree::bulk_load(public),
            serving,
            today,
        }
    }

    /// Replaces what is known of one provider: `None` when it is gone or archived.
    pub fn replace_provider(&mut self, id: Uuid, entry: Option<ProviderEntry>) {
        if let Some(old) = self.providers.remove(&id) {
            for l in &old.locations {
                self.exact.remove(&tree_entry(id, l.exact, l.confidential));
                self.public.remove(&tree_entry(id, l.public, l.confidential));
            }
            for &c in &old.counties {
                self.serving[usize::from(c)].remove(&id);
            }
        }
        if let Some(new) = entry {
            for l in &new.locations {
                self.exact.insert(tree_entry(id, l.exact, l.confidential));
                self.public.insert(tree_entry(id, l.public, l.confidential));
            }
            for &c in &new.counties {
                self.serving[usize::from(c)].insert(id);
            }
            self.providers.insert(id, new);
        }
    }

    /// Number of locations held (each in both trees).
    pub fn location_count(&self) -> usize {
        self.public.size()
    }
}
