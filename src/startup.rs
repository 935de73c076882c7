//! Wiring: database preparation, the HTTP server and its middleware.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, Service};
use actix_web::{App, HttpServer, middleware, web};
use futures_util::FutureExt;

use crate::config::{self, Config, DatabaseSource, Mode, RateLimits, SessionPolicy};
use crate::crypto::{Keyring, KeyringError};
use crate::db::{self, DbPool, DbSetupError, DbUrls};
use crate::directory_index::DirectoryIndex;
use crate::geocode::Geocoder;
use crate::graphql::{self, ServiceSettings};
use crate::http::{self, HttpState};
use crate::rate_limit::RateLimiter;

/// Finds (or starts) the database and applies pending migrations with the owner's
/// connection, if there is one.
pub async fn migrate(config: &Config) -> Result<DbUrls, DbSetupError> {
    let urls = db::resolve(&config.database).await?;
    if let Some(owner) = &urls.owner {
        db::migrate(owner).await?;
    }
    Ok(urls)
}

/// Everything `serve` needs of the database: migrated, and a pool for a role that cannot
/// bypass the database's guards. Refuses an unsafe role or a schema behind the build.
pub async fn prepare_database(config: &Config) -> Result<(DbUrls, DbPool), DbSetupError> {
    let urls = migrate(config).await?;
    let pool = db::pool(&urls.app, config.pool_size, config.statement_timeout_ms)?;
    if !db::schema_is_current(&pool).await? {
        return Err(DbSetupError::PendingMigrations);
    }
    db::check_service_role(&pool).await?;
    Ok((urls, pool))
}

/// How the HTTP server behaves.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub mode: Mode,
    pub sessions: SessionPolicy,
    pub rate_limits: RateLimits,
    pub request_timeout_ms: u32,
    /// Keys for clients' personal fields.
    pub keyring: Arc<Keyring>,
    pub geocoder: Arc<Geocoder>,
    pub webhook_allow_loopback: bool,
    /// Serve searches and the gap matrix from the in-memory directory index.
    pub search_index: bool,
    /// Folder of the built web app; `None` serves the "not built" notice.
    pub web_dir: Option<std::path::PathBuf>,
    pub cookie_secure: config::CookieSecure,
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
            web_dir: Some(config.web_dir.clone()),
            cookie_secure: config.cookie_secure,
        }
    }
}

impl Default for ServerOptions {
    /// Defaults with a fresh random key: for tests, never for `serve`.
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
            web_dir: None,
            cookie_secure: config::CookieSecure::Auto,
        }
    }
}

/// The keys for personal fields: `LANTERN_PII_KEYS`, or with the local cluster a
/// development key kept beside it. A deployment without keys refuses to start.
pub fn keyring(config: &Config) -> Result<Keyring, KeyringError> {
    match (&config.pii_keys, &config.database) {
        (Some(spec), _) => Keyring::parse(spec),
        (None, DatabaseSource::LocalCluster(cluster)) => {
            std::fs::create_dir_all(&cluster.dir).map_err(|e| KeyringError::from(e.to_string()))?;
            Keyring::development(&cluster.dir.join("pii-dev.key"))
        }
        (None, DatabaseSource::Urls { .. }) => {
            Err(KeyringError::from("LANTERN_PII_KEYS is required with DATABASE_URL".to_owned()))
        }
    }
}

/// Starts the HTTP server on an already bound listener (tests bind port 0).
pub fn build_server(listener: TcpListener, pool: DbPool, options: ServerOptions) -> std::io::Result<Server> {
    let directory = if options.search_index { DirectoryIndex::new() } else { DirectoryIndex::disabled() };
    directory.start(pool.clone());
    let settings = ServiceSettings {
        directory,
        auth: options.sessions.into(),
        rate_limits: options.rate_limits,
        limiter: Arc::new(RateLimiter::default()),
        keyring: options.keyring,
        geocoder: options.geocoder,
        webhook_allow_loopback: options.webhook_allow_loopback,
    };
    let state = HttpState {
        schema: graphql::build_schema(pool.clone(), options.mode, settings.clone()),
        pool,
        mode: options.mode,
        settings,
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
                // Path only: query strings are never logged.
                let (method, path, started) = (req.method().clone(), req.path().to_owned(), Instant::now());
                srv.call(req).map(move |res| {
                    if let Ok(res) = &res {
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
