//! Access tokens: HS256 JWTs. Validation pins the algorithm, requires `exp`, `iat`,
//! `iss`, `aud`, `sub` and a `kid` naming a signing secret this server knows (the
//! current one or a previous one, so that secrets rotate without signing everyone out),
//! and refuses a token meant to live longer than `token_ttl_seconds`, however it is
//! signed. A user's token carries its token version (`ver`), checked against the stored
//! one per request ([`super::token_versions`]); a key's token carries its scopes (`scp`).

use cdmx_sdk::types::{ApiKeyScope, OrganizationKind, PrincipalKind, Role, TokenResponse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// The user's token version when issued (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ver: Option<i32>,
    /// The key's scopes (API keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scp: Option<Vec<ApiKeyScope>>,
}

/// A token that passed validation: who it speaks for and, for a user, the token
/// version it was issued at (to compare with the stored one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub principal: Principal,
    pub token_version: Option<i32>,
}

/// The `kid` of a signing secret: a digest that names the secret without revealing it,
/// so that operators configure secrets only and ids cannot drift from them.
pub fn key_id(secret: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(b"cdmx jwt kid\0");
    digest.update(secret);
    digest.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub struct TokenService {
    /// The current secret's `kid` and key: every new token is signed with it.
    current_kid: String,
    encoding: EncodingKey,
    /// The current secret and the previous ones, by `kid`.
    decoding: Vec<(String, DecodingKey)>,
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
        let current_kid = key_id(&secret);
        let mut decoding = vec![(current_kid.clone(), DecodingKey::from_secret(&secret))];
        for previous in &settings.jwt_previous_secrets {
            decoding.push((
                key_id(previous.as_bytes()),
                DecodingKey::from_secret(previous.as_bytes()),
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[&settings.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(Self {
            current_kid,
            encoding: EncodingKey::from_secret(&secret),
            decoding,
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl_seconds: settings.token_ttl_seconds,
        })
    }

    /// A token for `principal`; `token_version` is the user's current one (users only).
    pub fn issue(
        &self,
        principal: &Principal,
        token_version: Option<i32>,
    ) -> Result<TokenResponse, ApiError> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let is_key = principal.kind == PrincipalKind::ApiKey;
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
            ver: if is_key { None } else { token_version },
            scp: is_key.then(|| principal.scopes.clone()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current_kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(ApiError::internal)?;
        Ok(TokenResponse {
            access_token: token,
            token_type: "Bearer".to_owned(),
            expires_in: self.ttl_seconds,
        })
    }

    pub fn verify(&self, token: &str) -> Result<VerifiedToken, ApiError> {
        let refuse = |why: &str| ApiError::Unauthorized(why.to_owned());
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| refuse(token_problem(e.kind())))?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.iter().find(|(known, _)| known == kid))
            .map(|(_, key)| key)
            .ok_or_else(|| refuse(UNKNOWN_KEY))?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|e| refuse(token_problem(e.kind())))?
            .claims;
        if claims.exp.saturating_sub(claims.iat) > self.ttl_seconds {
            return Err(refuse(
                "the token is meant to live longer than this server allows; sign in again",
            ));
        }
        let scopes = match (claims.pk, claims.scp, claims.ver) {
            (PrincipalKind::ApiKey, Some(scopes), None) => scopes,
            (PrincipalKind::User, None, Some(_)) => ApiKeyScope::ALL.to_vec(),
            _ => return Err(refuse(LACKS_CLAIMS)),
        };
        Ok(VerifiedToken {
            token_version: claims.ver,
            principal: Principal {
                kind: claims.pk,
                id: claims.sub,
                organization_id: claims.org,
                organization_kind: claims.org_kind,
                role: claims.role,
                scopes,
            },
        })
    }
}

const UNKNOWN_KEY: &str = "the token was signed with a key this server does not know (or none \
     named): sign in again";
const LACKS_CLAIMS: &str = "the token lacks what this server puts in its tokens; sign in again";

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
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => LACKS_CLAIMS,
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

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const OLD_SECRET: &str = "an older secret, rotated out, 32+ bytes";

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
            scopes: ApiKeyScope::ALL.to_vec(),
        }
    }

    fn claims(now: u64) -> serde_json::Value {
        serde_json::json!({
            "sub": "user-1", "iss": "cdmx", "aud": "cdmx-api", "iat": now, "exp": now + 600,
            "pk": "user", "org": "org-1", "org_kind": "platform", "role": "admin", "ver": 0
        })
    }

    fn sign(claims: &serde_json::Value, secret: &str, kid: Option<String>) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid;
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn refusal(outcome: Result<VerifiedToken, ApiError>) -> String {
        match outcome {
            Err(ApiError::Unauthorized(why)) => why,
            other => panic!("expected 401, got {other:?}"),
        }
    }

    fn now() -> u64 {
        chrono::Utc::now().timestamp() as u64
    }

    #[test]
    fn issued_tokens_round_trip_with_kid_and_version() {
        let tokens = service(SECRET);
        let issued = tokens.issue(&principal(), Some(7)).unwrap();
        assert_eq!(issued.token_type, "Bearer");
        let header = jsonwebtoken::decode_header(&issued.access_token).unwrap();
        assert_eq!(header.kid, Some(key_id(SECRET.as_bytes())));
        let verified = tokens.verify(&issued.access_token).unwrap();
        assert_eq!(verified.principal, principal());
        assert_eq!(verified.token_version, Some(7));
    }

    #[test]
    fn key_tokens_carry_their_scopes() {
        let tokens = service(SECRET);
        let key = Principal {
            kind: PrincipalKind::ApiKey,
            scopes: vec![ApiKeyScope::Read, ApiKeyScope::Match],
            ..principal()
        };
        let issued = tokens.issue(&key, Some(3)).unwrap();
        let verified = tokens.verify(&issued.access_token).unwrap();
        assert_eq!(verified.principal, key);
        assert_eq!(verified.token_version, None, "keys have no token version");
    }

    #[test]
    fn previous_secrets_validate_and_unknown_kids_do_not() {
        let settings = Settings {
            jwt_secret: Some(SECRET.into()),
            jwt_previous_secrets: vec![OLD_SECRET.into()],
            ..Settings::default()
        };
        let tokens = TokenService::new(&settings).unwrap();
        let old = sign(
            &claims(now()),
            OLD_SECRET,
            Some(key_id(OLD_SECRET.as_bytes())),
        );
        assert!(
            tokens.verify(&old).is_ok(),
            "a previous secret still validates"
        );
        let current = sign(&claims(now()), SECRET, Some(key_id(SECRET.as_bytes())));
        assert!(tokens.verify(&current).is_ok());

        let unknown = sign(&claims(now()), SECRET, Some("0000000000000000".into()));
        assert!(refusal(tokens.verify(&unknown)).contains("does not know"));
        let none = sign(&claims(now()), SECRET, None);
        assert!(refusal(tokens.verify(&none)).contains("does not know"));
        // A known kid with another secret's signature is still a bad signature.
        let mislabelled = sign(&claims(now()), OLD_SECRET, Some(key_id(SECRET.as_bytes())));
        assert!(refusal(tokens.verify(&mislabelled)).starts_with("the token is not valid (signed"));
        // Without the previous secret configured, its tokens are unknown.
        assert!(refusal(service(SECRET).verify(&old)).contains("does not know"));
    }

    #[test]
    fn tokens_meant_to_outlive_the_configured_lifetime_are_refused() {
        let tokens = service(SECRET);
        let kid = Some(key_id(SECRET.as_bytes()));
        let mut long = claims(now());
        long["exp"] = serde_json::json!(now() + 3601);
        assert!(refusal(tokens.verify(&sign(&long, SECRET, kid.clone()))).contains("longer"));
        let mut exactly = claims(now());
        exactly["exp"] = serde_json::json!(now() + 3600);
        assert!(tokens.verify(&sign(&exactly, SECRET, kid)).is_ok());
    }

    #[test]
    fn tokens_lacking_the_claims_of_their_kind_are_refused() {
        let tokens = service(SECRET);
        let kid = Some(key_id(SECRET.as_bytes()));
        let mut no_version = claims(now());
        no_version.as_object_mut().unwrap().remove("ver");
        assert_eq!(
            refusal(tokens.verify(&sign(&no_version, SECRET, kid.clone()))),
            LACKS_CLAIMS
        );
        let mut key_without_scopes = claims(now());
        key_without_scopes["pk"] = serde_json::json!("api_key");
        key_without_scopes.as_object_mut().unwrap().remove("ver");
        assert_eq!(
            refusal(tokens.verify(&sign(&key_without_scopes, SECRET, kid))),
            LACKS_CLAIMS
        );
    }

    #[test]
    fn tokens_of_another_secret_are_refused() {
        let issued = service(SECRET).issue(&principal(), Some(0)).unwrap();
        let other = service("fedcba9876543210fedcba9876543210");
        assert!(refusal(other.verify(&issued.access_token)).contains("does not know"));
        assert!(
            refusal(other.verify("not-a-token")).contains("not a token from POST /v1/auth/token")
        );
    }

    #[test]
    fn unsigned_and_expired_tokens_are_refused() {
        let tokens = service(SECRET);
        let kid = Some(key_id(SECRET.as_bytes()));
        let claims = claims(now());
        // alg "none": the algorithm is pinned, so this must fail.
        let header = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#,
                key_id(SECRET.as_bytes())
            )
            .as_bytes(),
        );
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert!(tokens.verify(&format!("{header}.{body}.")).is_err());

        let mut expired = claims.clone();
        expired["iat"] = serde_json::json!(now() - 4000);
        expired["exp"] = serde_json::json!(now() - 3600);
        assert_eq!(
            refusal(tokens.verify(&sign(&expired, SECRET, kid.clone()))),
            "the token has expired; sign in again"
        );

        let mut wrong_audience = claims.clone();
        wrong_audience["aud"] = serde_json::json!("someone-else");
        assert!(
            tokens
                .verify(&sign(&wrong_audience, SECRET, kid.clone()))
                .is_err()
        );

        let mut no_iat = claims.clone();
        no_iat.as_object_mut().unwrap().remove("iat");
        assert!(
            tokens.verify(&sign(&no_iat, SECRET, kid.clone())).is_err(),
            "iat is required"
        );

        assert!(
            tokens.verify(&sign(&claims, SECRET, kid)).is_ok(),
            "the well-formed control token passes"
        );
    }
}
