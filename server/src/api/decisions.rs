//! Decisions recorded on shortlists.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{Decision, NewDecision, Page, PageParams, Problem};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::decisions;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Record a decision on one of your organisation's shortlists: the selected CDMOs
/// (`award`, each a ranked candidate of the shortlist) or `no_award`, and the rationale.
/// Decisions are immutable (no update or delete): a later one supersedes the current one
/// and names it in `supersedes`.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "create_shortlist_decision",
    params(("id" = String, Path, description = "Shortlist id"), IdempotencyKeyParam),
    request_body = NewDecision,
    responses(
        (status = 201, description = "The decision, now current", body = Decision),
        (status = 409, description = "Another decision was recorded on the shortlist at the same moment (read the decisions and retry), or the same `Idempotency-Key` is in progress", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/shortlists/{id}/decisions")]
pub async fn create_shortlist_decision(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJson<NewDecision>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    let shortlist_id = id.into_inner();
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let decision = decisions::record(state, principal, shortlist_id, request).await?;
            let mut response = HttpResponse::Created();
            response.insert_header((
                header::LOCATION,
                format!("/v1/shortlists/{}/decisions", decision.shortlist_id),
            ));
            Ok(response.json(decision))
        },
    )
    .await
}

/// A shortlist's decisions, newest first; the current one says `current: true`.
#[utoipa::path(
    tag = "shortlists",
    operation_id = "list_shortlist_decisions",
    params(("id" = String, Path, description = "Shortlist id"), PageParams),
    responses((status = 200, description = "A page of decisions, newest first", body = Page<Decision>))
)]
#[get("/shortlists/{id}/decisions")]
pub async fn list_shortlist_decisions(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = decisions::list(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}
