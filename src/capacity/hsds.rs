//! HSDS 3.1 `service_capacity` and `unit`, both ways, as pure functions (no database, no
//! web types): the HSDS API, export and import call these.
//!
//! Mapping: `service_capacity.id` is the figure's id, `service_id` its service, `unit`
//! the unit kind (`unit.id` a UUID derived from the kind's code, `unit.identifier` the
//! code, `unit.scheme` `"lantern"`), `available` the units free to offer **now** (the
//! figure less live holds, and 0 when the figure is stale, on a waitlist or not
//! accepting referrals — HSDS has no status, so a consumer that only reads `available`
//! must not offer a bed Lantern would not), `maximum`, `description` the state in words
//! (and the note, for exact figures), `updated` when the figure was set. A confidential
//! shelter's figure, for a reader who may not see where it is, is not exported: HSDS has
//! no way to say "state only".
//!
//! `/hsds` (on full services, as `capacities`) and `lantern hsds export` (the
//! `service_capacity` and `unit` tables, and in JSON) carry these; `lantern hsds import`
//! reads them back (see `docs/hsds-profile.md`). A confidential shelter's figure is left
//! out of every HSDS answer and file, whoever asks: [`for_hsds`].

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{CapacityStatus, CapacityView, RoomState, available_now};
use crate::auth::Actor;
use crate::error::AppResult;

/// The namespace of unit ids: `unit.id` = UUIDv5(namespace, code), stable everywhere.
const UNIT_NAMESPACE: Uuid = Uuid::from_u128(0x6c61_6e74_6572_6e2d_756e_6974_2d69_6473);

/// The stable `unit.id` of a unit kind.
pub(crate) fn unit_id(code: &str) -> Uuid {
    Uuid::new_v5(&UNIT_NAMESPACE, code.as_bytes())
}

/// The state in words, for `description`.
pub(crate) fn describe(state: RoomState) -> &'static str {
    match state {
        RoomState::RoomNow => "Room now",
        RoomState::Waitlist => "Waitlist",
        RoomState::NoCapacity => "No capacity",
        RoomState::NotAccepting => "Not accepting referrals",
        RoomState::CallToConfirm => "Call to confirm (the figure is out of date)",
    }
}

/// A figure as an HSDS 3.1 `service_capacity` object (with its `unit`), or `None` when
/// it is withheld from this reader.
pub(crate) fn to_service_capacity(view: &CapacityView) -> Option<Value> {
    if !view.exact {
        return None;
    }
    let f = &view.figure;
    let state = view.state();
    let description = match &f.note {
        Some(note) => format!("{}. {note}", describe(state)),
        None => describe(state).to_owned(),
    };
    let mut out = json!({
        "id": f.id,
        "service_id": f.service_id,
        "unit": {
            "id": unit_id(&f.unit_code),
            "name": f.unit_name,
            "scheme": "lantern",
            "identifier": f.unit_code,
        },
        "unit_id": unit_id(&f.unit_code),
        "available": available_now(f, view.as_of),
        "description": description,
        "updated": f.set_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    if let Some(max) = f.maximum {
        out["maximum"] = json!(max);
    }
    Some(out)
}

/// The figures of these services as HSDS 3.1 `service_capacity` objects, by service, for
/// any HSDS answer or file: read as the public reads them, and without a confidential
/// shelter's figures at all (shown only as its county's aggregate elsewhere: a
/// per-service figure would point at the shelter).
pub(crate) async fn for_hsds(
    conn: &mut AsyncPgConnection,
    service_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Value>>> {
    let mut out: HashMap<Uuid, Vec<Value>> = HashMap::new();
    if service_ids.is_empty() {
        return Ok(out);
    }
    for (service, views) in super::for_services(conn, &Actor::Anonymous, service_ids).await? {
        let figures: Vec<Value> =
            views.iter().filter(|v| v.county_fips.is_none()).filter_map(to_service_capacity).collect();
        if !figures.is_empty() {
            out.insert(service, figures);
        }
    }
    Ok(out)
}

/// A `service_capacity` read for import: what Lantern can take from it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ImportedCapacity {
    pub service_id: Option<Uuid>,
    /// The unit kind's code: `unit.identifier` when the scheme is Lantern's, else the
    /// unit's name in lower_snake_case (`"Family room"` → `family_room`).
    pub unit_code: String,
    pub available: i32,
    pub maximum: Option<i32>,
    /// Lantern's own (`unit.scheme` `"lantern"`): the state its `description` names
    /// (`WAITLIST`); otherwise, and for any other state, more than 0 available is
    /// `AVAILABLE`, else `NO_CAPACITY`.
    pub status: CapacityStatus,
    /// `false` only for Lantern's own "Not accepting referrals".
    pub accepting_referrals: bool,
    /// Lantern's own: the note after the state in `description`.
    pub note: Option<String>,
    pub updated: DateTime<Utc>,
}

/// The state and note Lantern wrote into `description` ([`to_service_capacity`]):
/// `(waitlist, accepting, note)`; `None` when it does not start with a state.
fn read_description(description: &str) -> Option<(bool, bool, Option<String>)> {
    let states = [
        RoomState::RoomNow,
        RoomState::Waitlist,
        RoomState::NoCapacity,
        RoomState::NotAccepting,
        RoomState::CallToConfirm,
    ];
    let (state, rest) =
        states.into_iter().find_map(|st| description.strip_prefix(describe(st)).map(|rest| (st, rest)))?;
    let note = match rest {
        "" => None,
        rest => Some(rest.strip_prefix(". ")?.trim().to_owned()).filter(|n| !n.is_empty()),
    };
    Some((state == RoomState::Waitlist, state != RoomState::NotAccepting, note))
}

/// Reads an HSDS 3.1 `service_capacity` object (`unit` nested, or only `unit_id` with the
/// unit given in `units`); `Err` names the field at fault.
pub(crate) fn from_service_capacity(value: &Value, units: &[Value]) -> Result<ImportedCapacity, String> {
    let unit = match value.get("unit") {
        Some(u) if u.is_object() => u.clone(),
        _ => {
            let id = value.get("unit_id").and_then(Value::as_str).ok_or("unit: missing")?;
            units
                .iter()
                .find(|u| u.get("id").and_then(Value::as_str) == Some(id))
                .cloned()
                .ok_or("unit_id: names no unit")?
        }
    };
    let lantern = unit.get("scheme").and_then(Value::as_str) == Some("lantern");
    let unit_code = match (lantern, unit.get("identifier").and_then(Value::as_str)) {
        (true, Some(code)) => code.to_owned(),
        _ => {
            let name = unit.get("name").and_then(Value::as_str).ok_or("unit.name: missing")?;
            let mut code = String::new();
            for c in name.trim().chars() {
                if c.is_ascii_alphanumeric() {
                    code.push(c.to_ascii_lowercase());
                } else if !code.ends_with('_') && !code.is_empty() {
                    code.push('_');
                }
            }
            code.trim_end_matches('_').to_owned()
        }
    };
    if unit_code.is_empty() {
        return Err("unit.name: empty".into());
    }
    let count = |field: &str| -> Result<Option<i32>, String> {
        match value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(t)) if t.trim().is_empty() => Ok(None),
            Some(v) => {
                // A CSV cell is text.
                let n = v
                    .as_f64()
                    .or_else(|| v.as_str().and_then(|t| t.trim().parse::<f64>().ok()))
                    .ok_or(format!("{field}: not a number"))?;
                if n.fract() != 0.0 || !(0.0..=100_000.0).contains(&n) {
                    return Err(format!("{field}: must be a whole number from 0 to 100000"));
                }
                Ok(Some(n as i32))
            }
        }
    };
    let available = count("available")?.ok_or("available: missing")?;
    let maximum = count("maximum")?;
    if maximum.is_some_and(|m| available > m) {
        return Err("available: more than maximum".into());
    }
    let updated = value
        .get("updated")
        .and_then(Value::as_str)
        .ok_or("updated: missing")
        .and_then(|s| DateTime::parse_from_rfc3339(s).map_err(|_| "updated: not a date-time"))?
        .with_timezone(&Utc);
    let service_id = match value.get("service_id").and_then(Value::as_str) {
        Some(s) => Some(s.parse().map_err(|_| "service_id: not a uuid")?),
        None => None,
    };
    let description = value.get("description").and_then(Value::as_str).unwrap_or_default();
    let (waitlist, accepting_referrals, note) =
        if lantern { read_description(description).unwrap_or((false, true, None)) } else { (false, true, None) };
    let status = if waitlist {
        CapacityStatus::Waitlist
    } else if available > 0 {
        CapacityStatus::Available
    } else {
        CapacityStatus::NoCapacity
    };
    Ok(ImportedCapacity { service_id, unit_code, available, maximum, status, accepting_referrals, note, updated })
}

#[cfg(test)]
mod tests {
    use super::super::{Figure, Source};
    use super::*;

    fn view(exact: bool) -> CapacityView {
        let now = Utc::now();
        CapacityView {
            figure: Figure {
                id: Uuid::new_v4(),
                service_id: Uuid::new_v4(),
                provider_id: Uuid::new_v4(),
                unit_code: "family_room".into(),
                unit_name: "Family room".into(),
                stale_after_minutes: 720,
                available: 3,
                maximum: Some(5),
                status: CapacityStatus::Available,
                accepting_referrals: true,
                note: Some("Ground floor".into()),
                set_at: now,
                set_by: None,
                set_by_name: None,
                set_by_api_key: None,
                set_by_link: None,
                source: Source::Staff,
                version: 1,
                hold_expiries: vec![now + chrono::Duration::hours(1)],
            },
            as_of: now,
            exact,
            county_fips: None,
            insider: false,
        }
    }

    #[test]
    fn a_figure_round_trips_through_hsds_with_holds_subtracted() {
        let v = view(true);
        let out = to_service_capacity(&v).unwrap();
        for field in ["id", "unit", "available", "updated"] {
            assert!(out.get(field).is_some(), "required field {field}");
        }
        assert_eq!(out["available"], 2);
        assert_eq!(out["maximum"], 5);
        assert_eq!(out["unit"]["identifier"], "family_room");
        let back = from_service_capacity(&out, &[]).unwrap();
        assert_eq!(back.unit_code, "family_room");
        assert_eq!(back.available, 2);
        assert_eq!(back.maximum, Some(5));
        assert_eq!(back.service_id, Some(v.figure.service_id));
        assert_eq!(back.updated.timestamp_millis(), v.figure.set_at.timestamp_millis());
        assert!(to_service_capacity(&view(false)).is_none());
    }

    #[test]
    fn lantern_s_own_state_and_note_come_back_from_the_description() {
        let mut v = view(true);
        v.figure.status = CapacityStatus::Waitlist;
        let back = from_service_capacity(&to_service_capacity(&v).unwrap(), &[]).unwrap();
        assert_eq!((back.status, back.accepting_referrals, back.available), (CapacityStatus::Waitlist, true, 0));
        assert_eq!(back.note.as_deref(), Some("Ground floor"));
        let mut v = view(true);
        v.figure.accepting_referrals = false;
        v.figure.note = None;
        let back = from_service_capacity(&to_service_capacity(&v).unwrap(), &[]).unwrap();
        assert_eq!((back.accepting_referrals, back.note), (false, None));
        // Another scheme's description is only words.
        let unit = json!({ "id": "187a37a2-7b40-11ef-9790-dbf7623d4407", "name": "Bed" });
        let sc = json!({ "unit": unit, "available": "0", "description": "Waitlist. Call us",
                         "updated": "2024-09-25T14:23:06.5+01:00" });
        let back = from_service_capacity(&sc, &[]).unwrap();
        assert_eq!((back.status, back.note, back.available), (CapacityStatus::NoCapacity, None, 0));
    }

    #[test]
    fn import_reads_other_schemes_by_name_and_refuses_bad_counts() {
        let unit = json!({ "id": "187a37a2-7b40-11ef-9790-dbf7623d4407", "name": "Family Room" });
        let sc = json!({ "id": "8896b788-7b3e-11ef-8db9-7f3d040352b3", "unit_id": unit["id"], "available": 1,
                         "updated": "2024-09-25T14:23:06.5+01:00" });
        assert_eq!(from_service_capacity(&sc, std::slice::from_ref(&unit)).unwrap().unit_code, "family_room");
        let bad = json!({ "unit": unit, "available": 2.5, "updated": "2024-09-25T14:23:06.5+01:00" });
        assert!(from_service_capacity(&bad, &[]).unwrap_err().starts_with("available"));
        let over = json!({ "unit": unit, "available": 6, "maximum": 5, "updated": "2024-09-25T14:23:06.5+01:00" });
        assert!(from_service_capacity(&over, &[]).is_err());
    }
}
