//! Building a snapshot and changing it in place: bulk-loading the trees, replacing
//! providers as they change, moving to a new date.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use uuid::Uuid;

use super::query::count_provider;
use super::snapshot::{Catalog, CellCounts, Snapshot, Store};
use super::trees::Positions;

impl Snapshot {
    /// Builds the index over a loaded store in one pass (R-trees bulk-loaded).
    pub fn build(catalog: Arc<Catalog>, mut store: Store, today: NaiveDate) -> Self {
        store.shrink_to_fit();
        let located = store.iter().flat_map(|p| p.locations().iter().map(move |l| (p.slot(), p.needs(), l)));
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
        for id in ids {
            if let Some(slot) = self.store.slot(id) {
                let old = self.store.get(slot).expect("a slot in the map is taken");
                count_provider(&mut self.cells, needs, old, self.today, -1);
                for l in old.locations() {
                    self.positions.remove(slot, old.needs(), l);
                }
                for &c in old.counties() {
                    self.serving[usize::from(c)].remove(&slot);
                }
                self.store.remove(slot);
            }
            let Some(new) = fresh.slot(id).and_then(|slot| fresh.get(slot)) else { continue };
            let slot = self.store.copy_in(new);
            let new = self.store.get(slot).expect("just copied in");
            for l in new.locations() {
                self.positions.insert(slot, new.needs(), l);
            }
            for &c in new.counties() {
                self.serving[usize::from(c)].insert(slot);
            }
            count_provider(&mut self.cells, needs, new, self.today, 1);
        }
        self.store.compact_if_worthwhile();
    }
}
