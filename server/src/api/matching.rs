//! Sponsor programmes, matches and shortlists.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use cdmx_sdk::types::{
    ArchivableListParams, CreateShortlistRequest, MatchRequest, MatchResult, Page, Problem,
    Program, ProgramMatchRequest, ProgramRequest, Shortlist, ShortlistSummary,
};

use super::extract::{ApiJson, ApiJsonOrDefault, ApiQuery, NoQuery, if_match, with_etag};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::matching;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Create a programme (sponsor organisations). Private to your organisation.
#[utoipa::path(
    tag = "programs",
    operation_id = "create_program",
    params(IdempotencyKeyParam),
    request_body = ProgramRequest,
    responses((status = 201, description = "Programme created at version 1; `ETag` carries the version", body = Program))
)]
#[post("/programs")]
pub async fn create_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<ProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let program = matching::create_program(state, principal, request).await?;
            let mut response = HttpResponse::Created();
            response.insert_header((header::LOCATION, format!("/v1/programs/{}", program.id)));
            Ok(with_etag(response, program.version, &program))
        },
    )
    .await
}

/// Your organisation's programmes: those not archived, or with `archived=true` only the
/// archived ones.
#[utoipa::path(
    tag = "programs",
    operation_id = "list_programs",
    params(ArchivableListParams),
    responses((status = 200, description = "A page of programmes", body = Page<Program>))
)]
#[get("/programs")]
pub async fn list_programs(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<ArchivableListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = matching::list_programs(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One of your organisation's programmes.
#[utoipa::path(
    tag = "programs",
    operation_id = "get_program",
    params(("id" = String, Path, description = "Programme id")),
    responses((status = 200, description = "The programme; `ETag` carries the version", body = Program))
)]
#[get("/programs/{id}")]
pub async fn get_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let program = matching::get_program(&state, &principal, id.into_inner()).await?;
    Ok(with_etag(HttpResponse::Ok(), program.version, &program))
}

/// Replace a programme. Requires `If-Match` with the current version.
#[utoipa::path(
    tag = "programs",
    operation_id = "replace_program",
    params(
        ("id" = String, Path, description = "Programme id"),
        ("If-Match" = String, Header, description = "ETag of the version you edited, e.g. \"1\"")
    ),
    request_body = ProgramRequest,
    responses(
        (status = 200, description = "The new version", body = Program),
        (status = 412, description = "The programme changed since the version you edited", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/programs/{id}")]
pub async fn replace_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    req: HttpRequest,
    id: web::Path<String>,
    body: ApiJson<ProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let program =
        matching::replace_program(&state, &principal, id.into_inner(), expected, body.0).await?;
    Ok(with_etag(HttpResponse::Ok(), program.version, &program))
}

/// Match a programme against the current CDMO profiles.
#[utoipa::path(
    tag = "matching",
    operation_id = "match_program",
    params(("id" = String, Path, description = "Programme id")),
    request_body = ProgramMatchRequest,
    responses((status = 200, description = "Ranked, explained candidates and the excluded with their reasons", body = MatchResult))
)]
#[post("/programs/{id}/matches")]
pub async fn match_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJsonOrDefault<ProgramMatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let result = matching::match_program(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Match ad-hoc requirements against the current CDMO profiles.
#[utoipa::path(
    tag = "matching",
    operation_id = "create_match",
    request_body = MatchRequest,
    responses((status = 200, description = "Ranked, explained candidates and the excluded with their reasons", body = MatchResult))
)]
#[post("/matches")]
pub async fn create_match(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    body: ApiJson<MatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let result = matching::match_requirements(&state, &principal, body.0).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Save a programme's current match as an immutable shortlist.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "create_shortlist",
    params(IdempotencyKeyParam),
    request_body = CreateShortlistRequest,
    responses((status = 201, description = "The shortlist, pinned to the profile revisions it ranked", body = Shortlist))
)]
#[post("/shortlists")]
pub async fn create_shortlist(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<CreateShortlistRequest>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let shortlist = matching::create_shortlist(state, principal, request).await?;
            let mut response = HttpResponse::Created();
            response.insert_header((header::LOCATION, format!("/v1/shortlists/{}", shortlist.id)));
            Ok(response.json(shortlist))
        },
    )
    .await
}

/// Your organisation's shortlists: those not archived, or with `archived=true` only the
/// archived ones.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "list_shortlists",
    params(ArchivableListParams),
    responses((status = 200, description = "A page of shortlists", body = Page<ShortlistSummary>))
)]
#[get("/shortlists")]
pub async fn list_shortlists(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<ArchivableListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = matching::list_shortlists(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One of your organisation's shortlists, exactly as it was saved.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "get_shortlist",
    params(("id" = String, Path, description = "Shortlist id")),
    responses((status = 200, description = "The shortlist", body = Shortlist))
)]
#[get("/shortlists/{id}")]
pub async fn get_shortlist(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shortlist = matching::get_shortlist(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(shortlist))
}

/// Archive a programme: it leaves the default list (`archived=true` lists it) and stays
/// readable by id. Archiving again changes nothing.
#[utoipa::path(
    tag = "programs",
    operation_id = "archive_program",
    params(("id" = String, Path, description = "Programme id")),
    responses((status = 200, description = "The programme, with `archived_at`", body = Program))
)]
#[post("/programs/{id}/archive")]
pub async fn archive_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let program = matching::set_program_archived(&state, &principal, id.into_inner(), true).await?;
    Ok(with_etag(HttpResponse::Ok(), program.version, &program))
}

/// Unarchive a programme: it is back in the default list. Unarchiving one that is not
/// archived changes nothing.
#[utoipa::path(
    tag = "programs",
    operation_id = "unarchive_program",
    params(("id" = String, Path, description = "Programme id")),
    responses((status = 200, description = "The programme, without `archived_at`", body = Program))
)]
#[post("/programs/{id}/unarchive")]
pub async fn unarchive_program(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let program =
        matching::set_program_archived(&state, &principal, id.into_inner(), false).await?;
    Ok(with_etag(HttpResponse::Ok(), program.version, &program))
}

/// Archive a shortlist: it leaves the default list (`archived=true` lists it); it stays
/// readable by id, and its report and share links still open. Archiving again changes
/// nothing.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "archive_shortlist",
    params(("id" = String, Path, description = "Shortlist id")),
    responses((status = 200, description = "The shortlist, with `archived_at`", body = Shortlist))
)]
#[post("/shortlists/{id}/archive")]
pub async fn archive_shortlist(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shortlist =
        matching::set_shortlist_archived(&state, &principal, id.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(shortlist))
}

/// Unarchive a shortlist: it is back in the default list. Unarchiving one that is not
/// archived changes nothing.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "unarchive_shortlist",
    params(("id" = String, Path, description = "Shortlist id")),
    responses((status = 200, description = "The shortlist, without `archived_at`", body = Shortlist))
)]
#[post("/shortlists/{id}/unarchive")]
pub async fn unarchive_shortlist(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shortlist =
        matching::set_shortlist_archived(&state, &principal, id.into_inner(), false).await?;
    Ok(HttpResponse::Ok().json(shortlist))
}
