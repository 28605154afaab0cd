//! Webhook endpoints and their deliveries.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use cdmx_sdk::types::{
    NewWebhookEndpoint, Page, PageParams, Problem, SecretRotationParams, WebhookAttempt,
    WebhookDelivery, WebhookEndpoint, WebhookEndpointChange,
};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::webhooks;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Register a webhook endpoint (organisation admins): your organisation's events (those
/// of `event_types`, or all) are posted to `url`, signed (see the README, *Webhooks*).
/// The URL must be http(s) and resolve to public addresses (a private, loopback or
/// link-local one is 422 naming `url`, and nothing is registered). The signing
/// `secret` is in this answer only (sent with `Cache-Control: no-store`): a retry with
/// the same `Idempotency-Key` answers 409 naming the endpoint already created.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook",
    params(IdempotencyKeyParam),
    request_body = NewWebhookEndpoint,
    responses(
        (status = 201, description = "The endpoint; `secret` is shown this once", body = WebhookEndpoint),
        (status = 409, description = "This `Idempotency-Key` already registered an endpoint (named in the problem; its secret is not shown again), or the same key is in progress", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    idempotency: Idempotency,
    body: ApiJson<NewWebhookEndpoint>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    once(
        state,
        principal,
        idempotency,
        body.0,
        Replay::SecretShownOnce { id_at: "/id" },
        |request| async move {
            let endpoint = webhooks::create(state, principal, request).await?;
            Ok(HttpResponse::Created()
                .insert_header(("Cache-Control", "no-store"))
                .insert_header((header::LOCATION, format!("/v1/webhooks/{}", endpoint.id)))
                .json(endpoint))
        },
    )
    .await
}

/// Your organisation's webhook endpoints (organisation admins), without their secrets.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhooks",
    params(PageParams),
    responses((status = 200, description = "A page of endpoints", body = Page<WebhookEndpoint>))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = webhooks::list(&state, &principal, query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One webhook endpoint (organisation admins): whether it is enabled, and if the
/// exchange disabled it because its deliveries kept failing, why (`disabled_reason`).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "get_webhook",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = webhooks::get(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(endpoint))
}

/// Change a webhook endpoint (organisation admins): the fields given replace the
/// current ones. Enabling a disabled endpoint clears `disabled_reason`; its pending
/// deliveries resume, in order.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "update_webhook",
    params(("id" = String, Path, description = "Endpoint id")),
    request_body = WebhookEndpointChange,
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<WebhookEndpointChange>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = webhooks::update(&state, &principal, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(endpoint))
}

/// Delete a webhook endpoint (organisation admins): it is sent nothing more and its
/// pending deliveries are given up.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "delete_webhook",
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a webhook endpoint's signing secret (organisation admins). The new `secret`
/// is in this answer only; during the overlap (`overlap_seconds`, default a day) every
/// delivery carries a signature by the new and one by the previous secret, so that
/// receivers can switch without missing a delivery.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "rotate_webhook_secret",
    params(("id" = String, Path, description = "Endpoint id"), SecretRotationParams),
    responses((status = 200, description = "The endpoint with its new `secret`, shown this once", body = WebhookEndpoint))
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<SecretRotationParams>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = webhooks::rotate_secret(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(endpoint))
}

/// A webhook endpoint's delivery attempts, oldest first (organisation admins): when,
/// which event, the endpoint's status code, latency, the error, and where the delivery
/// stood after it.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    params(("id" = String, Path, description = "Endpoint id"), PageParams),
    responses((status = 200, description = "A page of attempts", body = Page<WebhookAttempt>))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    query: ApiQuery<PageParams>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let page = webhooks::list_attempts(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Deliver one of your organisation's events to a webhook endpoint again (organisation
/// admins), whatever its type and earlier deliveries: a new delivery is queued, with
/// the event's id as `webhook-id`, as before.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "redeliver_webhook_event",
    params(
        ("id" = String, Path, description = "Endpoint id"),
        ("event_id" = String, Path, description = "Event id (from your feed)")
    ),
    responses((status = 201, description = "The delivery queued", body = WebhookDelivery))
)]
#[post("/webhooks/{id}/events/{event_id}/deliveries")]
pub async fn redeliver_webhook_event(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, event_id) = path.into_inner();
    let delivery = webhooks::redeliver(&state, &principal, id, event_id).await?;
    Ok(HttpResponse::Created().json(delivery))
}
