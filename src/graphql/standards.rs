//! The Standards of Service and the FUTURES capacity checklist over GraphQL: reference
//! data, self-assessments, reviews, the public outcome, the checklist and the aggregate.
//! Thin: parse, call `crate::standards`, wrap.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::context::{caller, conn, directory, parse_uuid, services, today};
use super::errors::GqlResultExt;
use super::types::CountyGql;
use crate::standards::aggregate::{self, Aggregate, Figures, Subject};
use crate::standards::assessments::{self, AreaScope, SavedAnswer};
use crate::standards::checklist::{self, CapacityReview, Checklist, Goal, Item, ItemAnswer, Prompt, Section};
use crate::standards::review::{self, ReviewerGrant};
use crate::standards::{
    self, Answer, AnswerInput, Assessment, Level, Outcome, ReviewDecision, ServiceArea, ServiceAreaInfo, Standard,
    VettedArea,
};

/// A service area of the Standards of Service (Section II). Foundational standards apply
/// to every organization, whatever its service areas.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StandardServiceArea", remote = "crate::standards::ServiceArea")]
pub enum ServiceAreaGql {
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

/// How an organization rates itself on a standard.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StandardsLevel", remote = "crate::standards::Level")]
pub enum LevelGql {
    /// Practices beyond the minimum that enhance or expand the quality of services (not
    /// offered where the standard has no "exceeds" text).
    Exceeds,
    /// The minimum standard of operation for safe, effective, victim-centered services.
    Meets,
    /// Practices that are inadequate and present risks.
    DoesNotMeet,
    /// The standard does not apply to the organization (a reason is required).
    NotApplicable,
}

/// Where a self-assessment version is in its life.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StandardsAssessmentStatus", remote = "crate::standards::Status")]
pub enum StatusGql {
    /// Being written by the organization; only it can see it.
    Draft,
    /// Submitted as a whole; awaiting review.
    Submitted,
    /// Reviewed with at least one standard returned: revise it in a new version.
    Returned,
    /// Reviewed with every standard accepted: the outcome is recorded.
    Accepted,
}

/// A reviewer's decision on one standard.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StandardsDecision", remote = "crate::standards::Decision")]
pub enum DecisionGql {
    /// The answer and its evidence are accepted as they stand.
    Accepted,
    /// Sent back to the organization with a comment.
    Returned,
}

/// How a checklist question is answered.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CapacityItemKind", remote = "crate::standards::checklist::ItemKind")]
pub enum ItemKindGql {
    /// A "what …?" question, answered in words (`note`).
    Text,
    /// Answered yes, no or in progress (`status`), with an optional note.
    YesNo,
}

/// A yes / no / in-progress answer to a checklist question.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CapacityItemStatus", remote = "crate::standards::checklist::ItemStatus")]
pub enum ItemStatusGql {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Being worked on.
    InProgress,
}

/// One of the 54 Standards of Service with its rubric.
pub struct StandardGql(pub Standard);

/// One of the 54 Standards of Service with its rubric.
#[Object(name = "Standard")]
impl StandardGql {
    /// 1–54, as numbered in the document.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The service area the standard belongs to; null for a foundational standard.
    async fn service_area(&self) -> Option<ServiceAreaGql> {
        self.0.area.map(Into::into)
    }
    /// The group a foundational standard is listed under ("External Authority", …); null
    /// for a service-area standard.
    async fn group(&self) -> Option<&str> {
        self.0.group.as_deref()
    }
    /// The standard's title, e.g. "Informed Consent".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the standard asks; null where the document states none (Standard 51).
    async fn statement(&self) -> Option<&str> {
        self.0.statement.as_deref()
    }
    /// What exceeds the standard; null where the document has no such level (Standard
    /// 41), and then EXCEEDS cannot be chosen.
    async fn exceeds(&self) -> Option<&str> {
        self.0.exceeds.as_deref()
    }
    /// What meets the standard.
    async fn meets(&self) -> &str {
        &self.0.meets
    }
    /// What does not meet the standard.
    async fn does_not_meet(&self) -> &str {
        &self.0.does_not_meet
    }
}

/// A service area as the Standards of Service define it.
pub struct ServiceAreaInfoGql {
    info: ServiceAreaInfo,
    standards: Vec<Standard>,
}

/// A service area as the Standards of Service define it.
#[Object(name = "StandardServiceAreaInfo")]
impl ServiceAreaInfoGql {
    /// The service area.
    async fn area(&self) -> ServiceAreaGql {
        self.info.area.into()
    }
    /// Its number in the document (1–5).
    async fn number(&self) -> i32 {
        self.info.number
    }
    /// Its title, e.g. "Shelter and Housing".
    async fn title(&self) -> &str {
        &self.info.title
    }
    /// The document's definition of the service.
    async fn definition(&self) -> &str {
        &self.info.definition
    }
    /// The document's goal for the service.
    async fn goal(&self) -> &str {
        &self.info.goal
    }
    /// FUTURES need-category codes whose services belong to this area: an organization
    /// with a live service meeting one of them provides the area unless it says otherwise.
    async fn need_codes(&self) -> &[String] {
        &self.info.need_codes
    }
    /// The area's standards, by number.
    async fn standards(&self) -> Vec<StandardGql> {
        self.standards.iter().cloned().map(StandardGql).collect()
    }
}

/// A service area an organization meets the standards for (public).
#[derive(SimpleObject)]
#[graphql(name = "VettedServiceArea")]
pub struct VettedAreaGql {
    /// The service area.
    pub area: ServiceAreaGql,
    /// The first day of the review outcome that vets it.
    pub valid_from: NaiveDate,
    /// The last day it is in force (by default the day before the review's first anniversary).
    pub valid_until: NaiveDate,
}

impl From<VettedArea> for VettedAreaGql {
    fn from(v: VettedArea) -> Self {
        VettedAreaGql { area: v.area.into(), valid_from: v.valid_from, valid_until: v.valid_until }
    }
}

/// An organization's own choice about a service area.
#[derive(SimpleObject)]
#[graphql(name = "StandardsAreaChoice")]
pub struct AreaChoiceGql {
    /// True: added although no service implies it; false: removed although one does.
    pub provided: bool,
    /// Why.
    pub reason: String,
    /// Who chose (null for an API key).
    pub set_by: Option<ID>,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// One service area in an organization's scope.
#[derive(SimpleObject)]
#[graphql(name = "StandardsScopeArea")]
pub struct ScopeAreaGql {
    /// The service area.
    pub area: ServiceAreaGql,
    /// Whether the organization's live services imply it (through their FUTURES needs).
    pub implied: bool,
    /// The organization's own choice, overriding what its services imply.
    pub choice: Option<AreaChoiceGql>,
    /// Whether the organization provides it: its standards are assessed.
    pub provided: bool,
}

impl From<AreaScope> for ScopeAreaGql {
    fn from(s: AreaScope) -> Self {
        ScopeAreaGql {
            area: s.area.into(),
            implied: s.implied,
            choice: s.choice.map(|c| AreaChoiceGql {
                provided: c.provided,
                reason: c.reason,
                set_by: c.set_by.map(id),
                set_at: c.set_at,
            }),
            provided: s.provided,
        }
    }
}

fn id(uuid: uuid::Uuid) -> ID {
    ID(uuid.to_string())
}

/// A reviewer's decision on one standard.
#[derive(SimpleObject)]
#[graphql(name = "StandardsReviewDecision")]
pub struct DecisionRecordGql {
    /// The standard decided on.
    pub standard_number: i32,
    /// Accepted, or returned.
    pub decision: DecisionGql,
    /// The reviewer's comment (always there for a returned standard).
    pub comment: Option<String>,
    /// The reviewer.
    pub decided_by: ID,
    /// When.
    pub decided_at: DateTime<Utc>,
}

impl From<ReviewDecision> for DecisionRecordGql {
    fn from(d: ReviewDecision) -> Self {
        DecisionRecordGql {
            standard_number: d.standard_number,
            decision: d.decision.into(),
            comment: d.comment,
            decided_by: id(d.decided_by),
            decided_at: d.decided_at,
        }
    }
}

/// An organization's answer on one standard.
pub struct AnswerGql {
    answer: Answer,
    standard: Option<Standard>,
    decision: Option<ReviewDecision>,
}

/// An organization's answer on one standard.
#[Object(name = "StandardsAnswer")]
impl AnswerGql {
    /// The standard answered, with its rubric.
    async fn standard(&self) -> Option<StandardGql> {
        self.standard.clone().map(StandardGql)
    }
    /// The standard's number.
    async fn standard_number(&self) -> i32 {
        self.answer.standard_number
    }
    /// The level chosen; null while a draft answer has none yet.
    async fn level(&self) -> Option<LevelGql> {
        self.answer.level.map(Into::into)
    }
    /// Why the standard does not apply (with NOT_APPLICABLE only).
    async fn not_applicable_reason(&self) -> Option<&str> {
        self.answer.not_applicable_reason.as_deref()
    }
    /// The evidence, in words.
    async fn evidence_note(&self) -> Option<&str> {
        self.answer.evidence_note.as_deref()
    }
    /// References to documents that show it (policy names, file names), never the documents.
    async fn evidence_refs(&self) -> &[String] {
        &self.answer.evidence_refs
    }
    /// The day the organization assessed this standard.
    async fn assessed_on(&self) -> Option<NaiveDate> {
        self.answer.assessed_on
    }
    /// Incremented by every save; pass it back to save again.
    async fn version(&self) -> i32 {
        self.answer.version
    }
    /// When it was last saved.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.answer.updated_at
    }
    /// Who saved it last (null for an API key).
    async fn updated_by(&self) -> Option<ID> {
        self.answer.updated_by.map(id)
    }
    /// The reviewer's decision on it, once made.
    async fn decision(&self) -> Option<DecisionRecordGql> {
        self.decision.clone().map(Into::into)
    }
}

/// The outcome of an accepted review (public as `vettedServiceAreas`).
#[derive(SimpleObject)]
#[graphql(name = "StandardsOutcome")]
pub struct OutcomeGql {
    /// The service areas the organization meets the standards for (possibly none).
    pub service_areas: Vec<ServiceAreaGql>,
    /// The first day in force.
    pub valid_from: NaiveDate,
    /// The last day in force.
    pub valid_until: NaiveDate,
    /// The reviewer who completed the review.
    pub decided_by: ID,
    /// When.
    pub decided_at: DateTime<Utc>,
}

impl From<Outcome> for OutcomeGql {
    fn from(o: Outcome) -> Self {
        OutcomeGql {
            service_areas: o.areas.into_iter().map(Into::into).collect(),
            valid_from: o.valid_from,
            valid_until: o.valid_until,
            decided_by: id(o.decided_by),
            decided_at: o.decided_at,
        }
    }
}

/// How many applicable standards a version rates at each level.
#[derive(SimpleObject)]
#[graphql(name = "StandardsLevelCounts")]
pub struct LevelCountsGql {
    /// Rated EXCEEDS.
    pub exceeds: i32,
    /// Rated MEETS.
    pub meets: i32,
    /// Rated DOES_NOT_MEET.
    pub does_not_meet: i32,
    /// Rated NOT_APPLICABLE.
    pub not_applicable: i32,
    /// Without a level yet.
    pub unanswered: i32,
}

/// One version of an organization's self-assessment against the Standards of Service.
pub struct AssessmentGql(pub Assessment);

impl AssessmentGql {
    fn standard(&self, number: i32) -> Option<Standard> {
        self.0.standards.iter().find(|s| s.number == number).cloned()
    }
}

/// One version of an organization's self-assessment against the Standards of Service.
#[Object(name = "StandardsAssessment")]
impl AssessmentGql {
    /// The version's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The organization assessed.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// The organization assessed, by name (whoever reads the version sees whose it is;
    /// for the reviewer's queue).
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<super::identity::OrganizationGql>> {
        let org =
            ctx.data_unchecked::<super::loaders::Loaders>().organizations.load_one(self.0.organization_id).await?;
        Ok(org.map(super::identity::OrganizationGql))
    }
    /// 1 for the organization's first version, then 2, 3, …
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// Where the version is in its life.
    async fn status(&self) -> StatusGql {
        self.0.status.into()
    }
    /// The service areas assessed: as submitted, or for a draft the organization's
    /// current scope (`standardsScope`).
    async fn service_areas(&self) -> Vec<ServiceAreaGql> {
        self.0.areas.iter().map(|&a| a.into()).collect()
    }
    /// The version this one started from (its answers were copied).
    async fn based_on_id(&self) -> Option<ID> {
        self.0.based_on.map(id)
    }
    /// When the version was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who started it (null for an API key).
    async fn created_by(&self) -> Option<ID> {
        self.0.created_by.map(id)
    }
    /// When it was submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// Who submitted it.
    async fn submitted_by(&self) -> Option<ID> {
        self.0.submitted_by.map(id)
    }
    /// When the review was completed.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// Who completed the review.
    async fn reviewed_by(&self) -> Option<ID> {
        self.0.reviewed_by.map(id)
    }
    /// Incremented by every answer saved; pass it back to submit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The standards this version covers: every foundational one and those of its
    /// service areas, by number.
    async fn applicable_standards(&self) -> Vec<StandardGql> {
        let applicable = self.0.applicable();
        self.0.standards.iter().filter(|s| applicable.contains(&s.number)).cloned().map(StandardGql).collect()
    }
    /// The answers on applicable standards, by standard number (answers kept for service
    /// areas not assessed now are not shown, and come back if the area does).
    async fn answers(&self) -> Vec<AnswerGql> {
        let applicable = self.0.applicable();
        self.0
            .answers
            .iter()
            .filter(|a| applicable.contains(&a.standard_number))
            .map(|a| AnswerGql {
                answer: a.clone(),
                standard: self.standard(a.standard_number),
                decision: self.0.decision(a.standard_number).cloned(),
            })
            .collect()
    }
    /// Applicable standards without a level yet (submitting needs none).
    async fn unanswered(&self) -> Vec<i32> {
        self.0.unanswered()
    }
    /// Applicable standards without a reviewer's decision yet.
    async fn undecided(&self) -> Vec<i32> {
        if self.0.status == standards::Status::Draft { self.0.applicable() } else { self.0.undecided() }
    }
    /// How many applicable standards are rated at each level: progress from version to
    /// version.
    async fn level_counts(&self) -> LevelCountsGql {
        let applicable = self.0.applicable();
        let level = |n: i32| self.0.answer(n).and_then(|a| a.level);
        let count = |l: Option<Level>| applicable.iter().filter(|&&n| level(n) == l).count() as i32;
        LevelCountsGql {
            exceeds: count(Some(Level::Exceeds)),
            meets: count(Some(Level::Meets)),
            does_not_meet: count(Some(Level::DoesNotMeet)),
            not_applicable: count(Some(Level::NotApplicable)),
            unanswered: count(None),
        }
    }
    /// The outcome, once the review accepted the version.
    async fn outcome(&self) -> Option<OutcomeGql> {
        self.0.outcome.clone().map(Into::into)
    }
}

/// An answer saved, and the version its assessment is now at.
#[derive(SimpleObject)]
#[graphql(name = "SaveStandardsAnswerPayload")]
pub struct SavedAnswerGql {
    /// The answer as stored.
    pub answer: AnswerGql,
    /// The assessment's version now (submit names it).
    pub assessment_version: i32,
}

/// A user who may review submitted assessments (beside network admins).
#[derive(SimpleObject)]
#[graphql(name = "StandardsReviewer")]
pub struct ReviewerGql {
    /// The reviewer.
    pub user_id: ID,
    /// The reviewer's name as they gave it.
    pub display_name: String,
    /// When the grant was given.
    pub granted_at: DateTime<Utc>,
    /// The network admin who gave it (null for an API key).
    pub granted_by: Option<ID>,
}

impl From<ReviewerGrant> for ReviewerGql {
    fn from(g: ReviewerGrant) -> Self {
        ReviewerGql {
            user_id: id(g.user_id),
            display_name: g.display_name,
            granted_at: g.granted_at,
            granted_by: g.granted_by.map(id),
        }
    }
}

/// An organization's answer to a checklist question.
#[derive(SimpleObject)]
#[graphql(name = "CapacityChecklistAnswer")]
pub struct ItemAnswerGql {
    /// Yes, no or in progress (for YES_NO questions).
    pub status: Option<ItemStatusGql>,
    /// The answer in words (TEXT questions), or a note.
    pub note: Option<String>,
    /// Incremented by every save; pass it back to save again.
    pub version: i32,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// Who saved it last (null for an API key).
    pub updated_by: Option<ID>,
}

impl From<ItemAnswer> for ItemAnswerGql {
    fn from(a: ItemAnswer) -> Self {
        ItemAnswerGql {
            status: a.status.map(Into::into),
            note: a.note,
            version: a.version,
            updated_at: a.updated_at,
            updated_by: a.updated_by.map(id),
        }
    }
}

/// A question of the capacity checklist, with the organization's answer.
#[derive(SimpleObject)]
#[graphql(name = "CapacityChecklistItem")]
pub struct ItemGql {
    /// Stable code, `<section>.<position>`, e.g. `screening.1`.
    pub code: String,
    /// Position within its section (1-based).
    pub position: i32,
    /// The question as the document words it.
    pub text: String,
    /// How it is answered.
    pub kind: ItemKindGql,
    /// The organization's answer; null until given.
    pub answer: Option<ItemAnswerGql>,
}

impl From<Item> for ItemGql {
    fn from(i: Item) -> Self {
        ItemGql {
            code: i.code,
            position: i.position,
            text: i.text,
            kind: i.kind.into(),
            answer: i.answer.map(Into::into),
        }
    }
}

/// A section of the capacity checklist.
#[derive(SimpleObject)]
#[graphql(name = "CapacityChecklistSection")]
pub struct SectionGql {
    /// 1–9, in the document's order.
    pub number: i32,
    /// Stable code, e.g. `screening`.
    pub code: String,
    /// The section as the document words it.
    pub title: String,
    /// Its questions, in order.
    pub items: Vec<ItemGql>,
}

impl From<Section> for SectionGql {
    fn from(s: Section) -> Self {
        SectionGql {
            number: s.number,
            code: s.code,
            title: s.title,
            items: s.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A question of the internal capacity review, or a field of the action-plan template.
#[derive(SimpleObject)]
#[graphql(name = "CapacityPrompt")]
pub struct PromptGql {
    /// The field it fills: `capacity`, `gaps_and_limits`, `priorities`,
    /// `resources_needed`; or `goal`, `action_steps`, `organizations_engaged`,
    /// `timeline`, `next_steps`, `resources_needed`.
    pub code: String,
    /// The document's wording.
    pub text: String,
}

impl From<&Prompt> for PromptGql {
    fn from(p: &Prompt) -> Self {
        PromptGql { code: p.code.clone(), text: p.text.clone() }
    }
}

/// The organization's internal capacity review.
#[derive(SimpleObject)]
#[graphql(name = "CapacityReview")]
pub struct CapacityReviewGql {
    /// The review's questions as the document words them.
    pub questions: Vec<PromptGql>,
    /// What is our capacity to support survivors of human trafficking?
    pub capacity: Option<String>,
    /// What are our gaps and limitations and what can we do to address them?
    pub gaps_and_limits: Option<String>,
    /// What are our priorities to improve responses to trafficking survivors in our area?
    pub priorities: Option<String>,
    /// What resources and tools do we need to enhance and build our capacity?
    pub resources_needed: Option<String>,
    /// 0 until first saved; pass it back to save.
    pub version: i32,
    /// When it was last saved.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who saved it last.
    pub updated_by: Option<ID>,
}

impl From<CapacityReview> for CapacityReviewGql {
    fn from(r: CapacityReview) -> Self {
        CapacityReviewGql {
            questions: checklist::review_questions().iter().map(Into::into).collect(),
            capacity: r.capacity,
            gaps_and_limits: r.gaps_and_limits,
            priorities: r.priorities,
            resources_needed: r.resources_needed,
            version: r.version,
            updated_at: r.updated_at,
            updated_by: r.updated_by.map(id),
        }
    }
}

/// An organization or agency engaged in a goal, and its responsibilities.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "CapacityGoalEngagement", input_name = "CapacityGoalEngagementInput")]
pub struct EngagementGql {
    /// The organization or agency, by name.
    pub organization: String,
    /// What it is responsible for.
    pub responsibilities: String,
}

/// A goal of the organization's action plan (the FUTURES template's fields).
#[derive(SimpleObject)]
#[graphql(name = "CapacityGoal")]
pub struct GoalGql {
    /// The goal's id.
    pub id: ID,
    /// A. Goal for enhancing services to support survivors of human trafficking.
    pub goal: String,
    /// B. Action steps or key activities to accomplish the goal.
    pub action_steps: Option<String>,
    /// C. Organizations or agencies to engage, and the responsibilities of each.
    pub organizations_engaged: Vec<EngagementGql>,
    /// D. Timeline.
    pub timeline: Option<String>,
    /// E. Next steps.
    pub next_steps: Option<String>,
    /// F. Resources needed.
    pub resources_needed: Option<String>,
    /// Incremented by every edit; pass it back to edit or archive.
    pub version: i32,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// Who saved it last.
    pub updated_by: Option<ID>,
}

impl From<Goal> for GoalGql {
    fn from(g: Goal) -> Self {
        GoalGql {
            id: id(g.id),
            goal: g.goal,
            action_steps: g.action_steps,
            organizations_engaged: g
                .organizations_engaged
                .into_iter()
                .map(|e| EngagementGql { organization: e.organization, responsibilities: e.responsibilities })
                .collect(),
            timeline: g.timeline,
            next_steps: g.next_steps,
            resources_needed: g.resources_needed,
            version: g.version,
            updated_at: g.updated_at,
            updated_by: g.updated_by.map(id),
        }
    }
}

/// An organization's FUTURES capacity checklist, internal capacity review and action plan.
#[derive(SimpleObject)]
#[graphql(name = "CapacityChecklist")]
pub struct ChecklistGql {
    /// The organization.
    pub organization_id: ID,
    /// The checklist's nine sections with their questions and answers.
    pub sections: Vec<SectionGql>,
    /// The internal capacity review.
    pub review: CapacityReviewGql,
    /// The action-plan template's fields as the document words them.
    pub goal_fields: Vec<PromptGql>,
    /// The action plan's live goals, oldest first.
    pub goals: Vec<GoalGql>,
}

impl From<Checklist> for ChecklistGql {
    fn from(c: Checklist) -> Self {
        ChecklistGql {
            organization_id: id(c.organization_id),
            sections: c.sections.into_iter().map(Into::into).collect(),
            review: c.review.into(),
            goal_fields: checklist::action_plan_fields().iter().map(Into::into).collect(),
            goals: c.goals.into_iter().map(Into::into).collect(),
        }
    }
}

/// A county's figure in the aggregate.
#[derive(SimpleObject)]
#[graphql(name = "StandardsCountyFigure")]
pub struct CountyFigureGql {
    /// The county.
    pub county: CountyGql,
    /// Organizations counted in it; null when withheld (1 to 4).
    pub organizations: Option<i64>,
}

/// The figures of one standard or service area.
pub struct FiguresGql(Figures);

/// The figures of one standard or service area.
#[Object(name = "StandardsFigures")]
impl FiguresGql {
    /// The standard counted (organizations meeting or exceeding it); null for a service area.
    async fn standard(&self) -> Option<StandardGql> {
        match &self.0.subject {
            Subject::Standard(s) => Some(StandardGql(s.clone())),
            Subject::ServiceArea(_) => None,
        }
    }
    /// The service area counted (organizations meeting the standards for it); for a
    /// standard, the area it belongs to (null: foundational).
    async fn service_area(&self) -> Option<ServiceAreaGql> {
        match &self.0.subject {
            Subject::Standard(s) => s.area.map(Into::into),
            Subject::ServiceArea(a) => Some(a.area.into()),
        }
    }
    /// Organizations statewide; null when withheld (1 to 4).
    async fn statewide(&self) -> Option<i64> {
        self.0.statewide
    }
    /// Whether the county breakdown is published; when it is not, `counties` is empty and
    /// `withoutCounty` null, because with the statewide figure it would reveal a withheld count.
    async fn county_breakdown(&self) -> bool {
        self.0.counties.is_some()
    }
    /// Counties whose figure is not zero (published, or withheld as null), by name. With
    /// the breakdown published, a county not listed counts 0.
    async fn counties(&self) -> Vec<CountyFigureGql> {
        self.0
            .counties
            .iter()
            .flatten()
            .filter(|c| c.organizations != Some(0))
            .map(|c| CountyFigureGql {
                county: CountyGql { fips: c.fips.clone(), name: c.name.clone() },
                organizations: c.organizations,
            })
            .collect()
    }
    /// Organizations counted in no county (their listings have no location and serve no
    /// single county); null when withheld.
    async fn without_county(&self) -> Option<i64> {
        self.0.without_county
    }
}

/// How many organizations meet each standard and service area, statewide and per county.
pub struct AggregateGql(Aggregate);

/// How many organizations meet each standard and service area, statewide and per county.
#[Object(name = "StandardsAggregate")]
impl AggregateGql {
    /// The day counted: organizations whose review outcome is in force on it.
    async fn as_of(&self) -> NaiveDate {
        self.0.as_of
    }
    /// Per standard, organizations meeting or exceeding it (accepted in a review in force).
    async fn standards(&self) -> Vec<FiguresGql> {
        self.0.standards.iter().cloned().map(FiguresGql).collect()
    }
    /// Per service area, organizations meeting the standards for it.
    async fn service_areas(&self) -> Vec<FiguresGql> {
        self.0.service_areas.iter().cloned().map(FiguresGql).collect()
    }
}

/// An answer on one standard; saving replaces the whole answer.
#[derive(InputObject)]
#[graphql(name = "StandardsAnswerInput")]
pub struct AnswerEdit {
    /// The level; may be left out while the answer is a draft (submitting needs one).
    pub level: Option<LevelGql>,
    /// Why the standard does not apply: required with NOT_APPLICABLE, refused otherwise.
    pub not_applicable_reason: Option<String>,
    /// The evidence, in words (line breaks allowed).
    pub evidence_note: Option<String>,
    /// References to documents that show it (policy names, file names; at most 20).
    pub evidence_refs: Option<Vec<String>>,
    /// The day assessed (not in the future); defaults to today when a level is given.
    pub assessed_on: Option<NaiveDate>,
}

/// An answer to a checklist question; saving replaces it.
#[derive(InputObject)]
#[graphql(name = "CapacityChecklistAnswerInput")]
pub struct ItemAnswerEdit {
    /// Yes, no or in progress: required for YES_NO questions, refused for TEXT ones.
    pub status: Option<ItemStatusGql>,
    /// The answer in words (required for TEXT questions), or a note.
    pub note: Option<String>,
}

/// Fields of the internal capacity review: a field left out stays as it is, an empty
/// text clears it.
#[derive(InputObject)]
#[graphql(name = "CapacityReviewInput")]
pub struct ReviewEdit {
    /// What is our capacity to support survivors of human trafficking?
    pub capacity: Option<String>,
    /// What are our gaps and limitations and what can we do to address them?
    pub gaps_and_limits: Option<String>,
    /// What are our priorities to improve responses to trafficking survivors in our area?
    pub priorities: Option<String>,
    /// What resources and tools do we need to enhance and build our capacity?
    pub resources_needed: Option<String>,
}

/// Fields of an action-plan goal: a field left out stays as it is, an empty text clears it
/// (the goal itself is required to create one and cannot be cleared).
#[derive(InputObject)]
#[graphql(name = "CapacityGoalInput")]
pub struct GoalEdit {
    /// A. Goal for enhancing services to support survivors of human trafficking.
    pub goal: Option<String>,
    /// B. Action steps or key activities to accomplish the goal.
    pub action_steps: Option<String>,
    /// C. Organizations or agencies to engage, and the responsibilities of each (at most
    /// 30; the list replaces the one stored).
    pub organizations_engaged: Option<Vec<EngagementGql>>,
    /// D. Timeline.
    pub timeline: Option<String>,
    /// E. Next steps.
    pub next_steps: Option<String>,
    /// F. Resources needed.
    pub resources_needed: Option<String>,
}

fn goal_input(e: GoalEdit) -> crate::action_plan::PlanInput {
    crate::action_plan::PlanInput {
        goal: e.goal,
        action_steps: e.action_steps,
        organizations_engaged: e.organizations_engaged.map(|l| {
            l.into_iter()
                .map(|g| crate::action_plan::Engagement {
                    organization: g.organization,
                    responsibilities: g.responsibilities,
                })
                .collect()
        }),
        timeline: e.timeline,
        next_steps: e.next_steps,
        resources_needed: e.resources_needed,
    }
}

fn saved(s: SavedAnswer, standards: &Arc<Vec<Standard>>) -> SavedAnswerGql {
    let standard = standards.iter().find(|st| st.number == s.answer.standard_number).cloned();
    SavedAnswerGql {
        answer: AnswerGql { answer: s.answer, standard, decision: None },
        assessment_version: s.assessment_version,
    }
}

/// Reads of the Standards of Service and the capacity checklist.
#[derive(Default)]
pub struct StandardsQuery;

#[Object]
impl StandardsQuery {
    /// The Standards of Service (public), by number: all 54, one service area's, or the
    /// foundational ones.
    async fn standards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this service area's standards.")] service_area: Option<ServiceAreaGql>,
        #[graphql(desc = "Only the foundational standards (true) or only service-area ones (false).")]
        foundational: Option<bool>,
    ) -> async_graphql::Result<Vec<StandardGql>> {
        let all = standards::list_standards(&mut *conn(ctx).await.gql()?).await.gql()?;
        let area: Option<ServiceArea> = service_area.map(Into::into);
        Ok(all
            .into_iter()
            .filter(|s| area.is_none_or(|a| s.area == Some(a)))
            .filter(|s| foundational.is_none_or(|f| s.area.is_none() == f))
            .map(StandardGql)
            .collect())
    }

    /// The five service areas with their definitions, goals, standards and the FUTURES
    /// needs that lead to each (public).
    async fn standard_service_areas(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ServiceAreaInfoGql>> {
        let mut conn = conn(ctx).await.gql()?;
        let all = standards::list_standards(&mut conn).await.gql()?;
        let areas = standards::list_service_areas(&mut conn).await.gql()?;
        Ok(areas
            .into_iter()
            .map(|info| ServiceAreaInfoGql {
                standards: all.iter().filter(|s| s.area == Some(info.area)).cloned().collect(),
                info,
            })
            .collect())
    }

    /// The service areas an organization meets the Standards of Service for today, from a
    /// review in force (public; empty for an organization never reviewed or vetted for
    /// nothing).
    async fn vetted_service_areas(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
    ) -> async_graphql::Result<Vec<VettedAreaGql>> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        let vetted = standards::vetted_on(&mut *conn(ctx).await.gql()?, org, today(ctx)).await.gql()?;
        Ok(vetted.into_iter().map(Into::into).collect())
    }

    /// The service areas an organization provides: implied by its services, or chosen by
    /// it (its members but MDT viewers; reviewers).
    async fn standards_scope(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
    ) -> async_graphql::Result<Vec<ScopeAreaGql>> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        let scope = assessments::scope_of(&mut *conn(ctx).await.gql()?, caller(ctx), org).await.gql()?;
        Ok(scope.into_iter().map(Into::into).collect())
    }

    /// An organization's self-assessment versions, newest first: all of them for its own
    /// members (but MDT viewers), the submitted ones for reviewers.
    async fn standards_assessments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
    ) -> async_graphql::Result<Vec<AssessmentGql>> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        let list = assessments::list(&mut *conn(ctx).await.gql()?, caller(ctx), org).await.gql()?;
        Ok(list.into_iter().map(AssessmentGql).collect())
    }

    /// One self-assessment version (its organization's members; reviewers once submitted).
    async fn standards_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version's id.")] id: ID,
    ) -> async_graphql::Result<AssessmentGql> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(AssessmentGql(assessments::get(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?))
    }

    /// Versions awaiting review, oldest submission first, except those of the reviewer's
    /// own organizations (network admins and reviewers).
    async fn standards_review_queue(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AssessmentGql>> {
        let list = review::queue(&mut *conn(ctx).await.gql()?, caller(ctx)).await.gql()?;
        Ok(list.into_iter().map(AssessmentGql).collect())
    }

    /// Who may review submitted assessments besides network admins (network members).
    async fn standards_reviewers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReviewerGql>> {
        let list = review::reviewers(&mut *conn(ctx).await.gql()?, &caller(ctx).actor).await.gql()?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// An organization's FUTURES capacity checklist, internal capacity review and action
    /// plan (its members but MDT viewers; network admins).
    async fn capacity_checklist(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
    ) -> async_graphql::Result<ChecklistGql> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        Ok(checklist::get(&mut *conn(ctx).await.gql()?, caller(ctx), org).await.gql()?.into())
    }

    /// How many organizations meet or exceed each standard, and meet the standards for
    /// each service area, from reviews in force today: statewide and per home county,
    /// counts from 1 to 4 withheld and nothing published that would reveal one (network
    /// members). Also as CSV: `GET /exports/standards.csv`.
    #[graphql(complexity = "60 * child_complexity")]
    async fn standards_aggregate(&self, ctx: &Context<'_>) -> async_graphql::Result<AggregateGql> {
        Ok(AggregateGql(
            aggregate::aggregate(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, today(ctx)).await.gql()?,
        ))
    }
}

/// Writes of the Standards of Service and the capacity checklist.
#[derive(Default)]
pub struct StandardsMutation;

#[Object]
impl StandardsMutation {
    /// Adds (`provided: true`) or removes (`false`) a service area against what the
    /// organization's services imply, with a reason; `provided: null` goes back to what
    /// they imply (the organization's coordinators and provider staff). Recorded and audited.
    async fn set_standards_service_area(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
        #[graphql(desc = "The service area.")] area: ServiceAreaGql,
        #[graphql(desc = "Provided (true), not provided (false), or as implied (null).")] provided: Option<bool>,
        #[graphql(desc = "Why: required with `provided`, refused without.")] reason: Option<String>,
    ) -> async_graphql::Result<Vec<ScopeAreaGql>> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        let scope = assessments::set_area(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            org,
            area.into(),
            provided,
            reason.as_deref(),
        )
        .await
        .gql()?;
        Ok(scope.into_iter().map(Into::into).collect())
    }

    /// Starts the organization's next self-assessment version, with the answers of its
    /// last reviewed one (its coordinators and provider staff). `CONFLICT` while a
    /// version is a draft or awaiting review.
    async fn start_standards_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
    ) -> async_graphql::Result<AssessmentGql> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        Ok(AssessmentGql(assessments::start(&mut *conn(ctx).await.gql()?, caller(ctx), org).await.gql()?))
    }

    /// Saves the answer on one standard of the organization's draft, replacing it.
    async fn save_standards_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft version.")] assessment_id: ID,
        #[graphql(desc = "The standard (1–54) answered; it must apply to the organization.")] standard_number: i32,
        #[graphql(desc = "The answer's version as read (0 for a standard not answered yet).")] version: i32,
        #[graphql(desc = "The answer.")] input: AnswerEdit,
    ) -> async_graphql::Result<SavedAnswerGql> {
        let assessment = parse_uuid(&assessment_id, "assessmentId").gql()?;
        let input = AnswerInput {
            level: input.level.map(Into::into),
            not_applicable_reason: input.not_applicable_reason,
            evidence_note: input.evidence_note,
            evidence_refs: input.evidence_refs.unwrap_or_default(),
            assessed_on: input.assessed_on,
        };
        let mut conn = conn(ctx).await.gql()?;
        let saved_answer =
            assessments::save_answer(&mut conn, caller(ctx), assessment, standard_number, version, input, today(ctx))
                .await
                .gql()?;
        let all = Arc::new(standards::list_standards(&mut conn).await.gql()?);
        Ok(saved(saved_answer, &all))
    }

    /// Submits the draft as a whole (every applicable standard needs a level; else
    /// `BAD_USER_INPUT` on `answers` naming the missing standards). Its service areas are
    /// frozen with it and it awaits review.
    async fn submit_standards_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft version.")] id: ID,
        #[graphql(desc = "The assessment's version as read.")] version: i32,
    ) -> async_graphql::Result<AssessmentGql> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(AssessmentGql(assessments::submit(&mut *conn(ctx).await.gql()?, caller(ctx), id, version).await.gql()?))
    }

    /// Records (or changes) a reviewer's decision on one standard of a version awaiting
    /// review (network admins and reviewers; never for an organization they belong to).
    async fn review_standard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version awaiting review.")] assessment_id: ID,
        #[graphql(desc = "The standard decided on.")] standard_number: i32,
        #[graphql(desc = "Accepted, or returned to the organization.")] decision: DecisionGql,
        #[graphql(desc = "The reviewer's comment: required to return a standard.")] comment: Option<String>,
    ) -> async_graphql::Result<DecisionRecordGql> {
        let assessment = parse_uuid(&assessment_id, "assessmentId").gql()?;
        let decided = review::decide(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            assessment,
            standard_number,
            decision.into(),
            comment.as_deref(),
        )
        .await
        .gql()?;
        Ok(decided.into())
    }

    /// Completes a review once every standard has a decision: RETURNED to the
    /// organization if any standard was returned, else ACCEPTED with its outcome (the
    /// service areas it meets the standards for, from `validFrom` to `validUntil`).
    async fn complete_standards_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version awaiting review.")] assessment_id: ID,
        #[graphql(desc = "First day of the outcome: default today; not in the future, not before the submission.")]
        valid_from: Option<NaiveDate>,
        #[graphql(
            desc = "Last day of the outcome: default the day before the first anniversary of `validFrom`; may be earlier, not later."
        )]
        valid_until: Option<NaiveDate>,
    ) -> async_graphql::Result<AssessmentGql> {
        let assessment = parse_uuid(&assessment_id, "assessmentId").gql()?;
        // An outcome changes what `searchProviders(filter: { vettedFor })` finds: the
        // reviewer's next search sees it.
        let (day, clock) = (today(ctx), services(ctx).clock);
        let done = directory(ctx)
            .write(async |conn| {
                review::complete(conn, caller(ctx), assessment, valid_from, valid_until, day, clock).await
            })
            .await
            .gql()?;
        Ok(AssessmentGql(done))
    }

    /// Lets a user review submitted assessments (network admins; audited). Granting a
    /// reviewer again returns the live grant.
    async fn grant_standards_reviewer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] user_id: ID,
    ) -> async_graphql::Result<ReviewerGql> {
        let user = parse_uuid(&user_id, "userId").gql()?;
        Ok(review::grant(&mut *conn(ctx).await.gql()?, caller(ctx), user).await.gql()?.into())
    }

    /// Ends a user's reviewer grant (network admins; audited).
    async fn revoke_standards_reviewer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] user_id: ID,
    ) -> async_graphql::Result<bool> {
        let user = parse_uuid(&user_id, "userId").gql()?;
        review::revoke(&mut *conn(ctx).await.gql()?, caller(ctx), user).await.gql()?;
        Ok(true)
    }

    /// Saves the organization's answer to one checklist question, replacing it (its
    /// coordinators and provider staff).
    async fn save_capacity_checklist_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
        #[graphql(desc = "The question's code, e.g. `screening.1`.")] item_code: String,
        #[graphql(desc = "The answer's version as read (0 before the first save).")] version: i32,
        #[graphql(desc = "The answer.")] input: ItemAnswerEdit,
    ) -> async_graphql::Result<ItemAnswerGql> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        Ok(checklist::save_answer(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            org,
            &item_code,
            version,
            input.status.map(Into::into),
            input.note.as_deref(),
        )
        .await
        .gql()?
        .into())
    }

    /// Edits the organization's internal capacity review (its coordinators and provider staff).
    async fn update_capacity_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
        #[graphql(desc = "The review's version as read (0 before the first save).")] version: i32,
        #[graphql(desc = "The fields to change.")] input: ReviewEdit,
    ) -> async_graphql::Result<CapacityReviewGql> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        let input = checklist::CapacityReviewInput {
            capacity: input.capacity,
            gaps_and_limits: input.gaps_and_limits,
            priorities: input.priorities,
            resources_needed: input.resources_needed,
        };
        Ok(checklist::update_review(&mut *conn(ctx).await.gql()?, caller(ctx), org, version, input).await.gql()?.into())
    }

    /// Adds a goal to the organization's action plan (its coordinators and provider staff).
    async fn create_capacity_goal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization.")] organization_id: ID,
        #[graphql(desc = "The goal's fields; `goal` is required.")] input: GoalEdit,
    ) -> async_graphql::Result<GoalGql> {
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        Ok(checklist::save_goal(&mut *conn(ctx).await.gql()?, caller(ctx), Some(org), None, goal_input(input))
            .await
            .gql()?
            .into())
    }

    /// Edits a goal of the organization's action plan.
    async fn update_capacity_goal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The goal.")] id: ID,
        #[graphql(desc = "The goal's version as read.")] version: i32,
        #[graphql(desc = "The fields to change.")] input: GoalEdit,
    ) -> async_graphql::Result<GoalGql> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(checklist::save_goal(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            None,
            Some((id, version)),
            goal_input(input),
        )
        .await
        .gql()?
        .into())
    }

    /// Archives a goal of the organization's action plan.
    async fn archive_capacity_goal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The goal.")] id: ID,
        #[graphql(desc = "The goal's version as read.")] version: i32,
    ) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        checklist::archive_goal(&mut *conn(ctx).await.gql()?, caller(ctx), id, version).await.gql()?;
        Ok(true)
    }
}
