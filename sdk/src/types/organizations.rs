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
    pub id: String,
    pub name: String,
    pub kind: OrganizationKind,
    /// Whether a platform admin has verified this organisation.
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Sign-up: a new organisation and its first admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpRequest {
    /// Organisation name, 1 to 200 characters.
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
    pub email: String,
    /// At least 12 characters.
    pub password: String,
}

/// The result of a sign-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpResponse {
    pub organization: Organization,
    pub admin: User,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// Add a user to an organisation (organisation admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    pub role: Role,
}

/// Filters for listing organisations (platform operators see all; others only their own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OrganizationFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OrganizationKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
