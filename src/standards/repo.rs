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

/// Every standard, by number.
pub(super) async fn standards(conn: &mut AsyncPgConnection) -> AppResult<Vec<Standard>> {
    type Row = (i32, Option<String>, Option<String>, String, Option<String>, Option<String>, String, String);
    let rows: Vec<Row> = standards::table
        .order(standards::number)
        .select((
            standards::number,
            standards::area_code,
            standards::group_title,
            standards::title,
            standards::statement,
            standards::exceeds,
            standards::meets,
            standards::does_not_meet,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Standard {
                number: r.0,
                area: r.1.as_deref().map(ServiceArea::decode).transpose()?,
                group: r.2,
                title: r.3,
                statement: r.4,
                exceeds: r.5,
                meets: r.6,
                does_not_meet: r.7,
            })
        })
        .collect()
}

/// The five service areas with the needs that lead to each, in the document's order.
pub(super) async fn service_areas(conn: &mut AsyncPgConnection) -> AppResult<Vec<ServiceAreaInfo>> {
    let rows: Vec<(String, i32, String, String, String)> = standard_service_areas::table
        .order(standard_service_areas::number)
        .select((
            standard_service_areas::code,
            standard_service_areas::number,
            standard_service_areas::title,
            standard_service_areas::definition,
            standard_service_areas::goal,
        ))
        .load(conn)
        .await?;
    let needs: Vec<(String, String)> = need_standard_areas::table
        .order((need_standard_areas::area_code, need_standard_areas::need_code))
        .select((need_standard_areas::area_code, need_standard_areas::need_code))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(code, number, title, definition, goal)| {
            let area = ServiceArea::decode(&code)?;
            let need_codes = needs.iter().filter(|(a, _)| *a == code).map(|(_, n)| n.clone()).collect();
            Ok(ServiceAreaInfo { area, number, title, definition, goal, need_codes })
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

type AnswerRow = (
    Uuid,
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<Option<String>>,
    Option<NaiveDate>,
    i32,
    DateTime<Utc>,
    Option<Uuid>,
);

/// The answers of the given versions, in standard order.
pub(super) async fn answers_of(conn: &mut AsyncPgConnection, assessments: &[Uuid]) -> AppResult<Vec<(Uuid, Answer)>> {
    use standards_answers as a;
    let rows: Vec<AnswerRow> = a::table
        .filter(a::assessment_id.eq_any(assessments))
        .order((a::assessment_id, a::standard_number))
        .select((
            a::assessment_id,
            a::standard_number,
            a::level,
            a::not_applicable_reason,
            a::evidence_note,
            a::evidence_refs,
            a::assessed_on,
            a::version,
            a::updated_at,
            a::updated_by,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.0,
                Answer {
                    standard_number: r.1,
                    level: r.2.as_deref().map(Level::decode).transpose()?,
                    not_applicable_reason: r.3,
                    evidence_note: r.4,
                    evidence_refs: r.5.into_iter().flatten().collect(),
                    assessed_on: r.6,
                    version: r.7,
                    updated_at: r.8,
                    updated_by: r.9,
                },
            ))
        })
        .collect()
}

/// The reviewer's decisions on the given versions, in standard order.
pub(super) async fn decisions_of(
    conn: &mut AsyncPgConnection,
    assessments: &[Uuid],
) -> AppResult<Vec<(Uuid, ReviewDecision)>> {
    use standards_review_decisions as d;
    type Row = (Uuid, i32, String, Option<String>, Uuid, DateTime<Utc>);
    let rows: Vec<Row> = d::table
        .filter(d::assessment_id.eq_any(assessments))
        .order((d::assessment_id, d::standard_number))
        .select((d::assessment_id, d::standard_number, d::decision, d::comment, d::decided_by, d::decided_at))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(id, standard_number, decision, comment, decided_by, decided_at)| {
            Ok((
                id,
                ReviewDecision {
                    standard_number,
                    decision: Decision::decode(&decision)?,
                    comment,
                    decided_by,
                    decided_at,
                },
            ))
        })
        .collect()
}

type OutcomeRow = (Uuid, Uuid, Uuid, Vec<Option<String>>, NaiveDate, NaiveDate, Uuid, DateTime<Utc>);

fn outcome_from(r: OutcomeRow) -> AppResult<Outcome> {
    Ok(Outcome {
        id: r.0,
        assessment_id: r.1,
        organization_id: r.2,
        areas: ServiceArea::from_db_list(&r.3)?,
        valid_from: r.4,
        valid_until: r.5,
        decided_by: r.6,
        decided_at: r.7,
    })
}

macro_rules! outcome_select {
    ($q:expr) => {
        $q.select((
            standards_outcomes::id,
            standards_outcomes::assessment_id,
            standards_outcomes::organization_id,
            standards_outcomes::service_areas,
            standards_outcomes::valid_from,
            standards_outcomes::valid_until,
            standards_outcomes::decided_by,
            standards_outcomes::decided_at,
        ))
    };
}

/// The outcomes of the given versions.
pub(super) async fn outcomes_of_assessments(
    conn: &mut AsyncPgConnection,
    assessments: &[Uuid],
) -> AppResult<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> =
        outcome_select!(standards_outcomes::table.filter(standards_outcomes::assessment_id.eq_any(assessments)))
            .load(conn)
            .await?;
    rows.into_iter().map(outcome_from).collect()
}

/// Every outcome of the given organizations (public), oldest decision first.
pub(super) async fn outcomes_of(mut conn: &AsyncPgConnection, organizations: &[Uuid]) -> AppResult<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> = outcome_select!(
        standards_outcomes::table
            .filter(standards_outcomes::organization_id.eq_any(organizations))
            .order((standards_outcomes::decided_at, standards_outcomes::id))
    )
    .load(&mut conn)
    .await?;
    rows.into_iter().map(outcome_from).collect()
}

/// Every outcome recorded (public), oldest decision first.
pub(super) async fn all_outcomes(conn: &mut AsyncPgConnection) -> AppResult<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> =
        outcome_select!(standards_outcomes::table.order((standards_outcomes::decided_at, standards_outcomes::id)))
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
