//! Evidence behind profile facts, and its verification by platform admins.

use actix_web::{HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{Evidence, NewEvidence, Page, Problem};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::profiles;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Attach evidence to a section or fact of your profile (the owning CDMO).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "add_cdmo_evidence",
    params(("id" = String, Path, description = "Profile id"), IdempotencyKeyParam),
    request_body = NewEvidence,
    responses((status = 201, description = "Evidence added, unverified", body = Evidence))
)]
#[post("/cdmos/{id}/evidence")]
pub async fn add_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJson<NewEvidence>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let evidence =
                profiles::add_evidence(state, principal, id.into_inner(), request).await?;
            Ok(HttpResponse::Created().json(evidence))
        },
    )
    .await
}

/// All evidence of a profile, with its verification state.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "list_cdmo_evidence",
    params(("id" = String, Path, description = "Profile id")),
    responses((status = 200, description = "Every evidence item of the profile, in one page", body = Page<Evidence>))
)]
#[get("/cdmos/{id}/evidence")]
pub async fn list_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let page = profiles::list_evidence(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Mark evidence verified (platform admins). An edit of the fact it covers resets it.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "verify_cdmo_evidence",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("evidence_id" = String, Path, description = "Evidence id")
    ),
    responses(
        (status = 200, description = "The evidence, verified", body = Evidence),
        (status = 409, description = "The evidence has expired", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cdmos/{id}/evidence/{evidence_id}/verify")]
pub async fn verify_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (profile_id, evidence_id) = path.into_inner();
    let evidence = profiles::verify_evidence(&state, &principal, profile_id, evidence_id).await?;
    Ok(HttpResponse::Ok().json(evidence))
}

/// Remove evidence from your profile (the owning CDMO).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "delete_cdmo_evidence",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("evidence_id" = String, Path, description = "Evidence id")
    ),
    responses((status = 204, description = "Removed"))
)]
#[delete("/cdmos/{id}/evidence/{evidence_id}")]
pub async fn delete_cdmo_evidence(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (profile_id, evidence_id) = path.into_inner();
    profiles::delete_evidence(&state, &principal, profile_id, evidence_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
