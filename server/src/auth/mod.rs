//! Who is calling, and what they may do.
//!
//! Callers authenticate with a bearer JWT obtained from `POST /v1/auth/token` (password
//! or API-key grant). Tokens are signed statelessly, but each request also checks that
//! the token was not revoked: a user's token version ([`token_versions`]), a key's
//! revocation. What callers may do is decided in one place, [`policy`].

pub mod api_keys;
pub mod passwords;
pub mod policy;
pub mod share_tokens;
pub mod token_versions;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use cdmx_sdk::types::{ApiKeyScope, OrganizationKind, PrincipalKind, Role};

use crate::db::{StoreError, accounts};
use crate::error::ApiError;
use crate::limits::OrganizationQuota;
use crate::startup::AppState;
use token_versions::UserTokenState;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// User id or API key id.
    pub id: String,
    pub organization_id: String,
    pub organization_kind: OrganizationKind,
    pub role: Role,
    /// What it may do on top of its role: an API key's scopes; every scope for a user,
    /// whose role alone decides.
    pub scopes: Vec<ApiKeyScope>,
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization: Bearer token".into()))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".into(),
        )),
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let request = req.clone();
        let quota = OrganizationQuota::of_request(req.method(), req.match_pattern().as_deref());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let verified = state.tokens.verify(&token?)?;
            let principal = verified.principal;
            match (principal.kind, verified.token_version) {
                (PrincipalKind::User, Some(version)) => {
                    let stored = user_token_state(&state, &principal.id).await?;
                    if !stored.is_some_and(|s| s.accepts(version)) {
                        return Err(ApiError::Unauthorized(REVOKED.into()));
                    }
                }
                // Tokens are stateless, but a revoked key must stop working at once, not
                // when its last token expires: one indexed lookup per key-based request.
                _ => {
                    let key_id = principal.id.clone();
                    let key = state
                        .db
                        .run(move |c| accounts::find_api_key(c, &key_id))
                        .await;
                    match key {
                        Ok(key) if key.revoked_at.is_none() => {}
                        Ok(_) | Err(StoreError::NotFound) => {
                            return Err(ApiError::Unauthorized("the API key was revoked".into()));
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
            }
            // For what runs after the handler: the refusal trail, the request log.
            request.extensions_mut().insert(principal.clone());
            if let Some(quota) = quota {
                state
                    .limits
                    .check_organization(&principal.organization_id, quota)?;
            }
            Ok(principal)
        })
    }
}

/// Why a user's token is refused although well signed and unexpired. One answer for
/// every cause, so that a token does not tell what became of its user.
const REVOKED: &str = "the token was revoked (signed out, password changed, or the account \
     was deactivated or deleted); sign in again";

/// The user's token state, from this process's cache or the database; `None` when no
/// such user exists.
async fn user_token_state(
    state: &AppState,
    user_id: &str,
) -> Result<Option<UserTokenState>, ApiError> {
    if let Some(cached) = state.token_versions.get(user_id, Instant::now()) {
        return Ok(Some(cached));
    }
    let lookup = user_id.to_owned();
    let stored = match state.db.run(move |c| accounts::find_user(c, &lookup)).await {
        Ok(user) => Some(UserTokenState::of(&user)),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    if let Some(stored) = stored {
        state
            .token_versions
            .remember(user_id, stored, Instant::now());
    }
    Ok(stored)
}
