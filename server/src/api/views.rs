//! Database rows to API views. Rows never leave the server as they are.

use cdmx_sdk::types::{ApiKey, Organization, OrganizationKind, Role, User};
use chrono::NaiveDateTime;

use crate::db::accounts::{ApiKeyRow, OrganizationRow, UserRow};
use crate::error::ApiError;

fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

pub fn organization_kind(text: &str) -> Result<OrganizationKind, ApiError> {
    match text {
        "sponsor" => Ok(OrganizationKind::Sponsor),
        "cdmo" => Ok(OrganizationKind::Cdmo),
        "platform" => Ok(OrganizationKind::Platform),
        other => Err(ApiError::internal(format!(
            "unknown organisation kind `{other}` in storage"
        ))),
    }
}

pub fn role(text: &str) -> Result<Role, ApiError> {
    match text {
        "admin" => Ok(Role::Admin),
        "member" => Ok(Role::Member),
        other => Err(ApiError::internal(format!(
            "unknown role `{other}` in storage"
        ))),
    }
}

pub fn organization(row: OrganizationRow) -> Result<Organization, ApiError> {
    Ok(Organization {
        kind: organization_kind(&row.kind)?,
        id: row.id,
        name: row.name,
        verified: row.verified,
        verified_at: row.verified_at.map(utc),
        created_at: utc(row.created_at),
    })
}

pub fn user(row: UserRow) -> Result<User, ApiError> {
    Ok(User {
        role: role(&row.role)?,
        id: row.id,
        organization_id: row.organization_id,
        email: row.email,
        created_at: utc(row.created_at),
    })
}

pub fn api_key(row: ApiKeyRow) -> Result<ApiKey, ApiError> {
    Ok(ApiKey {
        role: role(&row.role)?,
        id: row.id,
        organization_id: row.organization_id,
        name: row.name,
        prefix: row.prefix,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        last_used_at: row.last_used_at.map(utc),
        revoked_at: row.revoked_at.map(utc),
    })
}
