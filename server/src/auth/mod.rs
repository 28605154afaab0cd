//! Who is calling, and what they may do.
//!
//! Callers authenticate with a bearer JWT obtained from `POST /v1/auth/token` (password
//! or API-key grant). Authorization rules live on [`Principal`], so that every handler
//! says what it requires in one line.

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

impl Principal {
    pub fn is_platform(&self) -> bool {
        self.organization_kind == OrganizationKind::Platform
    }

    /// Reading an organisation's private data: its own members, and platform operators.
    /// Anyone else is told it does not exist.
    pub fn require_visible(&self, organization_id: &str) -> Result<(), ApiError> {
        if self.organization_id == organization_id || self.is_platform() {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }

    /// Managing an organisation (members, keys): its own admins only.
    pub fn require_admin_of(&self, organization_id: &str) -> Result<(), ApiError> {
        if self.organization_id != organization_id {
            return Err(ApiError::NotFound);
        }
        if self.role != Role::Admin {
            return Err(ApiError::Forbidden(
                "this action needs the organisation's admin role".into(),
            ));
        }
        Ok(())
    }

    /// Operating the marketplace (verifying organisations): platform admins only.
    pub fn require_platform_admin(&self) -> Result<(), ApiError> {
        if self.is_platform() && self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this action is reserved to platform admins".into(),
            ))
        }
    }
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
            Ok(principal)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(org: &str, kind: OrganizationKind, role: Role) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: "u".into(),
            organization_id: org.into(),
            organization_kind: kind,
            role,
        }
    }

    #[test]
    fn other_organisations_private_data_is_not_found_not_forbidden() {
        let member = principal("a", OrganizationKind::Sponsor, Role::Admin);
        assert!(member.require_visible("a").is_ok());
        assert!(matches!(
            member.require_visible("b"),
            Err(ApiError::NotFound)
        ));
        assert!(matches!(
            member.require_admin_of("b"),
            Err(ApiError::NotFound)
        ));
    }

    #[test]
    fn members_cannot_administer_and_only_platform_admins_operate() {
        let member = principal("a", OrganizationKind::Cdmo, Role::Member);
        assert!(matches!(
            member.require_admin_of("a"),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            member.require_platform_admin(),
            Err(ApiError::Forbidden(_))
        ));
        let cdmo_admin = principal("a", OrganizationKind::Cdmo, Role::Admin);
        assert!(matches!(
            cdmo_admin.require_platform_admin(),
            Err(ApiError::Forbidden(_))
        ));
        let platform_member = principal("p", OrganizationKind::Platform, Role::Member);
        assert!(platform_member.require_visible("a").is_ok());
        assert!(matches!(
            platform_member.require_platform_admin(),
            Err(ApiError::Forbidden(_))
        ));
        let platform_admin = principal("p", OrganizationKind::Platform, Role::Admin);
        assert!(platform_admin.require_platform_admin().is_ok());
        // Operators see organisations but do not manage their members or keys.
        assert!(matches!(
            platform_admin.require_admin_of("a"),
            Err(ApiError::NotFound)
        ));
    }
}
