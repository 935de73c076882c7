//! The directory index: search's and the gap analysis's view of the directory, held in
//! memory so the hot path of `searchProviders` never waits on the database.
//!
//! Positions go into R-trees (`rstar`) of points on the unit sphere — real and public
//! positions, every location and per need (`trees`) — whose chord order is exactly
//! great-circle order; distances are then computed with PostGIS's own sphere formula,
//! so ranks, radius cuts and cursors equal what PostgreSQL answers (a test compares the
//! two over random searches).
//!
//! Keeping in step: triggers announce every committed change on the
//! `lantern_directory` channel; one listener per instance re-reads the providers named
//! (or everything, for `*`) and swaps in a new view with them (`view`): readers never
//! wait for an update, and an update that fails half-way, even by panicking, leaves
//! the view they read as it was. A write made through this instance waits for its own
//! change to be applied before it answers (`caught_up`, run by the directory's write
//! path, `crate::directory::Directory::write`), so a client always finds what it just
//! wrote. While the listener is not connected and loaded — at start,
//! after a lost connection — the index is not ready and every search goes to
//! PostgreSQL, so an answer is never served from a stale index while PostgreSQL can
//! give a current one. Which reads the index answers is decided in one place,
//! `crate::directory`.
//!
//! When PostgreSQL cannot answer (down, restarting, failing over), the last view is
//! kept and public searches are answered from it (`last`), for at most the
//! configured stale limit after the listener lost its connection. Nothing can be
//! written while the database is down, so the snapshot is what the database last held;
//! the limit bounds what an instance cut off from a database others still write to
//! could miss.

mod change;
pub(crate) mod geometry;
mod listen;
mod load;
pub(crate) mod query;
mod rooms;
pub(crate) mod snapshot;
mod trees;
pub(crate) mod vetting;
mod view;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::db::DbPool;
use crate::error::AppResult;
pub use snapshot::Snapshot;
pub use view::View;

/// Loads the whole directory from PostgreSQL into a view, as the listener does when it
/// starts (for the contract test of the directory's two implementations).
pub async fn load_view(conn: &mut AsyncPgConnection) -> AppResult<View> {
    let snapshot = load::everything(conn).await?;
    Ok(View::new(snapshot).with_vetting(load::vetting(conn).await?))
}

/// `view` with `ids` read again from PostgreSQL, as the listener does when they change
/// (for the contract test: a view with changes of its own).
pub async fn refresh_view(view: &View, conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<View> {
    let fresh = load::some(conn, &view.catalog, ids).await?;
    Ok(view.with_replaced(ids, &fresh))
}

/// The notification channel the triggers announce changes on.
pub const CHANNEL: &str = "lantern_directory";
/// How long a write waits for the index to apply it before answering anyway.
const CATCH_UP_WAIT: Duration = Duration::from_secs(2);

/// Whether the index is serving, for `/healthz` and operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexState {
    /// Turned off by configuration (`LANTERN_SEARCH_INDEX=false`).
    Disabled,
    /// Loading, with no snapshot yet: searches use PostgreSQL.
    Loading,
    /// The listener lost its connection (or a write was not confirmed, or an update
    /// failed): searches use PostgreSQL, and the last view only while PostgreSQL cannot
    /// answer.
    Stale,
    /// Loaded and kept current by the listener: searches answer from memory.
    Ready,
}

impl IndexState {
    /// The state as a lower-case word, as the service reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Disabled => "disabled",
            IndexState::Loading => "loading",
            IndexState::Stale => "stale",
            IndexState::Ready => "ready",
        }
    }
}

/// The view readers get, and since when it may miss changes. Replaced whole, never
/// changed in place.
struct Held {
    view: Arc<View>,
    /// `None`: the view is current.
    stale_since: Option<Instant>,
}

/// The in-memory directory of one service instance.
pub struct DirectoryIndex {
    enabled: bool,
    /// Swapped atomically: a reader takes the view it finds and keeps it as long as it
    /// likes; nothing a writer does (or a panic while it does it) can leave a reader
    /// locked out.
    held: ArcSwapOption<Held>,
    /// How long after losing step a view may still answer while PostgreSQL cannot.
    stale_limit: Duration,
    /// How long the listener waits before applying each batch of changes (zero but in
    /// tests, which make it lag as a busy instance would).
    apply_lag: Duration,
    /// Tells this instance's own catch-up markers from other instances'.
    instance: Uuid,
    next_marker: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
}

impl DirectoryIndex {
    /// An index that will be loaded once `start` runs; its last view answers public
    /// searches for up to `stale_limit` while PostgreSQL cannot. `apply_lag` delays
    /// applying each batch of changes: zero, except in tests of read-your-writes.
    pub fn new(stale_limit: Duration, apply_lag: Duration) -> Arc<Self> {
        Arc::new(DirectoryIndex { apply_lag, ..Self::with(true, stale_limit) })
    }

    /// An index that never loads: every search goes to PostgreSQL.
    pub fn disabled() -> Arc<Self> {
        Arc::new(Self::with(false, Duration::ZERO))
    }

    fn with(enabled: bool, stale_limit: Duration) -> Self {
        DirectoryIndex {
            enabled,
            held: ArcSwapOption::empty(),
            stale_limit,
            apply_lag: Duration::ZERO,
            instance: Uuid::new_v4(),
            next_marker: AtomicU64::new(1),
            waiting: Mutex::new(HashMap::new()),
        }
    }

    /// Starts the listener that loads the index and keeps it in step (if enabled).
    pub fn start(self: &Arc<Self>, pool: DbPool) {
        if self.enabled {
            tokio::spawn(listen::run(Arc::clone(self), pool));
        }
    }

    /// Where the index stands now.
    pub fn state(&self) -> IndexState {
        match (self.enabled, self.held.load_full()) {
            (false, _) => IndexState::Disabled,
            (true, None) => IndexState::Loading,
            (true, Some(held)) if held.stale_since.is_some() => IndexState::Stale,
            (true, Some(_)) => IndexState::Ready,
        }
    }

    /// The current view; `None` when the index is not ready.
    pub fn current(&self) -> Option<Arc<View>> {
        let held = self.held.load_full()?;
        held.stale_since.is_none().then(|| Arc::clone(&held.view))
    }

    /// The last view, current or stale within the limit: for answering public reads
    /// while PostgreSQL cannot. `None` without one.
    pub fn last(&self) -> Option<Arc<View>> {
        let held = self.held.load_full()?;
        held.stale_since.is_none_or(|since| since.elapsed() <= self.stale_limit).then(|| Arc::clone(&held.view))
    }

    /// Makes `view` the current one.
    fn install(&self, view: View) {
        self.held.store(Some(Arc::new(Held { view: Arc::new(view), stale_since: None })));
    }

    /// Swaps in the view `change` makes of the held one (keeping its staleness). If
    /// `change` panics, the held view stays as it was, marked stale (it misses the
    /// change), so searches go to PostgreSQL until the listener has reloaded.
    fn update(&self, change: impl FnOnce(&View) -> View) {
        let Some(held) = self.held.load_full() else { return };
        match std::panic::catch_unwind(AssertUnwindSafe(|| change(&held.view))) {
            Ok(next) => {
                let next = Arc::new(next);
                // Only the listener changes the view; a writer may meanwhile have
                // marked it stale, which must stick.
                self.held.rcu(|now| {
                    let stale_since = now.as_ref().and_then(|h| h.stale_since);
                    Some(Arc::new(Held { view: Arc::clone(&next), stale_since }))
                });
            }
            Err(_) => {
                tracing::error!("directory index update panicked; the last view is kept, marked stale, until a reload");
                self.invalidate();
            }
        }
    }

    /// Marks the view stale: searches go to PostgreSQL until the listener has
    /// reloaded; the view is kept for when PostgreSQL cannot answer.
    fn invalidate(&self) {
        self.held.rcu(|now| {
            now.as_ref().map(|h| {
                Arc::new(Held {
                    view: Arc::clone(&h.view),
                    stale_since: h.stale_since.or_else(|| Some(Instant::now())),
                })
            })
        });
        // Writers waiting on a marker answer now; their reads go to PostgreSQL.
        self.waiting().clear();
    }

    /// The writers waiting for their markers. Nothing that can panic runs while this is
    /// locked, but a poisoned lock is used all the same rather than given up.
    fn waiting(&self) -> MutexGuard<'_, HashMap<u64, oneshot::Sender<()>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called after a directory write has committed: returns once the index has applied
    /// it (or at once when the index is not serving), so the writer's next search sees
    /// its write. Sends a marker on the channel after the commit; notifications arrive
    /// in commit order, so when the listener reaches the marker the write is applied.
    pub async fn caught_up(&self, conn: &mut AsyncPgConnection) {
        if self.state() != IndexState::Ready {
            return;
        }
        let marker = self.next_marker.fetch_add(1, Ordering::Relaxed);
        let (done, applied) = oneshot::channel();
        self.waiting().insert(marker, done);
        let sent = crate::db::prepared::prepared("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(format!("sync:{}:{marker}", self.instance))
            .execute(conn)
            .await
            .is_ok();
        if !sent || tokio::time::timeout(CATCH_UP_WAIT, applied).await.is_err() {
            tracing::warn!(sent, "directory index did not confirm a write in time");
            // Serve from PostgreSQL until the listener has reloaded, rather than risk
            // answering this writer from before its write.
            self.invalidate();
        }
        self.waiting().remove(&marker);
    }

    /// The listener reached one of this instance's markers.
    fn marker_reached(&self, payload: &str) {
        let Some((instance, marker)) = payload.rsplit_once(':') else { return };
        if instance != self.instance.to_string() {
            return;
        }
        let done = marker.parse().ok().and_then(|m: u64| self.waiting().remove(&m));
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory_index::snapshot::{Catalog, Store};
    use crate::providers::Provider;

    /// A view of `n` bare listings.
    pub(super) fn view_of(n: u128) -> View {
        let mut store = Store::default();
        for i in 0..n {
            store.add_listing(&Provider {
                id: Uuid::from_u128(i + 1),
                name: format!("Listing {i} (synthetic)"),
                kind: "legal_aid".into(),
                description: None,
                website: None,
                email: None,
                synthetic: true,
                organization_id: None,
                version: 1,
            });
        }
        let catalog = Arc::new(Catalog::new(Vec::new(), Vec::new()).expect("an empty catalog"));
        View::new(Snapshot::build(catalog, store, chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date")))
    }

    #[test]
    fn a_panic_while_updating_leaves_the_last_view_readable() {
        let index = DirectoryIndex::with(true, Duration::from_secs(60));
        index.install(view_of(3));
        index.update(|_| panic!("a bug while applying a change"));
        // The change is missing, so searches must not use the view as current...
        assert_eq!(index.state(), IndexState::Stale);
        assert!(index.current().is_none());
        // ...but it is whole, for answering while PostgreSQL cannot.
        assert_eq!(index.last().map(|view| view.provider_count()), Some(3));
        assert!(index.last().is_some_and(|view| view.provider_by_id(&Uuid::from_u128(2)).is_some()));
        // And the next reload serves again.
        index.install(view_of(4));
        assert_eq!(index.state(), IndexState::Ready);
        assert_eq!(index.current().map(|view| view.provider_count()), Some(4));
    }

    #[test]
    fn an_update_keeps_a_writers_stale_mark() {
        let index = DirectoryIndex::with(true, Duration::from_secs(60));
        index.install(view_of(3));
        index.invalidate();
        index.update(|view| view.with_replaced(&[Uuid::from_u128(1)], &Store::default()));
        assert_eq!(index.state(), IndexState::Stale, "only a reload makes the view current again");
        assert_eq!(index.last().map(|view| view.provider_count()), Some(2));
    }
}
