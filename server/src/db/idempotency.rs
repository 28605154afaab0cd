//! Idempotency keys: a retried create is answered with the first attempt's response
//! instead of creating a second object.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, StoreError, StoreResult};

/// The outcome of presenting an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use (or an abandoned earlier attempt): go ahead.
    Claimed,
    /// Completed before: answer with this status, these headers and this body.
    Replay {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Used before with a different request.
    Mismatch,
    /// Another request with this key is being processed.
    InProgress,
}

/// Claims `key` for a request whose body hashes to `hash`. Keys live 24 hours; a claim
/// left unfinished for `abandoned_after` (its transaction never committed) may be
/// taken over.
pub fn claim_key(
    conn: &mut DbConnection,
    organization_id: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
    abandoned_after: chrono::Duration,
) -> StoreResult<Claim> {
    type Stored = (
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    let existing: Option<Stored> = idempotency_keys::table
        .find((organization_id, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::response,
            idempotency_keys::response_headers,
            idempotency_keys::created_at,
        ))
        .first(conn)
        .optional()?;
    match existing {
        Some((.., created)) if created + chrono::Duration::hours(24) <= now => {
            diesel::delete(idempotency_keys::table.find((organization_id, key))).execute(conn)?;
        }
        Some((stored, ..)) if stored != hash => return Ok(Claim::Mismatch),
        Some((_, Some(status), Some(body), headers, _)) => {
            // Answers recorded before headers were kept (reservations) had none to keep.
            let headers = match headers {
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| StoreError::Task(format!("stored response headers: {e}")))?,
                None => Vec::new(),
            };
            return Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                headers,
                body,
            });
        }
        Some((.., created)) if created + abandoned_after > now => {
            return Ok(Claim::InProgress);
        }
        Some(_) => {
            diesel::update(idempotency_keys::table.find((organization_id, key)))
                .set(idempotency_keys::created_at.eq(now))
                .execute(conn)?;
            return Ok(Claim::Claimed);
        }
        None => {}
    }
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::organization_id.eq(organization_id),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Claim::Claimed),
        // A concurrent request with the same key claimed it first.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Claim::InProgress),
        Err(other) => Err(other.into()),
    }
}

/// Stores the response of a claimed key.
pub fn complete_key(
    conn: &mut DbConnection,
    organization_id: &str,
    key: &str,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> StoreResult<()> {
    let headers = serde_json::to_string(headers).map_err(|e| StoreError::Task(e.to_string()))?;
    diesel::update(idempotency_keys::table.find((organization_id, key)))
        .set((
            idempotency_keys::status.eq(Some(i32::from(status))),
            idempotency_keys::response.eq(Some(body)),
            idempotency_keys::response_headers.eq(Some(headers)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a claim back after a failure that must not be replayed, so that a retry (with
/// the request fixed, or once the server recovers) is a new attempt.
pub fn release_key(conn: &mut DbConnection, organization_id: &str, key: &str) -> StoreResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((organization_id, key))
            .filter(idempotency_keys::status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes keys older than 24 hours.
pub fn purge_keys(conn: &mut DbConnection, now: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.le(now - chrono::Duration::hours(24))),
    )
    .execute(conn)?)
}
