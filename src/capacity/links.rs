//! Update links: a single-purpose, expiring, revocable link that lets night staff set one
//! service's figures without signing in. The link is `/capacity/update#<token>`: the
//! token travels in the fragment, which browsers never send, and then only in a GraphQL
//! request body, so it appears in no address bar request, access log or `Referer`. It is
//! stored only as its SHA-256. It does nothing but read and set that one service's
//! figures: it is no bearer token, and names no other service. Every use is audited
//! (`capacity.update_link.open`, `capacity.update_link.use`) and counted on the link, and
//! uses are rate limited per link.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{CapacityInput, CapacityView, Setter};
use crate::audit;
use crate::auth::credentials::{new_token, token_fingerprint, token_hash};
use crate::auth::{Actor, Caller, Member, Role};
use crate::db::schema::{capacity_update_links, services};
use crate::directory::Writer;
use crate::error::{AppError, AppResult};
use crate::rate_limit::RateLimiter;
use crate::validate;

/// Every update-link token starts with this.
pub const TOKEN_PREFIX: &str = "lcu_";
/// Uses of one link per minute (a person at a desk needs a handful).
pub const USES_PER_MINUTE: u32 = 30;
/// A link lasts 12 hours unless its maker says otherwise…
pub(crate) const DEFAULT_HOURS: i32 = 12;
/// …and at most 30 days.
pub(crate) const MAX_HOURS: i32 = 720;

/// An update link (never its token).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UpdateLink {
    pub id: Uuid,
    pub service_id: Uuid,
    pub organization_id: Uuid,
    pub label: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub uses: i32,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new link and its token, shown once.
#[derive(Clone, Debug)]
pub(crate) struct NewUpdateLink {
    pub link: UpdateLink,
    pub token: String,
}

/// An update link as stored (never its token's hash).
#[derive(Queryable, Selectable)]
#[diesel(table_name = capacity_update_links)]
struct LinkRow {
    id: Uuid,
    service_id: Uuid,
    organization_id: Uuid,
    label: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    uses: i32,
    last_used_at: Option<DateTime<Utc>>,
}

fn from_row(r: LinkRow) -> UpdateLink {
    UpdateLink {
        id: r.id,
        service_id: r.service_id,
        organization_id: r.organization_id,
        label: r.label,
        created_by: r.created_by,
        created_at: r.created_at,
        expires_at: r.expires_at,
        revoked_at: r.revoked_at,
        uses: r.uses,
        last_used_at: r.last_used_at,
    }
}

/// Makes an update link for one service (those who may set its figures). The link acts
/// for the organization keeping the listing, and stops working if it no longer does.
pub(crate) async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    service: Uuid,
    label: &str,
    hours: Option<i32>,
) -> AppResult<NewUpdateLink> {
    let member = caller.actor.member()?.clone();
    let owner = super::service_owner(conn, service).await?;
    if !super::may_set(&caller.actor, owner) {
        return Err(AppError::Forbidden);
    }
    let owner = owner.ok_or_else(|| {
        AppError::bad_input("serviceId", "serviceId: the listing is kept by no organization to act for")
    })?;
    let label = validate::text(label, "label", 80)?;
    let hours = hours.unwrap_or(DEFAULT_HOURS);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(AppError::bad_input("expiresInHours", format!("expiresInHours must be from 1 to {MAX_HOURS}")));
    }
    let token = new_token(TOKEN_PREFIX);
    let now = Utc::now();
    let id = conn
        .transaction(async |conn| {
            let id: Uuid = diesel::insert_into(capacity_update_links::table)
                .values((
                    capacity_update_links::service_id.eq(service),
                    capacity_update_links::organization_id.eq(owner),
                    capacity_update_links::token_hash.eq(token_hash(&token)),
                    capacity_update_links::label.eq(&label),
                    capacity_update_links::created_by.eq(member.user_id),
                    capacity_update_links::created_by_api_key.eq(member.api_key_id),
                    capacity_update_links::created_at.eq(now),
                    capacity_update_links::expires_at.eq(now + Duration::hours(i64::from(hours))),
                ))
                .returning(capacity_update_links::id)
                .get_result(conn)
                .await?;
            audit::record(conn, caller, "capacity.update_link.create", "capacity_update_link", Some(id)).await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    let link = by_id(conn, id).await?.ok_or(AppError::NotFound { what: "update link" })?;
    Ok(NewUpdateLink { link, token })
}

async fn by_id(mut conn: &AsyncPgConnection, id: Uuid) -> AppResult<Option<UpdateLink>> {
    let row: Option<LinkRow> =
        capacity_update_links::table.find(id).select(LinkRow::as_select()).first(&mut conn).await.optional()?;
    Ok(row.map(from_row))
}

/// A service's links, newest first (those who may set its figures).
pub(crate) async fn list(conn: &mut AsyncPgConnection, caller: &Caller, service: Uuid) -> AppResult<Vec<UpdateLink>> {
    let owner = super::service_owner(conn, service).await?;
    if !super::may_set(&caller.actor, owner) {
        return Err(AppError::Forbidden);
    }
    let rows: Vec<LinkRow> = capacity_update_links::table
        .filter(capacity_update_links::service_id.eq(service))
        .order((capacity_update_links::created_at.desc(), capacity_update_links::id))
        .limit(100)
        .select(LinkRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Revokes a link at once (those who may set its service's figures).
pub(crate) async fn revoke(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<UpdateLink> {
    let member = caller.actor.member()?.clone();
    let link = by_id(conn, id).await?.ok_or(AppError::NotFound { what: "update link" })?;
    let owner = super::service_owner(conn, link.service_id).await.ok().flatten();
    if !super::may_set(&caller.actor, owner) {
        return Err(AppError::Forbidden);
    }
    conn.transaction(async |conn| {
        diesel::update(capacity_update_links::table.find(id).filter(capacity_update_links::revoked_at.is_null()))
            .set((
                capacity_update_links::revoked_at.eq(Utc::now()),
                capacity_update_links::revoked_by.eq(member.user_id),
            ))
            .execute(conn)
            .await?;
        audit::record(conn, caller, "capacity.update_link.revoke", "capacity_update_link", Some(id)).await
    })
    .await?;
    by_id(conn, id).await?.ok_or(AppError::NotFound { what: "update link" })
}

/// The one answer for a token that does not work, whatever the reason (unknown, expired,
/// revoked, its service gone or kept by another organization now): no probing.
fn not_valid() -> AppError {
    AppError::bad_input(
        "token",
        "this update link does not work (it expired, was revoked or is unknown); ask for a new one",
    )
}

/// The live link a token opens, counting the use against the link's rate limit.
async fn resolve(conn: &mut AsyncPgConnection, limiter: &RateLimiter, token: &str) -> AppResult<UpdateLink> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(not_valid());
    }
    limiter
        .check(&format!("capacity-link:{}", token_fingerprint(token)), USES_PER_MINUTE)
        .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
    let row: Option<LinkRow> = capacity_update_links::table
        .filter(capacity_update_links::token_hash.eq(token_hash(token)))
        .select(LinkRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let link = row.map(from_row).ok_or_else(not_valid)?;
    if link.revoked_at.is_some() || link.expires_at <= Utc::now() {
        return Err(not_valid());
    }
    match super::service_owner(conn, link.service_id).await {
        Ok(Some(owner)) if owner == link.organization_id => Ok(link),
        Ok(_) | Err(AppError::NotFound { .. }) => Err(not_valid()),
        Err(e) => Err(e),
    }
}

/// Who acts through a link: the keeping organization, as nobody in particular (no user,
/// no key), with the rights of its provider staff over this one service only.
fn acting(link: &UpdateLink, request_id: &str) -> (Member, Caller) {
    let member = Member {
        user_id: None,
        api_key_id: None,
        session_id: None,
        organization_id: link.organization_id,
        role: Role::ProviderStaff,
    };
    let caller = Caller { actor: Actor::Member(member.clone()), request_id: request_id.to_owned() };
    (member, caller)
}

/// What a link shows: its service and its figures.
#[derive(Clone, Debug)]
pub(crate) struct LinkedService {
    pub link: UpdateLink,
    pub service_name: String,
    pub provider_name: String,
    pub figures: Vec<CapacityView>,
}

async fn linked(
    conn: &mut AsyncPgConnection,
    link: UpdateLink,
    figures: Vec<CapacityView>,
) -> AppResult<LinkedService> {
    use crate::db::schema::providers;
    let (service_name, provider_name): (String, String) = services::table
        .inner_join(providers::table)
        .filter(services::id.eq(link.service_id))
        .select((services::name, providers::name))
        .first(conn)
        .await?;
    Ok(LinkedService { link, service_name, provider_name, figures })
}

/// Opens a link: its service's figures, exactly (the link is the keeping organization's).
pub(crate) async fn open(
    conn: &mut AsyncPgConnection,
    limiter: &RateLimiter,
    request_id: &str,
    token: &str,
) -> AppResult<LinkedService> {
    let link = resolve(conn, limiter, token).await?;
    let (_, caller) = acting(&link, request_id);
    let id = link.id;
    conn.transaction(async |conn| {
        audit::record(conn, &caller, "capacity.update_link.open", "capacity_update_link", Some(id)).await
    })
    .await?;
    let figures = super::figures_of(conn, link.service_id)
        .await?
        .into_iter()
        .map(|(figure, as_of)| CapacityView { figure, as_of, exact: true, county_fips: None, insider: true })
        .collect();
    linked(conn, link, figures).await
}

/// Sets figures of the link's service through the link.
pub(crate) async fn update(
    conn: &mut Writer,
    limiter: &RateLimiter,
    request_id: &str,
    token: &str,
    inputs: Vec<CapacityInput>,
) -> AppResult<LinkedService> {
    if inputs.is_empty() {
        return Err(AppError::bad_input("input", "input must name at least one unit"));
    }
    let link = resolve(conn, limiter, token).await?;
    let (member, caller) = acting(&link, request_id);
    diesel::update(capacity_update_links::table.find(link.id))
        .set((
            capacity_update_links::uses.eq(capacity_update_links::uses + 1),
            capacity_update_links::last_used_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    let figures = super::write(conn, &caller, &member, Setter::Link(link.id), link.service_id, inputs).await?;
    let link = by_id(conn, link.id).await?.ok_or_else(not_valid)?;
    linked(conn, link, figures).await
}
