//! Access granted in an organization by someone outside it.
//!
//! A network admin may give anyone (themselves included) a role in any organization, or
//! create an API key for it, and so read its clients. That power stays, but it is never
//! silent: every membership or key granted in an organization by someone not acting for
//! that organization is recorded (append-only) in the same transaction as the grant,
//! announced to the organization as an `access.granted` event (ids only), and listed for
//! its coordinators.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::User;
use crate::auth::{Actor, Caller, Role};
use crate::db::StoredText;
use crate::db::schema::{access_grants, api_keys, users};
use crate::error::AppResult;
use crate::notify::{self, EventType};

/// Who was given access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grantee {
    /// A user given (or changed to) a role by a membership.
    User(Uuid),
    /// An API key created for the organization.
    ApiKey(Uuid),
}

/// An API key as the organization's grant list shows it (never the key itself).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRef {
    pub id: Uuid,
    pub label: String,
}

/// Access given in an organization from outside it: who, what role, when, by whom.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessGrant {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The user given the role; `None` when an API key was created.
    pub user: Option<User>,
    /// The API key created; `None` when a user was given the role.
    pub api_key: Option<ApiKeyRef>,
    pub role: Role,
    pub granted_at: DateTime<Utc>,
    /// The user who granted it; `None` for an API key or the operator's command line.
    pub granted_by: Option<User>,
    /// The API key that granted it, if one did.
    pub granted_by_api_key_id: Option<Uuid>,
    /// The organization the granter acted for; `None` for the operator's command line.
    pub granted_by_organization_id: Option<Uuid>,
}

/// Records `role` given to `grantee` in `organization` when `caller` acts from outside
/// it, and tells the organization with an `access.granted` event. Runs inside the
/// caller's transaction, so the record and the event exist exactly when the grant does.
/// A grant by a member acting for the organization itself is not recorded.
pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organization: Uuid,
    grantee: Grantee,
    role: Role,
) -> AppResult<()> {
    let (by_user, by_key, by_organization) = match &caller.actor {
        Actor::Member(m) if m.organization_id == organization => return Ok(()),
        Actor::Member(m) => (m.user_id, m.api_key_id, Some(m.organization_id)),
        // The operator's command line (the first admin's bootstrap).
        Actor::Anonymous => (None, None, None),
    };
    let (user, key) = match grantee {
        Grantee::User(id) => (Some(id), None),
        Grantee::ApiKey(id) => (None, Some(id)),
    };
    let id: Uuid = diesel::insert_into(access_grants::table)
        .values((
            access_grants::organization_id.eq(organization),
            access_grants::user_id.eq(user),
            access_grants::api_key_id.eq(key),
            access_grants::role.eq(role.as_db()),
            access_grants::granted_by_user_id.eq(by_user),
            access_grants::granted_by_api_key_id.eq(by_key),
            access_grants::granted_by_organization_id.eq(by_organization),
            access_grants::request_id.eq(&caller.request_id),
        ))
        .returning(access_grants::id)
        .get_result(conn)
        .await?;
    let mut ids = vec![("grantId", id)];
    ids.extend(user.map(|u| ("userId", u)));
    ids.extend(key.map(|k| ("apiKeyId", k)));
    ids.extend(by_user.map(|u| ("grantedByUserId", u)));
    ids.extend(by_key.map(|k| ("grantedByApiKeyId", k)));
    notify::emit(conn, EventType::AccessGranted, organization, &ids).await?;
    Ok(())
}

/// Most grants one read returns.
pub const MAX_PAGE: i64 = 100;

/// A grant as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = access_grants)]
struct GrantRow {
    id: Uuid,
    organization_id: Uuid,
    user_id: Option<Uuid>,
    api_key_id: Option<Uuid>,
    role: String,
    granted_at: DateTime<Utc>,
    granted_by_user_id: Option<Uuid>,
    granted_by_api_key_id: Option<Uuid>,
    granted_by_organization_id: Option<Uuid>,
}

/// Access granted in `organization` from outside it, newest first, at most `first`
/// (1 to [`MAX_PAGE`]). For the organization's coordinators and network admins; lower
/// roles, other organizations and anonymous callers are refused.
pub async fn list(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    organization: Uuid,
    first: i64,
) -> AppResult<Vec<AccessGrant>> {
    actor.require_coordinator_of(organization)?;
    let rows: Vec<GrantRow> = access_grants::table
        .filter(access_grants::organization_id.eq(organization))
        .select(GrantRow::as_select())
        .order((access_grants::granted_at.desc(), access_grants::id.desc()))
        .limit(first.clamp(1, MAX_PAGE))
        .load(conn)
        .await?;
    // The people and keys named, in two reads rather than one per grant.
    let user_ids: Vec<Uuid> = rows.iter().flat_map(|r| [r.user_id, r.granted_by_user_id]).flatten().collect();
    let people: Vec<(Uuid, String, String, Option<String>)> = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((users::id, users::email, users::display_name, users::password_hash))
        .load(conn)
        .await?;
    let person = |id: Option<Uuid>| {
        let id = id?;
        people.iter().find(|p| p.0 == id).map(|(id, email, display_name, password_hash)| User {
            id: *id,
            email: email.clone(),
            display_name: display_name.clone(),
            active: password_hash.is_some(),
        })
    };
    let key_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.api_key_id).collect();
    let keys: Vec<(Uuid, String)> = api_keys::table
        .filter(api_keys::id.eq_any(&key_ids))
        .select((api_keys::id, api_keys::label))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AccessGrant {
                id: r.id,
                organization_id: r.organization_id,
                user: person(r.user_id),
                api_key: r
                    .api_key_id
                    .and_then(|k| keys.iter().find(|(id, _)| *id == k))
                    .map(|(id, label)| ApiKeyRef { id: *id, label: label.clone() }),
                role: Role::decode(&r.role)?,
                granted_at: r.granted_at,
                granted_by: person(r.granted_by_user_id),
                granted_by_api_key_id: r.granted_by_api_key_id,
                granted_by_organization_id: r.granted_by_organization_id,
            })
        })
        .collect()
}
