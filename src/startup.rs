//! Wiring: database preparation, the HTTP server and its middleware.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::dev::{Server, Service};
use actix_web::{App, HttpServer, middleware, web};
use futures_util::FutureExt;

use crate::config::{Config, Mode};
use crate::db::{self, DbPool, DbSetupError};
use crate::graphql;
use crate::http::{self, HttpState};

/// Finds (or starts) the database, applies pending migrations and builds the pool.
pub async fn prepare_database(config: &Config) -> Result<(String, DbPool), DbSetupError> {
    let url = db::resolve_url(&config.database).await?;
    db::migrate(&url).await?;
    let pool = db::pool(&url, config.pool_size)?;
    Ok((url, pool))
}

/// Starts the HTTP server on an already bound listener (tests bind port 0).
pub fn build_server(listener: TcpListener, pool: DbPool, mode: Mode) -> std::io::Result<Server> {
    let state = HttpState { schema: graphql::build_schema(pool.clone(), mode), pool, mode };
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
