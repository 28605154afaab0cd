//! The one error type of the HTTP edge, rendered as an RFC 9457 problem document.
//!
//! Internal causes are logged with the request id and never sent to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use cdmx_sdk::types::{FieldError, Problem};

use crate::db::StoreError;
use crate::domain::Violations;
use crate::telemetry;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

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
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
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

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
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
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            Self::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "The request is invalid"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::BadRequest { detail, .. } => Some(detail.clone()),
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
            Self::Validation(errors) => Some(format!(
                "{} invalid field{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )),
            // Never describe internal failures to the client: the request id finds the log.
            Self::Internal(_) => Some("an internal error occurred; quote the request id".into()),
        }
    }

    /// The problem document for this error, stamped with the current request.
    pub fn to_problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let context = telemetry::current_request();
        let errors = match self {
            Self::BadRequest { errors, .. } | Self::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            problem_type: format!("urn:cdmx:problem:{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            instance: context.as_ref().map(|c| c.path.clone()),
            request_id: context.map(|c| c.request_id),
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_CONTENT_TYPE);
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"cdmx\""));
            }
            Self::MethodNotAllowed { allowed } => {
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.insert_header((header::ALLOW, value));
                }
            }
            _ => {}
        }
        response.json(self.to_problem())
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
            other => Self::Internal(with_causes(&other)),
        }
    }
}

/// An error and the causes under it, for the log: a row that cannot be read says which
/// field (diesel) and why (the column type), which only the source chain carries.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let message = c.to_string();
        if !text.ends_with(&message) {
            text = format!("{text}: {message}");
        }
        cause = c.source();
    }
    text
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
        let problem = ApiError::internal("password=hunter2 at db.rs:42").to_problem();
        assert_eq!(problem.status, 500);
        let text = serde_json::to_string(&problem).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("db.rs"),
            "{text}"
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
        .to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.problem_type, "urn:cdmx:problem:validation");
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.detail.as_deref(), Some("2 invalid fields"));
    }
}
