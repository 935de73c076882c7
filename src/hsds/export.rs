//! `lantern hsds export DIR`: the public directory as an HSDS 3.0 CSV data package
//! (`DIR/datapackage.json` and one CSV per HSDS table, as Open Referral's own package
//! lists them) and as JSON (`DIR/json/organizations.ndjson`: each organization fully
//! nested, its services too). Written from the public view (`Actor::Anonymous`), so no
//! confidential location's name, address or coordinates is in any file.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use diesel_async::AsyncPgConnection;
use serde_json::Value;

use super::tables::{Row, Tables};
use super::{csv, taxonomy};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};

/// Open Referral's data package descriptor: the tables and their fields.
pub const DATAPACKAGE: &str = include_str!("../../vendor/hsds-3.0/examples/csv/datapackage.json");

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
        // Only the shared tables repeat across batches; every other record belongs to
        // one organization, written once per batch by `Tables`.
        let shared = matches!(file.name.as_str(), "taxonomy" | "taxonomy_term");
        for r in tables.rows(&file.name) {
            if !shared || written.insert((file.name.clone(), r.text("id").unwrap_or_default())) {
                file.write(r)?;
            }
        }
    }
    Ok(())
}
