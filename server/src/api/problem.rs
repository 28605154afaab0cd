//! The HTTP edge of errors: the problem document, stamped with the request it answers.
//!
//! Only this module turns an [`ApiError`] into a response. Stamping happens here, on the
//! request's own task, where its id and path are known; errors raised deeper (on a
//! blocking thread, inside a transaction) therefore carry them too.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use cdmx_sdk::types::Problem;

use crate::error::{
    ApiError, Chain, PROBLEM_CONTENT_TYPE, RateLimited, UNAVAILABLE_RETRY_AFTER_SECONDS,
};
use crate::telemetry;

/// Stamps a problem document with the request being answered (its id and path).
pub fn stamp(problem: &mut Problem) {
    if let Some(context) = telemetry::current_request() {
        problem.instance = Some(context.path);
        problem.request_id = Some(context.request_id);
    }
}

/// The problem document for an error, stamped with the current request.
pub fn stamped(error: &ApiError) -> Problem {
    let mut problem = error.problem();
    stamp(&mut problem);
    problem
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %Chain(cause.as_ref()), "internal error");
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
            Self::InProgress {
                retry_after_seconds,
                ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            Self::TooManyRequests(limited) => {
                for (name, value) in rate_limit_headers(limited) {
                    response.insert_header((name, value));
                }
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response.json(stamped(self))
    }
}

/// `Retry-After`, and the `RateLimit-Policy` and `RateLimit` fields of
/// draft-ietf-httpapi-ratelimit-headers-09: the policy's quota `q` per window `w`
/// seconds, and `r` = 0 requests remaining until `t` seconds from now.
pub fn rate_limit_headers(limited: &RateLimited) -> [(&'static str, String); 3] {
    let RateLimited {
        policy,
        quota,
        window_seconds,
        retry_after_seconds,
    } = limited;
    [
        ("Retry-After", retry_after_seconds.to_string()),
        (
            "RateLimit-Policy",
            format!("\"{policy}\";q={quota};w={window_seconds}"),
        ),
        (
            "RateLimit",
            format!("\"{policy}\";r=0;t={retry_after_seconds}"),
        ),
    ]
}
