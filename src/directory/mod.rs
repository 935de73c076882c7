//! Where a read of the directory is answered, decided in one place; and the write path
//! that makes a write to the directory visible to its writer's next search.
//!
//! Every directory read has two implementations over one interface, [`Source`]: the
//! in-memory index's view (`directory_index`) and PostgreSQL. [`Directory::read`]
//! chooses between them by the read's [`Read`] rule:
//! - the index when the read prefers it and the index is current (ready: loaded and in
//!   step with the database); never a stale or missing one;
//! - otherwise PostgreSQL, and when PostgreSQL cannot answer (down, restarting,
//!   failing over) a public read gets the index's last view, for at most the stale
//!   limit after the index lost step;
//! - with the index disabled there is no view: PostgreSQL answers everything.
//!
//! The two implementations must answer alike; `tests/api/search_index.rs` holds them
//! to it (the contract test).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object;

use crate::db::DbPool;
use crate::directory_index::{DirectoryIndex, IndexState, View};
use crate::error::{AppError, AppResult};

/// What a read is answered from: one of the two implementations of the directory.
pub enum Source<'a> {
    /// The in-memory index's view.
    Index(&'a View),
    /// PostgreSQL.
    Database(&'a mut AsyncPgConnection),
}

/// The rule a read is routed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read {
    /// The index answers when it is current.
    prefers_index: bool,
    /// While PostgreSQL cannot answer, the index's last view does.
    public: bool,
}

impl Read {
    /// `searchProviders` with a point: ranked in memory when the index is current; a
    /// crisis line is still found while the database cannot answer.
    pub const SEARCH_NEAR: Read = Read { prefers_index: true, public: true };
    /// `searchProviders` without a point, by name: PostgreSQL's name index serves it;
    /// the last view while PostgreSQL cannot answer.
    pub const SEARCH_BY_NAME: Read = Read { prefers_index: false, public: true };
    /// The gap matrix (members only): counted in memory when the index is current,
    /// else by PostgreSQL; never from a stale view.
    pub const GAP_MATRIX: Read = Read { prefers_index: true, public: false };
    /// A provider's public listing and parts (phones, counties, flags) and reference
    /// data: PostgreSQL; the last view while PostgreSQL cannot answer.
    pub const PUBLIC_LISTING: Read = Read { prefers_index: false, public: true };

    /// The rule for a search, with or without a point.
    pub fn search(near: bool) -> Read {
        if near { Read::SEARCH_NEAR } else { Read::SEARCH_BY_NAME }
    }
}

/// The directory of one service instance: its index and the database.
#[derive(Clone)]
pub struct Directory {
    index: Arc<DirectoryIndex>,
    pool: DbPool,
}

impl Directory {
    /// The directory over `pool`, with `index` (started here when it is enabled).
    pub fn new(index: Arc<DirectoryIndex>, pool: DbPool) -> Self {
        index.start(pool.clone());
        Directory { index, pool }
    }

    /// Whether the index is serving (for `/healthz`).
    pub fn index_state(&self) -> IndexState {
        self.index.state()
    }

    /// Answers a read from the source its rule picks (see the module's doc). `answer`
    /// may run twice (it is cloned): on PostgreSQL, then on the last view when
    /// PostgreSQL failed.
    pub async fn read<T>(
        &self,
        read: Read,
        answer: impl AsyncFnOnce(Source<'_>) -> AppResult<T> + Clone,
    ) -> AppResult<T> {
        if read.prefers_index
            && let Some(view) = self.index.current()
        {
            return answer(Source::Index(&view)).await;
        }
        let from_database = match self.pool.get().await {
            Ok(mut conn) => answer.clone()(Source::Database(&mut conn)).await,
            Err(e) => Err(e.into()),
        };
        match from_database {
            // Any database failure counts, not only one classified as unavailable: a
            // statement cut off by a shutdown reaches diesel without a kind, and the
            // view's answer is right whatever the cause (which is logged).
            Err(err @ (AppError::Unavailable(_) | AppError::Internal(_))) if read.public => match self.index.last() {
                Some(view) => {
                    log_view_answer(&err);
                    answer(Source::Index(&view)).await
                }
                None => Err(err),
            },
            other => other,
        }
    }

    /// Runs `write`, a domain operation that writes what search reads, on a connection
    /// of its own; once it has succeeded, waits until this instance's index has the
    /// write, so the writer's next search finds it. The operations that write those
    /// tables take a [`Writer`], and this is the only way to get one.
    pub async fn write<T>(&self, write: impl AsyncFnOnce(&mut Writer) -> AppResult<T>) -> AppResult<T> {
        let mut writer = Writer(self.pool.get().await?);
        let written = write(&mut writer).await?;
        self.index.caught_up(&mut writer).await;
        Ok(written)
    }
}

/// A connection for writing what search reads (providers, services and their needs,
/// locations, service areas, phones, contacts, training, MOUs). Made only by
/// [`Directory::write`], which makes the write visible to the writer's next search; a
/// domain operation that writes those tables takes one, so it cannot be called
/// without.
pub struct Writer(Object<AsyncPgConnection>);

impl Deref for Writer {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.0
    }
}

impl DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.0
    }
}

/// Logs why a public read was answered from the index's last view.
fn log_view_answer(err: &AppError) {
    match err {
        AppError::Unavailable(cause) => {
            tracing::warn!(cause = %cause.log_description(), "database unavailable; answered from the directory snapshot")
        }
        AppError::Internal(cause) => {
            tracing::error!(cause = %cause.log_description(), "database failed; answered from the directory snapshot")
        }
        _ => {}
    }
}
