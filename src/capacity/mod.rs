//! Who has room tonight: capacity per service and unit (beds, family rooms, appointment
//! slots, case-management openings — kinds the network admin keeps), fresh enough to
//! trust, with holds that cannot promise the last bed twice.
//!
//! A figure is what the provider's staff last said: available, maximum, status
//! (`AVAILABLE`, `WAITLIST`, `NO_CAPACITY`), whether referrals are accepted (a switch that
//! overrides the counts), a note, and when and by whom (a person, an API key or an update
//! link). Every figure ever set is kept, append-only, in the database
//! (`service_capacity_history`, written by a trigger).
//!
//! Whether there is **room now** is decided once, here ([`room_state`]), from the figure,
//! its age and the live holds: a figure older than its unit's staleness limit is "call to
//! confirm" and never counts as available; live holds are subtracted. Search, the
//! provider page and holds all ask this one function.
//!
//! Who may set figures: network admins, and provider staff of the organization keeping
//! the listing (the same rule as editing the listing); row-level security holds the same
//! line in the database.

pub(crate) mod holds;
pub(crate) mod hsds;
pub mod links;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::audit;
use crate::auth::{Actor, Caller, Member, Role};
use crate::db::prepared::prepared;
use crate::db::schema::{capacity_unit_kinds, providers, service_capacity, services};
use crate::db::{StoredText, rls};
use crate::directory::Writer;
use crate::error::{AppError, AppResult};
use crate::validate;

/// What a provider says about a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub(crate) enum CapacityStatus {
    Available,
    Waitlist,
    NoCapacity,
}

impl StoredText for CapacityStatus {
    const STORED: &'static [Self] = &[CapacityStatus::Available, CapacityStatus::Waitlist, CapacityStatus::NoCapacity];

    /// The value stored in the database (and the HL7 SDOH capacity status's name).
    fn as_db(self) -> &'static str {
        match self {
            CapacityStatus::Available => "AVAILABLE",
            CapacityStatus::Waitlist => "WAITLIST",
            CapacityStatus::NoCapacity => "NO_CAPACITY",
        }
    }
}

/// What an advocate should make of a figure now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RoomState {
    /// Fresh, accepting referrals, `AVAILABLE`, and at least one unit not held.
    RoomNow,
    /// Fresh and accepting, but on a waitlist.
    Waitlist,
    /// Fresh and accepting, with nothing free (none left, `NO_CAPACITY`, or all held).
    NoCapacity,
    /// The provider is not accepting referrals, whatever the counts say.
    NotAccepting,
    /// The figure is older than its unit's staleness limit: call to confirm.
    CallToConfirm,
}

/// How a figure was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// By a signed-in person.
    Staff,
    /// By an organization's system, with an API key.
    ApiKey,
    /// Through an update link, without signing in.
    UpdateLink,
    /// A held unit was taken when the referral was accepted.
    ReferralAccepted,
    /// A referral was declined for no capacity.
    ReferralDeclined,
    /// Read from an HSDS dataset by `lantern hsds import`.
    Import,
}

impl StoredText for Source {
    const STORED: &'static [Self] = &[
        Source::Staff,
        Source::ApiKey,
        Source::UpdateLink,
        Source::ReferralAccepted,
        Source::ReferralDeclined,
        Source::Import,
    ];

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            Source::Staff => "STAFF",
            Source::ApiKey => "API_KEY",
            Source::UpdateLink => "UPDATE_LINK",
            Source::ReferralAccepted => "REFERRAL_ACCEPTED",
            Source::ReferralDeclined => "REFERRAL_DECLINED",
            Source::Import => "IMPORT",
        }
    }
}

/// A kind of unit the network counts, with its staleness limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnitKind {
    /// Stable code, e.g. `bed` (HSDS `unit.identifier`).
    pub code: String,
    pub name: String,
    /// Past this age a figure is "call to confirm".
    pub stale_after_minutes: i32,
    pub position: i32,
    pub archived: bool,
    pub version: i32,
}

/// The staleness limit of beds when the network admin has not changed it: 12 hours.
pub(crate) const DEFAULT_BED_STALE_AFTER_MINUTES: i32 = 720;

/// Whether a figure set at `set_at` is past its staleness limit at `now`. A figure is
/// fresh up to and including the moment it is exactly `stale_after` old, and stale after.
pub(crate) fn is_stale(set_at: DateTime<Utc>, stale_after: Duration, now: DateTime<Utc>) -> bool {
    now - set_at > stale_after
}

/// Holds still live at `now` among hold expiries: a hold holds strictly before its expiry.
pub(crate) fn live_holds(expiries: &[DateTime<Utc>], now: DateTime<Utc>) -> i32 {
    expiries.iter().filter(|e| **e > now).count() as i32
}

/// The one rule for room now: what an advocate should make of a figure at `now`.
pub(crate) fn room_state(figure: &Figure, now: DateTime<Utc>) -> RoomState {
    if is_stale(figure.set_at, figure.stale_after(), now) {
        return RoomState::CallToConfirm;
    }
    if !figure.accepting_referrals {
        return RoomState::NotAccepting;
    }
    match figure.status {
        CapacityStatus::Waitlist => RoomState::Waitlist,
        CapacityStatus::NoCapacity => RoomState::NoCapacity,
        CapacityStatus::Available if figure.available - live_holds(&figure.hold_expiries, now) > 0 => {
            RoomState::RoomNow
        }
        CapacityStatus::Available => RoomState::NoCapacity,
    }
}

/// Units free to offer at `now`: the figure less live holds, and none at all unless
/// there is room now (a stale figure, a waitlist or a closed door count as none).
pub(crate) fn available_now(figure: &Figure, now: DateTime<Utc>) -> i32 {
    if room_state(figure, now) == RoomState::RoomNow {
        (figure.available - live_holds(&figure.hold_expiries, now)).max(0)
    } else {
        0
    }
}

/// One service's figure for one unit, as last set, with its live holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Figure {
    pub id: Uuid,
    pub service_id: Uuid,
    pub provider_id: Uuid,
    pub unit_code: String,
    pub unit_name: String,
    pub stale_after_minutes: i32,
    pub available: i32,
    pub maximum: Option<i32>,
    pub status: CapacityStatus,
    pub accepting_referrals: bool,
    pub note: Option<String>,
    pub set_at: DateTime<Utc>,
    pub set_by: Option<Uuid>,
    /// The display name of the person who set it.
    pub set_by_name: Option<String>,
    pub set_by_api_key: Option<Uuid>,
    pub set_by_link: Option<Uuid>,
    pub source: Source,
    pub version: i32,
    /// Expiry of each live hold, soonest first.
    pub hold_expiries: Vec<DateTime<Utc>>,
}

impl Figure {
    /// The unit's staleness limit.
    pub fn stale_after(&self) -> Duration {
        Duration::minutes(i64::from(self.stale_after_minutes))
    }
}

/// A figure as one caller may see it, at one moment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CapacityView {
    pub figure: Figure,
    /// The moment the answer is for (every age is measured to it).
    pub as_of: DateTime<Utc>,
    /// `false` for a confidential shelter's figure shown to a caller who may not see where
    /// it is: then only the state, the unit and the age (in whole hours) are shown, as for
    /// its county, never counts, note or who set it.
    pub exact: bool,
    /// The county a confidential shelter is shown as.
    pub county_fips: Option<String>,
    /// The keeping organization's members (not MDT viewers) and network admins: they also
    /// see who set the figure.
    pub insider: bool,
}

impl CapacityView {
    pub fn state(&self) -> RoomState {
        room_state(&self.figure, self.as_of)
    }

    /// Seconds since the figure was set (in whole hours when withheld: the minute a
    /// confidential shelter's staff were at work is not everyone's to know).
    pub fn age_seconds(&self) -> i64 {
        let age = (self.as_of - self.figure.set_at).num_seconds().max(0);
        if self.exact { age } else { age / 3600 * 3600 }
    }
}

#[derive(QueryableByName)]
struct FigureRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    provider_id: Uuid,
    #[diesel(sql_type = Text)]
    unit_code: String,
    #[diesel(sql_type = Text)]
    unit_name: String,
    #[diesel(sql_type = Integer)]
    stale_after_minutes: i32,
    #[diesel(sql_type = Integer)]
    available: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    maximum: Option<i32>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    accepting_referrals: bool,
    #[diesel(sql_type = Nullable<Text>)]
    note: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    set_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    set_by: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    set_by_name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    set_by_api_key: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    set_by_link: Option<Uuid>,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Array<Timestamptz>)]
    expiries: Vec<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    owner: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    confidential_county: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    as_of: DateTime<Utc>,
}

/// A figure with its provider's organization, its confidential location's county (if
/// any) and the moment it was read.
type FigureParts = (Figure, Option<Uuid>, Option<String>, DateTime<Utc>);

impl FigureRow {
    fn into_parts(self) -> AppResult<FigureParts> {
        let figure = Figure {
            id: self.id,
            service_id: self.service_id,
            provider_id: self.provider_id,
            unit_code: self.unit_code,
            unit_name: self.unit_name,
            stale_after_minutes: self.stale_after_minutes,
            available: self.available,
            maximum: self.maximum,
            status: CapacityStatus::decode(&self.status)?,
            accepting_referrals: self.accepting_referrals,
            note: self.note,
            set_at: self.set_at,
            set_by: self.set_by,
            set_by_name: self.set_by_name,
            set_by_api_key: self.set_by_api_key,
            set_by_link: self.set_by_link,
            source: Source::decode(&self.source)?,
            version: self.version,
            hold_expiries: self.expiries,
        };
        Ok((figure, self.owner, self.confidential_county, self.as_of))
    }
}

/// Figures with their live holds, the listing's keeper and a confidential shelter's
/// county, for services, in the units' order. `now()` is the moment of the answer. `$1` and `$2` are the same services.
const FIGURES_SQL: &str = "
    SELECT c.id, c.service_id, c.provider_id, c.unit_code, k.name AS unit_name, k.stale_after_minutes,
           c.available, c.maximum, c.status, c.accepting_referrals, c.note, c.set_at, c.set_by,
           (SELECT u.display_name FROM users u WHERE u.id = c.set_by) AS set_by_name,
           c.set_by_api_key, c.set_by_link, c.source, c.version,
           coalesce(h.expiries, '{}') AS expiries, p.organization_id AS owner,
           (SELECT min(l.county_fips) FROM locations l
             WHERE l.provider_id = c.provider_id AND l.confidential AND l.archived_at IS NULL) AS confidential_county,
           now() AS as_of
    FROM service_capacity c
    JOIN capacity_unit_kinds k ON k.code = c.unit_code
    JOIN providers p ON p.id = c.provider_id
    LEFT JOIN capacity_live_holds(ARRAY(SELECT x.id FROM service_capacity x WHERE x.service_id = ANY ($1))) h
           ON h.capacity_id = c.id
    WHERE c.service_id = ANY ($2) AND k.archived_at IS NULL
    ORDER BY c.service_id, k.position, c.unit_code";

async fn load_rows(mut conn: &AsyncPgConnection, service_ids: &[Uuid]) -> AppResult<Vec<FigureRow>> {
    Ok(prepared(FIGURES_SQL)
        .bind::<Array<SqlUuid>, _>(service_ids)
        .bind::<Array<SqlUuid>, _>(service_ids)
        .load(&mut conn)
        .await?)
}

/// Every figure of these services as `actor` may see it, by service.
pub(crate) async fn for_services(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    service_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<CapacityView>>> {
    let mut out: HashMap<Uuid, Vec<CapacityView>> = HashMap::new();
    for row in load_rows(conn, service_ids).await? {
        let (figure, owner, county, as_of) = row.into_parts()?;
        let exact = county.is_none() || actor.may_see_confidential_location(owner);
        let insider = match actor {
            Actor::Member(m) => {
                m.role == Role::NetworkAdmin || (owner == Some(m.organization_id) && m.role != Role::MdtViewer)
            }
            Actor::Anonymous => false,
        };
        let view = CapacityView { figure, as_of, exact, county_fips: county, insider };
        out.entry(view.figure.service_id).or_default().push(view);
    }
    Ok(out)
}

/// The figures of one service, exactly (for its own staff, a link or a hold).
async fn figures_of(conn: &AsyncPgConnection, service: Uuid) -> AppResult<Vec<(Figure, DateTime<Utc>)>> {
    load_rows(conn, &[service])
        .await?
        .into_iter()
        .map(|r| {
            let (figure, _, _, as_of) = r.into_parts()?;
            Ok((figure, as_of))
        })
        .collect()
}

/// The unit kinds, in order; archived ones only when asked.
pub(crate) async fn unit_kinds(mut conn: &AsyncPgConnection, include_archived: bool) -> AppResult<Vec<UnitKind>> {
    use capacity_unit_kinds as k;
    let mut q = k::table
        .order((k::position, k::code))
        .select((k::code, k::name, k::stale_after_minutes, k::position, k::archived_at.is_not_null(), k::version))
        .into_boxed();
    if !include_archived {
        q = q.filter(k::archived_at.is_null());
    }
    let rows: Vec<(String, String, i32, i32, bool, i32)> = q.load(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|(code, name, stale_after_minutes, position, archived, version)| UnitKind {
            code,
            name,
            stale_after_minutes,
            position,
            archived,
            version,
        })
        .collect())
}

/// A new unit kind or changes to one; `None` leaves a value as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct UnitKindInput {
    pub name: Option<String>,
    pub stale_after_minutes: Option<i32>,
    pub position: Option<i32>,
    pub archived: Option<bool>,
}

fn check_stale_after(minutes: Option<i32>) -> AppResult<()> {
    if minutes.is_some_and(|m| !(1..=43_200).contains(&m)) {
        return Err(AppError::bad_input(
            "input.staleAfterMinutes",
            "input.staleAfterMinutes must be from 1 to 43200 (30 days)",
        ));
    }
    Ok(())
}

/// Adds a unit kind (network admins).
pub(crate) async fn create_unit_kind(
    conn: &mut Writer,
    caller: &Caller,
    code: &str,
    input: UnitKindInput,
) -> AppResult<UnitKind> {
    caller.actor.require_network_admin()?;
    let valid_code = code.len() <= 40
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_code {
        return Err(AppError::bad_input("input.code", "input.code must be lower_snake_case, at most 40 characters"));
    }
    let name = validate::text(input.name.as_deref().unwrap_or(""), "input.name", 80)?;
    let stale = input.stale_after_minutes.unwrap_or(DEFAULT_BED_STALE_AFTER_MINUTES);
    check_stale_after(Some(stale))?;
    let code = code.to_owned();
    conn.transaction(async |conn| {
        use capacity_unit_kinds as k;
        let position = match input.position {
            Some(p) => p,
            None => k::table.select(diesel::dsl::max(k::position)).first::<Option<i32>>(conn).await?.unwrap_or(0) + 1,
        };
        diesel::insert_into(k::table)
            .values((k::code.eq(&code), k::name.eq(&name), k::stale_after_minutes.eq(stale), k::position.eq(position)))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "capacity.unit_kind.create", "capacity_unit_kind", None).await?;
        Ok::<_, AppError>(())
    })
    .await?;
    unit_kind(conn, &code).await
}

async fn unit_kind(conn: &AsyncPgConnection, code: &str) -> AppResult<UnitKind> {
    unit_kinds(conn, true).await?.into_iter().find(|k| k.code == code).ok_or(AppError::NotFound { what: "unit kind" })
}

/// Changes a unit kind (network admins), naming the version read.
pub(crate) async fn update_unit_kind(
    conn: &mut Writer,
    caller: &Caller,
    code: &str,
    version: i32,
    input: UnitKindInput,
) -> AppResult<UnitKind> {
    caller.actor.require_network_admin()?;
    check_stale_after(input.stale_after_minutes)?;
    let name = match input.name.as_deref() {
        Some(n) => Some(validate::text(n, "input.name", 80)?),
        None => None,
    };
    let code_owned = code.to_owned();
    conn.transaction(async |conn| {
        use capacity_unit_kinds as k;
        let current: Option<i32> =
            k::table.find(&code_owned).select(k::version).for_update().first(conn).await.optional()?;
        let current = current.ok_or(AppError::NotFound { what: "unit kind" })?;
        crate::error::expect_version("the unit kind", version, current)?;
        let now = Utc::now();
        diesel::update(k::table.find(&code_owned))
            .set((
                name.map(|n| k::name.eq(n)),
                input.stale_after_minutes.map(|m| k::stale_after_minutes.eq(m)),
                input.position.map(|p| k::position.eq(p)),
                input.archived.map(|a| k::archived_at.eq(if a { Some(now) } else { None })),
                k::version.eq(version + 1),
                k::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "capacity.unit_kind.update", "capacity_unit_kind", None).await
    })
    .await?;
    unit_kind(conn, code).await
}

/// New figures for one unit of a service. `None` keeps what is there; `available` and
/// `adjust_by` are exclusive (a count, or a change to it: the +/− buttons). Without a
/// status, a count above zero is `AVAILABLE` and zero is `NO_CAPACITY` (or stays
/// `WAITLIST`). An empty note clears it. Setting anything, even the same figures,
/// confirms them: their age starts again.
#[derive(Clone, Debug, Default)]
pub(crate) struct CapacityInput {
    pub unit_code: String,
    pub available: Option<i32>,
    pub adjust_by: Option<i32>,
    pub maximum: Option<i32>,
    pub status: Option<CapacityStatus>,
    pub accepting_referrals: Option<bool>,
    pub note: Option<String>,
}

/// Who is setting a figure.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Setter {
    /// A member (a person or an API key) of the keeping organization, or a network admin.
    Member,
    /// An update link (its id).
    Link(Uuid),
}

/// The organization keeping a live service's listing; `NOT_FOUND` for an unknown or
/// archived service.
pub(crate) async fn service_owner(mut conn: &AsyncPgConnection, service: Uuid) -> AppResult<Option<Uuid>> {
    let row: Option<Option<Uuid>> = services::table
        .inner_join(providers::table)
        .filter(services::id.eq(service))
        .filter(services::archived_at.is_null())
        .filter(providers::archived_at.is_null())
        .select(providers::organization_id)
        .first(&mut conn)
        .await
        .optional()?;
    row.ok_or(AppError::NotFound { what: "service" })
}

/// May `actor` set the figures of a service whose listing `owner` keeps? Network admins,
/// and provider staff of that organization: the rule for editing the listing.
pub(crate) fn may_set(actor: &Actor, owner: Option<Uuid>) -> bool {
    actor.may_edit_listing(owner)
}

/// Sets one unit's figures of a service (provider staff of the keeping organization,
/// network admins; people or API keys). Returns the service's figures.
pub(crate) async fn set(
    conn: &mut Writer,
    caller: &Caller,
    service: Uuid,
    input: CapacityInput,
) -> AppResult<Vec<CapacityView>> {
    let member = caller.actor.member()?.clone();
    let owner = service_owner(conn, service).await?;
    if !may_set(&caller.actor, owner) {
        return Err(AppError::Forbidden);
    }
    write(conn, caller, &member, Setter::Member, service, vec![input]).await
}

/// Confirms every figure of a service as still right (their age starts again): one
/// action for night staff when nothing changed.
pub(crate) async fn confirm(conn: &mut Writer, caller: &Caller, service: Uuid) -> AppResult<Vec<CapacityView>> {
    let member = caller.actor.member()?.clone();
    let owner = service_owner(conn, service).await?;
    if !may_set(&caller.actor, owner) {
        return Err(AppError::Forbidden);
    }
    let units: Vec<String> = service_capacity::table
        .filter(service_capacity::service_id.eq(service))
        .select(service_capacity::unit_code)
        .load(conn)
        .await?;
    let inputs = units.into_iter().map(|unit_code| CapacityInput { unit_code, ..Default::default() }).collect();
    write(conn, caller, &member, Setter::Member, service, inputs).await
}

/// The call taking the lock of one figure, given the placeholders of the service and the
/// unit code (see [`lock_figure`]): one text for every statement that takes it.
macro_rules! lock_figure_call {
    ($service:literal, $unit:literal) => {
        concat!("pg_advisory_xact_lock(hashtextextended(", $service, "::text || '/' || ", $unit, ", 18))")
    };
}

/// Serializes every change to one figure (setting it, holding it): holds are placed by
/// organizations that may not lock the figure's row, so all take this lock instead.
pub(crate) async fn lock_figure(conn: &mut AsyncPgConnection, service: Uuid, unit_code: &str) -> AppResult<()> {
    prepared(concat!("SELECT 1 FROM ", lock_figure_call!("$1", "$2")))
        .bind::<SqlUuid, _>(service)
        .bind::<Text, _>(unit_code)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes figures in one transaction acting for `member`'s organization, then reads the
/// service's figures back exactly.
pub(crate) async fn write(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    member: &Member,
    setter: Setter,
    service: Uuid,
    inputs: Vec<CapacityInput>,
) -> AppResult<Vec<CapacityView>> {
    for input in &inputs {
        check_input(input)?;
    }
    let (caller2, acting) = (caller.clone(), member.clone());
    rls::in_org(conn, member, move |conn| {
        Box::pin(async move {
            for input in inputs {
                apply(conn, &acting, setter, service, input, None).await?;
            }
            let (action, target_type, target) = match setter {
                Setter::Member => ("capacity.set", "service", service),
                Setter::Link(link) => ("capacity.update_link.use", "capacity_update_link", link),
            };
            // The audit entry and the read-back go out together (pipelined): one round trip.
            let conn: &AsyncPgConnection = conn;
            let (_, figures) = futures_util::try_join!(
                audit::record(conn, &caller2, action, target_type, Some(target)),
                figures_of(conn, service)
            )?;
            Ok(figures
                .into_iter()
                .map(|(figure, as_of)| CapacityView { figure, as_of, exact: true, county_fips: None, insider: true })
                .collect())
        })
    })
    .await
}

fn check_input(input: &CapacityInput) -> AppResult<()> {
    if input.available.is_some() && input.adjust_by.is_some() {
        return Err(AppError::bad_input("input.adjustBy", "give input.available or input.adjustBy, not both"));
    }
    for (value, field) in [(input.available, "input.available"), (input.maximum, "input.maximum")] {
        if value.is_some_and(|v| !(0..=100_000).contains(&v)) {
            return Err(AppError::bad_input(field, format!("{field} must be from 0 to 100000")));
        }
    }
    if input.adjust_by.is_some_and(|v| !(-100_000..=100_000).contains(&v)) {
        return Err(AppError::bad_input("input.adjustBy", "input.adjustBy must be from -100000 to 100000"));
    }
    validate::optional_text(input.note.as_deref(), "input.note", 500)?;
    Ok(())
}

/// Applies one input inside the caller's transaction (row-level security set): locks the
/// figure, computes the new values and writes them; the history row follows by trigger.
pub(crate) async fn apply(
    conn: &mut AsyncPgConnection,
    member: &Member,
    setter: Setter,
    service: Uuid,
    input: CapacityInput,
    referral: Option<(Uuid, Source)>,
) -> AppResult<()> {
    use service_capacity as c;
    // The figure locked (`lock_figure`) and its unit kind checked in one round trip; an
    // unknown kind's error rolls the transaction, lock and all, back.
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Nullable<Bool>)]
        live: Option<bool>,
    }
    let locked: Locked = prepared(concat!(
        "SELECT (SELECT k.archived_at IS NULL FROM capacity_unit_kinds k WHERE k.code = $1) AS live FROM ",
        lock_figure_call!("$2", "$3")
    ))
    .bind::<Text, _>(&input.unit_code)
    .bind::<SqlUuid, _>(service)
    .bind::<Text, _>(&input.unit_code)
    .get_result(conn)
    .await?;
    if locked.live != Some(true) {
        return Err(AppError::bad_input("input.unitCode", "input.unitCode names no unit kind in use"));
    }
    type Current = (i32, Option<i32>, String, bool, Option<String>);
    let current: Option<Current> = c::table
        .filter(c::service_id.eq(service))
        .filter(c::unit_code.eq(&input.unit_code))
        .select((c::available, c::maximum, c::status, c::accepting_referrals, c::note))
        .first(conn)
        .await
        .optional()?;
    let available = match (input.available, input.adjust_by, &current) {
        (Some(a), _, _) => a,
        (None, Some(by), Some(cur)) => cur.0 + by,
        (None, Some(by), None) => by,
        (None, None, Some(cur)) => cur.0,
        (None, None, None) => {
            return Err(AppError::bad_input("input.available", "input.available is required for a new unit"));
        }
    };
    if available < 0 {
        return Err(AppError::bad_input("input.adjustBy", "input.adjustBy would take the count below zero"));
    }
    let maximum = input.maximum.or(current.as_ref().and_then(|c| c.1));
    if maximum.is_some_and(|m| available > m) {
        let field = if input.adjust_by.is_some() { "input.adjustBy" } else { "input.available" };
        return Err(AppError::bad_input(field, format!("{field}: the count cannot exceed the maximum")));
    }
    let previous_status = current.as_ref().map(|c| CapacityStatus::decode(&c.2)).transpose()?;
    let count_given = input.available.is_some() || input.adjust_by.is_some();
    let status = match (input.status, previous_status) {
        (Some(s), _) => s,
        (None, Some(prev)) if !count_given => prev,
        (None, _) if available > 0 => CapacityStatus::Available,
        (None, Some(CapacityStatus::Waitlist)) => CapacityStatus::Waitlist,
        (None, _) => CapacityStatus::NoCapacity,
    };
    let accepting = input.accepting_referrals.or(current.as_ref().map(|c| c.3)).unwrap_or(true);
    let note = match input.note.as_deref().map(str::trim) {
        Some("") => None,
        Some(n) => Some(n.to_owned()),
        None => current.as_ref().and_then(|c| c.4.clone()),
    };
    let (source, link, referral_id) = match (referral, setter) {
        (Some((id, source)), _) => (source, None, Some(id)),
        (None, Setter::Link(link)) => (Source::UpdateLink, Some(link), None),
        (None, Setter::Member) if member.api_key_id.is_some() => (Source::ApiKey, None, None),
        (None, Setter::Member) => (Source::Staff, None, None),
    };
    let now = Utc::now();
    if current.is_some() {
        prepared(UPDATE_FIGURE_SQL)
            .bind::<Integer, _>(available)
            .bind::<Nullable<Integer>, _>(maximum)
            .bind::<Text, _>(status.as_db())
            .bind::<Bool, _>(accepting)
            .bind::<Nullable<Text>, _>(note)
            .bind::<Timestamptz, _>(now)
            .bind::<Nullable<SqlUuid>, _>(member.user_id)
            .bind::<Nullable<SqlUuid>, _>(member.api_key_id)
            .bind::<Nullable<SqlUuid>, _>(link)
            .bind::<Text, _>(source.as_db())
            .bind::<Nullable<SqlUuid>, _>(referral_id)
            .bind::<SqlUuid, _>(service)
            .bind::<Text, _>(&input.unit_code)
            .execute(conn)
            .await?;
    } else {
        // provider_id is set by a trigger from the service.
        let provider: Uuid = services::table.find(service).select(services::provider_id).first(conn).await?;
        diesel::insert_into(c::table)
            .values((
                c::available.eq(available),
                c::maximum.eq(maximum),
                c::status.eq(status.as_db()),
                c::accepting_referrals.eq(accepting),
                c::note.eq(note),
                c::set_at.eq(now),
                c::set_by.eq(member.user_id),
                c::set_by_api_key.eq(member.api_key_id),
                c::set_by_link.eq(link),
                c::source.eq(source.as_db()),
                c::referral_id.eq(referral_id),
                c::service_id.eq(service),
                c::unit_code.eq(&input.unit_code),
                c::provider_id.eq(provider),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A figure's new values (`apply`), written by hand because diesel plans every UPDATE
/// afresh and this one runs for every capacity change ([`prepared`]).
const UPDATE_FIGURE_SQL: &str = "UPDATE service_capacity SET available = $1, maximum = $2, status = $3,
    accepting_referrals = $4, note = $5, set_at = $6, set_by = $7, set_by_api_key = $8, set_by_link = $9,
    source = $10, referral_id = $11, version = version + 1
    WHERE service_id = $12 AND unit_code = $13";

/// One entry of a figure's history.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Change {
    pub unit_code: String,
    pub available: i32,
    pub maximum: Option<i32>,
    pub status: CapacityStatus,
    pub accepting_referrals: bool,
    pub note: Option<String>,
    pub set_at: DateTime<Utc>,
    pub set_by: Option<Uuid>,
    pub set_by_api_key: Option<Uuid>,
    pub set_by_link: Option<Uuid>,
    pub source: Source,
    pub referral_id: Option<Uuid>,
}

/// A history entry as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::service_capacity_history)]
struct ChangeRow {
    unit_code: String,
    available: i32,
    maximum: Option<i32>,
    status: String,
    accepting_referrals: bool,
    note: Option<String>,
    set_at: DateTime<Utc>,
    set_by: Option<Uuid>,
    set_by_api_key: Option<Uuid>,
    set_by_link: Option<Uuid>,
    source: String,
    referral_id: Option<Uuid>,
}

/// A service's history of figures, newest first (the keeping organization's members but
/// MDT viewers, and network admins).
pub(crate) async fn history(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    service: Uuid,
    limit: i64,
) -> AppResult<Vec<Change>> {
    let member = caller.actor.member()?.clone();
    let owner = service_owner(conn, service).await?;
    let allowed =
        member.role == Role::NetworkAdmin || (owner == Some(member.organization_id) && member.role != Role::MdtViewer);
    if !allowed {
        return Err(AppError::Forbidden);
    }
    rls::in_org(conn, &member.clone(), move |conn| {
        Box::pin(async move {
            use crate::db::schema::service_capacity_history as h;
            let rows: Vec<ChangeRow> = h::table
                .filter(h::service_id.eq(service))
                .order((h::set_at.desc(), h::id.desc()))
                .limit(limit)
                .select(ChangeRow::as_select())
                .load(conn)
                .await?;
            rows.into_iter()
                .map(|r| {
                    Ok(Change {
                        unit_code: r.unit_code,
                        available: r.available,
                        maximum: r.maximum,
                        status: CapacityStatus::decode(&r.status)?,
                        accepting_referrals: r.accepting_referrals,
                        note: r.note,
                        set_at: r.set_at,
                        set_by: r.set_by,
                        set_by_api_key: r.set_by_api_key,
                        set_by_link: r.set_by_link,
                        source: Source::decode(&r.source)?,
                        referral_id: r.referral_id,
                    })
                })
                .collect()
        })
    })
    .await
}

/// One county of the "room now" view of a need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CountyRoom {
    pub county_fips: String,
    pub county_name: String,
    /// Providers located in or serving the county with a service meeting the need (as
    /// `searchProviders` counts them for the county).
    pub providers: i64,
    /// Of those, providers with room now at such a service.
    pub with_room_now: i64,
}

impl CountyRoom {
    /// The county's colour on the gap map's "room now" view: `NO_PROVIDER` when no
    /// provider could meet the need, `NO_ROOM` when none of them has room now, else
    /// `ROOM_NOW`.
    pub fn status(&self) -> &'static str {
        match (self.providers, self.with_room_now) {
            (0, _) => "NO_PROVIDER",
            (_, 0) => "NO_ROOM",
            _ => "ROOM_NOW",
        }
    }
}

/// Every county, for one need: how many providers could meet it and how many have room
/// now (`service_has_room`). A county with providers and none with room now is where
/// there is no room tonight. Network members only (as the gap matrix).
pub(crate) async fn room_by_county(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    need: &str,
) -> AppResult<Vec<CountyRoom>> {
    actor.member()?;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        fips: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        providers: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        with_room: i64,
    }
    let known: i64 = diesel::sql_query("SELECT count(*) AS n FROM need_categories WHERE code = $1")
        .bind::<Text, _>(need)
        .get_result::<Count>(conn)
        .await?
        .n;
    if known == 0 {
        return Err(AppError::bad_input("need", "need is not a known need code"));
    }
    let rows: Vec<Row> = diesel::sql_query(
        "WITH meeting AS (
             SELECT s.provider_id, bool_or(service_has_room(s.id, now())) AS room
             FROM services s
             JOIN service_needs sn ON sn.service_id = s.id AND sn.need_code = $1
             JOIN providers p ON p.id = s.provider_id AND p.archived_at IS NULL
             WHERE s.archived_at IS NULL
             GROUP BY s.provider_id)
         SELECT c.fips, c.name, count(m.provider_id) AS providers, count(m.provider_id) FILTER (WHERE m.room) AS with_room
         FROM counties c
         LEFT JOIN provider_counties pc ON pc.county_fips = c.fips
         LEFT JOIN meeting m ON m.provider_id = pc.provider_id
         GROUP BY c.fips, c.name ORDER BY c.name",
    )
    .bind::<Text, _>(need)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CountyRoom {
            county_fips: r.fips,
            county_name: r.name,
            providers: r.providers,
            with_room_now: r.with_room,
        })
        .collect())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(set_at: DateTime<Utc>) -> Figure {
        Figure {
            id: Uuid::nil(),
            service_id: Uuid::nil(),
            provider_id: Uuid::nil(),
            unit_code: "bed".into(),
            unit_name: "Bed".into(),
            stale_after_minutes: DEFAULT_BED_STALE_AFTER_MINUTES,
            available: 1,
            maximum: Some(10),
            status: CapacityStatus::Available,
            accepting_referrals: true,
            note: None,
            set_at,
            set_by: None,
            set_by_name: None,
            set_by_api_key: None,
            set_by_link: None,
            source: Source::Staff,
            version: 1,
            hold_expiries: vec![],
        }
    }

    #[test]
    fn a_figure_is_fresh_up_to_its_limit_exactly_and_stale_after() {
        let set_at = Utc::now();
        let limit = Duration::hours(12);
        assert!(!is_stale(set_at, limit, set_at));
        assert!(!is_stale(set_at, limit, set_at + limit - Duration::microseconds(1)));
        assert!(!is_stale(set_at, limit, set_at + limit));
        assert!(is_stale(set_at, limit, set_at + limit + Duration::microseconds(1)));
        let f = figure(set_at);
        assert_eq!(room_state(&f, set_at + limit), RoomState::RoomNow);
        assert_eq!(available_now(&f, set_at + limit), 1);
        assert_eq!(room_state(&f, set_at + limit + Duration::microseconds(1)), RoomState::CallToConfirm);
        assert_eq!(available_now(&f, set_at + limit + Duration::microseconds(1)), 0);
    }

    #[test]
    fn holds_count_until_they_expire_and_the_switch_overrides_the_counts() {
        let now = Utc::now();
        let mut f = figure(now);
        f.hold_expiries = vec![now + Duration::hours(2)];
        assert_eq!(room_state(&f, now), RoomState::NoCapacity);
        assert_eq!(available_now(&f, now), 0);
        // A hold holds strictly before its expiry.
        assert_eq!(room_state(&f, now + Duration::hours(2)), RoomState::RoomNow);
        f.hold_expiries.clear();
        f.accepting_referrals = false;
        assert_eq!(room_state(&f, now), RoomState::NotAccepting);
        f.accepting_referrals = true;
        f.status = CapacityStatus::Waitlist;
        assert_eq!(room_state(&f, now), RoomState::Waitlist);
        assert_eq!(available_now(&f, now), 0);
        f.status = CapacityStatus::Available;
        f.available = 0;
        assert_eq!(room_state(&f, now), RoomState::NoCapacity);
    }

    #[test]
    fn a_withheld_figure_tells_its_age_in_whole_hours() {
        let now = Utc::now();
        let f = figure(now - Duration::seconds(2 * 3600 + 125));
        let mut view = CapacityView { figure: f, as_of: now, exact: true, county_fips: None, insider: false };
        assert_eq!(view.age_seconds(), 2 * 3600 + 125);
        view.exact = false;
        assert_eq!(view.age_seconds(), 2 * 3600);
    }
}
