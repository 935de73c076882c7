//! An organization's scope (the service areas it provides) and its self-assessments.
//!
//! The scope is derived from the FUTURES needs its live services meet (through
//! `need_standard_areas`), and the organization may add or remove service areas with a
//! reason; each choice is kept with who made it and when, and audited.
//!
//! A self-assessment is kept as versions. A draft is written answer by answer (each save
//! names the answer's version; a stale one is `CONFLICT`), submitted as a whole once every
//! applicable standard has a level (else `BAD_USER_INPUT` on `answers` naming the missing
//! standards), and never changes afterwards. A new draft starts from the last reviewed
//! version's answers, so progress shows from version to version. One version is open (a
//! draft, or one awaiting review) at a time.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::repo::{self, Rows};
use super::{Answer, AnswerInput, AreaChoice, Assessment, ServiceArea, Status};
use crate::audit;
use crate::auth::{Caller, Member};
use crate::db::StoredText;
use crate::db::rls;
use crate::db::schema::{organization_standard_areas, standards_answers, standards_assessments};
use crate::error::{AppError, AppResult};
use crate::validate;

/// One service area in an organization's scope.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaScope {
    pub area: ServiceArea,
    /// Whether the organization's services imply it.
    pub implied: bool,
    /// The organization's own choice, if it made one.
    pub choice: Option<AreaChoice>,
    /// Whether the organization provides it (its standards apply).
    pub provided: bool,
}

async fn scope_in_tx(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<AreaScope>> {
    let implied = repo::derived_areas(conn, organization).await?;
    let choices = repo::area_choices(conn, organization).await?;
    let provided = super::scope(&implied, &choices);
    Ok(ServiceArea::ALL
        .into_iter()
        .map(|area| AreaScope {
            area,
            implied: implied.contains(&area),
            choice: choices.iter().find(|c| c.area == area).cloned(),
            provided: provided.contains(&area),
        })
        .collect())
}

/// Whether `member` may read `organization`'s assessments and scope: its own members
/// (not MDT viewers) all of them, reviewers the submitted ones.
async fn require_reader(conn: &mut AsyncPgConnection, member: &Member, organization: Uuid) -> AppResult<bool> {
    if super::reads_own(member, organization) {
        return Ok(true);
    }
    if super::review::may_review(conn, member).await? {
        return Ok(false);
    }
    Err(AppError::Forbidden)
}

/// The organization's scope: every service area, implied or chosen.
pub async fn scope_of(conn: &mut AsyncPgConnection, caller: &Caller, organization: Uuid) -> AppResult<Vec<AreaScope>> {
    let member = caller.actor.member()?.clone();
    require_reader(conn, &member, organization).await?;
    rls::in_org(conn, &member.clone(), move |conn| Box::pin(async move { scope_in_tx(conn, organization).await })).await
}

/// Adds (`provided: true`) or removes (`false`) a service area against what the
/// organization's services imply, with a reason; `None` goes back to what they imply.
pub async fn set_area(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Uuid,
    area: ServiceArea,
    provided: Option<bool>,
    reason: Option<&str>,
) -> AppResult<Vec<AreaScope>> {
    let member = super::require_editor(&caller.actor, organization)?.clone();
    let reason = match (provided, validate::optional_text(reason, "reason", 2_000)?) {
        (Some(_), None) => {
            return Err(AppError::bad_input("reason", "reason is required to add or remove a service area"));
        }
        (None, Some(_)) => {
            return Err(AppError::bad_input("reason", "reason is given only when adding or removing a service area"));
        }
        (_, reason) => reason,
    };
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use organization_standard_areas as o;
            let key = o::table.find((organization, area.as_db()));
            match (provided, reason) {
                (Some(provided), Some(reason)) => {
                    diesel::insert_into(o::table)
                        .values((
                            o::organization_id.eq(organization),
                            o::area_code.eq(area.as_db()),
                            o::provided.eq(provided),
                            o::reason.eq(&reason),
                            o::set_by.eq(member.user_id),
                        ))
                        .on_conflict((o::organization_id, o::area_code))
                        .do_update()
                        .set((
                            o::provided.eq(provided),
                            o::reason.eq(&reason),
                            o::set_by.eq(member.user_id),
                            o::set_at.eq(Utc::now()),
                        ))
                        .execute(conn)
                        .await?;
                }
                _ => {
                    diesel::delete(key).execute(conn).await?;
                }
            }
            audit::record(conn, &caller, "standards.area.set", "organization", Some(organization)).await?;
            scope_in_tx(conn, organization).await
        })
    })
    .await
}

/// Starts the organization's next version, from the answers of its last reviewed one.
pub async fn start(conn: &mut AsyncPgConnection, caller: &Caller, organization: Uuid) -> AppResult<Assessment> {
    let member = super::require_editor(&caller.actor, organization)?.clone();
    if !crate::organizations::exists(conn, organization).await? {
        return Err(AppError::NotFound { what: "organization" });
    }
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use standards_assessments as a;
            let versions = repo::assessment_rows(conn, Rows::Organization { id: organization, drafts: true }).await?;
            if let Some(open) =
                versions.iter().find(|v| [Status::Draft, Status::Submitted].iter().any(|s| v.status == s.as_db()))
            {
                return Err(AppError::Conflict {
                    message: format!("version {} is still open (a draft, or awaiting review)", open.number),
                });
            }
            let previous = repo::assessment_rows(conn, Rows::LatestReviewed(organization)).await?.into_iter().next();
            let number = versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
            let id: Uuid = diesel::insert_into(a::table)
                .values((
                    a::organization_id.eq(organization),
                    a::number.eq(number),
                    a::based_on.eq(previous.as_ref().map(|p| p.id)),
                    a::created_by.eq(member.user_id),
                ))
                .returning(a::id)
                .get_result(conn)
                .await?;
            if let Some(previous) = previous {
                let copied: Vec<Answer> =
                    repo::answers_of(conn, &[previous.id]).await?.into_iter().map(|(_, answer)| answer).collect();
                for answer in copied {
                    insert_answer(
                        conn,
                        id,
                        organization,
                        answer.standard_number,
                        &answer_input(&answer),
                        member.user_id,
                    )
                    .await?;
                }
            }
            audit::record(conn, &caller, "standards.assessment.start", "standards_assessment", Some(id)).await?;
            assembled(conn, id).await
        })
    })
    .await
}

fn answer_input(a: &Answer) -> AnswerInput {
    AnswerInput {
        level: a.level,
        not_applicable_reason: a.not_applicable_reason.clone(),
        evidence_note: a.evidence_note.clone(),
        evidence_refs: a.evidence_refs.clone(),
        assessed_on: a.assessed_on,
    }
}

async fn insert_answer(
    conn: &mut AsyncPgConnection,
    assessment: Uuid,
    organization: Uuid,
    number: i32,
    input: &AnswerInput,
    user: Option<Uuid>,
) -> AppResult<()> {
    use standards_answers as s;
    diesel::insert_into(s::table)
        .values((
            s::assessment_id.eq(assessment),
            s::organization_id.eq(organization),
            s::standard_number.eq(number),
            s::level.eq(input.level.map(super::Level::as_db)),
            s::not_applicable_reason.eq(&input.not_applicable_reason),
            s::evidence_note.eq(&input.evidence_note),
            s::evidence_refs.eq(input.evidence_refs.iter().cloned().map(Some).collect::<Vec<_>>()),
            s::assessed_on.eq(input.assessed_on),
            s::updated_by.eq(user),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Reads one whole version inside the caller's transaction.
async fn assembled(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Assessment> {
    let rows = repo::assessment_rows(conn, Rows::Id(id)).await?;
    repo::assemble(conn, rows).await?.into_iter().next().ok_or(AppError::NotFound { what: "standards assessment" })
}

/// The acting organization's own draft `id`, locked: `NOT_FOUND` when it is not the
/// organization's, `CONFLICT` once submitted. (Read before locking: locking a row the
/// organization may no longer write would hide it.)
async fn own_draft_for_update(
    conn: &mut AsyncPgConnection,
    member: &Member,
    id: Uuid,
) -> AppResult<repo::AssessmentRow> {
    let row = repo::assessment_rows(conn, Rows::Id(id))
        .await?
        .into_iter()
        .find(|r| r.organization_id == member.organization_id)
        .ok_or(AppError::NotFound { what: "standards assessment" })?;
    if row.status != Status::Draft.as_db() {
        return Err(AppError::Conflict {
            message: format!("version {} was submitted; start a new version to change it", row.number),
        });
    }
    repo::assessment_rows(conn, Rows::IdForUpdate(id))
        .await?
        .into_iter()
        .find(|r| r.status == Status::Draft.as_db())
        .ok_or(AppError::Conflict { message: "this version was submitted meanwhile".into() })
}

/// A saved answer and the version its assessment is now at (submit names it).
#[derive(Clone, Debug)]
pub struct SavedAnswer {
    pub answer: Answer,
    pub assessment_version: i32,
}

/// Saves the organization's answer on one standard of its draft, replacing what was
/// there; `version` is the answer's as read (0 for a standard not answered yet).
pub async fn save_answer(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    assessment: Uuid,
    standard_number: i32,
    version: i32,
    input: AnswerInput,
    today: NaiveDate,
) -> AppResult<SavedAnswer> {
    let member = caller.actor.member()?.clone();
    let standards = repo::standards(conn).await?;
    let standard = standards.iter().find(|s| s.number == standard_number).ok_or_else(|| {
        AppError::bad_input("standardNumber", format!("standardNumber: there is no standard {standard_number}"))
    })?;
    let input = super::clean_answer(standard, input, today)?;
    let standard = standard.clone();
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let row = own_draft_for_update(conn, &member, assessment).await?;
            super::require_editor(&caller.actor, row.organization_id)?;
            let scope = repo::current_scope(conn, row.organization_id).await?;
            if !standard.applies_to(&scope) {
                return Err(AppError::bad_input(
                    "standardNumber",
                    format!(
                        "standardNumber: standard {} belongs to a service area the organization does not provide",
                        standard.number
                    ),
                ));
            }
            use standards_answers as s;
            let current: Option<i32> =
                s::table.find((assessment, standard.number)).select(s::version).first(conn).await.optional()?;
            crate::error::expect_version("the answer", version, current.unwrap_or(0))?;
            match current {
                None => {
                    insert_answer(conn, assessment, row.organization_id, standard.number, &input, member.user_id)
                        .await?
                }
                Some(v) => {
                    diesel::update(s::table.find((assessment, standard.number)))
                        .set((
                            s::level.eq(input.level.map(super::Level::as_db)),
                            s::not_applicable_reason.eq(&input.not_applicable_reason),
                            s::evidence_note.eq(&input.evidence_note),
                            s::evidence_refs.eq(input.evidence_refs.iter().cloned().map(Some).collect::<Vec<_>>()),
                            s::assessed_on.eq(input.assessed_on),
                            s::version.eq(v + 1),
                            s::updated_at.eq(Utc::now()),
                            s::updated_by.eq(member.user_id),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
            use standards_assessments as a;
            let assessment_version: i32 = diesel::update(a::table.find(assessment))
                .set((a::version.eq(row.version + 1), a::updated_at.eq(Utc::now())))
                .returning(a::version)
                .get_result(conn)
                .await?;
            audit::record(conn, &caller, "standards.answer.save", "standards_assessment", Some(assessment)).await?;
            let answer = repo::answers_of(conn, &[assessment])
                .await?
                .into_iter()
                .map(|(_, a)| a)
                .find(|a| a.standard_number == standard.number)
                .ok_or(AppError::NotFound { what: "standards answer" })?;
            Ok(SavedAnswer { answer, assessment_version })
        })
    })
    .await
}

/// Submits the draft as a whole, naming the version read: every standard that applies
/// (foundational, and those of the service areas the organization provides now) must
/// have a level. The service areas are frozen with it.
pub async fn submit(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid, version: i32) -> AppResult<Assessment> {
    let member = caller.actor.member()?.clone();
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let row = own_draft_for_update(conn, &member, id).await?;
            super::require_editor(&caller.actor, row.organization_id)?;
            crate::error::expect_version("the assessment", version, row.version)?;
            let draft = repo::assemble(conn, vec![row.clone()]).await?.into_iter().next();
            let draft = draft.ok_or(AppError::NotFound { what: "standards assessment" })?;
            let missing = draft.unanswered();
            if !missing.is_empty() {
                return Err(AppError::bad_input(
                    "answers",
                    format!("answers: standards {} have no level yet", super::list_numbers(&missing)),
                ));
            }
            use standards_assessments as a;
            diesel::update(a::table.find(id))
                .set((
                    a::status.eq(Status::Submitted.as_db()),
                    a::service_areas.eq(ServiceArea::to_db_list(&draft.areas)),
                    a::submitted_at.eq(Utc::now()),
                    a::submitted_by.eq(member.user_id),
                    a::version.eq(row.version + 1),
                    a::updated_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "standards.assessment.submit", "standards_assessment", Some(id)).await?;
            assembled(conn, id).await
        })
    })
    .await
}

/// An organization's versions, newest first: all of them for its own members, the
/// submitted ones for reviewers; `FORBIDDEN` for everyone else.
pub async fn list(conn: &mut AsyncPgConnection, caller: &Caller, organization: Uuid) -> AppResult<Vec<Assessment>> {
    let member = caller.actor.member()?.clone();
    let drafts = require_reader(conn, &member, organization).await?;
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let rows = repo::assessment_rows(conn, Rows::Organization { id: organization, drafts }).await?;
            repo::assemble(conn, rows).await
        })
    })
    .await
}

/// One version, for its organization's members and (once submitted) reviewers;
/// `NOT_FOUND` for anyone else, as for one that does not exist.
pub async fn get(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Assessment> {
    let member = caller.actor.member()?.clone();
    let reviewer = super::review::may_review(conn, &member).await?;
    let found = rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let rows = repo::assessment_rows(conn, Rows::Id(id)).await?;
            repo::assemble(conn, rows).await
        })
    })
    .await?
    .into_iter()
    .next();
    let not_found = AppError::NotFound { what: "standards assessment" };
    let found = found.ok_or(not_found)?;
    if found.organization_id == member.organization_id {
        if !super::reads_own(&member, found.organization_id) {
            return Err(AppError::Forbidden);
        }
    } else if !(reviewer && found.status != Status::Draft) {
        return Err(AppError::NotFound { what: "standards assessment" });
    }
    Ok(found)
}
