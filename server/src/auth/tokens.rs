//! Access tokens: HS256 JWTs. Validation pins the algorithm and requires `exp`, `iat`,
//! `iss`, `aud` and `sub`.

use cdmx_sdk::types::{OrganizationKind, PrincipalKind, Role, TokenResponse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Principal;
use crate::config::Settings;
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    /// Whether `sub` is a user or an API key.
    pk: PrincipalKind,
    org: String,
    org_kind: OrganizationKind,
    role: Role,
}

pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
}

impl TokenService {
    pub fn new(settings: &Settings) -> Result<Self, ApiError> {
        let secret = match &settings.jwt_secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "CDMX_JWT_SECRET is not set: using a random secret; tokens will not \
                     survive a restart nor be accepted by other server processes"
                );
                let mut random = vec![0u8; 32];
                getrandom::fill(&mut random).map_err(|e| ApiError::internal(e.to_string()))?;
                random
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[&settings.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl_seconds: settings.token_ttl_seconds,
        })
    }

    pub fn issue(&self, principal: &Principal) -> Result<TokenResponse, ApiError> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = Claims {
            sub: principal.id.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_seconds,
            pk: principal.kind,
            org: principal.organization_id.clone(),
            org_kind: principal.organization_kind,
            role: principal.role,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok(TokenResponse {
            access_token: token,
            token_type: "Bearer".to_owned(),
            expires_in: self.ttl_seconds,
        })
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| ApiError::Unauthorized(token_problem(e.kind()).to_owned()))?;
        let claims = data.claims;
        Ok(Principal {
            kind: claims.pk,
            id: claims.sub,
            organization_id: claims.org,
            organization_kind: claims.org_kind,
            role: claims.role,
        })
    }
}

/// Why a token was refused, in words a caller can act on (never the library's message).
fn token_problem(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::ExpiredSignature => "the token has expired; sign in again",
        ErrorKind::ImmatureSignature => {
            "the token is not valid yet; check the clock and sign in again"
        }
        ErrorKind::InvalidSignature => {
            "the token is not valid (signed by another server, or by this one before a restart \
             without CDMX_JWT_SECRET, or altered); sign in again"
        }
        ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
            "the token was issued for another service; sign in to this one"
        }
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
            "the token is not signed the way this server signs tokens; sign in again"
        }
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
            "the token lacks what this server puts in its tokens; sign in again"
        }
        _ => {
            "the token is not valid (not a token from POST /v1/auth/token, or cut short); \
             sign in again"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn service(secret: &str) -> TokenService {
        let settings = Settings {
            jwt_secret: Some(secret.into()),
            ..Settings::default()
        };
        TokenService::new(&settings).unwrap()
    }

    fn principal() -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: "user-1".into(),
            organization_id: "org-1".into(),
            organization_kind: OrganizationKind::Sponsor,
            role: Role::Admin,
        }
    }

    #[test]
    fn issued_tokens_round_trip() {
        let tokens = service("0123456789abcdef0123456789abcdef");
        let issued = tokens.issue(&principal()).unwrap();
        assert_eq!(issued.token_type, "Bearer");
        assert_eq!(tokens.verify(&issued.access_token).unwrap(), principal());
    }

    #[test]
    fn tokens_of_another_secret_are_refused() {
        let issued = service("0123456789abcdef0123456789abcdef")
            .issue(&principal())
            .unwrap();
        let other = service("fedcba9876543210fedcba9876543210");
        match other.verify(&issued.access_token) {
            Err(ApiError::Unauthorized(why)) => {
                assert!(
                    why.starts_with("the token is not valid (signed by another"),
                    "{why}"
                )
            }
            other => panic!("expected 401, got {other:?}"),
        }
        match other.verify("not-a-token") {
            Err(ApiError::Unauthorized(why)) => {
                assert!(
                    why.contains("not a token from POST /v1/auth/token"),
                    "{why}"
                )
            }
            other => panic!("expected 401, got {other:?}"),
        }
    }

    #[test]
    fn unsigned_and_expired_tokens_are_refused() {
        let tokens = service("0123456789abcdef0123456789abcdef");
        let now = chrono::Utc::now().timestamp() as u64;
        let claims = serde_json::json!({
            "sub": "user-1", "iss": "cdmx", "aud": "cdmx-api", "iat": now, "exp": now + 600,
            "pk": "user", "org": "org-1", "org_kind": "platform", "role": "admin"
        });
        // alg "none": the algorithm is pinned, so this must fail.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert!(tokens.verify(&format!("{header}.{body}.")).is_err());

        let key = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        let mut expired = claims.clone();
        expired["exp"] = serde_json::json!(now - 3600);
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &expired, &key).unwrap();
        match tokens.verify(&token) {
            Err(ApiError::Unauthorized(why)) => {
                assert_eq!(why, "the token has expired; sign in again")
            }
            other => panic!("expected 401, got {other:?}"),
        }

        let mut wrong_audience = claims.clone();
        wrong_audience["aud"] = serde_json::json!("someone-else");
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &wrong_audience, &key).unwrap();
        assert!(tokens.verify(&token).is_err());

        let mut no_iat = claims.clone();
        no_iat.as_object_mut().unwrap().remove("iat");
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &no_iat, &key).unwrap();
        assert!(tokens.verify(&token).is_err(), "iat is required");

        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert!(
            tokens.verify(&token).is_ok(),
            "the well-formed control token passes"
        );
    }
}
