//! Follow-ups: so that no referral is dropped. One is scheduled when a referral is sent
//! (sooner for acute needs), owned by the sending organization, assignable to one of its
//! users, completed with an outcome or rescheduled; overdue ones surface.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::audit;
use crate::auth::{Caller, Role};
use crate::clients::CLIENT_ROLES;
use crate::db::rls;
use crate::db::schema::{follow_ups, memberships};
use crate::error::{AppError, AppResult, expect_version};
use crate::notify::{self, EventType, Scheduled};

/// What a follow-up found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub contact_made: bool,
    pub service_started: bool,
    pub need_still_open: bool,
}

/// A scheduled check on a referral.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUp {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub organization_id: Uuid,
    pub due_at: DateTime<Utc>,
    pub assigned_to: Option<Uuid>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub version: i32,
}

/// How far ahead the lists of follow-ups look when the caller does not say: a day.
fn default_horizon() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(1)
}

impl FollowUp {
    /// Whether the follow-up is still open after its due time (`overdue` lists exactly
    /// these, in SQL: `completed_at IS NULL AND due_at < now()`).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.completed_at.is_none() && self.due_at < now
    }
}

/// A follow-up as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = follow_ups)]
struct Row {
    id: Uuid,
    referral_id: Uuid,
    organization_id: Uuid,
    due_at: DateTime<Utc>,
    assigned_to: Option<Uuid>,
    completed_at: Option<DateTime<Utc>>,
    contact_made: Option<bool>,
    service_started: Option<bool>,
    need_still_open: Option<bool>,
    version: i32,
}

fn from_row(r: Row) -> FollowUp {
    let outcome = match (r.contact_made, r.service_started, r.need_still_open) {
        (Some(contact_made), Some(service_started), Some(need_still_open)) => {
            Some(Outcome { contact_made, service_started, need_still_open })
        }
        _ => None,
    };
    FollowUp {
        id: r.id,
        referral_id: r.referral_id,
        organization_id: r.organization_id,
        due_at: r.due_at,
        assigned_to: r.assigned_to,
        completed_at: r.completed_at,
        outcome,
        version: r.version,
    }
}

/// Schedules follow-up `id` (inside the referral's RLS transaction). The caller picks
/// the id so the reminders can be queued in the same round trip.
pub(crate) async fn schedule(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    referral: Uuid,
    organization: Uuid,
    due_at: DateTime<Utc>,
    assigned_to: Option<Uuid>,
) -> AppResult<()> {
    diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::id.eq(id),
            follow_ups::referral_id.eq(referral),
            follow_ups::organization_id.eq(organization),
            follow_ups::due_at.eq(due_at),
            follow_ups::assigned_to.eq(assigned_to),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Queues the follow-up's "due" event (at its due time) and "overdue" event (a day
/// later), inside the caller's transaction; both are cancelled when it is completed.
pub(crate) async fn schedule_events(
    conn: &AsyncPgConnection,
    follow_up: Uuid,
    referral: Uuid,
    organization: Uuid,
    due_at: DateTime<Utc>,
) -> AppResult<()> {
    let ids = [("followUpId", follow_up), ("referralId", referral)];
    let stamp = due_at.timestamp();
    notify::schedule(
        conn,
        [
            Scheduled {
                key: format!("follow_up.due:{follow_up}:{stamp}"),
                fire_at: due_at,
                event: EventType::FollowUpDue,
                organization,
                ids: &ids,
            },
            Scheduled {
                key: format!("follow_up.overdue:{follow_up}:{stamp}"),
                fire_at: due_at + chrono::Duration::days(1),
                event: EventType::FollowUpOverdue,
                organization,
                ids: &ids,
            },
        ],
    )
    .await
}

async fn cancel_events(conn: &mut AsyncPgConnection, follow_up: Uuid) -> AppResult<()> {
    notify::cancel_scheduled(conn, &format!("follow_up.due:{follow_up}:")).await?;
    notify::cancel_scheduled(conn, &format!("follow_up.overdue:{follow_up}:")).await
}

/// The follow-ups of referrals kept by `organization` (inside an RLS transaction, whose
/// policy shows only the acting organization's: the sender's).
pub(crate) async fn of_referrals(
    conn: &mut AsyncPgConnection,
    organization: Uuid,
    referrals: &[Uuid],
) -> AppResult<Vec<FollowUp>> {
    let rows: Vec<Row> = follow_ups::table
        .filter(follow_ups::referral_id.eq_any(referrals))
        .filter(follow_ups::organization_id.eq(organization))
        .order((follow_ups::due_at, follow_ups::id))
        .select(Row::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Locks an open follow-up of the caller's organization at `version`.
async fn lock_open(conn: &mut AsyncPgConnection, id: Uuid, version: i32) -> AppResult<FollowUp> {
    let row: Option<Row> =
        follow_ups::table.find(id).select(Row::as_select()).for_update().first(conn).await.optional()?;
    let f = from_row(row.ok_or(AppError::NotFound { what: "follow-up" })?);
    if f.completed_at.is_some() {
        return Err(AppError::Conflict { message: "the follow-up is already completed".into() });
    }
    expect_version("the follow-up", version, f.version)?;
    Ok(f)
}

async fn reload(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<FollowUp> {
    let row: Row = follow_ups::table.find(id).select(Row::as_select()).first(conn).await?;
    Ok(from_row(row))
}

/// Assigns a follow-up to a user of the organization (or unassigns it).
pub async fn assign(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    version: i32,
    user: Option<Uuid>,
) -> AppResult<FollowUp> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let caller = caller.clone();
    let org = member.organization_id;
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            lock_open(conn, id, version).await?;
            if let Some(user) = user {
                let member_of_org: bool =
                    diesel::select(diesel::dsl::exists(memberships::table.find((user, org)))).get_result(conn).await?;
                if !member_of_org {
                    return Err(AppError::bad_input("userId", "userId is not a member of your organization"));
                }
            }
            diesel::update(follow_ups::table.find(id))
                .set((follow_ups::assigned_to.eq(user), follow_ups::version.eq(version + 1)))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "follow_up.assign", "follow_up", Some(id)).await?;
            reload(conn, id).await
        })
    })
    .await
}

/// Completes a follow-up with its outcome.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    version: i32,
    outcome: Outcome,
) -> AppResult<FollowUp> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let caller = caller.clone();
    let user = member.user_id;
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            lock_open(conn, id, version).await?;
            cancel_events(conn, id).await?;
            diesel::update(follow_ups::table.find(id))
                .set((
                    follow_ups::completed_at.eq(Utc::now()),
                    follow_ups::completed_by.eq(user),
                    follow_ups::contact_made.eq(outcome.contact_made),
                    follow_ups::service_started.eq(outcome.service_started),
                    follow_ups::need_still_open.eq(outcome.need_still_open),
                    follow_ups::version.eq(version + 1),
                ))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "follow_up.complete", "follow_up", Some(id)).await?;
            reload(conn, id).await
        })
    })
    .await
}

/// Moves a follow-up to a new due time.
pub async fn reschedule(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    version: i32,
    due_at: DateTime<Utc>,
) -> AppResult<FollowUp> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    if due_at < Utc::now() - chrono::Duration::minutes(5) {
        return Err(AppError::bad_input("dueAt", "dueAt must not be in the past"));
    }
    let caller = caller.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let current = lock_open(conn, id, version).await?;
            cancel_events(conn, id).await?;
            schedule_events(conn, id, current.referral_id, current.organization_id, due_at).await?;
            diesel::update(follow_ups::table.find(id))
                .set((follow_ups::due_at.eq(due_at), follow_ups::version.eq(version + 1)))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "follow_up.reschedule", "follow_up", Some(id)).await?;
            reload(conn, id).await
        })
    })
    .await
}

/// Open follow-ups assigned to the caller, due before `due_before` (default: within a
/// day), soonest first.
pub async fn mine(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    due_before: Option<DateTime<Utc>>,
) -> AppResult<Vec<FollowUp>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let due_before = due_before.unwrap_or_else(default_horizon);
    let user = member
        .user_id
        .ok_or_else(|| AppError::bad_input("token", "token is an API key; it has no follow-ups of its own"))?;
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let rows: Vec<Row> = follow_ups::table
                .filter(follow_ups::assigned_to.eq(user))
                .filter(follow_ups::completed_at.is_null())
                .filter(follow_ups::due_at.lt(due_before))
                .order((follow_ups::due_at, follow_ups::id))
                .limit(500)
                .select(Row::as_select())
                .load(conn)
                .await?;
            Ok(rows.into_iter().map(from_row).collect())
        })
    })
    .await
}

/// Open follow-ups of the caller's organization due before `due_before`, overdue ones
/// included, soonest first (coordinators: they see everyone's, assigned or not).
pub async fn due(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    due_before: Option<DateTime<Utc>>,
) -> AppResult<Vec<FollowUp>> {
    let member = caller.actor.require(&[Role::Coordinator])?.clone();
    let due_before = due_before.unwrap_or_else(default_horizon);
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let rows: Vec<Row> = follow_ups::table
                .filter(follow_ups::completed_at.is_null())
                .filter(follow_ups::due_at.lt(due_before))
                .order((follow_ups::due_at, follow_ups::id))
                .limit(500)
                .select(Row::as_select())
                .load(conn)
                .await?;
            Ok(rows.into_iter().map(from_row).collect())
        })
    })
    .await
}

/// Overdue follow-ups of the caller's organization (coordinators).
pub async fn overdue(conn: &mut AsyncPgConnection, caller: &Caller) -> AppResult<Vec<FollowUp>> {
    let member = caller.actor.require(&[Role::Coordinator])?.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let rows: Vec<Row> = follow_ups::table
                .filter(follow_ups::completed_at.is_null())
                .filter(follow_ups::due_at.lt(Utc::now()))
                .order((follow_ups::due_at, follow_ups::id))
                .limit(500)
                .select(Row::as_select())
                .load(conn)
                .await?;
            Ok(rows.into_iter().map(from_row).collect())
        })
    })
    .await
}
