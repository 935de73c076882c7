//! Queries of the standards domain. Reads of assessments, answers, decisions, scope
//! choices and checklists run inside the caller's row-level-security transaction
//! (`db::rls::in_org`); reference data and outcomes are readable by anyone.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{
    Answer, AreaChoice, Assessment, Decision, Level, Outcome, ReviewDecision, ServiceArea, ServiceAreaInfo, Standard,
    Status, VettedArea,
};
use crate::db::StoredText;
use crate::db::schema::{
    memberships, need_standard_areas, organization_standard_areas, providers, service_needs, services,
    standard_service_areas, standards, standards_answers, standards_assessments, standards_outcomes,
    standards_review_decisions, standards_reviewers,
};
use crate::error::AppResult;

/// A standard as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = standards)]
struct StandardRow {
    number: i32,
    area_code: Option<String>,
    group_title: Option<String>,
    title: String,
    statement: Option<String>,
    exceeds: Option<String>,
    meets: String,
    does_not_meet: String,
}

/// Every standard, by number.
pub(super) async fn standards(conn: &mut AsyncPgConnection) -> AppResult<Vec<Standard>> {
    let rows: Vec<StandardRow> =
        standards::table.order(standards::number).select(StandardRow::as_select()).load(conn).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Standard {
                number: r.number,
                area: r.area_code.as_deref().map(ServiceArea::decode).transpose()?,
                group: r.group_title,
                title: r.title,
                statement: r.statement,
                exceeds: r.exceeds,
                meets: r.meets,
                does_not_meet: r.does_not_meet,
            })
        })
        .collect()
}

/// A service area as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = standard_service_areas)]
struct ServiceAreaRow {
    code: String,
    number: i32,
    title: String,
    definition: String,
    goal: String,
}

/// The five service areas with the needs that lead to each, in the document's order.
pub(super) async fn service_areas(conn: &mut AsyncPgConnection) -> AppResult<Vec<ServiceAreaInfo>> {
    let rows: Vec<ServiceAreaRow> = standard_service_areas::table
        .order(standard_service_areas::number)
        .select(ServiceAreaRow::as_select())
        .load(conn)
        .await?;
    let needs: Vec<(String, String)> = need_standard_areas::table
        .order((need_standard_areas::area_code, need_standard_areas::need_code))
        .select((need_standard_areas::area_code, need_standard_areas::need_code))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            let area = ServiceArea::decode(&r.code)?;
            let need_codes = needs.iter().filter(|(a, _)| *a == r.code).map(|(_, n)| n.clone()).collect();
            Ok(ServiceAreaInfo {
                area,
                number: r.number,
                title: r.title,
                definition: r.definition,
                goal: r.goal,
                need_codes,
            })
        })
        .collect()
}

/// The service areas an organization's live services imply through their needs.
pub(super) async fn derived_areas(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<ServiceArea>> {
    let codes: Vec<String> = need_standard_areas::table
        .inner_join(service_needs::table.on(service_needs::need_code.eq(need_standard_areas::need_code)))
        .inner_join(services::table.on(services::id.eq(service_needs::service_id)))
        .inner_join(providers::table.on(providers::id.eq(services::provider_id)))
        .filter(providers::organization_id.eq(organization))
        .filter(providers::archived_at.is_null())
        .filter(services::archived_at.is_null())
        .select(need_standard_areas::area_code)
        .distinct()
        .load(conn)
        .await?;
    ServiceArea::from_db_list(&codes.into_iter().map(Some).collect::<Vec<_>>())
}

/// An organization's own choices about its service areas (inside its RLS transaction).
pub(super) async fn area_choices(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<AreaChoice>> {
    type Row = (String, bool, String, Option<Uuid>, DateTime<Utc>);
    let rows: Vec<Row> = organization_standard_areas::table
        .filter(organization_standard_areas::organization_id.eq(organization))
        .select((
            organization_standard_areas::area_code,
            organization_standard_areas::provided,
            organization_standard_areas::reason,
            organization_standard_areas::set_by,
            organization_standard_areas::set_at,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(code, provided, reason, set_by, set_at)| {
            Ok(AreaChoice { area: ServiceArea::decode(&code)?, provided, reason, set_by, set_at })
        })
        .collect()
}

/// The organization's scope now: implied areas with its choices applied.
pub(super) async fn current_scope(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<ServiceArea>> {
    let derived = derived_areas(conn, organization).await?;
    let choices = area_choices(conn, organization).await?;
    Ok(super::scope(&derived, &choices))
}

/// An assessment row as stored.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = standards_assessments)]
pub(super) struct AssessmentRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub number: i32,
    pub status: String,
    pub service_areas: Option<Vec<Option<String>>>,
    pub based_on: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<Uuid>,
    pub version: i32,
}

/// Which assessment rows to read.
pub(super) enum Rows {
    /// One version.
    Id(Uuid),
    /// One version, locked for this transaction.
    IdForUpdate(Uuid),
    /// An organization's versions, newest first; drafts only when asked for.
    Organization { id: Uuid, drafts: bool },
    /// Versions awaiting review, oldest submission first, of organizations `user` is no
    /// member of.
    AwaitingReviewBy(Uuid),
    /// The organization's latest version that is no longer a draft or awaiting review.
    LatestReviewed(Uuid),
}

/// Assessment rows (under the caller's row-level security).
pub(super) async fn assessment_rows(conn: &mut AsyncPgConnection, which: Rows) -> AppResult<Vec<AssessmentRow>> {
    use standards_assessments as a;
    let select = a::table.select(AssessmentRow::as_select());
    Ok(match which {
        Rows::Id(id) => select.filter(a::id.eq(id)).load(conn).await?,
        Rows::IdForUpdate(id) => select.filter(a::id.eq(id)).for_update().load(conn).await?,
        Rows::Organization { id, drafts } => {
            let mut q = select.filter(a::organization_id.eq(id)).order(a::number.desc()).into_boxed();
            if !drafts {
                q = q.filter(a::status.ne(Status::Draft.as_db()));
            }
            q.load(conn).await?
        }
        Rows::AwaitingReviewBy(user) => {
            let own = memberships::table.filter(memberships::user_id.eq(user)).select(memberships::organization_id);
            select
                .filter(a::status.eq(Status::Submitted.as_db()))
                .filter(diesel::dsl::not(a::organization_id.eq_any(own)))
                .order((a::submitted_at.asc(), a::id))
                .limit(500)
                .load(conn)
                .await?
        }
        Rows::LatestReviewed(organization) => {
            select
                .filter(a::organization_id.eq(organization))
                .filter(a::status.eq_any([Status::Returned.as_db(), Status::Accepted.as_db()]))
                .order(a::number.desc())
                .limit(1)
                .load(conn)
                .await?
        }
    })
}

/// An answer as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = standards_answers)]
struct AnswerRow {
    assessment_id: Uuid,
    standard_number: i32,
    level: Option<String>,
    not_applicable_reason: Option<String>,
    evidence_note: Option<String>,
    evidence_refs: Vec<Option<String>>,
    assessed_on: Option<NaiveDate>,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
}

/// The answers of the given versions, in standard order.
pub(super) async fn answers_of(conn: &mut AsyncPgConnection, assessments: &[Uuid]) -> AppResult<Vec<(Uuid, Answer)>> {
    use standards_answers as a;
    let rows: Vec<AnswerRow> = a::table
        .filter(a::assessment_id.eq_any(assessments))
        .order((a::assessment_id, a::standard_number))
        .select(AnswerRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.assessment_id,
                Answer {
                    standard_number: r.standard_number,
                    level: r.level.as_deref().map(Level::decode).transpose()?,
                    not_applicable_reason: r.not_applicable_reason,
                    evidence_note: r.evidence_note,
                    evidence_refs: r.evidence_refs.into_iter().flatten().collect(),
                    assessed_on: r.assessed_on,
                    version: r.version,
                    updated_at: r.updated_at,
                    updated_by: r.updated_by,
                },
            ))
        })
        .collect()
}

/// A reviewer's decision as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = standards_review_decisions)]
struct DecisionRow {
    assessment_id: Uuid,
    standard_number: i32,
    decision: String,
    comment: Option<String>,
    decided_by: Uuid,
    decided_at: DateTime<Utc>,
}

/// The reviewer's decisions on the given versions, in standard order.
pub(super) async fn decisions_of(
    conn: &mut AsyncPgConnection,
    assessments: &[Uuid],
) -> AppResult<Vec<(Uuid, ReviewDecision)>> {
    use standards_review_decisions as d;
    let rows: Vec<DecisionRow> = d::table
        .filter(d::assessment_id.eq_any(assessments))
        .order((d::assessment_id, d::standard_number))
        .select(DecisionRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.assessment_id,
                ReviewDecision {
                    standard_number: r.standard_number,
                    decision: Decision::decode(&r.decision)?,
                    comment: r.comment,
                    decided_by: r.decided_by,
                    decided_at: r.decided_at,
                },
            ))
        })
        .collect()
}

/// An outcome as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = standards_outcomes)]
struct OutcomeRow {
    id: Uuid,
    assessment_id: Uuid,
    organization_id: Uuid,
    service_areas: Vec<Option<String>>,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    decided_by: Uuid,
    decided_at: DateTime<Utc>,
}

fn outcome_from(r: OutcomeRow) -> AppResult<Outcome> {
    Ok(Outcome {
        id: r.id,
        assessment_id: r.assessment_id,
        organization_id: r.organization_id,
        areas: ServiceArea::from_db_list(&r.service_areas)?,
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
    })
}

/// The outcomes of the given versions.
pub(super) async fn outcomes_of_assessments(
    conn: &mut AsyncPgConnection,
    assessments: &[Uuid],
) -> AppResult<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> = standards_outcomes::table
        .filter(standards_outcomes::assessment_id.eq_any(assessments))
        .select(OutcomeRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(outcome_from).collect()
}

/// Every outcome of the given organizations (public), oldest decision first.
pub(super) async fn outcomes_of(mut conn: &AsyncPgConnection, organizations: &[Uuid]) -> AppResult<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> = standards_outcomes::table
        .filter(standards_outcomes::organization_id.eq_any(organizations))
        .order((standards_outcomes::decided_at, standards_outcomes::id))
        .select(OutcomeRow::as_select())
        .load(&mut conn)
        .await?;
    rows.into_iter().map(outcome_from).collect()
}

/// Every outcome recorded (public), oldest decision first.
pub(super) async fn all_outcomes(conn: &mut AsyncPgConnection) -> AppResult<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> = standards_outcomes::table
        .order((standards_outcomes::decided_at, standards_outcomes::id))
        .select(OutcomeRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(outcome_from).collect()
}

/// The service areas each of `organizations` is vetted for on `day`, in one query: for the
/// directory, search filters and referral routing (organizations vetted for nothing are
/// absent). Public data.
pub async fn vetted_areas_for(
    conn: &mut AsyncPgConnection,
    organizations: &[Uuid],
    day: NaiveDate,
) -> AppResult<HashMap<Uuid, Vec<VettedArea>>> {
    let mut by_organization: HashMap<Uuid, Vec<Outcome>> = HashMap::new();
    for outcome in outcomes_of(conn, organizations).await? {
        by_organization.entry(outcome.organization_id).or_default().push(outcome);
    }
    Ok(by_organization
        .into_iter()
        .map(|(org, outcomes)| (org, super::vetted_as_of(&outcomes, day)))
        .filter(|(_, areas)| !areas.is_empty())
        .collect())
}

/// Reads whole assessments for `rows`: answers, decisions, outcomes, and for drafts the
/// organization's current scope (inside the caller's RLS transaction).
pub(super) async fn assemble(conn: &mut AsyncPgConnection, rows: Vec<AssessmentRow>) -> AppResult<Vec<Assessment>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let standards = Arc::new(standards(conn).await?);
    let mut answers = answers_of(conn, &ids).await?;
    let mut decisions = decisions_of(conn, &ids).await?;
    let outcomes = outcomes_of_assessments(conn, &ids).await?;
    let mut scopes: HashMap<Uuid, Vec<ServiceArea>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let areas = match row.service_areas {
            Some(areas) => ServiceArea::from_db_list(&areas)?,
            None => match scopes.get(&row.organization_id) {
                Some(scope) => scope.clone(),
                None => {
                    let scope = current_scope(conn, row.organization_id).await?;
                    scopes.insert(row.organization_id, scope.clone());
                    scope
                }
            },
        };
        let (mine, rest): (Vec<_>, Vec<_>) = answers.into_iter().partition(|(id, _)| *id == row.id);
        answers = rest;
        let (my_decisions, rest): (Vec<_>, Vec<_>) = decisions.into_iter().partition(|(id, _)| *id == row.id);
        decisions = rest;
        out.push(Assessment {
            id: row.id,
            organization_id: row.organization_id,
            number: row.number,
            status: Status::decode(&row.status)?,
            areas,
            based_on: row.based_on,
            created_at: row.created_at,
            created_by: row.created_by,
            submitted_at: row.submitted_at,
            submitted_by: row.submitted_by,
            reviewed_at: row.reviewed_at,
            reviewed_by: row.reviewed_by,
            version: row.version,
            answers: mine.into_iter().map(|(_, a)| a).collect(),
            decisions: my_decisions.into_iter().map(|(_, d)| d).collect(),
            outcome: outcomes.iter().find(|o| o.assessment_id == row.id).cloned(),
            standards: Arc::clone(&standards),
        });
    }
    Ok(out)
}

/// Whether `user` holds a live reviewer grant.
pub(super) async fn holds_reviewer_grant(conn: &mut AsyncPgConnection, user: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        standards_reviewers::table
            .filter(standards_reviewers::user_id.eq(user))
            .filter(standards_reviewers::revoked_at.is_null()),
    ))
    .get_result(conn)
    .await?)
}

/// Whether `user` is a member of `organization` (any role).
pub(super) async fn is_member(conn: &mut AsyncPgConnection, user: Uuid, organization: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        memberships::table.filter(memberships::user_id.eq(user)).filter(memberships::organization_id.eq(organization)),
    ))
    .get_result(conn)
    .await?)
}
