//! The FUTURES worksheet over GraphQL: contacts, MOUs, training, county gap analysis,
//! demand, and county worksheets. Thin: parse, call the domain, wrap.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::GqlResultExt;
use super::query::{caller, conn, directory_written, parse_uuid, services};
use super::types::{CountyGql, NeedCategoryGql};
use crate::counties::Fips;
use crate::error::AppError;
use crate::gaps::{self, GapCell};
use crate::needs::{NeedCategory, Phase};
use crate::partnerships::{self, Contact, ContactInput, Mou, MouInput, MouParty, MouStatus, Training, TrainingKind};
use crate::worksheets::{self, ActionItem, ActionItemInput, Edit, Engagement, Worksheet, WorksheetInput};

/// A county's standing on a need.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "GapStatus", remote = "crate::gaps::GapStatus")]
pub enum GapStatusGql {
    /// No provider located in or serving the county meets the need.
    NoProvider,
    /// Providers exist, none with a contact or an MOU in force.
    NoPartner,
    /// Partners exist, none trained on human trafficking.
    Untrained,
    Covered,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TrainingKind", remote = "crate::partnerships::TrainingKind")]
pub enum TrainingKindGql {
    /// Human-trafficking basics covering sex and labor trafficking (Standard 18).
    Basic,
    Advanced,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "MouStatus", remote = "crate::partnerships::MouStatus")]
pub enum MouStatusGql {
    Draft,
    Active,
    /// Recorded active, past its expiry date.
    Expired,
    Terminated,
}

/// One county × need cell of the FUTURES matrix.
pub struct GapCellGql(pub GapCell);

#[Object(name = "GapCell")]
impl GapCellGql {
    async fn county(&self) -> CountyGql {
        CountyGql { fips: self.0.county_fips.clone(), name: self.0.county_name.clone() }
    }
    async fn need(&self) -> NeedCategoryGql {
        NeedCategoryGql(NeedCategory {
            code: self.0.need_code.clone(),
            phase: Phase::from_db(&self.0.need_phase).unwrap_or(Phase::Acute),
            label: self.0.need_label.clone(),
            position: self.0.need_position,
        })
    }
    /// Providers located in or serving the county that meet the need (as `searchProviders` finds them).
    async fn provider_count(&self) -> i64 {
        self.0.provider_count
    }
    async fn with_contact(&self) -> i64 {
        self.0.with_contact
    }
    /// With an MOU in force whose scope covers the need.
    async fn with_active_mou(&self) -> i64 {
        self.0.with_active_mou
    }
    /// With basic HT training within the last 3 years.
    async fn ht_trained(&self) -> i64 {
        self.0.ht_trained
    }
    async fn status(&self) -> GapStatusGql {
        self.0.status().into()
    }
}

/// A kind of reporting period.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReportingPeriodKind", remote = "crate::gaps::PeriodKind")]
pub enum PeriodKindGql {
    /// A calendar month; `number` 1–12.
    Month,
    /// A calendar quarter; `number` 1–4.
    Quarter,
    /// A calendar year; no `number`.
    Year,
}

/// A fixed reporting period: a calendar month, quarter or year.
#[derive(InputObject)]
#[graphql(name = "ReportingPeriodInput")]
pub struct ReportingPeriodGql {
    pub kind: PeriodKindGql,
    pub year: i32,
    /// Month 1–12 or quarter 1–4; omitted for a year.
    pub number: Option<i32>,
}

/// Referral demand for a county × need in a reporting period. A null figure is withheld:
/// a count from 1 to 4, or one that would let such a count be worked out.
#[derive(SimpleObject)]
#[graphql(name = "DemandCell")]
pub struct DemandCellGql {
    pub county_fips: String,
    pub need_code: String,
    pub sent: Option<i64>,
    pub declined_no_capacity: Option<i64>,
    pub never_placed: Option<i64>,
}

/// A contact person at a provider.
pub struct ContactGql(pub Contact);

#[Object(name = "Contact")]
impl ContactGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn last_verified_on(&self) -> Option<NaiveDate> {
        self.0.last_verified_on
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A human-trafficking training record.
pub struct TrainingGql(pub Training);

#[Object(name = "TrainingRecord")]
impl TrainingGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn provider_id(&self) -> ID {
        ID(self.0.provider_id.to_string())
    }
    async fn trained_on(&self) -> NaiveDate {
        self.0.trained_on
    }
    async fn kind(&self) -> TrainingKindGql {
        self.0.kind.into()
    }
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    async fn staff_share_percent(&self) -> Option<i32> {
        self.0.staff_share_percent
    }
    async fn evidence_ref(&self) -> Option<&str> {
        self.0.evidence_ref.as_deref()
    }
    /// For basic training: the day it stops counting (the third anniversary).
    async fn lapses_on(&self) -> Option<NaiveDate> {
        (self.0.kind == TrainingKind::Basic).then(|| self.0.lapses_on())
    }
}

/// A provider whose basic HT training lapses soon.
#[derive(SimpleObject)]
pub struct LapsingTraining {
    pub provider_id: ID,
    pub lapses_on: NaiveDate,
}

/// Another party to an MOU: an organization or a county team.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "MouParty", input_name = "MouPartyInput")]
pub struct MouPartyGql {
    pub organization_id: Option<ID>,
    pub county_fips: Option<String>,
}

/// An MOU with a provider.
pub struct MouGql(pub Mou);

#[Object(name = "Mou")]
impl MouGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn provider_id(&self) -> ID {
        ID(self.0.provider_id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Need categories the MOU covers.
    async fn scope_needs(&self) -> &[String] {
        &self.0.scope_needs
    }
    async fn parties(&self) -> Vec<MouPartyGql> {
        self.0
            .parties
            .iter()
            .map(|p| match p {
                MouParty::Organization(o) => {
                    MouPartyGql { organization_id: Some(ID(o.to_string())), county_fips: None }
                }
                MouParty::CountyTeam(c) => MouPartyGql { organization_id: None, county_fips: Some(c.clone()) },
            })
            .collect()
    }
    async fn signed_on(&self) -> Option<NaiveDate> {
        self.0.signed_on
    }
    async fn effective_on(&self) -> NaiveDate {
        self.0.effective_on
    }
    /// The last day the MOU is in force.
    async fn expires_on(&self) -> NaiveDate {
        self.0.expires_on
    }
    async fn status(&self) -> MouStatusGql {
        self.0.status(Utc::now().date_naive()).into()
    }
    /// Active, effective and not expired today.
    async fn in_force(&self) -> bool {
        self.0.in_force(Utc::now().date_naive())
    }
    async fn document_ref(&self) -> Option<&str> {
        self.0.document_ref.as_deref()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An organization engaged in an action item.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "Engagement", input_name = "EngagementInput")]
pub struct EngagementGql {
    pub organization: String,
    pub responsibilities: String,
}

/// An action-plan item of a county worksheet.
pub struct ActionItemGql(pub ActionItem);

#[Object(name = "ActionItem")]
impl ActionItemGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn goal(&self) -> &str {
        &self.0.goal
    }
    async fn action_steps(&self) -> Option<&str> {
        self.0.action_steps.as_deref()
    }
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
    async fn timeline(&self) -> Option<&str> {
        self.0.timeline.as_deref()
    }
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    async fn resources_needed(&self) -> Option<&str> {
        self.0.resources_needed.as_deref()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn updated_by(&self) -> Option<ID> {
        self.0.updated_by.map(|u| ID(u.to_string()))
    }
}

/// Who edited which fields, and when.
#[derive(SimpleObject)]
#[graphql(name = "WorksheetEdit")]
pub struct EditGql {
    pub action_item_id: Option<ID>,
    pub fields: Vec<String>,
    pub edited_by: Option<ID>,
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

#[Object(name = "CountyWorksheet")]
impl WorksheetGql {
    async fn county_fips(&self) -> &str {
        &self.0.county_fips
    }
    async fn community_needs(&self) -> Option<&str> {
        self.0.community_needs.as_deref()
    }
    /// Capacities and strengths.
    async fn capacities(&self) -> Option<&str> {
        self.0.capacities.as_deref()
    }
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
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }
    async fn updated_by(&self) -> Option<ID> {
        self.0.updated_by.map(|u| ID(u.to_string()))
    }
    /// The FUTURES matrix for this county, live.
    async fn needs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GapCellGql>> {
        let fips = Fips::parse(&self.0.county_fips, "fips").gql()?;
        let cells =
            gaps::matrix(&mut *conn(ctx).await.gql()?, &services(ctx).directory, &caller(ctx).actor, Some(&fips))
                .await
                .gql()?;
        Ok(cells.into_iter().map(GapCellGql).collect())
    }
    async fn action_items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActionItemGql>> {
        let fips = Fips::parse(&self.0.county_fips, "fips").gql()?;
        let items = worksheets::action_items(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, &fips).await.gql()?;
        Ok(items.into_iter().map(ActionItemGql).collect())
    }
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

#[derive(InputObject)]
#[graphql(name = "ContactInput")]
pub struct ContactEdit {
    pub name: String,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub last_verified_on: Option<NaiveDate>,
}

#[derive(InputObject)]
#[graphql(name = "TrainingInput")]
pub struct TrainingEdit {
    pub trained_on: NaiveDate,
    pub kind: TrainingKindGql,
    pub topic: Option<String>,
    pub staff_share_percent: Option<i32>,
    pub evidence_ref: Option<String>,
}

#[derive(InputObject)]
#[graphql(name = "MouInput")]
pub struct MouEdit {
    pub provider_id: Option<ID>,
    pub title: Option<String>,
    pub scope_needs: Option<Vec<String>>,
    pub signed_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    /// The last day in force.
    pub expires_on: Option<NaiveDate>,
    /// DRAFT, ACTIVE or TERMINATED (EXPIRED follows from the date).
    pub status: Option<MouStatusGql>,
    pub document_ref: Option<String>,
    pub parties: Option<Vec<MouPartyGql>>,
}

#[derive(InputObject)]
#[graphql(name = "CountyWorksheetInput")]
pub struct WorksheetEdit {
    pub community_needs: Option<String>,
    pub capacities: Option<String>,
    pub gaps: Option<String>,
    pub how_to_fill: Option<String>,
}

#[derive(InputObject)]
#[graphql(name = "ActionItemInput")]
pub struct ActionItemEdit {
    pub goal: Option<String>,
    pub action_steps: Option<String>,
    pub organizations_engaged: Option<Vec<EngagementGql>>,
    pub timeline: Option<String>,
    pub next_steps: Option<String>,
    pub resources_needed: Option<String>,
}

fn fips(raw: &str) -> Result<Fips, AppError> {
    Fips::parse(raw, "fips")
}

fn mou_input(e: MouEdit) -> Result<MouInput, AppError> {
    let parties = e
        .parties
        .map(|ps| {
            ps.into_iter()
                .map(|p| match (p.organization_id, p.county_fips) {
                    (Some(o), None) => Ok(MouParty::Organization(parse_uuid(&o, "input.parties")?)),
                    (None, Some(c)) => Ok(MouParty::CountyTeam(c)),
                    _ => Err(AppError::bad_input(
                        "input.parties",
                        "input.parties: give an organizationId or a countyFips for each party",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(MouInput {
        provider_id: e.provider_id.map(|p| parse_uuid(&p, "input.providerId")).transpose()?,
        title: e.title,
        scope_needs: e.scope_needs,
        signed_on: e.signed_on,
        effective_on: e.effective_on,
        expires_on: e.expires_on,
        status: e.status.map(MouStatus::from),
        document_ref: e.document_ref,
        parties,
    })
}

fn action_input(e: ActionItemEdit) -> ActionItemInput {
    ActionItemInput {
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

/// FUTURES reads (network members).
#[derive(Default)]
pub struct FuturesQuery;

#[Object]
impl FuturesQuery {
    /// The FUTURES matrix for one county: every need category with its figures and status.
    async fn county_needs(&self, ctx: &Context<'_>, fips: String) -> async_graphql::Result<Vec<GapCellGql>> {
        let f = self::fips(&fips).gql()?;
        Ok(gaps::matrix(&mut *conn(ctx).await.gql()?, &services(ctx).directory, &caller(ctx).actor, Some(&f))
            .await
            .gql()?
            .into_iter()
            .map(GapCellGql)
            .collect())
    }

    /// Every county × need cell of the state (computed in one query).
    #[graphql(complexity = "3300 * child_complexity / 10")]
    async fn gap_matrix(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GapCellGql>> {
        Ok(gaps::matrix(&mut *conn(ctx).await.gql()?, &services(ctx).directory, &caller(ctx).actor, None)
            .await
            .gql()?
            .into_iter()
            .map(GapCellGql)
            .collect())
    }

    /// Referral demand per county × need for referrals sent in a reporting period (a
    /// calendar month, quarter or year; no other windows). A period is published once its
    /// last quarter has been over for 30 days, and its figures never change afterwards.
    /// Null figures are withheld: counts from 1 to 4, and figures that would let one be
    /// worked out from the others. Each quarter of a county × need is published either
    /// month by month or as a whole quarter (then its months are null); a year figure is
    /// the sum of its quarters' and null when one of them is. Cells with no referrals
    /// are left out.
    async fn county_demand(
        &self,
        ctx: &Context<'_>,
        period: ReportingPeriodGql,
    ) -> async_graphql::Result<Vec<DemandCellGql>> {
        let period = gaps::ReportingPeriod::new(period.kind.into(), period.year, period.number).gql()?;
        let cells = gaps::demand(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, period).await.gql()?;
        Ok(cells
            .into_iter()
            .map(|c| DemandCellGql {
                county_fips: c.county_fips,
                need_code: c.need_code,
                sent: c.figures.sent,
                declined_no_capacity: c.figures.declined_no_capacity,
                never_placed: c.figures.never_placed,
            })
            .collect())
    }

    /// MOUs in force that expire within `withinDays`, soonest first.
    async fn expiring_mous(&self, ctx: &Context<'_>, within_days: i32) -> async_graphql::Result<Vec<MouGql>> {
        Ok(partnerships::expiring_mous(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, within_days)
            .await
            .gql()?
            .into_iter()
            .map(MouGql)
            .collect())
    }

    /// Providers whose basic HT training lapses within `withinDays`, soonest first.
    async fn lapsing_training(
        &self,
        ctx: &Context<'_>,
        within_days: i32,
    ) -> async_graphql::Result<Vec<LapsingTraining>> {
        let list = partnerships::lapsing_training(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, within_days)
            .await
            .gql()?;
        Ok(list.into_iter().map(|(p, d)| LapsingTraining { provider_id: ID(p.to_string()), lapses_on: d }).collect())
    }

    /// A county's worksheet (network members).
    async fn county_worksheet(&self, ctx: &Context<'_>, fips: String) -> async_graphql::Result<WorksheetGql> {
        let f = self::fips(&fips).gql()?;
        Ok(WorksheetGql(worksheets::get(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, &f).await.gql()?))
    }
}

/// FUTURES writes.
#[derive(Default)]
pub struct FuturesMutation;

#[Object]
impl FuturesMutation {
    /// Adds a contact at a provider (network admins; provider staff for their own listing).
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        provider_id: ID,
        input: ContactEdit,
    ) -> async_graphql::Result<ContactGql> {
        let p = parse_uuid(&provider_id, "providerId").gql()?;
        let input = ContactInput {
            name: Some(input.name),
            role: input.role,
            phone: input.phone,
            email: input.email,
            last_verified_on: input.last_verified_on,
        };
        let contact = partnerships::add_contact(&mut *conn(ctx).await.gql()?, caller(ctx), p, input).await.gql()?;
        directory_written(ctx).await;
        Ok(ContactGql(contact))
    }

    /// Marks a contact verified today.
    async fn verify_contact(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        partnerships::touch_contact(&mut *conn(ctx).await.gql()?, caller(ctx), id, version, false).await.gql()?;
        directory_written(ctx).await;
        Ok(true)
    }

    async fn archive_contact(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        partnerships::touch_contact(&mut *conn(ctx).await.gql()?, caller(ctx), id, version, true).await.gql()?;
        directory_written(ctx).await;
        Ok(true)
    }

    /// Records HT training at a provider.
    async fn record_training(
        &self,
        ctx: &Context<'_>,
        provider_id: ID,
        input: TrainingEdit,
    ) -> async_graphql::Result<TrainingGql> {
        let p = parse_uuid(&provider_id, "providerId").gql()?;
        let t = partnerships::record_training(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            p,
            input.trained_on,
            input.kind.into(),
            input.topic,
            input.staff_share_percent,
            input.evidence_ref,
        )
        .await
        .gql()?;
        directory_written(ctx).await;
        Ok(TrainingGql(t))
    }

    /// Records an MOU (network admins; coordinators of a party organization).
    async fn create_mou(&self, ctx: &Context<'_>, input: MouEdit) -> async_graphql::Result<MouGql> {
        let input = mou_input(input).gql()?;
        let mou = partnerships::save_mou(&mut *conn(ctx).await.gql()?, caller(ctx), None, input).await.gql()?;
        directory_written(ctx).await;
        Ok(MouGql(mou))
    }

    async fn update_mou(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: MouEdit,
    ) -> async_graphql::Result<MouGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let input = mou_input(input).gql()?;
        let mou = partnerships::save_mou(&mut *conn(ctx).await.gql()?, caller(ctx), Some((id, version)), input)
            .await
            .gql()?;
        directory_written(ctx).await;
        Ok(MouGql(mou))
    }

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
