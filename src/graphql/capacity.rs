//! Capacity over GraphQL: figures per service and unit with their age, unit kinds, holds,
//! update links. Thin: parse, call `crate::capacity`, wrap.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::context::{caller, conn, directory, parse_uuid, services};
use super::errors::GqlResultExt;
use crate::auth::Actor;
use crate::capacity::holds::{self, Hold, HoldStatus};
use crate::capacity::links::{self, LinkedService, UpdateLink};
use crate::capacity::{self, CapacityInput, CapacityView, RoomState, UnitKind, UnitKindInput};
use crate::db::DbPool;
use crate::error::AppError;

/// What a provider says about a unit (HL7 SDOH's capacity statuses).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "CapacityStatus", remote = "crate::capacity::CapacityStatus")]
pub enum CapacityStatusGql {
    /// Units free, referrals welcome.
    Available,
    /// Full, with a waiting list a client may join.
    Waitlist,
    /// Full; no waiting list.
    NoCapacity,
}

/// What an advocate should make of a figure now.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "RoomState", remote = "crate::capacity::RoomState")]
pub enum RoomStateGql {
    /// Fresh, accepting referrals, `AVAILABLE`, with a unit not held.
    RoomNow,
    /// Set to `WAITLIST` (and fresh).
    Waitlist,
    /// Nothing free: none left, `NO_CAPACITY`, or every free unit held.
    NoCapacity,
    /// Not accepting referrals, whatever the counts say.
    NotAccepting,
    /// Older than its unit's staleness limit: call to confirm (never counted as available).
    CallToConfirm,
}

/// How a figure was set.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "CapacitySource", remote = "crate::capacity::Source")]
pub enum SourceGql {
    /// Set by a signed-in member of the keeping organization (or a network admin).
    Staff,
    /// Set by the shelter's own system through an API key.
    ApiKey,
    /// Set through an update link by night staff.
    UpdateLink,
    /// Lowered by one when an accepted referral converted its hold.
    ReferralAccepted,
    /// Set to no capacity by a referral declined for `NO_CAPACITY`.
    ReferralDeclined,
    /// Read from an HSDS dataset (`lantern hsds import`).
    Import,
}

/// Where a hold is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "CapacityHoldStatus", remote = "crate::capacity::holds::HoldStatus")]
pub enum HoldStatusGql {
    /// Holding a unit now.
    Active,
    /// Its referral was accepted: the unit is taken.
    Converted,
    /// Let go: the referral was declined, cancelled or unreachable, or the hold was released.
    Released,
    /// Its time ran out before the referral was accepted.
    Expired,
}

/// A kind of unit the network counts, and how long its figures stay fresh.
#[derive(SimpleObject)]
#[graphql(name = "CapacityUnitKind")]
pub struct UnitKindGql {
    /// Stable code, e.g. `bed`.
    pub code: String,
    /// The name shown to people, e.g. "Bed".
    pub name: String,
    /// Past this age a figure is "call to confirm" (beds: 720, 12 hours).
    pub stale_after_minutes: i32,
    /// Order in lists (lowest first).
    pub position: i32,
    /// No longer offered for new figures.
    pub archived: bool,
    /// Incremented by every change; send it back to change the kind.
    pub version: i32,
}

impl From<UnitKind> for UnitKindGql {
    fn from(k: UnitKind) -> Self {
        UnitKindGql {
            code: k.code,
            name: k.name,
            stale_after_minutes: k.stale_after_minutes,
            position: k.position,
            archived: k.archived,
            version: k.version,
        }
    }
}

/// One service's figure for one unit, as the caller may see it, with its age at the
/// moment of the answer. A confidential shelter's figure, for a caller who may not see
/// where it is, is shown as for its county: the state, the unit and the age in whole
/// hours only (`exact: false`).
pub struct ServiceCapacityGql(pub CapacityView);

/// One service's figure for one unit, with its age; a confidential shelter's as for its county.
#[Object(name = "ServiceCapacity")]
impl ServiceCapacityGql {
    /// The figure's id.
    async fn id(&self) -> ID {
        ID(self.0.figure.id.to_string())
    }
    /// The service it counts for.
    async fn service_id(&self) -> ID {
        ID(self.0.figure.service_id.to_string())
    }
    /// The unit kind's code, e.g. `bed`.
    async fn unit_code(&self) -> &str {
        &self.0.figure.unit_code
    }
    /// The unit kind's name.
    async fn unit_name(&self) -> &str {
        &self.0.figure.unit_name
    }
    /// Room now, waitlist, no capacity, not accepting, or call to confirm.
    async fn state(&self) -> RoomStateGql {
        self.0.state().into()
    }
    /// Whether a unit may be offered now (`state` is `ROOM_NOW`).
    async fn has_room_now(&self) -> bool {
        self.0.state() == RoomState::RoomNow
    }
    /// Units free to offer now: the figure less live holds; 0 unless there is room now.
    /// Null when withheld.
    async fn available_now(&self) -> Option<i32> {
        self.0.exact.then(|| capacity::available_now(&self.0.figure, self.0.as_of))
    }
    /// The count as last set. Null when withheld.
    async fn available(&self) -> Option<i32> {
        self.0.exact.then_some(self.0.figure.available)
    }
    /// How many units there are in all, when given. Null when withheld.
    async fn maximum(&self) -> Option<i32> {
        if self.0.exact { self.0.figure.maximum } else { None }
    }
    /// Units held for referrals now. Null when withheld.
    async fn held(&self) -> Option<i32> {
        self.0.exact.then(|| capacity::live_holds(&self.0.figure.hold_expiries, self.0.as_of))
    }
    /// The status as last set. Null when withheld.
    async fn status(&self) -> Option<CapacityStatusGql> {
        self.0.exact.then_some(self.0.figure.status.into())
    }
    /// Whether the service takes referrals for this unit (off overrides the counts).
    async fn accepting_referrals(&self) -> bool {
        self.0.figure.accepting_referrals
    }
    /// A short note from staff (never about a person). Null when withheld.
    async fn note(&self) -> Option<&str> {
        if self.0.exact { self.0.figure.note.as_deref() } else { None }
    }
    /// When it was last set. Null when withheld (see `ageSeconds`).
    async fn set_at(&self) -> Option<DateTime<Utc>> {
        self.0.exact.then_some(self.0.figure.set_at)
    }
    /// Seconds from when it was set to this answer (whole hours when withheld).
    async fn age_seconds(&self) -> i64 {
        self.0.age_seconds()
    }
    /// When this answer was given: every age is measured to it.
    async fn as_of(&self) -> DateTime<Utc> {
        self.0.as_of
    }
    /// Past its unit's staleness limit: call to confirm.
    async fn stale(&self) -> bool {
        self.0.state() == RoomState::CallToConfirm
    }
    /// The unit kind's staleness limit, in minutes.
    async fn stale_after_minutes(&self) -> i32 {
        self.0.figure.stale_after_minutes
    }
    /// How it was set (staff, API key, update link, a referral's answer).
    async fn source(&self) -> Option<SourceGql> {
        self.0.exact.then_some(self.0.figure.source.into())
    }
    /// Who set it: for the keeping organization's members and network admins only.
    async fn set_by_name(&self) -> Option<&str> {
        if self.0.insider && self.0.exact { self.0.figure.set_by_name.as_deref() } else { None }
    }
    /// Whether the counts are shown (false: a confidential shelter, shown as its county).
    async fn exact(&self) -> bool {
        self.0.exact
    }
    /// The county a withheld figure is shown as.
    async fn county_fips(&self) -> Option<&str> {
        if self.0.exact { None } else { self.0.county_fips.as_deref() }
    }
    /// Incremented by every change.
    async fn version(&self) -> Option<i32> {
        self.0.exact.then_some(self.0.figure.version)
    }
}

/// One entry of a service's capacity history.
pub struct CapacityChangeGql(pub capacity::Change);

/// One entry of a service's capacity history (append-only).
#[Object(name = "CapacityChange")]
impl CapacityChangeGql {
    /// The unit kind's code.
    async fn unit_code(&self) -> &str {
        &self.0.unit_code
    }
    /// The count set.
    async fn available(&self) -> i32 {
        self.0.available
    }
    /// The total set, if any.
    async fn maximum(&self) -> Option<i32> {
        self.0.maximum
    }
    /// The status set.
    async fn status(&self) -> CapacityStatusGql {
        self.0.status.into()
    }
    /// Whether referrals were accepted.
    async fn accepting_referrals(&self) -> bool {
        self.0.accepting_referrals
    }
    /// The note set.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was set.
    async fn set_at(&self) -> DateTime<Utc> {
        self.0.set_at
    }
    /// The member who set it, when a person did.
    async fn set_by_user_id(&self) -> Option<ID> {
        self.0.set_by.map(|u| ID(u.to_string()))
    }
    /// The API key that set it, when a system did.
    async fn set_by_api_key_id(&self) -> Option<ID> {
        self.0.set_by_api_key.map(|u| ID(u.to_string()))
    }
    /// The update link it was set through, if any.
    async fn update_link_id(&self) -> Option<ID> {
        self.0.set_by_link.map(|u| ID(u.to_string()))
    }
    /// How it was set.
    async fn source(&self) -> SourceGql {
        self.0.source.into()
    }
    /// The referral whose answer set it, if any.
    async fn referral_id(&self) -> Option<ID> {
        self.0.referral_id.map(|u| ID(u.to_string()))
    }
}

/// A hold on one unit of a service for one referral.
pub struct CapacityHoldGql(pub Hold);

/// A hold on one unit of a service for one referral, for a limited time.
#[Object(name = "CapacityHold")]
impl CapacityHoldGql {
    /// The hold's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The referral it holds the unit for.
    async fn referral_id(&self) -> ID {
        ID(self.0.referral_id.to_string())
    }
    /// The service whose unit is held.
    async fn service_id(&self) -> ID {
        ID(self.0.service_id.to_string())
    }
    /// The unit kind held.
    async fn unit_code(&self) -> &str {
        &self.0.unit_code
    }
    /// The organization that placed it.
    async fn organization_id(&self) -> ID {
        ID(self.0.organization_id.to_string())
    }
    /// When it was placed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The unit is free again from this moment unless the referral is accepted first.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// As of now: an active hold past its time is `EXPIRED`.
    async fn status(&self) -> HoldStatusGql {
        self.0.status_at(Utc::now()).into()
    }
    /// When it ended (converted, released or expired), if it has.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        match self.0.status_at(Utc::now()) {
            HoldStatus::Expired if self.0.ended_at.is_none() => Some(self.0.expires_at),
            _ => self.0.ended_at,
        }
    }
    /// `ACCEPTED`, `DECLINED`, `CANCELLED`, `RELEASED` or `EXPIRED`.
    async fn end_reason(&self) -> Option<&str> {
        match self.0.status_at(Utc::now()) {
            HoldStatus::Expired if self.0.end_reason.is_none() => Some("EXPIRED"),
            _ => self.0.end_reason.as_deref(),
        }
    }
}

/// An update link (its token is shown once, when made).
pub struct UpdateLinkGql(pub UpdateLink);

/// A single-purpose, expiring, revocable link for setting one service's figures without signing in.
#[Object(name = "CapacityUpdateLink")]
impl UpdateLinkGql {
    /// The link's id (not its token).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The one service it may set.
    async fn service_id(&self) -> ID {
        ID(self.0.service_id.to_string())
    }
    /// Who or what it is for, e.g. "Night desk".
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Whether it works now (not expired, not revoked).
    async fn active(&self) -> bool {
        self.0.revoked_at.is_none() && self.0.expires_at > Utc::now()
    }
    /// How many times figures were set through it.
    async fn uses(&self) -> i32 {
        self.0.uses
    }
    /// When figures were last set through it.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// A new update link; `token` is shown only here. The link to hand on is
/// `/capacity/update#<token>` on this site (the token stays out of every request line).
#[derive(SimpleObject)]
pub struct NewCapacityUpdateLink {
    /// The link as listed from now on.
    pub link: UpdateLinkGql,
    /// The secret, shown only here; stored only as a hash.
    pub token: String,
    /// The path with the token in its fragment: `/capacity/update#<token>`.
    pub path: String,
}

/// What an update link opens: one service and its figures.
pub struct LinkedServiceGql(pub LinkedService);

/// What an update link opens: one service and its figures.
#[Object(name = "CapacityUpdateLinkService")]
impl LinkedServiceGql {
    /// The service.
    async fn service_id(&self) -> ID {
        ID(self.0.link.service_id.to_string())
    }
    /// The service's name.
    async fn service_name(&self) -> &str {
        &self.0.service_name
    }
    /// The provider's name.
    async fn provider_name(&self) -> &str {
        &self.0.provider_name
    }
    /// When the link stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.link.expires_at
    }
    /// The service's figures.
    async fn capacity(&self) -> Vec<ServiceCapacityGql> {
        self.0.figures.iter().cloned().map(ServiceCapacityGql).collect()
    }
}

/// New figures for one unit. Omitted fields keep what is there; `available` (a count) and
/// `adjustBy` (a change to it: +1, −1) are exclusive. Without `status`, a count above zero
/// is `AVAILABLE` and zero `NO_CAPACITY`. An empty `note` clears it. Any save, even of the
/// same figures, confirms them: their age starts again.
#[derive(InputObject)]
pub struct CapacityUpdate {
    /// The unit kind's code, e.g. `bed`.
    pub unit_code: String,
    /// The count of units free now (0 or more).
    pub available: Option<i32>,
    /// A change to the count (+1, −1); exclusive with `available`.
    pub adjust_by: Option<i32>,
    /// How many units there are in all.
    pub maximum: Option<i32>,
    /// The status; by default from the count.
    pub status: Option<CapacityStatusGql>,
    /// Off: no referrals, whatever the counts say.
    pub accepting_referrals: Option<bool>,
    /// At most 500 characters; never about a person.
    pub note: Option<String>,
}

impl From<CapacityUpdate> for CapacityInput {
    fn from(u: CapacityUpdate) -> Self {
        CapacityInput {
            unit_code: u.unit_code,
            available: u.available,
            adjust_by: u.adjust_by,
            maximum: u.maximum,
            status: u.status.map(Into::into),
            accepting_referrals: u.accepting_referrals,
            note: u.note,
        }
    }
}

/// A unit kind's fields.
#[derive(InputObject)]
pub struct CapacityUnitKindInput {
    /// The name shown to people.
    pub name: Option<String>,
    /// 1 to 43200 (30 days); default 720.
    pub stale_after_minutes: Option<i32>,
    /// Order in lists (lowest first).
    pub position: Option<i32>,
    /// Archive (true) or restore (false).
    pub archived: Option<bool>,
}

impl From<CapacityUnitKindInput> for UnitKindInput {
    fn from(i: CapacityUnitKindInput) -> Self {
        UnitKindInput {
            name: i.name,
            stale_after_minutes: i.stale_after_minutes,
            position: i.position,
            archived: i.archived,
        }
    }
}

/// Figures by service, batched per request.
pub(crate) struct CapacityByService(pub DbPool, pub Actor);

impl Loader<Uuid> for CapacityByService {
    type Value = Vec<CapacityView>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = self.0.get().await.map_err(AppError::from).gql()?;
        capacity::for_services(&mut conn, &self.1, keys).await.gql()
    }
}

/// The loader of one request.
pub fn loader(pool: DbPool, actor: Actor) -> DataLoader<CapacityByService> {
    DataLoader::new(CapacityByService(pool, actor), tokio::spawn)
}

/// A service's figures for this request's caller (`Service.capacity`).
pub async fn of_service(ctx: &Context<'_>, service: Uuid) -> async_graphql::Result<Vec<ServiceCapacityGql>> {
    let views = ctx.data_unchecked::<DataLoader<CapacityByService>>().load_one(service).await?.unwrap_or_default();
    Ok(views.into_iter().map(ServiceCapacityGql).collect())
}

/// A county in the "room now" view of one need.
#[derive(SimpleObject)]
pub struct CountyRoomNow {
    /// The county's 5-digit FIPS code.
    pub county_fips: String,
    /// The county's name.
    pub county_name: String,
    /// Providers located in or serving the county with a service meeting the need.
    pub provider_count: i64,
    /// Of those, providers with room now.
    pub with_room_now: i64,
    /// `ROOM_NOW`, `NO_ROOM` (providers, none with room now: no room tonight) or
    /// `NO_PROVIDER`.
    pub status: String,
}

#[derive(Default)]
pub struct CapacityQuery;

#[Object]
impl CapacityQuery {
    /// The unit kinds the network counts, in order (archived ones when asked).
    async fn capacity_unit_kinds(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] include_archived: bool,
    ) -> async_graphql::Result<Vec<UnitKindGql>> {
        let kinds = capacity::unit_kinds(&*conn(ctx).await.gql()?, include_archived).await.gql()?;
        Ok(kinds.into_iter().map(Into::into).collect())
    }

    /// A service's capacity history, newest first (the keeping organization's members
    /// but MDT viewers, and network admins). At most 100 entries (`first`).
    async fn capacity_history(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<CapacityChangeGql>> {
        let service = parse_uuid(&service_id, "serviceId").gql()?;
        let limit = i64::from(first.unwrap_or(50).clamp(1, 100));
        let list = capacity::history(&mut *conn(ctx).await.gql()?, caller(ctx), service, limit).await.gql()?;
        Ok(list.into_iter().map(CapacityChangeGql).collect())
    }

    /// Holds the caller's organization may see (its own, and those on services it keeps),
    /// for a referral or a service, newest first.
    async fn capacity_holds(
        &self,
        ctx: &Context<'_>,
        referral_id: Option<ID>,
        service_id: Option<ID>,
    ) -> async_graphql::Result<Vec<CapacityHoldGql>> {
        let referral = referral_id.map(|id| parse_uuid(&id, "referralId")).transpose().gql()?;
        let service = service_id.map(|id| parse_uuid(&id, "serviceId")).transpose().gql()?;
        let list = holds::list(&mut *conn(ctx).await.gql()?, caller(ctx), referral, service).await.gql()?;
        Ok(list.into_iter().map(CapacityHoldGql).collect())
    }

    /// A service's update links (those who may set its figures).
    async fn capacity_update_links(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
    ) -> async_graphql::Result<Vec<UpdateLinkGql>> {
        let service = parse_uuid(&service_id, "serviceId").gql()?;
        let list = links::list(&mut *conn(ctx).await.gql()?, caller(ctx), service).await.gql()?;
        Ok(list.into_iter().map(UpdateLinkGql).collect())
    }

    /// The county gap map's "room now" view for one need: every county with how many
    /// providers could meet it and how many have room now (network members).
    async fn capacity_room_now(&self, ctx: &Context<'_>, need: String) -> async_graphql::Result<Vec<CountyRoomNow>> {
        let rows = capacity::room_by_county(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, &need).await.gql()?;
        Ok(rows
            .into_iter()
            .map(|r| CountyRoomNow {
                status: r.status().to_owned(),
                county_fips: r.county_fips,
                county_name: r.county_name,
                provider_count: r.providers,
                with_room_now: r.with_room_now,
            })
            .collect())
    }

    /// What an update link opens (no sign-in: the token is the link's). Audited.
    async fn capacity_by_update_link(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<LinkedServiceGql> {
        let svc = services(ctx);
        let request_id = caller(ctx).request_id.clone();
        let linked = links::open(&mut *conn(ctx).await.gql()?, &svc.limiter, &request_id, &token).await.gql()?;
        Ok(LinkedServiceGql(linked))
    }
}

#[derive(Default)]
pub struct CapacityMutation;

#[Object]
impl CapacityMutation {
    /// Sets one unit's figures of a service (provider staff of the organization keeping
    /// the listing, network admins; signed in or with an API key). Returns every figure
    /// of the service.
    async fn set_capacity(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
        input: CapacityUpdate,
    ) -> async_graphql::Result<Vec<ServiceCapacityGql>> {
        let service = parse_uuid(&service_id, "serviceId").gql()?;
        let input: CapacityInput = input.into();
        let views =
            directory(ctx).write(async |conn| capacity::set(conn, caller(ctx), service, input).await).await.gql()?;
        Ok(views.into_iter().map(ServiceCapacityGql).collect())
    }

    /// Confirms every figure of a service as still right: their age starts again.
    async fn confirm_capacity(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
    ) -> async_graphql::Result<Vec<ServiceCapacityGql>> {
        let service = parse_uuid(&service_id, "serviceId").gql()?;
        let views =
            directory(ctx).write(async |conn| capacity::confirm(conn, caller(ctx), service).await).await.gql()?;
        Ok(views.into_iter().map(ServiceCapacityGql).collect())
    }

    /// Holds one unit of the referral's service for it, for the network's hold time
    /// (`networkSettings.capacityHoldMinutes`). `CONFLICT` when there is no room now.
    async fn hold_capacity(
        &self,
        ctx: &Context<'_>,
        referral_id: ID,
        unit_code: String,
    ) -> async_graphql::Result<CapacityHoldGql> {
        let referral = parse_uuid(&referral_id, "referralId").gql()?;
        let hold = directory(ctx)
            .write(async |conn| holds::place(conn, caller(ctx), referral, &unit_code).await)
            .await
            .gql()?;
        Ok(CapacityHoldGql(hold))
    }

    /// Releases a hold before its time (the holding organization, or the staff keeping
    /// the service).
    async fn release_capacity_hold(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CapacityHoldGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let hold = directory(ctx).write(async |conn| holds::release(conn, caller(ctx), id).await).await.gql()?;
        Ok(CapacityHoldGql(hold))
    }

    /// Makes an update link for one service (those who may set its figures), lasting
    /// `expiresInHours` (default 12, at most 720). The token is shown once.
    async fn create_capacity_update_link(
        &self,
        ctx: &Context<'_>,
        service_id: ID,
        label: String,
        expires_in_hours: Option<i32>,
    ) -> async_graphql::Result<NewCapacityUpdateLink> {
        let service = parse_uuid(&service_id, "serviceId").gql()?;
        let made =
            links::create(&mut *conn(ctx).await.gql()?, caller(ctx), service, &label, expires_in_hours).await.gql()?;
        let path = format!("/capacity/update#{}", made.token);
        Ok(NewCapacityUpdateLink { link: UpdateLinkGql(made.link), token: made.token, path })
    }

    /// Revokes an update link at once.
    async fn revoke_capacity_update_link(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<UpdateLinkGql> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(UpdateLinkGql(links::revoke(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?))
    }

    /// Sets figures of the link's service through an update link (no sign-in). Audited,
    /// rate limited per link.
    async fn update_capacity_by_link(
        &self,
        ctx: &Context<'_>,
        token: String,
        input: Vec<CapacityUpdate>,
    ) -> async_graphql::Result<LinkedServiceGql> {
        let svc = services(ctx);
        let request_id = caller(ctx).request_id.clone();
        let inputs = input.into_iter().map(Into::into).collect();
        let linked = directory(ctx)
            .write(async |conn| links::update(conn, &svc.limiter, &request_id, &token, inputs).await)
            .await
            .gql()?;
        Ok(LinkedServiceGql(linked))
    }

    /// Adds a unit kind (network admins). `code` is lower_snake_case.
    async fn create_capacity_unit_kind(
        &self,
        ctx: &Context<'_>,
        code: String,
        input: CapacityUnitKindInput,
    ) -> async_graphql::Result<UnitKindGql> {
        let input: UnitKindInput = input.into();
        let kind = directory(ctx)
            .write(async |conn| capacity::create_unit_kind(conn, caller(ctx), &code, input).await)
            .await
            .gql()?;
        Ok(kind.into())
    }

    /// Changes a unit kind (network admins), naming the version read.
    async fn update_capacity_unit_kind(
        &self,
        ctx: &Context<'_>,
        code: String,
        version: i32,
        input: CapacityUnitKindInput,
    ) -> async_graphql::Result<UnitKindGql> {
        let input: UnitKindInput = input.into();
        let kind = directory(ctx)
            .write(async |conn| capacity::update_unit_kind(conn, caller(ctx), &code, version, input).await)
            .await
            .gql()?;
        Ok(kind.into())
    }
}
