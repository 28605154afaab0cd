use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{Me, Problem, TokenRequest, TokenResponse};

use super::extract::{ApiJson, ApiQuery, ClientAddress, NoQuery};
use crate::app::accounts;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::startup::AppState;

/// Exchange a password or an API key for a bearer token.
#[utoipa::path(
    tag = "auth",
    operation_id = "issue_token",
    security(()),
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "Unknown email, wrong password, or an unknown or revoked key", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    _query: ApiQuery<NoQuery>,
    state: web::Data<AppState>,
    client: ClientAddress,
    body: ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = accounts::issue_token(&state, &client.0, body.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(token))
}

/// Who am I: the calling user or API key, its organisation and role.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_me",
    responses((status = 200, description = "The caller", body = Me))
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(accounts::me(&state, &principal).await?))
}
