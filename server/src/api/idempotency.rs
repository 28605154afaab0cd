//! The HTTP edge of idempotency keys, shared by every create: read the header, claim the
//! key, run the handler's work, record its answer (status, `Location`, `ETag`, body) or
//! give the key back, and replay a recorded answer with `Idempotent-Replayed: true`.

use std::future::{Future, Ready, ready};

use actix_web::body::to_bytes;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use cdmx_sdk::types::Problem;

use super::problem::stamp;
use crate::app::idempotency::{
    self, Answer, IDEMPOTENCY_KEY, IdempotencyKey, KeyedRequest, RecordedAnswer, RequestFingerprint,
};
use crate::auth::Principal;
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE};
use crate::startup::AppState;

/// The `Idempotency-Key` header of an optional-key create, as documented in OpenAPI.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKeyParam {
    /// Optional, 1 to 255 visible ASCII characters, unique per object you create. A retry
    /// with the same key and body replays the first answer (`Idempotent-Replayed: true`)
    /// instead of creating again; the same key with another body or operation is 422;
    /// while the first request runs, a duplicate is 409 with `Retry-After`. A refused
    /// request is not recorded: fix it and retry with the same key. Keys are per
    /// organisation and kept 24 hours.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        nullable = false
    )]
    idempotency_key: Option<String>,
}

/// The `Idempotency-Key` header of an operation that requires one (reservations).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct RequiredIdempotencyKeyParam {
    /// Required, 1 to 255 visible ASCII characters, unique per reservation, reused on
    /// retries: the same key and body replays the first answer (`Idempotent-Replayed:
    /// true`), the same key with another body is 422, while the first request runs a
    /// duplicate is 409 with `Retry-After`. A refused request is not recorded. Keys are
    /// per organisation and kept 24 hours.
    #[param(rename = "Idempotency-Key", min_length = 1, max_length = 255)]
    idempotency_key: String,
}

/// The request's `Idempotency-Key` (if any) with the operation it was sent to.
pub struct Idempotency {
    key: Option<IdempotencyKey>,
    method: String,
    path: String,
}

impl Idempotency {
    /// The key and what it is bound to (this operation and `body`), if a key was sent.
    fn keyed<T: serde::Serialize>(self, body: &T) -> Result<Option<KeyedRequest>, ApiError> {
        let Some(key) = self.key else {
            return Ok(None);
        };
        let fingerprint = RequestFingerprint::of(&self.method, &self.path, body)?;
        Ok(Some(KeyedRequest { key, fingerprint }))
    }

    /// The key of an operation that requires one, bound to `body`; a request without a
    /// key is refused (400 naming the header).
    pub fn required<T: serde::Serialize>(self, body: &T) -> Result<KeyedRequest, ApiError> {
        self.keyed(body)?.ok_or_else(|| {
            ApiError::bad_request_field(
                IDEMPOTENCY_KEY,
                "is required: a unique value per request, reused on retries",
            )
        })
    }
}

impl FromRequest for Idempotency {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let key = req
            .headers()
            .get(IDEMPOTENCY_KEY)
            .map(|value| IdempotencyKey::parse(value.to_str().unwrap_or_default()))
            .transpose();
        ready(key.map(|key| Self {
            key,
            method: req.method().to_string(),
            path: req.path().to_owned(),
        }))
    }
}

/// How a recorded success is replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// The same status, headers and body.
    Same,
    /// Never replay the body (it holds a secret shown once): a retry gets 409 naming the
    /// object the key created, whose id is at this JSON pointer of the body.
    SecretShownOnce { id_at: &'static str },
}

/// Headers of a success that a replay repeats.
const RECORDED_HEADERS: [HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

/// Runs `create` at most once per idempotency key: the first success is recorded and
/// replayed to retries; a refusal or failure gives the key back. Without a key, `create`
/// simply runs.
pub async fn once<T, F, Fut>(
    state: &AppState,
    principal: &Principal,
    keyed: Idempotency,
    request: T,
    replay: Replay,
    create: F,
) -> Result<HttpResponse, ApiError>
where
    T: serde::Serialize,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    let Some(keyed) = keyed.keyed(&request)? else {
        return create(request).await;
    };
    let key = keyed.key.clone();
    if let Some(recorded) = idempotency::claim(state, principal, keyed).await? {
        return Ok(replayed(recorded));
    }
    let response = match create(request).await {
        Ok(response) if response.status().is_success() => response,
        other => {
            idempotency::release(state, principal, &key).await;
            return other;
        }
    };
    let (response, body) = response.into_parts();
    let body = match to_bytes(body).await {
        Ok(body) => body,
        Err(error) => {
            idempotency::release(state, principal, &key).await;
            return Err(ApiError::internal(error.to_string()));
        }
    };
    let recorded = match replay {
        Replay::Same => RecordedAnswer {
            status: response.status().as_u16(),
            headers: RECORDED_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = response.headers().get(name)?.to_str().ok()?;
                    Some((name.to_string(), value.to_owned()))
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        },
        Replay::SecretShownOnce { id_at } => secret_already_shown(&body, id_at)?,
    };
    // The object exists now: failing to record the answer must not hide it from the
    // client. The claim then lapses after a minute, as an abandoned one does.
    if let Err(error) = idempotency::record(state, principal, &key, recorded).await {
        tracing::warn!(%error, "could not record an idempotency key's answer");
    }
    Ok(response.set_body(body).map_into_boxed_body())
}

/// The refusal a retry of a secret-bearing create gets: the object's id, no secret.
fn secret_already_shown(body: &[u8], id_at: &str) -> Result<RecordedAnswer, ApiError> {
    let created: serde_json::Value = serde_json::from_slice(body).map_err(ApiError::internal)?;
    let id = created
        .pointer(id_at)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let problem = ApiError::Conflict(format!(
        "this Idempotency-Key already created `{id}`; its secret was shown once and is not \
         kept: if it was lost, revoke `{id}` and create another"
    ))
    .problem();
    Ok(RecordedAnswer {
        status: problem.status,
        headers: Vec::new(),
        body: serde_json::to_string(&problem).map_err(ApiError::internal)?,
    })
}

/// The answer of a create that records it in its own transaction: a first answer is
/// sent as recorded, so that a replay repeats it byte for byte.
pub fn respond(answer: Answer) -> HttpResponse {
    match answer {
        Answer::Created(created) => {
            let status =
                StatusCode::from_u16(created.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = HttpResponse::build(status);
            for (name, value) in created.headers {
                response.insert_header((name, value));
            }
            response.body(created.body)
        }
        Answer::Replayed(recorded) => replayed(recorded),
    }
}

/// The answer a create records: 201 with the object as JSON, and where it lives.
pub fn created_json<T: serde::Serialize>(
    location: String,
    object: &T,
) -> Result<RecordedAnswer, ApiError> {
    Ok(RecordedAnswer {
        status: StatusCode::CREATED.as_u16(),
        headers: vec![
            (header::LOCATION.to_string(), location),
            (
                header::CONTENT_TYPE.to_string(),
                mime::APPLICATION_JSON.to_string(),
            ),
        ],
        body: serde_json::to_string(object).map_err(ApiError::internal)?,
    })
}

/// A recorded answer as sent again; a recorded refusal names the request answering it.
fn replayed(answer: RecordedAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header(("Idempotent-Replayed", HeaderValue::from_static("true")));
    if !status.is_success()
        && let Ok(mut problem) = serde_json::from_str::<Problem>(&answer.body)
    {
        stamp(&mut problem);
        return response.content_type(PROBLEM_CONTENT_TYPE).json(problem);
    }
    if !answer
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case(header::CONTENT_TYPE.as_str()))
    {
        // Answers recorded before headers were kept: every create answers JSON.
        response.content_type("application/json");
    }
    for (name, value) in answer.headers {
        response.insert_header((name, value));
    }
    response.body(answer.body)
}
