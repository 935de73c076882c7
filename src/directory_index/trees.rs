//! Where the directory's locations are, as R-trees of points on the unit sphere.
//!
//! Two things keep a search's walk short however large the directory grows:
//! - **Per need.** Besides a tree of every location, each need has a tree of the
//!   locations of providers that meet it. A search for a need walks only those, so a
//!   need that no provider in a dense city meets does not make it step through every
//!   provider there before reaching one that does.
//! - **Once where possible.** A location that is not confidential has one position for
//!   everyone and is held once; a confidential one is held at its real position (for
//!   viewers who may locate it) and at its county's point (for everyone else).
//!
//! - **Room now apart.** A second set of the same trees holds only the locations of
//!   providers with a capacity figure that can give room now (`ProviderRef::room_needs`),
//!   keyed by the needs of the services with room. `hasCapacity: true` walks those, so it
//!   does not step through every provider meeting the need that has no room.
//!
//! The trees only propose candidates in about the order of distance (see
//! `geometry::unit_vector`); exact distances come from each provider's own locations, and
//! every condition (room now at the request's moment included) is checked on the
//! provider itself. A tree may hold a provider that no longer qualifies (its figure went
//! stale since); it must never miss one that does.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::geometry::unit_vector;

/// A location's two positions as `(lon, lat)`: the real one, and the one shown to
/// viewers who may not locate confidential places (the county's interior point).
#[derive(Clone, Copy, Debug)]
pub struct LocationEntry {
    /// The location's id (HSDS names a service at a location by both ids).
    pub id: uuid::Uuid,
    pub exact: (f64, f64),
    pub public: (f64, f64),
    pub confidential: bool,
}

/// An R-tree entry: one location at one of its positions, with its provider's slot.
pub type TreeEntry = GeomWithData<[f32; 3], u32>;

/// A search for more needs than this at once walks the tree of every location instead
/// of merging the needs' trees (a whole phase, say).
const MOST_NEED_TREES_MERGED: u32 = 4;

fn entry(slot: u32, at: (f64, f64)) -> TreeEntry {
    GeomWithData::new(unit_vector(at), slot)
}

/// Every location of one set, and per need bit the locations of providers meeting it.
#[derive(Clone)]
pub(super) struct LocationTrees {
    all: RTree<TreeEntry>,
    by_need: Vec<RTree<TreeEntry>>,
}

impl LocationTrees {
    /// Bulk-loads trees from entries paired with the needs their providers meet.
    fn build(entries: Vec<(TreeEntry, u64)>, needs: usize) -> Self {
        let by_need = (0..needs)
            .map(|n| RTree::bulk_load(entries.iter().filter(|(_, met)| met & (1 << n) != 0).map(|(e, _)| *e).collect()))
            .collect();
        LocationTrees { all: RTree::bulk_load(entries.into_iter().map(|(e, _)| e).collect()), by_need }
    }

    fn insert(&mut self, e: TreeEntry, needs: u64) {
        for (n, tree) in self.by_need.iter_mut().enumerate() {
            if needs & (1 << n) != 0 {
                tree.insert(e);
            }
        }
        self.all.insert(e);
    }

    fn remove(&mut self, e: &TreeEntry, needs: u64) {
        for (n, tree) in self.by_need.iter_mut().enumerate() {
            if needs & (1 << n) != 0 {
                tree.remove(e);
            }
        }
        self.all.remove(e);
    }

    /// The trees holding every location whose provider meets one of `needs` (`None`:
    /// any provider).
    fn for_needs(&self, needs: Option<u64>) -> Vec<&RTree<TreeEntry>> {
        match needs {
            Some(set) if set.count_ones() <= MOST_NEED_TREES_MERGED => {
                (0..self.by_need.len()).filter(|&n| set & (1 << n) != 0).map(|n| &self.by_need[n]).collect()
            }
            _ => vec![&self.all],
        }
    }

    fn entries(&self) -> usize {
        self.all.size() + self.by_need.iter().map(RTree::size).sum::<usize>()
    }
}

/// The locations of a set of providers, by who may see which position.
#[derive(Clone)]
struct PositionSet {
    /// Not confidential: the real position is the public one.
    open: LocationTrees,
    /// Confidential, at the real position.
    hidden_exact: LocationTrees,
    /// Confidential, at the public position (the county's interior point).
    hidden_public: LocationTrees,
}

/// A location held once for everyone, or twice (confidential, or a public position that
/// differs from the real one for any other reason).
fn is_open(l: &LocationEntry) -> bool {
    !l.confidential && l.exact == l.public
}

impl PositionSet {
    /// Builds every tree at once from `(slot, needs met, location)`.
    fn build<'a>(locations: impl Iterator<Item = (u32, u64, &'a LocationEntry)>, needs: usize) -> Self {
        let (mut open, mut hidden_exact, mut hidden_public) = (Vec::new(), Vec::new(), Vec::new());
        for (slot, met, l) in locations {
            if is_open(l) {
                open.push((entry(slot, l.exact), met));
            } else {
                hidden_exact.push((entry(slot, l.exact), met));
                hidden_public.push((entry(slot, l.public), met));
            }
        }
        PositionSet {
            open: LocationTrees::build(open, needs),
            hidden_exact: LocationTrees::build(hidden_exact, needs),
            hidden_public: LocationTrees::build(hidden_public, needs),
        }
    }

    fn insert(&mut self, slot: u32, needs: u64, l: &LocationEntry) {
        if is_open(l) {
            self.open.insert(entry(slot, l.exact), needs);
        } else {
            self.hidden_exact.insert(entry(slot, l.exact), needs);
            self.hidden_public.insert(entry(slot, l.public), needs);
        }
    }

    fn remove(&mut self, slot: u32, needs: u64, l: &LocationEntry) {
        if is_open(l) {
            self.open.remove(&entry(slot, l.exact), needs);
        } else {
            self.hidden_exact.remove(&entry(slot, l.exact), needs);
            self.hidden_public.remove(&entry(slot, l.public), needs);
        }
    }

    /// Number of locations held.
    fn locations(&self) -> usize {
        self.open.all.size() + self.hidden_exact.all.size()
    }

    /// Number of entries in all trees (for the memory estimate).
    fn entries(&self) -> usize {
        self.open.entries() + self.hidden_exact.entries() + self.hidden_public.entries()
    }

    /// The locations within `max_chord2` (a squared chord) of `at`, in no order: at real
    /// positions when `exact`, else at public ones; only those of providers meeting one of
    /// `needs` (and maybe some others) when a need filter is given. A provider may come
    /// more than once. Nothing is ranked, so counting everything within a radius costs a
    /// walk of what is there, not a sort of it.
    fn within(
        &self,
        at: (f64, f64),
        exact: bool,
        needs: Option<u64>,
        max_chord2: f32,
    ) -> impl Iterator<Item = u32> + '_ {
        let point = unit_vector(at);
        let hidden = if exact { &self.hidden_exact } else { &self.hidden_public };
        self.open
            .for_needs(needs)
            .into_iter()
            .chain(hidden.for_needs(needs))
            .flat_map(move |tree| tree.locate_within_distance(point, max_chord2).map(|e| e.data))
    }

    /// Locations nearest `at` (`(lon, lat)`) first, with their squared chord: at real
    /// positions when `exact`, else at public ones; only those of providers meeting one
    /// of `needs` (and maybe some others) when a need filter is given. Several trees are
    /// walked side by side and merged in distance order; a provider may come more than
    /// once.
    fn nearest(&self, at: (f64, f64), exact: bool, needs: Option<u64>) -> impl Iterator<Item = (u32, f64)> + '_ {
        let point = unit_vector(at);
        let hidden = if exact { &self.hidden_exact } else { &self.hidden_public };
        let mut walks: Vec<_> = self
            .open
            .for_needs(needs)
            .into_iter()
            .chain(hidden.for_needs(needs))
            .filter(|tree| tree.size() > 0)
            .map(|tree| tree.nearest_neighbor_iter_with_distance_2(&point).peekable())
            .collect();
        std::iter::from_fn(move || {
            let (closest, _) = walks
                .iter_mut()
                .enumerate()
                .filter_map(|(i, walk)| walk.peek().map(|&(_, chord2)| (i, chord2)))
                .min_by(|a, b| a.1.total_cmp(&b.1))?;
            walks[closest].next().map(|(e, chord2)| (e.data, f64::from(chord2)))
        })
    }
}

/// A location as the trees take it: its provider's slot, the needs its services meet,
/// and (`Some`) the needs of its services that can give room now, if any can.
pub(super) struct Located<'a> {
    pub slot: u32,
    pub needs: u64,
    pub room_needs: Option<u64>,
    pub location: &'a LocationEntry,
}

/// The locations of the directory: every provider's, and apart those of providers with
/// room (see the module's documentation).
#[derive(Clone)]
pub(super) struct Positions {
    every: PositionSet,
    with_room: PositionSet,
}

impl Positions {
    /// Builds every tree at once.
    pub(super) fn build<'a>(locations: impl Iterator<Item = Located<'a>>, needs: usize) -> Self {
        let (mut every, mut with_room) = (Vec::new(), Vec::new());
        for l in locations {
            every.push((l.slot, l.needs, l.location));
            if let Some(room) = l.room_needs {
                with_room.push((l.slot, room, l.location));
            }
        }
        Positions {
            every: PositionSet::build(every.into_iter(), needs),
            with_room: PositionSet::build(with_room.into_iter(), needs),
        }
    }

    /// An empty set of trees for `needs` need categories.
    #[cfg(test)]
    pub(super) fn empty(needs: usize) -> Self {
        Positions::build(std::iter::empty(), needs)
    }

    pub(super) fn insert(&mut self, l: Located<'_>) {
        self.every.insert(l.slot, l.needs, l.location);
        if let Some(room) = l.room_needs {
            self.with_room.insert(l.slot, room, l.location);
        }
    }

    /// Takes a location out. `l.room_needs` must cover the needs it was inserted with
    /// (more is harmless: taking out what is not there does nothing).
    pub(super) fn remove(&mut self, l: Located<'_>) {
        self.every.remove(l.slot, l.needs, l.location);
        if let Some(room) = l.room_needs {
            self.with_room.remove(l.slot, room, l.location);
        }
    }

    /// Number of locations held.
    pub(super) fn locations(&self) -> usize {
        self.every.locations()
    }

    /// Number of entries in all trees (for the memory estimate).
    pub(super) fn entries(&self) -> usize {
        self.every.entries() + self.with_room.entries()
    }

    /// Locations within `max_chord2` of `at`, as [`PositionSet::within`]; only those of
    /// providers that can have room when `with_room`.
    pub(super) fn within(
        &self,
        at: (f64, f64),
        exact: bool,
        needs: Option<u64>,
        with_room: bool,
        max_chord2: f32,
    ) -> impl Iterator<Item = u32> + '_ {
        let set = if with_room { &self.with_room } else { &self.every };
        set.within(at, exact, needs, max_chord2)
    }

    /// Locations nearest `at` first, as [`PositionSet::nearest`]; only those of providers
    /// that can have room when `with_room`.
    pub(super) fn nearest(
        &self,
        at: (f64, f64),
        exact: bool,
        needs: Option<u64>,
        with_room: bool,
    ) -> impl Iterator<Item = (u32, f64)> + '_ {
        let set = if with_room { &self.with_room } else { &self.every };
        set.nearest(at, exact, needs)
    }
}
