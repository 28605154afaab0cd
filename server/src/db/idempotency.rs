//! Idempotency keys: a retried reservation request is answered with the first
//! attempt's response instead of placing a second hold.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, StoreResult};

/// The outcome of presenting an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use (or an abandoned earlier attempt): go ahead.
    Claimed,
    /// Completed before: answer with this status and body.
    Replay { status: u16, body: String },
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
    let existing: Option<(String, Option<i32>, Option<String>, NaiveDateTime)> =
        idempotency_keys::table
            .find((organization_id, key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::status,
                idempotency_keys::response,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
    match existing {
        Some((_, _, _, created)) if created + chrono::Duration::hours(24) <= now => {
            diesel::delete(idempotency_keys::table.find((organization_id, key))).execute(conn)?;
        }
        Some((stored, _, _, _)) if stored != hash => return Ok(Claim::Mismatch),
        Some((_, Some(status), Some(body), _)) => {
            return Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            });
        }
        Some((_, _, _, created)) if created + abandoned_after > now => {
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
    body: &str,
) -> StoreResult<()> {
    diesel::update(idempotency_keys::table.find((organization_id, key)))
        .set((
            idempotency_keys::status.eq(Some(i32::from(status))),
            idempotency_keys::response.eq(Some(body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a claim back after a failure that must not be replayed (a server error).
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
