//! Database access: the connection pool, embedded migrations, the project-local cluster
//! and the generated diesel schema.

pub mod local_cluster;
pub mod schema;
pub mod seed;

use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseSource;

/// The pool every request borrows connections from.
pub type DbPool = Pool<AsyncPgConnection>;

/// Migrations compiled into the binary, so `lantern migrate` needs no files at run time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Failure to reach or prepare the database (start-up and CLI only).
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("local PostgreSQL cluster: {0}")]
    LocalCluster(#[from] local_cluster::ClusterError),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("could not build the connection pool: {0}")]
    Pool(String),
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Resolves where the database is, starting the project-local cluster when no
/// `DATABASE_URL` was given, and returns a connection URL.
pub async fn resolve_url(source: &DatabaseSource) -> Result<String, DbSetupError> {
    match source {
        DatabaseSource::Url(url) => Ok(url.clone()),
        DatabaseSource::LocalCluster(cluster) => {
            let cluster = cluster.clone();
            let url = tokio::task::spawn_blocking(move || local_cluster::ensure_running(&cluster))
                .await
                .map_err(|e| DbSetupError::Pool(e.to_string()))??;
            Ok(url.database_url(local_cluster::APP_DATABASE))
        }
    }
}

/// Builds the connection pool (connections are opened lazily).
pub fn pool(url: &str, size: usize) -> Result<DbPool, DbSetupError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| DbSetupError::Pool(e.to_string()))
}

/// Applies every pending migration.
///
/// diesel-async's harness blocks in place, which only a multi-thread runtime allows, so
/// it runs on a thread with a small runtime of its own whatever runtime the caller is on.
pub async fn migrate(url: &str) -> Result<(), DbSetupError> {
    let url = url.to_owned();
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let outcome = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| DbSetupError::Migrate(e.to_string()))
            .and_then(|rt| {
                rt.block_on(async {
                    let conn = AsyncPgConnection::establish(&url).await?;
                    let mut harness = AsyncMigrationHarness::new(conn);
                    harness
                        .run_pending_migrations(MIGRATIONS)
                        .map(|_| ())
                        .map_err(|e| DbSetupError::Migrate(e.to_string()))
                })
            });
        let _ = done.send(outcome);
    });
    result.await.map_err(|_| DbSetupError::Migrate("migration thread ended unexpectedly".into()))?
}
