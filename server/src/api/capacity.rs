//! Published manufacturing capacity.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use cdmx_sdk::types::{
    CapacityBlock, CapacityBlockChange, CapacitySearch, NewCapacityBlock, Page, Problem,
};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::capacity;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Publish capacity for your profile (the owning CDMO).
#[utoipa::path(
    tag = "capacity",
    operation_id = "create_capacity_block",
    params(("id" = String, Path, description = "Profile id"), IdempotencyKeyParam),
    request_body = NewCapacityBlock,
    responses((status = 201, description = "The published block", body = CapacityBlock))
)]
#[post("/cdmos/{id}/capacity")]
pub async fn create_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJson<NewCapacityBlock>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let block = capacity::publish(state, principal, id.into_inner(), request).await?;
            Ok(HttpResponse::Created()
                .insert_header((header::LOCATION, format!("/v1/capacity/{}", block.id)))
                .json(block))
        },
    )
    .await
}

/// Search published capacity. Availability is live: `free` = slots - unexpired holds -
/// confirmed. Blocks of unlisted profiles are left out, except for their own CDMO.
#[utoipa::path(
    tag = "capacity",
    operation_id = "search_capacity",
    params(CapacitySearch),
    responses((status = 200, description = "A page of capacity blocks", body = Page<CapacityBlock>))
)]
#[get("/capacity")]
pub async fn search_capacity(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<CapacitySearch>,
) -> Result<HttpResponse, ApiError> {
    let page = capacity::search(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One capacity block, with live availability.
#[utoipa::path(
    tag = "capacity",
    operation_id = "get_capacity_block",
    params(("id" = String, Path, description = "Capacity block id")),
    responses((status = 200, description = "The block", body = CapacityBlock))
)]
#[get("/capacity/{id}")]
pub async fn get_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let block = capacity::get(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(block))
}

/// Change a block's slots or terms (the owning CDMO). Slots cannot drop below what is
/// held or confirmed: 409 with the numbers.
#[utoipa::path(
    tag = "capacity",
    operation_id = "change_capacity_block",
    params(("id" = String, Path, description = "Capacity block id")),
    request_body = CapacityBlockChange,
    responses(
        (status = 200, description = "The block", body = CapacityBlock),
        (status = 409, description = "Fewer slots than are held or confirmed", body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/capacity/{id}")]
pub async fn change_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<CapacityBlockChange>,
) -> Result<HttpResponse, ApiError> {
    let block = capacity::change(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(block))
}

/// Withdraw a block that has never had a reservation (the owning CDMO).
#[utoipa::path(
    tag = "capacity",
    operation_id = "delete_capacity_block",
    params(("id" = String, Path, description = "Capacity block id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 409, description = "The block has reservations on record", body = Problem, content_type = "application/problem+json")
    )
)]
#[delete("/capacity/{id}")]
pub async fn delete_capacity_block(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    capacity::withdraw(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
