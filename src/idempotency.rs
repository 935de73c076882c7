//! Idempotency keys for operations a client may retry (recordConsent, createReferral):
//! the first request with a key does the work; a retry with the same key and the same
//! input gets the same record back; the same key with different input is refused.
//! Concurrent identical requests serialize on the key's unique index, so exactly one
//! record is created.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::schema::idempotency_keys;
use crate::error::{AppError, AppResult};

/// What a key says about a request.
pub enum Claim {
    /// First use: the key now names the id the caller offered; create the record with
    /// that id in this transaction (if it rolls back, so does the claim).
    New,
    /// Already done: this is the record it made.
    Done(Uuid),
}

/// A stable hash of a request's input.
pub fn request_hash(canonical: &str) -> Vec<u8> {
    Sha256::digest(canonical.as_bytes()).to_vec()
}

/// Validates a caller's key.
pub fn check_key(key: &str) -> AppResult<()> {
    if key.is_empty() || key.len() > 200 {
        return Err(AppError::bad_input("idempotencyKey", "idempotencyKey must be 1 to 200 characters"));
    }
    Ok(())
}

/// Claims `key` for `operation` in the acting organization (inside its transaction),
/// recording `new_id` as the record it will make. Takes a shared connection so it can be
/// pipelined with the reads that follow it.
pub async fn claim(
    mut conn: &AsyncPgConnection,
    org: Uuid,
    operation: &str,
    key: &str,
    hash: &[u8],
    new_id: Uuid,
) -> AppResult<Claim> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::organization_id.eq(org),
            idempotency_keys::operation.eq(operation),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::result_id.eq(new_id),
        ))
        .on_conflict_do_nothing()
        .execute(&mut conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let (stored_hash, result): (Vec<u8>, Option<Uuid>) = idempotency_keys::table
        .find((org, operation, key))
        .select((idempotency_keys::request_hash, idempotency_keys::result_id))
        .first(&mut conn)
        .await?;
    if stored_hash != hash {
        return Err(AppError::Conflict { message: "idempotencyKey was already used with different input".into() });
    }
    result.map(Claim::Done).ok_or_else(|| AppError::internal(std::io::Error::other("idempotency key without result")))
}
