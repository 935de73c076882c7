//! Lantern's directory as HSDS 3.0 JSON (the profile is `docs/hsds-profile.md`).
//!
//! The one rule that matters most lives in [`location`]: a confidential location never
//! carries an address or coordinates, whoever asks. Its name is given only to a viewer
//! who may see it (`Actor::may_see_confidential_location`); everyone else reads
//! "Confidential location" and its county.
//!
//! HSDS fields are typed strings without `null`: an absent value is left out, never
//! written as `null`.

use std::collections::HashMap;

use chrono::SecondsFormat;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::repo::{AreaRow, LocationRow, OrganizationRow, PhoneRow, ServiceRow};
use super::taxonomy::{self, LanternTerm, child_id, need_term_id};
use crate::auth::Actor;
use crate::db::StoredText;
use crate::providers::Population;

/// The name shown for a confidential location to a viewer who may not see it.
pub const CONFIDENTIAL_NAME: &str = "Confidential location";

/// What a service's nested form is built from: its organization and the organization's
/// phones, locations and counties.
#[derive(Default)]
pub struct Related {
    /// Organizations (providers) by id.
    pub organizations: HashMap<Uuid, OrganizationRow>,
    /// Each organization's locations, by organization id.
    pub locations: HashMap<Uuid, Vec<LocationRow>>,
    /// Each organization's phones, by organization id.
    pub phones: HashMap<Uuid, Vec<PhoneRow>>,
    /// Each organization's counties served (HSDS `service_area`), by organization id.
    pub areas: HashMap<Uuid, Vec<AreaRow>>,
    /// FUTURES needs by code: label and phase, for the services' taxonomy terms.
    pub needs: HashMap<String, (String, crate::needs::Phase)>,
    /// Each service's capacity figures as HSDS 3.1 `service_capacity` objects, by service
    /// id (none for a confidential shelter's services: `capacity::hsds::for_hsds`).
    pub capacities: HashMap<Uuid, Vec<Value>>,
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        map.insert(key.to_owned(), Value::String(v.to_owned()));
    }
}

/// A host name of DNS labels: at most 253 characters, two labels or more, each 1–63
/// letters, digits or hyphens, not beginning or ending with a hyphen.
fn host_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// An e-mail address HSDS's `email` format accepts, or nothing: a listing's address
/// that is not one (say, a domain label longer than DNS allows) is left out rather than
/// published invalid.
fn email(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| match v.split_once('@') {
        Some((local, domain)) => {
            (1..=64).contains(&local.len())
                && local.bytes().all(|b| b.is_ascii_graphic() && !b"@()<>[]:;,\\\"".contains(&b))
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && host_name(domain)
        }
        None => false,
    })
}

/// An absolute http(s) URL with a valid host, or nothing (HSDS's `uri` format needs a scheme).
fn url(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| {
        let Some(rest) = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://")) else { return false };
        let host = rest.split(['/', '?', '#', ':']).next().unwrap_or_default();
        host_name(host)
            && !v.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
            })
    })
}

/// An attribute linking `link_id` (a `link_entity`) to a term, with a value.
fn attribute(link_id: Uuid, link_entity: &str, link_type: &str, term: &taxonomy::Term, value: &str) -> Value {
    json!({
        "id": child_id(link_id, &format!("attribute:{}", term.code)),
        "link_id": link_id,
        "link_type": link_type,
        "link_entity": link_entity,
        "taxonomy_term_id": term.id,
        "value": value,
        "taxonomy_term": taxonomy::term_json(term),
    })
}

fn lantern_term(term: LanternTerm) -> taxonomy::Term {
    taxonomy::Term {
        id: term.id(),
        code: term.code(),
        name: String::new(),
        description: String::new(),
        parent_id: None,
        taxonomy_id: taxonomy::lantern_taxonomy_id(),
        meaning: taxonomy::TermMeaning::Lantern(term),
    }
}

/// The full Lantern term (name and description filled in).
fn lantern_term_full(term: LanternTerm) -> taxonomy::Term {
    taxonomy::terms(&[]).into_iter().find(|t| t.id == term.id()).unwrap_or_else(|| lantern_term(term))
}

/// An organization's one-to-one fields (`organization_list`).
pub fn organization_core(o: &OrganizationRow) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(o.id));
    m.insert("name".into(), json!(o.name));
    m.insert("description".into(), json!(o.description.as_deref().unwrap_or_default()));
    put(&mut m, "email", email(o.email.as_deref()));
    put(&mut m, "website", url(o.website.as_deref()));
    Value::Object(m)
}

/// The FUTURES columns (and the synthetic mark) of an organization as attributes.
fn organization_attributes(o: &OrganizationRow) -> Vec<Value> {
    let mut out = vec![
        attribute(
            o.id,
            "organization",
            "futures_column",
            &lantern_term_full(LanternTerm::HtTrained),
            bool_text(o.ht_trained),
        ),
        attribute(
            o.id,
            "organization",
            "futures_column",
            &lantern_term_full(LanternTerm::HasContact),
            bool_text(o.has_contact),
        ),
        attribute(
            o.id,
            "organization",
            "futures_column",
            &lantern_term_full(LanternTerm::HasActiveMou),
            bool_text(o.has_active_mou),
        ),
    ];
    if !o.kind.trim().is_empty() {
        out.push(attribute(o.id, "organization", "kind", &lantern_term_full(LanternTerm::Kind), o.kind.trim()));
    }
    if o.synthetic {
        out.push(attribute(o.id, "organization", "synthetic", &lantern_term_full(LanternTerm::Synthetic), "true"));
    }
    out
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// An organization with its attributes and phones (what a nested service carries).
pub fn organization_nested(o: &OrganizationRow, related: &Related) -> Value {
    let mut v = organization_core(o);
    v["attributes"] = Value::Array(organization_attributes(o));
    v["phones"] = Value::Array(related.phones.get(&o.id).map(|ps| ps.iter().map(phone).collect()).unwrap_or_default());
    v
}

/// A provider's phone.
pub fn phone(p: &PhoneRow) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("organization_id".into(), json!(p.provider_id));
    m.insert("number".into(), json!(p.number));
    m.insert("type".into(), json!("voice"));
    put(&mut m, "description", p.label.as_deref());
    let attributes = if p.twenty_four_hour {
        vec![attribute(p.id, "phone", "availability", &lantern_term_full(LanternTerm::Open24Hours), "true")]
    } else {
        Vec::new()
    };
    m.insert("attributes".into(), Value::Array(attributes));
    Value::Object(m)
}

/// A location as `viewer` may read it. A confidential one never has an address or
/// coordinates; its name only for a viewer who may see it; always its county.
pub fn location(l: &LocationRow, viewer: &Actor, with_addresses: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(l.id));
    m.insert("location_type".into(), json!("physical"));
    m.insert("organization_id".into(), json!(l.provider_id));
    if l.confidential {
        let name = if viewer.may_see_confidential_location(l.owner_organization_id) {
            l.name.as_deref().unwrap_or(CONFIDENTIAL_NAME)
        } else {
            CONFIDENTIAL_NAME
        };
        m.insert("name".into(), json!(name));
        m.insert(
            "description".into(),
            json!(format!(
                "A confidential location in {} County, North Carolina: its address and coordinates are withheld.",
                l.county_name
            )),
        );
    } else {
        put(&mut m, "name", l.name.as_deref());
        m.insert("latitude".into(), json!(l.latitude));
        m.insert("longitude".into(), json!(l.longitude));
    }
    if with_addresses {
        let addresses = if l.confidential { Vec::new() } else { address(l).into_iter().collect() };
        m.insert("addresses".into(), Value::Array(addresses));
        let attributes = if l.confidential {
            vec![attribute(
                l.id,
                "location",
                "confidentiality",
                &lantern_term_full(LanternTerm::ConfidentialLocation),
                &l.county_fips,
            )]
        } else {
            Vec::new()
        };
        m.insert("attributes".into(), Value::Array(attributes));
    }
    Value::Object(m)
}

/// The postal address of a location that is not confidential, when it has one.
fn address(l: &LocationRow) -> Option<Value> {
    debug_assert!(!l.confidential);
    let parts = [&l.street, &l.city, &l.state, &l.postal_code];
    if parts.iter().all(|p| p.as_deref().is_none_or(|v| v.trim().is_empty())) {
        return None;
    }
    let text = |p: &Option<String>| p.as_deref().unwrap_or_default().trim().to_owned();
    Some(json!({
        "id": child_id(l.id, "address"),
        "location_id": l.id,
        "address_1": text(&l.street),
        "city": text(&l.city),
        "state_province": text(&l.state),
        "postal_code": text(&l.postal_code),
        "country": "US",
        "address_type": "physical",
    }))
}

/// A service's one-to-one fields (`service_list`), with its organization's when known.
pub fn service_core(s: &ServiceRow, organization: Option<&OrganizationRow>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("organization_id".into(), json!(s.provider_id));
    m.insert("name".into(), json!(s.name));
    put(&mut m, "description", s.description.as_deref());
    m.insert("status".into(), json!("active"));
    put(&mut m, "eligibility_description", s.eligibility.as_deref());
    put(&mut m, "fees_description", s.cost.as_deref());
    m.insert("last_modified".into(), json!(s.last_modified.to_rfc3339_opts(SecondsFormat::Secs, true)));
    if let Some(o) = organization {
        m.insert("organization".into(), organization_core(o));
    }
    Value::Object(m)
}

/// `minimal=true`: the fewest fields a `service_list` item may have (HSDS asks for id and
/// modification date; the schema also requires name and status).
pub fn service_minimal(s: &ServiceRow) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "status": "active",
        "last_modified": s.last_modified.to_rfc3339_opts(SecondsFormat::Secs, true),
    })
}

/// A service's needs, populations and 24-hour availability as attributes.
fn service_attributes(s: &ServiceRow, related: &Related) -> Vec<Value> {
    let mut out = Vec::new();
    for code in &s.needs {
        let (label, phase) = match related.needs.get(code) {
            Some((label, phase)) => (label.clone(), *phase),
            None => continue,
        };
        let term = taxonomy::Term {
            id: need_term_id(code),
            code: code.clone(),
            name: label.clone(),
            description: format!("FUTURES need: {label}."),
            parent_id: Some(taxonomy::phase_term_id(phase)),
            taxonomy_id: taxonomy::futures_taxonomy_id(),
            meaning: taxonomy::TermMeaning::Need(code.clone()),
        };
        out.push(attribute(s.id, "service", "futures_need", &term, "true"));
    }
    for p in s.populations.iter().filter_map(|p| Population::from_db(p)) {
        out.push(attribute(s.id, "service", "population", &lantern_term_full(LanternTerm::Population(p)), "true"));
    }
    if s.open_24h {
        out.push(attribute(s.id, "service", "availability", &lantern_term_full(LanternTerm::Open24Hours), "true"));
    }
    out
}

/// A fully nested service (`service.json`) as `viewer` may read it.
pub fn service_full(s: &ServiceRow, related: &Related, viewer: &Actor) -> Value {
    let organization = related.organizations.get(&s.provider_id);
    let mut v = service_core(s, None);
    if let Some(o) = organization {
        v["organization"] = organization_nested(o, related);
    }
    v["phones"] =
        Value::Array(related.phones.get(&s.provider_id).map(|ps| ps.iter().map(phone).collect()).unwrap_or_default());
    v["languages"] = Value::Array(
        s.languages
            .iter()
            .map(|code| json!({ "id": child_id(s.id, &format!("language:{code}")), "service_id": s.id, "code": code }))
            .collect(),
    );
    v["service_areas"] = Value::Array(
        related
            .areas
            .get(&s.provider_id)
            .map(|areas| areas.iter().map(|a| service_area(s.id, a)).collect())
            .unwrap_or_default(),
    );
    v["attributes"] = Value::Array(service_attributes(s, related));
    // HSDS 3.1's `capacities`: the 3.0 schemas allow fields they do not name.
    v["capacities"] = Value::Array(related.capacities.get(&s.id).cloned().unwrap_or_default());
    v["service_at_locations"] = Value::Array(
        related
            .locations
            .get(&s.provider_id)
            .map(|ls| {
                ls.iter()
                    .map(|l| {
                        json!({
                            "id": taxonomy::service_at_location_id(s.id, l.id),
                            "service_id": s.id,
                            "location_id": l.id,
                            "location": location(l, viewer, true),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    );
    v
}

/// A county a service's provider serves, as an HSDS service area.
fn service_area(service: Uuid, a: &AreaRow) -> Value {
    json!({
        "id": child_id(service, &format!("area:{}", a.county_fips)),
        "service_id": service,
        "name": format!("{} County, NC", a.county_name),
        "extent": a.county_fips,
        "extent_type": "us_county_fips",
    })
}

/// A service at a location, list form (`service_at_location_list`).
pub fn service_at_location_core(id: Uuid, s: &ServiceRow, l: &LocationRow, related: &Related, viewer: &Actor) -> Value {
    service_at_location_list(id, s, l, related.organizations.get(&s.provider_id), viewer)
}

/// A service at a location, list form, with the service's organization when known.
pub fn service_at_location_list(
    id: Uuid,
    s: &ServiceRow,
    l: &LocationRow,
    organization: Option<&OrganizationRow>,
    viewer: &Actor,
) -> Value {
    json!({
        "id": id,
        "service_id": s.id,
        "location_id": l.id,
        "service": service_core(s, organization),
        "location": location(l, viewer, false),
    })
}

/// A service at a location, fully nested (`service_at_location.json`). It also carries
/// the service's `name` and `status`: Open Referral's published API reference gives this
/// answer the service schema (which requires both), so a client validating by it finds
/// them too.
pub fn service_at_location_full(id: Uuid, s: &ServiceRow, l: &LocationRow, related: &Related, viewer: &Actor) -> Value {
    json!({
        "id": id,
        "name": s.name,
        "status": "active",
        "service_id": s.id,
        "location_id": l.id,
        "service": service_full(s, related, viewer),
        "location": location(l, viewer, true),
        "phones": related.phones.get(&s.provider_id).map(|ps| ps.iter().map(phone).collect::<Vec<_>>()).unwrap_or_default(),
    })
}

/// A fully nested organization (`organization.json`): its services in list form, or
/// fully nested with `full_service`.
pub fn organization_full(
    o: &OrganizationRow,
    services: &[ServiceRow],
    related: &Related,
    viewer: &Actor,
    full_service: bool,
) -> Value {
    let mut v = organization_nested(o, related);
    v["locations"] = Value::Array(
        related
            .locations
            .get(&o.id)
            .map(|ls| ls.iter().map(|l| location(l, viewer, true)).collect())
            .unwrap_or_default(),
    );
    v["services"] = Value::Array(
        services
            .iter()
            .map(|s| if full_service { service_full(s, related, viewer) } else { service_core(s, None) })
            .collect(),
    );
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_valid_emails_and_urls_are_published() {
        assert_eq!(email(Some(" intake@example.org ")), Some("intake@example.org"));
        let long = format!("intake@{}.example.org", "a".repeat(64));
        assert_eq!(email(Some(&long)), None, "a DNS label is at most 63 characters");
        assert_eq!(email(Some("no-at-sign")), None);
        assert_eq!(email(Some("a@localhost")), None);
        assert_eq!(url(Some("https://example.org/x?y=1")), Some("https://example.org/x?y=1"));
        assert_eq!(url(Some("example.org")), None);
        assert_eq!(url(Some(&format!("https://{}.org", "b".repeat(64)))), None);
    }
}
