//! The one error type of the application, rendered as an RFC 9457 problem document at
//! the HTTP edge.
//!
//! Internal causes keep their source chain for the log (with the request id) and are
//! never sent to the client. The problem document is stamped with the request id and
//! `instance` only when the response is written, on the request's own task, so errors
//! raised on blocking threads (inside a database transaction) carry them too.

use cdmx_sdk::types::{FieldError, Problem};

use crate::db::StoreError;
use crate::domain::Violations;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// `Retry-After` of a 503: the database is usually back within seconds (a failover, a
/// restart), and clients that wait this long do not pile onto it when it returns.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 5;

/// A spent rate limit: which one, its quota, and when to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimited {
    /// The policy's name in the `RateLimit` and `RateLimit-Policy` headers.
    pub policy: &'static str,
    /// Requests (or failed sign-ins) allowed per window.
    pub quota: u32,
    pub window_seconds: u64,
    pub retry_after_seconds: u64,
}

/// An underlying cause, kept for the log.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, wrong types, unknown fields, bad
    /// query parameters.
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Absent, or belonging to another organisation: the two look the same on purpose.
    #[error("not found")]
    NotFound,
    #[error("route not found")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allowed: Vec<String> },
    #[error("not acceptable")]
    NotAcceptable(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another attempt of the same request is being processed: a conflict that clears by
    /// itself, so the answer says when to retry.
    #[error("in progress: {detail}")]
    InProgress {
        detail: String,
        retry_after_seconds: u32,
    },
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("URI too long")]
    UriTooLong { limit: usize },
    #[error("request headers too large")]
    HeadersTooLarge {
        max_headers: usize,
        max_bytes: usize,
    },
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests ({})", .0.policy)]
    TooManyRequests(RateLimited),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] BoxError),
}

impl ApiError {
    pub fn bad_request_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            detail: message.clone(),
            errors: vec![FieldError {
                field: field.into(),
                message,
            }],
        }
    }

    /// A request that could not be read, with every field that is wrong.
    pub fn bad_request_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => one.message.clone(),
            many => format!(
                "{} fields could not be read: {}",
                many.len(),
                many.iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Self::BadRequest { detail, errors }
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// A failure that is not the caller's: the cause goes to the log, not the client.
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        Self::Internal(cause.into())
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound | Self::RouteNotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::NotAcceptable(_) => 406,
            Self::Conflict(_) | Self::InProgress { .. } => 409,
            Self::PreconditionFailed(_) => 412,
            Self::PreconditionRequired(_) => 428,
            Self::PayloadTooLarge { .. } => 413,
            Self::UriTooLong { .. } => 414,
            Self::HeadersTooLarge { .. } => 431,
            Self::UnsupportedMediaType(_) => 415,
            Self::Validation(_) => 422,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    /// A failure of the server, not of the request.
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest { .. } => ("malformed-request", "The request could not be read"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::NotFound => ("not-found", "Not found"),
            Self::RouteNotFound => ("route-not-found", "No such route"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::NotAcceptable(_) => ("not-acceptable", "Not acceptable"),
            Self::Conflict(_) | Self::InProgress { .. } => ("conflict", "Conflict"),
            Self::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            Self::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            Self::UriTooLong { .. } => ("uri-too-long", "Request URI too long"),
            Self::HeadersTooLarge { .. } => {
                ("headers-too-large", "Request header fields too large")
            }
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "The request is invalid"),
            Self::TooManyRequests(_) => ("too-many-requests", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::BadRequest { detail, .. } | Self::InProgress { detail, .. } => {
                Some(detail.clone())
            }
            Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotAcceptable(d)
            | Self::Conflict(d)
            | Self::PreconditionFailed(d)
            | Self::PreconditionRequired(d)
            | Self::UnsupportedMediaType(d)
            | Self::Unavailable(d) => Some(d.clone()),
            Self::NotFound => Some("the resource does not exist or is not visible to you".into()),
            Self::RouteNotFound => Some("no route matches this path; see /docs".into()),
            Self::MethodNotAllowed { allowed } => {
                Some(format!("allowed methods: {}", allowed.join(", ")))
            }
            Self::PayloadTooLarge { limit } => {
                Some(format!("the body exceeds the limit of {limit} bytes"))
            }
            Self::UriTooLong { limit } => Some(format!(
                "the path and query exceed the limit of {limit} bytes"
            )),
            Self::HeadersTooLarge {
                max_headers,
                max_bytes,
            } => Some(format!(
                "send at most {max_headers} headers of at most {max_bytes} bytes in all"
            )),
            Self::Validation(errors) => Some(format!(
                "{} invalid field{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )),
            Self::TooManyRequests(limited) => Some(format!(
                "the {} limit is spent; try again in {} s (Retry-After)",
                limited.policy, limited.retry_after_seconds
            )),
            // Never describe internal failures to the client: the request id finds the log.
            Self::Internal(_) => Some("an internal error occurred; quote the request id".into()),
        }
    }

    /// The problem document for this error, not yet stamped with a request (the HTTP
    /// edge does that, `api::problem`): also what an idempotency record stores, so that
    /// a replay is stamped with the retry's own id.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let errors = match self {
            Self::BadRequest { errors, .. } | Self::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            problem_type: format!("urn:cdmx:problem:{slug}"),
            title: title.to_owned(),
            status: self.status(),
            detail: self.detail(),
            instance: None,
            request_id: None,
            errors,
        }
    }
}

/// An error with its whole source chain, `outer: inner: root`, for one log line.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A row that cannot be read says which field (diesel) and why (the column
        // type) only in the chain. Errors that already quote their cause (`{0}`) are
        // not repeated.
        let mut text = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let message = cause.to_string();
            if !text.ends_with(&message) {
                text = format!("{text}: {message}");
            }
            source = cause.source();
        }
        f.write_str(&text)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(message) => Self::Conflict(message),
            StoreError::PreconditionFailed(message) => Self::PreconditionFailed(message),
            StoreError::Forbidden(message) => Self::Forbidden(message),
            // The cause is a driver or pool message: logged, not sent.
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                Self::Unavailable(
                    "the database cannot be reached right now; try again shortly".into(),
                )
            }
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<Violations> for ApiError {
    fn from(violations: Violations) -> Self {
        Self::Validation(
            violations
                .into_iter()
                .map(|v| FieldError {
                    field: v.field,
                    message: v.message,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let problem = ApiError::internal("password=hunter2 at db.rs:42").problem();
        assert_eq!(problem.status, 500);
        let text = serde_json::to_string(&problem).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("db.rs"),
            "{text}"
        );
    }

    #[test]
    fn internal_errors_keep_their_cause_chain_for_the_log() {
        #[derive(Debug, thiserror::Error)]
        #[error("reading the profile")]
        struct Outer(#[source] std::io::Error);
        let error = ApiError::internal(Outer(std::io::Error::other("disk on fire")));
        let source = std::error::Error::source(&error).expect("the cause is kept");
        assert_eq!(
            Chain(source).to_string(),
            "reading the profile: disk on fire"
        );
    }

    #[test]
    fn validation_lists_every_field() {
        let problem = ApiError::Validation(vec![
            FieldError {
                field: "name".into(),
                message: "is empty".into(),
            },
            FieldError {
                field: "admin.email".into(),
                message: "is not an email".into(),
            },
        ])
        .problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.problem_type, "urn:cdmx:problem:validation");
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.detail.as_deref(), Some("2 invalid fields"));
    }
}
