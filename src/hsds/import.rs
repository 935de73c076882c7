//! `lantern hsds import PATH`: an HSDS 3.0 dataset into the directory.
//!
//! - Reads a CSV data package (a folder with `datapackage.json`), JSON files (a record,
//!   an array, or a paged answer's `contents`) or NDJSON (a record a line), nested or flat.
//! - Upserts by source and HSDS id (`hsds_import_records`): a re-import updates what
//!   changed, leaves the unchanged alone, and reports (never deletes) records gone from
//!   the source. A record new to Lantern keeps its HSDS id when it is a free UUID, so an
//!   exported directory imports into an empty database unchanged.
//! - Keeps Lantern's FUTURES columns: contacts, MOUs and training records are Lantern's
//!   own and never touched; the FUTURES flags in a Lantern export are derived, not read.
//! - Needs come from FUTURES terms, or from the network's mapping file (source taxonomy,
//!   term code, need code) for a 211's taxonomy; services with none are listed.
//! - Rejects, with file, row and field: out-of-range or missing coordinates (an address
//!   without them goes through the geocoder first), a location outside the network's
//!   counties, unknown references, invalid values. All or nothing unless `skip_invalid`;
//!   `dry_run` writes nothing and reports what a run would do.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Bool, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::tables::{Row, Tables};
use super::taxonomy::{self, LanternTerm, TermMeaning};
use crate::capacity::hsds::ImportedCapacity;
use crate::db::StoredText;
use crate::error::{AppError, AppResult};
use crate::geocode::{self, Geocoder, Lookup};
use crate::providers::Population;

/// How an import runs.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Write nothing; report what a run would do.
    pub dry_run: bool,
    /// Import the valid rows and report the others, instead of nothing at all.
    pub skip_invalid: bool,
    /// The name records are remembered under (default: the package's name, or the
    /// file or folder name).
    pub source: Option<String>,
}

/// A row refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rejection {
    /// The file (CSV table or JSON file) the row was read from.
    pub file: String,
    /// 1-based: the CSV line (header = 1), or the JSON line / array item.
    pub row: usize,
    /// The HSDS field at fault.
    pub field: String,
    /// Why the row was refused, for the person running the import.
    pub reason: String,
}

/// Created, updated and unchanged records of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records new to Lantern.
    pub created: usize,
    /// Records already imported from this source whose fields changed.
    pub updated: usize,
    /// Records already imported from this source, identical.
    pub unchanged: usize,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// The name the records are remembered under.
    pub source: String,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Whether anything was written.
    pub written: bool,
    /// HSDS organizations, as Lantern providers.
    pub organizations: Counts,
    /// HSDS services.
    pub services: Counts,
    /// HSDS locations.
    pub locations: Counts,
    /// Rows refused (with `skip_invalid`, the others were imported; without, nothing was).
    pub rejected: Vec<Rejection>,
    /// Services imported without a need (no FUTURES term, nothing in the mapping file):
    /// HSDS id and name.
    pub unmapped: Vec<(String, String)>,
    /// Records imported from this source before that it no longer holds: kind and HSDS id.
    pub missing: Vec<(String, String)>,
    /// Locations whose address was geocoded.
    pub geocoded: usize,
    /// Services not imported because their status is not `active`: HSDS id and status.
    pub inactive: Vec<(String, String)>,
    /// HSDS 3.1 capacity figures: new to Lantern, differing from Lantern's current one
    /// and newer (each recorded as a new figure in its history), or the same (or not
    /// newer than Lantern's, which stays).
    pub capacities: Counts,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.dry_run {
            "dry run: nothing written"
        } else if self.written {
            "written"
        } else {
            "nothing written"
        };
        writeln!(f, "HSDS import from {} ({mode})", self.source)?;
        for (kind, c) in
            [("organizations", self.organizations), ("services", self.services), ("locations", self.locations)]
        {
            writeln!(f, "  {kind}: {} created, {} updated, {} unchanged", c.created, c.updated, c.unchanged)?;
        }
        let c = self.capacities;
        if c.created + c.updated + c.unchanged > 0 {
            writeln!(f, "  capacity figures: {} new, {} changed, {} unchanged", c.created, c.updated, c.unchanged)?;
        }
        writeln!(f, "  rejected: {}", self.rejected.len())?;
        for r in &self.rejected {
            writeln!(f, "    {} row {} field {}: {}", r.file, r.row, r.field, r.reason)?;
        }
        if self.geocoded > 0 {
            writeln!(f, "  geocoded addresses: {}", self.geocoded)?;
        }
        writeln!(f, "  services without a FUTURES need: {}", self.unmapped.len())?;
        for (id, name) in &self.unmapped {
            writeln!(f, "    {id} {name}")?;
        }
        for (id, status) in &self.inactive {
            writeln!(f, "  service {id} not imported: status {status}")?;
        }
        if !self.missing.is_empty() {
            writeln!(f, "  no longer in the source (kept, not deleted): {}", self.missing.len())?;
            for (kind, id) in &self.missing {
                writeln!(f, "    {kind} {id}")?;
            }
        }
        if !self.rejected.is_empty() && !self.dry_run && !self.written {
            writeln!(f, "  nothing was written: fix the rows above, or run with --skip-invalid")?;
        }
        Ok(())
    }
}

/// The network's mapping from a 211's taxonomy terms to FUTURES needs.
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    /// (source taxonomy, term code), both lower case → need codes.
    terms: HashMap<(String, String), Vec<String>>,
}

impl Mapping {
    /// Reads the mapping CSV: a header, then `source taxonomy, term code, need code` rows.
    pub fn read(path: &Path, known_needs: &HashSet<String>) -> Result<Mapping, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let rows =
            super::csv::parse(&text).map_err(|line| format!("{}: unclosed quote at line {line}", path.display()))?;
        let mut m = Mapping::default();
        for (i, row) in rows.iter().enumerate().skip(1) {
            let [taxonomy, code, need] = row.as_slice() else {
                return Err(format!("{} row {}: expected source_taxonomy,term_code,need_code", path.display(), i + 1));
            };
            if !known_needs.contains(need.trim()) {
                return Err(format!(
                    "{} row {} field need_code: unknown need {:?}",
                    path.display(),
                    i + 1,
                    need.trim()
                ));
            }
            m.terms
                .entry((taxonomy.trim().to_lowercase(), code.trim().to_lowercase()))
                .or_default()
                .push(need.trim().to_owned());
        }
        Ok(m)
    }
}

/// Reads a dataset: a folder with `datapackage.json` (CSV), a folder of `.json` /
/// `.ndjson` files, or one such file. `Err` says what could not be read, and where.
pub fn read_dataset(path: &Path) -> Result<(Tables, String), String> {
    let mut tables = Tables::default();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("hsds").to_owned();
    if path.is_dir() {
        let descriptor = path.join("datapackage.json");
        if descriptor.exists() {
            let package: Value =
                serde_json::from_str(&std::fs::read_to_string(&descriptor).map_err(|e| e.to_string())?)
                    .map_err(|e| format!("datapackage.json: {e}"))?;
            for resource in package["resources"].as_array().into_iter().flatten() {
                let (Some(name), Some(file)) = (resource["name"].as_str(), resource["path"].as_str()) else { continue };
                let file_path = path.join(file);
                if !file_path.exists() {
                    continue;
                }
                let text = std::fs::read_to_string(&file_path).map_err(|e| format!("{file}: {e}"))?;
                let rows = super::csv::parse(&text).map_err(|line| format!("{file}: unclosed quote at line {line}"))?;
                let Some((header, data)) = rows.split_first() else { continue };
                for (i, cells) in data.iter().enumerate() {
                    if cells.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    let fields = header
                        .iter()
                        .zip(cells)
                        .filter(|(_, v)| !v.trim().is_empty())
                        .map(|(k, v)| (k.trim().to_owned(), Value::String(v.clone())))
                        .collect();
                    tables.push(name, Row { file: file.to_owned(), row: i + 2, fields });
                }
            }
            let name = package["name"].as_str().map(str::to_owned).unwrap_or(stem);
            return Ok((tables, name));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("json" | "ndjson")))
            .collect();
        files.sort();
        for file in files {
            read_json_file(&file, &mut tables)?;
        }
        return Ok((tables, stem));
    }
    read_json_file(path, &mut tables)?;
    Ok((tables, stem))
}

fn read_json_file(path: &Path, tables: &mut Tables) -> Result<(), String> {
    let name = path.file_name().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    if path.extension().and_then(|e| e.to_str()) == Some("ndjson") {
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).map_err(|e| format!("{name} line {}: {e}", i + 1))?;
            let object = v.as_object().ok_or_else(|| format!("{name} line {}: not a JSON object", i + 1))?;
            tables.add_nested(object, (&name, i + 1));
        }
        return Ok(());
    }
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
    let items: Vec<Value> = match v {
        Value::Array(items) => items,
        Value::Object(ref o) if o.get("contents").is_some_and(Value::is_array) => {
            o["contents"].as_array().cloned().unwrap_or_default()
        }
        other => vec![other],
    };
    for (i, item) in items.iter().enumerate() {
        let object = item.as_object().ok_or_else(|| format!("{name} item {}: not a JSON object", i + 1))?;
        tables.add_nested(object, (&name, i + 1));
    }
    Ok(())
}

/// A provider to write.
#[derive(Clone, Debug, Serialize)]
struct ProviderRec {
    id: Uuid,
    name: String,
    kind: Option<String>,
    description: Option<String>,
    website: Option<String>,
    email: Option<String>,
    synthetic: bool,
    phones: Vec<PhoneRec>,
    areas: BTreeSet<String>,
}

#[derive(Clone, Debug, Serialize)]
struct PhoneRec {
    id: Uuid,
    number: String,
    label: Option<String>,
    twenty_four_hour: bool,
}

#[derive(Clone, Debug, Serialize)]
struct ServiceRec {
    id: Uuid,
    provider_id: Uuid,
    name: String,
    description: Option<String>,
    eligibility: Option<String>,
    cost: Option<String>,
    open_24h: bool,
    languages: Vec<String>,
    populations: Vec<String>,
    needs: BTreeSet<String>,
}

#[derive(Clone, Debug, Serialize)]
struct LocationRec {
    id: Uuid,
    provider_id: Uuid,
    name: Option<String>,
    street: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    lat: f64,
    lon: f64,
    confidential: bool,
    approximate: bool,
}

#[derive(QueryableByName)]
struct CountyRow {
    #[diesel(sql_type = Text)]
    fips: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Double)]
    lat: f64,
    #[diesel(sql_type = Double)]
    lon: f64,
}

#[derive(QueryableByName)]
struct KnownRecord {
    #[diesel(sql_type = Text)]
    entity: String,
    #[diesel(sql_type = Text)]
    source_id: String,
    #[diesel(sql_type = SqlUuid)]
    lantern_id: Uuid,
    #[diesel(sql_type = Text)]
    digest: String,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct FipsAt {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    i: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    fips: Option<String>,
}

/// Collects rejections and the source ids refused.
#[derive(Default)]
struct Refusals {
    list: Vec<Rejection>,
}

impl Refusals {
    fn add(&mut self, row: &Row, field: &str, reason: impl Into<String>) {
        self.list.push(Rejection {
            file: row.file.clone(),
            row: row.row,
            field: field.to_owned(),
            reason: reason.into(),
        });
    }
}

fn digest(v: &impl Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).unwrap_or_default()))
}

/// A term as the dataset (or Lantern) names it.
struct TermInfo {
    code: String,
    taxonomy: String,
}

/// Imports `tables` (read from `source`) into the directory. A dry run leaves `conn`
/// inside a transaction that is never committed: use it for nothing else afterwards.
pub async fn run(
    conn: &mut AsyncPgConnection,
    geocoder: &Geocoder,
    tables: &Tables,
    source: &str,
    mapping: &Mapping,
    options: &ImportOptions,
) -> AppResult<ImportReport> {
    let mut report = ImportReport { source: source.to_owned(), dry_run: options.dry_run, ..Default::default() };
    if options.dry_run {
        // Nothing a dry run does may last, not even the geocoder's cache of an address it
        // looked up: everything runs in a transaction that is never committed.
        conn.begin_test_transaction().await?;
    }
    let mut refused = Refusals::default();
    let needs: HashSet<String> = crate::needs::list(conn, None).await?.into_iter().map(|n| n.code).collect();
    let counties: Vec<CountyRow> = diesel::sql_query(
        "SELECT fips, name, ST_Y(interior_point) AS lat, ST_X(interior_point) AS lon FROM counties ORDER BY fips",
    )
    .load(conn)
    .await?;
    let county_by_fips: HashMap<&str, &CountyRow> = counties.iter().map(|c| (c.fips.as_str(), c)).collect();
    let known: Vec<KnownRecord> =
        diesel::sql_query("SELECT entity, source_id, lantern_id, digest FROM hsds_import_records WHERE source = $1")
            .bind::<Text, _>(source)
            .load(conn)
            .await?;
    let known: HashMap<(String, String), (Uuid, String)> =
        known.into_iter().map(|k| ((k.entity, k.source_id), (k.lantern_id, k.digest))).collect();

    // Terms: the dataset's, then Lantern's own (a Lantern export names them by id).
    let taxonomy_names: HashMap<String, String> =
        tables.rows("taxonomy").iter().filter_map(|t| Some((t.text("id")?, t.text("name")?))).collect();
    let mut terms: HashMap<String, TermInfo> = HashMap::new();
    for t in tables.rows("taxonomy_term") {
        let (Some(id), Some(code)) = (t.text("id"), t.text("code")) else { continue };
        let taxonomy = t
            .text("taxonomy_id")
            .and_then(|id| taxonomy_names.get(&id).cloned())
            .or_else(|| t.text("taxonomy"))
            .unwrap_or_default();
        terms.insert(id.to_lowercase(), TermInfo { code, taxonomy });
    }
    let lantern_terms = taxonomy::terms(&[]);
    let attributes_of = {
        let mut by_link: HashMap<String, Vec<&Row>> = HashMap::new();
        for a in tables.rows("attribute") {
            if let Some(link) = a.text("link_id") {
                by_link.entry(link.to_lowercase()).or_default().push(a);
            }
        }
        by_link
    };
    // What an attribute says in Lantern's terms: a need, a Lantern term (with value), or
    // a 211 term mapped to needs.
    let meaning = |a: &Row| -> (Vec<String>, Option<(LanternTerm, String)>) {
        let term_id = a.text("taxonomy_term_id").unwrap_or_default().to_lowercase();
        let value = a.text("value").unwrap_or_default();
        if let Some(t) = Uuid::parse_str(&term_id).ok().and_then(|id| lantern_terms.iter().find(|t| t.id == id))
            && let TermMeaning::Lantern(term) = t.meaning
        {
            return (Vec::new(), Some((term, value)));
        }
        if let Some(info) = terms.get(&term_id) {
            if needs.contains(&info.code)
                && (info.taxonomy.to_lowercase().contains("futures")
                    || term_id == taxonomy::need_term_id(&info.code).to_string())
            {
                return (vec![info.code.clone()], None);
            }
            if let Some(term) = LanternTerm::all().into_iter().find(|t| t.code() == info.code) {
                return (Vec::new(), Some((term, value)));
            }
            let key = (info.taxonomy.to_lowercase(), info.code.to_lowercase());
            if let Some(mapped) = mapping.terms.get(&key) {
                return (mapped.clone(), None);
            }
        }
        if let Some(code) = lantern_terms.iter().find(|t| t.id.to_string() == term_id).and_then(|t| match &t.meaning {
            TermMeaning::Need(code) => Some(code.clone()),
            _ => None,
        }) {
            return (vec![code], None);
        }
        (Vec::new(), None)
    };
    let truthy = |v: &str| !matches!(v.trim().to_lowercase().as_str(), "false" | "0" | "no");

    // Organizations.
    let mut providers: Vec<(String, ProviderRec)> = Vec::new();
    let mut provider_of: HashMap<String, usize> = HashMap::new();
    for row in tables.rows("organization") {
        let Some(source_id) = row.text("id") else {
            refused.add(row, "id", "an organization needs an id");
            continue;
        };
        let Some(name) = row.text("name") else {
            refused.add(row, "name", "an organization needs a name");
            continue;
        };
        let mut rec = ProviderRec {
            id: Uuid::nil(),
            name,
            kind: None,
            description: row.text("description"),
            website: row.text("website").or_else(|| row.text("url")),
            email: row.text("email"),
            synthetic: false,
            phones: Vec::new(),
            areas: BTreeSet::new(),
        };
        for a in attributes_of.get(&source_id.to_lowercase()).into_iter().flatten() {
            match meaning(a).1 {
                Some((LanternTerm::Kind, value)) => rec.kind = Some(value),
                Some((LanternTerm::Synthetic, value)) => rec.synthetic = truthy(&value),
                _ => {}
            }
        }
        provider_of.insert(source_id.to_lowercase(), providers.len());
        providers.push((source_id, rec));
    }

    // Services.
    let mut services: Vec<(String, usize, ServiceRec)> = Vec::new();
    let mut service_of: HashMap<String, usize> = HashMap::new();
    for row in tables.rows("service") {
        let Some(source_id) = row.text("id") else {
            refused.add(row, "id", "a service needs an id");
            continue;
        };
        let Some(name) = row.text("name") else {
            refused.add(row, "name", "a service needs a name");
            continue;
        };
        let Some(p) = row.text("organization_id").and_then(|o| provider_of.get(&o.to_lowercase()).copied()) else {
            refused.add(row, "organization_id", "names no organization in the dataset");
            continue;
        };
        if let Some(status) = row.text("status").filter(|s| s != "active") {
            report.inactive.push((source_id, status));
            continue;
        }
        let mut rec = ServiceRec {
            id: Uuid::nil(),
            provider_id: Uuid::nil(),
            name,
            description: row.text("description"),
            eligibility: row.text("eligibility_description"),
            cost: row.text("fees_description"),
            open_24h: false,
            languages: Vec::new(),
            populations: Vec::new(),
            needs: BTreeSet::new(),
        };
        for a in attributes_of.get(&source_id.to_lowercase()).into_iter().flatten() {
            let (found, lantern) = meaning(a);
            rec.needs.extend(found);
            match lantern {
                Some((LanternTerm::Open24Hours, v)) => rec.open_24h = truthy(&v),
                Some((LanternTerm::Population(pop), v)) if truthy(&v) => {
                    rec.populations.push(pop.as_db().to_owned());
                }
                _ => {}
            }
        }
        rec.populations.sort_by_key(|p| Population::ALL.iter().position(|q| q.as_db() == p));
        rec.populations.dedup();
        service_of.insert(source_id.to_lowercase(), services.len());
        services.push((source_id, p, rec));
    }
    for row in tables.rows("language") {
        let Some(s) = row.text("service_id").and_then(|s| service_of.get(&s.to_lowercase()).copied()) else { continue };
        let Some(code) = row.text("code") else { continue };
        match crate::providers::LanguageCode::parse(&code, "code") {
            Ok(code) => {
                let langs = &mut services[s].2.languages;
                if !langs.iter().any(|l| l == code.as_str()) {
                    langs.push(code.as_str().to_owned());
                }
            }
            Err(_) => refused.add(row, "code", format!("{code:?} is not an ISO 639 language code")),
        }
    }

    // Phones: the organization's, or the organization of the service or location named.
    let location_org: HashMap<String, String> = tables
        .rows("location")
        .iter()
        .filter_map(|l| Some((l.text("id")?.to_lowercase(), l.text("organization_id")?.to_lowercase())))
        .collect();
    for row in tables.rows("phone") {
        let owner = row
            .text("organization_id")
            .and_then(|o| provider_of.get(&o.to_lowercase()).copied())
            .or_else(|| row.text("service_id").and_then(|s| service_of.get(&s.to_lowercase())).map(|&s| services[s].1))
            .or_else(|| {
                row.text("location_id")
                    .and_then(|l| location_org.get(&l.to_lowercase()))
                    .and_then(|o| provider_of.get(o).copied())
            });
        let Some(p) = owner else {
            // A phone of a contact or of something Lantern does not keep.
            continue;
        };
        let Some(number) = row.text("number") else {
            refused.add(row, "number", "a phone needs a number");
            continue;
        };
        let id = row.text("id").unwrap_or_default();
        let twenty_four_hour = attributes_of
            .get(&id.to_lowercase())
            .into_iter()
            .flatten()
            .any(|a| matches!(meaning(a).1, Some((LanternTerm::Open24Hours, ref v)) if truthy(v)));
        let id = Uuid::parse_str(&id).unwrap_or_else(|_| taxonomy::named_id(&format!("{source}/phone/{id}/{number}")));
        let phones = &mut providers[p].1.phones;
        if !phones.iter().any(|ph| ph.id == id) {
            phones.push(PhoneRec { id, number, label: row.text("description"), twenty_four_hour });
        }
    }

    // Service areas: counties of the network, by FIPS code or name.
    for row in tables.rows("service_area") {
        let Some(s) = row.text("service_id").and_then(|s| service_of.get(&s.to_lowercase()).copied()) else {
            refused.add(row, "service_id", "names no service in the dataset");
            continue;
        };
        let by_fips = row.text("extent").filter(|e| county_by_fips.contains_key(e.as_str()));
        let by_name = row.text("name").and_then(|n| {
            let n = n.to_lowercase();
            let n = n.trim_end_matches(", nc").trim_end_matches(" county").trim();
            counties.iter().find(|c| c.name.to_lowercase() == n).map(|c| c.fips.clone())
        });
        match by_fips.or(by_name) {
            Some(fips) => {
                providers[services[s].1].1.areas.insert(fips);
            }
            None => {
                refused.add(row, "name", "names no county of the network (a county name or its FIPS code in extent)")
            }
        }
    }

    // Locations.
    let address_of: HashMap<String, &Row> =
        tables.rows("address").iter().filter_map(|a| Some((a.text("location_id")?.to_lowercase(), a))).collect();
    let sal_org: HashMap<String, usize> = tables
        .rows("service_at_location")
        .iter()
        .filter_map(|sal| {
            let s = service_of.get(&sal.text("service_id")?.to_lowercase())?;
            Some((sal.text("location_id")?.to_lowercase(), services[*s].1))
        })
        .collect();
    let mut locations: Vec<(String, usize, LocationRec, &Row)> = Vec::new();
    let mut rejected_locations: HashSet<String> = HashSet::new();
    for row in tables.rows("location") {
        let Some(source_id) = row.text("id") else {
            refused.add(row, "id", "a location needs an id");
            continue;
        };
        let key = source_id.to_lowercase();
        let mut ok = true;
        let org = match row.text("organization_id") {
            Some(o) => provider_of.get(&o.to_lowercase()).copied(),
            None => sal_org.get(&key).copied(),
        };
        let address = address_of.get(&key);
        let confidential_county = attributes_of.get(&key).into_iter().flatten().find_map(|a| match meaning(a).1 {
            Some((LanternTerm::ConfidentialLocation, fips)) => Some(fips),
            _ => None,
        });
        let lat = row.text("latitude");
        let lon = row.text("longitude");
        let mut at = None;
        match (&lat, &lon) {
            (Some(lat), Some(lon)) => {
                match lat.parse::<f64>() {
                    Ok(v) if (-90.0..=90.0).contains(&v) => {}
                    Ok(v) => {
                        refused.add(row, "latitude", format!("latitude {v} is out of range (-90 to 90)"));
                        ok = false;
                    }
                    Err(_) => {
                        refused.add(row, "latitude", format!("latitude {lat:?} is not a number"));
                        ok = false;
                    }
                }
                match lon.parse::<f64>() {
                    Ok(v) if (-180.0..=180.0).contains(&v) => {}
                    Ok(v) => {
                        refused.add(row, "longitude", format!("longitude {v} is out of range (-180 to 180)"));
                        ok = false;
                    }
                    Err(_) => {
                        refused.add(row, "longitude", format!("longitude {lon:?} is not a number"));
                        ok = false;
                    }
                }
                if ok {
                    at = Some((lat.parse::<f64>().unwrap_or_default(), lon.parse::<f64>().unwrap_or_default()));
                }
            }
            (Some(_), None) | (None, Some(_)) => {
                refused.add(
                    row,
                    if lat.is_none() { "latitude" } else { "longitude" },
                    "has one coordinate without the other",
                );
                ok = false;
            }
            (None, None) => {}
        }
        if org.is_none() {
            refused.add(row, "organization_id", "names no organization in the dataset");
            ok = false;
        }
        let (confidential, mut approximate) = (confidential_county.is_some(), false);
        if ok && at.is_none() {
            if let Some(fips) = &confidential_county {
                match county_by_fips.get(fips.as_str()) {
                    Some(c) => {
                        at = Some((c.lat, c.lon));
                        approximate = true;
                    }
                    None => {
                        refused.add(
                            row,
                            "attributes",
                            format!("confidential location in {fips:?}, not a county of the network"),
                        );
                        ok = false;
                    }
                }
            } else if address.is_none() {
                refused.add(row, "latitude", "missing coordinates and no address to geocode");
                ok = false;
            }
        }
        if !ok {
            rejected_locations.insert(key);
            continue;
        }
        let text = |field: &str| address.and_then(|a| a.text(field));
        let rec = LocationRec {
            id: Uuid::nil(),
            provider_id: Uuid::nil(),
            name: if confidential { None } else { row.text("name") },
            street: text("address_1"),
            city: text("city"),
            state: text("state_province"),
            postal_code: text("postal_code"),
            lat: at.map_or(f64::NAN, |a| a.0),
            lon: at.map_or(f64::NAN, |a| a.1),
            confidential,
            approximate,
        };
        locations.push((source_id, org.unwrap_or_default(), rec, row));
    }
    for row in tables.rows("address") {
        if row.text("location_id").is_some_and(|l| rejected_locations.contains(&l.to_lowercase())) {
            refused.add(row, "location_id", "its location was rejected");
        }
    }
    // Addresses without coordinates go through the geocoder.
    let mut kept = Vec::new();
    for (source_id, org, mut rec, row) in locations {
        if rec.lat.is_nan() {
            let line = geocode::one_line(
                rec.street.as_deref(),
                rec.city.as_deref(),
                rec.state.as_deref(),
                rec.postal_code.as_deref(),
            );
            let found = match line {
                Some(line) => geocode::resolve(conn, geocoder, &line, rec.confidential).await?,
                None => Lookup::NotFound,
            };
            match found {
                Lookup::Found { latitude, longitude } => {
                    rec.lat = latitude;
                    rec.lon = longitude;
                    report.geocoded += 1;
                }
                other => {
                    let why = match other {
                        Lookup::Unavailable => "the geocoder could not be reached",
                        Lookup::Withheld => "a confidential address may not be sent to the geocoder",
                        _ => "the geocoder found no such address",
                    };
                    refused.add(row, "latitude", format!("missing coordinates, and {why}"));
                    continue;
                }
            }
        }
        kept.push((source_id, org, rec, row));
    }
    // Every point inside one of the network's counties (one query for them all).
    if !kept.is_empty() {
        let lats: Vec<f64> = kept.iter().map(|k| k.2.lat).collect();
        let lons: Vec<f64> = kept.iter().map(|k| k.2.lon).collect();
        let found: Vec<FipsAt> = diesel::sql_query(
            "SELECT p.i::int AS i, (SELECT c.fips FROM counties c
                    WHERE ST_Covers(c.boundary, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) ORDER BY c.fips LIMIT 1) AS fips
             FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lat, lon, i)",
        )
        .bind::<Array<Double>, _>(lats)
        .bind::<Array<Double>, _>(lons)
        .load(conn)
        .await?;
        let outside: HashSet<usize> = found.iter().filter(|f| f.fips.is_none()).map(|f| f.i as usize - 1).collect();
        let mut inside = Vec::new();
        for (i, k) in kept.into_iter().enumerate() {
            if outside.contains(&i) {
                refused.add(k.3, "latitude", format!("({}, {}) is outside the network's counties", k.2.lat, k.2.lon));
            } else {
                inside.push(k);
            }
        }
        kept = inside;
    }

    // Lantern ids: remembered for this source, else the HSDS id when it is a free UUID.
    let free = free_ids(conn, &providers.iter().map(|p| p.0.clone()).collect::<Vec<_>>(), "providers").await?;
    for (source_id, rec) in &mut providers {
        rec.id = known
            .get(&("organization".to_owned(), source_id.clone()))
            .map(|k| k.0)
            .or_else(|| Uuid::parse_str(source_id).ok().filter(|id| free.contains(id)))
            .unwrap_or_else(Uuid::new_v4);
    }
    let free = free_ids(conn, &services.iter().map(|s| s.0.clone()).collect::<Vec<_>>(), "services").await?;
    for (source_id, p, rec) in &mut services {
        rec.provider_id = providers[*p].1.id;
        rec.id = known
            .get(&("service".to_owned(), source_id.clone()))
            .map(|k| k.0)
            .or_else(|| Uuid::parse_str(source_id).ok().filter(|id| free.contains(id)))
            .unwrap_or_else(Uuid::new_v4);
        if rec.needs.is_empty() {
            report.unmapped.push((source_id.clone(), rec.name.clone()));
        }
    }
    let figures = capacity_figures(conn, tables, &services, &service_of, &report.inactive, &mut refused).await?;
    report.capacities = Counts {
        created: figures.iter().filter(|f| f.1 == FigureChange::New).count(),
        updated: figures.iter().filter(|f| f.1 == FigureChange::Differs).count(),
        unchanged: figures.iter().filter(|f| f.1 == FigureChange::Same).count(),
    };
    let free = free_ids(conn, &kept.iter().map(|l| l.0.clone()).collect::<Vec<_>>(), "locations").await?;
    for (source_id, p, rec, _) in &mut kept {
        rec.provider_id = providers[*p].1.id;
        rec.id = known
            .get(&("location".to_owned(), source_id.clone()))
            .map(|k| k.0)
            .or_else(|| Uuid::parse_str(source_id).ok().filter(|id| free.contains(id)))
            .unwrap_or_else(Uuid::new_v4);
    }
    // Phone ids held by another provider's phone are made anew.
    let phone_ids: Vec<Uuid> = providers.iter().flat_map(|p| p.1.phones.iter().map(|ph| ph.id)).collect();
    let provider_ids: Vec<Uuid> = providers.iter().map(|p| p.1.id).collect();
    let taken: Vec<IdRow> =
        diesel::sql_query("SELECT id FROM provider_phones WHERE id = ANY($1) AND NOT (provider_id = ANY($2))")
            .bind::<Array<SqlUuid>, _>(phone_ids)
            .bind::<Array<SqlUuid>, _>(provider_ids)
            .load(conn)
            .await?;
    let taken: HashSet<Uuid> = taken.into_iter().map(|r| r.id).collect();
    for (_, p) in &mut providers {
        for ph in &mut p.phones {
            if taken.contains(&ph.id) {
                ph.id = Uuid::new_v4();
            }
        }
    }

    // What changed.
    let mut writes: Vec<(String, String, Uuid, String)> = Vec::new();
    let mut changed_providers = Vec::new();
    for (source_id, rec) in &providers {
        let d = digest(rec);
        tally(&mut report.organizations, known.get(&("organization".into(), source_id.clone())), &d);
        if known.get(&("organization".into(), source_id.clone())).is_none_or(|k| k.1 != d) {
            changed_providers.push(rec.clone());
            writes.push(("organization".into(), source_id.clone(), rec.id, d));
        }
    }
    let mut changed_services = Vec::new();
    for (source_id, _, rec) in &services {
        let d = digest(rec);
        tally(&mut report.services, known.get(&("service".into(), source_id.clone())), &d);
        if known.get(&("service".into(), source_id.clone())).is_none_or(|k| k.1 != d) {
            changed_services.push(rec.clone());
            writes.push(("service".into(), source_id.clone(), rec.id, d));
        }
    }
    let mut changed_locations = Vec::new();
    for (source_id, _, rec, _) in &kept {
        let d = digest(rec);
        tally(&mut report.locations, known.get(&("location".into(), source_id.clone())), &d);
        if known.get(&("location".into(), source_id.clone())).is_none_or(|k| k.1 != d) {
            changed_locations.push(rec.clone());
            writes.push(("location".into(), source_id.clone(), rec.id, d));
        }
    }
    let present: HashSet<(String, String)> = writes
        .iter()
        .map(|w| (w.0.clone(), w.1.clone()))
        .chain(providers.iter().map(|p| ("organization".to_owned(), p.0.clone())))
        .chain(services.iter().map(|s| ("service".to_owned(), s.0.clone())))
        .chain(kept.iter().map(|l| ("location".to_owned(), l.0.clone())))
        .collect();
    let mut missing: Vec<(String, String)> = known.keys().filter(|k| !present.contains(*k)).cloned().collect();
    missing.sort();
    report.missing = missing;
    refused.list.sort();
    report.rejected = refused.list;

    if options.dry_run || (!report.rejected.is_empty() && !options.skip_invalid) {
        return Ok(report);
    }
    let source = source.to_owned();
    conn.transaction(async |conn| {
        write_providers(conn, &changed_providers).await?;
        write_services(conn, &changed_services).await?;
        write_locations(conn, &changed_locations).await?;
        let recorded: Vec<&(Uuid, ImportedCapacity)> =
            figures.iter().filter(|f| f.1 != FigureChange::Same).map(|f| &f.0).collect();
        write_capacities(conn, &recorded).await?;
        for chunk in writes.chunks(5000) {
            let rows: Vec<Value> = chunk
                .iter()
                .map(|(e, s, id, d)| json!({ "entity": e, "source_id": s, "lantern_id": id, "digest": d }))
                .collect();
            diesel::sql_query(
                "INSERT INTO hsds_import_records (source, entity, source_id, lantern_id, digest)
                 SELECT $1, entity, source_id, lantern_id, digest
                 FROM jsonb_to_recordset($2::jsonb) AS x(entity text, source_id text, lantern_id uuid, digest text)
                 ON CONFLICT (source, entity, source_id) DO UPDATE
                 SET lantern_id = EXCLUDED.lantern_id, digest = EXCLUDED.digest, imported_at = now()",
            )
            .bind::<Text, _>(&source)
            .bind::<Jsonb, _>(Value::Array(rows))
            .execute(conn)
            .await?;
        }
        Ok::<_, AppError>(())
    })
    .await?;
    report.written = true;
    Ok(report)
}

/// How an imported capacity figure compares with Lantern's current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FigureChange {
    /// Lantern has none for the service and unit.
    New,
    /// Different counts, state or note, and newer than Lantern's: recorded.
    Differs,
    /// The same, or not newer than Lantern's (which stays): nothing is recorded.
    Same,
}

#[derive(QueryableByName)]
struct CurrentFigure {
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = Text)]
    unit_code: String,
    #[diesel(sql_type = Integer)]
    available: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    maximum: Option<i32>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    accepting_referrals: bool,
    #[diesel(sql_type = Nullable<Text>)]
    note: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    set_at: DateTime<Utc>,
}

/// The dataset's capacity figures (HSDS 3.1 `service_capacity`, with `unit`) for the
/// services imported, each with how it compares with Lantern's current figure; rows
/// naming no imported service or a unit kind the network does not count are refused.
/// A figure of a service not imported for its status is left out.
async fn capacity_figures(
    conn: &mut AsyncPgConnection,
    tables: &Tables,
    services: &[(String, usize, ServiceRec)],
    service_of: &HashMap<String, usize>,
    inactive: &[(String, String)],
    refused: &mut Refusals,
) -> AppResult<Vec<((Uuid, ImportedCapacity), FigureChange)>> {
    let rows = tables.rows("service_capacity");
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let units: Vec<Value> = tables.rows("unit").iter().map(|u| Value::Object(u.fields.clone())).collect();
    #[derive(QueryableByName)]
    struct Code {
        #[diesel(sql_type = Text)]
        code: String,
    }
    let kinds: HashSet<String> = diesel::sql_query("SELECT code FROM capacity_unit_kinds WHERE archived_at IS NULL")
        .load::<Code>(conn)
        .await?
        .into_iter()
        .map(|k| k.code)
        .collect();
    let mut found: Vec<(Uuid, ImportedCapacity)> = Vec::new();
    let mut seen: HashSet<(Uuid, String)> = HashSet::new();
    for row in rows {
        let Some(source_service) = row.text("service_id") else {
            refused.add(row, "service_id", "a capacity figure needs its service");
            continue;
        };
        if inactive.iter().any(|(id, _)| id.eq_ignore_ascii_case(&source_service)) {
            continue;
        }
        let Some(&i) = service_of.get(&source_service.to_lowercase()) else {
            refused.add(row, "service_id", "names no service in the dataset");
            continue;
        };
        // The service is named by its HSDS id above, which need not be a UUID.
        let mut fields = row.fields.clone();
        fields.remove("service_id");
        let figure = match crate::capacity::hsds::from_service_capacity(&Value::Object(fields), &units) {
            Ok(f) => f,
            Err(e) => {
                let (field, reason) = e.split_once(": ").unwrap_or(("service_capacity", e.as_str()));
                refused.add(row, field, reason);
                continue;
            }
        };
        if !kinds.contains(&figure.unit_code) {
            refused.add(row, "unit_id", format!("unit {} is not a unit kind this network counts", figure.unit_code));
            continue;
        }
        if figure.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
            refused.add(row, "description", "the note is longer than 500 characters");
            continue;
        }
        let service = services[i].2.id;
        if !seen.insert((service, figure.unit_code.clone())) {
            refused.add(row, "unit_id", "a second figure for the same service and unit");
            continue;
        }
        found.push((service, figure));
    }
    let ids: Vec<Uuid> = found.iter().map(|f| f.0).collect();
    let current: HashMap<(Uuid, String), CurrentFigure> = diesel::sql_query(
        "SELECT service_id, unit_code, available, maximum, status, accepting_referrals, note, set_at
         FROM service_capacity WHERE service_id = ANY($1)",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .load::<CurrentFigure>(conn)
    .await?
    .into_iter()
    .map(|c| ((c.service_id, c.unit_code.clone()), c))
    .collect();
    Ok(found
        .into_iter()
        .map(|(service, f)| {
            let change = match current.get(&(service, f.unit_code.clone())) {
                None => FigureChange::New,
                Some(c) => {
                    let same = (c.available, c.maximum, c.status.as_str(), c.accepting_referrals, c.note.as_deref())
                        == (f.available, f.maximum, f.status.as_db(), f.accepting_referrals, f.note.as_deref());
                    // HSDS times are to the millisecond; Lantern's to the microsecond.
                    let lantern_ms = c.set_at.timestamp_millis();
                    if same || f.updated.timestamp_millis() <= lantern_ms {
                        FigureChange::Same
                    } else {
                        FigureChange::Differs
                    }
                }
            };
            ((service, f), change)
        })
        .collect())
}

/// Records the figures (new, or differing from Lantern's): an insert or an update of
/// the current figure, each followed by its history row (a trigger), set by the import.
async fn write_capacities(conn: &mut AsyncPgConnection, figures: &[&(Uuid, ImportedCapacity)]) -> AppResult<()> {
    for chunk in figures.chunks(CHUNK) {
        let rows: Vec<Value> = chunk
            .iter()
            .map(|(service, f)| {
                json!({
                    "service_id": service, "unit_code": f.unit_code, "available": f.available, "maximum": f.maximum,
                    "status": f.status.as_db(), "accepting": f.accepting_referrals, "note": f.note, "set_at": f.updated,
                })
            })
            .collect();
        // The figure's own time is kept: its age (and staleness) is the source's.
        diesel::sql_query(
            "INSERT INTO service_capacity (service_id, provider_id, unit_code, available, maximum, status,
                                           accepting_referrals, note, set_at, source)
             SELECT x.service_id, s.provider_id, x.unit_code, x.available, x.maximum, x.status, x.accepting, x.note,
                    x.set_at, 'IMPORT'
             FROM jsonb_to_recordset($1::jsonb) AS x(service_id uuid, unit_code text, available integer,
                  maximum integer, status text, accepting boolean, note text, set_at timestamptz)
             JOIN services s ON s.id = x.service_id
             ON CONFLICT (service_id, unit_code) DO UPDATE
             SET available = EXCLUDED.available, maximum = EXCLUDED.maximum, status = EXCLUDED.status,
                 accepting_referrals = EXCLUDED.accepting_referrals, note = EXCLUDED.note, set_at = EXCLUDED.set_at,
                 set_by = NULL, set_by_api_key = NULL, set_by_link = NULL, referral_id = NULL, source = 'IMPORT',
                 version = service_capacity.version + 1
             WHERE EXCLUDED.set_at > date_trunc('milliseconds', service_capacity.set_at)",
        )
        .bind::<Jsonb, _>(Value::Array(rows))
        .execute(conn)
        .await?;
    }
    Ok(())
}

fn tally(c: &mut Counts, known: Option<&(Uuid, String)>, digest: &str) {
    match known {
        None => c.created += 1,
        Some((_, d)) if d == digest => c.unchanged += 1,
        Some(_) => c.updated += 1,
    }
}

/// Which of `candidates` (HSDS ids that are UUIDs) no row of `table` uses yet.
async fn free_ids(conn: &mut AsyncPgConnection, candidates: &[String], table: &str) -> AppResult<HashSet<Uuid>> {
    let ids: Vec<Uuid> = candidates.iter().filter_map(|c| Uuid::parse_str(c).ok()).collect();
    let mut free: HashSet<Uuid> = ids.iter().copied().collect();
    for chunk in ids.chunks(10_000) {
        let used: Vec<IdRow> = diesel::sql_query(format!("SELECT id FROM {table} WHERE id = ANY($1)"))
            .bind::<Array<SqlUuid>, _>(chunk.to_vec())
            .load(conn)
            .await?;
        for u in used {
            free.remove(&u.id);
        }
    }
    Ok(free)
}

const CHUNK: usize = 5000;

async fn write_providers(conn: &mut AsyncPgConnection, rows: &[ProviderRec]) -> AppResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|p| {
                json!({ "id": p.id, "name": p.name, "kind": p.kind.clone().unwrap_or_else(|| "other".into()),
                        "description": p.description, "website": p.website, "email": p.email, "synthetic": p.synthetic })
            })
            .collect();
        diesel::sql_query(
            "INSERT INTO providers (id, name, kind, description, website, email, synthetic)
             SELECT id, name, kind, description, website, email, synthetic FROM jsonb_to_recordset($1::jsonb)
               AS x(id uuid, name text, kind text, description text, website text, email text, synthetic boolean)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
               description = EXCLUDED.description, website = EXCLUDED.website, email = EXCLUDED.email,
               synthetic = EXCLUDED.synthetic, archived_at = NULL, version = providers.version + 1, updated_at = now()",
        )
        .bind::<Jsonb, _>(Value::Array(records))
        .execute(conn)
        .await?;
        let ids: Vec<Uuid> = chunk.iter().map(|p| p.id).collect();
        diesel::sql_query("DELETE FROM provider_phones WHERE provider_id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(ids.clone())
            .execute(conn)
            .await?;
        diesel::sql_query("DELETE FROM provider_service_areas WHERE provider_id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(ids)
            .execute(conn)
            .await?;
        let phones: Vec<Value> = chunk
            .iter()
            .flat_map(|p| {
                p.phones.iter().enumerate().map(move |(i, ph)| {
                    json!({ "id": ph.id, "provider_id": p.id, "number": ph.number, "label": ph.label,
                            "twenty_four_hour": ph.twenty_four_hour, "position": i })
                })
            })
            .collect();
        diesel::sql_query(
            "INSERT INTO provider_phones (id, provider_id, number, label, twenty_four_hour, position)
             SELECT id, provider_id, number, label, twenty_four_hour, position FROM jsonb_to_recordset($1::jsonb)
               AS x(id uuid, provider_id uuid, number text, label text, twenty_four_hour boolean, position int)",
        )
        .bind::<Jsonb, _>(Value::Array(phones))
        .execute(conn)
        .await?;
        let areas: Vec<Value> = chunk
            .iter()
            .flat_map(|p| p.areas.iter().map(move |fips| json!({ "provider_id": p.id, "county_fips": fips })))
            .collect();
        diesel::sql_query(
            "INSERT INTO provider_service_areas (provider_id, county_fips)
             SELECT provider_id, county_fips FROM jsonb_to_recordset($1::jsonb) AS x(provider_id uuid, county_fips text)",
        )
        .bind::<Jsonb, _>(Value::Array(areas))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn write_services(conn: &mut AsyncPgConnection, rows: &[ServiceRec]) -> AppResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let records: Vec<Value> = chunk.iter().map(|s| serde_json::to_value(s).unwrap_or_default()).collect();
        diesel::sql_query(
            "INSERT INTO services (id, provider_id, name, description, eligibility, cost, open_24h, languages, populations)
             SELECT id, provider_id, name, description, eligibility, cost, open_24h, languages, populations
             FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, provider_id uuid, name text, description text,
               eligibility text, cost text, open_24h boolean, languages text[], populations text[])
             ON CONFLICT (id) DO UPDATE SET provider_id = EXCLUDED.provider_id, name = EXCLUDED.name,
               description = EXCLUDED.description, eligibility = EXCLUDED.eligibility, cost = EXCLUDED.cost,
               open_24h = EXCLUDED.open_24h, languages = EXCLUDED.languages, populations = EXCLUDED.populations,
               archived_at = NULL, version = services.version + 1, updated_at = now()",
        )
        .bind::<Jsonb, _>(Value::Array(records.clone()))
        .execute(conn)
        .await?;
        let ids: Vec<Uuid> = chunk.iter().map(|s| s.id).collect();
        diesel::sql_query("DELETE FROM service_needs WHERE service_id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(ids)
            .execute(conn)
            .await?;
        diesel::sql_query(
            "INSERT INTO service_needs (service_id, need_code)
             SELECT (x ->> 'id')::uuid, n FROM jsonb_array_elements($1::jsonb) x, jsonb_array_elements_text(x -> 'needs') n",
        )
        .bind::<Jsonb, _>(Value::Array(records))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn write_locations(conn: &mut AsyncPgConnection, rows: &[LocationRec]) -> AppResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let records: Vec<Value> = chunk.iter().map(|l| serde_json::to_value(l).unwrap_or_default()).collect();
        diesel::sql_query(
            "INSERT INTO locations (id, provider_id, name, street, city, state, postal_code, geog, confidential,
                                    county_fips, public_geog, approximate)
             SELECT id, provider_id, name, street, city, state, postal_code,
                    ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, confidential, '',
                    ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, approximate
             FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, provider_id uuid, name text, street text, city text,
               state text, postal_code text, lat float8, lon float8, confidential boolean, approximate boolean)
             ON CONFLICT (id) DO UPDATE SET provider_id = EXCLUDED.provider_id, name = EXCLUDED.name,
               street = EXCLUDED.street, city = EXCLUDED.city, state = EXCLUDED.state,
               postal_code = EXCLUDED.postal_code, geog = EXCLUDED.geog, confidential = EXCLUDED.confidential,
               approximate = EXCLUDED.approximate, archived_at = NULL, version = locations.version + 1, updated_at = now()",
        )
        .bind::<Jsonb, _>(Value::Array(records))
        .execute(conn)
        .await?;
    }
    Ok(())
}
