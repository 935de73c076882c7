//! Drift between code and its committed descriptions is a test failure: the exported
//! GraphQL SDL, and diesel's schema.rs against the migrations. Every migration's
//! down.sql must also undo it.

use std::path::Path;
use std::process::Command;

use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection};
use diesel_migrations::MigrationHarness;

use crate::common::TestApp;

#[test]
fn graphql_schema_file_matches_the_code() {
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql/schema.graphql"))
        .expect("graphql/schema.graphql exists");
    assert!(committed == lantern::graphql::sdl(), "graphql/schema.graphql is stale: run `cargo run -- export-schema`");
}

#[tokio::test]
async fn diesel_schema_matches_the_migrations() {
    let app = TestApp::spawn().await;
    let output = Command::new("diesel")
        .args(["print-schema", "--database-url", &app.db_url])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the diesel CLI is needed for this check; `make deps` installs it");
    assert!(output.status.success(), "diesel print-schema: {}", String::from_utf8_lossy(&output.stderr));
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs")).unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "src/db/schema.rs differs from the migrations: regenerate it with `diesel print-schema > src/db/schema.rs`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_migration_reverts_and_reapplies() {
    let app = TestApp::spawn().await;
    let conn = AsyncPgConnection::establish(&app.db_url).await.unwrap();
    let mut harness = AsyncMigrationHarness::new(conn);
    let reverted = harness.revert_all_migrations(lantern::db::MIGRATIONS).expect("every down.sql runs");
    assert!(!reverted.is_empty());
    let db = app.sql().await;
    let left: i64 = db
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "down.sql leaves no tables behind");
    harness.run_pending_migrations(lantern::db::MIGRATIONS).expect("migrations apply again");
    let providers: i64 = db.query_one("SELECT count(*) FROM providers", &[]).await.unwrap().get(0);
    assert_eq!(providers, 0);
}
