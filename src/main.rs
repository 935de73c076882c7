//! The `lantern` command: serve, migrate, seed, admin, export-schema, hsds import/export.

use std::io::BufRead;
use std::net::TcpListener;

use anyhow::{Context, bail};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use lantern::config::{Config, ExposeSecret};
use lantern::db::seed::{self, SeedSet};
use lantern::startup::{self, ServerOptions};
use lantern::{graphql, organizations, telemetry};

const USAGE: &str = "usage: lantern <command>

commands:
  serve                    migrate, then serve HTTP on LANTERN_ADDR (default 127.0.0.1:8080)
  migrate                  apply pending database migrations
  seed [--reference-only]  load need categories, counties and the synthetic sample directory
  admin create-user --email EMAIL --name NAME --organization ORG
                           create a network admin; the password is read from stdin
                           (or LANTERN_ADMIN_PASSWORD); there is no default account
  export-schema [PATH]     write the GraphQL SDL (default graphql/schema.graphql)
  pii new-key [ID]         print a new key for LANTERN_PII_KEYS (id:base64key)
  bench-data --providers N replace the synthetic benchmark providers with N new ones
  hsds import PATH [--dry-run] [--skip-invalid] [--mapping FILE] [--source NAME]
                           import an HSDS 3.0 dataset (CSV data package folder, JSON or
                           NDJSON); prints a report (see README.md)
  hsds export DIR          write the directory as an HSDS 3.0 CSV data package and JSON

Without DATABASE_URL a project-local PostgreSQL cluster is created and started
(.lantern/postgres, port 54329). See README.md for every setting.";

fn main() -> anyhow::Result<()> {
    tune_malloc();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

/// Allocations at least this large are mapped from the system and handed back when freed.
const MMAP_THRESHOLD_BYTES: libc::c_int = 256 * 1024;

/// Keeps glibc's resident size near what the process uses. Set before any runtime
/// thread exists.
/// - glibc gives threads their own malloc arenas, up to eight per core; with a large,
///   long-lived heap (the directory index) each fragments on its own. One per core.
/// - glibc raises its mmap threshold each time a large mapped block is freed, so after
///   the first password hash (Argon2 works in ~19 MiB) such blocks come from an arena
///   and stay resident for good: 20-30 MB more after a few logins or a burst of gap
///   matrices. A fixed threshold keeps large, short-lived buffers out of the arenas.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)] // glibc's mallopt has no safe binding.
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // SAFETY: mallopt only changes allocator tuning; called before other threads run.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, cores as libc::c_int);
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        }
    }
}

async fn run() -> anyhow::Result<()> {
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve().await,
        Some("migrate") => {
            let config = Config::from_env()?;
            let urls = startup::migrate(&config).await.context("migrating")?;
            if urls.owner.is_none() {
                bail!("no owner connection: set LANTERN_MIGRATION_DATABASE_URL to migrate");
            }
            tracing::info!("migrations applied");
            Ok(())
        }
        Some("seed") => {
            let set = match args.get(1).map(String::as_str) {
                None => SeedSet::WithSampleDirectory,
                Some("--reference-only") => SeedSet::Reference,
                Some(other) => bail!("unknown seed option {other}\n\n{USAGE}"),
            };
            let mut conn = owner_connection().await?;
            seed::seed(&mut conn, set).await.context("seeding")?;
            tracing::info!(?set, "seed data loaded");
            Ok(())
        }
        Some("admin") if args.get(1).map(String::as_str) == Some("create-user") => create_admin(&args[2..]).await,
        Some("pii") if args.get(1).map(String::as_str) == Some("new-key") => {
            println!("{}", lantern::crypto::Keyring::new_key_spec(args.get(2).map(String::as_str).unwrap_or("k1")));
            Ok(())
        }
        Some("bench-data") => {
            let n: i64 = match (args.get(1).map(String::as_str), args.get(2)) {
                (Some("--providers"), Some(n)) => n.parse().context("--providers takes a number")?,
                _ => bail!("{USAGE}"),
            };
            let mut conn = owner_connection().await?;
            lantern::bench::generate(&mut conn, n).await.context("generating benchmark data")?;
            tracing::info!(providers = n, "benchmark data generated");
            Ok(())
        }
        Some("hsds") => hsds(&args[1..]).await,
        Some("export-schema") => {
            let path = args.get(1).map(String::as_str).unwrap_or("graphql/schema.graphql");
            std::fs::write(path, graphql::sdl()).with_context(|| format!("writing {path}"))?;
            Ok(())
        }
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

/// A connection as the tables' owner (migrated first): seeding and admin bootstrap
/// write reference tables the service role may only read.
async fn owner_connection() -> anyhow::Result<AsyncPgConnection> {
    let config = Config::from_env()?;
    let urls = startup::migrate(&config).await.context("preparing the database")?;
    let url = urls.owner.unwrap_or(urls.app);
    let mut conn = AsyncPgConnection::establish(url.expose_secret()).await.context("connecting")?;
    // Seed dates (`current_date - …`) are the network's, like the service's.
    lantern::db::use_clock(&mut conn, config.clock).await.context("setting the time zone")?;
    Ok(conn)
}

/// `lantern hsds import …` and `lantern hsds export DIR`.
async fn hsds(args: &[String]) -> anyhow::Result<()> {
    use lantern::hsds::{export, import};
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let has = |name: &str| args.iter().any(|a| a == name);
    match args.first().map(String::as_str) {
        Some("import") => {
            let Some(path) = args.get(1).filter(|p| !p.starts_with("--")) else { bail!("{USAGE}") };
            let config = Config::from_env()?;
            let geocoder = lantern::geocode::Geocoder::new(
                &config.geocoder_url,
                std::time::Duration::from_millis(config.geocoder_timeout_ms.into()),
                config.geocode_confidential,
            );
            let (tables, name) = import::read_dataset(std::path::Path::new(path)).map_err(anyhow::Error::msg)?;
            let mut conn = owner_connection().await?;
            let needs = lantern::needs::list(&mut conn, None).await?.into_iter().map(|n| n.code).collect();
            let mapping = match flag("--mapping") {
                Some(file) => import::Mapping::read(std::path::Path::new(&file), &needs).map_err(anyhow::Error::msg)?,
                None => import::Mapping::default(),
            };
            let options = import::ImportOptions {
                dry_run: has("--dry-run"),
                skip_invalid: has("--skip-invalid"),
                source: flag("--source"),
            };
            let source = options.source.clone().unwrap_or(name);
            let report = import::run(&mut conn, &geocoder, &tables, &source, &mapping, &options).await?;
            print!("{report}");
            if !report.rejected.is_empty() && !report.written && !options.dry_run {
                bail!("{} rows rejected: nothing imported", report.rejected.len());
            }
            Ok(())
        }
        Some("export") => {
            let Some(dir) = args.get(1) else { bail!("{USAGE}") };
            let mut conn = owner_connection().await?;
            let report = export::export(&mut conn, std::path::Path::new(dir)).await?;
            println!(
                "HSDS export to {dir}: {} organizations, {} services, {} locations ({} confidential: no address or coordinates), {} capacity figures",
                report.organizations,
                report.services,
                report.locations,
                report.confidential_locations,
                report.capacities
            );
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    startup::check_database_source(&config)?;
    let keyring = startup::keyring(&config)?;
    let (_, pool) = startup::prepare_database(&config).await.context("preparing the database")?;
    let listener = TcpListener::bind(config.addr).with_context(|| format!("binding {}", config.addr))?;
    tracing::info!(addr = %config.addr, mode = ?config.mode, "serving");
    let options = ServerOptions::from_config(&config, keyring);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relay = config.relay.then(|| {
        let relay_options = lantern::notify::relay::RelayOptions {
            allow_loopback: config.webhook_allow_loopback,
            ..Default::default()
        };
        let relay = lantern::notify::relay::Relay::new(pool.clone(), options.keyring.clone(), relay_options);
        tokio::spawn(relay.run(stopped, Some(options.geocoder.clone())))
    });
    startup::build_server(listener, pool, options)?.await?;
    let _ = stop.send(true);
    if let Some(relay) = relay {
        let _ = relay.await;
    }
    Ok(())
}

async fn create_admin(args: &[String]) -> anyhow::Result<()> {
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let (Some(email), Some(name), Some(organization)) = (flag("--email"), flag("--name"), flag("--organization"))
    else {
        bail!("{USAGE}");
    };
    let password = match std::env::var("LANTERN_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!("password (at least 12 characters), then Enter:");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the password")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let mut conn = owner_connection().await?;
    let user = organizations::bootstrap_admin(&mut conn, &email, &name, &organization, &password)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.public_message()))?;
    println!("network admin created: {user}");
    Ok(())
}
