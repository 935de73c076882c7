//! The `lantern` command: serve, migrate, seed, export-schema.

use std::net::TcpListener;

use anyhow::{Context, bail};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use lantern::config::Config;
use lantern::db::seed::{self, SeedSet};
use lantern::{db, graphql, startup, telemetry};

const USAGE: &str = "usage: lantern <command>

commands:
  serve                    migrate, then serve HTTP on LANTERN_ADDR (default 127.0.0.1:8080)
  migrate                  apply pending database migrations
  seed [--reference-only]  load need categories, counties and the synthetic sample directory
  export-schema [PATH]     write the GraphQL SDL (default graphql/schema.graphql)

Without DATABASE_URL a project-local PostgreSQL cluster is created and started
(.lantern/postgres, port 54329). See README.md for every setting.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    match command {
        Some("serve") => serve().await,
        Some("migrate") => {
            let config = Config::from_env()?;
            startup::prepare_database(&config).await.context("preparing the database")?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Some("seed") => {
            let set = match args.get(1).map(String::as_str) {
                None => SeedSet::WithSampleDirectory,
                Some("--reference-only") => SeedSet::Reference,
                Some(other) => bail!("unknown seed option {other}\n\n{USAGE}"),
            };
            let config = Config::from_env()?;
            let (url, _) = startup::prepare_database(&config).await.context("preparing the database")?;
            let mut conn = AsyncPgConnection::establish(&url).await.context("connecting")?;
            seed::seed(&mut conn, set).await.context("seeding")?;
            tracing::info!(?set, "seed data loaded");
            Ok(())
        }
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

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let (_, pool) = startup::prepare_database(&config).await.context("preparing the database")?;
    let listener = TcpListener::bind(config.addr).with_context(|| format!("binding {}", config.addr))?;
    tracing::info!(addr = %config.addr, mode = ?config.mode, "serving");
    startup::build_server(listener, pool, config.mode)?.await?;
    let _ = db::MIGRATIONS;
    Ok(())
}
