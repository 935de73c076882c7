//! Transactions scoped to an acting organization, for the tables under row-level
//! security (clients, consents, referrals, follow-ups). The organization and user are set
//! with `set_config(..., true)` and bound parameters, so they last exactly one
//! transaction: a pooled connection handed to the next request carries nothing over,
//! and a query outside such a transaction sees no rows at all.

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::BoxFuture;

use crate::auth::Member;
use crate::error::{AppError, AppResult};

/// Runs `work` in a transaction acting for `member`'s organization. `work` returns a
/// boxed future (`|conn| Box::pin(async move { … })`) so the whole stays `Send`.
pub async fn in_org<T, F>(conn: &mut AsyncPgConnection, member: &Member, work: F) -> AppResult<T>
where
    F: for<'r> FnOnce(&'r mut AsyncPgConnection) -> BoxFuture<'r, AppResult<T>> + Send,
    T: Send,
{
    let org = member.organization_id.to_string();
    let user = member.user_id.map(|u| u.to_string()).unwrap_or_default();
    conn.transaction::<T, AppError, _>(async move |conn| {
        diesel::sql_query("SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)")
            .bind::<Text, _>(org)
            .bind::<Text, _>(user)
            .execute(conn)
            .await?;
        work(conn).await
    })
    .await
}
