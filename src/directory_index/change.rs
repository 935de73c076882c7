//! Building a snapshot and changing it in place: bulk-loading the trees, replacing
//! providers as they change, moving to a new date.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use uuid::Uuid;

use super::query::count_provider;
use super::snapshot::{Catalog, CellCounts, Snapshot, Store};
use super::trees::{Located, Positions};

/// How long before the moment the trees are built a room window must still be open for
/// its provider to go into the trees of providers with room. A search's moment is taken
/// when it is parsed, a little before the view answering it may have been built; an
/// hour is far more than that, and a window over an hour ago can never open again.
const ROOM_WINDOW_SLACK_US: i64 = 3_600_000_000;

/// The earliest end of a room window that still puts a provider into the trees of
/// providers with room.
pub(super) fn room_cutoff_us() -> i64 {
    chrono::Utc::now().timestamp_micros() - ROOM_WINDOW_SLACK_US
}

impl Snapshot {
    /// Builds the index over a loaded store in one pass (R-trees bulk-loaded).
    pub fn build(catalog: Arc<Catalog>, mut store: Store, today: NaiveDate) -> Self {
        store.shrink_to_fit();
        let cutoff = room_cutoff_us();
        let room: Vec<(u32, Option<u64>)> = store.iter().map(|p| (p.slot(), p.room_needs(cutoff))).collect();
        for &(slot, needs) in &room {
            store.set_room_in_trees(slot, needs);
        }
        let located = store.iter().flat_map(|p| {
            let (slot, needs, room_needs) = (p.slot(), p.needs(), p.room_in_trees());
            p.locations().iter().map(move |location| Located { slot, needs, room_needs, location })
        });
        let positions = Positions::build(located, catalog.needs.len());
        let mut serving = vec![HashSet::new(); catalog.counties.len()];
        for p in store.iter() {
            for &c in p.counties() {
                serving[usize::from(c)].insert(p.slot());
            }
        }
        for county in &mut serving {
            county.shrink_to_fit();
        }
        let mut snapshot = Snapshot { catalog, store, positions, serving, today, cells: Vec::new() };
        snapshot.recount();
        snapshot
    }

    /// Counts the gap matrix from scratch.
    fn recount(&mut self) {
        let needs = self.catalog.needs.len();
        let mut cells = vec![CellCounts::default(); self.catalog.counties.len() * needs];
        for p in self.store.iter() {
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

    /// Replaces what is known of each of `ids` with its entry in `fresh` (read after
    /// the change); one missing from `fresh` is gone or archived.
    pub fn replace_providers(&mut self, ids: &[Uuid], fresh: &Store) {
        let needs = self.catalog.needs.len();
        let cutoff = room_cutoff_us();
        for id in ids {
            if let Some(slot) = self.store.slot(id) {
                let old = self.store.get(slot).expect("a slot in the map is taken");
                count_provider(&mut self.cells, needs, old, self.today, -1);
                // Whatever was inserted is taken out (its windows may have changed since).
                let (old_needs, old_room) = (old.needs(), old.room_in_trees());
                for location in old.locations() {
                    self.positions.remove(Located { slot, needs: old_needs, room_needs: old_room, location });
                }
                for &c in old.counties() {
                    self.serving[usize::from(c)].remove(&slot);
                }
                self.store.remove(slot);
            }
            let Some(new) = fresh.slot(id).and_then(|slot| fresh.get(slot)) else { continue };
            // Its windows come along (onto this store's board), so they are the same here.
            let new_room = new.room_needs(cutoff);
            let slot = self.store.copy_in(new);
            self.store.set_room_in_trees(slot, new_room);
            let new = self.store.get(slot).expect("just copied in");
            let new_needs = new.needs();
            for location in new.locations() {
                self.positions.insert(Located { slot, needs: new_needs, room_needs: new_room, location });
            }
            for &c in new.counties() {
                self.serving[usize::from(c)].insert(slot);
            }
            count_provider(&mut self.cells, needs, new, self.today, 1);
        }
        self.store.compact_if_worthwhile();
    }
}
