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

closed_set! {
    /// What an API key may do, on top of its role. Users have no scopes: their role
    /// alone decides.
    ApiKeyScope {
        /// Read what the role may read: the organisation, its users, the marketplace,
        /// programmes, shortlists and reports, reservations, listing history.
        Read = "read",
        /// Run matches: ad-hoc and of a programme.
        Match = "match",
        /// Create and change the CDMO profile, its evidence and its listing.
        ProfilesWrite = "profiles:write",
        /// Publish, change and withdraw capacity.
        CapacityWrite = "capacity:write",
        /// Create, change and archive programmes; save and archive shortlists, record
        /// decisions on them and share their reports.
        ProgramsWrite = "programs:write",
        /// Place, confirm, decline, cancel and reschedule reservations.
        ReservationsWrite = "reservations:write",
        /// Manage the organisation (users, API keys) and, for platform keys, verify
        /// organisations and evidence.
        Admin = "admin",
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
    /// The API key's scopes (API keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<ApiKeyScope>>,
    /// The caller's organisation.
    pub organization: Organization,
}

/// Change your own password (users).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The password you signed in with.
    pub current_password: String,
    /// The new password, at least 12 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    pub new_password: String,
}

/// Create an API key (organisation admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// What the key is for, 1 to 100 characters, e.g. `ERP capacity sync`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// The role the key acts with; `member` unless given. A key creating a key cannot
    /// give it a role it lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// What the key may do, on top of its role; at least one, no repeats. Unless given,
    /// every scope its creator holds (every scope when a user creates it). A key
    /// creating a key cannot give it a scope it lacks (403 naming it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub scopes: Option<Vec<ApiKeyScope>>,
}

impl CreateApiKeyRequest {
    /// A request for a key named `name` with the default role and scopes.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            role: None,
            scopes: None,
        }
    }
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
    /// What the key may do, on top of its role.
    pub scopes: Vec<ApiKeyScope>,
    /// Id of the user who created the key; absent when it was created with an API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Id of the API key that created this key; absent when a user created it. Revoking
    /// that key revokes this one too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_key: Option<String>,
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
