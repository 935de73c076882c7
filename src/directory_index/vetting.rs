//! Which organizations are vetted for which service areas of the Standards of Service,
//! held beside the directory so `searchProviders(filter: { vettedFor })` is answered in
//! memory as PostgreSQL answers it. Outcomes are few (one per accepted review) and
//! public; they are kept whole and evaluated on the view's day with the one rule,
//! `standards::vetted_as_of`, so a day rolling over needs no reload. A change to
//! `standards_outcomes` is announced as `vetting` on the directory channel (migration 21)
//! and the listener reads them all again.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::standards::{Outcome, ServiceArea, VettedArea, vetted_as_of};

/// Every organization's review outcomes.
#[derive(Clone, Debug, Default)]
pub struct Vetting {
    by_organization: HashMap<Uuid, Vec<Outcome>>,
}

impl Vetting {
    /// From every outcome recorded.
    pub fn new(outcomes: Vec<Outcome>) -> Self {
        let mut by_organization: HashMap<Uuid, Vec<Outcome>> = HashMap::new();
        for o in outcomes {
            by_organization.entry(o.organization_id).or_default().push(o);
        }
        Vetting { by_organization }
    }

    /// The areas `organization` is vetted for on `day`.
    pub fn areas_of(&self, organization: Option<Uuid>, day: NaiveDate) -> Vec<VettedArea> {
        organization
            .and_then(|org| self.by_organization.get(&org))
            .map(|outcomes| vetted_as_of(outcomes, day))
            .unwrap_or_default()
    }

    /// The organizations vetted on `day` for every one of `areas`.
    pub fn organizations_vetted_for(&self, areas: &[ServiceArea], day: NaiveDate) -> HashSet<Uuid> {
        self.by_organization
            .iter()
            .filter(|(_, outcomes)| {
                let vetted = vetted_as_of(outcomes, day);
                areas.iter().all(|a| vetted.iter().any(|v| v.area == *a))
            })
            .map(|(org, _)| *org)
            .collect()
    }
}
