//! Idempotency keys: a retried create is answered with the first attempt's response
//! instead of creating a second object.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, StoreError, StoreResult};

/// An answer as recorded with its key: status, the headers that locate and version the
/// object (`Location`, `ETag`, `Content-Type`), and the body. A recorded refusal (the
/// API key case) is a problem document without a request id; the HTTP edge stamps it
/// with the request that receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The outcome of presenting an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use (or an abandoned earlier attempt): go ahead.
    Claimed,
    /// Completed before: answer with this.
    Replay(RecordedAnswer),
    /// Used before with a different request.
    Mismatch,
    /// Another request with this key is being processed.
    InProgress,
}

#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
struct NewKey<'a> {
    organization_id: &'a str,
    idempotency_key: &'a str,
    request_hash: &'a str,
    status: Option<i32>,
    response: Option<&'a str>,
    response_headers: Option<String>,
    created_at: NaiveDateTime,
}

/// Claims `key` for a request whose body hashes to `hash`. Keys live 24 hours; a claim
/// left unfinished for `abandoned_after` (its transaction never committed) may be
/// taken over.
///
/// With `answer`, the claim records it at once: a create that runs in the claim's own
/// transaction knows its answer before it writes, and a retry can never find its key
/// claimed but unanswered. Without, [`complete_key`] records the answer later.
///
/// The first statement is the insert, so a first use costs one statement. On
/// PostgreSQL an insert that meets the uncommitted claim of a concurrent duplicate
/// waits for it to end: a duplicate of a create answered in one transaction is
/// replayed rather than turned away.
pub fn claim_key(
    conn: &mut DbConnection,
    organization_id: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
    abandoned_after: chrono::Duration,
    answer: Option<&RecordedAnswer>,
) -> StoreResult<Claim> {
    let row = NewKey {
        organization_id,
        idempotency_key: key,
        request_hash: hash,
        status: answer.map(|a| i32::from(a.status)),
        response: answer.map(|a| a.body.as_str()),
        response_headers: answer.map(|a| headers_json(&a.headers)).transpose()?,
        created_at: now,
    };
    if insert_if_new(conn, &row)? {
        return Ok(Claim::Claimed);
    }
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
        Some((.., created)) if created + chrono::Duration::hours(24) <= now => {}
        Some((stored, ..)) if stored != hash => return Ok(Claim::Mismatch),
        Some((_, Some(status), Some(body), headers, _)) => {
            // Answers recorded before headers were kept (reservations) had none to keep.
            let headers = match headers {
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| StoreError::Task(format!("stored response headers: {e}")))?,
                None => Vec::new(),
            };
            return Ok(Claim::Replay(RecordedAnswer {
                status: u16::try_from(status).unwrap_or(500),
                headers,
                body,
            }));
        }
        Some((.., created)) if created + abandoned_after > now => {
            return Ok(Claim::InProgress);
        }
        // Abandoned by an attempt that never finished, or released since the insert.
        Some(_) | None => {}
    }
    // Nobody may answer from this key any more: this request takes it. Delete and
    // insert, so that of two requests taking it over at once only one gets it.
    diesel::delete(idempotency_keys::table.find((organization_id, key))).execute(conn)?;
    if insert_if_new(conn, &row)? {
        Ok(Claim::Claimed)
    } else {
        Ok(Claim::InProgress)
    }
}

/// Inserts a key unless it exists; whether it did. The upsert clause is the one piece
/// of SQL diesel's multi-backend connection does not offer, so it is sent per backend.
fn insert_if_new(conn: &mut DbConnection, row: &NewKey) -> StoreResult<bool> {
    let insert = diesel::insert_into(idempotency_keys::table)
        .values(row)
        .on_conflict_do_nothing();
    let inserted = on_backend!(conn, |c| insert.execute(c))?;
    Ok(inserted == 1)
}

fn headers_json(headers: &[(String, String)]) -> StoreResult<String> {
    serde_json::to_string(headers).map_err(|e| StoreError::Task(e.to_string()))
}

/// Stores the answer of a claimed key.
pub fn complete_key(
    conn: &mut DbConnection,
    organization_id: &str,
    key: &str,
    answer: &RecordedAnswer,
) -> StoreResult<()> {
    diesel::update(idempotency_keys::table.find((organization_id, key)))
        .set((
            idempotency_keys::status.eq(Some(i32::from(answer.status))),
            idempotency_keys::response.eq(Some(&answer.body)),
            idempotency_keys::response_headers.eq(Some(headers_json(&answer.headers)?)),
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
