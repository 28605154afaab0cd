//! Reservations of capacity: holds, confirmations, cancellations, reschedules.

use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{
    AllocationHold, NewAllocationHold, NewReservation, Page, Problem, RescheduleRequest,
    Reservation, ReservationEvent, ReservationFilter,
};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, RequiredIdempotencyKeyParam, created_json, respond};
use crate::app::reservations;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Hold slots of a capacity block (sponsors). The hold expires unless the CDMO confirms
/// it. Requires an `Idempotency-Key` header: a retry with the same key and body replays
/// the first answer (`Idempotent-Replayed: true`), the same key with another body is
/// 422, and while the first request is in progress a duplicate is 409 with
/// `Retry-After`. A refused request is not recorded. Keys are scoped to your
/// organisation and kept 24 hours.
#[utoipa::path(
    tag = "reservations",
    operation_id = "create_reservation",
    params(RequiredIdempotencyKeyParam),
    request_body = NewReservation,
    responses(
        (status = 201, description = "The hold", body = Reservation),
        (status = 409, description = "Not enough free slots, a hold limit reached, the CDMO has unlisted its profile, or the same key in progress", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations")]
pub async fn create_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<NewReservation>,
) -> Result<HttpResponse, ApiError> {
    let keyed = idempotency.required(&body.0)?;
    let answer = reservations::place_hold(&state, &principal, body.0, keyed, |r| {
        created_json(format!("/v1/reservations/{}", r.id), r)
    })
    .await?;
    Ok(respond(answer))
}

/// Hold slots of several capacity blocks at once (sponsors), all or nothing: a match's
/// proposed split allocation (`split_allocation.proposals[i]`, its parts' blocks), or
/// any blocks you choose, of one CDMO or several. Every hold expires unless its CDMO
/// confirms it. When any block lacks the slots, nothing is held. Requires an
/// `Idempotency-Key` header, with the same rules as `create_reservation`.
#[utoipa::path(
    tag = "reservations",
    operation_id = "create_allocation_hold",
    params(RequiredIdempotencyKeyParam),
    request_body = NewAllocationHold,
    responses(
        (status = 201, description = "The holds, in the request's order", body = AllocationHold),
        (status = 409, description = "A block lacks the free slots, a hold limit is reached, a CDMO has unlisted its profile, or the same key is in progress; nothing was held", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/allocations")]
pub async fn create_allocation_hold(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<NewAllocationHold>,
) -> Result<HttpResponse, ApiError> {
    let keyed = idempotency.required(&body.0)?;
    let answer = reservations::place_allocation_hold(&state, &principal, body.0, keyed, |holds| {
        // The first hold stands for the allocation: there is no allocation resource.
        let first = holds.reservations.first().map_or("", |r| r.id.as_str());
        created_json(format!("/v1/reservations/{first}"), holds)
    })
    .await?;
    Ok(respond(answer))
}

/// Your reservations: a sponsor's own, or those on a CDMO's capacity.
#[utoipa::path(
    tag = "reservations",
    operation_id = "list_reservations",
    params(ReservationFilter),
    responses((status = 200, description = "A page of reservations", body = Page<Reservation>))
)]
#[get("/reservations")]
pub async fn list_reservations(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<ReservationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = reservations::list(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One of your reservations.
#[utoipa::path(
    tag = "reservations",
    operation_id = "get_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "The reservation", body = Reservation))
)]
#[get("/reservations/{id}")]
pub async fn get_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reservation = reservations::get(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(reservation))
}

/// Every transition of a reservation, oldest first.
#[utoipa::path(
    tag = "reservations",
    operation_id = "list_reservation_events",
    params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "The events, in one page", body = Page<ReservationEvent>))
)]
#[get("/reservations/{id}/events")]
pub async fn list_reservation_events(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let events = reservations::events(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(events))
}

/// Confirm a hold (the CDMO). 409 naming the state when it is not a live hold.
#[utoipa::path(
    tag = "reservations",
    operation_id = "confirm_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Confirmed", body = Reservation),
        (status = 409, description = "Not a live hold (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/confirm")]
pub async fn confirm_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reservation = reservations::confirm(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(reservation))
}

/// Decline a hold (the CDMO).
#[utoipa::path(
    tag = "reservations",
    operation_id = "decline_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Declined", body = Reservation),
        (status = 409, description = "Not a live hold (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/decline")]
pub async fn decline_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reservation = reservations::decline(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(reservation))
}

/// Cancel a hold or a confirmed reservation (the sponsor).
#[utoipa::path(
    tag = "reservations",
    operation_id = "cancel_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Cancelled", body = Reservation),
        (status = 409, description = "Already ended (the problem names its state)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/cancel")]
pub async fn cancel_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reservation = reservations::cancel(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(reservation))
}

/// Move a reservation to another block of the same CDMO (either party), atomically.
#[utoipa::path(
    tag = "reservations",
    operation_id = "reschedule_reservation",
    params(("id" = String, Path, description = "Reservation id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "Moved", body = Reservation),
        (status = 409, description = "The target is full or another CDMO's, or the reservation ended; nothing changed", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/reservations/{id}/reschedule")]
pub async fn reschedule_reservation(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<RescheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let reservation = reservations::reschedule(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(reservation))
}
