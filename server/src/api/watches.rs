//! Capacity watches.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{CapacityWatch, NewCapacityWatch, Page, PageParams};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::watches;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Watch for capacity: name one of your programmes (its requirements must state a
/// `capacity` need) or give a requirement set with one. The watch fires a
/// `capacity.available` event (your feed and webhooks) the first time, after it was
/// made, that a change to a CDMO's capacity (a block published or changed, slots freed
/// by a decline, cancellation or expiry) leaves that CDMO meeting the hard constraints
/// with enough free slots of the kind in the window, as a match would judge it. It fires
/// once per CDMO; unrelated changes fire nothing. The capacity need counts as required.
#[utoipa::path(
    tag = "events",
    operation_id = "create_capacity_watch",
    params(IdempotencyKeyParam),
    request_body = NewCapacityWatch,
    responses((status = 201, description = "The watch", body = CapacityWatch))
)]
#[post("/watches")]
pub async fn create_capacity_watch(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<NewCapacityWatch>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::Same,
        |request| async move {
            let watch = watches::create(state, principal, request).await?;
            Ok(HttpResponse::Created()
                .insert_header((header::LOCATION, format!("/v1/watches/{}", watch.id)))
                .json(watch))
        },
    )
    .await
}

/// Your organisation's capacity watches, with the CDMOs each has fired for.
#[utoipa::path(
    tag = "events",
    operation_id = "list_capacity_watches",
    params(PageParams),
    responses((status = 200, description = "A page of watches", body = Page<CapacityWatch>))
)]
#[get("/watches")]
pub async fn list_capacity_watches(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.0;
    let page = watches::list(&state, &principal, params.limit, params.cursor).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One of your capacity watches, with the CDMOs it has fired for.
#[utoipa::path(
    tag = "events",
    operation_id = "get_capacity_watch",
    params(("id" = String, Path, description = "Watch id")),
    responses((status = 200, description = "The watch", body = CapacityWatch))
)]
#[get("/watches/{id}")]
pub async fn get_capacity_watch(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let watch = watches::get(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(watch))
}

/// Delete one of your capacity watches: it fires no more.
#[utoipa::path(
    tag = "events",
    operation_id = "delete_capacity_watch",
    params(("id" = String, Path, description = "Watch id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/watches/{id}")]
pub async fn delete_capacity_watch(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    watches::delete(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
