use actix_web::{HttpResponse, delete, get, post, web};
use cdmx_sdk::types::{ApiKey, CreateApiKeyRequest, CreatedApiKey, Page, PageParams};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::pagination::PageRequest;
use super::views;
use crate::auth::{Principal, api_keys};
use crate::db::accounts::{self, ApiKeyRow};
use crate::db::{new_id, now};
use crate::domain::accounts::NewApiKey;
use crate::error::ApiError;
use crate::startup::AppState;
use cdmx_sdk::types::PrincipalKind;

/// Create an API key for your organisation (organisation admins). The secret is in this
/// response only; store it now.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "create_api_key",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = CreateApiKeyRequest,
    responses((status = 201, description = "Key created; `secret` is shown this once", body = CreatedApiKey))
)]
#[post("/organizations/{id}/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    id: web::Path<String>,
    body: ApiJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin_of(&id)?;
    let request = NewApiKey::parse(&body.0)?;
    let generated = api_keys::generate()?;
    let row = ApiKeyRow {
        id: new_id(),
        organization_id: id.into_inner(),
        name: request.name,
        prefix: generated.prefix,
        secret_hash: generated.hash,
        role: request.role,
        created_by: (principal.kind == PrincipalKind::User).then(|| principal.id.clone()),
        created_at: now(),
        last_used_at: None,
        revoked_at: None,
    };
    let row = state
        .db
        .write(move |c| {
            accounts::insert_api_key(c, &row)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        api_key: views::api_key(row)?,
        secret: generated.secret,
    }))
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
    principal.require_admin_of(&id)?;
    let page = PageRequest::parse(query.0.limit, query.0.cursor.as_deref())?;
    let keyset = page.keyset()?;
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |c| accounts::list_api_keys(c, &id, &keyset))
        .await?;
    Ok(HttpResponse::Ok().json(page.page(rows, |r| &r.id, views::api_key)?))
}

/// Revoke an API key (organisation admins). It stops working at once; revoking again
/// changes nothing.
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
    principal.require_admin_of(&organization_id)?;
    state
        .db
        .write(move |c| accounts::revoke_api_key(c, &organization_id, &key_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
