use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

closed_set! {
    /// What an organisation is on the exchange.
    OrganizationKind {
        /// A company or trial sponsor with a programme that needs manufacturing.
        Sponsor = "sponsor",
        /// A contract manufacturer: commercial CDMO, academic/hospital GMP centre, point-of-care unit.
        Cdmo = "cdmo",
        /// The marketplace operator. Not available at sign-up.
        Platform = "platform",
    }
}

closed_set! {
    /// A member's role within its organisation.
    Role {
        /// Manages the organisation: members, API keys, profiles and capacity.
        Admin = "admin",
        /// Reads and works with the organisation's data.
        Member = "member",
    }
}

/// An organisation on the exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    /// Organisation id (server-assigned).
    pub id: String,
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// Sponsor, CDMO or platform operator.
    pub kind: OrganizationKind,
    /// Whether a platform admin has verified this organisation.
    pub verified: bool,
    /// When a platform admin verified it; absent while unverified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    /// When the organisation was created.
    pub created_at: DateTime<Utc>,
}

/// Sign-up: a new organisation and its first admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpRequest {
    /// Organisation name, 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// `sponsor` or `cdmo`.
    pub kind: OrganizationKind,
    /// The first admin user.
    pub admin: NewUser,
}

/// Credentials of a new user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// Login email address, at most 254 characters; stored in lower case.
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    /// At least 12 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    pub password: String,
}

/// The result of a sign-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpResponse {
    /// The new organisation; it starts unverified.
    pub organization: Organization,
    /// The first admin user; sign in with its email and password.
    pub admin: User,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// User id (server-assigned).
    pub id: String,
    /// The organisation the user belongs to.
    pub organization_id: String,
    /// Login email address, in lower case.
    pub email: String,
    /// The user's role in its organisation.
    pub role: Role,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When an admin deactivated the user; absent while active. A deactivated user
    /// cannot sign in and its tokens are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// Add a user to an organisation (organisation admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    /// Login email address, at most 254 characters; stored in lower case.
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    /// At least 12 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    pub password: String,
    /// The new user's role.
    pub role: Role,
}

/// Filters for listing organisations (platform operators see all; others only their own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OrganizationFilter {
    /// Only organisations of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OrganizationKind>,
    /// Only verified (`true`) or only unverified (`false`) organisations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
