use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Organization, Role};

/// Exchange credentials for an access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Request-only and internally tagged: serde buffers such bodies out of the server's
// unknown-field check, so the type itself refuses unknown fields.
#[serde(tag = "grant_type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenRequest {
    /// A user's email and password.
    Password { email: String, password: String },
    /// An organisation API key (`cdmx_sk_...`).
    ApiKey { api_key: String },
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

closed_set! {
    /// Who a token speaks for.
    PrincipalKind {
        /// A signed-in user.
        User = "user",
        /// An organisation API key.
        ApiKey = "api_key",
    }
}

/// The caller: a user or an API key, its organisation and role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub principal_kind: PrincipalKind,
    /// The user id or API key id.
    pub principal_id: String,
    /// The user's email (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The API key's name (API keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_name: Option<String>,
    pub role: Role,
    pub organization: Organization,
}

/// Create an API key (organisation admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// What the key is for, 1 to 100 characters, e.g. `ERP capacity sync`.
    pub name: String,
    /// The role the key acts with; `member` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// An API key, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// The key's recognisable start (`cdmx_sk_` and eight characters), to tell keys apart.
    pub prefix: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API key. `secret` is shown this once and never again: only its hash is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    pub secret: String,
}
