//! The FUTURES *Capacity Assessment Checklist & Action Plan*, per organization: the
//! checklist's questions answered (in words, or yes / no / in progress with a note), the
//! internal capacity review (capacity, gaps and limits, priorities, resources needed) and
//! the action plan's goals (goal, action steps, organizations engaged and their
//! responsibilities, timeline, next steps, resources needed).
//!
//! Private: the organization's coordinators and provider staff (and a network admin acting
//! for it) write it, its advocates read it, and signed-in network admins read every
//! organization's. Row-level security holds the same line in the database.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::action_plan::{self, Engagement, PlanInput};
use crate::audit;
use crate::auth::{Caller, Member};
use crate::db::StoredText;
use crate::db::rls;
use crate::db::schema::{
    capacity_checklist_answers, capacity_checklist_items, capacity_checklist_sections, capacity_goals, capacity_reviews,
};
use crate::error::{AppError, AppResult, expect_version};
use crate::validate;

/// How a checklist question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// "What …?": answered in words (the note).
    Text,
    /// Answered yes, no or in progress, with an optional note.
    YesNo,
}

impl StoredText for ItemKind {
    const STORED: &'static [Self] = &[ItemKind::Text, ItemKind::YesNo];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            ItemKind::Text => "TEXT",
            ItemKind::YesNo => "YES_NO",
        }
    }
}

/// A yes / no / in-progress answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemStatus {
    Yes,
    No,
    InProgress,
}

impl StoredText for ItemStatus {
    const STORED: &'static [Self] = &[ItemStatus::Yes, ItemStatus::No, ItemStatus::InProgress];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            ItemStatus::Yes => "YES",
            ItemStatus::No => "NO",
            ItemStatus::InProgress => "IN_PROGRESS",
        }
    }
}

/// An organization's answer to one question.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemAnswer {
    pub status: Option<ItemStatus>,
    pub note: Option<String>,
    /// Incremented by every save; pass it back to save again (0 before the first).
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
}

/// One question of the checklist, with the organization's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Stable code, `<section>.<position>`, e.g. `screening.1`.
    pub code: String,
    pub position: i32,
    pub text: String,
    pub kind: ItemKind,
    pub answer: Option<ItemAnswer>,
}

/// One section of the checklist.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub number: i32,
    pub code: String,
    pub title: String,
    pub items: Vec<Item>,
}

/// A question of the internal capacity review or a field of the action-plan template, as
/// the document words it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Prompt {
    /// The field it fills (`capacity`, `gaps_and_limits`, …; `goal`, `action_steps`, …).
    pub code: String,
    /// The document's wording.
    #[serde(alias = "question", alias = "label")]
    pub text: String,
}

#[derive(serde::Deserialize)]
struct Template {
    review: Vec<Prompt>,
    #[serde(rename = "actionPlan")]
    action_plan: Vec<Prompt>,
}

static TEMPLATE: LazyLock<Template> = LazyLock::new(|| {
    serde_json::from_str(crate::db::seed::CAPACITY_CHECKLIST_JSON).expect("seed-data/capacity-checklist.json parses")
});

/// The internal capacity review's four questions, in order.
pub fn review_questions() -> &'static [Prompt] {
    &TEMPLATE.review
}

/// The action-plan template's six fields, in order.
pub fn action_plan_fields() -> &'static [Prompt] {
    &TEMPLATE.action_plan
}

/// The organization's internal capacity review.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CapacityReview {
    pub capacity: Option<String>,
    pub gaps_and_limits: Option<String>,
    pub priorities: Option<String>,
    pub resources_needed: Option<String>,
    /// 0 until first saved; pass it back to save.
    pub version: i32,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<Uuid>,
}

/// Review fields; `None` leaves a field as it is, an empty text clears it.
#[derive(Clone, Debug, Default)]
pub struct CapacityReviewInput {
    pub capacity: Option<String>,
    pub gaps_and_limits: Option<String>,
    pub priorities: Option<String>,
    pub resources_needed: Option<String>,
}

/// A goal of the organization's action plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub goal: String,
    pub action_steps: Option<String>,
    pub organizations_engaged: Vec<Engagement>,
    pub timeline: Option<String>,
    pub next_steps: Option<String>,
    pub resources_needed: Option<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
}

/// An organization's whole checklist and plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Checklist {
    pub organization_id: Uuid,
    pub sections: Vec<Section>,
    pub review: CapacityReview,
    /// Live goals, oldest first.
    pub goals: Vec<Goal>,
}

/// Whether `member` may read `organization`'s checklist.
fn require_reader(member: &Member, organization: Uuid) -> AppResult<()> {
    if super::reads_own(member, organization) || super::is_signed_in_admin(member) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The organization's checklist, capacity review and goals.
pub async fn get(conn: &mut AsyncPgConnection, caller: &Caller, organization: Uuid) -> AppResult<Checklist> {
    let member = caller.actor.member()?.clone();
    require_reader(&member, organization)?;
    rls::in_org(conn, &member.clone(), move |conn| Box::pin(async move { read(conn, organization).await })).await
}

/// A checklist section as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = capacity_checklist_sections)]
struct SectionRow {
    number: i32,
    code: String,
    title: String,
}

/// A checklist question as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = capacity_checklist_items)]
struct ItemRow {
    code: String,
    section_number: i32,
    position: i32,
    text: String,
    kind: String,
}

async fn read(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Checklist> {
    let sections: Vec<SectionRow> = capacity_checklist_sections::table
        .order(capacity_checklist_sections::number)
        .select(SectionRow::as_select())
        .load(conn)
        .await?;
    let items: Vec<ItemRow> = capacity_checklist_items::table
        .order((capacity_checklist_items::section_number, capacity_checklist_items::position))
        .select(ItemRow::as_select())
        .load(conn)
        .await?;
    let answers = answers_of(conn, organization).await?;
    let sections = sections
        .into_iter()
        .map(|section| {
            let items = items
                .iter()
                .filter(|i| i.section_number == section.number)
                .map(|i| {
                    Ok(Item {
                        code: i.code.clone(),
                        position: i.position,
                        text: i.text.clone(),
                        kind: ItemKind::decode(&i.kind)?,
                        answer: answers.iter().find(|(c, _)| *c == i.code).map(|(_, a)| a.clone()),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Section { number: section.number, code: section.code, title: section.title, items })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Checklist {
        organization_id: organization,
        sections,
        review: review_of(conn, organization).await?,
        goals: goals_of(conn, organization, None).await?,
    })
}

async fn answers_of(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<Vec<(String, ItemAnswer)>> {
    use capacity_checklist_answers as c;
    type Row = (String, Option<String>, Option<String>, i32, DateTime<Utc>, Option<Uuid>);
    let rows: Vec<Row> = c::table
        .filter(c::organization_id.eq(organization))
        .select((c::item_code, c::status, c::note, c::version, c::updated_at, c::updated_by))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(code, status, note, version, updated_at, updated_by)| {
            Ok((
                code,
                ItemAnswer {
                    status: status.as_deref().map(ItemStatus::decode).transpose()?,
                    note,
                    version,
                    updated_at,
                    updated_by,
                },
            ))
        })
        .collect()
}

/// An organization's capacity review as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = capacity_reviews)]
struct ReviewRow {
    capacity: Option<String>,
    gaps_and_limits: Option<String>,
    priorities: Option<String>,
    resources_needed: Option<String>,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
}

async fn review_of(conn: &mut AsyncPgConnection, organization: Uuid) -> AppResult<CapacityReview> {
    let row: Option<ReviewRow> =
        capacity_reviews::table.find(organization).select(ReviewRow::as_select()).first(conn).await.optional()?;
    Ok(row.map_or_else(CapacityReview::default, |r| CapacityReview {
        capacity: r.capacity,
        gaps_and_limits: r.gaps_and_limits,
        priorities: r.priorities,
        resources_needed: r.resources_needed,
        version: r.version,
        updated_at: Some(r.updated_at),
        updated_by: r.updated_by,
    }))
}

/// A capacity-building goal as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = capacity_goals)]
struct GoalRow {
    id: Uuid,
    organization_id: Uuid,
    goal: String,
    action_steps: Option<String>,
    organizations_engaged: serde_json::Value,
    timeline: Option<String>,
    next_steps: Option<String>,
    resources_needed: Option<String>,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
}

async fn goals_of(conn: &mut AsyncPgConnection, organization: Uuid, id: Option<Uuid>) -> AppResult<Vec<Goal>> {
    use capacity_goals as g;
    let mut q = g::table
        .filter(g::organization_id.eq(organization))
        .filter(g::archived_at.is_null())
        .order((g::created_at, g::id))
        .select(GoalRow::as_select())
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(g::id.eq(id));
    }
    let rows: Vec<GoalRow> = q.load(conn).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Goal {
                id: r.id,
                organization_id: r.organization_id,
                goal: r.goal,
                action_steps: r.action_steps,
                organizations_engaged: action_plan::engaged_from_db(r.organizations_engaged)?,
                timeline: r.timeline,
                next_steps: r.next_steps,
                resources_needed: r.resources_needed,
                version: r.version,
                updated_at: r.updated_at,
                updated_by: r.updated_by,
            })
        })
        .collect()
}

/// Saves the organization's answer to one question, replacing what was there; `version`
/// is the answer's as read (0 before the first). A "what …" question takes a note and no
/// status; the others a status and, if wanted, a note.
pub async fn save_answer(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Uuid,
    item_code: &str,
    version: i32,
    status: Option<ItemStatus>,
    note: Option<&str>,
) -> AppResult<ItemAnswer> {
    let member = super::require_editor(&caller.actor, organization)?.clone();
    let kind: Option<String> = capacity_checklist_items::table
        .find(item_code)
        .select(capacity_checklist_items::kind)
        .first(conn)
        .await
        .optional()?;
    let kind = ItemKind::decode(
        &kind.ok_or_else(|| AppError::bad_input("itemCode", "itemCode names no checklist question"))?,
    )?;
    let note = validate::optional_text(note, "input.note", 10_000)?;
    match (kind, status, &note) {
        (ItemKind::Text, Some(_), _) => {
            return Err(AppError::bad_input(
                "input.status",
                "input.status: this question is answered in words (input.note)",
            ));
        }
        (ItemKind::Text, None, None) => {
            return Err(AppError::bad_input("input.note", "input.note is required for this question"));
        }
        (ItemKind::YesNo, None, _) => {
            return Err(AppError::bad_input("input.status", "input.status is required (YES, NO or IN_PROGRESS)"));
        }
        _ => {}
    }
    let item_code = item_code.to_owned();
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use capacity_checklist_answers as c;
            let key = (organization, item_code.as_str());
            let current: Option<i32> =
                c::table.find(key).select(c::version).for_update().first(conn).await.optional()?;
            expect_version("the answer", version, current.unwrap_or(0))?;
            let status = status.map(ItemStatus::as_db);
            match current {
                None => {
                    diesel::insert_into(c::table)
                        .values((
                            c::organization_id.eq(organization),
                            c::item_code.eq(&item_code),
                            c::status.eq(status),
                            c::note.eq(&note),
                            c::updated_by.eq(member.user_id),
                        ))
                        .execute(conn)
                        .await?;
                }
                Some(v) => {
                    diesel::update(c::table.find(key))
                        .set((
                            c::status.eq(status),
                            c::note.eq(&note),
                            c::version.eq(v + 1),
                            c::updated_at.eq(Utc::now()),
                            c::updated_by.eq(member.user_id),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
            audit::record(conn, &caller, "capacity.answer.save", "organization", Some(organization)).await?;
            answers_of(conn, organization)
                .await?
                .into_iter()
                .find(|(c, _)| *c == item_code)
                .map(|(_, a)| a)
                .ok_or(AppError::NotFound { what: "checklist answer" })
        })
    })
    .await
}

/// Edits the internal capacity review, naming the version read (0 before the first save).
pub async fn update_review(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Uuid,
    version: i32,
    input: CapacityReviewInput,
) -> AppResult<CapacityReview> {
    let member = super::require_editor(&caller.actor, organization)?.clone();
    let clean = |v: &Option<String>, field: &str| {
        v.as_deref().map(|t| validate::optional_text(Some(t), field, 20_000)).transpose()
    };
    let capacity = clean(&input.capacity, "input.capacity")?;
    let gaps = clean(&input.gaps_and_limits, "input.gapsAndLimits")?;
    let priorities = clean(&input.priorities, "input.priorities")?;
    let resources = clean(&input.resources_needed, "input.resourcesNeeded")?;
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use capacity_reviews as r;
            let current: Option<i32> =
                r::table.find(organization).select(r::version).for_update().first(conn).await.optional()?;
            expect_version("the capacity review", version, current.unwrap_or(0))?;
            #[derive(AsChangeset)]
            #[diesel(table_name = capacity_reviews)]
            struct Changes {
                capacity: Option<Option<String>>,
                gaps_and_limits: Option<Option<String>>,
                priorities: Option<Option<String>>,
                resources_needed: Option<Option<String>>,
                version: i32,
                updated_at: DateTime<Utc>,
                updated_by: Option<Uuid>,
            }
            if current.is_none() {
                diesel::insert_into(r::table)
                    .values((r::organization_id.eq(organization), r::updated_by.eq(member.user_id), r::version.eq(0)))
                    .execute(conn)
                    .await?;
            }
            diesel::update(r::table.find(organization))
                .set(Changes {
                    capacity,
                    gaps_and_limits: gaps,
                    priorities,
                    resources_needed: resources,
                    version: version + 1,
                    updated_at: Utc::now(),
                    updated_by: member.user_id,
                })
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "capacity.review.update", "organization", Some(organization)).await?;
            review_of(conn, organization).await
        })
    })
    .await
}

/// Adds a goal to the organization's action plan (`existing` = `None`), or edits one
/// (its id and the version read).
pub async fn save_goal(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Option<Uuid>,
    existing: Option<(Uuid, i32)>,
    input: PlanInput,
) -> AppResult<Goal> {
    let operation = if existing.is_some() { "updateCapacityGoal" } else { "createCapacityGoal" };
    let input = action_plan::check(input, operation)?;
    let member = caller.actor.member()?.clone();
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use capacity_goals as g;
            let (id, organization, next_version) = match existing {
                None => {
                    let organization = organization.ok_or(AppError::NotFound { what: "organization" })?;
                    super::require_editor(&caller.actor, organization)?;
                    let goal = input.goal_to_create()?;
                    let id: Uuid = diesel::insert_into(g::table)
                        .values((
                            g::organization_id.eq(organization),
                            g::goal.eq(goal),
                            g::updated_by.eq(member.user_id),
                        ))
                        .returning(g::id)
                        .get_result(conn)
                        .await?;
                    (id, organization, 1)
                }
                Some((id, version)) => {
                    // Read first, then locked: under row-level security a locking read
                    // skips rows the caller may see but not change, which would answer a
                    // network admin NOT_FOUND instead of FORBIDDEN.
                    let organization: Option<Uuid> = g::table
                        .find(id)
                        .filter(g::archived_at.is_null())
                        .select(g::organization_id)
                        .first(conn)
                        .await
                        .optional()?;
                    let organization = organization.ok_or(AppError::NotFound { what: "capacity goal" })?;
                    super::require_editor(&caller.actor, organization)?;
                    let current: i32 = g::table.find(id).select(g::version).for_update().first(conn).await?;
                    expect_version("the goal", version, current)?;
                    (id, organization, version + 1)
                }
            };
            #[derive(AsChangeset)]
            #[diesel(table_name = capacity_goals)]
            struct Changes {
                goal: Option<String>,
                action_steps: Option<Option<String>>,
                organizations_engaged: Option<serde_json::Value>,
                timeline: Option<Option<String>>,
                next_steps: Option<Option<String>>,
                resources_needed: Option<Option<String>>,
                version: i32,
                updated_at: DateTime<Utc>,
                updated_by: Option<Uuid>,
            }
            let organizations_engaged = input.organizations_engaged_json();
            diesel::update(g::table.find(id))
                .set(Changes {
                    goal: input.goal,
                    action_steps: input.action_steps,
                    organizations_engaged,
                    timeline: input.timeline,
                    next_steps: input.next_steps,
                    resources_needed: input.resources_needed,
                    version: next_version,
                    updated_at: Utc::now(),
                    updated_by: member.user_id,
                })
                .execute(conn)
                .await?;
            let action = if existing.is_some() { "capacity_goal.update" } else { "capacity_goal.create" };
            audit::record(conn, &caller, action, "capacity_goal", Some(id)).await?;
            goals_of(conn, organization, Some(id))
                .await?
                .into_iter()
                .next()
                .ok_or(AppError::NotFound { what: "capacity goal" })
        })
    })
    .await
}

/// Archives a goal of the organization's action plan, naming the version read.
pub async fn archive_goal(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid, version: i32) -> AppResult<()> {
    let member = caller.actor.member()?.clone();
    let caller = caller.clone();
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use capacity_goals as g;
            let current: Option<(Uuid, i32)> = g::table
                .find(id)
                .filter(g::archived_at.is_null())
                .select((g::organization_id, g::version))
                .first(conn)
                .await
                .optional()?;
            let (organization, current) = current.ok_or(AppError::NotFound { what: "capacity goal" })?;
            super::require_editor(&caller.actor, organization)?;
            expect_version("the goal", version, current)?;
            diesel::update(g::table.find(id).filter(g::version.eq(version)))
                .set((
                    g::archived_at.eq(Utc::now()),
                    g::version.eq(version + 1),
                    g::updated_at.eq(Utc::now()),
                    g::updated_by.eq(member.user_id),
                ))
                .execute(conn)
                .await?;
            audit::record(conn, &caller, "capacity_goal.archive", "capacity_goal", Some(id)).await
        })
    })
    .await
}
