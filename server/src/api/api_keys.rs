use actix_web::{HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{ApiKey, CreateApiKeyRequest, CreatedApiKey, Page, PageParams, Problem};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::idempotency::{Idempotency, IdempotencyKeyParam, Replay, once};
use crate::app::accounts;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Create an API key for your organisation (organisation admins). The secret is in this
/// response only (sent with `Cache-Control: no-store`); store it now. The server does not
/// keep it, so a retry with the same `Idempotency-Key` does not replay it: it answers 409
/// naming the key already created (revoke that one if its secret was lost).
///
/// `scopes` limit what the key may do on top of its role (default: every scope of its
/// creator). A key creating a key cannot give it a scope or role it lacks (403).
#[utoipa::path(
    tag = "api-keys",
    operation_id = "create_api_key",
    params(("id" = String, Path, description = "Organisation id"), IdempotencyKeyParam),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "Key created; `secret` is shown this once", body = CreatedApiKey),
        (status = 403, description = "Not an admin of the organisation, or a key granting a scope or role it lacks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This `Idempotency-Key` already created a key (named in the problem; its secret is not shown again), or the same key is in progress", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/organizations/{id}/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    idempotency: Idempotency,
    body: ApiJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let (state, principal) = (&state, &principal);
    let replay = Replay::SecretShownOnce {
        id_at: "/api_key/id",
    };
    once(
        state,
        principal,
        idempotency,
        body.0,
        replay,
        |request| async move {
            let created =
                accounts::create_api_key(state, principal, id.into_inner(), request).await?;
            Ok(HttpResponse::Created()
                .insert_header(("Cache-Control", "no-store"))
                .json(created))
        },
    )
    .await
}

/// List your organisation's API keys, revoked ones included (organisation admins).
#[utoipa::path(
    tag = "api-keys",
    operation_id = "list_api_keys",
    params(("id" = String, Path, description = "Organisation id"), PageParams),
    responses((status = 200, description = "A page of API keys, without secrets", body = Page<ApiKey>))
)]
#[get("/organizations/{id}/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: ApiQuery<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = accounts::list_api_keys(&state, &principal, id.into_inner(), query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Revoke an API key (organisation admins). It stops working at once, and so does every
/// key created with it (and keys those created, and so on); revoking again changes
/// nothing.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "revoke_api_key",
    params(
        ("id" = String, Path, description = "Organisation id"),
        ("key_id" = String, Path, description = "API key id")
    ),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/organizations/{id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (organization_id, key_id) = path.into_inner();
    accounts::revoke_api_key(&state, &principal, organization_id, key_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
