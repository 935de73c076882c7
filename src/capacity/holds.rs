//! Holds: the organization sending a referral holds one unit of the service for it, for a
//! limited time (`networkSettings.capacityHoldMinutes`, default 2 hours). While the hold
//! lasts the unit does not count as available to anyone else; accepting the referral
//! converts it (the unit is taken: the figure drops by one), declining or cancelling the
//! referral, releasing the hold, or its expiry frees the unit.
//!
//! Placing a hold takes the figure's lock ([`super::lock_figure`]), counts the live holds
//! of every organization (`capacity_live_holds`, which sees them all) and checks the one
//! rule for room now ([`super::room_state`]), so of many advocates holding the last bed at
//! once exactly one succeeds.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{CapacityInput, CapacityStatus, RoomState, Setter, Source};
use crate::auth::{Caller, Member};
use crate::clients::CLIENT_ROLES;
use crate::db::StoredText;
use crate::db::rls;
use crate::db::schema::{capacity_holds, referrals, service_capacity};
use crate::directory::Writer;
use crate::error::{AppError, AppResult};
use crate::referrals::{DeclineReason, Status};
use crate::{audit, network_settings};

/// Where a hold is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HoldStatus {
    /// Holding a unit until `expires_at`.
    Active,
    /// The referral was accepted: the unit was taken.
    Converted,
    /// Declined, cancelled or released before it expired.
    Released,
    /// Past its time.
    Expired,
}

impl StoredText for HoldStatus {
    const STORED: &'static [Self] =
        &[HoldStatus::Active, HoldStatus::Converted, HoldStatus::Released, HoldStatus::Expired];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            HoldStatus::Active => "ACTIVE",
            HoldStatus::Converted => "CONVERTED",
            HoldStatus::Released => "RELEASED",
            HoldStatus::Expired => "EXPIRED",
        }
    }
}

/// A hold on one unit of a service for one referral.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Hold {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub service_id: Uuid,
    pub unit_code: String,
    /// The organization holding it (the referral's sender).
    pub organization_id: Uuid,
    pub held_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// As stored; [`Hold::status_at`] tells an active hold past its time as expired.
    pub stored_status: HoldStatus,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

impl Hold {
    /// The hold's status at `now`: an active hold is expired from its expiry on.
    pub fn status_at(&self, now: DateTime<Utc>) -> HoldStatus {
        if self.stored_status == HoldStatus::Active && self.expires_at <= now {
            HoldStatus::Expired
        } else {
            self.stored_status
        }
    }
}

/// A hold as stored, with its figure's service and unit.
#[derive(Queryable, Selectable)]
#[diesel(table_name = capacity_holds)]
struct HoldRow {
    id: Uuid,
    referral_id: Uuid,
    #[diesel(select_expression = service_capacity::service_id)]
    service_id: Uuid,
    #[diesel(select_expression = service_capacity::unit_code)]
    unit_code: String,
    organization_id: Uuid,
    held_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    status: String,
    ended_at: Option<DateTime<Utc>>,
    end_reason: Option<String>,
}

fn from_row(r: HoldRow) -> AppResult<Hold> {
    Ok(Hold {
        id: r.id,
        referral_id: r.referral_id,
        service_id: r.service_id,
        unit_code: r.unit_code,
        organization_id: r.organization_id,
        held_by: r.held_by,
        created_at: r.created_at,
        expires_at: r.expires_at,
        stored_status: HoldStatus::decode(&r.status)?,
        ended_at: r.ended_at,
        end_reason: r.end_reason,
    })
}

/// Holds one unit of the referral's service for it (the sending organization's
/// coordinators, advocates and provider staff). `CONFLICT` when there is no room now (none
/// free, stale, waitlist, not accepting) or the referral already holds a unit.
pub(crate) async fn place(conn: &mut Writer, caller: &Caller, referral: Uuid, unit_code: &str) -> AppResult<Hold> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let (caller2, acting, unit_code) = (caller.clone(), member.clone(), unit_code.to_owned());
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let row: Option<(Uuid, String)> = referrals::table
                .find(referral)
                .filter(referrals::sender_organization_id.eq(acting.organization_id))
                .select((referrals::service_id, referrals::status))
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let (service, status) = row.ok_or(AppError::NotFound { what: "referral" })?;
            if !matches!(Status::decode(&status)?, Status::Draft | Status::Sent) {
                return Err(AppError::bad_input(
                    "referralId",
                    "referralId: only a draft or a referral awaiting its answer can hold a unit",
                ));
            }
            let figure: Option<Uuid> = service_capacity::table
                .filter(service_capacity::service_id.eq(service))
                .filter(service_capacity::unit_code.eq(&unit_code))
                .select(service_capacity::id)
                .first(conn)
                .await
                .optional()?;
            let figure = figure.ok_or_else(|| {
                AppError::bad_input("unitCode", "unitCode: the service gives no figures for this unit")
            })?;
            super::lock_figure(conn, service, &unit_code).await?;
            // A hold of this referral past its time is over: record it, so a new one can start.
            let now = Utc::now();
            diesel::update(
                capacity_holds::table
                    .filter(capacity_holds::referral_id.eq(referral))
                    .filter(capacity_holds::status.eq(HoldStatus::Active.as_db()))
                    .filter(capacity_holds::expires_at.le(now)),
            )
            .set((
                capacity_holds::status.eq(HoldStatus::Expired.as_db()),
                capacity_holds::ended_at.eq(capacity_holds::expires_at.nullable()),
                capacity_holds::end_reason.eq("EXPIRED"),
            ))
            .execute(conn)
            .await?;
            // The database's clock decides, as it does for the live holds counted.
            let (current, as_of) = super::figures_of(conn, service)
                .await?
                .into_iter()
                .find(|(f, _)| f.id == figure)
                .ok_or(AppError::NotFound { what: "capacity" })?;
            match super::room_state(&current, as_of) {
                RoomState::RoomNow => {}
                RoomState::CallToConfirm => {
                    return Err(AppError::Conflict {
                        message: "the figure is too old to hold on: call the provider to confirm".into(),
                    });
                }
                _ => return Err(AppError::Conflict { message: "no room to hold: none free now".into() }),
            }
            let minutes = network_settings::get(conn).await?.capacity_hold_minutes;
            let expires_at = as_of + Duration::minutes(i64::from(minutes));
            let id: Uuid = diesel::insert_into(capacity_holds::table)
                .values((
                    capacity_holds::capacity_id.eq(figure),
                    capacity_holds::referral_id.eq(referral),
                    capacity_holds::organization_id.eq(acting.organization_id),
                    capacity_holds::held_by.eq(acting.user_id),
                    capacity_holds::created_at.eq(as_of),
                    capacity_holds::expires_at.eq(expires_at),
                ))
                .returning(capacity_holds::id)
                .get_result(conn)
                .await
                .map_err(|e| match AppError::from(e) {
                    AppError::Conflict { .. } => {
                        AppError::Conflict { message: "this referral already holds a unit".into() }
                    }
                    other => other,
                })?;
            audit::record(conn, &caller2, "capacity.hold.place", "capacity_hold", Some(id)).await?;
            load(conn, id).await?.ok_or(AppError::NotFound { what: "hold" })
        })
    })
    .await
}

async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Hold>> {
    let row: Option<HoldRow> = capacity_holds::table
        .inner_join(service_capacity::table)
        .filter(capacity_holds::id.eq(id))
        .select(HoldRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(from_row).transpose()
}

/// Releases a hold before its time: the holding organization (its coordinators,
/// advocates and provider staff), or the staff of the organization keeping the service.
pub(crate) async fn release(conn: &mut Writer, caller: &Caller, id: Uuid) -> AppResult<Hold> {
    let member = caller.actor.member()?.clone();
    let caller2 = caller.clone();
    let acting = member.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let hold = load(conn, id).await?.ok_or(AppError::NotFound { what: "hold" })?;
            let owner = super::service_owner(conn, hold.service_id).await.ok().flatten();
            let holder = hold.organization_id == acting.organization_id && CLIENT_ROLES.contains(&acting.role);
            if !holder && !super::may_set(&caller2.actor, owner) {
                return Err(AppError::Forbidden);
            }
            if hold.status_at(Utc::now()) != HoldStatus::Active {
                return Err(AppError::Conflict { message: "the hold has already ended".into() });
            }
            end(conn, &[id], HoldStatus::Released, "RELEASED").await?;
            audit::record(conn, &caller2, "capacity.hold.release", "capacity_hold", Some(id)).await?;
            load(conn, id).await?.ok_or(AppError::NotFound { what: "hold" })
        })
    })
    .await
}

async fn end(conn: &mut AsyncPgConnection, ids: &[Uuid], status: HoldStatus, reason: &str) -> AppResult<()> {
    diesel::update(capacity_holds::table.filter(capacity_holds::id.eq_any(ids)))
        .set((
            capacity_holds::status.eq(status.as_db()),
            capacity_holds::ended_at.eq(Utc::now()),
            capacity_holds::end_reason.eq(reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Holds the caller's organization may see (its own, and those on services it keeps),
/// for a referral or a service, newest first.
pub(crate) async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    referral: Option<Uuid>,
    service: Option<Uuid>,
) -> AppResult<Vec<Hold>> {
    let member = caller.actor.member()?.clone();
    if member.role == crate::auth::Role::MdtViewer {
        return Err(AppError::Forbidden);
    }
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            let mut q = capacity_holds::table
                .inner_join(service_capacity::table)
                .order((capacity_holds::created_at.desc(), capacity_holds::id))
                .select(HoldRow::as_select())
                .limit(100)
                .into_boxed();
            if let Some(r) = referral {
                q = q.filter(capacity_holds::referral_id.eq(r));
            }
            if let Some(s) = service {
                q = q.filter(service_capacity::service_id.eq(s));
            }
            let rows: Vec<HoldRow> = q.load(conn).await?;
            rows.into_iter().map(from_row).collect()
        })
    })
    .await
}

/// What a referral's move means for its hold and the service's figures, inside the
/// transaction that moves it (acting for the mover's organization): accepting converts a
/// live hold (the unit is taken); declining, cancelling or "unable to reach" frees it;
/// declining for `NO_CAPACITY` records that the service had none at that moment — on the
/// held unit, or on every unit of the service when none was held — when the decliner's
/// organization keeps the listing.
pub(crate) async fn on_referral_moved(
    conn: &mut AsyncPgConnection,
    member: &Member,
    referral: Uuid,
    service: Uuid,
    to: Status,
    reason: Option<DeclineReason>,
) -> AppResult<()> {
    let live: Vec<(Uuid, String, DateTime<Utc>)> = capacity_holds::table
        .inner_join(service_capacity::table)
        .filter(capacity_holds::referral_id.eq(referral))
        .filter(capacity_holds::status.eq(HoldStatus::Active.as_db()))
        .select((capacity_holds::id, service_capacity::unit_code, capacity_holds::expires_at))
        .load(conn)
        .await?;
    let now = Utc::now();
    let keeps_listing = super::service_owner(conn, service).await.ok().flatten() == Some(member.organization_id);
    match to {
        Status::Accepted => {
            for (id, unit_code, expires_at) in &live {
                if *expires_at > now {
                    end(conn, &[*id], HoldStatus::Converted, "ACCEPTED").await?;
                    if keeps_listing {
                        let input =
                            CapacityInput { unit_code: unit_code.clone(), adjust_by: Some(-1), ..Default::default() };
                        taken_or_full(conn, member, service, input, referral, Source::ReferralAccepted).await?;
                    }
                } else {
                    end(conn, &[*id], HoldStatus::Expired, "EXPIRED").await?;
                }
            }
        }
        Status::Declined | Status::Cancelled | Status::UnableToReach => {
            let why = if to == Status::Declined { "DECLINED" } else { "CANCELLED" };
            let ids: Vec<Uuid> = live.iter().map(|h| h.0).collect();
            if !ids.is_empty() {
                end(conn, &ids, HoldStatus::Released, why).await?;
            }
            if reason == Some(DeclineReason::NoCapacity) && keeps_listing {
                let units: Vec<String> = if live.is_empty() {
                    service_capacity::table
                        .filter(service_capacity::service_id.eq(service))
                        .select(service_capacity::unit_code)
                        .load(conn)
                        .await?
                } else {
                    live.iter().map(|h| h.1.clone()).collect()
                };
                for unit_code in units {
                    let input = CapacityInput {
                        unit_code,
                        available: Some(0),
                        status: Some(CapacityStatus::NoCapacity),
                        ..Default::default()
                    };
                    taken_or_full(conn, member, service, input, referral, Source::ReferralDeclined).await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Writes a figure a referral's answer implies; a count already at zero stays there.
async fn taken_or_full(
    conn: &mut AsyncPgConnection,
    member: &Member,
    service: Uuid,
    mut input: CapacityInput,
    referral: Uuid,
    source: Source,
) -> AppResult<()> {
    if input.adjust_by.is_some() {
        let current: Option<i32> = service_capacity::table
            .filter(service_capacity::service_id.eq(service))
            .filter(service_capacity::unit_code.eq(&input.unit_code))
            .select(service_capacity::available)
            .first(conn)
            .await
            .optional()?;
        if current.unwrap_or(0) == 0 {
            input.adjust_by = None;
        }
    }
    super::apply(conn, member, Setter::Member, service, input, Some((referral, source))).await
}
