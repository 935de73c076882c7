//! The network's partnerships with providers over GraphQL: contacts, MOUs and HT
//! training. Thin: parse, call `crate::partnerships`, wrap.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::context::{caller, conn, directory, parse_uuid, today};
use super::errors::GqlResultExt;
use crate::error::AppError;
use crate::partnerships::{self, Contact, ContactInput, Mou, MouInput, MouParty, MouStatus, Training, TrainingInput};

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
        self.0.lapses_on()
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
    async fn status(&self, ctx: &Context<'_>) -> MouStatusGql {
        self.0.status(today(ctx)).into()
    }
    /// Active, effective and not expired today.
    async fn in_force(&self, ctx: &Context<'_>) -> bool {
        self.0.in_force(today(ctx))
    }
    async fn document_ref(&self) -> Option<&str> {
        self.0.document_ref.as_deref()
    }
    async fn version(&self) -> i32 {
        self.0.version
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

/// Reads of partnerships (network members).
#[derive(Default)]
pub struct PartnershipQuery;

#[Object]
impl PartnershipQuery {
    /// MOUs in force that expire within `withinDays`, soonest first.
    async fn expiring_mous(&self, ctx: &Context<'_>, within_days: i32) -> async_graphql::Result<Vec<MouGql>> {
        Ok(partnerships::expiring_mous(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, within_days, today(ctx))
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
        let list =
            partnerships::lapsing_training(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, within_days, today(ctx))
                .await
                .gql()?;
        Ok(list.into_iter().map(|(p, d)| LapsingTraining { provider_id: ID(p.to_string()), lapses_on: d }).collect())
    }
}

/// Writes of partnerships.
#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
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
        let contact = directory(ctx)
            .write(async |conn| partnerships::add_contact(conn, caller(ctx), p, input, today(ctx)).await)
            .await
            .gql()?;
        Ok(ContactGql(contact))
    }

    /// Marks a contact verified today.
    async fn verify_contact(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        directory(ctx)
            .write(async |conn| partnerships::touch_contact(conn, caller(ctx), id, version, false, today(ctx)).await)
            .await
            .gql()?;
        Ok(true)
    }

    async fn archive_contact(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        directory(ctx)
            .write(async |conn| partnerships::touch_contact(conn, caller(ctx), id, version, true, today(ctx)).await)
            .await
            .gql()?;
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
        let t = directory(ctx)
            .write(async |conn| {
                partnerships::record_training(
                    conn,
                    caller(ctx),
                    p,
                    TrainingInput {
                        trained_on: input.trained_on,
                        kind: input.kind.into(),
                        topic: input.topic,
                        staff_share_percent: input.staff_share_percent,
                        evidence_ref: input.evidence_ref,
                    },
                    today(ctx),
                )
                .await
            })
            .await
            .gql()?;
        Ok(TrainingGql(t))
    }

    /// Records an MOU (network admins; coordinators of a party organization).
    async fn create_mou(&self, ctx: &Context<'_>, input: MouEdit) -> async_graphql::Result<MouGql> {
        let input = mou_input(input).gql()?;
        let mou = directory(ctx)
            .write(async |conn| partnerships::save_mou(conn, caller(ctx), None, input).await)
            .await
            .gql()?;
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
        let mou = directory(ctx)
            .write(async |conn| partnerships::save_mou(conn, caller(ctx), Some((id, version)), input).await)
            .await
            .gql()?;
        Ok(MouGql(mou))
    }
}
