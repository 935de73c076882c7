//! A project-local PostgreSQL cluster, created and started on demand with the system's
//! `initdb` and `pg_ctl`, so that `lantern serve` and the test suite need nothing else
//! running. Used only when `DATABASE_URL` is not set.
//!
//! The data lives in a git-ignored folder (`.lantern/postgres` by default) and listens on
//! 127.0.0.1 at a non-default port. PostgreSQL refuses to run as root, so when we are
//! root the cluster is owned by, and run as, the `postgres` system user.
//!
//! Durability is traded for speed (`fsync=off`): this cluster holds development and test
//! data only. Production deployments set `DATABASE_URL`.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::LocalClusterConfig;

/// Database the service uses inside the local cluster.
pub const APP_DATABASE: &str = "lantern";
/// Superuser of the local cluster (trust authentication on loopback only).
pub const SUPERUSER: &str = "postgres";

/// Why the local cluster could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No PostgreSQL server binaries on this machine.
    #[error(
        "PostgreSQL server binaries not found (looked for initdb in LANTERN_PG_BIN, /usr/lib/postgresql/*/bin and PATH); install postgresql-15 and postgresql-15-postgis-3, e.g. with `make deps`"
    )]
    BinariesNotFound,
    /// A PostgreSQL tool (initdb, pg_ctl, createdb…) failed.
    #[error("{step} failed: {detail}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// What the tool said.
        detail: String,
    },
    /// A file or folder of the cluster could not be read or written.
    #[error("I/O on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

/// Where a started local cluster can be reached.
#[derive(Clone, Debug)]
pub struct LocalClusterUrl {
    port: u16,
}

impl LocalClusterUrl {
    /// Superuser connection URL for `database` on the local cluster.
    pub fn database_url(&self, database: &str) -> String {
        self.database_url_as(SUPERUSER, database)
    }

    /// Connection URL for `database` as `role` (trust authentication on loopback).
    pub fn database_url_as(&self, role: &str, database: &str) -> String {
        format!("postgres://{role}@127.0.0.1:{}/{database}", self.port)
    }
}

/// Creates the cluster if needed, starts it if it is not running, and makes sure the
/// application database exists. Safe to call from several processes at once: they
/// serialize on a lock file.
pub fn ensure_running(config: &LocalClusterConfig) -> Result<LocalClusterUrl, ClusterError> {
    let bin = find_bin_dir()?;
    let run_as_postgres = is_root();
    fs::create_dir_all(&config.dir).map_err(|e| io_err(&config.dir, e))?;
    let mut dir = config.dir.canonicalize().map_err(|e| io_err(&config.dir, e))?;
    if run_as_postgres && !postgres_can_enter(&dir) {
        // A checkout under a private home folder is out of the postgres user's reach;
        // keep the cluster in a per-checkout folder under the system's temp dir instead.
        dir = std::env::temp_dir().join(format!("lantern-postgres-{:016x}", path_hash(&dir)));
        fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    }
    let lock_path = dir.join("cluster.lock");
    let lock = File::create(&lock_path).map_err(|e| io_err(&lock_path, e))?;
    lock.lock().map_err(|e| io_err(&lock_path, e))?;

    let data = dir.join("data");
    if !data.join("PG_VERSION").exists() {
        fs::create_dir_all(&data).map_err(|e| io_err(&data, e))?;
        if run_as_postgres {
            chown_postgres(&dir)?;
        }
        run(
            "initdb",
            pg_command(&bin, "initdb", run_as_postgres).arg("-D").arg(&data).args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]),
        )?;
    }
    let status = pg_command(&bin, "pg_ctl", run_as_postgres)
        .arg("status")
        .arg("-D")
        .arg(&data)
        .output()
        .map_err(|e| step_err("pg_ctl status", e))?;
    if !status.status.success() {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            config.port
        );
        run(
            "pg_ctl start",
            pg_command(&bin, "pg_ctl", run_as_postgres)
                .arg("start")
                .arg("-w")
                .args(["-t", "60"])
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("postgres.log"))
                .args(["-o", &options]),
        )?;
    }
    let url = LocalClusterUrl { port: config.port };
    create_database_if_missing(&bin, config.port, APP_DATABASE)?;
    drop(lock);
    Ok(url)
}

/// Restarts a running local cluster (fast shutdown: open connections are cut), as a
/// crash-and-recover drill for the outbox relay's tests.
pub fn restart(config: &LocalClusterConfig) -> Result<(), ClusterError> {
    let bin = find_bin_dir()?;
    let dir = config.dir.canonicalize().map_err(|e| io_err(&config.dir, e))?;
    run(
        "pg_ctl restart",
        // -l keeps the new postmaster off our stdout: otherwise it inherits the pipe and
        // waiting for pg_ctl's output never ends.
        pg_command(&bin, "pg_ctl", is_root())
            .arg("restart")
            .arg("-w")
            .args(["-m", "fast", "-t", "60"])
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("postgres.log")),
    )
}

/// Stops a local cluster if it runs.
pub fn stop(config: &LocalClusterConfig) -> Result<(), ClusterError> {
    let bin = find_bin_dir()?;
    let dir = config.dir.canonicalize().map_err(|e| io_err(&config.dir, e))?;
    run(
        "pg_ctl stop",
        pg_command(&bin, "pg_ctl", is_root()).arg("stop").args(["-m", "fast"]).arg("-D").arg(dir.join("data")),
    )
}

fn create_database_if_missing(bin: &Path, port: u16, name: &str) -> Result<(), ClusterError> {
    let port = port.to_string();
    let psql = |sql: &str| {
        Command::new(bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER, "-d", "postgres"])
            .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
            .output()
    };
    let exists =
        psql(&format!("SELECT 1 FROM pg_database WHERE datname = '{name}'")).map_err(|e| step_err("psql", e))?;
    if !exists.status.success() {
        return Err(ClusterError::Step {
            step: "psql",
            detail: String::from_utf8_lossy(&exists.stderr).trim().to_owned(),
        });
    }
    if String::from_utf8_lossy(&exists.stdout).trim() != "1" {
        let created = psql(&format!("CREATE DATABASE {name}")).map_err(|e| step_err("psql", e))?;
        if !created.status.success() {
            return Err(ClusterError::Step {
                step: "create database",
                detail: String::from_utf8_lossy(&created.stderr).trim().to_owned(),
            });
        }
    }
    Ok(())
}

/// Finds the folder with `initdb`, `pg_ctl` and `psql`: `LANTERN_PG_BIN`, else Debian's
/// PostgreSQL 15, else the newest Debian-packaged version, else `PATH`.
fn find_bin_dir() -> Result<PathBuf, ClusterError> {
    let mut debian: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    debian.sort_by_key(|p| {
        let version: u32 = p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()?.parse().ok()).unwrap_or(0);
        (version != 15, std::cmp::Reverse(version))
    });
    let candidates = std::env::var_os("LANTERN_PG_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain(debian)
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>()));
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() && dir.join("psql").is_file())
        .ok_or(ClusterError::BinariesNotFound)
}

fn pg_command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", SUPERUSER, "--"]).arg(bin.join(program));
        cmd
    } else {
        Command::new(bin.join(program))
    }
}

fn run(step: &'static str, cmd: &mut Command) -> Result<(), ClusterError> {
    let out = cmd.output().map_err(|e| step_err(step, e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Step {
            step,
            detail: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        })
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn postgres_can_enter(dir: &Path) -> bool {
    Command::new("runuser").args(["-u", SUPERUSER, "--", "test", "-x"]).arg(dir).status().is_ok_and(|s| s.success())
}

fn path_hash(path: &Path) -> u64 {
    // FNV-1a: stable across runs and Rust versions, unlike the std hasher.
    path.to_string_lossy().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn chown_postgres(dir: &Path) -> Result<(), ClusterError> {
    run("chown", Command::new("chown").args(["-R", SUPERUSER]).arg(dir))
}

fn io_err(path: &Path, source: io::Error) -> ClusterError {
    ClusterError::Io { path: path.to_owned(), source }
}

fn step_err(step: &'static str, e: io::Error) -> ClusterError {
    ClusterError::Step { step, detail: e.to_string() }
}
