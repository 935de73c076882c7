//! `lantern hsds export DIR`: the public directory as an HSDS 3.0 CSV data package
//! (`DIR/datapackage.json` and one CSV per HSDS table, as Open Referral's own package
//! lists them, plus HSDS 3.1's `service_capacity` and `unit`) and as JSON (`DIR/json/organizations.ndjson`: each organization fully
//! nested, its services too). Written from the public view (`Actor::Anonymous`), so no
//! confidential location's name, address or coordinates is in any file.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};

use super::tables::{Row, Tables};
use super::{csv, taxonomy};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};

/// Open Referral's data package descriptor: the tables and their fields.
pub const DATAPACKAGE: &str = include_str!("../../vendor/hsds-3.0/examples/csv/datapackage.json");

/// Open Referral's HSDS 3.1 `service_capacity` and `unit` schemas: the two tables the
/// package adds to 3.0's (see `docs/hsds-profile.md`).
const CAPACITY_SCHEMAS: [&str; 2] = [
    include_str!("../../vendor/hsds-3.1-capacity/service_capacity.json"),
    include_str!("../../vendor/hsds-3.1-capacity/unit.json"),
];

/// A tabular data resource for an HSDS 3.1 schema: its scalar fields as columns, typed
/// as 3.0's package types them, keyed by `id`, with `foreign_keys`.
fn resource_of(schema: &str, foreign_keys: Value) -> AppResult<Value> {
    let s: Value = serde_json::from_str(schema).map_err(AppError::internal)?;
    let required = |name: &str| {
        ["required", "tabular_required"]
            .iter()
            .any(|k| s[*k].as_array().is_some_and(|r| r.iter().any(|f| f.as_str() == Some(name))))
    };
    let fields: Vec<Value> = s["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, p)| {
            let (kind, format) = match (p["type"].as_str()?, p["format"].as_str()) {
                ("string", Some("date-time")) => ("datetime", None),
                ("string", format) => ("string", format),
                ("number", _) => ("number", None),
                _ => return None,
            };
            let mut field = json!({
                "name": name,
                "type": kind,
                "constraints": { "required": required(name), "unique": name == "id" },
            });
            for key in ["title", "description"] {
                if let Some(text) = p[key].as_str() {
                    field[key] = Value::String(text.to_owned());
                }
            }
            if let Some(format) = format {
                field["format"] = Value::String(format.to_owned());
            }
            Some(field)
        })
        .collect();
    Ok(json!({
        "name": s["name"],
        "path": s["path"],
        "description": s["description"],
        "format": "csv",
        "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "schema": { "fields": fields, "primaryKey": "id", "foreignKeys": foreign_keys },
    }))
}

/// The capacity tables' resources.
fn capacity_resources() -> AppResult<Vec<Value>> {
    let [capacity, unit] = CAPACITY_SCHEMAS;
    Ok(vec![
        resource_of(
            capacity,
            json!([
                { "fields": "service_id", "reference": { "resource": "service", "fields": "id" } },
                { "fields": "unit_id", "reference": { "resource": "unit", "fields": "id" } },
            ]),
        )?,
        resource_of(unit, json!([]))?,
    ])
}

/// Providers rendered per batch.
const BATCH: i64 = 500;

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Rows written to `organization.csv`.
    pub organizations: usize,
    /// Rows written to `service.csv`.
    pub services: usize,
    /// Rows written to `location.csv`, confidential ones included.
    pub locations: usize,
    /// Locations written without address or coordinates.
    pub confidential_locations: usize,
    /// Rows written to `service_capacity.csv` (never a confidential shelter's).
    pub capacities: usize,
}

/// One CSV table being written: its file and columns.
struct TableFile {
    name: String,
    columns: Vec<String>,
    out: std::io::BufWriter<std::fs::File>,
}

fn io(e: std::io::Error) -> AppError {
    AppError::internal(e)
}

fn cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

impl TableFile {
    fn write(&mut self, row: &Row) -> AppResult<()> {
        let cells: Vec<String> = self.columns.iter().map(|c| cell(row.fields.get(c))).collect();
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        let mut line = String::new();
        csv::write_row(&mut line, &refs);
        self.out.write_all(line.as_bytes()).map_err(io)
    }
}

/// Writes the directory into `dir` (created if missing).
pub async fn export(conn: &mut AsyncPgConnection, dir: &Path) -> AppResult<ExportReport> {
    std::fs::create_dir_all(dir.join("json")).map_err(io)?;
    let mut package: Value = serde_json::from_str(DATAPACKAGE).map_err(AppError::internal)?;
    package["name"] = Value::String("lantern-directory".into());
    package["title"] = Value::String("Lantern provider directory (HSDS 3.0)".into());
    package["description"] = Value::String(
        "A Lantern network's provider directory in Open Referral HSDS 3.0. Confidential locations carry no address or coordinates (see Lantern's HSDS profile).".into(),
    );
    if let Some(resources) = package["resources"].as_array_mut() {
        resources.extend(capacity_resources()?);
    }
    let mut files = Vec::new();
    for resource in package["resources"].as_array().cloned().unwrap_or_default() {
        let name = resource["name"].as_str().unwrap_or_default().to_owned();
        let path = resource["path"].as_str().unwrap_or_default().to_owned();
        let columns: Vec<String> = resource["schema"]["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["name"].as_str().map(str::to_owned))
            .collect();
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join(&path)).map_err(io)?);
        let mut header = String::new();
        csv::write_row(&mut header, &columns.iter().map(String::as_str).collect::<Vec<_>>());
        out.write_all(header.as_bytes()).map_err(io)?;
        files.push(TableFile { name, columns, out });
    }
    std::fs::write(dir.join("datapackage.json"), serde_json::to_string_pretty(&package).map_err(AppError::internal)?)
        .map_err(io)?;

    // Both taxonomies and every term first; attributes then refer to them.
    let needs = crate::needs::list(conn, None).await?;
    let mut shared = Tables::default();
    for t in taxonomy::taxonomies() {
        shared.push("taxonomy", row(taxonomy::taxonomy_json(&t)));
    }
    for t in taxonomy::terms(&needs) {
        shared.push("taxonomy_term", row(taxonomy::term_json(&t)));
    }
    let mut written: HashSet<(String, String)> = HashSet::new();
    write_tables(&mut files, &shared, &mut written)?;

    let mut json = std::io::BufWriter::new(std::fs::File::create(dir.join("json/organizations.ndjson")).map_err(io)?);
    let mut report = ExportReport::default();
    let mut after = None;
    loop {
        let keys = super::repo::organization_ids_after(conn, after, BATCH).await?;
        let Some((last_id, last_name)) = keys.last().cloned() else { break };
        after = Some((last_name, last_id));
        let ids: Vec<_> = keys.into_iter().map(|(id, _)| id).collect();
        let organizations = super::render_organizations(conn, &Actor::Anonymous, &ids, true, true).await?;
        let mut tables = Tables::default();
        for (i, o) in organizations.iter().enumerate() {
            json.write_all(o.to_string().as_bytes()).map_err(io)?;
            json.write_all(b"\n").map_err(io)?;
            if let Some(object) = o.as_object() {
                tables.organization(object, ("organizations.ndjson", i + 1));
            }
        }
        report.organizations += tables.rows("organization").len();
        report.services += tables.rows("service").len();
        report.locations += tables.rows("location").len();
        report.capacities += tables.rows("service_capacity").len();
        let confidential = taxonomy::LanternTerm::ConfidentialLocation.id().to_string();
        report.confidential_locations += tables
            .rows("attribute")
            .iter()
            .filter(|a| a.text("taxonomy_term_id").as_deref() == Some(confidential.as_str()))
            .count();
        write_tables(&mut files, &tables, &mut written)?;
    }
    json.flush().map_err(io)?;
    for f in &mut files {
        f.out.flush().map_err(io)?;
    }
    Ok(report)
}

fn row(v: Value) -> Row {
    Row { file: String::new(), row: 0, fields: v.as_object().cloned().unwrap_or_default() }
}

/// Appends the rows of `tables` to their files, each id once across the whole export.
fn write_tables(files: &mut [TableFile], tables: &Tables, written: &mut HashSet<(String, String)>) -> AppResult<()> {
    for file in files.iter_mut() {
        // Only the shared tables (taxonomies, terms, capacity units) repeat across
        // batches; every other record belongs to one organization, written once per
        // batch by `Tables`.
        let shared = matches!(file.name.as_str(), "taxonomy" | "taxonomy_term" | "unit");
        for r in tables.rows(&file.name) {
            if !shared || written.insert((file.name.clone(), r.text("id").unwrap_or_default())) {
                file.write(r)?;
            }
        }
    }
    Ok(())
}
