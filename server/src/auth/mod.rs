//! Who is calling, and what they may do.
//!
//! Callers authenticate with a bearer JWT obtained from `POST /v1/auth/token` (password
//! or API-key grant). What they may do is decided in one place, [`policy`].

pub mod api_keys;
pub mod passwords;
pub mod policy;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use cdmx_sdk::types::{OrganizationKind, PrincipalKind, Role};

use crate::db::{StoreError, accounts};
use crate::error::ApiError;
use crate::limits::OrganizationQuota;
use crate::startup::AppState;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// User id or API key id.
    pub id: String,
    pub organization_id: String,
    pub organization_kind: OrganizationKind,
    pub role: Role,
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
        let quota = OrganizationQuota::of_request(req.method(), req.match_pattern().as_deref());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let principal = state.tokens.verify(&token?)?;
            if principal.kind == PrincipalKind::ApiKey {
                // Tokens are stateless, but a revoked key must stop working at once, not
                // when its last token expires: one indexed lookup per key-based request.
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
            if let Some(quota) = quota {
                state
                    .limits
                    .check_organization(&principal.organization_id, quota)?;
            }
            Ok(principal)
        })
    }
}
