//! Idempotency keys on creates: a retried create with the same key and request is
//! answered with the first attempt's answer instead of creating a second object.
//!
//! Only successes are recorded: a request refused (400, 422, 409...) or failed gives its
//! key back, so the client can retry it, fixed, under the same key. Keys are scoped to the
//! caller's organisation and kept 24 hours (`db::idempotency`).
//!
//! A create that runs in one transaction (a hold) claims its key and records its answer
//! in that transaction ([`claim_within`]): a refusal rolls the claim back with the rest,
//! and a retry finds either nothing or the answer. Other creates claim the key in a
//! transaction of its own ([`claim`]), then [`record`] the answer or [`release`] the key.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::db::idempotency::{self, Claim};
use crate::db::{DbConnection, now};
use crate::error::ApiError;
use crate::startup::AppState;

pub use crate::db::idempotency::RecordedAnswer;

/// The header that names an idempotency key, for error messages.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// A claimed key whose request never finished may be reused after this long.
const ABANDONED_AFTER_SECONDS: i64 = 60;
/// What a concurrent duplicate is told to wait before retrying.
pub const IN_PROGRESS_RETRY_AFTER_SECONDS: u32 = 1;

/// A client's key for one create, reused on its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// 1 to 255 visible ASCII characters.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let key = value.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request_field(
                IDEMPOTENCY_KEY,
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self(key.to_owned()))
    }
}

/// What a key is bound to: the operation (method and path) and the request body, so
/// that the same key sent to another operation or with another body is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFingerprint(String);

impl RequestFingerprint {
    pub fn of<T: serde::Serialize>(method: &str, path: &str, body: &T) -> Result<Self, ApiError> {
        let mut hasher = Sha256::new();
        hasher.update(method.as_bytes());
        hasher.update(b" ");
        hasher.update(path.as_bytes());
        hasher.update(b"\n");
        hasher.update(serde_json::to_vec(body).map_err(ApiError::internal)?);
        Ok(Self(
            hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A create sent under an idempotency key: the key and the request it is bound to.
#[derive(Debug, Clone)]
pub struct KeyedRequest {
    pub key: IdempotencyKey,
    pub fingerprint: RequestFingerprint,
}

/// What a keyed create answers: its own answer, or the recorded answer of an earlier
/// attempt with the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Created(RecordedAnswer),
    Replayed(RecordedAnswer),
}

/// Claims the request's key inside the caller's transaction: `Some` is the recorded
/// answer of an earlier attempt, `None` means go ahead. With `answer`, the claim also
/// records it, for a create that answers in the same transaction (a refusal later in
/// that transaction rolls both back). The same key with another request is 422; while
/// another attempt with the key runs, 409 with `Retry-After`.
pub fn claim_within(
    conn: &mut DbConnection,
    organization_id: &str,
    request: &KeyedRequest,
    at: NaiveDateTime,
    answer: Option<&RecordedAnswer>,
) -> Result<Option<RecordedAnswer>, ApiError> {
    let claim = idempotency::claim_key(
        conn,
        organization_id,
        &request.key.0,
        request.fingerprint.as_str(),
        at,
        chrono::Duration::seconds(ABANDONED_AFTER_SECONDS),
        answer,
    )?;
    match claim {
        Claim::Claimed => Ok(None),
        Claim::Replay(recorded) => Ok(Some(recorded)),
        Claim::Mismatch => Err(ApiError::invalid_field(
            IDEMPOTENCY_KEY,
            "was already used with a different request (operation or body)",
        )),
        Claim::InProgress => Err(ApiError::InProgress {
            detail: "a request with this Idempotency-Key is still in progress; retry later".into(),
            retry_after_seconds: IN_PROGRESS_RETRY_AFTER_SECONDS,
        }),
    }
}

/// Claims the request's key in a transaction of its own, for a create that runs in
/// others: then [`record`] its answer or [`release`] the key.
pub async fn claim(
    state: &AppState,
    principal: &Principal,
    request: KeyedRequest,
) -> Result<Option<RecordedAnswer>, ApiError> {
    let (org, at) = (principal.organization_id.clone(), now());
    state
        .db
        .write_or_refuse(move |c| claim_within(c, &org, &request, at, None))
        .await
}

/// Records the answer to a claimed key; retries get it from now on.
pub async fn record(
    state: &AppState,
    principal: &Principal,
    key: &IdempotencyKey,
    answer: RecordedAnswer,
) -> Result<(), ApiError> {
    let (org, k) = (principal.organization_id.clone(), key.0.clone());
    state
        .db
        .write(move |c| idempotency::complete_key(c, &org, &k, &answer))
        .await?;
    Ok(())
}

/// Gives a claimed key back: the attempt failed and is not recorded.
pub async fn release(state: &AppState, principal: &Principal, key: &IdempotencyKey) {
    let (org, k) = (principal.organization_id.clone(), key.0.clone());
    let released = state
        .db
        .write(move |c| idempotency::release_key(c, &org, &k))
        .await;
    if let Err(error) = released {
        // The claim lapses by itself after ABANDONED_AFTER_SECONDS.
        tracing::warn!(%error, "could not release an idempotency key");
    }
}
