//! The listener: LISTEN on the directory channel, load everything, then apply each
//! committed change as it is announced. A lost connection marks the snapshot stale
//! (searches go to PostgreSQL, and to the stale snapshot only while PostgreSQL cannot
//! answer) and starts over, because notifications sent while nobody listened are gone.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use std::panic::AssertUnwindSafe;

use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Object;
use futures_util::{FutureExt, StreamExt};
use uuid::Uuid;

use super::{CHANNEL, DirectoryIndex, IndexState, Snapshot, View, load};
use crate::db::DbPool;
use crate::error::{AppError, AppResult};

/// More changed providers than this in one batch are applied by reloading everything.
const RELOAD_ABOVE: usize = 5_000;
/// How often the date the flags are evaluated on is re-read.
const DATE_CHECK: Duration = Duration::from_secs(30);

/// Runs for the life of the process.
pub(super) async fn run(index: Arc<DirectoryIndex>, pool: DbPool) {
    supervise(&index, || session(&index, &pool)).await
}

/// Runs `session` again and again: one that ends (a lost connection, an error, even a
/// panic while loading or applying) leaves the view stale, and the next one reloads
/// everything, after a pause that grows while sessions keep failing fast.
async fn supervise<F>(index: &DirectoryIndex, mut session: impl FnMut() -> F)
where
    F: Future<Output = AppResult<()>>,
{
    let mut backoff = Duration::from_millis(200);
    loop {
        let started = std::time::Instant::now();
        let ended = AssertUnwindSafe(session()).catch_unwind().await;
        index.invalidate();
        match ended {
            Ok(Ok(())) => {}
            Ok(Err(err)) => crate::error::log_internal(&err),
            Err(_) => tracing::error!("directory index listener panicked"),
        }
        tracing::warn!(
            "directory index listener stopped; searches use PostgreSQL (or the last view while it cannot answer) until it reloads"
        );
        if started.elapsed() > Duration::from_secs(60) {
            backoff = Duration::from_millis(200);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// One connection's worth of listening. Returns when the connection is lost.
async fn session(index: &DirectoryIndex, pool: &DbPool) -> AppResult<()> {
    // A connection of its own, taken out of the pool for good: it holds the LISTEN.
    let mut listener = Object::take(pool.get().await.map_err(AppError::internal)?);
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut listener).await?;
    reload(index, pool).await?;
    let mut notifications = std::pin::pin!(listener.notifications_stream());
    let mut date_check = tokio::time::interval(DATE_CHECK);
    // A merge of the current view's changes into a new base, running on a thread of
    // its own, and the view it started from.
    let mut merging: Option<(Arc<View>, tokio::task::JoinHandle<Snapshot>)> = None;
    loop {
        tokio::select! {
            merged = async { match merging.as_mut() { Some((_, task)) => task.await, None => std::future::pending().await } } => {
                let (from, _) = merging.take().expect("a merge was running");
                match merged {
                    // Changes applied meanwhile are replayed onto the new base; a view
                    // reloaded meanwhile makes the merge moot.
                    Ok(base) => index.update(|now| now.rebased(&from, base).unwrap_or_else(|| now.clone())),
                    Err(err) => {
                        tracing::error!(%err, "merging the directory index's changes failed");
                        index.invalidate();
                    }
                }
            }
            next = notifications.next() => {
                let Some(first) = next else { return Ok(()) };
                let mut batch = vec![first?.payload];
                // Everything already delivered is applied together.
                while let Some(Some(more)) = notifications.next().now_or_never() {
                    batch.push(more?.payload);
                }
                apply(index, pool, batch, merging.is_some()).await?;
            }
            _ = date_check.tick() => {
                let today = load::current_date(&mut *pool.get().await.map_err(AppError::internal)?).await?;
                index.update(|view| view.on(today));
            }
        }
        if index.state() != IndexState::Ready {
            // A writer gave up waiting and dropped the snapshot (or an update failed).
            reload(index, pool).await?;
        }
        if merging.is_none()
            && let Some(view) = index.current().filter(|view| view.wants_merge())
        {
            let from = Arc::clone(&view);
            let merge = move || {
                let started = std::time::Instant::now();
                let base = from.merged();
                tracing::debug!(merge_us = started.elapsed().as_micros() as u64, "directory index changes merged");
                base
            };
            merging = Some((view, tokio::task::spawn_blocking(merge)));
        }
    }
}

async fn reload(index: &DirectoryIndex, pool: &DbPool) -> AppResult<()> {
    let started = std::time::Instant::now();
    let mut conn = pool.get().await.map_err(AppError::internal)?;
    let snapshot = load::everything(&mut conn).await?;
    let vetting = load::vetting(&mut conn).await?;
    drop(conn);
    tracing::info!(
        providers = snapshot.provider_count(),
        locations = snapshot.location_count(),
        ms = started.elapsed().as_millis() as u64,
        bytes = ?snapshot.approximate_bytes(),
        "directory index loaded"
    );
    index.install(View::new(snapshot).with_vetting(vetting));
    release_freed_memory();
    Ok(())
}

/// A load allocates and frees hundreds of thousands of rows across the runtime's
/// threads; glibc keeps such freed memory in its arenas, so the process would hold
/// the load's peak for good. Hand it back to the system.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)] // glibc's malloc_trim has no safe binding.
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no
    // memory in use and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Applies one batch of payloads: provider ids (comma-separated), `rooms:` and provider
/// ids (only their capacity changed), `*` for everything, `vetting` for the review
/// outcomes, or a writer's `sync:` marker. Everything the batch names is read at once
/// (one read of the providers, one of the room windows) and then every marker in it is
/// answered: a marker follows its write, so its write is in. Reading a burst of writes
/// together is what lets writes scale with clients. `merging`: a merge of the view's
/// changes is running (room windows then go into a new view, never in place).
async fn apply(index: &DirectoryIndex, pool: &DbPool, batch: Vec<String>, merging: bool) -> AppResult<()> {
    if !index.apply_lag.is_zero() {
        tokio::time::sleep(index.apply_lag).await;
    }
    let mut changed: HashSet<Uuid> = HashSet::new();
    let mut rooms: HashSet<Uuid> = HashSet::new();
    let mut markers: Vec<String> = Vec::new();
    let mut everything = false;
    let mut vetting = false;
    let ids = |list: &str| list.split(',').filter_map(|id| id.parse::<Uuid>().ok()).collect::<Vec<_>>();
    for payload in batch {
        if let Some(marker) = payload.strip_prefix("sync:") {
            markers.push(marker.to_owned());
        } else if payload == "*" {
            everything = true;
        } else if payload == VETTING {
            vetting = true;
        } else if let Some(list) = payload.strip_prefix(ROOMS) {
            rooms.extend(ids(list));
        } else {
            changed.extend(ids(&payload));
        }
    }
    if !everything {
        // Providers read whole get their rooms with the rest.
        rooms.retain(|id| !changed.contains(id));
        changed.extend(flush_rooms(index, pool, rooms, merging).await?);
    }
    flush(index, pool, &mut changed, &mut everything).await?;
    flush_vetting(index, pool, &mut vetting).await?;
    for marker in markers {
        index.marker_reached(&marker);
    }
    Ok(())
}

/// The prefix of a payload naming providers whose capacity alone changed (migration 23).
const ROOMS: &str = "rooms:";

/// Reads the room windows of `ids` again and writes them in place where the trees allow
/// (`View::set_rooms_in_place`, not while `merging`), else swaps them into a new view,
/// the providers otherwise as held; returns those that must be read whole.
async fn flush_rooms(index: &DirectoryIndex, pool: &DbPool, ids: HashSet<Uuid>, merging: bool) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let read = std::time::Instant::now();
    let rooms = load::rooms(&mut *pool.get().await.map_err(AppError::internal)?, &ids).await?;
    let applied = std::time::Instant::now();
    let copied = match index.current() {
        Some(view) if !merging => view.set_rooms_in_place(&ids, &rooms),
        _ => ids.clone(),
    };
    let mut whole = Vec::new();
    if !copied.is_empty() {
        index.update(|view| {
            let (next, rest) = view.with_rooms(&copied, &rooms);
            whole = rest;
            next
        });
    }
    tracing::debug!(
        providers = ids.len(),
        in_place = ids.len() - copied.len(),
        read_whole = whole.len(),
        read_us = (applied - read).as_micros() as u64,
        apply_us = applied.elapsed().as_micros() as u64,
        "directory index rooms updated"
    );
    Ok(whole)
}

/// The payload announcing a change to the review outcomes (migration 21).
const VETTING: &str = "vetting";

/// Reads the review outcomes again when they changed (a handful of rows: one per review).
async fn flush_vetting(index: &DirectoryIndex, pool: &DbPool, vetting: &mut bool) -> AppResult<()> {
    if std::mem::take(vetting) {
        let outcomes = load::vetting(&mut *pool.get().await.map_err(AppError::internal)?).await?;
        index.update(|view| view.with_vetting(outcomes.clone()));
    }
    Ok(())
}

async fn flush(
    index: &DirectoryIndex,
    pool: &DbPool,
    changed: &mut HashSet<Uuid>,
    everything: &mut bool,
) -> AppResult<()> {
    if *everything || changed.len() > RELOAD_ABOVE {
        reload(index, pool).await?;
    } else if !changed.is_empty() {
        let ids: Vec<Uuid> = changed.iter().copied().collect();
        let Some(catalog) = index.current().map(|view| Arc::clone(&view.catalog)) else {
            return reload(index, pool).await;
        };
        let read = std::time::Instant::now();
        let fresh = load::some(&mut *pool.get().await.map_err(AppError::internal)?, &catalog, &ids).await?;
        let applied = std::time::Instant::now();
        index.update(|view| view.with_replaced(&ids, &fresh));
        tracing::debug!(
            providers = ids.len(),
            read_us = (applied - read).as_micros() as u64,
            apply_us = applied.elapsed().as_micros() as u64,
            "directory index updated"
        );
    }
    changed.clear();
    *everything = false;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_listener_that_panics_is_started_again_and_reloads() {
        let index = DirectoryIndex::new(Duration::from_secs(60), Duration::ZERO);
        let sessions = Arc::new(AtomicUsize::new(0));
        let supervisor = {
            let (index, sessions) = (Arc::clone(&index), Arc::clone(&sessions));
            tokio::spawn(async move {
                let held = Arc::clone(&index);
                supervise(&held, || {
                    let (index, sessions) = (Arc::clone(&index), Arc::clone(&sessions));
                    async move {
                        if sessions.fetch_add(1, Ordering::SeqCst) == 0 {
                            panic!("a bug while loading the directory");
                        }
                        index.install(super::super::tests::view_of(2));
                        std::future::pending::<AppResult<()>>().await
                    }
                })
                .await
            })
        };
        for _ in 0..100 {
            if index.state() == IndexState::Ready {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(index.state(), IndexState::Ready, "the listener came back after its panic");
        assert_eq!(AtomicUsize::load(&sessions, Ordering::SeqCst), 2);
        assert!(!supervisor.is_finished());
        supervisor.abort();
    }
}
