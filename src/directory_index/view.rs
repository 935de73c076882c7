//! What readers hold: the directory as an immutable base snapshot plus a small immutable
//! snapshot of the providers changed since the base was made.
//!
//! A change never touches what a reader may hold. It copies the small part (the changed
//! providers, the set of base providers they replace, the gap counts), applies itself
//! to the copy, and the new view is swapped in whole (`DirectoryIndex::update`); a
//! reader keeps the view it started with. Copying the whole directory instead would
//! cost every write tens of milliseconds at 100 000 providers. Once the changed
//! providers outgrow a share of the base they are merged into a new base, a copy of
//! the old one, so the small part stays small; the listener does that off its path
//! (it takes ~200 ms at 100 000 providers) and then replays onto the new base what
//! changed meanwhile (`rebased`).
//!
//! Every answer is the base's (without the providers it replaced) merged with the
//! changes', in the same order one snapshot of everything would give; the contract
//! test of search (`tests/api/search_index.rs`) holds either way.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use uuid::Uuid;

use super::change::room_cutoff_us;
use super::query::{DistanceCursor, Nearest, ProviderFilter, count_provider};
use super::snapshot::{Catalog, CellCounts, ProviderRef, RoomWindow, Snapshot, Store, room_needs_where};
use super::vetting::Vetting;

/// The changes want merging into a new base once they hold more than this share of the
/// base's providers (1/`MERGE_SHARE`) and at least [`MERGE_FLOOR`] providers: merging
/// copies the whole base, keeping the changes small keeps each update's copy small.
const MERGE_SHARE: usize = 64;
const MERGE_FLOOR: usize = 256;

/// The directory as readers see it. Cheap to clone (a few reference counts).
#[derive(Clone)]
pub struct View {
    /// Need categories and counties.
    pub catalog: Arc<Catalog>,
    base: Arc<Snapshot>,
    changes: Arc<Snapshot>,
    /// Slots in `base` of providers changed (their current state is in `changes`) or
    /// gone since.
    replaced: Arc<HashSet<u32>>,
    /// Gap-matrix counts of the view as a whole, county slot × need.
    cells: Arc<Vec<CellCounts>>,
    /// The ids changed since the base was made, in the order they were applied.
    log: Arc<Vec<Uuid>>,
    /// The date the FUTURES flags are evaluated on (the base's and the changes').
    today: NaiveDate,
    /// Review outcomes under the Standards of Service, by organization (evaluated on
    /// `today`).
    pub(crate) vetting: Arc<Vetting>,
}

impl View {
    /// A view of a freshly built snapshot, with no changes yet.
    pub fn new(base: Snapshot) -> View {
        let changes = Snapshot::build(Arc::clone(&base.catalog), Store::sharing_board_of(&base.store), base.today);
        View {
            catalog: Arc::clone(&base.catalog),
            cells: Arc::new(base.cells.clone()),
            today: base.today,
            base: Arc::new(base),
            changes: Arc::new(changes),
            replaced: Arc::new(HashSet::new()),
            log: Arc::new(Vec::new()),
            vetting: Arc::default(),
        }
    }

    /// This view with `vetting` as the organizations' review outcomes.
    pub(super) fn with_vetting(&self, vetting: Vetting) -> View {
        View { vetting: Arc::new(vetting), ..self.clone() }
    }

    /// The date answers are evaluated on.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// This view with each of `ids` replaced by its entry in `fresh` (read after the
    /// change; one missing from `fresh` is gone or archived). Copies only the changed
    /// part; `self` stays as it is for whoever holds it.
    pub(super) fn with_replaced(&self, ids: &[Uuid], fresh: &Store) -> View {
        let needs = self.catalog.needs.len();
        let mut changes = Snapshot::clone(&self.changes);
        let mut replaced = HashSet::clone(&self.replaced);
        let mut cells = Vec::clone(&self.cells);
        for id in ids {
            // What the view held of the provider leaves the counts; its fresh state
            // (if it is still listed) enters them.
            if let Some(old) = self.changes.provider_by_id(id) {
                count_provider(&mut cells, needs, old, self.today, -1);
            } else if let Some(slot) = self.base.store.slot(id)
                && replaced.insert(slot)
            {
                let old = self.base.provider(slot).expect("a slot in the map is taken");
                count_provider(&mut cells, needs, old, self.today, -1);
            }
            if let Some(new) = fresh.slot(id).and_then(|slot| fresh.get(slot)) {
                count_provider(&mut cells, needs, new, self.today, 1);
            }
        }
        changes.replace_providers(ids, fresh);
        let mut log = Vec::clone(&self.log);
        log.extend_from_slice(ids);
        View {
            changes: Arc::new(changes),
            replaced: Arc::new(replaced),
            cells: Arc::new(cells),
            log: Arc::new(log),
            ..self.clone()
        }
    }

    /// Writes new room windows (`rooms`: by provider, then service, read after a capacity
    /// change) in place, on the board every view of this load shares, for each of `ids`
    /// whose provider is held with exactly those services and already sits in the trees of
    /// providers with room for every need the new windows can give room for (see
    /// `rooms`). Nothing is copied and no new view is made. Returns the others, for
    /// [`View::with_rooms`]. Not while a merge is running: it builds trees from the board,
    /// and only what is in a view's log is replayed onto its result.
    pub(super) fn set_rooms_in_place(
        &self,
        ids: &[Uuid],
        rooms: &HashMap<Uuid, HashMap<Uuid, Vec<RoomWindow>>>,
    ) -> Vec<Uuid> {
        let cutoff = room_cutoff_us();
        let mut rest = Vec::new();
        for id in ids {
            let theirs = rooms.get(id);
            let fits = self.provider_by_id(id).zip(theirs).is_some_and(|(p, theirs)| {
                let new = room_needs_where(p.services(), |s| {
                    theirs.get(&s.id).is_some_and(|w| w.iter().any(|w| w.until_us >= cutoff))
                });
                p.has_services_of(theirs)
                    && new.is_none_or(|new| p.room_in_trees().is_some_and(|held| new & !held == 0))
            });
            match theirs {
                Some(theirs) if fits => {
                    for (service, windows) in theirs {
                        self.base.store.board().set(*service, windows);
                    }
                }
                _ => rest.push(*id),
            }
        }
        rest
    }

    /// This view with new room windows for the services of `ids` (`rooms`: by provider,
    /// then service, read after a capacity change), each provider copied as it is held
    /// but for those. Returns the ids that must be read whole instead: their services
    /// are not the ones held (they changed otherwise too), or they are not held.
    pub(super) fn with_rooms(
        &self,
        ids: &[Uuid],
        rooms: &HashMap<Uuid, HashMap<Uuid, Vec<RoomWindow>>>,
    ) -> (View, Vec<Uuid>) {
        let none = HashMap::new();
        let mut fresh = Store::default();
        let (mut copied, mut whole) = (Vec::new(), Vec::new());
        for id in ids {
            let theirs = rooms.get(id).unwrap_or(&none);
            match self.provider_by_id(id) {
                Some(p) if fresh.copy_in_with_rooms(p, theirs).is_some() => copied.push(*id),
                // Not held: only worth reading if PostgreSQL has services for it.
                None if theirs.is_empty() => {}
                _ => whole.push(*id),
            }
        }
        let view = if copied.is_empty() { self.clone() } else { self.with_replaced(&copied, &fresh) };
        (view, whole)
    }

    /// Whether the changes have grown enough to be merged into a new base.
    pub(super) fn wants_merge(&self) -> bool {
        let changed = self.changes.provider_count().max(self.replaced.len());
        changed > MERGE_FLOOR && changed > self.base.provider_count() / MERGE_SHARE
    }

    /// This view on `base`, the merge of `from` (an earlier view of the same base),
    /// with what was applied since `from` applied again. `None` when this view no
    /// longer grows from `from` (reloaded or merged meanwhile): the merge is stale.
    pub(super) fn rebased(&self, from: &View, base: Snapshot) -> Option<View> {
        let same_line = Arc::ptr_eq(&self.base, &from.base) && self.log.starts_with(&from.log);
        same_line.then(|| {
            let view = View { vetting: Arc::clone(&self.vetting), ..View::new(base) };
            view.with_replaced(&self.log[from.log.len()..], &self.changes.store)
        })
    }

    /// This view on another date: training and MOUs may have lapsed or begun, so every
    /// count is redone (on a merged copy).
    pub(super) fn on(&self, today: NaiveDate) -> View {
        if today == self.today {
            return self.clone();
        }
        let mut base = self.merged();
        base.set_today(today);
        View { vetting: Arc::clone(&self.vetting), ..View::new(base) }
    }

    /// A copy of the base with the changes applied to it (slow: run it off the
    /// listener's path).
    pub(super) fn merged(&self) -> Snapshot {
        let mut ids: Vec<Uuid> =
            self.replaced.iter().filter_map(|&slot| self.base.provider(slot)).map(|p| p.id()).collect();
        ids.extend(self.changes.store.iter().map(|p| p.id()));
        ids.sort_unstable();
        ids.dedup();
        let mut base = Snapshot::clone(&self.base);
        base.replace_providers(&ids, &self.changes.store);
        base
    }

    /// The `wanted` providers nearest to `at` that match `filter`, after `after`: see
    /// [`Snapshot::nearest`].
    #[allow(clippy::too_many_arguments)]
    pub fn nearest(
        &self,
        filter: &ProviderFilter,
        at: (f64, f64),
        radius_m: Option<f64>,
        exact: bool,
        after: Option<DistanceCursor>,
        wanted: usize,
    ) -> Vec<Nearest<'_>> {
        let mut found = self.base.nearest(filter, at, radius_m, exact, after, wanted, &self.replaced);
        found.extend(self.changes.nearest(filter, at, radius_m, exact, after, wanted, &HashSet::new()));
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.entry.id().cmp(&b.entry.id())));
        found.truncate(wanted);
        found
    }

    /// Every provider the trees propose within `radius_m` of `at` for `filter`, each
    /// once and unchecked: see [`Snapshot::near`].
    pub fn near(&self, filter: &ProviderFilter, at: (f64, f64), radius_m: f64, exact: bool) -> Vec<ProviderRef<'_>> {
        let mut found = self.base.near(filter, at, radius_m, exact, &self.replaced);
        found.extend(self.changes.near(filter, at, radius_m, exact, &HashSet::new()));
        found
    }

    /// Service-area matches in `county`: see [`Snapshot::area_matches`].
    #[allow(clippy::too_many_arguments)]
    pub fn area_matches(
        &self,
        filter: &ProviderFilter,
        county: u16,
        at: (f64, f64),
        radius_m: Option<f64>,
        exact: bool,
        after: Option<(&str, Uuid)>,
        limit: usize,
    ) -> Vec<ProviderRef<'_>> {
        let mut found = self.base.area_matches(filter, county, at, radius_m, exact, after, limit, &self.replaced);
        found.extend(self.changes.area_matches(filter, county, at, radius_m, exact, after, limit, &HashSet::new()));
        by_name_then_id(found, limit)
    }

    /// Providers matching `filter` by name: see [`Snapshot::by_name`].
    pub fn by_name(&self, filter: &ProviderFilter, after: Option<(&str, Uuid)>, limit: usize) -> Vec<ProviderRef<'_>> {
        let mut found = self.base.by_name(filter, after, limit, &self.replaced);
        found.extend(self.changes.by_name(filter, after, limit, &HashSet::new()));
        by_name_then_id(found, limit)
    }

    /// A listed (not archived) provider.
    pub fn provider_by_id(&self, id: &Uuid) -> Option<ProviderRef<'_>> {
        self.changes.provider_by_id(id).or_else(|| {
            let slot = self.base.store.slot(id).filter(|slot| !self.replaced.contains(slot))?;
            self.base.provider(slot)
        })
    }

    /// The county covering `(lon, lat)`: see [`Snapshot::county_at`].
    pub fn county_at(&self, at: (f64, f64)) -> Option<u16> {
        self.base.county_at(at)
    }

    /// A provider's FUTURES flags: see [`Snapshot::flags_of`].
    pub fn flags_of(&self, p: ProviderRef<'_>) -> (bool, bool, bool) {
        self.base.flags_of(p)
    }

    /// FIPS codes of the counties a provider is located in or serves, in FIPS order.
    pub fn counties_of(&self, p: ProviderRef<'_>) -> Vec<String> {
        self.base.counties_of(p)
    }

    /// A county's name by FIPS code.
    pub fn county_name(&self, fips: &str) -> Option<&str> {
        self.base.county_name(fips)
    }

    /// Every county × need cell (or one county's), counties in name order and needs in
    /// matrix order. The counts are kept up to date as providers change (and recounted
    /// when the date moves), so this only copies them out.
    pub fn coverage(&self, county: Option<u16>) -> Vec<(u16, usize, CellCounts)> {
        let needs = self.catalog.needs.len();
        (0..self.catalog.counties.len() as u16)
            .filter(|&c| county.is_none_or(|only| only == c))
            .flat_map(|c| (0..needs).map(move |n| (c, n)))
            .map(|(c, n)| (c, n, self.cells[usize::from(c) * needs + n]))
            .collect()
    }

    /// Number of providers held.
    pub fn provider_count(&self) -> usize {
        self.base.provider_count() - self.replaced.len() + self.changes.provider_count()
    }

    /// Number of locations held (counting those of replaced base providers until the
    /// next merge).
    pub fn location_count(&self) -> usize {
        self.base.location_count() + self.changes.location_count()
    }

    /// About how many bytes the index holds, by part, for the load log.
    pub fn approximate_bytes(&self) -> [(&'static str, usize); 4] {
        let mut bytes = self.base.approximate_bytes();
        for (total, (_, more)) in bytes.iter_mut().zip(self.changes.approximate_bytes()).take(3) {
            total.1 += more;
        }
        bytes
    }
}

/// The first `limit` of `found` by name in byte order, then id.
fn by_name_then_id(mut found: Vec<ProviderRef<'_>>, limit: usize) -> Vec<ProviderRef<'_>> {
    found.sort_by(|a, b| (a.name(), a.id()).cmp(&(b.name(), b.id())));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::directory_index::geometry::sphere_distance_m;
    use crate::directory_index::snapshot::{CountyShape, NeedInfo};
    use crate::directory_index::trees::LocationEntry;
    use crate::needs::Phase;
    use crate::providers::Provider;

    /// What the test knows of a provider, to build stores from.
    #[derive(Clone)]
    struct Spec {
        provider: Provider,
        needs: u64,
        at: Option<(f64, f64)>,
        counties: Vec<u16>,
        /// Its one service's room windows.
        rooms: Vec<RoomWindow>,
    }

    /// The moment the room windows are drawn around: now, as the trees of providers with
    /// room are built at the moment they are.
    fn now_us() -> i64 {
        static NOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
        *NOW.get_or_init(|| chrono::Utc::now().timestamp_micros())
    }

    /// None, or up to three windows: open already or from some moment, until some moment,
    /// around [`now_us`] (some long over).
    fn random_rooms(rng: &mut StdRng) -> Vec<RoomWindow> {
        const HOUR: i64 = 3_600_000_000;
        if rng.random_bool(0.5) {
            return Vec::new();
        }
        (0..rng.random_range(1..4))
            .map(|_| {
                let until_us = now_us() + rng.random_range(-30 * HOUR..4 * HOUR);
                let from_us = if rng.random_bool(0.5) { i64::MIN } else { until_us - rng.random_range(0..5 * HOUR) };
                RoomWindow { from_us, until_us }
            })
            .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date")
    }

    fn catalog() -> Arc<Catalog> {
        let needs = (0..4)
            .map(|i| NeedInfo { code: format!("n{i}"), label: format!("Need {i}"), phase: Phase::Acute, position: i })
            .collect();
        let counties = (0..3)
            .map(|i| CountyShape::new(format!("3700{i}"), format!("County {i}"), geo::MultiPolygon::new(Vec::new())))
            .collect();
        Arc::new(Catalog::new(needs, counties).expect("a small catalog"))
    }

    fn random_spec(rng: &mut StdRng, id: Uuid) -> Spec {
        let mut counties: Vec<u16> = (0..3).filter(|_| rng.random_bool(0.4)).collect();
        counties.dedup();
        Spec {
            provider: Provider {
                id,
                name: format!("Provider {} (synthetic)", rng.random_range(0..50)),
                kind: "legal_aid".into(),
                description: None,
                website: None,
                email: None,
                synthetic: true,
                organization_id: None,
                version: rng.random_range(1..9),
            },
            needs: rng.random_range(0..16),
            at: rng.random_bool(0.9).then(|| (rng.random_range(-80.0..-78.0), rng.random_range(35.0..36.0))),
            counties,
            rooms: random_rooms(rng),
        }
    }

    fn store_of<'a>(specs: impl IntoIterator<Item = &'a Spec>) -> Store {
        let mut store = Store::default();
        for s in specs {
            let slot = store.add_listing(&s.provider);
            store.push_service(slot, s.provider.id, s.needs, [], 0, false).expect("grouped");
            store.set_last_service_rooms(s.rooms.iter().copied());
            if let Some(at) = s.at {
                store
                    .push_location(
                        slot,
                        LocationEntry { id: s.provider.id, exact: at, public: at, confidential: false },
                    )
                    .expect("grouped");
            }
            for &c in &s.counties {
                store.push_county(slot, c).expect("grouped");
            }
        }
        store
    }

    /// What a view answers, in comparable form.
    fn answers(view: &View) -> String {
        let mut out = format!("{} providers; cells {:?}\n", view.provider_count(), view.coverage(None));
        for need in [None, Some(0b1), Some(0b1010)] {
            let filter = ProviderFilter { service_level: need.is_some(), needs: need, ..ProviderFilter::default() };
            for at in [(-79.0, 35.5), (-78.1, 35.9)] {
                let nearest: Vec<_> = view
                    .nearest(&filter, at, None, true, None, 25)
                    .iter()
                    .map(|n| (n.entry.id(), n.distance_m))
                    .collect();
                let near: Vec<_> =
                    view.nearest(&filter, at, Some(40_000.0), true, None, 10).iter().map(|n| n.entry.id()).collect();
                // Everything within a radius, unranked: as many as ranking them all finds.
                let mut within: Vec<_> = view
                    .near(&filter, at, 40_000.0, false)
                    .into_iter()
                    .filter(|p| p.locations().iter().any(|l| sphere_distance_m(l.public, at) <= 40_000.0))
                    .filter(|p| filter.matches(*p, view.today()))
                    .map(|p| p.id())
                    .collect();
                within.sort();
                let mut ranked: Vec<_> = view
                    .nearest(&filter, at, Some(40_000.0), false, None, usize::MAX)
                    .iter()
                    .map(|n| n.entry.id())
                    .collect();
                ranked.sort();
                assert_eq!(within, ranked, "within 40 km of {at:?}");
                out += &format!("{need:?} {at:?}: {nearest:?} {near:?} {within:?}\n");
            }
            let names: Vec<_> = view.by_name(&filter, None, 30).iter().map(|p| (p.name(), p.id())).collect();
            let area: Vec<_> = view
                .area_matches(&filter, 1, (-79.0, 35.5), Some(30_000.0), true, None, 30)
                .iter()
                .map(|p| p.id())
                .collect();
            out += &format!("{need:?}: {names:?} {area:?}\n");
        }
        // Room now, at moments from now on (the trees of providers with room answer these).
        for (need, has_capacity) in [(None, Some(true)), (Some(0b10), Some(true)), (Some(0b101), Some(false))] {
            for later in [0, 1_800_000_000, 3 * 3_600_000_000] {
                let filter = ProviderFilter {
                    service_level: need.is_some(),
                    needs: need,
                    has_capacity,
                    now_us: now_us() + later,
                    ..ProviderFilter::default()
                };
                let nearest: Vec<_> =
                    view.nearest(&filter, (-79.0, 35.5), None, true, None, 15).iter().map(|n| n.entry.id()).collect();
                out += &format!("{need:?} {has_capacity:?} +{later}: {nearest:?}\n");
            }
        }
        out
    }

    #[test]
    fn room_now_is_found_as_a_walk_of_every_provider_finds_it_and_new_windows_apply_alone() {
        let mut rng = StdRng::seed_from_u64(18);
        let mut model: HashMap<Uuid, Spec> = HashMap::new();
        for _ in 0..400 {
            let id = Uuid::from_u128(rng.random());
            model.insert(id, random_spec(&mut rng, id));
        }
        let mut view = View::new(Snapshot::build(catalog(), store_of(model.values()), today()));
        // Against a brute-force walk of every provider.
        for later in [0, 3_600_000_000] {
            let filter = ProviderFilter { has_capacity: Some(true), now_us: now_us() + later, ..Default::default() };
            let at = (-79.0, 35.5);
            let mut every: Vec<(f64, Uuid)> = model
                .values()
                .filter(|s| s.at.is_some() && s.rooms.iter().any(|w| w.open_at(now_us() + later)))
                .map(|s| (super::super::geometry::sphere_distance_m(s.at.expect("located"), at), s.provider.id))
                .collect();
            every.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            every.truncate(20);
            let found: Vec<(f64, Uuid)> =
                view.nearest(&filter, at, None, true, None, 20).iter().map(|n| (n.distance_m, n.entry.id())).collect();
            assert_eq!(found, every, "+{later}");
            assert!(found.len() == 20, "enough providers with room to fill the page");
        }
        // New windows only, as a capacity change brings them: in place where the trees
        // allow, else in a new view (as the listener does), and now and then a merge.
        let (mut in_place, mut copied, mut older) = (0, 0, Vec::new());
        for round in 0..40 {
            let ids: Vec<Uuid> = model.keys().copied().filter(|_| rng.random_bool(0.05)).collect();
            let mut rooms: HashMap<Uuid, HashMap<Uuid, Vec<RoomWindow>>> = HashMap::new();
            for id in &ids {
                let spec = model.get_mut(id).expect("held");
                spec.rooms = random_rooms(&mut rng);
                // The one service's id is the provider's (see `store_of`).
                rooms.entry(*id).or_default().insert(*id, spec.rooms.clone());
            }
            let rest = view.set_rooms_in_place(&ids, &rooms);
            (in_place, copied) = (in_place + ids.len() - rest.len(), copied + rest.len());
            let (next, whole) = view.with_rooms(&rest, &rooms);
            assert!(whole.is_empty(), "every provider's services are the ones held");
            older.push(std::mem::replace(&mut view, next));
            if round % 7 == 6 {
                let merged = view.merged();
                view = view.rebased(&view, merged).expect("the same line");
            }
            let rebuilt = View::new(Snapshot::build(catalog(), store_of(model.values()), today()));
            assert_eq!(answers(&view), answers(&rebuilt), "round {round}");
        }
        assert!(in_place > 0 && copied > 0, "both ways taken: {in_place} in place, {copied} copied");
        // Views of the same load read the windows written since, as a moment later: asked
        // for providers with no room, every provider is walked, whatever the trees of room.
        let first = older.first().expect("views kept");
        assert_eq!(answers(first).lines().last(), answers(&view).lines().last(), "the same rooms now");
        // Services other than those held: the provider is read whole instead.
        let id = *model.keys().next().expect("a provider");
        let other = HashMap::from([(id, HashMap::from([(Uuid::from_u128(7), Vec::new())]))]);
        assert_eq!(view.with_rooms(&[id], &other).1, vec![id]);
    }

    #[test]
    fn a_view_with_changes_answers_as_one_snapshot_of_the_same_providers() {
        let mut rng = StdRng::seed_from_u64(14);
        let mut model: HashMap<Uuid, Spec> = HashMap::new();
        for _ in 0..600 {
            let id = Uuid::from_u128(rng.random());
            model.insert(id, random_spec(&mut rng, id));
        }
        let mut view = View::new(Snapshot::build(catalog(), store_of(model.values()), today()));
        let (mut merges, mut merging) = (0, None::<View>);
        for round in 0..40 {
            // Change some providers, remove some, add some.
            let mut ids: Vec<Uuid> = model.keys().copied().filter(|_| rng.random_bool(0.02)).collect();
            ids.extend((0..3).map(|_| Uuid::from_u128(rng.random())));
            for id in &ids {
                if model.contains_key(id) && rng.random_bool(0.3) {
                    model.remove(id);
                } else {
                    model.insert(*id, random_spec(&mut rng, *id));
                }
            }
            let fresh = store_of(ids.iter().filter_map(|id| model.get(id)));
            view = view.with_replaced(&ids, &fresh);
            if let Some(from) = merging.take() {
                // A merge started a round ago finishes: what changed since is replayed.
                let merged = from.merged();
                view = view.rebased(&from, merged).expect("the same line of views");
                merges += 1;
            } else if view.wants_merge() {
                merging = Some(view.clone());
            }
            let whole = View::new(Snapshot::build(catalog(), store_of(model.values()), today()));
            assert_eq!(answers(&view), answers(&whole), "round {round}");
            for id in &ids {
                assert_eq!(view.provider_by_id(id).map(|p| p.to_provider()), model.get(id).map(|s| s.provider.clone()));
            }
        }
        assert!(merges > 0, "the changes were never merged into a new base");
        assert!(!view.replaced.is_empty() || view.changes.provider_count() > 0, "the last view has changes of its own");
    }

    #[test]
    fn a_merge_of_a_view_that_was_since_replaced_is_moot() {
        let mut rng = StdRng::seed_from_u64(5);
        let specs: Vec<Spec> = (0..20).map(|i| random_spec(&mut rng, Uuid::from_u128(i))).collect();
        let view = View::new(Snapshot::build(catalog(), store_of(&specs), today()));
        let from = view.with_replaced(&[specs[0].provider.id], &Store::default());
        let merged = from.merged();
        let reloaded = View::new(Snapshot::build(catalog(), store_of(&specs), today()));
        assert!(reloaded.rebased(&from, merged).is_none(), "a reload came between");
        let later = from.with_replaced(&[specs[1].provider.id], &Store::default());
        let rebased = later.rebased(&from, from.merged()).expect("the same line");
        assert_eq!((rebased.provider_count(), rebased.log.len()), (18, 1), "only what came after is replayed");
    }

    #[test]
    fn a_new_date_recounts_over_every_provider() {
        let mut rng = StdRng::seed_from_u64(3);
        let specs: Vec<Spec> = (0..50).map(|i| random_spec(&mut rng, Uuid::from_u128(i))).collect();
        let view = View::new(Snapshot::build(catalog(), store_of(&specs), today()));
        let changed = view.with_replaced(&[specs[0].provider.id], &Store::default());
        let later = changed.on(today() + chrono::Days::new(1));
        assert_eq!(later.today, today() + chrono::Days::new(1));
        assert_eq!(later.provider_count(), 49);
        assert_eq!(later.coverage(None), changed.coverage(None), "nothing here depends on the date");
    }
}
