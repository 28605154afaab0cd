use actix_web::{HttpResponse, get, web};
use cdmx_sdk::types::{Health, Readiness};

use super::extract::{ApiQuery, NoQuery};
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
