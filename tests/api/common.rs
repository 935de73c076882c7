//! Test harness: a real PostgreSQL + PostGIS and the real server over real HTTP.
//!
//! A template database is migrated and seeded once per run (keyed by a fingerprint of
//! the migrations and seed data, so a change rebuilds it); every test gets its own
//! database cloned from it with `CREATE DATABASE … TEMPLATE`, dropped when the test ends.
//! Without `DATABASE_URL` the project-local cluster is started, as for `lantern serve`.

use std::net::TcpListener;
use std::path::Path;

use lantern::config::{Config, DatabaseSource, ExposeSecret, Mode, RateLimits};
use lantern::db::{self, local_cluster, seed};
use lantern::startup::ServerOptions;
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tokio_postgres::NoTls;

static TEMPLATE: OnceCell<Template> = OnceCell::const_new();

#[derive(Clone)]
struct Template {
    admin_url: String,
    name: String,
}

/// A running server on its own database.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    /// The test database as its owner (for fixtures and independent checks).
    pub db_url: String,
    /// The test database as the service role.
    pub app_db_url: String,
    db_name: String,
    admin_url: String,
    /// The server's key ring (to run a relay beside it).
    pub keyring: std::sync::Arc<lantern::crypto::Keyring>,
}

/// Rate limits off, so tests can make many requests; rate-limit tests set their own.
pub const NO_LIMITS: RateLimits =
    RateLimits { api_per_ip: 0, api_per_token: 0, login_per_ip: 0, login_per_email_ip: 0, login_per_email: 0 };

/// A throwaway password for fake test users.
pub const PASSWORD: &str = "correct horse battery staple";

fn url_with_user(url: &str, user: &str) -> String {
    // postgres://user@host/db -> postgres://<user>@host/db (trust auth on the test cluster).
    let rest = url.strip_prefix("postgres://").unwrap_or(url);
    let host_part = rest.split_once('@').map_or(rest, |(_, h)| h);
    format!("postgres://{user}@{host_part}")
}

fn url_with_database(url: &str, database: &str) -> String {
    // postgres://user@host:port/db?params -> swap the path segment.
    let (base, params) = url.split_once('?').map(|(b, p)| (b, Some(p))).unwrap_or((url, None));
    let cut = base.rfind('/').filter(|&i| i > "postgres://".len()).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..cut], database);
    if let Some(p) = params {
        out.push('?');
        out.push_str(p);
    }
    out
}

/// FNV-1a over the files that shape the template, so any change rebuilds it.
fn fingerprint() -> u64 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["migrations", "seed-data"] {
        collect_files(&root.join(dir), &mut files);
    }
    files.push(root.join("src/db/seed.rs"));
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        for byte in file.to_string_lossy().bytes().chain(std::fs::read(&file).unwrap()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

async fn admin_client(admin_url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls).await.expect("connect to admin database");
    tokio::spawn(connection);
    client
}

async fn template() -> Template {
    TEMPLATE
        .get_or_init(|| async {
            let config = Config::from_env().expect("configuration");
            let admin_url = match &config.database {
                DatabaseSource::Urls { owner, app } => {
                    url_with_database(owner.as_ref().unwrap_or(app).expose_secret(), "postgres")
                }
                DatabaseSource::LocalCluster(cluster) => {
                    let cluster = cluster.clone();
                    tokio::task::spawn_blocking(move || local_cluster::ensure_running(&cluster))
                        .await
                        .unwrap()
                        .expect("start the local PostgreSQL cluster")
                        .database_url("postgres")
                }
            };
            let name = format!("lantern_tpl_{:016x}", fingerprint());
            let admin = admin_client(&admin_url).await;
            // Serialize template builds across test processes.
            admin.execute("SELECT pg_advisory_lock(7317001)", &[]).await.unwrap();
            let exists =
                admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await.unwrap().is_some();
            if !exists {
                let stale = admin
                    .query("SELECT datname FROM pg_database WHERE datname LIKE 'lantern\\_tpl\\_%'", &[])
                    .await
                    .unwrap();
                for row in stale {
                    let old: String = row.get(0);
                    admin.execute(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)"), &[]).await.unwrap();
                }
                let building = format!("{name}_building");
                admin.execute(&format!("CREATE DATABASE \"{building}\""), &[]).await.unwrap();
                let url = url_with_database(&admin_url, &building);
                db::migrate(&url).await.expect("migrate template");
                {
                    use diesel_async::AsyncConnection;
                    let mut conn = diesel_async::AsyncPgConnection::establish(&url).await.unwrap();
                    seed::seed(&mut conn, seed::SeedSet::WithSampleDirectory).await.expect("seed template");
                }
                // Publish atomically, so a half-built template is never cloned.
                admin.execute(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""), &[]).await.unwrap();
            }
            admin.execute("SELECT pg_advisory_unlock(7317001)", &[]).await.unwrap();
            Template { admin_url, name }
        })
        .await
        .clone()
}

impl TestApp {
    /// A production-mode server on a fresh copy of the seeded template.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(ServerOptions {
            rate_limits: NO_LIMITS,
            webhook_allow_loopback: true,
            ..ServerOptions::default()
        })
        .await
    }

    /// A server in the given mode on a fresh copy of the seeded template.
    pub async fn spawn_in(mode: Mode) -> TestApp {
        Self::spawn_with(ServerOptions { mode, rate_limits: NO_LIMITS, ..ServerOptions::default() }).await
    }

    /// A server with the given options on a fresh copy of the seeded template.
    pub async fn spawn_with(options: ServerOptions) -> TestApp {
        let template = template().await;
        let db_name = format!("lantern_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_client(&template.admin_url).await;
        let create = format!("CREATE DATABASE \"{db_name}\" TEMPLATE \"{}\"", template.name);
        // Cloning needs the template to be idle; another test's clone may hold it briefly.
        let mut attempt = 0;
        while let Err(e) = admin.execute(&create, &[]).await {
            attempt += 1;
            assert!(attempt < 50, "could not clone the template: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let db_url = url_with_database(&template.admin_url, &db_name);
        let app_db_url = url_with_user(&db_url, db::APP_ROLE);
        // The pool's connections keep the server's clock (UTC unless a test sets one).
        let pool = db::pool_on(&app_db_url, 8, 5_000, options.clock).expect("pool");
        db::check_service_role(&pool).await.expect("tests run the service as its unprivileged role");
        let indexed = options.search_index;
        let app = Self::serve(pool, options, db_url, app_db_url, db_name, template.admin_url);
        if indexed {
            app.wait_for_search_index().await;
        }
        app
    }

    /// A second server on this server's database (dropped with the first, not with it).
    pub async fn spawn_beside(&self, options: ServerOptions) -> TestApp {
        let pool = db::pool_on(&self.app_db_url, 8, 5_000, options.clock).expect("pool");
        let indexed = options.search_index;
        let app = Self::serve(
            pool,
            options,
            self.db_url.clone(),
            self.app_db_url.clone(),
            String::new(),
            self.admin_url.clone(),
        );
        if indexed {
            app.wait_for_search_index().await;
        }
        app
    }

    /// The `searchIndex` state `/healthz` reports.
    pub async fn search_index_state(&self) -> String {
        let body: Value = self
            .client
            .get(format!("{}/healthz", self.base_url))
            .send()
            .await
            .expect("healthz")
            .json()
            .await
            .expect("JSON");
        body["searchIndex"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the in-memory directory index serves searches.
    pub async fn wait_for_search_index(&self) {
        for _ in 0..300 {
            if self.search_index_state().await == "ready" {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the directory index did not load within 15 s");
    }

    /// A server whose pool is given as is (used to test a dead database).
    pub fn spawn_with_pool(pool: db::DbPool) -> TestApp {
        Self::serve(pool, ServerOptions::default(), String::new(), String::new(), String::new(), String::new())
    }

    fn serve(
        pool: db::DbPool,
        options: ServerOptions,
        db_url: String,
        app_db_url: String,
        db_name: String,
        admin_url: String,
    ) -> TestApp {
        let keyring = options.keyring.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let server = lantern::startup::build_server(listener, pool, options).expect("server");
        tokio::spawn(server);
        TestApp {
            base_url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            db_url,
            app_db_url,
            db_name,
            admin_url,
            keyring,
        }
    }

    /// POSTs a GraphQL operation and returns the whole JSON response, asserting HTTP 200.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "GraphQL over HTTP answers 200");
        response.json().await.expect("JSON body")
    }

    /// POSTs a GraphQL operation with a bearer token; returns status and body.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.base_url))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Like [`gql_as`], asserting success, and returning `data`.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql_as(token, query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Creates a network admin the way an operator would (the CLI's bootstrap), logs
    /// in over the API and returns the token.
    pub async fn network_admin(&self) -> String {
        use diesel_async::AsyncConnection;
        let email = format!("admin-{}@lantern.test", uuid::Uuid::new_v4().simple());
        let mut conn = diesel_async::AsyncPgConnection::establish(&self.db_url).await.unwrap();
        lantern::organizations::bootstrap_admin(
            &mut conn,
            &email,
            "Test Admin (fake)",
            "Network Office (test)",
            PASSWORD,
        )
        .await
        .expect("bootstrap admin");
        self.login(&email, None).await
    }

    /// Logs in over the API and returns the token.
    pub async fn login(&self, email: &str, organization: Option<&str>) -> String {
        let data = self
            .data(
                "mutation($e: String!, $p: String!, $o: ID) { login(email: $e, password: $p, organizationId: $o) { token } }",
                json!({ "e": email, "p": PASSWORD, "o": organization }),
            )
            .await;
        data["login"]["token"].as_str().unwrap().to_owned()
    }

    /// Creates an organization through the API (as `admin`) and returns its id.
    pub async fn organization(&self, admin: &str, name: &str) -> String {
        let data = self
            .data_as(
                admin,
                "mutation($n: String!) { createOrganization(input: { name: $n }) { id } }",
                json!({ "n": name }),
            )
            .await;
        data["createOrganization"]["id"].as_str().unwrap().to_owned()
    }

    /// Onboards a fake person into `org` with `role` the way the product does (invite,
    /// accept, log in) and returns `(user id, email, token)`.
    pub async fn member(&self, admin: &str, org: &str, role: &str) -> (String, String, String) {
        let email = format!("{}-{}@lantern.test", role.to_lowercase(), uuid::Uuid::new_v4().simple());
        let invited = self
            .data_as(
                admin,
                "mutation($i: InviteUserInput!) { inviteUser(input: $i) { userId invitationToken } }",
                json!({ "i": { "email": email, "displayName": "Pat Example (fake)", "organizationId": org, "role": role } }),
            )
            .await;
        let token = invited["inviteUser"]["invitationToken"].as_str().unwrap();
        self.data(
            "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }",
            json!({ "t": token, "p": PASSWORD }),
        )
        .await;
        let user = invited["inviteUser"]["userId"].as_str().unwrap().to_owned();
        let session = self.login(&email, Some(org)).await;
        (user, email, session)
    }

    /// Like [`gql`], asserting there were no errors, and returning `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// A direct connection to this test's database, for fixtures and independent checks.
    pub async fn sql(&self) -> tokio_postgres::Client {
        admin_client(&self.db_url).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.db_name.is_empty() {
            return;
        }
        let (admin_url, db_name) = (self.admin_url.clone(), self.db_name.clone());
        // Drop runs inside the test's runtime; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok((client, conn)) = tokio_postgres::connect(&admin_url, NoTls).await {
                    tokio::spawn(conn);
                    let _ = client.execute(&format!("DROP DATABASE IF EXISTS \"{db_name}\" WITH (FORCE)"), &[]).await;
                }
            });
        })
        .join();
    }
}

/// The first error's `extensions.code`, or "" when there is none.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

/// The synthetic sample directory as committed.
pub fn sample_directory() -> Value {
    serde_json::from_str(lantern::db::seed::SAMPLE_DIRECTORY_JSON).unwrap()
}
