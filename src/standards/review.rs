//! Review of submitted self-assessments, and who may review.
//!
//! Network admins review, and so do users a network admin grants the reviewer role
//! (`grantStandardsReviewer`; kept with who granted and revoked it and when, audited,
//! listed for every network member). Reviewing is personal: it takes a signed-in user,
//! never an API key, and no one reviews an organization they are a member of
//! (`FORBIDDEN`). A reviewer decides on each standard of the version — accepted, or
//! returned with a comment — and then completes the review: with any standard returned
//! the version goes back to the organization (`RETURNED`; it revises in a new version),
//! otherwise it is `ACCEPTED` and its outcome recorded: the service areas the organization
//! meets the standards for ([`super::vetted_areas`]), from `validFrom` (default today; not
//! before the submission, not in the future) to `validUntil` (default the day before the
//! first anniversary; a reviewer may set an earlier day, never a later one).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::repo::{self, Rows};
use super::{Assessment, Decision, ReviewDecision, Status};
use crate::audit;
use crate::auth::{Actor, Caller, Member};
use crate::clock::Clock;
use crate::db::StoredText;
use crate::db::rls;
use crate::db::schema::{
    standards_assessments, standards_outcomes, standards_review_decisions, standards_reviewers, users,
};
use crate::error::{AppError, AppResult};
use crate::validate;

/// Whether `member` may review (and read submitted assessments): a signed-in network
/// admin, or a signed-in user holding a live reviewer grant.
pub(crate) async fn may_review(conn: &mut AsyncPgConnection, member: &Member) -> AppResult<bool> {
    let Some(user) = member.user_id else { return Ok(false) };
    Ok(super::is_signed_in_admin(member) || repo::holds_reviewer_grant(conn, user).await?)
}

/// A reviewer, or `FORBIDDEN` (`UNAUTHENTICATED` for anonymous callers).
async fn require_reviewer(conn: &mut AsyncPgConnection, actor: &Actor) -> AppResult<Member> {
    let member = actor.member()?;
    if may_review(conn, member).await? { Ok(member.clone()) } else { Err(AppError::Forbidden) }
}

/// A live reviewer grant.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewerGrant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub display_name: String,
    pub granted_at: DateTime<Utc>,
    /// The network admin who granted it; `None` when an API key did.
    pub granted_by: Option<Uuid>,
}

/// The live reviewer grants, oldest first (every network member may see who reviews).
pub async fn reviewers(conn: &mut AsyncPgConnection, actor: &Actor) -> AppResult<Vec<ReviewerGrant>> {
    actor.member()?;
    live_grants(conn, None).await
}

async fn live_grants(conn: &mut AsyncPgConnection, user: Option<Uuid>) -> AppResult<Vec<ReviewerGrant>> {
    use standards_reviewers as r;
    let mut q = r::table
        .inner_join(users::table.on(users::id.eq(r::user_id)))
        .filter(r::revoked_at.is_null())
        .order((r::granted_at, r::id))
        .select((r::id, r::user_id, users::display_name, r::granted_at, r::granted_by))
        .into_boxed();
    if let Some(user) = user {
        q = q.filter(r::user_id.eq(user));
    }
    type Row = (Uuid, Uuid, String, DateTime<Utc>, Option<Uuid>);
    let rows: Vec<Row> = q.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, user_id, display_name, granted_at, granted_by)| ReviewerGrant {
            id,
            user_id,
            display_name,
            granted_at,
            granted_by,
        })
        .collect())
}

/// Makes `user` a reviewer (network admins). Granting a live grant again returns it.
pub async fn grant(conn: &mut AsyncPgConnection, caller: &Caller, user: Uuid) -> AppResult<ReviewerGrant> {
    let admin = caller.actor.require_network_admin()?.clone();
    let caller = caller.clone();
    diesel_async::AsyncConnection::transaction(conn, async move |conn| {
        let exists: bool = diesel::select(diesel::dsl::exists(users::table.find(user))).get_result(conn).await?;
        if !exists {
            return Err(AppError::bad_input("userId", "userId names no user"));
        }
        if let Some(live) = live_grants(conn, Some(user)).await?.into_iter().next() {
            return Ok(live);
        }
        use standards_reviewers as r;
        let id: Uuid = diesel::insert_into(r::table)
            .values((r::user_id.eq(user), r::granted_by.eq(admin.user_id)))
            .returning(r::id)
            .get_result(conn)
            .await?;
        audit::record(conn, &caller, "standards.reviewer.grant", "user", Some(user)).await?;
        live_grants(conn, Some(user))
            .await?
            .into_iter()
            .find(|g| g.id == id)
            .ok_or(AppError::NotFound { what: "standards reviewer" })
    })
    .await
}

/// Ends `user`'s reviewer grant (network admins); `NOT_FOUND` when there is none.
pub async fn revoke(conn: &mut AsyncPgConnection, caller: &Caller, user: Uuid) -> AppResult<()> {
    let admin = caller.actor.require_network_admin()?.clone();
    let caller = caller.clone();
    diesel_async::AsyncConnection::transaction(conn, async move |conn| {
        use standards_reviewers as r;
        let ended = diesel::update(r::table.filter(r::user_id.eq(user)).filter(r::revoked_at.is_null()))
            .set((r::revoked_at.eq(Utc::now()), r::revoked_by.eq(admin.user_id)))
            .execute(conn)
            .await?;
        if ended == 0 {
            return Err(AppError::NotFound { what: "standards reviewer" });
        }
        audit::record(conn, &caller, "standards.reviewer.revoke", "user", Some(user)).await
    })
    .await
}

/// Versions awaiting review, oldest submission first, of organizations the reviewer is
/// no member of.
pub async fn queue(conn: &mut AsyncPgConnection, caller: &Caller) -> AppResult<Vec<Assessment>> {
    let member = require_reviewer(conn, &caller.actor).await?;
    let user = member.user_id.ok_or(AppError::Forbidden)?;
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let rows = repo::assessment_rows(conn, Rows::AwaitingReviewBy(user)).await?;
            repo::assemble(conn, rows).await
        })
    })
    .await
}

/// The version `id` awaiting review by `member`, locked: `NOT_FOUND` when the reviewer
/// cannot see it, `FORBIDDEN` for a member of its organization, `CONFLICT` unless it is
/// awaiting review.
async fn awaiting_review(conn: &mut AsyncPgConnection, member: &Member, id: Uuid) -> AppResult<repo::AssessmentRow> {
    let user = member.user_id.ok_or(AppError::Forbidden)?;
    let row = repo::assessment_rows(conn, Rows::Id(id))
        .await?
        .into_iter()
        .next()
        .filter(|r| r.status != Status::Draft.as_db())
        .ok_or(AppError::NotFound { what: "standards assessment" })?;
    if repo::is_member(conn, user, row.organization_id).await? {
        return Err(AppError::Forbidden);
    }
    if row.status != Status::Submitted.as_db() {
        return Err(AppError::Conflict { message: format!("version {} is not awaiting review", row.number) });
    }
    repo::assessment_rows(conn, Rows::IdForUpdate(id))
        .await?
        .into_iter()
        .find(|r| r.status == Status::Submitted.as_db())
        .ok_or(AppError::Conflict { message: "the review was completed meanwhile".into() })
}

/// Records (or changes) the reviewer's decision on one standard of a version awaiting
/// review; a returned standard needs a comment.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    assessment: Uuid,
    standard_number: i32,
    decision: Decision,
    comment: Option<&str>,
) -> AppResult<ReviewDecision> {
    let comment = validate::optional_text(comment, "comment", 5_000)?;
    if decision == Decision::Returned && comment.is_none() {
        return Err(AppError::bad_input("comment", "comment is required to return a standard"));
    }
    let member = require_reviewer(conn, &caller.actor).await?;
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let row = awaiting_review(conn, &member, assessment).await?;
            let version = repo::assemble(conn, vec![row]).await?.into_iter().next();
            let version = version.ok_or(AppError::NotFound { what: "standards assessment" })?;
            if !version.applicable().contains(&standard_number) {
                return Err(AppError::bad_input(
                    "standardNumber",
                    format!("standardNumber: standard {standard_number} is not part of this assessment"),
                ));
            }
            use standards_review_decisions as d;
            let user = member.user_id.ok_or(AppError::Forbidden)?;
            let now = Utc::now();
            diesel::insert_into(d::table)
                .values((
                    d::assessment_id.eq(assessment),
                    d::organization_id.eq(version.organization_id),
                    d::standard_number.eq(standard_number),
                    d::decision.eq(decision.as_db()),
                    d::comment.eq(&comment),
                    d::decided_by.eq(user),
                    d::decided_at.eq(now),
                ))
                .on_conflict((d::assessment_id, d::standard_number))
                .do_update()
                .set((
                    d::decision.eq(decision.as_db()),
                    d::comment.eq(&comment),
                    d::decided_by.eq(user),
                    d::decided_at.eq(now),
                ))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "standards.decision.record", "standards_assessment", Some(assessment)).await?;
            Ok(ReviewDecision { standard_number, decision, comment, decided_by: user, decided_at: now })
        })
    })
    .await
}

/// Completes the review of a version once every standard in it has a decision: returned
/// to the organization if any standard was returned, else accepted with its outcome.
/// `valid_from` and `valid_until` apply to an acceptance (see the module's doc); days are
/// the network's (`clock`), as `today` is.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    assessment: Uuid,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
    clock: Clock,
) -> AppResult<Assessment> {
    let member = require_reviewer(conn, &caller.actor).await?;
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let row = awaiting_review(conn, &member, assessment).await?;
            let version = repo::assemble(conn, vec![row]).await?.into_iter().next();
            let version = version.ok_or(AppError::NotFound { what: "standards assessment" })?;
            let undecided = version.undecided();
            if !undecided.is_empty() {
                return Err(AppError::bad_input(
                    "decisions",
                    format!("decisions: standards {} have no decision yet", super::list_numbers(&undecided)),
                ));
            }
            let user = member.user_id.ok_or(AppError::Forbidden)?;
            let applicable = version.applicable();
            let returned = version
                .decisions
                .iter()
                .any(|d| d.decision == Decision::Returned && applicable.contains(&d.standard_number));
            let status = if returned { Status::Returned } else { Status::Accepted };
            if status == Status::Accepted {
                // The network's day of the submission: its UTC day is already tomorrow
                // for an evening submission in North Carolina.
                let submitted_on = version.submitted_at.map_or(today, |t| clock.date_at(t));
                let from = valid_from.unwrap_or(today);
                if from > today {
                    return Err(AppError::bad_input("validFrom", "validFrom must not be in the future"));
                }
                if from < submitted_on {
                    return Err(AppError::bad_input(
                        "validFrom",
                        format!("validFrom must not be before the assessment was submitted ({submitted_on})"),
                    ));
                }
                let longest = super::default_valid_until(from);
                let until = valid_until.unwrap_or(longest);
                if until < from || until > longest {
                    return Err(AppError::bad_input(
                        "validUntil",
                        format!("validUntil must be from validFrom to {longest} (one year)"),
                    ));
                }
                let areas = super::vetted_areas(&version.standards, &version.areas, &version.answers);
                use standards_outcomes as o;
                diesel::insert_into(o::table)
                    .values((
                        o::assessment_id.eq(assessment),
                        o::organization_id.eq(version.organization_id),
                        o::service_areas.eq(super::ServiceArea::to_db_list(&areas)),
                        o::valid_from.eq(from),
                        o::valid_until.eq(until),
                        o::decided_by.eq(user),
                    ))
                    .execute(conn)
                    .await?;
            }
            use standards_assessments as a;
            diesel::update(a::table.find(assessment))
                .set((
                    a::status.eq(status.as_db()),
                    a::reviewed_at.eq(Utc::now()),
                    a::reviewed_by.eq(user),
                    a::updated_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "standards.review.complete", "standards_assessment", Some(assessment)).await?;
            let rows = repo::assessment_rows(conn, Rows::Id(assessment)).await?;
            repo::assemble(conn, rows)
                .await?
                .into_iter()
                .next()
                .ok_or(AppError::NotFound { what: "standards assessment" })
        })
    })
    .await
}
