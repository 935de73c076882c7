//! HSDS ids for what Lantern has no row for, and the two taxonomies Lantern publishes:
//! the FUTURES matrix (3 phases, each the parent of its needs) and Lantern's own terms
//! (the FUTURES columns, populations served, 24-hour availability, confidentiality).

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::StoredText;
use crate::needs::{NeedCategory, Phase};
use crate::providers::Population;

/// Namespace of every name-based (v5) id Lantern gives an HSDS record.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c61_6e74_6572_4e00_8000_4853_4453_3330);

/// A stable id for `name` (v5 in Lantern's namespace).
pub fn named_id(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// A stable id for a record that belongs to `owner` (a language of a service, a service
/// area, an attribute): v5 of the owner's id and `what`.
pub fn child_id(owner: Uuid, what: &str) -> Uuid {
    named_id(&format!("{owner}/{what}"))
}

/// The id of a service offered at a location: the first 16 bytes of SHA-256 over the two
/// ids, as the database's `hsds_service_at_location_id` computes it.
pub fn service_at_location_id(service: Uuid, location: Uuid) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(service.as_bytes());
    hash.update(location.as_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// The FUTURES taxonomy's id.
pub fn futures_taxonomy_id() -> Uuid {
    named_id("taxonomy:futures")
}

/// The Lantern taxonomy's id.
pub fn lantern_taxonomy_id() -> Uuid {
    named_id("taxonomy:lantern")
}

/// The term of a FUTURES need (its code, e.g. `acute.housing`).
pub fn need_term_id(code: &str) -> Uuid {
    named_id(&format!("futures:{code}"))
}

/// The term of a FUTURES phase.
pub fn phase_term_id(phase: Phase) -> Uuid {
    named_id(&format!("futures-phase:{}", phase_code(phase)))
}

/// A phase's term code: `acute`, `transitional`, `long_term` (the prefix of its needs' codes).
pub fn phase_code(phase: Phase) -> &'static str {
    match phase {
        Phase::Acute => "acute",
        Phase::Transitional => "transitional",
        Phase::LongTerm => "long_term",
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Acute => "Acute / crisis",
        Phase::Transitional => "Transitional",
        Phase::LongTerm => "Long-term stability",
    }
}

/// Lantern's own terms: what each is, and its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LanternTerm {
    /// FUTURES "Trained on HT?": basic HT training within three years.
    HtTrained,
    /// FUTURES "Have a contact?".
    HasContact,
    /// FUTURES "Partner with them?": an MOU in force.
    HasActiveMou,
    /// A service open around the clock.
    Open24Hours,
    /// A location whose address and coordinates are withheld; value: its county's FIPS code.
    ConfidentialLocation,
    /// A population a service is for.
    Population(Population),
    /// An invented sample listing.
    Synthetic,
    /// What sort of organization it is; value: Lantern's kind (`legal_aid`, …).
    Kind,
}

impl LanternTerm {
    /// Every term, in the order they are listed.
    pub fn all() -> Vec<LanternTerm> {
        let mut all = vec![
            LanternTerm::HtTrained,
            LanternTerm::HasContact,
            LanternTerm::HasActiveMou,
            LanternTerm::Open24Hours,
            LanternTerm::ConfidentialLocation,
            LanternTerm::Synthetic,
            LanternTerm::Kind,
        ];
        all.extend(Population::ALL.into_iter().map(LanternTerm::Population));
        all
    }

    /// The term's code, e.g. `lantern.ht_trained`, `population.minors`.
    pub fn code(self) -> String {
        match self {
            LanternTerm::HtTrained => "lantern.ht_trained".into(),
            LanternTerm::HasContact => "lantern.has_contact".into(),
            LanternTerm::HasActiveMou => "lantern.has_active_mou".into(),
            LanternTerm::Open24Hours => "lantern.open_24_hours".into(),
            LanternTerm::ConfidentialLocation => "lantern.confidential_location".into(),
            LanternTerm::Synthetic => "lantern.synthetic".into(),
            LanternTerm::Kind => "lantern.kind".into(),
            LanternTerm::Population(p) => format!("population.{}", p.as_db().to_ascii_lowercase()),
        }
    }

    fn name(self) -> &'static str {
        match self {
            LanternTerm::HtTrained => "Trained on human trafficking",
            LanternTerm::HasContact => "Has a contact known to the network",
            LanternTerm::HasActiveMou => "Has an MOU in force with the network",
            LanternTerm::Open24Hours => "Open 24 hours",
            LanternTerm::ConfidentialLocation => "Confidential location",
            LanternTerm::Synthetic => "Synthetic sample listing",
            LanternTerm::Kind => "Kind of organization",
            LanternTerm::Population(Population::Adults) => "Serves adults",
            LanternTerm::Population(Population::Minors) => "Serves minors",
            LanternTerm::Population(Population::ForeignBorn) => "Serves foreign-born people",
            LanternTerm::Population(Population::MenAndBoys) => "Serves men and boys",
            LanternTerm::Population(Population::Lgbtq) => "Serves LGBTQ+ people",
            LanternTerm::Population(Population::PeopleWithDisabilities) => "Serves people with disabilities",
        }
    }

    fn description(self) -> &'static str {
        match self {
            LanternTerm::HtTrained => {
                "FUTURES column \"Trained on HT?\": basic human-trafficking training (sex and labor) within the last three years. Value: true or false."
            }
            LanternTerm::HasContact => {
                "FUTURES column \"Have a contact?\": a named contact person known to the network. Value: true or false."
            }
            LanternTerm::HasActiveMou => {
                "FUTURES column \"Partner with them?\": a memorandum of understanding in force. Value: true or false."
            }
            LanternTerm::Open24Hours => "The service is available around the clock.",
            LanternTerm::ConfidentialLocation => {
                "The location's name, address and coordinates are withheld (a shelter). Value: the 5-digit FIPS code of its county, the only place given."
            }
            LanternTerm::Synthetic => "An invented sample listing: not a real organization.",
            LanternTerm::Kind => {
                "What sort of organization it is. Value: Lantern's kind, such as legal_aid or dv_sa_agency."
            }
            LanternTerm::Population(_) => "A population the service is for (FUTURES matrix note).",
        }
    }

    /// The term's published id, stable across runs (a UUIDv5 of its code).
    pub fn id(self) -> Uuid {
        named_id(&format!("lantern-term:{}", self.code()))
    }
}

/// A taxonomy term as Lantern publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// Its published id, stable across runs.
    pub id: Uuid,
    /// Its code: a FUTURES need or phase code, or `lantern.*` / `population.*`.
    pub code: String,
    /// The label shown to people.
    pub name: String,
    /// What it means, in a sentence.
    pub description: String,
    /// The broader term (a need's phase); `None` for top-level terms.
    pub parent_id: Option<Uuid>,
    /// The taxonomy it belongs to (FUTURES or Lantern).
    pub taxonomy_id: Uuid,
    /// What the term means for filtering services.
    pub meaning: TermMeaning,
}

/// What a term selects when a client filters by it.
#[derive(Clone, Debug, PartialEq)]
pub enum TermMeaning {
    /// Services covering this FUTURES need (its code).
    Need(String),
    /// Services covering any need of this phase.
    Phase(Phase),
    /// Services matching a Lantern term (a provider's columns, hours, population).
    Lantern(LanternTerm),
}

/// Every term Lantern publishes: the 3 phases, each followed by its needs in matrix
/// order, then Lantern's own.
pub fn terms(needs: &[NeedCategory]) -> Vec<Term> {
    let mut out = Vec::new();
    for phase in [Phase::Acute, Phase::Transitional, Phase::LongTerm] {
        out.push(Term {
            id: phase_term_id(phase),
            code: phase_code(phase).to_owned(),
            name: phase_name(phase).to_owned(),
            description: format!("FUTURES matrix phase: {}.", phase_name(phase)),
            parent_id: None,
            taxonomy_id: futures_taxonomy_id(),
            meaning: TermMeaning::Phase(phase),
        });
        for need in needs.iter().filter(|n| n.phase == phase) {
            out.push(Term {
                id: need_term_id(&need.code),
                code: need.code.clone(),
                name: need.label.clone(),
                description: format!("FUTURES need ({}): {}.", phase_name(phase), need.label),
                parent_id: Some(phase_term_id(phase)),
                taxonomy_id: futures_taxonomy_id(),
                meaning: TermMeaning::Need(need.code.clone()),
            });
        }
    }
    for term in LanternTerm::all() {
        out.push(Term {
            id: term.id(),
            code: term.code(),
            name: term.name().to_owned(),
            description: term.description().to_owned(),
            parent_id: None,
            taxonomy_id: lantern_taxonomy_id(),
            meaning: TermMeaning::Lantern(term),
        });
    }
    out
}

/// What the term `id` selects among the terms of `needs` ([`terms`]); `None` when no term
/// has that id. Every HSDS read filtered by a term asks this, and building the terms
/// computes some fifty name-based ids (a SHA-1 each), so what the terms of the last list
/// of needs mean is kept: the list is the FUTURES matrix, which changes only with a
/// migration.
pub fn term_meaning(id: Uuid, needs: &[NeedCategory]) -> Option<TermMeaning> {
    type Meanings = (Vec<NeedCategory>, HashMap<Uuid, TermMeaning>);
    static LAST: Mutex<Option<Meanings>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if last.as_ref().is_none_or(|(of, _)| of.as_slice() != needs) {
        let meanings = terms(needs).into_iter().map(|t| (t.id, t.meaning)).collect();
        *last = Some((needs.to_vec(), meanings));
    }
    last.as_ref().and_then(|(_, meanings)| meanings.get(&id).cloned())
}

/// A taxonomy: id, name, description, version.
pub struct Taxonomy {
    /// Its published id, stable across runs.
    pub id: Uuid,
    /// The label shown to people, such as "Lantern directory attributes".
    pub name: &'static str,
    /// What the taxonomy covers, in a sentence.
    pub description: &'static str,
}

/// The taxonomies Lantern publishes.
pub fn taxonomies() -> [Taxonomy; 2] {
    [
        Taxonomy {
            id: futures_taxonomy_id(),
            name: "FUTURES Anti-Human Trafficking Resources Assessment",
            description: "The need categories of the FUTURES matrix: 33 needs of survivors of human trafficking under three phases (acute / crisis, transitional, long-term stability). Term codes are Lantern's stable need codes such as acute.housing.",
        },
        Taxonomy {
            id: lantern_taxonomy_id(),
            name: "Lantern directory attributes",
            description: "Terms Lantern's HSDS profile uses as attributes: the FUTURES columns (trained on HT, has a contact, has an MOU in force), 24-hour availability, populations served, confidential locations and synthetic sample listings.",
        },
    ]
}

/// A taxonomy as HSDS JSON.
pub fn taxonomy_json(t: &Taxonomy) -> Value {
    json!({ "id": t.id, "name": t.name, "description": t.description, "version": "1" })
}

/// A term as HSDS JSON.
pub fn term_json(t: &Term) -> Value {
    let mut v = json!({
        "id": t.id,
        "code": t.code,
        "name": t.name,
        "description": t.description,
        "taxonomy_id": t.taxonomy_id,
        "taxonomy": if t.taxonomy_id == futures_taxonomy_id() { "FUTURES" } else { "Lantern" },
        "language": "en",
    });
    if let Some(parent) = t.parent_id {
        v["parent_id"] = json!(parent);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(need_term_id("acute.housing"), need_term_id("acute.housing"));
        assert_ne!(need_term_id("acute.housing"), need_term_id("acute.safety"));
        let (s, l) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_ne!(service_at_location_id(s, l), service_at_location_id(l, s));
    }

    #[test]
    fn a_terms_meaning_follows_the_list_of_needs_it_is_asked_with() {
        let need = |code: &str, phase| NeedCategory { code: code.into(), phase, label: code.into(), position: 1 };
        let housing = [need("acute.housing", Phase::Acute)];
        let legal = [need("transitional.legal", Phase::Transitional)];
        let id = need_term_id("acute.housing");
        assert_eq!(term_meaning(id, &housing), Some(TermMeaning::Need("acute.housing".into())));
        // Asked with another list, the term is no longer one of them; then it is again.
        assert_eq!(term_meaning(id, &legal), None);
        assert_eq!(term_meaning(id, &housing), Some(TermMeaning::Need("acute.housing".into())));
        assert_eq!(
            term_meaning(phase_term_id(Phase::Transitional), &legal),
            Some(TermMeaning::Phase(Phase::Transitional))
        );
        assert_eq!(term_meaning(LanternTerm::HtTrained.id(), &[]), Some(TermMeaning::Lantern(LanternTerm::HtTrained)));
        assert_eq!(term_meaning(Uuid::from_u128(7), &housing), None);
    }

    #[test]
    fn lantern_terms_have_distinct_ids() {
        let ids: std::collections::HashSet<Uuid> = LanternTerm::all().into_iter().map(LanternTerm::id).collect();
        assert_eq!(ids.len(), LanternTerm::all().len());
    }
}
