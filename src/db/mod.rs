//! Database access: the connection pool, embedded migrations, the project-local cluster
//! and the generated diesel schema.

pub mod functions;
pub mod local_cluster;
pub mod rls;
pub mod schema;
pub mod seed;
pub mod text;

pub use text::StoredText;

use diesel::IntoSql;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer, Text};
use diesel_async::pooled_connection::deadpool::{Hook, HookError, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

use crate::clock::Clock;
use crate::config::{DatabaseSource, SecretString};

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
    #[error(
        "refusing to start: the service's database role {0}; connect as a role that is not superuser, owns no tables, is no member of a table owner's role and lacks BYPASSRLS (e.g. lantern_app), and migrate with LANTERN_MIGRATION_DATABASE_URL"
    )]
    UnsafeRole(String),
    #[error(
        "the database schema is behind this build and no owner connection was given to migrate it: run `lantern migrate` with LANTERN_MIGRATION_DATABASE_URL"
    )]
    PendingMigrations,
    #[error(
        "DATABASE_URL is required in production mode; for the project-local development cluster set LANTERN_ENV=development (or LANTERN_LOCAL_CLUSTER=true)"
    )]
    NoDatabaseUrl,
}

/// Connection URLs: the service's, and the owner's for migrations and seeding.
/// Secret: a URL may carry a password (`Debug` shows neither).
#[derive(Clone, Debug)]
pub struct DbUrls {
    pub app: SecretString,
    pub owner: Option<SecretString>,
}

/// The role the service connects as (created by the service-role migration).
pub const APP_ROLE: &str = "lantern_app";

/// Resolves where the database is, starting the project-local cluster when no
/// `DATABASE_URL` was given. In the local cluster the owner is its superuser and the
/// service connects as [`APP_ROLE`].
pub async fn resolve(source: &DatabaseSource) -> Result<DbUrls, DbSetupError> {
    match source {
        DatabaseSource::Urls { app, owner } => Ok(DbUrls { app: app.clone(), owner: owner.clone() }),
        DatabaseSource::LocalCluster(cluster) => {
            let cluster = cluster.clone();
            let url = tokio::task::spawn_blocking(move || local_cluster::ensure_running(&cluster))
                .await
                .map_err(|e| DbSetupError::Pool(e.to_string()))??;
            Ok(DbUrls {
                app: url.database_url_as(APP_ROLE, local_cluster::APP_DATABASE).into(),
                owner: Some(url.database_url(local_cluster::APP_DATABASE).into()),
            })
        }
    }
}

/// A pooled connection last handed out longer ago than this is checked with a round trip
/// before it is handed out again; one used more recently is handed out as it is (the
/// same bypass window HikariCP uses by default).
pub const VERIFY_AFTER_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Longest wait for a free pooled connection before the request is answered
/// `UNAVAILABLE` (every connection busy: the database is overloaded or stalled).
pub const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Longest a new connection (or the check of an idle one) may take: a database host
/// that does not answer at all must not hold requests until TCP gives up (minutes).
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// [`pool_on`] with connections on UTC: for tests and tools that compute their dates
/// in UTC. The service uses [`pool_on`] with the network's clock.
pub fn pool(url: &str, size: usize, statement_timeout_ms: u32) -> Result<DbPool, DbSetupError> {
    pool_on(url, size, statement_timeout_ms, Clock::UTC)
}

/// Makes `conn`'s dates the network's: its `TimeZone` is `clock`'s, so `current_date`
/// and `timestamptz::date` are the day [`Clock::today`] gives.
pub async fn use_clock(conn: &mut AsyncPgConnection, clock: Clock) -> Result<(), diesel::result::Error> {
    diesel::select(functions::set_config("TimeZone", clock.zone_name(), false)).execute(conn).await.map(|_| ())
}

/// Builds the connection pool (connections are opened lazily). Every connection gets
/// `statement_timeout` so no query can hold a connection indefinitely, and `clock`'s
/// time zone so SQL's dates are the network's (see [`crate::clock`]).
///
/// A `SELECT 1` on every checkout would add a round trip to every request (two, for a
/// request that authenticates and then resolves). Instead a connection whose socket has
/// closed (the server restarted, or ended the backend) is dropped as soon as its driver
/// notices, and a connection idle for [`VERIFY_AFTER_IDLE`] is checked first. What is
/// left is a request in the instant after the server ends a connection that was in use
/// a moment before: it can fail once, as one in flight at that moment would anyway.
pub fn pool_on(url: &str, size: usize, statement_timeout_ms: u32, clock: Clock) -> Result<DbPool, DbSetupError> {
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            diesel::select(functions::set_config("statement_timeout", statement_timeout_ms.to_string(), false))
                .execute(&mut conn)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            use_clock(&mut conn, clock).await.map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    let verify_if_idle = Hook::<AsyncPgConnection>::async_fn(|conn, metrics| {
        let idle = metrics.last_used() >= VERIFY_AFTER_IDLE;
        Box::pin(async move {
            if idle {
                diesel::select(1_i32.into_sql::<Integer>())
                    .get_result::<i32>(conn)
                    .await
                    .map_err(|e| HookError::Message(format!("idle connection failed its check: {e}").into()))?;
            }
            Ok(())
        })
    });
    Pool::builder(manager)
        .max_size(size)
        .pre_recycle(verify_if_idle)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| DbSetupError::Pool(e.to_string()))
}

#[derive(QueryableByName)]
struct RoleFacts {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    superuser: bool,
    #[diesel(sql_type = Bool)]
    bypass_rls: bool,
    #[diesel(sql_type = Bool)]
    owns_tables: bool,
    /// An owner of the service's tables whose member the role is, if any.
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    member_of_owner: Option<String>,
}

/// Refuses a service connection whose role could bypass the database's own guards: a
/// superuser, a table owner (owners bypass row-level security), a BYPASSRLS role, or a
/// member of a table owner's role: one that inherits its rights, or can `SET ROLE` to
/// it (`pg_has_role(…, 'MEMBER')` covers both, directly or through other roles).
pub async fn check_service_role(pool: &DbPool) -> Result<(), DbSetupError> {
    let mut conn = pool.get().await.map_err(|e| DbSetupError::Pool(e.to_string()))?;
    let facts: RoleFacts = diesel::sql_query(
        "WITH owners AS (SELECT DISTINCT c.relowner AS oid FROM pg_class c
                           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')
         SELECT r.rolname::text AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
                EXISTS (SELECT 1 FROM owners o WHERE o.oid = r.oid) AS owns_tables,
                (SELECT min(o.rolname)::text FROM owners JOIN pg_roles o ON o.oid = owners.oid
                  WHERE o.oid <> r.oid AND pg_has_role(r.oid, o.oid, 'MEMBER')) AS member_of_owner
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .get_result(&mut *conn)
    .await?;
    let problem = if facts.superuser {
        Some("is a superuser".to_owned())
    } else if facts.bypass_rls {
        Some("has BYPASSRLS".to_owned())
    } else if facts.owns_tables {
        Some("owns tables".to_owned())
    } else {
        facts.member_of_owner.map(|owner| format!("is a member of {owner}, which owns tables"))
    };
    match problem {
        Some(p) => Err(DbSetupError::UnsafeRole(format!("{} {p}", facts.name))),
        None => Ok(()),
    }
}

/// Whether every embedded migration has been applied (read with the service's role).
pub async fn schema_is_current(pool: &DbPool) -> Result<bool, DbSetupError> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let mut conn = pool.get().await.map_err(|e| DbSetupError::Pool(e.to_string()))?;
    let applied: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load(&mut *conn).await.unwrap_or_default();
    let applied: std::collections::HashSet<String> = applied.into_iter().map(|v| v.version).collect();
    let embedded = diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| DbSetupError::Migrate(e.to_string()))?;
    Ok(embedded.iter().all(|m| applied.contains(&m.name().version().to_string())))
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
