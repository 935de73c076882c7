//! Wiring: database preparation, the HTTP server and its middleware.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::HttpMessage;
use actix_web::dev::{Server, Service};
use actix_web::{App, HttpServer, middleware, web};
use futures_util::FutureExt;
use tracing::Instrument;

use crate::auth::credentials::PasswordHashing;
use crate::clock::Clock;
use crate::config::{self, Config, DatabaseSource, ExposeSecret, Mode, RateLimits, SessionPolicy};
use crate::crypto::{Keyring, KeyringError};
use crate::db::{self, DbPool, DbSetupError, DbUrls};
use crate::directory::Directory;
use crate::directory_index::DirectoryIndex;
use crate::geocode::Geocoder;
use crate::graphql::{self, Services};
use crate::http::{self, HttpState};
use crate::rate_limit::RateLimiter;

/// Refuses to go on without `DATABASE_URL` unless this process may use the local
/// development cluster (see [`Config::local_cluster_allowed`]).
pub fn check_database_source(config: &Config) -> Result<(), DbSetupError> {
    match config.database {
        DatabaseSource::LocalCluster(_) if !config.local_cluster_allowed => Err(DbSetupError::NoDatabaseUrl),
        _ => Ok(()),
    }
}

/// Finds (or starts) the database and applies pending migrations with the owner's
/// connection, if there is one.
pub async fn migrate(config: &Config) -> Result<DbUrls, DbSetupError> {
    check_database_source(config)?;
    let urls = db::resolve(&config.database).await?;
    if let Some(owner) = &urls.owner {
        db::migrate(owner.expose_secret()).await?;
    }
    Ok(urls)
}

/// Everything `serve` needs of the database: migrated, and a pool for a role that cannot
/// bypass the database's guards. Refuses an unsafe role or a schema behind the build.
pub async fn prepare_database(config: &Config) -> Result<(DbUrls, DbPool), DbSetupError> {
    let urls = migrate(config).await?;
    let pool = db::pool_on(urls.app.expose_secret(), config.pool_size, config.statement_timeout_ms, config.clock)?;
    // The role first: an unsafe one is refused whatever else is wrong.
    db::check_service_role(&pool).await?;
    if !db::schema_is_current(&pool).await? {
        return Err(DbSetupError::PendingMigrations);
    }
    Ok((urls, pool))
}

/// How the HTTP server behaves.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Development or production.
    pub mode: Mode,
    /// How long login sessions last.
    pub sessions: SessionPolicy,
    /// How often callers may ask.
    pub rate_limits: RateLimits,
    /// Longest a GraphQL request may run, in milliseconds.
    pub request_timeout_ms: u32,
    /// Keys for clients' personal fields.
    pub keyring: Arc<Keyring>,
    /// The geocoder that places new addresses.
    pub geocoder: Arc<Geocoder>,
    /// Whether webhook URLs may point at loopback (development and tests only).
    pub webhook_allow_loopback: bool,
    /// Serve searches and the gap matrix from the in-memory directory index.
    pub search_index: bool,
    /// Where passwords are hashed and verified (bounded, off the async workers).
    pub passwords: Arc<PasswordHashing>,
    /// How long the index's last snapshot answers public searches while the database
    /// cannot.
    pub search_stale_limit: Duration,
    /// How long a verified token is honoured without the database while it cannot
    /// answer (zero: never).
    pub session_grace: Duration,
    /// For tests only (zero otherwise, and not configurable): how long the index's
    /// listener waits before applying each batch of changes, as a busy instance
    /// would, so a test can tell a write that waited for the index from one that did
    /// not.
    pub search_index_lag: Duration,
    /// Folder of the built web app; `None` serves the "not built" notice.
    pub web_dir: Option<std::path::PathBuf>,
    /// When the session cookie is marked Secure.
    pub cookie_secure: config::CookieSecure,
    /// The network's clock; the pool's connections must be on the same one
    /// (`db::pool_on`).
    pub clock: Clock,
}

impl ServerOptions {
    /// The options a configuration asks for.
    pub fn from_config(config: &Config, keyring: Keyring) -> Self {
        ServerOptions {
            mode: config.mode,
            sessions: config.sessions,
            rate_limits: config.rate_limits,
            request_timeout_ms: config.request_timeout_ms,
            keyring: Arc::new(keyring),
            geocoder: Arc::new(Geocoder::new(
                &config.geocoder_url,
                Duration::from_millis(config.geocoder_timeout_ms.into()),
                config.geocode_confidential,
            )),
            webhook_allow_loopback: config.webhook_allow_loopback,
            search_index: config.search_index,
            passwords: Arc::new(PasswordHashing::per_core()),
            search_stale_limit: Duration::from_secs(config.search_stale_seconds.into()),
            session_grace: Duration::from_secs(config.session_grace_seconds.into()),
            search_index_lag: Duration::ZERO,
            web_dir: Some(config.web_dir.clone()),
            cookie_secure: config.cookie_secure,
            clock: config.clock,
        }
    }
}

impl Default for ServerOptions {
    /// Defaults with a fresh random key and the UTC clock of `db::pool`: for tests, never
    /// for `serve`.
    fn default() -> Self {
        ServerOptions {
            mode: Mode::Production,
            sessions: config::DEFAULT_SESSION_POLICY,
            rate_limits: config::DEFAULT_RATE_LIMITS,
            request_timeout_ms: config::DEFAULT_REQUEST_TIMEOUT_MS,
            keyring: Arc::new(Keyring::parse(&Keyring::new_key_spec("ephemeral")).expect("a generated key parses")),
            // Nothing listens on the discard port: lookups fail fast and fall back.
            geocoder: Arc::new(Geocoder::new("http://127.0.0.1:9", Duration::from_millis(500), false)),
            webhook_allow_loopback: false,
            search_index: true,
            passwords: Arc::new(PasswordHashing::per_core()),
            search_stale_limit: Duration::from_secs(config::DEFAULT_SEARCH_STALE_SECONDS.into()),
            session_grace: Duration::from_secs(config::DEFAULT_SESSION_GRACE_SECONDS.into()),
            search_index_lag: Duration::ZERO,
            web_dir: None,
            cookie_secure: config::CookieSecure::Auto,
            clock: Clock::UTC,
        }
    }
}

/// The keys for personal fields: `LANTERN_PII_KEYS`, or with the local cluster a
/// development key kept beside it. A deployment without keys refuses to start.
pub fn keyring(config: &Config) -> Result<Keyring, KeyringError> {
    match (&config.pii_keys, &config.database) {
        (Some(spec), _) => Keyring::parse(spec.expose_secret()),
        (None, DatabaseSource::LocalCluster(cluster)) if config.local_cluster_allowed => {
            std::fs::create_dir_all(&cluster.dir).map_err(|e| KeyringError::from(e.to_string()))?;
            Keyring::development(&cluster.dir.join("pii-dev.key"))
        }
        (None, _) => {
            Err(KeyringError::from("LANTERN_PII_KEYS is required outside the local development cluster".to_owned()))
        }
    }
}

/// Starts the HTTP server on an already bound listener (tests bind port 0).
pub fn build_server(listener: TcpListener, pool: DbPool, options: ServerOptions) -> std::io::Result<Server> {
    let index = if options.search_index {
        DirectoryIndex::new(options.search_stale_limit, options.search_index_lag)
    } else {
        DirectoryIndex::disabled()
    };
    let services = Services {
        directory: Directory::new(index, pool.clone()),
        sessions: options.sessions.into(),
        verified_tokens: Arc::new(crate::auth::grace::VerifiedTokens::new(options.session_grace)),
        rate_limits: options.rate_limits,
        limiter: Arc::new(RateLimiter::default()),
        keyring: options.keyring,
        geocoder: options.geocoder,
        webhook_allow_loopback: options.webhook_allow_loopback,
        passwords: options.passwords,
        clock: options.clock,
    };
    let state = HttpState {
        schema: graphql::build_schema(pool.clone(), options.mode, services.clone()),
        pool,
        mode: options.mode,
        services,
        request_timeout: Duration::from_millis(u64::from(options.request_timeout_ms)),
        cookie_secure: options.cookie_secure,
        web_app: crate::web_app::WebApp::new(options.web_dir.as_deref()),
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .wrap(
                middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap_fn(|req, srv| {
                // Every request gets its id here, and a span carrying it around all its
                // work (the GraphQL layer adds the operation), so each log line written
                // while serving it names the id the caller was given.
                let request_id = uuid::Uuid::new_v4().to_string();
                req.extensions_mut().insert(http::RequestId(request_id.clone()));
                let span = tracing::info_span!("request", id = %request_id, operation = tracing::field::Empty);
                // Path only: query strings are never logged.
                let (method, path, started) = (req.method().clone(), req.path().to_owned(), Instant::now());
                let access = span.clone();
                srv.call(req).instrument(span).map(move |res| {
                    if let Ok(res) = &res {
                        let _in_request = access.enter();
                        tracing::info!(%method, %path, status = res.status().as_u16(),
                            ms = started.elapsed().as_millis() as u64, "request");
                    }
                    res
                })
            })
            .configure(http::routes)
    })
    .listen(listener)?
    .run();
    Ok(server)
}
