//! Network-wide settings a network admin configures: consent expiry (default and
//! maximum), follow-up intervals per phase, and which services a minor may consent to
//! alone.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::audit;
use crate::auth::{Actor, Caller};
use crate::db::schema::{network_settings, services};
use crate::error::{AppError, AppResult, expect_version};
use crate::needs::Phase;

/// The network's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = network_settings)]
pub struct NetworkSettings {
    pub consent_default_days: i32,
    pub consent_max_days: i32,
    pub follow_up_acute_days: i32,
    pub follow_up_transitional_days: i32,
    pub follow_up_long_term_days: i32,
    pub version: i32,
    /// How long an advocate's hold on a unit of capacity lasts (default 120).
    pub capacity_hold_minutes: i32,
}

impl NetworkSettings {
    /// Days until the first follow-up of a referral for a need of `phase`.
    pub fn follow_up_days(&self, phase: Phase) -> i32 {
        match phase {
            Phase::Acute => self.follow_up_acute_days,
            Phase::Transitional => self.follow_up_transitional_days,
            Phase::LongTerm => self.follow_up_long_term_days,
        }
    }
}

/// Changes to settings; `None` leaves a value as it is.
#[derive(Clone, Copy, Debug, Default, AsChangeset)]
#[diesel(table_name = network_settings)]
pub struct NetworkSettingsChanges {
    pub consent_default_days: Option<i32>,
    pub consent_max_days: Option<i32>,
    pub follow_up_acute_days: Option<i32>,
    pub follow_up_transitional_days: Option<i32>,
    pub follow_up_long_term_days: Option<i32>,
    pub capacity_hold_minutes: Option<i32>,
}

/// The current settings (for the domain's own use; callers answering a person use [`read`]).
pub async fn get(mut conn: &AsyncPgConnection) -> AppResult<NetworkSettings> {
    Ok(network_settings::table.select(NetworkSettings::as_select()).first(&mut conn).await?)
}

/// The network's settings as a member reads them (any member; not anonymous callers).
pub async fn read(conn: &AsyncPgConnection, actor: &Actor) -> AppResult<NetworkSettings> {
    actor.member()?;
    get(conn).await
}

/// Updates settings (network admins), naming the version read.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    version: i32,
    changes: NetworkSettingsChanges,
) -> AppResult<NetworkSettings> {
    caller.actor.require_network_admin()?;
    for (value, field, min, max) in [
        (changes.consent_default_days, "input.consentDefaultDays", 1, 3650),
        (changes.consent_max_days, "input.consentMaxDays", 1, 3650),
        (changes.follow_up_acute_days, "input.followUpAcuteDays", 0, 365),
        (changes.follow_up_transitional_days, "input.followUpTransitionalDays", 0, 365),
        (changes.follow_up_long_term_days, "input.followUpLongTermDays", 0, 365),
        (changes.capacity_hold_minutes, "input.capacityHoldMinutes", 5, 1440),
    ] {
        if value.is_some_and(|v| !(min..=max).contains(&v)) {
            return Err(AppError::bad_input(field, format!("{field} must be from {min} to {max}")));
        }
    }
    conn.transaction(async |conn| {
        let current = get(conn).await?;
        expect_version("the network's settings", version, current.version)?;
        let default = changes.consent_default_days.unwrap_or(current.consent_default_days);
        let max = changes.consent_max_days.unwrap_or(current.consent_max_days);
        if default > max {
            return Err(AppError::bad_input(
                "input.consentDefaultDays",
                "input.consentDefaultDays cannot exceed the maximum",
            ));
        }
        diesel::update(network_settings::table)
            .set((changes, network_settings::version.eq(version + 1), network_settings::updated_at.eq(Utc::now())))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "settings.update", "network_settings", None).await?;
        get(conn).await
    })
    .await
}

/// Sets whether a minor may consent alone to a service (network admins).
pub async fn set_minor_self_consent(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    service: Uuid,
    allowed: bool,
) -> AppResult<()> {
    caller.actor.require_network_admin()?;
    conn.transaction(async |conn| {
        let n = diesel::update(services::table.find(service).filter(services::archived_at.is_null()))
            .set(services::minor_may_consent_alone.eq(allowed))
            .execute(conn)
            .await?;
        if n == 0 {
            return Err(AppError::NotFound { what: "service" });
        }
        audit::record(conn, caller, "service.set_minor_self_consent", "service", Some(service)).await
    })
    .await
}

/// Whether a minor may consent alone to this service.
pub async fn minor_may_consent_alone(conn: &mut AsyncPgConnection, service: Uuid) -> AppResult<bool> {
    Ok(services::table
        .find(service)
        .select(services::minor_may_consent_alone)
        .first(conn)
        .await
        .optional()?
        .unwrap_or(false))
}
