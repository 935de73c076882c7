//! County worksheets over GraphQL: narratives, action items, teams and history, with
//! the county's live gap figures. Thin: parse, call `crate::worksheets`, wrap.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{caller, conn, directory, parse_uuid};
use super::errors::GqlResultExt;
use super::gaps::GapCellGql;
use crate::action_plan::{Engagement, PlanInput};
use crate::counties::Fips;
use crate::error::AppError;
use crate::gaps;
use crate::worksheets::{self, ActionItem, Edit, Worksheet, WorksheetInput};

/// An organization engaged in an action item.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "Engagement", input_name = "EngagementInput")]
pub struct EngagementGql {
    /// The organization, by name (it need not be in the network).
    pub organization: String,
    /// What it is responsible for.
    pub responsibilities: String,
}

/// An action-plan item of a county worksheet.
pub struct ActionItemGql(pub ActionItem);

/// One item of a county's action plan on its FUTURES worksheet.
#[Object(name = "ActionItem")]
impl ActionItemGql {
    /// The item's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The goal.
    async fn goal(&self) -> &str {
        &self.0.goal
    }
    /// The steps to reach it.
    async fn action_steps(&self) -> Option<&str> {
        self.0.action_steps.as_deref()
    }
    /// The organizations engaged, and what each is responsible for.
    async fn organizations_engaged(&self) -> Vec<EngagementGql> {
        self.0
            .organizations_engaged
            .iter()
            .map(|e| EngagementGql {
                organization: e.organization.clone(),
                responsibilities: e.responsibilities.clone(),
            })
            .collect()
    }
    /// When it should happen.
    async fn timeline(&self) -> Option<&str> {
        self.0.timeline.as_deref()
    }
    /// What comes next.
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    /// What it needs (people, money, space).
    async fn resources_needed(&self) -> Option<&str> {
        self.0.resources_needed.as_deref()
    }
    /// The version to send back with a change (optimistic concurrency).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The user who last changed it.
    async fn updated_by(&self) -> Option<ID> {
        self.0.updated_by.map(|u| ID(u.to_string()))
    }
}

/// Who edited which fields, and when.
#[derive(SimpleObject)]
#[graphql(name = "WorksheetEdit")]
pub struct EditGql {
    /// The action item edited; null for the narrative.
    pub action_item_id: Option<ID>,
    /// The fields changed (their GraphQL names).
    pub fields: Vec<String>,
    /// The user who edited.
    pub edited_by: Option<ID>,
    /// When.
    pub edited_at: DateTime<Utc>,
}

impl From<Edit> for EditGql {
    fn from(e: Edit) -> Self {
        EditGql {
            action_item_id: e.action_item_id.map(|i| ID(i.to_string())),
            fields: e.fields,
            edited_by: e.edited_by.map(|u| ID(u.to_string())),
            edited_at: e.edited_at,
        }
    }
}

/// A county's FUTURES worksheet.
pub struct WorksheetGql(pub Worksheet);

/// A county's FUTURES worksheet: the team's narrative, the live need matrix, the action plan and its history. Any network member may read it; network admins and members of the county's team edit it.
#[Object(name = "CountyWorksheet")]
impl WorksheetGql {
    /// The county (5-digit FIPS).
    async fn county_fips(&self) -> &str {
        &self.0.county_fips
    }
    /// The community's needs, in the team's words.
    async fn community_needs(&self) -> Option<&str> {
        self.0.community_needs.as_deref()
    }
    /// Capacities and strengths.
    async fn capacities(&self) -> Option<&str> {
        self.0.capacities.as_deref()
    }
    /// The gaps the team sees.
    async fn gaps(&self) -> Option<&str> {
        self.0.gaps.as_deref()
    }
    /// How the gaps can be filled.
    async fn how_to_fill(&self) -> Option<&str> {
        self.0.how_to_fill.as_deref()
    }
    /// 0 until first edited; pass it back to edit.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was last edited; null until then.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }
    /// The user who last edited it.
    async fn updated_by(&self) -> Option<ID> {
        self.0.updated_by.map(|u| ID(u.to_string()))
    }
    /// The FUTURES matrix for this county, live.
    async fn needs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GapCellGql>> {
        let fips = Fips::parse(&self.0.county_fips, "fips").gql()?;
        let cells = gaps::matrix(directory(ctx), &caller(ctx).actor, Some(&fips)).await.gql()?;
        Ok(cells.into_iter().map(GapCellGql).collect())
    }
    /// The action plan, oldest item first.
    async fn action_items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActionItemGql>> {
        let fips = Fips::parse(&self.0.county_fips, "fips").gql()?;
        let items = worksheets::action_items(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, &fips).await.gql()?;
        Ok(items.into_iter().map(ActionItemGql).collect())
    }
    /// Who edited what and when, newest first (the latest 500 edits).
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EditGql>> {
        let fips = Fips::parse(&self.0.county_fips, "fips").gql()?;
        Ok(worksheets::history(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, &fips)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Organizations on the county's team (they edit the worksheet).
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ID>> {
        let fips = Fips::parse(&self.0.county_fips, "fips").gql()?;
        Ok(worksheets::team(&mut *conn(ctx).await.gql()?, &fips)
            .await
            .gql()?
            .into_iter()
            .map(|o| ID(o.to_string()))
            .collect())
    }
}

/// Changes to a worksheet's narrative: an omitted field stays as it is, an empty string clears it.
#[derive(InputObject)]
#[graphql(name = "CountyWorksheetInput")]
pub struct WorksheetEdit {
    /// The community's needs.
    pub community_needs: Option<String>,
    /// Capacities and strengths.
    pub capacities: Option<String>,
    /// The gaps.
    pub gaps: Option<String>,
    /// How the gaps can be filled.
    pub how_to_fill: Option<String>,
}

/// An action item's fields; an omitted field stays as it is.
#[derive(InputObject)]
#[graphql(name = "ActionItemInput")]
pub struct ActionItemEdit {
    /// The goal (required for a new item).
    pub goal: Option<String>,
    /// The steps to reach it.
    pub action_steps: Option<String>,
    /// The organizations engaged, and what each is responsible for.
    pub organizations_engaged: Option<Vec<EngagementGql>>,
    /// When it should happen.
    pub timeline: Option<String>,
    /// What comes next.
    pub next_steps: Option<String>,
    /// What it needs (people, money, space).
    pub resources_needed: Option<String>,
}

fn fips(raw: &str) -> Result<Fips, AppError> {
    Fips::parse(raw, "fips")
}

fn action_input(e: ActionItemEdit) -> PlanInput {
    PlanInput {
        goal: e.goal,
        action_steps: e.action_steps,
        organizations_engaged: e.organizations_engaged.map(|l| {
            l.into_iter()
                .map(|g| Engagement { organization: g.organization, responsibilities: g.responsibilities })
                .collect()
        }),
        timeline: e.timeline,
        next_steps: e.next_steps,
        resources_needed: e.resources_needed,
    }
}

/// Reads of county worksheets (network members).
#[derive(Default)]
pub struct WorksheetQuery;

#[Object]
impl WorksheetQuery {
    /// A county's worksheet (network members).
    async fn county_worksheet(&self, ctx: &Context<'_>, fips: String) -> async_graphql::Result<WorksheetGql> {
        let f = self::fips(&fips).gql()?;
        Ok(WorksheetGql(worksheets::get(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, &f).await.gql()?))
    }
}

/// Writes of county worksheets.
#[derive(Default)]
pub struct WorksheetMutation;

#[Object]
impl WorksheetMutation {
    /// Sets the organizations that form a county's team (network admins).
    async fn set_county_team(
        &self,
        ctx: &Context<'_>,
        fips: String,
        organization_ids: Vec<ID>,
    ) -> async_graphql::Result<bool> {
        let f = self::fips(&fips).gql()?;
        let orgs =
            organization_ids.iter().map(|o| parse_uuid(o, "organizationIds")).collect::<Result<Vec<_>, _>>().gql()?;
        worksheets::set_team(&mut *conn(ctx).await.gql()?, caller(ctx), &f, &orgs).await.gql()?;
        Ok(true)
    }

    /// Edits a county worksheet's narrative (the county's team; network admins).
    async fn update_county_worksheet(
        &self,
        ctx: &Context<'_>,
        fips: String,
        version: i32,
        input: WorksheetEdit,
    ) -> async_graphql::Result<WorksheetGql> {
        let f = self::fips(&fips).gql()?;
        let input = WorksheetInput {
            community_needs: input.community_needs,
            capacities: input.capacities,
            gaps: input.gaps,
            how_to_fill: input.how_to_fill,
        };
        Ok(WorksheetGql(worksheets::update(&mut *conn(ctx).await.gql()?, caller(ctx), &f, version, input).await.gql()?))
    }

    /// Adds an item to a county's action plan (network admins; members of the county's team).
    async fn create_action_item(
        &self,
        ctx: &Context<'_>,
        fips: String,
        input: ActionItemEdit,
    ) -> async_graphql::Result<ActionItemGql> {
        let f = self::fips(&fips).gql()?;
        Ok(ActionItemGql(
            worksheets::save_action_item(&mut *conn(ctx).await.gql()?, caller(ctx), &f, None, action_input(input))
                .await
                .gql()?,
        ))
    }

    /// Changes an action item (`version` as read; the same people as may add one).
    async fn update_action_item(
        &self,
        ctx: &Context<'_>,
        fips: String,
        id: ID,
        version: i32,
        input: ActionItemEdit,
    ) -> async_graphql::Result<ActionItemGql> {
        let f = self::fips(&fips).gql()?;
        let id = parse_uuid(&id, "id").gql()?;
        Ok(ActionItemGql(
            worksheets::save_action_item(
                &mut *conn(ctx).await.gql()?,
                caller(ctx),
                &f,
                Some((id, version)),
                action_input(input),
            )
            .await
            .gql()?,
        ))
    }
}
