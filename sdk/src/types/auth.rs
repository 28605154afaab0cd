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
    Password {
        /// The user's email address (case-insensitive).
        email: String,
        /// The user's password.
        password: String,
    },
    /// An organisation API key (`cdmx_sk_...`).
    ApiKey {
        /// The full key (`cdmx_sk_...`) as shown once when it was created.
        api_key: String,
    },
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// The token to send as `Authorization: Bearer <access_token>`.
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
    /// Whether the token speaks for a user or an API key.
    pub principal_kind: PrincipalKind,
    /// The user id or API key id.
    pub principal_id: String,
    /// The user's email (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The API key's name (API keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_name: Option<String>,
    /// The user's or API key's role in its organisation.
    pub role: Role,
    /// The caller's organisation.
    pub organization: Organization,
}

/// Create an API key (organisation admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// What the key is for, 1 to 100 characters, e.g. `ERP capacity sync`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// The role the key acts with; `member` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// An API key, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// API key id (server-assigned); not the secret.
    pub id: String,
    /// The organisation the key acts for.
    pub organization_id: String,
    /// What the key is for, as given at creation.
    pub name: String,
    /// The key's recognisable start (`cdmx_sk_` and eight characters), to tell keys apart.
    pub prefix: String,
    /// The role the key acts with.
    pub role: Role,
    /// Id of the user who created the key; absent when it was created with an API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// When the key last obtained an access token; absent if never used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the key was revoked; absent while it is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API key. `secret` is shown this once and never again: only its hash is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The new key's details.
    pub api_key: ApiKey,
    /// The full key (`cdmx_sk_...`) to exchange for tokens; store it now, it is not shown again.
    pub secret: String,
}
