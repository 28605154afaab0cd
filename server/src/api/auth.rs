use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{ChangePasswordRequest, Me, Problem, TokenRequest, TokenResponse};

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
        (status = 401, description = "Unknown email, wrong password, a deactivated user, or an unknown or revoked key", body = Problem, content_type = "application/problem+json")
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

/// Sign out everywhere: every token of the calling user stops working, not only the one
/// sent (this server keeps no per-token sessions). Users only; an API key is revoked
/// instead.
///
/// Immediate on the server that answers; other server processes may accept the old
/// tokens for at most `CDMX_TOKEN_CHECK_CACHE_SECONDS` (5 by default).
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    responses(
        (status = 204, description = "Signed out: the user's tokens are revoked"),
        (status = 403, description = "API keys have no sessions", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change your own password, giving the current one. Every token of the user stops
/// working, this one included: sign in again with the new password. Users only.
#[utoipa::path(
    tag = "auth",
    operation_id = "change_password",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed: the user's tokens are revoked"),
        (status = 403, description = "API keys have no password", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    _query: ApiQuery<NoQuery>,
    body: ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::change_password(&state, &principal, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
