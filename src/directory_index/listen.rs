//! The listener: LISTEN on the directory channel, load everything, then apply each
//! committed change as it is announced. A lost connection marks the snapshot stale
//! (searches go to PostgreSQL, and to the stale snapshot only while PostgreSQL cannot
//! answer) and starts over, because notifications sent while nobody listened are gone.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Object;
use futures_util::{FutureExt, StreamExt};
use uuid::Uuid;

use super::{CHANNEL, DirectoryIndex, IndexState, load};
use crate::db::DbPool;
use crate::error::{AppError, AppResult};

/// More changed providers than this in one batch are applied by reloading everything.
const RELOAD_ABOVE: usize = 5_000;
/// How often the date the flags are evaluated on is re-read.
const DATE_CHECK: Duration = Duration::from_secs(30);

/// Runs for the life of the process.
pub(super) async fn run(index: Arc<DirectoryIndex>, pool: DbPool) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let started = std::time::Instant::now();
        let err = session(&index, &pool).await.err();
        index.invalidate();
        if let Some(err) = err {
            crate::error::log_internal(&err);
        }
        tracing::warn!(
            "directory index listener stopped; searches use PostgreSQL (or this snapshot while it cannot answer) until it reloads"
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
    loop {
        tokio::select! {
            next = notifications.next() => {
                let Some(first) = next else { return Ok(()) };
                let mut batch = vec![first?.payload];
                // Everything already delivered is applied together.
                while let Some(Some(more)) = notifications.next().now_or_never() {
                    batch.push(more?.payload);
                }
                apply(index, pool, batch).await?;
            }
            _ = date_check.tick() => {
                let today = load::current_date(&mut *pool.get().await.map_err(AppError::internal)?).await?;
                index.update(|s| s.set_today(today));
            }
        }
        if index.state() != IndexState::Ready {
            // A writer gave up waiting and dropped the snapshot.
            reload(index, pool).await?;
        }
    }
}

async fn reload(index: &DirectoryIndex, pool: &DbPool) -> AppResult<()> {
    let started = std::time::Instant::now();
    let snapshot = load::everything(&mut *pool.get().await.map_err(AppError::internal)?).await?;
    tracing::info!(
        providers = snapshot.provider_count(),
        locations = snapshot.location_count(),
        ms = started.elapsed().as_millis() as u64,
        bytes = ?snapshot.approximate_bytes(),
        "directory index loaded"
    );
    index.install(snapshot);
    release_freed_memory();
    Ok(())
}

/// A load allocates and frees hundreds of thousands of rows across the runtime's
/// threads; glibc keeps such freed memory in its arenas, so the process would hold
/// the load's peak for good. Hand it back to the system.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no
    // memory in use and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Applies one batch of payloads in order: provider ids (comma-separated), `*` for
/// everything, or a writer's `sync:` marker, answered once what came before it is in.
async fn apply(index: &DirectoryIndex, pool: &DbPool, batch: Vec<String>) -> AppResult<()> {
    let mut changed: HashSet<Uuid> = HashSet::new();
    let mut everything = false;
    for payload in batch {
        if let Some(marker) = payload.strip_prefix("sync:") {
            // Apply what precedes the marker before answering it.
            flush(index, pool, &mut changed, &mut everything).await?;
            index.marker_reached(marker);
        } else if payload == "*" {
            everything = true;
        } else {
            changed.extend(payload.split(',').filter_map(|id| id.parse::<Uuid>().ok()));
        }
    }
    flush(index, pool, &mut changed, &mut everything).await
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
        let Some(catalog) = index.read(|s| Arc::clone(&s.catalog)) else {
            return reload(index, pool).await;
        };
        let fresh = load::some(&mut *pool.get().await.map_err(AppError::internal)?, &catalog, &ids).await?;
        index.update(|s| s.replace_providers(&ids, &fresh));
    }
    changed.clear();
    *everything = false;
    Ok(())
}
