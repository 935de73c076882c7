//! The append-only audit log: who did what to which record, when, under which request.
//! Written in the same transaction as the change it records, so neither exists without
//! the other. Rows carry ids only, never personal data.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::{Actor, Caller};
use crate::db::schema::audit_log;
use crate::error::AppResult;

/// Absent ids are written as NULL rather than left to the column default, so the
/// statement's text never varies and is prepared once per connection.
#[derive(Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
struct NewEntry<'a> {
    actor_user_id: Option<Uuid>,
    actor_api_key_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    action: &'a str,
    target_type: &'a str,
    target_id: Option<String>,
    request_id: Option<&'a str>,
}

/// Records that `caller` did `action` (e.g. `provider.update`) to a `target_type` record.
pub async fn record(
    mut conn: &AsyncPgConnection,
    caller: &Caller,
    action: &str,
    target_type: &str,
    target_id: Option<Uuid>,
) -> AppResult<()> {
    let (user, key, org) = match &caller.actor {
        Actor::Member(m) => (m.user_id, m.api_key_id, Some(m.organization_id)),
        Actor::Anonymous => (None, None, None),
    };
    diesel::insert_into(audit_log::table)
        .values(NewEntry {
            actor_user_id: user,
            actor_api_key_id: key,
            organization_id: org,
            action,
            target_type,
            target_id: target_id.map(|id| id.to_string()),
            request_id: Some(&caller.request_id),
        })
        .execute(&mut conn)
        .await?;
    Ok(())
}
