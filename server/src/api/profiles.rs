//! CDMO capability profiles: create, read, replace, merge-patch, revisions, search.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use cdmx_sdk::types::{
    CapabilityProfile, CdmoProfile, CdmoSearch, CdmoSummary, DiffParams, Page, PageParams, Problem,
    ProfileRevision, ProfileRevisionSummary, RevisionDiff,
};
use serde_json::Value;

use super::extract::{ApiJson, ApiQuery, NoQuery, if_match, with_etag, with_etag_json};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::profiles;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Create your organisation's profile (CDMO organisation admins; one per organisation).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "create_cdmo_profile",
    params(IdempotencyKeyParam),
    request_body = CapabilityProfile,
    responses(
        (status = 201, description = "Profile created at revision 1; `ETag` carries the revision", body = CdmoProfile),
        (status = 409, description = "The organisation already has a profile", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cdmos")]
pub async fn create_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<CapabilityProfile>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let view = profiles::create(state, principal, request).await?;
            let mut response = HttpResponse::Created();
            response.insert_header((header::LOCATION, format!("/v1/cdmos/{}", view.id)));
            Ok(with_etag(response, view.revision, &view))
        },
    )
    .await
}

/// Read a profile at its current revision (any authenticated caller: profiles are public).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "get_cdmo_profile",
    params(("id" = String, Path, description = "Profile id")),
    responses((status = 200, description = "The profile; `ETag` carries the revision", body = CdmoProfile))
)]
#[get("/cdmos/{id}")]
pub async fn get_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = profiles::get(&state, &principal, id.into_inner()).await?;
    Ok(with_etag_json(
        HttpResponse::Ok(),
        profile.revision,
        profile.json,
    ))
}

/// Replace the profile (the owning CDMO). Requires `If-Match` with the current revision.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "replace_cdmo_profile",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("If-Match" = String, Header, description = "ETag of the revision you edited, e.g. \"3\"")
    ),
    request_body = CapabilityProfile,
    responses(
        (status = 200, description = "The new revision", body = CdmoProfile),
        (status = 412, description = "The profile changed since the revision you edited", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/cdmos/{id}")]
pub async fn replace_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<CapabilityProfile>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let view = profiles::replace(&state, &principal, id.into_inner(), expected, body.0).await?;
    Ok(with_etag(HttpResponse::Ok(), view.revision, &view))
}

/// Change part of the profile with a JSON merge patch (RFC 7396; the owning CDMO).
/// Requires `If-Match` with the current revision.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "patch_cdmo_profile",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("If-Match" = String, Header, description = "ETag of the revision you edited, e.g. \"3\"")
    ),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "A JSON merge patch of the capability profile"),
    responses(
        (status = 200, description = "The new revision", body = CdmoProfile),
        (status = 412, description = "The profile changed since the revision you edited", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/cdmos/{id}")]
pub async fn patch_cdmo_profile(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let view = profiles::patch(&state, &principal, id.into_inner(), expected, body.0).await?;
    Ok(with_etag(HttpResponse::Ok(), view.revision, &view))
}

/// A profile's revisions, newest first.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "list_cdmo_revisions",
    params(("id" = String, Path, description = "Profile id"), PageParams),
    responses((status = 200, description = "A page of revisions", body = Page<ProfileRevisionSummary>))
)]
#[get("/cdmos/{id}/revisions")]
pub async fn list_cdmo_revisions(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = profiles::list_revisions(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One immutable revision of a profile.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "get_cdmo_revision",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("revision" = u32, Path, description = "Revision number")
    ),
    responses((status = 200, description = "The revision", body = ProfileRevision))
)]
#[get("/cdmos/{id}/revisions/{revision}")]
pub async fn get_cdmo_revision(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let revision = profiles::get_revision(&state, &principal, id, revision).await?;
    Ok(HttpResponse::Ok().json(revision))
}

/// Field-level differences between two revisions (default: against the one before).
#[utoipa::path(
    tag = "cdmos",
    operation_id = "diff_cdmo_revisions",
    params(
        ("id" = String, Path, description = "Profile id"),
        ("revision" = u32, Path, description = "Revision number"),
        DiffParams
    ),
    responses((status = 200, description = "The changes from `against` to `revision`", body = RevisionDiff))
)]
#[get("/cdmos/{id}/revisions/{revision}/diff")]
pub async fn diff_cdmo_revisions(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ApiQuery<DiffParams>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let diff = profiles::diff_revisions(&state, &principal, id, revision, query.0).await?;
    Ok(HttpResponse::Ok().json(diff))
}

/// Search public CDMO profiles. Filters combine with AND across parameters and OR within
/// a comma-separated list. Unverified CDMOs are included but flagged
/// (`organization_verified: false`) unless `verified_only=true`.
#[utoipa::path(
    tag = "cdmos",
    operation_id = "search_cdmos",
    params(CdmoSearch),
    responses((status = 200, description = "A page of matching CDMOs", body = Page<CdmoSummary>))
)]
#[get("/cdmos")]
pub async fn search_cdmos(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<CdmoSearch>,
) -> Result<HttpResponse, ApiError> {
    let page = profiles::search(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}
