//! HSDS records as flat tables, the shape of a CSV data package: nested JSON (an API
//! answer, an NDJSON line) is flattened into them, and CSV files read into them, so
//! import and export each handle one shape. Rows remember where they came from (file
//! and row) for the import's report.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

/// One record's fields (scalars only) and where it was read.
#[derive(Clone, Debug)]
pub struct Row {
    /// The file it was read from (a CSV table or JSON file).
    pub file: String,
    /// 1-based: the CSV line (header = 1), or the JSON line / array item.
    pub row: usize,
    /// Field name to value; nested objects and arrays are left out (flattened into
    /// their own tables).
    pub fields: Map<String, Value>,
}

impl Row {
    /// A field as text (`None` when absent or empty).
    pub fn text(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// Records by HSDS table name (`organization`, `service`, `location`, …), each table in
/// the order read, without repeated ids.
#[derive(Debug, Default)]
pub struct Tables {
    /// Rows by HSDS table name.
    pub tables: BTreeMap<String, Vec<Row>>,
    seen: HashSet<(String, String)>,
}

fn scalars(object: &Map<String, Value>) -> Map<String, Value> {
    object
        .iter()
        .filter(|(_, v)| !v.is_array() && !v.is_object() && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn objects<'a>(object: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    object.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

impl Tables {
    /// Adds a row to `table` unless one with its id is there already.
    pub fn push(&mut self, table: &str, row: Row) {
        if let Some(id) = row.text("id")
            && !self.seen.insert((table.to_owned(), id))
        {
            return;
        }
        self.tables.entry(table.to_owned()).or_default().push(row);
    }

    /// The rows of `table`.
    pub fn rows(&self, table: &str) -> &[Row] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or_default()
    }

    fn add(&mut self, table: &str, object: &Map<String, Value>, at: (&str, usize), fill: &[(&str, &Value)]) {
        let mut fields = scalars(object);
        for (key, value) in fill {
            if !value.is_null() {
                fields.entry(key.to_string()).or_insert_with(|| (*value).clone());
            }
        }
        self.push(table, Row { file: at.0.to_owned(), row: at.1, fields });
    }

    /// Flattens one nested record of any top-level kind: a service, an organization, a
    /// service at a location, a location, a taxonomy or a term (told apart by their fields).
    pub fn add_nested(&mut self, v: &Map<String, Value>, at: (&str, usize)) {
        if v.contains_key("service") && v.contains_key("location_id") {
            self.service_at_location(v, None, at);
        } else if v.contains_key("status") || v.contains_key("service_at_locations") {
            self.service(v, at);
        } else if v.contains_key("location_type") {
            self.location(v, None, at);
        } else if v.contains_key("taxonomy_id") || v.contains_key("parent_id") || v.contains_key("code") {
            self.add("taxonomy_term", v, at, &[]);
        } else if v.contains_key("version") && !v.contains_key("services") {
            self.add("taxonomy", v, at, &[]);
        } else {
            self.organization(v, at);
        }
    }

    /// An organization with what it nests.
    pub fn organization(&mut self, o: &Map<String, Value>, at: (&str, usize)) {
        self.add("organization", o, at, &[]);
        let id = o.get("id").cloned().unwrap_or(Value::Null);
        for p in objects(o, "phones") {
            self.add("phone", p, at, &[("organization_id", &id)]);
        }
        for l in objects(o, "locations") {
            self.location(l, Some(&id), at);
        }
        for a in objects(o, "attributes") {
            self.attribute(a, &id, "organization", at);
        }
        for s in objects(o, "services") {
            let mut s = s.clone();
            s.entry("organization_id").or_insert(id.clone());
            self.service(&s, at);
        }
    }

    /// A service with what it nests (its phones are its organization's in Lantern's
    /// profile, and keep their own links).
    pub fn service(&mut self, s: &Map<String, Value>, at: (&str, usize)) {
        let id = s.get("id").cloned().unwrap_or(Value::Null);
        let organization = s.get("organization").and_then(Value::as_object);
        let organization_id = organization.and_then(|o| o.get("id")).cloned().unwrap_or(Value::Null);
        self.add("service", s, at, &[("organization_id", &organization_id)]);
        if let Some(o) = organization {
            self.organization(o, at);
        }
        for p in objects(s, "phones") {
            let fill = if p.contains_key("organization_id") { Value::Null } else { id.clone() };
            self.add("phone", p, at, &[("service_id", &fill)]);
        }
        for l in objects(s, "languages") {
            self.add("language", l, at, &[("service_id", &id)]);
        }
        for a in objects(s, "service_areas") {
            self.add("service_area", a, at, &[("service_id", &id)]);
        }
        for a in objects(s, "attributes") {
            self.attribute(a, &id, "service", at);
        }
        // HSDS 3.1: capacity figures, each with its unit.
        for c in objects(s, "capacities") {
            let unit = c.get("unit").and_then(Value::as_object);
            let unit_id = unit.and_then(|u| u.get("id")).cloned().unwrap_or(Value::Null);
            self.add("service_capacity", c, at, &[("service_id", &id), ("unit_id", &unit_id)]);
            if let Some(u) = unit {
                self.add("unit", u, at, &[]);
            }
        }
        for sal in objects(s, "service_at_locations") {
            self.service_at_location(sal, Some(&id), at);
        }
    }

    fn service_at_location(&mut self, sal: &Map<String, Value>, service_id: Option<&Value>, at: (&str, usize)) {
        let location = sal.get("location").and_then(Value::as_object);
        let location_id = location.and_then(|l| l.get("id")).cloned().unwrap_or(Value::Null);
        let service_id = service_id.cloned().unwrap_or(Value::Null);
        self.add("service_at_location", sal, at, &[("service_id", &service_id), ("location_id", &location_id)]);
        if let Some(service) = sal.get("service").and_then(Value::as_object) {
            self.service(service, at);
        }
        if let Some(l) = location {
            self.location(l, None, at);
        }
    }

    fn location(&mut self, l: &Map<String, Value>, organization_id: Option<&Value>, at: (&str, usize)) {
        let id = l.get("id").cloned().unwrap_or(Value::Null);
        self.add("location", l, at, &[("organization_id", organization_id.unwrap_or(&Value::Null))]);
        for a in objects(l, "addresses") {
            self.add("address", a, at, &[("location_id", &id)]);
        }
        for a in objects(l, "attributes") {
            self.attribute(a, &id, "location", at);
        }
    }

    fn attribute(&mut self, a: &Map<String, Value>, link_id: &Value, entity: &str, at: (&str, usize)) {
        let term = a.get("taxonomy_term").and_then(Value::as_object);
        let term_id = term.and_then(|t| t.get("id")).cloned().unwrap_or(Value::Null);
        let entity = Value::String(entity.to_owned());
        // An attribute's id is unique per record it describes; several records may share
        // an id scheme, so the row keeps its own.
        self.add("attribute", a, at, &[("link_id", link_id), ("link_entity", &entity), ("taxonomy_term_id", &term_id)]);
        if let Some(t) = term {
            self.add("taxonomy_term", t, at, &[]);
            if let Some(detail) = t.get("taxonomy_detail").and_then(Value::as_object) {
                self.add("taxonomy", detail, at, &[]);
            }
        }
    }
}
