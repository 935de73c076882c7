//! The NC Human Trafficking Commission's *Standards of Service* and the FUTURES *Capacity
//! Assessment Checklist & Action Plan*: organizations assess themselves against the
//! standards, reviewers accept or return each answer, and the outcome — which service
//! areas an organization meets the standards for, from when until when — is public.
//!
//! - Reference data: 54 standards (26 foundational, the rest in five service areas), each
//!   with the texts of what exceeds, meets and does not meet it; which service areas a
//!   service meeting a FUTURES need belongs to ([`ServiceArea`], `need_standard_areas`).
//! - [`assessments`]: an organization's scope (the service areas it provides, derived from
//!   its services and adjustable by it) and its self-assessments, kept as versions.
//! - [`review`]: reviewer grants, decisions standard by standard, the outcome.
//! - [`checklist`]: the capacity checklist, internal capacity review and action plan.
//! - [`aggregate`]: how many organizations meet each standard, statewide and per county,
//!   with small counts withheld.
//!
//! This file holds the types and the pure rules; `repo.rs` the queries. Nothing here knows
//! HTTP or GraphQL.

pub(crate) mod aggregate;
pub(crate) mod assessments;
pub(crate) mod checklist;
mod repo;

pub(crate) use repo::vetted_areas_for;
pub(crate) mod review;
pub(crate) mod routing;

use std::sync::Arc;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use uuid::Uuid;

use crate::auth::{Actor, Member, Role};
use crate::db::StoredText;
use crate::error::{AppError, AppResult};
use crate::validate;

/// A service area of the Standards of Service (Section II). The foundational standards
/// (Section I) apply to every organization whatever its service areas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceArea {
    /// Service Area 1: 24-Hour Hotline.
    Hotline,
    /// Service Area 2: Crisis Response.
    CrisisResponse,
    /// Service Area 3: Case Management.
    CaseManagement,
    /// Service Area 4: Survivor Peer Support.
    PeerSupport,
    /// Service Area 5: Shelter and Housing.
    ShelterHousing,
}

impl StoredText for ServiceArea {
    const STORED: &'static [Self] = &ServiceArea::ALL;

    /// The code stored in the database and used in seed-data.
    fn as_db(self) -> &'static str {
        match self {
            ServiceArea::Hotline => "HOTLINE",
            ServiceArea::CrisisResponse => "CRISIS_RESPONSE",
            ServiceArea::CaseManagement => "CASE_MANAGEMENT",
            ServiceArea::PeerSupport => "PEER_SUPPORT",
            ServiceArea::ShelterHousing => "SHELTER_HOUSING",
        }
    }
}

impl ServiceArea {
    /// Every service area, in the document's order.
    pub const ALL: [ServiceArea; 5] = [
        ServiceArea::Hotline,
        ServiceArea::CrisisResponse,
        ServiceArea::CaseManagement,
        ServiceArea::PeerSupport,
        ServiceArea::ShelterHousing,
    ];

    /// Reads stored codes, in the document's order, without duplicates.
    pub(crate) fn from_db_list(values: &[Option<String>]) -> AppResult<Vec<Self>> {
        Ok(ServiceArea::set_of(ServiceArea::decode_list(values)?))
    }

    /// `areas` in the document's order, without duplicates.
    pub(crate) fn set_of(mut areas: Vec<ServiceArea>) -> Vec<Self> {
        areas.sort();
        areas.dedup();
        areas
    }

    /// The codes of `areas`, for storing.
    pub(crate) fn to_db_list(areas: &[ServiceArea]) -> Vec<Option<String>> {
        areas.iter().map(|a| Some(a.as_db().to_owned())).collect()
    }
}

/// A service area as the document describes it, with the FUTURES needs that lead to it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServiceAreaInfo {
    pub area: ServiceArea,
    /// Its number in the document (1–5).
    pub number: i32,
    pub title: String,
    pub definition: String,
    pub goal: String,
    /// Need-category codes whose services belong to this area (`need_standard_areas`).
    pub need_codes: Vec<String>,
}

/// One standard with its rubric.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Standard {
    /// 1–54, as numbered in the document.
    pub number: i32,
    /// `None` for a foundational standard.
    pub area: Option<ServiceArea>,
    /// The group a foundational standard is listed under ("External Authority", …).
    pub group: Option<String>,
    pub title: String,
    /// What the standard asks; `None` where the document states none (Standard 51).
    pub statement: Option<String>,
    /// What exceeds it; `None` where the document has no such level (Standard 41).
    pub exceeds: Option<String>,
    /// What meets it: the minimum for safe, effective, victim-centered services.
    pub meets: String,
    /// What does not meet it.
    pub does_not_meet: String,
}

impl Standard {
    /// Whether an answer may choose `level` for this standard: every level but EXCEEDS
    /// where the document gives no "exceeds" text.
    pub fn offers(&self, level: Level) -> bool {
        level != Level::Exceeds || self.exceeds.is_some()
    }

    /// Whether the standard applies to an organization providing `areas`.
    pub fn applies_to(&self, areas: &[ServiceArea]) -> bool {
        self.area.is_none_or(|a| areas.contains(&a))
    }
}

/// The standards applying to an organization providing `areas` (all foundational ones and
/// those of its areas), by number.
pub(crate) fn applicable(standards: &[Standard], areas: &[ServiceArea]) -> Vec<i32> {
    standards.iter().filter(|s| s.applies_to(areas)).map(|s| s.number).collect()
}

/// How an organization rates itself on a standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Level {
    Exceeds,
    Meets,
    DoesNotMeet,
    /// The standard does not apply to the organization (with a reason).
    NotApplicable,
}

impl StoredText for Level {
    const STORED: &'static [Self] = &[Level::Exceeds, Level::Meets, Level::DoesNotMeet, Level::NotApplicable];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            Level::Exceeds => "EXCEEDS",
            Level::Meets => "MEETS",
            Level::DoesNotMeet => "DOES_NOT_MEET",
            Level::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

impl Level {
    /// Whether an accepted answer at this level keeps a service area's standards met: the
    /// organization meets or exceeds the standard, or a reviewer accepted that it does
    /// not apply.
    pub fn keeps_area_met(self) -> bool {
        self != Level::DoesNotMeet
    }
}

/// Where a self-assessment version is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Status {
    /// Being written by the organization; only it can see it.
    Draft,
    /// Submitted as a whole; awaiting review.
    Submitted,
    /// Reviewed, with at least one standard returned: the organization revises it in a
    /// new version.
    Returned,
    /// Reviewed, every standard accepted: the outcome is recorded.
    Accepted,
}

impl StoredText for Status {
    const STORED: &'static [Self] = &[Status::Draft, Status::Submitted, Status::Returned, Status::Accepted];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            Status::Draft => "DRAFT",
            Status::Submitted => "SUBMITTED",
            Status::Returned => "RETURNED",
            Status::Accepted => "ACCEPTED",
        }
    }
}

/// A reviewer's decision on one standard of a submitted assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Decision {
    /// The answer and its evidence are accepted as they stand.
    Accepted,
    /// Sent back to the organization with a comment.
    Returned,
}

impl StoredText for Decision {
    const STORED: &'static [Self] = &[Decision::Accepted, Decision::Returned];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            Decision::Accepted => "ACCEPTED",
            Decision::Returned => "RETURNED",
        }
    }
}

/// An organization's answer on one standard in one version.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Answer {
    pub standard_number: i32,
    /// `None` while a draft answer has evidence but no level yet.
    pub level: Option<Level>,
    /// Why the standard does not apply (with `NotApplicable` only).
    pub not_applicable_reason: Option<String>,
    pub evidence_note: Option<String>,
    /// References to documents (policy names, file names, links), never the documents.
    pub evidence_refs: Vec<String>,
    /// The day the organization assessed this standard.
    pub assessed_on: Option<NaiveDate>,
    /// Incremented by every save; pass it back to save again (0 for a standard not yet
    /// answered in this version).
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
}

/// A reviewer's decision on one standard.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ReviewDecision {
    pub standard_number: i32,
    pub decision: Decision,
    pub comment: Option<String>,
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
}

/// The outcome of an accepted review: the service areas the organization meets the
/// standards for (possibly none), from `valid_from` to `valid_until`, both included.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub organization_id: Uuid,
    pub areas: Vec<ServiceArea>,
    pub valid_from: NaiveDate,
    /// The last day in force.
    pub valid_until: NaiveDate,
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
}

/// A service area an organization meets the standards for, as of a day: public, like the
/// HT-trained answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VettedArea {
    pub area: ServiceArea,
    pub valid_from: NaiveDate,
    /// The last day in force.
    pub valid_until: NaiveDate,
}

/// One version of an organization's self-assessment, with its answers and, once
/// reviewed, the decisions and outcome.
#[derive(Clone, Debug)]
pub(crate) struct Assessment {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// 1 for the organization's first version, then 2, 3, …
    pub number: i32,
    pub status: Status,
    /// The service areas assessed: as submitted, or for a draft the organization's
    /// current scope.
    pub areas: Vec<ServiceArea>,
    /// The version this one started from (its answers were copied).
    pub based_on: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<Uuid>,
    /// Incremented by every answer saved and by submitting; submit names the version read.
    pub version: i32,
    /// Every answer stored in this version, in standard order (answers outside the areas
    /// assessed are kept for later versions but are not part of this one).
    pub answers: Vec<Answer>,
    /// The reviewer's decisions, in standard order.
    pub decisions: Vec<ReviewDecision>,
    pub outcome: Option<Outcome>,
    /// The reference standards (all of them), for the rules below.
    pub standards: Arc<Vec<Standard>>,
}

impl Assessment {
    /// The numbers of the standards this version covers.
    pub fn applicable(&self) -> Vec<i32> {
        applicable(&self.standards, &self.areas)
    }

    /// Applicable standards without a level yet.
    pub fn unanswered(&self) -> Vec<i32> {
        unanswered(&self.applicable(), &self.answers)
    }

    /// Applicable standards without a reviewer's decision yet.
    pub fn undecided(&self) -> Vec<i32> {
        self.applicable().into_iter().filter(|n| !self.decisions.iter().any(|d| d.standard_number == *n)).collect()
    }

    /// The answer on standard `number`, if stored.
    pub fn answer(&self, number: i32) -> Option<&Answer> {
        self.answers.iter().find(|a| a.standard_number == number)
    }

    /// The reviewer's decision on standard `number`, if made.
    pub fn decision(&self, number: i32) -> Option<&ReviewDecision> {
        self.decisions.iter().find(|d| d.standard_number == number)
    }
}

/// Applicable standards without a level among `answers`.
pub(crate) fn unanswered(applicable: &[i32], answers: &[Answer]) -> Vec<i32> {
    applicable
        .iter()
        .copied()
        .filter(|n| !answers.iter().any(|a| a.standard_number == *n && a.level.is_some()))
        .collect()
}

/// The service areas an organization meets the standards for, from a fully accepted
/// review: of the areas assessed, those where every foundational standard and every
/// standard of the area was accepted at a level that keeps it met (exceeds, meets, or not
/// applicable). A foundational standard not met leaves no area; an area standard not met
/// leaves that area out.
pub(crate) fn vetted_areas(standards: &[Standard], areas: &[ServiceArea], answers: &[Answer]) -> Vec<ServiceArea> {
    let met = |s: &Standard| {
        answers.iter().find(|a| a.standard_number == s.number).and_then(|a| a.level).is_some_and(Level::keeps_area_met)
    };
    if !standards.iter().filter(|s| s.area.is_none()).all(met) {
        return Vec::new();
    }
    areas.iter().copied().filter(|area| standards.iter().filter(|s| s.area == Some(*area)).all(met)).collect()
}

/// The last day an outcome recorded as of `valid_from` is in force by default: the day
/// before its first anniversary (annual renewal). The anniversary of 29 February is 1
/// March in a common year, so that outcome runs to 28 February.
pub fn default_valid_until(valid_from: NaiveDate) -> NaiveDate {
    let anniversary = valid_from.checked_add_months(Months::new(12)).unwrap_or(NaiveDate::MAX);
    // chrono clamps 29 February + 12 months to 28 February: the anniversary is the day after.
    let anniversary = if anniversary.day0() != valid_from.day0() {
        anniversary.succ_opt().unwrap_or(anniversary)
    } else {
        anniversary
    };
    anniversary.pred_opt().unwrap_or(anniversary)
}

/// An organization's outcome in force on `day`: the most recently decided of its outcomes
/// that has begun by `day`, if it has not ended. A later review replaces an earlier one
/// from its own start, even when it vets fewer areas.
pub(crate) fn outcome_in_force(outcomes: &[Outcome], day: NaiveDate) -> Option<&Outcome> {
    outcomes
        .iter()
        .filter(|o| o.valid_from <= day)
        .max_by_key(|o| (o.decided_at, o.id))
        .filter(|o| o.valid_until >= day)
}

/// The service areas an organization is vetted for on `day` (from its outcomes).
pub(crate) fn vetted_as_of(outcomes: &[Outcome], day: NaiveDate) -> Vec<VettedArea> {
    outcome_in_force(outcomes, day)
        .map(|o| {
            o.areas
                .iter()
                .map(|&area| VettedArea { area, valid_from: o.valid_from, valid_until: o.valid_until })
                .collect()
        })
        .unwrap_or_default()
}

/// An organization's own choice about one service area, overriding what its services
/// imply.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AreaChoice {
    pub area: ServiceArea,
    /// True: provided although no service implies it; false: not provided although one does.
    pub provided: bool,
    pub reason: String,
    pub set_by: Option<Uuid>,
    pub set_at: DateTime<Utc>,
}

/// The service areas an organization provides: those its services imply, with its own
/// choices applied.
pub(crate) fn scope(derived: &[ServiceArea], choices: &[AreaChoice]) -> Vec<ServiceArea> {
    ServiceArea::ALL
        .into_iter()
        .filter(|area| match choices.iter().find(|c| c.area == *area) {
            Some(choice) => choice.provided,
            None => derived.contains(area),
        })
        .collect()
}

/// "3", "3 and 17", "3, 17 and 49": standard numbers for a message.
pub(crate) fn list_numbers(numbers: &[i32]) -> String {
    let text: Vec<String> = numbers.iter().map(i32::to_string).collect();
    match text.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// An answer as the organization gives it: saving replaces the whole answer.
#[derive(Clone, Debug, Default)]
pub(crate) struct AnswerInput {
    pub level: Option<Level>,
    pub not_applicable_reason: Option<String>,
    pub evidence_note: Option<String>,
    pub evidence_refs: Vec<String>,
    /// Defaults to today when a level is given.
    pub assessed_on: Option<NaiveDate>,
}

/// The most document references one answer holds (also the input list cap).
pub(crate) const MAX_EVIDENCE_REFS: usize = 20;

/// The earliest "assessed on" day accepted (older dates are typing mistakes).
const EARLIEST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");

/// Checks an answer on `standard`; every failure names its field under `input`.
pub(crate) fn clean_answer(standard: &Standard, input: AnswerInput, today: NaiveDate) -> AppResult<AnswerInput> {
    if let Some(level) = input.level
        && !standard.offers(level)
    {
        return Err(AppError::bad_input(
            "input.level",
            format!("input.level: standard {} has no \"exceeds\" level", standard.number),
        ));
    }
    let reason = validate::optional_text(input.not_applicable_reason.as_deref(), "input.notApplicableReason", 2_000)?;
    match (input.level, &reason) {
        (Some(Level::NotApplicable), None) => {
            return Err(AppError::bad_input(
                "input.notApplicableReason",
                "input.notApplicableReason is required with NOT_APPLICABLE",
            ));
        }
        (level, Some(_)) if level != Some(Level::NotApplicable) => {
            return Err(AppError::bad_input(
                "input.notApplicableReason",
                "input.notApplicableReason is given only with NOT_APPLICABLE",
            ));
        }
        _ => {}
    }
    let note = validate::optional_text(input.evidence_note.as_deref(), "input.evidenceNote", 10_000)?;
    validate::list_len(input.evidence_refs.len(), "saveStandardsAnswer", "input.evidenceRefs")?;
    let mut refs = Vec::with_capacity(input.evidence_refs.len());
    for r in &input.evidence_refs {
        let r = validate::text(r, "input.evidenceRefs", 500)?;
        if !refs.contains(&r) {
            refs.push(r);
        }
    }
    let assessed_on = match input.assessed_on {
        Some(day) if day > today => {
            return Err(AppError::bad_input("input.assessedOn", "input.assessedOn must not be in the future"));
        }
        Some(day) if day < EARLIEST_DAY => {
            return Err(AppError::bad_input("input.assessedOn", "input.assessedOn must be in 2000 or later"));
        }
        Some(day) => Some(day),
        None => input.level.map(|_| today),
    };
    Ok(AnswerInput {
        level: input.level,
        not_applicable_reason: reason,
        evidence_note: note,
        evidence_refs: refs,
        assessed_on,
    })
}

/// Every organization's review outcomes, oldest decision first (public: for the directory
/// index, which evaluates them with [`vetted_as_of`]).
pub(crate) async fn all_outcomes(conn: &mut diesel_async::AsyncPgConnection) -> AppResult<Vec<Outcome>> {
    repo::all_outcomes(conn).await
}

/// Every standard, by number (public reference data).
pub(crate) async fn list_standards(conn: &mut diesel_async::AsyncPgConnection) -> AppResult<Vec<Standard>> {
    repo::standards(conn).await
}

/// The five service areas with the needs that lead to each (public reference data).
pub(crate) async fn list_service_areas(conn: &mut diesel_async::AsyncPgConnection) -> AppResult<Vec<ServiceAreaInfo>> {
    repo::service_areas(conn).await
}

/// The service areas `organization` meets the standards for on `day` (the network's
/// today, see `crate::clock`): public, like the HT-trained answer (empty for an
/// organization never reviewed, or vetted for nothing).
pub(crate) async fn vetted_on(
    conn: &mut diesel_async::AsyncPgConnection,
    organization: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<VettedArea>> {
    Ok(repo::vetted_areas_for(conn, &[organization], day).await?.remove(&organization).unwrap_or_default())
}

// --- Who may do what ---------------------------------------------------------------------
//
// An organization's assessments, scope and checklist are written by its coordinators and
// provider staff (and a network admin acting for it, when the network office assesses
// itself): the people who run its services and keep its listing. Its advocates read them;
// MDT viewers, who see aggregate figures only, do not. Submitted assessments are read and
// reviewed by network admins and by users a network admin made reviewers — never by a
// member of the organization reviewed. Checklists are read by network admins. Reviewing
// and reading other organizations' records is personal: it takes a signed-in user, not an
// API key. Row-level security (migration 18) enforces the organization and reviewer
// parts again in the database.

/// The roles that write an organization's own assessments, scope and checklist.
const EDITORS: [Role; 3] = [Role::NetworkAdmin, Role::Coordinator, Role::ProviderStaff];

/// A member acting for `organization` who may write its standards records.
pub(crate) fn require_editor(actor: &Actor, organization: Uuid) -> AppResult<&Member> {
    let member = actor.member()?;
    if member.organization_id == organization && EDITORS.contains(&member.role) {
        Ok(member)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether `member` reads `organization`'s own standards records as one of its own.
pub(crate) fn reads_own(member: &Member, organization: Uuid) -> bool {
    member.organization_id == organization && member.role != Role::MdtViewer
}

/// A signed-in network admin (who reads every organization's checklist and may review).
pub(crate) fn is_signed_in_admin(member: &Member) -> bool {
    member.role == Role::NetworkAdmin && member.user_id.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn standard(number: i32, area: Option<ServiceArea>) -> Standard {
        Standard {
            number,
            area,
            group: area.is_none().then(|| "External Authority".into()),
            title: format!("Standard {number}"),
            statement: None,
            exceeds: (number != 41).then(|| "more".into()),
            meets: "enough".into(),
            does_not_meet: "not enough".into(),
        }
    }

    fn answer(number: i32, level: Option<Level>) -> Answer {
        Answer {
            standard_number: number,
            level,
            not_applicable_reason: None,
            evidence_note: None,
            evidence_refs: vec![],
            assessed_on: None,
            version: 1,
            updated_at: Utc::now(),
            updated_by: None,
        }
    }

    #[test]
    fn an_outcome_runs_to_the_day_before_its_anniversary() {
        assert_eq!(default_valid_until(d(2027, 1, 15)), d(2028, 1, 14));
        assert_eq!(default_valid_until(d(2027, 1, 1)), d(2027, 12, 31));
        assert_eq!(default_valid_until(d(2027, 3, 1)), d(2028, 2, 29), "into a leap year");
        assert_eq!(default_valid_until(d(2028, 2, 29)), d(2029, 2, 28), "from 29 February");
        assert_eq!(default_valid_until(d(2028, 3, 1)), d(2029, 2, 28));
        assert_eq!(default_valid_until(d(2027, 2, 28)), d(2028, 2, 27));
        assert_eq!(default_valid_until(d(2026, 12, 31)), d(2027, 12, 30));
    }

    fn outcome(areas: &[ServiceArea], from: NaiveDate, until: NaiveDate, decided_days: i64) -> Outcome {
        Outcome {
            id: Uuid::new_v4(),
            assessment_id: Uuid::new_v4(),
            organization_id: Uuid::nil(),
            areas: areas.to_vec(),
            valid_from: from,
            valid_until: until,
            decided_by: Uuid::nil(),
            decided_at: DateTime::from_timestamp(1_800_000_000 + decided_days * 86_400, 0).unwrap(),
        }
    }

    #[test]
    fn the_latest_outcome_that_has_begun_is_in_force_until_its_last_day() {
        use ServiceArea::*;
        let first = outcome(&[Hotline, ShelterHousing], d(2027, 1, 15), d(2028, 1, 14), 0);
        assert!(vetted_as_of(std::slice::from_ref(&first), d(2027, 1, 14)).is_empty(), "not yet");
        assert_eq!(vetted_as_of(std::slice::from_ref(&first), d(2027, 1, 15)).len(), 2, "from its first day");
        assert_eq!(vetted_as_of(std::slice::from_ref(&first), d(2028, 1, 14)).len(), 2, "through its last day");
        assert!(vetted_as_of(std::slice::from_ref(&first), d(2028, 1, 15)).is_empty(), "gone on the anniversary");
        // A renewal reviewed later replaces it from its own start, with fewer areas.
        let renewal = outcome(&[Hotline], d(2027, 11, 1), d(2028, 10, 31), 300);
        let both = [first.clone(), renewal];
        assert_eq!(vetted_as_of(&both, d(2027, 10, 31)).len(), 2);
        let now = vetted_as_of(&both, d(2027, 11, 1));
        assert_eq!(now, vec![VettedArea { area: Hotline, valid_from: d(2027, 11, 1), valid_until: d(2028, 10, 31) }]);
        // An empty outcome vets nothing (and says nothing an unreviewed organization would not).
        let none = outcome(&[], d(2027, 1, 1), d(2027, 12, 31), 0);
        assert!(vetted_as_of(&[none], d(2027, 6, 1)).is_empty());
    }

    #[test]
    fn an_area_is_met_when_every_foundational_and_area_standard_is() {
        use ServiceArea::*;
        let standards =
            vec![standard(1, None), standard(2, None), standard(47, Some(ShelterHousing)), standard(27, Some(Hotline))];
        let areas = [Hotline, ShelterHousing];
        let all = |level| {
            vec![answer(1, Some(level)), answer(2, Some(level)), answer(27, Some(level)), answer(47, Some(level))]
        };
        assert_eq!(vetted_areas(&standards, &areas, &all(Level::Meets)), vec![Hotline, ShelterHousing]);
        assert_eq!(vetted_areas(&standards, &areas, &all(Level::NotApplicable)), vec![Hotline, ShelterHousing]);
        assert!(vetted_areas(&standards, &areas, &all(Level::DoesNotMeet)).is_empty());
        let mut shelter_short = all(Level::Exceeds);
        shelter_short[3].level = Some(Level::DoesNotMeet);
        assert_eq!(vetted_areas(&standards, &areas, &shelter_short), vec![Hotline]);
        let mut foundation_short = all(Level::Exceeds);
        foundation_short[0].level = Some(Level::DoesNotMeet);
        assert!(vetted_areas(&standards, &areas, &foundation_short).is_empty());
        // Only the areas assessed count.
        assert_eq!(vetted_areas(&standards, &[ShelterHousing], &all(Level::Meets)), vec![ShelterHousing]);
    }

    #[test]
    fn the_scope_is_what_services_imply_with_the_organizations_choices() {
        use ServiceArea::*;
        let choice =
            |area, provided| AreaChoice { area, provided, reason: "why".into(), set_by: None, set_at: Utc::now() };
        assert_eq!(scope(&[ShelterHousing, Hotline], &[]), vec![Hotline, ShelterHousing]);
        assert_eq!(scope(&[Hotline, CrisisResponse], &[choice(CrisisResponse, false)]), vec![Hotline]);
        assert_eq!(scope(&[], &[choice(PeerSupport, true)]), vec![PeerSupport]);
        let standards = vec![standard(1, None), standard(27, Some(Hotline)), standard(45, Some(PeerSupport))];
        assert_eq!(applicable(&standards, &[PeerSupport]), vec![1, 45]);
        assert_eq!(unanswered(&[1, 45], &[answer(1, Some(Level::Meets)), answer(45, None)]), vec![45]);
        assert_eq!(list_numbers(&[3]), "3");
        assert_eq!(list_numbers(&[3, 17, 49]), "3, 17 and 49");
    }

    #[test]
    fn answers_are_checked_field_by_field() {
        let today = d(2027, 5, 1);
        let field = |r: AppResult<AnswerInput>| match r {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let s41 = standard(41, Some(ServiceArea::CaseManagement));
        let exceeds = AnswerInput { level: Some(Level::Exceeds), ..Default::default() };
        assert_eq!(field(clean_answer(&s41, exceeds.clone(), today)), "input.level");
        assert!(clean_answer(&standard(1, None), exceeds, today).is_ok());
        let na = AnswerInput { level: Some(Level::NotApplicable), ..Default::default() };
        assert_eq!(field(clean_answer(&s41, na, today)), "input.notApplicableReason");
        let reason_without_na = AnswerInput {
            level: Some(Level::Meets),
            not_applicable_reason: Some("no minors".into()),
            ..Default::default()
        };
        assert_eq!(field(clean_answer(&s41, reason_without_na, today)), "input.notApplicableReason");
        let future = AnswerInput { level: Some(Level::Meets), assessed_on: Some(d(2027, 5, 2)), ..Default::default() };
        assert_eq!(field(clean_answer(&s41, future, today)), "input.assessedOn");
        let blank_ref = AnswerInput { evidence_refs: vec!["  ".into()], ..Default::default() };
        assert_eq!(field(clean_answer(&s41, blank_ref, today)), "input.evidenceRefs");
        let ok = clean_answer(
            &s41,
            AnswerInput {
                level: Some(Level::Meets),
                evidence_refs: vec!["Policy 4.2".into(), "Policy 4.2".into()],
                ..Default::default()
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.assessed_on, Some(today), "a level without a day was assessed today");
        assert_eq!(ok.evidence_refs, vec!["Policy 4.2"]);
    }
}
