//! Structured logs, and the request id that ties a request's log lines, its response
//! header and any problem document together.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::auth::Principal;
use crate::config::{LogFormat, Settings};
use crate::startup::AppState;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber. A second call (tests start many servers) is a no-op.
pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match settings.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// What the current request is, for code far from the request (error rendering).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub path: String,
}

tokio::task_local! {
    static REQUEST_CONTEXT: RequestContext;
}

/// The current request's context, if called while serving one.
pub fn current_request() -> Option<RequestContext> {
    REQUEST_CONTEXT.try_with(Clone::clone).ok()
}

/// Accepts a caller's request id if it is short and plain, so it cannot forge log lines.
fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let plain = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| text.to_owned())
}

/// Where share link tokens appear in paths (`/v1/shared/<token>/report`).
const SHARED_PREFIX: &str = "/v1/shared/";

/// The request path as logged and echoed in problem documents: a share link's token is
/// a secret, so its segment is replaced by `{token}`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix(SHARED_PREFIX) {
        Some(rest) => {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{SHARED_PREFIX}{{token}}{after}").into()
        }
        None => path.into(),
    }
}

/// Runs blocking work (queries, password hashing, report rendering) on tokio's blocking
/// pool inside the caller's span, so its log lines carry the request id.
pub async fn blocking<T, F>(work: F) -> Result<T, tokio::task::JoinError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work)).await
}

/// Middleware: assigns the request id, logs the request once it is answered and echoes
/// the id in `X-Request-Id`.
pub async fn request_id_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let path = loggable_path(req.path()).into_owned();
    let context = RequestContext {
        request_id: request_id.clone(),
        path: path.clone(),
    };
    let client = req
        .peer_addr()
        .map(|address| address.ip().to_string())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %path,
        client = %client,
    );
    let started = Instant::now();
    let result = REQUEST_CONTEXT
        .scope(context, next.call(req))
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let elapsed = started.elapsed();
            let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
            let request = response.request();
            // Set by the authentication extractor when the request carried a valid token.
            let (organization, principal) = request
                .extensions()
                .get::<Principal>()
                .map(|p| (p.organization_id.clone(), p.id.clone()))
                .unwrap_or_default();
            if status >= 500 {
                tracing::error!(
                    status,
                    elapsed_ms,
                    organization,
                    principal,
                    "request failed"
                );
            } else {
                tracing::info!(
                    status,
                    elapsed_ms,
                    organization,
                    principal,
                    "request served"
                );
            }
            if let Some(state) = request.app_data::<web::Data<AppState>>() {
                let route = request
                    .match_pattern()
                    .unwrap_or_else(|| "(unmatched)".to_owned());
                state
                    .metrics
                    .observe_request(request.method().as_str(), &route, status, elapsed);
                if let Some(policy) = refused_by_rate_limit(&response) {
                    state.metrics.observe_rate_limited(&policy);
                }
            }
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            Ok(response)
        }
        Err(error) => {
            tracing::error!(%error, "request errored before a response");
            Err(error)
        }
    }
}

/// The rate-limit policy a 429 names in its `RateLimit-Policy` header
/// (`"organization-writes";q=300;w=60`).
fn refused_by_rate_limit<B>(response: &ServiceResponse<B>) -> Option<String> {
    if response.status().as_u16() != 429 {
        return None;
    }
    let value = response.headers().get("ratelimit-policy")?.to_str().ok()?;
    let name = value.strip_prefix('"')?.split('"').next()?;
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_link_tokens_never_reach_the_logs() {
        assert_eq!(
            loggable_path("/v1/shared/abcDEF123-_secret/report"),
            "/v1/shared/{token}/report"
        );
        assert_eq!(loggable_path("/v1/shared/abc"), "/v1/shared/{token}");
        assert_eq!(
            loggable_path("/v1/shortlists/x/report"),
            "/v1/shortlists/x/report"
        );
    }

    #[test]
    fn request_ids_from_callers_must_be_short_and_plain() {
        let ok = HeaderValue::from_static("abc-123_x.y");
        assert_eq!(acceptable_request_id(&ok).as_deref(), Some("abc-123_x.y"));
        assert!(acceptable_request_id(&HeaderValue::from_static("a b")).is_none());
        assert!(acceptable_request_id(&HeaderValue::from_static("")).is_none());
        let long = HeaderValue::from_str(&"a".repeat(65)).unwrap();
        assert!(acceptable_request_id(&long).is_none());
    }
}
