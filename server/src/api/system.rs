use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use cdmx_sdk::types::{Health, Readiness};

use super::extract::{ApiQuery, NoQuery};
use crate::app::metrics;
use crate::error::ApiError;
use crate::startup::AppState;

/// Liveness: the process answers. Does not touch the database.
#[utoipa::path(
    tag = "system",
    operation_id = "get_health",
    security(()),
    responses((status = 200, description = "The process is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz(_query: ApiQuery<NoQuery>) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Readiness: the database answers within a second; 503 (with `Retry-After`) otherwise.
#[utoipa::path(
    tag = "system",
    operation_id = "get_readiness",
    security(()),
    responses((status = 200, description = "Ready to serve", body = Readiness))
)]
#[get("/readyz")]
pub async fn readyz(
    state: web::Data<AppState>,
    _query: ApiQuery<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::Unavailable("the database is unreachable".into())
    })?;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".to_owned(),
        database: state.db.backend(),
    }))
}

/// Prometheus metrics of this process, in the text format: requests by operation and
/// status with latency histograms, database pool, index size and lag, reservations by
/// state, rate-limit refusals. Needs the metrics token (`CDMX_METRICS_TOKEN`) as a
/// bearer token; without that setting it answers 404. Each process counts its own
/// requests: scrape every process.
#[utoipa::path(
    tag = "system",
    operation_id = "get_metrics",
    security(()),
    responses(
        (status = 200, description = "Metrics in the Prometheus text format 0.0.4", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "The metrics token is missing or wrong", body = cdmx_sdk::types::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are off (no metrics token is configured)", body = cdmx_sdk::types::Problem, content_type = "application/problem+json")
    )
)]
#[get("/metrics")]
pub async fn get_metrics(
    state: web::Data<AppState>,
    request: HttpRequest,
    _query: ApiQuery<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let text = metrics::scrape(&state, presented).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
