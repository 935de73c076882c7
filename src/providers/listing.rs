//! A provider's listing for anyone, answered where the directory decides.

use uuid::Uuid;

use super::{Provider, get};
use crate::directory::{Directory, Read, Source};
use crate::error::AppResult;

/// A listed provider by id, for anyone ([`Read::PUBLIC_LISTING`]: from PostgreSQL, or
/// the index's last view while PostgreSQL cannot answer).
pub async fn listed(directory: &Directory, id: Uuid) -> AppResult<Option<Provider>> {
    directory
        .read(Read::PUBLIC_LISTING, async |source| match source {
            Source::Database(conn) => get(conn, id).await,
            Source::Index(view) => Ok(view.provider_by_id(&id).map(|p| p.to_provider())),
        })
        .await
}
