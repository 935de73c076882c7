//! The county worksheet of the FUTURES assessment: community needs, capacities and
//! strengths, gaps, how they can be filled, and action-plan items (goal, action steps,
//! organizations engaged and their responsibilities, timeline, next steps, resources
//! needed). Any network member may read it; the county's team (its member organizations)
//! and network admins edit it; every edit records who changed which fields and when.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::action_plan::{self, Engagement, PlanInput};
use crate::audit;
use crate::auth::{Actor, Caller, Role};
use crate::counties::Fips;
use crate::db::schema::{action_items, county_teams, county_worksheets, worksheet_edits};
use crate::error::{AppError, AppResult, expect_version};
use crate::validate;

/// The narrative part of a county's worksheet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Worksheet {
    pub county_fips: String,
    pub community_needs: Option<String>,
    pub capacities: Option<String>,
    pub gaps: Option<String>,
    pub how_to_fill: Option<String>,
    pub version: i32,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<Uuid>,
}

/// One action-plan item.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionItem {
    pub id: Uuid,
    pub county_fips: String,
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

/// One recorded edit.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub action_item_id: Option<Uuid>,
    pub fields: Vec<String>,
    pub edited_by: Option<Uuid>,
    pub edited_at: DateTime<Utc>,
}

/// Narrative fields; `None` leaves a field as it is, an empty string clears it.
#[derive(Clone, Debug, Default)]
pub struct WorksheetInput {
    pub community_needs: Option<String>,
    pub capacities: Option<String>,
    pub gaps: Option<String>,
    pub how_to_fill: Option<String>,
}

/// Sets which organizations form a county's team (network admins).
pub async fn set_team(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    county: &Fips,
    organizations: &[Uuid],
) -> AppResult<()> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        known_county(conn, county).await?;
        diesel::delete(county_teams::table.filter(county_teams::county_fips.eq(county.as_str()))).execute(conn).await?;
        for org in organizations {
            if !crate::organizations::exists(conn, *org).await? {
                return Err(AppError::bad_input("organizationIds", "organizationIds names an unknown organization"));
            }
            diesel::insert_into(county_teams::table)
                .values((county_teams::county_fips.eq(county.as_str()), county_teams::organization_id.eq(org)))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        audit::record(conn, caller, "county_team.set", "county", None).await
    })
    .await
}

/// The organizations of a county's team.
pub async fn team(conn: &mut AsyncPgConnection, county: &Fips) -> AppResult<Vec<Uuid>> {
    Ok(county_teams::table
        .filter(county_teams::county_fips.eq(county.as_str()))
        .select(county_teams::organization_id)
        .order(county_teams::organization_id)
        .load(conn)
        .await?)
}

async fn known_county(conn: &mut AsyncPgConnection, county: &Fips) -> AppResult<()> {
    if crate::counties::get(conn, county).await?.is_none() {
        return Err(AppError::bad_input("fips", "fips is not a known county"));
    }
    Ok(())
}

/// Whether the caller may edit the county's worksheet: network admins, and members of an
/// organization on the county's team.
async fn require_editor(conn: &mut AsyncPgConnection, actor: &Actor, county: &Fips) -> AppResult<()> {
    let member = actor.member()?;
    if member.role == Role::NetworkAdmin {
        return Ok(());
    }
    if team(conn, county).await?.contains(&member.organization_id) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A county worksheet as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = county_worksheets)]
struct SheetRow {
    county_fips: String,
    community_needs: Option<String>,
    capacities: Option<String>,
    gaps: Option<String>,
    how_to_fill: Option<String>,
    version: i32,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
}

/// A county's worksheet (empty until first edited). Any network member may read it.
pub async fn get(conn: &mut AsyncPgConnection, actor: &Actor, county: &Fips) -> AppResult<Worksheet> {
    actor.member()?;
    known_county(conn, county).await?;
    let row: Option<SheetRow> =
        county_worksheets::table.find(county.as_str()).select(SheetRow::as_select()).first(conn).await.optional()?;
    Ok(match row {
        Some(r) => Worksheet {
            county_fips: r.county_fips,
            community_needs: r.community_needs,
            capacities: r.capacities,
            gaps: r.gaps,
            how_to_fill: r.how_to_fill,
            version: r.version,
            updated_at: Some(r.updated_at),
            updated_by: r.updated_by,
        },
        None => Worksheet { county_fips: county.as_str().to_owned(), version: 0, ..Worksheet::default() },
    })
}

fn edited_fields(pairs: &[(&str, bool)]) -> Vec<String> {
    pairs.iter().filter(|(_, changed)| *changed).map(|(name, _)| (*name).to_owned()).collect()
}

/// Edits the narrative, naming the version read (0 for a worksheet never edited).
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    county: &Fips,
    version: i32,
    input: WorksheetInput,
) -> AppResult<Worksheet> {
    let clean = |v: &Option<String>, field: &str| {
        v.as_deref().map(|t| validate::optional_text(Some(t), field, 20_000)).transpose()
    };
    let (needs, caps, gaps, fill) = (
        clean(&input.community_needs, "input.communityNeeds")?,
        clean(&input.capacities, "input.capacities")?,
        clean(&input.gaps, "input.gaps")?,
        clean(&input.how_to_fill, "input.howToFill")?,
    );
    let user = caller.actor.member()?.user_id;
    conn.transaction(async |conn| {
        known_county(conn, county).await?;
        require_editor(conn, &caller.actor, county).await?;
        diesel::insert_into(county_worksheets::table)
            .values(county_worksheets::county_fips.eq(county.as_str()))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        let current: i32 = county_worksheets::table
            .find(county.as_str())
            .select(county_worksheets::version)
            .for_update()
            .first(conn)
            .await?;
        // A worksheet row is created at version 1 but reads as version 0 before any edit.
        let first_edit = current == 1 && version == 0;
        if !first_edit {
            expect_version("the worksheet", version, current)?;
        }
        #[derive(AsChangeset)]
        #[diesel(table_name = county_worksheets)]
        struct Changes {
            community_needs: Option<Option<String>>,
            capacities: Option<Option<String>>,
            gaps: Option<Option<String>>,
            how_to_fill: Option<Option<String>>,
            version: i32,
            updated_at: DateTime<Utc>,
            updated_by: Option<Uuid>,
        }
        let fields = edited_fields(&[
            ("communityNeeds", needs.is_some()),
            ("capacities", caps.is_some()),
            ("gaps", gaps.is_some()),
            ("howToFill", fill.is_some()),
        ]);
        diesel::update(county_worksheets::table.find(county.as_str()))
            .set(Changes {
                community_needs: needs,
                capacities: caps,
                gaps,
                how_to_fill: fill,
                version: current + 1,
                updated_at: Utc::now(),
                updated_by: user,
            })
            .execute(conn)
            .await?;
        record_edit(conn, county, None, fields, user).await?;
        audit::record(conn, caller, "worksheet.update", "county", None).await?;
        get(conn, &caller.actor, county).await
    })
    .await
}

async fn record_edit(
    conn: &mut AsyncPgConnection,
    county: &Fips,
    item: Option<Uuid>,
    fields: Vec<String>,
    user: Option<Uuid>,
) -> AppResult<()> {
    diesel::insert_into(worksheet_edits::table)
        .values((
            worksheet_edits::county_fips.eq(county.as_str()),
            worksheet_edits::action_item_id.eq(item),
            worksheet_edits::fields.eq(fields.into_iter().map(Some).collect::<Vec<_>>()),
            worksheet_edits::edited_by.eq(user),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// An action item as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = action_items)]
struct ItemRow {
    id: Uuid,
    county_fips: String,
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

fn item_from(r: ItemRow) -> AppResult<ActionItem> {
    Ok(ActionItem {
        id: r.id,
        county_fips: r.county_fips,
        goal: r.goal,
        action_steps: r.action_steps,
        // Written only by this module; a shape it cannot read is an error, not "none".
        organizations_engaged: action_plan::engaged_from_db(r.organizations_engaged)?,
        timeline: r.timeline,
        next_steps: r.next_steps,
        resources_needed: r.resources_needed,
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    })
}

/// The county's live action items, oldest first.
pub async fn action_items(conn: &mut AsyncPgConnection, actor: &Actor, county: &Fips) -> AppResult<Vec<ActionItem>> {
    actor.member()?;
    let rows: Vec<ItemRow> = action_items::table
        .filter(action_items::county_fips.eq(county.as_str()))
        .filter(action_items::archived_at.is_null())
        .order((action_items::created_at, action_items::id))
        .select(ItemRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(item_from).collect()
}

/// Who edited what and when, newest first.
pub async fn history(conn: &mut AsyncPgConnection, actor: &Actor, county: &Fips) -> AppResult<Vec<Edit>> {
    actor.member()?;
    let rows: Vec<EditRow> = worksheet_edits::table
        .filter(worksheet_edits::county_fips.eq(county.as_str()))
        .order(worksheet_edits::id.desc())
        .limit(500)
        .select(EditRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| Edit {
            action_item_id: row.action_item_id,
            fields: row.fields.into_iter().flatten().collect(),
            edited_by: row.edited_by,
            edited_at: row.edited_at,
        })
        .collect())
}

/// One row of `worksheet_edits` as [`history`] reads it (the array's elements are
/// nullable in SQL, so they arrive as options).
#[derive(Queryable, Selectable)]
#[diesel(table_name = worksheet_edits)]
struct EditRow {
    action_item_id: Option<Uuid>,
    fields: Vec<Option<String>>,
    edited_by: Option<Uuid>,
    edited_at: DateTime<Utc>,
}

/// Adds an action item, or edits one (`existing` = id and version read).
pub async fn save_action_item(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    county: &Fips,
    existing: Option<(Uuid, i32)>,
    input: PlanInput,
) -> AppResult<ActionItem> {
    let operation = if existing.is_some() { "updateActionItem" } else { "createActionItem" };
    let edit = action_plan::check(input, operation)?;
    let user = caller.actor.member()?.user_id;
    conn.transaction(async |conn| {
        known_county(conn, county).await?;
        require_editor(conn, &caller.actor, county).await?;
        let (id, next_version) = match existing {
            None => {
                let goal = edit.goal_to_create()?;
                let id: Uuid = diesel::insert_into(action_items::table)
                    .values((action_items::county_fips.eq(county.as_str()), action_items::goal.eq(goal)))
                    .returning(action_items::id)
                    .get_result(conn)
                    .await?;
                (id, 1)
            }
            Some((id, version)) => {
                let current: Option<i32> = action_items::table
                    .find(id)
                    .filter(action_items::county_fips.eq(county.as_str()))
                    .filter(action_items::archived_at.is_null())
                    .select(action_items::version)
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                let current = current.ok_or(AppError::NotFound { what: "action item" })?;
                expect_version("the action item", version, current)?;
                (id, version + 1)
            }
        };
        #[derive(AsChangeset)]
        #[diesel(table_name = action_items)]
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
        let fields = edit.fields();
        let organizations_engaged = edit.organizations_engaged_json();
        diesel::update(action_items::table.find(id))
            .set(Changes {
                goal: edit.goal,
                action_steps: edit.action_steps,
                organizations_engaged,
                timeline: edit.timeline,
                next_steps: edit.next_steps,
                resources_needed: edit.resources_needed,
                version: next_version,
                updated_at: Utc::now(),
                updated_by: user,
            })
            .execute(conn)
            .await?;
        record_edit(conn, county, Some(id), fields, user).await?;
        audit::record(
            conn,
            caller,
            if existing.is_some() { "action_item.update" } else { "action_item.create" },
            "action_item",
            Some(id),
        )
        .await?;
        let row: ItemRow = action_items::table.find(id).select(ItemRow::as_select()).first(conn).await?;
        item_from(row)
    })
    .await
}
