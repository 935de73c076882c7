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
//! PostgreSQL, so an answer is never served from a stale index.

pub mod geometry;
mod listen;
mod load;
pub mod query;
pub mod snapshot;
mod trees;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

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
    /// Loading, or reconnecting after a lost connection: searches use PostgreSQL.
    Loading,
    Ready,
}

impl IndexState {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Disabled => "disabled",
            IndexState::Loading => "loading",
            IndexState::Ready => "ready",
        }
    }
}

/// The in-memory directory of one service instance.
pub struct DirectoryIndex {
    enabled: bool,
    snapshot: RwLock<Option<Snapshot>>,
    /// Tells this instance's own catch-up markers from other instances'.
    instance: Uuid,
    next_marker: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
}

impl DirectoryIndex {
    /// An index that will be loaded once `start` runs.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::with(true))
    }

    /// An index that never loads: every search goes to PostgreSQL.
    pub fn disabled() -> Arc<Self> {
        Arc::new(Self::with(false))
    }

    fn with(enabled: bool) -> Self {
        DirectoryIndex {
            enabled,
            snapshot: RwLock::new(None),
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
        match (self.enabled, self.snapshot.read().map(|s| s.is_some()).unwrap_or(false)) {
            (false, _) => IndexState::Disabled,
            (true, false) => IndexState::Loading,
            (true, true) => IndexState::Ready,
        }
    }

    /// Runs `read` on the current snapshot; `None` when the index is not ready.
    pub fn read<R>(&self, read: impl FnOnce(&Snapshot) -> R) -> Option<R> {
        let guard = self.snapshot.read().ok()?;
        guard.as_ref().map(read)
    }

    fn install(&self, snapshot: Snapshot) {
        if let Ok(mut guard) = self.snapshot.write() {
            *guard = Some(snapshot);
        }
    }

    fn update(&self, change: impl FnOnce(&mut Snapshot)) {
        if let Ok(mut guard) = self.snapshot.write()
            && let Some(snapshot) = guard.as_mut()
        {
            change(snapshot);
        }
    }

    /// Drops the snapshot: searches go to PostgreSQL until the listener has reloaded.
    fn invalidate(&self) {
        if let Ok(mut guard) = self.snapshot.write() {
            *guard = None;
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
