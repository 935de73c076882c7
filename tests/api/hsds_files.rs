//! `lantern hsds import` and `lantern hsds export`, run as the real binary against the
//! test database: the specification's example package in a dry run (an exact report),
//! all or nothing, re-import unchanged, the mapping file, an export that `frictionless`
//! accepts and that carries no confidential place, and the round trip into an empty
//! database.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::hsds::{assert_locates_no_confidential, confidential_locations, venv_tool};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example_package() -> PathBuf {
    root().join("vendor/hsds-3.0/examples/csv")
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lantern-{what}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `lantern <args>` on the database at `owner_url` (as its owner, like an operator).
async fn lantern(owner_url: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env("DATABASE_URL", owner_url)
        .env("LANTERN_MIGRATION_DATABASE_URL", owner_url)
        .env("LANTERN_LOG", "warn")
        // Nothing here may reach a real geocoder.
        .env("LANTERN_GEOCODER_URL", "http://127.0.0.1:9")
        .env("LANTERN_GEOCODER_TIMEOUT_MS", "300")
        .output()
        .await
        .expect("lantern runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.sql().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn the_specification_example_dry_runs_with_an_exact_report_and_loads_nothing_invalid() {
    let app = TestApp::spawn().await;
    let before = count(&app, "SELECT count(*) FROM providers").await;
    let path = example_package();
    let out = lantern(&app.db_url, &["hsds", "import", path.to_str().unwrap(), "--dry-run"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout(&out),
        "HSDS import from human_services_data (dry run: nothing written)
  organizations: 1 created, 0 updated, 0 unchanged
  services: 1 created, 0 updated, 0 unchanged
  locations: 0 created, 0 updated, 0 unchanged
  rejected: 4
    addresses.csv row 2 field location_id: its location was rejected
    locations.csv row 2 field latitude: latitude 100 is out of range (-90 to 90)
    locations.csv row 2 field organization_id: names no organization in the dataset
    service_areas.csv row 2 field name: names no county of the network (a county name or its FIPS code in extent)
  services without a FUTURES need: 1
    ac148810-d857-441c-9679-408f346de14b Community Counselling
"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM providers").await, before, "a dry run writes nothing");

    // A real run is all or nothing: refused, nothing written.
    let out = lantern(&app.db_url, &["hsds", "import", path.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(stdout(&out).contains("nothing was written"), "{}", stdout(&out));
    assert_eq!(count(&app, "SELECT count(*) FROM providers").await, before);
    assert_eq!(count(&app, "SELECT count(*) FROM hsds_import_records").await, 0);

    // With --skip-invalid the valid rows load; the invalid location never does.
    let out = lantern(&app.db_url, &["hsds", "import", path.to_str().unwrap(), "--skip-invalid"]).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(count(&app, "SELECT count(*) FROM providers").await, before + 1);
    assert_eq!(count(&app, "SELECT count(*) FROM services WHERE id = 'ac148810-d857-441c-9679-408f346de14b'").await, 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM locations WHERE id = '3a19ff88-4620-4d17-9830-ac1d859eb5d5'").await,
        0
    );
    // Imported records are public directory listings at once.
    let (status, body) = crate::hsds::get(&app, None, "/services/ac148810-d857-441c-9679-408f346de14b").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Community Counselling");
    assert_eq!(body["languages"][0]["code"], "ur");

    // Again: unchanged, nothing duplicated.
    let out = lantern(&app.db_url, &["hsds", "import", path.to_str().unwrap(), "--skip-invalid"]).await;
    assert!(stdout(&out).contains("organizations: 0 created, 0 updated, 1 unchanged"), "{}", stdout(&out));
    assert!(stdout(&out).contains("services: 0 created, 0 updated, 1 unchanged"), "{}", stdout(&out));
    assert_eq!(count(&app, "SELECT count(*) FROM providers").await, before + 1);
    crate::hsds::check_collected().await;
}

/// A 211's dataset as NDJSON: its taxonomy terms map to needs through the network's
/// mapping file; a change updates, a record gone is reported and kept; FUTURES columns
/// recorded in Lantern stay.
#[tokio::test]
async fn a_211_dataset_maps_its_terms_updates_in_place_and_keeps_the_futures_columns() {
    let app = TestApp::spawn().await;
    let dir = temp_dir("hsds-211");
    let (org, svc, other, loc) = (
        "0b5d3a7c-1111-4a4a-8a8a-000000000001",
        "0b5d3a7c-1111-4a4a-8a8a-000000000002",
        "0b5d3a7c-1111-4a4a-8a8a-000000000003",
        "0b5d3a7c-1111-4a4a-8a8a-000000000004",
    );
    let term = |code: &str| json!({ "id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, code.as_bytes()), "code": code, "name": code, "description": code, "taxonomy": "AIRS" });
    let service = |id: &str, name: &str, code: &str| {
        json!({
            "id": id, "name": name, "status": "active", "organization_id": org,
            "organization": { "id": org, "name": "Piedmont Legal Help (synthetic)", "description": "Synthetic test listing." },
            "attributes": [{ "id": uuid::Uuid::new_v4(), "link_id": id, "link_entity": "service", "taxonomy_term_id": term(code)["id"], "taxonomy_term": term(code) }],
            "service_at_locations": [{ "id": uuid::Uuid::new_v4(), "location": {
                "id": loc, "location_type": "physical", "name": "Main office", "latitude": 35.7796, "longitude": -78.6382,
                "addresses": [{ "id": uuid::Uuid::new_v4(), "address_1": "1 Test Plaza", "city": "Raleigh", "state_province": "NC", "postal_code": "27601", "country": "US", "address_type": "physical" }]
            }}],
        })
    };
    let write = |lines: &[Value]| {
        std::fs::write(dir.join("export.ndjson"), lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n"))
            .unwrap();
    };
    write(&[
        service(svc, "Immigration legal clinic", "FT-1800.3500-360"),
        service(other, "Emergency shelter line", "BH-1800.8500"),
    ]);
    std::fs::write(
        dir.join("mapping.csv"),
        "source_taxonomy,term_code,need_code\nAIRS,FT-1800.3500-360,transitional.legal\n",
    )
    .unwrap();
    let file = dir.join("export.ndjson");
    let mapping = dir.join("mapping.csv");
    let args = ["hsds", "import", file.to_str().unwrap(), "--mapping", mapping.to_str().unwrap(), "--source", "nc211"];

    let out = lantern(&app.db_url, &args).await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let report = stdout(&out);
    assert!(report.contains("services: 2 created"), "{report}");
    assert!(
        report.contains(&format!("services without a FUTURES need: 1\n    {other} Emergency shelter line")),
        "{report}"
    );
    let db = app.sql().await;
    let needs: Vec<String> = db
        .query("SELECT need_code FROM service_needs WHERE service_id = $1::text::uuid", &[&svc])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(needs, ["transitional.legal"]);
    let county: String =
        db.query_one("SELECT county_fips FROM locations WHERE id = $1::text::uuid", &[&loc]).await.unwrap().get(0);
    assert_eq!(county, "37183", "Raleigh is in Wake County");

    // Lantern's own FUTURES column on the imported listing: a contact.
    db.execute(
        "INSERT INTO provider_contacts (provider_id, name, last_verified_on) VALUES ($1::text::uuid, 'Test Contact (synthetic)', current_date)",
        &[&org],
    )
    .await
    .unwrap();

    // The 211 renames one service and drops the other: updated, reported, kept.
    write(&[service(svc, "Immigration and U/T visa clinic", "FT-1800.3500-360")]);
    let out = lantern(&app.db_url, &args).await;
    let report = stdout(&out);
    assert!(report.contains("services: 0 created, 1 updated, 0 unchanged"), "{report}");
    assert!(
        report.contains(&format!("no longer in the source (kept, not deleted): 1\n    service {other}")),
        "{report}"
    );
    let name: String =
        db.query_one("SELECT name FROM services WHERE id = $1::text::uuid", &[&svc]).await.unwrap().get(0);
    assert_eq!(name, "Immigration and U/T visa clinic");
    assert_eq!(
        count(&app, &format!("SELECT count(*) FROM services WHERE id = '{other}' AND archived_at IS NULL")).await,
        1
    );
    assert_eq!(count(&app, &format!("SELECT count(*) FROM provider_contacts WHERE provider_id = '{org}'")).await, 1);
    assert_eq!(count(&app, &format!("SELECT count(*) FROM providers WHERE id = '{org}'")).await, 1);

    // A point outside the network's counties is refused with its reason.
    let mut outside = service(svc, "Immigration and U/T visa clinic", "FT-1800.3500-360");
    outside["service_at_locations"][0]["location"]["latitude"] = json!(40.7128);
    outside["service_at_locations"][0]["location"]["longitude"] = json!(-74.006);
    write(&[outside]);
    let out = lantern(&app.db_url, &args).await;
    assert!(!out.status.success());
    assert!(
        stdout(&out)
            .contains("export.ndjson row 1 field latitude: (40.7128, -74.006) is outside the network's counties"),
        "{}",
        stdout(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
    crate::hsds::check_collected().await;
}

#[tokio::test]
async fn an_export_is_a_valid_data_package_without_a_confidential_place_and_round_trips() {
    let app = TestApp::spawn().await;
    let dir = temp_dir("hsds-export");
    let out = lantern(&app.db_url, &["hsds", "export", dir.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("340 organizations"), "{}", stdout(&out));

    // frictionless accepts the package (types, required fields, keys, foreign keys).
    let check = tokio::process::Command::new(venv_tool("frictionless"))
        .args(["validate", "--json"])
        .arg(dir.join("datapackage.json"))
        .current_dir(&dir)
        .output()
        .await
        .expect("frictionless runs");
    let verdict: Value = serde_json::from_slice(&check.stdout)
        .unwrap_or_else(|_| panic!("frictionless: {}", String::from_utf8_lossy(&check.stderr)));
    assert_eq!(verdict["valid"], true, "{verdict:#}");

    // No file holds a confidential location's street or coordinates.
    let secret = confidential_locations(&app).await;
    let mut all = String::new();
    for entry in std::fs::read_dir(&dir).unwrap().chain(std::fs::read_dir(dir.join("json")).unwrap()) {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.push_str(&std::fs::read_to_string(&path).unwrap());
            all.push('\n');
        }
    }
    assert_locates_no_confidential(&all, &secret);
    let ndjson = std::fs::read_to_string(dir.join("json/organizations.ndjson")).unwrap();
    assert_eq!(ndjson.lines().count(), 340);

    // Into an empty database (reference data only) and out again: the same package but
    // for modification times and the FUTURES flags (contacts, MOUs and training are
    // Lantern's own, not HSDS data).
    let db = app.sql().await;
    let empty = format!("lantern_hsds_rt_{}", uuid::Uuid::new_v4().simple());
    db.execute(&format!("CREATE DATABASE \"{empty}\""), &[]).await.unwrap();
    let empty_url = {
        let (base, _) = app.db_url.rsplit_once('/').unwrap();
        format!("{base}/{empty}")
    };
    let seeded = lantern(&empty_url, &["seed", "--reference-only"]).await;
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let imported = lantern(&empty_url, &["hsds", "import", dir.to_str().unwrap()]).await;
    assert!(imported.status.success(), "{}{}", stdout(&imported), String::from_utf8_lossy(&imported.stderr));
    assert!(stdout(&imported).contains("organizations: 340 created"), "{}", stdout(&imported));
    assert!(stdout(&imported).contains("rejected: 0"), "{}", stdout(&imported));
    let again = temp_dir("hsds-export-again");
    let out = lantern(&empty_url, &["hsds", "export", again.to_str().unwrap()]).await;
    assert!(out.status.success());
    let futures_column = ",futures_column,organization,";
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("csv") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let normalize = |text: String| -> Vec<String> {
            let mut lines: Vec<String> = text
                .lines()
                .map(|l| {
                    if name == "services.csv" {
                        // last_modified is the last column.
                        l.rsplit_once(',').map_or(l, |(rest, _)| rest).to_owned()
                    } else if l.contains(futures_column) {
                        l.rsplit_once(',').map_or(l, |(rest, _)| rest).to_owned()
                    } else {
                        l.to_owned()
                    }
                })
                .collect();
            lines.sort();
            lines
        };
        let first = normalize(std::fs::read_to_string(&path).unwrap());
        let second = normalize(std::fs::read_to_string(again.join(&name)).unwrap());
        assert_eq!(first.len(), second.len(), "{name}: row counts differ");
        assert!(first == second, "{name} differs after the round trip");
    }
    // And a second import of the same package changes nothing.
    let repeat = lantern(&empty_url, &["hsds", "import", dir.to_str().unwrap()]).await;
    assert!(stdout(&repeat).contains("services: 0 created, 0 updated, 901 unchanged"), "{}", stdout(&repeat));
    db.execute(&format!("DROP DATABASE \"{empty}\" WITH (FORCE)"), &[]).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&again);
    crate::hsds::check_collected().await;
}

/// `lantern <args>` on the database at `url`, which must succeed; its stdout.
async fn lantern_ok(url: &str, args: &[&str]) -> String {
    let out = lantern(url, args).await;
    assert!(out.status.success(), "{args:?}: {}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    stdout(&out)
}

/// Capacity in the HSDS 3.1 shape through the files: the export's `service_capacity`
/// and unit tables (a package `frictionless` accepts, each figure valid by the 3.1
/// schema in JSON) without a confidential shelter's figure; an import records a figure
/// only when it is new or differs (and is newer), each as history.
#[tokio::test]
async fn capacity_travels_through_export_and_import_as_hsds_3_1() {
    use crate::hsds::{Schemas, confidential_service, listed_service, set_figure};
    let app = TestApp::spawn().await;
    let (hidden, shown) = (confidential_service(&app).await, listed_service(&app).await);
    let secret = set_figure(&app, &hidden, "bed", 6, Some(8), "AVAILABLE", Some("secret night desk")).await;
    let room = set_figure(&app, &shown, "family_room", 3, Some(5), "AVAILABLE", Some("Ground floor")).await;
    let bed = set_figure(&app, &shown, "bed", 0, None, "WAITLIST", None).await;

    let dir = temp_dir("hsds-capacity");
    let out = lantern_ok(&app.db_url, &["hsds", "export", dir.to_str().unwrap()]).await;
    assert!(out.contains("2 capacity figures"), "{out}");
    let check = tokio::process::Command::new(venv_tool("frictionless"))
        .args(["validate", "--json"])
        .arg(dir.join("datapackage.json"))
        .current_dir(&dir)
        .output()
        .await
        .expect("frictionless runs");
    let verdict: Value = serde_json::from_slice(&check.stdout)
        .unwrap_or_else(|_| panic!("frictionless: {}", String::from_utf8_lossy(&check.stderr)));
    assert_eq!(verdict["valid"], true, "{verdict:#}");
    let table = std::fs::read_to_string(dir.join("service_capacity.csv")).unwrap();
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(table.contains(&room) && table.contains(&bed) && !table.contains(&secret), "{table}");
    let units = std::fs::read_to_string(dir.join("units.csv")).unwrap();
    assert_eq!(units.lines().count(), 3, "two units, each once: {units}");
    let json = std::fs::read_to_string(dir.join("json/organizations.ndjson")).unwrap();
    assert!(!json.contains(&secret) && !json.contains("secret night desk"));
    let mut official = Schemas::default();
    for line in json.lines().filter(|l| l.contains("\"capacities\":[{")) {
        let org: Value = serde_json::from_str(line).unwrap();
        for s in org["services"].as_array().unwrap() {
            for c in s["capacities"].as_array().unwrap() {
                official.add("../hsds-3.1-capacity/service_capacity.json", c.clone());
            }
        }
    }
    official.check().await;

    // Into an empty database: the figures, set by the import, each with its history row.
    let db = app.sql().await;
    let empty = format!("lantern_hsds_cap_{}", uuid::Uuid::new_v4().simple());
    db.execute(&format!("CREATE DATABASE \"{empty}\""), &[]).await.unwrap();
    let empty_url = {
        let (base, _) = app.db_url.rsplit_once('/').unwrap();
        format!("{base}/{empty}")
    };
    lantern_ok(&empty_url, &["seed", "--reference-only"]).await;
    let dry = lantern_ok(&empty_url, &["hsds", "import", dir.to_str().unwrap(), "--dry-run"]).await;
    assert!(dry.contains("capacity figures: 2 new, 0 changed, 0 unchanged"), "{dry}");
    let first = lantern_ok(&empty_url, &["hsds", "import", dir.to_str().unwrap()]).await;
    assert!(first.contains("capacity figures: 2 new, 0 changed, 0 unchanged"), "{first}");
    let (copy, connection) = tokio_postgres::connect(&empty_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let figures = copy
        .query(
            "SELECT unit_code, available, maximum, status, note, source FROM service_capacity ORDER BY unit_code",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(figures.len(), 2);
    let (bed_row, room_row) = (&figures[0], &figures[1]);
    assert_eq!(
        (bed_row.get::<_, &str>(0), bed_row.get::<_, i32>(1), bed_row.get::<_, &str>(3)),
        ("bed", 0, "WAITLIST")
    );
    assert_eq!(
        (room_row.get::<_, &str>(0), room_row.get::<_, i32>(1), room_row.get::<_, Option<i32>>(2)),
        ("family_room", 3, Some(5))
    );
    assert_eq!(room_row.get::<_, Option<&str>>(4), Some("Ground floor"));
    assert!(figures.iter().all(|f| f.get::<_, &str>(5) == "IMPORT"));
    let history_sql = "SELECT count(*) FROM service_capacity_history";
    assert_eq!(copy.query_one(history_sql, &[]).await.unwrap().get::<_, i64>(0), 2);

    // The same package again: nothing recorded.
    let again = lantern_ok(&empty_url, &["hsds", "import", dir.to_str().unwrap()]).await;
    assert!(again.contains("capacity figures: 0 new, 0 changed, 2 unchanged"), "{again}");
    assert_eq!(copy.query_one(history_sql, &[]).await.unwrap().get::<_, i64>(0), 2);

    // A newer, different figure is recorded once; an older one never overwrites.
    let newer = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let edited: Vec<String> = table
        .lines()
        .map(|l| {
            let edit = |available: &str, updated: &str| {
                let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
                let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
                let mut cells: Vec<String> = l.split(',').map(str::to_owned).collect();
                cells[at("available")] = available.to_owned();
                cells[at("updated")] = updated.to_owned();
                cells.join(",")
            };
            if l.contains(&room) {
                edit("1", &newer)
            } else if l.contains(&bed) {
                edit("2", "2020-01-01T00:00:00.000Z")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(dir.join("service_capacity.csv"), edited.join("\n") + "\n").unwrap();
    let changed = lantern_ok(&empty_url, &["hsds", "import", dir.to_str().unwrap()]).await;
    assert!(changed.contains("capacity figures: 0 new, 1 changed, 1 unchanged"), "{changed}");
    assert_eq!(copy.query_one(history_sql, &[]).await.unwrap().get::<_, i64>(0), 3);
    let available: i32 = copy
        .query_one("SELECT available FROM service_capacity WHERE unit_code = 'family_room'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(available, 1);
    drop(copy);
    db.execute(&format!("DROP DATABASE \"{empty}\" WITH (FORCE)"), &[]).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
