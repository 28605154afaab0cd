use actix_web::{HttpResponse, get, post, web};
use cdmx_sdk::types::{Me, PrincipalKind, Problem, TokenRequest, TokenResponse};

use super::extract::{ApiJson, ApiQuery, NoQuery};
use super::views;
use crate::auth::{Principal, api_keys, passwords};
use crate::db::accounts;
use crate::error::ApiError;
use crate::startup::AppState;

const BAD_CREDENTIALS: &str = "the credentials are not valid";

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
    body: ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let principal = match body.0 {
        TokenRequest::Password { email, password } => {
            let email = email.trim().to_lowercase();
            let user = state
                .db
                .run(move |c| accounts::find_user_by_email(c, &email))
                .await?;
            let stored = user.as_ref().map(|u| u.password_hash.clone());
            let valid = tokio::task::spawn_blocking(move || {
                passwords::verify_login(&password, stored.as_deref())
            })
            .await
            .map_err(ApiError::internal)?;
            let user = user
                .filter(|_| valid)
                .ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?;
            (
                PrincipalKind::User,
                user.id,
                user.organization_id,
                user.role,
            )
        }
        TokenRequest::ApiKey { api_key } => {
            let prefix = api_keys::prefix_of(&api_key)
                .ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?
                .to_owned();
            let key = state
                .db
                .run(move |c| accounts::find_api_key_by_prefix(c, &prefix))
                .await?
                .filter(|k| api_keys::matches(&api_key, &k.secret_hash) && k.revoked_at.is_none())
                .ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?;
            let key_id = key.id.clone();
            state
                .db
                .write(move |c| accounts::touch_api_key(c, &key_id))
                .await?;
            (PrincipalKind::ApiKey, key.id, key.organization_id, key.role)
        }
    };
    let (kind, id, organization_id, role) = principal;
    let org_id = organization_id.clone();
    let organization = state
        .db
        .run(move |c| accounts::find_organization(c, &org_id))
        .await?;
    let token = state.tokens.issue(&Principal {
        kind,
        id,
        organization_id,
        organization_kind: organization.kind,
        role,
    })?;
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
    let p = principal.clone();
    let (organization, email, api_key_name) = state
        .db
        .run(move |c| {
            let organization = accounts::find_organization(c, &p.organization_id)?;
            Ok(match p.kind {
                PrincipalKind::ApiKey => (
                    organization,
                    None,
                    Some(accounts::find_api_key(c, &p.id)?.name),
                ),
                // A principal is a user or an API key (the server decodes kinds strictly).
                _ => (
                    organization,
                    Some(accounts::find_user(c, &p.id)?.email),
                    None,
                ),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Me {
        principal_kind: principal.kind,
        principal_id: principal.id,
        email,
        api_key_name,
        role: principal.role,
        organization: views::organization(organization)?,
    }))
}
