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
//! (or everything, for `*`) and swaps them in. A write made through this instance waits
//! for its own change to be applied before it answers (`caught_up`), so a client always
//! finds what it just wrote. While the listener is not connected and loaded — at start,
//! after a lost connection — the index is not ready and every search goes to
//! PostgreSQL, so an answer is never served from a stale index while PostgreSQL can
//! give a current one.
//!
//! When PostgreSQL cannot answer (down, restarting, failing over), the last snapshot is
//! kept and public searches are answered from it (`read_last`), for at most the
//! configured stale limit after the listener lost its connection. Nothing can be
//! written while the database is down, so the snapshot is what the database last held;
//! the limit bounds what an instance cut off from a database others still write to
//! could miss.

mod change;
pub mod geometry;
mod listen;
mod load;
pub mod query;
pub mod snapshot;
mod trees;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::db::DbPool;
pub use snapshot::Snapshot;

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
    /// The listener lost its connection (or a write was not confirmed): searches use
    /// PostgreSQL, and the last snapshot only while PostgreSQL cannot answer.
    Stale,
    Ready,
}

impl IndexState {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Disabled => "disabled",
            IndexState::Loading => "loading",
            IndexState::Stale => "stale",
            IndexState::Ready => "ready",
        }
    }
}

/// The in-memory directory of one service instance.
pub struct DirectoryIndex {
    enabled: bool,
    snapshot: RwLock<Option<Snapshot>>,
    /// Since when the snapshot may miss changes (`None`: it is current).
    stale_since: Mutex<Option<Instant>>,
    /// How long after that a snapshot may still answer while PostgreSQL cannot.
    stale_limit: Duration,
    /// Tells this instance's own catch-up markers from other instances'.
    instance: Uuid,
    next_marker: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
}

impl DirectoryIndex {
    /// An index that will be loaded once `start` runs; its last snapshot answers
    /// public searches for up to `stale_limit` while PostgreSQL cannot.
    pub fn new(stale_limit: Duration) -> Arc<Self> {
        Arc::new(Self::with(true, stale_limit))
    }

    /// An index that never loads: every search goes to PostgreSQL.
    pub fn disabled() -> Arc<Self> {
        Arc::new(Self::with(false, Duration::ZERO))
    }

    fn with(enabled: bool, stale_limit: Duration) -> Self {
        DirectoryIndex {
            enabled,
            snapshot: RwLock::new(None),
            stale_since: Mutex::new(None),
            stale_limit,
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

    pub fn state(&self) -> IndexState {
        let held = self.snapshot.read().map(|s| s.is_some()).unwrap_or(false);
        match (self.enabled, held, self.stale_for()) {
            (false, _, _) => IndexState::Disabled,
            (true, false, _) => IndexState::Loading,
            (true, true, Some(_)) => IndexState::Stale,
            (true, true, None) => IndexState::Ready,
        }
    }

    /// How long the snapshot has been possibly behind the database (`None`: current).
    fn stale_for(&self) -> Option<Duration> {
        self.stale_since.lock().ok()?.map(|since| since.elapsed())
    }

    /// Runs `read` on the current snapshot; `None` when the index is not ready.
    pub fn read<R>(&self, read: impl FnOnce(&Snapshot) -> R) -> Option<R> {
        if self.stale_for().is_some() {
            return None;
        }
        let guard = self.snapshot.read().ok()?;
        guard.as_ref().map(read)
    }

    /// Runs `read` on the last snapshot, current or stale within the limit: for
    /// answering public reads while PostgreSQL cannot. `None` without one.
    pub fn read_last<R>(&self, read: impl FnOnce(&Snapshot) -> R) -> Option<R> {
        if self.stale_for().is_some_and(|age| age > self.stale_limit) {
            return None;
        }
        let guard = self.snapshot.read().ok()?;
        guard.as_ref().map(read)
    }

    fn install(&self, snapshot: Snapshot) {
        if let Ok(mut guard) = self.snapshot.write() {
            *guard = Some(snapshot);
            // Cleared under the snapshot's lock, so no reader sees the old one as current.
            if let Ok(mut stale) = self.stale_since.lock() {
                *stale = None;
            }
        }
    }

    fn update(&self, change: impl FnOnce(&mut Snapshot)) {
        if let Ok(mut guard) = self.snapshot.write()
            && let Some(snapshot) = guard.as_mut()
        {
            change(snapshot);
        }
    }

    /// Marks the snapshot stale: searches go to PostgreSQL until the listener has
    /// reloaded; the snapshot is kept for when PostgreSQL cannot answer.
    fn invalidate(&self) {
        if let Ok(_guard) = self.snapshot.write()
            && let Ok(mut stale) = self.stale_since.lock()
        {
            stale.get_or_insert_with(Instant::now);
        }
        // Writers waiting on a marker answer now; their reads go to PostgreSQL.
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.clear();
        }
    }

    /// Called after a directory write has committed: returns once the index has applied
    /// it (or at once when the index is not serving), so the writer's next search sees
    /// its write. Sends a marker on the channel after the commit; notifications arrive
    /// in commit order, so when the listener reaches the marker the write is applied.
    pub async fn caught_up(&self, pool: &DbPool) {
        if self.state() != IndexState::Ready {
            return;
        }
        let marker = self.next_marker.fetch_add(1, Ordering::Relaxed);
        let (done, applied) = oneshot::channel();
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.insert(marker, done);
        }
        let sent = match pool.get().await {
            Ok(mut conn) => diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<Text, _>(CHANNEL)
                .bind::<Text, _>(format!("sync:{}:{marker}", self.instance))
                .execute(&mut conn)
                .await
                .is_ok(),
            Err(_) => false,
        };
        if !sent || tokio::time::timeout(CATCH_UP_WAIT, applied).await.is_err() {
            tracing::warn!(sent, "directory index did not confirm a write in time");
            // Serve from PostgreSQL until the listener has reloaded, rather than risk
            // answering this writer from before its write.
            self.invalidate();
        }
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.remove(&marker);
        }
    }

    /// The listener reached one of this instance's markers.
    fn marker_reached(&self, payload: &str) {
        let Some((instance, marker)) = payload.rsplit_once(':') else { return };
        if instance != self.instance.to_string() {
            return;
        }
        let done = marker.parse().ok().and_then(|m: u64| self.waiting.lock().ok()?.remove(&m));
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
}
